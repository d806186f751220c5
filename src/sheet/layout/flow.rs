//! Putting the sheet's flow on pages: slices that never split, headings kept with what follows, boxes closed on each page, code rows stretched to fill theirs.
//!
//! Whatever does not fit above the footer goes on a further page under the
//! continuation header; a slice that would not fit even on an empty page is
//! refused, naming the template key it came from. Nothing is drawn past the
//! body's bottom.

use super::codes::Table;
use super::cursor::{Column, Cursor, Style};
use super::items::{Item, Paint};
use super::wrap::{Measured, Span};
use crate::sheet::SheetError;
use crate::sheet::fonts::Measure;
use crate::template::Key;

/// Stroke of the border around the destroy box.
const BORDER_PT: f64 = 2.0;
/// Space inside the border above a box's text that goes on from the page before.
const CONTINUED_BOX_PAD: f64 = 1.5;
/// Rounding allowance when heights are compared, in millimetres.
const EPSILON: f64 = 1e-9;

/// Whether a slice must go on the page of the slice after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Keep {
    Free,
    /// A heading, or the last line of one: never left alone at a page's foot.
    WithNext,
}

/// A border drawn around consecutive slices on a page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Border {
    None,
    Around(Column),
}

#[derive(Debug)]
pub enum Body {
    /// Items drawn from the slice's top (y = 0).
    Items(Vec<Item>),
    /// Space between parts, dropped at the top of a page.
    Gap,
    /// The code of this index (from 0), drawn once the rows of its page are known.
    CodeRow(usize),
}

/// A part of the flow that is never split across pages.
#[derive(Debug)]
pub struct Slice {
    pub height: f64,
    pub body: Body,
    pub keep: Keep,
    pub border: Border,
    /// The template text it shows, named when it cannot be placed.
    pub key: Key,
}

impl Slice {
    /// What a cursor started at 0 has laid down.
    pub fn from_cursor(cursor: Cursor<'_>, key: Key) -> Slice {
        Slice {
            height: cursor.y,
            body: Body::Items(cursor.items),
            keep: Keep::Free,
            border: Border::None,
            key,
        }
    }

    pub fn gap(height: f64) -> Slice {
        Slice {
            height,
            body: Body::Gap,
            keep: Keep::Free,
            border: Border::None,
            // Never named: a gap that does not fit is dropped.
            key: Key::Title,
        }
    }

    pub fn kept_with_next(self) -> Slice {
        Slice {
            keep: Keep::WithNext,
            ..self
        }
    }

    pub fn bordered(self, column: Column) -> Slice {
        Slice {
            border: Border::Around(column),
            ..self
        }
    }
}

/// The top of a page: its items and where the flow below it starts.
#[derive(Debug, Clone)]
pub struct Top {
    pub items: Vec<Item>,
    pub bottom: f64,
}

/// A page being filled.
struct Filling {
    items: Vec<Item>,
    /// Where the flow on this page started.
    top: f64,
    y: f64,
    /// Code rows placed here: (code index, top).
    rows: Vec<(usize, f64)>,
    /// Bordered slices placed here: (column, top, bottom).
    bordered: Vec<(Column, f64, f64)>,
    sequence: Sequence,
}

/// Page 1, or a page going on from another.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sequence {
    First,
    Later,
}

impl Filling {
    fn new(top: &Top, sequence: Sequence) -> Filling {
        Filling {
            items: top.items.clone(),
            top: top.bottom,
            y: top.bottom,
            rows: Vec::new(),
            bordered: Vec::new(),
            sequence,
        }
    }

    fn is_fresh(&self) -> bool {
        self.y <= self.top + EPSILON
    }

    /// Space to leave above `slice`: inside a box going on from the page before.
    fn pad_above(&self, slice: &Slice) -> f64 {
        let bordered = matches!(slice.border, Border::Around(_));
        if self.sequence == Sequence::Later && self.is_fresh() && bordered {
            CONTINUED_BOX_PAD
        } else {
            0.0
        }
    }
}

/// Lays `slices` on pages between each page's top and `bottom`: page 1 under
/// `first`, every further page under `later` (with the table's continuation
/// heading when codes go on). Returns the items of each page of one copy,
/// footer not included.
pub fn paginate(
    first: &Top,
    later: &Top,
    bottom: f64,
    slices: Vec<Slice>,
    table: &Table<'_>,
) -> Result<Vec<Vec<Item>>, SheetError> {
    let continued = table.continued_heading()?;
    let continued_h: f64 = continued.iter().map(|s| s.height).sum();
    // What a page under the continuation header holds.
    let room = bottom - later.bottom;
    if room < continued_h + table.row_height().min {
        return Err(SheetError::TextDoesNotFit {
            key: Key::CodesContinued,
        });
    }
    let mut done: Vec<Filling> = Vec::new();
    let mut page = Filling::new(first, Sequence::First);
    let mut rows_placed = false;
    let mut i = 0;
    while i < slices.len() {
        let slice = &slices[i];
        if let Body::Gap = slice.body {
            if !page.is_fresh() && page.y + slice.height <= bottom {
                page.y += slice.height;
            }
            i += 1;
            continue;
        }
        // A slice kept with the next goes only where the next fits too,
        // unless the chain could not fit even on an empty page.
        let mut chain = slice.height;
        let mut j = i;
        while slices[j].keep == Keep::WithNext && j + 1 < slices.len() {
            j += 1;
            chain += slices[j].height;
        }
        let pad = page.pad_above(slice);
        let need = pad
            + if chain + pad <= room {
                chain
            } else {
                slice.height
            };
        if page.y + need > bottom + EPSILON {
            // Page 1's header may be taller than a continuation page's.
            let fits_a_later_page = done.is_empty() && need + CONTINUED_BOX_PAD <= room;
            if !page.is_fresh() || fits_a_later_page {
                done.push(page);
                page = Filling::new(later, Sequence::Later);
                if matches!(slice.body, Body::CodeRow(_)) && rows_placed {
                    for heading in &continued {
                        place(&mut page, heading);
                    }
                    // The page counts as empty under it: a row always fits
                    // there (checked above), so no page is left for another.
                    page.top = page.y;
                }
                continue;
            }
            if page.y + pad + slice.height > bottom + EPSILON {
                return Err(SheetError::TextDoesNotFit { key: slice.key });
            }
        }
        if let Body::CodeRow(_) = slice.body {
            rows_placed = true;
        }
        place(&mut page, slice);
        i += 1;
    }
    done.push(page);

    Ok(done
        .into_iter()
        .map(|mut page| {
            draw_rows(&mut page, bottom, table);
            draw_borders(&mut page);
            page.items
        })
        .collect())
}

fn place(page: &mut Filling, slice: &Slice) {
    let pad = page.pad_above(slice);
    let top = page.y + pad;
    match &slice.body {
        Body::Items(items) => page
            .items
            .extend(items.iter().map(|item| item.clone().shifted(top))),
        Body::CodeRow(index) => page.rows.push((*index, top)),
        Body::Gap => {}
    }
    if let Border::Around(column) = slice.border {
        page.bordered.push((column, page.y, top + slice.height));
    }
    page.y = top + slice.height;
}

/// The rows of a page share the space left under them, up to their tallest.
fn draw_rows(page: &mut Filling, bottom: f64, table: &Table<'_>) {
    let Some(&(_, first_top)) = page.rows.first() else {
        return;
    };
    let heights = table.row_height();
    let count = page.rows.len() as f64;
    let row_h = ((bottom - first_top) / count).clamp(heights.min, heights.max);
    for (k, &(index, _)) in page.rows.iter().enumerate() {
        table.draw_row(&mut page.items, index, first_top + k as f64 * row_h, row_h);
    }
}

/// One border around each run of bordered slices on the page.
fn draw_borders(page: &mut Filling) {
    let mut runs: Vec<(Column, f64, f64)> = Vec::new();
    for &(column, top, bottom) in &page.bordered {
        match runs.last_mut() {
            Some(run) if run.0 == column && (run.2 - top).abs() < EPSILON => run.2 = bottom,
            _ => runs.push((column, top, bottom)),
        }
    }
    for (column, top, bottom) in runs {
        page.items.push(Item::Rect {
            x: column.x,
            y: top,
            w: column.width,
            h: bottom - top,
            paint: Paint::Stroke {
                width_pt: BORDER_PT,
            },
        });
    }
}

/// Text wrapped in `column`, a slice per line so that it may go on over a
/// page break; `pad_above` goes into the first line's slice.
pub fn paragraph(
    m: &dyn Measure,
    column: Column,
    spans: &[Span<'_>],
    style: Style,
    lead: f64,
    (key, pad_above): (Key, f64),
) -> Vec<Slice> {
    let lines = Measured::new(m, spans).wrap(m, style.size, column.width);
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut cursor = Cursor::new(m, if i == 0 { pad_above } else { 0.0 });
            cursor.line(column.x, line, lead, style.tone);
            Slice::from_cursor(cursor, key)
        })
        .collect()
}
