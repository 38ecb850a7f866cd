//! Admins' page of accounts: who has access with which role, inviting someone, changing a role,
//! disabling an account, and starting an account's set-up again (a lost phone).

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;
use petition_core::officer::Role;

use crate::components::{problem_text, ErrorSummary, FieldError, TextField};
use crate::officer::api::officer_admin_accounts;
use crate::routes::officer::nav::OfficerNav;
use crate::routes::officer::sign_in::posted;

#[component]
pub fn Accounts() -> impl IntoView {
    let p = posted();
    let list = Resource::new(|| (), |_| officer_admin_accounts());
    let q = use_query_map();
    let notice = {
        let q = q.read_untracked();
        if q.get("invited").is_some() {
            Some("Invitation sent: the link in it works once, for 7 days.")
        } else if q.get("changed").is_some() {
            Some("The account has been changed.")
        } else {
            None
        }
    };
    let invite_errors: Vec<(String, String)> = p.errors.clone();
    view! {
        <Title text="Accounts: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        {notice.map(|n| view! { <div class="panel" role="status"><p>{n}</p></div> })}
        <ErrorSummary errors=invite_errors/>
        <h1>"Accounts"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                    Ok(all) => view! {
                        <div class="table-wrap">
                        <table data-testid="accounts">
                            <thead><tr><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"State"</th>
                                <th scope="col">"Made"</th><th scope="col">"Change"</th></tr></thead>
                            <tbody>
                                {all.into_iter().map(|a| {
                                    let disabled = a.state == "Disabled";
                                    view! {
                                    <tr data-email=a.email.clone()>
                                        <td id=format!("account-{}", a.id)>{a.email.clone()}</td><td>{a.role.code()}</td><td>{a.state.clone()}</td><td>{a.created.clone()}</td>
                                        <td>{(!disabled).then(|| view! {
                                            <form method="post" action=format!("/officer/accounts/{}/role", a.id) class="inline">
                                                <label for=format!("role-{}", a.id) class="visually-hidden">{format!("Role of {}", a.email)}</label>
                                                <select id=format!("role-{}", a.id) name="role">
                                                    {Role::ALL.into_iter().map(|r| view! { <option value=r.code() selected=r == a.role>{r.code()}</option> }).collect_view()}
                                                </select>
                                                <button type="submit" class="secondary">"Change role"</button>
                                            </form>
                                            <form method="post" action=format!("/officer/accounts/{}/set-up-again", a.id) class="inline">
                                                <input type="hidden" name="reason" value="lost authenticator or password"/>
                                                <button type="submit" class="secondary">"Set up again"</button>
                                            </form>
                                            <form method="post" action=format!("/officer/accounts/{}/disable", a.id) class="inline">
                                                <label for=format!("disable-reason-{}", a.id) class="visually-hidden">{format!("Why disable {}", a.email)}</label>
                                                <input type="text" id=format!("disable-reason-{}", a.id) name="reason" placeholder="Why (for example: left the council)"/>
                                                <button type="submit" class="warning">"Disable"</button>
                                            </form>
                                        }.into_any())}</td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
        <h2>"Invite someone"</h2>
        <form method="post" action="/officer/accounts">
            <TextField id="email" label="Their work email address" kind="email" value=p.value("email") error=p.error("email")
                no_spellcheck=true/>
            <fieldset id="role">
                <legend>"Role"</legend>
                <FieldError id="role" error=p.error("role")/>
                {Role::ALL.into_iter().rev().map(|r| {
                    let id = format!("role-new-{}", r.code());
                    view! {
                        <div class="radio">
                            <input type="radio" id=id.clone() name="role" value=r.code() checked=p.value("role") == r.code()/>
                            <label for=id>{r.describe()}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <button type="submit">"Send the invitation"</button>
        </form>
    }
}
