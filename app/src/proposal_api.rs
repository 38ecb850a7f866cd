//! Server functions of the pages before a petition opens: starting one, its petitioner's link,
//! its sponsors' pages, and the public list of refused petitions.

use leptos::prelude::*;
use petition_core::proposal::views::{AreaOption, ProposalView, RefusedView};
use petition_core::views::AddressOption;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::api::{internal, state};

/// A postcode typed on a page, looked up: its addresses, or what is wrong with it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    /// The normalised postcode, once a valid known one was entered.
    pub postcode: Option<String>,
    pub problem: Option<String>,
    pub addresses: Vec<AddressOption>,
}

#[cfg(feature = "ssr")]
async fn find_postcode(
    db: &petition_store::Db,
    raw: Option<String>,
    area: Option<(&str, &str)>,
) -> Result<Found, ServerFnError> {
    use petition_core::Postcode;
    use petition_store::places::PostcodeStatus;
    let mut found = Found::default();
    let Some(raw) = raw else { return Ok(found) };
    match Postcode::parse(&raw) {
        Err(e) => found.problem = Some(e.to_string()),
        Ok(pc) => match petition_store::places::postcode_status(&db.pool, &pc).await.map_err(internal)? {
            PostcodeStatus::Unknown => {
                found.problem = Some(format!("We cannot find {pc} in the areas this site covers"))
            }
            PostcodeStatus::Terminated(t) => found.problem = Some(t.to_string()),
            PostcodeStatus::Live { ward } => {
                let outside = match area {
                    Some((code, _)) => {
                        !petition_store::places::lies_in(&db.pool, &ward, code).await.map_err(internal)?
                    }
                    None => false,
                };
                if outside {
                    let name = area.map(|(_, n)| n).unwrap_or_default();
                    found.problem = Some(format!("{pc} is outside {name}, so you cannot sponsor this petition"));
                } else {
                    found.addresses = petition_store::places::addresses_at(db, &pc).await.map_err(internal)?;
                    found.postcode = Some(pc.to_string());
                }
            }
        },
    }
    Ok(found)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartPageData {
    pub found: Found,
    /// The areas the postcode lies in that a petition could be for.
    pub areas: Vec<AreaOption>,
    pub sponsors: u32,
    /// The office's target for deciding, in working days.
    pub working_days: u32,
}

#[server]
pub async fn start_page(postcode: Option<String>) -> Result<StartPageData, ServerFnError> {
    let st = state()?;
    let found = find_postcode(&st.db, postcode, None).await?;
    let policy = st.proposals().await.map_err(internal)?;
    let areas = match found.postcode.as_deref().map(petition_core::Postcode::parse) {
        Some(Ok(pc)) => petition_store::proposals::area_options(&st.db, &pc, &policy).await.map_err(internal)?,
        _ => vec![],
    };
    Ok(StartPageData { found, areas, sponsors: policy.sponsors, working_days: policy.target_working_days })
}

#[server]
pub async fn proposal_page(token: String) -> Result<Option<ProposalView>, ServerFnError> {
    let st = state()?;
    if token.len() > 64 {
        return Ok(None);
    }
    let policy = st.proposals().await.map_err(internal)?;
    petition_store::proposals::manage_view(&st.db, &policy, &token).await.map_err(internal)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SponsorPageData {
    pub proposal: ProposalView,
    pub found: Found,
}

#[server]
pub async fn sponsor_page(code: String, postcode: Option<String>) -> Result<Option<SponsorPageData>, ServerFnError> {
    let st = state()?;
    if code.len() > 64 {
        return Ok(None);
    }
    let policy = st.proposals().await.map_err(internal)?;
    let Some(proposal) = petition_store::proposals::sponsor_view(&st.db, &policy, &code).await.map_err(internal)?
    else {
        return Ok(None);
    };
    let found =
        find_postcode(&st.db, postcode, Some((proposal.area.code.as_str(), proposal.area.name.as_str()))).await?;
    Ok(Some(SponsorPageData { proposal, found }))
}

#[server]
pub async fn sponsor_link(token: String) -> Result<Option<(String, String, String)>, ServerFnError> {
    let st = state()?;
    if token.len() > 64 {
        return Ok(None);
    }
    petition_store::proposals::sponsor_link_texts(&st.db, &token).await.map_err(internal)
}

#[server]
pub async fn refused_petitions() -> Result<Vec<RefusedView>, ServerFnError> {
    let st = state()?;
    let policy = st.proposals().await.map_err(internal)?;
    petition_store::proposals::refused_list(&st.db, &policy).await.map_err(internal)
}
