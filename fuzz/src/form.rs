//! The sign form's body: decoded as axum's `Form` decodes it, then `SignForm::posted` and
//! `SignForm::parse` (app/src/post.rs).

use std::collections::HashMap;

use arbitrary::{Arbitrary, Unstructured};
use petition_core::address::AddressChoice;
use petition_core::text::{Email, PersonName};
use petition_core::Postcode;

/// app/src/post.rs itself, compiled here by path: depending on the `app` crate would build all of
/// Leptos into the fuzzer and into CI's smoke run for one file that needs only petition-core and
/// serde. If post.rs ever uses more of the app, this is where the build says so. It is the app's
/// file, formatted with the app: rustfmt here leaves it alone.
#[rustfmt::skip]
#[path = "../../app/src/post.rs"]
pub mod post;

use post::{SignForm, Signing};

/// The fields in the order the form shows them, as errors must name them.
const ORDER: [&str; 6] = ["postcode", "address", "address_text", "name", "email", "declared"];

pub fn check(data: &[u8]) {
    if let Ok(fields) = serde_urlencoded::from_bytes::<HashMap<String, String>>(data) {
        check_fields(&fields);
    }
    if let Ok(fields) = Fields::arbitrary(&mut Unstructured::new(data)) {
        check_fields(&fields.into_map());
    }
}

/// A form as posted, field by field: what `posted` keeps, and what `parse` makes of it, must
/// agree with the field parsers one at a time.
pub fn check_fields(fields: &HashMap<String, String>) {
    let form = SignForm::posted(|k| fields.get(k).cloned().unwrap_or_default());
    assert_kept(&form, fields);
    let verdicts = Verdicts::of(&form);
    match form.parse() {
        Ok(signing) => assert_eq!(Some(signing), verdicts.signing(), "a form parses to its fields' values"),
        Err(errors) => assert_errors(&errors, &verdicts),
    }
    // Showing the form again and posting it back changes nothing.
    let again = SignForm::posted(|k| shown(&form, k));
    assert_eq!(again, form, "re-posting a shown form");
}

/// `posted` keeps each field cut to its length (the postcode in normal form when it is one),
/// and no errors.
fn assert_kept(form: &SignForm, fields: &HashMap<String, String>) {
    let chars = |s: &str| s.chars().count();
    assert!(chars(&form.postcode) <= 20 && chars(&form.name) <= 200 && chars(&form.email) <= 300);
    assert!(chars(&form.address) <= 20 && chars(&form.address_text) <= 400);
    assert_eq!(form.declared, fields.get("declared").is_some_and(|d| d == "yes"));
    assert!(form.errors.is_empty());
    if let Ok(p) = Postcode::parse(&form.postcode) {
        assert_eq!(form.postcode, p.as_str(), "a postcode is shown in normal form");
    }
}

/// Each field parsed on its own.
struct Verdicts {
    postcode: Option<Postcode>,
    address: std::result::Result<AddressChoice, petition_core::address::AddressError>,
    name: Option<PersonName>,
    email: Option<Email>,
    declared: bool,
}

impl Verdicts {
    fn of(form: &SignForm) -> Verdicts {
        Verdicts {
            postcode: Postcode::parse(&form.postcode).ok(),
            address: AddressChoice::parse(&form.address, &form.address_text),
            name: PersonName::parse(&form.name).ok(),
            email: Email::parse(&form.email).ok(),
            declared: form.declared,
        }
    }

    fn signing(&self) -> Option<Signing> {
        Some(Signing {
            postcode: self.postcode.clone()?,
            name: self.name.clone()?,
            email: self.email.clone()?,
            address: self.address.clone().ok().filter(|_| self.declared)?,
        })
    }

    /// The fields that must be named as wrong, in form order.
    fn wrong(&self) -> Vec<&'static str> {
        let address = match &self.address {
            Ok(_) => None,
            Err(petition_core::address::AddressError::Written(_)) => Some("address_text"),
            Err(_) => Some("address"),
        };
        let mut out = vec![];
        out.extend(self.postcode.is_none().then_some("postcode"));
        out.extend(address);
        out.extend(self.name.is_none().then_some("name"));
        out.extend(self.email.is_none().then_some("email"));
        out.extend((!self.declared).then_some("declared"));
        out
    }
}

/// Errors name exactly the wrong fields, once each, in form order, each with a message.
fn assert_errors(errors: &[(String, String)], verdicts: &Verdicts) {
    let named: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(named, verdicts.wrong(), "the errors name the wrong fields");
    assert!(!named.is_empty(), "a refused form says why");
    let positions: Vec<usize> =
        named.iter().map(|f| ORDER.iter().position(|o| o == f).expect("a form field")).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{named:?} in form order");
    assert!(errors.iter().all(|(_, m)| !m.trim().is_empty()));
}

/// A field as the shown form would post it back.
fn shown(form: &SignForm, k: &str) -> String {
    match k {
        "postcode" => form.postcode.clone(),
        "name" => form.name.clone(),
        "email" => form.email.clone(),
        "address" => form.address.clone(),
        "address_text" => form.address_text.clone(),
        "declared" if form.declared => "yes".into(),
        _ => String::new(),
    }
}

/// A form built from the input: often nearly right, so that the checks reach past the first
/// refusal of each field.
#[derive(Debug, Arbitrary)]
struct Fields {
    postcode: Choice,
    name: Choice,
    email: Choice,
    address: Address,
    address_text: String,
    declared: bool,
    extra: Vec<(String, String)>,
}

#[derive(Debug, Arbitrary)]
enum Choice {
    Typed(String),
    /// A valid value from a small list, with the input's text around it.
    Good(u8, String),
}

#[derive(Debug, Arbitrary)]
enum Address {
    Uprn(u64),
    NotListed,
    Typed(String),
}

impl Fields {
    fn into_map(self) -> HashMap<String, String> {
        let mut m: HashMap<String, String> = self.extra.into_iter().collect();
        let postcodes = ["CA10 1AA", "sw1a1aa", " m1 1ae", "B338TH", "W1A 0AX"];
        let names = ["Ada Lovelace", "Dr Siân O'Brien-Jones", "  jane   MARY smith ", "Zoë Ångström"];
        let emails = ["ada@example.org", "Jane.Smith@Example.ORG", "o'brien@example.com", "a@b.co"];
        m.insert("postcode".into(), self.postcode.pick(&postcodes));
        m.insert("name".into(), self.name.pick(&names));
        m.insert("email".into(), self.email.pick(&emails));
        let address = match self.address {
            Address::Uprn(n) => n.to_string(),
            Address::NotListed => "not-listed".into(),
            Address::Typed(s) => s,
        };
        m.insert("address".into(), address);
        m.insert("address_text".into(), self.address_text);
        if self.declared {
            m.insert("declared".into(), "yes".into());
        }
        m
    }
}

impl Choice {
    fn pick(self, good: &[&str]) -> String {
        match self {
            Choice::Typed(s) => s,
            // Text after the good value: spaces keep it valid, anything else tests the edges.
            Choice::Good(i, tail) => format!("{}{tail}", good[i as usize % good.len()]),
        }
    }
}
