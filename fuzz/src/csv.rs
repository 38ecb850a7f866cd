//! The reference-data imports' pure parsers (store/src/import/parse/): areas, electorates,
//! verification numbers, the postcode lookup, the gazetteer and the electoral register, each
//! reading a whole file and checking everything its text alone allows, as the importers do before
//! they look at the database.
//!
//! Any text goes through every parser: none panics, every problem names a line of the file (the
//! header's problems line 1, a row's the line it starts on, one problem a line), and every row
//! accepted has fields that read back through their own parsers. A file built from the input with
//! every line valid, laid out any way the reader accepts, reads back as exactly its rows, each on
//! the line it was written on.

use std::collections::HashSet;

use arbitrary::{Result, Unstructured};
use petition_core::address::Uprn;
use petition_core::month::Month;
use petition_core::names::{address_key, register_key, register_name_key};
use petition_core::threshold::{days_in_month, Day};
use petition_core::{AreaCode, AreaKind, Postcode};

/// store/src/import/parse/ itself, compiled here by path: depending on petition-store would
/// build sqlx with its SQLite and PostgreSQL drivers into the fuzzer and into CI's smoke run (a
/// cold `cargo test` of this crate went from 48 s to 280 s) for files that need only
/// petition-core and csv. If the parsers ever use more of the store, this is where the build
/// says so. It is the store's code, formatted with the store: rustfmt here leaves it alone.
#[rustfmt::skip]
#[path = "../../store/src/import/parse/mod.rs"]
pub mod parse;

use parse::line::{AreaLine, LineError};
use parse::number::whole_number;

pub fn check(data: &[u8]) {
    check_text(&crate::text(data));
    let _ = check_recipe(&mut Unstructured::new(data));
}

/// Any text, as a file of every kind.
pub fn check_text(text: &str) {
    areas(text);
    electorates(text);
    verification_numbers(text);
    postcode_lookup(text);
    gazetteer(text);
    register(text);
    // How lines end, and a byte-order mark, change nothing: not the rows, not the line numbers.
    let lf = text.replace("\r\n", "\n").replace('\r', "\n");
    if lf != text {
        assert_eq!(every_kind(text), every_kind(&lf), "{text:?} and {lf:?} read alike");
    }
    if !text.starts_with('\u{feff}') {
        assert_eq!(every_kind(text), every_kind(&format!("\u{feff}{text}")), "{text:?} with a byte-order mark");
    }
}

/// What every parser makes of a text.
fn every_kind(text: &str) -> impl PartialEq + std::fmt::Debug {
    (
        parse::areas::parse(text),
        parse::electorates::parse(text),
        parse::verification_numbers::parse(text),
        parse::postcode_lookup::parse(text),
        parse::gazetteer::parse(text),
        parse::register::parse(text),
    )
}

fn areas(text: &str) {
    let (areas, errors) = parse::areas::parse(text);
    check_lines(text, &areas.iter().map(|a| a.line).collect::<Vec<_>>(), &errors);
    let mut codes = HashSet::new();
    for a in &areas {
        assert_eq!(AreaCode::parse(a.code.as_str()).as_ref(), Ok(&a.code));
        assert!(codes.insert(&a.code), "{} is accepted twice", a.code);
        assert_field(&a.name);
        assert!(a.name.chars().count() <= parse::areas::MAX_NAME, "{:?}", a.name);
        assert_eq!(AreaKind::parse(a.kind.as_str()), Some(a.kind));
        match &a.parent {
            Some(parent) => assert_field(parent),
            None => assert_ne!(a.kind, AreaKind::Ward, "a ward has a parent"),
        }
    }
}

fn electorates(text: &str) {
    let (lines, errors) = parse::electorates::parse(text);
    let figures = check_area_lines(text, &lines, errors);
    let mut seen = HashSet::new();
    for (area_code, e) in figures {
        assert_day(e.register_date);
        assert_eq!(whole_number(&e.electorate.to_string()), Ok(e.electorate));
        assert!(seen.insert((area_code, e.register_date)), "{area_code} on {} is accepted twice", e.register_date);
    }
}

fn verification_numbers(text: &str) {
    let (lines, errors) = parse::verification_numbers::parse(text);
    for (_, v) in check_area_lines(text, &lines, errors) {
        assert_day(v.in_force_from);
        assert_day(v.in_force_to);
        assert!(v.in_force_from <= v.in_force_to, "{v:?}");
        assert_eq!(whole_number(&v.number.to_string()), Ok(v.number));
    }
}

fn postcode_lookup(text: &str) {
    use parse::postcode_lookup::is_pseudo;
    let (lookup, errors) = parse::postcode_lookup::parse(text);
    let placed = lookup.map(|l| l.placed).unwrap_or_default();
    check_lines(text, &placed.iter().map(|p| p.line).collect::<Vec<_>>(), &errors);
    let mut postcodes = HashSet::new();
    for p in &placed {
        assert_postcode(&p.postcode);
        assert!(postcodes.insert(&p.postcode), "{} is accepted twice", p.postcode);
        for code in [Some(&p.ward), Some(&p.district), p.county.as_ref()].into_iter().flatten() {
            assert_eq!(AreaCode::parse(code.as_str()).as_ref(), Ok(code));
        }
        // A pseudo code is no area: a county that is one reads as none, a ward or district is refused.
        let pseudo =
            [Some(&p.ward), Some(&p.district), p.county.as_ref()].into_iter().flatten().find(|c| is_pseudo(c.as_str()));
        assert_eq!(pseudo, None, "{p:?}");
        assert_eq!(p.ward_name.trim(), p.ward_name);
        if let Some(m) = p.terminated {
            assert_eq!(Month::parse(&m.to_string()), Some(m));
        }
    }
}

fn gazetteer(text: &str) {
    let (properties, errors) = parse::gazetteer::parse(text);
    check_lines(text, &properties.iter().map(|p| p.line).collect::<Vec<_>>(), &errors);
    let mut uprns = HashSet::new();
    for p in &properties {
        assert_eq!(Uprn::parse(p.uprn.as_str()).as_ref(), Some(&p.uprn));
        assert!(uprns.insert(&p.uprn), "UPRN {} is accepted twice", p.uprn);
        assert_postcode(&p.postcode);
        assert!((1..=parse::gazetteer::ADDRESS_COLUMNS.len()).contains(&p.lines.len()), "{:?}", p.lines);
        p.lines.iter().for_each(|l| assert_field(l));
        assert!(p.lines.iter().map(|l| l.chars().count()).sum::<usize>() <= parse::gazetteer::MAX_ADDRESS);
        assert_eq!(p.address_key, address_key(p.lines.iter().map(String::as_str)));
        if let Some(ward) = &p.ward {
            assert_field(ward);
        }
    }
}

fn register(text: &str) {
    let (electors, errors) = parse::register::parse(text);
    check_lines(text, &electors.iter().map(|e| e.line).collect::<Vec<_>>(), &errors);
    let mut numbers = HashSet::new();
    for e in &electors {
        let (prefix, number, suffix) = elector_number_parts(&e.elector_number);
        assert!((1..=10).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_alphanumeric()), "{e:?}");
        assert!((1..=7).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit()), "{e:?}");
        if let Some(s) = suffix {
            assert!(
                (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0'),
                "{e:?}"
            );
        }
        assert_eq!(e.district, prefix.to_ascii_uppercase());
        assert!(numbers.insert(&e.elector_number), "{} is accepted twice", e.elector_number);
        assert!(e.markers.len() <= 10 && e.markers.bytes().all(|b| b.is_ascii_alphabetic()), "{e:?}");
        let words: Vec<&str> = e.name_key.split(' ').collect();
        assert!(words.len() == 2 && words.iter().all(|w| is_key_word(w)), "{:?}", e.name_key);
        assert_postcode(&e.postcode);
        assert_eq!(address_key([e.address_key.as_str()]), e.address_key, "an address key is its own key");
    }
}

/// `PREFIX-NUMBER[/SUFFIX]`, split.
fn elector_number_parts(n: &str) -> (&str, &str, Option<&str>) {
    let (prefix, rest) = n.split_once('-').unwrap_or_else(|| panic!("{n:?} has no '-'"));
    match rest.split_once('/') {
        Some((number, suffix)) => (prefix, number, Some(suffix)),
        None => (prefix, rest, None),
    }
}

fn is_key_word(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A file of figures per area: its lines' problems join the layout's, and the lines are checked
/// as any file's. Returns the sound lines' area codes (as written: trimmed, any text) and values.
fn check_area_lines<'a, T, P: std::fmt::Display>(
    text: &str,
    lines: &'a [AreaLine<T, P>],
    mut errors: Vec<LineError>,
) -> Vec<(&'a str, &'a T)> {
    let mut accepted = Vec::new();
    for l in lines {
        assert_eq!(l.area_code.trim(), l.area_code);
        match &l.read {
            Ok(value) => accepted.push((l.line, (l.area_code.as_str(), value))),
            Err(problem) => errors.push(LineError::new(l.line, problem)),
        }
    }
    errors.sort_by_key(|e| e.line);
    check_lines(text, &accepted.iter().map(|(line, _)| *line).collect::<Vec<_>>(), &errors);
    accepted.into_iter().map(|(_, a)| a).collect()
}

/// Lines as an editor counts them: a line ends at CR LF, LF or CR.
fn line_count(text: &str) -> u64 {
    let crlf = text.matches("\r\n").count();
    (text.matches('\n').count() + text.matches('\r').count() - crlf) as u64 + 1
}

/// Every problem names a line of the file, in order: the header's line 1 and only the header's,
/// a row's a line after it. Each data line holds at most one row or one problem, and the rows
/// accepted are in file order. A header that cannot be read leaves no rows.
fn check_lines(text: &str, accepted: &[u64], errors: &[LineError]) {
    let last = line_count(text);
    let mut data_lines = HashSet::new();
    let mut header_problem = false;
    assert!(errors.windows(2).all(|w| w[0].line <= w[1].line), "problems in line order: {errors:?}");
    for e in errors {
        let about_header = ["unreadable header:", "missing column(s):", "unknown layout:", "ambiguous columns:"]
            .iter()
            .any(|p| e.message.starts_with(p));
        header_problem |= about_header;
        assert_eq!(e.line == 1, about_header, "{e}: line 1, and only line 1, is the header\n{text:?}");
        if e.message == "the file has no rows" {
            // Where the rows would start, even in a file of one line.
            assert_eq!((e.line, accepted.len()), (2, 0), "{e}");
            continue;
        }
        assert!((1..=last).contains(&e.line), "{e}: the file has {last} lines\n{text:?}");
        assert!(e.line == 1 || data_lines.insert(e.line), "two problems on line {}: {errors:?}\n{text:?}", e.line);
    }
    assert!(!header_problem || accepted.is_empty(), "rows read despite an unusable header");
    for line in accepted {
        assert!((2..=last).contains(line), "a row on line {line} of {last}\n{text:?}");
        assert!(data_lines.insert(*line), "line {line} is both a row and a problem, or two rows\n{text:?}");
    }
    assert!(accepted.windows(2).all(|w| w[0] < w[1]), "rows in file order: {accepted:?}");
}

/// A field as the reader gives it: not blank, trimmed, no control characters but tabs.
fn assert_field(s: &str) {
    assert!(!s.is_empty() && s.trim() == s, "{s:?} is trimmed and not blank");
    assert!(!s.chars().any(|c| c.is_control() && c != '\t'), "{s:?} has control characters");
}

fn assert_day(d: Day) {
    assert_eq!(Day::parse(&d.to_string()), Some(d));
}

fn assert_postcode(p: &Postcode) {
    assert_eq!(Postcode::parse(p.as_str()).as_ref(), Ok(p));
}

// ----- Files built from the input, every line valid -----

/// How a file is laid out: every one of these the reader must take alike.
struct Layout {
    delimiter: char,
    newline: &'static str,
    bom: bool,
}

/// A file being written, counting its lines.
struct Writer<'u, 'a> {
    u: &'u mut Unstructured<'a>,
    layout: Layout,
    /// The order columns are written in: a permutation of the kind's columns.
    order: Vec<usize>,
    text: String,
    /// The line the next row starts on.
    line: u64,
}

impl<'u, 'a> Writer<'u, 'a> {
    /// A file with `columns` (and perhaps a column no importer reads) in an order and layout the
    /// input picks, its header written.
    fn new(u: &'u mut Unstructured<'a>, columns: &[&str]) -> Result<Self> {
        let layout = Layout {
            delimiter: if u.ratio(1, 4)? { '\t' } else { ',' },
            newline: u.choose(&["\n", "\r\n", "\r"])?,
            bom: u.ratio(1, 8)?,
        };
        let mut names: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        if u.ratio(1, 4)? {
            names.push("Notes".into());
        }
        // A shuffle the input drives.
        let mut order: Vec<usize> = (0..names.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, u.int_in_range(0..=i)?);
        }
        let mut w = Writer { u, layout, order, text: String::new(), line: 1 };
        if w.layout.bom {
            w.text.push('\u{feff}');
        }
        let mut header = Vec::new();
        for &i in &w.order {
            let name = match w.u.int_in_range(0..=3)? {
                0 => names[i].to_ascii_uppercase(),
                1 => names[i].to_ascii_lowercase(),
                _ => names[i].clone(),
            };
            header.push(if w.u.ratio(1, 8)? { format!(" {name} ") } else { name });
        }
        w.end_line(&header)?;
        Ok(w)
    }

    /// Writes a row of `values`, one per column in the kind's order; returns its line.
    fn row(&mut self, values: &[String]) -> Result<u64> {
        // Blank lines, which the reader skips. A few at most: an exhausted input answers every
        // question alike.
        for _ in 0..3 {
            if !self.u.ratio(1, 8)? {
                break;
            }
            self.text.push_str(self.layout.newline);
            self.line += 1;
        }
        let line = self.line;
        let mut fields = Vec::new();
        for &i in &self.order.clone() {
            let value = match values.get(i) {
                Some(v) => v.clone(),
                None => text(self.u, 20, true)?,
            };
            fields.push(self.field(&value)?);
        }
        self.end_line(&fields)?;
        Ok(line)
    }

    /// A value as a spreadsheet might write it: quoted where it must be and sometimes where it
    /// need not be, otherwise perhaps with spaces around it.
    fn field(&mut self, v: &str) -> Result<String> {
        let must = v.contains(self.layout.delimiter) || v.contains('"');
        Ok(if must || self.u.ratio(1, 6)? {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else if self.u.ratio(1, 6)? {
            format!("  {v} ")
        } else {
            v.to_string()
        })
    }

    fn end_line(&mut self, fields: &[String]) -> Result<()> {
        self.text.push_str(&fields.join(&self.layout.delimiter.to_string()));
        self.text.push_str(self.layout.newline);
        self.line += 1;
        Ok(())
    }

    /// The file, its last line ending with a newline or not.
    fn finish(self) -> Result<String> {
        let mut text = self.text;
        if self.u.arbitrary()? {
            text.truncate(text.len() - self.layout.newline.len());
        }
        Ok(text)
    }
}

/// Text of 1 to `max` characters, trimmed, from characters that test quoting and folding. With
/// `blank`, possibly empty.
fn text(u: &mut Unstructured, max: usize, blank: bool) -> Result<String> {
    const CHARS: &[char] = &[
        'a', 'q', 'z', 'A', 'Q', 'Z', '0', '7', ' ', ' ', '\'', '-', ',', '"', '.', '/', '#', 'é', 'ß', 'Ł', '中', '\t',
    ];
    if blank && u.ratio(1, 4)? {
        return Ok(String::new());
    }
    let n = u.int_in_range(1..=max)?;
    let s: String = (0..n).map(|_| u.choose(CHARS).copied()).collect::<Result<_>>()?;
    let s = s.trim();
    Ok(if s.is_empty() { "x".into() } else { s.to_string() })
}

/// Letters for names: words of five or more, so never a title the keys skip (`mr`, `dame`).
fn word(u: &mut Unstructured) -> Result<String> {
    let n = u.int_in_range(5..=10)?;
    let w: String = (0..n).map(|_| Ok((b'a' + u.int_in_range(0..=25)?) as char)).collect::<Result<_>>()?;
    Ok(if u.arbitrary()? { w.to_ascii_uppercase() } else { w })
}

fn area_code(u: &mut Unstructured) -> Result<AreaCode> {
    let letter = (b'A' + u.int_in_range(0..=25)?) as char;
    let s = format!("{letter}{:08}", u.int_in_range(0..=99_999_999u32)?);
    Ok(AreaCode::parse(&s).unwrap_or_else(|e| panic!("{s:?}: {e}")))
}

fn day(u: &mut Unstructured) -> Result<Day> {
    let year = u.int_in_range(0..=9999)?;
    let month = u.int_in_range(1..=12)?;
    let day = u.int_in_range(1..=days_in_month(year, month))?;
    Ok(Day { year, month, day })
}

/// A whole number, perhaps with leading zeros.
fn number(u: &mut Unstructured) -> Result<(u32, String)> {
    let n: u32 = u.arbitrary()?;
    let width = u.int_in_range(0..=12)?;
    Ok((n, format!("{n:0width$}")))
}

/// A postcode of one of the six shapes, as written (any case, with or without its space) and in
/// normal form.
fn postcode(u: &mut Unstructured) -> Result<(String, Postcode)> {
    const OUTWARD_SHAPES: [&str; 6] = ["A9", "A99", "AA9", "AA99", "A9A", "AA9A"];
    let shape = format!("{}9AA", u.choose(&OUTWARD_SHAPES)?);
    let mut compact = String::new();
    for s in shape.chars() {
        compact.push(match s {
            'A' => (b'A' + u.int_in_range(0..=25)?) as char,
            _ => (b'0' + u.int_in_range(0..=9)?) as char,
        });
    }
    let normal = format!("{} {}", &compact[..compact.len() - 3], &compact[compact.len() - 3..]);
    let mut written = if u.arbitrary()? { normal.clone() } else { compact };
    if u.arbitrary()? {
        written = written.to_ascii_lowercase();
    }
    let p = Postcode::parse(&normal).unwrap_or_else(|e| panic!("{normal:?}: {e}"));
    assert_eq!(p.as_str(), normal);
    Ok((written, p))
}

/// Up to a dozen rows: as many as the input allows.
fn rows(u: &mut Unstructured) -> Result<usize> {
    u.int_in_range(0..=12)
}

/// A file of one kind built from the input, with every line valid: it reads back as exactly
/// its rows, on their lines, with no problem; with no rows, as a file without rows.
fn check_recipe(u: &mut Unstructured) -> Result<()> {
    let (text, outcome) = match u.int_in_range(0..=5)? {
        0 => areas_recipe(u)?,
        1 => electorates_recipe(u)?,
        2 => verification_numbers_recipe(u)?,
        3 => postcode_lookup_recipe(u)?,
        4 => gazetteer_recipe(u)?,
        _ => register_recipe(u)?,
    };
    if let Err((rows, errors)) = outcome {
        if rows == 0 {
            let got: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            assert_eq!(got, ["line 2: the file has no rows"], "{text:?}");
        } else {
            panic!("a valid file of {rows} rows was read with problems {errors:?}:\n{text:?}");
        }
    }
    Ok(())
}

/// What a recipe found: `Ok` if the file read back as written, or the rows written and the
/// problems reported (the rows themselves are compared where they are read).
type Outcome = std::result::Result<(), (usize, Vec<LineError>)>;

fn outcome(rows: usize, errors: Vec<LineError>) -> Outcome {
    if errors.is_empty() {
        Ok(())
    } else {
        Err((rows, errors))
    }
}

fn areas_recipe(u: &mut Unstructured) -> Result<(String, Outcome)> {
    use parse::areas::{parse, Area, COLUMNS};
    let mut w = Writer::new(u, &COLUMNS)?;
    let (mut want, mut codes) = (Vec::new(), HashSet::new());
    for _ in 0..rows(w.u)? {
        let code = area_code(w.u)?;
        if !codes.insert(code.clone()) {
            continue;
        }
        let name = text(w.u, 200, false)?;
        let kind = *w.u.choose(&[AreaKind::County, AreaKind::District, AreaKind::Ward])?;
        let parent = if kind == AreaKind::Ward || w.u.arbitrary()? { Some(area_code(w.u)?.to_string()) } else { None };
        let kind_text = if w.u.arbitrary()? { kind.as_str().to_ascii_uppercase() } else { kind.as_str().to_string() };
        let line = w.row(&[code.to_string(), name.clone(), kind_text, parent.clone().unwrap_or_default()])?;
        want.push(Area { line, code, name, kind, parent });
    }
    let text = w.finish()?;
    let (got, errors) = parse(&text);
    if errors.is_empty() {
        assert_eq!(got, want, "{text:?}");
    }
    Ok((text, outcome(want.len(), errors)))
}

fn electorates_recipe(u: &mut Unstructured) -> Result<(String, Outcome)> {
    use parse::electorates::{parse, Electorate, Line, COLUMNS};
    let mut w = Writer::new(u, &COLUMNS)?;
    let (mut want, mut seen) = (Vec::new(), HashSet::new());
    for _ in 0..rows(w.u)? {
        let (area_code, register_date, (electorate, written)) = (area_code(w.u)?.to_string(), day(w.u)?, number(w.u)?);
        if !seen.insert((area_code.clone(), register_date)) {
            continue;
        }
        let line = w.row(&[area_code.clone(), register_date.to_string(), written])?;
        want.push(Line { line, area_code, read: Ok(Electorate { register_date, electorate }) });
    }
    let text = w.finish()?;
    let (got, errors) = parse(&text);
    if errors.is_empty() {
        assert_eq!(got, want, "{text:?}");
    }
    Ok((text, outcome(want.len(), errors)))
}

fn verification_numbers_recipe(u: &mut Unstructured) -> Result<(String, Outcome)> {
    use parse::verification_numbers::{parse, Line, VerificationNumber, COLUMNS};
    let mut w = Writer::new(u, &COLUMNS)?;
    let mut want = Vec::new();
    for _ in 0..rows(w.u)? {
        let area_code = area_code(w.u)?.to_string();
        let (number, written) = number(w.u)?;
        let (a, b) = (day(w.u)?, day(w.u)?);
        let (in_force_from, in_force_to) = (a.min(b), a.max(b));
        let line = w.row(&[area_code.clone(), written, in_force_from.to_string(), in_force_to.to_string()])?;
        want.push(Line { line, area_code, read: Ok(VerificationNumber { number, in_force_from, in_force_to }) });
    }
    let text = w.finish()?;
    let (got, errors) = parse(&text);
    if errors.is_empty() {
        assert_eq!(got, want, "{text:?}");
    }
    Ok((text, outcome(want.len(), errors)))
}

/// A lookup in the Code-Point Open layout or in ONSPD's (with a termination date on some lines).
fn postcode_lookup_recipe(u: &mut Unstructured) -> Result<(String, Outcome)> {
    use parse::postcode_layouts::CODE_POINT;
    use parse::postcode_lookup::{is_pseudo, parse, Placed, NO_COUNTY};
    let onspd = u.arbitrary()?;
    let columns: &[&str] = if onspd { &["pcds", "doterm", "oscty", "oslaua", "osward"] } else { &CODE_POINT };
    let mut w = Writer::new(u, columns)?;
    let (mut want, mut seen) = (Vec::new(), HashSet::new());
    for _ in 0..rows(w.u)? {
        let (written, postcode) = postcode(w.u)?;
        if !seen.insert(postcode.clone()) {
            continue;
        }
        let (ward, district) = (area_code(w.u)?, area_code(w.u)?);
        if [&ward, &district].iter().any(|c| is_pseudo(c.as_str())) {
            continue;
        }
        let (county, county_text) = match w.u.int_in_range(0..=2)? {
            0 => (None, String::new()),
            1 => (None, NO_COUNTY.to_string()),
            _ => {
                let c = area_code(w.u)?;
                (Some(c.clone()).filter(|c| !is_pseudo(c.as_str())), c.to_string())
            }
        };
        if onspd {
            // Blank while live, else YYYYMM.
            let terminated = if w.u.arbitrary()? {
                Some(Month { year: w.u.int_in_range(0..=9999)?, month: w.u.int_in_range(1..=12)? })
            } else {
                None
            };
            let doterm = terminated.map(|m| format!("{:04}{:02}", m.year, m.month)).unwrap_or_default();
            let line = w.row(&[written, doterm, county_text, district.to_string(), ward.to_string()])?;
            want.push(Placed { line, postcode, ward, district, county, ward_name: String::new(), terminated });
        } else {
            let ward_name = text(w.u, 40, true)?;
            let line = w.row(&[written, county_text, district.to_string(), ward.to_string(), ward_name.clone()])?;
            want.push(Placed { line, postcode, ward, district, county, ward_name, terminated: None });
        }
    }
    let text = w.finish()?;
    let (got, errors) = parse(&text);
    if errors.is_empty() {
        assert_eq!(got.map(|l| l.placed).as_ref(), Some(&want), "{text:?}");
    }
    Ok((text, outcome(want.len(), errors)))
}

fn gazetteer_recipe(u: &mut Unstructured) -> Result<(String, Outcome)> {
    use parse::gazetteer::{parse, Property, ADDRESS_COLUMNS};
    let with_ward = u.arbitrary()?;
    let mut columns = vec!["UPRN", "PostCode"];
    columns.extend(ADDRESS_COLUMNS);
    if with_ward {
        columns.push("WardCode");
    }
    let mut w = Writer::new(u, &columns)?;
    let (mut want, mut seen) = (Vec::new(), HashSet::new());
    for _ in 0..rows(w.u)? {
        let digits = w.u.int_in_range(1..=12)?;
        let uprn: String = (0..digits).map(|_| Ok((b'0' + w.u.int_in_range(0..=9)?) as char)).collect::<Result<_>>()?;
        if !seen.insert(uprn.clone()) {
            continue;
        }
        let (written, postcode) = postcode(w.u)?;
        let mut address = vec![text(w.u, 50, false)?];
        for _ in 1..ADDRESS_COLUMNS.len() {
            address.push(text(w.u, 50, true)?);
        }
        let lines: Vec<String> = address.iter().filter(|l| !l.is_empty()).cloned().collect();
        if lines.iter().map(|l| l.chars().count()).sum::<usize>() > parse::gazetteer::MAX_ADDRESS {
            continue;
        }
        let ward = if with_ward && w.u.arbitrary()? { Some(area_code(w.u)?.to_string()) } else { None };
        let mut values = vec![uprn.clone(), written];
        values.extend(address);
        if with_ward {
            values.push(ward.clone().unwrap_or_default());
        }
        let line = w.row(&values)?;
        let address_key = address_key(lines.iter().map(String::as_str));
        want.push(Property { line, uprn: Uprn::parse(&uprn).expect("digits"), postcode, lines, address_key, ward });
    }
    let text = w.finish()?;
    let (got, errors) = parse(&text);
    if errors.is_empty() {
        assert_eq!(got, want, "{text:?}");
    }
    Ok((text, outcome(want.len(), errors)))
}

fn register_recipe(u: &mut Unstructured) -> Result<(String, Outcome)> {
    use parse::register::{parse, Elector, ADDRESS_COLUMNS, COLUMNS};
    let split = u.arbitrary()?;
    let mut columns = COLUMNS.to_vec();
    columns.extend(&ADDRESS_COLUMNS[1..]);
    columns.extend(if split { &["Elector Surname", "Elector Forename"][..] } else { &["Elector Name"][..] });
    let mut w = Writer::new(u, &columns)?;
    let (mut want, mut seen) = (Vec::new(), HashSet::new());
    for _ in 0..rows(w.u)? {
        let alnum = |u: &mut Unstructured, from: &[u8], n: usize| -> Result<String> {
            (0..n).map(|_| Ok(*u.choose(from)? as char)).collect()
        };
        let n = w.u.int_in_range(1..=10)?;
        let prefix = alnum(w.u, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", n)?;
        let n = w.u.int_in_range(1..=7)?;
        let number = alnum(w.u, b"0123456789", n)?;
        let n = w.u.int_in_range(0..=3)?;
        let suffix = alnum(w.u, b"0123456789", n)?;
        let elector_number = match suffix.trim_start_matches('0') {
            "" => format!("{prefix}-{number}"),
            s => format!("{prefix}-{number}/{s}"),
        };
        if !seen.insert(elector_number.clone()) {
            continue;
        }
        let n = w.u.int_in_range(0..=10)?;
        let markers = alnum(w.u, b"ABEFGKLMNPZabefgk", n)?;
        let (surname, forenames) = (word(w.u)?, format!("{} {}", word(w.u)?, word(w.u)?));
        let (written, postcode) = postcode(w.u)?;
        let mut address = Vec::new();
        for _ in 0..ADDRESS_COLUMNS.len() {
            // Some exports repeat the postcode as an address line.
            address.push(if w.u.ratio(1, 10)? { postcode.as_str().to_ascii_lowercase() } else { text(w.u, 30, true)? });
        }
        let mut values = vec![prefix.clone(), number, suffix, markers.clone(), written];
        values.extend(address.iter().cloned());
        let name_key = if split {
            values.extend([surname.clone(), forenames.clone()]);
            register_key(&surname, &forenames)
        } else {
            let name = format!("{surname}, {forenames}");
            values.push(name.clone());
            register_name_key(&name)
        };
        let line = w.row(&values)?;
        let kept = address.iter().filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case(postcode.as_str()));
        want.push(Elector {
            line,
            elector_number,
            district: prefix.to_ascii_uppercase(),
            markers,
            name_key: name_key.expect("a forename and a surname"),
            address_key: address_key(kept.map(String::as_str)),
            postcode,
        });
    }
    let text = w.finish()?;
    let (got, errors) = parse(&text);
    if errors.is_empty() {
        assert_eq!(got, want, "{text:?}");
    }
    Ok((text, outcome(want.len(), errors)))
}
