//! One value of every error and warning a user can meet, for the message tests.

use std::io;
use std::path::{Path, PathBuf};

use chrono::DateTime;

use crate::app::spec::{checked_count, verifier_params};
use crate::codes::{FormatError, GenerateError, SetId, SetIdError, SymbolClass};
use crate::config::{self, ConfigError};
use crate::error::Error;
use crate::import::{self, ImportError, ImportWarning, LengthRule, Place};
use crate::labels::{account_label, optional_label};
use crate::ledger::LedgerError;
use crate::messages::{Localized, Msg};
use crate::output::OutputError;
use crate::scan::{Format as ScanFormat, Problem, ScanError, Skip, Tried, ladder as scan_ladder};
use crate::sheet::SheetError;
use crate::sheet::qr::MarkError;
use crate::template::{Key, TemplateError};
use crate::typed::Kind;
use crate::verifier::VerifierError;

fn os_error() -> io::Error {
    io::Error::other("disk on fire")
}

fn path(p: &str) -> PathBuf {
    PathBuf::from(p)
}

fn err<T, E: Into<Error>>(r: Result<T, E>) -> Error {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.into(),
    }
}

fn scan_error(problem: Problem) -> Error {
    ScanError {
        path: path("p.jpg"),
        problem,
    }
    .into()
}

fn scan(label: &'static str, problem: Problem) -> (&'static str, Error) {
    (label, scan_error(problem))
}

/// A fruitless search of one `width` x `height` picture, every step run.
fn tried(width: u32, height: u32) -> Tried {
    let mut t = Tried::new(ScanFormat::Png);
    t.pictures = 1;
    t.largest = (width, height);
    t.steps = scan_ladder(width.max(height).min(crate::scan::LIMITS.working_side));
    t
}

fn config_error(text: &str) -> Error {
    match config::parse(text, &path("c.toml")) {
        Ok(_) => panic!("expected a config error for {text:?}"),
        Err(e) => e.into(),
    }
}

fn wrong_length(
    service: Option<&'static str>,
    class: SymbolClass,
    lengths: LengthRule,
    found: usize,
) -> Error {
    ImportError::WrongLength {
        at: Place { line: 4, nth: None },
        found,
        service,
        class,
        lengths,
    }
    .into()
}

fn wrong_symbol(service: Option<&'static str>, class: SymbolClass) -> Error {
    wrong_kind(service, class, None, Kind::Letter)
}

/// A wrong character of `kind` in the `nth` code of line 2.
fn wrong_kind(
    service: Option<&'static str>,
    class: SymbolClass,
    nth: Option<usize>,
    kind: Kind,
) -> Error {
    ImportError::WrongSymbol {
        at: Place { line: 2, nth },
        position: 5,
        kind,
        service,
        class,
    }
    .into()
}

/// Values given on the command line: labels, counts, Argon2 parameters, set IDs, and the few errors any command can end with.
fn input_errors() -> Vec<(&'static str, Error)> {
    let set_id = SetId::parse("7K2Q-M9XA").unwrap();
    vec![
        ("account_empty", err(account_label(" "))),
        ("account_control", err(account_label("a\u{7}b"))),
        ("account_too_long", err(account_label(&"x".repeat(201)))),
        (
            "location_control",
            err(optional_label("field_location", Some("a\u{1}"))),
        ),
        ("count_out_of_range", err(checked_count(0))),
        ("verifier_memory", err(verifier_params(Some(1), None))),
        ("verifier_passes", err(verifier_params(None, Some(0)))),
        ("set_id", SetIdError::Shown("7K-2!".into()).into()),
        ("set_id_length", SetIdError::Length { found: 16 }.into()),
        (
            "set_id_symbol",
            SetIdError::Symbol {
                position: 3,
                kind: Kind::Letter,
            }
            .into(),
        ),
        (
            "current_set_exists",
            Error::CurrentSetExists {
                account: "shop@example.com".into(),
                generation: 2,
                set_id: set_id.to_string(),
                issued: "2026-11-22 14:31 UTC+09:00".into(),
            },
        ),
        (
            "file_unreadable",
            Error::Unreadable {
                path: path("a.csv"),
                source: os_error(),
            },
        ),
        (
            "rows_failed",
            Error::RowsFailed {
                failed: 3,
                total: 10,
            },
        ),
        ("interrupted", Error::Interrupted),
        (
            "io",
            Error::Io {
                path: path("<stdout>"),
                source: os_error(),
            },
        ),
        (
            "input_too_large",
            Error::TooLarge {
                input: "codes.txt".into(),
                limit: 1 << 20,
            },
        ),
        ("needs_confirmation", Error::NeedsConfirmation),
        ("declined", Error::Declined),
        (
            "not_a_date",
            Error::InvalidValue(Msg::new("not_a_date").with("value", "2026-13-01")),
        ),
        (
            "next_inventory_past",
            Error::InvalidValue(Msg::new("next_inventory_past").with("date", "2020-01-01")),
        ),
    ]
}

/// Code format patterns.
fn format_errors() -> Vec<(&'static str, Error)> {
    vec![
        ("format_empty", FormatError::Empty.into()),
        ("format_letter", FormatError::UnknownLetter('Q').into()),
        ("format_separator", FormatError::MisplacedSeparator.into()),
        ("format_too_long", FormatError::TooLong(41).into()),
        ("format_too_weak", FormatError::TooWeak(9.966).into()),
        ("format_not_generatable", FormatError::NotGeneratable.into()),
    ]
}

/// Sheet templates.
fn template_errors() -> Vec<(&'static str, Error)> {
    vec![
        (
            "template_too_large",
            TemplateError::TooLarge {
                path: path("t.toml"),
                limit: 256 * 1024,
            }
            .into(),
        ),
        (
            "template_text_too_long",
            TemplateError::TextTooLong {
                origin: "t.toml".into(),
                key: "howto",
                chars: 8000,
            }
            .into(),
        ),
        (
            "template_unreadable",
            TemplateError::Unreadable {
                path: path("t.toml"),
                source: os_error(),
            }
            .into(),
        ),
        (
            "template_not_utf8",
            TemplateError::NotUtf8 {
                path: path("t.toml"),
                line: 3,
            }
            .into(),
        ),
        (
            "template_syntax",
            TemplateError::Syntax {
                origin: "t.toml".into(),
                message: "TOML parse error at line 1\n  expected value\n".into(),
            }
            .into(),
        ),
        (
            "template_missing_key",
            TemplateError::MissingKey {
                origin: "t.toml".into(),
                key: "title",
            }
            .into(),
        ),
        (
            "template_unknown_key",
            TemplateError::UnknownKey {
                origin: "t.toml".into(),
                key: "titel".into(),
            }
            .into(),
        ),
        (
            "template_not_text",
            TemplateError::NotText {
                origin: "t.toml".into(),
                key: "title".into(),
            }
            .into(),
        ),
        (
            "template_placeholder_none",
            TemplateError::BadPlaceholder {
                origin: "t.toml".into(),
                key: "title",
                placeholder: "n".into(),
            }
            .into(),
        ),
        (
            "template_placeholder_some",
            TemplateError::BadPlaceholder {
                origin: "t.toml".into(),
                key: "footer",
                placeholder: "n".into(),
            }
            .into(),
        ),
    ]
}

/// Drawing the sheet, writing the output, reading a scan.
fn sheet_and_file_errors() -> Vec<(&'static str, Error)> {
    vec![
        (
            "sheet_glyph",
            SheetError::MissingGlyph {
                field: Msg::new("field_account"),
                ch: '😀',
            }
            .into(),
        ),
        (
            "sheet_glyph_invisible",
            SheetError::MissingGlyph {
                field: Msg::new("field_location"),
                ch: '\u{202E}',
            }
            .into(),
        ),
        (
            "sheet_glyph_template",
            SheetError::MissingGlyph {
                field: Msg::new("field_template_text").with("key", "title"),
                ch: '😀',
            }
            .into(),
        ),
        (
            "sheet_glyph_service",
            SheetError::MissingGlyph {
                field: Msg::new("field_service"),
                ch: '😀',
            }
            .into(),
        ),
        (
            "sheet_glyph_organisation",
            SheetError::MissingGlyph {
                field: Msg::new("field_organisation"),
                ch: '😀',
            }
            .into(),
        ),
        (
            "sheet_glyph_codes",
            SheetError::MissingGlyph {
                field: Msg::new("field_codes"),
                ch: '\u{2060}',
            }
            .into(),
        ),
        ("sheet_font", SheetError::FontSubset("IPAexGothic").into()),
        ("sheet_qr", SheetError::QrTooLong.into()),
        (
            "sheet_text_does_not_fit",
            SheetError::TextDoesNotFit {
                key: Key::LabelSetId,
            }
            .into(),
        ),
        (
            "output_exists",
            OutputError::Exists {
                path: path("sheet.pdf"),
                flag: "-o",
            }
            .into(),
        ),
        (
            "output_is_folder",
            OutputError::IsFolder {
                path: path("out"),
                flag: "--verifier",
            }
            .into(),
        ),
        (
            "output_folder_missing",
            OutputError::FolderMissing {
                dir: path("nodir"),
                flag: "-o",
            }
            .into(),
        ),
        (
            "output_not_writable",
            OutputError::NotWritable {
                dir: path("out"),
                flag: "--out-dir",
                source: os_error(),
            }
            .into(),
        ),
        ("output_stdout", OutputError::StdoutIsTerminal.into()),
        (
            "output_write",
            OutputError::Write {
                path: path("sheet.pdf"),
                source: os_error(),
            }
            .into(),
        ),
        scan("scan_unreadable", Problem::Unreadable(os_error())),
        (
            "scan_too_large",
            scan_error(Problem::TooLarge {
                limit: crate::limits::MAX_SCAN_BYTES,
            }),
        ),
        scan("scan_not_an_image", Problem::NotAnImage),
        scan("scan_heic", Problem::Heic),
        scan("scan_unsupported", Problem::Unsupported(ScanFormat::Gif)),
        scan(
            "scan_undecodable",
            Problem::Undecodable {
                format: ScanFormat::Jpeg,
                reason: "unexpected end of file".into(),
            },
        ),
        scan(
            "scan_too_many_pixels",
            Problem::TooManyPixels {
                width: 100_000,
                height: 100_000,
                limit: crate::limits::MAX_SCAN_PIXELS,
            },
        ),
        scan("scan_pdf_encrypted", Problem::PdfEncrypted),
        scan(
            "scan_pdf_unreadable",
            Problem::PdfUnreadable("invalid file trailer".into()),
        ),
        scan("scan_pdf_no_pages", Problem::PdfNoPages),
        scan(
            "scan_pdf_no_pictures",
            Problem::PdfNoPictures { pages_read: 2 },
        ),
        scan(
            "scan_pdf_images",
            Problem::PdfImagesUnreadable(vec![
                (1, Skip::Jbig2),
                (2, Skip::Jpx),
                (3, Skip::Broken("JPEG: unexpected end of file".into())),
            ]),
        ),
        scan("scan_no_qr", Problem::NoQr(Box::new(tried(400, 300)))),
        scan("scan_no_qr_large", {
            let mut t = tried(4032, 3024);
            t.full_size = true;
            Problem::NoQr(Box::new(t))
        }),
        scan("scan_no_qr_pdf", {
            let mut t = tried(1240, 1754);
            t.format = ScanFormat::Pdf;
            t.pictures = 2;
            t.pdf_pages = Some((3, 3));
            t.skipped = vec![
                (1, Skip::CcittVariant),
                (2, Skip::Unsupported("colour space Lab".into())),
                (2, Skip::TooLarge),
                (3, Skip::Broken("JPEG: unexpected end of file".into())),
                (3, Skip::Broken("JPEG: unexpected end of file".into())),
            ];
            Problem::NoQr(Box::new(t))
        }),
        scan(
            "scan_no_qr_nothing_tried",
            Problem::NoQr(Box::new(Tried::new(ScanFormat::Png))),
        ),
        scan("scan_not_ours", Problem::NotOurs(MarkError::NotOurs)),
        scan(
            "scan_newer",
            Problem::NotOurs(MarkError::UnsupportedVersion("9".into())),
        ),
        scan(
            "scan_bad_field",
            Problem::NotOurs(MarkError::Malformed("set")),
        ),
        scan("scan_bad_check", Problem::NotOurs(MarkError::BadCheck)),
        ("output_stdout_closed", OutputError::StdoutClosed.into()),
        (
            "output_protected",
            OutputError::Protected {
                path: path("../ledger.db"),
                file: path("/home/a/.local/share/recovery-sheet/ledger.db"),
                flag: "-o",
            }
            .into(),
        ),
    ]
}

/// Imported codes.
fn import_errors() -> Vec<(&'static str, Error)> {
    let range = LengthRule::Range {
        min: 8,
        max: 12,
        usual: Some(12),
    };
    vec![
        ("import_not_utf8", ImportError::NotUtf8 { line: 3 }.into()),
        ("import_empty", ImportError::Empty.into()),
        (
            "import_symbol_digits",
            wrong_symbol(Some("Google"), SymbolClass::Digit),
        ),
        (
            "import_symbol_hex",
            wrong_symbol(Some("GitHub"), SymbolClass::Hex),
        ),
        (
            "import_symbol_generic",
            wrong_symbol(None, SymbolClass::Alnum),
        ),
        (
            "import_length_digits",
            wrong_length(Some("Google"), SymbolClass::Digit, LengthRule::Exact(8), 7),
        ),
        (
            "import_length_one_digit",
            wrong_length(Some("Google"), SymbolClass::Digit, LengthRule::Exact(8), 1),
        ),
        (
            "import_length_range",
            wrong_length(Some("X"), SymbolClass::Alnum, range, 7),
        ),
        (
            "import_length_one_char",
            wrong_length(Some("GitHub"), SymbolClass::Hex, LengthRule::Exact(10), 1),
        ),
        (
            "import_length_generic_range",
            wrong_length(None, SymbolClass::Alnum, range, 45),
        ),
        (
            "import_length_generic_digits",
            wrong_length(None, SymbolClass::Digit, LengthRule::Exact(8), 1),
        ),
        (
            "import_symbol_mark_1st",
            wrong_kind(Some("GitHub"), SymbolClass::Hex, Some(1), Kind::Mark('.')),
        ),
        (
            "import_symbol_control_2nd",
            wrong_kind(
                Some("Google"),
                SymbolClass::Digit,
                Some(2),
                Kind::Control('\u{7}'),
            ),
        ),
        (
            "import_symbol_other_3rd",
            wrong_kind(
                Some("X"),
                SymbolClass::Alnum,
                Some(3),
                Kind::Other('\u{430}'),
            ),
        ),
        (
            "import_symbol_digit_11th",
            wrong_kind(None, SymbolClass::Alnum, Some(11), Kind::Digit),
        ),
        (
            "import_length_nth",
            ImportError::WrongLength {
                at: Place {
                    line: 1,
                    nth: Some(2),
                },
                found: 15,
                service: Some("Google"),
                class: SymbolClass::Digit,
                lengths: LengthRule::Exact(8),
            }
            .into(),
        ),
        (
            "import_duplicate",
            ImportError::Duplicate {
                line: 5,
                first_line: 2,
            }
            .into(),
        ),
        (
            "import_among_text",
            ImportError::CodeAmongText { line: 1 }.into(),
        ),
        (
            "import_too_many",
            ImportError::TooMany {
                found: 12,
                max: 10,
                service: Some("Google"),
            }
            .into(),
        ),
        (
            "import_too_many_generic",
            ImportError::TooMany {
                found: 101,
                max: 100,
                service: None,
            }
            .into(),
        ),
    ]
}

/// The ledger.
fn ledger_errors() -> Vec<(&'static str, Error)> {
    let at = DateTime::parse_from_rfc3339("2026-11-22T14:31:00+09:00").unwrap();
    let set_id = SetId::parse("7K2Q-M9XA").unwrap();
    vec![
        ("ledger_missing", LedgerError::Missing(path("l.db")).into()),
        ("ledger_folder", LedgerError::IsFolder(path("l.db")).into()),
        (
            "ledger_foreign",
            LedgerError::NotALedger(path("l.db")).into(),
        ),
        ("ledger_damaged", LedgerError::Damaged(path("l.db")).into()),
        (
            "ledger_too_new",
            LedgerError::TooNew {
                path: path("l.db"),
                found: 9,
                supported: 2,
            }
            .into(),
        ),
        (
            "ledger_outdated",
            LedgerError::Outdated {
                path: path("l.db"),
                found: 1,
                supported: 2,
            }
            .into(),
        ),
        (
            "ledger_read_only",
            LedgerError::ReadOnly(path("l.db")).into(),
        ),
        ("ledger_busy", LedgerError::Busy(path("l.db")).into()),
        (
            "ledger_unknown_account",
            LedgerError::UnknownAccount("shop@example.com".into()).into(),
        ),
        (
            "ledger_no_current_set",
            LedgerError::NoCurrentSet("shop@example.com".into()).into(),
        ),
        (
            "ledger_number",
            LedgerError::NumberOutOfRange {
                number: 11,
                count: 10,
            }
            .into(),
        ),
        (
            "ledger_used",
            LedgerError::AlreadyUsed {
                number: 3,
                used_at: at,
                by: None,
            }
            .into(),
        ),
        (
            "ledger_used_by",
            LedgerError::AlreadyUsed {
                number: 3,
                used_at: at,
                by: Some("K. Sato".into()),
            }
            .into(),
        ),
        (
            "ledger_duplicate_set",
            LedgerError::DuplicateSetId(set_id.clone()).into(),
        ),
        (
            "ledger_io",
            LedgerError::Io(path("l.db"), os_error()).into(),
        ),
        (
            "ledger_sqlite",
            LedgerError::Sqlite(path("l.db"), rusqlite::Error::QueryReturnedNoRows).into(),
        ),
        (
            "pending_elsewhere",
            Error::PendingElsewhere {
                account: "shop@example.com".into(),
                generation: 4,
                set_id: "7K2Q-M9XA".into(),
            },
        ),
        ("ledger_not_used", LedgerError::NotUsed { number: 4 }.into()),
        (
            "ledger_unknown_set",
            LedgerError::UnknownSet(set_id.clone()).into(),
        ),
        (
            "ledger_shred_current",
            LedgerError::ShredCurrent {
                set_id: set_id.clone(),
                account: "shop@example.com".into(),
            }
            .into(),
        ),
        (
            "ledger_already_shredded",
            LedgerError::AlreadyShredded {
                set_id: set_id.clone(),
                at,
                by: None,
            }
            .into(),
        ),
        (
            "ledger_already_shredded_by",
            LedgerError::AlreadyShredded {
                set_id: set_id.clone(),
                at,
                by: Some("K. Sato".into()),
            }
            .into(),
        ),
        (
            "ledger_account_exists",
            LedgerError::AccountExists("shop@example.com".into()).into(),
        ),
        (
            "ledger_already_retired",
            LedgerError::AlreadyRetired {
                account: "old-service".into(),
                at,
            }
            .into(),
        ),
    ]
}

/// Verifier files and parameters.
fn verifier_errors() -> Vec<(&'static str, Error)> {
    let at = DateTime::parse_from_rfc3339("2026-11-22T14:31:00+09:00").unwrap();
    vec![
        (
            "verifier_io",
            VerifierError::Io {
                path: path("v.json"),
                source: os_error(),
            }
            .into(),
        ),
        (
            "verifier_exists",
            VerifierError::Exists(path("v.json")).into(),
        ),
        (
            "verifier_unsupported_version",
            VerifierError::UnsupportedVersion {
                path: path("v.json"),
                found: Some("9".into()),
            }
            .into(),
        ),
        (
            "verifier_unsupported_algorithm",
            VerifierError::UnsupportedAlgorithm {
                path: path("v.json"),
                number: 2,
                found: "argon2i v=19".into(),
            }
            .into(),
        ),
        (
            "verifier_params",
            VerifierError::ParamsOutOfRange {
                number: None,
                param: "m",
                value: 1,
                min: 8192,
                max: 1_048_576,
            }
            .into(),
        ),
        (
            "verifier_code_params",
            VerifierError::ParamsOutOfRange {
                number: Some(4),
                param: "t",
                value: 99,
                min: 1,
                max: 10,
            }
            .into(),
        ),
        (
            "verifier_tampered",
            VerifierError::Tampered {
                path: path("v.json"),
            }
            .into(),
        ),
        ("verifier_empty_set", VerifierError::EmptySet.into()),
        (
            "verifier_too_many",
            VerifierError::TooManyCodes {
                count: 300,
                max: 100,
            }
            .into(),
        ),
        (
            "verifier_hashing",
            VerifierError::Hashing(argon2::password_hash::Error::Algorithm).into(),
        ),
        (
            "verifier_serialize",
            VerifierError::Serialize(serde_json::from_str::<u8>("x").unwrap_err()).into(),
        ),
        ("verifier_empty_code", VerifierError::EmptyCode.into()),
        ("verifier_wrong_code", VerifierError::WrongCode.into()),
        (
            "verifier_code_used",
            VerifierError::AlreadyUsed {
                number: 3,
                used_at: at,
            }
            .into(),
        ),
        (
            "verifier_number",
            VerifierError::NumberOutOfRange {
                number: 99,
                len: 10,
            }
            .into(),
        ),
        (
            "verifier_set_changed",
            VerifierError::SetChanged {
                path: path("v.json"),
            }
            .into(),
        ),
        (
            "verifier_hard_linked",
            VerifierError::HardLinked {
                path: path("v.json"),
                links: 2,
            }
            .into(),
        ),
        (
            "verifier_not_printed",
            Error::StaleVerifier(Msg::new("verifier_not_printed").with("generation", 2)),
        ),
    ]
}

/// The config file.
fn config_errors() -> Vec<(&'static str, Error)> {
    vec![
        (
            "config_missing",
            ConfigError::Unreadable {
                path: path("c.toml"),
                source: io::ErrorKind::NotFound.into(),
            }
            .into(),
        ),
        (
            "config_unreadable",
            ConfigError::Unreadable {
                path: path("c.toml"),
                source: os_error(),
            }
            .into(),
        ),
        (
            "config_no_line",
            ConfigError::Invalid {
                path: path("c.toml"),
                line: None,
                problem: Msg::new("config_toml").with("detail", "expected a table"),
            }
            .into(),
        ),
        ("config_syntax", config_error("lang = \n")),
        ("config_unknown_key", config_error("colour = 1\n")),
        ("config_lang", config_error("lang = \"fr\"\n")),
        ("config_paper", config_error("paper = \"a3\"\n")),
        ("config_copies", config_error("copies = 0\n")),
        ("config_count", config_error("count = 0\n")),
        ("config_months", config_error("inventory_months = 99\n")),
        ("config_format", config_error("format = \"Q\"\n")),
        (
            "config_control_character",
            config_error("lang = \"ja\"\nlocation = \"Safe\\u001b[2J\"\n"),
        ),
        (
            "config_value_too_long",
            config_error(&format!("custodian = \"{}\"\n", "x".repeat(201))),
        ),
    ]
}

/// What loading each of these config files (written into `dir`) says.
fn config_file_errors(dir: &Path) -> Vec<(&'static str, Error)> {
    let file = dir.join("config.toml");
    let load = |bytes: &[u8]| -> Error {
        std::fs::write(&file, bytes).unwrap();
        match config::load(&config::ConfigLocation::Explicit(file.clone())) {
            Ok(_) => panic!("expected a config error"),
            Err(e) => e.into(),
        }
    };
    vec![
        ("config_not_utf8", load(b"lang = \"ja\"\n# caf\xe9\n")),
        ("config_too_large", load(&vec![b'#'; 64 * 1024 + 1])),
    ]
}

/// What loading each of these verifier files (written into `dir`) says.
fn verifier_load_errors(dir: &Path) -> Vec<(&'static str, Error)> {
    let file = dir.join("v.json");
    let mut out = Vec::new();
    // Over the 4 MiB a verifier file may have.
    let too_large = vec![b' '; 4 * 1024 * 1024 + 1];
    for (label, content) in [
        ("verifier_not_utf8", &b"{\"a\": \"\xff\"}"[..]),
        ("verifier_not_json", b"nope"),
        ("verifier_too_large", &too_large),
        ("verifier_not_object", b"[]"),
        ("verifier_no_schema", b"{}"),
        (
            "verifier_no_version",
            br#"{"schema": "recovery-sheet-verifier"}"#,
        ),
        (
            "verifier_version",
            br#"{"schema": "recovery-sheet-verifier", "version": 9}"#,
        ),
        (
            "verifier_no_integrity",
            br#"{"schema": "recovery-sheet-verifier", "version": 1}"#,
        ),
        (
            "verifier_bad_fields",
            br#"{"schema": "recovery-sheet-verifier", "version": 1, "integrity": "x"}"#,
        ),
    ] {
        std::fs::write(&file, content).unwrap();
        match crate::verifier::Verifier::load(&file) {
            Ok(_) => panic!("{label} loaded"),
            Err(e) => out.push((label, Error::from(e))),
        }
    }
    let phc = |params: &str| {
        format!(
            "$argon2id$v=19${params}$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        )
    };
    let good = phc("m=19456,t=2,p=1");
    let body = |field: &str, value: serde_json::Value| {
        let mut body = serde_json::json!({
            "schema": "recovery-sheet-verifier",
            "version": 1,
            "integrity": "x",
            "account": "shop@example.com",
            "set_id": "7K2Q-M9XA",
            "generation": 1,
            "issued_at": "2026-11-22T14:31:00+09:00",
            "normalization": crate::verifier::NORMALIZATION,
            "codes": [{"number": 1, "phc": good, "used_at": null}],
        });
        body[field] = value;
        body.to_string()
    };
    let entry = |number: u32, phc: &str, used_at: Option<&str>| serde_json::json!([{"number": number, "phc": phc, "used_at": used_at}]);
    for (label, content) in [
        (
            "verifier_normalization",
            body("normalization", "none".into()),
        ),
        ("verifier_no_codes", body("codes", serde_json::json!([]))),
        ("verifier_numbering", body("codes", entry(2, &good, None))),
        ("verifier_not_phc", body("codes", entry(1, "nope", None))),
        (
            "verifier_algorithm",
            body(
                "codes",
                entry(1, &good.replace("argon2id", "argon2i"), None),
            ),
        ),
        (
            "verifier_unknown_param",
            body("codes", entry(1, &phc("m=19456,t=2,p=1,x=1"), None)),
        ),
        (
            "verifier_param_not_a_number",
            body("codes", entry(1, &phc("m=lots,t=2,p=1"), None)),
        ),
        (
            "verifier_param_twice",
            body("codes", entry(1, &phc("m=19456,m=19456,t=2,p=1"), None)),
        ),
        (
            "verifier_missing_param",
            body("codes", entry(1, &phc("m=19456,t=2"), None)),
        ),
        (
            "verifier_param_range",
            body("codes", entry(1, &phc("m=1,t=2,p=1"), None)),
        ),
        (
            "verifier_used_at",
            body("codes", entry(1, &good, Some("yesterday"))),
        ),
        ("verifier_set_id", body("set_id", "nope".into())),
        ("verifier_issued_at", body("issued_at", "today".into())),
        ("verifier_integrity", body("generation", 2.into())),
    ] {
        std::fs::write(&file, content).unwrap();
        match crate::verifier::Verifier::load(&file) {
            Ok(_) => panic!("{label} loaded"),
            Err(e) => out.push((label, Error::from(e))),
        }
    }
    out
}

/// Errors the app code builds from flags, the ledger or the batch file
/// (the checks that need a context are built as they build them).
fn app_errors() -> Vec<(&'static str, Error)> {
    let invalid = |msg: Msg| Error::InvalidValue(msg);
    vec![
        (
            "name_control",
            err(optional_label("field_name", Some("a\u{1}"))),
        ),
        (
            "custodian_too_long",
            err(optional_label("field_custodian", Some(&"x".repeat(201)))),
        ),
        (
            "copies_out_of_range",
            invalid(
                Msg::new("copies_out_of_range")
                    .with("copies", 11)
                    .with("max", 10),
            ),
        ),
        (
            "next_inventory",
            invalid(Msg::new("next_inventory_not_a_date").with("value", "soon")),
        ),
        (
            "same_sheet_and_verifier",
            invalid(Msg::new("same_sheet_and_verifier").with("path", "sheet.pdf")),
        ),
        ("ledger_no_home", invalid(Msg::new("ledger_no_home"))),
        (
            "check_nothing_to_check",
            invalid(Msg::new("check_nothing_to_check")),
        ),
        (
            "unknown_service",
            invalid(
                Msg::new("unknown_service")
                    .with("service", "foo")
                    .with("services", "google, x, generic"),
            ),
        ),
        (
            "import_unreadable_file",
            Error::ImportInput {
                path: Some(path("codes.txt")),
                source: os_error(),
            },
        ),
        (
            "import_unreadable_stdin",
            Error::ImportInput {
                path: None,
                source: os_error(),
            },
        ),
        ("import_nothing_typed", Error::StdinIsTerminal),
        (
            "verifier_superseded",
            Error::StaleVerifier(
                Msg::new("verifier_superseded")
                    .with("generation", 1)
                    .with("date", "2026-11-22 14:31")
                    .with("new_generation", 2),
            ),
        ),
        (
            "verifier_revoked",
            Error::StaleVerifier(
                Msg::new("verifier_revoked")
                    .with("generation", 1)
                    .with("date", "2026-11-22 14:31"),
            ),
        ),
    ]
}

/// The ledger's refusals for the sheet's life after printing.
fn ledger_life_errors() -> Vec<(&'static str, Error)> {
    let set_id = SetId::parse("7K2Q-M9XA").unwrap();
    let at = DateTime::parse_from_rfc3339("2026-11-22T14:31:05+09:00").unwrap();
    vec![
        ("ledger_not_used", LedgerError::NotUsed { number: 3 }.into()),
        (
            "ledger_unknown_set",
            LedgerError::UnknownSet(set_id.clone()).into(),
        ),
        (
            "ledger_shred_current",
            LedgerError::ShredCurrent {
                set_id: set_id.clone(),
                account: "shop@example.com".into(),
            }
            .into(),
        ),
        (
            "ledger_already_shredded",
            LedgerError::AlreadyShredded {
                set_id: set_id.clone(),
                at,
                by: None,
            }
            .into(),
        ),
        (
            "ledger_already_shredded_by",
            LedgerError::AlreadyShredded {
                set_id,
                at,
                by: Some("K. Sato".into()),
            }
            .into(),
        ),
        (
            "ledger_account_exists",
            LedgerError::AccountExists("shop@example.com".into()).into(),
        ),
        (
            "ledger_already_retired",
            LedgerError::AlreadyRetired {
                account: "shop@example.com".into(),
                at,
            }
            .into(),
        ),
    ]
}

/// The shared ledger: connection strings, TLS, logins, the server, and `ledger copy`.
fn server_ledger_errors() -> Vec<(&'static str, Error)> {
    use crate::ledger::conninfo::{self, ConnInfoError, Environment, PasswordSource};
    use crate::ledger::pgtls::{ConnectError, TlsSetupError};
    let env = Environment {
        os_user: Some("alice".into()),
        default_socket_dir: path("/var/run/postgresql"),
        ..Environment::default()
    };
    let conninfo = |label: &'static str, text: &str| -> (&'static str, Error) {
        match conninfo::resolve(text, &env) {
            Ok(_) => panic!("{label}: {text} resolves"),
            Err(e) => (label, LedgerError::ConnInfo(e).into()),
        }
    };
    let target =
        || "postgresql://alice@db.example.org:5432/recovery_sheet?sslmode=verify-full".to_owned();
    let connect = |e: ConnectError| -> Error { LedgerError::Connect(e).into() };
    let copy = |key: &'static str| Msg::new(key).with("from", "ledger.db").with("to", target());
    let mut out = vec![
        conninfo("conninfo_ipv6_unclosed", "postgresql://[::1/db"),
        conninfo("conninfo_ipv6_empty", "postgresql://[]/db"),
        conninfo("conninfo_after_ipv6", "postgresql://[::1]x/db"),
        conninfo("conninfo_query_without_equals", "postgresql://h/db?sslmode"),
        conninfo("conninfo_query_second_equals", "postgresql://h/db?a=b=c"),
        conninfo("conninfo_option_without_equals", "host"),
        conninfo("conninfo_unclosed_quote", "host='x"),
        conninfo("conninfo_bad_percent", "postgresql://h/db?sslmode=%zz"),
        conninfo("conninfo_percent_nul", "postgresql://h/db?sslmode=%00"),
        conninfo("conninfo_percent_not_utf8", "postgresql://h/%ff"),
        conninfo("conninfo_unknown_option", "postgresql://h/db?pasword=x"),
        conninfo("conninfo_instead_password", "host=h sslcert=/c.crt"),
        conninfo("conninfo_instead_no_crl", "host=h sslcrl=/c.crl"),
        conninfo("conninfo_instead_remove", "host=h sslnegotiation=direct"),
        conninfo("conninfo_instead_sslmode", "host=h requiressl=1"),
        conninfo("conninfo_instead_inline", "service=ledger"),
        conninfo("conninfo_instead_one_host", "host=a,b"),
        conninfo("conninfo_instead_gss_enc", "host=h gssencmode=require"),
        conninfo("conninfo_instead_root_path", "host=h sslrootcert=system"),
        conninfo("conninfo_expect_address", "host=h hostaddr=x"),
        conninfo("conninfo_expect_port", "host=h port=x"),
        conninfo("conninfo_expect_sslmode", "host=h sslmode=x"),
        conninfo("conninfo_expect_seconds", "host=h connect_timeout=x"),
        conninfo("conninfo_expect_flag", "host=h keepalives=x"),
        conninfo("conninfo_expect_number", "host=h keepalives_count=x"),
        conninfo("conninfo_expect_milliseconds", "host=h tcp_user_timeout=x"),
        conninfo(
            "conninfo_expect_session_attrs",
            "host=h target_session_attrs=x",
        ),
        conninfo(
            "conninfo_expect_channel_binding",
            "host=h channel_binding=x",
        ),
        conninfo(
            "conninfo_root_cert_missing",
            "host=h sslmode=verify-full sslrootcert=/etc/ssl/ledger-ca.crt",
        ),
        (
            "conninfo_no_user",
            LedgerError::ConnInfo(ConnInfoError::NoUser).into(),
        ),
        (
            "conninfo_passfile_unreadable",
            LedgerError::ConnInfo(ConnInfoError::PassFile(path("/home/a/.pgpass"), os_error()))
                .into(),
        ),
        (
            "conninfo_passfile_too_large",
            LedgerError::ConnInfo(ConnInfoError::PassFileTooLarge(path("/home/a/.pgpass"))).into(),
        ),
        (
            "tls_root_unreadable",
            connect(ConnectError::TlsSetup(TlsSetupError::RootFileUnreadable(
                path("/etc/ssl/ledger-ca.crt"),
                os_error(),
            ))),
        ),
        (
            "tls_root_too_large",
            connect(ConnectError::TlsSetup(TlsSetupError::RootFileTooLarge(
                path("/etc/ssl/ledger-ca.crt"),
            ))),
        ),
        (
            "tls_root_empty",
            connect(ConnectError::TlsSetup(TlsSetupError::NoRootCertificate(
                path("/etc/ssl/ledger-ca.crt"),
            ))),
        ),
        (
            "tls_setup_failed",
            connect(ConnectError::TlsSetup(TlsSetupError::Rustls(
                rustls::Error::General("no protocol versions".into()),
            ))),
        ),
        (
            "pg_refused",
            connect(ConnectError::Refused {
                target: target(),
                source: io::Error::from(io::ErrorKind::ConnectionRefused),
            }),
        ),
        (
            "pg_timed_out",
            connect(ConnectError::TimedOut { target: target() }),
        ),
        (
            "pg_no_password",
            connect(ConnectError::NoPassword { target: target() }),
        ),
        (
            "pg_no_database",
            connect(ConnectError::NoDatabase { target: target() }),
        ),
        (
            "pg_certificate",
            connect(ConnectError::Certificate {
                target: target(),
                reason: "invalid peer certificate: UnknownIssuer".into(),
            }),
        ),
        (
            "pg_without_tls",
            connect(ConnectError::ServerWithoutTls { target: target() }),
        ),
        (
            "pg_starting",
            connect(ConnectError::Starting { target: target() }),
        ),
        (
            "pg_connect_failed",
            connect(ConnectError::Other {
                target: target(),
                detail: "unexpected message from server".into(),
            }),
        ),
        (
            "pg_foreign_database",
            LedgerError::ForeignDatabase {
                target: target(),
                tables: 12,
            }
            .into(),
        ),
        (
            "pg_no_privilege",
            LedgerError::NoPrivilege {
                target: target(),
                detail: "db error: ERROR: permission denied for database recovery_sheet".into(),
            }
            .into(),
        ),
        (
            "pg_connection_lost",
            LedgerError::ConnectionLost {
                target: target(),
                detail: "connection closed".into(),
            }
            .into(),
        ),
        (
            "pg_bad_value",
            LedgerError::BadValue {
                target: target(),
                detail: "unknown status `lost`".into(),
            }
            .into(),
        ),
        (
            "pg_failed",
            LedgerError::Postgres {
                target: target(),
                detail: "db error: ERROR: out of memory".into(),
            }
            .into(),
        ),
        (
            "copy_destination_not_empty",
            Error::CopyDestinationNotEmpty(
                Msg::new("copy_destination_not_empty")
                    .with("to", target())
                    .with("generations", 12)
                    .with("events", 30),
            ),
        ),
        (
            "copy_pending",
            Error::CopyPending(
                Msg::new("copy_pending")
                    .with("ledger", "ledger.db")
                    .with("pending", 1),
            ),
        ),
        ("copy_same", Error::InvalidValue(Msg::new("copy_same"))),
        (
            "copy_mismatch",
            Error::CopyMismatch(
                copy("copy_mismatch")
                    .with("what", "events")
                    .with("expected", 30)
                    .with("found", 29),
            ),
        ),
    ];
    for (label, from) in [
        ("pg_password_none", PasswordSource::None),
        ("pg_password_in_url", PasswordSource::ConnString),
        ("pg_password_in_env", PasswordSource::Environment),
        (
            "pg_password_in_file",
            PasswordSource::PassFile(path("/home/a/.pgpass")),
        ),
    ] {
        out.push((
            label,
            connect(ConnectError::AuthFailed {
                target: target(),
                user: "alice".into(),
                from,
            }),
        ));
    }
    out
}

/// Warnings on the way to the ledger's server.
fn server_warnings() -> Vec<(&'static str, crate::ledger::conninfo::Warning)> {
    use crate::ledger::conninfo::Warning;
    vec![
        (
            "conninfo_passfile_not_plain",
            Warning::PassFileNotPlain(path("/home/a/.pgpass")),
        ),
        (
            "conninfo_passfile_group_or_world",
            Warning::PassFileGroupOrWorld(path("/home/a/.pgpass")),
        ),
        (
            "conninfo_unsupported_variable",
            Warning::UnsupportedVariable("PGSSLCERT"),
        ),
    ]
}

/// Every error a command can end with, labelled, and the folder of the
/// files some of them name.
pub fn errors() -> (tempfile::TempDir, Vec<(&'static str, Error)>) {
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    out.extend(input_errors());
    out.extend(format_errors());
    out.extend(template_errors());
    out.extend(sheet_and_file_errors());
    out.extend(import_errors());
    out.extend(ledger_errors());
    out.extend(ledger_life_errors());
    out.extend(server_ledger_errors());
    out.extend(verifier_errors());
    out.extend(config_errors());
    out.extend(config_file_errors(dir.path()));
    out.extend(verifier_load_errors(dir.path()));
    out.extend(app_errors());
    out.extend(crate::app::batch::sample_errors(dir.path()));
    out.extend(crate::serve::sample_errors());
    out.push((
        "generate_too_few",
        GenerateError::TooFewDistinct {
            count: 100,
            bits: 6.0,
        }
        .into(),
    ));
    (dir, out)
}

/// Imports that warn, one of each kind.
fn import_inputs() -> [(&'static str, &'static str, &'static str); 4] {
    [
        ("import_fewer_one", "google", "1234 5678\n"),
        ("import_fewer", "google", "1234 5678\n2345 6789\n"),
        (
            "import_more_and_lengths",
            "x",
            "a1b2c3d4e5f6\nb1b2c3d4\nc1b2c3d4e5\nd1b2c3d4e5f6\ne1b2c3d4e5f6\nf1b2c3d4e5\n",
        ),
        ("import_length_one", "x", "a1b2c3d4\n"),
    ]
}

/// Import warnings no shipped preset gives (a service of digit codes
/// whose length varies), built directly.
fn other_import_warnings() -> Vec<(&'static str, ImportWarning)> {
    [1, 2]
        .into_iter()
        .map(|count| {
            (
                "import_digit_lengths",
                ImportWarning::UnusualLength {
                    count,
                    length: 7,
                    usual: 8,
                    service: "Bank",
                    class: SymbolClass::Digit,
                },
            )
        })
        .collect()
}

/// Every kind of import warning, from real imports.
pub fn import_warnings() -> Vec<(&'static str, String)> {
    let import = |service: &str, input: &str| {
        import::parse(import::preset(service).unwrap(), input.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"))
            .warnings
    };
    let mut out = Vec::new();
    for (label, service, input) in import_inputs() {
        for w in import(service, input) {
            out.push((label, w.to_string()));
        }
    }
    for (label, w) in other_import_warnings() {
        out.push((label, w.to_string()));
    }
    out
}

/// Every sample, as the user's language renders it.
pub fn localized() -> Vec<(&'static str, Box<dyn Localized>)> {
    let (_dir, errors) = errors();
    let mut out: Vec<(&'static str, Box<dyn Localized>)> = Vec::new();
    for (label, e) in errors {
        out.push((label, Box::new(e)));
    }
    for (label, service, input) in import_inputs() {
        for w in import::parse(import::preset(service).unwrap(), input.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"))
            .warnings
        {
            out.push((label, Box::new(w)));
        }
    }
    for (label, w) in other_import_warnings() {
        out.push((label, Box::new(w)));
    }
    for (label, r) in recovered() {
        out.push((label, Box::new(r)));
    }
    for (label, w) in server_warnings() {
        out.push((label, Box::new(w)));
    }
    out
}

/// What recovering after a crash reports, one of each.
fn recovered() -> Vec<(&'static str, crate::app::issue::Recovered)> {
    use crate::app::issue::Recovered;
    use crate::ledger::{GenerationRecord, Status};
    let record = GenerationRecord {
        account: "shop@example.com".into(),
        generation: 4,
        set_id: SetId::parse("7K2Q-M9XA").unwrap(),
        issued_at: DateTime::parse_from_rfc3339("2026-11-22T14:31:00+09:00").unwrap(),
        count: 10,
        format: "XXXX-XXXX-XXXX-XXXX".into(),
        source: "generated".into(),
        copies: 1,
        location: None,
        custodian: None,
        next_inventory: None,
        lang: None,
        paper: None,
        organisation: None,
        run: None,
        status: Status::Pending,
        status_changed_at: None,
        superseded_by: None,
        shredded_at: None,
        shredded_by: None,
        used: Vec::new(),
    };
    vec![
        ("recovered_finished", Recovered::Finished(record.clone())),
        ("recovered_never_printed", Recovered::NeverPrinted(record)),
    ]
}
