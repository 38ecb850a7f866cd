//! Which officer routes need what. The server's gate asks [`access`] for every request under
//! `/officer` and `/api/officer`, before any page renders or any form is read; the pages' server
//! functions check the role again themselves.

use petition_core::officer::Capability;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Not an officer route: the gate lets it through untouched.
    NotOfficer,
    /// Signing in, setting up an account, resetting a password: open to anyone.
    Public,
    /// The second step of signing in: needs a half-signed-in session, which its handler checks.
    SecondFactor,
    /// Needs a signed-in officer whose role has this capability.
    Signed(Capability),
}

fn segments(path: &str) -> Vec<&str> {
    path.trim_end_matches('/').split('/').skip(1).collect()
}

/// What a request needs, by its method and path. Anything under `/officer` not listed here
/// needs an admin, so a route added without a line here is closed rather than open.
pub fn access(post: bool, path: &str) -> Access {
    use Capability::{Act, Administer, Read};
    let s = segments(path);
    match s.as_slice() {
        ["api", name, ..] if name.starts_with("officer_admin") => Access::Signed(Administer),
        ["api", name, ..] if name.starts_with("officer") => Access::Signed(Read),
        ["officer", "sign-in"] | ["officer", "forgot-password"] => Access::Public,
        ["officer", "set-up", _] | ["officer", "reset", _] => Access::Public,
        ["officer", "sign-in", "code"] => Access::SecondFactor,
        ["officer"] | ["officer", "petitions", _] | ["officer", "petitions", _, "signatures" | "verify"] if !post => {
            Access::Signed(Read)
        }
        ["officer", "account" | "check" | "review" | "reference" | "moderation" | "settings"] if !post => {
            Access::Signed(Read)
        }
        ["officer", "proposals", _] if !post => Access::Signed(Read),
        ["officer", "proposals", _, "open" | "return" | "refuse"] if post => Access::Signed(Act),
        ["officer", "petitions", _, "bulk"] => Access::Signed(Act),
        ["officer", "reference", "upload"] => Access::Signed(Act),
        ["officer", "reference", "uploads", _] if !post => Access::Signed(Act),
        ["officer", "reference", "uploads", _, "import"] if post => Access::Signed(Act),
        ["officer", "petitions", _, "signatures.csv"] if !post => Access::Signed(Act),
        ["officer", "sign-out"] | ["officer", "account", "sign-out-everywhere"] if post => Access::Signed(Read),
        ["officer", "account", "sessions", _, "end"] if post => Access::Signed(Read),
        ["officer", "petitions", _, "pause" | "resume" | "recount"] if post => Access::Signed(Act),
        ["officer", "petitions", _, "seed-plan" | "sample" | "certify" | "council" | "check"] if post => {
            Access::Signed(Act)
        }
        ["officer", "signatures", _, "strike" | "reinstate" | "approve"] if post => Access::Signed(Act),
        ["officer", ..] => Access::Signed(Administer),
        _ => Access::NotOfficer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Capability::*;

    #[test]
    fn sign_in_pages_are_open_and_everything_else_needs_a_role() {
        for p in ["/officer/sign-in", "/officer/forgot-password", "/officer/set-up/abc", "/officer/reset/abc"] {
            assert_eq!(access(false, p), Access::Public, "{p}");
            assert_eq!(access(true, p), Access::Public, "{p}");
        }
        assert_eq!(access(true, "/officer/sign-in/code"), Access::SecondFactor);
        assert_eq!(access(false, "/officer"), Access::Signed(Read));
        assert_eq!(access(false, "/officer/"), Access::Signed(Read));
        assert_eq!(access(false, "/officer/petitions/3"), Access::Signed(Read));
        assert_eq!(access(true, "/officer/petitions/3/pause"), Access::Signed(Act));
        assert_eq!(access(false, "/officer/petitions/3/verify"), Access::Signed(Read));
        for step in ["seed-plan", "sample", "certify", "council", "check"] {
            assert_eq!(access(true, &format!("/officer/petitions/3/{step}")), Access::Signed(Act), "{step}");
        }
        assert_eq!(access(true, "/officer/petitions/3/verify"), Access::Signed(Administer), "no form posts to a page");
        assert_eq!(access(true, "/officer/signatures/9/strike"), Access::Signed(Act));
        assert_eq!(access(false, "/officer/review"), Access::Signed(Read));
        assert_eq!(access(false, "/officer/moderation"), Access::Signed(Read));
        assert_eq!(access(false, "/officer/settings"), Access::Signed(Read), "everyone reads the settings");
        assert_eq!(access(true, "/officer/settings"), Access::Signed(Administer), "only admins change them");
        assert_eq!(access(false, "/officer/proposals/4"), Access::Signed(Read));
        for decision in ["open", "return", "refuse"] {
            assert_eq!(access(true, &format!("/officer/proposals/4/{decision}")), Access::Signed(Act), "{decision}");
            assert_eq!(access(false, &format!("/officer/proposals/4/{decision}")), Access::Signed(Administer));
        }
        assert_eq!(access(false, "/officer/petitions/3/bulk"), Access::Signed(Act));
        assert_eq!(access(true, "/officer/petitions/3/bulk"), Access::Signed(Act));
        assert_eq!(access(false, "/officer/petitions/3/signatures.csv"), Access::Signed(Act));
        assert_eq!(access(false, "/officer/reference"), Access::Signed(Read));
        assert_eq!(access(false, "/officer/reference/upload"), Access::Signed(Act));
        assert_eq!(access(true, "/officer/reference/upload"), Access::Signed(Act));
        assert_eq!(access(false, "/officer/reference/uploads/4"), Access::Signed(Act));
        assert_eq!(access(true, "/officer/reference/uploads/4/import"), Access::Signed(Act));
        assert_eq!(access(false, "/officer/reference/uploads/4/import"), Access::Signed(Administer));
        assert_eq!(access(false, "/officer/accounts"), Access::Signed(Administer));
        assert_eq!(access(false, "/officer/audit"), Access::Signed(Administer));
    }

    #[test]
    fn an_unlisted_officer_route_needs_an_admin() {
        assert_eq!(access(false, "/officer/something-new"), Access::Signed(Administer));
        assert_eq!(access(true, "/officer/petitions/3"), Access::Signed(Administer), "no form posts to a page");
        assert_eq!(access(false, "/officer/petitions/3/pause"), Access::Signed(Administer));
    }

    #[test]
    fn server_functions_are_gated_by_name() {
        assert_eq!(access(true, "/api/officer_petitions123"), Access::Signed(Read));
        assert_eq!(access(true, "/api/officer_admin_accounts99"), Access::Signed(Administer));
        assert_eq!(access(true, "/api/search_postcode1"), Access::NotOfficer);
    }

    #[test]
    fn public_routes_are_not_officer_routes() {
        for p in
            ["/", "/petitions/3", "/officers", "/log/checkpoint", "/receipt", "/start", "/proposals/abc", "/sponsor/x"]
        {
            assert_eq!(access(false, p), Access::NotOfficer, "{p}");
        }
    }
}
