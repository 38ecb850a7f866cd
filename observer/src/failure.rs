//! What went wrong in a run, each kind with its own exit code, so that a script can tell "could
//! not check" from "the log misbehaved" and one misbehaviour from another.

/// What went wrong, each with its own exit code.
#[derive(Debug)]
pub enum Failure {
    /// The log could not be read (network, missing files): nothing was decided. Exit 1.
    Unreachable(String),
    /// A checkpoint or tally note is not signed by the trusted key. Exit 3.
    BadSignature(String),
    /// The published entries or tiles do not hash to the signed root. Exit 4.
    TreeMismatch(String),
    /// The new checkpoint does not extend the last one seen: a fork, a rollback or rewritten history. Exit 5.
    Inconsistent(String),
    /// Entries break the log's rules. Exit 6.
    RuleBroken(String),
    /// A signed tally does not match the one recomputed from the entries. Exit 7.
    TallyMismatch(String),
    /// The log claims or sends more than the observer takes: a checkpoint of more entries than
    /// `--max-size`, or a response longer than its kind of file can be. Exit 8.
    TooLarge(String),
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Unreachable(_) => 1,
            Failure::BadSignature(_) => 3,
            Failure::TreeMismatch(_) => 4,
            Failure::Inconsistent(_) => 5,
            Failure::RuleBroken(_) => 6,
            Failure::TallyMismatch(_) => 7,
            Failure::TooLarge(_) => 8,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::Unreachable(m)
            | Failure::BadSignature(m)
            | Failure::TreeMismatch(m)
            | Failure::Inconsistent(m)
            | Failure::RuleBroken(m)
            | Failure::TallyMismatch(m)
            | Failure::TooLarge(m) => m,
        }
    }
}
