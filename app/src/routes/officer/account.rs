//! An officer's own account: their sessions, each of which they can end, and signing out
//! everywhere else.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::components::problem_text;
use crate::officer::api::officer_sessions;
use crate::routes::officer::nav::OfficerNav;

#[component]
pub fn Account() -> impl IntoView {
    let sessions = Resource::new(|| (), |_| officer_sessions());
    let q = use_query_map();
    let (ended, low) = {
        let q = q.read_untracked();
        (q.get("ended"), q.get("codes").is_some())
    };
    view! {
        <Title text="Your account: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        {low.then(|| view! {
            <div class="error-summary" role="alert"><h2>"You have fewer than 3 recovery codes left"</h2>
            <p>"Ask an admin to set your account up again to get new ones, while you still can sign in."</p></div>
        })}
        {ended.map(|n| view! { <div class="panel" role="status"><p>{format!("Sessions ended: {n}.")}</p></div> })}
        <h1>"Your account"</h1>
        <h2>"Where you are signed in"</h2>
        <p>"A session ends after 30 minutes without use, and 12 hours after signing in, unless the site is set otherwise."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match sessions.await {
                    Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                        <table data-testid="sessions">
                            <thead><tr><th scope="col">"Browser"</th><th scope="col">"Signed in"</th><th scope="col">"Last used"</th>
                                <th scope="col">"Ends at the latest"</th><th scope="col"><span class="visually-hidden">"Action"</span></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|s| view! {
                                    <tr>
                                        <td>{s.device.clone()}{s.this_one.then_some(" (this one)")}</td>
                                        <td>{s.started}</td><td>{s.last_seen}</td><td>{s.ends}</td>
                                        <td>{(!s.this_one).then(|| view! {
                                            <form method="post" action=format!("/officer/account/sessions/{}/end", s.id) class="inline">
                                                <button type="submit" class="secondary">"End this session"</button>
                                            </form>
                                        })}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
        <form method="post" action="/officer/account/sign-out-everywhere">
            <button type="submit" class="secondary">"Sign out everywhere else"</button>
        </form>
        <p>"To change your password, sign out and use "<a href="/officer/forgot-password">"Forgotten your password?"</a>"."</p>
    }
}
