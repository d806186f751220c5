//! The foot of every page: the set and generation, which copy this is, and the page number.

use super::cursor::{Column, Cursor, Style};
use super::items::Item;
use super::wrap::{SHRINK_STEP, Sizes};
use crate::sheet::fonts::{Face, Measure};
use crate::sheet::{SheetContent, SheetError};
use crate::template::Key;

/// Room kept under the body for the footer.
pub const HEIGHT: f64 = 9.0;
/// The rule above the footer: below the body, and its stroke.
const RULE_BELOW_BODY: f64 = 3.0;
const RULE_PT: f64 = 0.5;
/// The footer's baseline below the rule.
const BASELINE_BELOW_RULE: f64 = 4.5;
/// One size for the whole line, as large as fits.
const SIZES: Sizes = Sizes { max: 8.0, min: 6.0 };
/// Space between the parts of the line.
const PART_GAP: f64 = 4.0;
/// The widest each part may be at the smallest size, as a share of the
/// line: together with the gaps they always fit.
const FOOTER_SHARE: f64 = 0.5;
const COPY_SHARE: f64 = 0.2;
const PAGE_SHARE: f64 = 0.2;

/// The footer's line: left, after it, and at the right.
struct Parts {
    left: String,
    copy: Option<String>,
    page: String,
}

/// The footer of one sheet, checked to fit every page it goes on.
pub struct Footer<'a> {
    content: &'a SheetContent<'a>,
    m: &'a dyn Measure,
    column: Column,
    /// The bottom of the body above it.
    top: f64,
}

impl<'a> Footer<'a> {
    /// Refuses a part too wide for its share of the line, at its widest:
    /// the last copy, the last page.
    pub fn new(
        content: &'a SheetContent<'a>,
        m: &'a dyn Measure,
        column: Column,
        (top, pages): (f64, usize),
    ) -> Result<Footer<'a>, SheetError> {
        let footer = Footer {
            content,
            m,
            column,
            top,
        };
        let widest = footer.parts(content.copies, pages, pages);
        let parts = [
            (Key::Footer, Some(widest.left), FOOTER_SHARE),
            (Key::CopyOf, widest.copy, COPY_SHARE),
            (Key::PageOf, Some(widest.page), PAGE_SHARE),
        ];
        for (key, text, share) in parts {
            if let Some(text) = text
                && m.width_mm(Face::Text, SIZES.min, &text) > share * column.width
            {
                return Err(SheetError::TextDoesNotFit { key });
            }
        }
        Ok(footer)
    }

    /// The set and generation, "copy k of N" when there are copies, "page i of n".
    fn parts(&self, copy: u32, page: usize, pages: usize) -> Parts {
        let t = self.content.template;
        let left = t.fill(
            Key::Footer,
            &[
                ("set_id", &self.content.set_id.to_string()),
                ("generation", &self.content.generation.to_string()),
            ],
        );
        let copy = (self.content.copies > 1).then(|| {
            t.fill(
                Key::CopyOf,
                &[
                    ("k", &copy.to_string()),
                    ("n", &self.content.copies.to_string()),
                ],
            )
        });
        let page = t.fill(
            Key::PageOf,
            &[("page", &page.to_string()), ("pages", &pages.to_string())],
        );
        Parts { left, copy, page }
    }

    /// The rule and the line under it.
    pub fn draw(&self, items: &mut Vec<Item>, copy: u32, page: usize, pages: usize) {
        let rule_y = self.top + RULE_BELOW_BODY;
        items.push(Item::Line {
            x1: self.column.x,
            y1: rule_y,
            x2: self.column.right(),
            y2: rule_y,
            width_pt: RULE_PT,
        });
        let Parts { left, copy, page } = self.parts(copy, page, pages);
        let width = |size: f64, s: &str| self.m.width_mm(Face::Text, size, s);
        let total = |size: f64| {
            width(size, &left)
                + copy.as_deref().map_or(0.0, |c| PART_GAP + width(size, c))
                + PART_GAP
                + width(size, &page)
        };
        let mut size = SIZES.max;
        while size > SIZES.min && total(size) > self.column.width {
            size -= SHRINK_STEP;
        }
        let style = Style::text(size);
        let baseline = rule_y + BASELINE_BELOW_RULE;
        let mut cursor = Cursor::new(self.m, rule_y);
        cursor.text(self.column.x, baseline, style, &left);
        if let Some(copy) = &copy {
            let x = self.column.x + width(size, &left) + PART_GAP;
            cursor.text(x, baseline, style, copy);
        }
        cursor.text(
            self.column.right() - width(size, &page),
            baseline,
            style,
            &page,
        );
        items.extend(cursor.items);
    }
}
