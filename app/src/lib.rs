//! The petition site's pages. Every page is rendered in full on the server, so it works with
//! JavaScript off. Forms are plain HTML forms that post to the server; their answers come back as
//! whole pages. Only the few parts that do something in the browser are islands (`#[island]`):
//! the header that says scripts run, a petition's figures kept fresh while its page is open, and
//! the receipt check done in the browser. Only they are compiled to WebAssembly and hydrated; the
//! rest of every page is HTML alone.

// The officer tables' rows are deep view types; the hydrate build computes their layout past the
// default limit.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod csp;
pub mod officer;
pub mod post;
pub mod proposal_api;
pub mod proposal_form;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    csp::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en-GB">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Days the site's clock runs ahead of real time in a rehearsal (REHEARSAL_DAYS_AHEAD). Read
/// on the server only: the banner is not part of an island.
fn rehearsal_days() -> Option<i64> {
    #[cfg(feature = "ssr")]
    let days = petition_store::time::ahead() / 86_400;
    #[cfg(not(feature = "ssr"))]
    let days = 0;
    (days > 0).then_some(days)
}

/// The site's header, the one island on every page. Effects run only in the browser, once the
/// page's WebAssembly has loaded and hydrated the islands: the header then says so
/// (`data-js="on"`), for styles that depend on scripts and for tests to tell that it happened.
#[island]
fn SiteHeader() -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <header class="site" data-js=move || hydrated.get().then_some("on")>
            <div class="wrap">
                <a href="/" class="brand">"Local referendum petitions"</a>
            </div>
        </header>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|t: String| if t.is_empty() { "Local referendum petitions".to_string() } else { format!("{t} - Local referendum petitions") }/>
        <Router>
            <a class="skip" href="#main">"Skip to main content"</a>
            <SiteHeader/>
            {rehearsal_days().map(|days| view! {
                <p class="rehearsal wrap" role="note" data-testid="rehearsal">
                    <strong>"Rehearsal. "</strong>
                    {format!("This site's clock runs {days} days ahead of real time. Nothing here is a real petition.")}
                </p>
            })}
            <main id="main" class="wrap" tabindex="-1">
                <Routes fallback=routes::not_found::NotFound>
                    <Route path=path!("/") view=routes::home::Home ssr=SsrMode::Async/>
                    <Route path=path!("/petitions/:id") view=routes::petition::Petition ssr=SsrMode::Async/>
                    <Route path=path!("/petitions/:id/certificate") view=routes::certificate::Certificate ssr=SsrMode::Async/>
                    <Route path=path!("/petitions/:id/sign") view=routes::sign::Sign ssr=SsrMode::Async/>
                    <Route path=path!("/petitions/:id/signed") view=routes::signed::Signed ssr=SsrMode::Async/>
                    <Route path=path!("/confirm/:token") view=routes::links::Confirm ssr=SsrMode::Async/>
                    <Route path=path!("/withdraw/:token") view=routes::links::Withdraw ssr=SsrMode::Async/>
                    <Route path=path!("/receipt") view=routes::receipt::ReceiptPage/>
                    <Route path=path!("/start") view=routes::start::Start ssr=SsrMode::Async/>
                    <Route path=path!("/start/check") view=routes::start::StartCheck/>
                    <Route path=path!("/start/sent") view=routes::start::StartSent/>
                    <Route path=path!("/proposals/:token") view=routes::proposal::ProposalPage ssr=SsrMode::Async/>
                    <Route path=path!("/sponsor/:code") view=routes::sponsor::Sponsor ssr=SsrMode::Async/>
                    <Route path=path!("/sponsored") view=routes::sponsor::Sponsored/>
                    <Route path=path!("/sponsor/confirm/:token") view=routes::sponsor::SponsorConfirm ssr=SsrMode::Async/>
                    <Route path=path!("/refused-petitions") view=routes::refused::Refused ssr=SsrMode::Async/>
                    <Route path=path!("/officer/moderation") view=routes::officer::moderation::Moderation ssr=SsrMode::Async/>
                    <Route path=path!("/officer/proposals/:id") view=routes::officer::moderation::ProposalDecision ssr=SsrMode::Async/>
                    <Route path=path!("/officer") view=routes::officer::petitions::OfficerList ssr=SsrMode::Async/>
                    <Route path=path!("/officer/petitions/:id") view=routes::officer::petitions::OfficerPetitionPage ssr=SsrMode::Async/>
                    <Route path=path!("/officer/petitions/:id/signatures") view=routes::officer::signatures::Signatures ssr=SsrMode::Async/>
                    <Route path=path!("/officer/sign-in") view=routes::officer::sign_in::SignIn/>
                    <Route path=path!("/officer/sign-in/code") view=routes::officer::sign_in::SignInCode/>
                    <Route path=path!("/officer/forgot-password") view=routes::officer::sign_in::ForgotPassword/>
                    <Route path=path!("/officer/set-up/:token") view=routes::officer::set_up::SetUp ssr=SsrMode::Async/>
                    <Route path=path!("/officer/reset/:token") view=routes::officer::set_up::ResetPassword ssr=SsrMode::Async/>
                    <Route path=path!("/officer/account") view=routes::officer::account::Account ssr=SsrMode::Async/>
                    <Route path=path!("/officer/accounts") view=routes::officer::accounts::Accounts ssr=SsrMode::Async/>
                    <Route path=path!("/officer/audit") view=routes::officer::audit::Audit ssr=SsrMode::Async/>
                    <Route path=path!("/officer/settings") view=routes::officer::settings::Settings ssr=SsrMode::Async/>
                    <Route path=path!("/officer/check") view=routes::officer::check::CheckPage/>
                    <Route path=path!("/officer/review") view=routes::officer::review::Review ssr=SsrMode::Async/>
                    <Route path=path!("/officer/reference") view=routes::officer::reference::Reference ssr=SsrMode::Async/>
                    <Route path=path!("/officer/reference/upload") view=routes::officer::upload::UploadForm/>
                    <Route path=path!("/officer/reference/uploads/:id") view=routes::officer::upload::UploadPage ssr=SsrMode::Async/>
                    <Route path=path!("/officer/petitions/:id/bulk") view=routes::officer::bulk::Bulk/>
                    <Route path=path!("/officer/petitions/:id/verify") view=routes::officer::verify::Verify ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="site">
                <div class="wrap">
                    <p>"A petition triggers a local referendum when enough registered electors in its area sign it in time. "
                    "Names, addresses and email addresses of signers are never published."</p>
                    <p><A href="/start">"Start a petition"</A>" · "<A href="/refused-petitions">"Refused petitions"</A></p>
                </div>
            </footer>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
