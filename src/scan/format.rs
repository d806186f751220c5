//! What kind of file a scan input is, told by its first bytes (never by its name).

use std::fmt;

/// A file's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Tiff,
    WebP,
    Pdf,
    /// HEIC/HEIF (iPhone photos): HEVC-coded, which no pure-Rust decoder reads.
    Heic,
    Avif,
    Gif,
    Bmp,
    Unknown,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Tiff => "TIFF",
            Format::WebP => "WebP",
            Format::Pdf => "PDF",
            Format::Heic => "HEIC",
            Format::Avif => "AVIF",
            Format::Gif => "GIF",
            Format::Bmp => "BMP",
            Format::Unknown => "unknown",
        })
    }
}

/// How far into the file a PDF header may start (the PDF spec allows junk before it).
const PDF_HEADER_WITHIN: usize = 1024;

/// The format `bytes` start with.
pub fn sniff(bytes: &[u8]) -> Format {
    let at = |i: usize, magic: &[u8]| bytes.get(i..i + magic.len()) == Some(magic);
    let head = &bytes[..bytes.len().min(PDF_HEADER_WITHIN)];
    if at(0, b"\x89PNG\r\n\x1a\n") {
        Format::Png
    } else if at(0, b"\xFF\xD8\xFF") {
        Format::Jpeg
    } else if at(0, b"II*\0") || at(0, b"MM\0*") || at(0, b"II+\0") || at(0, b"MM\0+") {
        Format::Tiff
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        Format::WebP
    } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
        Format::Gif
    } else if at(0, b"BM") && bytes.len() > 26 {
        Format::Bmp
    } else if at(4, b"ftyp") {
        iso_brand(bytes)
    } else if head.windows(5).any(|w| w == b"%PDF-") {
        Format::Pdf
    } else {
        Format::Unknown
    }
}

/// HEIF-family files: the major brand and the compatible brands of the `ftyp` box.
fn iso_brand(bytes: &[u8]) -> Format {
    let size = bytes
        .get(0..4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .clamp(16, 256)
        .min(bytes.len());
    let brands: Vec<&[u8]> = std::iter::once(bytes.get(8..12).unwrap_or_default())
        .chain(bytes.get(16..size).unwrap_or_default().chunks_exact(4))
        .collect();
    if brands.iter().any(|b| matches!(*b, b"avif" | b"avis")) {
        Format::Avif
    } else if brands.iter().any(|b| {
        matches!(
            *b,
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1"
        )
    }) {
        Format::Heic
    } else {
        Format::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_magic_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Format::Png);
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0..JFIF"), Format::Jpeg);
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), Format::Tiff);
        assert_eq!(sniff(b"MM\0*\0\0\0\x08"), Format::Tiff);
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Format::WebP);
        assert_eq!(sniff(b"%PDF-1.7\n"), Format::Pdf);
        assert_eq!(sniff(b"\r\n\r\n%PDF-1.4\n"), Format::Pdf);
        let mut late = vec![b' '; PDF_HEADER_WITHIN];
        late.extend_from_slice(b"%PDF-1.4\n");
        assert_eq!(sniff(&late), Format::Unknown);
        // An iPhone photo: ftyp box, major brand heic.
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), Format::Heic);
        assert_eq!(
            sniff(b"\0\0\0\x1cftypmif1\0\0\0\0mif1heicmiaf"),
            Format::Heic
        );
        assert_eq!(
            sniff(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"),
            Format::Avif
        );
        // An MP4 video is not a photo.
        assert_eq!(
            sniff(b"\0\0\0\x18ftypisom\0\0\0\0isommp41"),
            Format::Unknown
        );
        assert_eq!(sniff(b"GIF89a\x01\0"), Format::Gif);
        assert_eq!(sniff(b"hello"), Format::Unknown);
        assert_eq!(sniff(b""), Format::Unknown);
    }
}
