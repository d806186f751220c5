//! Issue "Many accounts and daily use": batch end to end, interruption, config precedence, completions.

use crate::common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Stdio;

use crate::pg::on_both_ledgers;
use common::*;
use serde_json::Value;

// Batches on a shared ledger too.
on_both_ledgers!(
    good_rows_print_and_bad_rows_are_reported_with_their_row_number,
    accounts_with_a_current_set_need_regenerate_and_then_name_the_old_set,
    ctrl_c_mid_batch_leaves_every_recorded_generation_with_its_sheet,
);

/// Runs `batch a.csv` in the environment's working folder with `args` after it.
fn run_batch(env: &Env, args: &[&str]) -> std::process::Output {
    env.cmd()
        .args(["batch", "a.csv"])
        .args(args)
        .output()
        .unwrap()
}

/// The ledger's generations as `list --json` and `show --json` report them:
/// (account, generation, set ID, status) for every generation of every account.
fn ledger_generations(env: &Env) -> BTreeSet<(String, u64, String, String)> {
    let out = env.cmd().args(["list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let accounts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut all = BTreeSet::new();
    for a in accounts {
        let account = a["account"].as_str().unwrap().to_owned();
        let out = env
            .cmd()
            .args(["show", &account, "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        let history: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        for g in history {
            all.insert((
                account.clone(),
                g["generation"].as_u64().unwrap(),
                g["set_id"].as_str().unwrap().to_owned(),
                g["status"].as_str().unwrap().to_owned(),
            ));
        }
    }
    all
}

/// What each sheet in `dir` says of itself: (account as printed in its
/// header, generation and set ID from its QR). Every file must be a whole,
/// readable PDF.
fn sheets_in(dir: &Path) -> BTreeSet<(String, u64, String)> {
    let mut sheets = BTreeSet::new();
    for name in files_in(dir) {
        assert!(name.ends_with(".pdf"), "unexpected file {name} in {dir:?}");
        let bytes = fs::read(dir.join(&name)).unwrap();
        let qr = qr_fields(&qr_text(&bytes));
        let set = &qr["set"];
        sheets.insert((
            printed_account(&bytes),
            qr["gen"].parse().unwrap(),
            format!("{}-{}", &set[..4], &set[4..]),
        ));
        assert_eq!(mode(&dir.join(&name)), 0o600, "{name}");
    }
    sheets
}

/// The account as page 1's header prints it: the line after its label (the
/// QR does not hold it). The accounts of these tests fit on one line.
fn printed_account(bytes: &[u8]) -> String {
    let text = &pdf_page_texts(bytes)[0];
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let label = lines
        .iter()
        .position(|l| *l == "Account" || *l == "アカウント")
        .unwrap_or_else(|| panic!("no account label in {text}"));
    lines[label + 1].to_owned()
}

fn good_rows_print_and_bad_rows_are_reported_with_their_row_number(env: Env) {
    let csv = env.work().join("accounts.csv");
    fs::write(
        &csv,
        "account,format,count,lang,paper,location,custodian,copies\n\
         shop@example.com,,,en,a4,\"Safe, 2F\",K. Sato,2\n\
         intranet-admin,XXXX-XXXX-XXXX-XXXX,12,ja,letter,,,\n\
         \n\
         bad-lang,,,fr,,,,\n\
         shop@example.com,,,,,,,\n\
         ,,,,,,,\n\
         too-weak,999,,,,,,\n\
         zero,,0,,,,,\n\
         stray,,,,,,,,extra\n\
         x-account,,,en,,,,\n",
    )
    .unwrap();
    let out = env
        .cmd()
        .args(["batch", "accounts.csv", "--out-dir", "sheets"])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(9), "{stderr}");
    for expected in [
        "row 5 (bad-lang): error: lang `fr` is not one of ja, en",
        "row 7: error: the account is empty",
        "row 8 (too-weak): error: the format gives only 10.0 bits",
        "row 9 (zero): error: count 0 is out of range",
        "row 10 (stray): error: the row has 9 cells, the header 8",
        "printed 3 sheet(s) into sheets; 6 row(s) failed",
    ] {
        assert!(
            stderr.contains(expected),
            "missing `{expected}` in:\n{stderr}"
        );
    }
    // The later row of an account given twice fails, whether the earlier
    // was still being made (its row is named) or already recorded.
    assert!(
        stderr.contains("row 6 (shop@example.com): error: account `shop@example.com` is also on row 2")
            || stderr.contains(
                "row 6 (shop@example.com): error: shop@example.com is on an earlier row of this file too"
            ),
        "{stderr}"
    );

    // The three good rows: a sheet each, recorded, and nothing else.
    let sheets = sheets_in(&env.work().join("sheets"));
    let accounts: BTreeSet<&str> = sheets.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        accounts,
        BTreeSet::from(["intranet-admin", "shop@example.com", "x-account"])
    );
    let recorded: BTreeSet<(String, u64, String)> = ledger_generations(&env)
        .into_iter()
        .map(|(a, g, s, status)| {
            assert_eq!(status, "current");
            (a, g, s)
        })
        .collect();
    assert_eq!(recorded, sheets);
    #[cfg(unix)]
    assert_eq!(mode(&env.work().join("sheets")), 0o700);

    // Each row's own settings reached its sheet.
    let sheet_of = |account: &str| {
        let name = files_in(&env.work().join("sheets"))
            .into_iter()
            .find(|n| n.starts_with(account))
            .unwrap();
        fs::read(env.work().join("sheets").join(name)).unwrap()
    };
    let shop = sheet_of("shop@example.com");
    let text = pdf_text(&shop);
    assert!(
        text.contains("Safe, 2F") && text.contains("K. Sato"),
        "{text}"
    );
    assert!(text.contains("Copy 2 of 2"), "{text}");
    let admin = pdf_text(&sheet_of("intranet-admin"));
    assert!(admin.contains("二段階認証"), "{admin}");
    assert_eq!(codes_in(&admin, "XXXX-XXXX-XXXX-XXXX").len(), 12);
}

#[test]
fn json_summary_lists_the_failed_rows_for_scripts() {
    let env = Env::new();
    fs::write(
        env.work().join("a.csv"),
        "account,copies\nok@example.com,1\nbad@example.com,eleven\n",
    )
    .unwrap();
    let out = env
        .cmd()
        .args(["-q", "batch", "a.csv", "--out-dir", "out", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(9));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["printed"], 1);
    assert_eq!(summary["interrupted"], false);
    assert_eq!(summary["out_dir"], "out");
    let failed = summary["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["row"], 3);
    assert_eq!(failed[0]["account"], "bad@example.com");
    assert_eq!(failed[0]["exit_code"], 2);
    assert!(
        failed[0]["error"]
            .as_str()
            .unwrap()
            .contains("copies `eleven` is not a whole number"),
        "{summary}"
    );
    // --quiet: the failure and the summary still reach stderr, the successes do not.
    let stderr = stderr_of(&out);
    assert!(stderr.contains("row 3 (bad@example.com)"), "{stderr}");
    assert!(!stderr.contains("row 2"), "{stderr}");
}

fn accounts_with_a_current_set_need_regenerate_and_then_name_the_old_set(env: Env) {
    env.cmd()
        .args(["generate", "--account", "a@example.com", "--lang", "en"])
        .assert()
        .success();
    let first = ledger_generations(&env);
    let old_set = first.iter().next().unwrap().2.clone();
    fs::write(
        env.work().join("a.csv"),
        "account,lang\na@example.com,en\nb@example.com,en\n",
    )
    .unwrap();

    let out = run_batch(&env, &["--out-dir", "out"]);
    assert_eq!(out.status.code(), Some(9));
    assert!(
        stderr_of(&out).contains("a@example.com already has a current set"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(files_in(&env.work().join("out")).len(), 1);

    let out = run_batch(&env, &["--out-dir", "again", "--regenerate"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let sheets = sheets_in(&env.work().join("again"));
    let regenerated = sheets.iter().find(|s| s.0 == "a@example.com").unwrap();
    assert_eq!(regenerated.1, 2);
    let name = files_in(&env.work().join("again"))
        .into_iter()
        .find(|n| n.starts_with("a@example.com-gen2-"))
        .unwrap();
    let text = pdf_text(&fs::read(env.work().join("again").join(name)).unwrap());
    // The set ID is a run of its own in the code face (issue 13): compared
    // without the spaces and line breaks a PDF reader puts between runs.
    let flat = |s: &str| s.split_whitespace().collect::<String>();
    assert!(
        flat(&text).contains(&flat(&format!("Destroy: set {old_set}, generation 1"))),
        "{text}"
    );
    let statuses: Vec<String> = ledger_generations(&env)
        .into_iter()
        .filter(|g| g.0 == "a@example.com")
        .map(|g| g.3)
        .collect();
    assert_eq!(statuses, ["superseded", "current"]);
}

#[test]
fn verifier_dir_gets_one_private_verifier_per_sheet() {
    let env = Env::new();
    fs::write(
        env.work().join("a.csv"),
        "account,count\none@example.com,2\ntwo@example.com,2\n",
    )
    .unwrap();
    env.cmd()
        .args([
            "batch",
            "a.csv",
            "--out-dir",
            "out",
            "--verifier-dir",
            "verifiers",
        ])
        .assert()
        .success();
    let sheets = files_in(&env.work().join("out"));
    let verifiers = files_in(&env.work().join("verifiers"));
    assert_eq!(verifiers.len(), 2);
    for sheet in &sheets {
        let stem = sheet.strip_suffix(".pdf").unwrap();
        let name = format!("{stem}.verifier.json");
        assert!(verifiers.contains(&name), "{name} not in {verifiers:?}");
        let path = env.work().join("verifiers").join(&name);
        assert_eq!(mode(&path), 0o600);
        let json: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        assert_eq!(json["codes"].as_array().unwrap().len(), 2);
        // The codes on the sheet verify against its own verifier.
        let text = pdf_text(&fs::read(env.work().join("out").join(sheet)).unwrap());
        let code = codes_in(&text, "XXXX-XXXX-XXXX-XXXX")[0].clone();
        env.cmd()
            .args(["verify", "--verifier"])
            .arg(&path)
            .write_stdin(code)
            .assert()
            .success();
    }
}

#[test]
fn a_bad_header_or_a_missing_file_stops_before_anything_is_written() {
    let env = Env::new();
    for (header, expected) in [
        (
            "account,custodain\nx,y\n",
            "column `custodain` is not known: the columns are account, format, count",
        ),
        (
            "lang,location\nen,x\n",
            "the header has no `account` column",
        ),
        ("", "a.csv is empty: the first row names the columns"),
        (
            "account,lang,lang\nx,en,ja\n",
            "column `lang` appears twice",
        ),
    ] {
        fs::write(env.work().join("a.csv"), header).unwrap();
        let out = run_batch(&env, &["--out-dir", "out"]);
        assert_eq!(out.status.code(), Some(65), "{header}");
        assert!(stderr_of(&out).contains(expected), "{}", stderr_of(&out));
        assert_eq!(stderr_of(&out).lines().count(), 1);
        assert!(!env.work().join("out").exists());
        assert!(!env.ledger().exists());
    }
    let out = env
        .cmd()
        .args(["batch", "missing.csv", "--out-dir", "out"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(66));
    assert!(stderr_of(&out).contains("cannot read missing.csv"));
    assert!(!env.work().join("out").exists());
}

#[test]
fn rows_that_are_not_utf8_are_reported_and_the_rest_print() {
    let env = Env::new();
    let mut csv = b"account,location\nok@example.com,Safe\nsjis,".to_vec();
    csv.extend_from_slice(&[0x8b, 0xe0, 0x8c, 0xc9]); // 金庫 in Shift_JIS
    csv.extend_from_slice(b"\nalso-ok,\n");
    fs::write(env.work().join("a.csv"), csv).unwrap();
    let out = run_batch(&env, &["--out-dir", "out"]);
    assert_eq!(out.status.code(), Some(9));
    assert!(
        stderr_of(&out).contains("row 3: error: the row is not UTF-8 text"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(files_in(&env.work().join("out")).len(), 2);
}

/// Ctrl-C (twice), or SIGTERM, in the middle of a long batch with many
/// workers: the run stops with exit 130, every generation the ledger recorded
/// has its whole sheet on disk and every sheet on disk is recorded, no
/// temporary file is left, and the rows the stop cut off are not reported as
/// failed (no "ledger locked" for a row that was never reached).
#[cfg(unix)]
fn ctrl_c_mid_batch_leaves_every_recorded_generation_with_its_sheet(env: Env) {
    let mut recorded_sheets = BTreeSet::new();
    for (signal, presses, dir) in [("-INT", 2, "out-int"), ("-TERM", 1, "out-term")] {
        let mut csv = String::from("account\n");
        for i in 0..2000 {
            csv.push_str(&format!("{dir}-user{i:04}@example.com\n"));
        }
        fs::write(env.work().join("a.csv"), csv).unwrap();
        let out_dir = env.work().join(dir);
        let mut child = env
            .std_cmd()
            .args(["batch", "a.csv", "--out-dir", dir, "--json", "--jobs", "64"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until the batch is well under way (sheets are being recorded).
        while files_in(&out_dir)
            .iter()
            .filter(|n| n.ends_with(".pdf"))
            .count()
            < 5
        {
            assert!(
                child.try_wait().unwrap().is_none(),
                "the batch ended before it could be interrupted"
            );
            std::thread::yield_now();
        }
        // Twice, as an impatient person presses it: the second must not cut a
        // sheet short and leave its temporary file (with its codes) behind.
        for _ in 0..presses {
            let status = std::process::Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
        }
        let out = child.wait_with_output().unwrap();
        let stderr = stderr_of(&out);
        assert_eq!(out.status.code(), Some(130), "{signal}: {stderr}");
        assert!(
            stderr.contains("stopped (Ctrl-C or a stop signal)"),
            "{signal}: {stderr}"
        );
        assert!(
            !stderr
                .lines()
                .any(|l| l.starts_with("row ") && l.contains(": error:")),
            "{signal}: a row the stop cut off is reported as failed: {stderr}"
        );
        let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["interrupted"], true);
        assert_eq!(summary["failed_count"], 0, "{signal}: {summary}");
        let sheets = sheets_in(&out_dir);
        assert_eq!(summary["printed"], sheets.len(), "{signal}");
        assert!(
            sheets.len() < 2000,
            "{signal}: the batch was not interrupted"
        );
        recorded_sheets.extend(sheets);
    }
    let generations = ledger_generations(&env);
    let recorded: BTreeSet<(String, u64, String)> = generations
        .iter()
        .map(|(a, g, s, _)| (a.clone(), *g, s.clone()))
        .collect();
    assert_eq!(recorded, recorded_sheets, "{generations:?}");
}

#[test]
fn spreadsheet_exports_read_with_the_row_numbers_a_spreadsheet_shows() {
    let env = Env::new();
    // "CSV UTF-8" as spreadsheets save it: a byte-order mark and CRLF line
    // ends; a cell with a line break inside quotes; a short hand-written row;
    // blank lines.
    let csv = "\u{FEFF}Account,Location,Lang\r\n\
               one@example.com,\"Safe\r\nshelf 2\",en\r\n\
               \r\n\
               two@example.com\r\n\
               three@example.com,,xx\r\n";
    fs::write(env.work().join("a.csv"), csv).unwrap();
    let out = run_batch(&env, &["--out-dir", "out"]);
    assert_eq!(out.status.code(), Some(9), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("row 2: wrote out/one@example.com-gen1-"),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 4: wrote out/two@example.com-gen1-"),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 5 (three@example.com): error: lang `xx` is not one of ja, en"),
        "{stderr}"
    );
    let one = files_in(&env.work().join("out"))
        .into_iter()
        .find(|n| n.starts_with("one@"))
        .unwrap();
    let text = pdf_text(&fs::read(env.work().join("out").join(one)).unwrap());
    assert!(text.contains("Safe shelf 2"), "{text}");
}

#[test]
fn a_quote_never_closed_stops_the_batch_after_the_rows_before_it() {
    let env = Env::new();
    let mut csv =
        String::from("account,location\nfirst@example.com,Safe\nbroken@example.com,\"Safe\n");
    // Everything after the stray quote would be one cell: far more than a row.
    for i in 0..4000 {
        csv.push_str(&format!("later{i:04}@example.com,Cabinet\n"));
    }
    fs::write(env.work().join("a.csv"), csv).unwrap();
    let out = run_batch(&env, &["--out-dir", "out", "--jobs", "2"]);
    assert_eq!(out.status.code(), Some(65), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("row 3: a quote (\") is not closed within 64 KiB"),
        "{stderr}"
    );
    // The row before it printed and is recorded; nothing after it was read.
    let sheets = sheets_in(&env.work().join("out"));
    let accounts: Vec<&str> = sheets.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(accounts, ["first@example.com"]);
    assert_eq!(ledger_generations(&env).len(), 1);
}

#[test]
fn a_quote_inside_a_cell_is_a_character_and_no_row_is_lost() {
    let env = Env::new();
    // Inches, as an office writes them; the csv crate reads the quote as a
    // character because it does not start the cell.
    fs::write(
        env.work().join("a.csv"),
        "account,location\none@example.com,Shelf 5\" deep\ntwo@example.com,Safe\nthree@example.com,Safe\n",
    )
    .unwrap();
    let out = run_batch(&env, &["--out-dir", "out"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let sheets = sheets_in(&env.work().join("out"));
    let accounts: BTreeSet<&str> = sheets.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        accounts,
        BTreeSet::from(["one@example.com", "three@example.com", "two@example.com"])
    );
    let one = files_in(&env.work().join("out"))
        .into_iter()
        .find(|n| n.starts_with("one@"))
        .unwrap();
    let text = pdf_text(&fs::read(env.work().join("out").join(one)).unwrap());
    assert!(text.contains("Shelf 5\" deep"), "{text}");
}

#[test]
fn a_file_with_old_mac_line_ends_is_refused_before_anything_is_written() {
    let env = Env::new();
    fs::write(
        env.work().join("a.csv"),
        "account,lang\rone@example.com,en\rtwo@example.com,en\r",
    )
    .unwrap();
    let out = run_batch(&env, &["--out-dir", "out"]);
    assert_eq!(out.status.code(), Some(65), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("a.csv ends its lines with a carriage return only"),
        "{}",
        stderr_of(&out)
    );
    assert!(!env.work().join("out").exists());
    assert!(!env.ledger().exists());
}

#[test]
fn jobs_zero_is_refused_before_any_folder_is_made() {
    let env = Env::new();
    fs::write(env.work().join("a.csv"), "account\none@example.com\n").unwrap();
    let out = run_batch(&env, &["--out-dir", "out", "--jobs", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("--jobs 0"), "{}", stderr_of(&out));
    assert!(!env.work().join("out").exists());
}

#[test]
fn a_weak_format_is_warned_about_once_not_once_per_row() {
    let env = Env::new();
    fs::write(
        env.work().join("a.csv"),
        "account,format\na@example.com,XXXXXXXX\nb@example.com,XXXXXXXX\nc@example.com,XXXXXXXX\n",
    )
    .unwrap();
    let out = run_batch(&env, &["--out-dir", "out", "--jobs", "1"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    assert_eq!(
        stderr.matches("the format gives 40.0 bits").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("row 2: warning:"), "{stderr}");
    assert_eq!(files_in(&env.work().join("out")).len(), 3);
}
