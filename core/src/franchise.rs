//! Who on the electoral register may sign: the franchise markers that say an elector is not a
//! local government elector.
//!
//! The register prefixes some names with letters saying which elections they may vote in (the
//! Electoral Commission's guidance to Electoral Registration Officers on the format of the
//! register). Only local government electors count toward a local referendum petition:
//!
//! - `F`: an overseas elector, entitled to vote at UK Parliamentary elections only. Not local.
//! - `E`: in registers from before 2020, a peer living overseas, entitled to vote at European
//!   Parliament elections only. Not local (and not in current registers).
//! - `L` (a peer), `G` and `B` (EU citizens, before and after their eligibility review) and `M`
//!   (in Scotland, qualifying foreign nationals) are local government electors; so is an elector
//!   with no marker. Markers for other elections only (say a future one) are a setting.

use std::collections::BTreeSet;
use std::fmt;

/// The markers that mean "not a local government elector".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NonLocalMarkers(BTreeSet<char>);

impl NonLocalMarkers {
    /// `E` and `F`, as above.
    pub fn standard() -> NonLocalMarkers {
        NonLocalMarkers(['E', 'F'].into_iter().collect())
    }

    /// A list of letters such as `E,F` or `EF` (spaces and commas between them are ignored).
    pub fn parse(s: &str) -> Result<NonLocalMarkers, String> {
        let mut set = BTreeSet::new();
        for c in s.chars().filter(|c| !matches!(c, ',' | ' ')) {
            if !c.is_ascii_alphabetic() {
                return Err(format!("{c:?} is not a register marker: markers are letters, like E,F"));
            }
            set.insert(c.to_ascii_uppercase());
        }
        Ok(NonLocalMarkers(set))
    }

    /// Whether an elector with these markers may vote in local government elections.
    pub fn is_local(&self, markers: &str) -> bool {
        !markers.chars().any(|c| self.0.contains(&c.to_ascii_uppercase()))
    }
}

impl Default for NonLocalMarkers {
    fn default() -> Self {
        NonLocalMarkers::standard()
    }
}

impl fmt::Display for NonLocalMarkers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letters: Vec<String> = self.0.iter().map(|c| c.to_string()).collect();
        f.write_str(&letters.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overseas_electors_are_not_local_and_peers_and_eu_citizens_are() {
        let m = NonLocalMarkers::standard();
        for local in ["", "L", "G", "B", "M", "K", "g"] {
            assert!(m.is_local(local), "{local:?}");
        }
        for not in ["F", "E", "f", "LF"] {
            assert!(!m.is_local(not), "{not:?}");
        }
        assert_eq!(m.to_string(), "E,F");
    }

    #[test]
    fn the_set_is_a_setting() {
        let only_f = NonLocalMarkers::parse("f").unwrap();
        assert!(only_f.is_local("E") && !only_f.is_local("F"));
        assert_eq!(NonLocalMarkers::parse("E, F").unwrap(), NonLocalMarkers::standard());
        assert_eq!(NonLocalMarkers::parse("EF").unwrap(), NonLocalMarkers::standard());
        assert!(NonLocalMarkers::parse("").unwrap().is_local("F"), "an empty setting excludes nobody");
        assert!(NonLocalMarkers::parse("E;F").is_err());
        assert!(NonLocalMarkers::parse("1").is_err());
    }
}
