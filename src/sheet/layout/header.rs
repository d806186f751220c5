//! The top of each page: on page 1 the title, the QR and the sheet's facts in one aligned column; on later pages the title, account and set ID.

use super::cursor::{Column, Cursor, LabelColumn, Style};
use super::flow::Top;
use super::items::{Item, Tone};
use super::wrap::{Measured, Setting, Sizes, balanced, fit};
use super::{Geometry, MARGIN};
use crate::sheet::fonts::{Face, Measure};
use crate::sheet::qr::QrMatrix;
use crate::sheet::{SheetContent, SheetError};
use crate::template::{Key, Template};

/// Page 1's title: as large as fits three lines (a longer one is refused),
/// its line spacing, and the space below it.
const TITLE: Setting = Setting {
    sizes: Sizes {
        max: 17.0,
        min: 11.0,
    },
    lines: 3,
};
const TITLE_LEAD: f64 = 1.2;
const AFTER_TITLE: f64 = 3.0;
/// Later pages' title, across the whole width.
const LATER_TITLE: Setting = Setting {
    sizes: Sizes {
        max: 13.0,
        min: 9.0,
    },
    lines: 3,
};
const AFTER_LATER_TITLE: f64 = 1.0;
/// Labels: size, space before their values, the widest a label may be.
const LABEL_SIZE: f64 = 8.0;
const LABEL_GAP: f64 = 3.0;
const LABEL_MAX: f64 = 38.0;
/// Values: line spacing, and space between rows. A value that does not fit
/// its setting's lines at the smallest size takes more lines.
const VALUE_LEAD: f64 = 1.3;
const ROW_GAP: f64 = 1.0;
const ACCOUNT: Setting = Setting {
    sizes: Sizes {
        max: 14.0,
        min: 7.0,
    },
    lines: 3,
};
/// Service and organisation names.
const NAME: Setting = Setting {
    sizes: Sizes {
        max: 11.0,
        min: 7.0,
    },
    lines: 3,
};
/// Issued, generation, set ID.
const FACT: Setting = Setting {
    sizes: Sizes {
        max: 10.0,
        min: 7.0,
    },
    lines: 1,
};
/// The account on later pages.
const LATER_ACCOUNT: Setting = Setting {
    sizes: Sizes {
        max: 10.0,
        min: 7.0,
    },
    lines: 2,
};
/// The QR's side, quiet zone included, for a symbol of version 3 (29
/// modules) or smaller: modules of 40 / 37 = 1.08 mm.
const QR_BOX: f64 = 40.0;
/// No module smaller than this: a larger symbol gets a larger box. A phone
/// photo or a 100 dpi scan of the page resolves 1 mm modules.
const QR_MIN_MODULE: f64 = 1.0;
/// Quiet zone around the symbol, in modules. Above the symbol it lies in
/// the top margin, which is blank paper anyway.
const QR_QUIET: f64 = 4.0;
/// Space between the text column and the QR.
const QR_GAP: f64 = 4.0;
/// The caption under the QR: one size, line spacing, space above, at most three lines.
const CAPTION: Setting = Setting {
    sizes: Sizes { max: 6.5, min: 6.5 },
    lines: 3,
};
const CAPTION_LEAD: f64 = 1.3;
const CAPTION_GAP: f64 = 0.5;
/// Space between the header and what follows it.
const HEADER_GAP: f64 = 3.0;
const LATER_HEADER_GAP: f64 = 2.0;

/// The QR's module and the side of its box, quiet zone included: the
/// modules that fill [`QR_BOX`], or [`QR_MIN_MODULE`] when those would be
/// smaller.
pub fn qr_size(matrix_width: usize) -> (f64, f64) {
    let modules = matrix_width as f64 + 2.0 * QR_QUIET;
    let module = (QR_BOX / modules).max(QR_MIN_MODULE);
    (module, module * modules)
}

/// The labelled rows of a header, written down its column.
struct Facts<'m> {
    cursor: Cursor<'m>,
    labels: LabelColumn,
}

impl<'m> Facts<'m> {
    /// The header's label column: every label measured whether or not its
    /// row is printed, so that one template gives every sheet and every page
    /// the same column.
    fn new(cursor: Cursor<'m>, t: &Template, column: Column) -> Result<Facts<'m>, SheetError> {
        let keys = [
            Key::LabelAccount,
            Key::LabelService,
            Key::LabelOrganisation,
            Key::LabelIssued,
            Key::LabelGeneration,
            Key::LabelSetId,
        ];
        let labels: Vec<(Key, &str)> = keys.iter().map(|k| (*k, t.text(*k))).collect();
        let labels = LabelColumn::new(
            cursor.measurer(),
            column,
            &labels,
            Style::text(LABEL_SIZE).in_tone(Tone::Grey),
            LABEL_MAX,
            LABEL_GAP,
        )?;
        Ok(Facts { cursor, labels })
    }

    /// A label and its value, the value as large as its setting allows.
    fn row(&mut self, label: &str, value: &str, face: Face, setting: Setting) {
        let m = self.cursor.measurer();
        let value = Measured::plain(m, face, value);
        let fitted = fit(m, &value, self.labels.values.width, setting);
        self.labels
            .row(&mut self.cursor, label, &fitted.lines, VALUE_LEAD);
        self.cursor.skip(ROW_GAP);
    }
}

/// The title as large as fits the setting's lines of the column, or refused.
fn title(
    cursor: &mut Cursor<'_>,
    t: &Template,
    column: Column,
    setting: Setting,
) -> Result<(), SheetError> {
    let m = cursor.measurer();
    let text = Measured::plain(m, Face::Text, t.text(Key::Title));
    let fitted = fit(m, &text, column.width, setting);
    if !fitted.fits {
        return Err(SheetError::TextDoesNotFit { key: Key::Title });
    }
    for line in &fitted.lines {
        cursor.line(column.x, line, TITLE_LEAD, Tone::Black);
    }
    Ok(())
}

/// Page 1: the QR at top right with its caption, the title and the facts
/// of the sheet to its left.
pub fn first_page(
    content: &SheetContent<'_>,
    qr: &QrMatrix,
    m: &dyn Measure,
    geometry: &Geometry,
) -> Result<Top, SheetError> {
    let t = content.template;
    let page = geometry.content();
    // The QR's box in the top right corner, its quiet zone above the symbol
    // reaching out into the top margin; the caption under the box, as wide.
    let (module, side) = qr_size(qr.width);
    let quiet = QR_QUIET * module;
    let qr_x = page.right() - side;
    let mut caption = Cursor::new(m, MARGIN + side - quiet + CAPTION_GAP);
    caption.items.push(Item::Qr {
        x: qr_x + quiet,
        y: MARGIN,
        module,
        matrix: qr.clone(),
    });
    let caption_text = Measured::plain(m, Face::Text, t.text(Key::QrCaption));
    let fitted = fit(m, &caption_text, side, CAPTION);
    if !fitted.fits {
        return Err(SheetError::TextDoesNotFit {
            key: Key::QrCaption,
        });
    }
    // Even lines, centred under the symbol.
    for line in &balanced(m, &caption_text, fitted.size, side) {
        caption.line(
            qr_x + (side - line.width) / 2.0,
            line,
            CAPTION_LEAD,
            Tone::Grey,
        );
    }

    let column = Column {
        x: page.x,
        width: qr_x - QR_GAP - page.x,
    };
    let mut cursor = Cursor::new(m, MARGIN);
    title(&mut cursor, t, column, TITLE)?;
    cursor.skip(AFTER_TITLE);
    let mut facts = Facts::new(cursor, t, column)?;
    facts.row(
        t.text(Key::LabelAccount),
        content.account,
        Face::Text,
        ACCOUNT,
    );
    for (key, value) in [
        (Key::LabelService, content.service),
        (Key::LabelOrganisation, content.organisation),
    ] {
        if let Some(value) = value {
            facts.row(t.text(key), value, Face::Text, NAME);
        }
    }
    let issued = content.issued_display();
    facts.row(t.text(Key::LabelIssued), &issued, Face::Text, FACT);
    let generation = content.generation.to_string();
    facts.row(t.text(Key::LabelGeneration), &generation, Face::Text, FACT);
    let set_id = content.set_id.to_string();
    facts.row(t.text(Key::LabelSetId), &set_id, Face::Mono, FACT);

    let bottom = facts.cursor.y.max(caption.y) + HEADER_GAP;
    let mut items = caption.items;
    items.extend(facts.cursor.items);
    Ok(Top { items, bottom })
}

/// Later pages: the title, then account and set ID in the same label column
/// as page 1's, each label on its value's line.
pub fn later_pages(
    content: &SheetContent<'_>,
    m: &dyn Measure,
    geometry: &Geometry,
) -> Result<Top, SheetError> {
    let t = content.template;
    let page = geometry.content();
    let mut cursor = Cursor::new(m, MARGIN);
    title(&mut cursor, t, page, LATER_TITLE)?;
    cursor.skip(AFTER_LATER_TITLE);
    let mut facts = Facts::new(cursor, t, page)?;
    facts.row(
        t.text(Key::LabelAccount),
        content.account,
        Face::Text,
        LATER_ACCOUNT,
    );
    let set_id = content.set_id.to_string();
    facts.row(t.text(Key::LabelSetId), &set_id, Face::Mono, FACT);
    Ok(Top {
        bottom: facts.cursor.y + LATER_HEADER_GAP,
        items: facts.cursor.items,
    })
}
