//! Reading a sheet's QR mark back from a photo or scan (PNG or JPEG).

use std::io;
use std::path::{Path, PathBuf};

use crate::limits::{MAX_SCAN_BYTES, MAX_SCAN_PIXELS, TooLarge, bytes_for_people, read_at_most};
use crate::messages::{Localized, Msg, english_display};
use crate::sheet::qr::{MarkError, SheetMark};

/// Photos larger than this on their long side are scaled down before the QR
/// search: a phone photo is 4000 px, and the mark stays 300+ px at this size.
const MAX_SIDE: u32 = 2000;

/// Why no sheet mark could be read from an image.
#[derive(Debug)]
pub enum ScanError {
    Unreadable {
        path: PathBuf,
        source: io::Error,
    },
    NotAnImage {
        path: PathBuf,
        reason: String,
    },
    NoQr(PathBuf),
    /// Larger than [`MAX_SCAN_BYTES`].
    TooLarge {
        path: PathBuf,
        limit: u64,
    },
    /// QR codes were found, but none is a recovery-sheet mark.
    NotOurs {
        path: PathBuf,
        reason: MarkError,
    },
}

impl Localized for ScanError {
    fn msg(&self) -> Msg {
        match self {
            ScanError::Unreadable { path, source } => Msg::new("file_unreadable")
                .with("path", path.display())
                .with("source", source),
            ScanError::NotAnImage { path, reason } => Msg::new("scan_not_an_image")
                .with("path", path.display())
                .with("reason", reason),
            ScanError::NoQr(path) => Msg::new("scan_no_qr").with("path", path.display()),
            ScanError::TooLarge { path, limit } => Msg::new("input_too_large")
                .with("input", path.display())
                .with("limit", bytes_for_people(*limit)),
            ScanError::NotOurs { path, reason } => Msg::new("scan_not_ours")
                .with("path", path.display())
                .with_msg("reason", reason.msg()),
        }
    }
}

english_display!(ScanError);

impl std::error::Error for ScanError {}

/// Decodes the image at `path` and returns the first recovery-sheet mark in it.
pub fn scan_file(path: &Path) -> Result<SheetMark, ScanError> {
    let unreadable = |source| ScanError::Unreadable {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let bytes = read_at_most(file, MAX_SCAN_BYTES)
        .map_err(unreadable)?
        .map_err(|TooLarge { limit }| ScanError::TooLarge {
            path: path.to_owned(),
            limit,
        })?;
    scan_bytes(&bytes, path)
}

/// Decodes an image held in memory (an upload) and returns the first
/// recovery-sheet mark in it; `path` names it in messages.
pub fn scan_bytes(bytes: &[u8], path: &Path) -> Result<SheetMark, ScanError> {
    if bytes.len() as u64 > MAX_SCAN_BYTES {
        return Err(ScanError::TooLarge {
            path: path.to_owned(),
            limit: MAX_SCAN_BYTES,
        });
    }
    let image = decode(bytes).map_err(|e| ScanError::NotAnImage {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let grey = image.into_luma8();
    // Scaled down first, for speed; but scaling blurs the modules of a dense
    // QR (a long account) below what the decoder resolves, so an image that
    // was scaled and gave no mark is searched again at its own size.
    let found = match scaled_down(&grey) {
        Some(small) => match find_mark(&small) {
            Err(Found::Nothing) => find_mark(&grey),
            other => other,
        },
        None => find_mark(&grey),
    };
    found.map_err(|e| match e {
        Found::Nothing => ScanError::NoQr(path.to_owned()),
        Found::Foreign(reason) => ScanError::NotOurs {
            path: path.to_owned(),
            reason,
        },
    })
}

/// Decodes an image with its allocation bounded by [`MAX_SCAN_PIXELS`] (four
/// bytes a pixel) before any pixel is decoded, so a small file that claims a
/// huge image (a decompression bomb) is refused rather than filling memory.
fn decode(bytes: &[u8]) -> image::ImageResult<image::DynamicImage> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format()?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_SCAN_PIXELS * 4);
    reader.limits(limits);
    reader.decode()
}

/// The image with its long side at [`MAX_SIDE`], or `None` when it is no larger.
fn scaled_down(grey: &image::GrayImage) -> Option<image::GrayImage> {
    let long_side = grey.width().max(grey.height());
    if long_side <= MAX_SIDE {
        return None;
    }
    let scale = f64::from(MAX_SIDE) / f64::from(long_side);
    let (w, h) = (
        (f64::from(grey.width()) * scale).round().max(1.0) as u32,
        (f64::from(grey.height()) * scale).round().max(1.0) as u32,
    );
    Some(image::imageops::resize(
        grey,
        w,
        h,
        image::imageops::FilterType::Triangle,
    ))
}

enum Found {
    Nothing,
    Foreign(MarkError),
}

fn find_mark(grey: &image::GrayImage) -> Result<SheetMark, Found> {
    let mut prepared = rqrr::PreparedImage::prepare(grey.clone());
    let mut last = Found::Nothing;
    for grid in prepared.detect_grids() {
        let Ok((_meta, text)) = grid.decode() else {
            continue;
        };
        match SheetMark::parse(&text) {
            Ok(mark) => return Ok(mark),
            Err(reason) => last = Found::Foreign(reason),
        }
    }
    Err(last)
}
