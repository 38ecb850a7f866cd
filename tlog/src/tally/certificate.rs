//! A petition's verification after the close, as the log records it: the `sample/v1` that fixes
//! which signatures the office checks, and the `certify/v1` that states the result. Their rules are
//! checked here; [`super::Replay`] asks before it applies an entry, and supplies what the replay
//! knows of the signatures (which are struck, which were sampled).
//!
//! The replay keeps counts, not entries, and a hostile log may repeat a broken entry millions of
//! times, so nothing here costs more per entry than a few comparisons: the number of sampled
//! signatures struck is kept up to date as strikes and reinstatements come, not counted again at
//! each `certify/v1`. The one long step, drawing the sample, happens at most once per petition.

use super::Rule;
use crate::certify::{full_outcome, projected, sample_outcome};
use crate::entry::{Ident, Method, Outcome};
use crate::sample::draw;

/// Where a petition's verification stands after the entries replayed so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Verification {
    /// The leaf indexes of the petition's `sig/v1` entries, ascending, from which the sample is
    /// drawn. Emptied once a sample is drawn or the result certified: nothing needs them after.
    signatures: Vec<u64>,
    /// The sample, once drawn.
    sample: Option<Drawn>,
    /// The outcome of the petition's `certify/v1`, once certified.
    certified: Option<Outcome>,
}

/// What a certificate needs of the sample: `V`, `n`, and `s` as it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Drawn {
    candidates: u64,
    size: u64,
    struck: u64,
}

/// What a `certify/v1` entry claims.
pub(super) struct Claim {
    pub(super) outcome: Outcome,
    pub(super) method: Method,
    pub(super) valid: u64,
    pub(super) projected: u64,
}

type Checked = Result<(), (Rule, String)>;

impl Verification {
    /// Applies a `sig/v1` at `index` (signatures come in log order, so the list stays ascending).
    pub(super) fn signed(&mut self, index: u64) {
        self.signatures.push(index);
    }

    /// Applies the `close/v1`: no signature comes after it, so the list is as long as it gets.
    pub(super) fn close(&mut self) {
        self.signatures.shrink_to_fit();
    }

    pub(super) fn certified(&self) -> Option<Outcome> {
        self.certified
    }

    /// A `strike/v1` or `reinstate/v1` (its other rules are the caller's): never after the
    /// certificate, whose figures would no longer be the log's.
    pub(super) fn check_change(&self) -> Checked {
        match self.certified {
            Some(o) => Err((Rule::AfterCertificate, format!("certified {}", o.code()))),
            None => Ok(()),
        }
    }

    /// A `sample/v1` of a petition closed at `closed`: after the close (the seed must be one nobody
    /// knew before it), before the certificate, and only once.
    pub(super) fn check_sample(&self, closed: Option<u64>) -> Checked {
        if closed.is_none() {
            return Err((Rule::SampleBeforeClose, "the petition has no close/v1 yet".into()));
        }
        self.check_change()?;
        if let Some(d) = self.sample {
            return Err((Rule::SampleRepeated, format!("a sample of {} was drawn before", d.size)));
        }
        Ok(())
    }

    /// Applies a checked `sample/v1`: draws the sample from the signatures not struck now, and
    /// returns it for the caller to mark.
    pub(super) fn draw(&mut self, id: &Ident, seed: &[u8; 32], struck: impl Fn(u64) -> bool) -> Vec<u64> {
        let mut candidates = std::mem::take(&mut self.signatures);
        candidates.retain(|i| !struck(*i));
        let v = candidates.len() as u64;
        let sample = draw(id, seed, candidates);
        // Drawn from signatures not struck: none of the sample is struck yet.
        self.sample = Some(Drawn { candidates: v, size: sample.len() as u64, struck: 0 });
        sample
    }

    /// Applies a checked strike (`struck`) or reinstatement of a signature in the sample.
    pub(super) fn sampled_changed(&mut self, struck: bool) {
        let d = self.sample.as_mut().expect("a sampled signature implies a sample");
        if struck {
            d.struck += 1;
        } else {
            d.struck -= 1;
        }
    }

    /// A `certify/v1` claiming `c`, for a petition closed at `closed` with `valid` valid
    /// signatures before it and `required` required.
    ///
    /// The figures are checked in the order the format gives them: `valid` first, which does not
    /// depend on the method; then `projected`, which the method fixes; then the outcome it allows.
    pub(super) fn check_certify(&self, closed: Option<u64>, c: &Claim, valid: u64, required: u64) -> Checked {
        if closed.is_none() {
            return Err((Rule::CertifyBeforeClose, "the petition has no close/v1 yet".into()));
        }
        if let Some(o) = self.certified {
            return Err((Rule::CertifyRepeated, format!("certified {} before", o.code())));
        }
        if c.valid != valid {
            return Err((Rule::CertificateValidWrong, format!("valid {}, but the log counts {valid}", c.valid)));
        }
        match c.method {
            Method::Full => {
                if c.projected != valid {
                    return Err((
                        Rule::CertificateProjectionWrong,
                        format!("projected {}, but a full check projects the valid count {valid}", c.projected),
                    ));
                }
                let want = full_outcome(valid, required);
                if c.outcome != want {
                    return Err((
                        Rule::CertificateOutcomeWrong,
                        format!("{}, but valid {valid} of required {required} is {}", c.outcome.code(), want.code()),
                    ));
                }
            }
            Method::Sample => {
                let Some(d) = self.sample else {
                    return Err((Rule::CertificateWithoutSample, "no sample/v1 before it".into()));
                };
                let want = projected(d.candidates, d.size, d.struck);
                if c.projected != want {
                    return Err((
                        Rule::CertificateProjectionWrong,
                        format!(
                            "projected {}, but V = {}, n = {}, s = {} project floor(V × (n − s) / n) = {want}",
                            c.projected, d.candidates, d.size, d.struck
                        ),
                    ));
                }
                if sample_outcome(want, required) != Some(c.outcome) {
                    return Err((
                        Rule::SampleNotClear,
                        format!(
                            "{} from a projection of {want} against required {required}: reached needs 110% or more, not-reached under 95%",
                            c.outcome.code()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Applies a checked `certify/v1`.
    pub(super) fn certify(&mut self, outcome: Outcome) {
        self.certified = Some(outcome);
        self.signatures = Vec::new();
    }
}

#[cfg(test)]
mod tests;
