//! `/petitions/:id/certificate`: a petition's certified result for the public, printable and
//! checkable offline: the figures and method, the checkpoint that holds the `certify/v1` entry, and
//! the entry's inclusion proof (`/log/certificate/<pid>`, a `c2sp.org/tlog-proof@v1`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use petition_core::views::CertificateView;

use crate::api;
use crate::components::{petition_id, problem_text, thousands};
use crate::routes::not_found::NotFound;

/// An outcome in words.
pub fn outcome_text(code: &str) -> &'static str {
    match code {
        "reached" => "Reached: the council must hold a referendum",
        _ => "Not reached",
    }
}

/// A certificate's method in words.
pub fn method_text(code: &str) -> &'static str {
    match code {
        "sample" => "a random sample of the signatures was checked",
        _ => "every signature was checked",
    }
}

/// A certificate's figures, as a list.
pub fn certificate_figures(c: &CertificateView) -> impl IntoView {
    view! {
        <dl class="figures" data-testid="certificate">
            <dt>"Outcome"</dt><dd data-testid="outcome">{outcome_text(&c.outcome)}</dd>
            <dt>"Method"</dt><dd>{method_text(&c.method)}</dd>
            <dt>"Valid signatures"</dt><dd>{thousands(c.valid)}</dd>
            <dt>"Projected valid signatures"</dt><dd>{thousands(c.projected)}</dd>
            <dt>"Required"</dt><dd>{thousands(c.required)}</dd>
            <dt>"Certified"</dt><dd>{c.at.clone()}</dd>
        </dl>
    }
}

#[component]
pub fn Certificate() -> impl IntoView {
    let id = petition_id();
    let page = Resource::new(id, |id| async move {
        match id {
            Some(id) => api::certificate(id).await,
            None => Ok(None),
        }
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => view! { <h1>"Sorry, there is a problem"</h1><p>{problem_text(&e)}</p> }.into_any(),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Ok(Some(c)) => {
                        let s = c.petition.summary.clone();
                        let heading = format!("Certificate: petition {}", s.id);
                        let proof = match (&c.proof, c.size, &c.root, c.index, &c.entry) {
                            (Some(proof), Some(size), Some(root), Some(index), Some(entry)) => view! {
                                <dl class="figures" data-testid="checkpoint">
                                    <dt>"Log entry"</dt><dd><code data-testid="entry">{entry.clone()}</code></dd>
                                    <dt>"Entry index"</dt><dd>{index}</dd>
                                    <dt>"Checkpoint size"</dt><dd data-testid="checkpoint-size">{size}</dd>
                                    <dt>"Checkpoint root"</dt><dd><code>{root.clone()}</code></dd>
                                </dl>
                                <h2>"Proof"</h2>
                                <p>"The entry's inclusion proof and the signed checkpoint, as "
                                    <a href=format!("/log/certificate/{}", s.id) rel="external" download="">{format!("/log/certificate/{}", s.id)}</a>
                                    " serves them. With the office's published keys, anyone can check it without this site: "
                                    <code>{format!("petition-observer certificate certificate-{}.txt --keys keys.txt", s.id)}</code>"."</p>
                                <pre class="proof" data-testid="proof">{proof.clone()}</pre>
                            }.into_any(),
                            _ => view! {
                                <p data-testid="proof-pending">"The certificate will be in a signed checkpoint of the transparency log within seconds. Reload this page to see its proof."</p>
                            }.into_any(),
                        };
                        view! {
                            <Title text=heading.clone()/>
                            <p class="meta">{format!("Area: {} ({})", s.area.name, s.area.kind)}</p>
                            <h1>{heading}</h1>
                            <p><A href=format!("/petitions/{}", s.id)>{s.title.clone()}</A></p>
                            {certificate_figures(&c.certificate)}
                            <p>{format!(
                                "{}. It needed {} valid signatures from electors in {}.",
                                method_sentence(&c.certificate), thousands(c.certificate.required), s.area.name
                            )}</p>
                            {c.petition.sample.clone().map(|(seed, source)| view! {
                                <h2>"The sample"</h2>
                                <dl class="figures" data-testid="sample">
                                    <dt>"Seed"</dt><dd><code>{seed}</code></dd>
                                    <dt>"Source"</dt><dd>{source}</dd>
                                    <dt>"Source announced"</dt><dd data-testid="seed-plan">{match (&c.petition.seed_plan, &c.petition.seed_plan_at) {
                                        (Some(plan), Some(at)) => format!("{at}: {plan}"),
                                        _ => "Not announced".to_string(),
                                    }}</dd>
                                    {(!c.petition.earlier_seed_plans.is_empty()).then(|| view! {
                                        <dt>"Replaced announcements"</dt>
                                        <dd data-testid="earlier-seed-plans">{c.petition.earlier_seed_plans.iter()
                                            .map(|(at, plan)| format!("{at}: {plan}")).collect::<Vec<_>>().join("; ")}</dd>
                                    })}
                                </dl>
                                <p>"Anyone holding the log can draw the same sample from the seed: the published format fixes how."</p>
                            })}
                            {proof}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// How the result was reached, in a sentence.
fn method_sentence(c: &CertificateView) -> String {
    match c.method.as_str() {
        "sample" => format!(
            "The office checked a random sample of the signatures: {} are valid after the check, and the sample \
             projects {} valid",
            thousands(c.valid),
            thousands(c.projected)
        ),
        _ => format!("The office checked every signature: {} are valid", thousands(c.valid)),
    }
}
