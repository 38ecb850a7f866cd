//! `/proposals/:token`: the petitioner's page, from the link emailed to them. It confirms their
//! email, then shows where the petition stands (sponsors, the electoral office, its decision),
//! the link to share with sponsors, the form to change the texts while the office is not deciding,
//! and the way to withdraw it before it opens.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use petition_core::proposal::views::{ProposalStage, ProposalView};
use petition_core::proposal::{Background, Question, Title as TitleText};

use crate::components::{
    field_class, problem_text, thousands, token_param, ErrorSummary, FieldError, TextArea, TextField,
};
use crate::officer::OfficerPosted;
use crate::proposal_api::proposal_page;
use crate::routes::start::posted;

#[component]
pub fn ProposalPage() -> impl IntoView {
    let token = token_param();
    let query = use_query_map();
    let data = Resource::new(token, proposal_page);
    let p = posted();
    view! {
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let p = p.clone();
                let notice = query.read().get("done");
                Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <h1>"Sorry, there is a problem"</h1><p>{problem_text(&e)}</p> }.into_any(),
                        Ok(None) => view! {
                            <Title text="Link not recognised"/>
                            <h1>"This link is not recognised"</h1>
                            <p>"Links are long: check that the whole link was copied from the email."</p>
                        }.into_any(),
                        Ok(Some(v)) => proposal_view(v, token(), p, notice).into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn notice_text(done: &str) -> Option<&'static str> {
    match done {
        "confirmed" => Some("Your email address is confirmed."),
        "saved" => Some("Your changes are saved."),
        "resubmitted" => Some("Your petition is back with the electoral office."),
        "withdrawn" => Some("Your petition is withdrawn. Its sponsors have been told."),
        _ => None,
    }
}

fn proposal_view(v: ProposalView, token: String, p: OfficerPosted, done: Option<String>) -> impl IntoView {
    if v.stage == ProposalStage::Unconfirmed {
        return view! {
            <Title text="Confirm your email address"/>
            <h1>"Confirm your email address"</h1>
            <p class="petition-title">{v.title.clone()}</p>
            <p>"Press the button to confirm your email address and start your petition."</p>
            <form method="post" action=format!("/proposals/{token}/confirm")>
                <button type="submit">"Confirm and start my petition"</button>
            </form>
        }
        .into_any();
    }
    // Not while the office decides: it opens the texts it read.
    let editable = matches!(v.stage, ProposalStage::Sponsoring | ProposalStage::Returned);
    let withdrawable =
        matches!(v.stage, ProposalStage::Sponsoring | ProposalStage::Moderation | ProposalStage::Returned);
    let status = status_view(&v);
    let notice = done.as_deref().and_then(notice_text);
    view! {
        <Title text=v.title.clone()/>
        <p class="meta">"Your petition"</p>
        <h1>{v.title.clone()}</h1>
        {notice.map(|n| view! { <div class="panel" role="status" data-testid="notice"><p>{n}</p></div> })}
        <ErrorSummary errors=p.errors.clone()/>
        {status}
        <h2>"The petition"</h2>
        <dl class="figures">
            <dt>"Area"</dt><dd>{v.area.name.clone()}</dd>
            <dt>"Signatures a referendum would need"</dt><dd>{thousands(v.required)}</dd>
            <dt>"The referendum question"</dt><dd data-testid="question">{v.question.clone()}</dd>
        </dl>
        <div class="petition-text">
            {v.background.split("\n\n").map(|para| view! { <p>{para.to_string()}</p> }).collect_view()}
        </div>
        {editable.then(|| edit_form(&v, &token, &p))}
        {(v.stage == ProposalStage::Returned).then(|| view! {
            <h2>"Send it back to the office"</h2>
            <p>"When you have made the changes the office asked for, send your petition back to them."</p>
            <form method="post" action=format!("/proposals/{token}/resubmit")>
                <button type="submit">"Send it back to the electoral office"</button>
            </form>
        })}
        {withdrawable.then(|| withdraw_form(&token, &p))}
    }
    .into_any()
}

fn withdraw_form(token: &str, p: &OfficerPosted) -> impl IntoView {
    let e_sure = p.error("sure");
    view! {
        <h2>"Withdraw your petition"</h2>
        <p>"If you no longer want it to go ahead, you can withdraw it. This cannot be undone: its sponsors are told, and what you and they gave is deleted 30 days later."</p>
        <form method="post" action=format!("/proposals/{token}/withdraw")>
            <div class=field_class(&e_sure)>
                <FieldError id="sure" error=e_sure.clone()/>
                <div class="checkbox">
                    <input type="checkbox" id="sure" name="sure" value="yes"/>
                    <label for="sure">"I want to withdraw this petition"</label>
                </div>
            </div>
            <button type="submit" class="warning">"Withdraw my petition"</button>
        </form>
    }
}

fn status_view(v: &ProposalView) -> impl IntoView {
    match v.stage {
        ProposalStage::Sponsoring => {
            let link = format!("/sponsor/{}", v.sponsor_code);
            view! {
                <div class="panel" id="status" data-testid="status">
                    <h2>"Find your sponsors"</h2>
                    <p data-testid="sponsors">{format!("{} of {} sponsors so far.", v.sponsors_counted, v.sponsors_needed)}</p>
                    <p>{format!("Sponsors must be on the electoral register in {}. Share this link with them:", v.area.name)}</p>
                    <p><a href=link.clone() data-testid="sponsor-link">{link.clone()}</a></p>
                    {v.lapses.clone().map(|day| view! { <p data-testid="lapses">{format!("If it does not have its sponsors by {day}, it lapses.")}</p> })}
                </div>
            }
            .into_any()
        }
        ProposalStage::Moderation => {
            let (since, target) = v.moderation.clone().unwrap_or_default();
            view! {
                <div class="panel" id="status" data-testid="status">
                    <h2>"With the electoral office"</h2>
                    <p>{format!("Your petition has been with the electoral office since {since}. They aim to decide by {target}.")}</p>
                </div>
            }
            .into_any()
        }
        ProposalStage::Returned => view! {
            <div class="panel" id="status" data-testid="status">
                <h2>"The electoral office asks for changes"</h2>
                <p class="pre" data-testid="return-note">{v.return_note.clone().unwrap_or_default()}</p>
                {v.lapses.clone().map(|day| view! { <p data-testid="lapses">{format!("If you do not send it back by {day}, it lapses.")}</p> })}
            </div>
        }
        .into_any(),
        ProposalStage::Refused => {
            let (ground, why) = v.refused.clone().unwrap_or_default();
            view! {
                <div class="panel" id="status" data-testid="status">
                    <h2>"Your petition was refused"</h2>
                    <p>{format!("Ground: {ground}.")}</p>
                    <p class="pre">{why}</p>
                </div>
            }
            .into_any()
        }
        ProposalStage::Opened => {
            let id = v.petition_id.unwrap_or_default();
            view! {
                <div class="panel" id="status" data-testid="status">
                    <h2>"Your petition is open for signatures"</h2>
                    <p><A href=format!("/petitions/{id}")>"See your petition and share it"</A></p>
                </div>
            }
            .into_any()
        }
        ProposalStage::Withdrawn => view! {
            <div class="panel" id="status" data-testid="status">
                <h2>"You withdrew this petition"</h2>
                <p>{format!("You withdrew it on {}. Nothing more will happen to it.", v.ended.clone().unwrap_or_default())}</p>
                <p><A href="/start">"Start a new petition"</A></p>
            </div>
        }
        .into_any(),
        ProposalStage::Lapsed => view! {
            <div class="panel" id="status" data-testid="status">
                <h2>"This petition has lapsed"</h2>
                <p>{format!("It lapsed on {}: it did not find its sponsors, or come back to the electoral office, in the time allowed.", v.ended.clone().unwrap_or_default())}</p>
                <p><A href="/start">"Start a new petition"</A></p>
            </div>
        }
        .into_any(),
        ProposalStage::Unconfirmed => ().into_any(),
    }
}

fn edit_form(v: &ProposalView, token: &str, p: &OfficerPosted) -> impl IntoView {
    let value = |k: &str, now: &str| if p.values.is_empty() { now.to_string() } else { p.value(k) };
    view! {
        <h2>"Change your petition"</h2>
        <p>"You can change the texts until your petition goes to the electoral office, and again if the office sends it back. Sponsors see the texts as they are when they look."</p>
        <form method="post" action=format!("/proposals/{token}/edit") novalidate=true>
            <TextField id="title" label="Title" error=p.error("title") value=value("title", &v.title) maxlength=TitleText::MAX/>
            <TextArea id="question" label="The referendum question" rows=2 maxlength=Question::MAX
                error=p.error("question") value=value("question", &v.question)/>
            <TextArea id="background" label="Background" rows=8 maxlength=Background::MAX
                error=p.error("background") value=value("background", &v.background)/>
            <button type="submit" class="secondary">"Save changes"</button>
        </form>
    }
}
