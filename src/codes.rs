//! Code alphabets, display formats, and generation of code sets from an injected CSPRNG.

use std::fmt;

use rand::CryptoRng;
use zeroize::Zeroizing;

use crate::messages::{Localized, Msg, english_display};
use crate::typed::{self, Kind};

/// Crockford-style base32: digits and letters without I, L, O and U, so that
/// 0/O and 1/I/l cannot be confused when a code is typed from paper.
pub const BASE32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Decimal digits.
pub const DIGITS: &[u8; 10] = b"0123456789";
/// Hexadecimal digits (for codes services issue; lowercase is folded to upper).
pub const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Formats weaker than this are refused outright.
pub const MIN_BITS: f64 = 20.0;
/// NIST SP 800-63B rev. 4 asks 64 bits for saved recovery codes; below it we warn.
pub const RECOMMENDED_BITS: f64 = 64.0;
/// Longest code (in symbols) a format may describe; longer codes do not fit a sheet row.
pub const MAX_SYMBOLS: usize = 40;

/// The default format: 16 base32 symbols in groups of four (80 bits).
pub const DEFAULT_PATTERN: &str = "XXXX-XXXX-XXXX-XXXX";

/// The kind of symbol at one position of a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolClass {
    /// One of [`BASE32`] (pattern letter `X`).
    Base32,
    /// One of [`DIGITS`] (pattern letter `9`).
    Digit,
    /// One of [`HEX`] (pattern letter `F`).
    Hex,
    /// Any ASCII letter or digit, as some services issue (pattern letter `A`).
    /// Only for printing imported codes: generation never uses it.
    Alnum,
}

impl SymbolClass {
    /// The symbols a generated code may use, or `None` for classes only used to print.
    pub fn alphabet(self) -> Option<&'static [u8]> {
        match self {
            SymbolClass::Base32 => Some(BASE32),
            SymbolClass::Digit => Some(DIGITS),
            SymbolClass::Hex => Some(HEX),
            SymbolClass::Alnum => None,
        }
    }

    /// Entropy of one uniformly drawn symbol.
    pub fn bits(self) -> f64 {
        match self {
            SymbolClass::Base32 => 5.0,
            SymbolClass::Digit => 10f64.log2(),
            SymbolClass::Hex => 4.0,
            SymbolClass::Alnum => 62f64.log2(),
        }
    }

    /// Whether `c` (already normalised to upper case) belongs to the class.
    pub fn accepts(self, c: char) -> bool {
        match self {
            SymbolClass::Alnum => c.is_ascii_alphanumeric(),
            other => other
                .alphabet()
                .is_some_and(|a| c.is_ascii() && a.contains(&(c as u8))),
        }
    }

    fn pattern_letter(self) -> char {
        match self {
            SymbolClass::Base32 => 'X',
            SymbolClass::Digit => '9',
            SymbolClass::Hex => 'F',
            SymbolClass::Alnum => 'A',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Symbol(SymbolClass),
    Separator(char),
}

/// A readable pattern such as `XXXX-XXXX` or `9999 9999`: which symbol goes
/// where, and where the separators stand when a code is printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    items: Vec<Item>,
}

/// Why a format pattern was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum FormatError {
    Empty,
    UnknownLetter(char),
    MisplacedSeparator,
    TooLong(usize),
    TooWeak(f64),
    NotGeneratable,
}

impl Localized for FormatError {
    fn msg(&self) -> Msg {
        match self {
            FormatError::Empty => Msg::new("format_empty"),
            FormatError::UnknownLetter(c) => Msg::new("format_unknown_letter").with("letter", c),
            FormatError::MisplacedSeparator => Msg::new("format_misplaced_separator"),
            FormatError::TooLong(n) => Msg::new("format_too_long")
                .with("symbols", n)
                .with("max", MAX_SYMBOLS),
            FormatError::TooWeak(bits) => Msg::new("format_too_weak")
                .with("bits", format!("{bits:.1}"))
                .with("min", format!("{MIN_BITS:.0}"))
                .with("recommended", format!("{RECOMMENDED_BITS:.0}")),
            FormatError::NotGeneratable => Msg::new("format_not_generatable"),
        }
    }
}

english_display!(FormatError, GenerateError, SetIdError);

impl std::error::Error for FormatError {}

impl Format {
    /// Parses a pattern of `X` (base32), `9` (digit), `F` (hex) and `A` (any
    /// letter or digit), with single `-` or space separators between groups.
    pub fn parse(pattern: &str) -> Result<Format, FormatError> {
        let mut items = Vec::new();
        let mut last_was_separator = true;
        for c in pattern.chars() {
            let item = match c {
                'X' | 'x' => Item::Symbol(SymbolClass::Base32),
                '9' => Item::Symbol(SymbolClass::Digit),
                'F' | 'f' => Item::Symbol(SymbolClass::Hex),
                'A' | 'a' => Item::Symbol(SymbolClass::Alnum),
                '-' | ' ' => {
                    if last_was_separator {
                        return Err(
                            if items.is_empty() && c == ' ' && pattern.trim().is_empty() {
                                FormatError::Empty
                            } else {
                                FormatError::MisplacedSeparator
                            },
                        );
                    }
                    last_was_separator = true;
                    items.push(Item::Separator(c));
                    continue;
                }
                other => return Err(FormatError::UnknownLetter(other)),
            };
            last_was_separator = false;
            items.push(item);
        }
        if items.is_empty() {
            return Err(FormatError::Empty);
        }
        if last_was_separator {
            return Err(FormatError::MisplacedSeparator);
        }
        let format = Format { items };
        if format.len() > MAX_SYMBOLS {
            return Err(FormatError::TooLong(format.len()));
        }
        Ok(format)
    }

    /// Parses a pattern for generating codes: no `A`, and at least [`MIN_BITS`].
    pub fn parse_for_generation(pattern: &str) -> Result<Format, FormatError> {
        let format = Format::parse(pattern)?;
        if format.classes().any(|c| c.alphabet().is_none()) {
            return Err(FormatError::NotGeneratable);
        }
        if format.bits() < MIN_BITS {
            return Err(FormatError::TooWeak(format.bits()));
        }
        Ok(format)
    }

    /// A format of `len` symbols of one class, grouped every `group` symbols with `sep`.
    pub fn grouped(class: SymbolClass, len: usize, group: usize, sep: char) -> Format {
        let mut items = Vec::with_capacity(len + len / group.max(1));
        for i in 0..len {
            if i > 0 && group > 0 && i % group == 0 {
                items.push(Item::Separator(sep));
            }
            items.push(Item::Symbol(class));
        }
        Format { items }
    }

    fn classes(&self) -> impl Iterator<Item = SymbolClass> + '_ {
        self.items.iter().filter_map(|i| match i {
            Item::Symbol(c) => Some(*c),
            Item::Separator(_) => None,
        })
    }

    /// Number of symbols in a code (separators not counted).
    pub fn len(&self) -> usize {
        self.classes().count()
    }

    /// Always false: a parsed format has at least one symbol.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entropy of one code drawn uniformly in this format.
    pub fn bits(&self) -> f64 {
        self.classes().map(SymbolClass::bits).sum()
    }

    /// The pattern as a user would write it.
    pub fn pattern(&self) -> String {
        self.items
            .iter()
            .map(|i| match i {
                Item::Symbol(c) => c.pattern_letter(),
                Item::Separator(s) => *s,
            })
            .collect()
    }

    /// Whether a normalised code (no separators, upper case) fits this format.
    pub fn accepts(&self, canonical: &str) -> bool {
        canonical.chars().count() == self.len()
            && canonical
                .chars()
                .zip(self.classes())
                .all(|(c, class)| class.accepts(c))
    }

    /// The code with this format's separators put back, for printing.
    pub fn display(&self, code: &Code) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(self.items.len()));
        let mut symbols = code.expose().chars();
        for item in &self.items {
            match item {
                Item::Symbol(_) => match symbols.next() {
                    Some(c) => out.push(c),
                    None => break,
                },
                Item::Separator(s) => out.push(*s),
            }
        }
        // A code longer than its format (never produced here) still prints whole.
        out.extend(symbols);
        out
    }
}

/// Whether a set's codes may be used in any order: a property of the set
/// (X's must be used in the order obtained), printed on its sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UseOrder {
    /// Codes must be used in the order they were obtained (X): using a later
    /// one invalidates the earlier ones, so the sheet's numbering matters.
    InOrder,
    /// Any unused code works.
    AnyOrder,
}

/// One backup code in canonical form (no separators, upper case).
///
/// Deliberately neither `Debug` nor `Display`: a code reaches text only
/// through [`Code::expose`] where it is drawn on the sheet or hashed.
pub struct Code(Zeroizing<String>);

impl Code {
    /// Wraps an already-normalised code.
    pub fn from_canonical(canonical: String) -> Code {
        Code(Zeroizing::new(canonical))
    }

    /// The canonical symbols; call only where the code is printed or hashed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl PartialEq for Code {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

/// A set of distinct codes, numbered 1..=N in the order they were made or given.
pub struct CodeSet {
    format: Format,
    codes: Vec<Code>,
}

impl CodeSet {
    /// A set of codes given from outside (imported); the caller checked them.
    pub fn from_codes(format: Format, codes: Vec<Code>) -> CodeSet {
        CodeSet { format, codes }
    }

    pub fn format(&self) -> &Format {
        &self.format
    }

    pub fn codes(&self) -> &[Code] {
        &self.codes
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// Why a code set could not be generated.
#[derive(Debug, Clone, PartialEq)]
pub enum GenerateError {
    /// The format cannot hold `count` distinct codes without endless retries.
    TooFewDistinct { count: usize, bits: f64 },
}

impl Localized for GenerateError {
    fn msg(&self) -> Msg {
        match self {
            GenerateError::TooFewDistinct { count, bits } => Msg::new("generate_too_few_distinct")
                .with("bits", format!("{bits:.1}"))
                .with("count", count),
        }
    }
}

impl std::error::Error for GenerateError {}

/// Draws one symbol uniformly from `alphabet` by rejection sampling: bytes at
/// or above the largest multiple of the alphabet size are thrown away, so no
/// symbol is favoured (no modulo bias).
pub fn uniform_symbol<R: CryptoRng + ?Sized>(rng: &mut R, alphabet: &[u8]) -> u8 {
    debug_assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    let n = alphabet.len() as u32;
    let limit = 256 - (256 % n);
    loop {
        let mut byte = [0u8; 1];
        rng.fill_bytes(&mut byte);
        let v = u32::from(byte[0]);
        if v < limit {
            return alphabet[(v % n) as usize];
        }
    }
}

/// Draws one code in `format`.
pub fn generate_code<R: CryptoRng + ?Sized>(rng: &mut R, format: &Format) -> Code {
    let mut s = String::with_capacity(format.len());
    for class in format.classes() {
        let alphabet = class.alphabet().unwrap_or(BASE32);
        s.push(char::from(uniform_symbol(rng, alphabet)));
    }
    Code::from_canonical(s)
}

/// Generates `count` distinct codes in `format`.
pub fn generate_set<R: CryptoRng + ?Sized>(
    rng: &mut R,
    format: &Format,
    count: usize,
) -> Result<CodeSet, GenerateError> {
    // Refuse when duplicates would be likely enough to loop for long: ask the
    // space to be at least 4x the count (formats that pass MIN_BITS always are).
    if format.bits() < (count as f64 * 4.0).log2() {
        return Err(GenerateError::TooFewDistinct {
            count,
            bits: format.bits(),
        });
    }
    // Sets are small (at most a few hundred codes), so a linear scan keeps no
    // second copy of any code around.
    let mut codes: Vec<Code> = Vec::with_capacity(count);
    while codes.len() < count {
        let code = generate_code(rng, format);
        if !codes.iter().any(|c| c == &code) {
            codes.push(code);
        }
    }
    Ok(CodeSet {
        format: format.clone(),
        codes,
    })
}

/// A set ID: 8 base32 symbols (40 bits), printed as `XXXX-XXXX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SetId(String);

/// Why a typed set ID was refused.
///
/// A set ID is no secret, but what was typed may not be one: a backup code
/// pasted into `check` by mistake must not come back on the screen. Input
/// that holds a run of four letters or digits ([`typed::could_hold_code`])
/// is described, not shown; anything shorter is quoted, so a slip such as
/// `7K2` can be seen.
#[derive(Debug, Clone, PartialEq)]
pub enum SetIdError {
    /// Input that cannot hold a code, quoted as typed.
    Shown(String),
    /// `found` symbols where a set ID has [`SetId::LEN`].
    Length { found: usize },
    /// A character no set ID has, at `position` among the symbols.
    Symbol { position: usize, kind: Kind },
}

impl Localized for SetIdError {
    fn msg(&self) -> Msg {
        match self {
            SetIdError::Shown(input) => Msg::new("set_id_invalid").with("input", input),
            SetIdError::Length { found } => Msg::new("set_id_wrong_length").with("found", found),
            SetIdError::Symbol { position, kind } => Msg::new("set_id_wrong_symbol")
                .with_msg("kind", kind.msg())
                .with("position", position),
        }
    }
}

impl std::error::Error for SetIdError {}

impl SetId {
    pub const LEN: usize = 8;

    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> SetId {
        SetId(
            (0..Self::LEN)
                .map(|_| char::from(uniform_symbol(rng, BASE32)))
                .collect(),
        )
    }

    /// Parses a typed set ID, read as a code from a sheet is ([`typed::sheet_code`]):
    /// case, hyphens, spaces, invisible characters, full width and O/I/L forgiven.
    pub fn parse(input: &str) -> Result<SetId, SetIdError> {
        let canonical = typed::sheet_code(input);
        if canonical.chars().count() == Self::LEN
            && canonical.chars().all(|c| SymbolClass::Base32.accepts(c))
        {
            return Ok(SetId(canonical.to_string()));
        }
        if !typed::could_hold_code(input) {
            return Err(SetIdError::Shown(input.trim().to_owned()));
        }
        let found = canonical.chars().count();
        if found != Self::LEN {
            return Err(SetIdError::Length { found });
        }
        // The first symbol that fails, named by its kind as typed (not folded).
        let symbols = typed::symbols(input).zip(canonical.chars());
        match symbols
            .map(|((position, typed), folded)| (position, typed, folded))
            .find(|&(_, _, folded)| !SymbolClass::Base32.accepts(folded))
        {
            Some((position, typed, _)) => Err(SetIdError::Symbol {
                position,
                kind: Kind::of(typed),
            }),
            None => Err(SetIdError::Length { found }),
        }
    }

    /// Canonical form, as stored in the ledger.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SetId {
    /// Printed form, `XXXX-XXXX`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", &self.0[..4], &self.0[4..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use std::collections::HashSet;

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    #[test]
    fn base32_has_no_confusable_letters() {
        for c in [b'I', b'L', b'O', b'U'] {
            assert!(!BASE32.contains(&c));
        }
        let unique: HashSet<u8> = BASE32.iter().copied().collect();
        assert_eq!(unique.len(), 32);
    }

    #[test]
    fn default_format_is_80_bits_in_groups_of_four() {
        let f = Format::parse_for_generation(DEFAULT_PATTERN).unwrap();
        assert_eq!(f.len(), 16);
        assert_eq!(f.bits(), 80.0);
        let set = generate_set(&mut rng(), &f, 10).unwrap();
        let shown = f.display(&set.codes()[0]);
        assert_eq!(shown.len(), 19);
        assert_eq!(
            shown.split('-').map(str::len).collect::<Vec<_>>(),
            [4, 4, 4, 4]
        );
    }

    #[test]
    fn digits_entropy_arithmetic() {
        let f = Format::parse("9999 9999").unwrap();
        assert!((f.bits() - 26.575).abs() < 0.01, "{}", f.bits());
        assert_eq!(f.pattern(), "9999 9999");
    }

    #[test]
    fn format_errors() {
        assert_eq!(Format::parse(""), Err(FormatError::Empty));
        assert_eq!(Format::parse("   "), Err(FormatError::Empty));
        assert_eq!(Format::parse("XXZX"), Err(FormatError::UnknownLetter('Z')));
        assert_eq!(Format::parse("-XXXX"), Err(FormatError::MisplacedSeparator));
        assert_eq!(Format::parse("XXXX-"), Err(FormatError::MisplacedSeparator));
        assert_eq!(
            Format::parse("XX--XX"),
            Err(FormatError::MisplacedSeparator)
        );
        assert!(matches!(
            Format::parse(&"X".repeat(41)),
            Err(FormatError::TooLong(41))
        ));
        assert!(matches!(
            Format::parse_for_generation("999999"),
            Err(FormatError::TooWeak(_))
        ));
        assert_eq!(
            Format::parse_for_generation("AAAAAAAA"),
            Err(FormatError::NotGeneratable)
        );
        // 20 bits exactly is allowed (four base32 symbols).
        assert!(Format::parse_for_generation("XXXX").is_ok());
    }

    #[test]
    fn codes_have_length_alphabet_and_are_distinct() {
        let f = Format::parse_for_generation("XXXX").unwrap();
        let set = generate_set(&mut rng(), &f, 1000).unwrap();
        let unique: HashSet<&str> = set.codes().iter().map(Code::expose).collect();
        assert_eq!(unique.len(), 1000);
        for code in set.codes() {
            assert!(f.accepts(code.expose()));
        }
        let digits = Format::parse_for_generation("999999999").unwrap();
        let set = generate_set(&mut rng(), &digits, 10).unwrap();
        assert!(
            set.codes()
                .iter()
                .all(|c| c.expose().bytes().all(|b| b.is_ascii_digit()))
        );
    }

    #[test]
    fn refuses_more_codes_than_the_space_supports() {
        let f = Format::parse("XX").unwrap();
        assert!(generate_set(&mut rng(), &f, 1000).is_err());
    }

    /// Chi-square per position over 64,000 codes. With 31 degrees of freedom
    /// the 99.9999th percentile is about 80; a biased generator (for example
    /// `byte % 32` on a 0..=255 range that is not a multiple) lands far above.
    /// The RNG is seeded, so the result is the same on every run.
    #[test]
    fn symbols_are_uniform_per_position() {
        let f = Format::parse("XXXX").unwrap();
        let n = 64_000;
        let mut counts = vec![[0u32; 32]; 4];
        let mut r = rng();
        for _ in 0..n {
            let code = generate_code(&mut r, &f);
            for (pos, b) in code.expose().bytes().enumerate() {
                let idx = BASE32.iter().position(|&a| a == b).unwrap();
                counts[pos][idx] += 1;
            }
        }
        let expected = n as f64 / 32.0;
        for (pos, row) in counts.iter().enumerate() {
            let chi: f64 = row
                .iter()
                .map(|&o| (o as f64 - expected).powi(2) / expected)
                .sum();
            assert!(chi < 80.0, "position {pos}: chi-square {chi:.1}");
        }
    }

    #[test]
    fn digits_are_uniform_too() {
        // 10 does not divide 256: this is where modulo bias would show.
        let n = 50_000;
        let mut counts = [0u32; 10];
        let mut r = rng();
        for _ in 0..n {
            counts[(uniform_symbol(&mut r, DIGITS) - b'0') as usize] += 1;
        }
        let expected = n as f64 / 10.0;
        let chi: f64 = counts
            .iter()
            .map(|&o| (o as f64 - expected).powi(2) / expected)
            .sum();
        // 9 degrees of freedom: 99.9999th percentile is about 42.
        assert!(chi < 42.0, "chi-square {chi:.1}: {counts:?}");
    }

    #[test]
    fn set_id_round_trip() {
        let id = SetId::generate(&mut rng());
        let printed = id.to_string();
        assert_eq!(printed.len(), 9);
        assert_eq!(SetId::parse(&printed.to_lowercase()).unwrap(), id);
        assert!(SetId::parse("ABC").is_err());
        assert!(SetId::parse("UUUU-UUUU").is_err());
    }

    /// What was typed comes back only when it cannot be a code or part of
    /// one; otherwise its length or the kind of a wrong character is said.
    #[test]
    fn a_typed_set_id_that_could_be_a_code_is_described_not_shown() {
        let err = |typed: &str| SetId::parse(typed).err().unwrap();
        assert_eq!(err("ABC"), SetIdError::Shown("ABC".into()));
        assert_eq!(err(" 7K-2! "), SetIdError::Shown("7K-2!".into()));
        assert_eq!(err(""), SetIdError::Shown(String::new()));
        assert_eq!(err("7K2Q-M9X"), SetIdError::Length { found: 7 });
        assert_eq!(
            err("UUUU-UUUU"),
            SetIdError::Symbol {
                position: 1,
                kind: Kind::Letter
            }
        );
        assert_eq!(
            err("7K2Q-M9X!"),
            SetIdError::Symbol {
                position: 8,
                kind: Kind::Mark('!')
            }
        );
        // A default-format code and a GitHub code pasted by mistake.
        for code in ["7K2Q-M9XA-P4RT-H6WN", "abcde-12345"] {
            let e = err(code);
            assert!(matches!(e, SetIdError::Length { .. }), "{e:?}");
            let text = e.to_string();
            assert!(
                !text.contains("7K2Q-M9XA-") && !text.contains("abcd"),
                "{text}"
            );
        }
        assert_eq!(
            err("7K2Q-M9X").to_string(),
            "what was typed is not a set ID (not shown: it may be a backup code): it has 7 characters, and a set ID has 8, printed like 7K2Q-M9XA"
        );
    }
}
