//! Server functions: how pages read data, during server rendering and from the browser.

use leptos::prelude::*;
use petition_core::views::{AddressOption, PetitionPage, PetitionSummary, PostcodeSearch};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub(crate) fn state() -> Result<crate::state::AppState, ServerFnError> {
    use_context::<crate::state::AppState>().ok_or_else(|| ServerFnError::new("server state missing"))
}

#[cfg(feature = "ssr")]
pub(crate) fn internal(e: impl std::fmt::Display) -> ServerFnError {
    tracing::error!("database error: {e}");
    // A page showing this must say it failed, so that no cache keeps it.
    answer_status(http::StatusCode::SERVICE_UNAVAILABLE);
    ServerFnError::new("Something went wrong on our side. Please try again in a moment.")
}

/// The status of the page being rendered.
#[cfg(feature = "ssr")]
fn answer_status(status: http::StatusCode) {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(status);
    }
}

/// Public pages may be cached briefly by browsers and shared caches.
#[cfg(feature = "ssr")]
fn cache_publicly(seconds: u32) {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_str(&format!("public, max-age={seconds}")).expect("valid header"),
        );
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Search {
    Found(PostcodeSearch),
    /// The message to show next to the postcode field.
    Problem(String),
}

#[server]
pub async fn search_postcode(postcode: String) -> Result<Search, ServerFnError> {
    use petition_core::Postcode;
    use petition_store::read::public::PostcodeFinds;
    let st = state()?;
    let pc = match Postcode::parse(&postcode) {
        Ok(pc) => pc,
        Err(e) => return Ok(Search::Problem(e.to_string())),
    };
    cache_publicly(10);
    match petition_store::read::public::search_postcode(&st.db, &pc, petition_store::time::now_utc())
        .await
        .map_err(internal)?
    {
        PostcodeFinds::Petitions(found) => Ok(Search::Found(found)),
        PostcodeFinds::Terminated(t) => Ok(Search::Problem(t.to_string())),
        PostcodeFinds::Unknown => Ok(Search::Problem({
            // Not found: the page cache keeps no copy of it (made-up postcodes are many).
            answer_status(http::StatusCode::NOT_FOUND);
            format!("We cannot find {pc} in the areas this site covers. Check the postcode, or contact your council.")
        })),
    }
}

/// A petition page's figures. A GET (`/api/petition?id=3`), so that the page's refresh every 15
/// seconds is served from the server's page cache, and from a cache in front, as the page is.
#[server(endpoint = "petition", encoding = "GetJson")]
pub async fn petition(id: i64) -> Result<Option<PetitionPage>, ServerFnError> {
    let st = state()?;
    cache_publicly(5);
    let page = petition_store::read::public::petition_page(&st.db, id, petition_store::time::now_utc())
        .await
        .map_err(internal)?;
    if page.is_none() {
        // Not kept by the page cache: made-up numbers are many.
        answer_status(http::StatusCode::NOT_FOUND);
    }
    Ok(page)
}

/// A petition's certificate page: the petition, the certified figures and, once the log has
/// signed a checkpoint holding the `certify/v1` entry, its proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificatePage {
    pub petition: PetitionPage,
    pub certificate: petition_core::views::CertificateView,
    /// The `c2sp.org/tlog-proof@v1` text, as `/log/certificate/<pid>` serves it.
    pub proof: Option<String>,
    /// The checkpoint the proof is against, and the entry's index.
    pub size: Option<u64>,
    pub root: Option<String>,
    pub index: Option<u64>,
    pub entry: Option<String>,
}

#[server]
pub async fn certificate(id: i64) -> Result<Option<CertificatePage>, ServerFnError> {
    let st = state()?;
    cache_publicly(5);
    let Some(petition) = petition_store::read::public::petition_page(&st.db, id, petition_store::time::now_utc())
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    let Some(certificate) = petition.certificate.clone() else { return Ok(None) };
    let proof = petition_store::transparency::certificate(&st.db, id).await.map_err(internal)?;
    let parsed = proof.as_deref().and_then(|p| petition_tlog::proof::LogProof::parse(p).ok());
    let cp = parsed.as_ref().and_then(|p| {
        let note = petition_tlog::note::Note::parse(p.checkpoint.as_bytes()).ok()?;
        petition_tlog::checkpoint::Checkpoint::parse(&note.text).ok()
    });
    Ok(Some(CertificatePage {
        petition,
        certificate,
        size: cp.as_ref().map(|c| c.size),
        root: cp.as_ref().map(|c| petition_tlog::checkpoint::hash_b64(&c.root)),
        index: parsed.as_ref().map(|p| p.index),
        entry: parsed.as_ref().and_then(|p| p.extra.clone()).map(|e| String::from_utf8_lossy(&e).into_owned()),
        proof,
    }))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignPageData {
    pub petition: PetitionSummary,
    /// The normalised postcode, once a valid known one was entered.
    pub postcode: Option<String>,
    pub postcode_problem: Option<String>,
    pub addresses: Vec<AddressOption>,
}

#[server]
pub async fn sign_page(id: i64, postcode: Option<String>) -> Result<Option<SignPageData>, ServerFnError> {
    use petition_core::Postcode;
    use petition_store::places::PostcodeStatus;
    let st = state()?;
    let Some(petition) = petition_store::read::public::petition_summary(&st.db, id, petition_store::time::now_utc())
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    let mut page = SignPageData { petition, postcode: None, postcode_problem: None, addresses: vec![] };
    if let Some(raw) = postcode {
        match Postcode::parse(&raw) {
            Err(e) => page.postcode_problem = Some(e.to_string()),
            Ok(pc) => match petition_store::places::postcode_status(&st.db.pool, &pc).await.map_err(internal)? {
                PostcodeStatus::Unknown => {
                    page.postcode_problem = Some(format!("We cannot find {pc} in the areas this site covers"))
                }
                PostcodeStatus::Terminated(t) => page.postcode_problem = Some(t.to_string()),
                PostcodeStatus::Live { ward } => {
                    if !petition_store::places::lies_in(&st.db.pool, &ward, &page.petition.area.code)
                        .await
                        .map_err(internal)?
                    {
                        page.postcode_problem = Some(format!(
                            "{pc} is outside {}, so you cannot sign this petition",
                            page.petition.area.name
                        ));
                    } else {
                        page.addresses = petition_store::places::addresses_at(&st.db, &pc).await.map_err(internal)?;
                        page.postcode = Some(pc.to_string());
                    }
                }
            },
        }
    }
    Ok(Some(page))
}

#[server]
pub async fn link_title(kind: String, token: String) -> Result<Option<(i64, String)>, ServerFnError> {
    use petition_store::signatures::{link_petition, LinkKind};
    let st = state()?;
    let kind = if kind == "withdraw" { LinkKind::Withdraw } else { LinkKind::Confirm };
    if token.len() > 64 {
        return Ok(None);
    }
    link_petition(&st.db, kind, &token).await.map_err(internal)
}
