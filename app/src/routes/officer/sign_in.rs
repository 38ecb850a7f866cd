//! Signing in: email and password, then the code from an authenticator app (or a recovery
//! code); and asking for a password reset.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::components::{post_result, ErrorSummary, PasswordField, TextField};
use crate::officer::OfficerPosted;
use crate::post::PostResult;

pub(crate) fn posted() -> OfficerPosted {
    match post_result() {
        PostResult::Officer(p) => p,
        _ => OfficerPosted::default(),
    }
}

#[component]
pub fn SignIn() -> impl IntoView {
    let p = posted();
    let q = use_query_map();
    let q = q.read_untracked();
    let next = if p.value("next").is_empty() { q.get("next").unwrap_or_default() } else { p.value("next") };
    let notice = if q.get("signed-out").is_some() {
        Some("You have signed out.")
    } else if q.get("reset").is_some() {
        Some("Your password has been changed. Sign in with it and your authenticator app.")
    } else if q.get("again").is_some() {
        Some("That took too long. Sign in again.")
    } else {
        None
    };
    view! {
        <Title text="Sign in: officers"/>
        <Meta name="robots" content="noindex"/>
        {notice.map(|n| view! { <div class="panel" role="status"><p>{n}</p></div> })}
        <ErrorSummary errors=p.errors.clone()/>
        <h1>"Sign in"</h1>
        <p>"For electoral officers and viewers. You will need your password and the authenticator app on your phone."</p>
        <form method="post" action="/officer/sign-in">
            <input type="hidden" name="next" value=next/>
            <TextField id="email" label="Email address" kind="email" autocomplete="username" value=p.value("email")
                error=p.error("email") no_spellcheck=true/>
            <PasswordField id="password" label="Password" autocomplete="current-password" error=p.error("password")/>
            <button type="submit">"Continue"</button>
        </form>
        <p><a href="/officer/forgot-password">"Forgotten your password?"</a></p>
    }
}

#[component]
pub fn SignInCode() -> impl IntoView {
    let p = posted();
    let q = use_query_map();
    let next =
        if p.value("next").is_empty() { q.read_untracked().get("next").unwrap_or_default() } else { p.value("next") };
    view! {
        <Title text="Enter your code: officers"/>
        <Meta name="robots" content="noindex"/>
        <ErrorSummary errors=p.errors.clone()/>
        <h1>"Enter the code from your authenticator app"</h1>
        <form method="post" action="/officer/sign-in/code">
            <input type="hidden" name="next" value=next/>
            <TextField id="code" label="Code" class="short" autocomplete="one-time-code" error=p.error("code")
                hint="The 6-digit code your app shows now. If you have lost your phone, enter one of your recovery codes instead."
                no_spellcheck=true/>
            <button type="submit">"Sign in"</button>
        </form>
        <p><a href="/officer/sign-in">"Start again"</a></p>
    }
}

#[component]
pub fn ForgotPassword() -> impl IntoView {
    let p = posted();
    let sent = use_query_map().read_untracked().get("sent").is_some();
    view! {
        <Title text="Reset your password: officers"/>
        <Meta name="robots" content="noindex"/>
        {if sent {
            view! {
                <h1>"Check your email"</h1>
                <p data-testid="reset-sent">"If an officer account uses that address, we have sent it a link to choose a new password. The link works for an hour."</p>
                <p><a href="/officer/sign-in">"Back to signing in"</a></p>
            }.into_any()
        } else {
            view! {
                <ErrorSummary errors=p.errors.clone()/>
                <h1>"Reset your password"</h1>
                <p>"We will email a link to choose a new password. You will still need your authenticator app to sign in."</p>
                <form method="post" action="/officer/forgot-password">
                    <TextField id="email" label="Email address" kind="email" autocomplete="username" value=p.value("email")
                        error=p.error("email") no_spellcheck=true/>
                    <button type="submit">"Send the link"</button>
                </form>
            }.into_any()
        }}
    }
}
