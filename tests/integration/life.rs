//! Issue 14, the sheet's life after printing, as an office admin meets it: carry-over, inventory, shredding, what is due, corrections, account identity, dates, display, file names, the audit trail and the upgrade of an old ledger.

use std::fs;
use std::process::Output;

use serde_json::Value;

use crate::common::*;

fn run(env: &Env, args: &[&str]) -> Output {
    env.cmd().args(args).output().expect("run")
}

fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(out));
    stderr_of(out)
}

fn json(env: &Env, args: &[&str]) -> Value {
    let out = run(env, args);
    ok(&out);
    serde_json::from_slice(&out.stdout).expect("json")
}

/// The only PDF in the working folder whose name contains `part`.
fn sheet_named(env: &Env, part: &str) -> Vec<u8> {
    let names: Vec<String> = env
        .work_files()
        .into_iter()
        .filter(|n| n.ends_with(".pdf") && n.contains(part))
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    fs::read(env.work().join(&names[0])).expect("pdf")
}

fn history(env: &Env, account: &str) -> Vec<Value> {
    json(env, &["show", account, "--json"])
        .as_array()
        .expect("array")
        .clone()
}

fn audit(env: &Env, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["audit", "--format", "json"];
    args.extend_from_slice(extra);
    json(env, &args).as_array().expect("array").clone()
}

fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["kind"].as_str().expect("kind").to_owned())
        .collect()
}

/// Sets a column of the account's current generation directly in the ledger
/// (for states the tool itself refuses to make, like an inventory date in the past).
fn set_current(env: &Env, account: &str, column: &str, value: &str) {
    if let Some(db) = &env.pg {
        // A trusted test value as an untyped literal: the server casts it.
        crate::pg::client(&db.url)
            .batch_execute(&format!(
                "UPDATE recovery_sheet.generations SET {column} = '{value}'
                 WHERE account = '{account}' AND status = 'current'"
            ))
            .expect("update");
        return;
    }
    let conn = rusqlite::Connection::open(env.ledger()).expect("ledger");
    conn.execute(
        &format!("UPDATE generations SET {column} = ?2 WHERE account = ?1 AND status = 'current'"),
        (account, value),
    )
    .expect("update");
}

fn a_regeneration_carries_over_what_the_last_sheet_was_printed_with(env: Env) {
    ok(&run(
        &env,
        &[
            "generate",
            "--account",
            "a@example.com",
            "--location",
            "金庫 2F",
            "--custodian",
            "佐藤",
            "--copies",
            "2",
            "--lang",
            "ja",
            "--paper",
            "letter",
            "-o",
            "first.pdf",
        ],
    ));
    let err = ok(&run(
        &env,
        &[
            "generate",
            "--account",
            "a@example.com",
            "--regenerate",
            "-o",
            "second.pdf",
        ],
    ));
    assert!(
        err.contains("carried over from generation 1")
            && err.contains("location \"金庫 2F\"")
            && err.contains("custodian \"佐藤\"")
            && err.contains("copies 2")
            && err.contains("language ja")
            && err.contains("paper letter"),
        "{err}"
    );
    let bytes = fs::read(env.work().join("second.pdf")).expect("pdf");
    let text = pdf_text(&bytes);
    assert!(text.contains("金庫 2F") && text.contains("佐藤"), "{text}");
    assert!(
        text.contains("保管場所"),
        "the Japanese wording was carried over: {text}"
    );
    // Two copies, each a page of Letter size.
    assert_eq!(pdf_page_count(&bytes), 2);
    let doc = lopdf::Document::load_mem(&bytes).expect("pdf");
    let page = doc.get_pages().into_values().next().expect("page");
    let media = doc
        .get_dictionary(page)
        .and_then(|d| d.get(b"MediaBox"))
        .and_then(|m| m.as_array())
        .expect("MediaBox")
        .clone();
    let width = media[2].as_float().expect("width");
    assert!(
        (width - 612.0).abs() < 1.0,
        "Letter is 612 pt wide, got {width}"
    );

    // A flag still wins, and so does the config.
    fs::create_dir_all(env.config().parent().unwrap()).expect("dir");
    fs::write(env.config(), "custodian = \"総務部\"\n").expect("config");
    let err = ok(&run(
        &env,
        &[
            "generate",
            "--account",
            "a@example.com",
            "--regenerate",
            "--location",
            "Safe, 3F",
            "-o",
            "third.pdf",
        ],
    ));
    assert!(!err.contains("location \""), "{err}");
    assert!(!err.contains("custodian \""), "{err}");
    let text = pdf_text(&fs::read(env.work().join("third.pdf")).expect("pdf"));
    assert!(
        text.contains("Safe, 3F") && text.contains("総務部"),
        "{text}"
    );
}

fn an_inventory_moves_the_date_on_and_a_different_count_is_a_recorded_warning(env: Env) {
    ok(&run(
        &env,
        &[
            "generate",
            "--account",
            "a@example.com",
            "--next-inventory",
            "2099-01-01",
        ],
    ));
    ok(&run(
        &env,
        &["mark-used", "a@example.com", "2", "--by", "佐藤"],
    ));
    let out = run(
        &env,
        &[
            "inventory",
            "a@example.com",
            "--by",
            "佐藤",
            "--codes-left",
            "8",
            "--location",
            "金庫 3F",
        ],
    );
    let err = ok(&out);
    assert!(
        err.contains("the paper has 8 code(s) left but the ledger 9"),
        "{err}"
    );
    let h = history(&env, "a@example.com");
    let next = h[0]["next_inventory"].as_str().expect("date");
    assert_ne!(next, "2099-01-01");
    let today = today();
    let expected = today
        .checked_add_months(chrono::Months::new(6))
        .expect("date")
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(next, expected);
    assert_eq!(h[0]["location"], "金庫 3F");
    let events = audit(&env, &[]);
    let inventory = events
        .iter()
        .find(|e| e["kind"] == "inventory")
        .expect("event");
    assert_eq!(inventory["by"], "佐藤");
    let detail = inventory["detail"].as_str().expect("detail");
    assert!(
        detail.contains("codes left on paper 8, in the ledger 9"),
        "{detail}"
    );
    assert!(detail.contains("金庫 3F"), "{detail}");
}

fn shredding_is_recorded_checked_and_counted(env: Env) {
    ok(&run(
        &env,
        &["generate", "--account", "a@example.com", "-o", "g1.pdf"],
    ));
    let first = history(&env, "a@example.com")[0]["set_id"]
        .as_str()
        .expect("id")
        .to_owned();
    ok(&run(
        &env,
        &[
            "generate",
            "--account",
            "a@example.com",
            "--regenerate",
            "-o",
            "g2.pdf",
        ],
    ));
    let list = json(&env, &["list", "--json"]);
    assert_eq!(list[0]["sheets_to_shred"], 1);
    let check = run(&env, &["check", &first]);
    assert_eq!(check.status.code(), Some(3));
    assert!(
        stdout_of(&check).contains("recovery-sheet shredded"),
        "{}",
        stdout_of(&check)
    );

    let current = history(&env, "a@example.com")[1]["set_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let refused = run(&env, &["shredded", &current, "--by", "佐藤"]);
    assert_eq!(refused.status.code(), Some(65), "{}", stderr_of(&refused));
    assert!(
        stderr_of(&refused).contains("is the current set"),
        "{}",
        stderr_of(&refused)
    );

    ok(&run(
        &env,
        &["shredded", &first.to_lowercase(), "--by", "佐藤"],
    ));
    let check = run(&env, &["check", &first]);
    assert_eq!(check.status.code(), Some(3));
    assert!(
        stdout_of(&check).contains("recorded as shredded") && stdout_of(&check).contains("佐藤"),
        "{}",
        stdout_of(&check)
    );
    let again = run(&env, &["shredded", &first, "--by", "佐藤"]);
    assert_eq!(again.status.code(), Some(65));
    assert!(stderr_of(&again).contains("already recorded as shredded"));
    assert_eq!(json(&env, &["list", "--json"])[0]["sheets_to_shred"], 0);
    assert!(kinds(&audit(&env, &[])).contains(&"shredded".to_owned()));
}

fn list_due_shows_only_what_needs_doing_and_exits_10(env: Env) {
    for account in ["fine@example.com", "overdue@example.com", "low@example.com"] {
        ok(&run(&env, &["generate", "--account", account]));
    }
    ok(&run(&env, &["generate", "--account", "old@example.com"]));
    ok(&run(
        &env,
        &["generate", "--account", "old@example.com", "--regenerate"],
    ));
    set_current(&env, "overdue@example.com", "next_inventory", "2020-01-01");
    for n in 1..=8 {
        ok(&run(
            &env,
            &["mark-used", "low@example.com", &n.to_string()],
        ));
    }
    let out = run(&env, &["list", "--due"]);
    assert_eq!(out.status.code(), Some(10), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(!text.contains("fine@example.com"), "{text}");
    assert!(
        text.contains("inventory overdue since 2020-01-01"),
        "{text}"
    );
    assert!(text.contains("2 codes left"), "{text}");
    assert!(text.contains("1 old sheet(s) to shred"), "{text}");
    // The most urgent first: the overdue inventory before the old sheet.
    let overdue = text.find("overdue@example.com").expect("overdue");
    let old = text.find("old@example.com").expect("old");
    assert!(overdue < old, "{text}");
    // --json keeps --due's exit code: 10, something needs doing.
    let out = run(&env, &["list", "--due", "--json"]);
    assert_eq!(out.status.code(), Some(10), "{}", stderr_of(&out));
    let due: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(due.as_array().expect("array").len(), 3);
    // Nothing due: exit 0.
    let env2 = Env::new();
    ok(&run(&env2, &["generate", "--account", "fine@example.com"]));
    let out = run(&env2, &["list", "--due"]);
    assert_eq!(out.status.code(), Some(0));
}

fn corrections_are_possible_and_recorded(env: Env) {
    ok(&run(&env, &["generate", "--account", "a@example.com"]));
    ok(&run(
        &env,
        &["mark-used", "a@example.com", "3", "--by", "佐藤"],
    ));
    ok(&run(
        &env,
        &["mark-used", "a@example.com", "3", "--undo", "--by", "佐藤"],
    ));
    assert_eq!(
        history(&env, "a@example.com")[0]["used"],
        Value::Array(Vec::new())
    );
    let not_used = run(&env, &["mark-used", "a@example.com", "3", "--undo"]);
    assert_eq!(not_used.status.code(), Some(65));

    // Revoke and retire ask first; without a terminal, --yes is needed.
    let refused = run(&env, &["revoke", "a@example.com"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr_of(&refused));
    assert!(stderr_of(&refused).contains("--yes"));
    assert_eq!(history(&env, "a@example.com")[0]["status"], "current");
    ok(&run(
        &env,
        &["revoke", "a@example.com", "--yes", "--by", "佐藤"],
    ));

    ok(&run(
        &env,
        &[
            "rename",
            "a@example.com",
            "store@example.com",
            "--by",
            "佐藤",
        ],
    ));
    assert_eq!(
        run(&env, &["show", "a@example.com"]).status.code(),
        Some(65)
    );
    assert_eq!(history(&env, "store@example.com").len(), 1);
    let taken = Env::new();
    ok(&run(&taken, &["generate", "--account", "x@example.com"]));
    ok(&run(&taken, &["generate", "--account", "y@example.com"]));
    let clash = run(&taken, &["rename", "x@example.com", "Y@Example.com"]);
    assert_eq!(clash.status.code(), Some(65), "{}", stderr_of(&clash));

    ok(&run(&env, &["generate", "--account", "store@example.com"]));
    assert_eq!(
        run(&env, &["retire", "store@example.com"]).status.code(),
        Some(2)
    );
    ok(&run(
        &env,
        &["retire", "store@example.com", "--yes", "--by", "佐藤"],
    ));
    let list = json(&env, &["list", "--json"]);
    assert!(list[0]["retired_at"].is_string());
    assert_eq!(list[0]["status"], "revoked");

    // The audit trail of the renamed account holds its events under the old name too.
    let events = audit(&env, &["--account", "store@example.com"]);
    let k = kinds(&events);
    for kind in [
        "issued",
        "code_used",
        "code_use_undone",
        "revoked",
        "renamed",
        "retired",
    ] {
        assert!(k.contains(&kind.to_owned()), "{kind} in {k:?}");
    }
    assert!(events.iter().any(|e| e["account"] == "a@example.com"));
    let used = events
        .iter()
        .find(|e| e["kind"] == "code_used")
        .expect("used");
    assert_eq!(used["by"], "佐藤");
    assert_eq!(used["number"], 3);
    assert!(!used["os_user"].as_str().expect("user").is_empty());
    assert_eq!(used["tool_version"], env!("CARGO_PKG_VERSION"));
}

fn an_address_written_differently_is_the_same_account(env: Env) {
    ok(&run(
        &env,
        &[
            "generate",
            "--account",
            "Sato.Shop@Gmail.com",
            "-o",
            "a.pdf",
        ],
    ));
    let first = history(&env, "Sato.Shop@Gmail.com")[0]["set_id"]
        .as_str()
        .expect("id")
        .to_owned();
    // Without --regenerate it is refused as the existing account's.
    let refused = run(&env, &["generate", "--account", "sato.shop@gmail.com"]);
    assert_eq!(refused.status.code(), Some(65), "{}", stderr_of(&refused));
    let err = ok(&run(
        &env,
        &[
            "generate",
            "--account",
            "ｓａｔｏ.ｓｈｏｐ@gmail.com",
            "--regenerate",
            "-o",
            "b.pdf",
        ],
    ));
    assert!(
        err.contains("using the existing account `Sato.Shop@Gmail.com`"),
        "{err}"
    );
    let text = pdf_text(&fs::read(env.work().join("b.pdf")).expect("pdf"));
    assert!(
        text.contains(&first),
        "the new sheet names the old set to destroy: {text}"
    );
    assert!(text.contains("Sato.Shop@Gmail.com"), "{text}");
    let list = json(&env, &["list", "--json"]);
    assert_eq!(list.as_array().expect("array").len(), 1);
    // A name that is not an address keeps its case apart.
    ok(&run(&env, &["generate", "--account", "Shop"]));
    ok(&run(&env, &["generate", "--account", "shop"]));
    assert_eq!(
        json(&env, &["list", "--json"])
            .as_array()
            .expect("array")
            .len(),
        3
    );
}

fn dates_are_read_as_offices_write_them_and_the_past_is_refused(env: Env) {
    for (account, typed) in [
        ("a", "2099/12/31"),
        ("b", "2099年12月31日"),
        ("c", "２０９９年１２月３１日"),
        ("d", "2099-12-31"),
    ] {
        ok(&run(
            &env,
            &["generate", "--account", account, "--next-inventory", typed],
        ));
        assert_eq!(
            history(&env, account)[0]["next_inventory"],
            "2099-12-31",
            "{typed}"
        );
    }
    let before = env.work_files();
    let past = run(
        &env,
        &[
            "generate",
            "--account",
            "e",
            "--next-inventory",
            "2020-01-01",
        ],
    );
    assert_eq!(past.status.code(), Some(2), "{}", stderr_of(&past));
    assert!(
        stderr_of(&past).contains("is in the past"),
        "{}",
        stderr_of(&past)
    );
    assert_eq!(env.work_files(), before);
    let bad = run(&env, &["audit", "--since", "soon"]);
    assert_eq!(bad.status.code(), Some(2));
}

fn list_lines_up_japanese_and_shows_times_with_their_offset(env: Env) {
    ok(&run(
        &env,
        &["generate", "--account", "経理部共有アカウント"],
    ));
    ok(&run(&env, &["generate", "--account", "shop@example.com"]));
    let out = run(&env, &["list"]);
    let text = stdout_of(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    // The set ID column starts at the same terminal column on every line.
    let col = |line: &str, account: &str| {
        let id = history(&env, account)[0]["set_id"]
            .as_str()
            .expect("id")
            .to_owned();
        unicode_width_of(&line[..line.find(&id).expect("set id on the line")])
    };
    let shop = lines.iter().find(|l| l.starts_with("shop@")).expect("shop");
    let jp = lines.iter().find(|l| l.starts_with("経理部")).expect("jp");
    assert_eq!(
        col(shop, "shop@example.com"),
        col(jp, "経理部共有アカウント"),
        "{text}"
    );
    let header_col = unicode_width_of(&lines[0][..lines[0].find("SET ID").expect("header")]);
    assert_eq!(header_col, col(shop, "shop@example.com"), "{text}");
    assert!(text.contains("+09:00"), "times carry their offset: {text}");
    // A record made in another zone shows in the viewer's zone.
    set_current(
        &env,
        "shop@example.com",
        "issued_at",
        "2026-11-30T01:12:00+00:00",
    );
    let text = stdout_of(&run(&env, &["list"]));
    assert!(text.contains("2026-11-30 10:12 +09:00"), "{text}");
    let issued = &json(&env, &["list", "--json"])[0]["issued_at"];
    assert_eq!(issued, "2026-11-30T01:12:00+00:00");
}

/// Terminal columns of `s`: two for a wide (CJK) character.
fn unicode_width_of(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6) {
                2
            } else {
                1
            }
        })
        .sum()
}

fn default_file_names_keep_the_accounts_own_script(env: Env) {
    ok(&run(
        &env,
        &["generate", "--account", "経理部共有アカウント"],
    ));
    ok(&run(&env, &["generate", "--account", "総務部 / 共有"]));
    let names = env.work_files();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("経理部共有アカウント-gen1-")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("総務部-共有-gen1-")),
        "{names:?}"
    );
    let csv = "account\n経理部\n総務部\n";
    fs::write(env.work().join("a.csv"), csv).expect("csv");
    ok(&run(&env, &["batch", "a.csv", "--out-dir", "out"]));
    let out = files_in(&env.work().join("out"));
    assert!(out.iter().any(|n| n.starts_with("経理部-gen1-")), "{out:?}");
    assert!(out.iter().any(|n| n.starts_with("総務部-gen1-")), "{out:?}");
    let _ = sheet_named(&env, "経理部共有アカウント");
}

fn the_audit_trail_exports_as_excel_opens_it(env: Env) {
    ok(&run(
        &env,
        &["generate", "--account", "経理部共有アカウント"],
    ));
    ok(&run(
        &env,
        &["mark-used", "経理部共有アカウント", "1", "--by", "佐藤"],
    ));
    let out = run(&env, &["audit"]);
    ok(&out);
    assert!(
        out.stdout.starts_with(b"\xEF\xBB\xBF"),
        "CSV starts with a byte-order mark"
    );
    let text = String::from_utf8(out.stdout[3..].to_vec()).expect("UTF-8");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "id,at,event,account,set_id,generation,code_number,by,os_user,db_role,tool_version,detail"
        )
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows[0].contains(",issued,経理部共有アカウント,"), "{text}");
    assert!(rows[1].contains(",code_used,経理部共有アカウント,") && rows[1].contains(",1,佐藤,"));
    // --since a date after everything: nothing.
    let later = run(
        &env,
        &["audit", "--since", "2099/01/01", "--format", "json"],
    );
    assert_eq!(stdout_of(&later).trim(), "[]");
    // The trail is append-only: the ledger itself refuses to change an event.
    if let Some(db) = &env.pg {
        let mut client = crate::pg::client(&db.url);
        assert!(
            client
                .batch_execute("DELETE FROM recovery_sheet.events")
                .is_err()
        );
        assert!(
            client
                .batch_execute("UPDATE recovery_sheet.events SET by_name = 'x'")
                .is_err()
        );
    } else {
        let conn = rusqlite::Connection::open(env.ledger()).expect("ledger");
        assert!(conn.execute("DELETE FROM events", []).is_err());
        assert!(conn.execute("UPDATE events SET by_name = 'x'", []).is_err());
    }
}

#[test]
fn a_ledger_from_release_0_1_is_upgraded_in_place_with_a_copy_kept() {
    let env = Env::new();
    fs::create_dir_all(env.ledger().parent().unwrap()).expect("dir");
    let fixture = include_bytes!("../fixtures/ledger-schema1.db");
    fs::write(env.ledger(), fixture).expect("fixture");
    let list = json(&env, &["list", "--json"]);
    let accounts: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["account"].as_str().expect("account"))
        .collect();
    assert_eq!(accounts.len(), 3, "{accounts:?}");
    let mut copy = env.ledger().into_os_string();
    copy.push(".schema1.bak");
    assert_eq!(fs::read(&copy).expect("the copy kept beside it"), fixture);
    let h = history(&env, "shop@example.com");
    assert_eq!(h.len(), 2);
    assert_eq!(h[0]["status"], "superseded");
    assert_eq!(h[1]["status"], "current");
    assert_eq!(h[1]["copies"], 2);
    assert_eq!(h[1]["location"], "Safe, 2F");
    let used: Vec<(u64, Value)> = h[1]["used"]
        .as_array()
        .expect("used")
        .iter()
        .map(|u| (u["number"].as_u64().expect("n"), u["by"].clone()))
        .collect();
    assert_eq!(used, [(3, Value::from("K. Sato")), (5, Value::Null)]);
    assert_eq!(history(&env, "old-service")[0]["status"], "revoked");
    assert_eq!(
        history(&env, "経理部共有アカウント")[0]["source"],
        "import:google"
    );
    // What the old ledger held became its first events.
    let k = kinds(&audit(&env, &[]));
    assert_eq!(k.iter().filter(|k| *k == "issued").count(), 4, "{k:?}");
    assert_eq!(k.iter().filter(|k| *k == "code_used").count(), 2, "{k:?}");
    assert!(k.contains(&"superseded".to_owned()) && k.contains(&"revoked".to_owned()));
    // And it goes on working: a regeneration carries over and supersedes.
    let err = ok(&run(
        &env,
        &["generate", "--account", "shop@example.com", "--regenerate"],
    ));
    assert!(err.contains("carried over from generation 2"), "{err}");
    assert_eq!(history(&env, "shop@example.com").len(), 3);
}

/// A run that died before its sheet was placed leaves a pending generation:
/// the next command records it as never printed, and every report says so
/// (`list`, `list --due`, `show`, `check`), with what to do.
fn a_generation_never_printed_is_reported_everywhere(env: Env) {
    let out = run(
        &env,
        &["generate", "--account", "np@example.com", "-o", "np.pdf"],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    fs::remove_file(env.work().join("np.pdf")).expect("remove");
    // The state a killed run leaves (its placements were never recorded).
    set_current(&env, "np@example.com", "status", "pending");
    let list = run(&env, &["list"]);
    assert!(list.status.success(), "{}", stderr_of(&list));
    assert!(
        stderr_of(&list).contains("never printed np@example.com generation 1"),
        "{}",
        stderr_of(&list)
    );
    assert!(
        stdout_of(&list).contains("never printed"),
        "{}",
        stdout_of(&list)
    );
    let due = run(&env, &["list", "--due"]);
    assert_eq!(due.status.code(), Some(10), "{}", stderr_of(&due));
    assert!(
        stdout_of(&due).contains("1 set(s) never printed: check no sheet of it exists"),
        "{}",
        stdout_of(&due)
    );
    let show = run(&env, &["show", "np@example.com", "--json"]);
    let history: Value = serde_json::from_slice(&show.stdout).expect("JSON");
    assert_eq!(history[0]["status"], "unprinted", "{history}");
    let set_id = history[0]["set_id"].as_str().expect("set id").to_owned();
    let check = run(&env, &["check", &set_id]);
    assert_eq!(check.status.code(), Some(3), "{}", stderr_of(&check));
    assert!(
        stdout_of(&check).starts_with("never printed: set ")
            && stdout_of(&check).contains("destroy it; once it is shredded, record it"),
        "{}",
        stdout_of(&check)
    );
    // The audit trail says it too.
    assert!(kinds(&audit(&env, &[])).contains(&"never_printed".to_owned()));
    // A new sheet for the account is a first sheet again, no regenerate needed.
    let again = run(
        &env,
        &["generate", "--account", "np@example.com", "-o", "np2.pdf"],
    );
    assert!(again.status.success(), "{}", stderr_of(&again));
}

/// The config's organisation and inventory interval reach the ledger; a
/// regeneration carries the organisation over even once the config no
/// longer names it (what the last sheet said stays true until changed).
fn the_configs_organisation_and_inventory_interval_are_recorded_and_carried(env: Env) {
    let config = env.config();
    fs::create_dir_all(config.parent().expect("config folder")).expect("mkdir");
    fs::write(
        &config,
        "organisation = \"株式会社サンプル\"\ninventory_months = 3\n",
    )
    .expect("config");
    let out = run(
        &env,
        &["generate", "--account", "org@example.com", "-o", "o1.pdf"],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let first = &history(&env, "org@example.com")[0];
    assert_eq!(first["organisation"], "株式会社サンプル", "{first}");
    let issued = chrono::DateTime::parse_from_rfc3339(first["issued_at"].as_str().expect("issued"))
        .expect("issued");
    let due = issued
        .date_naive()
        .checked_add_months(chrono::Months::new(3))
        .expect("a date");
    assert_eq!(
        first["next_inventory"],
        due.format("%Y-%m-%d").to_string(),
        "{first}"
    );
    fs::write(&config, "").expect("config");
    let out = run(
        &env,
        &[
            "generate",
            "--account",
            "org@example.com",
            "--regenerate",
            "-o",
            "o2.pdf",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let second = &history(&env, "org@example.com")[1];
    assert_eq!(second["organisation"], "株式会社サンプル", "{second}");
    let text = pdf_text(&fs::read(env.work().join("o2.pdf")).expect("read"));
    assert!(text.contains("株式会社サンプル"), "{text}");
}

// The life after printing on a SQLite file and on a PostgreSQL database.
crate::pg::on_both_ledgers!(
    the_configs_organisation_and_inventory_interval_are_recorded_and_carried,
    a_generation_never_printed_is_reported_everywhere,
    a_regeneration_carries_over_what_the_last_sheet_was_printed_with,
    an_inventory_moves_the_date_on_and_a_different_count_is_a_recorded_warning,
    shredding_is_recorded_checked_and_counted,
    list_due_shows_only_what_needs_doing_and_exits_10,
    corrections_are_possible_and_recorded,
    an_address_written_differently_is_the_same_account,
    dates_are_read_as_offices_write_them_and_the_past_is_refused,
    list_lines_up_japanese_and_shows_times_with_their_offset,
    default_file_names_keep_the_accounts_own_script,
    the_audit_trail_exports_as_excel_opens_it,
);
