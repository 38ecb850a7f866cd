//! A petition's signatures with the signers' names and addresses, for checking against the
//! register: search, then strike (with a reason), reinstate or approve one. Personal data: the
//! page is for signed-in officers and viewers only, and never cached.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;
use petition_core::engine::StrikeReason;
use petition_core::views::SignerRow;

use crate::components::{petition_id, problem_text, ErrorSummary};
use crate::officer::api::officer_signers;
use crate::officer::OfficerPosted;
use crate::routes::officer::nav::{may_act, OfficerNav};
use crate::routes::officer::sign_in::posted;

/// Words for a strike reason, as the forms offer them.
pub fn strike_reason_label(r: StrikeReason) -> &'static str {
    match r {
        StrikeReason::Duplicate => "Duplicate: the same elector signed twice",
        StrikeReason::NotEligible => "Not eligible: not a local government elector of the area on the signing date",
        StrikeReason::OutsideWindow => "Outside the window: made before it opened or after it closed",
        StrikeReason::Withdrawn => "Withdrawn by the signer",
        StrikeReason::Fraud => "Fraud: not made by the elector",
        StrikeReason::Correction => "Correction of an administrative error",
    }
}

/// Letters, digits, `@`, `.` and `-` only (spaces as `+`), so a search can go in a query string.
fn query_safe(s: &str) -> String {
    s.chars()
        .take(100)
        .filter_map(|c| match c {
            ' ' => Some('+'),
            c if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '-') => Some(c),
            _ => None,
        })
        .collect()
}

fn status_text(r: &SignerRow) -> String {
    let base = match r.status.as_str() {
        "confirmed" => "Counted",
        "review" => "Awaiting review",
        "withdrawn" => "Withdrawn by the signer",
        other => other,
    };
    match &r.struck {
        Some(reason) => format!("Struck ({reason})"),
        None if r.checked => format!("{base}, checked"),
        None => base.to_string(),
    }
}

fn row_forms(r: &SignerRow, back: String, p: &OfficerPosted) -> AnyView {
    let id = r.id;
    let struck = r.struck.is_some();
    let live = r.status == "confirmed" || r.status == "review";
    let note_error = p.error(&format!("note-{id}"));
    let reason_error = p.error(&format!("reason-{id}"));
    let row_error = p.error(&format!("signature-{id}"));
    let note_id = format!("note-{id}");
    let reason_id = format!("reason-{id}");
    view! {
        {row_error.map(|e| view! { <p class="field-error" id=format!("signature-{id}")>{e}</p> })}
        {(live && !struck).then(|| {
            let (note_id, reason_id, back) = (note_id.clone(), reason_id.clone(), back.clone());
            view! {
            <form method="post" action=format!("/officer/signatures/{id}/strike") class="row-form">
                <input type="hidden" name="back" value=back/>
                <div class=crate::components::field_class(&reason_error)>
                    <label for=reason_id.clone()>"Reason"</label>
                    <crate::components::FieldError id="reason" error=reason_error.clone()/>
                    <select id=reason_id name="reason">
                        <option value="">"Choose a reason"</option>
                        {StrikeReason::for_officers().map(|r| view! { <option value=r.code()>{strike_reason_label(r)}</option> }).collect_view()}
                    </select>
                </div>
                <div class=crate::components::field_class(&note_error)>
                    <label for=note_id.clone()>"Why (for the audit trail)"</label>
                    <crate::components::FieldError id="note" error=note_error.clone()/>
                    <input type="text" id=note_id name="note"/>
                </div>
                <button type="submit" class="warning">"Strike…"</button>
            </form>
        }.into_any()})}
        {(live && struck).then(|| {
            let (note_id, back) = (note_id.clone(), back.clone());
            view! {
            <form method="post" action=format!("/officer/signatures/{id}/reinstate") class="row-form">
                <input type="hidden" name="back" value=back/>
                <div class=crate::components::field_class(&note_error)>
                    <label for=note_id.clone()>"Why reinstate (for the audit trail)"</label>
                    <crate::components::FieldError id="note" error=note_error.clone()/>
                    <input type="text" id=note_id name="note"/>
                </div>
                <button type="submit" class="secondary">"Reinstate…"</button>
            </form>
        }.into_any()})}
        {(r.status == "review" && !struck).then(|| view! {
            <form method="post" action=format!("/officer/signatures/{id}/approve") class="row-form">
                <input type="hidden" name="back" value=back/>
                <input type="hidden" name="note" value="matched to the register by an officer"/>
                <button type="submit" class="secondary">"Approve…"</button>
            </form>
        }.into_any())}
    }
    .into_any()
}

#[component]
pub fn Signatures() -> impl IntoView {
    let p = posted();
    let id = petition_id();
    let q = use_query_map();
    let get = move |k: &str| q.read().get(k).unwrap_or_default();
    let page_no = move || get("page").parse::<i64>().unwrap_or(0).max(0);
    let rows = Resource::new(
        move || (id(), get("show"), get("q"), page_no()),
        |(id, show, text, page)| async move {
            match id {
                Some(id) => officer_signers(id, show, text, page).await,
                None => Ok(vec![]),
            }
        },
    );
    let act = may_act();
    let done = {
        let q = q.read_untracked();
        let n = q.get("signature").unwrap_or_default();
        q.get("done").map(|d| match d.as_str() {
            "bulk" => format!("{n} signatures struck together."),
            "strike" => format!("Signature {n}: struck."),
            "reinstate" => format!("Signature {n}: reinstated."),
            "approve" => format!("Signature {n}: approved."),
            "check" => "The counted signatures on that page are marked checked.".to_string(),
            _ => format!("Signature {n}: changed."),
        })
    };
    let errors = p.errors.clone();
    view! {
        <Title text="Signatures: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        {done.map(|d| view! { <div class="panel" role="status" data-testid="done"><p>{d}</p></div> })}
        <ErrorSummary errors=errors/>
        <p><a href=move || format!("/officer/petitions/{}", id().unwrap_or(0))>"Back to the petition"</a></p>
        <h1>{move || format!("Signatures of petition {}", id().unwrap_or(0))}</h1>
        <form method="get" class="filters">
            <div class="field"><label for="q">"Name, email, postcode or reference"</label>
                <input type="text" id="q" name="q" value=move || get("q")/></div>
            <div class="field"><label for="show">"Show"</label>
                <select id="show" name="show">
                    {[("", "All confirmed, struck and withdrawn"), ("counted", "Counted"),
                      ("unchecked", "Valid, not yet checked (full check)"), ("review", "Awaiting review"),
                      ("struck", "Struck"), ("withdrawn", "Withdrawn"), ("sample", "In the sample drawn for checking")].into_iter().map(|(v, l)| view! {
                        <option value=v selected=move || get("show") == v>{l}</option>
                    }).collect_view()}
                </select></div>
            <button type="submit" class="secondary">"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let p = p.clone();
                Suspend::new(async move {
                    let may = act.await;
                    match rows.await {
                        Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p>"No signatures found."</p> }.into_any(),
                        Ok(list) => {
                            // The list as it is now, to come back to after a change.
                            let back = format!(
                                "/officer/petitions/{}/signatures?show={}&q={}",
                                id().unwrap_or(0),
                                query_safe(&get("show")),
                                query_safe(&get("q"))
                            );
                            let more = list.len() as i64 >= 50;
                            // A full check: the counted, unmarked signatures on this page, marked
                            // checked together once the officer has struck any that are not valid.
                            let to_check: Vec<String> = list
                                .iter()
                                .filter(|r| r.status == "confirmed" && r.struck.is_none() && !r.checked)
                                .map(|r| r.id.to_string())
                                .collect();
                            let check_form = (may && get("show") == "unchecked" && !to_check.is_empty()).then(|| {
                                let n = to_check.len();
                                view! {
                                    <form method="post" action=format!("/officer/petitions/{}/check", id().unwrap_or(0)) data-testid="check-form">
                                        <input type="hidden" name="ids" value=to_check.join(",")/>
                                        <input type="hidden" name="back" value=back.clone()/>
                                        <p>"Check each signature below against the register, and strike any that is not valid. Then:"</p>
                                        <button type="submit">{format!("Mark the {n} counted signature(s) on this page as checked")}</button>
                                    </form>
                                }
                            });
                            view! {
                                <div class="table-wrap">
                                <table data-testid="signers">
                                    <thead><tr><th scope="col">"Ref"</th><th scope="col">"Name"</th><th scope="col">"Address"</th>
                                        <th scope="col">"Ward"</th><th scope="col">"Email"</th><th scope="col">"Confirmed"</th>
                                        <th scope="col">"Status"</th>{may.then(|| view! { <th scope="col">"Action"</th> })}</tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|r| view! {
                                            <tr data-signature=r.id.to_string()>
                                                <td>{r.id}</td><td>{r.name.clone()}</td><td>{format!("{}, {}", r.address, r.postcode)}</td>
                                                <td>{r.ward.clone()}</td><td>{r.email.clone()}</td><td>{r.confirmed.clone().unwrap_or_default()}</td>
                                                <td data-testid="status">{status_text(&r)}</td>
                                                {may.then(|| view! { <td>{row_forms(&r, back.clone(), &p)}</td> })}
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                                {check_form}
                                {more.then(|| view! {
                                    <p><a href=format!("?show={}&q={}&page={}", get("show"), get("q"), page_no() + 1)>"Next page"</a></p>
                                })}
                            }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}
