//! Striking in bulk by a selection the office can justify: an email domain, confirmation days, a
//! ward, or a list of signature references (typed, pasted or read from a file). The next page
//! shows how many and in which wards before anything is struck.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use petition_core::engine::StrikeReason;

use crate::components::{petition_id, ErrorSummary, FieldError};
use crate::routes::officer::nav::OfficerNav;
use crate::routes::officer::sign_in::posted;
use crate::routes::officer::signatures::strike_reason_label;

#[component]
pub fn Bulk() -> impl IntoView {
    let p = posted();
    let id = petition_id();
    let by = p.value("by");
    let radio = move |value: &'static str, label: &'static str| {
        let id = format!("by-{value}");
        view! {
            <div class="radio">
                <input type="radio" id=id.clone() name="by" value=value checked=by == value/>
                <label for=id>{label}</label>
            </div>
        }
    };
    view! {
        <Title text="Strike in bulk: officers"/>
        <Meta name="robots" content="noindex"/>
        <OfficerNav/>
        <ErrorSummary errors=p.errors.clone()/>
        <p><a href=move || format!("/officer/petitions/{}", id().unwrap_or(0))>"Back to the petition"</a></p>
        <h1>{move || format!("Strike signatures of petition {} in bulk", id().unwrap_or(0))}</h1>
        <p>"Every signature selected that counts or awaits review is struck, each with its own entry in the published log and the audit trail. You will see how many, and where, before anything changes."</p>
        <form method="post" action=move || format!("/officer/petitions/{}/bulk", id().unwrap_or(0)) enctype="multipart/form-data">
            <fieldset id="by">
                <legend>"Select by"</legend>
                <FieldError id="by" error=p.error("by")/>
                {radio("domain", "Email domain")}
                <div class="field"><label for="domain">"Domain, like example.org"</label>
                    <FieldError id="domain" error=p.error("domain")/>
                    <input type="text" id="domain" name="domain" value=p.value("domain")/></div>
                {radio("time", "Days confirmed (UK time, both days included)")}
                <div class="field"><label for="from">"First day"</label>
                    <FieldError id="from" error=p.error("from")/>
                    <input type="date" id="from" name="from" value=p.value("from")/></div>
                <div class="field"><label for="to">"Last day"</label>
                    <input type="date" id="to" name="to" value=p.value("to")/></div>
                {radio("ward", "Ward")}
                <div class="field"><label for="ward">"Ward code, like E05012345"</label>
                    <FieldError id="ward" error=p.error("ward")/>
                    <input type="text" id="ward" name="ward" class="short" value=p.value("ward")/></div>
                {radio("list", "A list of signature references")}
                <div class="field"><label for="references">"References, one a line (or separated by commas)"</label>
                    <FieldError id="references" error=p.error("references")/>
                    <textarea id="references" name="references" rows="6">{p.value("references")}</textarea></div>
                <div class="field"><label for="references_file">"Or a file of them"</label>
                    <p class="hint" id="references_file-hint">"A list, one a line, or a CSV file with a reference column, such as the signatures download with every other row deleted (rows hidden by a filter are still saved)."</p>
                    <FieldError id="references_file" error=p.error("references_file")/>
                    <input type="file" id="references_file" name="references_file" accept=".csv,.txt,text/csv,text/plain" aria-describedby="references_file-hint"/></div>
            </fieldset>
            <div class=crate::components::field_class(&p.error("reason"))>
                <label for="reason">"Reason"</label>
                <FieldError id="reason" error=p.error("reason")/>
                <select id="reason" name="reason">
                    <option value="">"Choose a reason"</option>
                    {StrikeReason::for_officers().map(|r| view! {
                        <option value=r.code() selected=p.value("reason") == r.code()>{strike_reason_label(r)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class=crate::components::field_class(&p.error("note"))>
                <label for="note">"Why (for the audit trail)"</label>
                <FieldError id="note" error=p.error("note")/>
                <input type="text" id="note" name="note" value=p.value("note")/>
            </div>
            <button type="submit" class="warning">"Check what this strikes"</button>
        </form>
    }
}
