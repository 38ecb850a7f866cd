//! Closes petitions on time even when nobody signs, and catches up after a restart.
//!
//! Each app server runs one; the store records every close exactly once however many race for
//! it, dated the deadline rather than the moment it was noticed.

use std::sync::Arc;
use std::time::Duration;

use petition_store::mail::Mailing;
use petition_store::proposals::ProposalPolicy;
use petition_store::retention::{self, Retention};
use petition_store::settings::Live;
use petition_store::{counts, lifecycle, petitions, Db};
use tokio::sync::Notify;

/// How often a petition's state is checked against its count in any case, to record anything a
/// crash between a commit and its settle left unrecorded (on this or another server).
const SWEEP: Duration = Duration::from_secs(60);
/// How often the counters are checked against a recount from the signature rows.
const RECOUNT: Duration = Duration::from_secs(600);
/// How often expired attempts and personal data past its retention period are deleted.
const HOUSEKEEPING: Duration = Duration::from_secs(600);
/// The longest sleep, so a deadline moved by another server (a resume) is not missed for long.
const NAP: i64 = 5_000;

pub struct Scheduler {
    pub db: Db,
    /// For carrying over opened proposals' first signatures (their dedupe keys).
    pub secrets: petition_store::secrets::Secrets,
    pub mailing: Mailing,
    /// How long personal data is kept, and when proposals lapse.
    pub settings: Arc<Live>,
    pub wake_mailer: Arc<Notify>,
}

fn now_ms() -> i64 {
    petition_store::time::now_utc().timestamp_millis()
}

impl Scheduler {
    /// Records what fell due while the site was down.
    pub async fn catch_up(&self) -> Result<(), String> {
        let changed = lifecycle::settle_all(&self.db, &self.mailing, petition_store::now())
            .await
            .map_err(|e| format!("cannot bring petitions up to date: {e}"))?;
        if changed > 0 {
            tracing::info!(changed, "recorded closes and crossings that fell due while the site was down");
            self.wake_mailer.notify_one();
        }
        Ok(())
    }

    pub async fn run(self) {
        let mut last_sweep = tokio::time::Instant::now();
        let mut last_recount = tokio::time::Instant::now() - RECOUNT;
        let mut last_housekeeping = tokio::time::Instant::now() - HOUSEKEEPING;
        loop {
            let now = petition_store::now();
            match lifecycle::close_due(&self.db, &self.mailing, now).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(closed = n, "closed petitions at their deadline");
                    self.wake_mailer.notify_one();
                }
                Err(e) => tracing::warn!("closing due petitions failed (will retry): {e}"),
            }
            if last_sweep.elapsed() >= SWEEP {
                last_sweep = tokio::time::Instant::now();
                match lifecycle::settle_all(&self.db, &self.mailing, now).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::warn!(changed = n, "the sweep recorded changes a settle had missed");
                        self.wake_mailer.notify_one();
                    }
                    Err(e) => tracing::warn!("sweep failed (will retry): {e}"),
                }
                // First signatures an opening left for later (a crash, a pause, an error).
                match petition_store::proposals::carry_over(&self.db, &self.secrets, &self.mailing, None, now).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(carried = n, "carried over first signatures of opened proposals");
                        self.wake_mailer.notify_one();
                    }
                    Err(e) => tracing::warn!("carrying over first signatures failed (will retry): {e}"),
                }
            }
            if last_housekeeping.elapsed() >= HOUSEKEEPING {
                last_housekeeping = tokio::time::Instant::now();
                self.housekeeping(now).await;
            }
            if last_recount.elapsed() >= RECOUNT {
                last_recount = tokio::time::Instant::now();
                self.recount().await;
            }
            let next = lifecycle::next_deadline(&self.db).await.ok().flatten();
            let wait = match next {
                Some(d) if d * 1000 > now_ms() => (d * 1000 - now_ms()).min(NAP),
                // Due now but not closed (an error above): try again shortly, without spinning.
                Some(_) => 1_000,
                None => NAP,
            };
            tokio::time::sleep(Duration::from_millis(wait.max(1) as u64)).await;
        }
    }

    /// Deletes what is no longer needed: expired signing attempts, and personal data past its
    /// retention period (see `petition_store::retention`).
    async fn housekeeping(&self, now: i64) {
        let settings = match self.settings.get(&self.db).await {
            Ok(s) => s,
            Err(e) => return tracing::warn!("reading the settings for housekeeping failed (will retry): {e}"),
        };
        match petition_store::signatures::attempts::purge_expired(&self.db, now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "deleted expired signing attempts"),
            Err(e) => tracing::warn!("deleting expired signing attempts failed (will retry): {e}"),
        }
        let proposals = ProposalPolicy::from(&settings);
        match petition_store::proposals::lapse_stalled(&self.db, &self.mailing, &proposals, now).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(lapsed = n, "lapsed proposals that ran out of time");
                self.wake_mailer.notify_one();
            }
            Err(e) => tracing::warn!("lapsing proposals failed (will retry): {e}"),
        }
        match retention::erase_due(&self.db, &Retention::from(&settings), now).await {
            Ok(e) if e.is_empty() => {}
            Ok(e) => tracing::info!(
                petitions = e.petitions,
                signatures = e.signatures,
                attempts = e.attempts,
                conflicts = e.conflicts,
                emails = e.mails,
                electors = e.electors,
                "erased personal data past its retention period"
            ),
            Err(e) => tracing::warn!("erasing personal data past its retention period failed (will retry): {e}"),
        }
    }

    /// The slow path: every petition's counters against a recount from the rows.
    async fn recount(&self) {
        let Ok(all) = petitions::load_all(&self.db).await else { return };
        for p in all {
            match counts::check_and_record(&self.db, p.id, petition_store::now()).await {
                Ok(diff) if diff.is_empty() => {}
                Ok(diff) => tracing::error!(
                    petition = p.id,
                    ?diff,
                    "counters disagree with a recount from the signature rows (ward, counters, recount)"
                ),
                Err(e) => tracing::warn!("recount of petition {} failed: {e}", p.id),
            }
        }
    }
}
