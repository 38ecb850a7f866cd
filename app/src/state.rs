//! What the server functions need, provided as context by the server.

use std::sync::Arc;

use petition_core::settings::Settings;
use petition_store::mail::Mailing;
use petition_store::officers::SessionPolicy;
use petition_store::proposals::ProposalPolicy;
use petition_store::secrets::Secrets;
use petition_store::settings::Live;
use petition_store::{Db, StoreError};

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub secrets: Secrets,
    pub mailing: Mailing,
    /// The council's settings as admins keep them (sponsors needed, the moderation target,
    /// officers' sessions...), read again every few seconds.
    pub settings: Arc<Live>,
}

impl AppState {
    pub async fn settings(&self) -> Result<Settings, StoreError> {
        self.settings.get(&self.db).await
    }

    /// Sponsors needed, the moderation target, and the petitions' terms.
    pub async fn proposals(&self) -> Result<ProposalPolicy, StoreError> {
        Ok(ProposalPolicy::from(&self.settings().await?))
    }

    /// How long officers' sessions last.
    pub async fn officer_sessions(&self) -> Result<SessionPolicy, StoreError> {
        Ok(SessionPolicy::from(&self.settings().await?))
    }
}
