//! The resident side of a petition before it opens, as plain form posts: starting one (answers,
//! then "check your answers", then the record), the petitioner's link (confirm, edit, send back),
//! and sponsoring (the form, then the emailed link's button). A post with problems renders its
//! page again with them and changes nothing.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use app::officer::{Check, OfficerPosted};
use app::post::{PostResult, SponsorAnswer, SponsorKind};
use app::proposal_form::{parse_edit, parse_sponsor, parse_start, START_FIELDS};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use petition_store::proposals::{
    self, NewProposal, Petitioner, ProposalError, ProposalTexts, SponsorConfirmed, SponsorRequest,
};

use crate::web::{plain_page, render, Shared};

type S = Arc<Shared>;
type Fields = HashMap<String, String>;

pub fn routes(shared: S) -> Router {
    Router::new()
        .route("/start", post(start_post))
        .route("/proposals/{token}/{action}", post(proposal_post))
        .route("/sponsor/confirm/{token}", post(sponsor_confirm_post))
        .route("/sponsor/{code}", post(sponsor_post))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(shared)
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> Response {
    tracing::error!("{what} failed: {e}");
    plain_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Sorry, there is a problem with the service",
        "Nothing was recorded. Please try again in a few minutes.",
    )
}

/// The posted fields, cut to lengths no real answer reaches, for showing the form again.
fn values(f: &Fields, fields: &[(&str, usize)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, max)| (k.to_string(), f.get(*k).map(|v| v.chars().take(*max).collect()).unwrap_or_default()))
        .collect()
}

fn getter(values: &[(String, String)]) -> impl Fn(&str) -> String + '_ {
    move |k: &str| values.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone()).unwrap_or_default()
}

fn postcode_query(pc: &str) -> String {
    pc.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ').take(10).collect::<String>().replace(' ', "+")
}

async fn again(s: &S, uri: &str, headers: &HeaderMap, posted: OfficerPosted, status: StatusCode) -> Response {
    render(s, uri, headers, None, PostResult::Proposal(posted), status).await
}

/// The words for an address that cannot be used, beside the address field.
fn address_problem(e: &ProposalError) -> Option<(String, String)> {
    match e {
        ProposalError::Address(e) => Some(("address".into(), e.to_string())),
        ProposalError::AreaNotForAddress => Some(("area".into(), e.to_string())),
        ProposalError::OwnProposal => Some(("name".into(), e.to_string())),
        ProposalError::NotSponsoring => Some(("sponsor-form".into(), e.to_string())),
        _ => None,
    }
}

async fn start_post(
    State(s): State<S>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let values = values(&f, &START_FIELDS);
    let get = getter(&values);
    let form_uri = format!("/start?postcode={}", postcode_query(&get("postcode")));
    let mut posted = OfficerPosted { values: values.clone(), ..Default::default() };
    if f.get("change").is_some_and(|v| v == "yes") {
        return again(&s, &form_uri, &headers, posted, StatusCode::OK).await;
    }
    let proposing = match parse_start(&get) {
        Ok(p) => p,
        Err(errors) => {
            posted.errors = errors;
            return again(&s, &form_uri, &headers, posted, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if f.get("confirm").is_none_or(|v| v != "yes") {
        let db = &s.state.db;
        let address = match &proposing.address {
            petition_core::address::AddressChoice::Listed(u) => {
                let listed = petition_store::places::addresses_at(db, &proposing.postcode).await.unwrap_or_default();
                listed.into_iter().find(|a| a.uprn == u.as_str()).map_or_else(|| u.to_string(), |a| a.label)
            }
            petition_core::address::AddressChoice::NotListed(t) => format!("{t}, {}", proposing.postcode),
        };
        let area = match petition_store::places::area(&db.pool, proposing.area.as_str()).await {
            Ok(Some((a, _))) => format!("{} ({})", a.name, a.kind),
            _ => proposing.area.to_string(),
        };
        let check = Check {
            heading: "Check your petition before you send it".into(),
            rows: vec![
                ("Title".into(), proposing.texts.title.as_str().into()),
                ("The referendum question".into(), proposing.texts.question.as_str().into()),
                ("Background".into(), proposing.texts.background.as_str().into()),
                ("Area".into(), area),
                ("Your name".into(), proposing.name.as_str().into()),
                ("Your address".into(), address),
                ("Your email".into(), proposing.email.as_str().into()),
            ],
            effect: "We email you a link to confirm your address. Then you ask sponsors, and the electoral office \
                     checks the petition before it opens. You can change the texts until it goes to the office."
                .into(),
            action: "/start".into(),
            hidden: values.clone(),
            button: "Send my petition".into(),
            back: form_uri.clone(),
            change: false,
        };
        posted.check = Some(check);
        return again(&s, "/start/check", &headers, posted, StatusCode::OK).await;
    }
    if !s.sign_allowed(addr, &headers) || !s.email_allowed(&proposing.email.canonical()) {
        posted.errors.push(("start-form".into(), "Too many attempts. Wait a while, then try again.".into()));
        return again(&s, &form_uri, &headers, posted, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let st = &s.state;
    let new = NewProposal {
        petitioner: Petitioner {
            name: proposing.name,
            email: proposing.email,
            postcode: proposing.postcode,
            address: proposing.address,
        },
        texts: ProposalTexts {
            title: proposing.texts.title,
            question: proposing.texts.question,
            background: proposing.texts.background,
        },
        area: proposing.area,
    };
    let policy = match st.proposals().await {
        Ok(p) => p,
        Err(e) => return unavailable("reading the settings", e),
    };
    match proposals::start(&st.db, &st.secrets, &st.mailing, &policy, &new, petition_store::now()).await {
        Ok(_) => {
            s.wake_mailer.notify_one();
            Redirect::to("/start/sent").into_response()
        }
        Err(e) => match address_problem(&e) {
            Some(problem) => {
                posted.errors.push(problem);
                again(&s, &form_uri, &headers, posted, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => unavailable("starting a petition", e),
        },
    }
}

fn token_ok(t: &str) -> bool {
    t.len() == 43 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn proposal_post(
    State(s): State<S>,
    Path((token, action)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let page = format!("/proposals/{token}");
    if !token_ok(&token) {
        return again(&s, &page, &headers, OfficerPosted::default(), StatusCode::NOT_FOUND).await;
    }
    let st = &s.state;
    let now = petition_store::now();
    let policy = match st.proposals().await {
        Ok(p) => p,
        Err(e) => return unavailable("reading the settings", e),
    };
    let result = match action.as_str() {
        "confirm" => {
            proposals::confirm_petitioner(&st.db, &st.mailing, &policy, &token, now).await.map(|_| "confirmed")
        }
        "resubmit" => proposals::resubmit(&st.db, &st.mailing, &policy, &token, now).await.map(|_| "resubmitted"),
        "withdraw" => {
            // It cannot be undone: the box says the petitioner means it.
            if f.get("sure").map(String::as_str) != Some("yes") {
                let posted =
                    OfficerPosted::problem("sure", "Tick the box to say that you want to withdraw your petition");
                return again(&s, &page, &headers, posted, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
            proposals::withdraw(&st.db, &st.mailing, &policy, &token, now).await.map(|_| "withdrawn")
        }
        "edit" => {
            let values = values(&f, &START_FIELDS[6..9]);
            match parse_edit(getter(&values)) {
                Ok(t) => {
                    let texts = ProposalTexts { title: t.title, question: t.question, background: t.background };
                    proposals::edit(&st.db, &token, &texts, now).await.map(|_| "saved")
                }
                Err(errors) => {
                    let posted = OfficerPosted { values, errors, ..Default::default() };
                    return again(&s, &page, &headers, posted, StatusCode::UNPROCESSABLE_ENTITY).await;
                }
            }
        }
        _ => return Redirect::to(&page).into_response(),
    };
    match result {
        Ok(done) => {
            s.wake_mailer.notify_one();
            Redirect::to(&format!("{page}?done={done}")).into_response()
        }
        Err(ProposalError::UnknownLink) => {
            again(&s, &page, &headers, OfficerPosted::default(), StatusCode::NOT_FOUND).await
        }
        Err(e @ ProposalError::Stage(_)) => {
            let posted = OfficerPosted::problem("status", e.to_string());
            again(&s, &page, &headers, posted, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => unavailable("changing a proposal", e),
    }
}

async fn sponsor_post(
    State(s): State<S>,
    Path(code): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let code: String = code.chars().take(64).collect();
    let values = values(&f, &START_FIELDS[..5]).into_iter().chain(values(&f, &START_FIELDS[9..])).collect::<Vec<_>>();
    let get = getter(&values);
    let code_path: String = code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    let form_uri = format!("/sponsor/{code_path}?postcode={}", postcode_query(&get("postcode")));
    let mut posted = OfficerPosted { values: values.clone(), ..Default::default() };
    let (postcode, address, name, email) = match parse_sponsor(&get) {
        Ok(p) => p,
        Err(errors) => {
            posted.errors = errors;
            return again(&s, &form_uri, &headers, posted, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if !s.sign_allowed(addr, &headers) || !s.email_allowed(&email.canonical()) {
        posted.errors.push(("sponsor-form".into(), "Too many attempts. Wait a while, then try again.".into()));
        return again(&s, &form_uri, &headers, posted, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let st = &s.state;
    let req = SponsorRequest { code, name, email, postcode, address };
    match proposals::sponsor(&st.db, &st.secrets, &st.mailing, &req, petition_store::now()).await {
        Ok(()) => {
            s.wake_mailer.notify_one();
            Redirect::to("/sponsored").into_response()
        }
        Err(ProposalError::NoSuchProposal) => {
            again(&s, &form_uri, &headers, OfficerPosted::default(), StatusCode::NOT_FOUND).await
        }
        Err(e) => match address_problem(&e) {
            Some(problem) => {
                posted.errors.push(problem);
                again(&s, &form_uri, &headers, posted, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => unavailable("sponsoring", e),
        },
    }
}

async fn sponsor_confirm_post(State(s): State<S>, Path(token): Path<String>, headers: HeaderMap) -> Response {
    let page = format!("/sponsor/confirm/{token}");
    let answer = |kind, title: String, counted, needed| SponsorAnswer { kind, title, counted, needed };
    let a = if !token_ok(&token) {
        answer(SponsorKind::UnknownLink, String::new(), 0, 0)
    } else {
        let st = &s.state;
        let policy = match st.proposals().await {
            Ok(p) => p,
            Err(e) => return unavailable("reading the settings", e),
        };
        match proposals::confirm_sponsor(&st.db, &st.mailing, &policy, &token, petition_store::now()).await {
            Ok(SponsorConfirmed::Counted { title, counted, needed }) => {
                answer(SponsorKind::Counted, title, counted, needed)
            }
            Ok(SponsorConfirmed::NotOnRegister { title }) => answer(SponsorKind::NotOnRegister, title, 0, 0),
            Ok(SponsorConfirmed::AlreadyConfirmed { title }) => answer(SponsorKind::AlreadyConfirmed, title, 0, 0),
            Ok(SponsorConfirmed::TooLate { title }) => answer(SponsorKind::TooLate, title, 0, 0),
            Err(ProposalError::UnknownLink) => answer(SponsorKind::UnknownLink, String::new(), 0, 0),
            Err(e) => return unavailable("confirming a sponsor", e),
        }
    };
    s.wake_mailer.notify_one();
    let status = if a.kind == SponsorKind::UnknownLink { StatusCode::NOT_FOUND } else { StatusCode::OK };
    render(&s, &page, &headers, None, PostResult::SponsorConfirm(a), status).await
}
