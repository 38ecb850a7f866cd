//! Group commit: one background writer per kind of change takes whatever has arrived while it was
//! busy (up to a limit) and commits it in one transaction, then hands each item back with its
//! result. The disk's wait for a commit is then shared by everyone in the group instead of paid by
//! each, which is what lets two cores take thousands of signatures a second.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::{mpsc, oneshot};

use crate::error::{Result, StoreError};

/// Writes a group and gives it back with, for each item in order, what became of it.
pub(crate) type Commit<T, R = bool> =
    Box<dyn Fn(Vec<T>) -> Pin<Box<dyn Future<Output = (Vec<T>, Vec<Result<R>>)> + Send>> + Send + Sync>;

struct Job<T, R> {
    item: T,
    reply: oneshot::Sender<(T, Result<R>)>,
}

/// A handle on a group writer. Cheap to clone.
pub(crate) struct Grouper<T, R = bool> {
    jobs: mpsc::Sender<Job<T, R>>,
}

impl<T, R> Clone for Grouper<T, R> {
    fn clone(&self) -> Self {
        Grouper { jobs: self.jobs.clone() }
    }
}

impl<T: Send + 'static, R: Send + 'static> Grouper<T, R> {
    /// Starts the writer on the current Tokio runtime.
    pub(crate) fn start(max_group: usize, commit: Commit<T, R>) -> Grouper<T, R> {
        let max_group = max_group.max(1);
        let (jobs, mut rx) = mpsc::channel::<Job<T, R>>(max_group * 4);
        tokio::spawn(async move {
            let mut jobs = Vec::with_capacity(max_group);
            while rx.recv_many(&mut jobs, max_group).await > 0 {
                let (items, replies): (Vec<T>, Vec<_>) = jobs.drain(..).map(|j| (j.item, j.reply)).unzip();
                // Each group is written in a task of its own: should it panic, only its own
                // requests fail (they are told to try again) and the writer carries on.
                match tokio::spawn(commit(items)).await {
                    Ok((items, results)) => {
                        for ((item, reply), result) in items.into_iter().zip(replies).zip(results) {
                            let _ = reply.send((item, result));
                        }
                    }
                    Err(e) => tracing::error!(size = replies.len(), error = %e, "writing a group failed"),
                }
            }
        });
        Grouper { jobs }
    }

    /// Adds an item to the next group and waits until that group is committed. The item comes
    /// back with what became of it.
    pub(crate) async fn submit(&self, item: T) -> Result<(T, R)> {
        let (reply, answered) = oneshot::channel();
        self.jobs
            .send(Job { item, reply })
            .await
            .map_err(|_| StoreError::Unavailable("the group writer has stopped"))?;
        let (item, written) = answered.await.map_err(|_| StoreError::Unavailable("writing this group failed"))?;
        Ok((item, written?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer that records the size of each group, takes a little while, and panics on 13.
    fn writer(sizes: Arc<Mutex<Vec<usize>>>, max: usize) -> Grouper<i32> {
        Grouper::start(
            max,
            Box::new(move |items: Vec<i32>| {
                let sizes = sizes.clone();
                Box::pin(async move {
                    sizes.lock().unwrap().push(items.len());
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    assert!(!items.contains(&13), "unlucky");
                    let results = items.iter().map(|i| Ok(i % 2 == 0)).collect();
                    (items, results)
                })
            }),
        )
    }

    #[tokio::test]
    async fn what_arrives_during_a_commit_goes_in_the_next_group() {
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let w = writer(sizes.clone(), 8);
        let tasks: Vec<_> = (100..140)
            .map(|i| {
                let w = w.clone();
                tokio::spawn(async move { w.submit(i).await.unwrap() })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), (100 + i as i32, i % 2 == 0), "each item comes back with its own result");
        }
        let sizes = sizes.lock().unwrap().clone();
        assert_eq!(sizes.iter().sum::<usize>(), 40);
        assert!(sizes.len() < 40 && sizes.iter().all(|&n| n <= 8), "groups of at most 8: {sizes:?}");
    }

    #[tokio::test]
    async fn a_group_that_panics_fails_only_its_own_requests() {
        let w = writer(Arc::new(Mutex::new(Vec::new())), 8);
        assert!(w.submit(13).await.is_err());
        assert_eq!(w.submit(4).await.unwrap(), (4, true));
    }
}
