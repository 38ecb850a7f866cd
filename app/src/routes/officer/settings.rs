//! The council's settings: who gets the office's notices, what a proposed petition needs, the
//! moderation target and its bank holidays, officers' sessions and how long personal data is
//! kept. Admins change them (a check page first, with a reason for the audit trail); officers
//! and viewers read them.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::components::{problem_text, ErrorSummary, TextArea, TextField};
use crate::officer::api::{officer_settings, SettingRow};
use crate::routes::officer::audit::audit_table;
use crate::routes::officer::nav::OfficerNav;
use crate::routes::officer::sign_in::posted;

/// A setting's field: a box per line for lists, one line for numbers. After a refused post the
/// field shows what was typed.
fn field(row: SettingRow, typed: Option<String>, was: Option<String>, error: Option<String>) -> impl IntoView {
    let code = row.name.code();
    // What the form shows now, so that a save after another admin's can tell this admin's
    // changes from the fields they left alone.
    let was =
        view! { <input type="hidden" name=format!("was-{code}") value=was.unwrap_or_else(|| row.value.clone())/> };
    let value = typed.unwrap_or(row.value);
    let source = view! { <p class="meta">{row.source}</p>{was} };
    if row.name.is_list() {
        view! {
            <TextArea id=code label=row.name.label() hint=row.name.hint() error=error value=value rows=3/>
            {source}
        }
        .into_any()
    } else {
        view! {
            <TextField id=code label=row.name.label() hint=row.name.hint() error=error value=value class="short"/>
            {source}
        }
        .into_any()
    }
}

#[component]
pub fn Settings() -> impl IntoView {
    let p = posted();
    let page = Resource::new(|| (), |_| officer_settings());
    let saved = use_query_map().read_untracked().get("saved").and_then(|n| n.parse::<usize>().ok());
    let errors = p.errors.clone();
    view! {
        <Title text="Settings: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        {saved.map(|n| view! {
            <div class="panel" role="status" data-testid="saved">
                <p>{match n { 1 => "1 setting was changed.".to_string(), n => format!("{n} settings were changed.") }}
                   " Every server uses the new values within a few seconds."</p>
            </div>
        })}
        <ErrorSummary errors=errors/>
        <h1>"Settings"</h1>
        <p>"These apply to the whole site. Each starts with the value the server's environment gives it; a value \
            saved here replaces that. A change applies from then on: petitions already open keep their trigger and \
            window, and decisions already made stand."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let p = p.clone();
                Suspend::new(async move {
                    match page.await {
                        Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                        Ok(pg) if pg.may_change => {
                            let version = if p.value("version").is_empty() { pg.version.to_string() } else { p.value("version") };
                            view! {
                                <form method="post" action="/officer/settings" id="settings-form" data-testid="settings-form">
                                    <input type="hidden" name="version" value=version/>
                                    {pg.rows.into_iter().map(|r| {
                                        let code = r.name.code();
                                        let posted = !p.values.is_empty();
                                        let typed = posted.then(|| p.value(code));
                                        let key = format!("was-{code}");
                                        let was = p.values.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
                                        field(r, typed, was, p.error(code))
                                    }).collect_view()}
                                    <TextField id="reason" label="Why are you changing them?"
                                        hint="Recorded in the audit trail with each change." error=p.error("reason")
                                        value=p.value("reason") maxlength=500/>
                                    <button type="submit">"Continue"</button>
                                </form>
                                <h2>"Changes"</h2>
                                {if pg.history.is_empty() {
                                    view! { <p>"No setting has been changed here yet."</p> }.into_any()
                                } else {
                                    audit_table(pg.history).into_any()
                                }}
                            }.into_any()
                        }
                        Ok(pg) => view! {
                            <p>"Only an admin can change them."</p>
                            <dl class="figures" data-testid="settings">
                                {pg.rows.into_iter().map(|r| view! {
                                    <dt>{r.name.label()}</dt>
                                    <dd data-setting=r.name.code()>{r.words}<span class="meta">{format!(" ({})", r.source.split_once(": ").map_or(r.source.as_str(), |(_, s)| s))}</span></dd>
                                }).collect_view()}
                            </dl>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
