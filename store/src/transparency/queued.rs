//! What the log records, as a typed reference to the rows it describes, and the spelling of its
//! kind in the `log_queue` table.

use petition_tlog::entry::Reason;

use crate::error::{Result, StoreError};

/// What the log records, queued as references to the rows it describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    Petition,
    Sig(i64),
    Strike(i64, Reason),
    Reinstate(i64),
    /// Collection paused: the petition row says since when.
    Pause,
    /// Collection resumed: the petition row gives the new deadline.
    Resume,
    Close,
    /// The sample's seed and source: the petition row holds them.
    Sample,
    /// The certified result: the petition row holds it.
    Certify,
}

/// The kind of a queued reference, as the `log_queue.kind` column spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Petition,
    Sig,
    Strike,
    Reinstate,
    Pause,
    Resume,
    Close,
    Sample,
    Certify,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Petition,
        Kind::Sig,
        Kind::Strike,
        Kind::Reinstate,
        Kind::Pause,
        Kind::Resume,
        Kind::Close,
        Kind::Sample,
        Kind::Certify,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Petition => "petition",
            Kind::Sig => "sig",
            Kind::Strike => "strike",
            Kind::Reinstate => "reinstate",
            Kind::Pause => "pause",
            Kind::Resume => "resume",
            Kind::Close => "close",
            Kind::Sample => "sample",
            Kind::Certify => "certify",
        }
    }

    pub fn parse(s: &str) -> Result<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("log queue kind {s:?}")))
    }
}

impl Queued {
    pub fn kind(self) -> Kind {
        match self {
            Queued::Petition => Kind::Petition,
            Queued::Sig(_) => Kind::Sig,
            Queued::Strike(..) => Kind::Strike,
            Queued::Reinstate(_) => Kind::Reinstate,
            Queued::Pause => Kind::Pause,
            Queued::Resume => Kind::Resume,
            Queued::Close => Kind::Close,
            Queued::Sample => Kind::Sample,
            Queued::Certify => Kind::Certify,
        }
    }

    /// The signature it refers to, and the strike's reason.
    pub(crate) fn columns(self) -> (Option<i64>, Option<&'static str>) {
        match self {
            Queued::Petition | Queued::Pause | Queued::Resume | Queued::Close | Queued::Sample | Queued::Certify => {
                (None, None)
            }
            Queued::Sig(s) | Queued::Reinstate(s) => (Some(s), None),
            Queued::Strike(s, r) => (Some(s), Some(r.code())),
        }
    }

    /// Reads a queued reference back from its columns.
    pub fn read(kind: &str, signature_id: Option<i64>, reason: Option<&str>) -> Result<Queued> {
        let kind = Kind::parse(kind)?;
        let sig =
            || signature_id.ok_or_else(|| StoreError::Corrupt(format!("a queued {} names no signature", kind.name())));
        Ok(match kind {
            Kind::Petition => Queued::Petition,
            Kind::Sig => Queued::Sig(sig()?),
            Kind::Strike => Queued::Strike(
                sig()?,
                reason
                    .and_then(Reason::parse)
                    .ok_or_else(|| StoreError::Corrupt(format!("strike reason {reason:?}")))?,
            ),
            Kind::Reinstate => Queued::Reinstate(sig()?),
            Kind::Pause => Queued::Pause,
            Kind::Resume => Queued::Resume,
            Kind::Close => Queued::Close,
            Kind::Sample => Queued::Sample,
            Kind::Certify => Queued::Certify,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_queued_reference_reads_back_as_written() {
        for q in [
            Queued::Petition,
            Queued::Sig(7),
            Queued::Strike(7, Reason::Fraud),
            Queued::Reinstate(7),
            Queued::Pause,
            Queued::Resume,
            Queued::Close,
            Queued::Sample,
            Queued::Certify,
        ] {
            let (sig, reason) = q.columns();
            assert_eq!(Queued::read(q.kind().name(), sig, reason).unwrap(), q);
        }
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()).unwrap(), k);
        }
        assert!(matches!(Kind::parse("closed"), Err(StoreError::Corrupt(_))), "no kind is assumed");
        assert!(Queued::read("strike", Some(7), None).is_err(), "a strike without its reason");
        assert!(Queued::read("sig", None, None).is_err(), "a signature entry without its signature");
    }
}
