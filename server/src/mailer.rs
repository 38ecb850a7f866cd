//! Sends the outbox: claims a batch of due emails, sends them over SMTP (or writes them to files in
//! the demo), and marks those sent. Failures are retried with backoff; nothing is dropped.
//! [`SENDERS`] senders run at once.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lettre::message::header::ContentType;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use petition_store::mail::outbox::{self, Claimed};
use petition_store::Db;
use tokio::sync::Notify;

use crate::config::Config;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    pub fn from_config(cfg: &Config) -> Result<Transport, String> {
        match &cfg.smtp_url {
            Some(url) => {
                let (host, port) = parse_smtp_url(url)?;
                Ok(Transport::Smtp(
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                        .port(port)
                        .timeout(Some(Duration::from_secs(SEND_TIMEOUT_SECS)))
                        // Every conversation the senders hold at once, kept open between batches.
                        .pool_config(PoolConfig::new().max_size((SENDERS * AT_ONCE) as u32))
                        .build(),
                ))
            }
            None => {
                std::fs::create_dir_all(&cfg.mail_dir).map_err(|e| format!("{}: {e}", cfg.mail_dir.display()))?;
                Ok(Transport::Files(AsyncFileTransport::new(&cfg.mail_dir)))
            }
        }
    }
}

/// `smtp://host[:port]`: a relay that accepts mail from this server (port 25 by default).
pub fn parse_smtp_url(url: &str) -> Result<(String, u16), String> {
    let rest = url.strip_prefix("smtp://").ok_or("SMTP_URL must look like smtp://host:port")?;
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| "SMTP_URL has a bad port number")?),
        None => (rest, 25),
    };
    if host.is_empty() || host.contains('/') || host.contains('@') {
        return Err("SMTP_URL must look like smtp://host:port".into());
    }
    Ok((host.to_string(), port))
}

/// Senders running at once in each server: while one sends its batch, another claims the next.
pub const SENDERS: usize = 2;
/// Emails a sender claims at once. Claiming and marking sent are one write each per batch: one
/// at a time, two writes per email took SQLite's write lock from signers in a surge.
pub const BATCH: usize = 32;
/// SMTP conversations each sender holds at once.
pub const AT_ONCE: usize = 8;
/// The longest one SMTP exchange may take.
const SEND_TIMEOUT_SECS: u64 = 20;
/// How long a batch's claim lasts: longer than the slowest batch (each of its `BATCH / AT_ONCE`
/// rounds timing out), so a slow relay does not let a second sender take emails still being sent.
/// After a crash, the claimed emails wait this long to be sent.
const LEASE_SECS: i64 = 2 * (BATCH / AT_ONCE) as i64 * SEND_TIMEOUT_SECS as i64;

pub struct Mailer {
    pub db: Db,
    pub transport: Transport,
    pub from: String,
    pub domain: String,
    pub wake: Arc<Notify>,
}

impl Mailer {
    fn message(&self, c: &Claimed) -> Result<Message, String> {
        Message::builder()
            .from(self.from.parse().map_err(|e| format!("MAIL_FROM: {e}"))?)
            .to(c.mail.recipient.parse().map_err(|e| format!("recipient: {e}"))?)
            .subject(&c.mail.subject)
            .message_id(Some(c.message_id(&self.domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(c.mail.body.clone())
            .map_err(|e| e.to_string())
    }

    async fn deliver(&self, m: Message) -> Result<(), String> {
        match &self.transport {
            Transport::Smtp(t) => t.send(m).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Files(t) => t.send(m).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }

    /// Sends a batch of due emails, [`AT_ONCE`] at a time; false when none was due.
    pub async fn send_batch(&self) -> Result<bool, String> {
        let now = petition_store::now();
        let claimed = outbox::claim_due(&self.db, now, LEASE_SECS, BATCH).await.map_err(|e| e.to_string())?;
        if claimed.is_empty() {
            return Ok(false);
        }
        let results: Vec<(Claimed, Result<(), String>)> = futures_util::stream::iter(claimed)
            .map(|c| async move {
                let result = match self.message(&c) {
                    Ok(m) => self.deliver(m).await,
                    Err(e) => Err(e),
                };
                (c, result)
            })
            .buffer_unordered(AT_ONCE)
            .collect()
            .await;
        let (sent, failed): (Vec<_>, Vec<_>) = results.into_iter().partition(|(_, result)| result.is_ok());
        // What went out is marked first: a failure to record a failure must not leave sent
        // emails to be sent again.
        let sent: Vec<Claimed> = sent.into_iter().map(|(c, _)| c).collect();
        let marked = outbox::mark_all_sent(&self.db, &sent, petition_store::now()).await.map_err(|e| e.to_string())?;
        if marked < sent.len() {
            tracing::warn!(lapsed = sent.len() - marked, "emails sent after their claim lapsed");
        }
        for (c, result) in failed {
            let Err(e) = result else { continue };
            // SMTP servers repeat the recipient in their refusals: keep it out of the log.
            let e = without_addresses(&e);
            tracing::warn!(id = c.id, attempts = c.attempts, "email not sent, will retry: {e}");
            outbox::mark_failed(&self.db, &c, petition_store::now(), &e).await.map_err(|e| e.to_string())?;
        }
        Ok(true)
    }

    /// Runs forever: drains the outbox, then waits to be woken or for a second to pass. Several
    /// run at once (each claim is exclusive); one that finds work wakes another, so a surge's
    /// emails go out in parallel over pooled SMTP connections.
    pub async fn run(self: Arc<Self>) {
        loop {
            match self.send_batch().await {
                Ok(true) => {
                    self.wake.notify_one();
                    continue;
                }
                Ok(false) => {}
                Err(e) => tracing::error!("outbox: {e}"),
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), self.wake.notified()).await;
        }
    }
}

/// `text` with every word that holds an email address replaced, for logs and stored errors.
fn without_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(if word.contains('@') { "<address>" } else { word });
        word.clear();
    };
    for ch in text.chars() {
        if ch.is_whitespace() || matches!(ch, '<' | '>' | '(' | ')' | '"' | '\'' | ',' | ';' | '[' | ']') {
            flush(&mut word, &mut out);
            out.push(ch);
        } else {
            word.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn refusals_lose_their_addresses() {
        let said = "permanent error (550): 5.1.1 <jane.doe+x@example.org>: Recipient address rejected; to=bob@x.org";
        let shown = super::without_addresses(said);
        assert!(!shown.contains('@'), "{shown}");
        assert_eq!(shown, "permanent error (550): 5.1.1 <<address>>: Recipient address rejected; <address>");
        assert_eq!(super::without_addresses("connection refused"), "connection refused");
    }

    #[test]
    fn smtp_urls() {
        assert_eq!(super::parse_smtp_url("smtp://127.0.0.1:2525").unwrap(), ("127.0.0.1".into(), 2525));
        assert_eq!(
            super::parse_smtp_url("smtp://relay.council.example").unwrap(),
            ("relay.council.example".into(), 25)
        );
        assert!(super::parse_smtp_url("smtps://x:1").is_err());
        assert!(super::parse_smtp_url("smtp://user@x:1").is_err());
        assert!(super::parse_smtp_url("smtp://x:notaport").is_err());
    }
}
