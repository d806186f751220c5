//! Page geometry in millimetres, no PDF: the parts of a sheet put on pages, for every copy.
//!
//! Page 1 has the header (title, QR, the sheet's facts), then a flow of
//! parts: the destroy box, the storage block, how to use the codes, and the
//! codes table. What does not fit above the footer goes on to further pages
//! under a shorter header. Every piece of text stays inside the margins and
//! above the footer; a template text that cannot fit its place is refused
//! with an error naming its key ([`SheetError::TextDoesNotFit`]).

mod codes;
mod cursor;
mod destroy;
mod flow;
mod footer;
mod header;
mod howto;
mod items;
mod storage;
mod wrap;

#[cfg(test)]
mod tests;

pub use items::{Item, Page, Paint, Tone};

use super::fonts::Measure;
use super::qr::QrMatrix;
use super::{SheetContent, SheetError};
use cursor::Column;

/// Blank paper around everything printed: most printers cannot print closer to the edge.
pub const MARGIN: f64 = 14.0;
/// Millimetres per typographic point.
pub const PT: f64 = 25.4 / 72.0;

/// A page's size and the areas on it.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub width: f64,
    pub height: f64,
}

impl Geometry {
    /// The width between the margins.
    pub fn content(&self) -> Column {
        Column {
            x: MARGIN,
            width: self.width - 2.0 * MARGIN,
        }
    }

    /// Where the body ends and the footer's room begins.
    pub fn body_bottom(&self) -> f64 {
        self.height - MARGIN - footer::HEIGHT
    }
}

/// Lays out every page of every copy, or names the template text that does not fit.
pub fn layout(
    content: &SheetContent<'_>,
    qr: &QrMatrix,
    m: &dyn Measure,
) -> Result<Vec<Page>, SheetError> {
    let (width, height) = content.paper.size_mm();
    let geometry = Geometry { width, height };
    let column = geometry.content();
    let first = header::first_page(content, qr, m, &geometry)?;
    let later = header::later_pages(content, m, &geometry)?;
    let table = codes::Table::new(content, m, column)?;

    let mut slices = destroy::slices(content, m, column)?;
    slices.extend(storage::slices(content, m, column)?);
    slices.extend(howto::slices(content, m, column));
    slices.extend(table.slices());
    let bodies = flow::paginate(&first, &later, geometry.body_bottom(), slices, &table)?;

    let pages_per_copy = bodies.len();
    let footer = footer::Footer::new(content, m, column, (geometry.body_bottom(), pages_per_copy))?;
    let mut pages = Vec::with_capacity(pages_per_copy * content.copies as usize);
    for copy in 1..=content.copies {
        for (index, body) in bodies.iter().enumerate() {
            let mut items = body.clone();
            footer.draw(&mut items, copy, index + 1, pages_per_copy);
            pages.push(Page {
                width,
                height,
                items,
            });
        }
    }
    Ok(pages)
}
