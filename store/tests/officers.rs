//! Officer accounts and signing in, on both databases: set-up links, the two factors, slowing
//! down and locking, sessions' ends, and the audit trail that cannot be rewritten.

mod common;

use common::{mailing, TestDb};
use petition_core::officer::lockout::{LOCK_AFTER, LOCK_SECONDS};
use petition_core::officer::{NewPassword, Role};
use petition_core::text::Email;
use petition_store::audit::{self, Actor, SignedIn};
use petition_store::officers::accounts::{self, AccountError};
use petition_store::officers::sign_in::{self, PasswordOutcome, Refusal, SecondFactorOutcome};
use petition_store::officers::{sessions, totp, SessionPolicy};
use petition_store::secrets::Secrets;
use petition_store::Db;

const PASSWORD: &str = "correct horse battery staple";
const T0: i64 = 1_900_000_000;

fn secrets() -> Secrets {
    Secrets::from_bytes([7; 32])
}

fn token_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap()
}

/// Makes and sets up an account; returns its TOTP secret.
async fn set_up(db: &Db, email: &str, role: Role, now: i64) -> (i64, String) {
    let email = Email::parse(email).unwrap();
    let (a, path) = accounts::create(db, &mailing(), &common::actor(), &email, role, false, now).await.unwrap();
    let (shown, secret) = accounts::set_up_page(db, token_of(&path), now).await.unwrap().unwrap();
    assert_eq!(shown, a.email);
    let again = accounts::set_up_page(db, token_of(&path), now + 5).await.unwrap().unwrap();
    assert_eq!(again.1, secret, "reloading the page shows the same secret");
    let pw = NewPassword::parse(PASSWORD, PASSWORD, email.as_str()).unwrap();
    let code = totp::code_at(&secret, now as u64).unwrap();
    let codes = accounts::complete_set_up(db, &secrets(), token_of(&path), &pw, &code, now).await.unwrap();
    assert_eq!(codes.len(), 10);
    assert!(matches!(
        accounts::complete_set_up(db, &secrets(), token_of(&path), &pw, &code, now).await,
        Err(AccountError::LinkNotLive)
    ));
    assert!(accounts::set_up_page(db, token_of(&path), now).await.unwrap().is_none(), "a link works once");
    (a.id, secret)
}

async fn sign_in(db: &Db, email: &str, secret: &str, now: i64) -> Result<String, String> {
    let token = match sign_in::password(db, &secrets(), email, PASSWORD, "test browser", now).await.unwrap() {
        PasswordOutcome::SecondFactor(t) => t,
        PasswordOutcome::Refused(r) => return Err(format!("{r:?}")),
    };
    let code = totp::code_at(secret, now as u64).unwrap();
    match sign_in::second_factor(db, &secrets(), &token, &code, now).await.unwrap() {
        SecondFactorOutcome::SignedIn { token, .. } => Ok(token),
        other => Err(format!("{other:?}")),
    }
}

async fn audit_actions(db: &Db) -> Vec<String> {
    let mut rows = audit::search(db, &audit::Search::default()).await.unwrap();
    rows.reverse();
    rows.into_iter().map(|r| r.action).collect()
}

#[tokio::test]
async fn an_account_is_set_up_once_and_signs_in_with_both_factors() {
    for t in TestDb::both().await {
        let db = t.db.clone();
        let (id, secret) = set_up(&db, "Admin@Council.example", Role::Admin, T0).await;
        let token = sign_in(&db, "admin@council.example", &secret, T0 + 60).await.unwrap();
        let who = sessions::find(&db, &token, SessionPolicy::default(), T0 + 61).await.unwrap().unwrap();
        assert_eq!((who.account_id, who.email.as_str(), who.role), (id, "admin@council.example", Role::Admin));

        // The half-signed-in secret is worth nothing once signed in, and a code is used once.
        let pending =
            match sign_in::password(&db, &secrets(), "admin@council.example", PASSWORD, "b", T0 + 61).await.unwrap() {
                PasswordOutcome::SecondFactor(t) => t,
                other => panic!("{other:?}"),
            };
        assert!(sessions::find(&db, &pending, SessionPolicy::default(), T0 + 61).await.unwrap().is_none());
        let used = totp::code_at(&secret, (T0 + 60) as u64).unwrap();
        assert_eq!(
            sign_in::second_factor(&db, &secrets(), &pending, &used, T0 + 62).await.unwrap(),
            SecondFactorOutcome::Refused(Refusal::Wrong),
            "{}: a code already used is refused",
            t.name
        );
        assert_eq!(
            audit_actions(&db).await,
            vec!["account-create", "account-set-up", "sign-in"],
            "{}: the trail says what happened",
            t.name
        );
        t.close().await;
    }
}

#[tokio::test]
async fn recovery_codes_sign_in_once_each() {
    for t in TestDb::both().await {
        let db = t.db.clone();
        let email = Email::parse("viewer@council.example").unwrap();
        let (_, path) =
            accounts::create(&db, &mailing(), &common::actor(), &email, Role::Viewer, true, T0).await.unwrap();
        let (_, secret) = accounts::set_up_page(&db, token_of(&path), T0).await.unwrap().unwrap();
        let pw = NewPassword::parse(PASSWORD, PASSWORD, email.as_str()).unwrap();
        let codes = accounts::complete_set_up(
            &db,
            &secrets(),
            token_of(&path),
            &pw,
            &totp::code_at(&secret, T0 as u64).unwrap(),
            T0,
        )
        .await
        .unwrap();
        for (n, at) in [(0usize, T0 + 100), (0, T0 + 200)] {
            let pending = match sign_in::password(&db, &secrets(), email.as_str(), PASSWORD, "b", at).await.unwrap() {
                PasswordOutcome::SecondFactor(t) => t,
                other => panic!("{other:?}"),
            };
            let typed = codes[n].to_uppercase().replace('-', " ");
            let out = sign_in::second_factor(&db, &secrets(), &pending, &typed, at).await.unwrap();
            if at == T0 + 100 {
                assert!(
                    matches!(out, SecondFactorOutcome::SignedIn { recovery_codes_left: 9, .. }),
                    "{}: {out:?}",
                    t.name
                );
            } else {
                assert_eq!(out, SecondFactorOutcome::Refused(Refusal::Wrong), "{}: used once only", t.name);
            }
        }
        t.close().await;
    }
}

#[tokio::test]
async fn failures_slow_down_then_lock_and_read_the_same_for_unknown_addresses() {
    for t in TestDb::both().await {
        let db = t.db.clone();
        let (_, secret) = set_up(&db, "officer@council.example", Role::Officer, T0).await;
        for email in ["officer@council.example", "nobody@council.example"] {
            let mut at = T0 + 10;
            let mut seen = Vec::new();
            for _ in 0..LOCK_AFTER {
                let out = sign_in::password(&db, &secrets(), email, "wrong password!!", "b", at).await.unwrap();
                seen.push(out);
                at += 61; // past any wait
            }
            assert!(seen[..LOCK_AFTER as usize - 1].iter().all(|o| *o == PasswordOutcome::Refused(Refusal::Wrong)));
            assert!(matches!(seen.last(), Some(PasswordOutcome::Refused(Refusal::Locked(_)))), "{}: {email}", t.name);
            // Locked: even the right password is not checked.
            let locked = sign_in::password(&db, &secrets(), email, PASSWORD, "b", at).await.unwrap();
            assert!(matches!(locked, PasswordOutcome::Refused(Refusal::Locked(_))), "{}: {email} {locked:?}", t.name);
        }
        let after = T0 + 10 + 61 * LOCK_AFTER as i64 + LOCK_SECONDS;
        assert!(sign_in(&db, "officer@council.example", &secret, after).await.is_ok(), "{}: the lock ends", t.name);

        // Quick failures wait: the fourth within a second is told to wait, not checked.
        let quick: Vec<_> = futures_wait(&db, "fast@council.example", after).await;
        assert_eq!(quick[3], PasswordOutcome::Refused(Refusal::Wait(2)), "{}", t.name);
        t.close().await;
    }
}

async fn futures_wait(db: &Db, email: &str, at: i64) -> Vec<PasswordOutcome> {
    let mut out = Vec::new();
    for _ in 0..4 {
        out.push(sign_in::password(db, &secrets(), email, "wrong password!!", "b", at).await.unwrap());
    }
    out
}

#[tokio::test]
async fn sessions_end_idle_at_their_limit_on_sign_out_and_when_disabled() {
    for t in TestDb::both().await {
        let db = t.db.clone();
        let policy = SessionPolicy { idle: 30 * 60, lifetime: 12 * 3600 };
        let (_, admin_secret) = set_up(&db, "admin@council.example", Role::Admin, T0).await;
        let (officer_id, secret) = set_up(&db, "officer@council.example", Role::Officer, T0).await;

        let idle = sign_in(&db, "officer@council.example", &secret, T0 + 30).await.unwrap();
        assert!(sessions::find(&db, &idle, policy, T0 + 30 + 29 * 60).await.unwrap().is_some(), "{}", t.name);
        assert!(sessions::find(&db, &idle, policy, T0 + 30 + 29 * 60 + 30 * 60).await.unwrap().is_none());
        assert!(sessions::find(&db, &idle, policy, T0 + 31).await.unwrap().is_none(), "ended for good");

        // Active every 20 minutes, it still ends 12 hours after it began.
        let busy = sign_in(&db, "officer@council.example", &secret, T0 + 90).await.unwrap();
        let mut at = T0 + 90;
        while at + 20 * 60 < T0 + 90 + 12 * 3600 {
            at += 20 * 60;
            assert!(sessions::find(&db, &busy, policy, at).await.unwrap().is_some(), "{} at {at}", t.name);
        }
        assert!(sessions::find(&db, &busy, policy, T0 + 90 + 12 * 3600).await.unwrap().is_none());

        // Signing out everywhere ends the others and keeps this one.
        let base = T0 + 20 * 3600;
        let a = sign_in(&db, "officer@council.example", &secret, base).await.unwrap();
        let b = sign_in(&db, "officer@council.example", &secret, base + 30).await.unwrap();
        let who: SignedIn = sessions::find(&db, &b, policy, base + 40).await.unwrap().unwrap();
        assert_eq!(sessions::list(&db, officer_id, policy, base + 40).await.unwrap().len(), 2);
        assert_eq!(sessions::end_own(&db, &who, None, base + 50).await.unwrap(), 1);
        assert!(sessions::find(&db, &a, policy, base + 60).await.unwrap().is_none(), "{}", t.name);
        assert!(sessions::find(&db, &b, policy, base + 60).await.unwrap().is_some());

        // Disabling the account ends its sessions; an admin cannot disable the last admin.
        let admin_token = sign_in(&db, "admin@council.example", &admin_secret, base + 90).await.unwrap();
        let admin = sessions::find(&db, &admin_token, policy, base + 90).await.unwrap().unwrap();
        accounts::disable(&db, &Actor::Officer(admin.clone()), officer_id, "left the council", base + 100)
            .await
            .unwrap();
        assert!(sessions::find(&db, &b, policy, base + 110).await.unwrap().is_none(), "{}", t.name);
        assert!(matches!(
            accounts::disable(&db, &Actor::Officer(admin.clone()), admin.account_id, "", base + 120).await,
            Err(AccountError::Yourself)
        ));
        assert!(matches!(
            accounts::set_role(&db, &common::actor(), admin.account_id, Role::Viewer, base + 120).await,
            Err(AccountError::LastAdmin)
        ));
        t.close().await;
    }
}

#[tokio::test]
async fn a_password_reset_link_works_once_and_ends_every_session() {
    for t in TestDb::both().await {
        let db = t.db.clone();
        let (_, secret) = set_up(&db, "officer@council.example", Role::Officer, T0).await;
        let token = sign_in(&db, "officer@council.example", &secret, T0 + 30).await.unwrap();
        accounts::request_reset(&db, &mailing(), "OFFICER@council.example", T0 + 40).await.unwrap();
        accounts::request_reset(&db, &mailing(), "nobody@council.example", T0 + 40).await.unwrap();
        let mails = common::sent_links(&db, "officer/reset", T0 + 40).await;
        assert_eq!(mails.keys().collect::<Vec<_>>(), ["officer@council.example"], "{}: only a real account", t.name);
        let link = &mails["officer@council.example"];
        assert_eq!(
            accounts::reset_page(&db, token_of(link), T0 + 50).await.unwrap().as_deref(),
            Some("officer@council.example")
        );
        let new =
            NewPassword::parse("a brand new passphrase", "a brand new passphrase", "officer@council.example").unwrap();
        accounts::complete_reset(&db, token_of(link), &new, T0 + 60).await.unwrap();
        assert!(matches!(
            accounts::complete_reset(&db, token_of(link), &new, T0 + 61).await,
            Err(AccountError::LinkNotLive)
        ));
        assert!(sessions::find(&db, &token, SessionPolicy::default(), T0 + 62).await.unwrap().is_none(), "{}", t.name);
        assert!(matches!(
            sign_in::password(&db, &secrets(), "officer@council.example", "a brand new passphrase", "b", T0 + 70)
                .await
                .unwrap(),
            PasswordOutcome::SecondFactor(_)
        ));
        t.close().await;
    }
}

#[tokio::test]
async fn the_audit_trail_cannot_be_rewritten() {
    for t in TestDb::both().await {
        let db = t.db.clone();
        set_up(&db, "admin@council.example", Role::Admin, T0).await;
        let before = audit_actions(&db).await;
        assert!(!before.is_empty());
        let update = sqlx::query("UPDATE officer_audit SET reason = 'nothing to see'").execute(&db.pool).await;
        let delete = sqlx::query("DELETE FROM officer_audit").execute(&db.pool).await;
        for (what, r) in [("update", update), ("delete", delete)] {
            let e = r.expect_err(what).to_string();
            assert!(e.contains("append-only"), "{}: {what}: {e}", t.name);
        }
        assert_eq!(audit_actions(&db).await, before);
        let found =
            audit::search(&db, &audit::Search { actor: Some("COMMAND".into()), ..Default::default() }).await.unwrap();
        assert_eq!(found.len(), 1, "{}: searched by actor", t.name);
        t.close().await;
    }
}

#[tokio::test]
async fn old_failures_links_and_sessions_are_deleted_and_accounts_stay() {
    use petition_store::officers::housekeeping::{purge, LINKS_KEPT, SESSIONS_KEPT};
    for t in TestDb::both().await {
        let db = t.db.clone();
        let (id, secret) = set_up(&db, "officer@council.example", Role::Officer, T0).await;
        sign_in(&db, "officer@council.example", &secret, T0 + 30).await.unwrap();
        sign_in::password(&db, &secrets(), "nobody@council.example", "wrong password!!", "b", T0 + 40).await.unwrap();
        let count = |table: &'static str| {
            let db = db.clone();
            async move {
                sqlx::query_scalar::<_, i64>(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}"))
                    .fetch_one(&db.pool)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(purge(&db, T0 + 60).await.unwrap(), 0, "{}: nothing is due yet", t.name);
        let before = (count("sign_in_failures").await, count("officer_links").await, count("officer_sessions").await);
        assert_eq!(before, (1, 1, 1), "{}", t.name);
        purge(&db, T0 + 40 + 24 * 3600).await.unwrap();
        assert_eq!(count("sign_in_failures").await, 0, "{}: a day after the last failure", t.name);
        assert_eq!(count("officer_links").await, 1, "{}: the used link is kept for a while", t.name);
        let much_later = T0 + SESSIONS_KEPT.max(LINKS_KEPT + 7 * 24 * 3600) + 60;
        assert_eq!(purge(&db, much_later).await.unwrap(), 2, "{}", t.name);
        assert_eq!((count("officer_links").await, count("officer_sessions").await), (0, 0));
        let mut conn = db.pool.acquire().await.unwrap();
        assert!(accounts::get(&mut conn, id).await.unwrap().is_some(), "{}: the account stays", t.name);
        // Closing the pool waits for every connection to come back.
        drop(conn);
        t.close().await;
    }
}
