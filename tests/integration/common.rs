//! Test harness: an isolated environment per test, and ways to read a sheet back (text, QR, raster).
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// The time zone every command runs in (see [`Env::cmd`]): Japan, UTC+9
/// all year, so from 15:00 UTC on its date is already tomorrow's.
pub const TZ: &str = "Asia/Tokyo";

/// Today's date where the commands run ([`TZ`]), not where the tests run.
pub fn today() -> chrono::NaiveDate {
    let japan = chrono::FixedOffset::east_opt(9 * 3600).expect("UTC+9");
    chrono::Utc::now().with_timezone(&japan).date_naive()
}

/// A private home, working folder, config and ledger for one test, so tests
/// never see each other, the developer's files or their locale. The ledger
/// is a file ([`Env::new`]) or a fresh database on the test PostgreSQL
/// server ([`Env::postgres`]).
pub struct Env {
    pub root: TempDir,
    /// The database of a PostgreSQL ledger (dropped with the `Env`).
    pub pg: Option<crate::pg::TestDatabase>,
}

impl Env {
    pub fn new() -> Env {
        let root = tempfile::tempdir().expect("temp dir");
        for dir in ["home", "work", "data", "config"] {
            fs::create_dir_all(root.path().join(dir)).expect("mkdir");
        }
        Env { root, pg: None }
    }

    /// An environment whose ledger is a fresh database on the test server;
    /// `None` (skipped, the reason printed) without one, which fails in CI.
    pub fn postgres() -> Option<Env> {
        let server = crate::pg::server()?;
        let mut env = Env::new();
        env.pg = Some(crate::pg::TestDatabase::create(&server));
        Some(env)
    }

    /// What `RECOVERY_SHEET_LEDGER` is set to: the file, or the database's URL.
    pub fn ledger_arg(&self) -> std::ffi::OsString {
        match &self.pg {
            Some(db) => db.url.clone().into(),
            None => self.ledger().into(),
        }
    }

    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// The folder commands run in; default-named sheets land here.
    pub fn work(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// The ledger every command of this environment uses.
    pub fn ledger(&self) -> PathBuf {
        self.root.path().join("data").join("ledger.db")
    }

    /// The config file location (absent unless a test writes it).
    pub fn config(&self) -> PathBuf {
        self.root
            .path()
            .join("config")
            .join("recovery-sheet")
            .join("config.toml")
    }

    /// The binary with a clean environment: English locale, private XDG
    /// folders and ledger, run in [`Env::work`].
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// [`Env::cmd`] as a `std::process::Command`, for tests that spawn the
    /// process and act on it while it runs.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_recovery-sheet"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("XDG_DATA_HOME", self.root.path().join("data-xdg"))
            .env("XDG_CONFIG_HOME", self.root.path().join("config"))
            .env("LANG", "C.UTF-8")
            .env("TZ", TZ)
            .env("RECOVERY_SHEET_LEDGER", self.ledger_arg())
            .current_dir(self.work());
        cmd
    }

    /// Every file in the working folder, sorted (temporary files included).
    pub fn work_files(&self) -> Vec<String> {
        files_in(&self.work())
    }

    /// The only PDF in the working folder.
    pub fn only_pdf(&self) -> PathBuf {
        let pdfs: Vec<String> = self
            .work_files()
            .into_iter()
            .filter(|f| f.ends_with(".pdf"))
            .collect();
        assert_eq!(pdfs.len(), 1, "expected one PDF, found {pdfs:?}");
        self.work().join(&pdfs[0])
    }
}

/// File names in a folder, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// The text of every page, as a PDF reader extracts it.
pub fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF lopdf can parse");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("extractable text")
}

pub fn pdf_page_count(bytes: &[u8]) -> usize {
    lopdf::Document::load_mem(bytes)
        .expect("PDF")
        .get_pages()
        .len()
}

/// The codes on a sheet: every token of four-symbol groups joined by `-` or
/// a space in the monospace lines, as a person would copy them off the paper.
pub fn codes_in(text: &str, pattern: &str) -> Vec<String> {
    let shape: Vec<char> = pattern.chars().collect();
    text.lines()
        .map(str::trim)
        .filter(|line| {
            line.chars().count() == shape.len()
                && line.chars().zip(&shape).all(|(c, p)| match p {
                    'X' => c.is_ascii_digit() || c.is_ascii_uppercase(),
                    '9' => c.is_ascii_digit(),
                    'F' => c.is_ascii_hexdigit(),
                    'A' => c.is_ascii_alphanumeric(),
                    sep => c == *sep,
                })
        })
        .map(str::to_owned)
        .collect()
}

/// Page 1 drawn at `px_per_pt` pixels per point: only the dark filled
/// rectangles (the QR modules, check boxes' fills, the black band), which is
/// all a QR decoder needs. White paper, black ink, with a quiet zone.
pub fn rasterize_page1(bytes: &[u8], px_per_pt: f64) -> image::GrayImage {
    let doc = lopdf::Document::load_mem(bytes).expect("PDF");
    let (_, page) = doc.get_pages().into_iter().next().expect("a page");
    let content = doc.get_and_decode_page_content(page).expect("content");
    let media = doc
        .get_dictionary(page)
        .and_then(|d| d.get(b"MediaBox"))
        .and_then(|m| m.as_array())
        .map(|a| {
            a.iter()
                .map(|v| v.as_float().unwrap_or(0.0))
                .collect::<Vec<_>>()
        })
        .expect("MediaBox");
    let (w_pt, h_pt) = (media[2] as f64, media[3] as f64);
    let (w, h) = ((w_pt * px_per_pt) as u32, (h_pt * px_per_pt) as u32);
    let mut img = image::GrayImage::from_pixel(w, h, image::Luma([255]));
    let mut grey = 0.0f64;
    let mut pending: Vec<[f64; 4]> = Vec::new();
    let num = |o: &lopdf::Object| o.as_float().map(f64::from).unwrap_or(0.0);
    // The current transformation matrix (scale and translation are all the
    // sheet uses), with the q/Q stack.
    let mut ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let mut saved: Vec<[f64; 6]> = Vec::new();
    for op in &content.operations {
        match op.operator.as_str() {
            "q" => saved.push(ctm),
            "Q" => ctm = saved.pop().unwrap_or([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]),
            "cm" => {
                let m: Vec<f64> = op.operands.iter().map(num).collect();
                ctm = [
                    m[0] * ctm[0] + m[1] * ctm[2],
                    m[0] * ctm[1] + m[1] * ctm[3],
                    m[2] * ctm[0] + m[3] * ctm[2],
                    m[2] * ctm[1] + m[3] * ctm[3],
                    m[4] * ctm[0] + m[5] * ctm[2] + ctm[4],
                    m[4] * ctm[1] + m[5] * ctm[3] + ctm[5],
                ];
            }
            "g" => grey = num(&op.operands[0]),
            "re" => {
                let [x, y, rw, rh] = [0, 1, 2, 3].map(|i| num(&op.operands[i]));
                let (x0, y0) = (ctm[0] * x + ctm[4], ctm[3] * y + ctm[5]);
                let (x1, y1) = (ctm[0] * (x + rw) + ctm[4], ctm[3] * (y + rh) + ctm[5]);
                pending.push([x0.min(x1), y0.min(y1), (x1 - x0).abs(), (y1 - y0).abs()]);
            }
            "f" | "F" | "f*" => {
                if grey < 0.5 {
                    for [x, y, rw, rh] in pending.drain(..) {
                        let x0 = (x * px_per_pt).round() as i64;
                        let x1 = ((x + rw) * px_per_pt).round() as i64;
                        let y0 = ((h_pt - (y + rh)) * px_per_pt).round() as i64;
                        let y1 = ((h_pt - y) * px_per_pt).round() as i64;
                        for py in y0.max(0)..y1.min(h as i64) {
                            for px in x0.max(0)..x1.min(w as i64) {
                                img.put_pixel(px as u32, py as u32, image::Luma([0]));
                            }
                        }
                    }
                }
                pending.clear();
            }
            "n" | "S" | "s" | "B" | "b" => pending.clear(),
            _ => {}
        }
    }
    img
}

/// Where page 1's QR symbol is drawn, in points from the page's bottom-left
/// corner: its bottom-left corner, the side of a module, and how many
/// modules a side holds (quiet zone not included).
#[derive(Debug, Clone, Copy)]
pub struct QrPlacement {
    pub x: f64,
    pub y: f64,
    pub module: f64,
    pub modules: usize,
}

/// The QR as the sheet writer draws it: a `cm` scaling one unit to a module,
/// then a filled `re` per run of dark modules, until `Q`.
pub fn qr_placement(bytes: &[u8]) -> QrPlacement {
    let doc = lopdf::Document::load_mem(bytes).expect("PDF");
    let (_, page) = doc.get_pages().into_iter().next().expect("a page");
    let content = doc.get_and_decode_page_content(page).expect("content");
    let num = |o: &lopdf::Object| o.as_float().map(f64::from).unwrap_or(0.0);
    let mut found: Option<QrPlacement> = None;
    for op in &content.operations {
        match (op.operator.as_str(), found.as_mut()) {
            ("cm", None) => {
                let m: Vec<f64> = op.operands.iter().map(num).collect();
                if m[0] > 1.0 && (m[0] - m[3]).abs() < 1e-6 {
                    found = Some(QrPlacement {
                        x: m[4],
                        y: m[5],
                        module: m[0],
                        modules: 0,
                    });
                }
            }
            ("re", Some(qr)) => {
                let [x, y, w, h] = [0, 1, 2, 3].map(|i| num(&op.operands[i]));
                qr.modules = qr
                    .modules
                    .max((x + w).round() as usize)
                    .max((y + h).round() as usize);
            }
            ("Q", Some(_)) => break,
            _ => {}
        }
    }
    found.expect("a QR drawn on page 1")
}

/// The text of the first QR code found on page 1 of the PDF.
pub fn qr_text(bytes: &[u8]) -> String {
    let img = rasterize_page1(bytes, 3.0);
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert!(!grids.is_empty(), "no QR code found on the page");
    let (_, text) = grids[0].decode().expect("a decodable QR code");
    text
}

/// Saves page 1 as a PNG, as a phone photo of the sheet would be handed to `check --scan`.
pub fn page1_png(bytes: &[u8], path: &Path) {
    rasterize_page1(bytes, 3.0).save(path).expect("write PNG");
}

/// Unix permission bits of a file.
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The text of each page, in page order.
pub fn pdf_page_texts(bytes: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF lopdf can parse");
    doc.get_pages()
        .keys()
        .map(|n| doc.extract_text(&[*n]).expect("extractable text"))
        .collect()
}

/// The document information dictionary, every entry decoded to text, plus
/// the XMP metadata stream (key `XMP`) when the catalog has one.
pub fn pdf_metadata(bytes: &[u8]) -> Vec<(String, String)> {
    let doc = lopdf::Document::load_mem(bytes).expect("PDF");
    let mut out = Vec::new();
    if let Ok(info) = doc.trailer.get(b"Info") {
        let (_, info) = doc.dereference(info).expect("Info object");
        let info = info.as_dict().expect("Info is a dictionary");
        for (key, value) in info.iter() {
            let text = match value {
                lopdf::Object::String(..) => lopdf::decode_text_string(value).unwrap_or_default(),
                other => format!("{other:?}"),
            };
            out.push((String::from_utf8_lossy(key).into_owned(), text));
        }
    }
    if let Ok(metadata) = doc.catalog().and_then(|c| c.get(b"Metadata")) {
        let (_, stream) = doc.dereference(metadata).expect("Metadata object");
        if let Ok(stream) = stream.as_stream() {
            let content = stream
                .decompressed_content()
                .unwrap_or_else(|_| stream.content.clone());
            out.push(("XMP".into(), String::from_utf8_lossy(&content).into_owned()));
        }
    }
    out
}

/// The fields of a sheet's QR payload (`RS2/<set>/<gen>/<YYYYMMDD>/<check>`,
/// docs/qr-payload.md) under the keys `tag`, `set`, `gen`, `issued` and
/// `check`. Panics on any other form: every sheet is written so.
pub fn qr_fields(payload: &str) -> std::collections::BTreeMap<String, String> {
    let fields: Vec<&str> = payload.split('/').collect();
    assert_eq!(fields.len(), 5, "not a version 2 payload: {payload:?}");
    ["tag", "set", "gen", "issued", "check"]
        .iter()
        .zip(fields)
        .map(|(k, v)| ((*k).to_owned(), v.to_owned()))
        .collect()
}

/// The forms a code could be stored in: as printed, without separators, and
/// each in upper and lower case.
pub fn code_forms(printed: &str) -> Vec<String> {
    let bare: String = printed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let mut forms = vec![
        printed.to_owned(),
        printed.to_ascii_lowercase(),
        bare.clone(),
        bare.to_ascii_lowercase(),
    ];
    forms.sort();
    forms.dedup();
    forms
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Temporary files an interrupted or failed write could leave in `dir`.
pub fn temp_files_in(dir: &Path) -> Vec<String> {
    files_in(dir)
        .into_iter()
        .filter(|f| f.starts_with(".recovery-sheet-"))
        .collect()
}

/// Whether this process can write where permissions forbid it (root, or a
/// file system that ignores modes): then "not writable" cannot be tested.
#[cfg(unix)]
pub fn permissions_are_bypassed() -> bool {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).expect("mkdir");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o500)).expect("chmod");
    let bypassed = fs::write(locked.join("probe"), b"x").is_ok();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o700)).expect("chmod back");
    bypassed
}

/// A PNG of a QR code holding `text`, drawn with the `qrcode` crate: black
/// modules on white with a four-module quiet zone, `scale` pixels per module.
pub fn qr_png(text: &str, scale: u32, path: &Path) {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("QR encodes");
    let width = code.width() as u32;
    let colors = code.to_colors();
    let side = (width + 8) * scale;
    let mut img = image::GrayImage::from_pixel(side, side, image::Luma([255]));
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (col, row) = (i as u32 % width, i as u32 / width);
            for dy in 0..scale {
                for dx in 0..scale {
                    img.put_pixel(
                        (col + 4) * scale + dx,
                        (row + 4) * scale + dy,
                        image::Luma([0]),
                    );
                }
            }
        }
    }
    img.save(path).expect("write PNG");
}

impl Env {
    /// [`Env::cmd`] started through `sh` with this umask, to show that the
    /// files it writes are private whatever the umask.
    #[cfg(unix)]
    pub fn cmd_with_umask(&self, umask: u32) -> Command {
        let isolated = self.std_cmd();
        let mut cmd = std::process::Command::new("sh");
        cmd.env_clear()
            .arg("-c")
            .arg(format!("umask {umask:03o} && exec \"$0\" \"$@\""))
            .arg(isolated.get_program());
        for (key, value) in isolated.get_envs() {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        if let Some(dir) = isolated.get_current_dir() {
            cmd.current_dir(dir);
        }
        Command::from_std(cmd)
    }

    /// The ledger file and any journal beside it, by name, with their bytes
    /// (empty when there is no ledger); for a PostgreSQL ledger, every row
    /// of every table, by table.
    pub fn ledger_files(&self) -> Vec<(String, Vec<u8>)> {
        if let Some(db) = &self.pg {
            return crate::pg::rows(&db.url);
        }
        let dir = self.ledger().parent().expect("ledger folder").to_owned();
        let name = self
            .ledger()
            .file_name()
            .expect("ledger name")
            .to_string_lossy()
            .into_owned();
        files_in(&dir)
            .into_iter()
            .filter(|f| f.starts_with(&name))
            .map(|f| {
                let bytes = fs::read(dir.join(&f)).expect("read ledger file");
                (f, bytes)
            })
            .collect()
    }

    /// Every PDF in the working folder, sorted by name.
    pub fn pdfs(&self) -> Vec<PathBuf> {
        self.work_files()
            .into_iter()
            .filter(|f| f.ends_with(".pdf"))
            .map(|f| self.work().join(f))
            .collect()
    }
}

/// Every piece of text drawn on every page with the font it is drawn in:
/// `(BaseFont without its subset tag, text)`, in drawing order.
pub fn pdf_text_runs(bytes: &[u8]) -> Vec<(String, String)> {
    let doc = lopdf::Document::load_mem(bytes).expect("PDF");
    let mut runs = Vec::new();
    for (_, page) in doc.get_pages() {
        let fonts = doc.get_page_fonts(page).expect("page fonts");
        let content = doc.get_and_decode_page_content(page).expect("content");
        let mut current: Option<&[u8]> = None;
        for op in &content.operations {
            match op.operator.as_str() {
                "Tf" => current = op.operands.first().and_then(|o| o.as_name().ok()),
                "Tj" | "TJ" => {
                    let Some(font) = current.and_then(|name| fonts.get(name)) else {
                        continue;
                    };
                    let base = font
                        .get(b"BaseFont")
                        .and_then(|b| b.as_name())
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                        .unwrap_or_default();
                    let base = base
                        .split_once('+')
                        .map_or(base.clone(), |(_, n)| n.to_owned());
                    let encoding = font.get_font_encoding(&doc).expect("font encoding");
                    let mut text = String::new();
                    let mut strings = Vec::new();
                    for operand in &op.operands {
                        match operand {
                            lopdf::Object::String(s, _) => strings.push(s.clone()),
                            lopdf::Object::Array(items) => {
                                for item in items {
                                    if let lopdf::Object::String(s, _) = item {
                                        strings.push(s.clone());
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    for s in strings {
                        text.push_str(
                            &lopdf::Document::decode_text(&encoding, &s).expect("decodable text"),
                        );
                    }
                    runs.push((base, text));
                }
                _ => {}
            }
        }
    }
    runs
}

/// One piece of text as drawn: where its baseline starts, how wide it is
/// (from the font's own glyph widths) and at what size, in points from the
/// bottom-left corner of its page.
#[derive(Debug, Clone)]
pub struct TextBox {
    pub page: usize,
    pub text: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub size: f64,
}

/// Every page's size and the boxes of the text on it. Handles the text
/// operators the sheet writer uses (`Tf`, `Td` from a fresh `BT`, `Tj`/`TJ`
/// with two-byte glyph IDs of an Identity-H font).
pub fn pdf_text_boxes(bytes: &[u8]) -> (Vec<(f64, f64)>, Vec<TextBox>) {
    let doc = lopdf::Document::load_mem(bytes).expect("PDF");
    let mut sizes = Vec::new();
    let mut boxes = Vec::new();
    for (index, (_, page)) in doc.get_pages().into_iter().enumerate() {
        let media: Vec<f64> = doc
            .get_dictionary(page)
            .and_then(|d| d.get(b"MediaBox"))
            .and_then(|m| m.as_array())
            .expect("MediaBox")
            .iter()
            .map(|v| f64::from(v.as_float().expect("number")))
            .collect();
        sizes.push((media[2], media[3]));
        let fonts = doc.get_page_fonts(page).expect("page fonts");
        let content = doc.get_and_decode_page_content(page).expect("content");
        let (mut font, mut size, mut x, mut y) = (None, 0.0, 0.0, 0.0);
        for op in &content.operations {
            let num = |i: usize| {
                op.operands
                    .get(i)
                    .and_then(|o| o.as_float().ok())
                    .map(f64::from)
                    .unwrap_or(0.0)
            };
            match op.operator.as_str() {
                "BT" => (x, y) = (0.0, 0.0),
                "Tf" => {
                    font = op
                        .operands
                        .first()
                        .and_then(|o| o.as_name().ok())
                        .and_then(|n| fonts.get(n).copied());
                    size = num(1);
                }
                "Td" => (x, y) = (x + num(0), y + num(1)),
                "Tj" | "TJ" => {
                    let font = font.expect("a font set before text");
                    let (widths, default_width) = glyph_widths(&doc, font);
                    let encoding = font.get_font_encoding(&doc).expect("encoding");
                    let mut strings = Vec::new();
                    for operand in &op.operands {
                        match operand {
                            lopdf::Object::String(s, _) => strings.push(s.clone()),
                            lopdf::Object::Array(items) => {
                                strings.extend(items.iter().filter_map(|i| match i {
                                    lopdf::Object::String(s, _) => Some(s.clone()),
                                    _ => None,
                                }))
                            }
                            _ => {}
                        }
                    }
                    let mut text = String::new();
                    let mut units = 0.0;
                    for s in &strings {
                        text.push_str(&lopdf::Document::decode_text(&encoding, s).expect("text"));
                        for pair in s.chunks(2) {
                            let cid =
                                u32::from(pair[0]) << 8 | u32::from(*pair.get(1).unwrap_or(&0));
                            units += widths.get(&cid).copied().unwrap_or(default_width);
                        }
                    }
                    boxes.push(TextBox {
                        page: index,
                        text,
                        x,
                        y,
                        width: units / 1000.0 * size,
                        size,
                    });
                }
                _ => {}
            }
        }
    }
    (sizes, boxes)
}

/// Glyph ID -> advance width (thousandths of the size) from a Type0 font's
/// `W` array, and the width of a glyph it does not list (`DW`, 1000 when absent).
fn glyph_widths(
    doc: &lopdf::Document,
    font: &lopdf::Dictionary,
) -> (std::collections::HashMap<u32, f64>, f64) {
    let mut out = std::collections::HashMap::new();
    let Some(descendant) = font
        .get(b"DescendantFonts")
        .ok()
        .and_then(|d| d.as_array().ok())
        .and_then(|a| a.first())
        .and_then(|d| doc.dereference(d).ok())
        .and_then(|(_, d)| d.as_dict().ok())
    else {
        return (out, 1000.0);
    };
    let number = |o: &lopdf::Object| o.as_float().map(f64::from).unwrap_or(0.0);
    let default = descendant.get(b"DW").map_or(1000.0, number);
    let Some(w) = descendant
        .get(b"W")
        .ok()
        .and_then(|w| doc.dereference(w).ok())
        .and_then(|(_, w)| w.as_array().ok())
    else {
        return (out, default);
    };
    let mut i = 0;
    while i < w.len() {
        let first = number(&w[i]) as u32;
        match w.get(i + 1) {
            Some(lopdf::Object::Array(list)) => {
                for (k, v) in list.iter().enumerate() {
                    out.insert(first + k as u32, number(v));
                }
                i += 2;
            }
            Some(last) => {
                let width = w.get(i + 2).map(number).unwrap_or(0.0);
                for cid in first..=number(last) as u32 {
                    out.insert(cid, width);
                }
                i += 3;
            }
            None => break,
        }
    }
    (out, default)
}
