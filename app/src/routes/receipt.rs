//! Checking a receipt: paste it and the server checks it against the transparency log (works
//! without JavaScript); with JavaScript, the browser can check it too, itself, with the same
//! verification code compiled to WebAssembly, from the log's published files alone.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::post::{PostResult, ReceiptVerdict};

fn verdict_text(v: &ReceiptVerdict) -> String {
    match v {
        ReceiptVerdict::Counted { index, size } => format!(
            "Your signature is in the published log (entry {index} of {size}) and counts: it has not been struck."
        ),
        ReceiptVerdict::Struck { index, size, reason } => format!(
            "Your signature is in the published log (entry {index} of {size}) but it was struck, for this reason: {reason}. Contact the electoral office if you think this is wrong."
        ),
        ReceiptVerdict::NotYet => "Your signature is not in the published log yet. Signatures are added within seconds of being counted; signatures awaiting an officer's check are added once they are approved. Try again later.".into(),
        ReceiptVerdict::Invalid(why) => why.clone(),
    }
}

#[component]
pub fn ReceiptPage() -> impl IntoView {
    let posted = crate::components::post_result();
    let (text, verdict) = match posted {
        PostResult::Receipt(c) => (c.receipt, Some(c.verdict)),
        _ => (String::new(), None),
    };
    let invalid = matches!(verdict, Some(ReceiptVerdict::Invalid(_)));
    view! {
        <Title text="Check your receipt"/>
        <h1>"Check your receipt"</h1>
        <p>"When you confirmed your signature you were given a receipt. Paste it here to check that your signature is in the published log of signatures and whether it still counts. The receipt does not say who you are."</p>
        {invalid.then(|| view! {
            <div class="error-summary" role="alert" tabindex="-1">
                <h2>"There is a problem"</h2>
                <ul><li><a href="#receipt">{verdict.as_ref().map(verdict_text).unwrap_or_default()}</a></li></ul>
            </div>
        })}
        {verdict.clone().filter(|_| !invalid).map(|v| view! {
            <div class="panel" role="status" data-testid="server-check">
                <h2>"What the log says"</h2>
                <p>{verdict_text(&v)}</p>
            </div>
        })}
        <ReceiptForm text invalid/>
        <p class="hint">"Checking in this browser uses only the log's public files and the log's key; nothing about your receipt is sent except its anonymous commitment."</p>
    }
}

/// The receipt form. An island: with JavaScript, its second button checks the receipt in the
/// browser itself, with the log's verification code compiled to WebAssembly.
#[island]
fn ReceiptForm(text: String, invalid: bool) -> impl IntoView {
    let receipt = RwSignal::new(text);
    let browser = RwSignal::new(None::<String>);
    let check_here = move |_| {
        browser.set(Some("Checking…".into()));
        #[cfg(feature = "hydrate")]
        {
            let text = receipt.get_untracked();
            leptos::task::spawn_local(async move {
                let v = browser_check::check(&text).await;
                browser.set(Some(verdict_text(&v)));
            });
        }
    };
    view! {
        <form method="post" action="/receipt">
            <div class=if invalid { "field has-error" } else { "field" }>
                <label for="receipt">"Your receipt"</label>
                <p class="hint">"Five lines, starting petition-receipt/v1. Open the file you downloaded and copy all of it."</p>
                <textarea id="receipt" name="receipt" rows="6" spellcheck="false" autocomplete="off"
                    aria-invalid=if invalid { "true" } else { "false" }
                    prop:value=move || receipt.get()
                    on:input=move |ev| receipt.set(event_target_value(&ev))>{receipt.get_untracked()}</textarea>
            </div>
            <button type="submit">"Check my receipt"</button>
            " "
            <button type="button" class="secondary" data-testid="check-here" on:click=check_here>"Check it in this browser instead"</button>
        </form>
        {move || browser.get().map(|t| view! { <p role="status" data-testid="browser-check">{t}</p> })}
    }
}

#[cfg(feature = "hydrate")]
mod browser_check {
    use super::ReceiptVerdict;
    use base64::Engine;
    use petition_tlog::note::VerifierKey;
    use petition_tlog::proof::{strike_of, verify_receipt, LogProof};
    use petition_tlog::receipt::Receipt;
    use petition_tlog::tile::{decode_bundle, Tile};

    async fn get(path: &str) -> Result<Option<Vec<u8>>, String> {
        let r = gloo_net::http::Request::get(path).send().await.map_err(|e| format!("could not reach the log: {e}"))?;
        if r.status() == 404 {
            return Ok(None);
        }
        if !r.ok() {
            return Err(format!("the log answered {}", r.status()));
        }
        r.binary().await.map(Some).map_err(|e| format!("could not read the log: {e}"))
    }

    pub async fn check(text: &str) -> ReceiptVerdict {
        match run(text).await {
            Ok(v) => v,
            Err(why) => ReceiptVerdict::Invalid(why),
        }
    }

    async fn run(text: &str) -> Result<ReceiptVerdict, String> {
        let receipt = Receipt::parse(&text.replace("\r\n", "\n"))
            .map_err(|e| format!("That is not a receipt ({e}). Copy all five lines."))?;
        let keys = String::from_utf8(get("/log/keys").await?.ok_or("the log publishes no keys")?)
            .map_err(|_| "the keys are not text")?;
        let key =
            VerifierKey::parse(keys.lines().next().unwrap_or_default()).map_err(|e| format!("the log key: {e}"))?;
        let commit =
            base64::engine::general_purpose::STANDARD.decode(receipt.commitment()).map_err(|_| "commitment")?;
        let path = format!(
            "/log/proof/{}/{}",
            receipt.petition_id,
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(commit)
        );
        let Some(proof) = get(&path).await? else { return Ok(ReceiptVerdict::NotYet) };
        let proof = LogProof::parse(&String::from_utf8_lossy(&proof)).map_err(|e| e.to_string())?;
        let (index, _, cp) = verify_receipt(&proof, &receipt, &key, key.name())
            .map_err(|e| format!("The log's proof does not check out: {e}"))?;
        // Strikes come after the signature: read the entry bundles from its tile to the end.
        let mut later: Vec<Vec<u8>> = Vec::new();
        for t in Tile::all_at(0, cp.size).filter(|t| t.index >= index / 256) {
            let bundle = get(&format!("/log/{}", t.entries_path())).await?.ok_or("an entry bundle is missing")?;
            later.extend(decode_bundle(&bundle).ok_or("an entry bundle is malformed")?.into_iter().map(<[u8]>::to_vec));
        }
        Ok(match strike_of(index, later.iter().map(Vec::as_slice)) {
            None => ReceiptVerdict::Counted { index, size: cp.size },
            Some(r) => ReceiptVerdict::Struck { index, size: cp.size, reason: r.code().into() },
        })
    }
}
