//! A PDF's pages as greyscale rasters: the images a scanner embedded (JPEG, Flate, CCITT fax) and the filled rectangles our own sheets draw.
//!
//! Every stream is decoded with a byte limit (decompression bombs), every
//! image is checked against a pixel limit before it is allocated, and only
//! the first pages are read. What cannot be read (JBIG2, JPEG 2000, mixed
//! 2-D fax) is returned as a reason, so the caller can say why.

use image::{GrayImage, ImageFormat, Luma};
use lopdf::content::Content;
use lopdf::{Dictionary, Document, LoadOptions, Object, Stream};

/// Bounds on what one PDF may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Pages read, from the first (a sheet's QR is on page 1).
    pub max_pages: usize,
    /// Images decoded across the document.
    pub max_images: usize,
    /// Largest decoded stream, in bytes (image samples, object streams).
    pub max_stream_bytes: usize,
    /// Largest decoded page content (drawing operators; a sheet's is a few
    /// kilobytes, a scanner's a few bytes).
    pub max_content_bytes: usize,
    /// Largest image, in pixels.
    pub max_pixels: u64,
}

impl Limits {
    /// What `check --scan` allows: a 600 dpi colour scan of A4 decodes
    /// (105 MB of samples), a decompression bomb does not.
    pub const fn for_scan(max_pixels: u64) -> Limits {
        Limits {
            max_pages: 8,
            max_images: 32,
            max_stream_bytes: 256 << 20,
            max_content_bytes: 16 << 20,
            max_pixels,
        }
    }
}

/// Where a raster came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An embedded image, with the filter it was stored with.
    Image(&'static str),
    /// The page's filled rectangles, painted (a PDF of one of our sheets).
    Vector,
}

/// One greyscale picture of (part of) a page.
#[derive(Debug)]
pub struct Raster {
    pub page: u32,
    pub source: Source,
    pub image: GrayImage,
}

/// Why an embedded image was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// JBIG2 (scanners' "high compression" black-and-white mode): not decoded here
    /// (pure-Rust decoders such as hayro-jbig2 exist; not yet evaluated).
    Jbig2,
    /// JPEG 2000.
    Jpx,
    /// CCITT Group 3 with 2-D lines (K > 0), or byte-aligned fax lines.
    CcittVariant,
    /// A filter or colour space this reader does not know.
    Unsupported(String),
    /// Over the pixel or byte limit.
    TooLarge,
    /// The stream did not decode.
    Broken(String),
}

/// Why the PDF as a whole could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PdfError {
    Unreadable(String),
    /// Encrypted with a password we do not have.
    Encrypted,
    NoPages,
}

/// What the pages gave: pictures to search, and images passed over with the reason.
#[derive(Debug, Default)]
pub struct Pages {
    pub rasters: Vec<Raster>,
    pub skipped: Vec<(u32, Skip)>,
    pub pages_read: usize,
    pub pages_total: usize,
}

/// Long side of a painted vector page, in pixels: the search's working size
/// (no resize), so 1 mm modules are 8.1 px on A4 and 0.5 mm ones 4 px.
const VECTOR_LONG_SIDE: f64 = 2400.0;
/// Fewer filled rectangles than this on a page is not a QR (a symbol is 100+ runs).
const MIN_VECTOR_RECTS: usize = 40;
/// Nesting of form XObjects followed.
const MAX_FORM_DEPTH: u32 = 3;

/// Reads the first pages of the PDF in `bytes`.
pub fn pages(bytes: &[u8], limits: &Limits) -> Result<Pages, PdfError> {
    let options = LoadOptions {
        max_decompressed_size: Some(limits.max_stream_bytes),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options).map_err(|e| match e {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => PdfError::Encrypted,
        other => PdfError::Unreadable(other.to_string()),
    })?;
    if doc.is_encrypted() && doc.encryption_state.is_none() {
        return Err(PdfError::Encrypted);
    }
    let page_ids = doc.get_pages();
    if page_ids.is_empty() {
        return Err(PdfError::NoPages);
    }
    let mut out = Pages {
        pages_total: page_ids.len(),
        ..Pages::default()
    };
    let mut images_left = limits.max_images;
    for (&number, &page_id) in page_ids.iter().take(limits.max_pages) {
        out.pages_read += 1;
        let Ok(page) = doc.get_dictionary(page_id) else {
            continue;
        };
        let resources = page_resources(&doc, page_id);
        let content = match page_content(&doc, page, limits) {
            Ok(c) => c,
            Err(skip) => {
                out.skipped.push((number, skip));
                continue;
            }
        };
        let mut walk = Walk {
            doc: &doc,
            limits,
            images_left: &mut images_left,
            rects: Vec::new(),
            found: Vec::new(),
            skipped: Vec::new(),
        };
        walk.run(&content, resources, IDENTITY, 0);
        let (rects, found, skipped) = (walk.rects, walk.found, walk.skipped);
        for (source, image) in found {
            out.rasters.push(Raster {
                page: number,
                source,
                image,
            });
        }
        out.skipped.extend(skipped.into_iter().map(|s| (number, s)));
        if rects.len() >= MIN_VECTOR_RECTS
            && let Some(image) = paint(&rects, media_box(&doc, page))
        {
            out.rasters.push(Raster {
                page: number,
                source: Source::Vector,
                image,
            });
        }
    }
    Ok(out)
}

type Matrix = [f64; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m` then `ctm` (PDF's `cm` pre-multiplies).
fn concat(m: &Matrix, ctm: &Matrix) -> Matrix {
    [
        m[0] * ctm[0] + m[1] * ctm[2],
        m[0] * ctm[1] + m[1] * ctm[3],
        m[2] * ctm[0] + m[3] * ctm[2],
        m[2] * ctm[1] + m[3] * ctm[3],
        m[4] * ctm[0] + m[5] * ctm[2] + ctm[4],
        m[4] * ctm[1] + m[5] * ctm[3] + ctm[5],
    ]
}

fn apply(m: &Matrix, x: f64, y: f64) -> (f64, f64) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

/// A dark filled rectangle in page space, as its four corners.
type Quad = [(f64, f64); 4];

struct Walk<'a> {
    doc: &'a Document,
    limits: &'a Limits,
    images_left: &'a mut usize,
    rects: Vec<Quad>,
    found: Vec<(Source, GrayImage)>,
    skipped: Vec<Skip>,
}

impl Walk<'_> {
    fn run(
        &mut self,
        content: &Content,
        resources: Option<&Dictionary>,
        start: Matrix,
        depth: u32,
    ) {
        let mut ctm = start;
        let mut stack: Vec<(Matrix, bool)> = Vec::new();
        let mut dark = true;
        let mut pending: Vec<Quad> = Vec::new();
        for op in &content.operations {
            let nums: Vec<f64> = op
                .operands
                .iter()
                .filter_map(|o| o.as_float().ok().map(f64::from))
                .collect();
            match op.operator.as_str() {
                "q" => stack.push((ctm, dark)),
                "Q" => (ctm, dark) = stack.pop().unwrap_or((start, true)),
                "cm" if nums.len() == 6 => {
                    ctm = concat(
                        &[nums[0], nums[1], nums[2], nums[3], nums[4], nums[5]],
                        &ctm,
                    )
                }
                "g" if nums.len() == 1 => dark = nums[0] < 0.5,
                "rg" if nums.len() == 3 => {
                    dark = 0.299 * nums[0] + 0.587 * nums[1] + 0.114 * nums[2] < 0.5
                }
                "k" if nums.len() == 4 => {
                    dark =
                        (0.3 * nums[0] + 0.59 * nums[1] + 0.11 * nums[2] + nums[3]).min(1.0) > 0.5
                }
                "re" if nums.len() == 4 => {
                    let [x, y, w, h] = [nums[0], nums[1], nums[2], nums[3]];
                    pending.push(
                        [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
                            .map(|(px, py)| apply(&ctm, px, py)),
                    );
                }
                "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" => {
                    if dark {
                        self.rects.append(&mut pending);
                    }
                    pending.clear();
                }
                "n" | "S" | "s" => pending.clear(),
                "Do" => {
                    if let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) {
                        self.xobject(resources, name, ctm, depth);
                    }
                }
                _ => {}
            }
        }
    }

    fn xobject(&mut self, resources: Option<&Dictionary>, name: &[u8], ctm: Matrix, depth: u32) {
        let Some(stream) = resources
            .and_then(|r| r.get_deref(b"XObject", self.doc).ok())
            .and_then(|x| x.as_dict().ok())
            .and_then(|x| x.get_deref(name, self.doc).ok())
            .and_then(|o| o.as_stream().ok())
        else {
            return;
        };
        match stream.dict.get(b"Subtype").and_then(Object::as_name) {
            Ok(b"Image") => {
                if *self.images_left == 0 {
                    return;
                }
                *self.images_left -= 1;
                match decode_image(self.doc, stream, self.limits) {
                    // No un-flipping for a matrix that mirrors the image:
                    // rqrr, rxing and zbar all read mirrored symbols.
                    Ok((filter, image)) => self.found.push((Source::Image(filter), image)),
                    Err(skip) => self.skipped.push(skip),
                }
            }
            Ok(b"Form") if depth < MAX_FORM_DEPTH => {
                let Ok(data) =
                    stream.decompressed_content_with_limit(self.limits.max_content_bytes)
                else {
                    return;
                };
                let Ok(content) = Content::decode(&data) else {
                    return;
                };
                let matrix = stream
                    .dict
                    .get(b"Matrix")
                    .and_then(Object::as_array)
                    .ok()
                    .and_then(|a| {
                        let v: Vec<f64> = a
                            .iter()
                            .filter_map(|o| o.as_float().ok().map(f64::from))
                            .collect();
                        <[f64; 6]>::try_from(v).ok()
                    })
                    .unwrap_or(IDENTITY);
                let own = stream
                    .dict
                    .get_deref(b"Resources", self.doc)
                    .and_then(Object::as_dict)
                    .ok()
                    .or(resources);
                self.run(&content, own, concat(&matrix, &ctm), depth + 1);
            }
            _ => {}
        }
    }
}

/// The page's resource dictionary, its own or inherited from the page tree.
fn page_resources(doc: &Document, page_id: lopdf::ObjectId) -> Option<&Dictionary> {
    let (own, inherited) = doc.get_page_resources(page_id).ok()?;
    own.or_else(|| inherited.iter().find_map(|id| doc.get_dictionary(*id).ok()))
}

fn page_content(doc: &Document, page: &Dictionary, limits: &Limits) -> Result<Content, Skip> {
    let mut data = Vec::new();
    let streams: Vec<&Object> = match page.get(b"Contents") {
        Ok(Object::Array(items)) => items.iter().collect(),
        Ok(one) => vec![one],
        Err(_) => Vec::new(),
    };
    for item in streams {
        let Ok((_, obj)) = doc.dereference(item) else {
            continue;
        };
        let Ok(stream) = obj.as_stream() else {
            continue;
        };
        let left = limits.max_content_bytes.saturating_sub(data.len());
        let part = stream
            .decompressed_content_with_limit(left)
            .map_err(|e| Skip::Broken(format!("page content: {e}")))?;
        data.extend_from_slice(&part);
        data.push(b'\n');
    }
    Content::decode(&data).map_err(|e| Skip::Broken(format!("page content: {e}")))
}

fn media_box(doc: &Document, page: &Dictionary) -> (f64, f64, f64, f64) {
    page.get_deref(b"MediaBox", doc)
        .and_then(Object::as_array)
        .ok()
        .and_then(|a| {
            let v: Vec<f64> = a
                .iter()
                .filter_map(|o| o.as_float().ok().map(f64::from))
                .collect();
            <[f64; 4]>::try_from(v).ok()
        })
        .map_or((0.0, 0.0, 595.0, 842.0), |[a, b, c, d]| (a, b, c, d))
}

/// The dark rectangles on white, scaled so the page's long side is [`VECTOR_LONG_SIDE`].
fn paint(rects: &[Quad], (x0, y0, x1, y1): (f64, f64, f64, f64)) -> Option<GrayImage> {
    let (w_pt, h_pt) = ((x1 - x0).abs(), (y1 - y0).abs());
    if w_pt < 1.0 || h_pt < 1.0 || w_pt > 20_000.0 || h_pt > 20_000.0 {
        return None;
    }
    let scale = VECTOR_LONG_SIDE / w_pt.max(h_pt);
    let (w, h) = ((w_pt * scale).ceil() as u32, (h_pt * scale).ceil() as u32);
    let mut img = GrayImage::from_pixel(w, h, Luma([255]));
    // Page space (y up) to pixels (y down).
    let to_px = |(x, y): (f64, f64)| ((x - x0.min(x1)) * scale, (y1.max(y0) - y) * scale);
    for quad in rects {
        let pts = quad.map(to_px);
        let min_x = pts
            .iter()
            .map(|p| p.0)
            .fold(f64::INFINITY, f64::min)
            .floor()
            .max(0.0) as u32;
        let max_x = pts
            .iter()
            .map(|p| p.0)
            .fold(f64::NEG_INFINITY, f64::max)
            .ceil()
            .min(f64::from(w)) as u32;
        let min_y = pts
            .iter()
            .map(|p| p.1)
            .fold(f64::INFINITY, f64::min)
            .floor()
            .max(0.0) as u32;
        let max_y = pts
            .iter()
            .map(|p| p.1)
            .fold(f64::NEG_INFINITY, f64::max)
            .ceil()
            .min(f64::from(h)) as u32;
        for py in min_y..max_y {
            for px in min_x..max_x {
                if inside(&pts, f64::from(px) + 0.5, f64::from(py) + 0.5) {
                    img.put_pixel(px, py, Luma([0]));
                }
            }
        }
    }
    Some(img)
}

/// Point in a convex quadrilateral (either winding).
fn inside(q: &Quad, x: f64, y: f64) -> bool {
    let mut sign = 0.0f64;
    for i in 0..4 {
        let (ax, ay) = q[i];
        let (bx, by) = q[(i + 1) % 4];
        let cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
        if cross != 0.0 {
            if sign != 0.0 && cross.signum() != sign {
                return false;
            }
            sign = cross.signum();
        }
    }
    true
}

fn int(dict: &Dictionary, key: &[u8]) -> Option<i64> {
    dict.get(key).and_then(Object::as_i64).ok()
}

/// An image XObject as greyscale, with the name of the filter that held it.
fn decode_image(
    doc: &Document,
    stream: &Stream,
    limits: &Limits,
) -> Result<(&'static str, GrayImage), Skip> {
    let dict = &stream.dict;
    let width = int(dict, b"Width")
        .filter(|w| *w > 0)
        .ok_or(Skip::Broken("no width".into()))?;
    let height = int(dict, b"Height")
        .filter(|h| *h > 0)
        .ok_or(Skip::Broken("no height".into()))?;
    if width as u64 * height as u64 > limits.max_pixels || width > 65_535 || height > 65_535 {
        return Err(Skip::TooLarge);
    }
    let (w, h) = (width as u32, height as u32);
    let filters: Vec<Vec<u8>> = match dict.get_deref(b"Filter", doc) {
        Ok(Object::Name(n)) => vec![n.clone()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| o.as_name().ok().map(<[u8]>::to_vec))
            .collect(),
        _ => Vec::new(),
    };
    let last = filters.last().map(Vec::as_slice);
    let params = match dict.get_deref(b"DecodeParms", doc) {
        Ok(Object::Dictionary(d)) => Some(d),
        Ok(Object::Array(a)) => a
            .last()
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok()),
        _ => None,
    };
    let inverted = dict
        .get(b"Decode")
        .and_then(Object::as_array)
        .ok()
        .and_then(|a| a.first().and_then(|o| o.as_float().ok()))
        .is_some_and(|first| first > 0.5);
    let mut image = match last {
        Some(b"JBIG2Decode") => return Err(Skip::Jbig2),
        Some(b"JPXDecode") => return Err(Skip::Jpx),
        Some(b"DCTDecode") if filters.len() == 1 => ("DCTDecode", jpeg(&stream.content, limits)?),
        Some(b"CCITTFaxDecode") if filters.len() == 1 => {
            ("CCITTFaxDecode", ccitt(&stream.content, w, h, params)?)
        }
        Some(b"DCTDecode" | b"CCITTFaxDecode") => {
            return Err(Skip::Unsupported(
                "an image codec behind another filter".into(),
            ));
        }
        _ => {
            // Flate, LZW, ASCII85 or none: plain samples (lopdf applies PNG predictors).
            let bpc = int(dict, b"BitsPerComponent").unwrap_or(1);
            let mask = dict
                .get(b"ImageMask")
                .and_then(Object::as_bool)
                .unwrap_or(false);
            let space = if mask {
                Space::Gray
            } else {
                colour_space(doc, dict)?
            };
            let expected = (w as usize * space.components() * bpc.clamp(1, 16) as usize)
                .div_ceil(8)
                * h as usize;
            let data = if filters.is_empty() {
                stream.content.clone()
            } else {
                // Room for a PNG predictor's tag byte on every row.
                let limit = expected.saturating_add(h as usize + 4096);
                stream
                    .decompressed_content_with_limit(limit.min(limits.max_stream_bytes))
                    .map_err(|e| Skip::Broken(e.to_string()))?
            };
            let name = match filters.first().map(Vec::as_slice) {
                Some(b"FlateDecode") => "FlateDecode",
                Some(b"LZWDecode") => "LZWDecode",
                Some(_) => "other filter",
                None => "no filter",
            };
            (name, samples(&data, w, h, bpc, &space, mask)?)
        }
    };
    if inverted {
        image::imageops::invert(&mut image.1);
    }
    Ok(image)
}

fn jpeg(data: &[u8], limits: &Limits) -> Result<GrayImage, Skip> {
    let reader = || image::ImageReader::with_format(std::io::Cursor::new(data), ImageFormat::Jpeg);
    let broken = |e: image::ImageError| Skip::Broken(format!("JPEG: {e}"));
    // The image dictionary's size was checked; the JPEG's own header may differ.
    let (w, h) = reader().into_dimensions().map_err(broken)?;
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(Skip::TooLarge);
    }
    let mut reader = reader();
    let mut bounds = image::Limits::default();
    bounds.max_alloc = Some(limits.max_pixels * 4);
    reader.limits(bounds);
    reader.decode().map(|d| d.into_luma8()).map_err(broken)
}

fn ccitt(data: &[u8], w: u32, h: u32, params: Option<&Dictionary>) -> Result<GrayImage, Skip> {
    let get = |k: &[u8]| params.and_then(|p| int(p, k));
    let flag = |k: &[u8]| {
        params
            .and_then(|p| p.get(k).and_then(Object::as_bool).ok())
            .unwrap_or(false)
    };
    let k = get(b"K").unwrap_or(0);
    let columns = get(b"Columns").unwrap_or(1728).clamp(1, 65_535) as u16;
    let rows = get(b"Rows")
        .filter(|r| *r > 0)
        .map_or(h, |r| r as u32)
        .min(h);
    if k > 0 || flag(b"EncodedByteAlign") {
        return Err(Skip::CcittVariant);
    }
    let black_is_1 = flag(b"BlackIs1");
    let mut img = GrayImage::from_pixel(w, h, Luma([255]));
    let mut y = 0u32;
    let mut line = |transitions: &[u16]| {
        if y < rows {
            for (x, colour) in fax::decoder::pels(transitions, columns)
                .enumerate()
                .take(w as usize)
            {
                if colour == fax::Color::Black {
                    img.put_pixel(x as u32, y, Luma([0]));
                }
            }
        }
        y += 1;
    };
    let ok = if k < 0 {
        fax::decoder::decode_g4(
            data.iter().copied(),
            columns,
            Some(rows.min(65_535) as u16),
            &mut line,
        )
    } else {
        fax::decoder::decode_g3(data.iter().copied(), &mut line)
    };
    if ok.is_none() && y == 0 {
        return Err(Skip::Broken("CCITT fax data".into()));
    }
    // The fax coder's "black" is a 1 bit only when BlackIs1; the default is 0.
    if black_is_1 {
        image::imageops::invert(&mut img);
    }
    Ok(img)
}

/// The colour spaces scanners write.
enum Space {
    Gray,
    Rgb,
    Cmyk,
    /// A single ink (Separation): 1 is full ink.
    Ink,
    /// Palette entries already turned to grey.
    Indexed(Vec<u8>),
}

impl Space {
    fn components(&self) -> usize {
        match self {
            Space::Gray | Space::Ink | Space::Indexed(_) => 1,
            Space::Rgb => 3,
            Space::Cmyk => 4,
        }
    }
}

fn colour_space(doc: &Document, dict: &Dictionary) -> Result<Space, Skip> {
    let Ok(cs) = dict.get_deref(b"ColorSpace", doc) else {
        return Ok(Space::Gray);
    };
    space_of(doc, cs, 0)
}

fn space_of(doc: &Document, cs: &Object, depth: u32) -> Result<Space, Skip> {
    let unsupported =
        |n: &[u8]| Skip::Unsupported(format!("colour space {}", String::from_utf8_lossy(n)));
    match cs {
        Object::Name(n) => match n.as_slice() {
            b"DeviceGray" | b"CalGray" | b"G" => Ok(Space::Gray),
            b"DeviceRGB" | b"CalRGB" | b"RGB" => Ok(Space::Rgb),
            b"DeviceCMYK" | b"CMYK" => Ok(Space::Cmyk),
            other => Err(unsupported(other)),
        },
        Object::Array(a) if depth < 3 => {
            let kind = a.first().and_then(|o| o.as_name().ok()).unwrap_or_default();
            match kind {
                b"CalGray" => Ok(Space::Gray),
                b"CalRGB" | b"Lab" => Ok(Space::Rgb),
                b"Separation" => Ok(Space::Ink),
                b"ICCBased" => {
                    let n = a
                        .get(1)
                        .and_then(|o| doc.dereference(o).ok())
                        .and_then(|(_, o)| o.as_stream().ok())
                        .and_then(|s| int(&s.dict, b"N"))
                        .unwrap_or(3);
                    match n {
                        1 => Ok(Space::Gray),
                        3 => Ok(Space::Rgb),
                        4 => Ok(Space::Cmyk),
                        _ => Err(unsupported(b"ICCBased")),
                    }
                }
                b"Indexed" | b"I" => {
                    let base = a
                        .get(1)
                        .and_then(|o| doc.dereference(o).ok())
                        .map(|(_, o)| o);
                    let base =
                        space_of(doc, base.ok_or_else(|| unsupported(b"Indexed"))?, depth + 1)?;
                    let hival = a
                        .get(2)
                        .and_then(|o| o.as_i64().ok())
                        .unwrap_or(255)
                        .clamp(0, 255) as usize;
                    let lookup: Vec<u8> = match a
                        .get(3)
                        .and_then(|o| doc.dereference(o).ok())
                        .map(|(_, o)| o)
                    {
                        Some(Object::String(s, _)) => s.clone(),
                        Some(Object::Stream(s)) => {
                            s.decompressed_content_with_limit(4096).unwrap_or_default()
                        }
                        _ => Vec::new(),
                    };
                    let n = base.components();
                    let palette = (0..=hival)
                        .map(|i| {
                            let entry = lookup.get(i * n..(i + 1) * n).unwrap_or(&[]);
                            grey(&base, entry)
                        })
                        .collect();
                    Ok(Space::Indexed(palette))
                }
                other => Err(unsupported(other)),
            }
        }
        _ => Err(unsupported(b"?")),
    }
}

/// One pixel's components (8-bit) as grey.
fn grey(space: &Space, c: &[u8]) -> u8 {
    let at = |i: usize| u32::from(c.get(i).copied().unwrap_or(0));
    match space {
        Space::Gray => at(0) as u8,
        Space::Ink => 255 - at(0) as u8,
        Space::Rgb => ((299 * at(0) + 587 * at(1) + 114 * at(2)) / 1000) as u8,
        Space::Cmyk => {
            let ink = (30 * at(0) + 59 * at(1) + 11 * at(2)) / 100 + at(3);
            255 - ink.min(255) as u8
        }
        Space::Indexed(p) => p.get(at(0) as usize).copied().unwrap_or(255),
    }
}

fn samples(
    data: &[u8],
    w: u32,
    h: u32,
    bpc: i64,
    space: &Space,
    mask: bool,
) -> Result<GrayImage, Skip> {
    let bpc = match bpc {
        1 | 2 | 4 | 8 | 16 => bpc as usize,
        other => return Err(Skip::Unsupported(format!("{other} bits per component"))),
    };
    let n = space.components();
    let row_bytes = (w as usize * n * bpc).div_ceil(8);
    if data.len() < row_bytes * h as usize {
        return Err(Skip::Broken("image data shorter than its size".into()));
    }
    let max = (1u32 << bpc.min(8)) - 1;
    let mut img = GrayImage::new(w, h);
    let mut comps = vec![0u8; n];
    for y in 0..h as usize {
        let row = &data[y * row_bytes..(y + 1) * row_bytes];
        for x in 0..w as usize {
            for (i, c) in comps.iter_mut().enumerate() {
                let index = x * n + i;
                let v = match bpc {
                    16 => u32::from(row[index * 2]),
                    8 => u32::from(row[index]),
                    _ => {
                        let bit = index * bpc;
                        u32::from(row[bit / 8] >> (8 - bpc - bit % 8)) & max
                    }
                };
                // Palette indices stay indices; other values scale to 0-255.
                *c = if matches!(space, Space::Indexed(_)) || bpc == 16 || bpc == 8 {
                    v as u8
                } else {
                    (v * 255 / max) as u8
                };
            }
            let value = if mask {
                // A stencil: sample 0 paints (black) unless /Decode says otherwise.
                if comps[0] == 0 { 0 } else { 255 }
            } else {
                grey(space, &comps)
            };
            img.put_pixel(x as u32, y as u32, Luma([value]));
        }
    }
    Ok(img)
}
