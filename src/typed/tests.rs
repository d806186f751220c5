//! The typing table run through every entry point inside the crate (the sheet rule, set IDs, import per preset), and property tests of typed codes and import text.

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::cases::{self, Needs};
use super::*;
use crate::codes::{Format, SetId, SetIdError, generate_set};
use crate::import::{self, Preset};
use crate::lang::Lang;
use crate::messages::{Localized, Messages};

/// The text of a message in both languages, for the leak check.
fn both_languages(e: &impl Localized) -> String {
    format!(
        "{}\n{}",
        e.message(&Messages::new(Lang::En)),
        e.message(&Messages::new(Lang::Ja))
    )
}

/// Codes of several generated formats, as the sheet prints them (canonical).
fn sheet_codes() -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(11);
    let mut out = Vec::new();
    for pattern in ["XXXX-XXXX-XXXX-XXXX", "9999 9999 99", "FFFF-FFFF-FFFF"] {
        let format = Format::parse_for_generation(pattern).unwrap();
        let set = generate_set(&mut rng, &format, 4).unwrap();
        out.extend(set.codes().iter().map(|c| c.expose().to_owned()));
    }
    // Codes full of the digits people misread as letters.
    out.push("0101IOLO".replace(['I', 'L'], "1").replace('O', "0"));
    out
}

/// Whether an entry point reading with `case` (and joining words when
/// `joins`) forgives decorations that need `needs`.
fn forgives(needs: Needs, case: CaseRule, joins: bool) -> bool {
    match needs {
        Needs::Nothing => true,
        Needs::CaseFolding => case != CaseRule::Sensitive,
        Needs::SheetLetters => case == CaseRule::Sheet,
        Needs::JoinedWords => joins,
    }
}

#[test]
fn sheet_typings_read_as_the_table_says() {
    for (typed, expected) in cases::SHEET_TYPINGS {
        assert_eq!(sheet_code(typed).as_str(), *expected, "{typed:?}");
    }
}

/// Issue 11, item 4: the two normalisers disagreed on a zero-width space
/// and on `ー`; now there is one, and import reads them as `verify` does.
#[test]
fn import_and_typed_codes_agree_on_zero_width_space_and_long_vowel_mark() {
    let google = import::preset("google").unwrap();
    for typed in [
        "4012\u{200B}6743",
        "4012ー6743",
        "4012ｰ6743",
        "4012\u{2014}6743",
    ] {
        assert_eq!(sheet_code(typed).as_str(), "40126743", "{typed:?}");
        let imported = import::parse(google, typed.as_bytes()).unwrap();
        assert_eq!(imported.set.codes()[0].expose(), "40126743", "{typed:?}");
    }
}

#[test]
fn every_decoration_of_a_sheet_code_reads_back_as_the_code() {
    for code in sheet_codes() {
        for d in cases::decorations() {
            if !forgives(d.needs, CaseRule::Sheet, true) {
                continue;
            }
            let typed = (d.apply)(&code, 4);
            assert_eq!(sheet_code(&typed).as_str(), code, "{}: {typed:?}", d.name);
        }
    }
}

#[test]
fn every_decoration_of_a_set_id_parses_to_it() {
    let mut rng = StdRng::seed_from_u64(5);
    for _ in 0..4 {
        let id = SetId::generate(&mut rng);
        for d in cases::decorations() {
            if !forgives(d.needs, CaseRule::Sheet, true) {
                continue;
            }
            for form in [id.as_str().to_owned(), id.to_string()] {
                let typed = (d.apply)(&form, 4);
                assert_eq!(
                    SetId::parse(&typed).as_ref(),
                    Ok(&id),
                    "{}: {typed:?}",
                    d.name
                );
            }
        }
    }
}

/// Three codes of each preset, as the service stores them.
fn preset_codes(name: &str) -> [&'static str; 3] {
    match name {
        "google" | "instagram" => ["40126743", "30217720", "88410263"],
        "freee" => ["123456789", "234567890", "345678901"],
        "x" => ["k3m9x2p7q4wz", "h7n2c5v8r6tj", "abcdefghjkmn"],
        "github" => ["abcde12345", "0f1e23d4c5", "abcdefabcd"],
        "gitlab" => ["0123456789abcdef", "fedcba9876543210", "a1b2c3d4e5f60718"],
        "keycloak" => ["ABCD2345EFGH", "NPQR5TUVWXYZ", "ABCDEFGHJKLM"],
        "nextcloud" => ["aB3dE5gH7jK9mN2p", "xY7zW4qR8sT2uV6w", "QqWwEeRrTtYyUuIi"],
        "playstation" => ["0123456789", "9876543210", "5555566666"],
        "generic" => ["Ab12Cd34", "zzzz9999", "QWERTYUI"],
        other => panic!("no sample codes for {other}"),
    }
}

/// `decorate` of each code, one a line, read by `preset`: the codes come back.
fn round_trip(
    preset: &Preset,
    codes: &[&str],
    decorate: impl Fn(&str, usize) -> String,
    what: &str,
) {
    // Split where the service splits its codes (digit runs anywhere).
    let group = if preset.group > 0 { preset.group } else { 4 };
    let input: String = codes.iter().map(|c| decorate(c, group) + "\n").collect();
    let imported = match import::parse(preset, input.as_bytes()) {
        Ok(imported) => imported,
        Err(e) => panic!("{} ({what}): {e}\n{input:?}", preset.name),
    };
    let read: Vec<&str> = imported.set.codes().iter().map(|c| c.expose()).collect();
    assert_eq!(read, codes, "{} ({what}): {input:?}", preset.name);
}

#[test]
fn every_decoration_of_every_presets_codes_imports_as_the_codes() {
    for preset in import::presets() {
        let codes = preset_codes(preset.name);
        for d in cases::decorations() {
            if forgives(d.needs, preset.case, preset.joins_words().is_some()) {
                round_trip(preset, &codes, &d.apply, &d.name);
            }
        }
    }
}

/// The leak check itself: it finds what the old messages showed, and not
/// the catalogue's own words or the numbers a message fills in.
#[test]
fn the_leak_check_finds_a_quoted_part_of_a_code_and_nothing_else() {
    let codes = ["30217720".to_owned(), "7K2QM9XAP4RTH6WN".to_owned()];
    let old = "line 3: `3021 772` has 7 digits; Google codes have 8";
    assert_eq!(cases::leaked_run(old, &codes).as_deref(), Some("3021"));
    assert_eq!(
        cases::leaked_run("ｍ９ｘａ-p4rt", &codes).as_deref(),
        Some("M9XA")
    );
    let new = "line 3: the 2nd code on the line has 7 digits; Google codes have 8";
    assert_eq!(cases::leaked_run(new, &codes), None);
    // The example set ID in a message is the catalogue's, not the code's.
    let set_id = SetIdError::Length { found: 16 }.to_string();
    assert!(set_id.contains("7K2Q-M9XA"), "{set_id}");
    assert_eq!(cases::leaked_run(&set_id, &codes), None);
}

// ---------------------------------------------------------------- properties

/// Cases per property: the whole proptest run stays within seconds in a
/// debug build.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 512,
        ..ProptestConfig::default()
    }
}

fn case_rule() -> impl Strategy<Value = CaseRule> {
    prop_oneof![
        Just(CaseRule::Sheet),
        Just(CaseRule::NoLetters),
        Just(CaseRule::Lower),
        Just(CaseRule::Upper),
        Just(CaseRule::Sensitive),
    ]
}

/// Characters the table drops: white space, invisible, separators.
fn dropped_char() -> impl Strategy<Value = char> {
    prop::sample::select(
        cases::SPACES
            .iter()
            .chain(cases::INVISIBLES)
            .chain(cases::HYPHENS)
            .copied()
            .collect::<Vec<char>>(),
    )
}

/// Text that is mostly what codes are typed with, so properties reach the
/// interesting paths more often than arbitrary Unicode would.
fn code_like_text() -> impl Strategy<Value = String> {
    let chars = prop_oneof![
        4 => prop::sample::select(b"0123456789abcdefABCDEFOIlLxyzXYZ_.".map(char::from).to_vec()),
        2 => dropped_char(),
        1 => prop::sample::select(vec!['\n', '\r', '\t', ',', '、', '#', '(', ')', ':']),
        1 => any::<char>(),
        1 => (0xFF01u32..=0xFF5E).prop_map(|c| char::from_u32(c).unwrap_or('?')),
    ];
    prop::collection::vec(chars, 0..80).prop_map(|v| v.into_iter().collect())
}

/// How one symbol of a code is typed: its case, full width, a misreading
/// (for the sheet rule), and what is typed before it.
#[derive(Debug, Clone)]
struct Typing {
    before: Vec<char>,
    lower: bool,
    wide: bool,
    misread: bool,
}

fn typing() -> impl Strategy<Value = Typing> {
    (
        prop::collection::vec(dropped_char(), 0..3),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(before, lower, wide, misread)| Typing {
            before,
            lower,
            wide,
            misread,
        })
}

/// `code` typed symbol by symbol as `typings` say; case changed only when
/// `fold_case`, misreadings only when `misread` (sheet codes).
fn typed_form(code: &str, typings: &[Typing], fold_case: bool, misread: bool) -> String {
    let mut out = String::new();
    for (c, t) in code.chars().zip(typings.iter().cycle()) {
        out.extend(&t.before);
        let mut c = c;
        if misread && t.misread {
            c = match c {
                '0' => 'O',
                '1' => 'l',
                other => other,
            };
        }
        if fold_case && t.lower {
            c = c.to_ascii_lowercase();
        }
        if t.wide {
            c = cases::full_width(&c.to_string())
                .chars()
                .next()
                .unwrap_or(c);
        }
        out.push(c);
    }
    out
}

fn base32_code() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(crate::codes::BASE32.to_vec()), 4..=40)
        .prop_map(|v| v.into_iter().map(char::from).collect())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn normalising_is_idempotent(text in any::<String>(), case in case_rule()) {
        let once = normalize(&text, case);
        let twice = normalize(&once, case);
        prop_assert_eq!(twice.as_str(), once.as_str());
    }

    #[test]
    fn normalising_code_like_text_is_idempotent(text in code_like_text(), case in case_rule()) {
        let once = normalize(&text, case);
        let twice = normalize(&once, case);
        prop_assert_eq!(twice.as_str(), once.as_str());
    }

    #[test]
    fn typed_input_never_panics_and_a_refused_set_id_shows_only_what_cannot_be_a_code(
        text in prop_oneof![any::<String>(), code_like_text()]
    ) {
        let _ = sheet_code(&text);
        let _ = could_hold_code(&text);
        if let Err(e) = SetId::parse(&text) {
            let shown = both_languages(&e);
            if let SetIdError::Shown(_) = e {
                prop_assert!(!could_hold_code(&text));
            } else {
                // Described: what was typed is nowhere in the message.
                let typed = sheet_code(&text).to_string();
                prop_assert_eq!(cases::leaked_run(&shown, &[typed]), None, "{}", shown);
            }
        }
    }

    #[test]
    fn a_sheet_code_typed_any_way_reads_as_the_code(
        code in base32_code(),
        typings in prop::collection::vec(typing(), 1..8),
        after in prop::collection::vec(dropped_char(), 0..3),
    ) {
        let mut typed = typed_form(&code, &typings, true, true);
        typed.extend(after);
        let read = sheet_code(&typed);
        prop_assert_eq!(read.as_str(), code.as_str(), "{:?}", typed);
    }

    /// Why the verifier's `normalization` name still holds: every code a
    /// sheet prints (base32, digits, hex) reads as itself, so it hashes to
    /// the bytes it always did, whatever else the table forgives.
    #[test]
    fn every_printable_code_reads_as_itself(
        code in prop::collection::vec(
            prop::sample::select(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".to_vec()),
            1..=40,
        ),
    ) {
        let code: String = code.into_iter().map(char::from).collect();
        let read = sheet_code(&code);
        prop_assert_eq!(read.as_str(), code.as_str());
    }

    #[test]
    fn a_set_id_typed_any_way_parses_to_it(
        seed in any::<u64>(),
        typings in prop::collection::vec(typing(), 1..8),
    ) {
        let id = SetId::generate(&mut StdRng::seed_from_u64(seed));
        let typed = typed_form(&id.to_string(), &typings, true, true);
        prop_assert_eq!(SetId::parse(&typed), Ok(id), "{:?}", typed);
    }

    #[test]
    fn a_mistyped_sheet_code_typed_as_a_set_id_is_never_shown(
        code in base32_code(),
        cut in 0usize..40,
        typings in prop::collection::vec(typing(), 1..4),
    ) {
        // Shorter or longer than a set ID: the length is described.
        let code: String = if code.len() == SetId::LEN { format!("{code}{}", &code[..1]) } else { code };
        let cut = cut % code.len();
        let mangled = format!("{}.{}", &code[..cut], &code[cut..]);
        for typed in [typed_form(&code, &typings, true, true), mangled] {
            if let Err(e) = SetId::parse(&typed) {
                let text = both_languages(&e);
                prop_assert_eq!(cases::leaked_run(&text, std::slice::from_ref(&code)), None, "{}", text);
            }
        }
    }
}

// ---------------------------------------------------------------- import

/// A symbol of `preset`'s alphabet, as the service shows it (its case).
fn preset_symbol(preset: &'static Preset) -> impl Strategy<Value = char> {
    let alphabet: Vec<char> = match preset.class {
        crate::codes::SymbolClass::Digit => "0123456789".chars().collect(),
        crate::codes::SymbolClass::Hex => "0123456789abcdef".chars().collect(),
        _ => match preset.case {
            CaseRule::Lower => "0123456789abcdefghijklmnopqrstuvwxyz".chars().collect(),
            CaseRule::Upper => "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".chars().collect(),
            _ => "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                .chars()
                .collect(),
        },
    };
    prop::sample::select(alphabet)
}

fn preset_code(preset: &'static Preset) -> impl Strategy<Value = String> {
    let lengths = preset.lengths.min()..=preset.lengths.max();
    prop::collection::vec(preset_symbol(preset), lengths).prop_map(|v| v.into_iter().collect())
}

/// Up to `n` distinct codes of `preset`: distinct as the service compares them.
fn preset_codes_strategy(preset: &'static Preset, n: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(preset_code(preset), 1..=n).prop_map(move |codes| {
        let mut seen = std::collections::BTreeSet::new();
        codes
            .into_iter()
            .filter(|c| seen.insert(normalize(c, preset.case).to_string()))
            .collect()
    })
}

fn any_preset() -> impl Strategy<Value = &'static Preset> {
    prop::sample::select(import::presets().iter().collect::<Vec<_>>())
}

/// How one line of a pasted list is decorated.
#[derive(Debug, Clone)]
struct LineDecoration {
    numbered: bool,
    indent: String,
    trailing: String,
    crlf: bool,
    blank_after: bool,
    separator: char,
    typings: Vec<Typing>,
}

fn line_decoration() -> impl Strategy<Value = LineDecoration> {
    let spaces = prop::collection::vec(prop::sample::select(cases::SPACES.to_vec()), 0..3)
        .prop_map(|v| v.into_iter().collect::<String>());
    (
        any::<bool>(),
        spaces.clone(),
        spaces,
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(
            cases::HYPHENS
                .iter()
                .chain(&[' ', '\u{00A0}', '\u{2002}', '\u{202F}', '\u{3000}'])
                .copied()
                .collect::<Vec<char>>(),
        ),
        prop::collection::vec(typing(), 1..6),
    )
        .prop_map(
            |(numbered, indent, trailing, crlf, blank_after, separator, typings)| LineDecoration {
                numbered,
                indent,
                trailing,
                crlf,
                blank_after,
                separator,
                typings,
            },
        )
}

/// The codes pasted one a line, each decorated as `lines` say: list
/// numbers (on every line or none, so the order stays), spaces around,
/// blank lines, CRLF, invisible characters and hyphens anywhere, the
/// service's groups split by any hyphen (or a space where the service joins
/// words), full width, and a case change where the service ignores case.
///
/// White space inside a code stands only between the service's groups, as
/// the service shows it: a space elsewhere splits a code (X, Nextcloud), and
/// `ABC DEFG` is a word of text and a fragment of a code to Keycloak.
fn decorated_list(preset: &Preset, codes: &[String], lines: &[LineDecoration]) -> String {
    let numbered = lines.first().is_some_and(|l| l.numbered);
    let fold_case = matches!(preset.case, CaseRule::Lower | CaseRule::Upper);
    let mut out = String::new();
    for (i, (code, d)) in codes.iter().zip(lines.iter().cycle()).enumerate() {
        let typings: Vec<Typing> = d
            .typings
            .iter()
            .map(|t| Typing {
                before: t
                    .before
                    .iter()
                    .copied()
                    .filter(|c| !c.is_whitespace())
                    .collect(),
                // One case for the whole code: a service showing one case
                // never shows `Keep`, and such a word is taken for text.
                lower: d.typings[0].lower,
                ..t.clone()
            })
            .collect();
        let mut typed = typed_form(code, &typings, fold_case, false);
        if fold_case && !d.typings[0].lower {
            typed = typed.to_uppercase();
        }
        if preset.group > 0 {
            let separator = if d.separator.is_whitespace() && preset.joins_words().is_none() {
                '-'
            } else {
                d.separator
            };
            // The service's own grouping.
            let symbols: Vec<char> = typed.chars().collect();
            let mut grouped = String::new();
            let mut count = 0;
            for c in symbols {
                if is_symbol_char(c) {
                    if count > 0 && count % preset.group == 0 {
                        grouped.push(separator);
                    }
                    count += 1;
                }
                grouped.push(c);
            }
            typed = grouped;
        }
        out.push_str(&d.indent);
        if numbered {
            out.push_str(&format!("{}. ", i + 1));
        }
        out.push_str(&typed);
        out.push_str(&d.trailing);
        out.push_str(if d.crlf { "\r\n" } else { "\n" });
        if d.blank_after {
            out.push('\n');
        }
    }
    out
}

fn is_symbol_char(c: char) -> bool {
    matches!(classify(c), Typed::Symbol(_))
}

/// A mutation that makes a code one the service cannot have issued.
#[derive(Debug, Clone, Copy)]
enum Broken {
    /// One symbol fewer than the shortest code.
    Short,
    /// One symbol more than the longest: a code and part of the next run together.
    RunTogether,
    /// A symbol the service never uses in place of one.
    Foreign,
    /// A stray full stop inside.
    Stray,
}

fn broken() -> impl Strategy<Value = Broken> {
    prop_oneof![
        Just(Broken::Short),
        Just(Broken::RunTogether),
        Just(Broken::Foreign),
        Just(Broken::Stray),
    ]
}

fn break_code(preset: &Preset, code: &str, next: &str, how: Broken, at: usize) -> String {
    let chars: Vec<char> = code.chars().collect();
    // Never the first symbol: the digit that keeps the code from reading as a word.
    let at = 1 + at % (chars.len() - 1);
    match how {
        Broken::Short => chars[..preset.lengths.min() - 1].iter().collect(),
        Broken::RunTogether => {
            let more: String = next
                .chars()
                .cycle()
                .take(preset.lengths.max() + 1)
                .collect();
            format!("{code}{more}")
                .chars()
                .take(preset.lengths.max() + 1)
                .collect()
        }
        Broken::Foreign => {
            let foreign = match preset.class {
                crate::codes::SymbolClass::Digit => 'a',
                crate::codes::SymbolClass::Hex => 'g',
                _ => '.',
            };
            let mut v = chars;
            v[at] = foreign;
            v.into_iter().collect()
        }
        Broken::Stray => {
            let mut v = chars;
            v.insert(at, '.');
            v.into_iter().collect()
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn import_never_panics_on_arbitrary_bytes(
        preset in any_preset(),
        bytes in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        if let Err(e) = import::parse(preset, &bytes) {
            let _ = both_languages(&e);
        }
    }

    #[test]
    fn import_never_panics_on_code_like_text(
        preset in any_preset(),
        lines in prop::collection::vec(code_like_text(), 0..6),
    ) {
        if let Err(e) = import::parse(preset, lines.join("\n").as_bytes()) {
            let _ = both_languages(&e);
        }
    }

    #[test]
    fn a_decorated_list_of_valid_codes_imports_as_the_codes_in_order(
        (preset, codes) in any_preset().prop_flat_map(|p| {
            (Just(p), preset_codes_strategy(p, (p.max_count as usize).min(8)))
        }),
        lines in prop::collection::vec(line_decoration(), 1..4),
    ) {
        let input = decorated_list(preset, &codes, &lines);
        let imported = import::parse(preset, input.as_bytes());
        let imported = match imported {
            Ok(imported) => imported,
            Err(e) => return Err(TestCaseError::fail(format!("{}: {e}\n{input:?}", preset.name))),
        };
        let read: Vec<&str> = imported.set.codes().iter().map(|c| c.expose()).collect();
        let expected: Vec<String> = codes.iter().map(|c| normalize(c, preset.case).to_string()).collect();
        prop_assert_eq!(read, expected, "{}: {:?}", preset.name, input);
    }

    /// A list with one code broken is refused, and the error holds no run of
    /// four symbols of any code of the list. Codes of letters and digits
    /// start with a digit here: a broken code of letters only is a word, and
    /// a word of a page's text is rightly skipped.
    #[test]
    fn a_list_with_a_broken_code_is_refused_without_showing_any_code(
        (preset, codes) in any_preset().prop_flat_map(|p| {
            (Just(p), preset_codes_strategy(p, (p.max_count as usize).min(6)))
        }),
        which in any::<prop::sample::Index>(),
        how in broken(),
        at in any::<usize>(),
        lines in prop::collection::vec(line_decoration(), 1..3),
    ) {
        let codes: Vec<String> = codes
            .into_iter()
            .enumerate()
            .map(|(i, c)| format!("{}{}", i % 10, &c[1..]))
            .collect();
        let which = which.index(codes.len());
        let next = &codes[(which + 1) % codes.len()];
        let mut listed = codes.clone();
        listed[which] = break_code(preset, &codes[which], next, how, at);
        let input = decorated_list(preset, &listed, &lines);
        match import::parse(preset, input.as_bytes()) {
            Ok(imported) => {
                return Err(TestCaseError::fail(format!(
                    "{}: {how:?} accepted as {} codes\n{input:?}",
                    preset.name,
                    imported.set.len()
                )));
            }
            Err(e) => {
                let text = both_languages(&e);
                let mut all = codes.clone();
                all.push(listed[which].clone());
                prop_assert_eq!(cases::leaked_run(&text, &all), None, "{}\n{:?}", text, input);
            }
        }
    }
}

#[test]
fn length_rules_leave_room_for_the_broken_code_mutations() {
    // `Broken::Short` needs a shortest length of at least 2.
    for p in import::presets() {
        assert!(p.lengths.min() >= 2, "{}", p.name);
    }
}
