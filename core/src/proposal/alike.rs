//! How alike two petitions are, for the ground "the same, or substantially the same, as a
//! referendum held or a petition refused in the last N years". The officer decides; the site
//! puts the earlier petitions most like the new one in front of them, so that a repeat is not
//! missed because nobody remembered it.
//!
//! A petition is compared by its title and question, as sets of words: lower case, without
//! punctuation, short words and the commonest English ones, and with a plural's "s" dropped. The
//! likeness is the Dice coefficient of the two sets (twice the shared words over the words of
//! both), as a percentage: 100 for the same words in any order, 0 for none shared.

use std::collections::BTreeSet;

/// The likeness at and above which an earlier petition is shown to the officer.
pub const SHOWN_FROM: u32 = 40;

/// At most this many are shown, most alike first.
pub const SHOWN_AT_MOST: usize = 5;

/// Words too common to say what a petition is about.
const COMMON: &[&str] = &[
    "about", "after", "all", "also", "and", "any", "are", "been", "before", "but", "can", "council", "does", "for",
    "from", "had", "has", "have", "its", "into", "more", "not", "now", "our", "should", "than", "that", "the", "their",
    "them", "there", "these", "they", "this", "those", "under", "was", "were", "what", "when", "which", "who", "will",
    "with", "would", "you", "your",
];

/// The words of a text that say what it is about.
pub fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !COMMON.contains(&w.as_str()))
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if stem.chars().count() >= 3 && !stem.ends_with('s') => stem.to_string(),
            _ => w,
        })
        .collect()
}

/// How alike two sets of words are, 0 to 100.
pub fn likeness(a: &BTreeSet<String>, b: &BTreeSet<String>) -> u32 {
    let total = a.len() + b.len();
    if total == 0 {
        return 0;
    }
    let shared = a.intersection(b).count();
    (200 * shared / total) as u32
}

/// The earlier petitions shown beside a new one: `(key, likeness)` for those at least
/// [`SHOWN_FROM`] alike, most alike first (earlier keys first among equals), at most
/// [`SHOWN_AT_MOST`].
pub fn most_alike<K: Clone + Ord>(text: &str, earlier: &[(K, String)]) -> Vec<(K, u32)> {
    let mine = words(text);
    let mut found: Vec<(K, u32)> = earlier
        .iter()
        .map(|(k, t)| (k.clone(), likeness(&mine, &words(t))))
        .filter(|(_, l)| *l >= SHOWN_FROM)
        .collect();
    found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    found.truncate(SHOWN_AT_MOST);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_ignore_case_punctuation_plurals_and_common_words() {
        let w = words("Should the council keep the Harbour Road swimming pools open?");
        assert_eq!(w, ["harbour", "keep", "open", "pool", "road", "swimming"].map(String::from).into_iter().collect());
        assert_eq!(
            words("Bus pass, buses; CLASS"),
            ["bus", "buse", "class", "pass"].map(String::from).into_iter().collect(),
            "only a single final s goes, and only from a word of four letters or more"
        );
        assert!(words("a an of to in on at by").is_empty());
    }

    #[test]
    fn the_same_words_are_wholly_alike_and_none_shared_not_at_all() {
        let a = words("Keep the Harbour Road pool open");
        assert_eq!(likeness(&a, &words("Open the pool on Harbour Road: keep it")), 100);
        assert_eq!(likeness(&a, &words("Build a new car park behind the library")), 0);
        assert_eq!(likeness(&a, &BTreeSet::new()), 0);
        assert_eq!(likeness(&BTreeSet::new(), &BTreeSet::new()), 0, "two empty texts are not alike");
    }

    #[test]
    fn a_reworded_repeat_is_shown_and_a_different_subject_is_not() {
        let new = "Save the Harbour Road swimming pool. Should the council keep the Harbour Road swimming pool open?";
        let earlier = vec![
            (1, "Keep Harbour Road pool open. Should the Harbour Road swimming pool stay open?".to_string()),
            (2, "Close the Harbour Road pool. Should the council close the pool on Harbour Road?".to_string()),
            (3, "A new library for Rivermouth. Should the council build a library in the town centre?".to_string()),
            (4, "Free parking on Sundays. Should parking in council car parks be free on Sundays?".to_string()),
        ];
        let shown = most_alike(new, &earlier);
        assert_eq!(shown.iter().map(|(k, _)| *k).collect::<Vec<_>>(), vec![1, 2], "{shown:?}");
        assert!(shown[0].1 > shown[1].1);
        assert!(shown.iter().all(|(_, l)| *l >= SHOWN_FROM && *l <= 100));
    }

    #[test]
    fn at_most_five_most_alike_first_ties_by_key() {
        let earlier: Vec<(i64, String)> = (1..=8).map(|k| (9 - k, "Keep the pool open".to_string())).collect();
        let shown = most_alike("Keep the pool open", &earlier);
        assert_eq!(shown, vec![(1, 100), (2, 100), (3, 100), (4, 100), (5, 100)]);
    }

    #[test]
    fn the_threshold_is_inclusive() {
        // Four words against six sharing two: 2 * 2 / 10 = 40%.
        let a = words("harbour pool keep open");
        let b = words("harbour pool close sell demolish rebuild");
        assert_eq!(likeness(&a, &b), 40);
        assert_eq!(
            most_alike("harbour pool keep open", &[(1, "harbour pool close sell demolish rebuild".into())]),
            vec![(1, 40)]
        );
        let c = words("harbour pool close sell demolish rebuild forever");
        assert_eq!(likeness(&a, &c), 36);
        assert!(most_alike(
            "harbour pool keep open",
            &[(1, "harbour pool close sell demolish rebuild forever".into())]
        )
        .is_empty());
    }
}
