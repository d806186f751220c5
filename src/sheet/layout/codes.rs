//! The codes table: a numbered row per code with a box to tick and lines for when and by whom it was used.

use super::PT;
use super::cursor::{Blanks, Column, Cursor, Style};
use super::flow::{Body, Border, Keep, Slice};
use super::items::{Item, Paint, Tone};
use super::wrap::{Measured, SHRINK_STEP, Sizes};
use crate::sheet::SheetContent;
use crate::sheet::SheetError;
use crate::sheet::fonts::{Face, Measure};
use crate::template::Key;

/// A row is at least this tall (room to tick and write), and at most this
/// tall when a page has room to spare.
const ROW_MIN: f64 = 7.0;
const ROW_MAX: f64 = 9.0;
/// Added to a row whose "used on ... by ..." goes under a long code.
const SECOND_LINE: f64 = 5.0;
/// The second line's baseline, above the row's bottom.
const SECOND_BASELINE_UP: f64 = 2.0;
/// The tick box: from the row's left, its side, its stroke.
const CHECK_BOX_X: f64 = 1.5;
const CHECK_BOX: f64 = 4.2;
const CHECK_BOX_PT: f64 = 0.8;
/// The code's number, right-aligned at this distance from the row's left.
const NUMBER_RIGHT: f64 = 16.0;
const NUMBER_SIZE: f64 = 10.0;
/// Where codes start, from the row's left.
const CODE_X: f64 = 19.0;
/// Codes as large as [`CODE_SIZES`]`.max` allows within [`CODE_ROOM`], never smaller than its `min`.
const CODE_SIZES: Sizes = Sizes {
    max: 13.0,
    min: 8.0,
};
const CODE_ROOM: f64 = 80.0;
/// Of the code's size, how far its baseline sits below the middle of its line.
const CODE_BASELINE_DROP: f64 = 0.35;
/// Space between the code and "used on".
const USED_AFTER_CODE: f64 = 6.0;
/// "used on" and "by": their size, and the widest either may be.
const USED_SIZE: f64 = 8.0;
const USED_LABEL_MAX: f64 = 30.0;
/// Shade of every second row.
const SHADE: f64 = 0.93;
/// "Codes (10)": size, line spacing, space above, space below.
const HEADING_SIZE: f64 = 11.0;
const HEADING_LEAD: f64 = 1.2;
const HEADING_GAP_ABOVE: f64 = 2.5;
const HEADING_GAP_BELOW: f64 = 1.5;
/// The table starts on a page only where this many rows fit under its heading.
const ROWS_WITH_HEADING: usize = 3;
/// "Codes (continued)" heads every page the codes go on to; at most this many lines.
const CONTINUED_MAX_LINES: usize = 2;

/// How tall the rows of a page may be.
#[derive(Debug, Clone, Copy)]
pub struct RowHeight {
    pub min: f64,
    pub max: f64,
}

/// Where "used on ... by ..." goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Blank {
    /// Beside the code, from this x.
    Beside(f64),
    /// Under the code, from the code's x.
    Under,
}

/// The codes of a sheet, measured for its rows.
pub struct Table<'a> {
    content: &'a SheetContent<'a>,
    m: &'a dyn Measure,
    column: Column,
    code_size: f64,
    blanks: Blanks<'a>,
    blank: Blank,
}

impl<'a> Table<'a> {
    pub fn new(
        content: &'a SheetContent<'a>,
        m: &'a dyn Measure,
        column: Column,
    ) -> Result<Table<'a>, SheetError> {
        let t = content.template;
        let format = content.codes.format();
        let longest = content
            .codes
            .codes()
            .iter()
            .map(|c| format.display(c).chars().count())
            .max()
            .unwrap_or(0);
        // Monospaced: any code of that length is as wide.
        let probe = "0".repeat(longest);
        let size_within = |room: f64| {
            let mut size = CODE_SIZES.max;
            while size > CODE_SIZES.min && m.width_mm(Face::Mono, size, &probe) > room {
                size -= SHRINK_STEP;
            }
            size
        };
        let blanks = Blanks {
            first: (Key::UsedOn, t.text(Key::UsedOn)),
            second: (Key::UsedBy, t.text(Key::UsedBy)),
            style: Style::text(USED_SIZE).in_tone(Tone::Grey),
        };
        blanks.check(m, USED_LABEL_MAX)?;
        let mut code_size = size_within(CODE_ROOM);
        let beside = CODE_X + m.width_mm(Face::Mono, code_size, &probe) + USED_AFTER_CODE;
        let blank = if beside + blanks.min_width(m) <= column.width {
            Blank::Beside(beside)
        } else {
            // A code too long to leave room beside it has its row's width.
            code_size = size_within(column.width - CODE_X);
            Blank::Under
        };
        Ok(Table {
            content,
            m,
            column,
            code_size,
            blanks,
            blank,
        })
    }

    pub fn row_height(&self) -> RowHeight {
        match self.blank {
            Blank::Beside(_) => RowHeight {
                min: ROW_MIN,
                max: ROW_MAX,
            },
            Blank::Under => RowHeight {
                min: ROW_MIN + SECOND_LINE,
                max: ROW_MAX + SECOND_LINE,
            },
        }
    }

    /// "Codes (10)", kept with the first rows, then a row per code.
    pub fn slices(&self) -> Vec<Slice> {
        let t = self.content.template;
        let heading = t.fill(
            Key::CodesHeading,
            &[("count", &self.content.codes.len().to_string())],
        );
        let mut slices = vec![Slice::gap(HEADING_GAP_ABOVE)];
        slices.extend(self.heading(&heading, Key::CodesHeading).0);
        let count = self.content.codes.len();
        slices.extend((0..count).map(|i| Slice {
            height: self.row_height().min,
            body: Body::CodeRow(i),
            keep: if i + 1 < ROWS_WITH_HEADING.min(count) {
                Keep::WithNext
            } else {
                Keep::Free
            },
            border: Border::None,
            key: Key::UsedOn,
        }));
        slices
    }

    /// "Codes (continued)", at the top of each page the codes go on to.
    pub fn continued_heading(&self) -> Result<Vec<Slice>, SheetError> {
        let text = self.content.template.text(Key::CodesContinued);
        let (slices, lines) = self.heading(text, Key::CodesContinued);
        if lines > CONTINUED_MAX_LINES {
            return Err(SheetError::TextDoesNotFit {
                key: Key::CodesContinued,
            });
        }
        Ok(slices)
    }

    /// A heading's lines, the last kept with what follows; and how many.
    fn heading(&self, text: &str, key: Key) -> (Vec<Slice>, usize) {
        let lines =
            Measured::plain(self.m, Face::Text, text).wrap(self.m, HEADING_SIZE, self.column.width);
        let count = lines.len();
        let slices = lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let mut cursor = Cursor::new(self.m, 0.0);
                cursor.line(self.column.x, line, HEADING_LEAD, Tone::Black);
                if i + 1 == count {
                    cursor.skip(HEADING_GAP_BELOW);
                }
                Slice::from_cursor(cursor, key).kept_with_next()
            })
            .collect();
        (slices, count)
    }

    /// Code `index` (from 0) in a row `row_h` tall from `top`.
    pub fn draw_row(&self, items: &mut Vec<Item>, index: usize, top: f64, row_h: f64) {
        let number = index + 1;
        let x = self.column.x;
        let code_band = match self.blank {
            Blank::Beside(_) => row_h,
            Blank::Under => row_h - SECOND_LINE,
        };
        if number.is_multiple_of(2) {
            items.push(Item::Rect {
                x,
                y: top,
                w: self.column.width,
                h: row_h,
                paint: Paint::Fill { grey: SHADE },
            });
        }
        items.push(Item::Rect {
            x: x + CHECK_BOX_X,
            y: top + (code_band - CHECK_BOX) / 2.0,
            w: CHECK_BOX,
            h: CHECK_BOX,
            paint: Paint::Stroke {
                width_pt: CHECK_BOX_PT,
            },
        });
        let mut cursor = Cursor::new(self.m, top);
        let baseline = top + code_band / 2.0 + self.code_size * PT * CODE_BASELINE_DROP;
        let label = number.to_string();
        let number_style = Style::text(NUMBER_SIZE);
        let nw = cursor.width(number_style, &label);
        cursor.text(x + NUMBER_RIGHT - nw, baseline, number_style, &label);
        let code = &self.content.codes.codes()[index];
        cursor.text_secret(
            x + CODE_X,
            baseline,
            Style::text(self.code_size).in_face(Face::Mono),
            self.content.codes.format().display(code),
        );
        match self.blank {
            Blank::Beside(dx) => {
                self.blanks
                    .draw(&mut cursor, x + dx, self.column.right(), baseline)
            }
            Blank::Under => self.blanks.draw(
                &mut cursor,
                x + CODE_X,
                self.column.right(),
                top + row_h - SECOND_BASELINE_UP,
            ),
        }
        items.extend(cursor.items);
    }
}
