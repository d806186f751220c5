//! What a laid-out page holds: text, rectangles, lines and the QR, placed in millimetres from the page's top-left corner.

use zeroize::Zeroizing;

use crate::sheet::fonts::Face;
use crate::sheet::qr::QrMatrix;

/// One thing to draw. Coordinates are millimetres from the page's top-left
/// corner (text `y` is the baseline); the PDF step flips them.
#[derive(Debug, Clone)]
pub enum Item {
    Text {
        x: f64,
        y: f64,
        size: f64,
        face: Face,
        text: Zeroizing<String>,
        colour: Tone,
    },
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        paint: Paint,
    },
    Line {
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        width_pt: f64,
    },
    /// The symbol's top-left corner; its quiet zone lies around it.
    Qr {
        x: f64,
        y: f64,
        module: f64,
        matrix: QrMatrix,
    },
}

impl Item {
    /// The same item `dy` millimetres further down.
    pub fn shifted(mut self, dy: f64) -> Item {
        match &mut self {
            Item::Text { y, .. } | Item::Rect { y, .. } | Item::Qr { y, .. } => *y += dy,
            Item::Line { y1, y2, .. } => {
                *y1 += dy;
                *y2 += dy;
            }
        }
        self
    }
}

/// Ink for text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tone {
    Black,
    White,
    Grey,
}

/// How a rectangle is painted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Paint {
    Stroke { width_pt: f64 },
    Fill { grey: f64 },
}

/// One laid-out page.
#[derive(Debug, Clone)]
pub struct Page {
    pub width: f64,
    pub height: f64,
    pub items: Vec<Item>,
}
