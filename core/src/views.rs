//! What the public pages show, as plain serialisable data shared by the server and the browser.
//! Nothing here holds personal data.

use serde::{Deserialize, Serialize};

use crate::engine::{Phase, State, Terms, Time};

/// Where a petition stands, as residents read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    /// Opened with a later start: not collecting yet.
    NotYetOpen,
    Collecting,
    /// An officer has paused collection; the deadline moves on while it lasts.
    Paused,
    /// Enough valid signatures, while still open: they can still be struck before the close.
    Reached,
    ClosedReached,
    ClosedNotReached,
}

impl Standing {
    /// `open`: not closed (paused counts as open); `reached` as the threshold engine recorded it.
    pub fn of(open: bool, paused: bool, reached: bool) -> Standing {
        match (open, paused, reached) {
            (true, true, _) => Standing::Paused,
            (true, false, false) => Standing::Collecting,
            (true, false, true) => Standing::Reached,
            (false, _, true) => Standing::ClosedReached,
            (false, _, false) => Standing::ClosedNotReached,
        }
    }

    /// Where a petition stands at `at`, as the threshold engine sees it.
    pub fn at(terms: &Terms, state: &State, at: Time) -> Standing {
        if at < terms.opens && state.phase() != Phase::Closed {
            return Standing::NotYetOpen;
        }
        Standing::of(terms.collecting(state, at), state.phase() == Phase::Paused, state.reached)
    }

    pub fn label(self) -> &'static str {
        match self {
            Standing::NotYetOpen => "Not open for signatures yet",
            Standing::Collecting => "Collecting signatures",
            Standing::Paused => "Signing paused: the deadline is extended by the time it is paused",
            Standing::Reached => {
                "Threshold reached: a referendum is triggered if the signatures stay valid at the close"
            }
            Standing::ClosedReached => "Closed: referendum triggered",
            Standing::ClosedNotReached => "Closed: not enough signatures",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaRef {
    pub code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PetitionSummary {
    pub id: i64,
    pub title: String,
    pub area: AreaRef,
    pub required: u64,
    pub valid: u64,
    /// Accepting signatures now: open and not paused.
    pub open: bool,
    pub standing: Standing,
    /// The last day to sign, for people: "Friday 10 July 2026".
    pub last_day: String,
    pub days_left: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaCount {
    pub area: AreaRef,
    pub valid: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PetitionPage {
    pub summary: PetitionSummary,
    /// The question a referendum would put to electors, for a petition that began as a
    /// resident's proposal.
    pub question: Option<String>,
    pub body: String,
    pub electorate: u64,
    pub percent: String,
    pub register_date: String,
    pub published_number: bool,
    pub opened: String,
    /// Valid signatures per ward, largest first.
    pub by_ward: Vec<AreaCount>,
    /// Where the seed of the sample check will come from, once announced, and when it was.
    pub seed_plan: Option<String>,
    pub seed_plan_at: Option<String>,
    /// Earlier announcements the one in force replaced, oldest first: (when, what).
    pub earlier_seed_plans: Vec<(String, String)>,
    /// The sample's seed and the name of its source, as `sample/v1` records them, once drawn.
    pub sample: Option<(String, String)>,
    /// The certified result, and what the council does about it.
    pub certificate: Option<CertificateView>,
    pub referendum_date: Option<String>,
    pub council_response: Option<String>,
}

/// A certified result, as `certify/v1` states it, for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateView {
    /// When it was certified, for people.
    pub at: String,
    /// `reached` or `not-reached`, as the log writes it.
    pub outcome: String,
    /// `full` or `sample`.
    pub method: String,
    pub valid: u64,
    pub projected: u64,
    pub required: u64,
}

/// The sample drawn for a sample check, and what it projects now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleView {
    pub seed: String,
    pub source: String,
    pub drawn: String,
    /// The valid signatures it was drawn from (V) and how many it holds (n).
    pub pool: u64,
    pub size: u64,
    /// Sampled signatures struck so far, and the projection that follows.
    pub struck: u64,
    pub projected: u64,
    /// The outcome a sample certificate may state now; `None` in the band where only a full check may.
    pub allows: Option<String>,
}

/// One sampled signature on the officers' worklist: its reference, the log index of its entry,
/// its ward and, if struck, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleMemberView {
    pub signature_id: i64,
    pub log_index: u64,
    pub ward: String,
    pub struck: Option<String>,
}

/// A petition's verification, as the officers' page shows it. No personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationView {
    pub id: i64,
    pub title: String,
    pub standing: Standing,
    pub valid: u64,
    pub required: u64,
    pub awaiting_review: u64,
    /// Valid signatures not yet marked checked, for a full check.
    pub unchecked: u64,
    pub plan: Option<String>,
    pub plan_at: Option<String>,
    pub sample: Option<SampleView>,
    pub members: Vec<SampleMemberView>,
    pub certificate: Option<CertificateView>,
    pub referendum_date: Option<String>,
    pub council_response: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostcodeSearch {
    pub postcode: String,
    /// The ward, district and county the postcode lies in, smallest first.
    pub areas: Vec<AreaRef>,
    pub petitions: Vec<PetitionSummary>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressOption {
    pub uprn: String,
    pub label: String,
}

/// A petition as the officer page shows it: the figures fixed at opening, where it stands, the
/// counts per area and what has happened to it. No personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerPetition {
    pub id: i64,
    pub title: String,
    pub area: AreaRef,
    pub standing: Standing,
    pub valid: u64,
    pub required: u64,
    pub electorate: u64,
    pub register_date: String,
    pub percent: String,
    pub published_number: bool,
    pub opened: String,
    /// The window's end as fixed at opening.
    pub window_end: String,
    /// The deadline in force: the window's end plus completed pauses (while paused, so far).
    pub deadline: String,
    pub paused_days: String,
    /// Valid signatures per area inside the petition's area, largest areas first.
    pub by_area: Vec<AreaCount>,
    pub events: Vec<OfficerEvent>,
    /// Areas where the counters and a recount from the signature rows disagree, with both
    /// figures; empty when they agree. Only filled in on the petition's own page.
    pub mismatches: Vec<(String, u64, u64)>,
    /// When the counters were last checked against a recount (the schedulers check every few
    /// minutes); `None` if not yet, or on the list of petitions.
    pub checked: Option<String>,
    pub awaiting_review: u64,
    /// Attempts confirmed from another mailbox after someone had signed as the same elector, not
    /// yet resolved: one of the two may be an impersonation.
    pub possible_impersonations: u64,
    pub struck: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerEvent {
    pub kind: String,
    pub label: String,
    pub at: String,
    pub valid: u64,
    pub required: u64,
    pub electorate: u64,
    pub percent: String,
    pub deadline: String,
    pub note: String,
    pub recorded: String,
}

/// Progress as a whole percentage for a progress bar, capped at 100.
pub fn progress_percent(valid: u64, required: u64) -> u64 {
    if required == 0 {
        return 100;
    }
    ((valid as u128 * 100) / required as u128).min(100) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standing_and_progress() {
        assert_eq!(Standing::of(true, false, false), Standing::Collecting);
        assert_eq!(Standing::of(true, false, true), Standing::Reached);
        assert_eq!(Standing::of(true, true, true), Standing::Paused);
        assert_eq!(Standing::of(false, false, true), Standing::ClosedReached);
        assert_eq!(Standing::of(false, true, false), Standing::ClosedNotReached);
        assert_eq!(progress_percent(0, 0), 100);
        assert_eq!(progress_percent(1, 3), 33);
        assert_eq!(progress_percent(9, 3), 100);
    }

    #[test]
    fn standing_follows_the_engine() {
        use crate::engine::Action;
        use crate::threshold::{Percent, Trigger};
        let t = Terms::new(100, 200, Trigger::fix(40, Percent::DEFAULT, None)).unwrap();
        let s = t.open().state;
        assert_eq!(Standing::at(&t, &s, 99), Standing::NotYetOpen);
        assert_eq!(Standing::at(&t, &s, 100), Standing::Collecting);
        assert_eq!(Standing::at(&t, &s, 150), Standing::Collecting);
        let reached = t.step(&s, 150, 2, Action::Observe).unwrap().state;
        assert_eq!(Standing::at(&t, &reached, 150), Standing::Reached);
        let paused = t.step(&reached, 160, 2, Action::Pause).unwrap().state;
        assert_eq!(Standing::at(&t, &paused, 500), Standing::Paused, "a pause outlasts the first deadline");
        assert_eq!(Standing::at(&t, &reached, 200), Standing::ClosedReached, "due, though not yet recorded");
        let closed = t.step(&s, 200, 1, Action::Observe).unwrap().state;
        assert_eq!(Standing::at(&t, &closed, 250), Standing::ClosedNotReached);
    }
}

/// One signature as officers see it: personal data, shown only to signed-in officers and
/// viewers, on pages never cached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub address: String,
    pub postcode: String,
    pub ward: String,
    /// `confirmed`, `review`, `withdrawn` or `unconfirmed`.
    pub status: String,
    pub confirmed: Option<String>,
    /// The strike's reason code, while struck.
    pub struck: Option<String>,
    /// Marked checked against the register in a full check.
    pub checked: bool,
}

/// One row of the officer audit trail, for the pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub petition_id: Option<i64>,
    pub subject: String,
    pub reason: String,
    pub detail: String,
}

/// One area's figures in a signed tally note, with its name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaTally {
    pub code: String,
    pub name: String,
    pub recorded: u64,
    pub struck: u64,
    pub valid: u64,
}

/// A petition's counts per area as its latest signed tally note states them: what the public
/// CSV and JSON downloads give.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicCounts {
    pub petition_id: i64,
    /// The size of the log checkpoint the tally note describes.
    pub tree_size: u64,
    pub required: u64,
    pub valid: u64,
    pub status: String,
    pub areas: Vec<AreaTally>,
}

/// A register entry shown beside a signature awaiting review: at the property the signer chose,
/// or at their postcode with their surname.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterEntry {
    pub elector_number: String,
    /// The register's name as matched: first forename and surname, folded.
    pub name: String,
    pub at_property: bool,
    pub why_not: String,
}

/// A confirmed signature that could not be matched to the register, for an officer to approve
/// or reject. Personal data: officer pages only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub id: i64,
    pub petition_id: i64,
    pub name: String,
    pub address: String,
    pub postcode: String,
    pub ward: String,
    /// Whether the signer chose their address from the list (else they typed it).
    pub address_listed: bool,
    pub confirmed: Option<String>,
    pub register: Vec<RegisterEntry>,
}

/// The reference data loaded, for the officers' page: what the site knows and since when.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceData {
    /// (kind, how many): counties, districts, wards.
    pub areas: Vec<(String, u64)>,
    pub postcodes_live: u64,
    pub postcodes_terminated: u64,
    pub addresses: u64,
    /// (polling district, electors now on the register, of whom local government electors,
    /// electors who left in later registers).
    pub register: Vec<(String, u64, u64, u64)>,
    /// (area code, area name, register date, electorate), newest first.
    pub electorates: Vec<(String, String, String, u64)>,
    /// (area code, area name, number, in force from, in force to), newest first.
    pub verification_numbers: Vec<(String, String, u64, String, String)>,
}
