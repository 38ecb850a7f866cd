//! The answers of officer form posts, rendered into the page that follows.

use serde::{Deserialize, Serialize};

/// A change to check before it is made ("check your answers"): what it is, what it does to the
/// count, and the form that makes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub heading: String,
    /// (what, value) rows.
    pub rows: Vec<(String, String)>,
    /// What it does to the petition: "This takes the petition below its trigger."
    pub effect: String,
    /// Where the confirming form posts, and what it carries.
    pub action: String,
    pub hidden: Vec<(String, String)>,
    pub button: String,
    /// Where "change" or "cancel" goes back to.
    pub back: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerPosted {
    /// The form's values as typed, for showing it again (never a password or a code).
    pub values: Vec<(String, String)>,
    /// (field id, message), in the order the fields appear.
    pub errors: Vec<(String, String)>,
    /// Recovery codes, shown once when an account is set up.
    pub recovery_codes: Vec<String>,
    pub check: Option<Check>,
    /// A link made for someone else (an invitation), shown once to the admin who made it.
    pub link: Option<String>,
}

impl OfficerPosted {
    pub fn value(&self, field: &str) -> String {
        self.values.iter().find(|(f, _)| f == field).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    pub fn error(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone())
    }

    pub fn problem(field: &str, message: impl Into<String>) -> OfficerPosted {
        OfficerPosted { errors: vec![(field.to_string(), message.into())], ..OfficerPosted::default() }
    }
}
