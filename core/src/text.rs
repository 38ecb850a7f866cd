//! Free text typed by people: names, emails, petition titles and bodies.
//!
//! Each is parsed once at the edge into a type that cannot hold control characters, surrounding
//! whitespace or more than its limit, so the rest of the system never re-checks.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextError {
    Missing,
    TooLong { max: usize },
    ControlCharacters,
    InvalidEmail,
    NameNeedsTwoWords,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Missing => f.write_str("This cannot be empty"),
            TextError::TooLong { max } => write!(f, "This must be {max} characters or fewer"),
            TextError::ControlCharacters => {
                f.write_str("This contains characters that cannot be used (such as tabs or control codes)")
            }
            TextError::InvalidEmail => {
                f.write_str("Enter an email address in the correct format, like name@example.com")
            }
            TextError::NameNeedsTwoWords => {
                f.write_str("Enter your full name as it appears on the electoral register, including your surname")
            }
        }
    }
}

impl std::error::Error for TextError {}

/// Trims the input, collapses nothing else, and refuses control characters (line breaks are
/// allowed only where `multiline`).
pub fn clean(input: &str, max_chars: usize, multiline: bool) -> Result<String, TextError> {
    let normalised = input.replace("\r\n", "\n");
    let s = normalised.trim();
    if s.is_empty() {
        return Err(TextError::Missing);
    }
    if s.chars().any(|c| {
        (c.is_control() && !(multiline && c == '\n'))
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    }) {
        return Err(TextError::ControlCharacters);
    }
    if s.chars().count() > max_chars {
        return Err(TextError::TooLong { max: max_chars });
    }
    Ok(s.to_string())
}

/// A signer's full name as typed: at least a forename and a surname.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX: usize = 100;

    pub fn parse(input: &str) -> Result<PersonName, TextError> {
        let s = clean(input, Self::MAX, false)?;
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if crate::names::name_key(&s).is_none() {
            return Err(TextError::NameNeedsTwoWords);
        }
        Ok(PersonName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The matching key against the register (see [`crate::names::name_key`]).
    pub fn key(&self) -> String {
        crate::names::name_key(&self.0).expect("checked when parsed")
    }
}

/// An email address: one `@`, a plausible local part and a domain with a dot. Compared and
/// stored in lower case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(input: &str) -> Result<Email, TextError> {
        let s = clean(input, Self::MAX, false)?;
        let (local, domain) = s.rsplit_once('@').ok_or(TextError::InvalidEmail)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| {
                tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic() || c == '-' || c.is_ascii_digit())
            });
        if !local_ok || !domain_ok {
            return Err(TextError::InvalidEmail);
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The mailbox an address reaches, for limits and for spotting one person behind many
    /// addresses: lower case, without a `+tag` (every common provider delivers `jane+1@` to
    /// `jane@`), and for the providers known to ignore dots in the local part, without dots.
    /// Only for comparing: mail still goes to the address as given.
    pub fn canonical(&self) -> String {
        let lower = self.0.to_ascii_lowercase();
        let (local, domain) = lower.rsplit_once('@').expect("checked when parsed");
        let local = local.split('+').next().filter(|l| !l.is_empty()).unwrap_or(local);
        let domain = match domain {
            "googlemail.com" => "gmail.com",
            d => d,
        };
        let local = if Self::IGNORE_DOTS.contains(&domain) { local.replace('.', "") } else { local.to_string() };
        format!("{local}@{domain}")
    }

    /// Providers that deliver `j.ane@` and `jane@` to one mailbox.
    const IGNORE_DOTS: [&'static str; 1] = ["gmail.com"];
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text() {
        assert_eq!(clean("  hello  ", 10, false).unwrap(), "hello");
        assert_eq!(clean("   ", 10, false), Err(TextError::Missing));
        assert_eq!(clean("a\u{0}b", 10, false), Err(TextError::ControlCharacters));
        assert_eq!(clean("a\tb", 10, false), Err(TextError::ControlCharacters));
        assert_eq!(clean("a\nb", 10, false), Err(TextError::ControlCharacters));
        assert_eq!(clean("a\r\nb", 10, true).unwrap(), "a\nb");
        assert_eq!(clean("a\u{202E}b", 10, true), Err(TextError::ControlCharacters));
        assert_eq!(clean(&"é".repeat(10), 10, false).unwrap().chars().count(), 10);
        assert_eq!(clean(&"é".repeat(11), 10, false), Err(TextError::TooLong { max: 10 }));
    }

    #[test]
    fn names() {
        assert_eq!(PersonName::parse("  Jane   Smith ").unwrap().as_str(), "Jane Smith");
        assert_eq!(PersonName::parse("Jane Smith").unwrap().key(), "jane smith");
        assert_eq!(PersonName::parse("Jane"), Err(TextError::NameNeedsTwoWords));
        assert_eq!(PersonName::parse(""), Err(TextError::Missing));
        assert!(matches!(PersonName::parse(&"a ".repeat(60)), Err(TextError::TooLong { .. })));
    }

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" Jane.Smith@Example.ORG ").unwrap().as_str(), "Jane.Smith@example.org");
        assert_eq!(Email::parse("Jane@x.org").unwrap().canonical(), "jane@x.org");
        let canonical = |s: &str| Email::parse(s).unwrap().canonical();
        assert_eq!(canonical("Victim+1@Example.org"), "victim@example.org", "tags reach the same mailbox");
        assert_eq!(canonical("victim+a+b@example.org"), "victim@example.org");
        assert_eq!(canonical("+tag@example.org"), "+tag@example.org", "nothing before the tag: left as it is");
        assert_eq!(canonical("j.a.n.e+x@GoogleMail.com"), "jane@gmail.com", "dots and the other domain ignored");
        assert_eq!(canonical("j.ane@example.org"), "j.ane@example.org", "other providers keep dots");
        for ok in ["a@b.co", "first+tag@sub.example.co.uk", "o'brien@example.com"] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@b..com",
            ".a@b.com",
            "a.@b.com",
            "a@-b.com",
            "a@b.c",
            "a@b.com\nBcc: x@y.com",
            "a@b.com,c@d.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }
}
