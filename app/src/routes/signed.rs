//! `/petitions/:id/signed`: after signing, check your email.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::petition_id;

#[component]
pub fn Signed() -> impl IntoView {
    let id = petition_id();
    view! {
        <Title text="Check your email"/>
        <div class="panel" role="status">
            <h1>"Check your email"</h1>
            <p>"We have sent you an email. Open the link in it and press Confirm to complete your signature."</p>
        </div>
        <p>"Once you confirm, we tell you whether your signature counts straight away or an electoral officer needs to check it against the register first."</p>
        <p>"If the email does not arrive within a few minutes, check your spam folder."</p>
        {move || id().map(|id| view! { <p><A href=format!("/petitions/{id}")>"Back to the petition"</A></p> })}
    }
}
