//! Replaying the log: the entry rules every observer checks, and the tallies they recompute.
//!
//! [`Replay`] takes entries in log order. An entry that breaks a rule is recorded as a
//! [`Violation`] and changes nothing; the others update the per-petition counts from which
//! [`Tally`] notes are written (by the office) and recomputed (by observers) byte for byte.
//! Pauses and resumes move a petition's window (see `window`), and a note states the window's end
//! in force. After the close, a sample and a certificate verify the count (see `certificate`), and
//! a note states the certified outcome.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use crate::checkpoint::{err, hash_b64, parse_hash, parse_u64, FormatError};
use crate::entry::{Entry, Ident, Outcome, Percent};
use crate::merkle::Hash;

mod certificate;
#[cfg(test)]
mod rule_test;
mod window;
use certificate::{Claim, Verification};
use window::Window;

/// Which rule an entry breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Not a well-formed entry.
    Malformed,
    /// A second `petition/v1` for an id.
    PetitionRepeated,
    /// A `petition/v1` whose window is empty, or whose required count is 0.
    PetitionImpossible,
    /// An entry for a petition id with no `petition/v1` before it.
    UnknownPetition,
    /// A `sig/v1` after the petition's `close/v1`.
    SignatureAfterClose,
    /// A `sig/v1` whose time is outside `[opens, end in force)`.
    SignatureOutsideWindow,
    /// A `sig/v1` dated at or after the pause in force, or inside an earlier pause.
    SignatureWhilePaused,
    /// A `sig/v1` whose commit appeared earlier in the log.
    CommitReused,
    /// A `strike/v1` or `reinstate/v1` whose target is not an earlier `sig/v1` of the same petition.
    TargetNotASignature,
    /// A `strike/v1` of a signature that is already struck.
    AlreadyStruck,
    /// A `reinstate/v1` of a signature that is not struck.
    NotStruck,
    /// A second `close/v1`, or one dated before the petition opened.
    BadClose,
    /// A `close/v1` while collection is paused.
    CloseWhilePaused,
    /// A `pause/v1` while collection is already paused.
    AlreadyPaused,
    /// A `pause/v1` after the petition's `close/v1`.
    PauseAfterClose,
    /// A `pause/v1` dated before the opening, at or after the end in force, or before the last resume.
    PauseOutsideWindow,
    /// A `resume/v1` while collection is not paused.
    ResumeWithoutPause,
    /// A `resume/v1` dated before the pause it ends.
    ResumeBeforePause,
    /// A `resume/v1` whose `closes` is not the end in force plus the time paused.
    ResumeClosesWrong,
    /// A `sample/v1` before the petition's `close/v1`.
    SampleBeforeClose,
    /// A second `sample/v1` for an id.
    SampleRepeated,
    /// A `strike/v1`, `reinstate/v1` or `sample/v1` after the petition's `certify/v1`.
    AfterCertificate,
    /// A `certify/v1` before the petition's `close/v1`.
    CertifyBeforeClose,
    /// A second `certify/v1` for an id.
    CertifyRepeated,
    /// A `certify/v1` whose `valid` is not the valid count before it.
    CertificateValidWrong,
    /// A `certify/v1` whose `projected` is not what its method projects.
    CertificateProjectionWrong,
    /// A full `certify/v1` whose outcome does not follow from the valid count.
    CertificateOutcomeWrong,
    /// A `certify/v1` by sample with no `sample/v1` before it.
    CertificateWithoutSample,
    /// A `certify/v1` by sample whose projection does not clear the band for its outcome.
    SampleNotClear,
}

impl Rule {
    pub fn describe(self) -> &'static str {
        match self {
            Rule::Malformed => "not a well-formed entry",
            Rule::PetitionRepeated => "a second petition/v1 for the same id",
            Rule::PetitionImpossible => "a petition with an empty window or nothing required",
            Rule::UnknownPetition => "an entry for a petition that was never opened in the log",
            Rule::SignatureAfterClose => "a signature after the petition closed",
            Rule::SignatureOutsideWindow => "a signature dated outside the petition's window",
            Rule::SignatureWhilePaused => "a signature dated while collection was paused",
            Rule::CommitReused => "a signature commit that appeared before",
            Rule::TargetNotASignature => {
                "a strike or reinstatement whose target is not an earlier signature of that petition"
            }
            Rule::AlreadyStruck => "a strike of a signature that is already struck",
            Rule::NotStruck => "a reinstatement of a signature that is not struck",
            Rule::BadClose => "a second close, or a close before the petition opened",
            Rule::CloseWhilePaused => "a close while collection is paused",
            Rule::AlreadyPaused => "a pause while collection is already paused",
            Rule::PauseAfterClose => "a pause after the petition closed",
            Rule::PauseOutsideWindow => {
                "a pause dated before the opening, at or after the end of the window, or before the last resume"
            }
            Rule::ResumeWithoutPause => "a resume while collection is not paused",
            Rule::ResumeBeforePause => "a resume dated before its pause",
            Rule::ResumeClosesWrong => "a resume whose new end is not the old end plus the time paused",
            Rule::SampleBeforeClose => "a sample before the petition closed",
            Rule::SampleRepeated => "a second sample of the same petition",
            Rule::AfterCertificate => "a strike, reinstatement or sample after the petition's certificate",
            Rule::CertifyBeforeClose => "a certificate before the petition closed",
            Rule::CertifyRepeated => "a second certificate of the same petition",
            Rule::CertificateValidWrong => "a certificate whose valid count is not the log's",
            Rule::CertificateProjectionWrong => "a certificate whose projected count is not what its method gives",
            Rule::CertificateOutcomeWrong => "a full check's certificate whose outcome does not follow from the count",
            Rule::CertificateWithoutSample => "a certificate by sample with no sample drawn",
            Rule::SampleNotClear => {
                "a certificate by sample whose projection is not clear of the threshold (reached needs 110%, not-reached under 95%)"
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub index: u64,
    pub rule: Rule,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entry {}: {} ({})", self.index, self.rule.describe(), self.detail)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub recorded: u64,
    pub struck: u64,
}

impl Counts {
    pub fn valid(&self) -> u64 {
        self.recorded - self.struck
    }
}

/// A petition's terms, as a tally note states them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    pub area: Ident,
    pub opens: u64,
    /// The end in force: the `closes` of the petition's latest `resume/v1`, or else of its
    /// `petition/v1` (what the note's `window` line gives).
    pub closes: u64,
    pub electorate: u64,
    pub percent: Percent,
    pub required: u64,
}

#[derive(Clone, Debug)]
struct Petition {
    id: Ident,
    /// As the `petition/v1` fixed them; the window's end in force is `window.end`.
    terms: Terms,
    window: Window,
    closed: Option<u64>,
    verification: Verification,
    /// The sum of `areas`, kept as entries come so that a certificate is checked without a sum
    /// over every area.
    total: Counts,
    areas: HashMap<u32, Counts>,
    /// The index of its last entry that kept the rules.
    last: u64,
}

/// What the log says of one signature, for strikes, receipts and certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sig {
    petition: u32,
    area: u32,
    struck: bool,
    /// Drawn in the petition's sample (fits beside `struck`: a signature costs no more).
    sampled: bool,
}

impl Sig {
    /// In [`Replay::sigs`], an entry that is not a signature.
    const NONE: Sig = Sig { petition: u32::MAX, area: 0, struck: false, sampled: false };
}

/// The state after replaying entries `[0, size)`.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    size: u64,
    petitions: Vec<Petition>,
    by_id: HashMap<Ident, u32>,
    areas: Vec<Ident>,
    area_ids: HashMap<Ident, u32>,
    /// By entry index, up to the last signature; the entries between are [`Sig::NONE`]. A list,
    /// not a map: half the memory, and no hashing per entry.
    sigs: Vec<Sig>,
    commits: HashSet<[u8; 32]>,
    violations: Vec<Violation>,
}

impl Replay {
    pub fn new() -> Replay {
        Replay::default()
    }

    /// How many entries have been replayed.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Replays the next entry from its bytes; returns the violation it caused, if any.
    pub fn apply_bytes(&mut self, bytes: &[u8]) -> Option<&Violation> {
        match Entry::parse(bytes) {
            Ok(e) => self.apply(&e),
            Err(e) => {
                let index = self.size;
                self.size += 1;
                self.violate(index, Rule::Malformed, e.0)
            }
        }
    }

    /// Makes room for `entries` more entries, so that a replay told how many are coming does
    /// not grow its set of commits step by step (each step hashes every commit again).
    pub fn reserve(&mut self, entries: usize) {
        self.commits.reserve(entries);
        self.sigs.reserve(entries);
    }

    /// The signature at entry `index`, if that entry is one.
    fn sig(&self, index: u64) -> Option<&Sig> {
        usize::try_from(index).ok().and_then(|i| self.sigs.get(i)).filter(|s| s.petition != u32::MAX)
    }

    /// Checks an entry against the rules without applying it: what appending it would violate.
    pub fn check(&self, entry: &Entry) -> Result<(), (Rule, String)> {
        self.check_for(entry, self.by_id.get(entry.id()).copied(), true)
    }

    /// [`Replay::check`] for an entry whose petition's number `pid` has been looked up; a
    /// signature's commit is looked for only if `commits` (`apply` finds it as it inserts it).
    fn check_for(&self, entry: &Entry, pid: Option<u32>, commits: bool) -> Result<(), (Rule, String)> {
        let petition = pid.map(|p| &self.petitions[p as usize]);
        match (entry, petition) {
            (Entry::Petition { id, .. }, Some(_)) => Err((Rule::PetitionRepeated, format!("petition {id}"))),
            (Entry::Petition { opens, closes, required, .. }, None) => {
                if opens >= closes || *required == 0 {
                    Err((Rule::PetitionImpossible, format!("window [{opens}, {closes}), required {required}")))
                } else {
                    Ok(())
                }
            }
            (e, None) => Err((Rule::UnknownPetition, format!("petition {}", e.id()))),
            (Entry::Sig { at, commit, .. }, Some(p)) => {
                if let Some(c) = p.closed {
                    Err((Rule::SignatureAfterClose, format!("closed at {c}")))
                } else {
                    p.window.check_sig(*at)?;
                    if commits && self.commits.contains(commit) {
                        Err((Rule::CommitReused, hash_b64(commit)))
                    } else {
                        Ok(())
                    }
                }
            }
            // A certified petition's figures are final, whatever the target.
            (Entry::Strike { target, .. }, Some(p)) => {
                p.verification.check_change()?;
                match self.sig(*target) {
                    Some(s) if Some(s.petition) == pid && s.struck => {
                        Err((Rule::AlreadyStruck, format!("target {target}")))
                    }
                    Some(s) if Some(s.petition) == pid => Ok(()),
                    _ => Err((Rule::TargetNotASignature, format!("target {target}"))),
                }
            }
            (Entry::Reinstate { target, .. }, Some(p)) => {
                p.verification.check_change()?;
                match self.sig(*target) {
                    Some(s) if Some(s.petition) == pid && !s.struck => {
                        Err((Rule::NotStruck, format!("target {target}")))
                    }
                    Some(s) if Some(s.petition) == pid => Ok(()),
                    _ => Err((Rule::TargetNotASignature, format!("target {target}"))),
                }
            }
            (Entry::Pause { at, .. }, Some(p)) => match p.closed {
                Some(c) => Err((Rule::PauseAfterClose, format!("closed at {c}"))),
                None => p.window.check_pause(*at),
            },
            // A closed petition is never paused (a close is refused while it is), so a resume
            // after the close is one without a pause.
            (Entry::Resume { at, closes, .. }, Some(p)) => p.window.check_resume(*at, *closes),
            (Entry::Close { at, .. }, Some(p)) => {
                if p.closed.is_some() || *at < p.terms.opens {
                    Err((Rule::BadClose, format!("at {at}")))
                } else {
                    p.window.check_close()
                }
            }
            (Entry::Sample { .. }, Some(p)) => p.verification.check_sample(p.closed),
            (Entry::Certify { outcome, method, valid, projected, .. }, Some(p)) => {
                let claim = Claim { outcome: *outcome, method: *method, valid: *valid, projected: *projected };
                p.verification.check_certify(p.closed, &claim, p.total.valid(), p.terms.required)
            }
        }
    }

    /// Replays the next entry; returns the violation it caused, if any (the entry then changes
    /// nothing but the size).
    pub fn apply(&mut self, entry: &Entry) -> Option<&Violation> {
        let index = self.size;
        self.size += 1;
        let pid = self.by_id.get(entry.id()).copied();
        if let Err((rule, detail)) = self.check_for(entry, pid, false) {
            return self.violate(index, rule, detail);
        }
        // The last check, made as the commit goes in: one lookup, not two. Nothing has changed
        // before it.
        if let Entry::Sig { commit, .. } = entry {
            if !self.commits.insert(*commit) {
                return self.violate(index, Rule::CommitReused, hash_b64(commit));
            }
        }
        match entry {
            Entry::Petition { id, area, opens, closes, electorate, percent, required, .. } => {
                self.by_id.insert(id.clone(), self.petitions.len() as u32);
                self.petitions.push(Petition {
                    id: id.clone(),
                    terms: Terms {
                        area: area.clone(),
                        opens: *opens,
                        closes: *closes,
                        electorate: *electorate,
                        percent: *percent,
                        required: *required,
                    },
                    window: Window::new(*opens, *closes),
                    closed: None,
                    verification: Verification::default(),
                    total: Counts::default(),
                    areas: HashMap::new(),
                    last: index,
                });
            }
            Entry::Sig { area, .. } => {
                let p = pid.expect("checked");
                self.petitions[p as usize].last = index;
                let a = self.area_id(area);
                // The replay has seen `index` entries: every index fits in memory.
                self.sigs.resize(index as usize, Sig::NONE);
                self.sigs.push(Sig { petition: p, area: a, struck: false, sampled: false });
                let petition = &mut self.petitions[p as usize];
                petition.verification.signed(index);
                petition.total.recorded += 1;
                petition.areas.entry(a).or_default().recorded += 1;
            }
            Entry::Strike { target, .. } | Entry::Reinstate { target, .. } => {
                self.petitions[pid.expect("checked") as usize].last = index;
                let strike = matches!(entry, Entry::Strike { .. });
                let s = &mut self.sigs[*target as usize];
                s.struck = strike;
                let petition = &mut self.petitions[s.petition as usize];
                if s.sampled {
                    petition.verification.sampled_changed(strike);
                }
                let c = petition.areas.get_mut(&s.area).expect("a signature's area is counted");
                if strike {
                    c.struck += 1;
                    petition.total.struck += 1;
                } else {
                    c.struck -= 1;
                    petition.total.struck -= 1;
                }
            }
            Entry::Pause { at, .. } => {
                let p = &mut self.petitions[pid.expect("checked") as usize];
                p.last = index;
                p.window.pause(*at);
            }
            Entry::Resume { at, closes, .. } => {
                let p = &mut self.petitions[pid.expect("checked") as usize];
                p.last = index;
                p.window.resume(*at, *closes);
            }
            Entry::Close { at, .. } => {
                let p = &mut self.petitions[pid.expect("checked") as usize];
                p.last = index;
                p.closed = Some(*at);
                p.verification.close();
            }
            Entry::Sample { id, seed, .. } => {
                let sigs = &mut self.sigs;
                let p = &mut self.petitions[pid.expect("checked") as usize];
                p.last = index;
                let struck = |i: u64| sigs.get(i as usize).is_some_and(|s| s.petition != u32::MAX && s.struck);
                for i in p.verification.draw(id, seed, struck) {
                    let s = &mut sigs[i as usize];
                    assert_ne!(s.petition, u32::MAX, "a candidate is a signature");
                    s.sampled = true;
                }
            }
            Entry::Certify { outcome, .. } => {
                let p = &mut self.petitions[pid.expect("checked") as usize];
                p.last = index;
                p.verification.certify(*outcome);
            }
        }
        None
    }

    fn area_id(&mut self, area: &Ident) -> u32 {
        if let Some(a) = self.area_ids.get(area) {
            return *a;
        }
        let a = self.areas.len() as u32;
        self.areas.push(area.clone());
        self.area_ids.insert(area.clone(), a);
        a
    }

    fn violate(&mut self, index: u64, rule: Rule, detail: String) -> Option<&Violation> {
        self.violations.push(Violation { index, rule, detail });
        self.violations.last()
    }

    /// The petitions opened so far, in log order.
    pub fn petition_ids(&self) -> impl Iterator<Item = &Ident> {
        self.petitions.iter().map(|p| &p.id)
    }

    /// The petitions opened so far with the index of each one's last entry that kept the rules
    /// (a tally note for it must be at a greater size), in log order.
    pub fn last_entries(&self) -> impl Iterator<Item = (&Ident, u64)> {
        self.petitions.iter().map(|p| (&p.id, p.last))
    }

    /// The index of petition `id`'s last entry that kept the rules.
    pub fn last_entry(&self, id: &Ident) -> Option<u64> {
        self.by_id.get(id).map(|p| self.petitions[*p as usize].last)
    }

    /// Whether the signature at `index` is in the log as a signature, and if so whether it is struck.
    pub fn signature_struck(&self, index: u64) -> Option<bool> {
        self.sig(index).map(|s| s.struck)
    }

    /// The tally of petition `id` at this size, for a checkpoint of `origin` with `root`.
    pub fn tally(&self, id: &Ident, origin: &str, root: &Hash) -> Option<Tally> {
        let p = &self.petitions[*self.by_id.get(id)? as usize];
        let mut areas: BTreeMap<String, Counts> = BTreeMap::new();
        for (a, c) in &p.areas {
            areas.insert(self.areas[*a as usize].as_str().to_string(), *c);
        }
        let total = areas
            .values()
            .fold(Counts::default(), |t, c| Counts { recorded: t.recorded + c.recorded, struck: t.struck + c.struck });
        let reached = total.valid() >= p.terms.required;
        let status = match (p.verification.certified(), p.closed.is_some(), reached) {
            (Some(Outcome::Reached), ..) => Status::CertifiedReached,
            (Some(Outcome::NotReached), ..) => Status::CertifiedNotReached,
            (None, false, false) => Status::Collecting,
            (None, false, true) => Status::Reached,
            (None, true, true) => Status::ClosedReached,
            (None, true, false) => Status::ClosedNotReached,
        };
        Some(Tally {
            origin: origin.to_string(),
            size: self.size,
            root: *root,
            petition: id.clone(),
            terms: Terms { closes: p.window.end, ..p.terms.clone() },
            status,
            total,
            areas,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Collecting,
    Reached,
    ClosedReached,
    ClosedNotReached,
    /// After `certify/v1 outcome=reached`.
    CertifiedReached,
    /// After `certify/v1 outcome=not-reached`.
    CertifiedNotReached,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Collecting,
        Status::Reached,
        Status::ClosedReached,
        Status::ClosedNotReached,
        Status::CertifiedReached,
        Status::CertifiedNotReached,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Collecting => "collecting",
            Status::Reached => "reached",
            Status::ClosedReached => "closed-reached",
            Status::ClosedNotReached => "closed-not-reached",
            Status::CertifiedReached => "certified-reached",
            Status::CertifiedNotReached => "certified-not-reached",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// A petition's tally at a checkpoint: the text of a tally note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub petition: Ident,
    pub terms: Terms,
    pub status: Status,
    pub total: Counts,
    /// Per area with at least one signature, keyed by area code (sorted bytewise).
    pub areas: BTreeMap<String, Counts>,
}

fn counts_line(label: &str, c: &Counts) -> String {
    format!("{label} recorded {} struck {} valid {}\n", c.recorded, c.struck, c.valid())
}

impl Tally {
    /// The note text, ending in a newline.
    pub fn text(&self) -> String {
        let t = &self.terms;
        let mut s = format!(
            "petition-tally/v1\norigin {}\nsize {}\nroot {}\npetition {}\narea {} electorate {} percent {} required {}\nwindow {} {}\nstatus {}\n",
            self.origin,
            self.size,
            hash_b64(&self.root),
            self.petition,
            t.area,
            t.electorate,
            t.percent,
            t.required,
            t.opens,
            t.closes,
            self.status.code()
        );
        s.push_str(&counts_line("*", &self.total));
        for (area, c) in &self.areas {
            s.push_str(&counts_line(area, c));
        }
        s
    }

    /// Reads a tally note's text strictly: it must be exactly what [`Tally::text`] writes.
    pub fn parse(text: &str) -> Result<Tally, FormatError> {
        let Some(body) = text.strip_suffix('\n') else { return err("a tally ends in a newline") };
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 9 || lines[0] != "petition-tally/v1" {
            return err("not a petition-tally/v1 note");
        }
        let field = |i: usize, key: &str| -> Result<Vec<&str>, FormatError> {
            let rest = lines[i]
                .strip_prefix(key)
                .and_then(|r| r.strip_prefix(' '))
                .ok_or(FormatError(format!("line {} should start {key}", i + 1)))?;
            Ok(rest.split(' ').collect())
        };
        let one = |i: usize, key: &str| -> Result<String, FormatError> {
            match field(i, key)?[..] {
                [v] => Ok(v.to_string()),
                _ => err(format!("line {} has one value", i + 1)),
            }
        };
        let num = |s: &str| parse_u64(s).ok_or(FormatError(format!("{s:?} is not a decimal number")));
        let ident = |s: &str| Ident::parse(s).ok_or(FormatError(format!("{s:?} is not an identifier")));
        let origin = one(1, "origin")?;
        let size = num(&one(2, "size")?)?;
        let root = parse_hash(&one(3, "root")?).ok_or(FormatError("the root is not a hash in base64".into()))?;
        let petition = ident(&one(4, "petition")?)?;
        let terms = match field(5, "area")?[..] {
            [area, "electorate", e, "percent", p, "required", r] => Terms {
                area: ident(area)?,
                electorate: num(e)?,
                percent: Percent::parse(p).ok_or(FormatError(format!("{p:?} is not a percentage")))?,
                required: num(r)?,
                opens: 0,
                closes: 0,
            },
            _ => return err("line 6 is: area <code> electorate <n> percent <p> required <n>"),
        };
        let (opens, closes) = match field(6, "window")?[..] {
            [o, c] => (num(o)?, num(c)?),
            _ => return err("line 7 is: window <opens> <closes>"),
        };
        let status = Status::parse(&one(7, "status")?).ok_or(FormatError("unknown status".into()))?;
        let counts = |i: usize| -> Result<(String, Counts), FormatError> {
            match lines[i].split(' ').collect::<Vec<_>>()[..] {
                [label, "recorded", r, "struck", s, "valid", v] => {
                    let c = Counts { recorded: num(r)?, struck: num(s)? };
                    if c.struck > c.recorded || num(v)? != c.valid() {
                        return err(format!("line {}: valid is recorded minus struck", i + 1));
                    }
                    Ok((label.to_string(), c))
                }
                _ => err(format!("line {} is: <area> recorded <n> struck <n> valid <n>", i + 1)),
            }
        };
        let (star, total) = counts(8)?;
        if star != "*" {
            return err("line 9 is the total, labelled *");
        }
        let mut areas = BTreeMap::new();
        for i in 9..lines.len() {
            let (area, c) = counts(i)?;
            ident(&area)?;
            areas.insert(area, c);
        }
        // A note that contradicts itself is refused before anyone compares it with the entries.
        let sum = areas
            .values()
            .fold(Counts::default(), |t, c| Counts { recorded: t.recorded + c.recorded, struck: t.struck + c.struck });
        if sum != total {
            return err("the total (*) is not the sum of the areas");
        }
        let reached = total.valid() >= terms.required;
        let consistent = match status {
            Status::Collecting | Status::ClosedNotReached => !reached,
            Status::Reached | Status::ClosedReached => reached,
            // A certificate by sample may state either outcome whatever the count (the office
            // strikes only what it sampled), and the note does not say which method certified.
            Status::CertifiedReached | Status::CertifiedNotReached => true,
        };
        if !consistent {
            return err(format!(
                "status {} does not follow from valid {} and required {}",
                status.code(),
                total.valid(),
                terms.required
            ));
        }
        // No log gives a window that ends before it opens: a `petition/v1` with an empty window
        // breaks a rule, and a resume only moves the end later.
        if opens >= closes {
            return err(format!("the window [{opens}, {closes}) is empty"));
        }
        let tally =
            Tally { origin, size, root, petition, terms: Terms { opens, closes, ..terms }, status, total, areas };
        if tally.text() != text {
            return err("the tally is not in canonical form (order, sums or spacing)");
        }
        Ok(tally)
    }
}

#[cfg(test)]
mod tests;
