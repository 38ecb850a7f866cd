//! Matching keys for people's names and for address lines.
//!
//! A signer types their name freely; the register holds it in the council's layout. Both are
//! reduced to a key of the first forename and the last word of the surname, in lower case ASCII
//! without accents, titles or punctuation, so that `Dr Siân O'Brien-Jones` and
//! `O'BRIEN-JONES, Sian Mary` agree. Matching also requires the same property, so the short key
//! does not make strangers collide.

use unicode_normalization::UnicodeNormalization;

const TITLES: &[&str] = &["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev", "revd", "lord", "lady"];

/// Lower-case ASCII words: accents removed, apostrophes dropped (`O'Brien` → `obrien`), any other
/// punctuation a word break.
pub fn words(s: &str) -> Vec<String> {
    let folded: String = s
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .filter(|c| !matches!(c, '\'' | '’' | '‘' | '`'))
        .map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { ' ' })
        .collect();
    folded
        .split_whitespace()
        .map(|w| w.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The key of a name written as `Forenames Surname`, as a signer types it.
pub fn name_key(full_name: &str) -> Option<String> {
    let ws: Vec<String> = words(full_name).into_iter().skip_while(|w| TITLES.contains(&w.as_str())).collect();
    key_of(ws.first()?, ws.last()?, ws.len())
}

/// The key of a register entry with separate surname and forenames.
pub fn register_key(surname: &str, forenames: &str) -> Option<String> {
    let first = words(forenames).into_iter().find(|w| !TITLES.contains(&w.as_str()))?;
    let last = words(surname).pop()?;
    Some(format!("{first} {last}"))
}

/// The key of a register's single name field: `Surname, Forenames` when it holds a comma,
/// otherwise `Forenames Surname`.
pub fn register_name_key(name: &str) -> Option<String> {
    match name.split_once(',') {
        Some((surname, forenames)) => register_key(surname, forenames),
        None => name_key(name),
    }
}

fn key_of(first: &str, last: &str, n: usize) -> Option<String> {
    if n < 2 {
        return None;
    }
    Some(format!("{first} {last}"))
}

/// The key of an address, for finding a register entry's property in the gazetteer: the words of
/// its lines, in order, separated by single spaces.
pub fn address_key<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    lines.into_iter().flat_map(words).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_and_register_agree() {
        let k = name_key("Dr Siân O'Brien-Jones").unwrap();
        assert_eq!(k, "sian jones");
        assert_eq!(register_name_key("O'BRIEN-JONES, Siân Mary").unwrap(), k);
        assert_eq!(register_key("O'Brien Jones", "Sian").unwrap(), k);
        assert_eq!(name_key("  jane   MARY smith ").unwrap(), "jane smith");
        assert_eq!(register_name_key("SMITH, Jane M").unwrap(), "jane smith");
        assert_eq!(register_name_key("Jane Smith").unwrap(), "jane smith");
        assert_eq!(register_key("Smith", "Mrs Jane").unwrap(), "jane smith");
        assert_eq!(name_key("Zoë Ångström").unwrap(), "zoe angstrom");
    }

    #[test]
    fn single_words_and_empties_have_no_key() {
        assert_eq!(name_key("Cher"), None);
        assert_eq!(name_key("Mr Smith"), None);
        assert_eq!(name_key("   "), None);
        assert_eq!(register_key("", "Jane"), None);
        assert_eq!(register_key("Smith", ""), None);
    }

    #[test]
    fn address_keys() {
        assert_eq!(address_key(["12 Castle St.", "", "PENRITH"]), "12 castle st penrith");
        assert_eq!(address_key(["Flat 2,  The Old Mill"]), "flat 2 the old mill");
    }
}
