//! A petition's signing window as the log moves it: `petition/v1` fixes `[opens, closes)`, each
//! `pause/v1` stops collection, and each `resume/v1` restarts it with a new end (the *end in
//! force*). The rules of `pause/v1`, `resume/v1` and what they allow of `sig/v1` and `close/v1`
//! are checked here; [`super::Replay`] asks before it applies an entry.

use super::Rule;

/// Where a petition's window stands after the entries replayed so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Window {
    pub(super) opens: u64,
    /// The end in force: the `closes` of the latest `resume/v1`, else of the `petition/v1`.
    pub(super) end: u64,
    /// The `at` of the pause in force, while collection is paused.
    paused: Option<u64>,
    /// Every completed pause `[pause at, resume at)`, in log order. The pause rules below keep
    /// them in time order and apart (a pause may not begin before the last resume), so a
    /// signature's time is looked up by bisection, not by a scan a hostile log could make long.
    gaps: Vec<(u64, u64)>,
}

type Checked = Result<(), (Rule, String)>;

impl Window {
    pub(super) fn new(opens: u64, closes: u64) -> Window {
        Window { opens, end: closes, paused: None, gaps: Vec::new() }
    }

    /// A `sig/v1` dated `at` (the close is checked by the caller): inside `[opens, end in force)`,
    /// before the pause in force, and outside every completed pause.
    pub(super) fn check_sig(&self, at: u64) -> Checked {
        if at < self.opens || at >= self.end {
            return Err((Rule::SignatureOutsideWindow, format!("at {at}, window [{}, {})", self.opens, self.end)));
        }
        if let Some(p) = self.paused.filter(|p| at >= *p) {
            return Err((Rule::SignatureWhilePaused, format!("at {at}, paused since {p}")));
        }
        // The last gap that starts at or before `at` is the only one that can hold it.
        let i = self.gaps.partition_point(|(from, _)| *from <= at);
        if let Some((from, to)) = i.checked_sub(1).map(|i| self.gaps[i]).filter(|(_, to)| at < *to) {
            return Err((Rule::SignatureWhilePaused, format!("at {at}, paused [{from}, {to})")));
        }
        Ok(())
    }

    /// A `pause/v1` dated `at` of a petition not closed (the caller checks that). The format says
    /// a pause comes only after the `petition/v1` or a `resume/v1`, never twice in a row. Beyond
    /// that, its time must make sense where the office could have paused: at or after the
    /// opening, before the end in force (at the end the petition closes instead), and not before
    /// the last resume (pauses do not overlap; this also keeps [`Window::gaps`] in order).
    pub(super) fn check_pause(&self, at: u64) -> Checked {
        if let Some(p) = self.paused {
            return Err((Rule::AlreadyPaused, format!("paused since {p}")));
        }
        let resumed = self.gaps.last().map(|(_, to)| *to);
        if at < self.opens || at >= self.end || resumed.is_some_and(|r| at < r) {
            let after = resumed.map(|r| format!(", last resumed at {r}")).unwrap_or_default();
            return Err((Rule::PauseOutsideWindow, format!("at {at}, window [{}, {}){after}", self.opens, self.end)));
        }
        Ok(())
    }

    /// A `resume/v1` dated `at` with the new end `closes`.
    ///
    /// The format says a resume comes "only right after a `pause/v1` of the id (other ids' entries
    /// may come between)". Read strictly, no entry of the same id could come between either; but
    /// the pause's own rule allows a `sig/v1` of the id while paused if it is dated before the
    /// pause (a signature confirmed just before the pause and sequenced just after it), and
    /// nothing forbids a strike or reinstatement during a pause. So "right after" is read among
    /// the id's pauses and resumes: the id must be paused, whatever else of it came since.
    pub(super) fn check_resume(&self, at: u64, closes: u64) -> Checked {
        let Some(p) = self.paused else { return Err((Rule::ResumeWithoutPause, format!("at {at}"))) };
        if at < p {
            return Err((Rule::ResumeBeforePause, format!("at {at}, paused at {p}")));
        }
        // The end in force before the pause plus the time paused, exactly; a sum past u64 is no end.
        let want = self.end.checked_add(at - p);
        if want != Some(closes) {
            let want = want.map_or("none".into(), |w| w.to_string());
            return Err((
                Rule::ResumeClosesWrong,
                format!("closes {closes}, but the end in force {} plus {} paused is {want}", self.end, at - p),
            ));
        }
        Ok(())
    }

    /// A `close/v1` (its other rules are the caller's): never while paused, since a paused
    /// window has no end until it resumes.
    pub(super) fn check_close(&self) -> Checked {
        match self.paused {
            Some(p) => Err((Rule::CloseWhilePaused, format!("paused since {p}"))),
            None => Ok(()),
        }
    }

    /// Applies a checked pause.
    pub(super) fn pause(&mut self, at: u64) {
        self.paused = Some(at);
    }

    /// Applies a checked resume.
    pub(super) fn resume(&mut self, at: u64, closes: u64) {
        let p = self.paused.take().expect("checked: paused");
        self.gaps.push((p, at));
        self.end = closes;
    }
}

#[cfg(test)]
mod tests;
