//! Uploading reference data: the form (what the file holds, and the file), then the upload's own
//! page with the report of the check, line by line, and the button that imports it. Nothing is
//! changed until that button is pressed.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use petition_core::reference::FileKind;

use crate::components::{petition_id, problem_text, thousands, ErrorSummary, FieldError};
use crate::officer::api::{officer_reference_upload, UploadReport, UploadView};
use crate::routes::officer::nav::OfficerNav;
use crate::routes::officer::sign_in::posted;

#[component]
pub fn UploadForm() -> impl IntoView {
    let p = posted();
    let chosen = p.value("kind");
    view! {
        <Title text="Upload reference data: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        <ErrorSummary errors=p.errors.clone()/>
        <p><a href="/officer/reference">"Back to the reference data"</a></p>
        <h1>"Upload reference data"</h1>
        <p>"The file is checked line by line against what is stored. You will see every problem, or what it would change, before anything is imported."</p>
        <form method="post" action="/officer/reference/upload" enctype="multipart/form-data">
            <div class=crate::components::field_class(&p.error("kind"))>
                <fieldset id="kind">
                    <legend>"What the file holds"</legend>
                    <FieldError id="kind" error=p.error("kind")/>
                    {FileKind::ALL.into_iter().map(|k| {
                        let id = format!("kind-{}", k.name());
                        view! {
                            <div class="radio">
                                <input type="radio" id=id.clone() name="kind" value=k.name() checked=chosen == k.name()/>
                                <label for=id>{k.describe()}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
            </div>
            <div class=crate::components::field_class(&p.error("file"))>
                <label for="file">"The file"</label>
                <p class="hint" id="file-hint">"CSV saved as UTF-8, in a layout the README lists for its kind."</p>
                <FieldError id="file" error=p.error("file")/>
                <input type="file" id="file" name="file" accept=".csv,.txt,text/csv" aria-describedby="file-hint"/>
            </div>
            <button type="submit">"Check the file"</button>
        </form>
    }
}

#[component]
pub fn UploadPage() -> impl IntoView {
    let id = petition_id();
    let p = posted();
    let upload = Resource::new(id, |id| async move {
        match id {
            Some(id) => officer_reference_upload(id).await,
            None => Ok(None),
        }
    });
    view! {
        <Title text="Reference data upload: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        <ErrorSummary errors=p.errors.clone()/>
        <p><a href="/officer/reference">"Back to the reference data"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match upload.await {
                    Err(e) => view! { <p>{problem_text(&e)}</p> }.into_any(),
                    Ok(None) => view! {
                        <h1>"There is no such upload"</h1>
                        <p>"Uploads are kept for a day. "<a href="/officer/reference/upload">"Upload the file again"</a>"."</p>
                    }.into_any(),
                    Ok(Some(u)) => upload_view(u).into_any(),
                }
            })}
        </Suspense>
    }
}

fn upload_view(u: UploadView) -> impl IntoView {
    let facts = view! {
        <dl class="figures" data-testid="upload-facts">
            <dt>"File"</dt><dd>{u.file_name.clone()}</dd>
            <dt>"Holds"</dt><dd>{u.kind_label.clone()}</dd>
            <dt>"Size"</dt><dd>{format!("{} bytes", thousands(u.bytes.max(0) as u64))}</dd>
            <dt>"SHA-256"</dt><dd><code>{u.sha256.clone()}</code></dd>
            <dt>"Uploaded"</dt><dd>{format!("{} by {}", u.uploaded_at, u.uploaded_by)}</dd>
        </dl>
    };
    let body = match (&u.imported_at, u.report) {
        (Some(at), UploadReport::Sound { rows, .. }) => view! {
            <h1>"Imported"</h1>
            <div class="panel" role="status" data-testid="upload-outcome">
                <p>{format!("{} row(s) from this file were imported on {at}.", thousands(rows.max(0) as u64))}</p>
            </div>
        }
        .into_any(),
        (_, UploadReport::Sound { rows, notes }) => view! {
            <h1>"Check the file, then import it"</h1>
            <div class="panel" data-testid="upload-outcome">
                <p>{format!("Every line is sound. Importing it writes {} row(s).", thousands(rows.max(0) as u64))}</p>
            </div>
            {(!notes.is_empty()).then(|| view! {
                <h2>"What importing it also does"</h2>
                <ul data-testid="upload-notes">{notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
            })}
            <form method="post" action=format!("/officer/reference/uploads/{}/import", u.id) id="import">
                <button type="submit">{format!("Import {} row(s)", thousands(rows.max(0) as u64))}</button>
            </form>
            <p><a href="/officer/reference/upload">"Upload a different file instead"</a></p>
        }
        .into_any(),
        (_, UploadReport::Problems { count, problems }) => {
            let shown = problems.len() as i64;
            view! {
                <h1>"The file cannot be imported"</h1>
                <div class="error-summary" role="alert" data-testid="upload-outcome">
                    <p>{format!("Nothing was imported: {} line problem(s). Correct them and upload the file again.", thousands(count.max(0) as u64))}</p>
                    {(count > shown).then(|| view! { <p>{format!("The first {shown} are listed.")}</p> })}
                </div>
                <div class="table-wrap"><table data-testid="upload-problems">
                    <caption>"Problems, by line (line 1 is the header)"</caption>
                    <thead><tr><th scope="col" class="num">"Line"</th><th scope="col">"Problem"</th></tr></thead>
                    <tbody>{problems.into_iter().map(|(line, problem)| view! {
                        <tr><td class="num">{line}</td><td>{problem}</td></tr>
                    }).collect_view()}</tbody>
                </table></div>
                <p><a href="/officer/reference/upload">"Upload a corrected file"</a></p>
            }
            .into_any()
        }
        (_, UploadReport::Refused(why)) => view! {
            <h1>"The file cannot be imported"</h1>
            <div class="error-summary" role="alert" data-testid="upload-outcome"><p>{format!("Nothing was imported: {why}.")}</p></div>
            <p><a href="/officer/reference/upload">"Upload a different file"</a></p>
        }
        .into_any(),
        (_, UploadReport::Empty) => view! {
            <h1>"The file has no rows"</h1>
            <div class="error-summary" role="alert" data-testid="upload-outcome"><p>"It has a header line and nothing under it, so there is nothing to import."</p></div>
            <p><a href="/officer/reference/upload">"Upload a different file"</a></p>
        }
        .into_any(),
    };
    view! { {body} {facts} }
}
