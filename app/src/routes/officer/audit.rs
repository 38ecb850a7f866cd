//! Admins' search of the whole audit trail: who did what, when, why, from which session.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;
use petition_core::views::AuditEntry;

use crate::components::problem_text;
use crate::officer::api::officer_admin_audit;
use crate::routes::officer::nav::OfficerNav;

/// The trail as a table (also on each petition's page).
pub fn audit_table(rows: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <div class="table-wrap">
        <table data-testid="audit">
            <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th>
                <th scope="col">"To"</th><th scope="col">"Why"</th><th scope="col">"Detail"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let action = r.action.clone();
                    view! {
                    <tr data-action=action>
                        <td>{r.at}</td><td>{r.actor}</td><td>{r.action}</td>
                        <td>{r.subject}{r.petition_id.map(|p| format!(" (petition {p})"))}</td>
                        <td>{r.reason}</td><td>{r.detail}</td>
                    </tr>
                }}).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

#[component]
pub fn Audit() -> impl IntoView {
    let q = use_query_map();
    let get = move |k: &str| q.read().get(k).unwrap_or_default();
    let rows = Resource::new(
        move || (get("actor"), get("action"), get("petition"), get("before").parse::<i64>().ok()),
        |(actor, action, petition, before)| officer_admin_audit(actor, action, petition, before),
    );
    view! {
        <Title text="Audit trail: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        <h1>"Audit trail"</h1>
        <p>"Every officer action, newest first. Rows are never changed or deleted."</p>
        <form method="get" action="/officer/audit" class="filters">
            <div class="field"><label for="actor">"Who (part of an email)"</label>
                <input type="text" id="actor" name="actor" value=get("actor")/></div>
            <div class="field"><label for="action">"What (for example strike, pause, sign-in)"</label>
                <input type="text" id="action" name="action" value=get("action")/></div>
            <div class="field"><label for="petition">"Petition number"</label>
                <input type="text" id="petition" name="petition" class="short" inputmode="numeric" value=get("petition")/></div>
            <button type="submit" class="secondary">"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                    Ok(r) if r.is_empty() => view! { <p>"Nothing found."</p> }.into_any(),
                    Ok(r) => {
                        let last = r.last().map(|e| e.id);
                        let full = r.len() as i64 >= 100;
                        view! {
                            {audit_table(r)}
                            {(full).then(|| view! {
                                <p><a href=format!("/officer/audit?actor={}&action={}&petition={}&before={}",
                                    get("actor"), get("action"), get("petition"), last.unwrap_or(0))>"Older entries"</a></p>
                            })}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
