//! The draw against the known answers in `vectors/sample-v1.txt`, which an independent
//! implementation of the format's pseudo-code wrote (`vectors/sample_v1.py`); the file's header
//! describes its format, and this reader follows it as another verifier would.

use petition_tlog::entry::Ident;
use petition_tlog::sample::{draw, sample_size};

const VECTORS: &str = include_str!("vectors/sample-v1.txt");

struct Vector {
    id: Ident,
    seed: [u8; 32],
    candidates: Vec<u64>,
    n: u64,
    sample: Vec<u64>,
}

/// The values after `key` on a line that starts with it.
fn values<'a>(line: &'a str, key: &str) -> Vec<&'a str> {
    let mut words = line.split(' ');
    assert_eq!(words.next(), Some(key), "{line:?} should start with {key}");
    words.collect()
}

fn number(s: &str) -> u64 {
    s.parse().unwrap_or_else(|_| panic!("{s:?} is not a number"))
}

fn vectors() -> Vec<Vector> {
    let lines: Vec<&str> = VECTORS.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    assert_eq!(lines.len() % 5, 0, "five lines a vector");
    lines
        .chunks(5)
        .map(|v| {
            let [id] = values(v[0], "id")[..] else { panic!("{:?}", v[0]) };
            let [seed] = values(v[1], "seed")[..] else { panic!("{:?}", v[1]) };
            let [count, first, step] = values(v[2], "candidates")[..] else { panic!("{:?}", v[2]) };
            let [n] = values(v[3], "n")[..] else { panic!("{:?}", v[3]) };
            assert!(seed.len() == 64 && seed.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            let seed: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&seed[2 * i..2 * i + 2], 16).unwrap()).collect();
            let (first, step) = (number(first), number(step));
            Vector {
                id: Ident::parse(id).unwrap(),
                seed: seed.try_into().unwrap(),
                candidates: (0..number(count)).map(|i| first + step * i).collect(),
                n: number(n),
                sample: values(v[4], "sample").into_iter().map(number).collect(),
            }
        })
        .collect()
}

#[test]
fn the_draw_gives_the_known_answers() {
    let all = vectors();
    // V = 0, 3, 499, 600, 501, 20,000 and 16,667: every side of the 500 minimum and the 3% share.
    assert_eq!(all.len(), 7);
    for v in all {
        let count = v.candidates.len() as u64;
        let what = format!("id {}, V = {count}", v.id);
        assert_eq!(sample_size(count), v.n, "{what}: n");
        assert_eq!(v.sample.len() as u64, v.n, "{what}: the file's sample has n entries");
        assert_eq!(draw(&v.id, &v.seed, v.candidates), v.sample, "{what}");
    }
}
