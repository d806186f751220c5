//! Page geometry in millimetres: where every piece of the sheet goes. No PDF here.

use zeroize::Zeroizing;

use super::SheetContent;
use super::fonts::{Face, Measure};
use super::qr::QrMatrix;
use crate::template::Key;

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
    Qr {
        x: f64,
        y: f64,
        module: f64,
        matrix: QrMatrix,
    },
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

const MARGIN: f64 = 14.0;
/// The QR's side (quiet zone included) for an ordinary payload.
const QR_BOX: f64 = 32.0;
/// Quiet zone around the QR, in modules.
const QR_QUIET: f64 = 4.0;
/// The smallest module a photo of the whole page still resolves: `check
/// --scan` sees an A4 page at about 7 px/mm, and a QR needs 3 px or more per
/// module. A long account (200 Japanese characters is a version 21 symbol)
/// would otherwise squeeze its modules to 0.3 mm in the 32 mm box.
const QR_MIN_MODULE: f64 = 0.5;
const FOOTER_H: f64 = 9.0;
const ROW_MAX: f64 = 9.0;
const ROW_MIN: f64 = 7.0;
const PT: f64 = 25.4 / 72.0;

/// Lays out every page of every copy.
pub fn layout(content: &SheetContent<'_>, qr: &QrMatrix, m: &dyn Measure) -> Vec<Page> {
    let (width, height) = content.paper.size_mm();
    let geometry = Geometry { width, height };
    let first = first_page_top(content, qr, m, &geometry, 1);
    let first_rows = rows_that_fit(
        geometry.codes_bottom() - first.codes_top,
        content.codes.len(),
    );
    let later_top = continuation_top(content, m, &geometry, 1).codes_top;
    let other_rows = rows_that_fit(geometry.codes_bottom() - later_top, usize::MAX).max(1);

    // Split numbers 1..=N into pages.
    let n = content.codes.len();
    let mut chunks = vec![(0, first_rows.min(n))];
    while chunks.last().map_or(0, |c| c.1) < n {
        let start = chunks.last().map_or(0, |c| c.1);
        chunks.push((start, (start + other_rows).min(n)));
    }
    let pages_per_copy = chunks.len();
    let mut pages = Vec::with_capacity(pages_per_copy * content.copies as usize);
    for copy in 1..=content.copies {
        for (index, &(start, end)) in chunks.iter().enumerate() {
            let mut top = if index == 0 {
                first_page_top(content, qr, m, &geometry, copy)
            } else {
                continuation_top(content, m, &geometry, copy)
            };
            let avail = geometry.codes_bottom() - top.codes_top;
            let row_h = (avail / (end - start).max(1) as f64).clamp(ROW_MIN, ROW_MAX);
            code_rows(
                content,
                m,
                &geometry,
                &mut top.items,
                top.codes_top,
                row_h,
                start,
                end,
            );
            footer(
                content,
                m,
                &geometry,
                &mut top.items,
                index + 1,
                pages_per_copy,
            );
            pages.push(Page {
                width,
                height,
                items: top.items,
            });
        }
    }
    pages
}

fn rows_that_fit(space: f64, wanted: usize) -> usize {
    ((space / ROW_MIN).floor().max(0.0) as usize).min(wanted)
}

struct Geometry {
    width: f64,
    height: f64,
}

impl Geometry {
    fn content_width(&self) -> f64 {
        self.width - 2.0 * MARGIN
    }
    fn right(&self) -> f64 {
        self.width - MARGIN
    }
    fn codes_bottom(&self) -> f64 {
        self.height - MARGIN - FOOTER_H
    }
}

struct Top {
    items: Vec<Item>,
    codes_top: f64,
}

fn text(items: &mut Vec<Item>, x: f64, y: f64, size: f64, face: Face, s: &str, colour: Tone) {
    items.push(Item::Text {
        x,
        y,
        size,
        face,
        text: Zeroizing::new(s.to_owned()),
        colour,
    });
}

/// Writes wrapped lines from `y` (top of the first line); returns the y below them.
// Geometry helpers take position, width and style as plain numbers, which
// reads better at the call sites than a builder would.
#[allow(clippy::too_many_arguments)]
fn paragraph(
    items: &mut Vec<Item>,
    m: &dyn Measure,
    x: f64,
    y: f64,
    max_w: f64,
    size: f64,
    s: &str,
    colour: Tone,
) -> f64 {
    let lead = size * PT * 1.35;
    let mut y = y;
    for line in wrap(m, Face::Text, size, s, max_w) {
        y += lead;
        text(items, x, y - lead * 0.25, size, Face::Text, &line, colour);
    }
    y
}

/// Largest size (down to `min`) at which `s` fits in `max_lines` lines of `max_w`.
fn fit(
    m: &dyn Measure,
    s: &str,
    max_w: f64,
    max_size: f64,
    min: f64,
    max_lines: usize,
) -> (f64, Vec<String>) {
    let tokens = Tokens::new(m, Face::Text, s);
    let mut size = max_size;
    loop {
        let lines = tokens.wrap(m, size, max_w);
        if lines.len() <= max_lines || size <= min {
            return (size, lines);
        }
        size -= 0.5;
    }
}

fn first_page_top(
    content: &SheetContent<'_>,
    qr: &QrMatrix,
    m: &dyn Measure,
    g: &Geometry,
    copy: u32,
) -> Top {
    let t = content.template;
    let mut items = Vec::new();
    let qr_box = qr_box(qr);
    let left_w = g.content_width() - qr_box - 4.0;

    // QR at top right, with its caption underneath.
    let module = qr_box / (qr.width as f64 + 2.0 * QR_QUIET);
    let qr_x = g.right() - qr_box;
    items.push(Item::Qr {
        x: qr_x + QR_QUIET * module,
        y: MARGIN + QR_QUIET * module,
        module,
        matrix: qr.clone(),
    });
    let mut cap_y = MARGIN + qr_box - 1.0;
    for line in wrap(m, Face::Text, 6.5, t.text(Key::QrCaption), qr_box) {
        cap_y += 6.5 * PT * 1.3;
        let w = m.width_mm(Face::Text, 6.5, &line);
        text(
            &mut items,
            qr_x + (qr_box - w) / 2.0,
            cap_y,
            6.5,
            Face::Text,
            &line,
            Tone::Grey,
        );
    }

    let mut y = MARGIN;
    // Title, with the copy mark on the same line when there are copies.
    let (title_size, title_lines) = fit(m, t.text(Key::Title), left_w, 17.0, 11.0, 2);
    for line in &title_lines {
        y += title_size * PT * 1.2;
        text(
            &mut items,
            MARGIN,
            y,
            title_size,
            Face::Text,
            line,
            Tone::Black,
        );
    }
    if content.copies > 1 {
        let mark = t.fill(
            Key::CopyOf,
            &[("k", &copy.to_string()), ("n", &content.copies.to_string())],
        );
        y += 5.0;
        text(&mut items, MARGIN, y, 9.0, Face::Text, &mark, Tone::Black);
    }
    y += 3.0;

    // Account: the biggest size at which it fits three lines.
    y = labelled(
        &mut items,
        m,
        MARGIN,
        y,
        left_w,
        t.text(Key::LabelAccount),
        content.account,
        14.0,
    );
    if let Some(service) = content.service {
        y = labelled(
            &mut items,
            m,
            MARGIN,
            y,
            left_w,
            t.text(Key::LabelService),
            service,
            11.0,
        );
    }

    if let Some(organisation) = content.organisation {
        y = labelled(
            &mut items,
            m,
            MARGIN,
            y,
            left_w,
            t.text(Key::LabelOrganisation),
            organisation,
            11.0,
        );
    }

    // Issued / generation / set ID.
    y += 1.0;
    let issued = content.issued_display();
    y = meta_line(
        &mut items,
        m,
        MARGIN,
        y,
        t.text(Key::LabelIssued),
        &issued,
        Face::Text,
    );
    y = meta_line(
        &mut items,
        m,
        MARGIN,
        y,
        t.text(Key::LabelGeneration),
        &content.generation.to_string(),
        Face::Text,
    );
    y = meta_line(
        &mut items,
        m,
        MARGIN,
        y,
        t.text(Key::LabelSetId),
        &content.set_id.to_string(),
        Face::Mono,
    );
    y = y.max(cap_y) + 4.0;

    y = destroy_box(content, m, g, &mut items, y);
    y = storage_block(content, m, g, &mut items, y + 3.0);

    // How to use the codes.
    y += 2.0;
    let w = g.content_width();
    let order = match content.order {
        super::UseOrder::AnyOrder => Key::OrderAny,
        super::UseOrder::InOrder => Key::OrderInOrder,
    };
    for key in [Key::Howto, order, content.advice, Key::LowCodes] {
        y = paragraph(&mut items, m, MARGIN, y, w, 8.5, t.text(key), Tone::Black);
        y += 0.6;
    }

    y += 2.5;
    let heading = t.fill(
        Key::CodesHeading,
        &[("count", &content.codes.len().to_string())],
    );
    y += 11.0 * PT * 1.2;
    text(
        &mut items,
        MARGIN,
        y,
        11.0,
        Face::Text,
        &heading,
        Tone::Black,
    );
    y += 2.0;
    Top {
        items,
        codes_top: y,
    }
}

/// The QR's side: [`QR_BOX`], or more when that would make its modules
/// smaller than [`QR_MIN_MODULE`].
fn qr_box(qr: &QrMatrix) -> f64 {
    ((qr.width as f64 + 2.0 * QR_QUIET) * QR_MIN_MODULE).max(QR_BOX)
}

fn continuation_top(content: &SheetContent<'_>, m: &dyn Measure, g: &Geometry, copy: u32) -> Top {
    let t = content.template;
    let mut items = Vec::new();
    let mut y = MARGIN;
    let (size, lines) = fit(m, t.text(Key::Title), g.content_width(), 13.0, 9.0, 1);
    y += size * PT * 1.2;
    text(
        &mut items,
        MARGIN,
        y,
        size,
        Face::Text,
        &lines.join(" "),
        Tone::Black,
    );
    let mut summary = format!(
        "{} · {} {}",
        content.account,
        t.text(Key::LabelSetId),
        content.set_id
    );
    if content.copies > 1 {
        summary.push_str(" · ");
        summary.push_str(&t.fill(
            Key::CopyOf,
            &[("k", &copy.to_string()), ("n", &content.copies.to_string())],
        ));
    }
    y = paragraph(
        &mut items,
        m,
        MARGIN,
        y + 1.0,
        g.content_width(),
        9.0,
        &summary,
        Tone::Black,
    );
    y += 3.0 + 11.0 * PT * 1.2;
    text(
        &mut items,
        MARGIN,
        y,
        11.0,
        Face::Text,
        t.text(Key::CodesContinued),
        Tone::Black,
    );
    Top {
        items,
        codes_top: y + 2.0,
    }
}

// Geometry helpers take position, width and style as plain numbers, which
// reads better at the call sites than a builder would.
#[allow(clippy::too_many_arguments)]
fn labelled(
    items: &mut Vec<Item>,
    m: &dyn Measure,
    x: f64,
    y: f64,
    w: f64,
    label: &str,
    value: &str,
    size: f64,
) -> f64 {
    let label_w = m.width_mm(Face::Text, 8.0, label) + 3.0;
    let (size, lines) = fit(m, value, w - label_w, size, 7.0, 3);
    let mut y = y;
    for (i, line) in lines.iter().enumerate() {
        y += size * PT * 1.25;
        if i == 0 {
            text(items, x, y, 8.0, Face::Text, label, Tone::Grey);
        }
        text(items, x + label_w, y, size, Face::Text, line, Tone::Black);
    }
    y + 1.0
}

fn meta_line(
    items: &mut Vec<Item>,
    m: &dyn Measure,
    x: f64,
    y: f64,
    label: &str,
    value: &str,
    face: Face,
) -> f64 {
    let y = y + 10.0 * PT * 1.35;
    let label_w = m.width_mm(Face::Text, 8.0, label).max(24.0) + 2.0;
    text(items, x, y, 8.0, Face::Text, label, Tone::Grey);
    text(items, x + label_w, y, 10.0, face, value, Tone::Black);
    y
}

fn destroy_box(
    content: &SheetContent<'_>,
    m: &dyn Measure,
    g: &Geometry,
    items: &mut Vec<Item>,
    top: f64,
) -> f64 {
    let t = content.template;
    let pad = 2.5;
    let inner_w = g.content_width() - 2.0 * pad;
    let mut body = Vec::new();
    // Heading on a black band, white letters.
    let heading_lines = wrap(m, Face::Text, 11.5, t.text(Key::DestroyHeading), inner_w);
    let band_h = heading_lines.len() as f64 * 11.5 * PT * 1.3 + 2.5;
    body.push(Item::Rect {
        x: MARGIN,
        y: top,
        w: g.content_width(),
        h: band_h,
        paint: Paint::Fill { grey: 0.0 },
    });
    let mut y = top + 1.0;
    for line in &heading_lines {
        y += 11.5 * PT * 1.3;
        text(
            &mut body,
            MARGIN + pad,
            y - 1.0,
            11.5,
            Face::Text,
            line,
            Tone::White,
        );
    }
    y = top + band_h + 1.0;
    y = paragraph(
        &mut body,
        m,
        MARGIN + pad,
        y,
        inner_w,
        9.5,
        t.text(Key::DestroyBody),
        Tone::Black,
    );
    match &content.replaces {
        Some(replaced) => {
            let line = t.fill(
                Key::DestroyReplaces,
                &[
                    ("set_id", &replaced.set_id.to_string()),
                    ("generation", &replaced.generation.to_string()),
                    (
                        "issued",
                        &replaced.issued_at.format("%Y-%m-%d %H:%M").to_string(),
                    ),
                ],
            );
            y = paragraph(
                &mut body,
                m,
                MARGIN + pad,
                y + 0.5,
                inner_w,
                10.5,
                &line,
                Tone::Black,
            );
            if content.older_sets > 0 {
                let older = t.fill(Key::DestroyOlder, &[("n", &content.older_sets.to_string())]);
                y = paragraph(
                    &mut body,
                    m,
                    MARGIN + pad,
                    y,
                    inner_w,
                    9.0,
                    &older,
                    Tone::Black,
                );
            }
        }
        None => {
            y = paragraph(
                &mut body,
                m,
                MARGIN + pad,
                y,
                inner_w,
                9.0,
                t.text(Key::DestroyFirst),
                Tone::Black,
            );
        }
    }
    let bottom = y + 2.0;
    items.push(Item::Rect {
        x: MARGIN,
        y: top,
        w: g.content_width(),
        h: bottom - top,
        paint: Paint::Stroke { width_pt: 2.0 },
    });
    items.extend(body);
    bottom
}

/// Storage location, custodian and next inventory: printed when known,
/// a line to write on otherwise.
fn storage_block(
    content: &SheetContent<'_>,
    m: &dyn Measure,
    g: &Geometry,
    items: &mut Vec<Item>,
    top: f64,
) -> f64 {
    let t = content.template;
    let next = content
        .next_inventory
        .map(|d| d.format("%Y-%m-%d").to_string());
    let rows = [
        (Key::LabelLocation, content.location),
        (Key::LabelCustodian, content.custodian),
        (Key::LabelNextInventory, next.as_deref()),
    ];
    let label_w = rows
        .iter()
        .map(|(k, _)| m.width_mm(Face::Text, 8.5, t.text(*k)))
        .fold(0.0, f64::max)
        + 3.0;
    let value_w = g.content_width() - label_w;
    let mut y = top;
    for (key, value) in rows {
        let (size, lines) = match value {
            Some(v) => fit(m, v, value_w, 10.0, 7.0, 2),
            None => (10.0, vec![String::new()]),
        };
        for (i, line) in lines.iter().enumerate() {
            y += 6.0;
            if i == 0 {
                text(items, MARGIN, y, 8.5, Face::Text, t.text(key), Tone::Grey);
            }
            if !line.is_empty() {
                text(
                    items,
                    MARGIN + label_w,
                    y,
                    size,
                    Face::Text,
                    line,
                    Tone::Black,
                );
            }
        }
        items.push(Item::Line {
            x1: MARGIN + label_w,
            y1: y + 1.0,
            x2: g.right(),
            y2: y + 1.0,
            width_pt: 0.4,
        });
    }
    y + 1.5
}

#[allow(clippy::too_many_arguments)]
fn code_rows(
    content: &SheetContent<'_>,
    m: &dyn Measure,
    g: &Geometry,
    items: &mut Vec<Item>,
    top: f64,
    row_h: f64,
    start: usize,
    end: usize,
) {
    let t = content.template;
    let format = content.codes.format();
    let codes = &content.codes.codes()[start..end];
    let shown: Vec<Zeroizing<String>> = codes.iter().map(|c| format.display(c)).collect();
    let longest = shown.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let probe = "0".repeat(longest);

    let box_x = MARGIN + 1.5;
    let number_right = MARGIN + 16.0;
    let code_x = MARGIN + 19.0;
    // Codes as large as 13 pt allows within 80 mm, never below 8 pt.
    let mut code_size: f64 = 13.0;
    while code_size > 8.0 && m.width_mm(Face::Mono, code_size, &probe) > 80.0 {
        code_size -= 0.5;
    }
    let code_w = m.width_mm(Face::Mono, code_size, &probe);
    let used_x = code_x + code_w + 6.0;
    let used_on = t.text(Key::UsedOn);
    let used_by = t.text(Key::UsedBy);
    let on_w = m.width_mm(Face::Text, 8.0, used_on);
    let by_w = m.width_mm(Face::Text, 8.0, used_by);
    let free = g.right() - used_x - on_w - by_w - 4.0;
    let date_line = (free * 0.4).clamp(16.0, 34.0);

    for (i, shown) in shown.iter().enumerate() {
        let number = start + i + 1;
        let y = top + i as f64 * row_h;
        if number.is_multiple_of(2) {
            items.push(Item::Rect {
                x: MARGIN,
                y,
                w: g.content_width(),
                h: row_h,
                paint: Paint::Fill { grey: 0.93 },
            });
        }
        let baseline = y + row_h / 2.0 + code_size * PT * 0.35;
        let cb = 4.2;
        items.push(Item::Rect {
            x: box_x,
            y: y + (row_h - cb) / 2.0,
            w: cb,
            h: cb,
            paint: Paint::Stroke { width_pt: 0.8 },
        });
        let label = number.to_string();
        let nw = m.width_mm(Face::Text, 10.0, &label);
        text(
            items,
            number_right - nw,
            baseline,
            10.0,
            Face::Text,
            &label,
            Tone::Black,
        );
        items.push(Item::Text {
            x: code_x,
            y: baseline,
            size: code_size,
            face: Face::Mono,
            text: shown.clone(),
            colour: Tone::Black,
        });
        // "used on ______ by ________"
        let line_y = baseline + 0.6;
        text(
            items,
            used_x,
            baseline,
            8.0,
            Face::Text,
            used_on,
            Tone::Grey,
        );
        let on_end = used_x + on_w + 1.5 + date_line;
        items.push(Item::Line {
            x1: used_x + on_w + 1.5,
            y1: line_y,
            x2: on_end,
            y2: line_y,
            width_pt: 0.4,
        });
        text(
            items,
            on_end + 2.0,
            baseline,
            8.0,
            Face::Text,
            used_by,
            Tone::Grey,
        );
        items.push(Item::Line {
            x1: on_end + 3.5 + by_w,
            y1: line_y,
            x2: g.right() - 1.0,
            y2: line_y,
            width_pt: 0.4,
        });
    }
}

fn footer(
    content: &SheetContent<'_>,
    m: &dyn Measure,
    g: &Geometry,
    items: &mut Vec<Item>,
    page: usize,
    pages: usize,
) {
    let t = content.template;
    let y_rule = g.height - MARGIN - FOOTER_H + 3.0;
    items.push(Item::Line {
        x1: MARGIN,
        y1: y_rule,
        x2: g.right(),
        y2: y_rule,
        width_pt: 0.5,
    });
    let y = y_rule + 4.5;
    let left = t.fill(
        Key::Footer,
        &[
            ("set_id", &content.set_id.to_string()),
            ("generation", &content.generation.to_string()),
        ],
    );
    let right = t.fill(
        Key::PageOf,
        &[("page", &page.to_string()), ("pages", &pages.to_string())],
    );
    let right_w = m.width_mm(Face::Text, 8.0, &right);
    let (size, lines) = fit(m, &left, g.content_width() - right_w - 4.0, 8.0, 6.0, 1);
    text(
        items,
        MARGIN,
        y,
        size,
        Face::Text,
        &lines.join(" "),
        Tone::Black,
    );
    text(
        items,
        g.right() - right_w,
        y,
        8.0,
        Face::Text,
        &right,
        Tone::Black,
    );
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Characters that must not start a line in Japanese (kinsoku).
fn no_line_start(c: char) -> bool {
    "、。，．）」』】〕・ー！？：；）,.!?:;)".contains(c)
}

/// Greedy line breaking: at spaces for Latin text, between any two
/// characters for Japanese; a word longer than the line is cut.
pub fn wrap(m: &dyn Measure, face: Face, size: f64, s: &str, max_w: f64) -> Vec<String> {
    Tokens::new(m, face, s).wrap(m, size, max_w)
}

/// Text split where lines may break, with each piece's width at 1 pt
/// (widths grow with the size, so one measuring serves every size tried).
struct Tokens {
    face: Face,
    /// Runs of non-space non-CJK characters, single CJK characters, spaces.
    pieces: Vec<(String, f64)>,
}

impl Tokens {
    fn new(m: &dyn Measure, face: Face, s: &str) -> Tokens {
        let mut pieces: Vec<String> = Vec::new();
        for c in s.chars() {
            let joins = match pieces.last() {
                Some(last) => {
                    let prev = last.chars().last().unwrap_or(' ');
                    !c.is_whitespace() && !prev.is_whitespace() && !is_cjk(c) && !is_cjk(prev)
                        || (no_line_start(c) && !prev.is_whitespace())
                }
                None => false,
            };
            if joins {
                if let Some(last) = pieces.last_mut() {
                    last.push(c);
                }
            } else {
                pieces.push(c.to_string());
            }
        }
        Tokens {
            face,
            pieces: pieces
                .into_iter()
                .map(|p| {
                    let w = m.width_mm(face, 1.0, &p);
                    (p, w)
                })
                .collect(),
        }
    }

    fn wrap(&self, m: &dyn Measure, size: f64, max_w: f64) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        // Width of `line` up to its last non-space, and of the spaces after it.
        let (mut line_w, mut spaces_w) = (0.0, 0.0);
        for (piece, w) in &self.pieces {
            let w = w * size;
            if piece.trim().is_empty() {
                // A space counts only once a word follows it on the line.
                line.push_str(piece);
                spaces_w += w;
                continue;
            }
            if line_w + spaces_w + w <= max_w {
                line.push_str(piece);
                line_w += spaces_w + w;
                spaces_w = 0.0;
                continue;
            }
            // The space at a break is dropped.
            if !line.trim().is_empty() {
                lines.push(line.trim_end().to_owned());
            }
            line.clear();
            (line_w, spaces_w) = (0.0, 0.0);
            // A piece wider than the line on its own is cut by characters.
            for c in piece.chars() {
                let cw = m.width_mm(self.face, size, c.encode_utf8(&mut [0; 4]));
                if line_w + cw > max_w && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_owned());
        }
        lines.retain(|l| !l.is_empty());
        if lines.is_empty() {
            lines.push(String::new());
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character 1 mm wide per point of size / 10.
    struct Fixed;
    impl Measure for Fixed {
        fn width_mm(&self, _face: Face, size_pt: f64, text: &str) -> f64 {
            text.chars().count() as f64 * size_pt / 10.0
        }
    }

    /// Every shipped text, wrapped at many widths with the real fonts: no
    /// line is wider than asked (unless it is one character), and no
    /// character is lost or added.
    #[test]
    fn wrapped_lines_fit_and_keep_every_character() {
        use crate::lang::Lang;
        use crate::sheet::fonts::Fonts;
        use crate::template::Template;
        let fonts = Fonts::load();
        for lang in [Lang::En, Lang::Ja] {
            let template = Template::embedded(lang);
            for (_, text) in template.all_texts() {
                for max_w in (15..=185).step_by(17).map(f64::from) {
                    let lines = wrap(&fonts, Face::Text, 9.0, text, max_w);
                    for line in &lines {
                        let w = fonts.width_mm(Face::Text, 9.0, line);
                        assert!(
                            w <= max_w + 1e-6 || line.chars().count() == 1,
                            "{line:?} is {w} mm wide, more than {max_w}"
                        );
                    }
                    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
                    assert_eq!(squeeze(&lines.concat()), squeeze(text), "{max_w} mm");
                }
            }
        }
    }

    #[test]
    fn wraps_latin_at_spaces() {
        let lines = wrap(&Fixed, Face::Text, 10.0, "one two three four", 9.0);
        assert_eq!(lines, ["one two", "three", "four"]);
    }

    #[test]
    fn wraps_japanese_between_characters_but_not_before_punctuation() {
        let lines = wrap(&Fixed, Face::Text, 10.0, "あいうえお。かきく", 5.0);
        assert_eq!(lines, ["あいうえ", "お。かきく"]);
    }

    #[test]
    fn qr_modules_stay_readable_for_the_longest_account() {
        let ordinary = QrMatrix::encode("recovery-sheet/1\nset=7K2QM9XA\ngen=1\nissued=2026-11-22T14:31:05+09:00\naccount=shop@example.com").unwrap();
        assert_eq!(qr_box(&ordinary), QR_BOX);
        let long = format!(
            "recovery-sheet/1\nset=7K2QM9XA\ngen=1\nissued=2026-11-22T14:31:05+09:00\naccount={}",
            "株".repeat(200)
        );
        let long = QrMatrix::encode(&long).unwrap();
        let module = qr_box(&long) / (long.width as f64 + 2.0 * QR_QUIET);
        assert!(module >= QR_MIN_MODULE - 1e-9, "{module} mm");
    }

    #[test]
    fn cuts_words_longer_than_the_line() {
        let lines = wrap(&Fixed, Face::Text, 10.0, "abcdefghij", 4.0);
        assert_eq!(lines, ["abcd", "efgh", "ij"]);
    }
}
