//! The life of a petition above its count: opening it, and keeping its state (threshold
//! reached or lost, paused, closed) in line with the count, with every event recorded once; and
//! its verification after the close, to a certified result.

pub mod events;
pub mod open;
pub mod settle;
pub mod verify;

pub use events::{events, Recorded};
pub use open::{fix_terms, insert_petition, open_petition, Fixed, Policy, Texts};
pub use settle::{act, close_due, latest_record, next_deadline, pause, resume, settle, settle_all, ByOfficer};
pub use verify::{
    announce_seed, certify, draw_sample, mark_checked, projection, record_council_decision, sample_members,
    verification, Certified, Drawn, Member, Planned, Projection, Verification, VerifyError, MAX_PLANS,
};
