//! The officer pages' server functions. Every one checks the signed-in officer's role itself
//! (the server's gate has checked it once already, by path); names start with `officer` (or
//! `officer_admin`) so that the gate knows them.

use leptos::prelude::*;
use petition_core::officer::Role;
use petition_core::views::{AuditEntry, OfficerPetition, SignerRow, VerificationView};
use serde::{Deserialize, Serialize};

/// Who is signed in, for the page's header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: i64,
    pub device: String,
    pub started: String,
    pub last_seen: String,
    pub ends: String,
    pub this_one: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub state: String,
    pub created: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetUpView {
    pub email: String,
    /// The TOTP secret, for typing into an app, in groups of four.
    pub secret: String,
    /// The `otpauth://` address as a QR code: an SVG image's `data:` URL.
    pub qr: String,
}

#[cfg(feature = "ssr")]
mod guard {
    use leptos::prelude::*;
    use petition_core::officer::Capability;
    use petition_store::audit::SignedIn;

    /// The signed-in officer, if their role has the capability.
    pub fn officer(need: Capability) -> Result<SignedIn, ServerFnError> {
        let who = use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<SignedIn>().cloned());
        match who {
            Some(w) if w.role.may(need) => Ok(w),
            Some(_) => Err(ServerFnError::new("Your account's role does not include this.")),
            None => Err(ServerFnError::new("Sign in to continue.")),
        }
    }

    pub fn state() -> Result<crate::state::AppState, ServerFnError> {
        use_context::<crate::state::AppState>().ok_or_else(|| ServerFnError::new("server state missing"))
    }

    pub fn internal(e: impl std::fmt::Display) -> ServerFnError {
        tracing::error!("database error: {e}");
        ServerFnError::new("Something went wrong on our side. Please try again in a moment.")
    }

    pub fn audit_view(r: petition_store::audit::AuditRow) -> petition_core::views::AuditEntry {
        petition_core::views::AuditEntry {
            id: r.id,
            at: petition_store::time::moment_label(r.at),
            actor: r.actor,
            action: r.action,
            petition_id: r.petition_id,
            subject: r.subject,
            reason: r.reason,
            detail: r.detail,
        }
    }
}

#[server]
pub async fn officer_me() -> Result<Me, ServerFnError> {
    let w = guard::officer(petition_core::officer::Capability::Read)?;
    Ok(Me { email: w.email, role: w.role })
}

#[server]
pub async fn officer_petitions() -> Result<Vec<OfficerPetition>, ServerFnError> {
    guard::officer(petition_core::officer::Capability::Read)?;
    let st = guard::state()?;
    petition_store::read::officer::petitions(&st.db, petition_store::now()).await.map_err(guard::internal)
}

#[server]
pub async fn officer_petition_page(id: i64) -> Result<Option<(OfficerPetition, Vec<AuditEntry>)>, ServerFnError> {
    guard::officer(petition_core::officer::Capability::Read)?;
    let st = guard::state()?;
    let Some(p) =
        petition_store::read::officer::petition(&st.db, id, petition_store::now()).await.map_err(guard::internal)?
    else {
        return Ok(None);
    };
    let search = petition_store::audit::Search { petition_id: Some(id), ..Default::default() };
    let trail = petition_store::audit::search(&st.db, &search).await.map_err(guard::internal)?;
    Ok(Some((p, trail.into_iter().map(guard::audit_view).collect())))
}

#[server]
pub async fn officer_verification(id: i64) -> Result<Option<VerificationView>, ServerFnError> {
    guard::officer(petition_core::officer::Capability::Read)?;
    let st = guard::state()?;
    petition_store::read::verification::page(&st.db, id, petition_store::now()).await.map_err(guard::internal)
}

#[server]
pub async fn officer_signers(id: i64, show: String, text: String, page: i64) -> Result<Vec<SignerRow>, ServerFnError> {
    guard::officer(petition_core::officer::Capability::Read)?;
    let st = guard::state()?;
    let filter = petition_store::read::signers::Filter { show, text: text.chars().take(100).collect(), page };
    petition_store::read::signers::signers(&st.db, id, &filter).await.map_err(guard::internal)
}

#[server]
pub async fn officer_sessions() -> Result<Vec<SessionView>, ServerFnError> {
    use petition_store::time::moment_label;
    let w = guard::officer(petition_core::officer::Capability::Read)?;
    let st = guard::state()?;
    let policy = st.officer_sessions().await.map_err(guard::internal)?;
    let rows = petition_store::officers::sessions::list(&st.db, w.account_id, policy, petition_store::now())
        .await
        .map_err(guard::internal)?;
    Ok(rows
        .into_iter()
        .map(|r| SessionView {
            id: r.id,
            device: r.device,
            started: moment_label(r.created_at),
            last_seen: moment_label(r.last_seen_at),
            ends: moment_label(r.ends_at),
            this_one: r.id == w.session_id,
        })
        .collect())
}

#[server]
pub async fn officer_admin_accounts() -> Result<Vec<AccountView>, ServerFnError> {
    guard::officer(petition_core::officer::Capability::Administer)?;
    let st = guard::state()?;
    let all = petition_store::officers::accounts::list(&st.db).await.map_err(guard::internal)?;
    Ok(all
        .into_iter()
        .map(|a| AccountView {
            id: a.id,
            state: match (a.disabled_at, a.set_up_at) {
                (Some(_), _) => "Disabled".into(),
                (None, Some(_)) => "Active".into(),
                (None, None) => "Invited: not set up yet".into(),
            },
            email: a.email,
            role: a.role,
            created: petition_store::time::moment_label(a.created_at),
        })
        .collect())
}

#[server]
pub async fn officer_admin_audit(
    actor: String,
    action: String,
    petition: String,
    before: Option<i64>,
) -> Result<Vec<AuditEntry>, ServerFnError> {
    guard::officer(petition_core::officer::Capability::Administer)?;
    let st = guard::state()?;
    let some = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let search = petition_store::audit::Search {
        actor: some(actor),
        action: some(action),
        petition_id: petition.trim().parse().ok(),
        before_id: before,
        ..Default::default()
    };
    let rows = petition_store::audit::search(&st.db, &search).await.map_err(guard::internal)?;
    Ok(rows.into_iter().map(guard::audit_view).collect())
}

/// The set-up page's secret and QR code, for a live set-up link (no sign-in: the link is it).
#[server]
pub async fn account_set_up(token: String) -> Result<Option<SetUpView>, ServerFnError> {
    use base64::Engine;
    let st = guard::state()?;
    let Some((email, secret)) = petition_store::officers::accounts::set_up_page(&st.db, &token, petition_store::now())
        .await
        .map_err(guard::internal)?
    else {
        return Ok(None);
    };
    let url = petition_store::officers::totp::url(&secret, &email).unwrap_or_default();
    let svg = qrcode::QrCode::new(url.as_bytes())
        .map(|c| c.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build())
        .map_err(guard::internal)?;
    let qr = format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg));
    let grouped = secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>();
    Ok(Some(SetUpView { email, secret: grouped.join(" "), qr }))
}

/// The email of the account a live reset link is for.
#[server]
pub async fn account_reset(token: String) -> Result<Option<String>, ServerFnError> {
    let st = guard::state()?;
    petition_store::officers::accounts::reset_page(&st.db, &token, petition_store::now()).await.map_err(guard::internal)
}

/// Signatures awaiting review, with the register near each signer.
#[server]
pub async fn officer_review(
    petition: String,
    ward: String,
    page: i64,
) -> Result<Vec<petition_core::views::ReviewItem>, ServerFnError> {
    guard::officer(petition_core::officer::Capability::Read)?;
    let st = guard::state()?;
    let petition = petition.trim().parse::<i64>().ok();
    let ward = Some(ward.trim().to_string()).filter(|w| !w.is_empty());
    petition_store::read::review::queue(&st.db, petition, ward.as_deref(), page).await.map_err(guard::internal)
}

/// What reference data is loaded, with its dates.
#[server]
pub async fn officer_reference() -> Result<petition_core::views::ReferenceData, ServerFnError> {
    guard::officer(petition_core::officer::Capability::Read)?;
    let st = guard::state()?;
    petition_store::read::reference::reference_data(&st.db).await.map_err(guard::internal)
}

/// What checking an uploaded reference data file found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UploadReport {
    /// It would import `rows` rows; these are the notes the import gives.
    Sound {
        rows: i64,
        notes: Vec<String>,
    },
    /// `count` problems; the first of them, as (line, problem).
    Problems {
        count: i64,
        problems: Vec<(u64, String)>,
    },
    Refused(String),
    Empty,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadView {
    pub id: i64,
    /// The kind's name (`register`) and what it is, in words.
    pub kind: String,
    pub kind_label: String,
    pub file_name: String,
    pub bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub report: UploadReport,
    pub imported_at: Option<String>,
}

/// An uploaded reference data file and its report.
#[server]
pub async fn officer_reference_upload(id: i64) -> Result<Option<UploadView>, ServerFnError> {
    use petition_store::import::uploads::{find, Report};
    use petition_store::time::moment_label;
    guard::officer(petition_core::officer::Capability::Act)?;
    let st = guard::state()?;
    let Some(u) = find(&st.db, id).await.map_err(guard::internal)? else { return Ok(None) };
    Ok(Some(UploadView {
        id: u.id,
        kind: u.kind.name().into(),
        kind_label: u.kind.describe().into(),
        file_name: u.file_name,
        bytes: u.bytes,
        sha256: u.sha256,
        uploaded_by: u.uploaded_by,
        uploaded_at: moment_label(u.uploaded_at),
        report: match u.report {
            Report::Sound { rows, notes } => UploadReport::Sound { rows, notes },
            Report::Problems { count, problems } => {
                UploadReport::Problems { count, problems: problems.into_iter().map(|p| (p.line, p.message)).collect() }
            }
            Report::Refused(why) => UploadReport::Refused(why),
            Report::Empty => UploadReport::Empty,
        },
        imported_at: u.imported_at.map(moment_label),
    }))
}

#[server]
pub async fn officer_moderation() -> Result<Vec<petition_core::proposal::views::QueueItem>, ServerFnError> {
    guard::officer(petition_core::officer::Capability::Read)?;
    let st = guard::state()?;
    let policy = st.proposals().await.map_err(guard::internal)?;
    petition_store::proposals::moderation_queue(&st.db, &policy, petition_store::now()).await.map_err(guard::internal)
}

#[server]
pub async fn officer_proposal(
    id: i64,
) -> Result<Option<(petition_core::proposal::views::ModerationView, Vec<AuditEntry>)>, ServerFnError> {
    guard::officer(petition_core::officer::Capability::Read)?;
    let st = guard::state()?;
    let policy = st.proposals().await.map_err(guard::internal)?;
    let Some(view) = petition_store::proposals::moderation_view(&st.db, &policy, id, petition_store::now())
        .await
        .map_err(guard::internal)?
    else {
        return Ok(None);
    };
    let search =
        petition_store::audit::Search { subject_prefix: Some(format!("proposal {id}:")), ..Default::default() };
    let trail = petition_store::audit::search(&st.db, &search).await.map_err(guard::internal)?;
    Ok(Some((view, trail.into_iter().map(guard::audit_view).collect())))
}

/// One setting as the settings page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingRow {
    pub name: petition_core::settings::Name,
    /// The value's written form, for the form's field.
    pub value: String,
    /// The value in words: "5 sponsors", "none".
    pub words: String,
    /// Where it comes from: "saved by … at …", or the environment.
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsPage {
    pub rows: Vec<SettingRow>,
    /// The count of saves the values are at: the form carries it, and a save from an older page
    /// is refused.
    pub version: i64,
    /// Whether the signed-in officer may change them (admins).
    pub may_change: bool,
    /// The latest changes, newest first.
    pub history: Vec<AuditEntry>,
}

#[server]
pub async fn officer_settings() -> Result<SettingsPage, ServerFnError> {
    use petition_core::settings::Name;
    let w = guard::officer(petition_core::officer::Capability::Read)?;
    let st = guard::state()?;
    let mut conn = st.db.pool.acquire().await.map_err(guard::internal)?;
    let now = petition_store::settings::in_force(&mut conn, st.settings.defaults()).await.map_err(guard::internal)?;
    drop(conn);
    let rows = Name::ALL
        .into_iter()
        .map(|name| SettingRow {
            name,
            value: now.settings.show(name),
            words: now.settings.describe(name),
            source: match now.saved.iter().find(|s| s.name == name) {
                Some(s) => format!(
                    "Now {}: saved by {} at {}",
                    now.settings.describe(name),
                    s.changed_by,
                    petition_store::time::moment_label(s.changed_at)
                ),
                None => format!("Now {}: from the server's environment ({})", now.settings.describe(name), name.env()),
            },
        })
        .collect();
    let search = petition_store::audit::Search { action: Some("setting".into()), ..Default::default() };
    let history = petition_store::audit::search(&st.db, &search).await.map_err(guard::internal)?;
    Ok(SettingsPage {
        rows,
        version: now.version,
        may_change: w.role.may(petition_core::officer::Capability::Administer),
        history: history.into_iter().take(20).map(guard::audit_view).collect(),
    })
}
