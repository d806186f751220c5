//! Test fixtures: PDFs as office scanners write them, one image per page, in JPEG, Flate, CCITT G4 or JBIG2 (our own sheets' PDFs come from the sheet code itself).

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use image::GrayImage;
use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, Stream, dictionary};

/// How a scanner stored the page image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embed {
    /// DCTDecode at this JPEG quality (colour and grey scans).
    Jpeg(u8),
    /// FlateDecode, 8-bit DeviceGray samples.
    FlateGrey,
    /// FlateDecode, 1-bit DeviceGray (black-and-white "lossless").
    FlateBilevel,
    /// CCITTFaxDecode Group 4 (K = -1), black-and-white office scans.
    CcittG4,
    /// JBIG2Decode: a stub stream; readers must refuse it by name.
    Jbig2,
    /// JPXDecode (JPEG 2000): a stub stream, refused by name too.
    Jpx,
    /// JPEG drawn with a vertically flipping matrix (rows stored bottom-up).
    JpegFlipped,
    /// JPEG inside a form XObject.
    JpegInForm,
}

const A4_PT: (f64, f64) = (595.28, 841.89);

/// A one-page A4 PDF holding `img` as a full-page image (as a scanner writes it).
pub fn scanner_pdf(img: &GrayImage, embed: Embed) -> Vec<u8> {
    let (w, h) = img.dimensions();
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut dict = dictionary! {
        "Type" => "XObject",
        "Subtype" => "Image",
        "Width" => i64::from(w),
        "Height" => i64::from(h),
        "ColorSpace" => "DeviceGray",
        "BitsPerComponent" => 8,
    };
    let data = match embed {
        Embed::Jpeg(q) => jpeg(img, q, &mut dict),
        Embed::JpegFlipped => jpeg(&image::imageops::flip_vertical(img), 75, &mut dict),
        Embed::JpegInForm => jpeg(img, 75, &mut dict),
        Embed::FlateGrey => {
            dict.set("Filter", "FlateDecode");
            zlib(img.as_raw())
        }
        Embed::FlateBilevel => {
            dict.set("Filter", "FlateDecode");
            dict.set("BitsPerComponent", 1);
            zlib(&pack_bits(img))
        }
        Embed::CcittG4 => {
            dict.set("Filter", "CCITTFaxDecode");
            dict.set("BitsPerComponent", 1);
            dict.set(
                "DecodeParms",
                dictionary! { "K" => -1, "Columns" => i64::from(w), "Rows" => i64::from(h) },
            );
            g4(img)
        }
        Embed::Jbig2 => {
            dict.set("Filter", "JBIG2Decode");
            dict.set("BitsPerComponent", 1);
            vec![0x97, 0x4A, 0x42, 0x32, 0x0D, 0x0A, 0x1A, 0x0A]
        }
        Embed::Jpx => {
            dict.set("Filter", "JPXDecode");
            b"\0\0\0\x0cjP  \r\n\x87\n".to_vec()
        }
    };
    let image_id = doc.add_object(Stream::new(dict, data));
    let (pw, ph) = A4_PT;
    let image_ops = |flipped: bool| {
        let m: [f64; 6] = if flipped {
            [pw, 0.0, 0.0, -ph, 0.0, ph]
        } else {
            [pw, 0.0, 0.0, ph, 0.0, 0.0]
        };
        vec![
            Operation::new("q", vec![]),
            Operation::new("cm", m.iter().map(|v| Object::Real(*v as f32)).collect()),
            Operation::new("Do", vec![Object::Name(b"Im1".to_vec())]),
            Operation::new("Q", vec![]),
        ]
    };
    let (ops, xobjects) = if embed == Embed::JpegInForm {
        let form = Content {
            operations: image_ops(false),
        };
        let form_id = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), Object::Real(pw as f32), Object::Real(ph as f32)],
                "Resources" => dictionary! { "XObject" => dictionary! { "Im1" => image_id } },
            },
            form.encode().unwrap_or_default(),
        ));
        (
            vec![Operation::new("Do", vec![Object::Name(b"Fm1".to_vec())])],
            dictionary! { "Fm1" => form_id },
        )
    } else {
        (
            image_ops(embed == Embed::JpegFlipped),
            dictionary! { "Im1" => image_id },
        )
    };
    finish(doc, pages_id, Content { operations: ops }, xobjects)
}

/// A one-page A4 PDF with a line of text and nothing else.
pub fn text_only_pdf() -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let ops = vec![
        Operation::new("BT", vec![]),
        Operation::new("Td", vec![72.into(), 700.into()]),
        Operation::new("Tj", vec![Object::string_literal("no QR here")]),
        Operation::new("ET", vec![]),
    ];
    finish(
        doc,
        pages_id,
        Content { operations: ops },
        Dictionary::new(),
    )
}

/// `pdf` encrypted (RC4, 128 bits) with `user_password`; an empty one is a
/// PDF any reader opens (owner restrictions only), as some scanners write.
pub fn encrypted(pdf: &[u8], user_password: &str) -> Vec<u8> {
    let mut doc = Document::load_mem(pdf).unwrap();
    // The key is derived from the file's ID.
    let id = Object::string_literal(b"0123456789abcdef".to_vec());
    doc.trailer.set("ID", vec![id.clone(), id]);
    let version = lopdf::EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password,
        key_length: 128,
        permissions: lopdf::Permissions::default(),
    };
    let state = lopdf::EncryptionState::try_from(version).unwrap();
    doc.encrypt(&state).unwrap();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn finish(
    mut doc: Document,
    pages_id: lopdf::ObjectId,
    content: Content,
    xobjects: Dictionary,
) -> Vec<u8> {
    let content_id = doc.add_object(Stream::new(
        dictionary! { "Filter" => "FlateDecode" },
        zlib(&content.encode().unwrap_or_default()),
    ));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
        "Resources" => dictionary! { "XObject" => xobjects },
        "MediaBox" => vec![0.into(), 0.into(), Object::Real(A4_PT.0 as f32), Object::Real(A4_PT.1 as f32)],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
        ),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    let _ = doc.save_to(&mut out);
    out
}

fn jpeg(img: &GrayImage, quality: u8, dict: &mut Dictionary) -> Vec<u8> {
    dict.set("Filter", "DCTDecode");
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    let _ = img.write_with_encoder(encoder);
    out
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    let _ = z.write_all(data);
    z.finish().unwrap_or_default()
}

/// 1 bit per pixel, rows padded to a byte, 1 = white (DeviceGray).
fn pack_bits(img: &GrayImage) -> Vec<u8> {
    let (w, h) = img.dimensions();
    let row = w.div_ceil(8) as usize;
    let mut out = vec![0u8; row * h as usize];
    for (x, y, p) in img.enumerate_pixels() {
        if p.0[0] >= 128 {
            out[y as usize * row + x as usize / 8] |= 0x80 >> (x % 8);
        }
    }
    out
}

fn g4(img: &GrayImage) -> Vec<u8> {
    let (w, h) = img.dimensions();
    let mut encoder = fax::encoder::Encoder::new(fax::VecWriter::new());
    for y in 0..h {
        let line = (0..w).map(|x| {
            if img.get_pixel(x, y).0[0] < 128 {
                fax::Color::Black
            } else {
                fax::Color::White
            }
        });
        if encoder.encode_line(line, w as u16).is_err() {
            return Vec::new();
        }
    }
    encoder
        .finish()
        .map(fax::VecWriter::finish)
        .unwrap_or_default()
}
