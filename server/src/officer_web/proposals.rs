//! The office's decisions on proposals, as form posts from `/officer/proposals/:id`: open it (a
//! check page first, since it fixes the trigger and window for good), send it back with a note,
//! or refuse it on a listed ground with an explanation (a check page first: it is published).

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use petition_core::proposal::Ground;
use petition_store::audit::{Actor, SignedIn};
use petition_store::proposals::{self, Decided, Decision, ProposalError};

use super::{answer, field, see_other, unavailable, Fields, S};
use app::officer::{Check, OfficerPosted};

/// The longest note or explanation taken.
const NOTE_MAX: usize = 2000;

pub async fn decision_post(
    State(s): State<S>,
    Extension(who): Extension<SignedIn>,
    Path((id, decision)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return see_other("/officer/moderation") };
    let page = format!("/officer/proposals/{id}");
    let note = field(&f, "note", NOTE_MAX).trim().to_string();
    let explanation = field(&f, "explanation", NOTE_MAX).trim().to_string();
    let ground_code = field(&f, "ground", 40);
    // The hash of the texts the officer read; a decision on changed texts is refused.
    let read = field(&f, "texts", 64);
    let values = vec![
        ("note".to_string(), note.clone()),
        ("explanation".to_string(), explanation.clone()),
        ("ground".to_string(), ground_code.clone()),
    ];
    let refuse = |field: &str, message: &str| {
        let mut p = OfficerPosted::problem(field, message);
        p.values = values.clone();
        p
    };
    let policy = match s.state.proposals().await {
        Ok(p) => p,
        Err(e) => return unavailable("reading the settings", e),
    };
    let d = match decision.as_str() {
        "open" => Decision::Open,
        "return" if note.is_empty() => {
            let p = refuse("note", "Say what the petitioner should change: they are emailed your note");
            return answer(&s, &page, &headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        "return" => Decision::Return(note),
        "refuse" => {
            let mut p = OfficerPosted { values: values.clone(), ..Default::default() };
            let ground = Ground::parse(&ground_code);
            if ground.is_none() {
                p.errors.push(("ground".into(), "Choose the ground for refusing".into()));
            }
            if explanation.is_empty() {
                p.errors.push((
                    "explanation".into(),
                    "Explain the refusal: it is emailed to the petitioner and published".into(),
                ));
            }
            match ground {
                Some(g) if p.errors.is_empty() => Decision::Refuse(g, explanation.clone()),
                _ => return answer(&s, &page, &headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await,
            }
        }
        _ => return see_other(&page),
    };
    if matches!(d, Decision::Open | Decision::Refuse(..)) && field(&f, "confirm", 3) != "yes" {
        let view = match proposals::moderation_view(&s.state.db, &policy, id, petition_store::now()).await {
            Ok(Some(v)) => v.proposal,
            Ok(None) => return see_other("/officer/moderation"),
            Err(e) => return unavailable("reading a proposal", e),
        };
        let texts = vec![
            ("Title".to_string(), view.title.clone()),
            ("The referendum question".to_string(), view.question.clone()),
            ("Area".to_string(), view.area.name.clone()),
        ];
        let check = match &d {
            Decision::Refuse(g, why) => Check {
                heading: format!("Refuse proposal {id}?"),
                rows: [
                    texts.clone(),
                    vec![("Ground".into(), g.describe(policy.repeat_years)), ("Explanation".into(), why.clone())],
                ]
                .concat(),
                effect:
                    "The petitioner is emailed the ground and your explanation, and the refusal is listed publicly. \
                         A refused petition cannot be opened."
                        .into(),
                action: format!("/officer/proposals/{id}/refuse"),
                hidden: vec![
                    ("ground".into(), g.code().into()),
                    ("explanation".into(), why.clone()),
                    ("texts".into(), read.clone()),
                ],
                button: "Refuse the petition".into(),
                back: page,
                change: false,
            },
            _ => Check {
                heading: format!("Open proposal {id} for signatures?"),
                rows: [texts, vec![("Window".into(), format!("{} months from now", policy.petition.months))]].concat(),
                effect:
                    "Its trigger is fixed now from the electorate figure in force today, and its window starts now. \
                         Its texts can no longer change. The petitioner and the confirmed sponsors become its first \
                         signatures."
                        .into(),
                action: format!("/officer/proposals/{id}/open"),
                hidden: vec![("texts".into(), read.clone())],
                button: "Open for signatures".into(),
                back: page,
                change: false,
            },
        };
        let posted = OfficerPosted { check: Some(check), ..Default::default() };
        return answer(&s, "/officer/check", &headers, Some(who), posted, StatusCode::OK).await;
    }
    let actor = Actor::Officer(who.clone());
    let st = &s.state;
    let now = petition_store::now();
    match proposals::decide(&st.db, &st.secrets, &st.mailing, &policy, id, &d, &read, &actor, now).await {
        Ok(done) => {
            s.wake_mailer.notify_one();
            match done {
                Decided::Opened { petition_id, .. } => see_other(&format!("/officer/petitions/{petition_id}")),
                Decided::Returned => see_other(&format!("{page}?done=return")),
                Decided::Refused => see_other(&format!("{page}?done=refuse")),
            }
        }
        Err(e @ (ProposalError::Stage(_) | ProposalError::NoSuchProposal | ProposalError::Changed)) => {
            let p = refuse("decision", &e.to_string());
            answer(&s, &page, &headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ProposalError::Store(petition_store::StoreError::CannotOpen(why))) => {
            let p = refuse("decision", &format!("The petition cannot open: {why}"));
            answer(&s, &page, &headers, Some(who), p, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => unavailable("deciding on a proposal", e),
    }
}
