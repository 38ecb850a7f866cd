//! What a new officer password must be. Long rather than complicated (as the NCSC advises):
//! at least 12 characters, not the email address, not one of the most guessed.

use std::fmt;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 200;

/// A few of the most guessed passwords of 12 characters or more; the length rule stops shorter.
const GUESSED: [&str; 12] = [
    "123456789012",
    "1234567890123",
    "qwertyuiopas",
    "passwordpassword",
    "password1234",
    "password12345",
    "iloveyou1234",
    "qwerty123456",
    "abcdefghijkl",
    "111111111111",
    "000000000000",
    "electoral123",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordError {
    TooShort,
    TooLong,
    Mismatch,
    IsEmail,
    Guessable,
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordError::TooShort => write!(f, "Password must be {MIN_CHARS} characters or more"),
            PasswordError::TooLong => write!(f, "Password must be {MAX_CHARS} characters or fewer"),
            PasswordError::Mismatch => f.write_str("The passwords do not match"),
            PasswordError::IsEmail => f.write_str("Password must not be your email address"),
            PasswordError::Guessable => f.write_str("That password is too easy to guess: try three random words"),
        }
    }
}

impl std::error::Error for PasswordError {}

/// A password that meets the rules, typed twice the same.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

impl NewPassword {
    pub fn parse(password: &str, again: &str, email: &str) -> Result<NewPassword, PasswordError> {
        let n = password.chars().count();
        if n < MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if n > MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        if password != again {
            return Err(PasswordError::Mismatch);
        }
        let lower = password.to_lowercase();
        if lower == email.to_lowercase() || lower == email.split('@').next().unwrap_or("").to_lowercase() {
            return Err(PasswordError::IsEmail);
        }
        let first = lower.chars().next().unwrap_or_default();
        if GUESSED.contains(&lower.as_str()) || lower.chars().all(|c| c == first) {
            return Err(PasswordError::Guessable);
        }
        Ok(NewPassword(password.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMAIL: &str = "jo.officer@council.example";

    #[test]
    fn twelve_characters_is_the_least() {
        assert_eq!(NewPassword::parse("abcdefghij1", "abcdefghij1", EMAIL), Err(PasswordError::TooShort));
        assert!(NewPassword::parse("correct horse", "correct horse", EMAIL).is_ok());
        let long = "x".repeat(MAX_CHARS) + "y";
        assert_eq!(NewPassword::parse(&long, &long, EMAIL), Err(PasswordError::TooLong));
    }

    #[test]
    fn both_copies_must_match() {
        assert_eq!(NewPassword::parse("correct horse", "correct horsf", EMAIL), Err(PasswordError::Mismatch));
    }

    #[test]
    fn the_email_and_guessable_passwords_are_refused() {
        assert_eq!(NewPassword::parse(EMAIL, EMAIL, EMAIL), Err(PasswordError::IsEmail));
        assert_eq!(NewPassword::parse("Password1234", "Password1234", EMAIL), Err(PasswordError::Guessable));
        assert_eq!(NewPassword::parse("aaaaaaaaaaaaa", "aaaaaaaaaaaaa", EMAIL), Err(PasswordError::Guessable));
    }

    #[test]
    fn debug_does_not_show_it() {
        let p = NewPassword::parse("correct horse", "correct horse", EMAIL).unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }
}
