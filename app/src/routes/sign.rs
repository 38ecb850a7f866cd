//! `/petitions/:id/sign`: the sign form, in two steps (the postcode, then the address, name,
//! email and declaration). It posts to the server, which shows it again with its errors.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use petition_core::text::{Email, PersonName};
use petition_core::views::Standing;

use crate::api::{self, SignPageData};
use crate::components::{
    field_class, petition_id, post_result, problem_text, AddressField, ErrorSummary, FieldError, TextField,
};
use crate::post::{PostResult, SignForm};
use crate::routes::not_found::NotFound;

#[component]
pub fn Sign() -> impl IntoView {
    let id = petition_id();
    let query = use_query_map();
    let posted = post_result();
    // After a post, the postcode comes from the form, since the address bar has no query.
    let posted_postcode = match &posted {
        PostResult::Sign(f) if !f.postcode.is_empty() => Some(f.postcode.clone()),
        _ => None,
    };
    let postcode = move || posted_postcode.clone().or_else(|| query.read().get("postcode"));
    let data = Resource::new(
        move || (id(), postcode()),
        |(id, pc)| async move {
            match id {
                Some(id) => api::sign_page(id, pc).await,
                None => Ok(None),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let posted = posted.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <h1>"Sorry, there is a problem"</h1><p>{problem_text(&e)}</p> }.into_any(),
                        Ok(None) => view! { <NotFound/> }.into_any(),
                        Ok(Some(page)) => sign_view(page, posted).into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn sign_view(page: SignPageData, posted: PostResult) -> impl IntoView {
    let p = page.petition.clone();
    let back = format!("/petitions/{}", p.id);
    if p.standing == Standing::Paused {
        return view! {
            <Title text="Signing paused"/>
            <h1>"Signing is paused"</h1>
            <p>{format!("The electoral office has paused \"{}\" for now. The deadline is extended by the time it is paused. Please come back later.", p.title)}</p>
            <p><A href=back>"See the petition"</A></p>
        }
        .into_any();
    }
    if p.standing == Standing::NotYetOpen {
        return view! {
            <Title text="Not open yet"/>
            <h1>"This petition is not open for signatures yet"</h1>
            <p>{format!("\"{}\" has not started collecting signatures. Please come back later.", p.title)}</p>
            <p><A href=back.clone()>"See the petition"</A></p>
        }
        .into_any();
    }
    if !p.open {
        return view! {
            <Title text="Petition closed"/>
            <h1>"This petition is closed"</h1>
            <p>{format!("\"{}\" is no longer collecting signatures.", p.title)}</p>
            <p><A href=back>"See the petition"</A></p>
        }
        .into_any();
    }
    let form = match posted {
        PostResult::Sign(f) => f,
        _ => SignForm::default(),
    };
    let heading = format!("Sign: {}", p.title);
    let Some(postcode) = page.postcode.clone() else {
        // Step 1: the postcode.
        let problem = page.postcode_problem.clone();
        let errors: Vec<(String, String)> = problem.iter().map(|m| ("postcode".to_string(), m.clone())).collect();
        return view! {
            <Title text=heading.clone()/>
            <p class="meta"><A href=back>"Back to the petition"</A></p>
            <h1>{heading}</h1>
            <ErrorSummary errors=errors/>
            <p>{format!("Only registered electors in {} can sign. First, find your address.", p.area.name)}</p>
            <form method="get" action=format!("/petitions/{}/sign", p.id)>
                <TextField id="postcode" label="Your postcode" error=problem.clone() autocomplete="postal-code" class="short"
                    no_spellcheck=true/>
                <button type="submit">"Find my address"</button>
            </form>
        }
        .into_any();
    };
    // Step 2: the address, name, email and declaration.
    let errors = form.errors.clone();
    let e_declared = form.error("declared");
    view! {
        <Title text=heading.clone()/>
        <p class="meta"><A href=back>"Back to the petition"</A></p>
        <h1>{heading}</h1>
        <ErrorSummary errors=errors/>
        <form method="post" action=format!("/petitions/{}/sign", p.id) id="sign-form" novalidate=true>
            <input type="hidden" name="postcode" value=postcode.clone()/>
            <AddressField postcode=postcode.clone() addresses=page.addresses.clone() chosen=form.address.clone()
                written=form.address_text.clone() error=form.error("address") written_error=form.error("address_text")
                change=format!("/petitions/{}/sign", p.id)/>
            <TextField id="name" label="Full name" hint="As it appears on the electoral register" error=form.error("name")
                value=form.name.clone() autocomplete="name" maxlength=PersonName::MAX/>
            <TextField id="email" label="Email address" kind="email"
                hint="We will send you a link to confirm your signature. We never publish it." error=form.error("email")
                value=form.email.clone() autocomplete="email" maxlength=Email::MAX no_spellcheck=true/>
            <div class=field_class(&e_declared)>
                <FieldError id="declared" error=e_declared.clone()/>
                <div class="checkbox">
                    <input type="checkbox" id="declared" name="declared" value="yes" checked=form.declared/>
                    <label for="declared">{format!("I declare that I am on the electoral register as a local government elector at this address in {}, and that I have not signed this petition before.", p.area.name)}</label>
                </div>
            </div>
            <button type="submit">"Sign the petition"</button>
        </form>
    }
    .into_any()
}
