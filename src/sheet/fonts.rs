//! The fonts the binary embeds: parsing, text widths for layout, and glyph coverage.

use std::sync::Arc;

use printpdf::ParsedFont;
use printpdf::font::AzulParsedFont;

/// IPAexGothic: Japanese and Latin text (IPA Font Licence 1.0, see fonts/).
const TEXT_FONT: &[u8] = include_bytes!("../../fonts/ipaexg.ttf");
/// JetBrains Mono Bold: codes and IDs; dotted zero, distinct 1/l/I and 8/B (OFL 1.1).
const MONO_FONT: &[u8] = include_bytes!("../../fonts/JetBrainsMono-Bold.ttf");

/// Which face a piece of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Face {
    /// Proportional text, Japanese and Latin.
    Text,
    /// Monospace for codes and set IDs.
    Mono,
}

impl Face {
    pub fn name(self) -> &'static str {
        match self {
            Face::Text => "IPAexGothic",
            Face::Mono => "JetBrains Mono",
        }
    }
}

/// Text widths, in millimetres, for the layout.
pub trait Measure {
    fn width_mm(&self, face: Face, size_pt: f64, text: &str) -> f64;
}

/// A character the embedded fonts cannot draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyph {
    pub ch: char,
    pub face: Face,
}

/// Both embedded faces, parsed once per process (a batch reuses them).
pub struct Fonts {
    text: Face_,
    mono: Face_,
}

/// One parsed face and a fast character-to-glyph table.
///
/// The fonts' own lookup scans IPAexGothic's ~12,000 format-12 cmap groups
/// linearly for every character, which made that lookup most of the time a
/// sheet took; [`Cmap`] binary-searches the same groups.
struct Face_ {
    font: ParsedFont,
    cmap: Cmap,
    units_per_em: f64,
}

/// Sorted `(first char, last char, first glyph)` runs of a format-12 cmap.
struct Cmap {
    groups: Vec<(u32, u32, u32)>,
}

impl Cmap {
    /// Reads the Windows Unicode full-repertoire (3, 10) format-12 subtable
    /// straight from the font file. Empty when the font has none; lookups
    /// then fall back to the parser's own.
    fn of(font: &[u8]) -> Cmap {
        let groups = Self::format12(font).unwrap_or_default();
        Cmap { groups }
    }

    fn format12(font: &[u8]) -> Option<Vec<(u32, u32, u32)>> {
        let u16_at = |o: usize| Some(u16::from_be_bytes(font.get(o..o + 2)?.try_into().ok()?));
        let u32_at = |o: usize| Some(u32::from_be_bytes(font.get(o..o + 4)?.try_into().ok()?));
        let tables = usize::from(u16_at(4)?);
        let cmap = (0..tables)
            .map(|i| 12 + 16 * i)
            .find(|&rec| font.get(rec..rec + 4) == Some(b"cmap"))
            .and_then(|rec| u32_at(rec + 8))? as usize;
        let records = usize::from(u16_at(cmap + 2)?);
        let sub = (0..records).find_map(|i| {
            let rec = cmap + 4 + 8 * i;
            let (platform, encoding) = (u16_at(rec)?, u16_at(rec + 2)?);
            let offset = cmap + u32_at(rec + 4)? as usize;
            (platform == 3 && encoding == 10 && u16_at(offset)? == 12).then_some(offset)
        })?;
        let count = u32_at(sub + 12)? as usize;
        let mut groups = Vec::with_capacity(count);
        for i in 0..count {
            let g = sub + 16 + 12 * i;
            groups.push((u32_at(g)?, u32_at(g + 4)?, u32_at(g + 8)?));
        }
        groups.sort_unstable();
        Some(groups)
    }

    fn lookup(&self, c: u32) -> Option<Option<u16>> {
        if self.groups.is_empty() {
            return None;
        }
        let i = self.groups.partition_point(|&(_, end, _)| end < c);
        Some(match self.groups.get(i) {
            Some(&(start, _, glyph)) if start <= c => u16::try_from(glyph + (c - start)).ok(),
            _ => None,
        })
    }
}

const PT_PER_MM: f64 = 72.0 / 25.4;

impl Face_ {
    fn parse(bytes: &'static [u8], name: &str) -> Face_ {
        // The font files are part of the binary and checked by tests, so a
        // parse failure is a build defect, not a user error. The shared
        // constructor defers reading the glyph outlines until subsetting
        // needs the few a sheet uses.
        let shared = Arc::new(rust_fontconfig::FontBytes::Owned(Arc::from(bytes)));
        let inner = AzulParsedFont::from_bytes_shared(shared, 0, &mut Vec::new())
            .unwrap_or_else(|| panic!("embedded font {name} does not parse"));
        let cmap = Cmap::of(bytes);
        let units_per_em = f64::from(inner.font_metrics.units_per_em.max(1));
        Face_ {
            font: ParsedFont::from_azul(inner),
            cmap,
            units_per_em,
        }
    }

    fn glyph(&self, c: char) -> Option<u16> {
        let gid = match self.cmap.lookup(c as u32) {
            Some(found) => found,
            None => self.font.lookup_glyph_index(c as u32),
        };
        gid.filter(|&g| g != 0)
    }
}

impl Fonts {
    /// Parses the embedded fonts.
    pub fn load() -> Fonts {
        Fonts {
            text: Face_::parse(TEXT_FONT, Face::Text.name()),
            mono: Face_::parse(MONO_FONT, Face::Mono.name()),
        }
    }

    fn face(&self, face: Face) -> &Face_ {
        match face {
            Face::Text => &self.text,
            Face::Mono => &self.mono,
        }
    }

    pub fn parsed(&self, face: Face) -> &ParsedFont {
        &self.face(face).font
    }

    /// The glyph for `c` in `face`, if the face has one.
    pub fn glyph(&self, face: Face, c: char) -> Option<u16> {
        self.face(face).glyph(c)
    }

    /// The first character of `text` that `face` has no glyph for.
    pub fn first_missing(&self, face: Face, text: &str) -> Option<MissingGlyph> {
        text.chars()
            .filter(|c| !c.is_whitespace() || *c == '\u{3000}')
            .find(|c| self.glyph(face, *c).is_none())
            .map(|ch| MissingGlyph { ch, face })
    }
}

impl Measure for Fonts {
    fn width_mm(&self, face: Face, size_pt: f64, text: &str) -> f64 {
        let f = self.face(face);
        let units: f64 = text
            .chars()
            .map(|c| f64::from(f.font.get_horizontal_advance(f.glyph(c).unwrap_or(0))))
            .sum();
        units / f.units_per_em * size_pt / PT_PER_MM
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_cover_latin_and_japanese() {
        let fonts = Fonts::load();
        assert_eq!(
            fonts.first_missing(Face::Text, "Account アカウント 保管場所"),
            None
        );
        assert_eq!(
            fonts.first_missing(Face::Mono, "0123456789ABCDEFGHJKMNPQRSTVWXYZ-"),
            None
        );
        assert_eq!(
            fonts.first_missing(Face::Text, "ok \u{1F600}"),
            Some(MissingGlyph {
                ch: '\u{1F600}',
                face: Face::Text
            })
        );
    }

    #[test]
    fn fast_cmap_agrees_with_the_font_parser() {
        let fonts = Fonts::load();
        for face in [Face::Text, Face::Mono] {
            let f = fonts.face(face);
            let sample = (0x20..0x3000)
                .chain(0x3000..0x3100)
                .chain(0x4E00..0x5400)
                .chain(0xFF00..0xFFF0);
            for c in sample.filter_map(char::from_u32) {
                let ours = f.glyph(c);
                let theirs = f.font.lookup_glyph_index(c as u32).filter(|&g| g != 0);
                assert_eq!(ours, theirs, "{face:?} U+{:04X}", c as u32);
            }
        }
        assert!(
            !fonts.text.cmap.groups.is_empty(),
            "IPAexGothic has a format-12 cmap"
        );
    }

    #[test]
    fn mono_is_monospaced() {
        let fonts = Fonts::load();
        let a = fonts.width_mm(Face::Mono, 12.0, "0000");
        let b = fonts.width_mm(Face::Mono, 12.0, "WWWW");
        assert!((a - b).abs() < 1e-9);
        assert!(a > 5.0 && a < 12.0, "{a}");
    }
}
