//! What the proposal pages show, as the store reads it and the pages render it.

use serde::{Deserialize, Serialize};

use crate::views::AreaRef;

/// An area a proposal could be for: one the proposer's address lies in, with what a petition
/// there would need if it opened today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaOption {
    pub area: AreaRef,
    pub electorate: u64,
    pub required: u64,
}

/// Where a proposal stands, in words for whoever looks at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProposalStage {
    /// The petitioner has not confirmed their email address.
    Unconfirmed,
    Sponsoring,
    Moderation,
    Returned,
    Refused,
    /// Withdrawn by its petitioner.
    Withdrawn,
    /// Ran out of time to find its sponsors or to come back with changes.
    Lapsed,
    Opened,
}

/// A proposal, for its petitioner (through their link), its sponsors and officers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalView {
    pub id: i64,
    pub stage: ProposalStage,
    pub title: String,
    pub question: String,
    pub background: String,
    pub area: AreaRef,
    /// Signatures a petition there would need if it opened today.
    pub required: u64,
    pub sponsors_needed: u32,
    /// Confirmed sponsors found on the register: the ones that count.
    pub sponsors_counted: u32,
    /// The public code in the link the petitioner shares with sponsors.
    pub sponsor_code: String,
    /// The office's note when it sent the proposal back.
    pub return_note: Option<String>,
    /// The ground (in words) and explanation when it was refused.
    pub refused: Option<(String, String)>,
    /// The petition it became.
    pub petition_id: Option<i64>,
    /// When it went to the office, and the date the office aims to decide by.
    pub moderation: Option<(String, String)>,
    /// A hash of the texts as they are now, so that a decision can say which texts it was made on.
    pub texts: String,
    /// The day it will lapse unless it finds its sponsors (or comes back to the office).
    pub lapses: Option<String>,
    /// The day it was withdrawn or lapsed.
    pub ended: Option<String>,
}

/// One sponsor, for officers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SponsorRow {
    pub name: String,
    pub address: String,
    pub confirmed: bool,
    pub on_register: bool,
}

/// A proposal as officers see it before deciding: with the petitioner and the sponsors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationView {
    pub proposal: ProposalView,
    pub petitioner: SponsorRow,
    pub email: String,
    pub sponsors: Vec<SponsorRow>,
    pub overdue: bool,
    /// The grounds an officer may refuse on, as (code, words) under the council's policy.
    pub grounds: Vec<(String, String)>,
    /// Earlier petitions most like this one, from the years the ground of repetition covers.
    pub alike: Vec<Alike>,
    pub repeat_years: u32,
}

/// An earlier petition like the one being decided: a refusal, or a petition opened or certified
/// within the years the ground of repetition covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alike {
    /// Its officer page: `/officer/proposals/4` for a refusal, `/officer/petitions/7`.
    pub href: String,
    pub title: String,
    pub question: String,
    pub area: String,
    /// What became of it, and when.
    pub what: String,
    /// How alike, 0 to 100 (`crate::proposal::alike`).
    pub percent: u32,
}

/// One line of the officers' moderation queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: i64,
    pub title: String,
    pub area: String,
    pub since: String,
    pub target: String,
    pub overdue: bool,
}

/// A refused proposal on the public list. The texts are left out where the ground is about them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedView {
    pub id: i64,
    pub title: Option<String>,
    pub question: Option<String>,
    pub area: String,
    pub decided: String,
    pub ground: String,
    pub explanation: String,
}
