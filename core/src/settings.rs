//! The council's settings that admins change in the browser: each one's name, bounds and
//! wording, and how its text is read and written. The environment gives the values a site starts
//! with (each setting's `env` name); a value an admin saved overrides it. Every value has one
//! written form (`show`), so the store keeps text and a change is a change of text.

use serde::{Deserialize, Serialize};

use crate::proposal::bank_holidays::{date_of, day_of};
use crate::proposal::working_days::Day;
use crate::text::Email;

/// Every setting an admin may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Name {
    OfficerEmails,
    SponsorsNeeded,
    ModerationWorkingDays,
    RepeatRefusalYears,
    ProposalLapseDays,
    ExtraBankHolidays,
    CancelledBankHolidays,
    OfficerIdleMinutes,
    OfficerSessionHours,
    RetainPersonalDataDays,
}

/// A whole number setting's bounds, inclusive.
struct Bounds {
    min: u32,
    max: u32,
    unit: &'static str,
}

impl Name {
    pub const ALL: [Name; 10] = [
        Name::OfficerEmails,
        Name::SponsorsNeeded,
        Name::ModerationWorkingDays,
        Name::RepeatRefusalYears,
        Name::ProposalLapseDays,
        Name::ExtraBankHolidays,
        Name::CancelledBankHolidays,
        Name::OfficerIdleMinutes,
        Name::OfficerSessionHours,
        Name::RetainPersonalDataDays,
    ];

    /// The name stored, posted by forms and written in the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            Name::OfficerEmails => "officer-emails",
            Name::SponsorsNeeded => "sponsors-needed",
            Name::ModerationWorkingDays => "moderation-working-days",
            Name::RepeatRefusalYears => "repeat-refusal-years",
            Name::ProposalLapseDays => "proposal-lapse-days",
            Name::ExtraBankHolidays => "extra-bank-holidays",
            Name::CancelledBankHolidays => "cancelled-bank-holidays",
            Name::OfficerIdleMinutes => "officer-idle-minutes",
            Name::OfficerSessionHours => "officer-session-hours",
            Name::RetainPersonalDataDays => "retain-personal-data-days",
        }
    }

    pub fn parse(code: &str) -> Option<Name> {
        Name::ALL.into_iter().find(|n| n.code() == code)
    }

    /// The environment variable that gives the value a site starts with.
    pub fn env(self) -> &'static str {
        match self {
            Name::OfficerEmails => "OFFICER_EMAIL",
            Name::SponsorsNeeded => "SPONSORS_NEEDED",
            Name::ModerationWorkingDays => "MODERATION_WORKING_DAYS",
            Name::RepeatRefusalYears => "REPEAT_REFUSAL_YEARS",
            Name::ProposalLapseDays => "PROPOSAL_LAPSE_DAYS",
            Name::ExtraBankHolidays => "EXTRA_BANK_HOLIDAYS",
            Name::CancelledBankHolidays => "CANCELLED_BANK_HOLIDAYS",
            Name::OfficerIdleMinutes => "OFFICER_IDLE_MINUTES",
            Name::OfficerSessionHours => "OFFICER_SESSION_HOURS",
            Name::RetainPersonalDataDays => "RETAIN_PERSONAL_DATA_DAYS",
        }
    }

    /// The question the form asks.
    pub fn label(self) -> &'static str {
        match self {
            Name::OfficerEmails => "Who gets the electoral office's notices",
            Name::SponsorsNeeded => "Sponsors a proposed petition needs",
            Name::ModerationWorkingDays => "Working days the office has to decide on a proposed petition",
            Name::RepeatRefusalYears => "Years a refusal for repeating an earlier petition may look back",
            Name::ProposalLapseDays => "Days before a proposal that is not going forward lapses",
            Name::ExtraBankHolidays => "Extra bank holidays",
            Name::CancelledBankHolidays => "Bank holidays moved away from their usual date",
            Name::OfficerIdleMinutes => "Minutes an officer's session lasts without use",
            Name::OfficerSessionHours => "Hours an officer's session lasts at most",
            Name::RetainPersonalDataDays => "Days personal data is kept after a result",
        }
    }

    /// What the form says under the question.
    pub fn hint(self) -> &'static str {
        match self {
            Name::OfficerEmails => {
                "Email addresses, one a line: they are told when a petition reaches its trigger and when a result is \
                 certified. The first is the one residents are given. Leave empty for none."
            }
            Name::SponsorsNeeded => {
                "Electors of the area who must back a proposal before it goes to the office, 0 to 100."
            }
            Name::ModerationWorkingDays => "The target date shown in the moderation queue, 1 to 60 working days.",
            Name::RepeatRefusalYears => "1 to 10 years.",
            Name::ProposalLapseDays => {
                "Counted from the petitioner's confirmation while sponsors are sought, or from a return for changes, \
                 7 to 365 days."
            }
            Name::ExtraBankHolidays => {
                "Days off that the usual rules do not give, such as a coronation or a moved May holiday. Dates like \
                 2027-06-04, one a line."
            }
            Name::CancelledBankHolidays => {
                "A usual bank holiday that was moved by proclamation, so it is a working day that year. Dates like \
                 2020-05-04, one a line."
            }
            Name::OfficerIdleMinutes => "1 to 240 minutes.",
            Name::OfficerSessionHours => "1 to 24 hours.",
            Name::RetainPersonalDataDays => {
                "Signers' names, emails and addresses are erased this long after a result is certified, 7 to 3650 \
                 days."
            }
        }
    }

    fn bounds(self) -> Option<Bounds> {
        let b = |min, max, unit| Some(Bounds { min, max, unit });
        match self {
            Name::SponsorsNeeded => b(0, 100, "sponsors"),
            Name::ModerationWorkingDays => b(1, 60, "working days"),
            Name::RepeatRefusalYears => b(1, 10, "years"),
            Name::ProposalLapseDays => b(7, 365, "days"),
            Name::OfficerIdleMinutes => b(1, 240, "minutes"),
            Name::OfficerSessionHours => b(1, 24, "hours"),
            Name::RetainPersonalDataDays => b(7, 3650, "days"),
            Name::OfficerEmails | Name::ExtraBankHolidays | Name::CancelledBankHolidays => None,
        }
    }

    /// Whether the value is written one item a line (a textarea) rather than on one line.
    pub fn is_list(self) -> bool {
        self.bounds().is_none()
    }
}

/// Why a value was not taken, in words for the form. Nothing changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingError {
    Number { label: &'static str, min: u32, max: u32 },
    Date { label: &'static str, given: String },
    Email { label: &'static str, given: String },
    TooMany { label: &'static str, max: usize },
}

impl std::fmt::Display for SettingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingError::Number { label, min, max } => write!(f, "{label}: enter a whole number from {min} to {max}"),
            SettingError::Date { label, given } => write!(f, "{label}: \"{given}\" is not a date like 2027-06-04"),
            SettingError::Email { label, given } => write!(
                f,
                "{label}: \"{given}\" is not an email address in the correct format, like elections@council.gov.uk"
            ),
            SettingError::TooMany { label, max } => write!(f, "{label}: enter at most {max}"),
        }
    }
}

impl std::error::Error for SettingError {}

/// Lists are kept short: a handful of holidays a year, a handful of mailboxes.
const MAX_ITEMS: usize = 50;

/// The settings in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub officer_emails: Vec<String>,
    pub sponsors_needed: u32,
    pub moderation_working_days: u32,
    pub repeat_refusal_years: u32,
    pub proposal_lapse_days: u32,
    /// Day numbers, in order, without repeats.
    pub extra_bank_holidays: Vec<Day>,
    pub cancelled_bank_holidays: Vec<Day>,
    pub officer_idle_minutes: u32,
    pub officer_session_hours: u32,
    pub retain_personal_data_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            officer_emails: Vec::new(),
            sponsors_needed: 5,
            moderation_working_days: 10,
            repeat_refusal_years: 2,
            proposal_lapse_days: 90,
            extra_bank_holidays: Vec::new(),
            cancelled_bank_holidays: Vec::new(),
            officer_idle_minutes: 30,
            officer_session_hours: 12,
            retain_personal_data_days: 180,
        }
    }
}

/// A value read from text, before it is put in place.
enum Value {
    Number(u32),
    Days(Vec<Day>),
    Emails(Vec<String>),
}

/// The items of a list: one a line, or separated by commas or spaces (as an environment
/// variable gives them).
fn items(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty())
}

fn parse_date(s: &str) -> Option<Day> {
    let mut parts = s.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4
        || m.len() != 2
        || d.len() != 2
        || !(y.chars().chain(m.chars()).chain(d.chars())).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let (y, m, d) = (y.parse::<i64>().ok()?, m.parse::<u32>().ok()?, d.parse::<u32>().ok()?);
    if !(1..=12).contains(&m) || d == 0 || d > 31 {
        return None;
    }
    let day = day_of(y, m, d);
    // 31 April comes back as 1 May: only a date that exists survives the round trip.
    (date_of(day) == (y, m, d)).then_some(day)
}

/// A day number as `2027-06-04`.
pub fn show_date(day: Day) -> String {
    let (y, m, d) = date_of(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn read(name: Name, text: &str) -> Result<Value, SettingError> {
    let label = name.label();
    if let Some(b) = name.bounds() {
        let t = text.trim();
        return t
            .parse::<u32>()
            .ok()
            .filter(|n| (b.min..=b.max).contains(n) && t.chars().all(|c| c.is_ascii_digit()))
            .map(Value::Number)
            .ok_or(SettingError::Number { label, min: b.min, max: b.max });
    }
    let list: Vec<&str> = items(text).collect();
    if list.len() > MAX_ITEMS {
        return Err(SettingError::TooMany { label, max: MAX_ITEMS });
    }
    if name == Name::OfficerEmails {
        let mut out: Vec<String> = Vec::new();
        for s in list {
            let e = Email::parse(s).map_err(|_| SettingError::Email { label, given: s.chars().take(100).collect() })?;
            if !out.iter().any(|o| o.eq_ignore_ascii_case(e.as_str())) {
                out.push(e.as_str().to_string());
            }
        }
        return Ok(Value::Emails(out));
    }
    let mut days = list
        .into_iter()
        .map(|s| parse_date(s).ok_or(SettingError::Date { label, given: s.chars().take(30).collect() }))
        .collect::<Result<Vec<_>, _>>()?;
    days.sort_unstable();
    days.dedup();
    Ok(Value::Days(days))
}

impl Settings {
    /// Puts a value given as text in place, or says why it cannot be.
    pub fn set(&mut self, name: Name, text: &str) -> Result<(), SettingError> {
        let value = read(name, text)?;
        match (name, value) {
            (Name::OfficerEmails, Value::Emails(e)) => self.officer_emails = e,
            (Name::ExtraBankHolidays, Value::Days(d)) => self.extra_bank_holidays = d,
            (Name::CancelledBankHolidays, Value::Days(d)) => self.cancelled_bank_holidays = d,
            (name, Value::Number(n)) => *self.number(name).expect("a number setting has a field") = n,
            _ => unreachable!("read gives each setting its kind of value"),
        }
        Ok(())
    }

    fn number(&mut self, name: Name) -> Option<&mut u32> {
        Some(match name {
            Name::SponsorsNeeded => &mut self.sponsors_needed,
            Name::ModerationWorkingDays => &mut self.moderation_working_days,
            Name::RepeatRefusalYears => &mut self.repeat_refusal_years,
            Name::ProposalLapseDays => &mut self.proposal_lapse_days,
            Name::OfficerIdleMinutes => &mut self.officer_idle_minutes,
            Name::OfficerSessionHours => &mut self.officer_session_hours,
            Name::RetainPersonalDataDays => &mut self.retain_personal_data_days,
            _ => return None,
        })
    }

    fn number_of(&self, name: Name) -> Option<u32> {
        Some(match name {
            Name::SponsorsNeeded => self.sponsors_needed,
            Name::ModerationWorkingDays => self.moderation_working_days,
            Name::RepeatRefusalYears => self.repeat_refusal_years,
            Name::ProposalLapseDays => self.proposal_lapse_days,
            Name::OfficerIdleMinutes => self.officer_idle_minutes,
            Name::OfficerSessionHours => self.officer_session_hours,
            Name::RetainPersonalDataDays => self.retain_personal_data_days,
            _ => return None,
        })
    }

    /// A value's one written form, as stored and as the form shows it.
    pub fn show(&self, name: Name) -> String {
        let days = |d: &[Day]| d.iter().map(|d| show_date(*d)).collect::<Vec<_>>().join("\n");
        match name {
            Name::OfficerEmails => self.officer_emails.join("\n"),
            Name::ExtraBankHolidays => days(&self.extra_bank_holidays),
            Name::CancelledBankHolidays => days(&self.cancelled_bank_holidays),
            n => self.number_of(n).map(|v| v.to_string()).unwrap_or_default(),
        }
    }

    /// A value in words for the check page and the audit trail: "none" for an empty list, the
    /// unit after a number, a list's items separated by commas.
    pub fn describe(&self, name: Name) -> String {
        match name.bounds() {
            Some(b) => format!("{} {}", self.show(name), b.unit),
            None => {
                let shown = self.show(name);
                if shown.is_empty() {
                    "none".into()
                } else {
                    shown.replace('\n', ", ")
                }
            }
        }
    }

    /// The settings with the form's texts put in place, or every field's reason it was not
    /// taken. A field left out of the form keeps its value.
    pub fn with(&self, texts: &[(Name, String)]) -> Result<Settings, Vec<(Name, SettingError)>> {
        let mut next = self.clone();
        let errors: Vec<(Name, SettingError)> =
            texts.iter().filter_map(|(n, t)| next.set(*n, t).err().map(|e| (*n, e))).collect();
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(errors)
        }
    }

    /// The settings whose values differ, in the form's order.
    pub fn changes(&self, next: &Settings) -> Vec<Name> {
        Name::ALL.into_iter().filter(|n| self.show(*n) != next.show(*n)).collect()
    }

    /// The days off in `years`: England and Wales's by rule, less the cancelled ones, plus the
    /// extra ones, in order.
    pub fn holidays(&self, years: std::ops::Range<i64>) -> Vec<Day> {
        let mut days: Vec<Day> = years
            .flat_map(crate::proposal::bank_holidays::england_and_wales)
            .filter(|d| !self.cancelled_bank_holidays.contains(d))
            .collect();
        days.extend_from_slice(&self.extra_bank_holidays);
        days.sort_unstable();
        days.dedup();
        days
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_distinct() {
        for n in Name::ALL {
            assert_eq!(Name::parse(n.code()), Some(n));
            assert_eq!(Name::ALL.iter().filter(|m| m.env() == n.env()).count(), 1);
            assert!(!n.label().is_empty() && !n.hint().is_empty());
        }
        assert_eq!(Name::parse("sponsors"), None);
    }

    #[test]
    fn numbers_are_taken_only_within_their_bounds() {
        let mut s = Settings::default();
        s.set(Name::SponsorsNeeded, " 0 ").unwrap();
        assert_eq!(s.sponsors_needed, 0);
        s.set(Name::SponsorsNeeded, "100").unwrap();
        assert_eq!(s.sponsors_needed, 100);
        for bad in ["101", "-1", "", "five", "+5", "5.0", "1e2"] {
            let e = s.set(Name::SponsorsNeeded, bad).unwrap_err();
            assert_eq!(e, SettingError::Number { label: Name::SponsorsNeeded.label(), min: 0, max: 100 }, "{bad}");
            assert_eq!(s.sponsors_needed, 100, "a refused value changes nothing");
        }
        assert!(s.set(Name::ModerationWorkingDays, "0").is_err());
        assert!(s.set(Name::ModerationWorkingDays, "60").is_ok());
        assert!(s.set(Name::ModerationWorkingDays, "61").is_err());
        assert!(s.set(Name::RetainPersonalDataDays, "6").is_err(), "under a week an attempt could outlive its elector");
        assert!(s.set(Name::RetainPersonalDataDays, "7").is_ok());
        assert!(s.set(Name::OfficerIdleMinutes, "0").is_err());
        assert!(s.set(Name::OfficerSessionHours, "25").is_err());
    }

    #[test]
    fn dates_must_exist() {
        let mut s = Settings::default();
        s.set(Name::ExtraBankHolidays, "2027-06-04\n2024-02-29, 2027-06-04").unwrap();
        assert_eq!(s.extra_bank_holidays, vec![day_of(2024, 2, 29), day_of(2027, 6, 4)], "in order, once each");
        assert_eq!(s.show(Name::ExtraBankHolidays), "2024-02-29\n2027-06-04");
        assert_eq!(s.describe(Name::ExtraBankHolidays), "2024-02-29, 2027-06-04");
        for bad in [
            "2027-04-31",
            "2023-02-29",
            "2027-13-01",
            "2027-00-10",
            "27-06-04",
            "2027-6-4",
            "04/06/2027",
            "2027-06-04x",
        ] {
            let e = s.set(Name::ExtraBankHolidays, &format!("2027-06-04 {bad}")).unwrap_err();
            assert!(matches!(e, SettingError::Date { .. }), "{bad}");
        }
        assert_eq!(s.extra_bank_holidays.len(), 2);
        s.set(Name::ExtraBankHolidays, "  \n ").unwrap();
        assert!(s.extra_bank_holidays.is_empty());
        assert_eq!(s.describe(Name::ExtraBankHolidays), "none");
        let many = (0..51).map(|i| show_date(day_of(2030, 1, 1) + i)).collect::<Vec<_>>().join("\n");
        assert!(matches!(s.set(Name::ExtraBankHolidays, &many), Err(SettingError::TooMany { max: 50, .. })));
    }

    #[test]
    fn emails_are_checked_and_kept_once() {
        let mut s = Settings::default();
        s.set(Name::OfficerEmails, "Elections@Council.Example\nclerk@council.example, elections@council.example")
            .unwrap();
        assert_eq!(s.officer_emails, vec!["Elections@council.example", "clerk@council.example"]);
        let e = s.set(Name::OfficerEmails, "clerk@council.example not-an-address").unwrap_err();
        assert!(matches!(e, SettingError::Email { ref given, .. } if given == "not-an-address"));
        assert_eq!(s.officer_emails.len(), 2);
    }

    #[test]
    fn a_form_changes_what_it_names_or_nothing() {
        let now = Settings::default();
        let next = now.with(&[(Name::SponsorsNeeded, "3".into()), (Name::ProposalLapseDays, "90".into())]).unwrap();
        assert_eq!(now.changes(&next), vec![Name::SponsorsNeeded], "90 was already the value");
        let errors = now
            .with(&[
                (Name::SponsorsNeeded, "3".into()),
                (Name::ProposalLapseDays, "x".into()),
                (Name::OfficerSessionHours, "0".into()),
            ])
            .unwrap_err();
        assert_eq!(
            errors.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            vec![Name::ProposalLapseDays, Name::OfficerSessionHours]
        );
        assert!(now.changes(&now).is_empty());
    }

    #[test]
    fn every_written_form_reads_back_as_itself() {
        let mut s = Settings::default();
        s.set(Name::OfficerEmails, "a@b.example c@d.example").unwrap();
        s.set(Name::ExtraBankHolidays, "2027-06-04").unwrap();
        s.set(Name::CancelledBankHolidays, "2020-05-04").unwrap();
        for n in Name::ALL {
            let mut t = Settings::default();
            t.set(n, &s.show(n)).unwrap();
            assert_eq!(t.show(n), s.show(n), "{n:?}");
        }
    }

    #[test]
    fn a_cancelled_holiday_is_a_working_day_and_an_extra_one_is_not() {
        let mut s = Settings::default();
        // 2020: the early May holiday moved from Monday 4 to Friday 8 May.
        s.set(Name::CancelledBankHolidays, "2020-05-04").unwrap();
        s.set(Name::ExtraBankHolidays, "2020-05-08").unwrap();
        let days = s.holidays(2020..2021);
        assert!(!days.contains(&day_of(2020, 5, 4)));
        assert!(days.contains(&day_of(2020, 5, 8)));
        assert_eq!(days.len(), 8);
        assert_eq!(Settings::default().holidays(2020..2021).len(), 8);
    }
}
