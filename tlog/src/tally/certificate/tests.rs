//! Samples and certificates through the replay, each rule at its boundaries. Petition 7 opens at
//! 1000 and closes at 2000; most tests give it 22 signatures and require 20, so that a sample of
//! all 22 projects `22 − s` and the bands fall on whole numbers: `reached` from 22 (110%),
//! `not-reached` below 19 (95%).

use crate::certify::projected;
use crate::entry::{commitment, Entry, Ident, Method, Outcome, Percent, Reason};
use crate::sample::draw;
use crate::tally::rule_test::{replayed, rule_after, ROOT};
use crate::tally::{Replay, Rule, Status, Tally};

const SEED: [u8; 32] = [0x5e; 32];

fn id(s: &str) -> Ident {
    Ident::parse(s).unwrap()
}

fn petition(pid: &str, required: u64) -> Entry {
    Entry::Petition {
        id: id(pid),
        area: id("A"),
        opens: 1000,
        closes: 2000,
        electorate: 1000,
        percent: Percent::parse("2").unwrap(),
        required,
        text_sha256: [1; 32],
    }
}

fn sig(pid: &str, n: u16) -> Entry {
    let mut r = [0u8; 32];
    r[..2].copy_from_slice(&n.to_be_bytes());
    let area = ["W1", "W2"][usize::from(n) % 2];
    Entry::Sig { id: id(pid), area: id(area), at: 1000 + u64::from(n % 900), commit: commitment(pid, area, &r) }
}

fn strike(pid: &str, target: u64) -> Entry {
    Entry::Strike { id: id(pid), target, reason: Reason::NotEligible }
}

fn reinstate(pid: &str, target: u64) -> Entry {
    Entry::Reinstate { id: id(pid), target }
}

fn close(pid: &str) -> Entry {
    Entry::Close { id: id(pid), at: 2000 }
}

fn sample(pid: &str) -> Entry {
    Entry::Sample { id: id(pid), seed: SEED, source: id("drand-quicknet-10405839") }
}

fn certify(pid: &str, outcome: Outcome, method: Method, valid: u64, projected: u64) -> Entry {
    Entry::Certify { id: id(pid), outcome, method, valid, projected }
}

use Method::{Full, Sample};
use Outcome::{NotReached, Reached};

/// Petition 7 requiring `required`, with `count` signatures at indexes `1..=count`, closed.
fn closed(required: u64, count: u16) -> Vec<Entry> {
    let mut v = vec![petition("7", required)];
    v.extend((0..count).map(|n| sig("7", n)));
    v.push(close("7"));
    v
}

/// The usual log, closed and sampled: every one of its 22 signatures is in the sample.
fn sampled() -> Vec<Entry> {
    let mut v = closed(20, 22);
    v.push(sample("7"));
    v
}

/// Which rule `e` breaks after `before` (`None`: it keeps them). `check` foretells `apply`, and an
/// entry that breaks a rule changes nothing: every tally stays as it was, and the petition's
/// verification too.
fn after(before: &[Entry], e: &Entry) -> Option<Rule> {
    rule_after(before, e, |r: &Replay| {
        r.petitions.iter().map(|p| (p.verification.clone(), p.total)).collect::<Vec<_>>()
    })
}

fn status(entries: &[Entry]) -> Status {
    replayed(entries).tally(&id("7"), "o", &ROOT).unwrap().status
}

#[test]
fn a_certificate_sets_the_status_and_the_note_reads_back() {
    for (entries, before, want) in [
        (
            [closed(20, 22), vec![certify("7", Reached, Full, 22, 22)]].concat(),
            Status::ClosedReached,
            Status::CertifiedReached,
        ),
        (
            [closed(20, 19), vec![certify("7", NotReached, Full, 19, 19)]].concat(),
            Status::ClosedNotReached,
            Status::CertifiedNotReached,
        ),
        (
            [sampled(), vec![certify("7", Reached, Sample, 22, 22)]].concat(),
            Status::ClosedReached,
            Status::CertifiedReached,
        ),
    ] {
        assert_eq!(status(&entries[..entries.len() - 1]), before);
        let t = replayed(&entries).tally(&id("7"), "o", &ROOT).unwrap();
        assert_eq!(t.status, want);
        assert!(t.text().contains(&format!("\nstatus {}\n", want.code())), "{}", t.text());
        assert_eq!(Tally::parse(&t.text()), Ok(t));
    }
    // A sample certifies what it projects, whatever the count: 22 valid, but the 4 struck of the
    // sample project 18, under 95% of 20. The note states the certificate's outcome.
    let mut entries = sampled();
    entries.extend([strike("7", 1), strike("7", 2), strike("7", 3), strike("7", 4)]);
    entries.extend([reinstate("7", 1), strike("7", 5)]);
    entries.push(certify("7", NotReached, Sample, 18, 18));
    let t = replayed(&entries).tally(&id("7"), "o", &ROOT).unwrap();
    assert_eq!((t.status, t.total.valid()), (Status::CertifiedNotReached, 18));
    let mut entries = sampled();
    entries.extend([strike("7", 1), strike("7", 2), strike("7", 3), strike("7", 4)]);
    // Another petition's entries between change nothing of petition 7's.
    entries.extend([petition("8", 1), sig("8", 1), close("8")]);
    entries.push(certify("7", NotReached, Sample, 18, 18));
    assert_eq!(status(&entries), Status::CertifiedNotReached);
    assert_eq!(replayed(&entries).tally(&id("8"), "o", &ROOT).unwrap().status, Status::ClosedReached);
}

#[test]
fn a_sample_comes_after_the_close_and_only_once() {
    let open = &closed(20, 22)[..23];
    assert_eq!(after(open, &sample("7")), Some(Rule::SampleBeforeClose));
    assert_eq!(after(&closed(20, 22), &sample("7")), None);
    assert_eq!(after(&sampled(), &sample("7")), Some(Rule::SampleRepeated), "a second sample");
    let other_seed = Entry::Sample { id: id("7"), seed: [0; 32], source: id("other") };
    assert_eq!(after(&sampled(), &other_seed), Some(Rule::SampleRepeated), "a second sample, another seed");
    assert_eq!(after(&[], &sample("7")), Some(Rule::UnknownPetition));
    // Nor after the certificate, whether a sample came before it or not.
    let full = [closed(20, 22), vec![certify("7", Reached, Full, 22, 22)]].concat();
    assert_eq!(after(&full, &sample("7")), Some(Rule::AfterCertificate));
    let by_sample = [sampled(), vec![certify("7", Reached, Sample, 22, 22)]].concat();
    assert_eq!(after(&by_sample, &sample("7")), Some(Rule::AfterCertificate));
    // A petition with no signatures may be sampled too: the sample is empty.
    assert_eq!(after(&closed(20, 0), &sample("7")), None);
}

#[test]
fn a_certificate_comes_after_the_close_and_only_once() {
    let open = &closed(20, 22)[..23];
    assert_eq!(after(open, &certify("7", Reached, Full, 22, 22)), Some(Rule::CertifyBeforeClose));
    assert_eq!(after(&[], &certify("7", Reached, Full, 0, 0)), Some(Rule::UnknownPetition));
    let full = [closed(20, 22), vec![certify("7", Reached, Full, 22, 22)]].concat();
    assert_eq!(after(&full, &certify("7", Reached, Full, 22, 22)), Some(Rule::CertifyRepeated));
    assert_eq!(after(&full, &certify("7", NotReached, Full, 22, 22)), Some(Rule::CertifyRepeated));
    // After it, the petition's figures are final: no strike, reinstatement, sample or signature.
    assert_eq!(after(&full, &strike("7", 1)), Some(Rule::AfterCertificate));
    assert_eq!(after(&full, &strike("7", 0)), Some(Rule::AfterCertificate), "whatever the target");
    let struck = [closed(20, 22), vec![strike("7", 1), certify("7", Reached, Full, 21, 21)]].concat();
    assert_eq!(after(&struck, &reinstate("7", 1)), Some(Rule::AfterCertificate));
    assert_eq!(after(&full, &sig("7", 99)), Some(Rule::SignatureAfterClose));
    assert_eq!(after(&full, &close("7")), Some(Rule::BadClose));
    // Other petitions go on.
    let mut two = vec![petition("8", 1), sig("8", 1)];
    two.extend(full.iter().cloned());
    assert_eq!(after(&two, &strike("8", 1)), None);
}

#[test]
fn a_certificate_states_the_valid_count_before_it() {
    let mut entries = closed(20, 22);
    entries.extend([strike("7", 1), strike("7", 2), reinstate("7", 1)]);
    for (valid, rule) in [(20, Some(Rule::CertificateValidWrong)), (21, None), (22, Some(Rule::CertificateValidWrong))]
    {
        assert_eq!(after(&entries, &certify("7", Reached, Full, valid, valid)), rule, "valid {valid}");
    }
    // By sample as well: the count, not the projection.
    let mut entries = sampled();
    entries.push(strike("7", 3));
    assert_eq!(after(&entries, &certify("7", Reached, Sample, 22, 21)), Some(Rule::CertificateValidWrong));
}

#[test]
fn a_full_certificate_projects_the_count_and_reaches_exactly_at_the_required_count() {
    let entries = closed(20, 22);
    for (p, rule) in
        [(21, Some(Rule::CertificateProjectionWrong)), (22, None), (23, Some(Rule::CertificateProjectionWrong))]
    {
        assert_eq!(after(&entries, &certify("7", Reached, Full, 22, p)), rule, "projected {p}");
    }
    for (count, outcome, rule) in [
        (19, Reached, Some(Rule::CertificateOutcomeWrong)),
        (19, NotReached, None),
        (20, Reached, None),
        (20, NotReached, Some(Rule::CertificateOutcomeWrong)),
        (21, Reached, None),
        (21, NotReached, Some(Rule::CertificateOutcomeWrong)),
    ] {
        let e = certify("7", outcome, Full, count, count);
        assert_eq!(after(&closed(20, count as u16), &e), rule, "{count} of 20, {}", outcome.code());
    }
    // A full check may follow a sample, which stays in the log (for one in the band, it must).
    let mut entries = sampled();
    entries.extend([strike("7", 1), strike("7", 2)]);
    assert_eq!(after(&entries, &certify("7", Reached, Sample, 20, 20)), Some(Rule::SampleNotClear));
    assert_eq!(after(&entries, &certify("7", Reached, Full, 20, 20)), None);
}

#[test]
fn a_certificate_by_sample_needs_a_sample() {
    let entries = closed(20, 22);
    assert_eq!(after(&entries, &certify("7", Reached, Sample, 22, 22)), Some(Rule::CertificateWithoutSample));
}

/// The usual sampled log with the first `s` sampled signatures struck.
fn struck_in_sample(s: u64) -> Vec<Entry> {
    let mut entries = sampled();
    entries.extend((1..=s).map(|t| strike("7", t)));
    entries
}

#[test]
fn a_certificate_by_sample_states_the_projection() {
    // 22 candidates, all sampled: the projection is 22 − s, checked before the band.
    for (s, outcome) in [(0, Reached), (4, NotReached), (22, NotReached)] {
        let entries = struck_in_sample(s);
        let want = 22 - s;
        for p in [want.wrapping_sub(1), want + 1, u64::MAX] {
            let e = certify("7", outcome, Sample, want, p);
            assert_eq!(after(&entries, &e), Some(Rule::CertificateProjectionWrong), "s = {s}, projected {p}");
        }
        assert_eq!(after(&entries, &certify("7", outcome, Sample, want, want)), None, "s = {s}");
    }
}

#[test]
fn a_certificate_by_sample_must_clear_the_band() {
    // reached: 110% of 20 is 22, so s = 0 (22) certifies and s = 1 (21) does not.
    assert_eq!(after(&struck_in_sample(0), &certify("7", Reached, Sample, 22, 22)), None);
    assert_eq!(after(&struck_in_sample(1), &certify("7", Reached, Sample, 21, 21)), Some(Rule::SampleNotClear));
    // One above 110%: 23 signatures, none struck.
    let mut above = closed(20, 23);
    above.push(sample("7"));
    assert_eq!(after(&above, &certify("7", Reached, Sample, 23, 23)), None);
    // not-reached: 95% of 20 is 19, in the band; 18 is below it, 20 above.
    assert_eq!(after(&struck_in_sample(2), &certify("7", NotReached, Sample, 20, 20)), Some(Rule::SampleNotClear));
    assert_eq!(after(&struck_in_sample(3), &certify("7", NotReached, Sample, 19, 19)), Some(Rule::SampleNotClear));
    assert_eq!(after(&struck_in_sample(4), &certify("7", NotReached, Sample, 18, 18)), None);
    // Nor may a clear projection certify the other outcome.
    assert_eq!(after(&struck_in_sample(0), &certify("7", NotReached, Sample, 22, 22)), Some(Rule::SampleNotClear));
    assert_eq!(after(&struck_in_sample(4), &certify("7", Reached, Sample, 18, 18)), Some(Rule::SampleNotClear));
    // An empty sample projects 0: not reached, never reached.
    let mut empty = closed(20, 0);
    empty.push(sample("7"));
    assert_eq!(after(&empty, &certify("7", NotReached, Sample, 0, 0)), None);
    assert_eq!(after(&empty, &certify("7", Reached, Sample, 0, 0)), Some(Rule::SampleNotClear));
}

#[test]
fn the_sample_is_drawn_from_the_signatures_not_struck_at_it() {
    // Signature 1 is struck before the sample: V = 21, and reinstating it after the sample adds to
    // the count but not to the sample, so the projection stays 21.
    let mut entries = closed(20, 22);
    entries.extend([strike("7", 1), sample("7"), reinstate("7", 1)]);
    assert_eq!(after(&entries, &certify("7", Reached, Sample, 22, 21)), Some(Rule::SampleNotClear));
    assert_eq!(after(&entries, &certify("7", Reached, Sample, 22, 22)), Some(Rule::CertificateProjectionWrong));
    // And striking it again changes no projection either.
    entries.push(strike("7", 1));
    assert_eq!(after(&entries, &certify("7", Reached, Sample, 21, 21)), Some(Rule::SampleNotClear));
    // A sampled signature struck then reinstated counts as valid again.
    let mut entries = sampled();
    entries.extend([strike("7", 2), reinstate("7", 2)]);
    assert_eq!(after(&entries, &certify("7", Reached, Sample, 22, 22)), None);
}

#[test]
fn only_strikes_of_sampled_signatures_lower_the_projection() {
    // 600 candidates: 500 are sampled, 100 are not. Another petition's signatures come between,
    // so the candidates are not a run of indexes.
    let mut entries = vec![petition("7", 400), petition("8", 1)];
    let mut candidates = Vec::new();
    for n in 0..600u16 {
        candidates.push(entries.len() as u64);
        entries.push(sig("7", n));
        if n % 7 == 1 {
            entries.push(sig("8", n));
        }
    }
    entries.extend([close("7"), sample("7")]);
    let drawn = draw(&id("7"), &SEED, candidates.clone());
    assert_eq!(drawn.len(), 500);
    let left: Vec<u64> = candidates.iter().copied().filter(|c| drawn.binary_search(c).is_err()).collect();
    // Two struck outside the sample, three inside: valid 595, projected floor(600 × 497 / 500) = 596.
    entries.extend([strike("7", left[0]), strike("7", left[99])]);
    entries.extend([strike("7", drawn[0]), strike("7", drawn[250]), strike("7", drawn[499])]);
    assert_eq!(projected(600, 500, 3), 596);
    for (p, rule) in
        [(595, Some(Rule::CertificateProjectionWrong)), (596, None), (597, Some(Rule::CertificateProjectionWrong))]
    {
        assert_eq!(after(&entries, &certify("7", Reached, Sample, 595, p)), rule, "projected {p}");
    }
    assert_eq!(after(&entries, &certify("7", Reached, Sample, 596, 596)), Some(Rule::CertificateValidWrong));
}
