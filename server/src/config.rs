//! Settings, from the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use petition_core::settings::{Name, Settings};

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
    /// Seconds a signing attempt waits to be confirmed.
    pub attempt_lifetime: i64,
    /// The transparency log's origin (also its key's name), a schema-less URL.
    pub log_origin: String,
    pub log_key_file: PathBuf,
    pub tally_key_file: PathBuf,
    /// The settings admins can change on the settings page, as the environment gives them: the
    /// values in force until an admin saves others (officer notices, sponsors, the moderation
    /// target, officers' sessions, how long personal data is kept...).
    pub settings: Settings,
}

/// The settings' starting values: each from its variable (`OFFICER_EMAIL`, `SPONSORS_NEEDED`...)
/// where set, read as the settings page reads them.
fn settings() -> Result<Settings, String> {
    let mut s = Settings::default();
    for name in Name::ALL {
        if let Some(v) = var(name.env()) {
            s.set(name, &v).map_err(|e| format!("{}: {e}", name.env()))?;
        }
    }
    Ok(s)
}

/// `DEMO_SCALE`: how many times over to make the demo borough (1, the default, to
/// [`Size::MAX_SCALE`](petition_store::demo::Size::MAX_SCALE)), for load tests that need more
/// electors than the demo's 3,000 or so. Read by `serve --demo`, `demo` and `demo-electors` alike.
pub fn demo_scale() -> Result<usize, String> {
    let max = petition_store::demo::Size::MAX_SCALE;
    match var("DEMO_SCALE") {
        None => Ok(1),
        Some(v) => v
            .parse()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or(format!("DEMO_SCALE must be a whole number from 1 to {max}")),
    }
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
            settings: settings()?,
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
            non_local_markers: match var("NON_LOCAL_MARKERS") {
                None => petition_core::franchise::NonLocalMarkers::standard(),
                Some(v) => petition_core::franchise::NonLocalMarkers::parse(&v)
                    .map_err(|e| format!("NON_LOCAL_MARKERS: {e}"))?,
            },
        })
    }

    /// Where links in emails point, and where officer notices go.
    pub fn mailing(&self) -> petition_store::mail::Mailing {
        petition_store::mail::Mailing {
            base_url: self.public_url.clone(),
            officer_emails: self.settings.officer_emails.clone(),
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
