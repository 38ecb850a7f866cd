//! The log's signing keys: one for checkpoints, one for tally notes, each in a file readable by
//! its owner only, never replaced once made.

use petition_tlog::note::{NoteSigner, VerifierKey};

use crate::secrets;

/// The keys and name of a deployment's log.
#[derive(Clone, Debug)]
pub struct LogKeys {
    pub origin: String,
    pub log: NoteSigner,
    pub tally: NoteSigner,
}

impl LogKeys {
    /// The verifier keys as `/log/keys` serves them: the log key, then the tally key.
    pub fn verifiers(&self) -> String {
        format!("{}\n{}\n", self.log.verifier(), self.tally.verifier())
    }

    pub fn log_verifier(&self) -> VerifierKey {
        self.log.verifier()
    }
}

/// The name of the tally key for a log origin.
pub fn tally_key_name(origin: &str) -> String {
    format!("{origin}/tally")
}

/// Reads a signer key file (`PRIVATE+KEY+name+id+key` and a newline) and checks it is the key
/// for `name`. The key itself never appears in an error.
pub fn load_key(path: &std::path::Path, name: &str) -> std::result::Result<NoteSigner, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the key file {}: {e} (make one with `petitions keys`)", path.display()))?;
    let signer = NoteSigner::parse(text.strip_suffix('\n').unwrap_or(&text))
        .map_err(|e| format!("{} is not a signing key: {e}", path.display()))?;
    if signer.name() != name {
        return Err(format!(
            "{} is the key for {:?}, but this log needs the key for {name:?} (check LOG_ORIGIN)",
            path.display(),
            signer.name()
        ));
    }
    Ok(signer)
}

/// Makes a new signer key file for `name`, readable by its owner only. Never overwrites one.
pub fn create_key(path: &std::path::Path, name: &str) -> std::result::Result<NoteSigner, String> {
    if path.exists() {
        return Err(format!("{} already exists; it is not replaced (see the README on rotating keys)", path.display()));
    }
    let signer = NoteSigner::from_seed(name, rand::random()).map_err(|e| e.to_string())?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    }
    secrets::write_private(path, format!("{}\n", signer.encode()).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(signer)
}

impl LogKeys {
    /// Loads both keys for `origin`.
    pub fn load(
        origin: &str,
        log_key: &std::path::Path,
        tally_key: &std::path::Path,
    ) -> std::result::Result<LogKeys, String> {
        Ok(LogKeys {
            origin: origin.to_string(),
            log: load_key(log_key, origin)?,
            tally: load_key(tally_key, &tally_key_name(origin))?,
        })
    }

    /// Loads both keys, first making any that do not exist (for the demo).
    pub fn load_or_create(
        origin: &str,
        log_key: &std::path::Path,
        tally_key: &std::path::Path,
    ) -> std::result::Result<LogKeys, String> {
        if !log_key.exists() {
            create_key(log_key, origin)?;
        }
        if !tally_key.exists() {
            create_key(tally_key, &tally_key_name(origin))?;
        }
        LogKeys::load(origin, log_key, tally_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_are_private_never_replaced_and_checked_on_loading() {
        let dir = std::env::temp_dir().join(format!("petitions-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (log, tally) = (dir.join("log.key"), dir.join("tally.key"));
        let origin = "petitions.example.gov.uk/log";
        assert!(
            LogKeys::load(origin, &log, &tally).unwrap_err().contains("petitions keys"),
            "missing keys are refused"
        );
        let made = LogKeys::load_or_create(origin, &log, &tally).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&log).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let again = LogKeys::load(origin, &log, &tally).unwrap();
        assert_eq!(again.verifiers(), made.verifiers());
        assert!(create_key(&log, origin).is_err(), "an existing key is never replaced");
        let err = LogKeys::load("elsewhere.example/log", &log, &tally).unwrap_err();
        assert!(err.contains("LOG_ORIGIN"), "{err}");
        std::fs::write(&tally, "PRIVATE+KEY+garbage\n").unwrap();
        let err = LogKeys::load(origin, &log, &tally).unwrap_err();
        assert!(
            err.contains("not a signing key") && !err.contains("garbage"),
            "malformed, and the file is not echoed: {err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
