//! End to end, issue 3 (generations): the ledger behind `generate`, `list`, `show`, `check`, `mark-used` and `revoke`, and what it refuses.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::pg::on_both_ledgers;
use common::*;
use serde_json::Value;

// The behaviours a shared ledger must keep too: each body runs on a file and
// on the test PostgreSQL server.
on_both_ledgers!(
    first_generate_records_generation_1_as_current,
    generate_refuses_an_account_that_has_a_current_set_without_regenerate,
    regenerate_makes_the_next_generation_whose_sheet_names_the_superseded_set_to_destroy,
    list_json_gives_one_object_per_account_with_stable_fields,
    show_gives_the_whole_history_of_an_account,
    check_by_set_id_says_current_superseded_revoked_or_unknown_with_distinct_exit_codes,
    mark_used_records_the_number_and_warns_when_3_or_fewer_remain,
    mark_used_refuses_a_number_outside_the_set,
    mark_used_refuses_a_number_already_marked,
    revoke_voids_the_current_set_and_the_next_sheet_names_it,
    unknown_account_is_refused_by_show_mark_used_and_revoke,
    sixteen_concurrent_regenerations_get_generations_2_to_17_once_each,
    concurrent_first_sheets_on_a_fresh_ledger_all_succeed,
    concurrent_first_sheets_for_one_account_leave_exactly_one,
    ledger_never_holds_a_code_in_any_form,
    check_scan_of_a_real_sheet_says_current_superseded_or_revoked,
);

const DEFAULT_FORMAT: &str = "XXXX-XXXX-XXXX-XXXX";

/// A sheet `generate` made, as read back from its PDF.
struct Sheet {
    path: PathBuf,
    text: String,
    bytes: Vec<u8>,
    stderr: String,
    /// As printed: `XXXX-XXXX`.
    set_id: String,
    generation: u32,
}

fn printed_set_id(compact: &str) -> String {
    assert_eq!(compact.len(), 8, "set ID `{compact}`");
    format!("{}-{}", &compact[..4], &compact[4..])
}

fn read_sheet(path: &Path, stderr: String) -> Sheet {
    let bytes = fs::read(path).expect("read the PDF");
    let qr = qr_fields(&qr_text(&bytes));
    Sheet {
        path: path.to_owned(),
        text: pdf_text(&bytes),
        stderr,
        set_id: printed_set_id(&qr["set"]),
        generation: qr["gen"].parse().expect("gen in QR"),
        bytes,
    }
}

/// Runs `generate --account ACCOUNT ARGS...`, which must succeed and make one new PDF.
fn generate(env: &Env, account: &str, args: &[&str]) -> Sheet {
    let before = env.pdfs();
    let out = env
        .cmd()
        .args(["generate", "--account", account])
        .args(args)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "generate {account} {args:?}: {}",
        stderr_of(&out)
    );
    let new: Vec<PathBuf> = env
        .pdfs()
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert_eq!(new.len(), 1, "one new PDF: {new:?}");
    read_sheet(&new[0], stderr_of(&out))
}

fn run(env: &Env, args: &[&str]) -> Output {
    env.cmd().args(args).output().expect("run")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {}", stdout_of(out)))
}

/// `show ACCOUNT --json`: the account's generations, oldest first.
fn history(env: &Env, account: &str) -> Vec<Value> {
    let out = run(env, &["show", account, "--json"]);
    assert!(out.status.success(), "show: {}", stderr_of(&out));
    json(&out).as_array().expect("an array").clone()
}

/// Asserts a command's exit code and that stderr is one error line holding
/// every needle; returns stdout.
fn assert_error(out: &Output, code: i32, needles: &[&str]) -> String {
    let stderr = stderr_of(out);
    assert_eq!(out.status.code(), Some(code), "exit code; stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {stderr}");
    assert!(lines[0].starts_with("recovery-sheet: error: "), "{stderr}");
    for needle in needles {
        assert!(lines[0].contains(needle), "`{needle}` in `{}`", lines[0]);
    }
    stdout_of(out)
}

/// Everything a failed command must leave alone: the working folder and the ledger's bytes.
struct Untouched {
    work: Vec<String>,
    ledger: Vec<(String, Vec<u8>)>,
}

impl Untouched {
    fn now(env: &Env) -> Untouched {
        Untouched {
            work: env.work_files(),
            ledger: env.ledger_files(),
        }
    }

    fn assert_same(&self, env: &Env, what: &str) {
        assert_eq!(self.work, env.work_files(), "{what}: working folder");
        assert!(
            self.ledger == env.ledger_files(),
            "{what}: the ledger changed"
        );
        assert_eq!(temp_files_in(&env.work()), Vec::<String>::new(), "{what}");
    }
}

/// `2026-11-22T14:31:05+09:00` -> `2026-11-22 14:31`, as messages and sheets print it.
fn minutes(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("RFC 3339")
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Text without whitespace, so wrapped lines still match.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn english(key: &str) -> String {
    let t: toml::Table = include_str!("../../templates/en.toml")
        .parse()
        .expect("template");
    t[key].as_str().expect("text").to_owned()
}

// ---------------------------------------------------------------------------
// Generations

fn first_generate_records_generation_1_as_current(env: Env) {
    let sheet = generate(
        &env,
        "shop@example.com",
        &[
            "--location",
            "Safe, 2F",
            "--custodian",
            "K. Sato",
            "--copies",
            "2",
            "--next-inventory",
            "2031-05-31",
        ],
    );
    assert_eq!(sheet.generation, 1);
    let history = history(&env, "shop@example.com");
    assert_eq!(history.len(), 1);
    let record = &history[0];
    assert_eq!(record["account"], "shop@example.com");
    assert_eq!(record["generation"], 1);
    assert_eq!(record["set_id"], sheet.set_id.as_str());
    assert_eq!(record["status"], "current");
    assert_eq!(record["count"], 10);
    assert_eq!(record["format"], DEFAULT_FORMAT);
    assert_eq!(record["source"], "generated");
    assert_eq!(record["copies"], 2);
    assert_eq!(record["location"], "Safe, 2F");
    assert_eq!(record["custodian"], "K. Sato");
    assert_eq!(record["next_inventory"], "2031-05-31");
    assert_eq!(record["used"], Value::Array(vec![]));
    // The sheet's printed issue time is the one recorded.
    let issued = record["issued_at"].as_str().expect("issued_at");
    assert!(
        squash(&sheet.text).contains(&squash(&minutes(issued))),
        "{issued} on the sheet:\n{}",
        sheet.text
    );
    #[cfg(unix)]
    if env.pg.is_none() {
        assert_eq!(mode(&env.ledger()), 0o600, "the ledger is private");
    }
}

#[test]
fn ledger_defaults_to_xdg_data_home_then_home_and_flag_overrides_env() {
    let env = Env::new();
    let mut cmd = env.cmd();
    cmd.env_remove("RECOVERY_SHEET_LEDGER")
        .args(["generate", "--account", "xdg@example.com"]);
    cmd.assert().success();
    let xdg = env
        .root
        .path()
        .join("data-xdg")
        .join("recovery-sheet")
        .join("ledger.db");
    assert!(xdg.is_file(), "ledger at {}", xdg.display());

    let mut cmd = env.cmd();
    cmd.env_remove("RECOVERY_SHEET_LEDGER")
        .env_remove("XDG_DATA_HOME")
        .args(["generate", "--account", "home@example.com"]);
    cmd.assert().success();
    let home = env.home().join(".local/share/recovery-sheet/ledger.db");
    assert!(home.is_file(), "ledger at {}", home.display());

    let flagged = env.root.path().join("flagged.db");
    let out = run(
        &env,
        &[
            "--ledger",
            flagged.to_str().expect("path"),
            "generate",
            "--account",
            "flag@example.com",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(flagged.is_file());
    assert!(!env.ledger().exists(), "the flag wins over the variable");
}

fn generate_refuses_an_account_that_has_a_current_set_without_regenerate(env: Env) {
    let first = generate(&env, "shop@example.com", &[]);
    let issued = history(&env, "shop@example.com")[0]["issued_at"]
        .as_str()
        .expect("issued_at")
        .to_owned();
    let before = Untouched::now(&env);
    let out = run(&env, &["generate", "--account", "shop@example.com"]);
    assert_error(
        &out,
        65,
        &[&first.set_id, &minutes(&issued), "--regenerate"],
    );
    before.assert_same(&env, "refused generate");
    assert!(out.stdout.is_empty());
}

fn regenerate_makes_the_next_generation_whose_sheet_names_the_superseded_set_to_destroy(env: Env) {
    let gen1 = generate(&env, "shop@example.com", &[]);
    let gen2 = generate(&env, "shop@example.com", &["--regenerate"]);
    assert_eq!(gen2.generation, 2);
    let history = history(&env, "shop@example.com");
    let issued1 = history[0]["issued_at"].as_str().expect("issued").to_owned();
    // The destroy box names generation 1's set ID and issue date.
    let replaces = english("destroy_replaces")
        .replace("{set_id}", &gen1.set_id)
        .replace("{generation}", "1")
        .replace("{issued}", &minutes(&issued1));
    assert!(
        squash(&gen2.text).contains(&squash(&replaces)),
        "`{replaces}` on the new sheet:\n{}",
        gen2.text
    );
    assert!(
        !squash(&gen2.text).contains(&squash(&english("destroy_first"))),
        "{}",
        gen2.text
    );
    // And stderr tells the person to shred it.
    assert!(
        gen2.stderr.contains(&gen1.set_id) && gen2.stderr.contains("shred"),
        "{}",
        gen2.stderr
    );
    assert_eq!(history[0]["status"], "superseded");
    assert_eq!(history[0]["superseded_by"], gen2.set_id.as_str());
    assert!(history[0]["status_changed_at"].is_string());
    assert_eq!(history[1]["generation"], 2);
    assert_eq!(history[1]["status"], "current");
    assert_eq!(history[1]["set_id"], gen2.set_id.as_str());

    // A third generation names the second, and says one earlier set remains to destroy.
    let gen3 = generate(&env, "shop@example.com", &["--regenerate", "--lang", "en"]);
    assert_eq!(gen3.generation, 3);
    assert!(gen3.text.contains(&gen2.set_id), "{}", gen3.text);
    let older = english("destroy_older").replace("{n}", "1");
    assert!(
        squash(&gen3.text).contains(&squash(&older)),
        "`{older}`:\n{}",
        gen3.text
    );
    assert_eq!(env.pdfs().len(), 3, "every sheet has its own file");
}

// ---------------------------------------------------------------------------
// list and show

fn list_json_gives_one_object_per_account_with_stable_fields(env: Env) {
    let b1 = generate(&env, "b@example.com", &["--count", "5"]);
    let a1 = generate(&env, "a@example.com", &[]);
    let a2 = generate(&env, "a@example.com", &["--regenerate", "--count", "12"]);
    for n in ["2", "7"] {
        assert!(
            run(&env, &["mark-used", "a@example.com", n])
                .status
                .success()
        );
    }
    assert_ne!(a1.set_id, a2.set_id);

    let out = run(&env, &["list", "--json"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let rows = json(&out);
    let rows = rows.as_array().expect("an array");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let expected = [
        ("a@example.com", 2, &a2.set_id, 12, 2),
        ("b@example.com", 1, &b1.set_id, 5, 0),
    ];
    for (row, (account, generation, set_id, count, used)) in rows.iter().zip(expected) {
        assert_eq!(row["account"], account);
        assert_eq!(row["generation"], generation);
        assert_eq!(row["set_id"], set_id.as_str());
        assert_eq!(row["status"], "current");
        assert_eq!(row["count"], count);
        assert_eq!(row["used"], used);
        let issued = row["issued_at"].as_str().expect("issued_at is text");
        assert!(
            chrono::DateTime::parse_from_rfc3339(issued).is_ok(),
            "{issued}"
        );
    }

    // The table for people: account, generation, set ID and codes left.
    let out = run(&env, &["list"]);
    assert!(out.status.success());
    let table = stdout_of(&out);
    let line = table
        .lines()
        .find(|l| l.starts_with("a@example.com"))
        .unwrap_or_else(|| panic!("{table}"));
    for cell in ["2", a2.set_id.as_str(), "10/12", "current"] {
        assert!(
            line.split_whitespace().any(|c| c == cell),
            "`{cell}` in `{line}`"
        );
    }
}

#[test]
fn list_without_a_ledger_says_so_and_creates_nothing() {
    let env = Env::new();
    let out = run(&env, &["list", "--json"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(json(&out), Value::Array(vec![]));
    let out = run(&env, &["list"]);
    assert!(out.status.success());
    assert!(stderr_of(&out).contains("generate"), "{}", stderr_of(&out));
    assert_eq!(
        env.ledger_files(),
        Vec::new(),
        "no ledger created by reading"
    );
}

fn show_gives_the_whole_history_of_an_account(env: Env) {
    let gen1 = generate(&env, "shop@example.com", &["--custodian", "K. Sato"]);
    let gen2 = generate(&env, "shop@example.com", &["--regenerate"]);
    assert!(
        run(
            &env,
            &["mark-used", "shop@example.com", "4", "--by", "M. Ito"]
        )
        .status
        .success()
    );
    generate(&env, "other@example.com", &[]);

    let history = history(&env, "shop@example.com");
    assert_eq!(history.len(), 2, "only this account, oldest first");
    assert_eq!(history[0]["set_id"], gen1.set_id.as_str());
    assert_eq!(history[0]["custodian"], "K. Sato");
    assert_eq!(history[1]["set_id"], gen2.set_id.as_str());
    let used = history[1]["used"].as_array().expect("used");
    assert_eq!(used.len(), 1);
    assert_eq!(used[0]["number"], 4);
    assert_eq!(used[0]["by"], "M. Ito");

    let out = run(&env, &["show", "shop@example.com"]);
    assert!(out.status.success());
    let text = stdout_of(&out);
    for needle in [
        gen1.set_id.as_str(),
        gen2.set_id.as_str(),
        "superseded",
        "current",
        "K. Sato",
        "M. Ito",
    ] {
        assert!(text.contains(needle), "`{needle}` in:\n{text}");
    }
    assert!(!text.contains("other@example.com"), "{text}");
}

// ---------------------------------------------------------------------------
// check

fn check_by_set_id_says_current_superseded_revoked_or_unknown_with_distinct_exit_codes(env: Env) {
    let gen1 = generate(&env, "shop@example.com", &[]);
    let gen2 = generate(&env, "shop@example.com", &["--regenerate"]);

    let current = run(&env, &["check", &gen2.set_id]);
    assert_eq!(current.status.code(), Some(0), "{}", stderr_of(&current));
    assert!(
        stdout_of(&current).starts_with("current"),
        "{}",
        stdout_of(&current)
    );
    // As typed from paper: lower case, no hyphen, O for 0 and I/L for 1.
    let typed = gen2
        .set_id
        .replace('-', "")
        .to_lowercase()
        .replace('0', "o")
        .replace('1', "l");
    assert_eq!(
        run(&env, &["check", &typed]).status.code(),
        Some(0),
        "{typed}"
    );

    let superseded = run(&env, &["check", &gen1.set_id]);
    assert_eq!(superseded.status.code(), Some(3));
    let said = stdout_of(&superseded);
    for needle in [
        "superseded",
        "generation 2",
        gen2.set_id.as_str(),
        "destroy",
    ] {
        assert!(said.contains(needle), "`{needle}` in {said}");
    }

    let unknown = run(&env, &["check", "7K2Q-M9XA"]);
    assert_eq!(unknown.status.code(), Some(5));
    assert!(
        stdout_of(&unknown).contains("unknown"),
        "{}",
        stdout_of(&unknown)
    );

    assert!(
        run(&env, &["revoke", "shop@example.com", "--yes"])
            .status
            .success()
    );
    let revoked = run(&env, &["check", &gen2.set_id]);
    assert_eq!(revoked.status.code(), Some(4));
    assert!(
        stdout_of(&revoked).contains("revoked"),
        "{}",
        stdout_of(&revoked)
    );
    // The older sheet is still one to destroy.
    assert_eq!(run(&env, &["check", &gen1.set_id]).status.code(), Some(3));

    // --json for scripts, same exit codes.
    let out = run(&env, &["check", &gen1.set_id, "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let verdict = json(&out);
    assert_eq!(verdict["status"], "superseded");
    assert_eq!(verdict["set_id"], gen1.set_id.as_str());
    assert_eq!(verdict["generation"], 1);
}

#[test]
fn check_without_a_ledger_says_unknown_and_creates_nothing() {
    let env = Env::new();
    let out = run(&env, &["check", "7K2Q-M9XA"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    assert_eq!(env.ledger_files(), Vec::new());
}

#[test]
fn check_of_a_malformed_set_id_is_a_usage_error() {
    let env = Env::new();
    generate(&env, "shop@example.com", &[]);
    let before = Untouched::now(&env);
    for typed in ["7K2Q", "hello", "7K2Q-M9XA-ZZ", "7K2Q-M9X!", ""] {
        let out = run(&env, &["check", typed]);
        assert_error(&out, 2, &["set ID"]);
        assert!(out.stdout.is_empty(), "{typed}: {}", stdout_of(&out));
    }
    before.assert_same(&env, "check");
}

/// Page 1 of `sheet` as a photo would give it, written to `name` under the env root.
fn photo(env: &Env, sheet: &Sheet, name: &str) -> PathBuf {
    let path = env.root.path().join(name);
    page1_png(&sheet.bytes, &path);
    path
}

fn scan(env: &Env, image: &Path) -> Output {
    run(env, &["check", "--scan", image.to_str().expect("path")])
}

fn check_scan_of_a_real_sheet_says_current_superseded_or_revoked(env: Env) {
    let gen1 = generate(&env, "shop@example.com", &[]);
    let gen2 = generate(&env, "shop@example.com", &["--regenerate", "--lang", "ja"]);
    let photo1 = photo(&env, &gen1, "gen1.png");
    let photo2 = photo(&env, &gen2, "gen2.png");

    let out = scan(&env, &photo2);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains(&gen2.set_id),
        "{}",
        stdout_of(&out)
    );

    let out = scan(&env, &photo1);
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains(&gen2.set_id),
        "names the current set"
    );

    // A JPEG works as well as a PNG (a smaller photo: one the tool need not scale).
    let jpeg = env.root.path().join("gen1.jpg");
    rasterize_page1(&gen1.bytes, 2.0)
        .save(&jpeg)
        .expect("write JPEG");
    assert_eq!(scan(&env, &jpeg).status.code(), Some(3));

    assert!(
        run(&env, &["revoke", "shop@example.com", "--yes"])
            .status
            .success()
    );
    let out = scan(&env, &photo2);
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("revoked"), "{}", stdout_of(&out));
}

#[test]
fn check_scan_reads_the_sheet_of_the_longest_japanese_account() {
    // 200 characters, the most an account may have (the QR is the same
    // 29x29 symbol whatever the account: it does not hold it).
    let env = Env::new();
    let account: String = "株式会社サンプル経理部共有アカウント"
        .chars()
        .cycle()
        .take(200)
        .collect();
    let sheet = generate(&env, &account, &["--lang", "ja"]);
    let image = photo(&env, &sheet, "long.png");
    let out = scan(&env, &image);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains(&sheet.set_id),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn check_scan_of_a_sheet_from_another_ledger_is_unknown() {
    let elsewhere = Env::new();
    let sheet = generate(&elsewhere, "shop@example.com", &[]);
    let env = Env::new();
    generate(&env, "shop@example.com", &[]);
    let image = photo(&env, &sheet, "elsewhere.png");
    let out = scan(&env, &image);
    assert_eq!(out.status.code(), Some(5), "{}", stderr_of(&out));
    assert!(
        stdout_of(&out).contains(&sheet.set_id),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn check_scan_of_an_image_without_a_qr_is_refused() {
    let env = Env::new();
    generate(&env, "shop@example.com", &[]);
    let blank = env.root.path().join("blank.png");
    image::GrayImage::from_pixel(600, 800, image::Luma([255]))
        .save(&blank)
        .expect("write PNG");
    let before = Untouched::now(&env);
    let out = scan(&env, &blank);
    assert_error(
        &out,
        65,
        &[
            "no recovery-sheet QR code found in",
            "blank.png",
            "tried as is",
            "photograph the top right corner of the sheet, flat",
        ],
    );
    assert!(out.stdout.is_empty());
    before.assert_same(&env, "scan");
}

#[test]
fn check_scan_of_a_qr_that_is_not_ours_is_refused() {
    let env = Env::new();
    let sheet = generate(&env, "shop@example.com", &[]);
    let compact = sheet.set_id.replace('-', "");
    let before = Untouched::now(&env);
    for (name, payload, needle) in [
        (
            "url.png",
            "https://example.com/".to_owned(),
            "not a recovery-sheet mark",
        ),
        (
            "newer.png",
            format!("recovery-sheet/9\nset={compact}\ngen=1"),
            "newer",
        ),
        (
            "broken.png",
            format!(
                "recovery-sheet/1\nset={compact}\ngen=first\nissued=2026-01-01T00:00:00+09:00\naccount=a"
            ),
            "`gen`",
        ),
    ] {
        let image = env.root.path().join(name);
        qr_png(&payload, 6, &image);
        let out = scan(&env, &image);
        assert_error(&out, 65, &[needle, name]);
        assert!(out.stdout.is_empty(), "{name}: {}", stdout_of(&out));
    }
    before.assert_same(&env, "scan");
}

#[test]
fn check_scan_of_a_missing_file_or_a_non_image_is_refused() {
    let env = Env::new();
    generate(&env, "shop@example.com", &[]);
    let before = Untouched::now(&env);
    let missing = env.root.path().join("missing.png");
    assert_error(&scan(&env, &missing), 66, &["missing.png"]);
    let text = env.root.path().join("notes.png");
    fs::write(&text, "not an image").expect("write");
    assert_error(
        &scan(&env, &text),
        65,
        &["notes.png", "not a PNG, JPEG, TIFF, WebP or PDF"],
    );
    before.assert_same(&env, "scan");
}

// ---------------------------------------------------------------------------
// mark-used and revoke

fn mark_used_records_the_number_and_warns_when_3_or_fewer_remain(env: Env) {
    let sheet = generate(&env, "shop@example.com", &["--count", "5"]);
    let codes = codes_in(&sheet.text, DEFAULT_FORMAT);
    assert_eq!(codes.len(), 5);

    let first = run(
        &env,
        &["mark-used", "shop@example.com", "1", "--by", "K. Sato"],
    );
    assert!(first.status.success(), "{}", stderr_of(&first));
    let said = stderr_of(&first);
    assert!(said.contains("4 of 5"), "{said}");
    assert!(
        !said.contains("regenerate"),
        "no warning with 4 left: {said}"
    );

    let second = run(&env, &["mark-used", "shop@example.com", "5"]);
    assert!(second.status.success(), "{}", stderr_of(&second));
    let said = stderr_of(&second);
    assert!(said.contains("3 of 5"), "{said}");
    assert!(
        said.lines()
            .any(|l| l.contains("3") && l.contains("regenerate")),
        "the low-codes warning at 3 left: {said}"
    );
    // --quiet does not hide it: this is when a new sheet is needed.
    let third = run(&env, &["--quiet", "mark-used", "shop@example.com", "3"]);
    assert!(third.status.success());
    assert!(
        stderr_of(&third).contains("regenerate"),
        "{}",
        stderr_of(&third)
    );

    let used: Vec<(u64, Value)> = history(&env, "shop@example.com")[0]["used"]
        .as_array()
        .expect("used")
        .iter()
        .map(|u| (u["number"].as_u64().expect("number"), u["by"].clone()))
        .collect();
    assert_eq!(
        used,
        vec![
            (1, Value::from("K. Sato")),
            (3, Value::Null),
            (5, Value::Null)
        ]
    );
    let list = json(&run(&env, &["list", "--json"]));
    assert_eq!(list[0]["used"], 3);
    // The number is recorded, never the code.
    for out in [&first, &second, &third] {
        let printed = format!("{}{}", stdout_of(out), stderr_of(out));
        for code in &codes {
            assert!(!printed.contains(code.as_str()), "{printed}");
        }
    }
}

fn mark_used_refuses_a_number_outside_the_set(env: Env) {
    generate(&env, "shop@example.com", &["--count", "5"]);
    let before = Untouched::now(&env);
    for number in ["0", "6", "4294967295"] {
        let out = run(&env, &["mark-used", "shop@example.com", number]);
        assert_error(&out, 65, &[&format!("number {number}"), "1 to 5"]);
    }
    for number in ["-1", "three"] {
        let out = run(&env, &["mark-used", "shop@example.com", number]);
        assert_eq!(out.status.code(), Some(2), "{number}: {}", stderr_of(&out));
    }
    before.assert_same(&env, "mark-used");
}

fn mark_used_refuses_a_number_already_marked(env: Env) {
    generate(&env, "shop@example.com", &[]);
    let out = run(
        &env,
        &["mark-used", "shop@example.com", "4", "--by", "K. Sato"],
    );
    assert!(out.status.success());
    let before = Untouched::now(&env);
    let again = run(
        &env,
        &["mark-used", "shop@example.com", "4", "--by", "M. Ito"],
    );
    assert_error(&again, 65, &["4", "already", "K. Sato"]);
    before.assert_same(&env, "mark-used twice");
}

fn revoke_voids_the_current_set_and_the_next_sheet_names_it(env: Env) {
    let gen1 = generate(&env, "shop@example.com", &[]);
    let out = run(&env, &["revoke", "shop@example.com", "--yes"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains(&gen1.set_id),
        "{}",
        stderr_of(&out)
    );
    let history = history(&env, "shop@example.com");
    assert_eq!(history[0]["status"], "revoked");
    assert!(history[0]["status_changed_at"].is_string());
    assert_eq!(
        json(&run(&env, &["list", "--json"]))[0]["status"],
        "revoked"
    );

    // Nothing current to mark or revoke any more.
    let before = Untouched::now(&env);
    assert_error(
        &run(&env, &["mark-used", "shop@example.com", "1"]),
        65,
        &["shop@example.com", "no current"],
    );
    assert_error(
        &run(&env, &["revoke", "shop@example.com", "--yes"]),
        65,
        &["shop@example.com", "no current"],
    );
    before.assert_same(&env, "after revoke");

    // Two-factor turned on again: the new sheet is generation 2 and names
    // the revoked set's sheet for the shredder.
    let gen2 = generate(&env, "shop@example.com", &[]);
    assert_eq!(gen2.generation, 2);
    assert!(gen2.text.contains(&gen1.set_id), "{}", gen2.text);
    assert_eq!(run(&env, &["check", &gen2.set_id]).status.code(), Some(0));
    assert_eq!(run(&env, &["check", &gen1.set_id]).status.code(), Some(4));
}

fn unknown_account_is_refused_by_show_mark_used_and_revoke(env: Env) {
    // No ledger yet: refused, and no ledger is created.
    for args in [
        vec!["show", "ghost@example.com"],
        vec!["mark-used", "ghost@example.com", "1"],
        vec!["revoke", "ghost@example.com"],
    ] {
        assert_error(&run(&env, &args), 65, &["ghost@example.com"]);
    }
    assert_eq!(env.ledger_files(), Vec::new());
    // With a ledger: refused, and its bytes are unchanged.
    generate(&env, "shop@example.com", &[]);
    let before = Untouched::now(&env);
    for args in [
        vec!["show", "ghost@example.com"],
        vec!["show", "ghost@example.com", "--json"],
        vec!["mark-used", "ghost@example.com", "1"],
        vec!["revoke", "ghost@example.com"],
    ] {
        let out = run(&env, &args);
        assert_error(&out, 65, &["ghost@example.com"]);
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    before.assert_same(&env, "unknown account");
}

// ---------------------------------------------------------------------------
// Ledgers that cannot be used

/// Every command that opens the ledger, for `account`.
fn ledger_commands(account: &str) -> Vec<Vec<String>> {
    [
        vec!["generate", "--account", account],
        vec!["generate", "--account", account, "--regenerate"],
        vec!["list"],
        vec!["list", "--json"],
        vec!["show", account],
        vec!["check", "7K2Q-M9XA"],
        vec!["mark-used", account, "1"],
        vec!["revoke", account],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(str::to_owned).collect())
    .collect()
}

/// Runs every ledger command against `ledger` and asserts each is refused
/// with `code` and a line naming `needle`, leaving the ledger's bytes and the
/// working folder as they were.
fn assert_every_command_refuses(env: &Env, ledger: &Path, code: i32, needle: &str) {
    let before_bytes = fs::read(ledger).ok();
    let before_work = env.work_files();
    for args in ledger_commands("shop@example.com") {
        let mut cmd = env.cmd();
        cmd.arg("--ledger").arg(ledger).args(&args);
        let out = cmd.output().expect("run");
        let name = ledger.file_name().and_then(|n| n.to_str()).expect("name");
        assert_error(&out, code, &[needle, name]);
        assert!(out.stdout.is_empty(), "{args:?}: {}", stdout_of(&out));
        assert_eq!(
            fs::read(ledger).ok(),
            before_bytes,
            "{args:?}: ledger bytes"
        );
        assert_eq!(env.work_files(), before_work, "{args:?}: no sheet written");
    }
    let dir = ledger.parent().expect("folder");
    let name = ledger.file_name().and_then(|n| n.to_str()).expect("name");
    let beside: Vec<String> = files_in(dir)
        .into_iter()
        // The writer lock's file may be there (it is never removed: a lock
        // file that is removed can be held twice); nothing else may be.
        .filter(|f| f.starts_with(name) && f != name && !f.ends_with(".lock"))
        .collect();
    assert_eq!(
        beside,
        Vec::<String>::new(),
        "no journal left beside the ledger"
    );
}

#[test]
fn ledger_path_that_is_a_folder_is_refused() {
    let env = Env::new();
    let folder = env.root.path().join("ledger-folder.db");
    fs::create_dir(&folder).expect("mkdir");
    assert_every_command_refuses(&env, &folder, 66, "is a folder");
    assert_eq!(files_in(&folder), Vec::<String>::new());
}

#[test]
fn ledger_that_is_a_text_file_is_refused_and_its_bytes_are_unchanged() {
    let env = Env::new();
    let text = env.root.path().join("notes.db");
    fs::write(&text, "shopping list: milk, eggs\n").expect("write");
    assert_every_command_refuses(&env, &text, 65, "not a recovery-sheet ledger");
    assert_eq!(
        fs::read_to_string(&text).expect("read"),
        "shopping list: milk, eggs\n"
    );
}

#[test]
fn ledger_that_is_another_programs_sqlite_file_is_refused_and_left_untouched() {
    let env = Env::new();
    let other = env.root.path().join("app.db");
    {
        let conn = rusqlite::Connection::open(&other).expect("sqlite");
        conn.execute_batch(
            "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('K. Sato');",
        )
        .expect("schema");
    }
    assert_every_command_refuses(&env, &other, 65, "not a recovery-sheet ledger");
}

#[test]
fn damaged_ledger_is_refused_as_bad_data_and_left_as_it_is() {
    let env = Env::new();
    generate(&env, "shop@example.com", &[]);
    generate(&env, "other@example.com", &[]);
    let ledger = env.ledger();
    // Keep the header page, overwrite every page after it, as a disk fault would.
    let mut bytes = fs::read(&ledger).expect("read");
    assert!(bytes.len() > 4096 * 2, "a ledger of several pages");
    for b in &mut bytes[4096 + 8..] {
        *b = 0xA5;
    }
    fs::write(&ledger, &bytes).expect("damage");
    for file in env.pdfs() {
        fs::remove_file(file).expect("clear the folder");
    }
    assert_every_command_refuses(&env, &ledger, 65, "is damaged");
}

#[test]
fn ledger_from_a_newer_version_is_refused_and_left_untouched() {
    let env = Env::new();
    generate(&env, "shop@example.com", &[]);
    {
        let conn = rusqlite::Connection::open(env.ledger()).expect("sqlite");
        conn.pragma_update(None, "user_version", 99)
            .expect("bump version");
    }
    let ledger = env.ledger();
    let before_bytes = fs::read(&ledger).expect("read");
    let before_work = env.work_files();
    for args in ledger_commands("shop@example.com") {
        let out = run(&env, &args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_error(&out, 65, &["99"]);
        assert_eq!(fs::read(&ledger).expect("read"), before_bytes, "{args:?}");
        assert_eq!(env.work_files(), before_work, "{args:?}");
    }
}

#[cfg(unix)]
#[test]
fn read_only_ledger_is_refused_for_writes_and_left_untouched() {
    use std::os::unix::fs::PermissionsExt;
    if permissions_are_bypassed() {
        eprintln!("skipped: this user can write a read-only file (root?)");
        return;
    }
    let env = Env::new();
    let sheet = generate(&env, "shop@example.com", &[]);
    fs::set_permissions(env.ledger(), fs::Permissions::from_mode(0o400)).expect("chmod");
    let before = Untouched::now(&env);
    for args in [
        vec!["generate", "--account", "new@example.com"],
        vec!["generate", "--account", "shop@example.com", "--regenerate"],
        vec!["mark-used", "shop@example.com", "1"],
        vec!["revoke", "shop@example.com", "--yes"],
    ] {
        let out = run(&env, &args);
        assert_error(&out, 73, &["read-only"]);
    }
    before.assert_same(&env, "read-only ledger");
    // Reading still works.
    let out = run(&env, &["check", &sheet.set_id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    fs::set_permissions(env.ledger(), fs::Permissions::from_mode(0o600)).expect("chmod back");

    // A writable file in a read-only folder: SQLite cannot make its journal.
    let folder = env.ledger().parent().expect("folder").to_owned();
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o500)).expect("chmod");
    let before = Untouched::now(&env);
    for args in [
        vec!["generate", "--account", "new@example.com"],
        vec!["mark-used", "shop@example.com", "1"],
    ] {
        assert_error(&run(&env, &args), 73, &["read-only"]);
    }
    before.assert_same(&env, "ledger in a read-only folder");
    assert_eq!(run(&env, &["check", &sheet.set_id]).status.code(), Some(0));

    // A schema 3 ledger there (the release before, without schema 4's
    // index): it cannot be upgraded, nor its copy kept, but it is read.
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o700)).expect("chmod back");
    rusqlite::Connection::open(env.ledger())
        .expect("sqlite")
        .execute_batch("DROP INDEX generations_by_status; PRAGMA user_version = 3;")
        .expect("schema 3");
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o500)).expect("chmod");
    let before = Untouched::now(&env);
    assert_eq!(run(&env, &["check", &sheet.set_id]).status.code(), Some(0));
    assert_error(
        &run(&env, &["mark-used", "shop@example.com", "1"]),
        73,
        &["read-only"],
    );
    before.assert_same(&env, "schema 3 ledger in a read-only folder");
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o700)).expect("chmod back");
}

// ---------------------------------------------------------------------------
// Concurrency and secrecy

fn sixteen_concurrent_regenerations_get_generations_2_to_17_once_each(env: Env) {
    let first = generate(&env, "shared@example.com", &["--count", "4"]);
    assert_eq!(first.generation, 1);
    let children: Vec<_> = (0..16)
        .map(|_| {
            env.std_cmd()
                .args([
                    "generate",
                    "--account",
                    "shared@example.com",
                    "--regenerate",
                    "--count",
                    "4",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", stderr_of(&out));
    }

    let history = history(&env, "shared@example.com");
    let generations: Vec<u64> = history
        .iter()
        .map(|r| r["generation"].as_u64().expect("generation"))
        .collect();
    assert_eq!(generations, (1..=17).collect::<Vec<_>>());
    let current: Vec<&Value> = history
        .iter()
        .filter(|r| r["status"] == "current")
        .collect();
    assert_eq!(current.len(), 1, "exactly one current");
    assert_eq!(current[0]["generation"], 17);
    let by_set: BTreeMap<String, u64> = history
        .iter()
        .map(|r| {
            (
                r["set_id"].as_str().expect("set_id").to_owned(),
                r["generation"].as_u64().expect("generation"),
            )
        })
        .collect();
    // Each older generation is superseded by the very next one.
    for pair in history.windows(2) {
        assert_eq!(pair[0]["status"], "superseded");
        assert_eq!(pair[0]["superseded_by"], pair[1]["set_id"]);
    }

    // 17 sheets, each with the generation the ledger gave its set, each
    // naming the set just before it to destroy.
    let pdfs = env.pdfs();
    assert_eq!(pdfs.len(), 17, "{:?}", env.work_files());
    let mut seen = Vec::new();
    for path in &pdfs {
        let sheet = read_sheet(path, String::new());
        assert_eq!(
            by_set.get(&sheet.set_id).copied(),
            Some(u64::from(sheet.generation)),
            "{}: QR generation vs ledger",
            path.display()
        );
        let footer = english("footer")
            .replace("{set_id}", &sheet.set_id)
            .replace("{generation}", &sheet.generation.to_string());
        assert!(sheet.text.contains(&footer), "{}", sheet.text);
        if sheet.generation > 1 {
            let previous = &history[sheet.generation as usize - 2]["set_id"];
            assert!(
                sheet.text.contains(previous.as_str().expect("set_id")),
                "generation {} names generation {}'s set {previous}",
                sheet.generation,
                sheet.generation - 1
            );
        }
        seen.push(sheet.generation);
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=17).collect::<Vec<_>>());
    assert_eq!(temp_files_in(&env.work()), Vec::<String>::new());
}

fn concurrent_first_sheets_on_a_fresh_ledger_all_succeed(env: Env) {
    let children: Vec<_> = (0..8)
        .map(|i| {
            env.std_cmd()
                .args(["generate", "--account", &format!("new{i}@example.com")])
                .args(["--count", "3"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    let rows = json(&run(&env, &["list", "--json"]));
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 8, "{rows:?}");
    for row in rows {
        assert_eq!(row["generation"], 1);
        assert_eq!(row["status"], "current");
    }
    assert_eq!(env.pdfs().len(), 8);
}

fn concurrent_first_sheets_for_one_account_leave_exactly_one(env: Env) {
    let children: Vec<_> = (0..6)
        .map(|_| {
            env.std_cmd()
                .args(["generate", "--account", "race@example.com", "--count", "3"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let mut won = 0;
    for child in children {
        let out = child.wait_with_output().expect("wait");
        match out.status.code() {
            Some(0) => won += 1,
            // The others find the winner's set and refuse, as without a race.
            _ => {
                assert_error(&out, 65, &["already has a current set", "--regenerate"]);
            }
        }
    }
    assert_eq!(won, 1, "exactly one first sheet");
    let history = history(&env, "race@example.com");
    assert_eq!(history.len(), 1);
    let pdfs = env.pdfs();
    assert_eq!(pdfs.len(), 1, "{:?}", env.work_files());
    let sheet = read_sheet(&pdfs[0], String::new());
    assert_eq!(history[0]["set_id"], sheet.set_id.as_str());
    assert_eq!(temp_files_in(&env.work()), Vec::<String>::new());
}

fn ledger_never_holds_a_code_in_any_form(env: Env) {
    let mut sheets = vec![
        generate(&env, "shop@example.com", &[]),
        generate(
            &env,
            "shop@example.com",
            &[
                "--regenerate",
                "--format",
                "FFFF-FFFF-FFFF-FFFF",
                "--count",
                "20",
            ],
        ),
        generate(
            &env,
            "digits@example.com",
            &["--format", "99999 99999 99999 99999 99999"],
        ),
        generate(&env, "stdout@example.com", &["--copies", "2"]),
    ];
    for args in [
        vec!["mark-used", "shop@example.com", "1", "--by", "K. Sato"],
        vec!["mark-used", "digits@example.com", "2"],
        vec!["revoke", "stdout@example.com", "--yes"],
    ] {
        assert!(run(&env, &args).status.success());
    }
    sheets.push(generate(&env, "stdout@example.com", &[]));

    let mut codes = Vec::new();
    for (sheet, pattern) in sheets.iter().zip([
        DEFAULT_FORMAT,
        "FFFF-FFFF-FFFF-FFFF",
        "99999 99999 99999 99999 99999",
        DEFAULT_FORMAT,
        DEFAULT_FORMAT,
    ]) {
        let found = codes_in(&sheet.text, pattern);
        assert!(found.len() >= 10, "{}: {found:?}", sheet.path.display());
        codes.extend(found);
    }
    assert_eq!(codes.len(), 10 + 20 + 10 + 20 + 10);

    // The ledger file and anything beside it (a journal, a WAL); on a
    // server, the database as pg_dump writes it and every row of every table.
    let files: Vec<(String, Vec<u8>)> = match &env.pg {
        Some(db) => {
            let mut files = crate::pg::rows(&db.url);
            assert!(files.iter().any(|(t, _)| t == "generations"), "{files:?}");
            files.push(("pg_dump".to_owned(), crate::pg::dump(&db.url)));
            files
        }
        None => {
            let dir = env.ledger().parent().expect("folder").to_owned();
            let files: Vec<(String, Vec<u8>)> = files_in(&dir)
                .into_iter()
                .map(|f| {
                    let bytes = fs::read(dir.join(&f)).expect("read");
                    (f, bytes)
                })
                .collect();
            assert!(files.iter().any(|(f, _)| f == "ledger.db"), "{files:?}");
            files
        }
    };
    for (name, bytes) in &files {
        for code in &codes {
            for form in code_forms(code) {
                assert!(
                    !contains_bytes(bytes, form.as_bytes()),
                    "{name} holds code {form}"
                );
            }
        }
    }
}
