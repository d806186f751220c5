//! The destroy box: the set this sheet replaces, its ID large in the bold code face, or word that this is the account's first sheet; and a line to record the shredding.

use super::cursor::{Blanks, Column, Cursor, Style};
use super::flow::{Slice, paragraph};
use super::items::{Item, Paint, Tone};
use super::wrap::{Measured, Span};
use crate::sheet::fonts::{Face, Measure};
use crate::sheet::{SheetContent, SheetError};
use crate::template::Key;
use crate::text;

/// Space between the border and the text inside it.
const PAD: f64 = 2.5;
/// The heading, white on a black band: size, line spacing, band above and below the letters.
const HEADING_SIZE: f64 = 11.5;
const HEADING_LEAD: f64 = 1.3;
const BAND_ABOVE: f64 = 1.0;
const BAND_BELOW: f64 = 1.5;
const BAND_GREY: f64 = 0.0;
/// Space between the band and the text under it.
const AFTER_BAND: f64 = 1.0;
/// Paragraphs: line spacing; sizes of the general advice, of the line
/// naming the set to destroy, and of the notes after it.
const LEAD: f64 = 1.35;
const BODY_SIZE: f64 = 9.5;
const REPLACES_SIZE: f64 = 10.5;
const NOTE_SIZE: f64 = 9.0;
/// The set ID to destroy, this many times the size of its line: 10.5 pt -> about 16 pt.
const SET_ID_SCALE: f64 = 1.5;
/// Space above the line naming the set.
const BEFORE_REPLACES: f64 = 0.5;
/// "Shredded on ____ by ____": size, height of its row, its baseline in the row, the widest label.
const SHRED_SIZE: f64 = 8.5;
const SHRED_ROW: f64 = 7.0;
const SHRED_BASELINE: f64 = 5.5;
const SHRED_LABEL_MAX: f64 = 40.0;
/// Space inside the border under the last line, and outside it before what follows.
const PAD_BELOW: f64 = 1.5;
const GAP_BELOW: f64 = 3.0;

/// The box as slices of the flow, each bordered: it may go on over a page break.
pub fn slices(
    content: &SheetContent<'_>,
    m: &dyn Measure,
    column: Column,
) -> Result<Vec<Slice>, SheetError> {
    let t = content.template;
    let inner = column.inset(PAD);
    let heading_key = match content.replaces {
        Some(_) => Key::DestroyHeading,
        None => Key::DestroyHeadingFirst,
    };
    let mut slices = band(m, column, t.text(heading_key), heading_key);

    let mut body = Paragraphs {
        m,
        column: inner,
        slices: Vec::new(),
    };
    match &content.replaces {
        Some(replaced) => {
            body.add(
                &[Span::plain(t.text(Key::DestroyBody))],
                BODY_SIZE,
                (Key::DestroyBody, 0.0),
            );
            let set_id = replaced.set_id.to_string();
            let generation = replaced.generation.to_string();
            let issued = replaced.issued_at.format("%Y-%m-%d %H:%M").to_string();
            let values = [
                ("generation", generation.as_str()),
                ("issued", issued.as_str()),
            ];
            // The wording around `{set_id}`, filled; the ID between in the code face.
            let parts: Vec<String> = t
                .text(Key::DestroyReplaces)
                .split("{set_id}")
                .map(|part| text::fill(part, &values))
                .collect();
            let mut spans = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    spans.push(Span {
                        text: &set_id,
                        face: Face::Mono,
                        scale: SET_ID_SCALE,
                    });
                }
                spans.push(Span::plain(part));
            }
            body.add(
                &spans,
                REPLACES_SIZE,
                (Key::DestroyReplaces, BEFORE_REPLACES),
            );
            if content.older_sets > 0 {
                let older = t.fill(Key::DestroyOlder, &[("n", &content.older_sets.to_string())]);
                body.add(&[Span::plain(&older)], NOTE_SIZE, (Key::DestroyOlder, 0.0));
            }
        }
        None => body.add(
            &[Span::plain(t.text(Key::DestroyFirst))],
            NOTE_SIZE,
            (Key::DestroyFirst, 0.0),
        ),
    }
    slices.extend(body.slices);

    let blanks = Blanks {
        first: (Key::ShreddedOn, t.text(Key::ShreddedOn)),
        second: (Key::ShreddedBy, t.text(Key::ShreddedBy)),
        style: Style::text(SHRED_SIZE),
    };
    blanks.check(m, SHRED_LABEL_MAX)?;
    let mut cursor = Cursor::new(m, 0.0);
    blanks.draw(&mut cursor, inner.x, inner.right(), SHRED_BASELINE);
    cursor.skip(SHRED_ROW + PAD_BELOW);
    slices.push(Slice::from_cursor(cursor, Key::ShreddedOn));

    let mut slices: Vec<Slice> = slices.into_iter().map(|s| s.bordered(column)).collect();
    slices.push(Slice::gap(GAP_BELOW));
    Ok(slices)
}

/// The heading's lines on a black band across the box, the last kept with what follows.
fn band(m: &dyn Measure, column: Column, heading: &str, key: Key) -> Vec<Slice> {
    let inner = column.inset(PAD);
    let lines = Measured::plain(m, Face::Text, heading).wrap(m, HEADING_SIZE, inner.width);
    let count = lines.len();
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut cursor = Cursor::new(m, if i == 0 { BAND_ABOVE } else { 0.0 });
            cursor.line(inner.x, line, HEADING_LEAD, Tone::White);
            if i + 1 == count {
                cursor.skip(BAND_BELOW);
            }
            // The band goes under the letters.
            cursor.items.insert(
                0,
                Item::Rect {
                    x: column.x,
                    y: 0.0,
                    w: column.width,
                    h: cursor.y,
                    paint: Paint::Fill { grey: BAND_GREY },
                },
            );
            let slice = Slice::from_cursor(cursor, key);
            if i + 1 == count {
                slice.kept_with_next()
            } else {
                slice
            }
        })
        .collect()
}

/// Paragraphs inside the box, one after another.
struct Paragraphs<'m> {
    m: &'m dyn Measure,
    column: Column,
    slices: Vec<Slice>,
}

impl Paragraphs<'_> {
    /// Adds a paragraph, `pad_above` over it (and the space under the band over the first).
    fn add(&mut self, spans: &[Span<'_>], size: f64, (key, pad_above): (Key, f64)) {
        let pad = pad_above
            + if self.slices.is_empty() {
                AFTER_BAND
            } else {
                0.0
            };
        self.slices.extend(paragraph(
            self.m,
            self.column,
            spans,
            Style::text(size),
            LEAD,
            (key, pad),
        ));
    }
}
