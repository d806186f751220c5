//! Reading the backup codes a service issued (pasted text or its .txt file) into a code set, per service preset.
//!
//! Pure: the caller reads stdin or the file and hands over the bytes. Nothing
//! here shows any part of a code: an error says where the code is (its line,
//! which code on the line) and what is wrong with it (its length, or the kind
//! of character at a position), never its characters; warnings speak of
//! counts and lengths. Characters are read by the one table in
//! [`crate::typed`], as `verify` and `check` read them.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use crate::codes::{Code, CodeSet, Format, SymbolClass};
use crate::messages::{Localized, Msg, english_display, ordinal};
use crate::typed::{self, CaseRule, Kind, Typed};

/// How long a service's codes are, in symbols (separators not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthRule {
    /// Always this many symbols.
    Exact(usize),
    /// Public sources disagree (or the service varies): anything from `min` to
    /// `max` is accepted, and a length other than `usual`, when known, is a warning.
    Range {
        min: usize,
        max: usize,
        usual: Option<usize>,
    },
}

impl LengthRule {
    pub fn min(self) -> usize {
        match self {
            LengthRule::Exact(n) => n,
            LengthRule::Range { min, .. } => min,
        }
    }

    pub fn max(self) -> usize {
        match self {
            LengthRule::Exact(n) => n,
            LengthRule::Range { max, .. } => max,
        }
    }

    pub fn contains(self, len: usize) -> bool {
        (self.min()..=self.max()).contains(&len)
    }

    /// The length a code of this service normally has, when one is known.
    pub fn usual(self) -> Option<usize> {
        match self {
            LengthRule::Exact(n) => Some(n),
            LengthRule::Range { usual, .. } => usual,
        }
    }
}

pub use crate::codes::UseOrder;

/// What one service issues and how it shows it.
#[derive(Debug)]
pub struct Preset {
    /// Name on the command line, e.g. `google`.
    pub name: &'static str,
    /// Name for people, e.g. `Google`.
    pub display_name: &'static str,
    /// How many codes one set holds, when known. Fewer is a warning (some may
    /// have been used); more, up to `max_count`, is a warning too.
    pub typical_count: Option<u32>,
    /// More codes than this are refused.
    pub max_count: u32,
    pub lengths: LengthRule,
    /// The symbols the service uses, after case folding. Hex codes are stored
    /// lower case as GitHub and GitLab show them, which [`SymbolClass::Hex`]
    /// (upper case) does not accept: this module checks symbols itself.
    pub class: SymbolClass,
    /// Symbols per printed group, as the service shows them; 0 prints codes ungrouped.
    pub group: usize,
    pub separator: char,
    /// How the service treats letter case, and so how a code is stored
    /// (never [`CaseRule::Sheet`]: that is for this tool's own sheets).
    pub case: CaseRule,
    pub order: UseOrder,
    /// Template key of the sheet's one line of advice for this service.
    pub advice_key: &'static str,
}

/// Name of the preset for codes of no particular service.
pub const GENERIC: &str = "generic";

/// The presets. Counts and lengths come from the services' help pages and,
/// for open-source services, their code; doubtful facts are validated
/// leniently and say so.
static PRESETS: [Preset; 10] = [
    // Ten 8-digit codes, shown `1234 5678` on the page and in Backup-codes-*.txt.
    Preset {
        name: "google",
        display_name: "Google",
        typical_count: Some(10),
        max_count: 10,
        lengths: LengthRule::Exact(8),
        class: SymbolClass::Digit,
        group: 4,
        separator: ' ',
        case: CaseRule::NoLetters,
        order: UseOrder::AnyOrder,
        advice_key: "advice_google",
    },
    // 8 digits, shown with a space (sometimes a hyphen) in the middle. How many
    // a set holds is not stated consistently (five or ten), so no typical count.
    Preset {
        name: "instagram",
        display_name: "Instagram",
        typical_count: None,
        max_count: 10,
        lengths: LengthRule::Exact(8),
        class: SymbolClass::Digit,
        group: 4,
        separator: ' ',
        case: CaseRule::NoLetters,
        order: UseOrder::AnyOrder,
        advice_key: "advice_instagram",
    },
    // Ten 9-digit codes. How freee groups them on screen is not confirmed, so
    // they print as one run of nine, as pasted without spaces.
    Preset {
        name: "freee",
        display_name: "freee",
        typical_count: Some(10),
        max_count: 10,
        lengths: LengthRule::Exact(9),
        class: SymbolClass::Digit,
        group: 0,
        separator: ' ',
        case: CaseRule::NoLetters,
        order: UseOrder::AnyOrder,
        advice_key: "advice_freee",
    },
    // Lower-case letters and digits, used in the order obtained. Current pages
    // say 12 characters, older ones 8: 8 to 12 is accepted, with a warning
    // naming any length other than 12. Up to 5 are reported held at once; as
    // that is unconfirmed, up to 10 are accepted with a warning above 5.
    Preset {
        name: "x",
        display_name: "X",
        typical_count: Some(5),
        max_count: 10,
        lengths: LengthRule::Range {
            min: 8,
            max: 12,
            usual: Some(12),
        },
        class: SymbolClass::Alnum,
        group: 0,
        separator: ' ',
        case: CaseRule::Lower,
        order: UseOrder::InOrder,
        advice_key: "advice_x",
    },
    // Sixteen codes of 10 lower-case hex digits, shown `xxxxx-xxxxx`.
    Preset {
        name: "github",
        display_name: "GitHub",
        typical_count: Some(16),
        max_count: 16,
        lengths: LengthRule::Exact(10),
        class: SymbolClass::Hex,
        group: 5,
        separator: '-',
        case: CaseRule::Lower,
        order: UseOrder::AnyOrder,
        advice_key: "advice_github",
    },
    // Ten codes of 16 lower-case hex digits (devise-two-factor's default
    // backup-code length), shown ungrouped.
    Preset {
        name: "gitlab",
        display_name: "GitLab",
        typical_count: Some(10),
        max_count: 10,
        lengths: LengthRule::Exact(16),
        class: SymbolClass::Hex,
        group: 0,
        separator: ' ',
        case: CaseRule::Lower,
        order: UseOrder::AnyOrder,
        advice_key: "advice_gitlab",
    },
    // Twelve codes of 12 upper-case letters and digits, shown `XXXX-XXXX-XXXX`
    // (RecoveryAuthnCodesUtils). Releases before that issued 15, so up to 15
    // are accepted with a warning.
    Preset {
        name: "keycloak",
        display_name: "Keycloak",
        typical_count: Some(12),
        max_count: 15,
        lengths: LengthRule::Exact(12),
        class: SymbolClass::Alnum,
        group: 4,
        separator: '-',
        case: CaseRule::Upper,
        order: UseOrder::AnyOrder,
        advice_key: "advice_keycloak",
    },
    // Ten codes of mixed-case letters and digits, checked case-sensitively.
    // The server's twofactor_backupcodes app makes them 16 long; some guides
    // say 10, so 10 to 16 is accepted with a warning when not 16.
    Preset {
        name: "nextcloud",
        display_name: "Nextcloud",
        typical_count: Some(10),
        max_count: 10,
        lengths: LengthRule::Range {
            min: 10,
            max: 16,
            usual: Some(16),
        },
        class: SymbolClass::Alnum,
        group: 0,
        separator: ' ',
        case: CaseRule::Sensitive,
        order: UseOrder::AnyOrder,
        advice_key: "advice_nextcloud",
    },
    // Ten codes of 10 digits. The grouping on screen is not confirmed, so they
    // print ungrouped.
    Preset {
        name: "playstation",
        display_name: "PlayStation",
        typical_count: Some(10),
        max_count: 10,
        lengths: LengthRule::Exact(10),
        class: SymbolClass::Digit,
        group: 0,
        separator: ' ',
        case: CaseRule::NoLetters,
        order: UseOrder::AnyOrder,
        advice_key: "advice_playstation",
    },
    // Any service: each whitespace-separated token of ASCII letters and
    // digits is one code, kept exactly and printed as given.
    Preset {
        name: GENERIC,
        display_name: "Generic",
        typical_count: None,
        max_count: 100,
        lengths: LengthRule::Range {
            min: 4,
            max: 40,
            usual: None,
        },
        class: SymbolClass::Alnum,
        group: 0,
        separator: ' ',
        case: CaseRule::Sensitive,
        order: UseOrder::AnyOrder,
        advice_key: "advice_generic",
    },
];

/// The preset called `name` (any case, surrounding spaces ignored).
pub fn preset(name: &str) -> Option<&'static Preset> {
    let name = name.trim();
    PRESETS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// Where a set's codes came from, as the ledger records it in `source`.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// Made by this tool: recorded as `generated`.
    Generated,
    /// Printed from a service's codes: recorded as `import:<preset>`.
    Imported(&'static Preset),
}

impl Source {
    /// The ledger's text for it.
    pub fn recorded(self) -> String {
        match self {
            Source::Generated => "generated".to_owned(),
            Source::Imported(preset) => format!("import:{}", preset.name),
        }
    }

    /// Reads the ledger's text back; `None` for a text this build does not
    /// know (a newer release's preset), which is shown as it is.
    pub fn from_recorded(text: &str) -> Option<Source> {
        match text.strip_prefix("import:") {
            Some(name) => preset(name).map(Source::Imported),
            None => (text == "generated").then_some(Source::Generated),
        }
    }
}

pub fn presets() -> &'static [Preset] {
    &PRESETS
}

impl Preset {
    /// The service named in messages; `None` for the generic preset.
    fn service(&self) -> Option<&'static str> {
        (self.name != GENERIC).then_some(self.display_name)
    }

    /// Whether a code the service shows with single inner spaces is read by
    /// joining words up to the code length. Otherwise every word is a code.
    pub(crate) fn joins_words(&self) -> Option<usize> {
        match self.lengths {
            LengthRule::Exact(len) if self.class == SymbolClass::Digit || self.group > 0 => {
                Some(len)
            }
            _ => None,
        }
    }

    /// Whether `c`, already case-folded, is a symbol this service uses.
    fn uses(&self, c: char) -> bool {
        match self.class {
            SymbolClass::Digit => c.is_ascii_digit(),
            SymbolClass::Hex => c.is_ascii_hexdigit(),
            SymbolClass::Alnum => c.is_ascii_alphanumeric(),
            SymbolClass::Base32 => SymbolClass::Base32.accepts(c.to_ascii_uppercase()),
        }
    }
}

/// Codes read from a service's output, numbered in the order given.
pub struct Imported {
    pub set: CodeSet,
    /// Things worth a look that did not stop the import.
    pub warnings: Vec<ImportWarning>,
}

/// Why pasted codes were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// The bytes are not UTF-8 text.
    NotUtf8 { line: usize },
    /// Not one code in the input.
    Empty,
    /// A code has a character the service never uses: its kind (never the
    /// letter or digit itself) and its position among the code's symbols.
    WrongSymbol {
        at: Place,
        position: usize,
        kind: Kind,
        service: Option<&'static str>,
        class: SymbolClass,
    },
    /// A code has the wrong number of symbols.
    WrongLength {
        at: Place,
        found: usize,
        service: Option<&'static str>,
        class: SymbolClass,
        lengths: LengthRule,
    },
    /// The same code twice.
    Duplicate { line: usize, first_line: usize },
    /// A line of prose holds something shaped like a code: it is neither
    /// dropped silently nor guessed at.
    CodeAmongText { line: usize },
    /// More codes than the service issues in one set.
    TooMany {
        found: usize,
        max: u32,
        service: Option<&'static str>,
    },
}

/// Where a code that an error speaks of stands, so it can be found without
/// being shown: its line, and which code of the line it is when the line
/// holds more than one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub line: usize,
    /// 1 for the line's first code; `None` when it is the line's only one.
    pub nth: Option<usize>,
}

impl Place {
    /// "the code", "the 2nd code on the line".
    fn code(self) -> Msg {
        match self.nth {
            None => Msg::new("import_the_code"),
            Some(n) => Msg::new("import_nth_code").with_msg("nth", ordinal(n)),
        }
    }
}

/// "7 digits", "1 character": a length with its unit.
fn symbols(n: usize, class: SymbolClass) -> Msg {
    let key = match (class, n) {
        (SymbolClass::Digit, 1) => "import_one_digit",
        (SymbolClass::Digit, _) => "import_n_digits",
        (_, 1) => "import_one_character",
        _ => "import_n_characters",
    };
    Msg::new(key).with("n", n)
}

impl Localized for ImportError {
    fn msg(&self) -> Msg {
        match self {
            ImportError::NotUtf8 { line } => Msg::new("import_not_utf8").with("line", line),
            ImportError::Empty => Msg::new("import_empty"),
            ImportError::WrongSymbol {
                at,
                position,
                kind,
                service,
                class,
            } => {
                let allowed = match class {
                    SymbolClass::Digit => "import_symbols_digits",
                    SymbolClass::Hex => "import_symbols_hex",
                    SymbolClass::Base32 | SymbolClass::Alnum => "import_symbols_alnum",
                };
                let msg = match service {
                    Some(s) => Msg::new("import_wrong_symbol_service").with("service", s),
                    None => Msg::new("import_wrong_symbol"),
                };
                msg.with("line", at.line)
                    .with_msg("code", at.code())
                    .with_msg("kind", kind.msg())
                    .with("position", position)
                    .with_msg("allowed", Msg::new(allowed))
            }
            ImportError::WrongLength {
                at,
                found,
                service,
                class,
                lengths,
            } => {
                let digits = *class == SymbolClass::Digit;
                let msg = match (service, digits) {
                    (Some(s), true) => {
                        Msg::new("import_wrong_length_digits_service").with("service", s)
                    }
                    (Some(s), false) => {
                        Msg::new("import_wrong_length_characters_service").with("service", s)
                    }
                    (None, true) => Msg::new("import_wrong_length_digits"),
                    (None, false) => Msg::new("import_wrong_length_characters"),
                };
                let msg = msg
                    .with("line", at.line)
                    .with_msg("code", at.code())
                    .with_msg("found", symbols(*found, *class));
                match lengths {
                    LengthRule::Exact(n) => msg.with("expected", n),
                    LengthRule::Range { min, max, .. } => msg.with_msg(
                        "expected",
                        Msg::new("import_length_range")
                            .with("min", min)
                            .with("max", max),
                    ),
                }
            }
            ImportError::Duplicate { line, first_line } => Msg::new("import_duplicate")
                .with("line", line)
                .with("first_line", first_line),
            ImportError::CodeAmongText { line } => {
                Msg::new("import_code_among_text").with("line", line)
            }
            ImportError::TooMany {
                found,
                max,
                service,
            } => match service {
                Some(s) => Msg::new("import_too_many_service")
                    .with("found", found)
                    .with("service", s)
                    .with("max", max),
                None => Msg::new("import_too_many")
                    .with("found", found)
                    .with("max", max),
            },
        }
    }
}

/// Something worth a look that did not stop an import. None holds a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportWarning {
    /// Fewer codes than the service issues: fine if some were used already.
    Fewer {
        found: usize,
        typical: usize,
        service: &'static str,
    },
    /// More codes than the service usually issues.
    More {
        found: usize,
        typical: usize,
        service: &'static str,
    },
    /// `count` codes of `length` symbols, where the service's are usually `usual` long.
    UnusualLength {
        count: usize,
        length: usize,
        usual: usize,
        service: &'static str,
        class: SymbolClass,
    },
}

impl Localized for ImportWarning {
    fn msg(&self) -> Msg {
        let codes = |n: usize| {
            let key = if n == 1 {
                "import_codes_one"
            } else {
                "import_codes_many"
            };
            Msg::new(key).with("n", n)
        };
        match self {
            ImportWarning::Fewer {
                found,
                typical,
                service,
            } => Msg::new("import_fewer_codes")
                .with_msg("codes", codes(*found))
                .with("service", service)
                .with("typical", typical),
            ImportWarning::More {
                found,
                typical,
                service,
            } => Msg::new("import_more_codes")
                .with_msg("codes", codes(*found))
                .with("service", service)
                .with("typical", typical),
            ImportWarning::UnusualLength {
                count,
                length,
                usual,
                service,
                class,
            } => {
                let key = match (*class == SymbolClass::Digit, *count == 1) {
                    (true, true) => "import_unusual_length_digits_one",
                    (true, false) => "import_unusual_length_digits",
                    (false, true) => "import_unusual_length_characters_one",
                    (false, false) => "import_unusual_length_characters",
                };
                Msg::new(key)
                    .with("count", count)
                    .with("length", length)
                    .with("service", service)
                    .with("usual", usual)
            }
        }
    }
}

english_display!(ImportError, ImportWarning);

impl std::error::Error for ImportError {}

/// Reads the codes in `input` as `preset`'s service issued them.
///
/// Each line may hold several codes, split by tabs, commas or runs of two or
/// more spaces; list numbering (`1.`, `1)`, `#1`, `(1)`) is dropped. For
/// services that show a code in groups (`1234 5678`), words on a line are
/// joined up to the code length; otherwise each word is one code. A line
/// with a word of three or more letters that cannot be part of this
/// service's codes is prose (a header, the account's e-mail) and skipped,
/// unless it also holds something shaped like a code, which is an error.
/// The generic preset skips nothing: every word must be a code.
///
/// Codes are numbered in the order read, or by the input's own list numbers
/// when every code has one of its own and none repeats (Google's file lists
/// codes 1-5 and 6-10 side by side).
///
/// Codes are stored as the service treats them: separators dropped, case
/// folded per [`CaseRule`]. The set's format has the preset's grouping and
/// the longest length seen; when lengths vary (X, Nextcloud, generic) the
/// format's grouping is 0, so shorter codes print whole too.
pub fn parse(preset: &Preset, input: &[u8]) -> Result<Imported, ImportError> {
    let text = std::str::from_utf8(input).map_err(|e| ImportError::NotUtf8 {
        line: 1 + input[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
    })?;
    // Notepad on Windows starts UTF-8 files with a byte-order mark.
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);

    let mut found: Vec<(Code, usize)> = Vec::new();
    // The input's own list number of each code, when it has exactly one.
    let mut listed: Vec<Option<u32>> = Vec::new();
    for (index, raw_line) in text.split('\n').enumerate() {
        let line = index + 1;
        let fields = fields(raw_line);
        let words: Vec<&[&str]> = fields.iter().map(|f| f.words.as_slice()).collect();
        if fields.is_empty() || is_prose(preset, line, &words)? {
            continue;
        }
        // Each code of the line with the list number written before it, if
        // that number is its alone; a token of nothing but separators (a
        // ruler of dashes) is no code and is not counted among the line's.
        let mut line_tokens: Vec<(Option<u32>, Zeroizing<String>)> = Vec::new();
        for field in &fields {
            let tokens = tokens(preset, &field.words);
            let number = field.number.filter(|_| tokens.len() == 1);
            line_tokens.extend(
                tokens
                    .into_iter()
                    .filter(|t| typed::symbols(t).next().is_some())
                    .map(|t| (number, t)),
            );
        }
        let several = line_tokens.len() > 1;
        for (index, (number, token)) in line_tokens.into_iter().enumerate() {
            let at = Place {
                line,
                nth: several.then_some(index + 1),
            };
            let canonical = canonical(preset, at, &token)?;
            if let Some((_, first_line)) =
                found.iter().find(|(c, _)| c.expose() == canonical.as_str())
            {
                return Err(ImportError::Duplicate {
                    line,
                    first_line: *first_line,
                });
            }
            found.push((Code::from_canonical(canonical.to_string()), line));
            listed.push(number);
        }
    }
    in_listed_order(&mut found, &listed);

    if found.is_empty() {
        return Err(ImportError::Empty);
    }
    if found.len() > preset.max_count as usize {
        return Err(ImportError::TooMany {
            found: found.len(),
            max: preset.max_count,
            service: preset.service(),
        });
    }

    let warnings = warnings(preset, &found);
    let longest = found
        .iter()
        .map(|(c, _)| c.expose().chars().count())
        .max()
        .unwrap_or(0);
    let group = if found
        .iter()
        .all(|(c, _)| c.expose().chars().count() == longest)
    {
        preset.group
    } else {
        0
    };
    let format = Format::grouped(preset.class, longest, group, preset.separator);
    let codes = found.into_iter().map(|(c, _)| c).collect();
    Ok(Imported {
        set: CodeSet::from_codes(format, codes),
        warnings,
    })
}

fn warnings(preset: &Preset, found: &[(Code, usize)]) -> Vec<ImportWarning> {
    let mut warnings = Vec::new();
    let service = preset.display_name;
    let n = found.len();
    if let Some(typical) = preset.typical_count.map(|t| t as usize) {
        if n < typical {
            warnings.push(ImportWarning::Fewer {
                found: n,
                typical,
                service,
            });
        } else if n > typical {
            warnings.push(ImportWarning::More {
                found: n,
                typical,
                service,
            });
        }
    }
    if let Some(usual) = preset.lengths.usual() {
        let mut by_length: BTreeMap<usize, usize> = BTreeMap::new();
        for (code, _) in found {
            let len = code.expose().chars().count();
            if len != usual {
                *by_length.entry(len).or_default() += 1;
            }
        }
        for (length, count) in by_length {
            warnings.push(ImportWarning::UnusualLength {
                count,
                length,
                usual,
                service,
                class: preset.class,
            });
        }
    }
    warnings
}

/// One run of words that may hold one or more codes, and the list number
/// (`1.`, `(6)`) written in front of it, if any.
#[derive(Default)]
struct Field<'a> {
    number: Option<u32>,
    words: Vec<&'a str>,
}

/// One line split into fields (by tabs, commas, runs of 2+ spaces, and list
/// numbering), each a list of words that single spaces separated.
fn fields(line: &str) -> Vec<Field<'_>> {
    let mut fields: Vec<Field<'_>> = Vec::new();
    let mut current = Field::default();
    let mut rest = line;
    while !rest.is_empty() {
        let word_start = rest.find(|c: char| !is_gap(c)).unwrap_or(rest.len());
        let gap = &rest[..word_start];
        rest = &rest[word_start..];
        if rest.is_empty() {
            break;
        }
        let word_end = rest.find(is_gap).unwrap_or(rest.len());
        let word = &rest[..word_end];
        rest = &rest[word_end..];
        let new_field = gap.chars().count() >= 2 || gap.contains(|c| c == '\t' || is_comma(c));
        if new_field && !current.words.is_empty() {
            fields.push(std::mem::take(&mut current));
        }
        match list_number(word) {
            Some(number) => {
                if !current.words.is_empty() {
                    fields.push(std::mem::take(&mut current));
                }
                current.number = Some(number);
            }
            None => current.words.push(word),
        }
    }
    if !current.words.is_empty() {
        fields.push(current);
    }
    fields
}

/// Puts the codes in the order of the input's own list numbers when every
/// code has one and no number repeats: Google's Backup-codes file lists 1-5
/// and 6-10 side by side, and the sheet's numbers should match the file's.
/// Otherwise (no numbers, some missing, two lists pasted) the order stays as read.
fn in_listed_order(found: &mut Vec<(Code, usize)>, listed: &[Option<u32>]) {
    let Some(numbers) = listed.iter().copied().collect::<Option<Vec<u32>>>() else {
        return;
    };
    let mut distinct = numbers.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() != numbers.len() {
        return;
    }
    // Moving a code moves its heap buffer; no copy of a code is made.
    let mut numbered: Vec<(u32, (Code, usize))> =
        numbers.into_iter().zip(found.drain(..)).collect();
    numbered.sort_by_key(|(n, _)| *n);
    found.extend(numbered.into_iter().map(|(_, code)| code));
}

fn is_comma(c: char) -> bool {
    matches!(c, ',' | ';' | '、' | '，' | '；')
}

/// Where words part: white space as [`typed`] reads it, and commas.
fn is_gap(c: char) -> bool {
    typed::classify(c) == Typed::Space || is_comma(c)
}

/// `1.`, `1)`, `1:`, `#1`, `(1)`: a list number, which a code never is
/// (codes have no punctuation). Returns the number.
fn list_number(word: &str) -> Option<u32> {
    let (hash, rest) = match word.strip_prefix('#') {
        Some(r) => (true, r),
        None => (false, word),
    };
    let (paren, rest) = match rest.strip_prefix('(') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let tail = &rest[digits..];
    let marked = matches!(tail, "." | ")" | ":");
    let numbering = (1..=3).contains(&digits)
        && match (hash, paren) {
            (true, false) => tail.is_empty() || marked,
            (false, true) => tail == ")",
            (false, false) => marked,
            (true, true) => false,
        };
    if numbering {
        rest[..digits].parse().ok()
    } else {
        None
    }
}

/// A word with the punctuation around it (quotes, brackets, full stops) cut off.
fn trimmed(word: &str) -> &str {
    word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
}

/// The symbols of `word` as the service reads them: dropped characters
/// gone, half width, case folded. Not checked against the alphabet.
fn folded(preset: &Preset, word: &str) -> Zeroizing<String> {
    typed::normalize(word, preset.case)
}

/// Whether a line is prose to skip: it has a word of 3+ letters that cannot
/// be (part of) one of this service's codes. Errs if such a line also holds
/// something shaped like a code, rather than dropping it unseen.
fn is_prose(preset: &Preset, line: usize, fields: &[&[&str]]) -> Result<bool, ImportError> {
    if preset.name == GENERIC {
        return Ok(false);
    }
    let words = || fields.iter().copied().flatten().map(|w| trimmed(w));
    // A field that is a mistyped grouped code as a whole is no evidence of
    // text, whatever its words look like one by one (`10000 a.aaaa`).
    let loose_words = || {
        fields
            .iter()
            .filter(|field| !is_grouped_code(preset, field))
            .copied()
            .flatten()
            .map(|w| trimmed(w))
    };
    // Letters counted among the word's symbols: `ー` is a letter to Unicode
    // but a hyphen to the typing table.
    let prose = loose_words().any(|w| {
        typed::symbols(w).filter(|(_, c)| c.is_alphabetic()).count() >= 3
            && !is_code_shaped(preset, w)
            && !could_be_code_part(preset, w)
            && !is_mangled_code(preset, w)
            && !is_group_shaped(preset, w)
    });
    if !prose {
        return Ok(false);
    }
    if words().any(|w| is_code_shaped(preset, w)) {
        return Err(ImportError::CodeAmongText { line });
    }
    // A grouped code among words (`Your code: 1234 5678`): neighbouring
    // words of the service's symbols, joined, nearly a code long.
    if preset.joins_words().is_some() {
        for field in fields {
            let mut run = Zeroizing::new(String::new());
            for w in field.iter().map(|w| trimmed(w)) {
                let f = folded(preset, w);
                if f.is_empty() || !f.chars().all(|c| preset.uses(c)) {
                    run.clear();
                    continue;
                }
                run.push_str(&f);
                if run.len() >= near_code_length(preset) && run.chars().any(|c| c.is_ascii_digit())
                {
                    return Err(ImportError::CodeAmongText { line });
                }
            }
        }
    }
    Ok(true)
}

/// One symbol short of the shortest code: longer runs are taken for codes.
fn near_code_length(preset: &Preset) -> usize {
    preset.lengths.min().saturating_sub(1).max(1)
}

/// Whether a word looks like a (possibly malformed) code rather than a word
/// of text: ASCII letters and digits, with either a digit and nearly a code's
/// length, or the service's grouping (`ABCD-EFGH-JKL`). Such a word is never
/// skipped as prose, so a mistyped code is reported, not lost.
fn is_code_shaped(preset: &Preset, word: &str) -> bool {
    let ascii = !word.is_empty()
        && word.chars().all(|c| match typed::classify(c) {
            Typed::Symbol(s) => s.is_ascii_alphanumeric(),
            Typed::Space | Typed::Invisible | Typed::Separator => true,
        });
    if !ascii {
        return false;
    }
    let f = folded(preset, word);
    if f.chars().any(|c| c.is_ascii_digit()) && f.chars().count() >= near_code_length(preset) {
        return true;
    }
    // Group lengths between separators; invisible characters belong to no
    // group and split none.
    let mut groups: Vec<usize> = vec![0];
    for c in word.chars() {
        match typed::classify(c) {
            Typed::Symbol(_) => {
                if let Some(group) = groups.last_mut() {
                    *group += 1;
                }
            }
            Typed::Space | Typed::Separator => groups.push(0),
            Typed::Invisible => {}
        }
    }
    preset.group > 0
        && groups.len() >= 2
        && groups[..groups.len() - 1]
            .iter()
            .all(|&n| n == preset.group)
        && (1..=preset.group).contains(&groups[groups.len() - 1])
}

/// Whether a word is a code with a stray character or two in it
/// (`bcdef.12345`, `h7n2c5v8r6t/j`, `ABCD-EF.GH-JKLM`), or with one or two
/// of its symbols replaced by one (`k3m9.2p7`): one or two other symbols, a
/// code's length of ASCII letters and digits with or without them, and a
/// digit, the service's own grouping, or (for services with letters) letters
/// in the case the service shows. Such a word keeps its line from being
/// skipped as prose, so the stray symbol is reported instead of the code
/// being lost: a code of letters only is rare but real (one X code in fifty,
/// one Nextcloud code in sixteen), and a line that is nothing but one
/// dotted word (`example.com`) is refused rather than a code dropped.
fn is_mangled_code(preset: &Preset, word: &str) -> bool {
    let (mut alnum, mut odd, mut digit) = (0, 0, false);
    let (mut lower, mut upper) = (false, false);
    for (_, c) in typed::symbols(word) {
        if c.is_ascii_alphanumeric() {
            alnum += 1;
            digit |= c.is_ascii_digit();
            lower |= c.is_ascii_lowercase();
            upper |= c.is_ascii_uppercase();
        } else {
            odd += 1;
        }
    }
    let grouped = preset.group > 0 && preset.separator != ' ' && word.contains(preset.separator);
    let letters_fit = preset.class != SymbolClass::Digit
        && match preset.case {
            CaseRule::Lower | CaseRule::Upper => !(lower && upper),
            CaseRule::Sheet | CaseRule::NoLetters | CaseRule::Sensitive => true,
        };
    (digit || grouped || letters_fit)
        && (1..=2).contains(&odd)
        && (preset.lengths.contains(alnum) || preset.lengths.contains(alnum + odd))
}

/// Whether a word could be a group of a code the service shows in groups,
/// mistyped: ASCII letters and digits with a digit among them, at most two
/// other symbols, and no longer than a code. `0a0ga 12345` is a GitHub code
/// with a wrong letter, `1abc 5678` a Google code with letters and
/// `0.aaa 12345` one with a stray full stop: errors to report, not lines of
/// text to skip.
fn is_group_shaped(preset: &Preset, word: &str) -> bool {
    let Some(code_len) = preset.joins_words() else {
        return false;
    };
    let (mut alnum, mut odd, mut digit) = (0, 0, false);
    for (_, c) in typed::symbols(word) {
        if c.is_ascii_alphanumeric() {
            alnum += 1;
            digit |= c.is_ascii_digit();
        } else {
            odd += 1;
        }
    }
    digit && odd <= 2 && alnum <= code_len
}

/// Whether the words of a field, joined as [`tokens`] joins them for a
/// service that shows codes in groups, could be one of its codes mistyped:
/// ASCII letters and digits with a digit among them, at most two other
/// symbols, and within two symbols of a code's length.
fn is_grouped_code(preset: &Preset, words: &[&str]) -> bool {
    let Some(code_len) = preset.joins_words() else {
        return false;
    };
    let (mut alnum, mut odd, mut digit) = (0, 0, false);
    for (_, c) in words.iter().flat_map(|w| typed::symbols(w)) {
        if c.is_ascii_alphanumeric() {
            alnum += 1;
            digit |= c.is_ascii_digit();
        } else {
            odd += 1;
        }
    }
    digit && odd <= 2 && (code_len.saturating_sub(2)..=code_len + 2).contains(&(alnum + odd))
}

/// Whether a word (of 3+ letters, not code-shaped) could still be a code or
/// one group of one: letters only, in the service's alphabet and case, and
/// of a fitting length.
fn could_be_code_part(preset: &Preset, word: &str) -> bool {
    if preset.class == SymbolClass::Digit {
        return false;
    }
    let f = folded(preset, word);
    if !f.chars().all(|c| preset.uses(c)) {
        return false;
    }
    // A service that shows one case never shows `Keep`.
    let single_case = matches!(preset.case, CaseRule::Lower | CaseRule::Upper);
    if single_case
        && word.chars().any(|c| c.is_ascii_lowercase())
        && word.chars().any(|c| c.is_ascii_uppercase())
    {
        return false;
    }
    let len = f.chars().count();
    match preset.joins_words() {
        Some(code_len) => len == code_len || (preset.group > 0 && len == preset.group),
        None => preset.lengths.contains(len),
    }
}

/// The tokens of one field, each the raw text of what should be one code.
/// For grouped services, words are joined into codes when they fill whole
/// codes exactly (`1234 5678 2345 6789` is two); when they do not, the whole
/// field is one token, so an error shows all of what was meant as one code.
fn tokens(preset: &Preset, field: &[&str]) -> Vec<Zeroizing<String>> {
    let Some(code_len) = preset.joins_words() else {
        return field
            .iter()
            .map(|w| Zeroizing::new((*w).to_owned()))
            .collect();
    };
    let joined = |words: &[&str]| Zeroizing::new(words.join(" "));
    let mut out = Vec::new();
    let mut start = 0;
    let mut len = 0;
    for (i, word) in field.iter().enumerate() {
        len += folded(preset, word).chars().count();
        if len == code_len {
            out.push(joined(&field[start..=i]));
            start = i + 1;
            len = 0;
        } else if len > code_len {
            return vec![joined(field)];
        }
    }
    if start < field.len() {
        return vec![joined(field)];
    }
    out
}

/// The token as the service stores it, or why it cannot be one of its codes.
///
/// An error says where the token is and what is wrong with it, never which
/// letters or digits it holds: a mistyped code is still most of a real one.
fn canonical(preset: &Preset, at: Place, token: &str) -> Result<Zeroizing<String>, ImportError> {
    if let Some((position, bad)) =
        typed::symbols(token).find(|&(_, c)| !preset.uses(preset.case.fold(c)))
    {
        return Err(ImportError::WrongSymbol {
            at,
            position,
            kind: Kind::of(bad),
            service: preset.service(),
            class: preset.class,
        });
    }
    let canonical = folded(preset, token);
    let len = canonical.chars().count();
    if len > 0 && !preset.lengths.contains(len) {
        return Err(ImportError::WrongLength {
            at,
            found: len,
            service: preset.service(),
            class: preset.class,
            lengths: preset.lengths,
        });
    }
    Ok(canonical)
}

/// How this platform pastes the clipboard into a pipe.
pub fn paste_command() -> &'static str {
    if cfg!(target_os = "macos") {
        "pbpaste"
    } else if cfg!(windows) {
        "Get-Clipboard"
    } else {
        "wl-paste (or xclip -o)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_source_reads_back_as_written() {
        let generated = Source::Generated.recorded();
        assert_eq!(generated, "generated");
        assert!(matches!(
            Source::from_recorded(&generated),
            Some(Source::Generated)
        ));
        for p in presets() {
            let text = Source::Imported(p).recorded();
            assert_eq!(text, format!("import:{}", p.name));
            match Source::from_recorded(&text) {
                Some(Source::Imported(back)) => assert_eq!(back.name, p.name),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(Source::from_recorded("import:a-service-of-a-newer-release").is_none());
        assert!(Source::from_recorded("").is_none());
    }

    /// The warnings as printed in English.
    fn texts(warnings: &[ImportWarning]) -> Vec<String> {
        warnings.iter().map(ToString::to_string).collect()
    }

    fn import(name: &str, input: &str) -> Imported {
        match parse(preset(name).unwrap(), input.as_bytes()) {
            Ok(imported) => imported,
            Err(e) => panic!("{name}: {e}"),
        }
    }

    fn error(name: &str, input: &str) -> String {
        match parse(preset(name).unwrap(), input.as_bytes()) {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => e.to_string(),
        }
    }

    fn canonical(imported: &Imported) -> Vec<String> {
        imported
            .set
            .codes()
            .iter()
            .map(|c| c.expose().to_owned())
            .collect()
    }

    fn shown(imported: &Imported) -> Vec<String> {
        imported
            .set
            .codes()
            .iter()
            .map(|c| imported.set.format().display(c).to_string())
            .collect()
    }

    /// Ten distinct lower-case hex strings of `len` digits.
    fn hex_codes(n: u64, len: usize) -> Vec<String> {
        (1..=n)
            .map(|i| {
                let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                format!("{x:016x}")[..len].to_owned()
            })
            .collect()
    }

    /// Google's downloaded Backup-codes-*.txt, as Windows saves it.
    const GOOGLE_TXT: &str = "SAVE YOUR BACKUP CODES\r\n\
        Keep these backup codes somewhere safe but accessible.\r\n\
        \r\n\
        1. 4012 6743\t\t6. 1852 9735\r\n\
        2. 3021 7720\t\t7. 5092 3740\r\n\
        3. 8841 0263\t\t8. 7719 2046\r\n\
        4. 6605 1198\t\t9. 2287 4410\r\n\
        5. 9930 5512\t\t10. 1476 8853\r\n\
        \r\n\
        (taro.yamada@example.com)\r\n\
        \r\n\
        * You can only use each backup code once.\r\n\
        * Need more backup codes? Generate new ones at https://g.co/2sv\r\n\
        * Created on: Jan 5, 2024\r\n";

    #[test]
    fn google_txt_file() {
        let imported = import("google", GOOGLE_TXT);
        assert_eq!(
            canonical(&imported),
            [
                "40126743", "30217720", "88410263", "66051198", "99305512", "18529735", "50923740",
                "77192046", "22874410", "14768853"
            ]
        );
        assert_eq!(shown(&imported)[0], "4012 6743");
        assert_eq!(imported.set.format().pattern(), "9999 9999");
        assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    }

    #[test]
    fn google_pasted_from_the_page() {
        // One per line, stray spaces, a hyphen, glued digits, two in one line.
        let input = "\n   1234 5678  \n2345-6789\n34567890\n\
            4567 8901   5678 9012\n6789 0123, 7890 1234\n8901 2345 9012 3456\n\n0123 4567\n";
        let imported = import("google", input);
        assert_eq!(
            canonical(&imported),
            [
                "12345678", "23456789", "34567890", "45678901", "56789012", "67890123", "78901234",
                "89012345", "90123456", "01234567"
            ]
        );
        assert_eq!(
            shown(&imported)[..3],
            ["1234 5678", "2345 6789", "3456 7890"]
        );
    }

    #[test]
    fn google_errors() {
        assert_eq!(
            error("google", "1111 2222\n\n1234 567\n"),
            "line 3: the code has 7 digits; Google codes have 8"
        );
        assert_eq!(
            error(
                "google",
                "1111 2222\n3333 4444\n5555 6666\n\n\n7777 8888\n3333-4444\n"
            ),
            "line 7: this code already appeared on line 2"
        );
        assert_eq!(
            error("google", "1111 2222\n12a4 5678\n"),
            "line 2: the code has a letter at position 3; Google codes use only digits"
        );
        // A digit run of the wrong length is an error, not prose.
        assert_eq!(
            error("google", "1. 1234 56789\n"),
            "line 1: the code has 9 digits; Google codes have 8"
        );
        let twelve: String = (10..22).map(|i| format!("{i}{i}{i}{i}\n")).collect();
        assert_eq!(
            error("google", &twelve),
            "found 12 codes; Google issues at most 10 per set"
        );
    }

    #[test]
    fn words_that_do_not_fill_whole_codes_are_shown_together() {
        assert_eq!(
            error(
                "google",
                "1234 567 8765 4321
"
            ),
            "line 1: the code has 15 digits; Google codes have 8"
        );
        assert_eq!(
            error(
                "keycloak",
                "Your code: ABCD-EFGH-JKLM
"
            ),
            "line 1: something like a code stands among words: put each code on a line of its own or delete the text"
        );
    }

    #[test]
    fn fewer_codes_than_issued_is_a_warning() {
        let nine: String = (10..19).map(|i| format!("{i}{i} {i}{i}\n")).collect();
        let imported = import("google", &nine);
        assert_eq!(imported.set.len(), 9);
        assert_eq!(
            texts(&imported.warnings),
            ["9 codes found; Google issues 10 — fine if some were already used"]
        );
    }

    #[test]
    fn empty_input() {
        let message =
            "no codes found in the input: paste the codes the service showed, one or more per line";
        assert_eq!(error("google", ""), message);
        assert_eq!(error("google", "\r\n   \n\t\n"), message);
        assert_eq!(
            error("google", "SAVE YOUR BACKUP CODES\nKeep these safe.\n"),
            message
        );
        assert_eq!(error("generic", " \n"), message);
    }

    #[test]
    fn not_utf8_names_the_first_bad_line() {
        let input = b"1234 5678\r\n2345 6789\r\n\xff\xfe\r\n\x80\r\n";
        let e = parse(preset("google").unwrap(), input).err().unwrap();
        assert_eq!(e, ImportError::NotUtf8 { line: 3 });
        assert_eq!(
            e.to_string(),
            "line 3: the input is not UTF-8 text: save or paste the codes as plain text"
        );
        // A byte-order mark is not a problem.
        assert_eq!(import("google", "\u{FEFF}1234 5678\n").set.len(), 1);
    }

    #[test]
    fn a_code_inside_prose_is_not_dropped() {
        assert_eq!(
            error("google", "1111 2222\nYour code: 1234 5678\n"),
            "line 2: something like a code stands among words: put each code on a line of its own or delete the text"
        );
        // Short numbers in prose (dates, counts) are fine.
        assert_eq!(
            import("google", "Created on: Jan 5, 2024\n1234 5678\n")
                .set
                .len(),
            1
        );
    }

    #[test]
    fn invisible_characters_from_a_web_page_are_dropped_and_control_characters_named() {
        // Zero-width space, soft hyphen, word joiner, direction mark.
        let input = "4012\u{200B}6743\n3021\u{00AD}7720\u{2060}\n\u{200E}8841 0263\n";
        assert_eq!(
            canonical(&import("google", input)),
            ["40126743", "30217720", "88410263"]
        );
        assert_eq!(
            canonical(&import("github", "abcde\u{200B}-12345\n")),
            ["abcde12345"]
        );
        // A control character cannot be seen in a terminal: it is named.
        assert_eq!(
            error("google", "4012\u{7}6743\n"),
            "line 1: the code has a control character (U+0007) at position 5; Google codes use only digits"
        );
    }

    #[test]
    fn a_code_with_a_stray_symbol_is_reported_not_skipped_as_prose() {
        assert_eq!(
            error("github", "abcde-12345\nbcdef.12345\n"),
            "line 2: the code has `.` at position 6; GitHub codes use only hexadecimal digits (0-9, a-f)"
        );
        assert_eq!(
            error("x", "k3m9x2p7q4wz\nh7n2c5v8r6t/j\n"),
            "line 2: the code has `/` at position 12; X codes use only letters and digits"
        );
        assert_eq!(
            error("x", "k3m9\u{7f}x2p7\n"),
            "line 1: the code has a control character (U+007F) at position 5; X codes use only letters and digits"
        );
        assert_eq!(
            error("keycloak", "ABCD-EFGH-JKLM\nNPQR-ST.UV-WXYZ\n"),
            "line 2: the code has `.` at position 7; Keycloak codes use only letters and digits"
        );
        assert_eq!(
            error("nextcloud", "aB3dE5gH7jK9mN2p\naB3dE5gH7jK9mN2_\n"),
            "line 2: the code has `_` at position 16; Nextcloud codes use only letters and digits"
        );
        // Prose with addresses and links is still prose.
        let google = "(taro.yamada2@example.com)\n\
            * Need more backup codes? Generate new ones at https://g.co/2sv\n\
            1234 5678\n";
        assert_eq!(canonical(&import("google", google)), ["12345678"]);
        let x = "Signed in as @shop_2024\nk3m9x2p7q4wz\n";
        assert_eq!(canonical(&import("x", x)), ["k3m9x2p7q4wz"]);
    }

    #[test]
    fn the_inputs_own_list_numbers_set_the_order_when_every_code_has_one() {
        // Two columns read row by row: 1 6 / 2 7 / 3 8.
        let columns = "1. 1111 1111\t4. 4444 4444\n2. 2222 2222\t5. 5555 5555\n3. 3333 3333\n";
        assert_eq!(
            canonical(&import("google", columns)),
            ["11111111", "22222222", "33333333", "44444444", "55555555"]
        );
        // Gaps in the numbers (used codes deleted) still order them.
        assert_eq!(
            canonical(&import(
                "google",
                "2) 2222 2222   7) 7777 7777\n4) 4444 4444\n"
            )),
            ["22222222", "44444444", "77777777"]
        );
        // One code without a number: the order stays as read.
        assert_eq!(
            canonical(&import("google", "3. 3333 3333\n1111 1111\n2. 2222 2222\n")),
            ["33333333", "11111111", "22222222"]
        );
        // A number repeated (two lists pasted): as read.
        assert_eq!(
            canonical(&import(
                "google",
                "2. 2222 2222\n1. 1111 1111\n1. 3333 3333\n"
            )),
            ["22222222", "11111111", "33333333"]
        );
        // A number in front of two codes belongs to neither: as read.
        assert_eq!(
            canonical(&import("google", "2. 2222 2222 5555 5555\n1. 1111 1111\n")),
            ["22222222", "55555555", "11111111"]
        );
        // Errors still name the line the code is on, not its list number.
        assert_eq!(
            error("google", "2. 2222 2222\n1. 1111 111\n"),
            "line 2: the code has 7 digits; Google codes have 8"
        );
    }

    #[test]
    fn list_numbering_forms() {
        let input = "1. 1234 5678\n2) 2345 6789\n#3 3456 7890\n(4) 4567 8901\n5: 5678 9012\n";
        assert_eq!(
            canonical(&import("instagram", input)),
            ["12345678", "23456789", "34567890", "45678901", "56789012"]
        );
    }

    #[test]
    fn instagram_space_or_hyphen() {
        let input = "Backup codes\r\n1234-5678\r\n2345 6789\r\n  3456-7890   4567 8901 \r\n";
        let imported = import("instagram", input);
        assert_eq!(
            canonical(&imported),
            ["12345678", "23456789", "34567890", "45678901"]
        );
        assert_eq!(shown(&imported)[0], "1234 5678");
        // The count per set is not certain: no warning for four.
        assert!(imported.warnings.is_empty());
        let eleven: String = (10..21).map(|i| format!("{i}{i}{i}{i}\n")).collect();
        assert_eq!(
            error("instagram", &eleven),
            "found 11 codes; Instagram issues at most 10 per set"
        );
    }

    #[test]
    fn freee_with_japanese_header_and_full_width_digits() {
        let input = "バックアップコード\n\
            以下のコードを安全な場所に保管してください。\n\
            123456789\n２３４５６７８９０\n345-678-901\n";
        let imported = import("freee", input);
        assert_eq!(
            canonical(&imported),
            ["123456789", "234567890", "345678901"]
        );
        assert_eq!(shown(&imported)[2], "345678901");
        assert_eq!(
            texts(&imported.warnings),
            ["3 codes found; freee issues 10 — fine if some were already used"]
        );
        assert_eq!(
            error("freee", "12345678\n"),
            "line 1: the code has 8 digits; freee codes have 9"
        );
    }

    #[test]
    fn x_codes_lower_case_in_order_and_lengths_warned() {
        let input = "Backup code\n\
            Write it down and keep it safe.\n\
            1. k3m9x2p7q4wz\n2. ABCD2345EFGH\n3. h7n2c5v8\n";
        let imported = import("x", input);
        assert_eq!(
            canonical(&imported),
            ["k3m9x2p7q4wz", "abcd2345efgh", "h7n2c5v8"]
        );
        assert_eq!(
            shown(&imported),
            ["k3m9x2p7q4wz", "abcd2345efgh", "h7n2c5v8"]
        );
        assert_eq!(imported.set.format().len(), 12);
        assert_eq!(preset("x").unwrap().order, UseOrder::InOrder);
        assert_eq!(
            texts(&imported.warnings),
            [
                "3 codes found; X issues 5 — fine if some were already used",
                "1 code has 8 characters; X codes usually have 12: compare them with what X showed"
            ]
        );
        let six =
            "a1b2c3d4e5f6\nb1b2c3d4e5f6\nc1b2c3d4e5f6\nd1b2c3d4e5f6\ne1b2c3d4e5f6\nf1b2c3d4e5f6\n";
        assert_eq!(
            texts(&import("x", six).warnings),
            ["6 codes found; X usually issues 5: check that all are from the current set"]
        );
        assert_eq!(
            error("x", "a1b2c3d\n"),
            "line 1: the code has 7 characters; X codes have 8 to 12"
        );
        assert_eq!(
            error("x", "a1b2c3d4e5f6\nA1B2C3D4E5F6\n"),
            "line 2: this code already appeared on line 1"
        );
    }

    #[test]
    fn github_recovery_codes() {
        let codes = hex_codes(16, 10);
        // The downloaded github-recovery-codes.txt: one per line, grouped.
        let file: String = codes
            .iter()
            .map(|c| format!("{}-{}\n", &c[..5], &c[5..]))
            .collect();
        let imported = import("github", &file);
        assert_eq!(canonical(&imported), codes);
        assert_eq!(
            shown(&imported)[0],
            format!("{}-{}", &codes[0][..5], &codes[0][5..])
        );
        assert!(imported.warnings.is_empty());
        // Copied from the page: a heading, two columns, upper case typed by hand.
        let mut page = String::from("Recovery codes\r\n\r\n");
        for pair in codes.chunks(2) {
            page.push_str(&format!(
                "{}-{}    {}\r\n",
                &pair[0][..5],
                &pair[0][5..],
                pair[1].to_uppercase()
            ));
        }
        assert_eq!(canonical(&import("github", &page)), codes);
        assert_eq!(
            error("github", "abcde-1234g\n"),
            "line 1: the code has a letter at position 10; GitHub codes use only hexadecimal digits (0-9, a-f)"
        );
        assert_eq!(
            error("github", "abcde-1234\n"),
            "line 1: the code has 9 characters; GitHub codes have 10"
        );
    }

    #[test]
    fn gitlab_recovery_codes() {
        let codes = hex_codes(10, 16);
        let input = format!(
            "Two-factor authentication recovery codes\n\n{}\n",
            codes
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{}. {c}", i + 1))
                .collect::<Vec<_>>()
                .join("\n")
        );
        let imported = import("gitlab", &input);
        assert_eq!(canonical(&imported), codes);
        assert_eq!(shown(&imported), codes);
        assert!(imported.warnings.is_empty());
    }

    #[test]
    fn keycloak_recovery_codes() {
        let input = "Recovery Authentication Codes\n\
            1: ABCD-EFGH-JKLM\t2: NPQR-STUV-WXYZ\n\
            3: 2345-6789-ABCD\t4: efgh-jklm-npqr\n";
        let imported = import("keycloak", input);
        assert_eq!(
            canonical(&imported),
            [
                "ABCDEFGHJKLM",
                "NPQRSTUVWXYZ",
                "23456789ABCD",
                "EFGHJKLMNPQR"
            ]
        );
        assert_eq!(shown(&imported)[3], "EFGH-JKLM-NPQR");
        assert_eq!(
            texts(&imported.warnings),
            ["4 codes found; Keycloak issues 12 — fine if some were already used"]
        );
        assert_eq!(
            error("keycloak", "ABCD-EFGH-JKL\n"),
            "line 1: the code has 11 characters; Keycloak codes have 12"
        );
    }

    #[test]
    fn nextcloud_keeps_case() {
        let input = "These are your backup codes. Please save and/or print them.\n\
            aB3dE5gH7jK9mN2p\n\
            AB3DE5GH7JK9MN2P\n\
            xY7zW4qR8sT2\n";
        let imported = import("nextcloud", input);
        assert_eq!(
            canonical(&imported),
            ["aB3dE5gH7jK9mN2p", "AB3DE5GH7JK9MN2P", "xY7zW4qR8sT2"]
        );
        assert_eq!(shown(&imported)[2], "xY7zW4qR8sT2");
        assert_eq!(
            texts(&imported.warnings),
            [
                "3 codes found; Nextcloud issues 10 — fine if some were already used",
                "1 code has 12 characters; Nextcloud codes usually have 16: compare them with what Nextcloud showed"
            ]
        );
    }

    #[test]
    fn playstation_ten_digits() {
        let input: String = (0..10)
            .map(|i| format!("{i}. {i}{i}{i}{i}{i} {i}{i}{i}{i}{i}\r\n"))
            .collect();
        let imported = import("playstation", &input);
        assert_eq!(imported.set.len(), 10);
        assert_eq!(canonical(&imported)[1], "1111111111");
        assert_eq!(shown(&imported)[1], "1111111111");
        assert!(imported.warnings.is_empty());
    }

    #[test]
    fn generic_tokens_as_given() {
        let input = "1. Ab12-Cd34 zzzz9999\n\tQWERTYUIOPASDFGHJKLZ, 1234\n";
        let imported = import("generic", input);
        assert_eq!(
            canonical(&imported),
            ["Ab12Cd34", "zzzz9999", "QWERTYUIOPASDFGHJKLZ", "1234"]
        );
        // The longest length sets the format; shorter codes print whole.
        assert_eq!(imported.set.format().len(), 20);
        assert_eq!(shown(&imported), canonical(&imported));
        assert!(imported.warnings.is_empty());
        // Generic skips no prose: it must be only codes.
        assert_eq!(
            error("generic", "Keep these safe.\n"),
            "line 1: the 3rd code on the line has `.` at position 5; codes use only letters and digits"
        );
        assert_eq!(
            error("generic", "abc\n"),
            "line 1: the code has 3 characters; codes have 4 to 40 characters"
        );
        let many: String = (0..101).map(|i| format!("code{i:03}\n")).collect();
        assert_eq!(
            error("generic", &many),
            "found 101 codes; at most 100 can be imported as one set"
        );
    }

    #[test]
    fn presets_are_found_by_name_in_any_case() {
        assert_eq!(preset("GitHub").unwrap().name, "github");
        assert_eq!(preset(" X ").unwrap().display_name, "X");
        assert!(preset("twitter").is_none());
        let names: Vec<&str> = presets().iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "google",
                "instagram",
                "freee",
                "x",
                "github",
                "gitlab",
                "keycloak",
                "nextcloud",
                "playstation",
                "generic"
            ]
        );
        for p in presets() {
            assert_eq!(p.advice_key, format!("advice_{}", p.name));
            assert!(p.lengths.max() <= crate::codes::MAX_SYMBOLS);
            assert!(p.typical_count.is_none_or(|t| t <= p.max_count));
        }
    }

    #[test]
    fn messages_never_hold_a_valid_code() {
        let imported = import("x", "k3m9x2p7\n");
        for w in texts(&imported.warnings) {
            assert!(!w.contains("k3m9x2p7"), "{w}");
        }
        let e = error("google", "1234 5678\n1234 5678\n");
        assert!(!e.contains("1234"), "{e}");
        // Issue 11, item 5: no token is quoted, however short: two codes run
        // together, a stray digit or symbol, one digit short (7 of 8 digits
        // would be most of a code), a letter for a digit.
        for (input, expected) in [
            (
                "12345678 2345678\n",
                "line 1: the code has 15 digits; Google codes have 8",
            ),
            (
                "1234 56789\n",
                "line 1: the code has 9 digits; Google codes have 8",
            ),
            (
                "1234-5678x\n",
                "line 1: the code has a letter at position 9; Google codes use only digits",
            ),
            (
                "3021 772\n",
                "line 1: the code has 7 digits; Google codes have 8",
            ),
            (
                "6789 O123\n",
                "line 1: the code has a letter at position 5; Google codes use only digits",
            ),
            (
                "1111 2222\t3021 772\n",
                "line 1: the 2nd code on the line has 7 digits; Google codes have 8",
            ),
        ] {
            assert_eq!(error("google", input), expected);
        }
        assert_eq!(
            error("github", "abcde-1234\n"),
            "line 1: the code has 9 characters; GitHub codes have 10"
        );
    }

    /// A field that reads as one mistyped grouped code is reported, not
    /// skipped as a line of text for having a word of three letters.
    #[test]
    fn a_grouped_code_with_letters_in_a_group_is_reported_not_skipped_as_prose() {
        assert_eq!(
            error("google", "1234 5678\n1abc 5678\n"),
            "line 2: the code has a letter at position 2; Google codes use only digits"
        );
        assert_eq!(
            error("github", "abcde-12345\n0a0ga 00000\n"),
            "line 2: the code has a letter at position 4; GitHub codes use only hexadecimal digits (0-9, a-f)"
        );
        assert_eq!(
            error("github", "abcde-12345\n10000 a.aaaa\n"),
            "line 2: the code has `.` at position 7; GitHub codes use only hexadecimal digits (0-9, a-f)"
        );
        // A code with one symbol replaced by a stray one, at the shortest length.
        assert_eq!(
            error("x", "k3m9x2p7q4wz\nk3m9.2p7\n"),
            "line 2: the code has `.` at position 5; X codes use only letters and digits"
        );
        // Codes of letters only, a symbol replaced by a stray one.
        assert_eq!(
            error("x", "k3m9x2p7q4wz\nkxmbqwzpr/t\n"),
            "line 2: the code has `/` at position 10; X codes use only letters and digits"
        );
        assert_eq!(
            error("nextcloud", "aB3dE5gH7jK9mN2p\nQqWwEeRrTtYyUu_i\n"),
            "line 2: the code has `_` at position 15; Nextcloud codes use only letters and digits"
        );
        // Text is still text.
        let x = "Backup codes for @shop_2024\nk3m9x2p7q4wz\n";
        assert_eq!(canonical(&import("x", x)), ["k3m9x2p7q4wz"]);
        let x = "Signed in at x.com/settings\nk3m9x2p7q4wz\n";
        assert_eq!(canonical(&import("x", x)), ["k3m9x2p7q4wz"]);
    }
}
