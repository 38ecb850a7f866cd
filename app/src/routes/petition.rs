//! `/petitions/:id`: a petition, its trigger, and the count its latest signed tally states.

use leptos::prelude::*;
use leptos_meta::Title;
use petition_core::views::{progress_percent, PetitionPage, Standing};

use crate::api;
use crate::components::{petition_id, plural, problem_text, thousands};
use crate::routes::certificate::outcome_text;
use crate::routes::not_found::NotFound;

#[component]
pub fn Petition() -> impl IntoView {
    let id = petition_id();
    let page = Resource::new(id, |id| async move {
        match id {
            Some(id) => api::petition(id).await,
            None => Ok(None),
        }
    });
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => view! { <h1>"Sorry, there is a problem"</h1><p>{problem_text(&e)}</p> }.into_any(),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Ok(Some(p)) => {
                        let s = p.summary.clone();
                        // The island is given the figures alone: the text is on the page already.
                        let figures = PetitionPage { body: String::new(), question: None, ..p.clone() };
                        view! {
                            <Title text=s.title.clone()/>
                            <p class="meta">{format!("Area: {} ({})", s.area.name, s.area.kind)}</p>
                            <h1>{s.title.clone()}</h1>
                            {p.question.clone().map(|q| view! {
                                <div class="panel question" data-testid="question">
                                    <h2>"The referendum question"</h2>
                                    <p class="lead">{q}</p>
                                </div>
                            })}
                            <div class="petition-text">
                                {p.body.split("\n\n").map(|para| view! { <p>{para.to_string()}</p> }).collect_view()}
                            </div>
                            <LiveFigures page=figures/>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// A petition's figures: its count and progress, its result, and its signatures by ward. An
/// island: with JavaScript, the browser asks for them again every 15 seconds while the page is
/// open (a GET the page cache serves), so the count moves without a reload.
#[island]
pub fn LiveFigures(page: PetitionPage) -> impl IntoView {
    let figures = RwSignal::new(page);
    #[cfg(feature = "hydrate")]
    {
        let id = figures.with_untracked(|p| p.summary.id);
        let refresh = move || {
            leptos::task::spawn_local(async move {
                // A failed refresh keeps what is shown; the next one tries again.
                if let Ok(Some(p)) = api::petition(id).await {
                    figures.set(p);
                }
            })
        };
        if let Ok(handle) = set_interval_with_handle(refresh, std::time::Duration::from_secs(15)) {
            on_cleanup(move || handle.clear());
        }
    }
    move || figures.with(figures_view)
}

fn figures_view(p: &PetitionPage) -> AnyView {
    let s = p.summary.clone();
    let pct = progress_percent(s.valid, s.required);
    let trigger = if p.published_number {
        format!(
            "{} valid signatures from electors in {} by {} (the council's published verification number for {}% of electors)",
            thousands(s.required), s.area.name, s.last_day, p.percent
        )
    } else {
        format!(
            "{}% of {} electors = {} valid signatures by {}",
            p.percent,
            thousands(p.electorate),
            thousands(s.required),
            s.last_day
        )
    };
    let status = match s.standing {
        Standing::Collecting => format!(
            "{} to go, {}",
            thousands(s.required.saturating_sub(s.valid)),
            plural(s.days_left as u64, "day left", "days left")
        ),
        other => other.label().to_string(),
    };
    view! {
        <section class="progress" aria-labelledby="progress-title">
            <h2 id="progress-title">"Progress"</h2>
            <p class="trigger"><strong>"Trigger: "</strong>{trigger}</p>
            <p class="count" aria-live="polite">
                <strong data-testid="valid-count">{thousands(s.valid)}</strong>
                {format!(" of {} verified signatures", thousands(s.required))}
            </p>
            <progress max=s.required.max(1).to_string() value=s.valid.min(s.required.max(1)).to_string()>{format!("{pct}%")}</progress>
            <p class="status">{status}</p>
            <p class="meta">{format!("Opened {}. Electorate from the register of {}.", p.opened, p.register_date)}</p>
            {s.open.then(|| view! {
                <p><a href=format!("/petitions/{}/sign", s.id) class="button">"Sign this petition"</a></p>
            })}
        </section>
        {outcome(p)}
        <section aria-labelledby="wards-title">
            <h2 id="wards-title">"Verified signatures by ward"</h2>
            {if p.by_ward.is_empty() {
                view! { <p>"No verified signatures yet."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Ward"</th><th scope="col" class="num">"Signatures"</th></tr></thead>
                        <tbody>
                            {p.by_ward.iter().map(|w| view! {
                                <tr><td>{w.area.name.clone()}</td><td class="num">{thousands(w.valid)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <p class="meta">"Download the counts per area as published in the signed tally: "
                <a href=format!("/petitions/{}/counts.csv", s.id) rel="external">"CSV"</a>", "
                <a href=format!("/petitions/{}/counts.json", s.id) rel="external">"JSON"</a>"."</p>
        </section>
    }
    .into_any()
}

/// Announcements of the seed's source that a later one replaced: they stay public.
pub fn earlier_seed_plans(earlier: &[(String, String)]) -> impl IntoView {
    (!earlier.is_empty()).then(|| {
        let list = earlier.iter().map(|(at, plan)| format!("{plan} (announced {at})")).collect::<Vec<_>>().join("; ");
        view! { <p class="meta" data-testid="earlier-seed-plans">{format!("Announced earlier, then replaced: {list}.")}</p> }
    })
}

/// The certified result and what happens next; before it, how the signatures will be checked.
fn outcome(p: &PetitionPage) -> impl IntoView {
    let id = p.summary.id;
    match &p.certificate {
        Some(c) => {
            let next = match (c.outcome.as_str(), &p.referendum_date, &p.council_response) {
                ("reached", Some(d), _) => format!("The referendum will be held on {d}."),
                ("reached", None, _) => "The council will set the date of the referendum.".to_string(),
                (_, _, Some(r)) => format!("The council's response: {r}"),
                _ => "The council will publish its response here.".to_string(),
            };
            view! {
                <section class="outcome" aria-labelledby="outcome-title" data-testid="outcome">
                    <h2 id="outcome-title">"Result"</h2>
                    <p><strong>{outcome_text(&c.outcome)}</strong>{format!(" (certified {}).", c.at)}</p>
                    <p data-testid="next">{next}</p>
                    <p><a href=format!("/petitions/{id}/certificate")>"The certificate, with its proof from the transparency log"</a></p>
                    {p.seed_plan.clone().map(|plan| view! {
                        <p class="meta">{format!(
                            "The source of the sample's seed was announced {}: {plan}.", p.seed_plan_at.clone().unwrap_or_default()
                        )}</p>
                    })}
                    {earlier_seed_plans(&p.earlier_seed_plans)}
                </section>
            }
            .into_any()
        }
        None => p
            .seed_plan
            .clone()
            .map(|plan| view! {
                <p class="meta" data-testid="seed-plan">{format!(
                    "After the close, the council's electoral office checks a random sample of the signatures, drawn with a seed from: {plan} (announced {}).",
                    p.seed_plan_at.clone().unwrap_or_default()
                )}</p>
                {earlier_seed_plans(&p.earlier_seed_plans)}
            })
            .into_any(),
    }
}
