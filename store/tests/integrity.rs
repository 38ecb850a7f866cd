//! Counting integrity through the store, on SQLite and PostgreSQL: random sequences of what
//! signers and officers do to a few signatures (sign, sign again, confirm, withdraw, strike,
//! reinstate, approve), checked after every step against a naive model. The counters, a recount
//! from the rows and the model always agree, and a struck signature stays struck whatever its
//! signer does until an officer reinstates it. At the end of each sequence the signed tally of
//! the transparency log counts the same.

mod common;

use chrono::{Duration, Utc};
use common::{drain, find_link, log_keys, mailing, raw_sum, request, world, TestDb, World};
use petition_core::engine::StrikeReason;
use petition_core::text::{Email, PersonName};
use petition_core::AreaCode;
use petition_store::lifecycle::{open_petition, Policy};
use petition_store::signatures::{self, SignRequest, SignatureChange};
use petition_store::transparency::{self, Sequencer};
use petition_store::{counts, demo, Db};
use petition_tlog::note::Note;
use petition_tlog::tally::Tally;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Row;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Sign,
    Confirm,
    Withdraw,
    Strike,
    Reinstate,
    Approve,
}

const OPS: [Op; 6] = [Op::Sign, Op::Confirm, Op::Withdraw, Op::Strike, Op::Reinstate, Op::Approve];

/// Where a signature stands, as the rules say it should.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Is {
    Unsigned,
    Unconfirmed,
    Review,
    Confirmed,
    Withdrawn,
}

#[derive(Clone, Copy, Debug)]
struct Model {
    is: Is,
    struck: bool,
    /// On the register at the address given: confirmed means counted, else an officer reviews.
    matched: bool,
}

impl Model {
    fn apply(&mut self, op: Op) {
        let confirmed = matches!(self.is, Is::Review | Is::Confirmed);
        match op {
            Op::Sign => match self.is {
                Is::Unsigned | Is::Withdrawn => self.is = Is::Unconfirmed,
                _ => {}
            },
            Op::Confirm if self.is == Is::Unconfirmed => {
                self.is = if self.matched { Is::Confirmed } else { Is::Review };
            }
            Op::Withdraw if confirmed => self.is = Is::Withdrawn,
            Op::Strike if confirmed => self.struck = true,
            Op::Reinstate if confirmed => self.struck = false,
            Op::Approve if self.is == Is::Review => self.is = Is::Confirmed,
            _ => {}
        }
    }

    /// The operations that would change this signature: the generator favours them, so that
    /// long paths (strike, withdraw, sign again, confirm) come up often.
    fn applicable(&self) -> Vec<Op> {
        let mut out = Vec::new();
        match self.is {
            Is::Unsigned | Is::Withdrawn => out.push(Op::Sign),
            Is::Unconfirmed => out.push(Op::Confirm),
            Is::Review | Is::Confirmed => {
                out.push(Op::Withdraw);
                out.push(if self.struck { Op::Reinstate } else { Op::Strike });
                if self.is == Is::Review {
                    out.push(Op::Approve);
                }
            }
        }
        out
    }

    fn counts(&self) -> bool {
        self.is == Is::Confirmed && !self.struck
    }
}

struct Signer {
    request: SignRequest,
    model: Model,
    confirm: Option<String>,
    withdraw: Option<String>,
}

async fn signature_id(db: &Db, petition_id: i64, email: &str) -> Option<i64> {
    sqlx::query("SELECT id FROM signatures WHERE petition_id = $1 AND email = $2")
        .bind(petition_id)
        .bind(email)
        .fetch_optional(&db.pool)
        .await
        .unwrap()
        .map(|r| r.try_get(0).unwrap())
}

async fn struck_in_db(db: &Db, id: i64) -> bool {
    sqlx::query("SELECT struck_at FROM signatures WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get::<Option<i64>, _>(0)
        .unwrap()
        .is_some()
}

async fn run_sequence(w: &World, seed: u64, steps: usize) {
    let db = &w.t.db;
    let (m, now) = (mailing(), petition_store::now());
    let district = AreaCode::parse(demo::DISTRICT).unwrap();
    let id = open_petition(db, "Integrity", "T", &district, Utc::now() - Duration::days(1), Policy::default())
        .await
        .unwrap();
    // Two electors the register knows and two it does not, each at a different property.
    let mut uprns = std::collections::HashSet::new();
    let people: Vec<_> = w.people.iter().filter(|p| uprns.insert(p.uprn.clone())).collect();
    assert!(people.len() >= 8, "the demo has {} properties with electors", people.len());
    let mut signers: Vec<Signer> = people
        .into_iter()
        .skip(seed as usize % 4)
        .take(4)
        .enumerate()
        .map(|(i, p)| {
            let mut r = request(id, p, i);
            r.email = Email::parse(&format!("s{seed}-{i}@example.org")).unwrap();
            let matched = i < 2;
            if !matched {
                r.name = PersonName::parse("Nobody Onthe Register").unwrap();
            }
            Signer {
                request: r,
                model: Model { is: Is::Unsigned, struck: false, matched },
                confirm: None,
                withdraw: None,
            }
        })
        .collect();
    // Seeded, so a failing sequence is named by its seed.
    let mut rng = StdRng::seed_from_u64(seed);
    let mut history = Vec::new();
    for step in 0..steps {
        let i = rng.gen_range(0..signers.len());
        // Mostly an operation that changes something; sometimes any, refusals included.
        let useful = signers[i].model.applicable();
        let op = if rng.gen_range(0..5) < 4 {
            useful[rng.gen_range(0..useful.len())]
        } else {
            OPS[rng.gen_range(0..OPS.len())]
        };
        history.push((i, op));
        let s = &mut signers[i];
        let sig = signature_id(db, id, s.request.email.as_str()).await;
        match op {
            Op::Sign => {
                signatures::sign(db, &w.secrets, &m, &s.request, now).await.unwrap();
            }
            Op::Confirm => {
                if let Some(token) = &s.confirm {
                    signatures::confirm(db, &m, token, now).await.unwrap();
                }
            }
            Op::Withdraw => {
                if let Some(token) = &s.withdraw {
                    signatures::withdraw(db, &m, token, now).await.unwrap();
                }
            }
            Op::Strike | Op::Reinstate | Op::Approve => {
                let change = match op {
                    Op::Strike => SignatureChange::Strike(StrikeReason::Fraud),
                    Op::Reinstate => SignatureChange::Reinstate,
                    _ => SignatureChange::Approve,
                };
                if let Some(sig) = sig {
                    // Refusals are part of the rules (striking what is struck, say): the model
                    // says when a change applies.
                    let _ = signatures::change_signature(db, &m, sig, change, &common::actor(), "", now).await;
                }
            }
        }
        s.model.apply(op);
        // The newest links each signer was sent.
        for mail in drain(db, now).await {
            if let Some(s) = signers.iter_mut().find(|s| s.request.email.as_str() == mail.recipient) {
                s.confirm = find_link(&mail, "confirm").or(s.confirm.take());
                s.withdraw = find_link(&mail, "withdraw").or(s.withdraw.take());
            }
        }
        let expected = signers.iter().filter(|s| s.model.counts()).count() as i64;
        let recount: u64 = counts::recount(db, id).await.unwrap().values().sum();
        let place = format!("{}: seed {seed}, step {step}, after {history:?}", w.t.name);
        assert_eq!(raw_sum(db, id).await, expected, "the counters, {place}");
        assert_eq!(recount as i64, expected, "the recount, {place}");
        for s in &signers {
            if let Some(sig) = signature_id(db, id, s.request.email.as_str()).await {
                assert_eq!(struck_in_db(db, sig).await, s.model.struck, "the strike of {sig}, {place}");
            }
        }
    }
    // The log, sequenced once at the end, counts what the site counts.
    let batch = Sequencer::new(db.clone(), log_keys()).run(now, 100_000).await.unwrap();
    let place = format!("{}: seed {seed}, after {history:?}", w.t.name);
    assert!(batch.refused.is_empty(), "{place}: {:?}", batch.refused);
    let note = transparency::tally(db, id, None).await.unwrap().expect("a tally note");
    let tally = Tally::parse(&Note::parse(note.as_bytes()).unwrap().text).unwrap();
    let logged: u64 = tally.areas.values().map(|c| c.valid()).sum();
    let expected = signers.iter().filter(|s| s.model.counts()).count() as u64;
    assert_eq!(logged, expected, "the signed tally, {place}");
}

#[tokio::test]
async fn counters_recount_and_strikes_hold_through_any_sequence() {
    for t in TestDb::both().await {
        let w = world(t, 1_000).await;
        for seed in 1..=40 {
            run_sequence(&w, seed, 32).await;
        }
        w.t.close().await;
    }
}

/// The flaw this guards: a struck signature, withdrawn, signed again and confirmed, counted again.
#[tokio::test]
async fn a_strike_survives_withdrawing_and_signing_again() {
    for t in TestDb::both().await {
        let w = world(t, 1_000).await;
        let db = &w.t.db;
        let (m, now) = (mailing(), petition_store::now());
        let district = AreaCode::parse(demo::DISTRICT).unwrap();
        let id = open_petition(db, "Struck", "T", &district, Utc::now() - Duration::days(1), Policy::default())
            .await
            .unwrap();
        let r = request(id, &w.people[0], 0);
        signatures::sign(db, &w.secrets, &m, &r, now).await.unwrap();
        let confirm = common::link(&drain(db, now).await[0], "confirm");
        signatures::confirm(db, &m, &confirm, now).await.unwrap();
        let withdraw = common::link(&drain(db, now).await[0], "withdraw");
        let sig = signature_id(db, id, r.email.as_str()).await.unwrap();
        signatures::change_signature(
            db,
            &m,
            sig,
            SignatureChange::Strike(StrikeReason::Fraud),
            &common::actor(),
            "",
            now,
        )
        .await
        .unwrap();
        assert_eq!(raw_sum(db, id).await, 0);
        signatures::withdraw(db, &m, &withdraw, now).await.unwrap();
        signatures::sign(db, &w.secrets, &m, &r, now).await.unwrap();
        let again = common::link(&drain(db, now).await[0], "confirm");
        let outcome = signatures::confirm(db, &m, &again, now).await.unwrap();
        // Told only that an officer will check it: whoever signed again may not be who was struck.
        assert!(matches!(outcome, signatures::ConfirmOutcome::SentForReview { .. }), "{}: {outcome:?}", w.t.name);
        let thanks = drain(db, now).await;
        assert!(thanks[0].body.contains("officer will check"), "the signer is told: {}", thanks[0].body);
        assert_eq!(raw_sum(db, id).await, 0, "{}: still struck, still not counted", w.t.name);
        assert!(counts::check(db, id).await.unwrap().is_empty());
        // The log gets the new signature and its strike, so it does not count there either.
        let queued: Vec<String> = sqlx::query("SELECT kind FROM log_queue WHERE petition_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get(0).unwrap())
            .collect();
        assert_eq!(queued, ["petition", "sig", "strike", "sig", "strike"], "{}", w.t.name);
        // Only an officer brings it back.
        signatures::change_signature(db, &m, sig, SignatureChange::Reinstate, &common::actor(), "", now).await.unwrap();
        assert_eq!(raw_sum(db, id).await, 1);
        w.t.close().await;
    }
}
