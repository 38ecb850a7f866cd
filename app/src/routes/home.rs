//! `/`: find the petitions that cover a postcode.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use petition_core::views::{progress_percent, PetitionSummary, Standing};

use crate::api::{self, Search};
use crate::components::{plural, problem_text, thousands, ErrorSummary, TextField};

#[component]
fn PetitionCard(p: PetitionSummary) -> impl IntoView {
    let pct = progress_percent(p.valid, p.required);
    view! {
        <li class="card">
            <h3><A href=format!("/petitions/{}", p.id)>{p.title.clone()}</A></h3>
            <p class="meta">{format!("{} ({})", p.area.name, p.area.kind)}</p>
            <p>
                {format!("{} of {} signatures needed", thousands(p.valid), thousands(p.required))}
                " · "
                {match p.standing {
                    Standing::Paused => "Signing paused".to_string(),
                    Standing::NotYetOpen => "Not open yet".to_string(),
                    _ if p.open => plural(p.days_left as u64, "day left", "days left"),
                    _ => "Closed".to_string(),
                }}
            </p>
            // An SVG width, not a style attribute: the Content-Security-Policy allows no inline styles.
            <svg class="bar" aria-hidden="true" focusable="false" viewBox="0 0 100 1" preserveAspectRatio="none">
                <rect width=pct.to_string() height="1"></rect>
            </svg>
        </li>
    }
}

#[component]
pub fn Home() -> impl IntoView {
    let query = use_query_map();
    let postcode = move || query.read().get("postcode");
    let results = Resource::new(postcode, |pc| async move {
        match pc {
            Some(pc) => Some(api::search_postcode(pc).await),
            None => None,
        }
    });
    view! {
        <Title text=""/>
        <h1>"Find petitions where you live"</h1>
        <p class="lead">"Residents can ask their council to hold a local referendum. If enough registered electors in the area sign a petition within six months, the council must hold one."</p>
        <p><A href="/start" attr:class="button secondary">"Start a petition"</A></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let typed = postcode().unwrap_or_default();
                let (problem, found) = match results.await {
                    None => (None, None),
                    Some(Ok(Search::Found(f))) => (None, Some(f)),
                    Some(Ok(Search::Problem(m))) => (Some(m), None),
                    Some(Err(e)) => (Some(problem_text(&e)), None),
                };
                let errors = problem.iter().map(|m| ("postcode".to_string(), m.clone())).collect::<Vec<_>>();
                view! {
                    <ErrorSummary errors=errors/>
                    <form method="get" action="/" class="search">
                        <TextField id="postcode" label="Your postcode" hint="For example, CA10 1AA" error=problem.clone()
                            value=typed.clone() autocomplete="postal-code" class="short" no_spellcheck=true/>
                        <button type="submit">"Find petitions"</button>
                    </form>
                    {found.map(|f| {
                        let places = f.areas.iter().map(|a| a.name.clone()).collect::<Vec<_>>().join(", ");
                        let none = f.petitions.is_empty();
                        view! {
                            <section aria-labelledby="results-title">
                                <h2 id="results-title">{format!("Open petitions for {}", f.postcode)}</h2>
                                <p class="meta">{format!("Your postcode is in {places}.")}</p>
                                {if none {
                                    view! { <p>"There are no open petitions covering your area at the moment."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="cards">
                                            {f.petitions.into_iter().map(|p| view! { <PetitionCard p=p/> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                        }
                    })}
                }
            })}
        </Suspense>
    }
}
