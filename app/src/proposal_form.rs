//! The forms of a petition before it opens, parsed into types: starting one (the petitioner, the
//! area and the texts), changing its texts, and sponsoring it. Each says what is wrong with every
//! field, in the order the form shows them.

use petition_core::address::AddressChoice;
use petition_core::proposal::text::ProposalTextError;
use petition_core::proposal::{Background, Question, Title};
use petition_core::text::{Email, PersonName, TextError};
use petition_core::{AreaCode, Postcode};

use crate::post::SignForm;

/// The fields of the start form, as posted (cut to lengths no real answer reaches).
pub const START_FIELDS: [(&str, usize); 10] = [
    ("postcode", 20),
    ("address", 20),
    ("address_text", 400),
    ("name", 200),
    ("email", 300),
    ("area", 20),
    ("title", 400),
    ("question", 1000),
    ("background", 20_000),
    ("declared", 3),
];

/// The texts, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Texts {
    pub title: Title,
    pub question: Question,
    pub background: Background,
}

/// Everything starting a petition needs, as types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposing {
    pub postcode: Postcode,
    pub address: AddressChoice,
    pub name: PersonName,
    pub email: Email,
    pub area: AreaCode,
    pub texts: Texts,
}

type Errors = Vec<(String, String)>;

fn text_message(field: &str, e: &ProposalTextError) -> String {
    match (field, e) {
        ("title", ProposalTextError::Text(TextError::Missing)) => "Enter a title for the petition".into(),
        ("question", ProposalTextError::Text(TextError::Missing)) => {
            "Enter the question the referendum would ask".into()
        }
        ("background", ProposalTextError::Text(TextError::Missing)) => {
            "Enter the background: why the council should hold a referendum".into()
        }
        _ => e.to_string(),
    }
}

/// Parses the title, question and background.
pub fn parse_texts(field: &impl Fn(&str) -> String, errors: &mut Errors) -> Option<Texts> {
    let mut problem = |f: &str, e: ProposalTextError| errors.push((f.to_string(), text_message(f, &e)));
    let title = Title::parse(&field("title")).map_err(|e| problem("title", e)).ok();
    let question = Question::parse(&field("question")).map_err(|e| problem("question", e)).ok();
    let background = Background::parse(&field("background")).map_err(|e| problem("background", e)).ok();
    Some(Texts { title: title?, question: question?, background: background? })
}

/// The petitioner's (or a sponsor's) address, name, email and declaration, parsed the way the
/// sign form's are.
fn parse_person(
    field: &impl Fn(&str) -> String,
    errors: &mut Errors,
) -> Option<(Postcode, AddressChoice, PersonName, Email)> {
    let form = SignForm::posted(field);
    match form.parse() {
        Ok(s) => Some((s.postcode, s.address, s.name, s.email)),
        Err(e) => {
            errors.extend(e);
            None
        }
    }
}

/// Parses the whole start form, or says what is wrong with each field.
pub fn parse_start(field: impl Fn(&str) -> String) -> Result<Proposing, Errors> {
    let mut errors = Errors::new();
    let person = parse_person(&field, &mut errors);
    let area = AreaCode::parse(&field("area"))
        .map_err(|_| errors.push(("area".into(), "Choose the area the petition is for".into())))
        .ok();
    let texts = parse_texts(&field, &mut errors);
    // The declaration's error comes last in the sign form; here it follows the texts.
    if let Some(i) = errors.iter().position(|(f, _)| f == "declared") {
        let d = errors.remove(i);
        errors.push(d);
    }
    match (person, area, texts) {
        (Some((postcode, address, name, email)), Some(area), Some(texts)) if errors.is_empty() => {
            Ok(Proposing { postcode, address, name, email, area, texts })
        }
        _ => Err(errors),
    }
}

/// A sponsor's form: the same fields as signing.
pub fn parse_sponsor(field: impl Fn(&str) -> String) -> Result<(Postcode, AddressChoice, PersonName, Email), Errors> {
    let mut errors = Errors::new();
    match parse_person(&field, &mut errors) {
        Some(p) if errors.is_empty() => Ok(p),
        _ => Err(errors),
    }
}

/// The edit form: the texts only.
pub fn parse_edit(field: impl Fn(&str) -> String) -> Result<Texts, Errors> {
    let mut errors = Errors::new();
    match parse_texts(&field, &mut errors) {
        Some(t) if errors.is_empty() => Ok(t),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const GOOD: &[(&str, &str)] = &[
        ("postcode", "rv1 1aa"),
        ("address", "100090001234"),
        ("name", "Ada Lovelace"),
        ("email", "ada@example.org"),
        ("area", "E07900001"),
        ("title", "Keep the harbour pool open"),
        ("question", "Should the council keep the harbour swimming pool open?"),
        ("background", "The council plans to close the pool next year, and residents want a say in it."),
        ("declared", "yes"),
    ];

    fn form(changes: &[(&str, &str)]) -> impl Fn(&str) -> String {
        let mut map: HashMap<String, String> = GOOD.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        for (k, v) in changes {
            map.insert(k.to_string(), v.to_string());
        }
        move |k: &str| map.get(k).cloned().unwrap_or_default()
    }

    #[test]
    fn a_complete_form_parses_into_types() {
        let p = parse_start(form(&[])).unwrap();
        assert_eq!(p.postcode.as_str(), "RV1 1AA");
        assert_eq!(p.area.as_str(), "E07900001");
        assert_eq!(p.texts.question.as_str(), "Should the council keep the harbour swimming pool open?");
    }

    #[test]
    fn every_problem_is_named_in_form_order() {
        let blank = [
            ("address", ""),
            ("name", ""),
            ("area", ""),
            ("title", ""),
            ("question", ""),
            ("background", ""),
            ("declared", ""),
        ];
        let errors = parse_start(form(&blank)).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["address", "name", "area", "title", "question", "background", "declared"]);
        assert_eq!(errors[3].1, "Enter a title for the petition");
        assert_eq!(errors[4].1, "Enter the question the referendum would ask");
    }

    #[test]
    fn texts_must_be_plain_and_a_single_question() {
        let e = parse_start(form(&[("title", "Keep the <b>pool</b> open")])).unwrap_err();
        assert_eq!(e[0].0, "title");
        assert!(e[0].1.contains("plain text"), "{}", e[0].1);
        let e = parse_start(form(&[("question", "Keep the pool open. Close the car park.")])).unwrap_err();
        assert_eq!(e[0].0, "question");
        let e = parse_edit(form(&[("background", "Too short.")])).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "background");
    }

    #[test]
    fn a_sponsor_needs_what_a_signer_needs() {
        assert!(parse_sponsor(form(&[])).is_ok());
        let e = parse_sponsor(form(&[("email", "nope")])).unwrap_err();
        assert_eq!(e.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["email"]);
    }
}
