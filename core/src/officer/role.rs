//! Officer roles and what each may do. Every officer route names the capability it needs; the
//! server asks [`Role::may`] and nothing else.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Reads everything officers see, changes nothing: councillors, auditors, a deputy.
    Viewer,
    /// Every petition action: reviews, strikes, pauses, recounts, reference data, exports.
    Officer,
    /// An officer who also manages accounts and reads the whole audit trail.
    Admin,
}

/// What a route needs, from least to most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Capability {
    /// Read officer pages (personal data of signers included).
    Read,
    /// Change petitions, signatures and reference data; export signers.
    Act,
    /// Manage accounts; search the whole audit trail.
    Administer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Officer, Role::Viewer];

    pub fn may(self, need: Capability) -> bool {
        match need {
            Capability::Read => true,
            Capability::Act => self >= Role::Officer,
            Capability::Administer => self == Role::Admin,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    /// What the role is for, in the words the accounts page uses.
    pub fn describe(self) -> &'static str {
        match self {
            Role::Admin => "Admin: manages accounts and does everything an officer does",
            Role::Officer => "Officer: reviews, strikes, pauses, recounts, reference data and exports",
            Role::Viewer => "Viewer: reads everything officers see and changes nothing",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_may_exactly_its_capabilities() {
        let table = [
            (Role::Viewer, [true, false, false]),
            (Role::Officer, [true, true, false]),
            (Role::Admin, [true, true, true]),
        ];
        for (role, allowed) in table {
            for (cap, want) in [Capability::Read, Capability::Act, Capability::Administer].into_iter().zip(allowed) {
                assert_eq!(role.may(cap), want, "{role:?} {cap:?}");
            }
        }
    }

    #[test]
    fn codes_round_trip_and_nothing_else_parses() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
        }
        for bad in ["", "Admin", "root", "admin ", "officers"] {
            assert_eq!(Role::parse(bad), None, "{bad:?}");
        }
    }
}
