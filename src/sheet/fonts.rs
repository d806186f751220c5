//! The fonts the binary embeds: parsing, text widths for layout, and glyph coverage.

use printpdf::ParsedFont;

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
    text: ParsedFont,
    mono: ParsedFont,
}

const PT_PER_MM: f64 = 72.0 / 25.4;

impl Fonts {
    /// Parses the embedded fonts.
    pub fn load() -> Fonts {
        // The font files are part of the binary and checked by tests, so a
        // parse failure is a build defect, not a user error.
        let parse = |bytes: &[u8], name: &str| {
            ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
                .unwrap_or_else(|| panic!("embedded font {name} does not parse"))
        };
        Fonts {
            text: parse(TEXT_FONT, Face::Text.name()),
            mono: parse(MONO_FONT, Face::Mono.name()),
        }
    }

    pub fn parsed(&self, face: Face) -> &ParsedFont {
        match face {
            Face::Text => &self.text,
            Face::Mono => &self.mono,
        }
    }

    /// The first character of `text` that `face` has no glyph for.
    pub fn first_missing(&self, face: Face, text: &str) -> Option<MissingGlyph> {
        let font = self.parsed(face);
        text.chars()
            .filter(|c| !c.is_whitespace() || *c == '\u{3000}')
            .find(|c| {
                font.lookup_glyph_index(*c as u32)
                    .is_none_or(|gid| gid == 0)
            })
            .map(|ch| MissingGlyph { ch, face })
    }
}

impl Measure for Fonts {
    fn width_mm(&self, face: Face, size_pt: f64, text: &str) -> f64 {
        let font = self.parsed(face);
        let upem = f64::from(font.font_metrics.units_per_em.max(1));
        let units: f64 = text
            .chars()
            .map(|c| {
                let gid = font.lookup_glyph_index(c as u32).unwrap_or(0);
                f64::from(font.get_horizontal_advance(gid))
            })
            .sum();
        units / upem * size_pt / PT_PER_MM
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
    fn mono_is_monospaced() {
        let fonts = Fonts::load();
        let a = fonts.width_mm(Face::Mono, 12.0, "0000");
        let b = fonts.width_mm(Face::Mono, 12.0, "WWWW");
        assert!((a - b).abs() < 1e-9);
        assert!(a > 5.0 && a < 12.0, "{a}");
    }
}
