//! Every code a person types or pastes: the one table of what is dropped, what separates, what is widened and how case folds.
//!
//! `verify` (through [`crate::verifier::Verifier::check`]), `check SET-ID`
//! (through [`crate::codes::SetId::parse`]) and `import` read codes only
//! through this module, so what one entry point forgives the others forgive
//! too. `mark-used` takes a code's number, never a code, and so has nothing
//! to normalise.
//!
//! | what | characters | becomes |
//! |---|---|---|
//! | full width | U+FF01-U+FF5E (`！`-`～`, as Japanese input methods type them) | the ASCII character 0xFEE0 below, then read by the rows below |
//! | white space | every Unicode `White_Space` character: ASCII space, tab, line breaks, no-break spaces, U+2000-U+200A, U+202F, U+205F, ideographic space U+3000, ... | dropped (`import` also splits words there) |
//! | invisible | soft hyphen U+00AD, Arabic letter mark U+061C, Mongolian vowel separator U+180E, zero-width space and (non-)joiners U+200B-U+200D, direction marks U+200E-U+200F, embeddings and overrides U+202A-U+202E, word joiner and invisible operators U+2060-U+2064, isolates U+2066-U+2069, byte-order mark U+FEFF | dropped |
//! | separator | `-`, hyphen U+2010, non-breaking hyphen U+2011, figure dash U+2012, en dash U+2013, em dash U+2014, horizontal bar U+2015, minus U+2212, katakana-hiragana prolonged sound mark `ー` U+30FC, small hyphen-minus U+FE63, full-width hyphen-minus `－` U+FF0D, half-width prolonged sound mark `ｰ` U+FF70 | dropped |
//! | anything else | | kept, then case folded per [`CaseRule`] |
//!
//! The underscore is not a separator. No service shows one between groups,
//! and where one appears in a pasted code it stands for a symbol that could
//! not be read (a blank to fill in): dropping it would make a code one symbol
//! short that some services' length ranges still accept, so it is refused
//! as a stray symbol instead.
//!
//! Case, per format ([`CaseRule`]):
//!
//! | format | rule |
//! |---|---|
//! | the sheets this tool prints (base32, digits, hex from `--format`) | ASCII letters to upper case; `O` to `0`, `I` and `L` to `1` (no generated alphabet has these letters, so this only repairs misreadings of the paper) |
//! | digits only (Google, Instagram, freee, PlayStation) | nothing folded: a letter is refused, not guessed at |
//! | case-insensitive services shown in lower case (X, GitHub, GitLab) | ASCII letters to lower case |
//! | case-insensitive services shown in upper case (Keycloak) | ASCII letters to upper case |
//! | case-sensitive (Nextcloud, generic) | kept as typed |
//!
//! Only ASCII letters fold: every code alphabet is ASCII, so any other letter
//! can only make a code wrong, and Unicode case mapping (`ı` to `I`) would
//! make normalising twice differ from normalising once.
//!
//! The verifier file names this rule `strip-space-hyphen,uppercase,O0-IL1`
//! ([`crate::verifier::NORMALIZATION`]). Every code this tool prints
//! normalises to itself, so widening the dropped characters and separators
//! changes which typings are forgiven, never the bytes a code is hashed as.

use std::fmt::Write as _;

use zeroize::Zeroizing;

use crate::messages::Msg;

/// Characters that show as nothing, which web pages, word processors and
/// right-to-left text slip into copied text. A person cannot see them, let
/// alone type them: dropped.
pub const INVISIBLE: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{2069}'),
    ('\u{FEFF}', '\u{FEFF}'),
];

/// Hyphens and dashes of every width, and the long-vowel marks a Japanese
/// input method types for the hyphen key: dropped between groups.
pub const SEPARATORS: &[char] = &[
    '-', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}',
    '\u{30FC}', '\u{FE63}', '\u{FF0D}', '\u{FF70}',
];

/// What one typed character is, once made half width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typed {
    /// White space: dropped from a code; `import` also splits words there.
    Space,
    /// Shows as nothing: dropped.
    Invisible,
    /// A hyphen or dash between groups: dropped.
    Separator,
    /// Anything else, half width: a symbol of the code, or a wrong one.
    Symbol(char),
}

/// Full-width ASCII (U+FF01-U+FF5E) to ASCII; any other character as it is.
pub fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Reads one character by the table at the top of this module.
pub fn classify(c: char) -> Typed {
    let c = half_width(c);
    if c.is_whitespace() {
        Typed::Space
    } else if INVISIBLE.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) {
        Typed::Invisible
    } else if SEPARATORS.contains(&c) {
        Typed::Separator
    } else {
        Typed::Symbol(c)
    }
}

/// How letters fold once the dropped characters are gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseRule {
    /// A sheet this tool printed: upper case, `O` to `0`, `I` and `L` to `1`.
    Sheet,
    /// Digits only: there is no case to fold.
    NoLetters,
    /// Case does not matter and the service shows lower case: lower case.
    Lower,
    /// Case does not matter and the service shows upper case: upper case.
    Upper,
    /// Case matters, or is not known to be ignored: kept exactly as typed.
    Sensitive,
}

impl CaseRule {
    /// One symbol (already half width) folded by this rule.
    pub fn fold(self, c: char) -> char {
        match self {
            CaseRule::Sheet => match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                upper => upper,
            },
            CaseRule::Lower => c.to_ascii_lowercase(),
            CaseRule::Upper => c.to_ascii_uppercase(),
            CaseRule::NoLetters | CaseRule::Sensitive => c,
        }
    }
}

/// The symbols of `input` read by the table: spaces, invisible characters
/// and separators dropped, full width made half, case folded by `case`.
/// Not checked against any alphabet: that is the caller's format.
pub fn normalize(input: &str, case: CaseRule) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(input.len()));
    out.extend(symbols(input).map(|(_, c)| case.fold(c)));
    out
}

/// A code typed from a sheet this tool printed (`verify`, `check SET-ID`).
pub fn sheet_code(input: &str) -> Zeroizing<String> {
    normalize(input, CaseRule::Sheet)
}

/// The symbols of `input` (half width, not folded), each with its position
/// among them from 1: what an error names, since the dropped characters
/// cannot be seen or are not counted by a person reading the code.
pub fn symbols(input: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    input
        .chars()
        .filter_map(|c| match classify(c) {
            Typed::Symbol(s) => Some(s),
            Typed::Space | Typed::Invisible | Typed::Separator => None,
        })
        .zip(1..)
        .map(|(c, position)| (position, c))
}

/// Whether `input` holds a run of four or more letters and digits once the
/// dropped characters are gone: it could then be a code or part of one, and
/// is described in messages, never shown. Four is the shortest code any
/// format or preset has.
pub fn could_hold_code(input: &str) -> bool {
    let mut run = 0;
    for (_, c) in symbols(input) {
        run = if c.is_ascii_alphanumeric() {
            run + 1
        } else {
            0
        };
        if run >= 4 {
            return true;
        }
    }
    false
}

/// What kind of character stands where a code symbol should: words for a
/// message that name the problem without showing anything a code could hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An ASCII letter: which one is not said, it may be a code's.
    Letter,
    /// An ASCII digit: which one is not said either.
    Digit,
    /// ASCII punctuation, which no code holds: shown as itself.
    Mark(char),
    /// A control character: named by its code point, as it shows as nothing.
    Control(char),
    /// Any other character (a letter of another script, a symbol): named by
    /// its code point, since some look just like a code's letters.
    Other(char),
}

impl Kind {
    /// The kind of `c` (a symbol as [`symbols`] gives it: half width).
    pub fn of(c: char) -> Kind {
        if c.is_ascii_alphabetic() {
            Kind::Letter
        } else if c.is_ascii_digit() {
            Kind::Digit
        } else if c.is_ascii_punctuation() {
            Kind::Mark(c)
        } else if c.is_control() {
            Kind::Control(c)
        } else {
            Kind::Other(c)
        }
    }

    /// "a letter", "`.`", "a control character (U+0007)".
    pub fn msg(self) -> Msg {
        match self {
            Kind::Letter => Msg::new("typed_letter"),
            Kind::Digit => Msg::new("typed_digit"),
            Kind::Mark(c) => Msg::new("typed_mark").with("mark", c),
            Kind::Control(c) => Msg::new("typed_control").with("code_point", code_point(c)),
            Kind::Other(c) => Msg::new("typed_other").with("code_point", code_point(c)),
        }
    }
}

/// `U+0007`: how a character that must not or cannot be shown is named.
pub fn code_point(c: char) -> String {
    let mut out = String::with_capacity(8);
    let _ = write!(out, "U+{:04X}", u32::from(c));
    out
}

#[cfg(test)]
pub(crate) mod cases;

#[cfg(test)]
mod tests;
