//! `/confirm/:token` and `/withdraw/:token`: the pages the links in emails open. Each shows a
//! button (so mail scanners that follow links change nothing); pressing it posts, and the answer
//! comes back as the page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api;
use crate::components::{post_result, problem_text, token_param};
use crate::post::{ConfirmKind, Confirmed, PostResult, WithdrawKind, Withdrawn};

/// A `data:` link that downloads the receipt without any script.
fn receipt_href(text: &str) -> String {
    let mut out = String::from("data:text/plain;charset=utf-8,");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[component]
fn LinkPage(kind: &'static str) -> impl IntoView {
    let token = token_param();
    let posted = post_result();
    // After the button is pressed the page shows what happened, and needs nothing more.
    let answered = matches!(posted, PostResult::Confirm(_) | PostResult::Withdraw(_));
    let link = Resource::new(token, move |t| async move {
        if answered {
            Ok(None)
        } else {
            api::link_title(kind.to_string(), t).await
        }
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let posted = posted.clone();
                Suspend::new(async move {
                    match (posted, link.await) {
                        (PostResult::Confirm(c), _) => confirmed_view(c).into_any(),
                        (PostResult::Withdraw(w), _) => withdrawn_view(w).into_any(),
                        (_, Err(e)) => view! { <h1>"Sorry, there is a problem"</h1><p>{problem_text(&e)}</p> }.into_any(),
                        (_, Ok(None)) => unknown_link().into_any(),
                        (_, Ok(Some((_, title)))) => {
                            let (heading, text, button) = if kind == "confirm" {
                                ("Confirm your signature", "Press the button to confirm your signature on this petition.", "Confirm my signature")
                            } else {
                                ("Withdraw your signature", "If you withdraw, your signature will no longer count towards this petition.", "Withdraw my signature")
                            };
                            view! {
                                <Title text=heading/>
                                <h1>{heading}</h1>
                                <p class="petition-title">{title}</p>
                                <p>{text}</p>
                                <form method="post">
                                    <button type="submit" class=if kind == "confirm" { "" } else { "warning" }>{button}</button>
                                </form>
                            }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

fn unknown_link() -> impl IntoView {
    view! {
        <Title text="Link not recognised"/>
        <h1>"This link has expired or is not recognised"</h1>
        <p>"If you asked to sign again since this email was sent, use the link in the newest email. Links are long: check that the whole link was copied."</p>
        <p><A href="/">"Find petitions by postcode"</A></p>
    }
}

#[component]
pub fn Confirm() -> impl IntoView {
    view! { <LinkPage kind="confirm"/> }
}

#[component]
pub fn Withdraw() -> impl IntoView {
    view! { <LinkPage kind="withdraw"/> }
}

fn petition_link(id: Option<i64>) -> impl IntoView {
    id.map(|id| view! { <p><A href=format!("/petitions/{id}")>"See the petition and its count"</A></p> })
}

fn confirmed_view(c: Confirmed) -> impl IntoView {
    let receipt = c.receipt.clone().map(|text| {
        let href = receipt_href(&text);
        let file = format!("petition-receipt-{}.txt", c.petition_id.unwrap_or_default());
        view! {
            <section class="receipt" aria-labelledby="receipt-title">
                <h2 id="receipt-title">"Your receipt"</h2>
                <p>"Keep this receipt. It lets you check later, without telling anyone who you are, that your signature is counted. "
                   <strong>"We show it only once."</strong></p>
                <pre data-testid="receipt">{text}</pre>
                <p><a class="button secondary" href=href download=file>"Download your receipt"</a></p>
                <p>"You can check it at any time on the "<A href="/receipt">"Check your receipt"</A>" page."</p>
            </section>
        }
    });
    let (heading, body) = match c.kind {
        ConfirmKind::Counted => ("Your signature is counted", "Thank you. Your signature is confirmed and now counts towards the petition. We have emailed you a link you can use to withdraw it while the petition is open."),
        ConfirmKind::SentForReview => ("Your email is confirmed", "Thank you. An electoral officer will check your signature against the electoral register. It counts once they have."),
        ConfirmKind::AlreadyConfirmed => ("You have already confirmed", "This signature was already confirmed. Nothing has changed."),
        ConfirmKind::ElectorHasSigned => ("Your signature was not counted", "Someone has already confirmed a signature with the same name at the same address, and each elector can sign once. If that was not you, contact the council's electoral office: they have been told that two people asked to sign as one elector."),
        ConfirmKind::Closed => ("This petition is closed", "The petition closed before you confirmed, so your signature cannot be counted."),
        ConfirmKind::Paused => ("Signing is paused", "The electoral office has paused this petition for now, so nothing was confirmed. The deadline is extended by the time it is paused. Use the same link from your email again once it resumes; if it has expired by then, fill in the form again for a new one."),
        ConfirmKind::Withdrawn => ("This signature was withdrawn", "This signature was withdrawn, so it cannot be confirmed. You can sign again while the petition is open."),
        ConfirmKind::Expired => ("This link has expired", "Confirmation links stop working after a while, and this one has. Nothing was confirmed. To sign, fill in the form again and use the link in the new email."),
        ConfirmKind::UnknownLink => return unknown_link().into_any(),
    };
    view! {
        <Title text=heading/>
        <div class="panel" role="status">
            <h1>{heading}</h1>
            <p class="petition-title">{c.title.clone()}</p>
        </div>
        <p>{body}</p>
        {receipt}
        {petition_link(c.petition_id)}
    }
    .into_any()
}

fn withdrawn_view(w: Withdrawn) -> impl IntoView {
    let (heading, body) = match w.kind {
        WithdrawKind::Withdrawn => {
            ("Your signature is withdrawn", "Your signature no longer counts towards this petition.")
        }
        WithdrawKind::AlreadyWithdrawn => {
            ("Already withdrawn", "This signature was already withdrawn. Nothing has changed.")
        }
        WithdrawKind::Closed => ("This petition is closed", "Signatures cannot be withdrawn after a petition closes."),
        WithdrawKind::UnknownLink => return unknown_link().into_any(),
    };
    view! {
        <Title text=heading/>
        <div class="panel" role="status">
            <h1>{heading}</h1>
            <p class="petition-title">{w.title.clone()}</p>
        </div>
        <p>{body}</p>
        {petition_link(w.petition_id)}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_links_encode_everything_but_plain_characters() {
        let href = receipt_href("a b\n+/=");
        assert_eq!(href, "data:text/plain;charset=utf-8,a%20b%0A%2B%2F%3D");
    }
}
