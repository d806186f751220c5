//! Property tests of the parsers typed codes and import text do not cover
//! (those are in `typed/tests.rs`): format patterns, set IDs, verifier
//! JSON, batch CSV rows, config and templates (issue 11, item 12). Each
//! never panics on arbitrary input, and has its round trip or its refusal.
//! Cases are bounded so the whole module runs in seconds in a debug build.

use std::fs;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset};
use proptest::prelude::*;
use proptest::sample::Index;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

use crate::app::batch;
use crate::codes::{BASE32, Format, FormatError, MIN_BITS, SetId, SetIdError, generate_code};
use crate::config::{self, ConfigError, ConfigFile, ConfigLocation};
use crate::lang::Lang;
use crate::limits::{MAX_CONFIG_BYTES, MAX_CSV_RECORD_BYTES, MAX_TEMPLATE_TEXT_CHARS};
use crate::messages::{Localized, Messages};
use crate::template::{Key, Template, TemplateError};
use crate::verifier::{self, Overwrite, SetMeta, Verifier, VerifierError, VerifierParams};

/// Cases per property, as in `typed/tests.rs`.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 512,
        ..ProptestConfig::default()
    }
}

/// A message in both languages, from catalogues that panic on a missing key.
fn both_languages(e: &impl Localized) -> (String, String) {
    (
        e.message(&Messages::strict(Lang::En)),
        e.message(&Messages::strict(Lang::Ja)),
    )
}

fn text_of(chars: Vec<char>) -> String {
    chars.into_iter().collect()
}

/// `bytes` written to the file `name` in a folder of this test's own (one
/// folder per test thread, not per case: on a busy disk, making and removing
/// a folder costs more than the parsing under test).
fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch_path(name);
    fs::write(&path, bytes).unwrap();
    path
}

fn scratch_path(name: &str) -> PathBuf {
    thread_local! {
        static DIR: tempfile::TempDir = tempfile::tempdir().unwrap();
    }
    DIR.with(|dir| dir.path().join(name))
}

/// Arbitrary bytes of up to `max` (an empty input included).
fn any_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

/// A string that TOML reads back as `s`: a basic string, with every control
/// character escaped, and other non-ASCII characters escaped when `escape_all`.
fn toml_basic(s: &str, escape_all: bool) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || (escape_all && !c.is_ascii()) => {
                if u32::from(c) > 0xFFFF {
                    out.push_str(&format!("\\U{:08X}", u32::from(c)));
                } else {
                    out.push_str(&format!("\\u{:04X}", u32::from(c)));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as a TOML string in `style`: 0 basic, 1 basic with every non-ASCII
/// character escaped, 2 literal (single quotes) when `s` allows it.
fn toml_string(s: &str, style: u8) -> String {
    let literal_ok = !s.contains('\'') && !s.chars().any(char::is_control);
    match style {
        2 if literal_ok => format!("'{s}'"),
        1 => toml_basic(s, true),
        _ => toml_basic(s, false),
    }
}

// ---------------------------------------------------------------- edits

/// One damage done to a file's bytes.
#[derive(Debug, Clone)]
enum ByteEdit {
    /// One bit of one byte flipped.
    Flip(Index, u8),
    /// Some bytes cut out.
    Cut(Index, usize),
    /// Everything from a byte on cut off.
    Truncate(Index),
    /// Some bytes copied to another place.
    Duplicate(Index, usize, Index),
    /// Bytes put in.
    Insert(Index, Vec<u8>),
    /// A run of digits replaced by another number.
    Number(Index, String),
    /// One line dropped.
    DropLine(Index),
}

fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        (0u32..40).prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "0",
            "00",
            "1.0",
            "1e0",
            "-1",
            "4294967296",
            "1e400",
            "0x1"
        ])
        .prop_map(str::to_owned),
    ]
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(at, bit)| ByteEdit::Flip(at, bit)),
        (any::<Index>(), 1usize..64).prop_map(|(at, n)| ByteEdit::Cut(at, n)),
        any::<Index>().prop_map(ByteEdit::Truncate),
        (any::<Index>(), 1usize..64, any::<Index>())
            .prop_map(|(from, n, to)| ByteEdit::Duplicate(from, n, to)),
        (
            any::<Index>(),
            prop_oneof![
                any_bytes(8),
                prop::sample::select(vec![
                    b"\"".to_vec(),
                    b",".to_vec(),
                    b"{".to_vec(),
                    b"\\".to_vec(),
                    b"\n".to_vec(),
                    b"\xEF\xBB\xBF".to_vec(),
                    b"\xFF".to_vec(),
                    b" ".to_vec(),
                ]),
            ]
        )
            .prop_map(|(at, bytes)| ByteEdit::Insert(at, bytes)),
        (any::<Index>(), number_text()).prop_map(|(which, to)| ByteEdit::Number(which, to)),
        any::<Index>().prop_map(ByteEdit::DropLine),
    ]
}

fn apply_edit(bytes: &mut Vec<u8>, edit: &ByteEdit) {
    if bytes.is_empty() {
        if let ByteEdit::Insert(_, new) = edit {
            bytes.extend_from_slice(new);
        }
        return;
    }
    let len = bytes.len();
    match edit {
        ByteEdit::Flip(at, bit) => bytes[at.index(len)] ^= 1 << bit,
        ByteEdit::Cut(at, n) => {
            let from = at.index(len);
            bytes.drain(from..(from + n).min(len));
        }
        ByteEdit::Truncate(at) => bytes.truncate(at.index(len)),
        ByteEdit::Duplicate(from, n, to) => {
            let from = from.index(len);
            let copy = bytes[from..(from + n).min(len)].to_vec();
            let to = to.index(len + 1);
            bytes.splice(to..to, copy);
        }
        ByteEdit::Insert(at, new) => {
            let at = at.index(len + 1);
            bytes.splice(at..at, new.iter().copied());
        }
        ByteEdit::Number(which, to) => {
            let mut runs = Vec::new();
            let mut i = 0;
            while i < len {
                if bytes[i].is_ascii_digit() {
                    let start = i;
                    while i < len && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                    runs.push(start..i);
                } else {
                    i += 1;
                }
            }
            if !runs.is_empty() {
                let run = runs[which.index(runs.len())].clone();
                bytes.splice(run, to.bytes());
            }
        }
        ByteEdit::DropLine(which) => {
            let mut lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
            lines.remove(which.index(lines.len()));
            *bytes = lines.concat();
        }
    }
}

fn byte_edits() -> impl Strategy<Value = Vec<ByteEdit>> {
    prop::collection::vec(byte_edit(), 1..4)
}

// ---------------------------------------------------------------- format patterns

const PATTERN_LETTERS: [char; 7] = ['X', 'x', '9', 'F', 'f', 'A', 'a'];

fn is_pattern_letter(c: char) -> bool {
    PATTERN_LETTERS.contains(&c)
}

fn is_pattern_separator(c: char) -> bool {
    c == '-' || c == ' '
}

/// Text that is mostly pattern letters and separators.
fn pattern_like_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        6 => prop::sample::select(PATTERN_LETTERS.to_vec()),
        2 => prop::sample::select(vec!['-', ' ']),
        1 => prop::sample::select(vec!['Z', '_', '\t', '－', '\u{3000}', 'é']),
        1 => any::<char>(),
    ];
    prop::collection::vec(c, 0..50).prop_map(text_of)
}

/// A pattern as the doc comment of [`Format::parse`] allows it: groups of
/// pattern letters joined by single separators (maybe more symbols than fit).
fn well_formed_pattern(letters: &'static [char]) -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::collection::vec(prop::sample::select(letters), 1..9),
            prop::sample::select(vec!['-', ' ']),
        ),
        1..7,
    )
    .prop_map(|groups| {
        let mut out = String::new();
        for (i, (group, separator)) in groups.into_iter().enumerate() {
            if i > 0 {
                out.push(separator);
            }
            out.extend(group);
        }
        out
    })
}

/// Whether a refusal of `pattern` is the one the rules document.
fn check_format_refusal(pattern: &str, e: &FormatError) -> Result<(), TestCaseError> {
    let chars: Vec<char> = pattern.chars().collect();
    let allowed = |c: char| is_pattern_letter(c) || is_pattern_separator(c);
    let prefix: Vec<char> = chars.iter().copied().take_while(|c| allowed(*c)).collect();
    let misplaced_in = |s: &[char], whole: bool| {
        s.first().copied().is_some_and(is_pattern_separator)
            || s.windows(2)
                .any(|w| is_pattern_separator(w[0]) && is_pattern_separator(w[1]))
            || (whole && s.last().copied().is_some_and(is_pattern_separator))
    };
    let symbols = chars.iter().filter(|c| is_pattern_letter(**c)).count();
    match e {
        FormatError::Empty => prop_assert!(pattern.trim().is_empty(), "{:?}", pattern),
        FormatError::UnknownLetter(c) => {
            prop_assert!(!allowed(*c), "{:?}", pattern);
            prop_assert_eq!(chars.get(prefix.len()), Some(c), "{:?}", pattern);
            prop_assert!(!misplaced_in(&prefix, false), "{:?}", pattern);
        }
        FormatError::MisplacedSeparator => {
            prop_assert!(
                misplaced_in(&prefix, prefix.len() == chars.len()),
                "{:?}",
                pattern
            );
            prop_assert!(!pattern.trim().is_empty(), "{:?}", pattern);
        }
        FormatError::TooLong(n) => {
            prop_assert_eq!(prefix.len(), chars.len(), "{:?}", pattern);
            prop_assert!(!misplaced_in(&chars, true), "{:?}", pattern);
            prop_assert_eq!(*n, symbols);
            prop_assert!(*n > crate::codes::MAX_SYMBOLS);
        }
        FormatError::TooWeak(_) | FormatError::NotGeneratable => {
            return Err(TestCaseError::fail(format!(
                "{e:?} from parse for {pattern:?}"
            )));
        }
    }
    let (en, ja) = both_languages(e);
    prop_assert!(!en.is_empty() && !ja.is_empty());
    Ok(())
}

/// The pattern as `pattern()` writes it: letters in upper case.
fn upper_pattern(pattern: &str) -> String {
    pattern
        .chars()
        .map(|c| {
            if is_pattern_letter(c) {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn format_patterns_parse_or_are_refused_as_documented(
        pattern in prop_oneof![any::<String>(), pattern_like_text()],
    ) {
        let parsed = Format::parse(&pattern);
        match &parsed {
            Ok(format) => {
                prop_assert_eq!(format.pattern(), upper_pattern(&pattern));
                prop_assert_eq!(&Format::parse(&format.pattern()), &Ok(format.clone()));
                prop_assert!((1..=crate::codes::MAX_SYMBOLS).contains(&format.len()));
            }
            Err(e) => check_format_refusal(&pattern, e)?,
        }
        match (Format::parse_for_generation(&pattern), parsed) {
            (Err(e), Err(parse_error)) => prop_assert_eq!(e, parse_error),
            (Err(FormatError::NotGeneratable), Ok(_)) => {
                prop_assert!(pattern.contains(['A', 'a']), "{:?}", pattern);
            }
            (Err(FormatError::TooWeak(bits)), Ok(format)) => {
                prop_assert!(!pattern.contains(['A', 'a']), "{:?}", pattern);
                prop_assert!(bits < MIN_BITS && bits == format.bits());
            }
            (Ok(generating), Ok(format)) => {
                prop_assert!(!pattern.contains(['A', 'a']), "{:?}", pattern);
                prop_assert!(format.bits() >= MIN_BITS);
                prop_assert_eq!(generating, format);
            }
            (other, parsed) => {
                return Err(TestCaseError::fail(format!(
                    "{pattern:?}: parse gave {parsed:?}, parse_for_generation {other:?}"
                )));
            }
        }
    }

    #[test]
    fn a_well_formed_pattern_round_trips_through_its_pattern(
        pattern in well_formed_pattern(&PATTERN_LETTERS),
    ) {
        let symbols = pattern.chars().filter(|c| is_pattern_letter(*c)).count();
        match Format::parse(&pattern) {
            Ok(format) => {
                prop_assert_eq!(format.len(), symbols);
                prop_assert_eq!(format.pattern(), upper_pattern(&pattern));
                prop_assert_eq!(Format::parse(&format.pattern()), Ok(format));
            }
            Err(e) => {
                prop_assert_eq!(e, FormatError::TooLong(symbols));
                prop_assert!(symbols > crate::codes::MAX_SYMBOLS);
            }
        }
    }

    /// A code drawn in a parsed format fits it, prints with the pattern's
    /// separators where the pattern has them, and one symbol more or less
    /// does not fit.
    #[test]
    fn a_generated_code_is_accepted_and_printed_with_the_patterns_separators(
        pattern in well_formed_pattern(&PATTERN_LETTERS),
        seed in any::<u64>(),
    ) {
        let Ok(format) = Format::parse(&pattern) else { return Ok(()) };
        let code = generate_code(&mut StdRng::seed_from_u64(seed), &format);
        let canonical = code.expose().to_owned();
        prop_assert!(format.accepts(&canonical), "{}: {}", pattern, canonical);
        let longer = format!("{canonical}0");
        prop_assert!(!format.accepts(&longer));
        prop_assert!(!format.accepts(&canonical[1..]));
        let shown = format.display(&code);
        let written = format.pattern();
        prop_assert_eq!(shown.chars().count(), written.chars().count());
        for (s, p) in shown.chars().zip(written.chars()) {
            if is_pattern_separator(p) {
                prop_assert_eq!(s, p, "{} as {}", written, shown.as_str());
            } else {
                prop_assert!(!is_pattern_separator(s));
                let single = Format::parse(&p.to_string()).unwrap();
                prop_assert!(single.accepts(&s.to_string()), "{} as {}", written, shown.as_str());
            }
        }
        let symbols: String = shown.chars().filter(|c| !is_pattern_separator(*c)).collect();
        prop_assert_eq!(symbols, canonical);
        if let Ok(generating) = Format::parse_for_generation(&pattern) {
            let set = crate::codes::generate_set(&mut StdRng::seed_from_u64(seed), &generating, 5);
            let set = set.map_err(|e| TestCaseError::fail(format!("{pattern}: {e}")))?;
            prop_assert!(set.codes().iter().all(|c| generating.accepts(c.expose())));
        }
    }
}

// ---------------------------------------------------------------- set IDs

fn set_id_like_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        6 => prop::sample::select(BASE32.to_vec()).prop_map(char::from),
        2 => prop::sample::select(vec!['-', ' ', 'o', 'i', 'l', 'U', 'u', 'k', '\u{200B}']),
        1 => any::<char>(),
    ];
    prop::collection::vec(c, 0..14).prop_map(text_of)
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn a_set_id_reads_back_from_its_printed_and_stored_forms(seed in any::<u64>()) {
        let id = SetId::generate(&mut StdRng::seed_from_u64(seed));
        let printed = id.to_string();
        prop_assert_eq!(printed.len(), 9);
        prop_assert_eq!(&printed[4..5], "-");
        prop_assert_eq!(printed.replace('-', ""), id.as_str());
        for form in [printed.clone(), printed.to_lowercase(), id.as_str().to_owned()] {
            prop_assert_eq!(SetId::parse(&form), Ok(id.clone()), "{}", form);
        }
        prop_assert_eq!(SetId::parse(&printed).map(|p| p.to_string()), Ok(printed));
    }

    #[test]
    fn set_id_parsing_never_panics_and_accepts_only_eight_base32_symbols(
        text in prop_oneof![any::<String>(), set_id_like_text()],
    ) {
        match SetId::parse(&text) {
            Ok(id) => {
                prop_assert_eq!(id.as_str().len(), SetId::LEN);
                prop_assert!(id.as_str().bytes().all(|b| BASE32.contains(&b)), "{:?}", text);
                let printed = id.to_string();
                prop_assert_eq!(SetId::parse(&printed), Ok(id));
            }
            Err(e) => {
                if let SetIdError::Length { found } = e {
                    prop_assert_ne!(found, SetId::LEN);
                }
                let _ = both_languages(&e);
            }
        }
    }
}

// ---------------------------------------------------------------- verifier JSON

/// Real verifier files, made once: a fresh export of three codes, and the
/// same file after code 2 was used (so a `used_at` is set); each with what
/// it loads as.
struct RealVerifiers {
    fresh: (Vec<u8>, String),
    used: (Vec<u8>, String),
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn real_verifiers() -> &'static RealVerifiers {
    static REAL: OnceLock<RealVerifiers> = OnceLock::new();
    REAL.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(12);
        let format = Format::parse_for_generation(crate::codes::DEFAULT_PATTERN).unwrap();
        let set = crate::codes::generate_set(&mut rng, &format, 3).unwrap();
        let meta = SetMeta {
            account: "経理部 shop@example.com \"main\"".to_owned(),
            set_id: SetId::generate(&mut rng),
            generation: 2,
            issued_at: at("2025-06-01T12:00:00+09:00"),
        };
        let file = verifier::export_with_threads(
            &meta,
            &set,
            &VerifierParams::default(),
            &mut rng,
            NonZeroUsize::MIN,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("verifier.json");
        file.write_new(&path, Overwrite::Refuse).unwrap();
        let fresh = fs::read(&path).unwrap();
        let typed = format.display(&set.codes()[1]);
        let used_at = at("2025-07-01T09:30:00+09:00");
        assert_eq!(
            verifier::verify_and_burn(&path, &typed, Some(2), used_at).unwrap(),
            2
        );
        let used = fs::read(&path).unwrap();
        let loaded = |bytes: Vec<u8>| {
            let content = content(&load_verifier(&bytes).unwrap());
            assert!(content.contains("PATH"), "{content}");
            (bytes, content)
        };
        RealVerifiers {
            fresh: loaded(fresh),
            used: loaded(used),
        }
    })
}

/// A real verifier file and what it loads as.
fn real_verifier() -> impl Strategy<Value = &'static (Vec<u8>, String)> {
    any::<bool>().prop_map(|used| {
        let real = real_verifiers();
        if used { &real.used } else { &real.fresh }
    })
}

/// Loads `bytes` as a verifier file.
fn load_verifier(bytes: &[u8]) -> Result<Verifier, VerifierError> {
    Verifier::load(&scratch_file("verifier.json", bytes))
}

/// Everything a loaded verifier holds, but for the path it was loaded from
/// (by [`load_verifier`], on whichever test thread).
fn content(v: &Verifier) -> String {
    let path = format!("{:?}", scratch_path("verifier.json"));
    format!("{v:?}").replace(&path, "PATH")
}

/// A refusal of a readable file: what it is, never an I/O error.
fn check_verifier_refusal(e: &VerifierError) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(
            e,
            VerifierError::NotAVerifier { .. }
                | VerifierError::UnsupportedVersion { .. }
                | VerifierError::Malformed { .. }
                | VerifierError::UnsupportedAlgorithm { .. }
                | VerifierError::ParamsOutOfRange { .. }
                | VerifierError::Tampered { .. }
        ),
        "{:?}",
        e
    );
    let (en, _) = both_languages(e);
    prop_assert!(!en.is_empty());
    Ok(())
}

/// A new value for one place of a verifier's JSON.
#[derive(Debug, Clone)]
enum ValueEdit {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    /// One character of a text changed, or a text of it.
    Tweak(Index, char),
    /// A number moved by this much, or this number.
    Step(i8),
    EmptyArray,
    EmptyObject,
    /// The member removed from its object.
    Drop,
}

fn value_edit() -> impl Strategy<Value = ValueEdit> {
    prop_oneof![
        1 => Just(ValueEdit::Null),
        1 => any::<bool>().prop_map(ValueEdit::Bool),
        1 => any::<i64>().prop_map(ValueEdit::Int),
        1 => (-1e12f64..1e12).prop_map(ValueEdit::Float),
        1 => prop_oneof![
            any::<String>(),
            Just("2025-07-01T09:30:00+09:00".to_owned()),
            Just(String::new()),
        ]
        .prop_map(ValueEdit::Text),
        3 => (any::<Index>(), any::<char>()).prop_map(|(at, c)| ValueEdit::Tweak(at, c)),
        2 => prop_oneof![-3i8..0, 1i8..4].prop_map(ValueEdit::Step),
        1 => Just(ValueEdit::EmptyArray),
        1 => Just(ValueEdit::EmptyObject),
        2 => Just(ValueEdit::Drop),
    ]
}

/// JSON pointers of every value inside `v` (not `v` itself).
fn places(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = format!("{at}/{k}");
                out.push(p.clone());
                places(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                places(child, p, out);
            }
        }
        _ => {}
    }
}

/// `old` with `edit` applied; `None` when the edit changes nothing.
fn edited(old: &Value, edit: &ValueEdit) -> Option<Value> {
    let new = match edit {
        ValueEdit::Null => Value::Null,
        ValueEdit::Bool(b) => Value::Bool(*b),
        ValueEdit::Int(n) => Value::from(*n),
        ValueEdit::Float(f) => Value::from(*f),
        ValueEdit::Text(s) => Value::from(s.as_str()),
        ValueEdit::Tweak(at, c) => match old {
            Value::String(s) if !s.is_empty() => {
                let mut chars: Vec<char> = s.chars().collect();
                let i = at.index(chars.len());
                chars[i] = *c;
                Value::from(text_of(chars))
            }
            _ => Value::from(c.to_string()),
        },
        ValueEdit::Step(step) => match old {
            Value::Number(n) => {
                let whole = n.as_u64().map(i128::from).or(n.as_i64().map(i128::from));
                match whole.map(|w| w + i128::from(*step)) {
                    Some(w) => u64::try_from(w)
                        .map(Value::from)
                        .or(i64::try_from(w).map(Value::from))
                        .unwrap_or(Value::Null),
                    None => Value::from(n.as_f64().unwrap_or(0.0) + f64::from(*step)),
                }
            }
            _ => Value::from(*step),
        },
        ValueEdit::EmptyArray => Value::Array(Vec::new()),
        ValueEdit::EmptyObject => Value::Object(serde_json::Map::new()),
        ValueEdit::Drop => return None,
    };
    (&new != old).then_some(new)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn verifier_loading_never_panics_on_arbitrary_bytes(bytes in any_bytes(400)) {
        if let Err(e) = load_verifier(&bytes) {
            check_verifier_refusal(&e)?;
        }
    }

    /// Flipped, cut, duplicated or inserted bytes, changed numbers, dropped
    /// lines: the file is refused, or it reads as exactly what was written
    /// (white space, say, is no content).
    #[test]
    fn a_damaged_verifier_file_is_refused_or_reads_as_the_original(
        real in real_verifier(),
        edits in byte_edits(),
    ) {
        let (real, original) = real;
        let mut bytes = real.clone();
        for edit in &edits {
            apply_edit(&mut bytes, edit);
        }
        match load_verifier(&bytes) {
            Ok(v) => prop_assert_eq!(
                &content(&v),
                original,
                "{}",
                String::from_utf8_lossy(&bytes)
            ),
            Err(e) => check_verifier_refusal(&e)?,
        }
    }

    /// Any value changed, or any member dropped that held something, without
    /// a new digest: refused (as tampered, or as a file it cannot read), never
    /// loaded. A used code cleared, an unused one marked used, a hash, the
    /// account, the set: none can be changed by hand.
    #[test]
    fn any_edit_of_a_verifier_value_without_a_new_digest_is_refused(
        real in real_verifier(),
        which in any::<Index>(),
        edit in value_edit(),
    ) {
        let mut value: Value = serde_json::from_slice(&real.0).unwrap();
        let mut all = Vec::new();
        places(&value, String::new(), &mut all);
        let place = &all[which.index(all.len())];
        let old = value.pointer(place).unwrap().clone();
        match edited(&old, &edit) {
            Some(new) => *value.pointer_mut(place).unwrap() = new,
            None => {
                // A member that is null (a code not used yet) is the same
                // content when left out.
                prop_assume!(matches!(edit, ValueEdit::Drop) && !old.is_null());
                let (parent, key) = place.rsplit_once('/').unwrap();
                match value.pointer_mut(parent).unwrap() {
                    Value::Object(map) => {
                        map.remove(key);
                    }
                    Value::Array(items) => {
                        items.remove(key.parse::<usize>().unwrap());
                    }
                    _ => unreachable!(),
                }
            }
        }
        let bytes = serde_json::to_vec_pretty(&value).unwrap();
        match load_verifier(&bytes) {
            Ok(_) => {
                return Err(TestCaseError::fail(format!(
                    "{place} edited ({edit:?}) and accepted:\n{}",
                    String::from_utf8_lossy(&bytes)
                )));
            }
            Err(e) => check_verifier_refusal(&e)?,
        }
    }
}

proptest! {
    // Each case hashes one code (Argon2id, 19 MiB).
    #![proptest_config(config(8))]

    #[test]
    fn a_real_export_round_trips(
        account in any::<String>(),
        generation in any::<u32>(),
        secs in 0i64..253_402_000_000,
        offset_minutes in -14 * 60i32..=14 * 60,
        seed in any::<u64>(),
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap();
        let issued_at = DateTime::from_timestamp(secs, 0).unwrap().with_timezone(&offset);
        let format = Format::parse_for_generation(crate::codes::DEFAULT_PATTERN).unwrap();
        let set = crate::codes::generate_set(&mut rng, &format, 1).unwrap();
        let meta = SetMeta {
            account,
            set_id: SetId::generate(&mut rng),
            generation,
            issued_at,
        };
        let file = verifier::export_with_threads(
            &meta,
            &set,
            &VerifierParams::default(),
            &mut rng,
            NonZeroUsize::MIN,
        )
        .unwrap();
        let json = file.to_json().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let written = dir.path().join("written.json");
        file.write_new(&written, Overwrite::Refuse).unwrap();
        prop_assert_eq!(fs::read(&written).unwrap(), json.as_bytes());
        let v = load_verifier(json.as_bytes()).unwrap();
        prop_assert_eq!(v.account(), meta.account.as_str());
        prop_assert_eq!(v.set_id(), &meta.set_id);
        prop_assert_eq!(v.generation(), generation);
        prop_assert_eq!(v.issued_at(), issued_at);
        prop_assert_eq!(*v.issued_at().offset(), *issued_at.offset());
        prop_assert_eq!((v.len(), v.remaining()), (1, 1));
        prop_assert_eq!(v.used_at(1).unwrap(), None);
    }
}

// ---------------------------------------------------------------- batch CSV

/// Cell text full of what CSV quotes: commas, quotes, line breaks.
fn cell_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        4 => prop::sample::select("abcXYZ09@.経理部".chars().collect::<Vec<_>>()),
        3 => prop::sample::select(vec![',', '"', '\r', '\n', ' ', '\t', '\u{FEFF}', ';', '\'']),
        1 => any::<char>(),
    ];
    prop::collection::vec(c, 0..16).prop_map(text_of)
}

/// How the rows are written: line ends, quoting, a byte-order mark, blank
/// lines between the rows.
#[derive(Debug, Clone)]
struct CsvStyle {
    crlf: bool,
    quote_all: bool,
    bom: bool,
    blank_lines: Vec<usize>,
}

fn csv_style() -> impl Strategy<Value = CsvStyle> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(prop_oneof![3 => Just(0usize), 1 => 1usize..3], 1..8),
    )
        .prop_map(|(crlf, quote_all, bom, blank_lines)| CsvStyle {
            crlf,
            quote_all,
            bom,
            blank_lines,
        })
}

/// `records` written by the csv crate's writer in `style`, and the row
/// number a spreadsheet shows each non-blank record on (the first is row 1).
fn write_csv(records: &[Vec<String>], style: &CsvStyle) -> (Vec<u8>, Vec<(u64, Vec<String>)>) {
    let mut out = Vec::new();
    if style.bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let end: &[u8] = if style.crlf { b"\r\n" } else { b"\n" };
    let mut expected = Vec::new();
    let mut row = 0u64;
    for (i, record) in records.iter().enumerate() {
        if i > 0 {
            for _ in 0..style.blank_lines[i % style.blank_lines.len()] {
                out.extend_from_slice(end);
                row += 1;
            }
        }
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(if style.crlf {
                csv::Terminator::CRLF
            } else {
                csv::Terminator::Any(b'\n')
            })
            .quote_style(if style.quote_all {
                csv::QuoteStyle::Always
            } else {
                csv::QuoteStyle::Necessary
            })
            .from_writer(Vec::new());
        writer.write_record(record).unwrap();
        let written = writer.into_inner().unwrap();
        row += 1;
        // A row of nothing but white space is a blank row.
        if !written.iter().all(u8::is_ascii_whitespace) {
            expected.push((row, record.clone()));
        }
        out.extend_from_slice(&written);
    }
    // A file that starts with the bytes of a byte-order mark has one: a
    // first cell that starts with U+FEFF is written after the file's mark.
    if !style.bom && out.starts_with(b"\xEF\xBB\xBF") {
        out.splice(0..0, *b"\xEF\xBB\xBF");
    }
    (out, expected)
}

fn check_batch_error(e: &crate::error::Error) -> Result<(), TestCaseError> {
    let (en, _) = both_languages(e);
    prop_assert!(!en.is_empty());
    Ok(())
}

/// Arbitrary lines that look like CSV.
fn csv_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    let b = prop_oneof![
        4 => prop::sample::select(b"account,lang,copies,en,ja,2,x@y".to_vec()),
        3 => prop::sample::select(b",\"\r\n \t".to_vec()),
        1 => any::<u8>(),
    ];
    prop::collection::vec(b, 0..300)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn batch_reading_never_panics_on_arbitrary_bytes(
        bytes in prop_oneof![any_bytes(400), csv_like_bytes()],
        header in prop::sample::select(vec!["", "account\n", "account,lang,copies,count\n"]),
    ) {
        let (records, error) = batch::read_records(&bytes);
        prop_assert!(records.windows(2).all(|w| w[0].0 < w[1].0));
        if let Some(e) = error {
            check_batch_error(&e)?;
        }
        let path = scratch_file("accounts.csv", &[header.as_bytes(), &bytes].concat());
        match batch::read_rows(&path) {
            Ok(rows) => {
                prop_assert!(rows.windows(2).all(|w| w[0].0 < w[1].0));
                for (_, row) in rows {
                    if let Err(e) = row {
                        check_batch_error(&e)?;
                    }
                }
            }
            Err(e) => check_batch_error(&e)?,
        }
    }

    /// Each cell comes back as written, each record on the row a
    /// spreadsheet shows it on: a cell's line breaks add no row, a blank
    /// line is a row.
    #[test]
    fn rows_written_by_a_csv_writer_read_back_as_the_same_cells_and_rows(
        records in prop::collection::vec(prop::collection::vec(cell_text(), 1..5), 0..8),
        style in csv_style(),
    ) {
        let (bytes, expected) = write_csv(&records, &style);
        let (read, error) = batch::read_records(&bytes);
        if let Some(e) = error {
            return Err(TestCaseError::fail(format!("{e}\n{:?}", String::from_utf8_lossy(&bytes))));
        }
        let read: Vec<(u64, Vec<String>)> = read
            .into_iter()
            .map(|(row, cells)| (row, cells.unwrap_or_else(|e| vec![format!("error: {e:?}")])))
            .collect();
        prop_assert_eq!(read, expected, "{:?}", String::from_utf8_lossy(&bytes));
    }

    /// The same through the whole reader of `batch`: a header, then each
    /// account on its row, its label what `generate` would take.
    #[test]
    fn accounts_written_by_a_csv_writer_read_back_on_their_rows(
        accounts in prop::collection::vec(cell_text(), 0..8),
        locations in prop::collection::vec(cell_text(), 1..8),
        style in csv_style(),
    ) {
        let mut records = vec![vec!["account".to_owned(), "location".to_owned()]];
        records.extend(accounts.iter().enumerate().map(|(i, account)| {
            vec![account.clone(), locations[i % locations.len()].clone()]
        }));
        let (bytes, expected) = write_csv(&records, &style);
        let path = scratch_file("accounts.csv", &bytes);
        let rows = batch::read_rows(&path)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{:?}", String::from_utf8_lossy(&bytes))))?;
        let numbers: Vec<u64> = rows.iter().map(|(n, _)| *n).collect();
        let expected_numbers: Vec<u64> = expected[1..].iter().map(|(n, _)| *n).collect();
        prop_assert_eq!(numbers, expected_numbers, "{:?}", String::from_utf8_lossy(&bytes));
        for ((_, row), (_, cells)) in rows.iter().zip(&expected[1..]) {
            if let Ok(label) = row {
                let typed = cells[0].split_whitespace().collect::<Vec<_>>().join(" ");
                prop_assert_eq!(label, &typed);
            }
        }
    }
}

/// What one over-long record is made of.
#[derive(Debug, Clone)]
struct LongRecord {
    /// Bytes of the record beyond the limit (negative: within it).
    over: i64,
    quoted: bool,
    /// Line breaks inside the quoted cell.
    breaks: usize,
    crlf: bool,
}

proptest! {
    #![proptest_config(config(24))]

    /// A record up to the limit is read whole; one byte more is refused with
    /// the limit named, and nothing of it is read as a shorter record.
    #[test]
    fn a_record_longer_than_the_limit_is_refused_naming_the_limit(
        record in (
            prop_oneof![-2i64..=2, Just(1000i64), Just(-1000i64)],
            any::<bool>(),
            0usize..4,
            any::<bool>(),
        ).prop_map(|(over, quoted, breaks, crlf)| LongRecord { over, quoted, breaks, crlf }),
    ) {
        let end: &[u8] = if record.crlf { b"\r\n" } else { b"\n" };
        let len = usize::try_from(MAX_CSV_RECORD_BYTES as i64 + record.over).unwrap();
        // The record's bytes, line end not counted: `x…` or `"x…"` with
        // line breaks inside.
        let mut cell = vec![b'x'; if record.quoted { len - 2 } else { len }];
        if record.quoted {
            for i in 0..record.breaks {
                let at = (i + 1) * cell.len() / (record.breaks + 1);
                cell.splice(at..at + end.len(), end.iter().copied());
            }
        }
        let mut bytes = [b"account".as_slice(), end].concat();
        if record.quoted {
            bytes.push(b'"');
        }
        bytes.extend_from_slice(&cell);
        if record.quoted {
            bytes.push(b'"');
        }
        bytes.extend_from_slice(end);
        bytes.extend_from_slice(b"next");
        bytes.extend_from_slice(end);
        let (read, error) = batch::read_records(&bytes);
        let cell_text = String::from_utf8(cell).unwrap();
        if record.over <= 0 {
            prop_assert!(error.is_none(), "{:?}: {:?}", record, error);
            let read: Vec<(u64, Vec<String>)> = read.into_iter().map(|(n, c)| (n, c.unwrap())).collect();
            prop_assert_eq!(read, vec![
                (1, vec!["account".to_owned()]),
                (2, vec![cell_text]),
                (3, vec!["next".to_owned()]),
            ]);
        } else {
            let Some(e) = error else {
                return Err(TestCaseError::fail(format!("{record:?}: read whole")));
            };
            prop_assert_eq!(read.len(), 1, "{:?}: {}", record, e);
            let (en, ja) = both_languages(&e);
            prop_assert!(en.contains("64 KiB") && ja.contains("64 KiB"), "{}\n{}", en, ja);
            prop_assert!(en.contains("row 2"), "{}", en);
        }
    }
}

// ---------------------------------------------------------------- config

const CONFIG_KEYS: [&str; 10] = [
    "lang",
    "paper",
    "organisation",
    "location",
    "custodian",
    "copies",
    "format",
    "count",
    "inventory_months",
    "ledger",
];

/// A label as a person types it: no control characters, maybe spaces around.
fn label_value() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select("abc XYZ 09@.-'\"\\#=[]経理部".chars().collect::<Vec<_>>()),
            1 => any::<char>(),
        ]
        .prop_filter("no control characters", |c| !c.is_control()),
        0..40,
    )
    .prop_map(text_of)
}

fn choice_value(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    (prop::sample::select(names), any::<bool>(), any::<bool>()).prop_map(|(name, upper, padded)| {
        let name = if upper {
            name.to_uppercase()
        } else {
            name.to_owned()
        };
        if padded { format!(" {name} ") } else { name }
    })
}

/// A ledger setting: a file's path, or a server's URL.
fn ledger_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_-]{0,12}".prop_map(|name| format!("/srv/ledgers/{name}.db")),
        ("[a-z][a-z0-9]{0,8}", "[a-z][a-z0-9-]{0,12}", 1u16..=65535).prop_map(
            |(user, host, port)| format!(
                "postgresql://{user}@{host}.example.org:{port}/recovery_sheet?sslmode=verify-full"
            )
        ),
    ]
}

fn generation_pattern() -> impl Strategy<Value = String> {
    well_formed_pattern(&['X', 'x', '9', 'F', 'f']).prop_filter("generates codes", |p| {
        Format::parse_for_generation(p).is_ok()
    })
}

fn valid_config() -> impl Strategy<Value = ConfigFile> {
    use prop::option::of;
    (
        (
            of(choice_value(&["en", "ja"])),
            of(choice_value(&["a4", "letter"])),
            of(label_value()),
            of(label_value()),
            of(label_value()),
            of(ledger_value()),
        ),
        (
            of(1u32..=crate::limits::MAX_COPIES),
            of(generation_pattern()),
            of(1u32..=crate::limits::MAX_COUNT),
            of(1u32..=36),
        ),
    )
        .prop_map(
            |(
                (lang, paper, organisation, location, custodian, ledger),
                (copies, format, count, months),
            )| {
                ConfigFile {
                    lang,
                    paper,
                    organisation,
                    location,
                    custodian,
                    copies,
                    format,
                    count,
                    inventory_months: months,
                    ledger,
                }
            },
        )
}

/// The config's settings as TOML values, by key.
fn config_values(file: &ConfigFile, string_style: u8) -> Vec<(&'static str, String)> {
    let text = |v: &Option<String>| v.as_deref().map(|s| toml_string(s, string_style));
    let number = |v: Option<u32>| v.map(|n| n.to_string());
    let values = [
        text(&file.lang),
        text(&file.paper),
        text(&file.organisation),
        text(&file.location),
        text(&file.custodian),
        number(file.copies),
        text(&file.format),
        number(file.count),
        number(file.inventory_months),
        text(&file.ledger),
    ];
    CONFIG_KEYS
        .iter()
        .zip(values)
        .filter_map(|(k, v)| v.map(|v| (*k, v)))
        .collect()
}

/// How a config file is laid out.
#[derive(Debug, Clone)]
struct ConfigStyle {
    /// 0 bare keys, 1 `"key"`, 2 `'key'`.
    key_quotes: Vec<u8>,
    string_style: u8,
    /// Spaces around `=` and before the key.
    spaced: Vec<bool>,
    /// A comment line naming the key (commented out) before each setting.
    comments: Vec<bool>,
    crlf: bool,
    /// Where the settings go among each other.
    order: Vec<usize>,
}

fn config_style() -> impl Strategy<Value = ConfigStyle> {
    (
        prop::collection::vec(
            prop_oneof![4 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
            1..5,
        ),
        0u8..3,
        prop::collection::vec(any::<bool>(), 1..5),
        prop::collection::vec(any::<bool>(), 1..5),
        any::<bool>(),
        Just((0..CONFIG_KEYS.len() + 1).collect::<Vec<usize>>()).prop_shuffle(),
    )
        .prop_map(
            |(key_quotes, string_style, spaced, comments, crlf, order)| ConfigStyle {
                key_quotes,
                string_style,
                spaced,
                comments,
                crlf,
                order,
            },
        )
}

/// `settings` (key and TOML value) written as a config file in `style`, and
/// the line each setting is on.
fn write_config(settings: &[(&str, String)], style: &ConfigStyle) -> (String, Vec<usize>) {
    let mut settings: Vec<(usize, &(&str, String))> = settings.iter().enumerate().collect();
    settings.sort_by_key(|(i, _)| style.order.get(*i).copied().unwrap_or(*i));
    let mut lines = vec!["# recovery-sheet config".to_owned()];
    let mut line_of = vec![0; settings.len()];
    for (n, (i, (key, value))) in settings.into_iter().enumerate() {
        if style.comments[n % style.comments.len()] {
            lines.push(format!("# {key} = {value}"));
            lines.push(String::new());
        }
        let key = match style.key_quotes[n % style.key_quotes.len()] {
            1 => format!("\"{key}\""),
            2 => format!("'{key}'"),
            _ => key.to_string(),
        };
        let line = if style.spaced[n % style.spaced.len()] {
            format!("  {key}  =  {value}  # set by the office")
        } else {
            format!("{key}={value}")
        };
        lines.push(line);
        line_of[i] = lines.len();
    }
    let end = if style.crlf { "\r\n" } else { "\n" };
    (lines.join(end) + end, line_of)
}

/// A setting the config refuses.
fn bad_setting() -> impl Strategy<Value = (&'static str, String)> {
    prop_oneof![
        prop::sample::select(vec!["fr", "", "english"]).prop_map(|v| ("lang", format!("\"{v}\""))),
        prop::sample::select(vec!["a3", "A5", ""]).prop_map(|v| ("paper", format!("\"{v}\""))),
        prop_oneof![Just(0u64), 11u64..5000].prop_map(|n| ("copies", n.to_string())),
        prop_oneof![Just(0u64), 101u64..5000].prop_map(|n| ("count", n.to_string())),
        prop_oneof![Just(0u64), 37u64..5000].prop_map(|n| ("inventory_months", n.to_string())),
        (
            prop::sample::select(vec!["organisation", "location", "custodian"]),
            prop_oneof![
                Just("Safe\\u0007 3".to_owned()),
                Just("a\\nb".to_owned()),
                (201usize..400).prop_map(|n| "x".repeat(n)),
            ],
        )
            .prop_map(|(k, v)| (k, format!("\"{v}\""))),
        prop::sample::select(vec!["XX", "AAAA-AAAA", "X Q X", "", "XXXX--XXXX"])
            .prop_map(|v| ("format", format!("\"{v}\""))),
        prop::sample::select(vec!["\"two\"", "-1", "1.5", "true", "4294967296"])
            .prop_map(|v| ("copies", v.to_owned())),
        Just(("colour", "\"blue\"".to_owned())),
        Just(("lang", "\"ja".to_owned())),
    ]
}

/// Whether a config error names `path`, and `line` when given, in both languages.
fn check_config_error(e: &ConfigError, path: &Path) -> Result<(), TestCaseError> {
    let (en, ja) = both_languages(e);
    let shown = path.display().to_string();
    prop_assert!(en.contains(&shown) && ja.contains(&shown), "{}\n{}", en, ja);
    if let ConfigError::Invalid {
        line: Some(line), ..
    } = e
    {
        prop_assert!(en.contains(&format!("line {line}:")), "{}", en);
        prop_assert!(ja.contains(&format!("{line} 行目")), "{}", ja);
    }
    Ok(())
}

/// The line an error names, checked to be within `text`.
fn error_line(e: &ConfigError, text: &[u8]) -> Result<Option<usize>, TestCaseError> {
    match e {
        ConfigError::Invalid { line, .. } => {
            if let Some(line) = line {
                let lines = text.split(|b| *b == b'\n').count();
                prop_assert!((1..=lines).contains(line), "line {} of {}", line, lines);
            }
            Ok(*line)
        }
        ConfigError::Unreadable { .. } => Err(TestCaseError::fail(format!("{e}"))),
    }
}

/// Arbitrary lines that look like a config.
fn config_like_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        (
            prop::sample::select(CONFIG_KEYS.to_vec()),
            prop_oneof![
                label_value().prop_map(|v| toml_basic(&v, false)),
                any::<String>().prop_map(|v| toml_basic(&v, false)),
                any::<i64>().prop_map(|n| n.to_string()),
                any::<String>(),
            ]
        )
            .prop_map(|(k, v)| format!("{k} = {v}")),
        prop::sample::select(vec![
            "[office]",
            "# comment",
            "",
            "lang = 'ja'",
            "\"lang\" = \"fr\""
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    prop::collection::vec(line, 0..8).prop_map(|lines| lines.join("\n"))
}

/// Loads `bytes` as the config file named on the command line.
fn load_config(bytes: &[u8]) -> (PathBuf, Result<config::Loaded, ConfigError>) {
    let path = scratch_file("office config.toml", bytes);
    let loaded = config::load(&ConfigLocation::Explicit(path.clone()));
    (path, loaded)
}

proptest! {
    #![proptest_config(config(256))]

    /// Every refusal names the file and the line it comes from.
    #[test]
    fn config_parsing_never_panics_and_names_the_file_and_line(
        text in prop_oneof![any::<String>(), config_like_text()],
    ) {
        let path = Path::new("/etc/recovery-sheet/config.toml");
        if let Err(e) = config::parse(&text, path) {
            check_config_error(&e, path)?;
            prop_assert!(error_line(&e, text.as_bytes())?.is_some(), "{}\n{:?}", e, text);
        }
    }

    #[test]
    fn config_loading_never_panics_on_arbitrary_bytes(
        bytes in prop_oneof![any_bytes(400), config_like_text().prop_map(String::into_bytes)],
        edits in prop::collection::vec(byte_edit(), 0..3),
    ) {
        let mut bytes = bytes;
        for edit in &edits {
            apply_edit(&mut bytes, edit);
        }
        let (path, loaded) = load_config(&bytes);
        if let Err(e) = loaded {
            check_config_error(&e, &path)?;
            prop_assert!(error_line(&e, &bytes)?.is_some(), "{}\n{:?}", e, String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn a_config_written_from_valid_values_reads_back_as_them(
        file in valid_config(),
        style in config_style(),
    ) {
        let (text, _) = write_config(&config_values(&file, style.string_style), &style);
        let (path, loaded) = load_config(text.as_bytes());
        match loaded {
            Ok(loaded) => {
                prop_assert_eq!(loaded.file, file, "{}", text);
                prop_assert_eq!(loaded.path, Some(path));
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n{text}"))),
        }
    }

    /// One bad setting among good ones, written any way TOML allows (quoted
    /// keys, comments naming the key, spaces): refused, naming the file and
    /// the bad setting's line.
    #[test]
    fn a_bad_setting_is_refused_naming_the_file_and_its_line(
        file in valid_config(),
        (key, bad) in bad_setting(),
        style in config_style(),
        at in any::<Index>(),
    ) {
        let mut settings: Vec<(&str, String)> = config_values(&file, style.string_style)
            .into_iter()
            .filter(|(k, _)| *k != key)
            .collect();
        let at = at.index(settings.len() + 1);
        settings.insert(at, (key, bad));
        let (text, lines) = write_config(&settings, &style);
        let path = Path::new("office.toml");
        match config::parse(&text, path) {
            Ok(parsed) => {
                return Err(TestCaseError::fail(format!("accepted as {parsed:?}\n{text}")));
            }
            Err(e) => {
                check_config_error(&e, path)?;
                prop_assert_eq!(error_line(&e, text.as_bytes())?, Some(lines[at]), "{}\n{}", e, text);
            }
        }
    }
}

#[test]
fn a_config_over_the_limit_is_refused_naming_the_file_and_the_limit() {
    let limit = usize::try_from(MAX_CONFIG_BYTES).unwrap();
    for (len, refused) in [(limit, false), (limit + 1, true)] {
        let mut text = "lang = \"ja\"\n".to_owned();
        text.push_str(&"#".repeat(len - text.len()));
        let (path, loaded) = load_config(text.as_bytes());
        match loaded {
            Ok(_) => assert!(!refused, "{len} bytes read"),
            Err(e) => {
                assert!(refused, "{len} bytes: {e}");
                let (en, _) = both_languages(&e);
                assert!(
                    en.contains(&path.display().to_string()) && en.contains("64 KiB"),
                    "{en}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- templates

fn shipped(lang: Lang) -> &'static str {
    match lang {
        Lang::En => include_str!("../templates/en.toml"),
        Lang::Ja => include_str!("../templates/ja.toml"),
    }
}

fn any_lang() -> impl Strategy<Value = Lang> {
    prop::sample::select(Lang::ALL.to_vec())
}

fn any_key() -> impl Strategy<Value = Key> {
    prop::sample::select(Key::ALL.to_vec())
}

/// `lang`'s shipped template with `key`'s line set to `key = value`.
fn with_value(lang: Lang, key: Key, value: &str) -> String {
    let prefix = format!("{} = ", key.name());
    let mut found = false;
    let lines: Vec<String> = shipped(lang)
        .lines()
        .map(|line| {
            if line.starts_with(&prefix) {
                found = true;
                format!("{prefix}{value}")
            } else {
                line.to_owned()
            }
        })
        .collect();
    assert!(found, "{} not in the shipped template", key.name());
    lines.join("\n") + "\n"
}

/// Template text without braces: mostly letters, some of anything.
fn template_text(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select("Keep it safe 経理部の金庫 \"'\\#=".chars().collect::<Vec<_>>()),
            1 => any::<char>(),
        ]
        .prop_filter("no braces", |c| *c != '{' && *c != '}'),
        len,
    )
    .prop_map(text_of)
}

/// Values for every placeholder `key` may use.
fn placeholder_values(key: Key) -> Vec<(&'static str, &'static str)> {
    key.placeholders().iter().map(|p| (*p, "FILLED")).collect()
}

fn check_template_error(e: &TemplateError, origin: &str) -> Result<(), TestCaseError> {
    let (en, ja) = both_languages(e);
    prop_assert!(en.contains(origin) && ja.contains(origin), "{}\n{}", en, ja);
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn template_parsing_never_panics(
        text in prop_oneof![
            any::<String>(),
            (any_lang(), byte_edits()).prop_map(|(lang, edits)| {
                let mut bytes = shipped(lang).as_bytes().to_vec();
                for edit in &edits {
                    apply_edit(&mut bytes, edit);
                }
                String::from_utf8_lossy(&bytes).into_owned()
            }),
        ],
    ) {
        if let Err(e) = Template::parse(&text, "mine.toml") {
            check_template_error(&e, "mine.toml")?;
        }
    }

    #[test]
    fn template_loading_never_panics_on_arbitrary_bytes(
        (base, edits) in prop_oneof![
            any_bytes(400).prop_map(|b| (b, Vec::new())),
            (any_lang(), byte_edits()).prop_map(|(lang, edits)| (shipped(lang).as_bytes().to_vec(), edits)),
        ],
    ) {
        let mut bytes = base;
        for edit in &edits {
            apply_edit(&mut bytes, edit);
        }
        let path = scratch_file("mine.toml", &bytes);
        if let Err(e) = Template::load(&path) {
            check_template_error(&e, &path.display().to_string())?;
        }
    }

}

proptest! {
    // Each case parses a whole template (about 4 KB of TOML).
    #![proptest_config(config(128))]

    /// Any text within the limit, written as TOML any way, reads and fills
    /// back as itself; one character over the limit is refused naming the key.
    #[test]
    fn a_shipped_template_with_one_text_replaced_reads_and_fills_back_as_it(
        lang in any_lang(),
        key in any_key(),
        text in prop_oneof![
            4 => template_text(0..=200),
            1 => template_text(MAX_TEMPLATE_TEXT_CHARS - 2..=MAX_TEMPLATE_TEXT_CHARS + 2),
        ],
        style in 0u8..3,
    ) {
        let template = with_value(lang, key, &toml_string(&text, style));
        let chars = text.chars().count();
        match Template::parse(&template, "mine.toml") {
            Ok(t) => {
                prop_assert!(chars <= MAX_TEMPLATE_TEXT_CHARS);
                prop_assert_eq!(t.text(key), text.as_str());
                prop_assert_eq!(t.fill(key, &placeholder_values(key)), text);
            }
            Err(TemplateError::TextTooLong { key: named, chars: counted, .. }) => {
                prop_assert!(chars > MAX_TEMPLATE_TEXT_CHARS);
                prop_assert_eq!((named, counted), (key.name(), chars));
            }
            Err(e) => return Err(TestCaseError::fail(format!("{}: {e}", key.name()))),
        }
    }

    #[test]
    fn an_unknown_placeholder_is_refused_naming_the_key(
        lang in any_lang(),
        key in any_key(),
        before in template_text(0..=20),
        name in template_text(0..=12),
        after in template_text(0..=20),
        style in 0u8..3,
    ) {
        prop_assume!(!key.placeholders().contains(&name.as_str()));
        let text = format!("{before}{{{name}}}{after}");
        let template = with_value(lang, key, &toml_string(&text, style));
        match Template::parse(&template, "mine.toml") {
            Err(e @ TemplateError::BadPlaceholder { .. }) => {
                let TemplateError::BadPlaceholder { key: named, placeholder, .. } = &e else {
                    unreachable!()
                };
                prop_assert_eq!((*named, placeholder.as_str()), (key.name(), name.as_str()));
                let (en, ja) = both_languages(&e);
                let quoted = format!("`{}`", key.name());
                prop_assert!(en.contains(&quoted) && ja.contains(key.name()), "{}\n{}", en, ja);
            }
            other => {
                return Err(TestCaseError::fail(format!("{}: {text:?}: {other:?}", key.name())));
            }
        }
    }
}
