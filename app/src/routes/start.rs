//! `/start`: starting a petition, in GOV.UK's question-page style. First the postcode; then one
//! form with the petitioner's address, name and email, the area the petition is for and its
//! texts; then "check your answers" (`/start/check`, rendered by the server from the post), and
//! `/start/sent` once it is recorded. Every step is a plain form.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use petition_core::proposal::{Background, Question, Title as TitleText};
use petition_core::text::{Email, PersonName};

use crate::components::{
    field_class, post_result, problem_text, thousands, AddressField, ErrorSummary, FieldError, TextArea, TextField,
};
use crate::officer::OfficerPosted;
use crate::post::PostResult;
use crate::proposal_api::{start_page, StartPageData};
use crate::routes::officer::check::CheckView;

pub(crate) fn posted() -> OfficerPosted {
    match post_result() {
        PostResult::Proposal(p) => p,
        _ => OfficerPosted::default(),
    }
}

#[component]
pub fn Start() -> impl IntoView {
    let query = use_query_map();
    let p = posted();
    let from_post = Some(p.value("postcode")).filter(|v| !v.is_empty());
    let postcode = move || from_post.clone().or_else(|| query.read().get("postcode"));
    let data = Resource::new(postcode, start_page);
    view! {
        <Title text="Start a petition"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let p = p.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <h1>"Sorry, there is a problem"</h1><p>{problem_text(&e)}</p> }.into_any(),
                        Ok(d) if d.found.postcode.is_none() => step_postcode(d).into_any(),
                        Ok(d) => step_details(d, p).into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn step_postcode(d: StartPageData) -> impl IntoView {
    let problem = d.found.problem.clone();
    let errors: Vec<(String, String)> = problem.iter().map(|m| ("postcode".to_string(), m.clone())).collect();
    let sponsors = match d.sponsors {
        0 => "The electoral office then checks it".to_string(),
        1 => "One other elector of the area sponsors it, then the electoral office checks it".to_string(),
        n => format!("{n} other electors of the area sponsor it, then the electoral office checks it"),
    };
    view! {
        <h1>"Start a petition for a local referendum"</h1>
        <ErrorSummary errors=errors/>
        <p class="lead">"If enough registered electors in an area sign a petition within six months, the council must hold a referendum there."</p>
        <ol>
            <li>"You write the petition: a title, the question the referendum would ask, and why."</li>
            <li>{format!("{sponsors}, usually within {} working days.", d.working_days)}</li>
            <li>"Once it opens, anyone on the electoral register in the area can sign it."</li>
        </ol>
        <p>"You must be on the electoral register in the area the petition is for. First, find your address."</p>
        <form method="get" action="/start">
            <TextField id="postcode" label="Your postcode" hint="For example, RV1 2AB" error=problem
                autocomplete="postal-code" class="short" no_spellcheck=true/>
            <button type="submit">"Find my address"</button>
        </form>
        <p><A href="/refused-petitions">"Petitions the council has refused, and why"</A></p>
    }
}

fn step_details(d: StartPageData, p: OfficerPosted) -> impl IntoView {
    let postcode = d.found.postcode.clone().unwrap_or_default();
    let errors = p.errors.clone();
    let (e_area, e_declared) = (p.error("area"), p.error("declared"));
    let area_chosen = p.value("area");
    let one_area = d.areas.len() == 1;
    view! {
        <h1>"Start a petition"</h1>
        <ErrorSummary errors=errors/>
        <form method="post" action="/start" id="start-form" novalidate=true>
            <input type="hidden" name="postcode" value=postcode.clone()/>
            <h2>"About you"</h2>
            <AddressField postcode=postcode.clone() addresses=d.found.addresses.clone() chosen=p.value("address")
                written=p.value("address_text") error=p.error("address") written_error=p.error("address_text")
                change="/start".to_string()/>
            <TextField id="name" label="Full name" hint="As it appears on the electoral register" error=p.error("name")
                value=p.value("name") autocomplete="name" maxlength=PersonName::MAX/>
            <TextField id="email" label="Email address" kind="email"
                hint="We send you a link to confirm it, then to follow your petition. We never publish it." error=p.error("email")
                value=p.value("email") autocomplete="email" maxlength=Email::MAX no_spellcheck=true/>
            <h2>"The petition"</h2>
            <fieldset class=field_class(&e_area) id="area" aria-describedby=e_area.as_ref().map(|_| "area-error")>
                <legend>"Which area is it for?"</legend>
                <p class="hint">"The referendum would be held in this area, and only its electors can sponsor and sign."</p>
                <FieldError id="area" error=e_area.clone()/>
                {d.areas.is_empty().then(|| view! {
                    <p>"No area at this postcode has an electorate figure loaded yet, so a petition cannot start here. The electoral office loads them; please try again later."</p>
                })}
                <div class="radios">
                    {d.areas.iter().map(|o| {
                        let rid = format!("area-{}", o.area.code);
                        let checked = area_chosen == o.area.code || one_area;
                        view! {
                            <div class="radio">
                                <input type="radio" name="area" id=rid.clone() value=o.area.code.clone() checked=checked/>
                                <label for=rid>{format!("{} ({}): {} electors; a referendum needs {} signatures",
                                    o.area.name, o.area.kind, thousands(o.electorate), thousands(o.required))}</label>
                            </div>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
            <TextField id="title" label="Title" hint="A short name for the petition, up to 100 characters."
                error=p.error("title") value=p.value("title") maxlength=TitleText::MAX/>
            <TextArea id="question" label="The referendum question" rows=2 maxlength=Question::MAX
                hint="One question, as electors would read it on the ballot paper, ending with a question mark. For example: Should the council keep Harbour Road swimming pool open?"
                error=p.error("question") value=p.value("question")/>
            <TextArea id="background" label="Background" rows=8 maxlength=Background::MAX
                hint="Why the council should hold this referendum. Plain text; leave a blank line between paragraphs."
                error=p.error("background") value=p.value("background")/>
            <div class=field_class(&e_declared)>
                <FieldError id="declared" error=e_declared.clone()/>
                <div class="checkbox">
                    <input type="checkbox" id="declared" name="declared" value="yes" checked=p.value("declared") == "yes"/>
                    <label for="declared">"I declare that I am on the electoral register as a local government elector at this address."</label>
                </div>
            </div>
            <button type="submit">"Continue"</button>
        </form>
    }
}

/// `/start/check`: the answers, before they are sent.
#[component]
pub fn StartCheck() -> impl IntoView {
    let p = posted();
    view! {
        <Title text="Check your petition"/>
        {match p.check {
            Some(c) => view! {
                <CheckView check=c change=Some("Change your answers")/>
            }.into_any(),
            None => view! {
                <h1>"Nothing to check"</h1>
                <p><A href="/start">"Start a petition"</A></p>
            }.into_any(),
        }}
    }
}

/// `/start/sent`: what happens next.
#[component]
pub fn StartSent() -> impl IntoView {
    view! {
        <Title text="Check your email"/>
        <h1>"Check your email"</h1>
        <div class="panel" data-testid="start-sent">
            <p>"We have sent you an email with a link. Open it and press Confirm to start your petition."</p>
        </div>
        <p>"Keep that email: the same link shows how your petition is getting on and lets you change it until it goes to the electoral office."</p>
        <p>"If it does not arrive within a few minutes, check your spam folder."</p>
    }
}
