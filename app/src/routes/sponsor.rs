//! `/sponsor/:code`: the page a petitioner shares with sponsors. It shows the petition, then asks
//! for the sponsor's postcode, address, name and email, as signing does; `/sponsored` says what
//! happens next, and `/sponsor/confirm/:token` (from the email) confirms with a button.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use petition_core::proposal::views::ProposalStage;
use petition_core::text::{Email, PersonName};

use crate::components::{
    field_class, post_result, problem_text, token_param, AddressField, ErrorSummary, FieldError, TextField,
};
use crate::officer::OfficerPosted;
use crate::post::{PostResult, SponsorAnswer, SponsorKind};
use crate::proposal_api::{sponsor_link, sponsor_page, SponsorPageData};
use crate::routes::start::posted;

#[component]
pub fn Sponsor() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.read().get("code").unwrap_or_default();
    let query = use_query_map();
    let p = posted();
    let from_post = Some(p.value("postcode")).filter(|v| !v.is_empty());
    let postcode = move || from_post.clone().or_else(|| query.read().get("postcode"));
    let data = Resource::new(move || (code(), postcode()), |(c, pc)| sponsor_page(c, pc));
    view! {
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let p = p.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <h1>"Sorry, there is a problem"</h1><p>{problem_text(&e)}</p> }.into_any(),
                        Ok(None) => view! {
                            <Title text="Link not recognised"/>
                            <h1>"This link is not recognised"</h1>
                            <p>"Check that the whole link was copied."</p>
                        }.into_any(),
                        Ok(Some(d)) => sponsor_view(d, code(), p).into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn sponsor_view(d: SponsorPageData, code: String, p: OfficerPosted) -> impl IntoView {
    let v = d.proposal.clone();
    let heading = if v.title.is_empty() { "Sponsor a petition".to_string() } else { format!("Sponsor: {}", v.title) };
    let about = view! {
        <dl class="figures">
            <dt>"Area"</dt><dd>{v.area.name.clone()}</dd>
            <dt>"The referendum question"</dt><dd>{v.question.clone()}</dd>
            <dt>"Sponsors so far"</dt><dd data-testid="sponsors">{format!("{} of {}", v.sponsors_counted, v.sponsors_needed)}</dd>
        </dl>
        <div class="petition-text">
            {v.background.split("\n\n").map(|para| view! { <p>{para.to_string()}</p> }).collect_view()}
        </div>
    };
    if v.stage != ProposalStage::Sponsoring {
        let opened =
            v.petition_id.map(|id| view! { <p><A href=format!("/petitions/{id}")>"Sign the petition instead"</A></p> });
        return view! {
            <Title text=heading.clone()/>
            <h1>{heading}</h1>
            <div class="panel"><p>"This petition is not asking for sponsors now."</p></div>
            {opened}
        }
        .into_any();
    }
    let Some(postcode) = d.found.postcode.clone() else {
        let problem = d.found.problem.clone();
        let errors: Vec<(String, String)> = problem.iter().map(|m| ("postcode".to_string(), m.clone())).collect();
        return view! {
            <Title text=heading.clone()/>
            <h1>{heading}</h1>
            <ErrorSummary errors=errors/>
            <p class="lead">{format!("Before the electoral office looks at this petition, {} electors of {} must sponsor it. When it opens, your sponsorship becomes one of its first signatures.", v.sponsors_needed, v.area.name)}</p>
            {about}
            <form method="get" action=format!("/sponsor/{code}")>
                <TextField id="postcode" label="Your postcode" error=problem autocomplete="postal-code" class="short" no_spellcheck=true/>
                <button type="submit">"Find my address"</button>
            </form>
        }
        .into_any();
    };
    let e_declared = p.error("declared");
    view! {
        <Title text=heading.clone()/>
        <h1>{heading}</h1>
        <ErrorSummary errors=p.errors.clone()/>
        <form method="post" action=format!("/sponsor/{code}") id="sponsor-form" novalidate=true>
            <input type="hidden" name="postcode" value=postcode.clone()/>
            <AddressField postcode=postcode.clone() addresses=d.found.addresses.clone() chosen=p.value("address")
                written=p.value("address_text") error=p.error("address") written_error=p.error("address_text")
                change=format!("/sponsor/{code}")/>
            <TextField id="name" label="Full name" hint="As it appears on the electoral register" error=p.error("name")
                value=p.value("name") autocomplete="name" maxlength=PersonName::MAX/>
            <TextField id="email" label="Email address" kind="email" hint="We send you a link to confirm. We never publish it."
                error=p.error("email") value=p.value("email") autocomplete="email" maxlength=Email::MAX no_spellcheck=true/>
            <div class=field_class(&e_declared)>
                <FieldError id="declared" error=e_declared.clone()/>
                <div class="checkbox">
                    <input type="checkbox" id="declared" name="declared" value="yes" checked=p.value("declared") == "yes"/>
                    <label for="declared">{format!("I declare that I am on the electoral register as a local government elector at this address in {}, and I sponsor this petition.", v.area.name)}</label>
                </div>
            </div>
            <button type="submit">"Sponsor this petition"</button>
        </form>
    }
    .into_any()
}

/// `/sponsored`: what happens next.
#[component]
pub fn Sponsored() -> impl IntoView {
    view! {
        <Title text="Check your email"/>
        <h1>"Check your email"</h1>
        <div class="panel" data-testid="sponsored">
            <p>"We have sent you an email with a link. Open it and press Confirm to sponsor the petition."</p>
        </div>
    }
}

/// `/sponsor/confirm/:token`: a button (mail scanners that follow links change nothing), then
/// what it did.
#[component]
pub fn SponsorConfirm() -> impl IntoView {
    let token = token_param();
    let answer = match post_result() {
        PostResult::SponsorConfirm(a) => Some(a),
        _ => None,
    };
    let answered = answer.is_some();
    let title = Resource::new(token, move |t| async move {
        if answered {
            Ok(None)
        } else {
            sponsor_link(t).await
        }
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let answer = answer.clone();
                Suspend::new(async move {
                    match (answer, title.await) {
                        (Some(a), _) => answer_view(a).into_any(),
                        (None, Err(e)) => view! { <h1>"Sorry, there is a problem"</h1><p>{problem_text(&e)}</p> }.into_any(),
                        (None, Ok(None)) => answer_view(SponsorAnswer { kind: SponsorKind::UnknownLink, title: String::new(), counted: 0, needed: 0 }).into_any(),
                        (None, Ok(Some((title, question, background)))) => view! {
                            <Title text="Confirm that you sponsor"/>
                            <Meta name="robots" content="noindex"/>
                            <h1>"Confirm that you sponsor this petition"</h1>
                            <p class="petition-title">{title}</p>
                            <dl class="figures"><dt>"The referendum question"</dt><dd data-testid="question">{question}</dd></dl>
                            <div class="petition-text">
                                {background.split("\n\n").map(|para| view! { <p>{para.to_string()}</p> }).collect_view()}
                            </div>
                            <p>"By confirming you sponsor the petition as it reads here. When it opens, your sponsorship becomes one of its first signatures."</p>
                            <form method="post"><button type="submit">"Confirm"</button></form>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn answer_view(a: SponsorAnswer) -> impl IntoView {
    let (heading, text) = match a.kind {
        SponsorKind::Counted => (
            "Thank you for sponsoring",
            format!("Your sponsorship of \"{}\" is confirmed: {} of {} sponsors so far.", a.title, a.counted, a.needed),
        ),
        SponsorKind::NotOnRegister => (
            "We could not find you on the register",
            format!("Your email is confirmed, but the electoral register does not show your name at that address, so you cannot sponsor \"{}\". You can still sign it once it opens; the electoral office will check your signature.", a.title),
        ),
        SponsorKind::AlreadyConfirmed => ("Already confirmed", format!("You have already sponsored \"{}\".", a.title)),
        SponsorKind::TooLate => ("Too late to sponsor", format!("The electoral office has already decided on \"{}\".", a.title)),
        SponsorKind::UnknownLink => ("This link is not recognised", "Links are long: check that the whole link was copied from the email.".to_string()),
    };
    view! {
        <Title text=heading/>
        <h1>{heading}</h1>
        <div class="panel" data-testid="sponsor-answer"><p>{text}</p></div>
    }
}
