//! Laid-out pages to PDF bytes through printpdf: the only file that knows PDF operators.

use printpdf::{
    Codepoint, Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem,
};

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

use printpdf::ParsedFont;

use super::SheetContent;
use super::fonts::{Face, Fonts};
use super::layout::{Item, Page, Paint, Tone};
use super::truetype::strip_hinting;

const PT_PER_MM: f64 = 72.0 / 25.4;

fn pt(mm: f64) -> Pt {
    Pt((mm * PT_PER_MM) as f32)
}

fn grey(level: f64) -> Color {
    Color::Greyscale(Greyscale::new(level as f32, None))
}

/// Renders pages to a PDF. Metadata carries only the set ID and real dates:
/// no user, host or code.
pub fn to_pdf(pages: &[Page], fonts: &Fonts, content: &SheetContent<'_>) -> Vec<u8> {
    let mut doc = PdfDocument::new(&format!("Recovery sheet {}", content.set_id));
    let text = embed(&mut doc, fonts, Face::Text, pages);
    let mono = embed(&mut doc, fonts, Face::Mono, pages);
    let info = &mut doc.metadata.info;
    if let Ok(when) = printpdf::OffsetDateTime::from_unix_timestamp(content.issued_at.timestamp()) {
        info.creation_date = when;
        info.modification_date = when;
        info.metadata_date = when;
    }
    info.creator = "recovery-sheet".into();
    info.producer = format!("recovery-sheet {}", env!("CARGO_PKG_VERSION"));

    let pdf_pages = pages
        .iter()
        .map(|page| {
            let mut ops = Vec::with_capacity(page.items.len() * 4);
            for item in &page.items {
                item_ops(item, page.height, fonts, [&text, &mono], &mut ops);
            }
            PdfPage::new(Mm(page.width as f32), Mm(page.height as f32), ops)
        })
        .collect();
    doc.with_pages(pdf_pages);
    // The fonts are subsets already (see `embed`); printpdf would subset them again.
    let options = PdfSaveOptions {
        subset_fonts: false,
        ..PdfSaveOptions::default()
    };
    let mut lo = doc.to_lopdf_document(&options, &mut Vec::new());
    compress_streams(&mut lo);
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = lo.save_to(&mut out);
    out
}

/// zlib level for the PDF's streams. printpdf's save compresses at level 9,
/// which was a fifth of a sheet's time; level 6 writes the same sheet in
/// (see BENCHMARKS.md).
const DEFLATE_LEVEL: u32 = 6;

/// Compresses every stream that has no filter yet, as printpdf's save does,
/// at [`DEFLATE_LEVEL`].
fn compress_streams(doc: &mut lopdf::Document) {
    for object in doc.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::new(DEFLATE_LEVEL));
        let Ok(compressed) = encoder
            .write_all(&stream.content)
            .and_then(|()| encoder.finish())
        else {
            continue;
        };
        // As lopdf does: only when it saves more than the filter entry costs.
        if compressed.len() + 19 < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(compressed);
        }
    }
}

/// A face as added to the document, with the glyph renumbering of its subset.
struct Embedded {
    id: FontId,
    /// Glyph ID in the full font -> glyph ID in the embedded subset; empty
    /// when the full font was embedded.
    remap: HashMap<u16, u16>,
}

impl Embedded {
    fn gid(&self, full: u16) -> u16 {
        if self.remap.is_empty() {
            full
        } else {
            self.remap.get(&full).copied().unwrap_or(0)
        }
    }
}

/// Adds `face` as a subset of the glyphs the pages use, without hinting
/// (printed sheets do not need it; it is ~40% of IPAexGothic's glyph data).
/// Falls back to the full face, which printpdf subsets itself, if that fails.
fn embed(doc: &mut PdfDocument, fonts: &Fonts, face: Face, pages: &[Page]) -> Embedded {
    let mut used: BTreeMap<u16, char> = BTreeMap::new();
    if let Some(space) = fonts.glyph(face, ' ') {
        used.insert(space, ' ');
    }
    for page in pages {
        for item in &page.items {
            if let Item::Text { face: f, text, .. } = item
                && *f == face
            {
                for c in text.chars() {
                    if let Some(gid) = fonts.glyph(face, c) {
                        used.entry(gid).or_insert(c);
                    }
                }
            }
        }
    }
    let mut ids: Vec<(u16, char)> = vec![(0, '\0')];
    ids.extend(used);
    let full = fonts.parsed(face);
    let small = full
        .subset(&ids, Default::default())
        .ok()
        .and_then(|(bytes, mapping)| {
            let stripped = strip_hinting(&bytes)?;
            let parsed = ParsedFont::from_bytes(&stripped, 0, &mut Vec::new())?;
            Some((parsed, mapping))
        });
    match small {
        Some((parsed, mapping)) => Embedded {
            id: doc.add_font(&parsed),
            remap: mapping
                .into_iter()
                .map(|(old, (new, _))| (old, new))
                .collect(),
        },
        None => Embedded {
            id: doc.add_font(full),
            remap: HashMap::new(),
        },
    }
}

fn item_ops(
    item: &Item,
    page_h: f64,
    fonts: &Fonts,
    [text_font, mono_font]: [&Embedded; 2],
    ops: &mut Vec<Op>,
) {
    match item {
        Item::Text {
            x,
            y,
            size,
            face,
            text,
            colour,
        } => {
            let embedded = match face {
                Face::Text => text_font,
                Face::Mono => mono_font,
            };
            let font = embedded.id.clone();
            let level = match colour {
                Tone::Black => 0.0,
                Tone::White => 1.0,
                Tone::Grey => 0.35,
            };
            ops.extend([
                Op::StartTextSection,
                Op::SetFont {
                    font: PdfFontHandle::External(font),
                    size: Pt(*size as f32),
                },
                Op::SetFillColor { col: grey(level) },
                Op::SetTextCursor {
                    pos: Point {
                        x: pt(*x),
                        y: pt(page_h - y),
                    },
                },
                // Glyph IDs with their text: printpdf would otherwise look up
                // every character again through the font's slow cmap scan.
                Op::ShowText {
                    items: vec![TextItem::GlyphIds(
                        text.chars()
                            .filter_map(|c| {
                                // Coverage was checked before layout; only a
                                // space-like character can lack a glyph here.
                                fonts
                                    .glyph(*face, c)
                                    .or_else(|| fonts.glyph(*face, ' '))
                                    .map(|gid| {
                                        Codepoint::with_cid(embedded.gid(gid), 0.0, c.to_string())
                                    })
                            })
                            .collect(),
                    )],
                },
                Op::EndTextSection,
            ]);
        }
        Item::Rect { x, y, w, h, paint } => {
            let mode = match paint {
                Paint::Stroke { width_pt } => {
                    ops.push(Op::SetOutlineColor { col: grey(0.0) });
                    ops.push(Op::SetOutlineThickness {
                        pt: Pt(*width_pt as f32),
                    });
                    PaintMode::Stroke
                }
                Paint::Fill { grey: level } => {
                    ops.push(Op::SetFillColor { col: grey(*level) });
                    PaintMode::Fill
                }
            };
            ops.push(Op::DrawRectangle {
                rectangle: Rect {
                    x: pt(*x),
                    y: pt(page_h - y - h),
                    width: pt(*w),
                    height: pt(*h),
                    mode: Some(mode),
                    winding_order: None,
                },
            });
        }
        Item::Line {
            x1,
            y1,
            x2,
            y2,
            width_pt,
        } => {
            ops.push(Op::SetOutlineColor { col: grey(0.0) });
            ops.push(Op::SetOutlineThickness {
                pt: Pt(*width_pt as f32),
            });
            let point = |x: f64, y: f64| LinePoint {
                p: Point {
                    x: pt(x),
                    y: pt(page_h - y),
                },
                bezier: false,
            };
            ops.push(Op::DrawLine {
                line: Line {
                    points: vec![point(*x1, *y1), point(*x2, *y2)],
                    is_closed: false,
                },
            });
        }
        Item::Qr {
            x,
            y,
            module,
            matrix,
        } => {
            ops.push(Op::SetFillColor { col: grey(0.0) });
            for (row, col, len) in matrix.dark_runs() {
                let top = y + row as f64 * module;
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: pt(x + col as f64 * module),
                        y: pt(page_h - top - module),
                        width: pt(len as f64 * module),
                        height: pt(*module),
                        mode: Some(PaintMode::Fill),
                        winding_order: None,
                    },
                });
            }
        }
    }
}
