//! Settings, from the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub public_url: String,
    pub site_addr: SocketAddr,
    pub site_root: String,
    /// `smtp://host:port`; without it, emails are written as files under `mail_dir`.
    pub smtp_url: Option<String>,
    pub mail_dir: PathBuf,
    pub mail_from: String,
    pub secret_file: PathBuf,
    pub sign_per_ip_per_minute: u32,
    pub sign_per_email_per_hour: u32,
    pub receipt_checks_per_ip_per_minute: u32,
    /// Officer sign-in and password-reset posts per client per minute.
    pub sign_in_per_ip_per_minute: u32,
    /// The header in which a TLS proxy in front reports the client's address, if any.
    pub trusted_proxy_header: Option<axum::http::HeaderName>,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    /// Register markers of electors who are not local government electors.
    pub non_local_markers: petition_core::franchise::NonLocalMarkers,
    /// The largest reference data file an officer may upload, in bytes.
    pub upload_max_bytes: usize,
    /// Where notices for electoral officers go (a petition reaching its trigger).
    pub officer_email: Option<String>,
    /// Seconds a signing attempt waits to be confirmed.
    pub attempt_lifetime: i64,
    /// How long personal data is kept.
    pub retention: petition_store::retention::Retention,
    /// The transparency log's origin (also its key's name), a schema-less URL.
    pub log_origin: String,
    pub log_key_file: PathBuf,
    pub tally_key_file: PathBuf,
    /// How long officers' sessions last, idle and in all.
    pub officer_sessions: petition_store::officers::SessionPolicy,
    /// Sponsors a proposal needs, and the office's target for deciding on one.
    pub proposals: petition_store::proposals::ProposalPolicy,
}

/// Dates like `2027-06-04,2028-05-08`, as day numbers: days off the rules do not give.
fn extra_holidays(v: &str) -> Result<Vec<i64>, String> {
    v.split(',')
        .map(|d| {
            chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                .map(|date| (date - chrono::NaiveDate::default()).num_days())
                .map_err(|_| format!("EXTRA_BANK_HOLIDAYS: {:?} is not a date like 2027-06-04", d.trim()))
        })
        .collect()
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let site_addr: SocketAddr = var("LEPTOS_SITE_ADDR")
            .or_else(|| var("SITE_ADDR"))
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| format!("SITE_ADDR: {e}"))?;
        let number = |name: &str, default: u32| -> Result<u32, String> {
            match var(name) {
                None => Ok(default),
                Some(v) => v.parse().ok().filter(|n| *n > 0).ok_or(format!("{name} must be a whole number above 0")),
            }
        };
        let public_url = var("PUBLIC_URL").unwrap_or_else(|| format!("http://{site_addr}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err("PUBLIC_URL must start with http:// or https://".into());
        }
        let host = public_url
            .split_once("://")
            .map_or(public_url.as_str(), |(_, rest)| rest)
            .trim_end_matches('/')
            .to_string();
        let log_origin = var("LOG_ORIGIN").unwrap_or_else(|| format!("{host}/log"));
        if !petition_tlog::note::valid_key_name(&log_origin) || log_origin.contains("://") {
            return Err(format!("LOG_ORIGIN must be a URL without its scheme, such as petitions.example.gov.uk/log (got {log_origin:?})"));
        }
        let officer_sessions = petition_store::officers::SessionPolicy {
            idle: i64::from(number("OFFICER_IDLE_MINUTES", 30)?) * 60,
            lifetime: i64::from(number("OFFICER_SESSION_HOURS", 12)?) * 3600,
        };
        let proposals = {
            let default = petition_store::proposals::ProposalPolicy::default();
            let sponsors = match var("SPONSORS_NEEDED") {
                None => default.sponsors,
                Some(v) => v
                    .parse()
                    .ok()
                    .filter(|n| *n <= 100)
                    .ok_or("SPONSORS_NEEDED must be a whole number from 0 to 100")?,
            };
            petition_store::proposals::ProposalPolicy {
                sponsors,
                target_working_days: number("MODERATION_WORKING_DAYS", default.target_working_days)?,
                repeat_years: number("REPEAT_REFUSAL_YEARS", default.repeat_years)?,
                lapse_days: number("PROPOSAL_LAPSE_DAYS", default.lapse_days)?,
                extra_holidays: match var("EXTRA_BANK_HOLIDAYS") {
                    None => &[],
                    Some(v) => Box::leak(extra_holidays(&v)?.into_boxed_slice()),
                },
                ..default
            }
        };
        // Every command reads its settings here, so the command line and the site share one clock.
        let ahead = match var("REHEARSAL_DAYS_AHEAD") {
            None => 0,
            Some(v) => v
                .parse::<u16>()
                .ok()
                .filter(|d| *d <= 3650)
                .ok_or("REHEARSAL_DAYS_AHEAD must be a whole number of days from 0 to 3650")?,
        };
        petition_store::time::run_ahead(i64::from(ahead) * 24 * 60 * 60);
        Ok(Config {
            proposals,
            officer_sessions,
            log_origin,
            log_key_file: var("LOG_KEY_FILE").map(PathBuf::from).unwrap_or_else(|| "data/log.key".into()),
            tally_key_file: var("TALLY_KEY_FILE").map(PathBuf::from).unwrap_or_else(|| "data/tally.key".into()),
            database_url: var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/petitions.db".into()),
            public_url: public_url.trim_end_matches('/').to_string(),
            site_addr,
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            smtp_url: var("SMTP_URL"),
            mail_dir: var("MAIL_DIR").map(PathBuf::from).unwrap_or_else(|| "data/mail".into()),
            mail_from: var("MAIL_FROM").unwrap_or_else(|| "Local referendum petitions <petitions@localhost>".into()),
            secret_file: var("SECRET_FILE").map(PathBuf::from).unwrap_or_else(|| "data/secret.key".into()),
            sign_per_ip_per_minute: number("SIGN_PER_IP_PER_MINUTE", 30)?,
            sign_per_email_per_hour: number("SIGN_PER_EMAIL_PER_HOUR", 10)?,
            receipt_checks_per_ip_per_minute: number("RECEIPT_CHECKS_PER_IP_PER_MINUTE", 30)?,
            sign_in_per_ip_per_minute: number("SIGN_IN_PER_IP_PER_MINUTE", 20)?,
            trusted_proxy_header: match var("TRUSTED_PROXY_HEADER") {
                None => None,
                Some(v) => Some(
                    axum::http::HeaderName::try_from(v.trim())
                        .map_err(|_| format!("TRUSTED_PROXY_HEADER must be a header name (got {v:?})"))?,
                ),
            },
            max_connections: number("MAX_CONNECTIONS", 2048)? as usize,
            upload_max_bytes: number("UPLOAD_MAX_MB", 20)? as usize * 1024 * 1024,
            attempt_lifetime: i64::from(number(
                "ATTEMPT_LIFETIME_HOURS",
                (petition_store::signatures::attempts::DEFAULT_ATTEMPT_LIFETIME / 3600) as u32,
            )?) * 3600,
            retention: {
                const DAY: i64 = 24 * 60 * 60;
                let default = petition_store::retention::Retention::default();
                let days = number("RETAIN_PERSONAL_DATA_DAYS", (default.after_close / DAY) as u32)?;
                // Under a week, an attempt could outlive the elector row its places name.
                if days < 7 {
                    return Err("RETAIN_PERSONAL_DATA_DAYS must be at least 7".into());
                }
                let days = i64::from(days) * DAY;
                petition_store::retention::Retention { after_close: days, removed_electors: days, ..default }
            },
            non_local_markers: match var("NON_LOCAL_MARKERS") {
                None => petition_core::franchise::NonLocalMarkers::standard(),
                Some(v) => petition_core::franchise::NonLocalMarkers::parse(&v)
                    .map_err(|e| format!("NON_LOCAL_MARKERS: {e}"))?,
            },
            officer_email: match var("OFFICER_EMAIL") {
                None => None,
                Some(v) => Some(
                    petition_core::text::Email::parse(&v)
                        .map_err(|e| format!("OFFICER_EMAIL: {e}"))?
                        .as_str()
                        .to_string(),
                ),
            },
        })
    }

    /// Where links in emails point, and where officer notices go.
    pub fn mailing(&self) -> petition_store::mail::Mailing {
        petition_store::mail::Mailing {
            base_url: self.public_url.clone(),
            officer_email: self.officer_email.clone(),
            attempt_lifetime: self.attempt_lifetime,
        }
    }

    /// The scheme, host and port of `public_url`, as browsers send it in `Origin`.
    pub fn public_origin(&self) -> &str {
        let after_scheme = self.public_url.find("://").map_or(0, |i| i + 3);
        match self.public_url[after_scheme..].find('/') {
            Some(i) => &self.public_url[..after_scheme + i],
            None => &self.public_url,
        }
    }
}
