//! The reference data loaded: areas, postcodes, the gazetteer, the register by polling district,
//! electorates and verification numbers with their dates; and, for officers who may change
//! things, the way to upload more (`upload.rs`).

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::components::{problem_text, thousands};
use crate::officer::api::{officer_reference, officer_reference_upload, UploadReport};
use crate::routes::officer::nav::{may_act, OfficerNav};

#[component]
pub fn Reference() -> impl IntoView {
    let data = Resource::new(|| (), |_| officer_reference());
    let act = may_act();
    let imported_id =
        leptos_router::hooks::use_query_map().get_untracked().get("imported").and_then(|v| v.parse::<i64>().ok());
    let imported = Resource::new(
        move || imported_id,
        |id| async move {
            match id {
                Some(id) => officer_reference_upload(id).await.ok().flatten(),
                None => None,
            }
        },
    );
    view! {
        <Title text="Reference data: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                imported.await.and_then(|u| match u.report {
                    UploadReport::Sound { rows, .. } if u.imported_at.is_some() => Some(view! {
                        <div class="panel" role="status" data-testid="done">
                            <p>{format!("Imported {} row(s) from {} ({}).", thousands(rows.max(0) as u64), u.file_name, u.kind)}</p>
                        </div>
                    }),
                    _ => None,
                })
            })}
        </Suspense>
        <h1>"Reference data"</h1>
        <p>"What the site checks signers against. Files are uploaded here, or loaded at the server with "<code>"petitions import"</code>" (see the README)."</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                act.await.then(|| view! { <p><a href="/officer/reference/upload" class="button">"Upload a file"</a></p> })
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                    Ok(d) => view! {
                        <h2>"Areas, postcodes and addresses"</h2>
                        <dl class="figures" data-testid="reference-counts">
                            {d.areas.into_iter().map(|(kind, n)| view! { <dt>{format!("Areas: {kind}")}</dt><dd>{thousands(n)}</dd> }).collect_view()}
                            <dt>"Postcodes in use"</dt><dd>{thousands(d.postcodes_live)}</dd>
                            <dt>"Postcodes terminated"</dt><dd>{thousands(d.postcodes_terminated)}</dd>
                            <dt>"Addresses (gazetteer)"</dt><dd>{thousands(d.addresses)}</dd>
                        </dl>
                        <h2>"Electoral register, by polling district"</h2>
                        <div class="table-wrap"><table data-testid="register">
                            <thead><tr><th scope="col">"Polling district"</th><th scope="col" class="num">"Electors"</th>
                                <th scope="col" class="num">"Local government electors"</th><th scope="col" class="num">"Left in later registers"</th></tr></thead>
                            <tbody>{d.register.into_iter().map(|(pd, now, local, left)| view! {
                                <tr><td>{pd}</td><td class="num">{thousands(now)}</td><td class="num">{thousands(local)}</td><td class="num">{thousands(left)}</td></tr>
                            }.into_any()).collect_view()}</tbody>
                        </table></div>
                        <h2>"Electorates"</h2>
                        <div class="table-wrap"><table data-testid="electorates">
                            <thead><tr><th scope="col">"Area"</th><th scope="col">"Register of"</th><th scope="col" class="num">"Electorate"</th></tr></thead>
                            <tbody>{d.electorates.into_iter().map(|(code, name, date, n)| view! {
                                <tr><td>{format!("{name} ({code})")}</td><td>{date}</td><td class="num">{thousands(n)}</td></tr>
                            }.into_any()).collect_view()}</tbody>
                        </table></div>
                        <h2>"Verification numbers"</h2>
                        <div class="table-wrap"><table data-testid="verification-numbers">
                            <thead><tr><th scope="col">"Area"</th><th scope="col" class="num">"Number"</th><th scope="col">"In force from"</th><th scope="col">"To"</th></tr></thead>
                            <tbody>{d.verification_numbers.into_iter().map(|(code, name, n, from, to)| view! {
                                <tr><td>{format!("{name} ({code})")}</td><td class="num">{thousands(n)}</td><td>{from}</td><td>{to}</td></tr>
                            }.into_any()).collect_view()}</tbody>
                        </table></div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
