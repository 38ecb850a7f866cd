//! A petition's life before it opens, on SQLite and PostgreSQL: a resident's proposal, its
//! sponsors, the office sending it back, the petitioner's edit, and the opening that makes it a
//! petition with the petitioner and sponsors as its first signatures; a refusal on a ground, on
//! the public list without texts where the ground is about them; a proposal withdrawn by its
//! petitioner or lapsing, then deleted; the earlier petitions most like a proposal, shown to the
//! office for the ground of repetition; and every change the stage does not allow refused with
//! nothing changed.

mod common;

use common::{drain, link, mailing, world, TestDb, World};
use petition_core::address::AddressChoice;
use petition_core::proposal::views::ProposalStage;
use petition_core::proposal::{Background, Ground, Question, StageError, Title};
use petition_core::text::{Email, PersonName};
use petition_core::{AreaCode, Postcode};
use petition_store::demo::{self, Person};
use petition_store::proposals::{
    self, Decided, Decision, NewProposal, Petitioner, ProposalError, ProposalPolicy, ProposalTexts, SponsorConfirmed,
    SponsorRequest,
};
use petition_store::{lifecycle, petitions, signatures, transparency};
use petition_tlog::entry::Entry;
use petition_tlog::entry::Method;
use sqlx::Row;

fn texts(title: &str) -> ProposalTexts {
    ProposalTexts {
        title: Title::parse(title).unwrap(),
        question: Question::parse("Should the council keep the harbour swimming pool open?").unwrap(),
        background: Background::parse(
            "The council plans to close the pool next year. Many residents use it every week and want a say.",
        )
        .unwrap(),
    }
}

fn petitioner(p: &Person, email: &str) -> Petitioner {
    Petitioner {
        name: PersonName::parse(&p.name).unwrap(),
        email: Email::parse(email).unwrap(),
        postcode: Postcode::parse(&p.postcode).unwrap(),
        address: AddressChoice::parse(&p.uprn, "").unwrap(),
    }
}

fn sponsor_request(code: &str, p: &Person, n: usize) -> SponsorRequest {
    SponsorRequest {
        code: code.into(),
        name: PersonName::parse(&p.name).unwrap(),
        email: Email::parse(&format!("sponsor{n}@example.org")).unwrap(),
        postcode: Postcode::parse(&p.postcode).unwrap(),
        address: AddressChoice::parse(&p.uprn, "").unwrap(),
    }
}

fn district() -> AreaCode {
    AreaCode::parse(demo::DISTRICT).unwrap()
}

async fn stage_of(w: &World, id: i64) -> String {
    sqlx::query("SELECT stage FROM proposals WHERE id = $1").bind(id).fetch_one(&w.t.db.pool).await.unwrap().get(0)
}

/// The hash of a proposal's texts as an officer reading it now sees them.
async fn read(w: &World, id: i64) -> String {
    let policy = ProposalPolicy::default();
    proposals::moderation_view(&w.t.db, &policy, id, 0).await.unwrap().unwrap().proposal.texts
}

/// Starts a proposal by `p` and confirms it; returns its id, the petitioner's token and the
/// sponsor code.
async fn confirmed_proposal(
    w: &World,
    policy: &ProposalPolicy,
    p: &Person,
    email: &str,
    title: &str,
    now: i64,
) -> (i64, String, String) {
    let (db, secrets, m) = (&w.t.db, &w.secrets, &mailing());
    let new = NewProposal { petitioner: petitioner(p, email), texts: texts(title), area: district() };
    let started = proposals::start(db, secrets, m, policy, &new, now).await.unwrap();
    let mails = drain(db, now).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(link(&mails[0], "proposals"), started.token, "the confirmation email carries the petitioner's link");
    let view = proposals::confirm_petitioner(db, m, policy, &started.token, now).await.unwrap();
    assert_eq!(view.stage, ProposalStage::Sponsoring);
    let mails = drain(db, now).await;
    assert_eq!(link(&mails[0], "sponsor"), view.sponsor_code);
    (started.id, started.token, view.sponsor_code)
}

#[tokio::test]
async fn from_a_residents_idea_to_an_open_petition() {
    for t in TestDb::both().await {
        let w = world(t, 40).await;
        let (db, secrets, m) = (&w.t.db, &w.secrets, &mailing());
        let policy = ProposalPolicy::default();
        let people = common::distinct_signers(&w.people, 8);
        let now = petition_store::now();
        let actor = common::actor();

        // The area must be one the petitioner's address lies in.
        let other_ward = w.people.iter().find(|p| p.ward != people[0].ward).unwrap().ward.clone();
        let options =
            proposals::area_options(db, &Postcode::parse(&people[0].postcode).unwrap(), &policy).await.unwrap();
        assert!(options.iter().any(|o| o.area.code == demo::DISTRICT && o.required == 40), "{options:?}");
        let wrong = NewProposal {
            petitioner: petitioner(&people[0], "p@example.org"),
            texts: texts("Keep the harbour pool open"),
            area: AreaCode::parse(&other_ward).unwrap(),
        };
        let e = proposals::start(db, secrets, m, &policy, &wrong, now).await.unwrap_err();
        assert!(matches!(e, ProposalError::AreaNotForAddress), "{}: {e:?}", w.t.name);

        let (id, token, code) =
            confirmed_proposal(&w, &policy, &people[0], "petitioner@example.org", "Keep the harbour pool open", now)
                .await;
        // Confirming again changes nothing and sends nothing.
        proposals::confirm_petitioner(db, m, &policy, &token, now).await.unwrap();
        assert!(drain(db, now).await.is_empty());

        // The petitioner cannot sponsor their own proposal.
        let own = proposals::sponsor(db, secrets, m, &sponsor_request(&code, &people[0], 0), now).await.unwrap_err();
        assert!(matches!(own, ProposalError::OwnProposal), "{own:?}");

        // A sponsor whose address is not listed can confirm, but does not count.
        let mut unlisted = sponsor_request(&code, &people[6], 6);
        unlisted.address = AddressChoice::parse("not-listed", "Flat 9, The Old Mill").unwrap();
        proposals::sponsor(db, secrets, m, &unlisted, now).await.unwrap();
        let t = link(&drain(db, now).await[0], "sponsor/confirm");
        let c = proposals::confirm_sponsor(db, m, &policy, &t, now).await.unwrap();
        assert!(matches!(c, SponsorConfirmed::NotOnRegister { .. }), "{c:?}");

        // Five sponsors from the register; the fifth sends it to the office.
        for (n, p) in people[1..6].iter().enumerate() {
            proposals::sponsor(db, secrets, m, &sponsor_request(&code, p, n + 1), now).await.unwrap();
            let t = link(&drain(db, now).await[0], "sponsor/confirm");
            if n == 3 {
                let early =
                    proposals::decide(db, secrets, m, &policy, id, &Decision::Open, &read(&w, id).await, &actor, now)
                        .await;
                assert!(matches!(early, Err(ProposalError::Stage(StageError::NotInModeration))), "{early:?}");
            }
            let c = proposals::confirm_sponsor(db, m, &policy, &t, now).await.unwrap();
            assert_eq!(
                c,
                SponsorConfirmed::Counted {
                    title: "Keep the harbour pool open".into(),
                    counted: n as u32 + 1,
                    needed: 5
                }
            );
            let again = proposals::confirm_sponsor(db, m, &policy, &t, now).await.unwrap();
            assert!(matches!(again, SponsorConfirmed::AlreadyConfirmed { .. }));
        }
        assert_eq!(stage_of(&w, id).await, "moderation");
        let busy = proposals::edit(db, &token, &texts("Changed while the office reads it"), now).await;
        assert!(matches!(busy, Err(ProposalError::Stage(StageError::WithOffice))), "{busy:?}");
        let mails = drain(db, now).await;
        assert!(mails
            .iter()
            .any(|m| m.recipient == "petitioner@example.org" && m.subject.contains("with the electoral office")));
        // Every confirmed sponsor (the unlisted one too) is told, once.
        let told = |mails: &[petition_store::mail::outbox::Mail], subject: &str| {
            let mut to: Vec<String> =
                mails.iter().filter(|m| m.subject.starts_with(subject)).map(|m| m.recipient.clone()).collect();
            to.sort();
            to
        };
        let sponsors: Vec<String> = (1..=6).map(|n| format!("sponsor{n}@example.org")).collect();
        assert_eq!(told(&mails, "The petition you sponsored is with the electoral office"), sponsors);
        let queue = proposals::moderation_queue(db, &policy, now).await.unwrap();
        assert_eq!(queue.iter().map(|q| q.id).collect::<Vec<_>>(), vec![id]);
        assert!(!queue[0].overdue);
        let late = proposals::moderation_queue(db, &policy, now + 20 * 86_400).await.unwrap();
        assert!(late[0].overdue, "ten working days are within twenty calendar days");

        // Sent back, edited, sent again.
        let note = "Say which pool: there are two in the district.".to_string();
        let d = proposals::decide(
            db,
            secrets,
            m,
            &policy,
            id,
            &Decision::Return(note.clone()),
            &read(&w, id).await,
            &actor,
            now,
        )
        .await
        .unwrap();
        assert_eq!(d, Decided::Returned);
        let mails = drain(db, now).await;
        assert!(mails[0].body.contains(&note));
        assert_eq!(told(&mails, "The petition you sponsored needs changes"), sponsors);
        assert!(mails.iter().filter(|m| m.recipient != "petitioner@example.org").all(|m| m.body.contains(&note)));
        let view = proposals::manage_view(db, &policy, &token).await.unwrap().unwrap();
        assert_eq!((view.stage, view.return_note.as_deref()), (ProposalStage::Returned, Some(note.as_str())));
        let open_returned =
            proposals::decide(db, secrets, m, &policy, id, &Decision::Open, &read(&w, id).await, &actor, now).await;
        assert!(matches!(open_returned, Err(ProposalError::Stage(StageError::NotInModeration))));
        let stale = read(&w, id).await;
        proposals::edit(db, &token, &texts("Keep the Harbour Road pool open"), now).await.unwrap();
        proposals::resubmit(db, m, &policy, &token, now).await.unwrap();
        assert_eq!(stage_of(&w, id).await, "moderation");
        // The proposal's history in the trail: the officer's return, then the petitioner's edit
        // and resubmission, by proposal and never by name.
        let search =
            petition_store::audit::Search { subject_prefix: Some(format!("proposal {id}:")), ..Default::default() };
        let trail = petition_store::audit::search(db, &search).await.unwrap();
        let seen: Vec<(&str, &str)> = trail.iter().rev().map(|r| (r.action.as_str(), r.actor.as_str())).collect();
        let petitioner = format!("the petitioner of proposal {id}");
        assert_eq!(
            seen,
            vec![
                ("proposal-return", "command line (test)"),
                ("proposal-edit", petitioner.as_str()),
                ("proposal-resubmit", petitioner.as_str())
            ]
        );
        assert_eq!(trail[1].detail, "changed the title");
        // The sponsors backed the texts before the edit: each is asked to back them again.
        let mails = drain(db, now).await;
        let reasked: Vec<&petition_store::mail::outbox::Mail> =
            mails.iter().filter(|m| m.subject.starts_with("The petition you sponsored has changed")).collect();
        assert_eq!(reasked.len(), 6, "{}", w.t.name);
        // Two sponsors on the register and the unlisted one back the new texts.
        for m in reasked.iter().filter(|m| {
            ["sponsor1@example.org", "sponsor2@example.org", "sponsor6@example.org"].contains(&m.recipient.as_str())
        }) {
            let again =
                proposals::confirm_sponsor(db, &mailing(), &policy, &link(m, "sponsor/confirm"), now).await.unwrap();
            let on_register = m.recipient != "sponsor6@example.org";
            assert_eq!(matches!(again, SponsorConfirmed::Counted { .. }), on_register, "{again:?}");
        }
        // An officer who read the texts before the edit cannot open them.
        let stale_open = proposals::decide(db, secrets, m, &policy, id, &Decision::Open, &stale, &actor, now).await;
        assert!(matches!(stale_open, Err(ProposalError::Changed)), "{stale_open:?}");
        assert_eq!(stage_of(&w, id).await, "moderation", "nothing decided");

        // Opened: the petition, with the question in its published text. Its first signatures
        // are the petitioner and the three sponsors of these texts (one not on the register, so
        // for review); the other three are asked to sign it as it is.
        let d = proposals::decide(db, secrets, m, &policy, id, &Decision::Open, &read(&w, id).await, &actor, now)
            .await
            .unwrap();
        let Decided::Opened { petition_id, first_signatures } = d else { panic!("{d:?}") };
        assert_eq!(first_signatures, 4, "{}", w.t.name);
        let p = petitions::fetch(db, petition_id).await.unwrap().unwrap();
        assert_eq!(p.title, "Keep the Harbour Road pool open");
        assert_eq!(common::raw_sum(db, petition_id).await, 3, "the petitioner and two sponsors count");
        let review: i64 = sqlx::query("SELECT COUNT(*) FROM signatures WHERE petition_id = $1 AND status = 'review'")
            .bind(petition_id)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(review, 1);
        let mails = drain(db, now).await;
        assert_eq!(mails.iter().filter(|m| m.subject.starts_with("Open for signatures")).count(), 7);
        let mut changed: Vec<&str> = mails
            .iter()
            .filter(|m| m.body.contains("Its texts changed after you sponsored it"))
            .map(|m| m.recipient.as_str())
            .collect();
        changed.sort();
        assert_eq!(changed, ["sponsor3@example.org", "sponsor4@example.org", "sponsor5@example.org"]);
        assert_eq!(mails.iter().filter(|m| m.subject.starts_with("Thank you for signing")).count(), 4);
        assert!(
            !mails.iter().any(|m| m.subject.starts_with("Confirm your signature")),
            "no one is asked to confirm twice"
        );

        // The log's petition/v1 commits to the title, the question and the background.
        let mut seq = transparency::Sequencer::new(db.clone(), common::log_keys());
        seq.run(now, 1000).await.unwrap();
        let entries = common::entries_of(db, petition_id).await;
        let Entry::Petition { text_sha256, .. } = &entries[0] else { panic!("{:?}", entries[0]) };
        let question = "Should the council keep the harbour swimming pool open?";
        let body = format!("{question}\n\n{}", texts("x".repeat(10).as_str()).background.as_str());
        assert_eq!(*text_sha256, transparency::text_sha256(&p.title, &body));

        // Nothing more can change the proposal, and carrying over again counts nobody twice.
        let again =
            proposals::decide(db, secrets, m, &policy, id, &Decision::Open, &read(&w, id).await, &actor, now).await;
        assert!(matches!(again, Err(ProposalError::Stage(StageError::AlreadyOpen))), "{again:?}");
        let edit = proposals::edit(db, &token, &texts("A different title altogether"), now).await;
        assert!(matches!(edit, Err(ProposalError::Stage(StageError::AlreadyOpen))), "{edit:?}");
        assert_eq!(proposals::carry_over(db, secrets, m, None, now).await.unwrap(), 0);
        assert_eq!(common::raw_sum(db, petition_id).await, 3);
        let audit: Vec<String> = sqlx::query("SELECT action FROM officer_audit WHERE subject LIKE $1 ORDER BY id")
            .bind(format!("proposal {id}:%"))
            .fetch_all(&db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(audit, vec!["proposal-return", "proposal-edit", "proposal-resubmit", "proposal-open"]);

        // After the close the result is certified, and the petitioner is emailed the certificate
        // with the officers. (The unlisted sponsor's signature is struck first: it was never
        // checked.)
        let unlisted_sig: i64 = sqlx::query("SELECT id FROM signatures WHERE petition_id = $1 AND status = 'review'")
            .bind(petition_id)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .get(0);
        let strike = signatures::SignatureChange::Strike(petition_core::engine::StrikeReason::NotEligible);
        signatures::change_signature(db, m, unlisted_sig, strike, &actor, "not on the register", now).await.unwrap();
        let end = p.terms.base_closes;
        lifecycle::close_due(db, m, end).await.unwrap();
        seq.run(end + 1, 1000).await.unwrap();
        let by = lifecycle::ByOfficer { actor: &actor, reason: "" };
        let ids = common::signature_ids(db, petition_id).await;
        assert_eq!(lifecycle::mark_checked(db, petition_id, &ids, &by, end + 2).await.unwrap(), 3);
        lifecycle::certify(db, m, petition_id, Method::Full, &by, end + 2).await.unwrap();
        let mails = drain(db, end + 2).await;
        let certified: Vec<&str> =
            mails.iter().filter(|m| m.subject.contains("certified")).map(|m| m.recipient.as_str()).collect();
        assert_eq!(certified, ["elections@council.example", "petitioner@example.org"]);

        // When the petition's signers are erased after its close, so are its petitioner and
        // sponsors.
        let keep = petition_store::retention::Retention::default();
        // The period runs from the certificate (end + 2), not from the close.
        petition_store::retention::erase_due(db, &keep, end + keep.after_close + 1).await.unwrap();
        let kept: i64 = sqlx::query("SELECT COUNT(*) FROM proposal_sponsors WHERE proposal_id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .get(0);
        assert!(kept > 0, "not yet: certified a moment after the close");
        petition_store::retention::erase_due(db, &keep, end + 2 + keep.after_close).await.unwrap();
        let left: i64 = sqlx::query("SELECT COUNT(*) FROM proposal_sponsors WHERE proposal_id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(left, 0);
        let (name, email): (String, String) = sqlx::query_as("SELECT name, email FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!((name.as_str(), email.as_str()), ("", ""));
        w.t.close().await;
    }
}

#[tokio::test]
async fn refused_proposals_are_listed_without_texts_the_ground_is_about() {
    for t in TestDb::both().await {
        let w = world(t, 40).await;
        let (db, secrets, m) = (&w.t.db, &w.secrets, &mailing());
        let policy = ProposalPolicy { sponsors: 0, ..Default::default() };
        let people = common::distinct_signers(&w.people, 3);
        let now = petition_store::now();
        let actor = common::actor();
        let mut ids = vec![];
        for (n, title) in ["Rename the council chamber", "Ban the mayor's neighbour"].iter().enumerate() {
            let new = NewProposal {
                petitioner: petitioner(&people[n], &format!("p{n}@example.org")),
                texts: texts(title),
                area: district(),
            };
            let started = proposals::start(db, secrets, m, &policy, &new, now).await.unwrap();
            // With no sponsors needed, confirming sends it straight to the office.
            let v = proposals::confirm_petitioner(db, m, &policy, &started.token, now).await.unwrap();
            assert_eq!(v.stage, ProposalStage::Moderation);
            ids.push(started.id);
        }
        drain(db, now).await;
        let grounds = [
            (Ground::NotCouncilMatter, "The chamber's name is set by statute."),
            (Ground::Vexatious, "It targets a private person."),
        ];
        for (id, (g, why)) in ids.iter().zip(grounds) {
            let d = proposals::decide(
                db,
                secrets,
                m,
                &policy,
                *id,
                &Decision::Refuse(g, why.into()),
                &read(&w, *id).await,
                &actor,
                now,
            )
            .await
            .unwrap();
            assert_eq!(d, Decided::Refused);
        }
        let mails = drain(db, now).await;
        assert!(mails.iter().all(|m| m.subject.starts_with("Your petition cannot go ahead")));
        let list = proposals::refused_list(db, &policy).await.unwrap();
        assert_eq!(list.len(), 2);
        let shown = list.iter().find(|r| r.id == ids[0]).unwrap();
        assert_eq!(shown.title.as_deref(), Some("Rename the council chamber"));
        assert_eq!(shown.explanation, "The chamber's name is set by statute.");
        let withheld = list.iter().find(|r| r.id == ids[1]).unwrap();
        assert_eq!((withheld.title.as_deref(), withheld.question.as_deref()), (None, None));
        assert_eq!(withheld.ground, Ground::Vexatious.describe(2));

        // A refused proposal takes no other change.
        let e =
            proposals::decide(db, secrets, m, &policy, ids[1], &Decision::Open, &read(&w, ids[1]).await, &actor, now)
                .await;
        assert!(matches!(e, Err(ProposalError::Stage(StageError::AlreadyRefused))), "{e:?}");
        assert_eq!(stage_of(&w, ids[1]).await, "refused");
        let petitions: i64 = sqlx::query("SELECT COUNT(*) FROM petitions").fetch_one(&db.pool).await.unwrap().get(0);
        assert_eq!(petitions, 0, "no refused proposal opened");

        // Retention: a proposal never confirmed goes after the mail period; a refused one keeps
        // its refusal and loses its petitioner once the period after a close has passed.
        let never = NewProposal {
            petitioner: petitioner(&people[2], "never@example.org"),
            texts: texts("Never confirmed at all"),
            area: district(),
        };
        proposals::start(db, secrets, m, &policy, &never, now).await.unwrap();
        let keep = petition_store::retention::Retention::default();
        let people_left = |db: &petition_store::Db| {
            let pool = db.pool.clone();
            async move {
                let r = sqlx::query("SELECT COUNT(*) FROM proposals WHERE email <> ''").fetch_one(&pool).await.unwrap();
                r.get::<i64, _>(0)
            }
        };
        assert_eq!(people_left(db).await, 3);
        let erased = petition_store::retention::erase_due(db, &keep, now + keep.mail + 1).await.unwrap();
        assert_eq!(erased.proposals, 1, "the unconfirmed one");
        assert_eq!(people_left(db).await, 2);
        let erased = petition_store::retention::erase_due(db, &keep, now + keep.after_close + 1).await.unwrap();
        assert_eq!(erased.proposals, 2, "both refused petitioners");
        assert_eq!(people_left(db).await, 0);
        assert_eq!(proposals::refused_list(db, &policy).await.unwrap(), list, "the public list is unchanged");
        w.t.close().await;
    }
}

#[tokio::test]
async fn signing_in_a_confirmed_person_again_or_after_a_crash_counts_them_once() {
    for t in TestDb::both().await {
        let w = world(t, 40).await;
        let (db, secrets, m) = (&w.t.db, &w.secrets, &mailing());
        let (id, _, _) = common::open_a_day_ago(db, "Carried over").await;
        let now = petition_store::now();
        let req = common::request(id, &w.people[0], 0);
        // As a crash leaves it between recording the attempt and confirming it.
        signatures::sign(db, secrets, m, &req, now).await.unwrap();
        drain(db, now).await;
        let first = signatures::sign_confirmed(db, secrets, m, &req, now).await.unwrap();
        assert!(
            matches!(first, signatures::SignedIn::Confirmed(signatures::ConfirmOutcome::Counted { .. })),
            "{}: the waiting attempt is confirmed: {first:?}",
            w.t.name
        );
        let again = signatures::sign_confirmed(db, secrets, m, &req, now).await.unwrap();
        assert_eq!(again, signatures::SignedIn::AlreadySigned, "{}", w.t.name);
        assert_eq!(common::raw_sum(db, id).await, 1);
        assert_eq!(common::signature_ids(db, id).await.len(), 1);
        let mails = drain(db, now).await;
        assert_eq!(mails.len(), 1, "one thank-you, and no request to confirm");
        assert!(mails[0].subject.starts_with("Thank you for signing"));
        w.t.close().await;
    }
}

#[tokio::test]
async fn asking_to_sponsor_again_replaces_the_link_at_most_every_ten_minutes() {
    for t in TestDb::both().await {
        let w = world(t, 40).await;
        let (db, secrets, m) = (&w.t.db, &w.secrets, &mailing());
        let policy = ProposalPolicy::default();
        let people = common::distinct_signers(&w.people, 3);
        let now = petition_store::now();
        let (_, _, code) =
            confirmed_proposal(&w, &policy, &people[0], "p@example.org", "Keep the harbour pool open", now).await;
        let req = sponsor_request(&code, &people[1], 1);
        proposals::sponsor(db, secrets, m, &req, now).await.unwrap();
        let first = link(&drain(db, now).await[0], "sponsor/confirm");
        // Again at once (by the sponsor, or by someone who knows their details): nothing sent, and
        // the link they hold still works.
        proposals::sponsor(db, secrets, m, &req, now + 60).await.unwrap();
        assert!(drain(db, now + 60).await.is_empty(), "{}", w.t.name);
        // Ten minutes on, a new link replaces it.
        let later = now + proposals::sponsors::RESEND_AFTER;
        proposals::sponsor(db, secrets, m, &req, later).await.unwrap();
        let second = link(&drain(db, later).await[0], "sponsor/confirm");
        let old = proposals::confirm_sponsor(db, m, &policy, &first, later).await;
        assert!(matches!(old, Err(ProposalError::UnknownLink)), "{}: {old:?}", w.t.name);
        let c = proposals::confirm_sponsor(db, m, &policy, &second, later).await.unwrap();
        assert!(matches!(c, SponsorConfirmed::Counted { counted: 1, .. }), "{c:?}");
        w.t.close().await;
    }
}

#[tokio::test]
async fn a_proposal_is_withdrawn_by_its_petitioner_or_lapses_and_is_deleted_a_month_later() {
    for t in TestDb::both().await {
        let w = world(t, 40).await;
        let (db, secrets, m) = (&w.t.db, &w.secrets, &mailing());
        let policy = ProposalPolicy::default();
        let people = common::distinct_signers(&w.people, 5);
        let now = petition_store::now();
        let day = 86_400;

        // Withdrawn while finding sponsors: a sponsor who confirmed is told, and nothing more
        // can happen to it.
        let (gone, token, code) =
            confirmed_proposal(&w, &policy, &people[0], "first@example.org", "Rename the harbour ward", now).await;
        proposals::sponsor(db, secrets, m, &sponsor_request(&code, &people[1], 1), now).await.unwrap();
        let t = link(&drain(db, now).await[0], "sponsor/confirm");
        proposals::confirm_sponsor(db, m, &policy, &t, now).await.unwrap();
        proposals::withdraw(db, m, &policy, &token, now).await.unwrap();
        let mails = drain(db, now).await;
        let subjects: Vec<(&str, &str)> = mails.iter().map(|m| (m.recipient.as_str(), m.subject.as_str())).collect();
        assert_eq!(
            subjects,
            vec![
                ("first@example.org", "You have withdrawn your petition: Rename the harbour ward"),
                ("sponsor1@example.org", "The petition you sponsored was withdrawn: Rename the harbour ward"),
            ]
        );
        let view = proposals::manage_view(db, &policy, &token).await.unwrap().unwrap();
        assert_eq!(view.stage, ProposalStage::Withdrawn);
        assert!(view.ended.is_some());
        let again = proposals::withdraw(db, m, &policy, &token, now).await;
        assert!(matches!(again, Err(ProposalError::Stage(StageError::Withdrawn))), "{again:?}");
        let edit = proposals::edit(db, &token, &texts("Rename the harbour ward again"), now).await;
        assert!(matches!(edit, Err(ProposalError::Stage(StageError::Withdrawn))), "{edit:?}");
        let late = proposals::sponsor(db, secrets, m, &sponsor_request(&code, &people[2], 2), now).await;
        assert!(matches!(late, Err(ProposalError::NotSponsoring)), "{late:?}");

        // Withdrawn while the office decides: it leaves the queue.
        let none = ProposalPolicy { sponsors: 0, ..policy.clone() };
        let new = NewProposal {
            petitioner: petitioner(&people[3], "third@example.org"),
            texts: texts("Light the harbour path"),
            area: district(),
        };
        let started = proposals::start(db, secrets, m, &none, &new, now).await.unwrap();
        proposals::confirm_petitioner(db, m, &none, &started.token, now).await.unwrap();
        assert_eq!(proposals::moderation_queue(db, &none, now).await.unwrap().len(), 1);
        proposals::withdraw(db, m, &none, &started.token, now).await.unwrap();
        assert!(proposals::moderation_queue(db, &none, now).await.unwrap().is_empty());
        drain(db, now).await;

        // Still finding sponsors after the time allowed: it lapses, once, and says so.
        let (stalled, stalled_token, _) =
            confirmed_proposal(&w, &policy, &people[4], "second@example.org", "Open the harbour baths", now).await;
        let view = proposals::manage_view(db, &policy, &stalled_token).await.unwrap().unwrap();
        assert!(view.lapses.is_some(), "the petitioner is told when it would lapse");
        let allowed = i64::from(policy.lapse_days) * day;
        assert_eq!(proposals::lapse_stalled(db, m, &policy, now + allowed - 60).await.unwrap(), 0, "not yet");
        assert_eq!(proposals::lapse_stalled(db, m, &policy, now + allowed + 60).await.unwrap(), 1);
        assert_eq!(proposals::lapse_stalled(db, m, &policy, now + allowed + 120).await.unwrap(), 0, "once");
        let mails = drain(db, now + allowed + 60).await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].subject, "Your petition has lapsed: Open the harbour baths");
        let view = proposals::manage_view(db, &policy, &stalled_token).await.unwrap().unwrap();
        assert_eq!(view.stage, ProposalStage::Lapsed);
        let search = petition_store::audit::Search {
            subject_prefix: Some(format!("proposal {stalled}:")),
            ..Default::default()
        };
        let trail = petition_store::audit::search(db, &search).await.unwrap();
        assert_eq!(
            trail.iter().map(|r| (r.action.as_str(), r.actor.as_str())).collect::<Vec<_>>(),
            vec![("proposal-lapse", "the site (on its schedule)")]
        );

        // Thirty days after each ended, it is deleted with its sponsors; nothing else goes.
        let keep = petition_store::retention::Retention::default();
        petition_store::retention::erase_due(db, &keep, now + keep.mail + 60).await.unwrap();
        let exists = |id: i64| async move {
            sqlx::query("SELECT COUNT(*) FROM proposals WHERE id = $1")
                .bind(id)
                .fetch_one(&db.pool)
                .await
                .unwrap()
                .get::<i64, _>(0)
        };
        assert_eq!(exists(gone).await, 0, "withdrawn a month ago");
        assert_eq!(exists(stalled).await, 1, "lapsed, not yet a month ago");
        let sponsors: i64 = sqlx::query("SELECT COUNT(*) FROM proposal_sponsors WHERE proposal_id = $1")
            .bind(gone)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(sponsors, 0);
        petition_store::retention::erase_due(db, &keep, now + allowed + keep.mail + 120).await.unwrap();
        assert_eq!(exists(stalled).await, 0);
        w.t.close().await;
    }
}

/// Starts and confirms a proposal that needs no sponsors, so it goes straight to the office.
async fn with_the_office(
    w: &World,
    policy: &ProposalPolicy,
    p: &Person,
    n: usize,
    texts: ProposalTexts,
    now: i64,
) -> i64 {
    let (db, secrets, m) = (&w.t.db, &w.secrets, &mailing());
    let new = NewProposal { petitioner: petitioner(p, &format!("alike{n}@example.org")), texts, area: district() };
    let started = proposals::start(db, secrets, m, policy, &new, now).await.unwrap();
    let v = proposals::confirm_petitioner(db, m, policy, &started.token, now).await.unwrap();
    assert_eq!(v.stage, ProposalStage::Moderation);
    started.id
}

async fn refuse_as_repeat(w: &World, policy: &ProposalPolicy, id: i64, at: i64) {
    let d = Decision::Refuse(Ground::Repeat, "Asked and answered.".into());
    proposals::decide(&w.t.db, &w.secrets, &mailing(), policy, id, &d, &read(w, id).await, &common::actor(), at)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_office_sees_the_earlier_petitions_most_like_a_proposal() {
    const DAY: i64 = 24 * 60 * 60;
    for t in TestDb::both().await {
        let w = world(t, 40).await;
        let db = &w.t.db;
        let policy = ProposalPolicy { sponsors: 0, ..Default::default() };
        let people = common::distinct_signers(&w.people, 5);
        let now = petition_store::now();
        let parking = ProposalTexts {
            title: Title::parse("Free parking on Sundays").unwrap(),
            question: Question::parse("Should parking in the town's car parks be free on Sundays?").unwrap(),
            background: texts("Free parking on Sundays").background,
        };
        // Three years ago, beyond the two the ground covers; a month ago; and on another subject.
        let old =
            with_the_office(&w, &policy, &people[0], 0, texts("Keep the harbour pool open"), now - 3 * 366 * DAY).await;
        refuse_as_repeat(&w, &policy, old, now - 3 * 366 * DAY).await;
        let recent =
            with_the_office(&w, &policy, &people[1], 1, texts("Save our harbour swimming pool"), now - 30 * DAY).await;
        refuse_as_repeat(&w, &policy, recent, now - 30 * DAY).await;
        let other = with_the_office(&w, &policy, &people[2], 2, parking, now - 10 * DAY).await;
        refuse_as_repeat(&w, &policy, other, now - 10 * DAY).await;
        // A petition on the same subject opened last week, and the new proposal.
        let open = lifecycle::open_petition(
            db,
            "Keep the harbour swimming pool open",
            "Opened by a test.",
            &district(),
            chrono::Utc::now() - chrono::Duration::days(7),
            lifecycle::Policy::default(),
        )
        .await
        .unwrap();
        let new = with_the_office(&w, &policy, &people[3], 3, texts("Do not close the harbour pool"), now).await;

        let v = proposals::moderation_view(db, &policy, new, now).await.unwrap().unwrap();
        assert_eq!(v.repeat_years, 2);
        let shown: Vec<&str> = v.alike.iter().map(|a| a.href.as_str()).collect();
        let (recent_href, open_href) = (format!("/officer/proposals/{recent}"), format!("/officer/petitions/{open}"));
        assert_eq!(shown.len(), 2, "{}: {:?}", w.t.name, v.alike);
        assert!(shown.contains(&recent_href.as_str()) && shown.contains(&open_href.as_str()), "{shown:?}");
        assert!(v.alike.windows(2).all(|p| p[0].percent >= p[1].percent), "most alike first");
        let refused = v.alike.iter().find(|a| a.href == recent_href).unwrap();
        assert_eq!(refused.title, "Save our harbour swimming pool");
        assert!(
            refused.what.starts_with("Refused on ") && refused.what.contains("substantially the same"),
            "{}",
            refused.what
        );
        let petition = v.alike.iter().find(|a| a.href == open_href).unwrap();
        assert!(petition.what.starts_with("Open for signatures since"), "{}", petition.what);

        // With a five-year look-back, the old refusal is shown too.
        let longer = ProposalPolicy { repeat_years: 5, ..policy.clone() };
        let v = proposals::moderation_view(db, &longer, new, now).await.unwrap().unwrap();
        assert!(v.alike.iter().any(|a| a.href == format!("/officer/proposals/{old}")), "{:?}", v.alike);
        assert!(
            !v.alike.iter().any(|a| a.href == format!("/officer/proposals/{other}")),
            "another subject is not shown"
        );
        w.t.close().await;
    }
}
