//! Reading a sheet's QR mark back from a photo, a scan or a PDF (`check --scan`).
//!
//! - [`format`]: what the file is, by its first bytes;
//! - [`raster`]: PNG, JPEG, TIFF and WebP to one greyscale picture, size
//!   checked before decoding;
//! - [`pdf`]: a PDF's embedded images (JPEG, Flate, CCITT fax) and the QR
//!   our own sheets draw as rectangles;
//! - [`decode`]: rxing and the ladder of attempts;
//! - [`error`]: what was tried and what to do when nothing was found.
//!
//! The mark only names the sheet: `check` takes the account, generation and
//! status from the ledger by its set ID (docs/qr-payload.md).

mod decode;
mod error;
mod format;
mod pdf;
mod raster;

#[cfg(test)]
mod matrix;
#[cfg(test)]
mod pdfgen;
#[cfg(test)]
mod synth;
#[cfg(test)]
mod tests;

use std::path::Path;

use image::GrayImage;

pub use error::{Problem, ScanError, Tried};
pub use format::Format;
#[cfg(test)]
pub use {decode::ladder, pdf::Skip};

use crate::limits::{MAX_SCAN_BYTES, MAX_SCAN_PIXELS, TooLarge, read_at_most};
use crate::sheet::qr::{MarkError, SheetMark};
pub use decode::Step;
use pdf::Source;

/// What one scan may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file read at all.
    pub max_bytes: u64,
    /// Largest picture, in pixels, checked before it is decoded.
    pub max_pixels: u64,
    /// Longest side searched first: a larger picture is shrunk to it (a
    /// phone's 4000 px photo of a sheet keeps its modules 5+ px there), and
    /// searched at full size only if that fails.
    pub working_side: u32,
    pub pdf: pdf::Limits,
}

/// The limits of `check --scan`, from the table in [`crate::limits`].
pub const LIMITS: Limits = Limits {
    max_bytes: MAX_SCAN_BYTES,
    max_pixels: MAX_SCAN_PIXELS,
    working_side: 2400,
    pdf: pdf::Limits::for_scan(MAX_SCAN_PIXELS),
};

/// Reads the file at `path` (at most [`MAX_SCAN_BYTES`]) and returns the
/// first recovery-sheet mark in it.
pub fn scan_file(path: &Path) -> Result<SheetMark, ScanError> {
    let at = |problem| ScanError {
        path: path.to_owned(),
        problem,
    };
    let file = std::fs::File::open(path).map_err(|e| at(Problem::Unreadable(e)))?;
    let bytes = read_at_most(file, LIMITS.max_bytes)
        .map_err(|e| at(Problem::Unreadable(e)))?
        .map_err(|TooLarge { limit }| at(Problem::TooLarge { limit }))?;
    scan_bytes(&bytes, &LIMITS).map_err(at)
}

/// Finds the first recovery-sheet mark in a photo, scan or PDF.
pub fn scan_bytes(bytes: &[u8], limits: &Limits) -> Result<SheetMark, Problem> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(Problem::TooLarge {
            limit: limits.max_bytes,
        });
    }
    let format = format::sniff(bytes);
    let mut tried = Tried::new(format);
    let pictures: Vec<GrayImage> = match format {
        Format::Heic => return Err(Problem::Heic),
        Format::Avif | Format::Gif | Format::Bmp => return Err(Problem::Unsupported(format)),
        Format::Unknown => return Err(Problem::NotAnImage),
        Format::Pdf => {
            let pages = pdf::pages(bytes, &limits.pdf).map_err(|e| match e {
                pdf::PdfError::Encrypted => Problem::PdfEncrypted,
                pdf::PdfError::NoPages => Problem::PdfNoPages,
                pdf::PdfError::Unreadable(why) => Problem::PdfUnreadable(why),
            })?;
            if pages.rasters.is_empty() {
                return Err(if pages.skipped.is_empty() {
                    Problem::PdfNoPictures {
                        pages_read: pages.pages_read,
                    }
                } else {
                    Problem::PdfImagesUnreadable(pages.skipped)
                });
            }
            tried.pdf_pages = Some((pages.pages_read, pages.pages_total));
            tried.skipped = pages.skipped;
            // Our own sheet drawn as rectangles first: it is exact.
            let mut rasters = pages.rasters;
            rasters.sort_by_key(|r| (r.source != Source::Vector, r.page));
            rasters.into_iter().map(|r| r.image).collect()
        }
        Format::Png | Format::Jpeg | Format::Tiff | Format::WebP => {
            vec![raster::decode(bytes, format, limits)?]
        }
    };
    search(&pictures, limits, tried)
}

/// Finds the mark in a picture already in memory (what the test matrix calls).
#[cfg(test)]
pub fn scan_picture(picture: &GrayImage, limits: &Limits) -> Result<SheetMark, Problem> {
    search(
        std::slice::from_ref(picture),
        limits,
        Tried::new(Format::Png),
    )
}

/// The ladder over each picture: at the working size, then (for a picture
/// that was shrunk) at full size, as is and thresholded. The first text
/// that parses as a mark wins.
fn search(pictures: &[GrayImage], limits: &Limits, mut tried: Tried) -> Result<SheetMark, Problem> {
    let accept = |text: &str| SheetMark::parse(text).is_ok();
    let mut rejected: Vec<String> = Vec::new();
    for picture in pictures {
        tried.pictures += 1;
        let (w, h) = picture.dimensions();
        if u64::from(w) * u64::from(h) > u64::from(tried.largest.0) * u64::from(tried.largest.1) {
            tried.largest = (w, h);
        }
        let long = w.max(h);
        let mut passes: Vec<(GrayImage, Vec<Step>)> = Vec::new();
        if long > limits.working_side {
            let small =
                Step::Scale(f64::from(limits.working_side) / f64::from(long)).apply(picture);
            passes.push((small, decode::ladder(limits.working_side)));
            passes.push((picture.clone(), vec![Step::AsIs, Step::Otsu]));
            tried.full_size = true;
        } else {
            passes.push((picture.clone(), decode::ladder(long)));
        }
        for (index, (image, steps)) in passes.iter().enumerate() {
            let outcome = decode::decode_with(image, steps, accept);
            if index == 0 {
                for step in steps.iter().take(outcome.steps_run) {
                    if !tried.steps.contains(step) {
                        tried.steps.push(*step);
                    }
                }
            }
            if let Some(text) = outcome.found {
                return SheetMark::parse(&text).map_err(Problem::NotOurs);
            }
            rejected.extend(outcome.rejected);
        }
    }
    // A QR that is ours but unusable says more than "nothing found".
    let reasons: Vec<MarkError> = rejected
        .iter()
        .filter_map(|t| SheetMark::parse(t).err())
        .collect();
    if let Some(reason) = reasons
        .iter()
        .find(|r| !matches!(r, MarkError::NotOurs))
        .or(reasons.first())
    {
        return Err(Problem::NotOurs(reason.clone()));
    }
    Err(Problem::NoQr(Box::new(tried)))
}
