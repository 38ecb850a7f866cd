//! `/officer/petitions/:id/verify`: verifying a petition after its close and certifying the
//! result, in the order the work is done. Before the close, the officer announces where the
//! sample's seed will come from. After it, either a sample check (the seed entered, the sample
//! drawn and worked through, its projection shown) or a full check, then the certificate; then
//! what the council decides. Each step that changes the log is checked on a page before it is made.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;
use petition_core::views::{Standing, VerificationView};

use crate::components::{petition_id, problem_text, thousands, ErrorSummary, FieldError, TextField};
use crate::officer::api::officer_verification;
use crate::officer::OfficerPosted;
use crate::routes::certificate::{certificate_figures, outcome_text};
use crate::routes::not_found::NotFound;
use crate::routes::officer::nav::{may_act, OfficerNav};
use crate::routes::officer::sign_in::posted;

#[component]
pub fn Verify() -> impl IntoView {
    let id = petition_id();
    let page = Resource::new(id, |id| async move {
        match id {
            Some(id) => officer_verification(id).await,
            None => Ok(None),
        }
    });
    let act = may_act();
    let p = posted();
    let done = use_query_map().read_untracked().get("done").map(|d| match d.as_str() {
        "seed-plan" => "The source of the seed is announced. It shows on the petition's public page.",
        "sample" => "The sample is drawn and will be in the transparency log within seconds.",
        "certify" => "The result is certified. The certificate will be in the transparency log within seconds.",
        "council" => "The council's decision is published on the petition's page.",
        _ => "Done.",
    });
    view! {
        <Title text="Verify and certify: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        {done.map(|d| view! { <div class="panel" role="status" data-testid="done"><p>{d}</p></div> })}
        <ErrorSummary errors=p.errors.clone()/>
        <p><a href=move || format!("/officer/petitions/{}", id().unwrap_or(0))>"Back to the petition"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let p = p.clone();
                Suspend::new(async move {
                    let may = act.await;
                    match page.await {
                        Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                        Ok(None) => view! { <NotFound/> }.into_any(),
                        Ok(Some(v)) => steps(v, may, &p).into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn steps(v: VerificationView, may: bool, p: &OfficerPosted) -> impl IntoView {
    let closed = matches!(v.standing, Standing::ClosedReached | Standing::ClosedNotReached);
    let id = v.id;
    let action = move |what: &str| format!("/officer/petitions/{id}/{what}");
    let plan = match (&v.plan, closed || v.certificate.is_some()) {
        (Some(plan), _) => view! {
            <p data-testid="seed-plan">{format!("Announced {}: ", v.plan_at.clone().unwrap_or_default())}<strong>{plan.clone()}</strong></p>
        }
        .into_any(),
        (None, true) => view! {
            <p data-testid="seed-plan">"No source was announced before the close, so no sample can be drawn: check every signature (a full check)."</p>
        }
        .into_any(),
        (None, false) => view! { <p data-testid="seed-plan">"Not announced yet."</p> }.into_any(),
    };
    let plan_form = (may && !closed && v.certificate.is_none()).then(|| {
        view! {
            <form method="post" action=action("seed-plan")>
                <TextField id="plan" label="Where the seed will come from"
                    hint="Name a public source that nobody can know before the close, and when: for example, drand quicknet, the first round after 00:00 on the day after the close. It is published on the petition's page."
                    error=p.error("plan") value=p.value("plan") maxlength=500/>
                <button type="submit" class="secondary">{if v.plan.is_some() { "Change the announcement" } else { "Announce" }}</button>
            </form>
        }
    });
    let sample = match &v.sample {
        Some(s) => view! {
            <dl class="figures" data-testid="sample">
                <dt>"Seed"</dt><dd><code>{s.seed.clone()}</code></dd>
                <dt>"Source"</dt><dd>{s.source.clone()}</dd>
                <dt>"Drawn"</dt><dd>{s.drawn.clone()}</dd>
                <dt>"Drawn from"</dt><dd>{format!("{} valid signatures", thousands(s.pool))}</dd>
                <dt>"Sample"</dt><dd data-testid="sample-size">{format!("{} signatures", thousands(s.size))}</dd>
                <dt>"Struck in the sample"</dt><dd data-testid="sample-struck">{thousands(s.struck)}</dd>
                <dt>"Projected valid signatures"</dt><dd data-testid="projected">{thousands(s.projected)}</dd>
                <dt>"Required"</dt><dd>{thousands(v.required)}</dd>
                <dt>"What the sample can certify"</dt><dd data-testid="allows">{match s.allows.as_deref() {
                    Some(o) => outcome_text(o).to_string(),
                    None => "Nothing: the projection is between 95% and 110% of the requirement, so check every signature".to_string(),
                }}</dd>
            </dl>
            <p><a href=format!("/officer/petitions/{id}/signatures?show=sample")>{format!("Work through the sample ({} signatures, with names and addresses)", thousands(s.size))}</a></p>
        }
        .into_any(),
        None if !closed => view! { <p>"The sample is drawn after the close."</p> }.into_any(),
        None if v.plan.is_none() || v.certificate.is_some() => view! { <p>"No sample."</p> }.into_any(),
        None if !may => view! { <p>"No sample has been drawn."</p> }.into_any(),
        None => view! {
                <form method="post" action=action("sample")>
                    <TextField id="seed" label="Seed" hint="64 hexadecimal digits (0 to 9 and a to f), from the announced source: a beacon round's randomness, or the SHA-256 of a lottery draw's numbers."
                        error=p.error("seed") value=p.value("seed") maxlength=80 no_spellcheck=true class="code"/>
                    <TextField id="source" label="Name of the source, as the log records it" hint="Letters, digits, hyphens and underscores, for example drand-quicknet-10405839 or national-lottery-2027-03-06."
                        error=p.error("source") value=p.value("source") maxlength=64 no_spellcheck=true/>
                    <button type="submit">"Draw the sample…"</button>
                </form>
            }.into_any(),
    };
    let certify = match &v.certificate {
        Some(c) => view! {
            {certificate_figures(c)}
            <p><a href=format!("/petitions/{id}/certificate")>"The public certificate, with its proof from the transparency log"</a></p>
        }
        .into_any(),
        None if !closed => view! { <p>"The result is certified after the close."</p> }.into_any(),
        None if !may => view! { <p>"Not certified yet."</p> }.into_any(),
        None => {
            let error = p.error("certify");
            let checked = v.valid.saturating_sub(v.unchecked);
            let by_sample = v.sample.as_ref().and_then(|s| s.allows.clone()).map(|o| view! {
                <form method="post" action=action("certify")>
                    <input type="hidden" name="method" value="sample"/>
                    <button type="submit">{format!("Certify by the sample: {}…", outcome_text(&o))}</button>
                </form>
            });
            view! {
                <FieldError id="certify" error=error/>
                {by_sample}
                <h3>"After a full check"</h3>
                <p data-testid="checked">{format!("{} of {} valid signatures checked.", thousands(checked), thousands(v.valid))}</p>
                {(v.unchecked > 0).then(|| view! {
                    <p><a href=format!("/officer/petitions/{id}/signatures?show=unchecked")>{format!("Work through the {} not yet checked", thousands(v.unchecked))}</a>
                    ": check each against the register, strike any that is not valid, and mark the rest checked."</p>
                })}
                {(v.unchecked == 0).then(|| view! {
                    <form method="post" action=action("certify")>
                        <input type="hidden" name="method" value="full"/>
                        <button type="submit" class="secondary">{format!("Certify after a full check: {} valid…", thousands(v.valid))}</button>
                    </form>
                })}
            }
            .into_any()
        }
    };
    let council = v.certificate.as_ref().map(|c| {
        let reached = c.outcome == "reached";
        view! {
            <h2>"4. What the council decides"</h2>
            {v.referendum_date.clone().map(|d| view! { <p data-testid="referendum-date">{format!("Referendum on {d}.")}</p> })}
            {v.council_response.clone().map(|r| view! { <p data-testid="council-response">{r}</p> })}
            {may.then(|| view! {
                <form method="post" action=action("council")>
                    {if reached {
                        view! {
                            <TextField id="referendum_date" label="Date of the referendum" hint="As the council set it, for example 2027-09-16."
                                error=p.error("referendum_date") value=p.value("referendum_date") maxlength=10/>
                        }.into_any()
                    } else {
                        let e = p.error("council_response");
                        view! {
                            <div class=crate::components::field_class(&e)>
                                <label for="council_response">"The council's written response"</label>
                                <FieldError id="council_response" error=e.clone()/>
                                <textarea id="council_response" name="council_response" rows="6">{p.value("council_response")}</textarea>
                            </div>
                        }.into_any()
                    }}
                    <button type="submit" class="secondary">"Publish on the petition's page"</button>
                </form>
            })}
        }
    });
    view! {
        <h1>{format!("Verify and certify petition {}: {}", v.id, v.title)}</h1>
        <dl class="figures">
            <dt>"Valid signatures"</dt><dd data-testid="valid">{thousands(v.valid)}</dd>
            <dt>"Required"</dt><dd>{thousands(v.required)}</dd>
            <dt>"Awaiting review"</dt><dd>{thousands(v.awaiting_review)}</dd>
        </dl>
        <h2>"1. Where the sample's seed will come from"</h2>
        <p>"A sample check needs a seed that nobody could know before the close, from a source announced before it."</p>
        {plan}
        {plan_form}
        <h2>"2. Sample check"</h2>
        {sample}
        <h2>"3. Certificate"</h2>
        {certify}
        {council}
    }
}
