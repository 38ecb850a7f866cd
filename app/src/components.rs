//! What the pages share: numbers in words, the error summary, form fields with their hints and
//! errors, and the hooks that read a route's parameters and a form post's answer.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::post::PostResult;

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

/// "1 day left", "2 days left".
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// The result of the form post that produced this page, if any. Read on the server: the pages
/// that show it are not islands, so it is never sent to the browser as data.
pub fn post_result() -> PostResult {
    use_context::<PostResult>().unwrap_or_default()
}

/// A server function's failure in words for the page.
pub fn problem_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        _ => "Something went wrong. Please try again in a moment.".to_string(),
    }
}

/// The `:id` of a petition route, when it is a petition number.
pub fn petition_id() -> impl Fn() -> Option<i64> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).filter(|id| *id > 0)
}

/// The `:token` of a link route.
pub fn token_param() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("token").unwrap_or_default()
}

/// The list of problems at the top of a form, each linking to its field (GOV.UK's error summary).
#[component]
pub fn ErrorSummary(errors: Vec<(String, String)>) -> impl IntoView {
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

/// The class of a field's wrapper: marked when it has an error.
pub fn field_class(error: &Option<String>) -> &'static str {
    if error.is_some() {
        "field has-error"
    } else {
        "field"
    }
}

/// A field's error message, where a screen reader announces it as one.
#[component]
pub fn FieldError(id: &'static str, error: Option<String>) -> impl IntoView {
    error.map(|m| {
        view! { <p class="field-error" id=format!("{id}-error")><span class="visually-hidden">"Error: "</span>{m}</p> }
    })
}

/// What a field's input is described by: its hint and its error, by id.
fn described_by(id: &str, hint: bool, error: bool) -> Option<String> {
    let ids: Vec<String> = [(hint, "hint"), (error, "error")]
        .into_iter()
        .filter(|(shown, _)| *shown)
        .map(|(_, what)| format!("{id}-{what}"))
        .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled one-line input with its hint and error: the label names it, the hint and error
/// describe it, and it says whether it is invalid. The field's name is its id.
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    /// The problem with what was given, shown beside the field; `None` when there is none.
    #[prop(default = None)]
    error: Option<String>,
    #[prop(default = String::new(), into)] value: String,
    /// The input's `type`: `text`, `email`.
    #[prop(default = "text")]
    kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] class: Option<&'static str>,
    #[prop(optional)] maxlength: Option<usize>,
    /// For codes and addresses a spelling checker would only mark wrong.
    #[prop(default = false)]
    no_spellcheck: bool,
) -> impl IntoView {
    let invalid = if error.is_some() { "true" } else { "false" };
    let described = described_by(id, hint.is_some(), error.is_some());
    view! {
        <div class=field_class(&error)>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <FieldError id=id error=error.clone()/>
            <input type=kind id=id name=id class=class autocomplete=autocomplete
                spellcheck=no_spellcheck.then_some("false") maxlength=maxlength.map(|m| m.to_string()) value=value
                aria-describedby=described aria-invalid=invalid/>
        </div>
    }
}

/// A labelled multi-line input with its hint and error, described and marked invalid as
/// [`TextField`] is. The field's name is its id.
#[component]
pub fn TextArea(
    id: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = None)] error: Option<String>,
    #[prop(default = String::new(), into)] value: String,
    #[prop(default = 4)] rows: u32,
    #[prop(optional)] maxlength: Option<usize>,
) -> impl IntoView {
    let invalid = if error.is_some() { "true" } else { "false" };
    let described = described_by(id, hint.is_some(), error.is_some());
    view! {
        <div class=field_class(&error)>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <FieldError id=id error=error.clone()/>
            <textarea id=id name=id rows=rows.to_string() maxlength=maxlength.map(|m| m.to_string())
                aria-describedby=described aria-invalid=invalid>{value}</textarea>
        </div>
    }
}

/// "Your address": the gazetteer's addresses at a postcode as radios, "My address is not listed",
/// and the box to write it in, with their errors (the sign, start and sponsor forms).
#[component]
pub fn AddressField(
    postcode: String,
    addresses: Vec<petition_core::views::AddressOption>,
    /// The radio chosen before (a UPRN or `not-listed`), and the address as written.
    #[prop(into)]
    chosen: String,
    #[prop(into)] written: String,
    error: Option<String>,
    written_error: Option<String>,
    /// Where "Change postcode" goes.
    change: String,
) -> impl IntoView {
    view! {
        <fieldset class=field_class(&error) id="address" aria-describedby=error.as_ref().map(|_| "address-error")>
            <legend>"Your address"</legend>
            <p class="hint">{format!("Addresses at {postcode}. ")}<a href=change>"Change postcode"</a></p>
            <FieldError id="address" error=error.clone()/>
            <div class="radios">
                {addresses.into_iter().enumerate().map(|(i, a)| {
                    let rid = format!("address-{i}");
                    view! {
                        <div class="radio">
                            <input type="radio" name="address" id=rid.clone() value=a.uprn.clone() checked=chosen == a.uprn/>
                            <label for=rid>{a.label}</label>
                        </div>
                    }
                }).collect_view()}
                <div class="radio">
                    <input type="radio" name="address" id="address-not-listed" value="not-listed" checked=chosen == "not-listed"/>
                    <label for="address-not-listed">"My address is not listed"</label>
                </div>
            </div>
            <div class=field_class(&written_error)>
                <label for="address_text">"If your address is not listed, write it here"</label>
                <FieldError id="address_text" error=written_error.clone()/>
                <textarea id="address_text" name="address_text" rows="2"
                    maxlength=petition_core::address::AddressChoice::MAX_WRITTEN.to_string() autocomplete="street-address">{written}</textarea>
            </div>
        </fieldset>
    }
}

/// A labelled password input with its hint and error. Its value is never shown again.
#[component]
pub fn PasswordField(
    id: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = None)] error: Option<String>,
    /// `current-password` or `new-password`.
    autocomplete: &'static str,
) -> impl IntoView {
    let invalid = if error.is_some() { "true" } else { "false" };
    let described = described_by(id, hint.is_some(), error.is_some());
    view! {
        <div class=field_class(&error)>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <FieldError id=id error=error.clone()/>
            <input type="password" id=id name=id autocomplete=autocomplete aria-describedby=described aria-invalid=invalid/>
        </div>
    }
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
    fn an_input_is_described_by_what_is_shown() {
        assert_eq!(described_by("name", true, true).as_deref(), Some("name-hint name-error"));
        assert_eq!(described_by("name", true, false).as_deref(), Some("name-hint"));
        assert_eq!(described_by("postcode", false, true).as_deref(), Some("postcode-error"));
        assert_eq!(described_by("postcode", false, false), None);
    }
}
