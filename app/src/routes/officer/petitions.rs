//! The officer pages of petitions: every petition's state; and one petition's figures fixed when
//! it opened, valid signatures per area, its event history and audit trail, with pausing and
//! resuming for officers.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use petition_core::views::{OfficerPetition, Standing};

use crate::components::{thousands, ErrorSummary};
use crate::officer::api;
use crate::routes::not_found::NotFound;
use crate::routes::officer::audit::audit_table;
use crate::routes::officer::nav::{may_act, OfficerNav};
use crate::routes::officer::sign_in::posted;
use leptos_router::hooks::use_query_map;

fn standing_text(s: Standing) -> &'static str {
    match s {
        Standing::NotYetOpen => "Not open yet",
        Standing::Collecting => "Collecting",
        Standing::Paused => "Paused",
        Standing::Reached => "Threshold reached (open)",
        Standing::ClosedReached => "Closed: reached",
        Standing::ClosedNotReached => "Closed: not reached",
    }
}

fn trigger_text(p: &OfficerPetition) -> String {
    if p.published_number {
        format!(
            "{} (published verification number; {}% of {} would be computed otherwise)",
            thousands(p.required),
            p.percent,
            thousands(p.electorate)
        )
    } else {
        format!("{} ({}% of {} electors, rounded up)", thousands(p.required), p.percent, thousands(p.electorate))
    }
}

#[component]
pub fn OfficerList() -> impl IntoView {
    let list = Resource::new(|| (), |_| api::officer_petitions());
    view! {
        <Title text="Officer view: petitions"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        <h1>"Petitions: officer view"</h1>
        <p>"Counts are verified signatures that count toward each petition now."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(_) => view! { <p>"Sorry, there is a problem. Try again in a moment."</p> }.into_any(),
                    Ok(ps) if ps.is_empty() => view! { <p>"No petitions yet."</p> }.into_any(),
                    Ok(ps) => view! {
                        <div class="table-wrap">
                        <table data-testid="officer-petitions">
                            <thead><tr>
                                <th scope="col">"Petition"</th><th scope="col">"Area"</th><th scope="col">"State"</th>
                                <th scope="col" class="num">"Valid"</th><th scope="col" class="num">"Required"</th>
                                <th scope="col">"Deadline"</th><th scope="col" class="num">"To review"</th>
                                <th scope="col" class="num">"Possible impersonations"</th>
                            </tr></thead>
                            <tbody>
                                {ps.into_iter().map(|p| view! {
                                    <tr>
                                        <td><A href=format!("/officer/petitions/{}", p.id)>{format!("{}: {}", p.id, p.title)}</A></td>
                                        <td>{format!("{} ({})", p.area.name, p.area.kind)}</td>
                                        <td>{standing_text(p.standing)}</td>
                                        <td class="num">{thousands(p.valid)}</td>
                                        <td class="num">{thousands(p.required)}</td>
                                        <td>{p.deadline.clone()}</td>
                                        <td class="num">{thousands(p.awaiting_review)}</td>
                                        <td class="num">{thousands(p.possible_impersonations)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn OfficerPetitionPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok());
    let page = Resource::new(id, |id| async move {
        match id {
            Some(id) => api::officer_petition_page(id).await,
            None => Ok(None),
        }
    });
    let act = may_act();
    let posted = posted();
    let done = use_query_map().read_untracked().get("done").map(|d| match d.as_str() {
        "pause" => "Collection is paused.",
        "resume" => "Collection has resumed.",
        "recount" => "Recounted: the result is below.",
        _ => "Done.",
    });
    view! {
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        {done.map(|d| view! { <div class="panel" role="status" data-testid="done"><p>{d}</p></div> })}
        <ErrorSummary errors=posted.errors.clone()/>
        <p><A href="/officer">"All petitions"</A></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let posted = posted.clone();
                Suspend::new(async move {
                    let may = act.await;
                    match page.await {
                        Err(_) => view! { <p>"Sorry, there is a problem. Try again in a moment."</p> }.into_any(),
                        Ok(None) => view! { <NotFound/> }.into_any(),
                        Ok(Some((p, trail))) => view! {
                            {petition_view(p.clone())}
                            {may.then(|| actions(&p, &posted))}
                            <h2>"Audit trail"</h2>
                            {if trail.is_empty() { view! { <p>"No officer has acted on this petition."</p> }.into_any() } else { audit_table(trail).into_any() }}
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Pausing or resuming, for officers; each asks why and is checked before it is made.
fn actions(p: &OfficerPetition, posted: &crate::officer::OfficerPosted) -> impl IntoView {
    let open = matches!(p.standing, Standing::Collecting | Standing::Reached);
    let (change, label, hint) = match p.standing {
        Standing::Paused => ("resume", "Resume collection", "Why collection resumes"),
        _ => ("pause", "Pause collection", "Why, for example: polling day, or an outage of the site"),
    };
    let shown = open || p.standing == Standing::Paused;
    let error = posted.error(change);
    let recount = view! {
        <form method="post" action=format!("/officer/petitions/{}/recount", p.id)>
            <button type="submit" class="secondary">"Recount now"</button>
        </form>
    };
    let pause_or_resume = shown.then(|| view! {
        <h2>"Actions"</h2>
        <form method="post" action=format!("/officer/petitions/{}/{change}", p.id)>
            <div class=crate::components::field_class(&error)>
                <label for=change>{hint}</label>
                {error.clone().map(|e| view! { <p class="field-error"><span class="visually-hidden">"Error: "</span>{e}</p> })}
                <input type="text" id=change name="reason" value=posted.value("reason")/>
            </div>
            <button type="submit" class="secondary">{label}"…"</button>
        </form>
    });
    view! { {pause_or_resume} {recount} }
}

fn petition_view(p: OfficerPetition) -> impl IntoView {
    let title = format!("Petition {}: {}", p.id, p.title);
    let check = if p.checked.is_none() {
        view! { <p data-testid="recount">"The counters have not been checked against a recount yet: the site checks every 10 minutes."</p> }.into_any()
    } else if p.mismatches.is_empty() {
        view! {
            <p data-testid="recount">
                "A recount from the signature rows agrees with the counters (checked "{p.checked.clone()}"; the site checks every 10 minutes)."
            </p>
        }
        .into_any()
    } else {
        view! {
            <div class="error-summary" role="alert" data-testid="recount">
                <h2>{format!("The counters and a recount disagreed when checked {}", p.checked.clone().unwrap_or_default())}</h2>
                <ul>
                    {p.mismatches.iter().map(|(area, fast, slow)| view! {
                        <li>{format!("{area}: counters {fast}, recount {slow}")}</li>
                    }).collect_view()}
                </ul>
            </div>
        }
        .into_any()
    };
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <dl class="figures">
            <dt>"Area"</dt><dd>{format!("{} ({}, {})", p.area.name, p.area.kind, p.area.code)}</dd>
            <dt>"State"</dt><dd data-testid="state">{standing_text(p.standing)}</dd>
            <dt>"Valid signatures"</dt><dd data-testid="valid">{thousands(p.valid)}</dd>
            <dt>"Required"</dt><dd>{trigger_text(&p)}</dd>
            <dt>"Electorate"</dt><dd>{format!("{} (register of {})", thousands(p.electorate), p.register_date)}</dd>
            <dt>"Opened"</dt><dd>{p.opened.clone()}</dd>
            <dt>"Window ends"</dt><dd>{p.window_end.clone()}" (as fixed at opening)"</dd>
            <dt>"Deadline"</dt><dd>{p.deadline.clone()}</dd>
            <dt>"Paused for"</dt><dd>{p.paused_days.clone()}</dd>
            <dt>"Awaiting review"</dt><dd>{thousands(p.awaiting_review)}</dd>
            <dt>"Possible impersonations"</dt><dd data-testid="impersonations">{thousands(p.possible_impersonations)}</dd>
            <dt>"Struck"</dt><dd>{thousands(p.struck)}</dd>
        </dl>
        {check}
        <ul data-testid="petition-links">
            <li><a href=format!("/officer/petitions/{}/signatures", p.id)>"Signatures: names and addresses, to check and strike"</a></li>
            <li><a href=format!("/officer/review?petition={}", p.id)>{format!("Review queue ({})", thousands(p.awaiting_review))}</a></li>
            <li><a href=format!("/officer/petitions/{}/bulk", p.id)>"Strike in bulk"</a></li>
            <li><a href=format!("/officer/petitions/{}/verify", p.id)>"Verify and certify the result"</a></li>
            <li><a href=format!("/officer/petitions/{}/signatures.csv", p.id) rel="external" download="">"Download the signatures (CSV; recorded in the audit trail)"</a></li>
            <li><a href=format!("/petitions/{}/counts.csv", p.id) rel="external">"Public counts per area (CSV)"</a>" and "
                <a href=format!("/petitions/{}/counts.json", p.id) rel="external">"JSON"</a></li>
        </ul>
        <h2>"Valid signatures by area"</h2>
        {if p.by_area.is_empty() {
            view! { <p>"None yet."</p> }.into_any()
        } else {
            view! {
                <table>
                    <thead><tr><th scope="col">"Area"</th><th scope="col">"Kind"</th><th scope="col" class="num">"Valid"</th></tr></thead>
                    <tbody>
                        {p.by_area.iter().map(|a| view! {
                            <tr><td>{format!("{} ({})", a.area.name, a.area.code)}</td><td>{a.area.kind.clone()}</td><td class="num">{thousands(a.valid)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>"History"</h2>
        <div class="table-wrap">
        <table data-testid="events">
            <thead><tr>
                <th scope="col">"When"</th><th scope="col">"Event"</th><th scope="col" class="num">"Valid"</th>
                <th scope="col" class="num">"Required"</th><th scope="col">"Figures"</th><th scope="col">"Deadline after"</th>
                <th scope="col">"Note"</th><th scope="col">"Recorded"</th>
            </tr></thead>
            <tbody>
                {p.events.into_iter().map(|e| view! {
                    <tr data-kind=e.kind.clone()>
                        <td>{e.at}</td><td>{e.label}</td><td class="num">{thousands(e.valid)}</td>
                        <td class="num">{thousands(e.required)}</td>
                        <td>{format!("{}% of {}", e.percent, thousands(e.electorate))}</td>
                        <td>{e.deadline}</td><td>{e.note}</td><td>{e.recorded}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}
