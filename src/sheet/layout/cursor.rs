//! A column of the page, a text style, and a cursor that lays lines down a column.

use zeroize::Zeroizing;

use super::PT;
use super::items::{Item, Tone};
use super::wrap::Line;
use crate::sheet::SheetError;
use crate::sheet::fonts::{Face, Measure};
use crate::template::Key;

/// Of a line's height, the part above the baseline when the face reaches no higher.
const ABOVE_BASELINE: f64 = 0.75;

/// A strip of the page: where its text starts and how wide it may run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    pub x: f64,
    pub width: f64,
}

impl Column {
    pub fn right(self) -> f64 {
        self.x + self.width
    }

    /// The column less `pad` on either side.
    pub fn inset(self, pad: f64) -> Column {
        Column {
            x: self.x + pad,
            width: self.width - 2.0 * pad,
        }
    }

    /// The part of the column from `dx` after its start.
    pub fn after(self, dx: f64) -> Column {
        Column {
            x: self.x + dx,
            width: self.width - dx,
        }
    }
}

/// How a piece of text looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub face: Face,
    pub size: f64,
    pub tone: Tone,
}

impl Style {
    /// Black text in the text face.
    pub const fn text(size: f64) -> Style {
        Style {
            face: Face::Text,
            size,
            tone: Tone::Black,
        }
    }

    pub const fn in_tone(self, tone: Tone) -> Style {
        Style { tone, ..self }
    }

    pub const fn in_face(self, face: Face) -> Style {
        Style { face, ..self }
    }
}

/// Lays items down the page: `y` is the top of whatever comes next.
pub struct Cursor<'m> {
    m: &'m dyn Measure,
    pub y: f64,
    pub items: Vec<Item>,
}

impl<'m> Cursor<'m> {
    pub fn new(m: &'m dyn Measure, y: f64) -> Cursor<'m> {
        Cursor {
            m,
            y,
            items: Vec::new(),
        }
    }

    /// Where `line` would have its baseline if drawn next, and how far the
    /// cursor would move: `lead` times its largest size, or more where a
    /// face reaches further up or down.
    pub fn measure(&self, line: &Line, lead: f64) -> (f64, f64) {
        let height = line.size() * PT * lead;
        let extent = |i: usize| {
            line.runs.iter().map(move |r| {
                let (ascent, descent) = self.m.extent(r.face);
                [ascent, descent][i] * r.size * PT
            })
        };
        let above = extent(0).fold(height * ABOVE_BASELINE, f64::max);
        let below = extent(1).fold(0.0, f64::max);
        (self.y + above, height.max(above + below))
    }

    /// Draws `line` from `x` with its top at `y`, and moves below it (see
    /// [`Cursor::measure`]). Returns the baseline.
    pub fn line(&mut self, x: f64, line: &Line, lead: f64, tone: Tone) -> f64 {
        let (baseline, height) = self.measure(line, lead);
        for run in &line.runs {
            self.items.push(Item::Text {
                x: x + run.dx,
                y: baseline,
                size: run.size,
                face: run.face,
                text: Zeroizing::new(run.text.clone()),
                colour: tone,
            });
        }
        self.y += height;
        baseline
    }

    /// Text with its baseline at `baseline`; the cursor does not move.
    pub fn text(&mut self, x: f64, baseline: f64, style: Style, s: &str) {
        self.text_secret(x, baseline, style, Zeroizing::new(s.to_owned()));
    }

    /// As [`Cursor::text`], for a code (kept in zeroizing memory).
    pub fn text_secret(&mut self, x: f64, baseline: f64, style: Style, s: Zeroizing<String>) {
        self.items.push(Item::Text {
            x,
            y: baseline,
            size: style.size,
            face: style.face,
            text: s,
            colour: style.tone,
        });
    }

    /// The widths and heights this cursor lays text by.
    pub fn measurer(&self) -> &'m dyn Measure {
        self.m
    }

    pub fn skip(&mut self, height: f64) {
        self.y += height;
    }

    pub fn width(&self, style: Style, s: &str) -> f64 {
        self.m.width_mm(style.face, style.size, s)
    }
}

/// Labels in a column of their own, their values all starting at one x to the right.
#[derive(Debug, Clone, Copy)]
pub struct LabelColumn {
    pub labels: Column,
    pub values: Column,
    pub style: Style,
}

impl LabelColumn {
    /// As wide as the widest label plus `gap`. A label wider than `max_w`
    /// (an office's own wording) is refused, naming its key.
    pub fn new(
        m: &dyn Measure,
        column: Column,
        labels: &[(Key, &str)],
        style: Style,
        max_w: f64,
        gap: f64,
    ) -> Result<LabelColumn, SheetError> {
        let mut widest: f64 = 0.0;
        for (key, label) in labels {
            let w = m.width_mm(style.face, style.size, label);
            if w > max_w {
                return Err(SheetError::TextDoesNotFit { key: *key });
            }
            widest = widest.max(w);
        }
        let labels_w = widest + gap;
        Ok(LabelColumn {
            labels: Column {
                x: column.x,
                width: labels_w,
            },
            values: column.after(labels_w),
            style,
        })
    }

    /// A label and its value's lines: the label on the first line's
    /// baseline, so the two are never apart.
    pub fn row(&self, cursor: &mut Cursor<'_>, label: &str, lines: &[Line], lead: f64) {
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                let (baseline, _) = cursor.measure(line, lead);
                cursor.text(self.labels.x, baseline, self.style, label);
            }
            cursor.line(self.values.x, line, lead, Tone::Black);
        }
    }
}

/// Space from a blank's label to its line, and from the first line to the second label.
const BLANK_LABEL_GAP: f64 = 1.5;
const BLANK_BETWEEN: f64 = 2.0;
/// The first line (a date) takes this share of the room, within these lengths.
const BLANK_DATE_SHARE: f64 = 0.4;
const BLANK_DATE_MIN: f64 = 16.0;
const BLANK_DATE_MAX: f64 = 34.0;
/// The second line (a name) is at least this long, and stops this short of the right edge.
const BLANK_NAME_MIN: f64 = 20.0;
const BLANK_END: f64 = 1.0;
/// The lines to write on: stroke, and how far below the baseline.
const BLANK_LINE_PT: f64 = 0.4;
const BLANK_LINE_DROP: f64 = 0.6;

/// "used on ______ by ________": two labels, each followed by a line to write on.
#[derive(Debug, Clone, Copy)]
pub struct Blanks<'t> {
    pub first: (Key, &'t str),
    pub second: (Key, &'t str),
    pub style: Style,
}

impl Blanks<'_> {
    /// Refuses a label wider than `max_w`, naming its key.
    pub fn check(&self, m: &dyn Measure, max_w: f64) -> Result<(), SheetError> {
        for (key, label) in [self.first, self.second] {
            if m.width_mm(self.style.face, self.style.size, label) > max_w {
                return Err(SheetError::TextDoesNotFit { key });
            }
        }
        Ok(())
    }

    /// The least room both labels and lines take.
    pub fn min_width(&self, m: &dyn Measure) -> f64 {
        let [first, second] =
            [self.first.1, self.second.1].map(|s| m.width_mm(self.style.face, self.style.size, s));
        first
            + BLANK_LABEL_GAP
            + BLANK_DATE_MIN
            + BLANK_BETWEEN
            + second
            + BLANK_LABEL_GAP
            + BLANK_NAME_MIN
            + BLANK_END
    }

    /// Both labels and their lines from `x` to `right`, on `baseline`.
    pub fn draw(&self, cursor: &mut Cursor<'_>, x: f64, right: f64, baseline: f64) {
        let first_w = cursor.width(self.style, self.first.1);
        let second_w = cursor.width(self.style, self.second.1);
        let free = right - x - first_w - second_w - 2.0 * BLANK_LABEL_GAP - BLANK_BETWEEN;
        let date = (free * BLANK_DATE_SHARE).clamp(BLANK_DATE_MIN, BLANK_DATE_MAX);
        let line_y = baseline + BLANK_LINE_DROP;
        let rule = |x1: f64, x2: f64| Item::Line {
            x1,
            y1: line_y,
            x2,
            y2: line_y,
            width_pt: BLANK_LINE_PT,
        };
        let date_from = x + first_w + BLANK_LABEL_GAP;
        let second_x = date_from + date + BLANK_BETWEEN;
        cursor.text(x, baseline, self.style, self.first.1);
        cursor.items.push(rule(date_from, date_from + date));
        cursor.text(second_x, baseline, self.style, self.second.1);
        cursor.items.push(rule(
            second_x + second_w + BLANK_LABEL_GAP,
            right - BLANK_END,
        ));
    }
}
