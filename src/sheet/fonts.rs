//! The fonts the binary embeds: parsing, text widths for layout, and glyph coverage.

use super::truetype::Font;

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

    /// The font's PostScript name, as a PDF names the embedded font.
    pub fn postscript_name(self) -> &'static str {
        match self {
            Face::Text => "IPAexGothic",
            Face::Mono => "JetBrainsMono-Bold",
        }
    }
}

/// Text widths and heights for the layout.
pub trait Measure {
    /// The advance width of `text`, in millimetres.
    fn width_mm(&self, face: Face, size_pt: f64, text: &str) -> f64;
    /// How far the face reaches above and below the baseline, in ems.
    fn extent(&self, face: Face) -> (f64, f64);
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

/// One embedded face, read in place: its tables, a fast character-to-glyph
/// table and the advance widths.
///
/// A general font parser scans IPAexGothic's ~12,000 format-12 cmap groups
/// linearly for every character, and copies the 6 MB font before reading
/// it; [`Cmap`] binary-searches the same groups and nothing is copied.
struct Face_ {
    font: Font<'static>,
    cmap: Cmap,
    advances: Vec<u16>,
    units_per_em: f64,
    /// Ascent and descent in ems.
    extent: (f64, f64),
}

/// Sorted `(first char, last char, first glyph)` runs of a format-12 cmap.
struct Cmap {
    groups: Vec<(u32, u32, u32)>,
}

impl Cmap {
    fn lookup(&self, c: u32) -> Option<u16> {
        let i = self.groups.partition_point(|&(_, end, _)| end < c);
        match self.groups.get(i) {
            Some(&(start, _, glyph)) if start <= c => u16::try_from(glyph + (c - start)).ok(),
            _ => None,
        }
    }
}

const PT_PER_MM: f64 = 72.0 / 25.4;

impl Face_ {
    fn parse(bytes: &'static [u8], name: &str) -> Face_ {
        // The font files are part of the binary and checked by tests, so a
        // parse failure is a build defect, not a user error.
        let font = Font::parse(bytes)
            .unwrap_or_else(|| panic!("embedded font {name} is not a TrueType font"));
        let groups = font
            .cmap_groups()
            .unwrap_or_else(|| panic!("embedded font {name} has no format-12 cmap"));
        let units_per_em = f64::from(font.units_per_em());
        let (ascent, descent) = font.ascent_descent();
        Face_ {
            cmap: Cmap { groups },
            advances: font.advances(),
            units_per_em,
            extent: (
                f64::from(ascent) / units_per_em,
                f64::from(descent) / units_per_em,
            ),
            font,
        }
    }

    fn glyph(&self, c: char) -> Option<u16> {
        self.cmap.lookup(c as u32).filter(|&g| g != 0)
    }

    fn advance(&self, gid: u16) -> f64 {
        f64::from(self.advances.get(usize::from(gid)).copied().unwrap_or(0))
    }
}

impl Fonts {
    /// Reads the embedded fonts' tables.
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

    /// The face's tables, for cutting a subset.
    pub fn font(&self, face: Face) -> &Font<'static> {
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
            .map(|c| f.advance(f.glyph(c).unwrap_or(0)))
            .sum();
        units / f.units_per_em * size_pt / PT_PER_MM
    }

    fn extent(&self, face: Face) -> (f64, f64) {
        self.face(face).extent
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

    /// Our in-place reading gives the glyphs and widths an independent
    /// parser (printpdf's) gives.
    #[test]
    fn glyphs_and_widths_agree_with_the_font_parser() {
        let fonts = Fonts::load();
        for (face, bytes) in [(Face::Text, TEXT_FONT), (Face::Mono, MONO_FONT)] {
            let ours = fonts.face(face);
            let theirs = printpdf::ParsedFont::from_bytes(bytes, 0, &mut Vec::new()).unwrap();
            let sample = (0x20..0x3000)
                .chain(0x3000..0x3100)
                .chain(0x4E00..0x5400)
                .chain(0xFF00..0xFFF0);
            for c in sample.filter_map(char::from_u32) {
                let glyph = ours.glyph(c);
                let expected = theirs.lookup_glyph_index(c as u32).filter(|&g| g != 0);
                assert_eq!(glyph, expected, "{face:?} U+{:04X}", c as u32);
                if let Some(g) = glyph {
                    assert_eq!(
                        ours.advance(g),
                        theirs.get_glyph_width(g).map_or(f64::NAN, f64::from),
                        "{face:?} width of U+{:04X}",
                        c as u32
                    );
                }
            }
        }
        assert!(fonts.text.cmap.groups.len() > 1000, "IPAexGothic's cmap");
    }

    #[test]
    fn extents_are_the_fonts_own() {
        let fonts = Fonts::load();
        let (ascent, descent) = fonts.extent(Face::Text);
        assert!((ascent - 1802.0 / 2048.0).abs() < 1e-9, "{ascent}");
        assert!((descent - 246.0 / 2048.0).abs() < 1e-9, "{descent}");
        assert_eq!(fonts.extent(Face::Mono), (1.02, 0.3));
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
