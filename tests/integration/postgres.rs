//! Issue 15, a team ledger on PostgreSQL, end to end: many processes at once, the server going away, logins refused, databases that are not ours, passwords never shown, and `ledger copy` both ways.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;
use crate::pg::{self, on_both_ledgers};

on_both_ledgers!(thirty_processes_mark_different_codes_used_at_once);

fn run(env: &Env, args: &[&str]) -> Output {
    env.cmd().args(args).output().expect("run")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {}", stdout_of(out)))
}

/// Asserts the exit code and one error line on stderr holding every needle.
fn assert_error(out: &Output, code: i32, needles: &[&str]) -> String {
    let stderr = stderr_of(out);
    assert_eq!(out.status.code(), Some(code), "exit code; stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {stderr}");
    assert!(lines[0].starts_with("recovery-sheet: error: "), "{stderr}");
    for needle in needles {
        assert!(lines[0].contains(needle), "`{needle}` in `{}`", lines[0]);
    }
    stderr
}

fn thirty_processes_mark_different_codes_used_at_once(env: Env) {
    let out = run(
        &env,
        &[
            "generate",
            "--account",
            "shared@example.com",
            "--count",
            "30",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let children: Vec<_> = (1..=30)
        .map(|n| {
            env.std_cmd()
                .args(["mark-used", "shared@example.com", &n.to_string()])
                .args(["--by", &format!("admin {n}")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    let history = json(&run(&env, &["show", "shared@example.com", "--json"]));
    let used: Vec<(u64, String)> = history[0]["used"]
        .as_array()
        .expect("used")
        .iter()
        .map(|u| {
            (
                u["number"].as_u64().expect("number"),
                u["by"].as_str().expect("by").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(u64, String)> = (1..=30).map(|n| (n, format!("admin {n}"))).collect();
    assert_eq!(used, expected, "no use lost, none twice");
}

/// A ledger URL on the test server with its password replaced.
fn with_password(url: &str, password: &str) -> Option<String> {
    let real = pg::var("RECOVERY_SHEET_TEST_PG_PASSWORD")?;
    Some(url.replace(&real, password))
}

/// An environment whose ledger is `url`.
fn env_at(url: &str) -> Env {
    let env = Env::new();
    fs::write(env.root.path().join("url"), url).expect("write");
    env
}

fn cmd_at(env: &Env, url: &str) -> Command {
    let mut cmd = env.std_cmd();
    cmd.env("RECOVERY_SHEET_LEDGER", url);
    cmd
}

/// Nothing in the working folder: no sheet, no hidden staged file.
fn assert_nothing_written(env: &Env, what: &str) {
    assert_eq!(env.work_files(), Vec::<String>::new(), "{what}");
}

#[test]
fn a_server_that_refuses_connections_is_exit_69_and_nothing_is_written() {
    let env = Env::new();
    let url = "postgresql://rs_test:hunter2secret@127.0.0.1:1/ledger?sslmode=disable";
    for args in [
        vec!["generate", "--account", "a@example.com"],
        vec!["list"],
        vec!["mark-used", "a@example.com", "1"],
    ] {
        let out = cmd_at(&env, url).args(&args).output().expect("run");
        let stderr = assert_error(&out, 69, &["127.0.0.1", "is the server running"]);
        assert!(!stderr.contains("hunter2secret"), "{stderr}");
        assert_nothing_written(&env, &format!("{args:?}"));
    }
}

#[test]
fn a_wrong_password_is_exit_77_and_never_shown() {
    let Some(server) = pg::server() else { return };
    let Some(url) = with_password(&server, "wrong-password-42") else {
        return;
    };
    let env = env_at(&url);
    let out = cmd_at(&env, &url)
        .args(["generate", "--account", "a@example.com"])
        .output()
        .expect("run");
    let stderr = assert_error(&out, 77, &["refused user `rs_test`", "connection string"]);
    assert!(!stderr.contains("wrong-password-42"), "{stderr}");
    assert_nothing_written(&env, "wrong password");
}

#[test]
fn a_database_of_another_program_is_refused_with_nothing_written() {
    let Some(foreign) = pg::var("RECOVERY_SHEET_TEST_PG_FOREIGN_URL") else {
        return;
    };
    let env = Env::new();
    let before = pg::client(&foreign)
        .query("SELECT t::text FROM public.invoices t", &[])
        .expect("invoices")
        .len();
    for args in [vec!["generate", "--account", "a@example.com"], vec!["list"]] {
        let out = cmd_at(&env, &foreign).args(&args).output().expect("run");
        assert_error(&out, 65, &["another program", "nothing was written"]);
    }
    assert_nothing_written(&env, "foreign database");
    let mut c = pg::client(&foreign);
    let ours: bool = c
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'recovery_sheet')",
            &[],
        )
        .expect("query")
        .get(0);
    assert!(!ours, "no schema was made in another program's database");
    let after = c
        .query("SELECT t::text FROM public.invoices t", &[])
        .expect("invoices")
        .len();
    assert_eq!(after, before);
}

#[test]
fn a_newer_schema_is_refused_with_nothing_written() {
    let Some(env) = Env::postgres() else { return };
    let out = run(&env, &["generate", "--account", "a@example.com"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let url = env.pg.as_ref().expect("pg").url.clone();
    pg::client(&url)
        .batch_execute("UPDATE recovery_sheet.schema_version SET version = 5, compatible_from = 5")
        .expect("a newer tool's marker");
    let rows = env.ledger_files();
    let files = env.work_files();
    for args in [
        vec!["generate", "--account", "b@example.com"],
        vec!["generate", "--account", "a@example.com", "--regenerate"],
        vec!["mark-used", "a@example.com", "1"],
        vec!["list"],
    ] {
        let out = run(&env, &args);
        assert_error(&out, 65, &["newer recovery-sheet", "schema 5", "upgrade"]);
    }
    assert!(env.ledger_files() == rows, "the ledger changed");
    assert_eq!(env.work_files(), files);
}

#[test]
fn passwords_never_appear_in_config_show_verbose_output_or_errors() {
    let Some(tls) = pg::var("RECOVERY_SHEET_TEST_PG_TLS") else {
        return;
    };
    let Some(password) = pg::var("RECOVERY_SHEET_TEST_PG_PASSWORD") else {
        return;
    };
    let Some(env) = Env::postgres() else { return };
    let url = pg::with_db(&tls, &env.pg.as_ref().expect("pg").name);
    let mut outputs = Vec::new();
    for args in [
        vec!["config", "show"],
        vec!["config", "show", "--json"],
        vec!["-v", "generate", "--account", "a@example.com"],
        vec!["-v", "list"],
        vec!["-v", "show", "a@example.com"],
        vec!["-v", "mark-used", "a@example.com", "99"],
        vec!["-v", "generate", "--account", "a@example.com"],
    ] {
        let out = cmd_at(&env, &url).args(&args).output().expect("run");
        outputs.push((args, out));
    }
    // A config file holding the URL, and a bad URL.
    fs::create_dir_all(env.config().parent().expect("folder")).expect("mkdir");
    fs::write(env.config(), format!("ledger = \"{url}\"\n")).expect("config");
    let mut cmd = env.std_cmd();
    cmd.env_remove("RECOVERY_SHEET_LEDGER");
    let out = cmd.args(["config", "show"]).output().expect("run");
    assert!(stdout_of(&out).contains("********"), "{}", stdout_of(&out));
    outputs.push((vec!["config show (file)"], out));
    let mut cmd = env.std_cmd();
    cmd.env_remove("RECOVERY_SHEET_LEDGER");
    let out = cmd.args(["-v", "list"]).output().expect("run");
    assert!(
        out.status.success(),
        "the config's ledger: {}",
        stderr_of(&out)
    );
    outputs.push((vec!["-v list (file)"], out));
    let broken = url.replace("?sslmode", "?sslmode=verify-full&bogus");
    let out = cmd_at(&env, &broken).arg("list").output().expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    outputs.push((vec!["broken URL"], out));
    for (args, out) in &outputs {
        for text in [stdout_of(out), stderr_of(out)] {
            assert!(
                !text.contains(&password),
                "{args:?} shows the password: {text}"
            );
        }
    }
    let (_, verbose) = &outputs[2];
    assert!(
        stderr_of(verbose).contains("ledger postgresql://rs_test:********@localhost"),
        "{}",
        stderr_of(verbose)
    );
}

/// The generations of every account, as `list` and `show` report them.
fn all_history(env: &Env) -> Vec<Value> {
    let accounts = json(&run(env, &["list", "--json"]));
    accounts
        .as_array()
        .expect("array")
        .iter()
        .map(|a| {
            let name = a["account"].as_str().expect("account");
            json(&run(env, &["show", name, "--json"]))
        })
        .collect()
}

#[test]
fn ledger_copy_takes_a_whole_history_to_the_server_and_back() {
    let Some(server) = pg::server() else { return };
    let file_env = Env::new();
    for args in [
        vec!["generate", "--account", "a@example.com", "--count", "5"],
        vec!["generate", "--account", "a@example.com", "--regenerate"],
        vec!["generate", "--account", "b@example.com"],
        vec!["mark-used", "a@example.com", "3", "--by", "K. Sato"],
        vec!["revoke", "b@example.com", "--yes"],
        vec![
            "inventory",
            "a@example.com",
            "--by",
            "K. Sato",
            "--codes-left",
            "9",
        ],
        vec!["generate", "--account", "c@example.com"],
        vec!["retire", "c@example.com", "--by", "K. Sato", "--yes"],
    ] {
        let out = run(&file_env, &args);
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    }
    let db = pg::TestDatabase::create(&server);
    let file = file_env.ledger();
    let copy = |from: &str, to: &str, extra: &[&str]| {
        file_env
            .cmd()
            .args(["ledger", "copy", "--from", from, "--to", to])
            .args(extra)
            .output()
            .expect("run")
    };
    let out = copy(file.to_str().expect("path"), &db.url, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("copied 4 generations, 1 used codes"),
        "{}",
        stderr_of(&out)
    );
    let server_env = Env {
        root: tempfile::tempdir().expect("temp"),
        pg: None,
    };
    fs::create_dir_all(server_env.work()).expect("mkdir");
    let on_server = |args: &[&str]| {
        cmd_at(&server_env, &db.url)
            .args(args)
            .output()
            .expect("run")
    };
    let listed = |out: Output| json(&out);
    assert_eq!(
        listed(on_server(&["list", "--json"])),
        json(&run(&file_env, &["list", "--json"]))
    );
    for account in ["a@example.com", "b@example.com", "c@example.com"] {
        assert_eq!(
            listed(on_server(&["show", account, "--json"])),
            json(&run(&file_env, &["show", account, "--json"]))
        );
    }
    // The audit trail came along, event for event.
    assert_eq!(
        listed(on_server(&["audit", "--format", "json"])),
        json(&run(&file_env, &["audit", "--format", "json"]))
    );
    // Not into a ledger that holds something, unless asked.
    let out = copy(file.to_str().expect("path"), &db.url, &[]);
    assert_error(&out, 73, &["already holds a ledger", "never overwrites"]);
    let out = copy(file.to_str().expect("path"), &db.url, &["--replace"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no such flag: {}",
        stderr_of(&out)
    );
    assert_eq!(
        listed(on_server(&["audit", "--format", "json"])),
        json(&run(&file_env, &["audit", "--format", "json"])),
        "the server's audit trail is as it was"
    );
    // And back, for an offline copy.
    let offline = file_env.root.path().join("offline.db");
    let out = copy(&db.url, offline.to_str().expect("path"), &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let mut offline_env = Env::new();
    fs::copy(&offline, offline_env.ledger()).expect("copy");
    offline_env.pg = None;
    assert_eq!(all_history(&offline_env), all_history(&file_env));
    // The same ledger twice is refused.
    let out = copy(&db.url, &db.url, &[]);
    assert_error(&out, 2, &["same ledger"]);
    // Not while a sheet is being printed somewhere.
    pg::client(&db.url)
        .batch_execute(
            "INSERT INTO recovery_sheet.generations (account, account_key, generation, set_id,
                 issued_at, count, format, source, copies, status)
             VALUES ('c', 'c', 1, 'ZZZZ0001', '2025-01-01T00:00:00+00:00', 10, 'X', 'generated',
                 1, 'pending');
             INSERT INTO recovery_sheet.placements (set_id, role, host, path)
             VALUES ('ZZZZ0001', 'sheet', 'another-pc', '/x.pdf')",
        )
        .expect("a pending generation of another machine");
    let elsewhere = file_env.root.path().join("elsewhere.db");
    let out = copy(&db.url, elsewhere.to_str().expect("path"), &[]);
    assert_error(&out, 75, &["still being printed"]);
}

// ---------------------------------------------------------------------------
// The server stops mid-command.

/// A private throw-away cluster (`.ci/pg-start.sh`), so stopping it does
/// not disturb the other tests; removed on drop.
struct Cluster {
    vars: Vec<(String, String)>,
}

impl Cluster {
    fn start() -> Option<Cluster> {
        pg::var("RECOVERY_SHEET_TEST_PG_BIN")?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/pg-start.sh");
        let out = Command::new("sh")
            .arg(&script)
            .env("RECOVERY_SHEET_TEST_PG_PORT", "56432")
            .env("RECOVERY_SHEET_TEST_PG_FSYNC", "off")
            .output()
            .expect("run pg-start.sh");
        assert!(
            out.status.success(),
            "pg-start.sh: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let vars = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
            .collect();
        Some(Cluster { vars })
    }

    fn var(&self, name: &str) -> String {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("pg-start.sh printed no {name}"))
    }

    /// `pg_ctl ARGS` on this cluster, as the user that owns it.
    fn pg_ctl(&self, args: &[&str]) {
        let dir = self.var("RECOVERY_SHEET_TEST_PG_DIR");
        let pg_ctl = format!("{}/pg_ctl", self.var("RECOVERY_SHEET_TEST_PG_BIN"));
        let data = format!("{dir}/data");
        let log = format!("{dir}/server.log");
        let mut full = vec![pg_ctl.as_str(), "-D", &data, "-l", &log, "-w"];
        full.extend_from_slice(args);
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout == b"0\n");
        let status = if root {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .args(&full)
                .status()
        } else {
            Command::new(full[0]).args(&full[1..]).status()
        };
        assert!(status.expect("pg_ctl").success(), "pg_ctl {args:?}");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/pg-stop.sh");
        let _ = Command::new("sh")
            .arg(script)
            .arg(self.var("RECOVERY_SHEET_TEST_PG_DIR"))
            .env(
                "RECOVERY_SHEET_TEST_PG_BIN",
                self.var("RECOVERY_SHEET_TEST_PG_BIN"),
            )
            .output();
    }
}

/// Every sheet in `dir`: its set ID (from its document title).
fn sheet_ids(dir: &Path) -> BTreeSet<String> {
    files_in(dir)
        .into_iter()
        .map(|name| {
            assert!(
                !name.starts_with(".recovery-sheet"),
                "{name} left behind in {}",
                dir.display()
            );
            let bytes = fs::read(dir.join(&name)).expect("sheet");
            pdf_metadata(&bytes)
                .into_iter()
                .find(|(k, _)| k == "Title")
                .and_then(|(_, t)| t.strip_prefix("Recovery sheet ").map(str::to_owned))
                .unwrap_or_else(|| panic!("{name} is not a whole sheet"))
        })
        .collect()
}

#[test]
fn the_server_stopping_mid_batch_leaves_nothing_half_written() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.var("RECOVERY_SHEET_TEST_PG");
    let env = Env::new();
    let out_dir: PathBuf = env.work().join("sheets");
    let mut csv = String::from("account\n");
    for i in 0..400 {
        csv.push_str(&format!("staff{i:04}@example.com\n"));
    }
    fs::write(env.work().join("a.csv"), csv).expect("csv");
    let child = cmd_at(&env, &url)
        .args(["batch", "a.csv", "--out-dir", "sheets", "--jobs", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Stop the server once some sheets are recorded, while more are in flight.
    let started = Instant::now();
    while files_in(&out_dir)
        .iter()
        .filter(|f| f.ends_with(".pdf"))
        .count()
        < 5
    {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no sheets were made"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    cluster.pg_ctl(&["-m", "immediate", "stop"]);
    let out = child.wait_with_output().expect("wait");
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(69), "{stderr}");
    assert!(
        stderr.contains("was lost") || stderr.contains("cannot connect"),
        "{stderr}"
    );
    assert!(!stderr.contains(&cluster.var("RECOVERY_SHEET_TEST_PG_PASSWORD")));

    // While it is down: a clear refusal.
    let out = cmd_at(&env, &url).arg("list").output().expect("run");
    assert_eq!(out.status.code(), Some(69), "{}", stderr_of(&out));

    cluster.pg_ctl(&["-t", "600", "start"]);
    // The next run on this machine finishes or undoes what was in flight.
    let mut listed = None;
    for _ in 0..300 {
        let out = cmd_at(&env, &url)
            .args(["list", "--json"])
            .output()
            .expect("run");
        if out.status.success() {
            listed = Some(out);
            break;
        }
        // 75: still recovering; 69 until it listens again.
        std::thread::sleep(Duration::from_millis(100));
    }
    let listed = listed.expect("the server came back");
    let rows = json(&listed);
    let recorded: BTreeSet<String> = rows
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["status"] == "current")
        .map(|r| r["set_id"].as_str().expect("set_id").to_owned())
        .collect();
    let on_disk = sheet_ids(&out_dir);
    assert!(!on_disk.is_empty());
    assert_eq!(
        on_disk, recorded,
        "every sheet has its current generation, and every current generation its sheet"
    );
    let pending: i64 = pg::client(&url)
        .query_one(
            "SELECT count(*) FROM recovery_sheet.generations WHERE status = 'pending'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(pending, 0, "nothing left pending");
}

/// What opening the server warns about is said whether the ledger already
/// exists or the first sheet creates it.
#[test]
fn connection_warnings_are_shown_when_the_first_sheet_creates_the_ledger() {
    let Some(env) = Env::postgres() else { return };
    let warning = "PGSSLCERT is set but not supported by recovery-sheet: it was ignored";
    let out = env
        .cmd()
        .env("PGSSLCERT", "/nonexistent/client.crt")
        .args(["generate", "--account", "w@example.com", "-o", "w.pdf"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains(warning), "{}", stderr_of(&out));
    let out = env
        .cmd()
        .env("PGSSLCERT", "/nonexistent/client.crt")
        .arg("list")
        .output()
        .expect("run");
    assert!(stderr_of(&out).contains(warning), "{}", stderr_of(&out));
}
