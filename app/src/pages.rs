//! The resident-facing pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use petition_core::views::{progress_percent, PetitionSummary, Standing};

use crate::api::{self, Search, SignPageData};
use crate::post::{ConfirmKind, PostResult, SignForm, WithdrawKind};

/// "12,345".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// The result of the form post that produced this page, if any, carried to the browser.
fn post_result() -> PostResult {
    SharedValue::new(|| use_context::<PostResult>().unwrap_or_default()).into_inner()
}

fn problem_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        _ => "Something went wrong. Please try again in a moment.".to_string(),
    }
}

#[component]
fn ErrorSummary(errors: Vec<(String, String)>) -> impl IntoView {
    (!errors.is_empty()).then(|| {
        view! {
            <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
                <h2 id="error-summary-title">"There is a problem"</h2>
                <ul>
                    {errors
                        .into_iter()
                        .map(|(field, message)| view! { <li><a href=format!("#{field}")>{message}</a></li> })
                        .collect_view()}
                </ul>
            </div>
        }
    })
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <h1>"Page not found"</h1>
        <p>"If you typed the web address, check it is correct. "<A href="/">"Find petitions by postcode"</A>"."</p>
    }
}

#[component]
fn PetitionCard(p: PetitionSummary) -> impl IntoView {
    let pct = progress_percent(p.valid, p.required);
    view! {
        <li class="card">
            <h3><A href=format!("/petitions/{}", p.id)>{p.title.clone()}</A></h3>
            <p class="meta">{format!("{} ({})", p.area.name, p.area.kind)}</p>
            <p>
                {format!("{} of {} signatures needed", thousands(p.valid), thousands(p.required))}
                " · "
                {match p.standing {
                    Standing::Paused => "Signing paused".to_string(),
                    _ if p.open => plural(p.days_left as u64, "day left", "days left"),
                    _ => "Closed".to_string(),
                }}
            </p>
            <div class="bar" aria-hidden="true"><span style=format!("width:{pct}%")></span></div>
        </li>
    }
}

#[component]
pub fn Home() -> impl IntoView {
    let query = use_query_map();
    let postcode = move || query.read().get("postcode");
    let results = Resource::new(postcode, |pc| async move {
        match pc {
            Some(pc) => Some(api::search_postcode(pc).await),
            None => None,
        }
    });
    view! {
        <Title text=""/>
        <h1>"Find petitions where you live"</h1>
        <p class="lead">"Residents can ask their council to hold a local referendum. If enough registered electors in the area sign a petition within six months, the council must hold one."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let typed = postcode().unwrap_or_default();
                let (problem, found) = match results.await {
                    None => (None, None),
                    Some(Ok(Search::Found(f))) => (None, Some(f)),
                    Some(Ok(Search::Problem(m))) => (Some(m), None),
                    Some(Err(e)) => (Some(problem_text(&e)), None),
                };
                let errors = problem.iter().map(|m| ("postcode".to_string(), m.clone())).collect::<Vec<_>>();
                view! {
                    <ErrorSummary errors=errors/>
                    <form method="get" action="/" class="search">
                        <div class=if problem.is_some() { "field has-error" } else { "field" }>
                            <label for="postcode">"Your postcode"</label>
                            <p class="hint" id="postcode-hint">"For example, CA10 1AA"</p>
                            {problem.clone().map(|m| view! { <p class="field-error" id="postcode-error"><span class="visually-hidden">"Error: "</span>{m}</p> })}
                            <input type="text" id="postcode" name="postcode" autocomplete="postal-code" class="short"
                                value=typed.clone() spellcheck="false"
                                aria-describedby=if problem.is_some() { "postcode-hint postcode-error" } else { "postcode-hint" }
                                aria-invalid=if problem.is_some() { "true" } else { "false" }/>
                        </div>
                        <button type="submit">"Find petitions"</button>
                    </form>
                    {found.map(|f| {
                        let places = f.areas.iter().map(|a| a.name.clone()).collect::<Vec<_>>().join(", ");
                        let none = f.petitions.is_empty();
                        view! {
                            <section aria-labelledby="results-title">
                                <h2 id="results-title">{format!("Open petitions for {}", f.postcode)}</h2>
                                <p class="meta">{format!("Your postcode is in {places}.")}</p>
                                {if none {
                                    view! { <p>"There are no open petitions covering your area at the moment."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="cards">
                                            {f.petitions.into_iter().map(|p| view! { <PetitionCard p=p/> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                        }
                    })}
                }
            })}
        </Suspense>
    }
}

fn petition_id() -> impl Fn() -> Option<i64> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).filter(|id| *id > 0)
}

#[component]
pub fn Petition() -> impl IntoView {
    let id = petition_id();
    let page = Resource::new(id, |id| async move {
        match id {
            Some(id) => api::petition(id).await,
            None => Ok(None),
        }
    });
    // With JavaScript, keep the count fresh while the page is open.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || page.refetch(), std::time::Duration::from_secs(15)) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => view! { <h1>"Sorry, there is a problem"</h1><p>{problem_text(&e)}</p> }.into_any(),
                    Ok(None) => view! { <NotFound/> }.into_any(),
                    Ok(Some(p)) => {
                        let s = p.summary.clone();
                        let pct = progress_percent(s.valid, s.required);
                        let trigger = if p.published_number {
                            format!(
                                "{} valid signatures from electors in {} by {} (the council's published verification number for {}% of electors)",
                                thousands(s.required), s.area.name, s.last_day, p.percent
                            )
                        } else {
                            format!(
                                "{}% of {} electors = {} valid signatures by {}",
                                p.percent, thousands(p.electorate), thousands(s.required), s.last_day
                            )
                        };
                        let status = match s.standing {
                            Standing::Collecting => format!("{} to go, {}", thousands(s.required.saturating_sub(s.valid)), plural(s.days_left as u64, "day left", "days left")),
                            other => other.label().to_string(),
                        };
                        view! {
                            <Title text=s.title.clone()/>
                            <p class="meta">{format!("Area: {} ({})", s.area.name, s.area.kind)}</p>
                            <h1>{s.title.clone()}</h1>
                            <div class="petition-text">
                                {p.body.split("\n\n").map(|para| view! { <p>{para.to_string()}</p> }).collect_view()}
                            </div>
                            <section class="progress" aria-labelledby="progress-title">
                                <h2 id="progress-title">"Progress"</h2>
                                <p class="trigger"><strong>"Trigger: "</strong>{trigger}</p>
                                <p class="count" aria-live="polite">
                                    <strong data-testid="valid-count">{thousands(s.valid)}</strong>
                                    {format!(" of {} verified signatures", thousands(s.required))}
                                </p>
                                <progress max=s.required.max(1).to_string() value=s.valid.min(s.required.max(1)).to_string()>{format!("{pct}%")}</progress>
                                <p class="status">{status}</p>
                                <p class="meta">{format!("Opened {}. Electorate from the register of {}.", p.opened, p.register_date)}</p>
                                {s.open.then(|| view! {
                                    <p><A href=format!("/petitions/{}/sign", s.id) attr:class="button">"Sign this petition"</A></p>
                                })}
                            </section>
                            <section aria-labelledby="wards-title">
                                <h2 id="wards-title">"Verified signatures by ward"</h2>
                                {if p.by_ward.is_empty() {
                                    view! { <p>"No verified signatures yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <table>
                                            <thead><tr><th scope="col">"Ward"</th><th scope="col" class="num">"Signatures"</th></tr></thead>
                                            <tbody>
                                                {p.by_ward.into_iter().map(|w| view! {
                                                    <tr><td>{w.area.name}</td><td class="num">{thousands(w.valid)}</td></tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

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

fn field_class(err: &Option<String>) -> &'static str {
    if err.is_some() {
        "field has-error"
    } else {
        "field"
    }
}

fn field_error(id: &'static str, err: Option<String>) -> impl IntoView {
    err.map(|m| view! { <p class="field-error" id=format!("{id}-error")><span class="visually-hidden">"Error: "</span>{m}</p> })
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
                <div class=field_class(&problem)>
                    <label for="postcode">"Your postcode"</label>
                    {field_error("postcode", problem.clone())}
                    <input type="text" id="postcode" name="postcode" class="short" autocomplete="postal-code" spellcheck="false"
                        aria-invalid=if problem.is_some() { "true" } else { "false" }
                        aria-describedby=problem.as_ref().map(|_| "postcode-error")/>
                </div>
                <button type="submit">"Find my address"</button>
            </form>
        }
        .into_any();
    };
    // Step 2: the address, name, email and declaration.
    let errors = form.errors.clone();
    let e_address = form.error("address");
    let e_address_text = form.error("address_text");
    let e_name = form.error("name");
    let e_email = form.error("email");
    let e_declared = form.error("declared");
    let chosen = form.address.clone();
    let not_listed = chosen == "not-listed";
    view! {
        <Title text=heading.clone()/>
        <p class="meta"><A href=back>"Back to the petition"</A></p>
        <h1>{heading}</h1>
        <ErrorSummary errors=errors/>
        <form method="post" action=format!("/petitions/{}/sign", p.id) id="sign-form" novalidate=true>
            <input type="hidden" name="postcode" value=postcode.clone()/>
            <fieldset class=field_class(&e_address) id="address" aria-describedby=e_address.as_ref().map(|_| "address-error")>
                <legend>"Your address"</legend>
                <p class="hint">{format!("Addresses at {postcode}. ")}<A href=format!("/petitions/{}/sign", p.id)>"Change postcode"</A></p>
                {field_error("address", e_address.clone())}
                <div class="radios">
                    {page.addresses.iter().enumerate().map(|(i, a)| {
                        let rid = format!("address-{i}");
                        view! {
                            <div class="radio">
                                <input type="radio" name="address" id=rid.clone() value=a.uprn.clone() checked=chosen == a.uprn/>
                                <label for=rid>{a.label.clone()}</label>
                            </div>
                        }
                    }).collect_view()}
                    <div class="radio">
                        <input type="radio" name="address" id="address-not-listed" value="not-listed" checked=not_listed/>
                        <label for="address-not-listed">"My address is not listed"</label>
                    </div>
                </div>
                <div class=field_class(&e_address_text)>
                    <label for="address_text">"If your address is not listed, write it here"</label>
                    {field_error("address_text", e_address_text.clone())}
                    <textarea id="address_text" name="address_text" rows="2" maxlength="200" autocomplete="street-address">{form.address_text.clone()}</textarea>
                </div>
            </fieldset>
            <div class=field_class(&e_name)>
                <label for="name">"Full name"</label>
                <p class="hint" id="name-hint">"As it appears on the electoral register"</p>
                {field_error("name", e_name.clone())}
                <input type="text" id="name" name="name" autocomplete="name" maxlength="100" value=form.name.clone()
                    aria-describedby=if e_name.is_some() { "name-hint name-error" } else { "name-hint" }
                    aria-invalid=if e_name.is_some() { "true" } else { "false" }/>
            </div>
            <div class=field_class(&e_email)>
                <label for="email">"Email address"</label>
                <p class="hint" id="email-hint">"We will send you a link to confirm your signature. We never publish it."</p>
                {field_error("email", e_email.clone())}
                <input type="email" id="email" name="email" autocomplete="email" spellcheck="false" maxlength="254" value=form.email.clone()
                    aria-describedby=if e_email.is_some() { "email-hint email-error" } else { "email-hint" }
                    aria-invalid=if e_email.is_some() { "true" } else { "false" }/>
            </div>
            <div class=field_class(&e_declared)>
                {field_error("declared", e_declared.clone())}
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

#[component]
pub fn Signed() -> impl IntoView {
    let query = use_query_map();
    let id = petition_id();
    let review = move || query.read().get("review").is_some();
    view! {
        <Title text="Check your email"/>
        <div class="panel" role="status">
            <h1>"Check your email"</h1>
            <p>"We have sent you an email. Open the link in it and press Confirm to complete your signature."</p>
        </div>
        {move || review().then(|| view! {
            <p>"We could not match your name to the electoral register at the address you gave. After you confirm your email, an electoral officer will check your signature. It counts once they have."</p>
        })}
        <p>"If the email does not arrive within a few minutes, check your spam folder."</p>
        {move || id().map(|id| view! { <p><A href=format!("/petitions/{id}")>"Back to the petition"</A></p> })}
    }
}

fn token_param() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("token").unwrap_or_default()
}

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

fn confirmed_view(c: crate::post::Confirmed) -> impl IntoView {
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
        ConfirmKind::Closed => ("This petition is closed", "The petition closed before you confirmed, so your signature cannot be counted."),
        ConfirmKind::Paused => ("Signing is paused", "The electoral office has paused this petition for now, so nothing was confirmed. The deadline is extended by the time it is paused. Use the same link from your email again once it resumes."),
        ConfirmKind::Withdrawn => ("This signature was withdrawn", "This signature was withdrawn, so it cannot be confirmed. You can sign again while the petition is open."),
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

fn withdrawn_view(w: crate::post::Withdrawn) -> impl IntoView {
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
    fn numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(plural(1, "day left", "days left"), "1 day left");
        assert_eq!(plural(2, "day left", "days left"), "2 days left");
    }

    #[test]
    fn receipt_links_encode_everything_but_plain_characters() {
        let href = receipt_href("a b\n+/=");
        assert_eq!(href, "data:text/plain;charset=utf-8,a%20b%0A%2B%2F%3D");
    }
}
