//! Email: the durable outbox every email goes through, and where the links in emails point.

pub mod links;
pub mod outbox;

pub use links::Mailing;
