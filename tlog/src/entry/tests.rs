use super::*;
use proptest::prelude::*;

const PETITION: &str = "petition/v1 id=42 area=E05003220 opens=1767225600 closes=1782863999 electorate=2913 percent=5 required=146 text-sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const SIG: &str = "sig/v1 id=42 area=E05003220 at=1767229200 commit=n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=";
const SAMPLE: &str =
    "sample/v1 id=42 seed=52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971 source=drand-quicknet-10405839";
const CERTIFY: &str = "certify/v1 id=42 outcome=not-reached method=sample valid=2913 projected=130";

fn examples() -> Vec<String> {
    vec![
        PETITION.to_string(),
        PETITION.replace("percent=5", "percent=2.5"),
        SIG.to_string(),
        "strike/v1 id=42 target=1 reason=not-eligible".into(),
        "reinstate/v1 id=42 target=1".into(),
        "close/v1 id=42 at=1782863999".into(),
        "close/v1 id=a_B-9 at=0".into(),
        "pause/v1 id=42 at=1770000000".into(),
        "resume/v1 id=42 at=1770086400 closes=1782950399".into(),
        "pause/v1 id=a_B-9 at=0".into(),
        "resume/v1 id=a_B-9 at=0 closes=18446744073709551615".into(),
        SAMPLE.into(),
        format!("sample/v1 id=a_B-9 seed={} source=national-lottery-2027-03-06", "0".repeat(64)),
        format!("sample/v1 id=42 seed={} source={}", "f".repeat(64), "s".repeat(64)),
        CERTIFY.into(),
        "certify/v1 id=42 outcome=reached method=full valid=146 projected=146".into(),
        "certify/v1 id=a_B-9 outcome=reached method=sample valid=0 projected=18446744073709551615".into(),
        "certify/v1 id=42 outcome=not-reached method=full valid=0 projected=0".into(),
    ]
}

#[test]
fn entries_round_trip_byte_for_byte() {
    for e in examples() {
        let parsed = Entry::parse(e.as_bytes()).unwrap_or_else(|err| panic!("{e}: {err}"));
        assert_eq!(parsed.encode(), e);
    }
    for r in Reason::ALL {
        let e = format!("strike/v1 id=7 target=12 reason={}", r.code());
        assert_eq!(
            Entry::parse(e.as_bytes()).unwrap(),
            Entry::Strike { id: Ident::parse("7").unwrap(), target: 12, reason: r }
        );
    }
    let id = Ident::parse("42").unwrap();
    assert_eq!(Entry::parse(b"pause/v1 id=42 at=1770000000").unwrap(), Entry::Pause { id: id.clone(), at: 1770000000 });
    assert_eq!(
        Entry::parse(b"resume/v1 id=42 at=1770086400 closes=1782950399").unwrap(),
        Entry::Resume { id: id.clone(), at: 1770086400, closes: 1782950399 }
    );
    let seed = [
        0x52, 0xdb, 0x9b, 0xa7, 0x0e, 0x0c, 0xc0, 0xf6, 0xea, 0xf7, 0x80, 0x3d, 0xd0, 0x74, 0x47, 0xa1, 0xf5, 0x47,
        0x77, 0x35, 0xfd, 0x3f, 0x66, 0x17, 0x92, 0xba, 0x94, 0x60, 0x0c, 0x84, 0xe9, 0x71,
    ];
    assert_eq!(
        Entry::parse(SAMPLE.as_bytes()).unwrap(),
        Entry::Sample { id: id.clone(), seed, source: Ident::parse("drand-quicknet-10405839").unwrap() }
    );
    assert_eq!(
        Entry::parse(CERTIFY.as_bytes()).unwrap(),
        Entry::Certify {
            id: id.clone(),
            outcome: Outcome::NotReached,
            method: Method::Sample,
            valid: 2913,
            projected: 130
        }
    );
    for (outcome, method) in Outcome::ALL.into_iter().flat_map(|o| Method::ALL.map(|m| (o, m))) {
        let e = format!("certify/v1 id=42 outcome={} method={} valid=1 projected=2", outcome.code(), method.code());
        assert_eq!(
            Entry::parse(e.as_bytes()).unwrap(),
            Entry::Certify { id: id.clone(), outcome, method, valid: 1, projected: 2 }
        );
    }
    let sample = Entry::parse(SAMPLE.as_bytes()).unwrap();
    assert_eq!((sample.kind(), sample.id()), ("sample/v1", &id));
    assert_eq!(Entry::parse(CERTIFY.as_bytes()).unwrap().kind(), "certify/v1");
}

#[test]
fn anything_that_would_not_reserialise_is_refused() {
    let bad = [
        format!("{SIG}\n"),
        format!("{SIG}\r\n"),
        format!("{SIG} "),
        format!(" {SIG}"),
        format!("{SIG} extra=1"),
        SIG.replace(' ', "  "),
        SIG.replace("at=1767229200", "at=01767229200"),
        SIG.replace("at=1767229200", "at=+1767229200"),
        SIG.replace("at=1767229200", "at=-1"),
        SIG.replace("at=1767229200", "at=99999999999999999999"),
        SIG.replace("id=42 area=E05003220", "area=E05003220 id=42"),
        SIG.replace("id=42", "ID=42"),
        SIG.replace("id=42", "id=4.2"),
        SIG.replace("id=42", "id="),
        SIG.replace("id=42", &format!("id={}", "a".repeat(65))),
        SIG.replace("Cgg=", "Cgg"),
        SIG.replace("Cgg=", "Cgh="),
        SIG.replace("sig/v1", "sig/v2"),
        SIG.replace(" at=1767229200", ""),
        PETITION.replace("percent=5", "percent=5.0"),
        PETITION.replace("percent=5", "percent=05"),
        PETITION.replace("percent=5", "percent=.5"),
        PETITION.replace("percent=5", "percent=0"),
        PETITION.replace("percent=5", "percent=101"),
        PETITION.replace("percent=5", "percent=2,5"),
        PETITION.replace("9f86d0", "9F86D0"),
        PETITION.replace("text-sha256=9f", "text-sha256=9"),
        "strike/v1 id=42 target=1 reason=Fraud".into(),
        "strike/v1 id=42 target=1 reason=other".into(),
        "close/v1 id=42 at=1\tx".into(),
        // Pauses and resumes: the same number and identifier rules, fields in the documented order.
        "pause/v1 id=42".into(),
        "pause/v1 id=42 at=".into(),
        "pause/v1 id=42 at=01770000000".into(),
        "pause/v1 id=42 at=1770000000 closes=1782950399".into(),
        "pause/v1 at=1770000000 id=42".into(),
        "pause/v1 id=4.2 at=1770000000".into(),
        "pause/v2 id=42 at=1770000000".into(),
        "resume/v1 id=42 at=1770086400".into(),
        "resume/v1 id=42 closes=1782950399 at=1770086400".into(),
        "resume/v1 id=42 at=1770086400 closes=+1782950399".into(),
        "resume/v1 id=42 at=1770086400 closes=18446744073709551616".into(),
        "resume/v1 id=42 at=1770086400 closes=1782950399 ".into(),
        "resume/v1 id=42 at=1770086400  closes=1782950399".into(),
        "resume/v1 id=42 at=-1 closes=1782950399".into(),
        "close/v1 id=é at=1".into(),
        // Samples: the seed is exactly 64 lower-case hex digits, the source an identifier.
        SAMPLE.replace("seed=52db", "seed=52DB"),
        SAMPLE.replace("e971", "E971"),
        SAMPLE.replace("seed=52db", "seed=52d"),
        SAMPLE.replace("seed=52db", "seed=52dbb"),
        SAMPLE.replace("seed=52db", "seed=52dg"),
        SAMPLE.replace("seed=52db", "seed=0x52"),
        SAMPLE.replace(
            "seed=52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
            "seed=Utubpw4MwPbq94A90HRHofVHdzX9P2YXkrqUYAyE6XE=",
        ),
        SAMPLE.replace("source=drand-quicknet-10405839", "source="),
        SAMPLE.replace("source=drand-quicknet-10405839", "source=drand:quicknet"),
        SAMPLE.replace("source=drand-quicknet-10405839", "source=drand.quicknet"),
        SAMPLE.replace("source=drand-quicknet-10405839", &format!("source={}", "s".repeat(65))),
        SAMPLE.replace(" source=drand-quicknet-10405839", ""),
        SAMPLE.replace("id=42 seed", "seed").replace("source", "id=42 source"),
        format!("{SAMPLE} at=1"),
        // Certificates: the outcome and method by their codes, the figures plain decimals.
        CERTIFY.replace("not-reached", "not_reached"),
        CERTIFY.replace("not-reached", "Reached"),
        CERTIFY.replace("not-reached", "closed-reached"),
        CERTIFY.replace("method=sample", "method=Sample"),
        CERTIFY.replace("method=sample", "method=partial"),
        CERTIFY.replace("valid=2913", "valid=02913"),
        CERTIFY.replace("valid=2913", "valid=-1"),
        CERTIFY.replace("projected=130", "projected=130.5"),
        CERTIFY.replace("projected=130", "projected=18446744073709551616"),
        CERTIFY.replace("outcome=not-reached method=sample", "method=sample outcome=not-reached"),
        CERTIFY.replace(" projected=130", ""),
        format!("{CERTIFY} "),
        String::new(),
    ];
    for b in &bad {
        assert!(Entry::parse(b.as_bytes()).is_err(), "{b:?} should be refused");
    }
    let long = format!("close/v1 id={} at=1", "a".repeat(64));
    assert!(Entry::parse(long.as_bytes()).is_ok());
    let mut over = PETITION.replace("id=42", &format!("id={}", "b".repeat(64))).into_bytes();
    over.extend(std::iter::repeat_n(b'x', MAX_ENTRY_BYTES + 1 - over.len()));
    assert!(Entry::parse(&over).unwrap_err().0.contains("at most"));
}

#[test]
fn the_commitment_is_the_documented_hash() {
    use sha2::{Digest, Sha256};
    let r = [7u8; 32];
    let mut input = b"petition-sig/v1\n42\nE05003220\n".to_vec();
    input.extend_from_slice(&r);
    let want: [u8; 32] = Sha256::digest(&input).into();
    assert_eq!(commitment("42", "E05003220", &r), want);
}

proptest! {
    #[test]
    fn any_pause_or_resume_entry_round_trips(id in "[A-Za-z0-9_-]{1,64}", at: u64, closes: u64) {
        for e in [Entry::Pause { id: Ident::parse(&id).unwrap(), at }, Entry::Resume { id: Ident::parse(&id).unwrap(), at, closes }] {
            prop_assert_eq!(Entry::parse(e.encode().as_bytes()).unwrap(), e);
        }
    }

    #[test]
    fn any_sample_or_certificate_entry_round_trips(
        id in "[A-Za-z0-9_-]{1,64}",
        source in "[A-Za-z0-9_-]{1,64}",
        seed: [u8; 32],
        reached: bool,
        full: bool,
        valid: u64,
        projected: u64,
    ) {
        let outcome = if reached { Outcome::Reached } else { Outcome::NotReached };
        let method = if full { Method::Full } else { Method::Sample };
        for e in [
            Entry::Sample { id: Ident::parse(&id).unwrap(), seed, source: Ident::parse(&source).unwrap() },
            Entry::Certify { id: Ident::parse(&id).unwrap(), outcome, method, valid, projected },
        ] {
            prop_assert_eq!(Entry::parse(e.encode().as_bytes()).unwrap(), e);
        }
    }

    #[test]
    fn any_signature_entry_round_trips(id in "[A-Za-z0-9_-]{1,64}", area in "[A-Za-z0-9_-]{1,64}", at: u64, commit: [u8; 32]) {
        let e = Entry::Sig { id: Ident::parse(&id).unwrap(), area: Ident::parse(&area).unwrap(), at, commit };
        prop_assert_eq!(Entry::parse(e.encode().as_bytes()).unwrap(), e);
    }

    #[test]
    fn no_single_byte_change_of_an_entry_parses_to_the_same_entry(i in 0usize..300, b in 0x20u8..0x7f) {
        for e in examples() {
            let mut bytes = e.clone().into_bytes();
            let i = i % bytes.len();
            if bytes[i] == b { continue; }
            bytes[i] = b;
            if let Ok(other) = Entry::parse(&bytes) {
                prop_assert_ne!(other.encode(), e);
                prop_assert_eq!(other.encode().into_bytes(), bytes);
            }
        }
    }
}

/// `parse` does not write an entry out again to compare: each field's parser takes only its
/// canonical spelling. Every entry one byte away from a good one is refused or reads back to
/// exactly its bytes.
#[test]
fn every_entry_one_byte_from_a_good_one_is_refused_or_reserialises() {
    let good = [
        SIG.to_string(),
        PETITION.to_string(),
        PETITION.replace("percent=5", "percent=2.5"),
        SAMPLE.to_string(),
        CERTIFY.to_string(),
        "strike/v1 id=42 target=10 reason=not-eligible".into(),
        "reinstate/v1 id=42 target=10".into(),
        "pause/v1 id=42 at=1770000000".into(),
        "resume/v1 id=42 at=1770086400 closes=1782950399".into(),
        "close/v1 id=42 at=0".into(),
    ];
    let mut accepted = 0;
    for e in &good {
        assert!(Entry::parse(e.as_bytes()).is_ok(), "{e}");
        for i in 0..e.len() {
            for b in 0x20..=0x7eu8 {
                let mut changed = e.as_bytes().to_vec();
                changed[i] = b;
                if let Ok(parsed) = Entry::parse(&changed) {
                    assert_eq!(parsed.encode().as_bytes(), &changed[..], "{}", String::from_utf8_lossy(&changed));
                    accepted += 1;
                }
            }
        }
    }
    assert!(accepted > 1000, "the changes include good entries too: {accepted}");
}
