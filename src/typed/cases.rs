//! The one table of typed-code decorations every entry point is tested with, and the check that a text holds no run of a code.
//!
//! Shared, as source, by the unit tests (`src/typed/tests.rs`, import's) and
//! the end-to-end tests (`tests/integration/typed.rs` includes this file), so
//! `verify`, `check`, `import` and the library are all run through the same
//! rows. It names nothing of the crate: it must compile in both.
#![allow(dead_code)]

/// What an entry point must forgive for a decoration to apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Every entry point: invisible characters, hyphens, full width.
    Nothing,
    /// Case folding: not for case-sensitive services.
    CaseFolding,
    /// `O` read as `0`, `I` and `L` as `1`: only codes from a sheet this tool printed.
    SheetLetters,
    /// White space inside a code joined up: typed codes, and the services
    /// that show a code in groups (not those where a space splits two codes).
    JoinedWords,
}

/// One way a person might type or paste a code: `apply(code, group)`
/// decorates `code`, splitting it into groups of `group` symbols where it
/// splits it at all (as the entry point's format shows it).
pub struct Decoration {
    pub name: String,
    pub needs: Needs,
    pub apply: Box<Decorate>,
}

/// `(code, group) -> typed`.
pub type Decorate = dyn Fn(&str, usize) -> String;

fn decoration(
    name: impl Into<String>,
    needs: Needs,
    apply: impl Fn(&str, usize) -> String + 'static,
) -> Decoration {
    Decoration {
        name: name.into(),
        needs,
        apply: Box::new(apply),
    }
}

/// `code` in groups of `group` symbols joined by `sep`.
pub fn grouped(code: &str, group: usize, sep: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars
        .chunks(group.max(1))
        .map(|g| g.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(sep)
}

/// `c` between every two symbols of `code`.
pub fn interleaved(code: &str, c: char) -> String {
    let mut out = String::new();
    for (i, s) in code.chars().enumerate() {
        if i > 0 {
            out.push(c);
        }
        out.push(s);
    }
    out
}

/// ASCII as a Japanese input method types it (U+FF01-U+FF5E).
pub fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// Every hyphen and dash a code may be typed with between groups.
pub const HYPHENS: &[char] = &[
    '-', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}',
    '\u{30FC}', '\u{FE63}', '\u{FF0D}', '\u{FF70}',
];

/// Characters that show as nothing and are dropped wherever they stand.
pub const INVISIBLES: &[char] = &[
    '\u{00AD}', '\u{061C}', '\u{180E}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}',
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2060}', '\u{2061}', '\u{2062}',
    '\u{2063}', '\u{2064}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{FEFF}',
];

/// White space of several kinds a code may be typed with between groups. Not
/// the tab: to `import` a tab parts columns, as in Google's file.
pub const SPACES: &[char] = &[' ', '\u{00A0}', '\u{2002}', '\u{202F}', '\u{3000}'];

/// The table: every decoration, named for the failure message.
pub fn decorations() -> Vec<Decoration> {
    let mut out = vec![decoration("as it is", Needs::Nothing, |c, _| c.to_owned())];
    for &h in HYPHENS {
        out.push(decoration(
            format!("groups joined by U+{:04X}", u32::from(h)),
            Needs::Nothing,
            move |c, g| grouped(c, g, &h.to_string()),
        ));
    }
    for &i in INVISIBLES {
        out.push(decoration(
            format!("U+{:04X} between every symbol", u32::from(i)),
            Needs::Nothing,
            move |c, _| interleaved(c, i),
        ));
    }
    for &s in SPACES {
        out.push(decoration(
            format!("groups split by U+{:04X}", u32::from(s)),
            Needs::JoinedWords,
            move |c, g| grouped(c, g, &s.to_string()),
        ));
    }
    out.extend([
        decoration("a byte-order mark first", Needs::Nothing, |c, _| {
            format!("\u{FEFF}{c}")
        }),
        decoration("in a right-to-left override", Needs::Nothing, |c, _| {
            format!("\u{202E}{c}\u{202C}")
        }),
        decoration("in a first-strong isolate", Needs::Nothing, |c, _| {
            format!("\u{2068}{c}\u{2069}")
        }),
        decoration("spaces and tabs around", Needs::Nothing, |c, _| {
            format!(" \t\u{3000}{c} \u{00A0}")
        }),
        decoration("full width", Needs::Nothing, |c, _| full_width(c)),
        decoration(
            "full width with full-width hyphens",
            Needs::Nothing,
            |c, g| full_width(&grouped(c, g, "-")),
        ),
        decoration(
            "full width with ー and ideographic spaces",
            Needs::JoinedWords,
            |c, g| full_width(&grouped(c, g, "ー")).replace('ー', "\u{3000}ー\u{3000}"),
        ),
        decoration("lower case", Needs::CaseFolding, |c, _| c.to_lowercase()),
        decoration("upper case", Needs::CaseFolding, |c, _| c.to_uppercase()),
        decoration("full-width lower case", Needs::CaseFolding, |c, _| {
            full_width(&c.to_lowercase())
        }),
        decoration("O for 0, I for 1", Needs::SheetLetters, |c, _| {
            c.replace('0', "O").replace('1', "I")
        }),
        decoration("o for 0, l for 1", Needs::SheetLetters, |c, _| {
            c.replace('0', "o").replace('1', "l")
        }),
        decoration("L for 1, full width", Needs::SheetLetters, |c, _| {
            full_width(&c.replace('1', "L"))
        }),
        decoration("everything at once", Needs::CaseFolding, |c, g| {
            let groups = grouped(&c.to_lowercase(), g, "ー");
            let zw = interleaved(&groups, '\u{200B}');
            format!("\u{FEFF}\u{2066}{}\u{2069}", full_width(&zw))
        }),
    ]);
    out
}

/// Literal typings and the code a sheet's rule reads in each: the two
/// normalisers that once disagreed are the first rows.
pub const SHEET_TYPINGS: &[(&str, &str)] = &[
    ("4012\u{200B}6743", "40126743"),
    ("4012ー6743", "40126743"),
    ("7k2q-m9xa", "7K2QM9XA"),
    (" 4821 7730 ", "48217730"),
    ("O1lI", "0111"),
    ("４８２１－７７３０", "48217730"),
    ("７Ｋ２Ｑ　ｍ９ｘａ", "7K2QM9XA"),
    ("7K2Q\u{2014}M9XA\u{2015}", "7K2QM9XA"),
    ("\u{FEFF}7K2Q\u{00AD}M9XA\u{2060}", "7K2QM9XA"),
    (
        "\u{202B}7K2Q\u{202C}\u{2067}M9XA\u{2069}\u{061C}\u{180E}",
        "7K2QM9XA",
    ),
    ("7K2Q\u{FE63}M9XA\u{FF70}", "7K2QM9XA"),
    // The underscore is a symbol (a blank someone could not read), not a separator.
    ("7K2Q_M9XA", "7K2Q_M9XA"),
    // Letters of other scripts stay, and so can match no code.
    ("7K2Qı", "7K2Qı"),
    ("", ""),
    ("\u{200B} \u{3000}-", ""),
];

// ------------------------------------------------------------ leak check

const CATALOGUES: [&str; 2] = [
    include_str!("../../templates/messages-en.toml"),
    include_str!("../../templates/messages-ja.toml"),
];

/// Service names that messages fill in, and the prefix of every error.
const FIXED: &[&str] = &[
    "Google",
    "Instagram",
    "freee",
    "GitHub",
    "GitLab",
    "Keycloak",
    "Nextcloud",
    "PlayStation",
    "recovery-sheet: ",
];

/// Whether the test's own reading drops `c`: white space, dashes, invisible
/// and format characters. Written apart from the crate's table on purpose,
/// so a gap in that table cannot hide a leak.
fn oracle_dropped(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\u{2010}'..='\u{2015}'
                | '\u{2212}'
                | '\u{30FC}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{FF70}'
                | '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

fn oracle_symbol(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        other => other,
    }
    .to_ascii_uppercase()
}

/// The literal parts of every catalogue text (what stands between its
/// `{placeholders}`) of three or more characters, and [`FIXED`]: longest
/// first. Read once per test process.
fn fixed_texts() -> &'static [String] {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(read_fixed_texts)
}

fn read_fixed_texts() -> Vec<String> {
    let mut out: Vec<String> = FIXED.iter().map(|s| (*s).to_owned()).collect();
    for catalogue in CATALOGUES {
        for line in catalogue.lines() {
            let Some((_, value)) = line.split_once(" = ") else {
                continue;
            };
            let value = value.trim();
            let value = value.get(1..value.len().saturating_sub(1)).unwrap_or("");
            let mut rest = value;
            loop {
                let (literal, after) = match rest.split_once('{') {
                    Some((literal, after)) => (literal, Some(after)),
                    None => (rest, None),
                };
                if literal.chars().count() >= 3 {
                    out.push(literal.to_owned());
                }
                match after.and_then(|a| a.split_once('}')) {
                    Some((_, tail)) => rest = tail,
                    None => break,
                }
            }
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

/// A run of 4 or more symbols of one of `codes` that `text` holds, if any:
/// separators dropped, full width made half, case ignored.
///
/// The catalogues' own wording (and the service names) is cut out first,
/// leaving only what was filled in: otherwise a code that happens to hold
/// `7K2Q` (the example set ID) or `CODE` would be taken for a leak. A leak
/// of exactly four symbols that were all one such word would go unseen,
/// which random codes make vanishingly rare.
pub fn leaked_run(text: &str, codes: &[String]) -> Option<String> {
    let mut filled = text.to_owned();
    for fixed in fixed_texts() {
        if filled.contains(fixed.as_str()) {
            filled = filled.replace(fixed.as_str(), "\u{1}");
        }
    }
    let seen: String = filled
        .chars()
        .filter(|&c| !oracle_dropped(c))
        .map(oracle_symbol)
        .collect();
    for code in codes {
        let symbols: Vec<char> = code
            .chars()
            .filter(|&c| !oracle_dropped(c))
            .map(oracle_symbol)
            .collect();
        for run in symbols.windows(4) {
            let run: String = run.iter().collect();
            if seen.contains(&run) {
                return Some(run);
            }
        }
    }
    None
}

/// The mutations a person makes of a real code that the tool must refuse or
/// describe without showing: each with its name. `other` is a second code
/// (for two run together); `foreign` a symbol the code's alphabet lacks.
pub fn mutations(code: &str, other: &str, foreign: char) -> Vec<(&'static str, String)> {
    let chars: Vec<char> = code.chars().collect();
    let n = chars.len();
    let at = |i: usize, c: char| -> String {
        let mut v = chars.clone();
        v[i] = c;
        v.into_iter().collect()
    };
    let wrong = match chars[n / 2] {
        '7' => '3',
        c if c.is_ascii_digit() => '7',
        c if c.is_ascii_uppercase() => {
            if c == 'Z' {
                'Y'
            } else {
                'Z'
            }
        }
        c => {
            if c == 'z' {
                'y'
            } else {
                'z'
            }
        }
    };
    vec![
        ("one symbol short", chars[..n - 1].iter().collect()),
        ("first symbol missing", chars[1..].iter().collect()),
        ("one wrong symbol", at(n / 2, wrong)),
        ("two run together", format!("{code}{other}")),
        ("a foreign symbol for one", at(n - 2, foreign)),
        ("a stray symbol inside", {
            let mut s: String = chars[..n / 2].iter().collect();
            s.push('.');
            s.extend(&chars[n / 2..]);
            s
        }),
        ("one symbol too many", format!("{code}{}", chars[0])),
    ]
}
