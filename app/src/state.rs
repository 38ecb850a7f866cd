//! What the server functions need, provided as context by the server.

use petition_store::mail::Mailing;
use petition_store::secrets::Secrets;
use petition_store::Db;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub secrets: Secrets,
    pub mailing: Mailing,
    /// How long officers' sessions last.
    pub officer_sessions: petition_store::officers::SessionPolicy,
    /// Sponsors needed, the moderation target, and the petitions' terms.
    pub proposals: petition_store::proposals::ProposalPolicy,
}
