//! Why no sheet mark came out of a file, worded to say what was tried and what to do next.

use std::io;
use std::path::PathBuf;

use super::decode::Step;
use super::format::Format;
use super::pdf::Skip;
use crate::limits::bytes_for_people;
use crate::messages::{Localized, Msg, english_display};
use crate::sheet::qr::MarkError;

/// A file given to `check --scan` gave no mark.
#[derive(Debug)]
pub struct ScanError {
    pub path: PathBuf,
    pub problem: Problem,
}

/// What went wrong, whatever the file is called.
#[derive(Debug)]
pub enum Problem {
    Unreadable(io::Error),
    /// Larger than [`crate::limits::MAX_SCAN_BYTES`]: not read at all.
    TooLarge {
        limit: u64,
    },
    /// None of the formats read, nor one we know to refuse.
    NotAnImage,
    /// An iPhone's default photo format.
    Heic,
    /// AVIF, GIF, BMP: known, not read.
    Unsupported(Format),
    /// The format is known but its data did not decode.
    Undecodable {
        format: Format,
        reason: String,
    },
    /// Larger than [`crate::limits::MAX_SCAN_PIXELS`], told from the header.
    TooManyPixels {
        width: u32,
        height: u32,
        limit: u64,
    },
    PdfEncrypted,
    PdfUnreadable(String),
    PdfNoPages,
    /// A PDF whose pages hold nothing to look at (no image, no QR drawn).
    PdfNoPictures {
        pages_read: usize,
    },
    /// A PDF whose images are all in forms not read here (JBIG2, JPEG 2000...).
    PdfImagesUnreadable(Vec<(u32, Skip)>),
    /// Boxed: it is large, and every `Result` carrying an error pays for it.
    NoQr(Box<Tried>),
    /// QR codes were read, but none is a usable mark (the most telling reason).
    NotOurs(MarkError),
}

/// What a fruitless search did, for the error message.
#[derive(Debug, Clone)]
pub struct Tried {
    pub format: Format,
    /// Pictures searched (a PDF may give several).
    pub pictures: usize,
    /// The largest picture, in pixels.
    pub largest: (u32, u32),
    /// Every ladder step run on some picture, in order, each once.
    pub steps: Vec<Step>,
    /// A picture was shrunk to the working size first, then also searched at full size.
    pub full_size: bool,
    /// PDF pages read and in the file.
    pub pdf_pages: Option<(usize, usize)>,
    /// PDF images passed over, by page.
    pub skipped: Vec<(u32, Skip)>,
}

impl Tried {
    pub fn new(format: Format) -> Tried {
        Tried {
            format,
            pictures: 0,
            largest: (0, 0),
            steps: Vec::new(),
            full_size: false,
            pdf_pages: None,
            skipped: Vec::new(),
        }
    }

    fn msg(&self) -> Msg {
        let what = match self.pdf_pages {
            Some((read, total)) => Msg::new("scan_what_pdf")
                .with("pictures", self.pictures)
                .with("read", read)
                .with("total", total),
            None => Msg::new("scan_what_image")
                .with("format", self.format)
                .with("width", self.largest.0)
                .with("height", self.largest.1),
        };
        let mut steps: Vec<Msg> = self.steps.iter().map(Step::msg).collect();
        if self.full_size {
            steps.push(Msg::new("scan_step_full_size"));
        }
        let no_qr = if self.skipped.is_empty() {
            Msg::new("scan_no_qr")
        } else {
            Msg::new("scan_no_qr_not_read").with_msg("images", skipped(&self.skipped))
        };
        no_qr.with_msg("what", what).with_msg("tried", list(steps))
    }
}

/// How many passed-over images a message names before "and N more".
const SKIPPED_NAMED: usize = 3;

/// "page 1: a JBIG2 image, page 2: ..." (each kind of a page once, the first few).
fn skipped(skipped: &[(u32, Skip)]) -> Msg {
    let mut unique: Vec<&(u32, Skip)> = Vec::new();
    for s in skipped {
        if !unique.contains(&s) {
            unique.push(s);
        }
    }
    let mut items: Vec<Msg> = unique
        .iter()
        .take(SKIPPED_NAMED)
        .map(|(page, skip)| {
            Msg::new("scan_skipped_on_page")
                .with("page", page)
                .with_msg("image", skip_msg(skip))
        })
        .collect();
    if unique.len() > SKIPPED_NAMED {
        items.push(Msg::new("scan_more").with("count", unique.len() - SKIPPED_NAMED));
    }
    list(items)
}

fn skip_msg(skip: &Skip) -> Msg {
    match skip {
        Skip::Jbig2 => Msg::new("scan_skip_jbig2"),
        Skip::Jpx => Msg::new("scan_skip_jpx"),
        Skip::CcittVariant => Msg::new("scan_skip_fax"),
        Skip::Unsupported(what) => Msg::new("scan_skip_unsupported").with("what", what),
        Skip::TooLarge => Msg::new("scan_skip_too_large"),
        Skip::Broken(why) => Msg::new("scan_skip_broken").with("reason", why),
    }
}

/// Items joined the catalogue's way ("a, b, c"; "a、b、c"), or "nothing".
fn list(mut items: Vec<Msg>) -> Msg {
    let Some(mut joined) = items.pop() else {
        return Msg::new("scan_nothing");
    };
    while let Some(item) = items.pop() {
        joined = Msg::new("scan_list")
            .with_msg("first", item)
            .with_msg("rest", joined);
    }
    joined
}

impl Localized for ScanError {
    fn msg(&self) -> Msg {
        let path = self.path.display().to_string();
        let at = |key| Msg::new(key).with("path", &path);
        match &self.problem {
            Problem::Unreadable(source) => at("file_unreadable").with("source", source),
            Problem::TooLarge { limit } => Msg::new("input_too_large")
                .with("input", &path)
                .with("limit", bytes_for_people(*limit)),
            Problem::NotAnImage => at("scan_not_an_image"),
            Problem::Heic => at("scan_heic"),
            Problem::Unsupported(format) => at("scan_unsupported_format").with("format", format),
            Problem::Undecodable { format, reason } => at("scan_undecodable")
                .with("format", format)
                .with("reason", reason),
            Problem::TooManyPixels {
                width,
                height,
                limit,
            } => at("scan_too_many_pixels")
                .with("width", width)
                .with("height", height)
                .with("limit", limit / 1_000_000),
            Problem::PdfEncrypted => at("scan_pdf_encrypted"),
            Problem::PdfUnreadable(reason) => at("scan_pdf_unreadable").with("reason", reason),
            Problem::PdfNoPages => at("scan_pdf_no_pages"),
            Problem::PdfNoPictures { pages_read } => {
                at("scan_pdf_no_pictures").with("pages", pages_read)
            }
            Problem::PdfImagesUnreadable(images) => {
                at("scan_pdf_images_unsupported").with_msg("images", skipped(images))
            }
            Problem::NoQr(tried) => tried.msg().with("path", &path),
            Problem::NotOurs(reason) => at("scan_not_ours").with_msg("reason", reason.msg()),
        }
    }
}

english_display!(ScanError);

impl std::error::Error for ScanError {}
