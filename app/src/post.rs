//! The answer to a form post, rendered into the page that follows it. The server puts it in
//! context, and the page that follows reads it while it renders.

use petition_core::address::{AddressChoice, AddressError};
use petition_core::text::{Email, PersonName, TextError};
use petition_core::Postcode;
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

/// What the sign form says once parsed: everything signing needs, as types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signing {
    pub postcode: Postcode,
    pub name: PersonName,
    pub email: Email,
    pub address: AddressChoice,
}

impl SignForm {
    /// The fields as posted, cut to lengths no real answer reaches, kept for showing the form
    /// again. The postcode is written the standard way when it is one.
    pub fn posted(field: impl Fn(&str) -> String) -> SignForm {
        let cut = |k: &str, n: usize| field(k).chars().take(n).collect::<String>();
        let postcode = cut("postcode", 20);
        SignForm {
            postcode: Postcode::parse(&postcode).map(|p| p.to_string()).unwrap_or(postcode),
            name: cut("name", 200),
            email: cut("email", 300),
            address: cut("address", 20),
            address_text: cut("address_text", 400),
            declared: field("declared") == "yes",
            errors: vec![],
        }
    }

    /// Parses every field, or says what is wrong with each, in the order the form shows them.
    pub fn parse(&self) -> Result<Signing, Vec<(String, String)>> {
        let mut errors = Vec::new();
        let mut problem = |field: &str, message: String| errors.push((field.to_string(), message));
        let postcode = Postcode::parse(&self.postcode)
            .map_err(|_| problem("postcode", "Enter your postcode, like CA10 1AA".into()))
            .ok();
        let address = AddressChoice::parse(&self.address, &self.address_text)
            .map_err(|e| match e {
                AddressError::NotChosen => {
                    problem("address", "Choose your address, or choose \"My address is not listed\"".into())
                }
                AddressError::NotAProperty => problem("address", "Choose your address from the list".into()),
                AddressError::Written(e) => problem("address_text", text_message("address_text", &e)),
            })
            .ok();
        let name = PersonName::parse(&self.name).map_err(|e| problem("name", text_message("name", &e))).ok();
        let email = Email::parse(&self.email).map_err(|e| problem("email", text_message("email", &e))).ok();
        if !self.declared {
            problem("declared", "Confirm that you are on the electoral register at this address".into());
        }
        match (postcode, address, name, email) {
            (Some(postcode), Some(address), Some(name), Some(email)) if errors.is_empty() => {
                Ok(Signing { postcode, name, email, address })
            }
            _ => Err(errors),
        }
    }

    pub fn error(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone())
    }
}

/// A field's problem in words that name what to do.
fn text_message(field: &str, e: &TextError) -> String {
    match (field, e) {
        ("name", TextError::Missing) => "Enter your full name".into(),
        ("email", TextError::Missing) => "Enter your email address".into(),
        ("address_text", TextError::Missing) => "Write your address, or choose it from the list".into(),
        _ => e.to_string(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfirmKind {
    Counted,
    SentForReview,
    AlreadyConfirmed,
    /// Someone else confirmed a signature as the same elector first.
    ElectorHasSigned,
    Closed,
    /// Collection is paused; the same link works once it resumes.
    Paused,
    Withdrawn,
    /// The link has expired: signing again sends a new one.
    Expired,
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
    Officer(OfficerPosted),
    /// A resident's form about a petition before it opens (starting one, changing it,
    /// sponsoring it): the same shape as an officer's.
    Proposal(OfficerPosted),
    SponsorConfirm(SponsorAnswer),
}

/// What a sponsor's confirmation link led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SponsorKind {
    Counted,
    /// Confirmed, but not found on the register at that address: it does not count.
    NotOnRegister,
    AlreadyConfirmed,
    /// The office has decided on the petition already.
    TooLate,
    UnknownLink,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SponsorAnswer {
    pub kind: SponsorKind,
    pub title: String,
    pub counted: u32,
    pub needed: u32,
}

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
    /// Whether "Change your answers" posts the answers back to their form (so nothing typed is
    /// lost), rather than a link cancelling.
    #[serde(default)]
    pub change: bool,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn form(fields: &[(&str, &str)]) -> SignForm {
        let map: HashMap<&str, &str> = fields.iter().copied().collect();
        SignForm::posted(|k| map.get(k).map(|v| v.to_string()).unwrap_or_default())
    }

    const GOOD: &[(&str, &str)] = &[
        ("postcode", "ca10 1aa"),
        ("address", "100090001234"),
        ("name", "Ada Lovelace"),
        ("email", "ada@example.org"),
        ("declared", "yes"),
    ];

    /// The good form with one field changed (or added).
    fn with(field: &str, value: &str) -> SignForm {
        SignForm::posted(|k| match GOOD.iter().find(|(g, _)| *g == k) {
            _ if k == field => value.to_string(),
            Some((_, v)) => v.to_string(),
            None => String::new(),
        })
    }

    fn errors_for(field: &str, value: &str) -> Vec<(String, String)> {
        with(field, value).parse().unwrap_err()
    }

    #[test]
    fn a_complete_form_parses_into_types() {
        let f = form(GOOD);
        assert_eq!(f.postcode, "CA10 1AA", "shown again the standard way");
        let s = f.parse().unwrap();
        assert_eq!(s.postcode.as_str(), "CA10 1AA");
        assert_eq!(s.name.as_str(), "Ada Lovelace");
        assert_eq!(s.email.as_str(), "ada@example.org");
        assert!(matches!(s.address, AddressChoice::Listed(ref u) if u.as_str() == "100090001234"));
    }

    #[test]
    fn every_problem_is_named_beside_its_field_in_form_order() {
        let empty = form(&[("postcode", "CA10 1AA")]).parse().unwrap_err();
        let fields: Vec<&str> = empty.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["address", "name", "email", "declared"]);
        assert_eq!(empty[1].1, "Enter your full name");
        assert_eq!(empty[2].1, "Enter your email address");
        assert_eq!(
            errors_for("address", "not-listed"),
            [("address_text".to_string(), "Write your address, or choose it from the list".to_string())]
        );
        assert_eq!(errors_for("address", "1' OR '1'='1")[0].1, "Choose your address from the list");
        assert_eq!(errors_for("email", "ada@")[0].0, "email");
        assert_eq!(errors_for("name", "Ada")[0].0, "name");
        assert_eq!(errors_for("name", "Ada\u{0}Lovelace")[0].0, "name");
        assert_eq!(errors_for("declared", "no")[0].0, "declared");
        assert_eq!(errors_for("postcode", "NOT A POSTCODE")[0].0, "postcode");
    }

    #[test]
    fn a_not_listed_address_is_taken_as_written() {
        let mut f = with("address", "not-listed");
        f.address_text = "  Houseboat Sea Spray, The Quay ".into();
        let s = f.parse().unwrap();
        assert_eq!(s.address, AddressChoice::NotListed("Houseboat Sea Spray, The Quay".into()));
    }

    #[test]
    fn overlong_fields_are_cut_before_they_are_kept() {
        let long = "x".repeat(10_000);
        let f = form(&[
            ("name", &long),
            ("email", &long),
            ("address", &long),
            ("address_text", &long),
            ("postcode", &long),
        ]);
        assert_eq!((f.name.len(), f.email.len(), f.address.len()), (200, 300, 20));
        assert_eq!((f.address_text.len(), f.postcode.len()), (400, 20));
        let errors = f.parse().unwrap_err();
        assert!(errors.iter().any(|(k, m)| k == "name" && m.contains("characters or fewer")), "{errors:?}");
    }
}
