//! The sheet's QR mark: a compact, versioned payload that names a sheet (never a code, never the account) and its QR symbol.
//!
//! Payload version 2 (written since issue 13), all in the QR alphanumeric set:
//!
//! ```text
//! RS2/7K2QM9XA/3/20261122/K
//! tag set-id   gen date   check
//! ```
//!
//! Version 1 (`recovery-sheet/1\nset=..\ngen=..\nissued=..\naccount=..`) is
//! still read, so sheets printed before stay checkable. See docs/qr-payload.md.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use qrcode::bits::Bits;
use qrcode::{EcLevel, QrCode, Version};

use crate::codes::{BASE32, SetId};
use crate::messages::{Localized, Msg, english_display};

/// Scheme tag of version 2: "RS" (recovery sheet) and the payload version.
pub const TAG: &str = "RS2";
/// First line of a version 1 payload.
pub const LEGACY_MAGIC: &str = "recovery-sheet/1";
/// Field separator of version 2.
pub const SEPARATOR: char = '/';
/// The longest version 2 payload: generation 4294967295.
pub const MAX_LEN: usize = 34;

/// Every mark is drawn as this symbol: 29x29 modules whatever the generation,
/// so the sheet's layout never depends on the payload.
pub const QR_VERSION: Version = Version::Normal(3);
/// Level H (30% of codewords recoverable) still holds [`MAX_LEN`]
/// alphanumeric characters in version 3 (capacity 35), so it costs nothing.
pub const QR_EC_LEVEL: EcLevel = EcLevel::H;

/// ISO/IEC 7064 MOD 37-2 check characters.
const CHECK_ALPHABET: &[u8; 37] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*";

/// What a sheet's QR says about the sheet. No field can hold a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetMark {
    pub set_id: SetId,
    pub generation: u32,
    /// The issue date printed on the sheet (the local date of issue).
    pub issued_on: NaiveDate,
    /// Fields only a version 1 payload carried; `None` for version 2.
    pub legacy: Option<LegacyFields>,
}

/// What a version 1 payload held beyond version 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyFields {
    pub issued_at: DateTime<FixedOffset>,
    pub account: String,
}

/// Why a decoded QR text is not a usable mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkError {
    /// Not a recovery-sheet payload at all (another QR in the photo).
    NotOurs,
    /// A recovery-sheet payload of a version this build does not know.
    UnsupportedVersion(String),
    /// Ours, but a field is missing or out of form; names the field.
    Malformed(&'static str),
    /// Well formed, but the check character does not match: misread or damaged.
    BadCheck,
}

impl Localized for MarkError {
    fn msg(&self) -> Msg {
        match self {
            MarkError::NotOurs => Msg::new("mark_not_ours"),
            MarkError::UnsupportedVersion(v) => Msg::new("mark_newer").with("version", v),
            MarkError::Malformed(field) => Msg::new("mark_bad_field").with("field", field),
            MarkError::BadCheck => Msg::new("mark_bad_check"),
        }
    }
}

english_display!(MarkError);

impl std::error::Error for MarkError {}

impl SheetMark {
    /// A mark for a new sheet (always written as version 2).
    pub fn new(set_id: SetId, generation: u32, issued_on: NaiveDate) -> SheetMark {
        SheetMark {
            set_id,
            generation,
            issued_on,
            legacy: None,
        }
    }

    /// The version 2 text encoded in the QR, at most [`MAX_LEN`] characters
    /// for years 1000-9999.
    pub fn payload(&self) -> String {
        let d = self.issued_on;
        let body = format!(
            "{TAG}{SEPARATOR}{}{SEPARATOR}{}{SEPARATOR}{:04}{:02}{:02}",
            self.set_id.as_str(),
            self.generation,
            d.year(),
            d.month(),
            d.day()
        );
        // Every character of `body` is a digit or an upper-case letter, or the separator.
        let check = check_char(body.chars().filter(|c| *c != SEPARATOR)).unwrap_or('*');
        format!("{body}{SEPARATOR}{check}")
    }

    /// What the QR said, for `check -v`: shown, never trusted (the verdict
    /// takes the account, generation and status from the ledger).
    pub fn said(&self) -> Msg {
        let issued = self.issued_on.format("%Y-%m-%d");
        let msg = match &self.legacy {
            None => Msg::new("detail_qr"),
            Some(legacy) => Msg::new("detail_qr_v1").with("account", &legacy.account),
        };
        msg.with("set_id", &self.set_id)
            .with("generation", self.generation)
            .with("issued", issued)
    }

    /// Reads a version 2 or version 1 payload.
    pub fn parse(text: &str) -> Result<SheetMark, MarkError> {
        if text.starts_with("recovery-sheet/") {
            return parse_v1(text);
        }
        let tag = text.split(SEPARATOR).next().unwrap_or_default();
        match tag.strip_prefix("RS") {
            Some("2") => parse_v2(text),
            Some(v) if is_later_version(v) => Err(MarkError::UnsupportedVersion(v.to_owned())),
            _ => Err(MarkError::NotOurs),
        }
    }
}

/// `3`, `10`, ...: a version number this build does not know yet.
fn is_later_version(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 3
        && v.bytes().all(|b| b.is_ascii_digit())
        && !v.starts_with('0')
        && v.parse::<u16>().is_ok_and(|n| n > 2)
}

fn parse_v2(text: &str) -> Result<SheetMark, MarkError> {
    let fields: Vec<&str> = text.split(SEPARATOR).collect();
    let [_tag, set, generation, date, check] = fields[..] else {
        return Err(MarkError::Malformed("layout"));
    };
    // The check comes first: a misread symbol is reported as a misread, not
    // as whichever field it happened to land in.
    let mut checked = String::with_capacity(MAX_LEN);
    for (name, value) in [
        ("tag", TAG),
        ("set", set),
        ("gen", generation),
        ("issued", date),
    ] {
        if !value
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return Err(MarkError::Malformed(name));
        }
        checked.push_str(value);
    }
    let [found] = check.as_bytes() else {
        return Err(MarkError::Malformed("check"));
    };
    if !CHECK_ALPHABET.contains(found) {
        return Err(MarkError::Malformed("check"));
    }
    if check_char(checked.chars()) != Some(char::from(*found)) {
        return Err(MarkError::BadCheck);
    }

    if set.len() != SetId::LEN || !set.bytes().all(|b| BASE32.contains(&b)) {
        return Err(MarkError::Malformed("set"));
    }
    let set_id = SetId::parse(set).map_err(|_| MarkError::Malformed("set"))?;
    let generation = parse_canonical_u32(generation).ok_or(MarkError::Malformed("gen"))?;
    let issued_on = parse_date(date).ok_or(MarkError::Malformed("issued"))?;
    Ok(SheetMark::new(set_id, generation, issued_on))
}

/// A decimal u32 written exactly as `to_string` writes it (no sign, no
/// leading zero), so every value has one spelling and the check covers it.
fn parse_canonical_u32(s: &str) -> Option<u32> {
    let n: u32 = s.parse().ok()?;
    (s.bytes().all(|b| b.is_ascii_digit()) && n.to_string() == s).then_some(n)
}

/// `YYYYMMDD`, a real calendar date.
fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = s[0..4].parse().ok()?;
    let month = s[4..6].parse().ok()?;
    let day = s[6..8].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// ISO/IEC 7064 MOD 37-2 over digits and upper-case letters (values 0-35):
/// detects every single substitution and every adjacent transposition.
/// `None` when a character is outside 0-9 A-Z.
fn check_char(chars: impl Iterator<Item = char>) -> Option<char> {
    let mut p: u32 = 0;
    for c in chars {
        let value = c.to_digit(36)?;
        if c.is_ascii_lowercase() {
            return None;
        }
        p = ((p + value) * 2) % 37;
    }
    let check = (38 - p) % 37;
    CHECK_ALPHABET.get(check as usize).map(|b| char::from(*b))
}

/// Version 1: `key=value` lines after the magic line; account last.
fn parse_v1(text: &str) -> Result<SheetMark, MarkError> {
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or_default();
    if first != LEGACY_MAGIC {
        return Err(match first.strip_prefix("recovery-sheet/") {
            Some(v) => MarkError::UnsupportedVersion(v.to_owned()),
            None => MarkError::NotOurs,
        });
    }
    let (mut set, mut generation, mut issued, mut account) = (None, None, None, None);
    for line in lines {
        match line.split_once('=') {
            Some(("set", v)) => {
                set = Some(SetId::parse(v).map_err(|_| MarkError::Malformed("set"))?)
            }
            Some(("gen", v)) => {
                generation = Some(v.parse().map_err(|_| MarkError::Malformed("gen"))?)
            }
            Some(("issued", v)) => {
                issued = Some(
                    DateTime::parse_from_rfc3339(v).map_err(|_| MarkError::Malformed("issued"))?,
                )
            }
            Some(("account", v)) => account = Some(v.to_owned()),
            // Version 1 readers skipped unknown fields; so do we.
            _ => {}
        }
    }
    let issued_at: DateTime<FixedOffset> = issued.ok_or(MarkError::Malformed("issued"))?;
    Ok(SheetMark {
        set_id: set.ok_or(MarkError::Malformed("set"))?,
        generation: generation.ok_or(MarkError::Malformed("gen"))?,
        issued_on: issued_at.date_naive(),
        legacy: Some(LegacyFields {
            issued_at,
            account: account.ok_or(MarkError::Malformed("account"))?,
        }),
    })
}

/// A QR symbol as a square of modules, dark = true, without quiet zone.
#[derive(Debug, Clone)]
pub struct QrMatrix {
    pub width: usize,
    pub dark: Vec<bool>,
}

impl QrMatrix {
    /// The mark's symbol: one alphanumeric segment, version [`QR_VERSION`],
    /// level [`QR_EC_LEVEL`].
    pub fn for_mark(mark: &SheetMark) -> Result<QrMatrix, qrcode::types::QrError> {
        Self::alphanumeric(&mark.payload(), QR_VERSION, QR_EC_LEVEL)
    }

    /// `text` (QR alphanumeric characters only) as one segment in a fixed version.
    pub fn alphanumeric(
        text: &str,
        version: Version,
        ec: EcLevel,
    ) -> Result<QrMatrix, qrcode::types::QrError> {
        let mut bits = Bits::new(version);
        bits.push_alphanumeric_data(text.as_bytes())?;
        bits.push_terminator(ec)?;
        Ok(Self::from_code(&QrCode::with_bits(bits, ec)?))
    }

    /// `text` in the smallest symbol at `ec`, segments chosen by the encoder
    /// (how version 1 marks were drawn, at level M): for tests of old sheets.
    #[cfg(test)]
    pub fn auto(text: &str, ec: EcLevel) -> Result<QrMatrix, qrcode::types::QrError> {
        Ok(Self::from_code(&QrCode::with_error_correction_level(
            text.as_bytes(),
            ec,
        )?))
    }

    fn from_code(code: &QrCode) -> QrMatrix {
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        QrMatrix {
            width: code.width(),
            dark,
        }
    }

    /// Whether the module at (`row`, `col`) is dark.
    pub fn is_dark(&self, row: usize, col: usize) -> bool {
        row < self.width && col < self.width && self.dark[row * self.width + col]
    }

    /// Horizontal runs of dark modules as `(row, first column, length)`, so a
    /// row is drawn with a few rectangles rather than one per module.
    pub fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for row in 0..self.width {
            let mut col = 0;
            while col < self.width {
                if self.is_dark(row, col) {
                    let start = col;
                    while self.is_dark(row, col) {
                        col += 1;
                    }
                    runs.push((row, start, col - start));
                } else {
                    col += 1;
                }
            }
        }
        runs
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn mark(generation: u32) -> SheetMark {
        SheetMark::new(
            SetId::parse("7K2Q-M9XA").unwrap(),
            generation,
            date(2026, 11, 22),
        )
    }

    /// Every character a QR alphanumeric segment can hold.
    const QR_ALNUM: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    #[test]
    fn payload_reads_as_documented() {
        let p = mark(3).payload();
        assert!(p.starts_with("RS2/7K2QM9XA/3/20261122/"), "{p}");
        assert_eq!(p.len(), 25);
    }

    #[test]
    fn round_trips_over_generations_and_dates() {
        for generation in [0, 1, 2, 9, 10, 99, 1000, 65_535, u32::MAX - 1, u32::MAX] {
            for d in [
                date(1000, 1, 1),
                date(2024, 2, 29),
                date(2026, 12, 31),
                date(9999, 12, 31),
            ] {
                let m = SheetMark::new(SetId::parse("ZZZZ0000").unwrap(), generation, d);
                assert_eq!(SheetMark::parse(&m.payload()), Ok(m.clone()));
            }
        }
    }

    #[test]
    fn longest_payload_fits_version_3_at_level_h() {
        let p = mark(u32::MAX).payload();
        assert_eq!(p.len(), MAX_LEN);
        assert!(p.chars().all(|c| QR_ALNUM.contains(c)));
        let q = QrMatrix::for_mark(&mark(u32::MAX)).unwrap();
        assert_eq!(q.width, 29);
        // One more character would not: the margin is known, not guessed.
        let longer = format!("{p}0");
        assert!(QrMatrix::alphanumeric(&longer, QR_VERSION, EcLevel::H).is_ok());
        let longer = format!("{p}00");
        assert!(QrMatrix::alphanumeric(&longer, QR_VERSION, EcLevel::H).is_err());
    }

    #[test]
    fn check_char_catches_every_single_symbol_change() {
        for generation in [1, 42, u32::MAX] {
            let original = mark(generation).payload();
            let chars: Vec<char> = original.chars().collect();
            for i in 0..chars.len() {
                for c in QR_ALNUM.chars().filter(|c| *c != chars[i]) {
                    let mut changed = chars.clone();
                    changed[i] = c;
                    let changed: String = changed.into_iter().collect();
                    assert!(
                        SheetMark::parse(&changed).is_err(),
                        "{changed} was accepted (from {original})"
                    );
                }
            }
        }
    }

    #[test]
    fn check_char_catches_adjacent_swaps_in_the_fields() {
        let original = mark(1234).payload();
        let chars: Vec<char> = original.chars().collect();
        for i in 0..chars.len() - 1 {
            if chars[i] == chars[i + 1] {
                continue;
            }
            let mut swapped = chars.clone();
            swapped.swap(i, i + 1);
            let swapped: String = swapped.into_iter().collect();
            assert!(SheetMark::parse(&swapped).is_err(), "{swapped}");
        }
    }

    #[test]
    fn a_changed_field_with_a_stale_check_is_a_misread() {
        let p = mark(3).payload().replace("/3/", "/4/");
        assert_eq!(SheetMark::parse(&p), Err(MarkError::BadCheck));
    }

    /// A payload with a correct check character, for testing field refusals.
    fn signed(body: &str) -> String {
        let check = check_char(body.chars().filter(|c| *c != SEPARATOR)).unwrap();
        format!("{body}/{check}")
    }

    #[test]
    fn refuses_fields_out_of_form_even_when_the_check_matches() {
        let cases = [
            ("RS2/7K2QM9XU/3/20261122", "set"),  // U is not base32
            ("RS2/7K2QM9X/3/20261122", "set"),   // 7 symbols
            ("RS2/7K2QM9XAB/3/20261122", "set"), // 9 symbols
            ("RS2/7K2QM9XA/03/20261122", "gen"), // leading zero
            ("RS2/7K2QM9XA//20261122", "gen"),
            ("RS2/7K2QM9XA/4294967296/20261122", "gen"), // u32 overflow
            ("RS2/7K2QM9XA/3/20260230", "issued"),       // 30 February
            ("RS2/7K2QM9XA/3/2026112", "issued"),
            ("RS2/7K2QM9XA/3/261122", "issued"),
        ];
        for (body, field) in cases {
            assert_eq!(
                SheetMark::parse(&signed(body)),
                Err(MarkError::Malformed(field)),
                "{body}"
            );
        }
        for bad in [
            "RS2/7K2QM9XA/3/20261122",
            "RS2/7K2QM9XA/3/20261122/",
            "RS2/7K2QM9XA/3/20261122/KK",
            "RS2/7K2QM9XA/3/20261122/K/",
            "RS2/7K2QM9XA/3/20261122/-",
        ] {
            assert!(
                matches!(SheetMark::parse(bad), Err(MarkError::Malformed(_))),
                "{bad}"
            );
        }
        assert_eq!(
            SheetMark::parse("RS2/7k2qm9xa/3/20261122/K"),
            Err(MarkError::Malformed("set"))
        );
    }

    #[test]
    fn foreign_and_newer_payloads_are_told_apart() {
        for foreign in [
            "",
            "https://example.com",
            "RS/7K2QM9XA",
            "RS1/7K2QM9XA/3/20261122/K",
            "RS02/7K2QM9XA",
            "RS232 cable",
            "WIFI:S:x;;",
        ] {
            assert_eq!(
                SheetMark::parse(foreign),
                Err(MarkError::NotOurs),
                "{foreign:?}"
            );
        }
        assert_eq!(
            SheetMark::parse("RS3/ANYTHING"),
            Err(MarkError::UnsupportedVersion("3".into()))
        );
        assert!(matches!(
            SheetMark::parse("recovery-sheet/9\nset=x"),
            Err(MarkError::UnsupportedVersion(_))
        ));
    }

    #[test]
    fn version_1_payloads_still_parse() {
        let v1 = "recovery-sheet/1\nset=7K2QM9XA\ngen=3\nissued=2026-11-22T14:31:05+09:00\naccount=shop@example.com";
        let m = SheetMark::parse(v1).unwrap();
        assert_eq!(m.set_id.as_str(), "7K2QM9XA");
        assert_eq!(m.generation, 3);
        assert_eq!(m.issued_on, date(2026, 11, 22));
        let legacy = m.legacy.unwrap();
        assert_eq!(legacy.account, "shop@example.com");
        assert_eq!(legacy.issued_at.to_rfc3339(), "2026-11-22T14:31:05+09:00");

        // The date on a version 1 sheet is the local date of its timestamp.
        let late =
            "recovery-sheet/1\nset=7K2QM9XA\ngen=1\nissued=2026-11-22T23:59:00-05:00\naccount=a";
        assert_eq!(
            SheetMark::parse(late).unwrap().issued_on,
            date(2026, 11, 22)
        );

        assert_eq!(
            SheetMark::parse("recovery-sheet/1\nset=7K2QM9XA\ngen=x"),
            Err(MarkError::Malformed("gen"))
        );
        assert_eq!(
            SheetMark::parse(
                "recovery-sheet/1\nset=7K2QM9XA\ngen=1\nissued=2026-11-22T14:31:05+09:00"
            ),
            Err(MarkError::Malformed("account"))
        );
    }

    #[test]
    fn runs_cover_every_dark_module() {
        let q = QrMatrix::for_mark(&mark(3)).unwrap();
        let dark = q.dark.iter().filter(|d| **d).count();
        let in_runs: usize = q.dark_runs().iter().map(|r| r.2).sum();
        assert_eq!(dark, in_runs);
    }

    #[test]
    fn check_matches_iso_7064_mod_37_2_reference() {
        // Values agreed by python-stdnum's `iso7064.mod_37_2.calc_check_digit`
        // (the second is an ISBT 128 donation number).
        assert_eq!(check_char("G123489654321".chars()), Some('Y'));
        assert_eq!(check_char("A999914123458".chars()), Some('J'));
        assert_eq!(check_char("RS27K2QM9XA320261122".chars()), Some('D'));
        assert_eq!(check_char("a".chars()), None);
    }
}
