//! Inputs as offices have them: PNG, JPEG, TIFF, WebP, scanner PDFs (JPEG, Flate, CCITT G4, in a form, flipped), our own sheet's PDF; and the refusals, each with what to do.

use std::io::Cursor;
use std::sync::OnceLock;

use image::{GrayImage, ImageFormat, Luma};
use qrcode::EcLevel;

use super::pdfgen::{self, Embed};
use super::synth::{Case, Paper, RealSheet, Variant};
use super::{LIMITS, Limits, Problem, ScanError, scan_bytes, scan_picture};
use crate::lang::Lang;
use crate::messages::{Localized, Messages};
use crate::sheet::Paper as PaperSize;
use crate::sheet::fonts::Fonts;
use crate::sheet::qr::{MarkError, QrMatrix, SheetMark};

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(Fonts::load)
}

/// An ordinary English sheet on A4, generation 12.
fn sheet() -> &'static RealSheet {
    static SHEET: OnceLock<RealSheet> = OnceLock::new();
    SHEET.get_or_init(|| RealSheet::new(Lang::En, PaperSize::A4, "shop@example.com", 12))
}

/// The whole of page 1 at 150 dpi, as an office scanner delivers it.
fn page() -> &'static GrayImage {
    static PAGE: OnceLock<GrayImage> = OnceLock::new();
    PAGE.get_or_init(|| {
        let paper = Paper::from_page(&sheet().page_one(fonts()), fonts());
        Case {
            variant: Variant::Page,
            dpi: 150,
        }
        .render(&paper)
    })
}

fn encoded(img: &GrayImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn scan(bytes: &[u8]) -> Result<SheetMark, Problem> {
    scan_bytes(bytes, &LIMITS)
}

/// The error as the user reads it, in English and Japanese.
fn said(problem: Problem) -> (String, String) {
    let e = ScanError {
        path: "photo.x".into(),
        problem,
    };
    (e.to_string(), e.message(&Messages::new(Lang::Ja)))
}

#[test]
fn photos_and_scans_in_every_raster_format_read() {
    for format in [
        ImageFormat::Png,
        ImageFormat::Jpeg,
        ImageFormat::Tiff,
        ImageFormat::WebP,
    ] {
        let found = scan(&encoded(page(), format)).unwrap_or_else(|e| panic!("{format:?}: {e:?}"));
        assert_eq!(found, sheet().mark(), "{format:?}");
    }
}

#[test]
fn scanner_pdfs_read_from_their_embedded_images() {
    for embed in [
        Embed::Jpeg(60),
        Embed::FlateGrey,
        Embed::FlateBilevel,
        Embed::CcittG4,
        Embed::JpegFlipped,
        Embed::JpegInForm,
    ] {
        let pdf = pdfgen::scanner_pdf(page(), embed);
        let found = scan(&pdf).unwrap_or_else(|e| panic!("{embed:?}: {e:?}"));
        assert_eq!(found, sheet().mark(), "{embed:?}");
    }
}

#[test]
fn our_own_sheet_pdf_reads_from_its_drawn_qr() {
    for sheet in [
        RealSheet::longest(),
        RealSheet::new(Lang::En, PaperSize::Letter, "a@example.com", 1),
    ] {
        let found = scan(&sheet.pdf(fonts())).expect("a mark");
        assert_eq!(found, sheet.mark());
    }
}

#[test]
fn jbig2_and_jpeg_2000_pdfs_are_refused_by_name_with_what_to_do() {
    for (embed, name, japanese) in [
        (Embed::Jbig2, "JBIG2", "JBIG2"),
        (Embed::Jpx, "JPEG 2000", "JPEG 2000"),
    ] {
        let problem = scan(&pdfgen::scanner_pdf(page(), embed)).unwrap_err();
        assert!(
            matches!(problem, Problem::PdfImagesUnreadable(_)),
            "{problem:?}"
        );
        let (en, ja) = said(problem);
        assert!(
            en.contains(name) && en.contains("export page 1 as PNG"),
            "{en}"
        );
        assert!(ja.contains(japanese) && ja.contains("PNG"), "{ja}");
    }
}

/// A password keeps the pages closed: refused with what to do. A PDF with
/// only an owner password (restrictions on printing or copying) opens.
#[test]
fn encrypted_pdfs_are_refused_unless_anyone_may_open_them() {
    let scanned = pdfgen::scanner_pdf(page(), Embed::Jpeg(75));
    let problem = scan(&pdfgen::encrypted(&scanned, "secret")).unwrap_err();
    assert!(matches!(problem, Problem::PdfEncrypted), "{problem:?}");
    let (en, ja) = said(problem);
    assert!(
        en.contains("password-protected") && en.contains("PNG"),
        "{en}"
    );
    assert!(ja.contains("パスワード"), "{ja}");
    assert_eq!(
        scan(&pdfgen::encrypted(&scanned, "")).unwrap(),
        sheet().mark()
    );
}

#[test]
fn heic_photos_are_refused_with_how_to_convert_them() {
    let problem = scan(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic....").unwrap_err();
    assert!(matches!(problem, Problem::Heic), "{problem:?}");
    let (en, ja) = said(problem);
    assert!(
        en.contains("heif-convert") && en.contains("Most Compatible"),
        "{en}"
    );
    assert!(
        ja.contains("heif-convert") && ja.contains("互換性優先"),
        "{ja}"
    );
    for (bytes, format) in [
        (&b"GIF89a\x01\0\x01\0"[..], "GIF"),
        (&b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"[..], "AVIF"),
    ] {
        let (en, _) = said(scan(bytes).unwrap_err());
        assert!(en.contains(format) && en.contains("PNG, JPEG"), "{en}");
    }
    let (en, _) = said(scan(b"just some text").unwrap_err());
    assert!(en.contains("not a PNG, JPEG, TIFF, WebP or PDF"), "{en}");
}

#[test]
fn a_picture_without_a_qr_says_what_was_tried_and_what_to_do() {
    let blank = GrayImage::from_pixel(400, 300, Luma([200]));
    let problem = scan(&encoded(&blank, ImageFormat::Png)).unwrap_err();
    assert!(matches!(problem, Problem::NoQr(_)), "{problem:?}");
    let (en, ja) = said(problem);
    for words in [
        "PNG image of 400x300 px",
        "as is",
        "local threshold",
        "turned 270 degrees",
        "photograph the top right corner of the sheet, flat",
        "in good light",
    ] {
        assert!(en.contains(words), "`{words}` in {en}");
    }
    assert!(!en.contains('\n'));
    for words in ["400x300", "270 度", "右上", "明るい"] {
        assert!(ja.contains(words), "`{words}` in {ja}");
    }
    // A large photo is searched small, then at its own size.
    let big = GrayImage::from_pixel(3000, 2000, Luma([200]));
    let (en, _) = said(scan_picture(&big, &LIMITS).unwrap_err());
    assert!(en.contains("the full-size picture"), "{en}");
}

#[test]
fn a_pdf_with_nothing_to_look_at_says_so() {
    // A page of text alone: no image, no drawn QR.
    let pdf = pdfgen::text_only_pdf();
    let problem = scan(&pdf).unwrap_err();
    assert!(
        matches!(problem, Problem::PdfNoPictures { pages_read: 1 }),
        "{problem:?}"
    );
}

#[test]
fn a_qr_code_that_is_not_ours_is_named_as_such() {
    let foreign = QrMatrix::auto("https://example.com/", EcLevel::M).unwrap();
    let picture = Case {
        variant: Variant::Clean,
        dpi: 150,
    }
    .render(&Paper::plain(&foreign, 1.0));
    let problem = scan(&encoded(&picture, ImageFormat::Png)).unwrap_err();
    assert!(
        matches!(problem, Problem::NotOurs(MarkError::NotOurs)),
        "{problem:?}"
    );
}

/// A photo of a sheet with some other QR code beside it (a poster, a
/// delivery label): the sheet's mark is the one reported.
#[test]
fn the_mark_is_found_beside_another_qr_code() {
    let foreign = QrMatrix::auto("https://example.com/parcel/123456", EcLevel::M).unwrap();
    let clean = |paper: &Paper| {
        Case {
            variant: Variant::Clean,
            dpi: 150,
        }
        .render(paper)
    };
    let other = clean(&Paper::plain(&foreign, 1.0));
    let ours = clean(&Paper::from_page(&sheet().page_one(fonts()), fonts()));
    for (left, right) in [(&other, &ours), (&ours, &other)] {
        let mut both = GrayImage::from_pixel(
            left.width() + right.width(),
            left.height().max(right.height()),
            Luma([255]),
        );
        image::imageops::replace(&mut both, left, 0, 0);
        image::imageops::replace(&mut both, right, i64::from(left.width()), 0);
        assert_eq!(scan_picture(&both, &LIMITS).unwrap(), sheet().mark());
    }
}

/// Sheets printed before issue 13 (payload version 1, drawn as it was:
/// the smallest symbol at level M, 0.65 mm modules for a short account).
#[test]
fn an_old_sheet_still_reads() {
    let v1 = "recovery-sheet/1\nset=7K2QM9XA\ngen=3\nissued=2026-11-22T14:31:05+09:00\naccount=shop@example.com";
    let legacy = QrMatrix::auto(v1, EcLevel::M).unwrap();
    let picture = Case {
        variant: Variant::Clean,
        dpi: 150,
    }
    .render(&Paper::plain(&legacy, 0.65));
    let found = scan(&encoded(&picture, ImageFormat::Jpeg)).unwrap();
    assert_eq!(found.set_id.as_str(), "7K2QM9XA");
    assert_eq!(found.generation, 3);
    assert_eq!(found.legacy.unwrap().account, "shop@example.com");
}

#[test]
fn a_pixel_bomb_is_refused_from_its_header() {
    // A PNG claiming 100000 x 100000 pixels with a tiny IDAT, as a
    // decompression bomb starts (the header alone is not enough: the
    // decoder reads up to the first IDAT for the size).
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut png, b"IEND", &[]);
    let problem = scan(&png).unwrap_err();
    assert!(
        matches!(problem, Problem::TooManyPixels { width: 100_000, .. }),
        "{problem:?}"
    );
    let (en, _) = said(problem);
    assert!(en.contains("100000x100000"), "{en}");
}

#[test]
fn a_file_over_the_byte_limit_is_not_read() {
    let small = Limits {
        max_bytes: 4,
        ..LIMITS
    };
    assert!(matches!(
        scan_bytes(b"12345", &small),
        Err(Problem::TooLarge { limit: 4 })
    ));
}

/// A PNG chunk with its CRC.
fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
