//! Photos and scans as one greyscale picture: PNG, JPEG, TIFF (fax included), WebP, with their size checked from the header before any pixel is allocated.

use std::io::Cursor;

use image::{GrayImage, ImageFormat, ImageReader};

use super::Limits;
use super::error::Problem;
use super::format::Format;

/// Bytes a decoder may allocate per pixel: RGBA at 8 bits a channel (a
/// 16-bit RGB scan of 600 dpi A4 fits; a decompression bomb does not).
const BYTES_PER_PIXEL: u64 = 4;

/// Decodes `bytes` (already sniffed as `format`) to greyscale. The
/// dimensions come from the header first, so an image claiming more than
/// [`Limits::max_pixels`] is refused before any pixel buffer exists. TIFF:
/// the first page (a sheet's QR is on page 1).
pub fn decode(bytes: &[u8], format: Format, limits: &Limits) -> Result<GrayImage, Problem> {
    let image_format = match format {
        Format::Png => ImageFormat::Png,
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Tiff => ImageFormat::Tiff,
        Format::WebP => ImageFormat::WebP,
        other => return Err(Problem::Unsupported(other)),
    };
    let undecodable = |e: image::ImageError| Problem::Undecodable {
        format,
        reason: e.to_string(),
    };
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), image_format)
        .into_dimensions()
        .map_err(undecodable)?;
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(Problem::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    let mut bounds = image::Limits::default();
    bounds.max_alloc = Some(limits.max_pixels * BYTES_PER_PIXEL);
    reader.limits(bounds);
    Ok(reader.decode().map_err(undecodable)?.into_luma8())
}
