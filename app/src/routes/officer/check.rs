//! "Check before you confirm": what an officer's change will do, with the button that makes it.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::routes::officer::nav::OfficerNav;
use crate::routes::officer::sign_in::posted;

#[component]
pub fn CheckPage() -> impl IntoView {
    let Some(c) = posted().check else {
        return view! {
            <Title text="Nothing to check"/>
            <OfficerNav/>
            <h1>"Nothing to check"</h1>
            <p><a href="/officer">"Back to the petitions"</a></p>
        }
        .into_any();
    };
    view! {
        <Title text=c.heading.clone()/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        <h1>{c.heading.clone()}</h1>
        <dl class="figures" data-testid="check">
            {c.rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
        <div class="panel" data-testid="effect"><p>{c.effect}</p></div>
        <form method="post" action=c.action>
            {c.hidden.into_iter().map(|(k, v)| view! { <input type="hidden" name=k value=v/> }).collect_view()}
            <input type="hidden" name="confirm" value="yes"/>
            <button type="submit" class="warning">{c.button}</button>
        </form>
        <p><a href=c.back>"Cancel"</a></p>
    }
    .into_any()
}
