//! The officer pages' header: who is signed in, where they can go, and signing out.

use leptos::prelude::*;
use leptos_router::components::A;
use petition_core::officer::Capability;

use crate::officer::api::officer_me;

#[component]
pub fn OfficerNav() -> impl IntoView {
    let me = Resource::new(|| (), |_| officer_me());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                me.await.ok().map(|m| view! {
                    <nav class="officer-nav" aria-label="Officer pages">
                        <p class="meta" data-testid="signed-in-as">{format!("Signed in as {} ({})", m.email, m.role.code())}</p>
                        <ul>
                            <li><A href="/officer">"Petitions"</A></li>
                            <li><A href="/officer/moderation">"Waiting to open"</A></li>
                            <li><A href="/officer/review">"Review queue"</A></li>
                            <li><A href="/officer/reference">"Reference data"</A></li>
                            <li><A href="/officer/settings">"Settings"</A></li>
                            <li><A href="/officer/account">"Your account"</A></li>
                            {m.role.may(Capability::Administer).then(|| view! {
                                <li><A href="/officer/accounts">"Accounts"</A></li>
                                <li><A href="/officer/audit">"Audit trail"</A></li>
                            })}
                            <li>
                                <form method="post" action="/officer/sign-out" class="inline">
                                    <button type="submit" class="link">"Sign out"</button>
                                </form>
                            </li>
                        </ul>
                    </nav>
                })
            })}
        </Suspense>
    }
}

/// Whether the signed-in officer may change things (officer or admin), for showing forms.
pub fn may_act() -> Resource<bool> {
    Resource::new(|| (), |_| async { officer_me().await.map(|m| m.role.may(Capability::Act)).unwrap_or(false) })
}
