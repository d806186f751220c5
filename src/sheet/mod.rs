//! The printed sheet: what goes on it, checked against the fonts, laid out and turned into PDF bytes.

mod compact;
pub mod fonts;
pub mod layout;
pub mod pdf;
pub mod qr;
pub mod truetype;

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::codes::{CodeSet, SetId};
pub use crate::lang::Paper;
use crate::messages::{Localized, Msg, english_display};
use crate::template::{Key, Template};
use fonts::{Face, Fonts};
use qr::{QrMatrix, SheetMark};

pub use crate::codes::UseOrder;

/// The set a new sheet replaces, as the ledger recorded it.
#[derive(Debug, Clone)]
pub struct ReplacedSet {
    pub set_id: SetId,
    pub generation: u32,
    pub issued_at: DateTime<FixedOffset>,
}

/// Everything printed on a sheet.
pub struct SheetContent<'a> {
    pub template: &'a Template,
    pub paper: Paper,
    pub account: &'a str,
    /// Display name of the service that issued imported codes.
    pub service: Option<&'a str>,
    /// The office or company the account belongs to (from the config file).
    pub organisation: Option<&'a str>,
    pub issued_at: DateTime<FixedOffset>,
    pub generation: u32,
    pub set_id: &'a SetId,
    pub codes: &'a CodeSet,
    pub replaces: Option<ReplacedSet>,
    /// How many sets before `replaces` the ledger knows (they too must be gone).
    pub older_sets: usize,
    pub location: Option<&'a str>,
    pub custodian: Option<&'a str>,
    pub next_inventory: Option<NaiveDate>,
    pub order: UseOrder,
    /// The template key of the one line of service advice.
    pub advice: Key,
    pub copies: u32,
}

impl SheetContent<'_> {
    /// Issue date and time with its UTC offset, e.g. `2026-11-22 14:31 UTC+09:00`.
    pub fn issued_display(&self) -> String {
        let offset = self.issued_at.format("%:z").to_string();
        let zone = if offset == "+00:00" {
            "UTC".to_owned()
        } else {
            format!("UTC{offset}")
        };
        format!("{} {zone}", self.issued_at.format("%Y-%m-%d %H:%M"))
    }

    /// What the QR says about this sheet: set ID, generation and the issue
    /// date printed on it (never the account, never a code).
    pub fn mark(&self) -> SheetMark {
        SheetMark::new(
            self.set_id.clone(),
            self.generation,
            self.issued_at.date_naive(),
        )
    }
}

/// Why a sheet could not be drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum SheetError {
    /// A character no embedded font has; `field` names where it came from
    /// (a `field_*` message: "account", "template text `title`").
    MissingGlyph { field: Msg, ch: char },
    /// The QR payload does not fit its symbol (a date past the year 9999;
    /// the payload is at most 34 characters otherwise).
    QrTooLong,
    /// A font subset could not be cut (a defect: the fonts are built in).
    FontSubset(&'static str),
    /// A template text too long for its place on the sheet (one line of
    /// the header, the footer, a label column...).
    TextDoesNotFit { key: Key },
}

impl Localized for SheetError {
    fn msg(&self) -> Msg {
        match self {
            SheetError::MissingGlyph { field, ch } if shows_as_nothing(*ch) => {
                Msg::new("sheet_invisible_character")
                    .with_msg("field", field.clone())
                    .with("code", format!("U+{:04X}", *ch as u32))
            }
            SheetError::MissingGlyph { field, ch } => Msg::new("sheet_missing_glyph")
                .with_msg("field", field.clone())
                .with("char", ch)
                .with("code", format!("U+{:04X}", *ch as u32)),
            SheetError::FontSubset(font) => Msg::new("sheet_font_subset").with("font", font),
            SheetError::QrTooLong => Msg::new("sheet_qr_too_long"),
            SheetError::TextDoesNotFit { key } => Msg::new("sheet_text_does_not_fit").with_msg(
                "field",
                Msg::new("field_template_text").with("key", key.name()),
            ),
        }
    }
}

english_display!(SheetError);

impl std::error::Error for SheetError {}

/// Characters that print as nothing or rearrange the line around them (zero-width
/// spaces and joiners, direction marks and overrides, soft hyphen, BOM), as text
/// pasted from web pages carries them. An error message names them by code point
/// only: between backticks they would show an empty pair or turn the rest of
/// the line around on a terminal.
fn shows_as_nothing(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ')
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// Checks that every character on the sheet has a glyph (printpdf would
/// silently draw an empty box), then lays out and renders the PDF.
pub fn render(content: &SheetContent<'_>, fonts: &Fonts) -> Result<Vec<u8>, SheetError> {
    check_coverage(content, fonts)?;
    let qr = QrMatrix::for_mark(&content.mark()).map_err(|_| SheetError::QrTooLong)?;
    let pages = layout::layout(content, &qr, fonts)?;
    pdf::to_pdf(&pages, fonts, content)
}

fn check_coverage(content: &SheetContent<'_>, fonts: &Fonts) -> Result<(), SheetError> {
    let mut fields: Vec<(Msg, Face, &str)> = vec![
        (Msg::new("field_account"), Face::Text, content.account),
        (
            Msg::new("field_service"),
            Face::Text,
            content.service.unwrap_or(""),
        ),
        (
            Msg::new("field_organisation"),
            Face::Text,
            content.organisation.unwrap_or(""),
        ),
        (
            Msg::new("field_location"),
            Face::Text,
            content.location.unwrap_or(""),
        ),
        (
            Msg::new("field_custodian"),
            Face::Text,
            content.custodian.unwrap_or(""),
        ),
    ];
    for (key, text) in content.template.all_texts() {
        fields.push((
            Msg::new("field_template_text").with("key", key.name()),
            Face::Text,
            text,
        ));
    }
    for (field, face, text) in fields {
        if let Some(missing) = fonts.first_missing(face, text) {
            return Err(SheetError::MissingGlyph {
                field,
                ch: missing.ch,
            });
        }
    }
    // Codes and the set ID are ASCII by construction; checked anyway, since a
    // box instead of a code character would make the sheet useless.
    let format = content.codes.format();
    for code in content.codes.codes() {
        if let Some(missing) = fonts.first_missing(Face::Mono, &format.display(code)) {
            return Err(SheetError::MissingGlyph {
                field: Msg::new("field_codes"),
                ch: missing.ch,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_glyph_is_shown_unless_it_prints_as_nothing() {
        let emoji = SheetError::MissingGlyph {
            field: Msg::new("field_account"),
            ch: '😀',
        };
        assert!(emoji.to_string().contains("`😀` (U+1F600)"), "{emoji}");
        for ch in ['\u{202E}', '\u{200B}', '\u{FEFF}'] {
            let invisible = SheetError::MissingGlyph {
                field: Msg::new("field_account"),
                ch,
            };
            let text = invisible.to_string();
            assert!(!text.contains(ch), "{text:?}");
            assert!(
                text.contains(&format!("invisible character, U+{:04X}", ch as u32)),
                "{text}"
            );
        }
    }
}
