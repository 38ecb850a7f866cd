//! Verification after the close, on SQLite and PostgreSQL: the seed's source announced while the
//! petition collects, the sample drawn once the log holds the close, strikes in the sample, the
//! certificate by sample or by full check, and every step the stage does not allow refused with
//! nothing changed. An observer replays the log throughout, which recomputes the sample and the
//! projection and checks the certificate's rules.

mod common;

use common::{entries_of, log_keys as keys, mailing, observe, sign_all, world, TestDb, World, LOG_ORIGIN as ORIGIN};
use petition_core::engine::StrikeReason;
use petition_core::proposal::StageError;
use petition_core::verification::{parse_source, Seed, SeedPlan};
use petition_store::lifecycle::{self, ByOfficer, VerifyError};
use petition_store::signatures::{self, ConfirmOutcome, OfficerError, SignatureChange};
use petition_store::transparency::{self as log, Sequencer};
use petition_store::{petitions, Db};
use petition_tlog::entry::{Entry, Ident, Method, Outcome};
use petition_tlog::proof::LogProof;
use sqlx::Row;

const SEED: &str = "7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a";

fn by() -> ByOfficer<'static> {
    static ACTOR: std::sync::OnceLock<petition_store::audit::Actor> = std::sync::OnceLock::new();
    ByOfficer { actor: ACTOR.get_or_init(common::actor), reason: "" }
}

/// Signs and confirms for the first `n` people at `at`; returns the signature ids, oldest first.
async fn confirmed(w: &World, id: i64, n: usize, at: i64) -> Vec<i64> {
    for token in sign_all(w, id, &w.people[..n], at).await {
        let outcome = signatures::confirm(&w.t.db, &mailing(), &token, at).await.unwrap();
        assert!(matches!(outcome, ConfirmOutcome::Counted { .. }), "{}: {outcome:?}", w.t.name);
    }
    sqlx::query("SELECT id FROM signatures WHERE petition_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&w.t.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

async fn sequenced(seq: &mut Sequencer, now: i64) {
    let batch = seq.run(now, 10_000).await.unwrap();
    assert!(batch.refused.is_empty(), "{:?}", batch.refused);
}

async fn strike(db: &Db, sig: i64, now: i64) -> Result<(), OfficerError> {
    signatures::change_signature(
        db,
        &mailing(),
        sig,
        SignatureChange::Strike(StrikeReason::Fraud),
        &common::actor(),
        "",
        now,
    )
    .await
    .map(|_| ())
}

fn seed() -> Seed {
    Seed::parse(SEED).unwrap()
}

#[tokio::test]
async fn a_sample_drawn_after_the_close_certifies_a_clear_result_and_nothing_changes_after() {
    for t in TestDb::both().await {
        let w = world(t, 20).await;
        let db = w.t.db.clone();
        let m = mailing();
        let name = w.t.name.clone();
        let source = parse_source("drand-quicknet-10405839").unwrap();
        let (id, _, end) = common::open_a_day_ago(&db, "Checked").await;
        let mut seq = Sequencer::new(db.clone(), keys());
        let t0 = petition_store::now();
        let sigs = confirmed(&w, id, 30, t0).await;

        // Before the close: the source is announced; sampling and certifying are refused.
        let first = SeedPlan::parse("drand quicknet, the first round after noon on the day of the close").unwrap();
        lifecycle::announce_seed(&db, &m, id, &first, &by(), t0).await.unwrap();
        // A changed announcement replaces the first, which stays public with its time.
        let plan = SeedPlan::parse("drand quicknet, the first round after the close").unwrap();
        lifecycle::announce_seed(&db, &m, id, &plan, &by(), t0 + 1).await.unwrap();
        let again = lifecycle::announce_seed(&db, &m, id, &plan, &by(), t0 + 1).await.unwrap_err();
        assert!(matches!(again, VerifyError::PlanUnchanged), "{name}: the same source again is not a change");
        let v = lifecycle::verification(&db, id).await.unwrap().unwrap();
        assert_eq!(v.plan.as_ref().map(|p| (p.plan.as_str(), p.at)), Some((plan.as_str(), t0 + 1)), "{name}");
        assert_eq!(v.earlier_plans.iter().map(|p| (p.plan.as_str(), p.at)).collect::<Vec<_>>(), [(first.as_str(), t0)]);
        let page = petition_store::read::public::petition_page(&db, id, chrono::Utc::now()).await.unwrap().unwrap();
        assert_eq!(page.seed_plan.as_deref(), Some(plan.as_str()));
        assert_eq!(
            page.earlier_seed_plans,
            [(petition_store::time::moment_label(t0), first.as_str().to_string())],
            "{name}: the public page keeps the replaced announcement"
        );
        let err = lifecycle::draw_sample(&db, &m, id, seed(), &source, &by(), t0 + 2).await.unwrap_err();
        assert!(matches!(err, VerifyError::Stage(StageError::BeforeClose)), "{name}: {err}");
        let err = lifecycle::certify(&db, &m, id, Method::Full, &by(), t0 + 2).await.unwrap_err();
        assert!(matches!(err, VerifyError::Stage(StageError::BeforeClose)), "{name}: {err}");
        let err = lifecycle::mark_checked(&db, id, &sigs, &by(), t0 + 2).await.unwrap_err();
        assert!(matches!(err, VerifyError::Stage(StageError::BeforeClose)), "{name}: a full check is after the close");

        // The close is due: the sample waits until the log holds it.
        sequenced(&mut seq, t0 + 3).await;
        let err = lifecycle::draw_sample(&db, &m, id, seed(), &source, &by(), end + 5).await.unwrap_err();
        assert!(matches!(err, VerifyError::LogBehind(1)), "{name}: {err}");
        let err = lifecycle::announce_seed(&db, &m, id, &plan, &by(), end + 5).await.unwrap_err();
        assert!(matches!(err, VerifyError::PlanAfterClose), "{name}: {err}");
        sequenced(&mut seq, end + 6).await;

        let drawn = lifecycle::draw_sample(&db, &m, id, seed(), &source, &by(), end + 10).await.unwrap();
        assert_eq!((drawn.pool, drawn.size, drawn.seed.as_str()), (30, 30, SEED), "{name}: under 500, all are drawn");
        let err = lifecycle::draw_sample(&db, &m, id, seed(), &source, &by(), end + 11).await.unwrap_err();
        assert!(matches!(err, VerifyError::Stage(StageError::SampledTwice)), "{name}: {err}");
        sequenced(&mut seq, end + 12).await;
        let members = lifecycle::sample_members(&db, id).await.unwrap();
        let mut drawn_sigs: Vec<i64> = members.iter().map(|m| m.signature_id).collect();
        drawn_sigs.sort();
        assert_eq!(drawn_sigs, sigs, "{name}: the sample is every signature the log holds");

        // Three sampled signatures are struck: the projection follows.
        for s in &sigs[..3] {
            strike(&db, *s, end + 20).await.unwrap();
        }
        let p = petitions::fetch(&db, id).await.unwrap().unwrap();
        let v = lifecycle::verification(&db, id).await.unwrap().unwrap();
        let pr = lifecycle::projection(&db, &p, &v).await.unwrap().unwrap();
        assert_eq!((pr.struck, pr.projected, pr.allows), (3, 27, Some(Outcome::Reached)), "{name}");
        let err = lifecycle::certify(&db, &m, id, Method::Sample, &by(), end + 21).await.unwrap_err();
        assert!(matches!(err, VerifyError::LogBehind(3)), "{name}: the strikes are not in the log yet: {err}");
        sequenced(&mut seq, end + 22).await;

        let c = lifecycle::certify(&db, &m, id, Method::Sample, &by(), end + 30).await.unwrap();
        assert_eq!((c.outcome, c.method, c.valid, c.projected), (Outcome::Reached, Method::Sample, 27, 27), "{name}");
        assert!(log::certificate(&db, id).await.unwrap().is_none(), "{name}: not before it is signed");
        sequenced(&mut seq, end + 31).await;

        // Nothing changes after the certificate.
        assert!(matches!(strike(&db, sigs[5], end + 40).await, Err(OfficerError::Certified(_))), "{name}");
        let err = lifecycle::certify(&db, &m, id, Method::Full, &by(), end + 40).await.unwrap_err();
        assert!(matches!(err, VerifyError::Stage(StageError::CertifiedTwice)), "{name}: {err}");
        let err = lifecycle::draw_sample(&db, &m, id, seed(), &source, &by(), end + 40).await.unwrap_err();
        assert!(matches!(err, VerifyError::Stage(StageError::AfterCertificate)), "{name}: {err}");

        // The log says the same, and an observer's replay agrees.
        let pid = Ident::parse(&id.to_string()).unwrap();
        let entries = entries_of(&db, id).await;
        let tail: Vec<&Entry> = entries.iter().rev().take(2).collect();
        assert_eq!(
            tail[0],
            &Entry::Certify {
                id: pid.clone(),
                outcome: Outcome::Reached,
                method: Method::Sample,
                valid: 27,
                projected: 27
            }
        );
        assert!(matches!(entries.iter().find(|e| matches!(e, Entry::Sample { .. })),
            Some(Entry::Sample { seed: s, source, .. }) if *s == seed().0 && source.as_str() == "drand-quicknet-10405839"));
        let (cp, replay) = observe(&db, &keys()).await;
        assert_eq!(replay.tally(&pid, ORIGIN, &cp.root).unwrap().status.code(), "certified-reached", "{name}");

        // The certificate's proof checks offline against the log key.
        let proof = LogProof::parse(&log::certificate(&db, id).await.unwrap().expect("a certificate")).unwrap();
        let extra = proof.extra.clone().unwrap();
        assert_eq!(Entry::parse(&extra).unwrap(), *tail[0]);
        proof.verify_entry(&keys().log.verifier(), ORIGIN, &extra).expect("included in the signed tree");
        let audit = petition_store::audit::search(
            &db,
            &petition_store::audit::Search { petition_id: Some(id), ..Default::default() },
        )
        .await
        .unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        for a in ["seed-plan", "sample", "certify"] {
            assert!(actions.contains(&a), "{name}: {a} is in the audit trail: {actions:?}");
        }
        w.t.close().await;
    }
}

#[tokio::test]
async fn a_sample_in_the_band_cannot_certify_and_a_full_check_then_does() {
    for t in TestDb::both().await {
        let w = world(t, 20).await;
        let db = w.t.db.clone();
        let m = mailing();
        let name = w.t.name.clone();
        let source = parse_source("national-lottery-2027-03-06").unwrap();
        let (id, _, end) = common::open_a_day_ago(&db, "Checked").await;
        let mut seq = Sequencer::new(db.clone(), keys());
        let t0 = petition_store::now();
        confirmed(&w, id, 21, t0).await;
        lifecycle::close_due(&db, &m, end).await.unwrap();
        sequenced(&mut seq, end + 1).await;

        // Without an announced source there is no sample.
        let err = lifecycle::draw_sample(&db, &m, id, seed(), &source, &by(), end + 2).await.unwrap_err();
        assert!(matches!(err, VerifyError::NoPlan), "{name}: {err}");
        let err = lifecycle::certify(&db, &m, id, Method::Sample, &by(), end + 2).await.unwrap_err();
        assert!(matches!(err, VerifyError::NoSample), "{name}: {err}");
        sqlx::query("UPDATE petitions SET seed_plan = 'announced', seed_plan_at = $1 WHERE id = $2")
            .bind(t0)
            .bind(id)
            .execute(&db.pool)
            .await
            .unwrap();
        lifecycle::draw_sample(&db, &m, id, seed(), &source, &by(), end + 3).await.unwrap();
        sequenced(&mut seq, end + 4).await;

        // 21 projected against 20 required is 105%: in the band.
        let err = lifecycle::certify(&db, &m, id, Method::Sample, &by(), end + 5).await.unwrap_err();
        assert!(matches!(err, VerifyError::InBand { projected: 21, required: 20 }), "{name}: {err}");
        assert!(
            lifecycle::verification(&db, id).await.unwrap().unwrap().certificate.is_none(),
            "{name}: nothing changed"
        );
        let err = lifecycle::record_council_decision(&db, id, Some("16 September 2027"), None, &by(), end + 5)
            .await
            .unwrap_err();
        assert!(matches!(err, VerifyError::NotCertified), "{name}: {err}");
        // A full check certifies once every valid signature is marked checked.
        let err = lifecycle::certify(&db, &m, id, Method::Full, &by(), end + 6).await.unwrap_err();
        assert!(matches!(err, VerifyError::Unchecked(21)), "{name}: {err}");
        let ids = common::signature_ids(&db, id).await;
        let marked = lifecycle::mark_checked(&db, id, &ids[..20], &by(), end + 6).await.unwrap();
        assert_eq!(marked, 20, "{name}");
        let again = lifecycle::mark_checked(&db, id, &ids[..20], &by(), end + 6).await.unwrap();
        assert_eq!(again, 0, "{name}: marked once");
        let other = lifecycle::mark_checked(&db, id, &[i64::MAX], &by(), end + 6).await.unwrap();
        assert_eq!(other, 0, "{name}: another petition's or no signature is left alone");
        let err = lifecycle::certify(&db, &m, id, Method::Full, &by(), end + 6).await.unwrap_err();
        assert!(matches!(err, VerifyError::Unchecked(1)), "{name}: {err}");
        lifecycle::mark_checked(&db, id, &ids, &by(), end + 6).await.unwrap();
        let c = lifecycle::certify(&db, &m, id, Method::Full, &by(), end + 6).await.unwrap();
        assert_eq!((c.outcome, c.method, c.valid, c.projected), (Outcome::Reached, Method::Full, 21, 21), "{name}");
        let late = lifecycle::mark_checked(&db, id, &ids, &by(), end + 6).await.unwrap_err();
        assert!(matches!(late, VerifyError::Stage(StageError::CertifiedTwice)), "{name}: {late}");
        sequenced(&mut seq, end + 7).await;
        let pid = Ident::parse(&id.to_string()).unwrap();
        let (cp, replay) = observe(&db, &keys()).await;
        assert_eq!(replay.tally(&pid, ORIGIN, &cp.root).unwrap().status.code(), "certified-reached", "{name}");
        lifecycle::record_council_decision(&db, id, Some("16 September 2027"), None, &by(), end + 8).await.unwrap();
        let v = lifecycle::verification(&db, id).await.unwrap().unwrap();
        assert_eq!((v.referendum_date.as_deref(), v.council_response), (Some("16 September 2027"), None), "{name}");
        let mails = common::drain(&db, end + 8).await;
        assert!(
            mails.iter().any(|m| m.subject.contains(&format!("Petition {id} certified: reached"))
                && m.body.contains(&format!("/petitions/{id}/certificate"))),
            "{name}: the officers are told"
        );
        w.t.close().await;
    }
}

/// A signature awaiting review when the petition closes can only be struck: the log takes no
/// signature after its close. Struck, it no longer holds verification up; a change the log
/// refused does, until an officer has resolved it.
#[tokio::test]
async fn reviews_and_refused_changes_hold_the_certificate_until_resolved() {
    for t in TestDb::both().await {
        let w = world(t, 20).await;
        let db = w.t.db.clone();
        let m = mailing();
        let name = w.t.name.clone();
        let (id, _, end) = common::open_a_day_ago(&db, "Checked").await;
        let mut seq = Sequencer::new(db.clone(), keys());
        let t0 = petition_store::now();
        confirmed(&w, id, 5, t0).await;
        let mut stranger = common::request(id, &w.people[10], 99);
        stranger.name = petition_core::text::PersonName::parse("Nobody Onthe Register").unwrap();
        let token = common::sign_requests(&w, &[stranger], t0).await.remove(0);
        signatures::confirm(&db, &m, &token, t0).await.unwrap();
        let review: i64 = sqlx::query("SELECT id FROM signatures WHERE petition_id = $1 AND status = 'review'")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .get(0);
        lifecycle::close_due(&db, &m, end).await.unwrap();
        sequenced(&mut seq, end + 1).await;

        let err = lifecycle::certify(&db, &m, id, Method::Full, &by(), end + 2).await.unwrap_err();
        assert!(matches!(err, VerifyError::Reviews(1)), "{name}: {err}");
        let actor = common::actor();
        let approve =
            signatures::change_signature(&db, &m, review, SignatureChange::Approve, &actor, "", end + 3).await;
        assert!(matches!(approve, Err(OfficerError::ApproveAfterClose(_))), "{name}");
        strike(&db, review, end + 4).await.unwrap();
        sequenced(&mut seq, end + 5).await;

        // A change the log refused (as the sequencer leaves one) holds the certificate.
        sqlx::query(
            "INSERT INTO log_queue (kind, petition_id, queued_at, refused) VALUES ('strike', $1, $2, 'a test refusal')",
        )
        .bind(id)
        .bind(end + 6)
        .execute(&db.pool)
        .await
        .unwrap();
        let err = lifecycle::certify(&db, &m, id, Method::Full, &by(), end + 7).await.unwrap_err();
        assert!(matches!(err, VerifyError::LogRefused(1)), "{name}: {err}");
        sqlx::query("DELETE FROM log_queue WHERE refused = 'a test refusal'").execute(&db.pool).await.unwrap();
        let ids = common::signature_ids(&db, id).await;
        // Marking: the struck review signature needs no mark.
        assert_eq!(lifecycle::mark_checked(&db, id, &ids, &by(), end + 8).await.unwrap(), 5, "{name}");
        let c = lifecycle::certify(&db, &m, id, Method::Full, &by(), end + 8).await.unwrap();
        assert_eq!((c.valid, c.outcome), (5, Outcome::NotReached), "{name}: the struck review signature never counted");
        let err = lifecycle::record_council_decision(&db, id, Some("16 September 2027"), None, &by(), end + 8)
            .await
            .unwrap_err();
        assert!(matches!(err, VerifyError::NoReferendum), "{name}: {err}");
        sequenced(&mut seq, end + 9).await;
        observe(&db, &keys()).await;
        w.t.close().await;
    }
}

#[tokio::test]
async fn a_seed_source_is_announced_at_most_twenty_times() {
    let t = TestDb::sqlite().await;
    let w = world(t, 20).await;
    let (db, m) = (w.t.db.clone(), mailing());
    let (id, _, _) = common::open_a_day_ago(&db, "Announced").await;
    let now = petition_store::now();
    for n in 0..lifecycle::MAX_PLANS {
        let plan = SeedPlan::parse(&format!("drand quicknet, round {n} after the close")).unwrap();
        lifecycle::announce_seed(&db, &m, id, &plan, &by(), now + n as i64).await.unwrap();
    }
    let plan = SeedPlan::parse("drand quicknet, one more time").unwrap();
    let err = lifecycle::announce_seed(&db, &m, id, &plan, &by(), now + 100).await.unwrap_err();
    assert!(matches!(err, VerifyError::TooManyPlans(20)), "{err}");
    let v = lifecycle::verification(&db, id).await.unwrap().unwrap();
    assert_eq!(v.earlier_plans.len(), 19, "the 20th is in force, the others listed");
    w.t.close().await;
}
