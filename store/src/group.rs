//! Group commit: one background writer per kind of change takes whatever has arrived while it was
//! busy (up to a limit) and commits it in one transaction, then hands each item back with its
//! result. The disk's wait for a commit is then shared by everyone in the group instead of paid by
//! each, which is what lets two cores take thousands of signatures a second.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::{mpsc, oneshot};

use crate::{Result, StoreError};

/// Writes a group and says, for each item in order, whether it was written.
pub(crate) type Commit<T> = Box<dyn for<'a> Fn(&'a [T]) -> Pin<Box<dyn Future<Output = Vec<Result<bool>>> + Send + 'a>> + Send + Sync>;

struct Job<T> {
    item: T,
    reply: oneshot::Sender<(T, Result<bool>)>,
}

/// A handle on a group writer. Cheap to clone.
pub(crate) struct Grouper<T> {
    jobs: mpsc::Sender<Job<T>>,
}

impl<T> Clone for Grouper<T> {
    fn clone(&self) -> Self {
        Grouper { jobs: self.jobs.clone() }
    }
}

impl<T: Send + 'static> Grouper<T> {
    /// Starts the writer on the current Tokio runtime.
    pub(crate) fn start(max_group: usize, commit: Commit<T>) -> Grouper<T> {
        let max_group = max_group.max(1);
        let (jobs, mut rx) = mpsc::channel::<Job<T>>(max_group * 4);
        tokio::spawn(async move {
            let mut jobs = Vec::with_capacity(max_group);
            while rx.recv_many(&mut jobs, max_group).await > 0 {
                let (items, replies): (Vec<T>, Vec<_>) = jobs.drain(..).map(|j| (j.item, j.reply)).unzip();
                let results = commit(&items).await;
                for ((item, reply), result) in items.into_iter().zip(replies).zip(results) {
                    let _ = reply.send((item, result));
                }
            }
        });
        Grouper { jobs }
    }

    /// Adds an item to the next group and waits until that group is committed. The item comes
    /// back with whether it was written.
    pub(crate) async fn submit(&self, item: T) -> Result<(T, bool)> {
        let stopped = || StoreError::Invalid("the group writer has stopped".into());
        let (reply, answered) = oneshot::channel();
        self.jobs.send(Job { item, reply }).await.map_err(|_| stopped())?;
        let (item, written) = answered.await.map_err(|_| stopped())?;
        Ok((item, written?))
    }
}
