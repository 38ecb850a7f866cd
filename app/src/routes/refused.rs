//! `/refused-petitions`: petitions the council refused, with the ground and its explanation. Where
//! the ground is about the petition's text (vexatious, unlawful), the text is not repeated here.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::problem_text;
use crate::proposal_api::refused_petitions;

#[component]
pub fn Refused() -> impl IntoView {
    let list = Resource::new(|| (), |_| refused_petitions());
    view! {
        <Title text="Refused petitions"/>
        <h1>"Refused petitions"</h1>
        <p class="lead">"The electoral office can refuse a petition only on one of the grounds the council publishes. Each refusal is listed here with its explanation."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                    Ok(l) if l.is_empty() => view! { <p>"No petition has been refused."</p> }.into_any(),
                    Ok(l) => view! {
                        <ul class="cards" data-testid="refused">
                            {l.into_iter().map(|r| view! {
                                <li class="card">
                                    <h2>{r.title.clone().unwrap_or_else(|| "Title withheld".to_string())}</h2>
                                    {r.question.clone().map(|q| view! { <p>{q}</p> })}
                                    {r.title.is_none().then(|| view! { <p class="meta">"The text is not shown because the ground is about it."</p> })}
                                    <p class="meta">{format!("{}. Refused on {}.", r.area, r.decided)}</p>
                                    <p>{format!("Ground: {}.", r.ground)}</p>
                                    <p class="pre">{r.explanation.clone()}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
