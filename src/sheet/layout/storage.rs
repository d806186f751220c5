//! Where the sheet is kept, who keeps it and when it is next checked: printed when known, a line to write on otherwise.

use super::cursor::{Column, Cursor, LabelColumn, Style};
use super::flow::Slice;
use super::items::{Item, Tone};
use super::wrap::{Measured, Setting, Sizes, fit};
use crate::sheet::fonts::{Face, Measure};
use crate::sheet::{SheetContent, SheetError};
use crate::template::Key;

/// Labels: size, space before their values, the widest a label may be.
const LABEL_SIZE: f64 = 8.5;
const LABEL_GAP: f64 = 3.0;
const LABEL_MAX: f64 = 50.0;
/// Values as large as fit two lines; a longer one takes more lines at the smallest size.
const VALUE: Setting = Setting {
    sizes: Sizes {
        max: 10.0,
        min: 7.0,
    },
    lines: 2,
};
/// A row's first baseline below its top, and the step to each further line.
const FIRST_BASELINE: f64 = 4.5;
const LINE_STEP: f64 = 6.0;
/// The line to write on, below the last baseline; the row ends a little under it.
const RULE_DROP: f64 = 1.0;
const RULE_PT: f64 = 0.4;
const ROW_BELOW: f64 = 1.5;
/// Space after the block.
const GAP_BELOW: f64 = 1.5;

/// A slice per row: a row is never split from its label.
pub fn slices(
    content: &SheetContent<'_>,
    m: &dyn Measure,
    column: Column,
) -> Result<Vec<Slice>, SheetError> {
    let t = content.template;
    let next = content
        .next_inventory
        .map(|d| d.format("%Y-%m-%d").to_string());
    let rows = [
        (Key::LabelLocation, content.location),
        (Key::LabelCustodian, content.custodian),
        (Key::LabelNextInventory, next.as_deref()),
    ];
    let labels: Vec<(Key, &str)> = rows.iter().map(|(k, _)| (*k, t.text(*k))).collect();
    let labels = LabelColumn::new(
        m,
        column,
        &labels,
        Style::text(LABEL_SIZE).in_tone(Tone::Grey),
        LABEL_MAX,
        LABEL_GAP,
    )?;
    let mut slices = Vec::new();
    for (key, value) in rows {
        let mut cursor = Cursor::new(m, 0.0);
        let mut baseline = FIRST_BASELINE;
        cursor.text(labels.labels.x, baseline, labels.style, t.text(key));
        if let Some(value) = value {
            let value = Measured::plain(m, Face::Text, value);
            let fitted = fit(m, &value, labels.values.width, VALUE);
            for (i, line) in fitted.lines.iter().enumerate() {
                if i > 0 {
                    baseline += LINE_STEP;
                }
                cursor.text(
                    labels.values.x,
                    baseline,
                    Style::text(fitted.size),
                    &line.text(),
                );
            }
        }
        cursor.items.push(Item::Line {
            x1: labels.values.x,
            y1: baseline + RULE_DROP,
            x2: column.right(),
            y2: baseline + RULE_DROP,
            width_pt: RULE_PT,
        });
        cursor.y = baseline + ROW_BELOW;
        slices.push(Slice::from_cursor(cursor, key));
    }
    slices.push(Slice::gap(GAP_BELOW));
    Ok(slices)
}
