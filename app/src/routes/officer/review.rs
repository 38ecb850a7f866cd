//! The review queue: signers who could not be matched to the register, oldest first, each with
//! what the register holds at their address and near their name, and why none matched; approve
//! (it counts) or reject with a reason. Keyboard: every action is a form button in reading
//! order, and after each the page comes back to the queue.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;
use petition_core::engine::StrikeReason;

use crate::components::problem_text;
use crate::officer::api::officer_review;
use crate::routes::officer::nav::{may_act, OfficerNav};
use crate::routes::officer::signatures::strike_reason_label;

#[component]
pub fn Review() -> impl IntoView {
    let q = use_query_map();
    let get = move |k: &str| q.read().get(k).unwrap_or_default();
    let items = Resource::new(
        move || (get("petition"), get("ward"), get("page").parse::<i64>().unwrap_or(0)),
        |(p, w, n)| officer_review(p, w, n),
    );
    let act = may_act();
    let done = q
        .read_untracked()
        .get("done")
        .map(|d| format!("Signature {}: {d}.", q.read_untracked().get("signature").unwrap_or_default()));
    view! {
        <Title text="Review queue: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        {done.map(|d| view! { <div class="panel" role="status" data-testid="done"><p>{d}</p></div> })}
        <h1>"Review queue"</h1>
        <p>"Signatures confirmed by their signers that could not be matched to the electoral register. They do not count until approved."</p>
        <form method="get" action="/officer/review" class="filters">
            <div class="field"><label for="petition">"Petition number"</label>
                <input type="text" id="petition" name="petition" class="short" inputmode="numeric" value=move || get("petition")/></div>
            <div class="field"><label for="ward">"Ward code"</label>
                <input type="text" id="ward" name="ward" class="short" value=move || get("ward")/></div>
            <button type="submit" class="secondary">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let may = act.await;
                match items.await {
                    Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p data-testid="review-empty">"Nothing awaits review."</p> }.into_any(),
                    Ok(list) => {
                        let back = format!("/officer/review?petition={}&ward={}", get("petition").chars().filter(char::is_ascii_digit).collect::<String>(),
                            get("ward").chars().filter(char::is_ascii_alphanumeric).collect::<String>());
                        list.into_iter().map(|item| {
                            let back = back.clone();
                            let id = item.id;
                            view! {
                                <section class="review-item" data-signature=id.to_string()>
                                    <h2>{format!("Signature {id} (petition {})", item.petition_id)}</h2>
                                    <dl class="figures">
                                        <dt>"Name given"</dt><dd>{item.name.clone()}</dd>
                                        <dt>"Address given"</dt><dd>{format!("{}, {}{}", item.address, item.postcode,
                                            if item.address_listed { "" } else { " (typed: not chosen from the list)" })}</dd>
                                        <dt>"Ward"</dt><dd>{item.ward.clone()}</dd>
                                        <dt>"Confirmed"</dt><dd>{item.confirmed.clone().unwrap_or_default()}</dd>
                                    </dl>
                                    {if item.register.is_empty() {
                                        view! { <p>"The register has nobody at this address or with this surname at this postcode."</p> }.into_any()
                                    } else {
                                        view! {
                                            <table>
                                                <thead><tr><th scope="col">"Register entry"</th><th scope="col">"Name on the register"</th>
                                                    <th scope="col">"Why it did not match"</th></tr></thead>
                                                <tbody>
                                                    {item.register.into_iter().map(|e| view! {
                                                        <tr><td>{e.elector_number}{e.at_property.then_some(" (at this address)")}</td>
                                                            <td>{e.name}</td><td>{e.why_not}</td></tr>
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        }.into_any()
                                    }}
                                    {may.then(|| view! {
                                        <form method="post" action=format!("/officer/signatures/{id}/approve") class="inline">
                                            <input type="hidden" name="back" value=back.clone()/>
                                            <input type="hidden" name="note" value="matched to the register by an officer"/>
                                            <button type="submit">"Approve…"</button>
                                        </form>
                                        <form method="post" action=format!("/officer/signatures/{id}/strike") class="row-form">
                                            <input type="hidden" name="back" value=back.clone()/>
                                            <label for=format!("reason-{id}")>"Reject because"</label>
                                            <select id=format!("reason-{id}") name="reason">
                                                {StrikeReason::for_officers().map(|r| view! { <option value=r.code()>{strike_reason_label(r)}</option> }).collect_view()}
                                            </select>
                                            <label for=format!("note-{id}")>"Why (for the audit trail)"</label>
                                            <input type="text" id=format!("note-{id}") name="note"/>
                                            <button type="submit" class="warning">"Reject…"</button>
                                        </form>
                                    }.into_any())}
                                </section>
                            }.into_any()
                        }).collect_view().into_any()
                    }
                }
            })}
        </Suspense>
    }
}
