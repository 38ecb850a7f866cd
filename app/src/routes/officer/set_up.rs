//! Setting up an officer account from its one-time link: a password, the authenticator app, and
//! the recovery codes shown once; and choosing a new password from a reset link.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::components::{problem_text, token_param, ErrorSummary, PasswordField, TextField};
use crate::officer::api::{account_reset, account_set_up};
use crate::routes::officer::sign_in::posted;

const PASSWORD_HINT: &str =
    "At least 12 characters. Three or four random words are easy to remember and hard to guess.";

fn link_gone() -> AnyView {
    view! {
        <h1>"This link has expired or has already been used"</h1>
        <p>"Each link works once and for a limited time. Ask an admin for a new one, or, if you have set up your account already, "
        <a href="/officer/sign-in">"sign in"</a>"."</p>
    }
    .into_any()
}

#[component]
pub fn SetUp() -> impl IntoView {
    let p = posted();
    let token = token_param();
    let page = Resource::new(token, account_set_up);
    if !p.recovery_codes.is_empty() {
        return view! {
            <Title text="Your account is set up"/>
            <Meta name="robots" content="noindex"/>
            <div class="panel" role="status"><h1>"Your account is set up"</h1></div>
            <h2>"Your recovery codes"</h2>
            <p>"If you lose your phone, each of these codes signs you in once instead of the authenticator app. Print them or keep them somewhere safe, away from your password. They will not be shown again."</p>
            <ul class="codes" data-testid="recovery-codes">
                {p.recovery_codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
            <p><a class="button" href="/officer/sign-in">"Continue to sign in"</a></p>
        }
        .into_any();
    }
    view! {
        <Title text="Set up your officer account"/>
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let p = p.clone();
                Suspend::new(async move {
                    match page.await {
                        Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                        Ok(None) => link_gone(),
                        Ok(Some(v)) => view! {
                            <ErrorSummary errors=p.errors.clone()/>
                            <h1>"Set up your officer account"</h1>
                            <p>{format!("For {}.", v.email)}</p>
                            <form method="post" action=format!("/officer/set-up/{}", token())>
                                <h2>"1. Choose a password"</h2>
                                <PasswordField id="password" label="Password" hint=PASSWORD_HINT autocomplete="new-password"
                                    error=p.error("password")/>
                                <PasswordField id="password_again" label="Password again" autocomplete="new-password"/>
                                <h2>"2. Add the account to your authenticator app"</h2>
                                <p>"Open an authenticator app on your phone (such as Google Authenticator, Microsoft Authenticator or FreeOTP) and scan this code:"</p>
                                <img class="qr" src=v.qr alt="QR code for your authenticator app" width="200" height="200"/>
                                <p>"Or type this key into the app:"</p>
                                <p><code data-testid="totp-secret">{v.secret}</code></p>
                                <h2>"3. Enter the code the app shows"</h2>
                                <TextField id="code" label="Code" class="short" autocomplete="one-time-code" error=p.error("code")
                                    hint="6 digits. It changes every 30 seconds." no_spellcheck=true/>
                                <button type="submit">"Set up my account"</button>
                            </form>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}

#[component]
pub fn ResetPassword() -> impl IntoView {
    let p = posted();
    let token = token_param();
    let page = Resource::new(token, account_reset);
    view! {
        <Title text="Choose a new password"/>
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let p = p.clone();
                Suspend::new(async move {
                    match page.await {
                        Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                        Ok(None) => link_gone(),
                        Ok(Some(email)) => view! {
                            <ErrorSummary errors=p.errors.clone()/>
                            <h1>"Choose a new password"</h1>
                            <p>{format!("For {email}. Every session of the account will end.")}</p>
                            <form method="post" action=format!("/officer/reset/{}", token())>
                                <PasswordField id="password" label="New password" hint=PASSWORD_HINT autocomplete="new-password"
                                    error=p.error("password")/>
                                <PasswordField id="password_again" label="New password again" autocomplete="new-password"/>
                                <button type="submit">"Change my password"</button>
                            </form>
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
