//! The answer to a form post, rendered into the page that follows it. The server puts it in
//! context; the page carries it to the browser so hydration sees what the server rendered.

use serde::{Deserialize, Serialize};

/// A field's value and any problem with it, for re-showing a form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignForm {
    pub postcode: String,
    pub name: String,
    pub email: String,
    pub address: String,
    pub address_text: String,
    pub declared: bool,
    /// (field id, message), in the order the fields appear.
    pub errors: Vec<(String, String)>,
}

impl SignForm {
    pub fn error(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfirmKind {
    Counted,
    SentForReview,
    AlreadyConfirmed,
    Closed,
    /// Collection is paused; the same link works once it resumes.
    Paused,
    Withdrawn,
    UnknownLink,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmed {
    pub kind: ConfirmKind,
    pub petition_id: Option<i64>,
    pub title: String,
    /// The receipt file's text, shown this once.
    pub receipt: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WithdrawKind {
    Withdrawn,
    AlreadyWithdrawn,
    Closed,
    UnknownLink,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawn {
    pub kind: WithdrawKind,
    pub petition_id: Option<i64>,
    pub title: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PostResult {
    #[default]
    None,
    Sign(SignForm),
    Confirm(Confirmed),
    Withdraw(Withdrawn),
    Receipt(ReceiptChecked),
}

/// What checking a receipt against the transparency log found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReceiptVerdict {
    Counted {
        index: u64,
        size: u64,
    },
    Struck {
        index: u64,
        size: u64,
        reason: String,
    },
    /// Confirmed too recently to be in a signed checkpoint, or not a counted signature.
    NotYet,
    /// The text is not a receipt, or the log's proof does not check out.
    Invalid(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptChecked {
    pub receipt: String,
    pub verdict: ReceiptVerdict,
}
