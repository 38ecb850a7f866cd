//! `/petitions/:id/signed`: after signing, check your email.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::components::petition_id;

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
