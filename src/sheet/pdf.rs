//! Laid-out pages to PDF bytes through printpdf: the only file that knows PDF operators.

use printpdf::{
    Codepoint, Color, CurTransMat, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode,
    PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem,
};

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use lopdf::Object;

use printpdf::ParsedFont;

use super::SheetContent;
use super::SheetError;
use super::compact;
use super::fonts::{Face, Fonts};
use super::layout::{Item, Page, Paint, Tone};
use super::truetype;

const PT_PER_MM: f64 = 72.0 / 25.4;

fn pt(mm: f64) -> Pt {
    Pt((mm * PT_PER_MM) as f32)
}

fn grey(level: f64) -> Color {
    Color::Greyscale(Greyscale::new(level as f32, None))
}

/// Renders pages to a PDF. Metadata carries only the set ID and real dates:
/// no user, host or code.
pub fn to_pdf(
    pages: &[Page],
    fonts: &Fonts,
    content: &SheetContent<'_>,
) -> Result<Vec<u8>, SheetError> {
    let mut doc = PdfDocument::new(&format!("Recovery sheet {}", content.set_id));
    let text = embed(&mut doc, fonts, Face::Text, pages)?;
    let mono = embed(&mut doc, fonts, Face::Mono, pages)?;
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
    let names = HashMap::from([
        (text.id.0.as_bytes().to_vec(), Face::Text.postscript_name()),
        (mono.id.0.as_bytes().to_vec(), Face::Mono.postscript_name()),
    ]);
    tag_subsets(&mut lo, &names);
    compact::widths(&mut lo);
    compact::to_unicode(&mut lo);
    compact::empty_resources(&mut lo);
    compact::defaults(&mut lo);
    // printpdf's file identifier comes from a fixed seed, the same in every
    // PDF it writes; ours is the set ID and issue time, unique per sheet.
    let mut id = content.set_id.as_str().as_bytes().to_vec();
    id.extend_from_slice(&content.issued_at.timestamp().to_be_bytes());
    let id = Object::String(id, lopdf::StringFormat::Hexadecimal);
    lo.trailer.set("ID", Object::Array(vec![id.clone(), id]));
    compress_streams(&mut lo);
    let mut out = Vec::new();
    // The dictionaries go into one compressed object stream with a
    // cross-reference stream (PDF 1.5, which every current reader reads):
    // about a kilobyte less than plain objects and an xref table.
    lo.version = "1.5".to_owned();
    // Writing to a Vec cannot fail.
    let _ = lo.save_modern(&mut out);
    Ok(out)
}

/// Names each embedded font by its PostScript name (`names`: printpdf's name
/// for it, which is its font ID, to the real one) and marks it as a subset,
/// as PDF readers (and PDF/A) expect of one: `ABCDEF+Name`, the six letters
/// derived from the subset's bytes.
fn tag_subsets(doc: &mut lopdf::Document, names: &HashMap<Vec<u8>, &str>) {
    let mut renames: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    for object in doc.objects.values() {
        let Ok(dict) = object.as_dict() else { continue };
        if dict.get(b"Type").and_then(Object::as_name).ok() != Some(b"FontDescriptor") {
            continue;
        }
        let (Ok(name), Ok(file)) = (
            dict.get(b"FontName").and_then(Object::as_name),
            dict.get(b"FontFile2").and_then(Object::as_reference),
        ) else {
            continue;
        };
        let Ok(stream) = doc.get_object(file).and_then(Object::as_stream) else {
            continue;
        };
        // FNV-1a over the font program, written as six capital letters.
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        for b in &stream.content {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        let mut tagged: Vec<u8> = (0..6)
            .map(|i| b'A' + ((hash >> (i * 5)) % 26) as u8)
            .collect();
        tagged.push(b'+');
        match names.get(name) {
            Some(real) => tagged.extend_from_slice(real.as_bytes()),
            None => tagged.extend_from_slice(name),
        }
        renames.insert(name.to_vec(), tagged);
    }
    for object in doc.objects.values_mut() {
        rename_fonts(object, &renames);
    }
}

fn rename_fonts(object: &mut Object, renames: &HashMap<Vec<u8>, Vec<u8>>) {
    let dict = match object {
        Object::Dictionary(dict) => dict,
        Object::Stream(stream) => &mut stream.dict,
        Object::Array(items) => {
            for item in items {
                rename_fonts(item, renames);
            }
            return;
        }
        _ => return,
    };
    for (key, value) in dict.iter_mut() {
        match value {
            Object::Name(name) if key == b"BaseFont" || key == b"FontName" => {
                if let Some(tagged) = renames.get(name.as_slice()) {
                    *name = tagged.clone();
                }
            }
            other => rename_fonts(other, renames),
        }
    }
}

/// zlib level for the PDF's streams. printpdf's save compresses at level 9,
/// which was a fifth of a sheet's time; level 6 costs a few hundred bytes a
/// sheet and much less time (see BENCHMARKS.md).
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
    /// Glyph ID in the full font -> glyph ID in the embedded subset.
    remap: HashMap<u16, u16>,
}

impl Embedded {
    fn gid(&self, full: u16) -> u16 {
        self.remap.get(&full).copied().unwrap_or(0)
    }
}

/// Adds `face` as a subset of the glyphs the pages use (see [`truetype::subset`]).
fn embed(
    doc: &mut PdfDocument,
    fonts: &Fonts,
    face: Face,
    pages: &[Page],
) -> Result<Embedded, SheetError> {
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
    let chars: Vec<(char, u16)> = used.into_iter().map(|(gid, c)| (c, gid)).collect();
    let failed = || SheetError::FontSubset(face.name());
    let subset = truetype::subset(fonts.font(face), &chars).ok_or_else(failed)?;
    let parsed = ParsedFont::from_bytes(&subset.bytes, 0, &mut Vec::new()).ok_or_else(failed)?;
    Ok(Embedded {
        id: doc.add_font(&parsed),
        remap: subset.glyph_ids,
    })
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
            // In module units from the symbol's bottom-left corner, so each
            // run is a few small integers rather than four long decimals
            // (the QR was over a third of a page's drawing operations).
            let size = matrix.width as f64;
            let scale = pt(*module).0;
            let origin = (pt(*x).0, pt(page_h - y - size * module).0);
            ops.push(Op::SaveGraphicsState);
            ops.push(Op::SetTransformationMatrix {
                matrix: CurTransMat::Raw([scale, 0.0, 0.0, scale, origin.0, origin.1]),
            });
            ops.push(Op::SetFillColor { col: grey(0.0) });
            for (row, col, len) in matrix.dark_runs() {
                let unit = |v: usize| Pt(v as f32);
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: unit(col),
                        y: unit(matrix.width - 1 - row),
                        width: unit(len),
                        height: unit(1),
                        mode: Some(PaintMode::Fill),
                        winding_order: None,
                    },
                });
            }
            ops.push(Op::RestoreGraphicsState);
        }
    }
}
