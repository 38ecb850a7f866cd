//! What an officer's change does to a petition's standing, shown before it is made: "this takes
//! the petition below its trigger".

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effect {
    pub valid_before: u64,
    pub valid_after: u64,
    pub required: u64,
}

impl Effect {
    /// `change` signatures stop counting (negative) or start counting (positive).
    pub fn of(valid: u64, change: i64, required: u64) -> Effect {
        Effect { valid_before: valid, valid_after: valid.saturating_add_signed(change), required }
    }

    pub fn takes_below_trigger(&self) -> bool {
        self.valid_before >= self.required && self.valid_after < self.required
    }

    pub fn reaches_trigger(&self) -> bool {
        self.valid_before < self.required && self.valid_after >= self.required
    }

    /// One sentence for the check page.
    pub fn describe(&self) -> String {
        let moves = format!(
            "Valid signatures go from {} to {} (the trigger is {})",
            self.valid_before, self.valid_after, self.required
        );
        if self.takes_below_trigger() {
            format!("{moves}. This takes the petition below its trigger.")
        } else if self.reaches_trigger() {
            format!("{moves}. This takes the petition to its trigger.")
        } else if self.valid_after >= self.required {
            format!("{moves}. The petition stays at or above its trigger.")
        } else {
            format!("{moves}. The petition stays below its trigger.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_either_way_is_named_at_the_exact_boundary() {
        assert!(Effect::of(100, -1, 100).takes_below_trigger());
        assert!(!Effect::of(101, -1, 100).takes_below_trigger());
        assert!(Effect::of(99, 1, 100).reaches_trigger());
        assert!(!Effect::of(98, 1, 100).reaches_trigger());
        assert!(Effect::of(100, -1, 100).describe().ends_with("below its trigger."));
        assert!(Effect::of(99, 1, 100).describe().ends_with("to its trigger."));
        assert!(Effect::of(101, -1, 100).describe().contains("stays at or above"));
        assert!(Effect::of(5, -5, 100).describe().contains("from 5 to 0"));
    }

    #[test]
    fn never_below_zero() {
        assert_eq!(Effect::of(2, -5, 10).valid_after, 0);
    }
}
