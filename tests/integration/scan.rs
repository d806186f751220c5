//! `check --scan` end to end (issue 13): a real sheet photographed or scanned into every format offices have, the sheet's own PDF, an old sheet's QR, and refusals that say what to do. The account always comes from the ledger, never from the QR.

use crate::common;

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use image::{GrayImage, ImageFormat};

/// A sheet generated in `env` as `name` (with `args`), and its set ID as printed.
fn sheet_with(env: &Env, account: &str, name: &str, args: &[&str]) -> (Vec<u8>, String) {
    let out = env
        .cmd()
        .args(["generate", "--account", account, "-o", name])
        .args(args)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let bytes = fs::read(env.work().join(name)).expect("the PDF");
    let set = qr_fields(&qr_text(&bytes))["set"].clone();
    let set_id = format!("{}-{}", &set[..4], &set[4..]);
    (bytes, set_id)
}

fn sheet(env: &Env, account: &str, name: &str) -> (Vec<u8>, String) {
    sheet_with(env, account, name, &[])
}

/// Page 1 at about 150 dpi, as a flatbed scanner or a careful photo gives it.
fn photo(bytes: &[u8]) -> GrayImage {
    rasterize_page1(bytes, 150.0 / 72.0)
}

fn write_image(env: &Env, img: &GrayImage, name: &str, format: ImageFormat) -> PathBuf {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    let path = env.work().join(name);
    fs::write(&path, out.into_inner()).expect("write");
    path
}

fn check_scan(env: &Env, args: &[&str], file: &Path) -> Output {
    env.cmd()
        .arg("check")
        .args(args)
        .arg("--scan")
        .arg(file)
        .output()
        .expect("run")
}

/// One line on stderr, the error, with every needle in it.
fn assert_refused(out: &Output, needles: &[&str]) {
    let stderr = stderr_of(out);
    assert_eq!(out.status.code(), Some(65), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", stdout_of(out));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("recovery-sheet: error: "), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "`{needle}` in {stderr}");
    }
}

#[test]
fn photos_in_every_office_format_say_the_sheet_is_current() {
    let env = Env::new();
    let (bytes, set_id) = sheet(&env, "shop@example.com", "sheet.pdf");
    let img = photo(&bytes);
    for (name, format) in [
        ("photo.png", ImageFormat::Png),
        ("photo.jpg", ImageFormat::Jpeg),
        ("scan.tif", ImageFormat::Tiff),
        ("photo.webp", ImageFormat::WebP),
    ] {
        let file = write_image(&env, &img, name, format);
        let out = check_scan(&env, &[], &file);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr_of(&out));
        let said = stdout_of(&out);
        assert!(said.starts_with("current: set "), "{name}: {said}");
        assert!(
            said.contains(&set_id) && said.contains("shop@example.com"),
            "{name}: {said}"
        );
    }
    // The format is told by the bytes, not the name.
    let misnamed = write_image(&env, &img, "photo.jpg.png", ImageFormat::Jpeg);
    assert_eq!(check_scan(&env, &[], &misnamed).status.code(), Some(0));
}

#[test]
fn pdfs_from_a_scanner_and_the_sheet_itself_are_read() {
    let env = Env::new();
    let (bytes, set_id) = sheet(&env, "shop@example.com", "sheet.pdf");
    // The sheet's own PDF: the QR it draws.
    let out = check_scan(&env, &[], &env.work().join("sheet.pdf"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains(&set_id));
    // An office scanner's PDF: one JPEG image per page.
    let scanned = env.work().join("scan.pdf");
    fs::write(&scanned, scanner_pdf(&photo(&bytes))).expect("write");
    let out = check_scan(&env, &[], &scanned);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains(&set_id));

    // A newer sheet supersedes it: the scan says so, from the ledger.
    let (_, new_id) = sheet_with(&env, "shop@example.com", "new.pdf", &["--regenerate"]);
    let out = check_scan(&env, &[], &scanned);
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains(&new_id), "{}", stdout_of(&out));
}

/// The verdict's account is the ledger's; `-v` shows what the QR said,
/// marked as not trusted. An old sheet's QR (payload version 1) still
/// reads, even when the account it names is not the ledger's.
#[test]
fn the_account_comes_from_the_ledger_and_v_shows_what_the_qr_said() {
    let env = Env::new();
    let (bytes, set_id) = sheet(&env, "shop@example.com", "sheet.pdf");
    let compact = set_id.replace('-', "");
    let file = write_image(&env, &photo(&bytes), "photo.png", ImageFormat::Png);
    let out = check_scan(&env, &["--json"], &file);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["account"], "shop@example.com");
    assert_eq!(json["set_id"], set_id.as_str());

    let out = env
        .cmd()
        .args(["-v", "check", "--scan", "photo.png"])
        .output()
        .expect("run");
    let detail = stderr_of(&out);
    assert!(
        detail.contains(&format!(
            "the QR says: set {set_id}, generation 1, issued 20"
        )),
        "{detail}"
    );
    assert!(detail.contains("not trusted"), "{detail}");

    // A sheet printed before issue 13, whose QR claims another account.
    let old = env.work().join("old.png");
    qr_png(
        &format!(
            "recovery-sheet/1\nset={compact}\ngen=1\nissued=2026-11-22T14:31:05+09:00\naccount=someone-else@example.com"
        ),
        6,
        &old,
    );
    let out = env
        .cmd()
        .args(["-v", "check", "--scan", "old.png"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let said = stdout_of(&out);
    assert!(
        said.contains("shop@example.com") && !said.contains("someone-else"),
        "{said}"
    );
    let detail = stderr_of(&out);
    assert!(
        detail.contains("an older sheet") && detail.contains("someone-else@example.com"),
        "{detail}"
    );
}

#[test]
fn a_heic_photo_is_refused_with_how_to_convert_it() {
    let env = Env::new();
    sheet(&env, "shop@example.com", "sheet.pdf");
    let heic = env.work().join("IMG_0001.HEIC");
    let mut bytes = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    bytes.resize(4096, 0);
    fs::write(&heic, bytes).expect("write");
    assert_refused(
        &check_scan(&env, &[], &heic),
        &["IMG_0001.HEIC", "HEIC", "heif-convert", "Most Compatible"],
    );
}

#[test]
fn a_scan_without_a_qr_says_what_was_tried_and_what_to_do() {
    let env = Env::new();
    sheet(&env, "shop@example.com", "sheet.pdf");
    // Page 1 with its top right corner (the QR) cut off, as a careless photo.
    let page = photo(&fs::read(env.work().join("sheet.pdf")).expect("PDF"));
    let cut =
        image::imageops::crop_imm(&page, 0, page.height() / 3, page.width(), page.height() / 2)
            .to_image();
    let file = write_image(&env, &cut, "bottom.jpg", ImageFormat::Jpeg);
    assert_refused(
        &check_scan(&env, &[], &file),
        &[
            "no recovery-sheet QR code found in",
            "a JPEG image of",
            "tried as is, a global threshold",
            "turned 270 degrees",
            "photograph the top right corner of the sheet, flat",
            "type the set ID",
        ],
    );
    let out = env
        .cmd()
        .env("LANG", "ja_JP.UTF-8")
        .args(["check", "--scan", "bottom.jpg"])
        .output()
        .expect("run");
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("QR コードが見つかりません") && stderr.contains("シートの右上"),
        "{stderr}"
    );
}

/// A one-page A4 PDF holding `img` as a full-page JPEG, as office scanners write.
fn scanner_pdf(img: &GrayImage) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut jpeg = Vec::new();
    img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
        &mut jpeg, 75,
    ))
    .expect("JPEG");
    let mut doc = Document::with_version("1.4");
    let pages_id = doc.new_object_id();
    let image_id = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => i64::from(img.width()),
            "Height" => i64::from(img.height()),
            "ColorSpace" => "DeviceGray",
            "BitsPerComponent" => 8,
            "Filter" => "DCTDecode",
        },
        jpeg,
    ));
    let (w, h) = (595.28f32, 841.89f32);
    let content = Content {
        operations: vec![
            Operation::new("q", vec![]),
            Operation::new(
                "cm",
                vec![w.into(), 0.into(), 0.into(), h.into(), 0.into(), 0.into()],
            ),
            Operation::new("Do", vec![Object::Name(b"Im1".to_vec())]),
            Operation::new("Q", vec![]),
        ],
    };
    let content_id = doc.add_object(Stream::new(
        dictionary! {},
        content.encode().expect("content"),
    ));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
        "Resources" => dictionary! { "XObject" => dictionary! { "Im1" => image_id } },
        "MediaBox" => vec![0.into(), 0.into(), w.into(), h.into()],
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
    doc.save_to(&mut out).expect("save");
    out
}
