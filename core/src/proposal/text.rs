//! The three texts of a proposal, each parsed once at the edge: a short title for lists, the
//! question the referendum would put to electors, and the background. Plain text only: the pages
//! show them as text, and markup typed into them is refused with a message saying so, so that no
//! one is surprised to see `<b>` on a ballot paper.

use std::fmt;

use crate::text::{clean, TextError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProposalTextError {
    Text(TextError),
    TooShort {
        min: usize,
    },
    /// Something that reads as HTML markup.
    Markup,
    /// A question that does not end with a question mark.
    NotAQuestion,
    /// More than one question mark: a ballot asks one question.
    SeveralQuestions,
}

impl fmt::Display for ProposalTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProposalTextError::Text(e) => e.fmt(f),
            ProposalTextError::TooShort { min } => write!(f, "This must be at least {min} characters"),
            ProposalTextError::Markup => {
                f.write_str("Write plain text: tags such as <b> or <a href=...> cannot be used")
            }
            ProposalTextError::NotAQuestion => f.write_str(
                "Write the question as electors would read it on the ballot paper, ending with a question mark",
            ),
            ProposalTextError::SeveralQuestions => {
                f.write_str("A referendum asks one question: write it as a single question with one question mark")
            }
        }
    }
}

impl std::error::Error for ProposalTextError {}

impl From<TextError> for ProposalTextError {
    fn from(e: TextError) -> Self {
        ProposalTextError::Text(e)
    }
}

/// Whether `s` holds something a browser would read as a tag: `<` then a letter, `/` or `!`.
fn has_markup(s: &str) -> bool {
    s.as_bytes().windows(2).any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

fn parse(input: &str, min: usize, max: usize, multiline: bool) -> Result<String, ProposalTextError> {
    let s = clean(input, max, multiline)?;
    let s = if multiline { s } else { s.split_whitespace().collect::<Vec<_>>().join(" ") };
    if s.chars().count() < min {
        return Err(ProposalTextError::TooShort { min });
    }
    if has_markup(&s) {
        return Err(ProposalTextError::Markup);
    }
    Ok(s)
}

/// The title petitions are listed by: short enough for a list and a search result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub const MIN: usize = 10;
    pub const MAX: usize = 100;

    pub fn parse(input: &str) -> Result<Title, ProposalTextError> {
        parse(input, Self::MIN, Self::MAX, false).map(Title)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The question the referendum would put: one line, one question, ending with a question mark,
/// no longer than a ballot paper can print in full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question(String);

impl Question {
    pub const MIN: usize = 15;
    pub const MAX: usize = 250;

    pub fn parse(input: &str) -> Result<Question, ProposalTextError> {
        let s = parse(input, Self::MIN, Self::MAX, false)?;
        match s.matches('?').count() {
            0 => Err(ProposalTextError::NotAQuestion),
            1 if s.ends_with('?') => Ok(Question(s)),
            1 => Err(ProposalTextError::NotAQuestion),
            _ => Err(ProposalTextError::SeveralQuestions),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why the petitioners ask: paragraphs of plain text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Background(String);

impl Background {
    pub const MIN: usize = 50;
    pub const MAX: usize = 5000;

    pub fn parse(input: &str) -> Result<Background, ProposalTextError> {
        parse(input, Self::MIN, Self::MAX, true).map(Background)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_one_line_of_plain_text_within_its_limits() {
        assert_eq!(Title::parse("  Keep the   library open ").unwrap().as_str(), "Keep the library open");
        assert_eq!(Title::parse("Too short"), Err(ProposalTextError::TooShort { min: 10 }));
        assert!(Title::parse(&"x".repeat(Title::MIN)).is_ok());
        assert!(Title::parse(&"x".repeat(Title::MAX)).is_ok());
        assert_eq!(Title::parse(&"x".repeat(Title::MAX + 1)), Err(TextError::TooLong { max: Title::MAX }.into()));
        assert_eq!(Title::parse("Keep it <b>open</b> please"), Err(ProposalTextError::Markup));
        assert_eq!(Title::parse("Two lines\nof title text"), Err(TextError::ControlCharacters.into()));
        assert_eq!(Title::parse("   "), Err(TextError::Missing.into()));
    }

    #[test]
    fn markup_is_what_a_browser_would_read_as_a_tag() {
        for bad in ["<b>x</b>", "a </p> b", "<!-- x -->", "<script>", "<a href=x>"] {
            assert!(has_markup(bad), "{bad}");
        }
        for fine in ["3 < 4", "a <= b", "<3", "x<", "rates of 2<3%"] {
            assert!(!has_markup(fine), "{fine}");
        }
    }

    #[test]
    fn a_question_is_one_question_ending_with_its_mark() {
        let q = "Should the council be run by a directly elected mayor?";
        assert_eq!(Question::parse(q).unwrap().as_str(), q);
        assert_eq!(Question::parse("The council should have a mayor."), Err(ProposalTextError::NotAQuestion));
        assert_eq!(Question::parse("Should the council? have a mayor"), Err(ProposalTextError::NotAQuestion));
        assert_eq!(
            Question::parse("Should there be a mayor? And a cabinet?"),
            Err(ProposalTextError::SeveralQuestions)
        );
        assert_eq!(Question::parse("Mayor?"), Err(ProposalTextError::TooShort { min: Question::MIN }));
        let longest = format!("{}?", "a".repeat(Question::MAX - 1));
        assert!(Question::parse(&longest).is_ok());
        assert!(Question::parse(&format!("a{longest}")).is_err());
    }

    #[test]
    fn the_background_keeps_its_paragraphs() {
        let text =
            "We ask the council to consult residents first.\r\n\r\nThe library is used by many families every day.";
        let b = Background::parse(text).unwrap();
        assert_eq!(b.as_str().matches("\n\n").count(), 1, "paragraphs kept, line endings made plain");
        assert_eq!(Background::parse("Too short to explain anything."), Err(ProposalTextError::TooShort { min: 50 }));
        assert!(Background::parse(&format!("{}\n<script>alert(1)</script>", "x".repeat(60))).is_err());
        assert!(Background::parse(&"y".repeat(Background::MAX + 1)).is_err());
    }
}
