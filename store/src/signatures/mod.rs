//! Signatures, from a signer's first request to an officer's last change: signing, confirming
//! by email (both committed in groups), withdrawing, and officers' approvals and strikes. Every
//! change moves the count, queues its log entry and its email in one transaction, then settles
//! the petition.

pub mod attempts;
pub mod bulk;
pub mod confirm;
mod conflicts;
mod mails;
pub mod officer;
pub mod sign;
mod stored;
pub mod withdraw;

pub use confirm::{confirm, confirm_all, ConfirmOutcome, Confirmer};
pub use officer::{change_signature, preview_change, ChangePreview, OfficerError, SignatureChange};
pub use sign::{sign, sign_confirmed, AddressChoice, SignError, SignOutcome, SignRequest, SignedIn, Signer};
pub use withdraw::{link_petition, withdraw, LinkKind, WithdrawOutcome};
