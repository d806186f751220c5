//! End to end, issue 2 (make a recovery sheet): run `generate`, read the PDF and its QR back, look at the files left and at what was printed.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use common::*;

const DEFAULT_FORMAT: &str = "XXXX-XXXX-XXXX-XXXX";
/// Crockford base32 as the sheet uses it: no I, L, O or U.
const BASE32: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A sheet the binary made, read back.
struct Sheet {
    /// `None` when it went to stdout.
    path: Option<PathBuf>,
    bytes: Vec<u8>,
    text: String,
    stdout: String,
    stderr: String,
    qr: BTreeMap<String, String>,
    /// As printed: `XXXX-XXXX`.
    set_id: String,
}

/// Runs `generate` with `args` (which must make exactly one new PDF in the
/// working folder, or write it to stdout with `-o -`) and reads the sheet back.
fn generate(env: &Env, args: &[&str]) -> Sheet {
    generate_with(env, env.cmd(), args)
}

fn generate_with(env: &Env, mut cmd: assert_cmd::Command, args: &[&str]) -> Sheet {
    let before = env.pdfs();
    let out = cmd.arg("generate").args(args).output().expect("run");
    let stderr = stderr_of(&out);
    assert!(
        out.status.success(),
        "generate {args:?} failed ({:?}): {stderr}",
        out.status.code()
    );
    let to_stdout = args.windows(2).any(|w| w == ["-o", "-"]);
    let (path, bytes) = if to_stdout {
        (None, out.stdout.clone())
    } else {
        let new: Vec<PathBuf> = env
            .pdfs()
            .into_iter()
            .filter(|p| !before.contains(p))
            .collect();
        assert_eq!(new.len(), 1, "expected one new PDF, found {new:?}");
        let bytes = fs::read(&new[0]).expect("read the PDF");
        (Some(new[0].clone()), bytes)
    };
    let text = pdf_text(&bytes);
    let qr = qr_fields(&qr_text(&bytes));
    let set_id = printed_set_id(qr.get("set").expect("set in QR"));
    Sheet {
        path,
        bytes,
        text,
        stdout: stdout_of(&out),
        stderr,
        qr,
        set_id,
    }
}

impl Sheet {
    /// The issue time as the ledger recorded it (with the offset of issue;
    /// the QR holds only the date), checked against the QR's date.
    fn issued(&self, env: &Env, account: &str) -> chrono::DateTime<chrono::FixedOffset> {
        let out = env
            .cmd()
            .args(["show", account, "--json"])
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", stderr_of(&out));
        let history: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let record = history
            .as_array()
            .expect("array")
            .iter()
            .find(|g| g["set_id"] == self.set_id.as_str())
            .unwrap_or_else(|| panic!("set {} not in {history}", self.set_id));
        let issued =
            chrono::DateTime::parse_from_rfc3339(record["issued_at"].as_str().expect("issued_at"))
                .expect("issued");
        assert_eq!(
            self.qr["issued"],
            issued.format("%Y%m%d").to_string(),
            "the QR's date is the local date of issue"
        );
        issued
    }
}

/// `7K2QM9XA` -> `7K2Q-M9XA`.
fn printed_set_id(compact: &str) -> String {
    assert_eq!(compact.len(), 8, "set ID `{compact}`");
    format!("{}-{}", &compact[..4], &compact[4..])
}

/// Text without any whitespace, so wrapped lines still match.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_on_sheet(text: &str, wanted: &str) {
    assert!(
        squash(text).contains(&squash(wanted)),
        "`{wanted}` is not on the sheet:\n{text}"
    );
}

/// The shipped wording of a language, as an office would copy it.
fn wording(lang: &str) -> toml::Table {
    let text = match lang {
        "en" => include_str!("../../templates/en.toml"),
        "ja" => include_str!("../../templates/ja.toml"),
        other => panic!("no template for {other}"),
    };
    text.parse().expect("shipped template parses")
}

fn words<'a>(t: &'a toml::Table, key: &str) -> &'a str {
    t.get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("template has no {key}"))
}

/// The codes on the sheet with the number printed before each, in order
/// (`set_id`, which a short pattern may also match, is not a code).
fn numbered_codes(text: &str, pattern: &str, set_id: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if *line != set_id && codes_in(line, pattern).len() == 1 {
            let number = i
                .checked_sub(1)
                .and_then(|j| lines[j].parse().ok())
                .unwrap_or_else(|| panic!("code `{line}` has no number before it:\n{text}"));
            out.push((number, (*line).to_owned()));
        }
    }
    out
}

/// Asserts `count` distinct codes numbered 1..=count, each of the pattern's
/// alphabet, and returns them in order.
fn assert_codes(sheet: &Sheet, pattern: &str, count: usize) -> Vec<String> {
    let numbered = numbered_codes(&sheet.text, pattern, &sheet.set_id);
    let numbers: Vec<usize> = numbered.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        numbers,
        (1..=count).collect::<Vec<_>>(),
        "codes numbered 1..={count}:\n{}",
        sheet.text
    );
    let codes: Vec<String> = numbered.into_iter().map(|(_, c)| c).collect();
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), count, "codes are distinct: {codes:?}");
    for code in &codes {
        for (c, p) in code.chars().zip(pattern.chars()) {
            let ok = match p {
                'X' => BASE32.contains(c),
                '9' => c.is_ascii_digit(),
                'F' => c.is_ascii_hexdigit() && !c.is_ascii_lowercase(),
                sep => c == sep,
            };
            assert!(ok, "`{c}` in code {code} does not fit {pattern}");
        }
    }
    codes
}

/// An environment whose ledger already holds one sheet (for another account),
/// so a refused command can be shown to leave an existing ledger alone.
fn env_with_a_sheet() -> Env {
    let env = Env::new();
    generate(&env, &["--account", "earlier@example.com", "--count", "3"]);
    env
}

/// Files in the working folder and the ledger's bytes, to compare before and after.
fn snapshot(env: &Env) -> (Vec<String>, Vec<(String, Vec<u8>)>) {
    (env.work_files(), env.ledger_files())
}

/// Runs `generate` with `args` and asserts the refusal a user should see:
/// the exit code, one error line on stderr holding every `needle`, nothing on
/// stdout, and no file written, left behind or changed (ledger included).
fn assert_refused(env: &Env, args: &[&str], code: i32, needles: &[&str]) -> String {
    let before = snapshot(env);
    let out = env.cmd().arg("generate").args(args).output().expect("run");
    let stderr = stderr_of(&out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "generate {args:?}: exit code; stderr: {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout: {}",
        stdout_of(&out)
    );
    if code == 2 && stderr.starts_with("error:") {
        // clap's own usage errors: a first line naming the problem, then help.
        let first = stderr.lines().next().unwrap_or_default();
        for needle in needles {
            assert!(first.contains(needle), "`{needle}` in `{first}`");
        }
    } else {
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "one line on stderr: {stderr}");
        assert!(
            lines[0].starts_with("recovery-sheet: error: "),
            "an error line: {stderr}"
        );
        for needle in needles {
            assert!(lines[0].contains(needle), "`{needle}` in `{}`", lines[0]);
        }
    }
    let after = snapshot(env);
    assert_eq!(before.0, after.0, "files in the working folder");
    assert!(
        before.1 == after.1,
        "the ledger changed: {:?} -> {:?}",
        before.1.iter().map(|f| &f.0).collect::<Vec<_>>(),
        after.1.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert_eq!(temp_files_in(&env.work()), Vec::<String>::new());
    stderr
}

// ---------------------------------------------------------------------------
// What the sheet says

#[test]
fn sheet_shows_every_code_account_date_set_id_generation_and_destroy_notice_in_both_languages_and_papers()
 {
    let env = Env::new();
    for (i, (lang, paper, size_pt)) in [
        ("en", "a4", (595.3, 841.9)),
        ("en", "letter", (612.0, 792.0)),
        ("ja", "a4", (595.3, 841.9)),
        ("ja", "letter", (612.0, 792.0)),
    ]
    .into_iter()
    .enumerate()
    {
        let account = format!("shop{i}@example.com");
        let sheet = generate(
            &env,
            &[
                "--account",
                &account,
                "--lang",
                lang,
                "--paper",
                paper,
                "--location",
                "Safe, 2F",
                "--custodian",
                "K. Sato",
                "--next-inventory",
                "2031-05-31",
            ],
        );
        let t = wording(lang);
        let codes = assert_codes(&sheet, DEFAULT_FORMAT, 10);
        assert_eq!(
            codes_in(&sheet.text, DEFAULT_FORMAT),
            codes,
            "no other code"
        );

        for key in ["title", "label_account", "label_issued", "label_generation"] {
            assert_on_sheet(&sheet.text, words(&t, key));
        }
        assert_on_sheet(&sheet.text, &account);
        // Issue date and time with its UTC offset (the harness runs in Tokyo time).
        let issued = sheet.issued(&env, &account);
        let zone = if issued.offset().local_minus_utc() == 0 {
            "UTC".to_owned()
        } else {
            format!("UTC{}", issued.format("%:z"))
        };
        assert_on_sheet(
            &sheet.text,
            &format!("{} {zone}", issued.format("%Y-%m-%d %H:%M")),
        );
        // Generation 1 (no ledger entry for this account yet) and the set ID.
        let lines: Vec<&str> = sheet.text.lines().map(str::trim).collect();
        let gen_label = lines
            .iter()
            .position(|l| *l == words(&t, "label_generation"))
            .expect("generation label on its own line");
        assert_eq!(lines[gen_label + 1], "1", "generation 1:\n{}", sheet.text);
        let set_label = lines
            .iter()
            .position(|l| *l == words(&t, "label_set_id"))
            .expect("set ID label on its own line");
        assert_eq!(lines[set_label + 1], sheet.set_id);
        // The destroy notice of a first generation (issue 13): it says this
        // is the first sheet and that no earlier set is recorded (shred any
        // older sheet found), with a line to record the shredding; it does
        // not claim to replace earlier sheets.
        for key in [
            "destroy_heading_first",
            "destroy_first",
            "shredded_on",
            "shredded_by",
        ] {
            assert_on_sheet(&sheet.text, words(&t, key));
        }
        for key in ["destroy_heading", "destroy_body"] {
            assert!(
                !squash(&sheet.text).contains(&squash(words(&t, key))),
                "`{key}` on a first sheet:\n{}",
                sheet.text
            );
        }
        // How to use a code, and when to regenerate.
        for key in ["howto", "order_any", "low_codes"] {
            assert_on_sheet(&sheet.text, words(&t, key));
        }
        // Storage, custodian, next inventory.
        for value in [
            words(&t, "label_location"),
            "Safe, 2F",
            words(&t, "label_custodian"),
            "K. Sato",
            words(&t, "label_next_inventory"),
            "2031-05-31",
        ] {
            assert_on_sheet(&sheet.text, value);
        }
        // A check box's "used on ... by ..." per code.
        let used_on = lines.iter().filter(|l| **l == words(&t, "used_on")).count();
        assert_eq!(used_on, 10, "a `used on` line per code");
        // The footer names the set and generation.
        let footer = words(&t, "footer")
            .replace("{set_id}", &sheet.set_id)
            .replace("{generation}", "1");
        assert_on_sheet(&sheet.text, &footer);

        // The paper size asked for.
        let doc = lopdf::Document::load_mem(&sheet.bytes).expect("PDF");
        let (_, page) = doc.get_pages().into_iter().next().expect("a page");
        let media: Vec<f32> = doc
            .get_dictionary(page)
            .and_then(|d| d.get(b"MediaBox"))
            .and_then(|m| m.as_array())
            .expect("MediaBox")
            .iter()
            .map(|v| v.as_float().expect("number"))
            .collect();
        assert!(
            (f64::from(media[2]) - size_pt.0).abs() < 1.0
                && (f64::from(media[3]) - size_pt.1).abs() < 1.0,
            "{paper}: MediaBox {media:?}"
        );

        // The default name tells account and generation apart.
        let name = sheet
            .path
            .as_ref()
            .and_then(|p| p.file_name())
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        assert_eq!(name, format!("{account}-gen1-{}.pdf", sheet.set_id));
        // stderr says where it went, the set ID, count and bits per code.
        for needle in [name.as_str(), sheet.set_id.as_str(), "10 codes", "80 bits"] {
            assert!(
                sheet.stderr.contains(needle),
                "`{needle}`: {}",
                sheet.stderr
            );
        }
        assert!(sheet.stdout.is_empty(), "stdout: {}", sheet.stdout);
    }
}

#[test]
fn storage_lines_are_left_blank_when_not_given_and_inventory_is_due_six_months_on() {
    let env = Env::new();
    let sheet = generate(&env, &["--account", "blank@example.com"]);
    let t = wording("en");
    let lines: Vec<&str> = sheet.text.lines().map(str::trim).collect();
    let at = |key: &str| {
        lines
            .iter()
            .position(|l| *l == words(&t, key))
            .unwrap_or_else(|| panic!("{key} on the sheet:\n{}", sheet.text))
    };
    // Nothing printed between the labels: lines to write on.
    assert_eq!(
        at("label_custodian"),
        at("label_location") + 1,
        "{}",
        sheet.text
    );
    assert_eq!(
        at("label_next_inventory"),
        at("label_custodian") + 1,
        "{}",
        sheet.text
    );
    let issued = sheet.issued(&env, "blank@example.com");
    let due = issued
        .date_naive()
        .checked_add_months(chrono::Months::new(6))
        .expect("a date");
    assert_eq!(
        lines[at("label_next_inventory") + 1],
        due.format("%Y-%m-%d").to_string()
    );
}

#[test]
fn issue_time_is_printed_with_its_utc_offset_and_is_the_real_time() {
    for (tz, zone) in [
        // POSIX zone strings: no time-zone database needed.
        ("JST-9", "UTC+09:00"),
        ("<-0330>3:30", "UTC-03:30"),
        ("UTC0", "UTC"),
    ] {
        let env = Env::new();
        let mut cmd = env.cmd();
        cmd.env("TZ", tz);
        let before = chrono::Utc::now().timestamp();
        let sheet = generate_with(&env, cmd, &["--account", "tz@example.com"]);
        let after = chrono::Utc::now().timestamp();
        let issued = sheet.issued(&env, "tz@example.com");
        assert!(
            (before..=after).contains(&issued.timestamp()),
            "issued {issued} is not the time the sheet was made"
        );
        assert_on_sheet(
            &sheet.text,
            &format!("{} {zone}", issued.format("%Y-%m-%d %H:%M")),
        );
        // The PDF's own dates are the issue time too.
        let meta = pdf_metadata(&sheet.bytes);
        let created = meta
            .iter()
            .find(|(k, _)| k == "CreationDate")
            .map(|(_, v)| v.clone())
            .expect("CreationDate");
        let utc = issued.with_timezone(&chrono::Utc);
        assert!(
            created.contains(&utc.format("%Y%m%d%H%M%S").to_string()),
            "CreationDate {created} is not the issue time {utc}"
        );
    }
}

#[test]
fn japanese_locale_makes_a_japanese_sheet_by_default() {
    let env = Env::new();
    let mut cmd = env.cmd();
    cmd.env("LANG", "ja_JP.UTF-8");
    let sheet = generate_with(&env, cmd, &["--account", "経理部"]);
    let t = wording("ja");
    assert_on_sheet(&sheet.text, words(&t, "title"));
    // A first sheet (issue 13: it no longer says it replaces earlier ones).
    assert_on_sheet(&sheet.text, words(&t, "destroy_heading_first"));
    assert_on_sheet(&sheet.text, "経理部");
    assert_codes(&sheet, DEFAULT_FORMAT, 10);
}

/// Issue 13: the QR names the payload version, set ID, generation and issue
/// date (docs/qr-payload.md), and holds no code and not the account.
#[test]
fn qr_names_set_id_generation_and_date_and_holds_no_code_nor_account() {
    let env = Env::new();
    let account = "株式会社サンプル shop@example.com";
    let sheet = generate(&env, &["--account", account, "--lang", "ja"]);
    let codes = assert_codes(&sheet, DEFAULT_FORMAT, 10);
    let payload = qr_text(&sheet.bytes);
    let qr = qr_fields(&payload);
    assert_eq!(qr["tag"], "RS2");
    assert_eq!(qr["set"], sheet.set_id.replace('-', ""));
    assert_eq!(qr["gen"], "1");
    let issued = chrono::NaiveDate::parse_from_str(&qr["issued"], "%Y%m%d").expect("a date");
    assert_on_sheet(&sheet.text, &issued.format("%Y-%m-%d").to_string());
    assert_eq!(qr["check"].len(), 1, "{payload}");
    assert!(payload.len() <= 34, "{payload}");
    for word in ["shop", "example", "株式会社"] {
        assert!(!payload.contains(word), "QR holds the account: {payload}");
    }
    for code in &codes {
        for form in code_forms(code) {
            assert!(!payload.contains(&form), "QR holds code {form}: {payload}");
        }
    }
}

// ---------------------------------------------------------------------------
// Files: mode, stdout, copies, pages

#[cfg(unix)]
#[test]
fn sheet_files_are_mode_0600_whatever_the_umask() {
    let env = Env::new();
    for (umask, args) in [
        (0o000, vec!["--account", "open-umask@example.com"]),
        (
            0o022,
            vec!["--account", "usual-umask@example.com", "-o", "named.pdf"],
        ),
    ] {
        let sheet = generate_with(&env, env.cmd_with_umask(umask), &args);
        let path = sheet.path.expect("a file");
        assert_eq!(
            mode(&path),
            0o600,
            "{} with umask {umask:03o}",
            path.display()
        );
    }
    assert_eq!(temp_files_in(&env.work()), Vec::<String>::new());
}

#[test]
fn dash_o_dash_writes_the_pdf_to_stdout_and_no_file() {
    let env = Env::new();
    let sheet = generate(&env, &["--account", "piped@example.com", "-o", "-"]);
    assert!(sheet.bytes.starts_with(b"%PDF-"), "a PDF on stdout");
    assert_codes(&sheet, DEFAULT_FORMAT, 10);
    assert_eq!(env.work_files(), Vec::<String>::new(), "no file written");
    assert!(sheet.stderr.contains("stdout"), "{}", sheet.stderr);
    assert!(sheet.stderr.contains(&sheet.set_id), "{}", sheet.stderr);
    // Recorded like any other sheet.
    let list = env.cmd().args(["list", "--json"]).output().expect("list");
    assert!(
        stdout_of(&list).contains(&sheet.set_id),
        "{}",
        stdout_of(&list)
    );
}

#[test]
fn copies_mark_each_page_copy_k_of_n_in_both_languages() {
    let env = Env::new();
    for (lang, account) in [("en", "copies-en"), ("ja", "copies-ja")] {
        let sheet = generate(
            &env,
            &["--account", account, "--lang", lang, "--copies", "3"],
        );
        let t = wording(lang);
        let pages = pdf_page_texts(&sheet.bytes);
        assert_eq!(pages.len(), 3, "{lang}: one page per copy");
        let first_codes = codes_in(&pages[0], DEFAULT_FORMAT);
        assert_eq!(first_codes.len(), 10);
        for (k, page) in pages.iter().enumerate() {
            let mark = words(&t, "copy_of")
                .replace("{k}", &(k + 1).to_string())
                .replace("{n}", "3");
            assert_on_sheet(page, &mark);
            for other in (1..=3).filter(|o| *o != k + 1) {
                let wrong = words(&t, "copy_of")
                    .replace("{k}", &other.to_string())
                    .replace("{n}", "3");
                assert!(!squash(page).contains(&squash(&wrong)), "page {k}: {page}");
            }
            // Every copy holds the same set.
            assert_eq!(codes_in(page, DEFAULT_FORMAT), first_codes);
            assert!(page.contains(&sheet.set_id));
        }
        // Issue 13: the mark is in each page's footer, beside the set ID:
        // on the footer's baseline, right after it, under everything else.
        let (_, boxes) = pdf_text_boxes(&sheet.bytes);
        let footer = words(&t, "footer")
            .replace("{set_id}", &sheet.set_id)
            .replace("{generation}", "1");
        for k in 0..3 {
            let on_page = |text: &str| {
                boxes
                    .iter()
                    .find(|b| b.page == k && b.text == text)
                    .unwrap_or_else(|| panic!("{lang}: `{text}` on page {}", k + 1))
            };
            let mark = words(&t, "copy_of")
                .replace("{k}", &(k + 1).to_string())
                .replace("{n}", "3");
            let (mark, footer) = (on_page(&mark), on_page(&footer));
            assert!((mark.y - footer.y).abs() < 0.01, "{lang}: not on one line");
            assert!(mark.x > footer.x + footer.width, "{lang}: not beside it");
            let lowest_other = boxes
                .iter()
                .filter(|b| b.page == k && b.y > footer.y + 1.0)
                .map(|b| b.y)
                .fold(f64::MAX, f64::min);
            assert!(
                footer.y < lowest_other,
                "{lang}: the footer is the lowest line"
            );
        }
    }
}

#[test]
fn forty_codes_continue_on_further_pages_with_the_set_id_in_every_footer() {
    let env = Env::new();
    for (lang, account) in [("en", "forty-en"), ("ja", "forty-ja")] {
        let sheet = generate(
            &env,
            &["--account", account, "--lang", lang, "--count", "40"],
        );
        let t = wording(lang);
        assert_codes(&sheet, DEFAULT_FORMAT, 40);
        let pages = pdf_page_texts(&sheet.bytes);
        let n = pages.len();
        assert!(n >= 2, "{lang}: 40 codes need more than one page");
        for (k, page) in pages.iter().enumerate() {
            let footer = words(&t, "footer")
                .replace("{set_id}", &sheet.set_id)
                .replace("{generation}", "1");
            assert_on_sheet(page, &footer);
            let page_of = words(&t, "page_of")
                .replace("{page}", &(k + 1).to_string())
                .replace("{pages}", &n.to_string());
            assert_on_sheet(page, &page_of);
            if k > 0 {
                // Continuation pages carry the header too.
                assert_on_sheet(page, words(&t, "title"));
                assert_on_sheet(page, account);
                assert!(!codes_in(page, DEFAULT_FORMAT).is_empty(), "page {k}");
            }
        }
    }
}

/// Issue 13: with 40 codes and a 52-character Japanese account, page 2's
/// header used to put "セットID" at the end of one line and its value on the
/// next. Now each label is on its value's baseline, on every page.
#[test]
fn later_pages_never_split_a_label_from_its_value() {
    let env = Env::new();
    let account: String = "株式会社サンプル経理部共有アカウント"
        .repeat(3)
        .chars()
        .take(52)
        .collect();
    for paper in ["a4", "letter"] {
        let sheet = generate(
            &env,
            &[
                "--account",
                &account,
                "--lang",
                "ja",
                "--paper",
                paper,
                "--count",
                "40",
                "--regenerate",
            ],
        );
        let t = wording("ja");
        let (_, boxes) = pdf_text_boxes(&sheet.bytes);
        let pages = pdf_page_count(&sheet.bytes);
        assert!(pages >= 2, "{paper}");
        for page in 0..pages {
            let label = boxes
                .iter()
                .find(|b| b.page == page && b.text == words(&t, "label_set_id"))
                .unwrap_or_else(|| panic!("{paper}: the set ID label on page {}", page + 1));
            let value = boxes
                .iter()
                .find(|b| b.page == page && b.text == sheet.set_id && b.y > label.y - 1.0)
                .unwrap_or_else(|| panic!("{paper}: the set ID on page {}", page + 1));
            assert!(
                (label.y - value.y).abs() < 0.01 && value.x > label.x + label.width,
                "{paper}, page {}: label at {:.1},{:.1}, value at {:.1},{:.1}",
                page + 1,
                label.x,
                label.y,
                value.x,
                value.y
            );
        }
    }
}

/// Issue 13: the header's values start at one x, whatever their labels' lengths.
#[test]
fn header_labels_and_values_are_in_one_aligned_column() {
    let env = Env::new();
    for lang in ["en", "ja"] {
        let sheet = generate(
            &env,
            &[
                "--account",
                &format!("aligned-{lang}@example.com"),
                "--lang",
                lang,
            ],
        );
        let t = wording(lang);
        let (_, boxes) = pdf_text_boxes(&sheet.bytes);
        let page1: Vec<&TextBox> = boxes.iter().filter(|b| b.page == 0).collect();
        let mut value_x = Vec::new();
        for key in [
            "label_account",
            "label_issued",
            "label_generation",
            "label_set_id",
        ] {
            let at = page1
                .iter()
                .position(|b| b.text == words(&t, key))
                .unwrap_or_else(|| panic!("{lang}: {key}"));
            // The value is drawn right after its label, on its baseline.
            let (label, value) = (page1[at], page1[at + 1]);
            assert!((label.y - value.y).abs() < 0.01, "{lang}: {key}");
            value_x.push(value.x);
        }
        assert!(
            value_x.iter().all(|x| (x - value_x[0]).abs() < 0.01),
            "{lang}: values start at {value_x:?}"
        );
    }
}

/// Issue 13: a replacing sheet names the set to destroy in the bold code
/// face, larger than the text around it; a first sheet says it is the first.
#[test]
fn the_set_to_destroy_is_printed_large_in_the_code_face() {
    let env = Env::new();
    for lang in ["en", "ja"] {
        let account = format!("destroy-{lang}@example.com");
        let first = generate(&env, &["--account", &account, "--lang", lang]);
        let t = wording(lang);
        assert_on_sheet(&first.text, words(&t, "destroy_heading_first"));
        let second = generate(
            &env,
            &["--account", &account, "--lang", lang, "--regenerate"],
        );
        assert_on_sheet(&second.text, words(&t, "destroy_heading"));
        assert_on_sheet(&second.text, words(&t, "shredded_on"));
        let runs = pdf_text_runs(&second.bytes);
        let (_, boxes) = pdf_text_boxes(&second.bytes);
        // The old set's ID: in JetBrains Mono, at twice the body's size or near it.
        let faces: Vec<&String> = runs
            .iter()
            .filter(|(_, text)| *text == first.set_id)
            .map(|(font, _)| font)
            .collect();
        assert!(!faces.is_empty(), "{lang}: {} on the sheet", first.set_id);
        assert!(
            faces.iter().all(|f| f.starts_with("JetBrainsMono-Bold")),
            "{faces:?}"
        );
        let size = boxes
            .iter()
            .filter(|b| b.text == first.set_id)
            .map(|b| b.size)
            .fold(0.0, f64::max);
        assert!(size >= 14.0, "{lang}: the set to destroy at {size} pt");
    }
}

/// Issue 13: QR modules of at least 1 mm with a 4-module quiet zone, on A4
/// and Letter, for a short account and for the longest the tool accepts.
#[test]
fn qr_modules_are_at_least_a_millimetre_with_a_clear_quiet_zone() {
    let env = Env::new();
    let longest: String = "株".repeat(200);
    for paper in ["a4", "letter"] {
        for account in ["qr@example.com", longest.as_str()] {
            let sheet = generate(
                &env,
                &[
                    "--account",
                    account,
                    "--paper",
                    paper,
                    "--lang",
                    "ja",
                    "--regenerate",
                ],
            );
            let qr = qr_placement(&sheet.bytes);
            let module_mm = qr.module * 25.4 / 72.0;
            assert!(
                module_mm >= 1.0 - 1e-3,
                "{paper}: modules of {module_mm:.3} mm"
            );
            // Nothing drawn in the quiet zone: no filled box (rasterised) and no text.
            let quiet = 4.0 * qr.module;
            let (left, bottom) = (qr.x - quiet, qr.y - quiet);
            let side = qr.modules as f64 * qr.module + 2.0 * quiet;
            let (sizes, boxes) = pdf_text_boxes(&sheet.bytes);
            let scale = 2.0;
            let img = rasterize_page1(&sheet.bytes, scale);
            // A pixel's centre; one pixel of rounding allowed at the symbol's edge.
            let page_h = sizes[0].1;
            let px_pt = 1.0 / scale;
            for py in 0..img.height() {
                for px in 0..img.width() {
                    let (x, y) = (
                        (f64::from(px) + 0.5) / scale,
                        page_h - (f64::from(py) + 0.5) / scale,
                    );
                    let in_zone = x > left && x < left + side && y > bottom && y < bottom + side;
                    let in_symbol = x > qr.x - px_pt
                        && x < left + side - quiet + px_pt
                        && y > qr.y - px_pt
                        && y < bottom + side - quiet + px_pt;
                    if in_zone && !in_symbol {
                        assert_eq!(
                            img.get_pixel(px, py).0[0],
                            255,
                            "{paper}: ink at {x:.1},{y:.1}"
                        );
                    }
                }
            }
            for b in boxes.iter().filter(|b| b.page == 0) {
                let clear = b.x + b.width <= left
                    || b.x >= left + side
                    || b.y + 0.9 * b.size <= bottom
                    || b.y - 0.3 * b.size >= bottom + side;
                assert!(clear, "{paper}: `{}` in the QR's quiet zone", b.text);
            }
            assert_eq!(qr.modules, 29, "{paper}: a version 3 symbol");
            assert!(qr_text(&sheet.bytes).starts_with("RS2/"));
        }
    }
}

#[test]
fn codes_and_set_id_are_drawn_in_the_monospace_face_and_wording_in_the_text_face() {
    let env = Env::new();
    for lang in ["en", "ja"] {
        let sheet = generate(
            &env,
            &["--account", &format!("faces-{lang}"), "--lang", lang],
        );
        let codes = assert_codes(&sheet, DEFAULT_FORMAT, 10);
        let runs = pdf_text_runs(&sheet.bytes);
        let face_of = |wanted: &str| -> Vec<String> {
            runs.iter()
                .filter(|(_, text)| text.trim() == wanted)
                .map(|(font, _)| font.clone())
                .collect()
        };
        // A face whose 0/O, 1/l/I and 8/B differ: JetBrains Mono.
        for code in codes.iter().chain([&sheet.set_id]) {
            let faces = face_of(code);
            assert!(!faces.is_empty(), "{code} is drawn");
            assert!(
                faces.iter().all(|f| f.starts_with("JetBrainsMono")),
                "{code} in {faces:?}"
            );
        }
        let title = words(&wording(lang), "title").to_owned();
        let faces = face_of(&title);
        assert!(
            !faces.is_empty() && faces.iter().all(|f| f.starts_with("IPAexGothic")),
            "title in {faces:?}"
        );
    }
}

/// Asserts every piece of text lies inside the page's 14 mm margins, that
/// none covers the QR, and that no two pieces of text on a page cover each other.
fn assert_laid_out_cleanly(bytes: &[u8], what: &str) {
    const MARGIN: f64 = 14.0 * 72.0 / 25.4;
    const TOLERANCE: f64 = 0.5;
    let (pages, boxes) = pdf_text_boxes(bytes);
    // From just under the baseline to about the cap height.
    let extent = |b: &TextBox| (b.x, b.x + b.width, b.y - 0.15 * b.size, b.y + 0.75 * b.size);
    for b in &boxes {
        let (w, h) = pages[b.page];
        let (left, right, bottom, top) = extent(b);
        assert!(
            left >= MARGIN - TOLERANCE
                && right <= w - MARGIN + TOLERANCE
                && bottom >= MARGIN - TOLERANCE
                && top <= h - MARGIN + TOLERANCE,
            "{what}: `{}` on page {} runs into the margin or off the page: x {left:.1}..{right:.1}, y {bottom:.1}..{top:.1} of {w:.0} x {h:.0}",
            b.text,
            b.page + 1
        );
    }
    // Nothing is written over the QR on page 1.
    let scale = 3.0;
    let mut prepared = rqrr::PreparedImage::prepare(rasterize_page1(bytes, scale));
    let grids = prepared.detect_grids();
    let corners = grids.first().expect("a QR on page 1").bounds;
    let page_h = pages[0].1;
    let xs = corners.iter().map(|p| f64::from(p.x) / scale);
    let ys = corners.iter().map(|p| page_h - f64::from(p.y) / scale);
    let (qr_left, qr_right) = (xs.clone().fold(f64::MAX, f64::min), xs.fold(0.0, f64::max));
    let (qr_bottom, qr_top) = (ys.clone().fold(f64::MAX, f64::min), ys.fold(0.0, f64::max));
    for b in boxes.iter().filter(|b| b.page == 0) {
        let (left, right, bottom, top) = extent(b);
        assert!(
            right.min(qr_right) - left.max(qr_left) <= TOLERANCE
                || top.min(qr_top) - bottom.max(qr_bottom) <= TOLERANCE,
            "{what}: `{}` is written over the QR",
            b.text
        );
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in boxes[i + 1..].iter().filter(|b| b.page == a.page) {
            if a.text.trim().is_empty() || b.text.trim().is_empty() {
                continue;
            }
            let (al, ar, ab, at) = extent(a);
            let (bl, br, bb, bt) = extent(b);
            let overlap_x = ar.min(br) - al.max(bl);
            let overlap_y = at.min(bt) - ab.max(bb);
            assert!(
                overlap_x <= TOLERANCE || overlap_y <= TOLERANCE,
                "{what}: `{}` and `{}` overlap on page {}",
                a.text,
                b.text,
                a.page + 1
            );
        }
    }
}

#[test]
fn long_values_wrap_or_shrink_inside_the_margins_without_overlapping() {
    let env = Env::new();
    let long_ascii = format!("{}@example.com", "shared-office-mailbox".repeat(9));
    let long_ascii = &long_ascii[..200];
    let long_japanese = "株式会社サンプル経理部共有アカウント".repeat(11);
    let long_japanese: String = long_japanese.chars().take(200).collect();
    let location = "Fireproof safe in the back office, second floor, left cabinet, bottom drawer, behind the ledger binders of the current fiscal year";
    let custodian =
        "Keiko Sato (deputy: Masahiro Ito, accounting; backup: the office manager on duty)";
    for (i, (lang, paper, account)) in [
        ("en", "a4", long_ascii.to_owned()),
        ("en", "letter", long_ascii.to_owned()),
        ("ja", "a4", long_japanese.clone()),
        ("ja", "letter", long_japanese.clone()),
        ("en", "letter", "x".repeat(200)),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("long{i}.pdf");
        let sheet = generate(
            &env,
            &[
                "--account",
                &account,
                "--lang",
                lang,
                "--paper",
                paper,
                "--location",
                location,
                "--custodian",
                custodian,
                "--count",
                "24",
                "--copies",
                "2",
                "--format",
                "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX",
                "-o",
                &name,
                // Accounts repeat: later sheets also carry the set they replace.
                "--regenerate",
            ],
        );
        assert_on_sheet(&sheet.text, &account);
        assert_on_sheet(&sheet.text, location);
        assert_on_sheet(&sheet.text, custodian);
        assert_laid_out_cleanly(&sheet.bytes, &format!("{lang} {paper} #{i}"));
    }
}

/// The largest set a supported service issues (GitHub's 16) on one page.
/// Before issue 13 this was 20 codes on A4; the QR's 1 mm modules and the
/// destroy box's "shredded on" line take the room of a few rows while the QR
/// still holds today's payload (41x41: 18 codes fit on A4). With the compact
/// version 3 payload the header is designed for, 20 fit on A4 again (see
/// the layout's unit test `with_a_version_3_qr_twenty_codes_fit_on_page_one_of_a4`).
#[test]
fn a_services_largest_set_fits_on_one_page_in_both_languages_and_papers() {
    let env = Env::new();
    for lang in ["en", "ja"] {
        for paper in ["a4", "letter"] {
            let sheet = generate(
                &env,
                &[
                    "--account",
                    &format!("sixteen-{lang}-{paper}@example.com"),
                    "--lang",
                    lang,
                    "--paper",
                    paper,
                    "--count",
                    "16",
                    "--location",
                    "Safe, 2F",
                    "--custodian",
                    "K. Sato",
                ],
            );
            assert_eq!(pdf_page_count(&sheet.bytes), 1, "{lang} {paper}");
            assert_codes(&sheet, DEFAULT_FORMAT, 16);
        }
    }
}

#[test]
fn ten_code_japanese_sheet_embeds_font_subsets_and_stays_under_100_kb() {
    let env = Env::new();
    let sheet = generate(
        &env,
        &["--account", "経理部 shop@example.com", "--lang", "ja"],
    );
    // The full IPAexGothic alone is about 4 MB.
    assert!(
        sheet.bytes.len() < 100 * 1024,
        "{} bytes",
        sheet.bytes.len()
    );
    // Japanese wording reads back (a first sheet: `destroy_first`, issue 13).
    assert_on_sheet(&sheet.text, words(&wording("ja"), "destroy_first"));
    // Both faces are embedded and named as subsets (`ABCDEF+Name`).
    let doc = lopdf::Document::load_mem(&sheet.bytes).expect("PDF");
    let mut names: Vec<String> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"FontDescriptor"))
        .map(|d| {
            assert!(d.get(b"FontFile2").is_ok(), "the font program is embedded");
            String::from_utf8_lossy(d.get(b"FontName").unwrap().as_name().unwrap()).into_owned()
        })
        .collect();
    names.sort_by_key(|n| n.split_once('+').map(|(_, base)| base.to_owned()));
    assert_eq!(names.len(), 2, "{names:?}");
    for (name, base) in names.iter().zip(["IPAexGothic", "JetBrainsMono-Bold"]) {
        let (tag, rest) = name.split_once('+').expect("a subset tag");
        assert_eq!(rest, base);
        assert!(
            tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()),
            "{name}"
        );
    }
}

// ---------------------------------------------------------------------------
// Formats

#[test]
fn digit_hex_and_base32_formats_print_codes_in_their_pattern() {
    let env = Env::new();
    for (i, pattern) in [
        "9999 9999 9999 9999 9999",
        "FFFF-FFFF-FFFF-FFFF",
        "XXXXX-XXXXX-XXXXX",
        DEFAULT_FORMAT,
    ]
    .into_iter()
    .enumerate()
    {
        let sheet = generate(
            &env,
            &[
                "--account",
                &format!("format{i}"),
                "--format",
                pattern,
                "--count",
                "12",
            ],
        );
        assert_codes(&sheet, pattern, 12);
        assert!(
            !sheet.stderr.contains("warning"),
            "{pattern} has 64 bits or more: {}",
            sheet.stderr
        );
    }
}

#[test]
fn formats_under_64_bits_are_allowed_with_a_warning_naming_the_bits() {
    let env = Env::new();
    for (i, (pattern, bits)) in [
        ("9999 9999", "26.6"),
        ("XXXX-XXXX", "40.0"),
        ("XXXX", "20.0"),
    ]
    .into_iter()
    .enumerate()
    {
        let sheet = generate(
            &env,
            &["--account", &format!("weak{i}"), "--format", pattern],
        );
        assert_codes(&sheet, pattern, 10);
        let warning = sheet
            .stderr
            .lines()
            .find(|l| l.starts_with("warning:"))
            .unwrap_or_else(|| panic!("{pattern}: no warning: {}", sheet.stderr));
        assert!(
            warning.contains(&format!("{bits} bits")) && warning.contains("64"),
            "{pattern}: {warning}"
        );
    }
}

#[test]
fn formats_under_20_bits_are_refused_naming_the_bits() {
    let env = env_with_a_sheet();
    for (pattern, bits) in [("XXX", "15.0"), ("999999", "19.9"), ("FFFF", "16.0")] {
        assert_refused(
            &env,
            &["--account", "weak@example.com", "--format", pattern],
            2,
            &[&format!("{bits} bits"), "20"],
        );
    }
}

#[test]
fn malformed_formats_are_refused() {
    let env = env_with_a_sheet();
    for (pattern, needle) in [
        ("XXQX-XXXX-XXXX", "`Q`"),
        ("XXXX--XXXX-XXXX", "separator"),
        ("-XXXX-XXXX-XXXX", "separator"),
        ("XXXX-XXXX-XXXX-", "separator"),
        ("", "no symbols"),
        ("AAAA-AAAA-AAAA-AAAA", "A"),
    ] {
        // `--format=...`: a pattern may start with `-`.
        assert_refused(
            &env,
            &[
                "--account",
                "bad-format@example.com",
                &format!("--format={pattern}"),
            ],
            2,
            &[needle],
        );
    }
}

// ---------------------------------------------------------------------------
// Templates

/// The shipped English template with `edit` applied, written to `name`.
fn template_file(env: &Env, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let path = env.root.path().join(name);
    fs::write(&path, edit(include_str!("../../templates/en.toml"))).expect("write template");
    path
}

#[test]
fn custom_template_supplies_the_sheet_wording() {
    let env = Env::new();
    let template = template_file(&env, "office.toml", |t| {
        t.replace(
            "title = \"Two-factor backup codes\"",
            "title = \"Sample Co. emergency sign-in codes\"",
        )
        .replace(
            "copy_of = \"Copy {k} of {n}\"",
            "copy_of = \"Duplicate {k}/{n}\"",
        )
    });
    let sheet = generate(
        &env,
        &[
            "--account",
            "office@example.com",
            "--template",
            template.to_str().expect("path"),
            "--copies",
            "2",
        ],
    );
    assert_on_sheet(&sheet.text, "Sample Co. emergency sign-in codes");
    assert_on_sheet(&sheet.text, "Duplicate 1/2");
    assert_on_sheet(&sheet.text, "Duplicate 2/2");
    assert!(
        !sheet.text.contains("Two-factor backup codes"),
        "{}",
        sheet.text
    );
    assert_eq!(codes_in(&sheet.text, DEFAULT_FORMAT).len(), 20);
}

#[test]
fn template_missing_a_key_is_refused_naming_the_key() {
    let env = env_with_a_sheet();
    let template = template_file(&env, "missing.toml", |t| {
        t.replace("destroy_heading = ", "# destroy_heading = ")
    });
    assert_refused(
        &env,
        &[
            "--account",
            "t@example.com",
            "--template",
            template.to_str().expect("path"),
        ],
        65,
        &["`destroy_heading`", "missing.toml"],
    );
}

#[test]
fn template_with_an_unknown_key_is_refused_naming_the_key() {
    let env = env_with_a_sheet();
    let template = template_file(&env, "unknown.toml", |t| format!("{t}\ntitel = \"x\"\n"));
    assert_refused(
        &env,
        &[
            "--account",
            "t@example.com",
            "--template",
            template.to_str().expect("path"),
        ],
        65,
        &["`titel`", "unknown.toml"],
    );
}

#[test]
fn unreadable_template_is_refused() {
    let env = env_with_a_sheet();
    let missing = env.root.path().join("no-such-template.toml");
    let folder = env.root.path().join("a-folder.toml");
    fs::create_dir(&folder).expect("mkdir");
    for path in [missing, folder] {
        assert_refused(
            &env,
            &[
                "--account",
                "t@example.com",
                "--template",
                path.to_str().expect("path"),
            ],
            66,
            &[path.file_name().and_then(|n| n.to_str()).expect("name")],
        );
    }
}

#[test]
fn invalid_template_is_refused() {
    let env = env_with_a_sheet();
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            template_file(&env, "syntax.toml", |t| {
                t.replace("title = \"Two-factor backup codes\"", "title = \"unclosed")
            }),
            "TOML",
        ),
        (
            template_file(&env, "not-text.toml", |t| {
                t.replace("title = \"Two-factor backup codes\"", "title = 3")
            }),
            "`title`",
        ),
        (
            template_file(&env, "placeholder.toml", |t| {
                t.replace("Copy {k} of {n}", "Copy {k} of {total}")
            }),
            "{total}",
        ),
        (
            template_file(&env, "glyph.toml", |t| {
                t.replace("Two-factor backup codes", "Backup codes 🔑")
            }),
            "U+1F511",
        ),
    ];
    for (path, needle) in &cases {
        assert_refused(
            &env,
            &[
                "--account",
                "t@example.com",
                "--template",
                path.to_str().expect("path"),
            ],
            65,
            &[needle],
        );
    }
    // Not UTF-8: readable, but not a template.
    let binary = env.root.path().join("latin1.toml");
    fs::write(&binary, b"title = \"R\xe9sum\xe9\"\n").expect("write");
    assert_refused(
        &env,
        &[
            "--account",
            "t@example.com",
            "--template",
            binary.to_str().expect("path"),
        ],
        65,
        &["latin1.toml", "UTF-8"],
    );
}

/// Issue 11, item 8: an 8,000-character text (over the template limit) and
/// a text too long for its place on the sheet are refused naming the key,
/// exit 65, nothing written. Before, the text ran over the footer and off
/// the page, exit 0.
#[test]
fn template_text_too_long_or_too_long_to_fit_is_refused_naming_the_key() {
    let env = env_with_a_sheet();
    let long = "Shred the old sheet. ".repeat(400);
    let cases = [
        (
            template_file(&env, "huge.toml", |t| {
                t.replace(
                    "low_codes = \"When",
                    &format!("low_codes = \"{} When", &long[..8000]),
                )
            }),
            vec!["`low_codes`", "2000"],
        ),
        (
            template_file(&env, "label.toml", |t| {
                t.replace(
                    "label_set_id = \"Set ID\"",
                    &format!("label_set_id = \"{}\"", &long[..300]),
                )
            }),
            vec!["`label_set_id`", "too long for its place on the sheet"],
        ),
        (
            template_file(&env, "used.toml", |t| {
                t.replace(
                    "used_on = \"used on\"",
                    &format!("used_on = \"{}\"", &long[..120]),
                )
            }),
            vec!["`used_on`", "too long for its place on the sheet"],
        ),
    ];
    for (path, needles) in &cases {
        let needles: Vec<&str> = needles.iter().map(|n| &**n).collect();
        assert_refused(
            &env,
            &[
                "--account",
                "t@example.com",
                "--template",
                path.to_str().expect("path"),
            ],
            65,
            &needles,
        );
    }
    // 2,000 characters of instructions are not refused: they go on to a second page.
    let path = template_file(&env, "long-howto.toml", |t| {
        t.replace(
            "howto = \"To sign in",
            &format!("howto = \"{} To sign in", &long[..1700]),
        )
    });
    let sheet = generate(
        &env,
        &[
            "--account",
            "long@example.com",
            "--count",
            "16",
            "--template",
            path.to_str().expect("path"),
        ],
    );
    assert!(pdf_page_count(&sheet.bytes) >= 2);
    assert_codes(&sheet, DEFAULT_FORMAT, 16);
    assert_laid_out_cleanly(&sheet.bytes, "a long howto");
}

// ---------------------------------------------------------------------------
// Secrets

#[test]
fn no_code_appears_on_stdout_or_stderr() {
    let env = Env::new();
    let verbose = env
        .cmd()
        .args(["--verbose", "generate", "--account", "quiet@example.com"])
        .output()
        .expect("run");
    assert!(verbose.status.success(), "{}", stderr_of(&verbose));
    let bytes = fs::read(env.only_pdf()).expect("PDF");
    let codes = codes_in(&pdf_text(&bytes), DEFAULT_FORMAT);
    assert_eq!(codes.len(), 10);

    let piped = generate(&env, &["--account", "piped@example.com", "-o", "-"]);
    let piped_codes = assert_codes(&piped, DEFAULT_FORMAT, 10);

    for (codes, printed) in [
        (
            &codes,
            format!("{}{}", stdout_of(&verbose), stderr_of(&verbose)),
        ),
        (&piped_codes, piped.stderr.clone()),
    ] {
        for code in codes {
            for form in code_forms(code) {
                assert!(!printed.contains(&form), "code {form} printed: {printed}");
            }
        }
    }
}

/// The name of the user this process runs as, from /etc/passwd.
#[cfg(unix)]
fn user_name() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().ok()?;
    let uid = probe.as_file().metadata().ok()?.uid().to_string();
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() > 2 && fields[2] == uid).then(|| fields[0].to_owned())
    })
}

#[test]
fn every_sheet_has_its_own_pdf_file_identifier() {
    let env = Env::new();
    let ids: Vec<String> = ["a@example.com", "b@example.com"]
        .iter()
        .map(|account| {
            let sheet = generate(&env, &["--account", account]);
            let doc = lopdf::Document::load_mem(&sheet.bytes).expect("PDF");
            let id = doc.trailer.get(b"ID").expect("a file identifier");
            format!("{id:?}")
        })
        .collect();
    assert_ne!(ids[0], ids[1]);
}

#[cfg(unix)]
#[test]
fn pdf_metadata_holds_no_user_host_name_or_code() {
    let env = Env::new();
    let mut cmd = env.cmd();
    cmd.env("USER", "canary-user-q7")
        .env("LOGNAME", "canary-user-q7")
        .env("HOSTNAME", "canary-host-q7");
    let sheet = generate_with(&env, cmd, &["--account", "meta@example.com"]);
    let codes = assert_codes(&sheet, DEFAULT_FORMAT, 10);
    let meta = pdf_metadata(&sheet.bytes);
    let value = |key: &str| {
        meta.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(value("Title"), format!("Recovery sheet {}", sheet.set_id));
    assert_eq!(value("Author"), "");

    let mut private = vec!["canary-user-q7".to_owned(), "canary-host-q7".to_owned()];
    private.extend(user_name());
    if let Ok(host) = fs::read_to_string("/proc/sys/kernel/hostname") {
        private.push(host.trim().to_owned());
    }
    for code in &codes {
        private.extend(code_forms(code));
    }
    for (key, value) in &meta {
        for secret in private.iter().filter(|s| s.len() >= 3) {
            assert!(
                !value.to_lowercase().contains(&secret.to_lowercase()),
                "metadata {key} = {value:?} holds `{secret}`"
            );
        }
    }
    // The canaries appear nowhere in the file.
    for canary in ["canary-user-q7", "canary-host-q7"] {
        assert!(!contains_bytes(&sheet.bytes, canary.as_bytes()));
    }
}

// ---------------------------------------------------------------------------
// Bad input: one line, a documented exit code, nothing written

#[test]
fn refused_first_sheet_leaves_no_ledger_behind() {
    // On a fresh install, a refusal must not leave an empty ledger behind
    // either: nothing was issued, so nothing is recorded or created.
    let env = Env::new();
    fs::write(env.work().join("kept.pdf"), b"someone's file").expect("write");
    fs::create_dir(env.work().join("sheets")).expect("mkdir");
    for (args, code) in [
        (vec!["--account", "shop 😀"], 65),
        (vec!["--account", "shop", "--custodian", "K. Sato 😀"], 65),
        (vec!["--account", "shop", "-o", "missing/sheet.pdf"], 73),
        (vec!["--account", "shop", "-o", "kept.pdf"], 73),
        (vec!["--account", "shop", "-o", "sheets"], 73),
        (vec!["--account", "shop", "--count", "0"], 2),
    ] {
        // Compares the ledger's files before and after: none, and none.
        assert_refused(&env, &args, code, &[]);
    }
}

#[test]
fn empty_or_blank_account_is_refused() {
    let env = env_with_a_sheet();
    for account in ["", "   ", "\t \t"] {
        assert_refused(&env, &["--account", account], 2, &["account is empty"]);
    }
}

#[test]
fn account_with_control_characters_is_refused() {
    let env = env_with_a_sheet();
    for (account, code_point) in [
        ("shop\u{7}@example.com", "U+0007"),
        ("two\nlines", "U+000A"),
        ("\u{1b}[31mred", "U+001B"),
        ("del\u{7f}", "U+007F"),
        ("next\u{85}line", "U+0085"),
    ] {
        assert_refused(
            &env,
            &["--account", account],
            2,
            &["control character", code_point],
        );
    }
}

#[test]
fn account_over_200_characters_is_refused_and_200_are_printed_whole() {
    let env = env_with_a_sheet();
    assert_refused(
        &env,
        &["--account", &"x".repeat(201)],
        2,
        &["201 characters", "200"],
    );
    let long = format!("{}@example.com", "a".repeat(188));
    assert_eq!(long.chars().count(), 200);
    let sheet = generate(&env, &["--account", &long]);
    assert_on_sheet(&sheet.text, &long);
    assert!(
        !sheet.qr.values().any(|v| v.contains("example.com")),
        "the QR names the sheet, not the account: {:?}",
        sheet.qr
    );
}

#[test]
fn code_count_of_zero_or_more_than_a_sheet_holds_is_refused() {
    let env = env_with_a_sheet();
    for count in ["0", "101"] {
        assert_refused(
            &env,
            &["--account", "count@example.com", "--count", count],
            2,
            &[&format!("count {count}"), "1 to 100"],
        );
    }
    for count in ["-1", "ten"] {
        assert_refused(
            &env,
            &["--account", "count@example.com", "--count", count],
            2,
            &[count],
        );
    }
}

#[test]
fn copies_out_of_range_are_refused() {
    let env = env_with_a_sheet();
    for copies in ["0", "11"] {
        assert_refused(
            &env,
            &["--account", "copies@example.com", "--copies", copies],
            2,
            &[&format!("copies {copies}"), "1 to 10"],
        );
    }
}

#[test]
fn unknown_language_or_paper_is_a_usage_error() {
    let env = env_with_a_sheet();
    assert_refused(
        &env,
        &["--account", "a", "--lang", "fr"],
        2,
        &["'fr'", "--lang"],
    );
    assert_refused(
        &env,
        &["--account", "a", "--paper", "a3"],
        2,
        &["'a3'", "--paper"],
    );
}

#[test]
fn existing_output_is_kept_without_force_and_replaced_with_it() {
    let env = env_with_a_sheet();
    let target = env.work().join("sheet.pdf");
    fs::write(&target, b"an older sheet someone kept").expect("write");
    assert_refused(
        &env,
        &["--account", "force@example.com", "-o", "sheet.pdf"],
        73,
        &["sheet.pdf", "--force"],
    );
    assert_eq!(
        fs::read(&target).expect("read"),
        b"an older sheet someone kept"
    );

    let out = env
        .cmd()
        .args([
            "generate",
            "--account",
            "force@example.com",
            "-o",
            "sheet.pdf",
            "--force",
        ])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let bytes = fs::read(&target).expect("read");
    assert_eq!(codes_in(&pdf_text(&bytes), DEFAULT_FORMAT).len(), 10);
    assert_eq!(mode(&target), 0o600);
    assert_eq!(temp_files_in(&env.work()), Vec::<String>::new());
    assert_eq!(env.pdfs().len(), 2, "{:?}", env.work_files());
}

#[test]
fn output_folder_missing_is_refused_and_not_created() {
    let env = env_with_a_sheet();
    assert_refused(
        &env,
        &["--account", "dir@example.com", "-o", "missing/sheet.pdf"],
        73,
        &["missing"],
    );
    assert!(!env.work().join("missing").exists());
}

#[test]
fn output_that_is_a_folder_is_refused() {
    let env = env_with_a_sheet();
    fs::create_dir(env.work().join("sheets")).expect("mkdir");
    assert_refused(
        &env,
        &["--account", "dir@example.com", "-o", "sheets"],
        73,
        &["sheets", "folder"],
    );
}

#[cfg(unix)]
#[test]
fn output_folder_not_writable_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    if permissions_are_bypassed() {
        eprintln!("skipped: this user can write into a read-only folder (root?)");
        return;
    }
    let env = env_with_a_sheet();
    let locked = env.work().join("locked");
    fs::create_dir(&locked).expect("mkdir");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o500)).expect("chmod");
    assert_refused(
        &env,
        &["--account", "locked@example.com", "-o", "locked/sheet.pdf"],
        73,
        &["locked"],
    );
    assert_eq!(files_in(&locked), Vec::<String>::new());
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o700)).expect("chmod back");
}

#[test]
fn character_the_fonts_lack_is_refused_naming_it() {
    let env = env_with_a_sheet();
    for (flag, field) in [
        ("--account", "account"),
        ("--location", "storage location"),
        ("--custodian", "custodian"),
    ] {
        let mut args = vec!["--account", "glyph@example.com"];
        if flag == "--account" {
            args = vec!["--account", "shop 😀"];
        } else {
            args.extend([flag, "Safe 😀"]);
        }
        assert_refused(&env, &args, 65, &[field, "😀", "U+1F600"]);
    }
}

#[test]
fn invisible_character_the_fonts_lack_is_named_by_its_code_point_only() {
    let env = env_with_a_sheet();
    // Pasted from a web page: a right-to-left override would turn the rest of
    // the error line around on a terminal; a zero-width space shows as nothing.
    for (ch, code_point) in [('\u{202E}', "U+202E"), ('\u{200B}', "U+200B")] {
        let account = format!("shop{ch}@example.com");
        let stderr = assert_refused(&env, &["--account", &account], 65, &["account", code_point]);
        assert!(
            !stderr.contains(ch),
            "the raw character is printed: {stderr:?}"
        );
    }
}

#[test]
fn next_inventory_that_is_not_a_date_is_refused() {
    let env = env_with_a_sheet();
    assert_refused(
        &env,
        &[
            "--account",
            "inv@example.com",
            "--next-inventory",
            "31/05/2031",
        ],
        2,
        &["31/05/2031", "YYYY-MM-DD"],
    );
}
