//! The verifier keys the observer trusts, and reading the notes they sign: a note counts only once
//! the right key's signature verifies, and a checkpoint only if it names the trusted log.

use petition_tlog::checkpoint::Checkpoint;
use petition_tlog::note::{Note, VerifierKey};

use crate::Failure;

/// The verifier keys the observer trusts: the log key, then the tally key.
#[derive(Clone, Debug)]
pub struct Keys {
    pub log: VerifierKey,
    pub tally: VerifierKey,
}

impl Keys {
    /// Two lines, as the deployment publishes them: log key, then tally key.
    pub fn parse(text: &str) -> Result<Keys, String> {
        let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        let [log, tally] = lines[..] else {
            return Err("the keys file has two keys: the log key, then the tally key".into());
        };
        Ok(Keys {
            log: VerifierKey::parse(log).map_err(|e| format!("log key: {e}"))?,
            tally: VerifierKey::parse(tally).map_err(|e| format!("tally key: {e}"))?,
        })
    }
}

/// The note in `bytes`, once `key`'s signature on it verifies.
pub(crate) fn verified(bytes: &[u8], key: &VerifierKey, what: &str) -> Result<Note, Failure> {
    let note = Note::parse(bytes).map_err(|e| Failure::BadSignature(format!("{what}: {e}")))?;
    note.verify_by(key).map_err(|e| Failure::BadSignature(format!("{what}: {e}")))?;
    Ok(note)
}

/// The checkpoint a verified note holds, if it is one of the trusted log's.
pub(crate) fn checkpoint_of(note: &Note, keys: &Keys, what: &str) -> Result<Checkpoint, Failure> {
    let cp =
        Checkpoint::parse(&note.text).map_err(|e| Failure::BadSignature(format!("{what} is not a checkpoint: {e}")))?;
    if cp.origin != keys.log.name() {
        return Err(Failure::BadSignature(format!("{what} is for the log {:?}, not {:?}", cp.origin, keys.log.name())));
    }
    Ok(cp)
}
