//! The scan test matrix's pictures: a real sheet laid out by the sheet code, then scanned, photocopied or photographed, in pure Rust.
//!
//! The paper is page 1 of a real sheet ([`RealSheet`]): the QR where the
//! layout puts it, at the layout's module size, the rules, boxes and band
//! the layout draws, and each line of text as letter-like strokes over the
//! width the fonts give it. A camera maps it to pixels through a homography
//! (scale, rotation, keystone), sampling each pixel at several points so
//! module edges are grey as in a real scan; effects then act on the pixels.
//! Everything is deterministic: the noise comes from a seeded xorshift.

use chrono::{DateTime, FixedOffset};
use image::{GrayImage, Luma};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::codes::{CodeSet, Format, SetId, generate_set};
use crate::lang::Lang;
use crate::sheet::fonts::{Face, Fonts, Measure};
use crate::sheet::layout::{self, Item, Page, Paint, Tone};
use crate::sheet::qr::{QrMatrix, SheetMark};
use crate::sheet::{Paper as PaperSize, SheetContent, UseOrder};
use crate::template::{Key, Template};

/// Quiet zone around the symbol, in modules.
pub const QUIET: f64 = 4.0;
/// Millimetres per typographic point.
const PT: f64 = 25.4 / 72.0;

/// A sheet as `generate` would print it, with everything owned.
pub struct RealSheet {
    template: Template,
    pub paper: PaperSize,
    pub account: String,
    issued_at: DateTime<FixedOffset>,
    pub generation: u32,
    set_id: SetId,
    codes: CodeSet,
}

impl RealSheet {
    pub fn new(lang: Lang, paper: PaperSize, account: &str, generation: u32) -> RealSheet {
        let format = Format::parse("XXXX-XXXX-XXXX-XXXX").expect("the default format");
        RealSheet {
            template: Template::embedded(lang),
            paper,
            account: account.to_owned(),
            issued_at: DateTime::parse_from_rfc3339("2026-11-22T14:31:05+09:00").expect("a time"),
            generation,
            set_id: SetId::parse("7K2Q-M9XA").expect("a set ID"),
            codes: generate_set(&mut StdRng::seed_from_u64(13), &format, 10).expect("codes"),
        }
    }

    /// The longest account the tool accepts (200 Japanese characters), the
    /// largest generation (the longest payload), on A4.
    pub fn longest() -> RealSheet {
        let account: String = "株式会社サンプル経理部共有アカウント"
            .chars()
            .cycle()
            .take(crate::limits::MAX_LABEL_CHARS)
            .collect();
        RealSheet::new(Lang::Ja, PaperSize::A4, &account, u32::MAX)
    }

    pub fn content(&self) -> SheetContent<'_> {
        SheetContent {
            template: &self.template,
            paper: self.paper,
            account: &self.account,
            service: None,
            organisation: None,
            issued_at: self.issued_at,
            generation: self.generation,
            set_id: &self.set_id,
            codes: &self.codes,
            replaces: None,
            older_sets: 0,
            location: Some("Safe, 2F"),
            custodian: Some("K. Sato"),
            next_inventory: None,
            order: UseOrder::AnyOrder,
            advice: Key::AdviceGeneric,
            copies: 1,
        }
    }

    pub fn mark(&self) -> SheetMark {
        self.content().mark()
    }

    /// Page 1 as the layout places it.
    pub fn page_one(&self, fonts: &Fonts) -> Page {
        let qr = QrMatrix::for_mark(&self.mark()).expect("the mark encodes");
        let mut pages = layout::layout(&self.content(), &qr, fonts).expect("the sheet lays out");
        pages.swap_remove(0)
    }

    /// The sheet's PDF, as `generate` writes it.
    pub fn pdf(&self, fonts: &Fonts) -> Vec<u8> {
        crate::sheet::render(&self.content(), fonts).expect("the sheet renders")
    }
}

/// A dark axis-aligned rectangle on the paper, in millimetres.
#[derive(Debug, Clone, Copy)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// What is printed on the paper: the QR and any other ink, in millimetres
/// from the top-left corner (y down, as the layout).
pub struct Paper {
    qr: QrMatrix,
    /// Top-left corner of the symbol (quiet zone excluded), mm.
    qr_origin: (f64, f64),
    module_mm: f64,
    ink: Vec<Rect>,
    /// `ink` indices per 5 mm cell, so a lookup checks a few rectangles.
    grid: Vec<Vec<usize>>,
    grid_cols: usize,
    grid_rows: usize,
    /// Paper's extent; outside it is the table.
    pub size: (f64, f64),
}

const CELL_MM: f64 = 5.0;

impl Paper {
    /// A laid-out page: its QR, and its other items as ink.
    pub fn from_page(page: &Page, fonts: &Fonts) -> Paper {
        let mut rng = XorShift::new(0x5eed);
        let mut ink = Vec::new();
        let mut qr = None;
        for item in &page.items {
            match item {
                Item::Qr {
                    x,
                    y,
                    module,
                    matrix,
                } => qr = Some((matrix.clone(), (*x, *y), *module)),
                Item::Rect { x, y, w, h, paint } => match paint {
                    Paint::Fill { grey } if *grey < 0.5 => ink.push(Rect {
                        x: *x,
                        y: *y,
                        w: *w,
                        h: *h,
                    }),
                    Paint::Fill { .. } => {}
                    Paint::Stroke { width_pt } => outline(&mut ink, *x, *y, *w, *h, width_pt * PT),
                },
                Item::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    width_pt,
                } => {
                    let t = width_pt * PT;
                    ink.push(Rect {
                        x: x1.min(*x2) - t / 2.0,
                        y: y1.min(*y2) - t / 2.0,
                        w: (x2 - x1).abs() + t,
                        h: (y2 - y1).abs() + t,
                    });
                }
                Item::Text {
                    x,
                    y,
                    size,
                    face,
                    text,
                    colour,
                } if *colour != Tone::White => {
                    let width = fonts.width_mm(*face, *size, text);
                    let h = size * PT * if *face == Face::Mono { 0.7 } else { 0.75 };
                    words(&mut rng, &mut ink, *x, x + width, y - h, h);
                }
                Item::Text { .. } => {}
            }
        }
        let (qr, qr_origin, module_mm) = qr.expect("page 1 has the QR");
        Paper::new(qr, qr_origin, module_mm, ink, (page.width, page.height))
    }

    /// A blank A4 sheet with `qr` alone where a sheet has its QR (for
    /// symbols that are not a version 2 mark: old sheets, other QR codes).
    pub fn plain(qr: &QrMatrix, module_mm: f64) -> Paper {
        let (width, height) = PaperSize::A4.size_mm();
        let box_mm = (qr.width as f64 + 2.0 * QUIET) * module_mm;
        let margin = layout::MARGIN;
        let origin = (
            width - margin - box_mm + QUIET * module_mm,
            margin + QUIET * module_mm,
        );
        Paper::new(qr.clone(), origin, module_mm, Vec::new(), (width, height))
    }

    fn new(
        qr: QrMatrix,
        qr_origin: (f64, f64),
        module_mm: f64,
        ink: Vec<Rect>,
        size: (f64, f64),
    ) -> Paper {
        let grid_cols = (size.0 / CELL_MM).ceil() as usize + 1;
        let grid_rows = (size.1 / CELL_MM).ceil() as usize + 1;
        let mut grid = vec![Vec::new(); grid_cols * grid_rows];
        for (i, r) in ink.iter().enumerate() {
            let c0 = (r.x / CELL_MM).floor().max(0.0) as usize;
            let c1 = (((r.x + r.w) / CELL_MM).floor().max(0.0) as usize).min(grid_cols - 1);
            let r0 = (r.y / CELL_MM).floor().max(0.0) as usize;
            let r1 = (((r.y + r.h) / CELL_MM).floor().max(0.0) as usize).min(grid_rows - 1);
            for row in r0..=r1 {
                for col in c0..=c1 {
                    grid[row * grid_cols + col].push(i);
                }
            }
        }
        Paper {
            qr,
            qr_origin,
            module_mm,
            ink,
            grid,
            grid_cols,
            grid_rows,
            size,
        }
    }

    /// The QR's module, mm.
    pub fn module_mm(&self) -> f64 {
        self.module_mm
    }

    /// The QR box (quiet zone included): x, y, side, in mm.
    pub fn qr_box(&self) -> (f64, f64, f64) {
        let q = QUIET * self.module_mm;
        (
            self.qr_origin.0 - q,
            self.qr_origin.1 - q,
            self.qr.width as f64 * self.module_mm + 2.0 * q,
        )
    }

    /// Ink at a point: `Some(true)` ink, `Some(false)` paper, `None` off the page.
    fn ink(&self, x: f64, y: f64) -> Option<bool> {
        if x < 0.0 || y < 0.0 || x >= self.size.0 || y >= self.size.1 {
            return None;
        }
        let col = ((x - self.qr_origin.0) / self.module_mm).floor();
        let row = ((y - self.qr_origin.1) / self.module_mm).floor();
        if col >= 0.0 && row >= 0.0 && self.qr.is_dark(row as usize, col as usize) {
            return Some(true);
        }
        let (gc, gr) = ((x / CELL_MM) as usize, (y / CELL_MM) as usize);
        if gc < self.grid_cols && gr < self.grid_rows {
            for &i in &self.grid[gr * self.grid_cols + gc] {
                let r = self.ink[i];
                if x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h {
                    return Some(true);
                }
            }
        }
        Some(false)
    }
}

/// A line of text as words of letter strokes, so it has the texture of text.
fn words(rng: &mut XorShift, out: &mut Vec<Rect>, x0: f64, x1: f64, y: f64, h: f64) {
    let mut x = x0;
    while x < x1 {
        let w = (h * (1.0 + rng.unit() * 5.0)).min(x1 - x);
        let mut lx = x;
        while lx < x + w {
            let stroke = h * (0.12 + rng.unit() * 0.2);
            let lh = h * (0.6 + rng.unit() * 0.4);
            out.push(Rect {
                x: lx,
                y: y + (h - lh),
                w: stroke,
                h: lh,
            });
            lx += stroke + h * (0.15 + rng.unit() * 0.25);
        }
        x += w + h * 0.5;
    }
}

fn outline(out: &mut Vec<Rect>, x: f64, y: f64, w: f64, h: f64, t: f64) {
    out.push(Rect { x, y, w, h: t });
    out.push(Rect {
        x,
        y: y + h - t,
        w,
        h: t,
    });
    out.push(Rect { x, y, w: t, h });
    out.push(Rect {
        x: x + w - t,
        y,
        w: t,
        h,
    });
}

/// A 3x3 projective map, row-major, applied to column vectors (x, y, 1).
#[derive(Debug, Clone, Copy)]
pub struct Homography([f64; 9]);

impl Homography {
    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let m = &self.0;
        let w = m[6] * x + m[7] * y + m[8];
        (
            (m[0] * x + m[1] * y + m[2]) / w,
            (m[3] * x + m[4] * y + m[5]) / w,
        )
    }

    fn then(&self, next: &Homography) -> Homography {
        let (a, b) = (&next.0, &self.0);
        let mut m = [0.0; 9];
        for r in 0..3 {
            for c in 0..3 {
                m[r * 3 + c] = (0..3).map(|k| a[r * 3 + k] * b[k * 3 + c]).sum();
            }
        }
        Homography(m)
    }

    fn scale_translate(s: f64, tx: f64, ty: f64) -> Homography {
        Homography([s, 0.0, tx, 0.0, s, ty, 0.0, 0.0, 1.0])
    }

    fn rotation(deg: f64) -> Homography {
        let (s, c) = deg.to_radians().sin_cos();
        Homography([c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0])
    }

    /// The map taking the four `from` points to the four `to` points.
    fn from_points(from: [(f64, f64); 4], to: [(f64, f64); 4]) -> Option<Homography> {
        let mut a = [[0.0f64; 9]; 8];
        for i in 0..4 {
            let ((x, y), (u, v)) = (from[i], to[i]);
            a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        // Gaussian elimination with partial pivoting on the 8x8 system.
        for col in 0..8 {
            let pivot = (col..8).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))?;
            if a[pivot][col].abs() < 1e-12 {
                return None;
            }
            a.swap(col, pivot);
            let pivot_row = a[col];
            for (r, row) in a.iter_mut().enumerate() {
                if r != col {
                    let f = row[col] / pivot_row[col];
                    for (v, p) in row.iter_mut().zip(pivot_row).skip(col) {
                        *v -= f * p;
                    }
                }
            }
        }
        let mut m = [0.0; 9];
        for (i, (out, row)) in m.iter_mut().zip(&a).enumerate() {
            *out = row[8] / row[i];
        }
        m[8] = 1.0;
        Some(Homography(m))
    }

    fn inverse(&self) -> Option<Homography> {
        let m = &self.0;
        let det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
            + m[2] * (m[3] * m[7] - m[4] * m[6]);
        if det.abs() < 1e-15 {
            return None;
        }
        let inv = [
            m[4] * m[8] - m[5] * m[7],
            m[2] * m[7] - m[1] * m[8],
            m[1] * m[5] - m[2] * m[4],
            m[5] * m[6] - m[3] * m[8],
            m[0] * m[8] - m[2] * m[6],
            m[2] * m[3] - m[0] * m[5],
            m[3] * m[7] - m[4] * m[6],
            m[1] * m[6] - m[0] * m[7],
            m[0] * m[4] - m[1] * m[3],
        ];
        Some(Homography(inv.map(|v| v / det)))
    }
}

/// How the paper is captured: which part, at what resolution, from what angle.
#[derive(Debug, Clone, Copy)]
pub struct Camera {
    pub dpi: f64,
    /// The paper region captured, mm: x, y, w, h.
    pub region: (f64, f64, f64, f64),
    /// Rotation in the image plane, degrees, counter-clockwise.
    pub rotate_deg: f64,
    /// Keystone: the far (top) edge this fraction shorter than the near one.
    pub keystone: f64,
    /// Samples per pixel along each axis.
    pub supersample: u32,
    /// Grey level of paper and ink, and of the table around the page.
    pub paper: u8,
    pub ink: u8,
    pub table: u8,
}

impl Camera {
    /// A flatbed scan of `region`: white paper, black ink, square on.
    pub fn scan(dpi: f64, region: (f64, f64, f64, f64)) -> Camera {
        Camera {
            dpi,
            region,
            rotate_deg: 0.0,
            keystone: 0.0,
            supersample: 3,
            paper: 255,
            ink: 0,
            table: 255,
        }
    }
}

/// Paper through the camera. Square on, each pixel is its exact ink
/// coverage; turned or tilted, the average of `supersample`² points.
pub fn capture(paper: &Paper, cam: &Camera) -> GrayImage {
    if cam.rotate_deg == 0.0 && cam.keystone == 0.0 {
        return capture_square(paper, cam);
    }
    let px_per_mm = cam.dpi / 25.4;
    let (rx, ry, rw, rh) = cam.region;
    // Paper mm -> unrotated pixels -> rotated about the centre.
    let base = Homography::scale_translate(px_per_mm, -rx * px_per_mm, -ry * px_per_mm);
    let (w0, h0) = (rw * px_per_mm, rh * px_per_mm);
    let centre = Homography::scale_translate(1.0, -w0 / 2.0, -h0 / 2.0);
    let rotated = base
        .then(&centre)
        .then(&Homography::rotation(-cam.rotate_deg));
    // Bounding box of the rotated region, which becomes the image.
    let corners = [(rx, ry), (rx + rw, ry), (rx + rw, ry + rh), (rx, ry + rh)]
        .map(|(x, y)| rotated.apply(x, y));
    let min_x = corners.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
    let max_x = corners
        .iter()
        .map(|c| c.0)
        .fold(f64::NEG_INFINITY, f64::max);
    let min_y = corners.iter().map(|c| c.1).fold(f64::INFINITY, f64::min);
    let max_y = corners
        .iter()
        .map(|c| c.1)
        .fold(f64::NEG_INFINITY, f64::max);
    let (w, h) = ((max_x - min_x).ceil() as u32, (max_y - min_y).ceil() as u32);
    let mut forward = rotated.then(&Homography::scale_translate(1.0, -min_x, -min_y));
    if cam.keystone > 0.0 {
        // The top edge pulled in by keystone/2 on each side.
        let (wf, hf) = (f64::from(w), f64::from(h));
        let inset = wf * cam.keystone / 2.0;
        let square = [(0.0, 0.0), (wf, 0.0), (wf, hf), (0.0, hf)];
        let tilted = [(inset, 0.0), (wf - inset, 0.0), (wf, hf), (0.0, hf)];
        if let Some(k) = Homography::from_points(square, tilted) {
            forward = forward.then(&k);
        }
    }
    let Some(inverse) = forward.inverse() else {
        return GrayImage::new(1, 1);
    };
    let s = cam.supersample.max(1);
    let step = 1.0 / f64::from(s);
    let samples = f64::from(s * s);
    let mut img = GrayImage::new(w.max(1), h.max(1));
    for (px, py, pixel) in img.enumerate_pixels_mut() {
        let mut sum = 0.0;
        for sy in 0..s {
            for sx in 0..s {
                let x = f64::from(px) + (f64::from(sx) + 0.5) * step;
                let y = f64::from(py) + (f64::from(sy) + 0.5) * step;
                let (mx, my) = inverse.apply(x, y);
                sum += f64::from(match paper.ink(mx, my) {
                    Some(true) => cam.ink,
                    Some(false) => cam.paper,
                    None => cam.table,
                });
            }
        }
        *pixel = Luma([(sum / samples).round() as u8]);
    }
    img
}

/// Square-on capture by painting each rectangle's exact pixel coverage: the
/// cost is the inked area, not the image (a 300 dpi page is 8.7 Mpx).
fn capture_square(paper: &Paper, cam: &Camera) -> GrayImage {
    let px_per_mm = cam.dpi / 25.4;
    let (rx, ry, rw, rh) = cam.region;
    let (w, h) = (
        ((rw * px_per_mm).ceil() as usize).max(1),
        ((rh * px_per_mm).ceil() as usize).max(1),
    );
    let mut cover = vec![0.0f32; w * h];
    let mut paint = |r: &Rect| {
        let (x0, x1) = ((r.x - rx) * px_per_mm, (r.x + r.w - rx) * px_per_mm);
        let (y0, y1) = ((r.y - ry) * px_per_mm, (r.y + r.h - ry) * px_per_mm);
        let (cx0, cx1) = (
            x0.floor().max(0.0) as usize,
            (x1.ceil().max(0.0) as usize).min(w),
        );
        let (cy0, cy1) = (
            y0.floor().max(0.0) as usize,
            (y1.ceil().max(0.0) as usize).min(h),
        );
        for py in cy0..cy1 {
            let fy = (y1.min(py as f64 + 1.0) - y0.max(py as f64)).max(0.0);
            let row = &mut cover[py * w..(py + 1) * w];
            for (px, c) in row.iter_mut().enumerate().take(cx1).skip(cx0) {
                let fx = (x1.min(px as f64 + 1.0) - x0.max(px as f64)).max(0.0);
                *c += (fx * fy) as f32;
            }
        }
    };
    for row in 0..paper.qr.width {
        for col in 0..paper.qr.width {
            if paper.qr.is_dark(row, col) {
                paint(&Rect {
                    x: paper.qr_origin.0 + col as f64 * paper.module_mm,
                    y: paper.qr_origin.1 + row as f64 * paper.module_mm,
                    w: paper.module_mm,
                    h: paper.module_mm,
                });
            }
        }
    }
    for r in &paper.ink {
        paint(r);
    }
    let (paper_v, ink_v) = (f32::from(cam.paper), f32::from(cam.ink));
    let raw = cover
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (x, y) = (
                (i % w) as f64 / px_per_mm + rx,
                (i / w) as f64 / px_per_mm + ry,
            );
            if x < 0.0 || y < 0.0 || x >= paper.size.0 || y >= paper.size.1 {
                cam.table
            } else {
                (paper_v - c.min(1.0) * (paper_v - ink_v)).round() as u8
            }
        })
        .collect();
    GrayImage::from_raw(w as u32, h as u32, raw).unwrap_or_else(|| GrayImage::new(1, 1))
}

pub use super::decode::{blur, resize};

/// Re-encoded as JPEG at `quality` and decoded again.
pub fn jpeg(img: &GrayImage, quality: u8) -> GrayImage {
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    if img.write_with_encoder(encoder).is_err() {
        return img.clone();
    }
    image::load_from_memory(&bytes).map_or_else(|_| img.clone(), image::DynamicImage::into_luma8)
}

/// Gaussian noise of `sigma` grey levels.
pub fn noise(img: &mut GrayImage, sigma: f64, seed: u64) {
    let mut rng = XorShift::new(seed);
    for p in img.pixels_mut() {
        let v = f64::from(p.0[0]) + rng.gaussian() * sigma;
        p.0[0] = v.clamp(0.0, 255.0) as u8;
    }
}

/// Uneven light: bright at one corner, `dim` of that at the opposite one, and
/// the ink greyed to `contrast` of the paper's range (a phone in a dim room).
pub fn lighting(img: &mut GrayImage, dim: f64, contrast: f64) {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    for (x, y, p) in img.enumerate_pixels_mut() {
        let t = (f64::from(x) / w + f64::from(y) / h) / 2.0;
        let light = 1.0 - (1.0 - dim) * t;
        let v = f64::from(p.0[0]) / 255.0;
        let v = (1.0 - contrast) + contrast * v;
        p.0[0] = (v * light * 255.0).clamp(0.0, 255.0) as u8;
    }
}

/// A black-and-white photocopy: toner spread, noise, a hard threshold, then
/// specks of toner and dropouts (`specks` of pixels each way).
pub fn photocopy(img: &GrayImage, spread_px: f32, specks: f64, seed: u64) -> GrayImage {
    let mut out = if spread_px > 0.0 {
        blur(img, spread_px)
    } else {
        img.clone()
    };
    noise(&mut out, 40.0, seed);
    let mut rng = XorShift::new(seed ^ 0xc0ffee);
    for p in out.pixels_mut() {
        // A copier threshold a little light of middle: thin lines thicken.
        let mut v = if p.0[0] < 140 { 0 } else { 255 };
        let r = rng.unit();
        if r < specks {
            v = 0;
        } else if r < 2.0 * specks {
            v = 255;
        }
        p.0[0] = v;
    }
    out
}

/// Deterministic xorshift64* for noise and clutter.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    pub fn gaussian(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// One image of the matrix: a named variant at a resolution.
#[derive(Debug, Clone)]
pub struct Case {
    pub variant: Variant,
    pub dpi: u32,
}

/// The matrix's variants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Variant {
    /// A flatbed scan, square on.
    Clean,
    /// Turned in the image plane by this many degrees (a sheet laid crooked
    /// on the glass, or a phone held sideways).
    Rotated(u32),
    /// A small tilt in degrees, as a sheet fed askew.
    Tilt(u32),
    /// Out of focus: Gaussian blur of sigma 0.3 module.
    Blur,
    /// Saved as JPEG at quality 40.
    Jpeg40,
    /// Keystone: the far edge 10% shorter than the near one.
    Skew10,
    /// Black-and-white photocopy: hard threshold, noise, specks.
    Photocopy,
    /// Shrunk to 2/3 with a triangle filter (a 150 dpi image becomes 100 dpi).
    Downscaled,
    /// The whole page at once (the QR in its top-right corner among the
    /// sheet's text, rules and band), softened as a scanner does.
    Page,
    /// Phone-like: the page's top-right quarter and the table around it, 7
    /// degrees rotated, 10% keystone, blur, dim uneven light, noise and JPEG 40.
    Combined,
}

impl Variant {
    /// Name as the tables print it (rotations grouped).
    pub fn group(&self) -> &'static str {
        match self {
            Variant::Clean => "clean",
            Variant::Rotated(_) => "rotated 15..345 step 15",
            Variant::Tilt(_) => "tilt 3 and 7 deg",
            Variant::Blur => "blur 0.3 module",
            Variant::Jpeg40 => "JPEG q40",
            Variant::Skew10 => "keystone 10%",
            Variant::Photocopy => "B&W photocopy",
            Variant::Downscaled => "downscaled to 2/3",
            Variant::Page => "whole A4 page",
            Variant::Combined => "phone-like (all)",
        }
    }

    pub fn label(&self) -> String {
        match self {
            Variant::Rotated(d) => format!("rot{d:03}"),
            Variant::Tilt(d) => format!("tilt{d}"),
            Variant::Clean => "clean".into(),
            Variant::Blur => "blur".into(),
            Variant::Jpeg40 => "jpeg40".into(),
            Variant::Skew10 => "skew10".into(),
            Variant::Photocopy => "photocopy".into(),
            Variant::Downscaled => "downscaled".into(),
            Variant::Page => "page".into(),
            Variant::Combined => "phone".into(),
        }
    }
}

/// The matrix: every variant at every resolution.
pub fn matrix(dpis: &[u32]) -> Vec<Case> {
    let mut variants = vec![Variant::Clean];
    variants.extend((15..360).step_by(15).map(Variant::Rotated));
    variants.extend([Variant::Tilt(3), Variant::Tilt(7)]);
    variants.extend([
        Variant::Blur,
        Variant::Jpeg40,
        Variant::Skew10,
        Variant::Photocopy,
        Variant::Downscaled,
        Variant::Page,
        Variant::Combined,
    ]);
    dpis.iter()
        .flat_map(|&dpi| variants.iter().map(move |&variant| Case { variant, dpi }))
        .collect()
}

impl Case {
    /// The case's picture of `paper`.
    pub fn render(&self, paper: &Paper) -> GrayImage {
        let dpi = f64::from(self.dpi);
        let module_px = paper.module_mm() * dpi / 25.4;
        let seed = u64::from(self.dpi) * 1000 + self.variant.label().len() as u64;
        let (bx, by, side) = paper.qr_box();
        // The QR box and 6 mm of the sheet around it.
        let around = (bx - 6.0, by - 6.0, side + 12.0, side + 12.0);
        // Enough samples for grey module edges: 3 at 75-100 dpi, 1 at 300.
        let scan = Camera {
            supersample: (8.0 / module_px).ceil().clamp(1.0, 3.0) as u32,
            ..Camera::scan(dpi, around)
        };
        match self.variant {
            Variant::Clean => capture(paper, &scan),
            Variant::Rotated(d) | Variant::Tilt(d) => capture(
                paper,
                &Camera {
                    rotate_deg: f64::from(d),
                    ..scan
                },
            ),
            Variant::Blur => blur(&capture(paper, &scan), (0.3 * module_px) as f32),
            Variant::Jpeg40 => jpeg(&capture(paper, &scan), 40),
            Variant::Skew10 => capture(
                paper,
                &Camera {
                    keystone: 0.10,
                    ..scan
                },
            ),
            Variant::Photocopy => {
                photocopy(&capture(paper, &scan), (0.1 * module_px) as f32, 0.01, seed)
            }
            Variant::Downscaled => resize(&capture(paper, &scan), 2.0 / 3.0),
            Variant::Page => {
                // Exact coverage plus a scanner's slight softness.
                let cam = Camera::scan(dpi, (0.0, 0.0, paper.size.0, paper.size.1));
                blur(&capture(paper, &cam), 0.5)
            }
            Variant::Combined => {
                // The top-right quarter of the page and a strip of table.
                let region = (paper.size.0 - 90.0, -5.0, 95.0, 90.0);
                let cam = Camera {
                    rotate_deg: 7.0,
                    keystone: 0.10,
                    supersample: scan.supersample.min(2),
                    paper: 235,
                    ink: 30,
                    table: 70,
                    ..Camera::scan(dpi, region)
                };
                let mut img = blur(&capture(paper, &cam), (0.25 * module_px) as f32);
                lighting(&mut img, 0.55, 0.85);
                noise(&mut img, 6.0, seed);
                jpeg(&img, 40)
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn homography_from_points_maps_the_corners() {
        let from = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        let to = [(1.0, 0.0), (9.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        let h = Homography::from_points(from, to).unwrap();
        for (f, t) in from.iter().zip(to) {
            let (x, y) = h.apply(f.0, f.1);
            assert!((x - t.0).abs() < 1e-9 && (y - t.1).abs() < 1e-9);
        }
        let back = h.inverse().unwrap().apply(t_x(&h), 0.0);
        assert!((back.0 - 5.0).abs() < 1e-9);
    }

    fn t_x(h: &Homography) -> f64 {
        h.apply(5.0, 0.0).0
    }
}
