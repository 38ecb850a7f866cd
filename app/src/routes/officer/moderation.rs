//! `/officer/moderation`: proposals waiting for the office, oldest first, with the date it aims to
//! decide by and the overdue ones marked; and `/officer/proposals/:id`: one proposal, its
//! petitioner and sponsors, the three decisions (open, send back, refuse on a ground), and its
//! history: the office's decisions and the petitioner's edits, from the audit trail.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use petition_core::proposal::views::{Alike, ModerationView, ProposalStage, SponsorRow};
use petition_core::views::AuditEntry;

use crate::components::{field_class, petition_id, problem_text, thousands, ErrorSummary, FieldError, TextArea};
use crate::officer::api::{officer_moderation, officer_proposal};
use crate::officer::OfficerPosted;
use crate::routes::not_found::NotFound;
use crate::routes::officer::audit::audit_table;
use crate::routes::officer::nav::{may_act, OfficerNav};
use crate::routes::officer::sign_in::posted;

#[component]
pub fn Moderation() -> impl IntoView {
    let queue = Resource::new(|| (), |_| officer_moderation());
    view! {
        <Title text="Moderation: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        <h1>"Petitions waiting to open"</h1>
        <p>"Petitions that have their sponsors, oldest first. Open each, send it back for changes, or refuse it on a listed ground."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                    Ok(q) if q.is_empty() => view! { <p data-testid="queue-empty">"Nothing is waiting."</p> }.into_any(),
                    Ok(q) => view! {
                        <table data-testid="moderation-queue">
                            <thead><tr><th scope="col">"Petition"</th><th scope="col">"Area"</th><th scope="col">"Waiting since"</th><th scope="col">"Decide by"</th></tr></thead>
                            <tbody>
                                {q.into_iter().map(|i| view! {
                                    <tr>
                                        <td><A href=format!("/officer/proposals/{}", i.id)>{i.title}</A></td>
                                        <td>{i.area}</td>
                                        <td>{i.since}</td>
                                        <td>{i.target}{i.overdue.then(|| view! { " " <strong class="tag warning">"Overdue"</strong> })}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ProposalDecision() -> impl IntoView {
    let id = petition_id();
    let page = Resource::new(id, |id| async move {
        match id {
            Some(id) => officer_proposal(id).await,
            None => Ok(None),
        }
    });
    let act = may_act();
    let p = posted();
    let done = use_query_map().read_untracked().get("done").map(|d| match d.as_str() {
        "return" => "The petition is sent back to the petitioner, who has been emailed your note.",
        "refuse" => "The petition is refused. The petitioner has been emailed, and it is on the public list.",
        _ => "Done.",
    });
    view! {
        <Title text="A petition waiting to open: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        <p><A href="/officer/moderation">"Back to the petitions waiting"</A></p>
        {done.map(|d| view! { <div class="panel" role="status" data-testid="done"><p>{d}</p></div> })}
        <ErrorSummary errors=p.errors.clone()/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let p = p.clone();
                Suspend::new(async move {
                    let may = act.await;
                    match page.await {
                        Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                        Ok(None) => view! { <NotFound/> }.into_any(),
                        Ok(Some((v, trail))) => decision_view(v, trail, may, &p).into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn person(r: &SponsorRow) -> String {
    let register = if r.on_register { "on the register" } else { "not found on the register" };
    let confirmed = if r.confirmed { "" } else { ", email not confirmed" };
    format!("{}, {} ({register}{confirmed})", r.name, r.address)
}

fn decision_view(v: ModerationView, trail: Vec<AuditEntry>, may: bool, p: &OfficerPosted) -> impl IntoView {
    let pr = v.proposal.clone();
    let id = pr.id;
    let stage = match pr.stage {
        ProposalStage::Unconfirmed => "The petitioner has not confirmed their email yet.".to_string(),
        ProposalStage::Sponsoring => format!("Finding sponsors: {} of {}.", pr.sponsors_counted, pr.sponsors_needed),
        ProposalStage::Moderation => {
            let (since, target) = pr.moderation.clone().unwrap_or_default();
            format!("Waiting since {since}; decide by {target}{}.", if v.overdue { " (overdue)" } else { "" })
        }
        ProposalStage::Returned => "Sent back to the petitioner for changes.".to_string(),
        ProposalStage::Refused => "Refused.".to_string(),
        ProposalStage::Opened => "Opened.".to_string(),
        ProposalStage::Withdrawn => "Withdrawn by the petitioner.".to_string(),
        ProposalStage::Lapsed => "Lapsed: it did not move on in the time allowed.".to_string(),
    };
    let decide = (may && pr.stage == ProposalStage::Moderation).then(|| decision_forms(id, &pr.texts, &v.grounds, p));
    view! {
        <h1>{pr.title.clone()}</h1>
        <p data-testid="proposal-stage">{stage}</p>
        {pr.petition_id.map(|pid| view! { <p><A href=format!("/officer/petitions/{pid}")>{format!("Petition {pid}")}</A></p> })}
        <dl class="figures">
            <dt>"Area"</dt><dd>{pr.area.name.clone()}</dd>
            <dt>"Signatures a referendum would need today"</dt><dd>{thousands(pr.required)}</dd>
            <dt>"The referendum question"</dt><dd>{pr.question.clone()}</dd>
            <dt>"Petitioner"</dt><dd>{person(&v.petitioner)}</dd>
            <dt>"Petitioner's email"</dt><dd>{v.email.clone()}</dd>
        </dl>
        <h2>"Background"</h2>
        <div class="petition-text">
            {pr.background.split("\n\n").map(|para| view! { <p>{para.to_string()}</p> }).collect_view()}
        </div>
        {pr.return_note.clone().map(|n| view! { <h2>"Note when last sent back"</h2><p class="pre">{n}</p> })}
        <h2>{format!("Sponsors ({} counted of {} needed)", pr.sponsors_counted, pr.sponsors_needed)}</h2>
        <ul data-testid="sponsors">
            {v.sponsors.iter().map(|s| view! { <li>{person(s)}</li> }).collect_view()}
        </ul>
        {(pr.stage == ProposalStage::Moderation).then(|| alike_view(v.alike.clone(), v.repeat_years))}
        {decide}
        <h2>"History"</h2>
        <p>"What the office and the petitioner have done to it, newest first."</p>
        {if trail.is_empty() { view! { <p>"Nothing yet."</p> }.into_any() } else { audit_table(trail).into_any() }}
    }
}

/// Earlier petitions like this one, for the ground of repetition: the officer judges.
fn alike_view(alike: Vec<Alike>, years: u32) -> impl IntoView {
    let heading =
        format!("Earlier petitions like this one, from the last {years} year{}", if years == 1 { "" } else { "s" });
    view! {
        <h2>{heading}</h2>
        {if alike.is_empty() {
            view! { <p data-testid="alike-none">"None: no petition refused, opened or certified in that time shares enough of its title and question."</p> }.into_any()
        } else {
            view! {
                <p>"Refusals and petitions whose title and question share the most words with this one's. Whether one \
                    is the same, or substantially the same, is for you to judge."</p>
                <div class="table-wrap">
                <table data-testid="alike">
                    <thead><tr><th scope="col">"Petition"</th><th scope="col">"Area"</th><th scope="col">"What became of it"</th>
                        <th scope="col">"Words shared"</th></tr></thead>
                    <tbody>
                        {alike.into_iter().map(|a| view! {
                            <tr>
                                <td><A href=a.href>{a.title}</A><br/><span class="meta">{a.question}</span></td>
                                <td>{a.area}</td><td>{a.what}</td><td>{format!("{}%", a.percent)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            }.into_any()
        }}
    }
}

fn decision_forms(id: i64, texts: &str, grounds: &[(String, String)], p: &OfficerPosted) -> impl IntoView {
    let e_ground = p.error("ground");
    let chosen = p.value("ground");
    view! {
        <h2 id="decision">"Open it"</h2>
        <p>"Opening fixes the petition's trigger and six-month window from today's figures. The petitioner and confirmed sponsors become its first signatures."</p>
        <form method="post" action=format!("/officer/proposals/{id}/open")>
            <input type="hidden" name="texts" value=texts.to_string()/>
            <button type="submit">"Open for signatures"</button>
        </form>
        <h2>"Send it back for changes"</h2>
        <form method="post" action=format!("/officer/proposals/{id}/return") novalidate=true>
            <input type="hidden" name="texts" value=texts.to_string()/>
            <TextArea id="note" label="What should the petitioner change?" hint="Emailed to the petitioner."
                error=p.error("note") value=p.value("note") maxlength=2000/>
            <button type="submit" class="secondary">"Send it back"</button>
        </form>
        <h2>"Refuse it"</h2>
        <form method="post" action=format!("/officer/proposals/{id}/refuse") novalidate=true>
            <input type="hidden" name="texts" value=texts.to_string()/>
            <fieldset class=field_class(&e_ground) id="ground" aria-describedby=e_ground.as_ref().map(|_| "ground-error")>
                <legend>"The ground"</legend>
                <FieldError id="ground" error=e_ground.clone()/>
                <div class="radios">
                    {grounds.iter().map(|(code, words)| {
                        let rid = format!("ground-{code}");
                        view! {
                            <div class="radio">
                                <input type="radio" name="ground" id=rid.clone() value=code.clone() checked=chosen == *code/>
                                <label for=rid>{words.clone()}</label>
                            </div>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
            <TextArea id="explanation" label="Explanation" hint="Emailed to the petitioner and published with the refusal."
                error=p.error("explanation") value=p.value("explanation") maxlength=2000/>
            <button type="submit" class="warning">"Refuse"</button>
        </form>
    }
}
