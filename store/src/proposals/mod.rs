//! Petitions before they open: a resident's proposal ([`start`]), its sponsors ([`sponsors`]),
//! the petitioner's link to follow and edit it ([`manage`]), and the electoral office's decision
//! ([`moderate`], beside the earlier petitions most like it, from `alike`): open it (the
//! petition it becomes fixes its trigger and window then, and the petitioner and sponsors become
//! its first signatures), send it back, or refuse it on a ground.
//! Which change each stage allows is `petition_core::proposal::Stage`'s rule.

mod alike;
mod ending;
mod mails;
pub mod manage;
pub mod moderate;
pub mod sponsors;
pub mod start;
mod stored;

pub use ending::{lapse_stalled, withdraw};
pub use manage::{confirm_petitioner, edit, manage_view, resubmit};
pub use moderate::{carry_over, decide, moderation_queue, moderation_view, refused_list, Decided, Decision};
pub use sponsors::{confirm_sponsor, sponsor, sponsor_link_texts, sponsor_view, SponsorConfirmed, SponsorRequest};
pub use start::{area_options, start, NewProposal, Petitioner, ProposalTexts};
pub use stored::{ProposalError, ProposalPolicy};
