//! How to use the codes: signing in with one, the order to use them in, the service's own advice, and when to make a new set.

use super::cursor::{Column, Style};
use super::flow::{Slice, paragraph};
use super::wrap::Span;
use crate::sheet::fonts::Measure;
use crate::sheet::{SheetContent, UseOrder};
use crate::template::Key;

const SIZE: f64 = 8.5;
const LEAD: f64 = 1.35;
/// Space above the first paragraph, and after each.
const GAP_ABOVE: f64 = 2.0;
const GAP_AFTER: f64 = 0.6;

/// The paragraphs, a slice per line: they go on over a page break.
pub fn slices(content: &SheetContent<'_>, m: &dyn Measure, column: Column) -> Vec<Slice> {
    let t = content.template;
    let order = match content.order {
        UseOrder::AnyOrder => Key::OrderAny,
        UseOrder::InOrder => Key::OrderInOrder,
    };
    let mut slices = vec![Slice::gap(GAP_ABOVE)];
    for key in [Key::Howto, order, content.advice, Key::LowCodes] {
        let spans = [Span::plain(t.text(key))];
        slices.extend(paragraph(
            m,
            column,
            &spans,
            Style::text(SIZE),
            LEAD,
            (key, 0.0),
        ));
        slices.push(Slice::gap(GAP_AFTER));
    }
    slices
}
