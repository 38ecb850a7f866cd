//! "Check before you confirm": what a change will do, with the button that makes it. Officers'
//! changes show it at `/officer/check`; residents starting a petition at `/start/check`.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::post::Check;
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
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        <CheckView change=c.change.then_some("Change your answers") check=c/>
    }
    .into_any()
}

/// The check itself. With `change`, a second button posts the same answers back to the form to
/// change them (so nothing typed is lost without JavaScript); without, a link cancels.
#[component]
pub fn CheckView(check: Check, change: Option<&'static str>) -> impl IntoView {
    let c = check;
    let hidden = c.hidden.clone();
    let hidden_inputs = move |h: Vec<(String, String)>| {
        h.into_iter().map(|(k, v)| view! { <input type="hidden" name=k value=v/> }).collect_view()
    };
    view! {
        <Title text=c.heading.clone()/>
        <h1>{c.heading.clone()}</h1>
        <dl class="figures" data-testid="check">
            {c.rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd class="pre">{v}</dd> }).collect_view()}
        </dl>
        <div class="panel" data-testid="effect"><p>{c.effect}</p></div>
        <form method="post" action=c.action.clone()>
            {hidden_inputs(hidden.clone())}
            <input type="hidden" name="confirm" value="yes"/>
            <button type="submit" class="warning">{c.button}</button>
        </form>
        {match change {
            Some(label) => view! {
                <form method="post" action=c.action>
                    {hidden_inputs(hidden)}
                    <input type="hidden" name="change" value="yes"/>
                    <button type="submit" class="secondary">{label}</button>
                </form>
            }.into_any(),
            None => view! { <p><a href=c.back>"Cancel"</a></p> }.into_any(),
        }}
    }
}
