//! The grounds on which officers may refuse a proposal. Each refusal names one, with a written
//! explanation; refused proposals are listed publicly with both. Where the ground is about the
//! text itself (abusive, unlawful, defamatory, revealing personal data), the public list leaves the
//! text out: publishing it would repeat the harm.

/// A ground for refusing a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ground {
    /// Not a matter the council is responsible for.
    NotCouncilMatter,
    /// Vexatious or abusive.
    Vexatious,
    /// The same, or substantially the same, as a referendum held or a proposal refused within the
    /// policy's number of years.
    Repeat,
    /// Unlawful, defamatory, or revealing someone's personal data.
    Unlawful,
    /// Cannot be put to electors as a clear referendum question.
    NoClearQuestion,
}

impl Ground {
    pub const ALL: [Ground; 5] =
        [Ground::NotCouncilMatter, Ground::Vexatious, Ground::Repeat, Ground::Unlawful, Ground::NoClearQuestion];

    /// The code forms and the database use.
    pub fn code(self) -> &'static str {
        match self {
            Ground::NotCouncilMatter => "not-council-matter",
            Ground::Vexatious => "vexatious",
            Ground::Repeat => "repeat",
            Ground::Unlawful => "unlawful",
            Ground::NoClearQuestion => "no-clear-question",
        }
    }

    pub fn parse(code: &str) -> Option<Ground> {
        Ground::ALL.into_iter().find(|g| g.code() == code)
    }

    /// The ground in words, as the petitioner's email and the public list give it; `years` is
    /// the policy's period for repeats.
    pub fn describe(self, years: u32) -> String {
        match self {
            Ground::NotCouncilMatter => "It is not a matter the council is responsible for".into(),
            Ground::Vexatious => "It is vexatious or abusive".into(),
            Ground::Repeat => format!(
                "It is the same, or substantially the same, as a referendum held or a petition refused in the last {years} year{}",
                if years == 1 { "" } else { "s" }
            ),
            Ground::Unlawful => "It is unlawful or defamatory, or reveals someone's personal data".into(),
            Ground::NoClearQuestion => "It cannot be put to electors as a clear referendum question".into(),
        }
    }

    /// Whether the public list of refused petitions leaves the proposal's text out.
    pub fn withholds_text(self) -> bool {
        matches!(self, Ground::Vexatious | Ground::Unlawful)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ground_reads_back_from_its_code() {
        for g in Ground::ALL {
            assert_eq!(Ground::parse(g.code()), Some(g));
        }
        assert_eq!(Ground::parse("boring"), None);
    }

    #[test]
    fn only_grounds_about_the_text_withhold_it() {
        let withheld: Vec<_> = Ground::ALL.into_iter().filter(|g| g.withholds_text()).collect();
        assert_eq!(withheld, vec![Ground::Vexatious, Ground::Unlawful]);
    }

    #[test]
    fn a_repeat_names_the_policys_years() {
        assert!(Ground::Repeat.describe(2).ends_with("in the last 2 years"));
        assert!(Ground::Repeat.describe(1).ends_with("in the last 1 year"));
    }
}
