//! Issue 11, "nothing lost, nothing left behind": real processes of every writing command killed (SIGKILL) at random instants, and the promise checked after the next run.
//!
//! After each kill, one ordinary command runs on the same ledger and folders
//! (`list`, or `verify` for a verifier), as a user's next step would; then:
//! - no hidden file of the tool is left in any output folder, and every file
//!   that holds codes (a sheet) or hashes of them (a verifier) belongs to a
//!   generation the ledger records as printed;
//! - every printed generation made into a folder by its default name has
//!   its sheet there, and nothing is left pending;
//! - a fixed name replaced with `--force` holds the sheet (and verifier) of
//!   the account's current generation: old or new, the ledger agrees;
//! - a verifier file is whole, and a code it accepted once it never accepts again.
//!
//! `RECOVERY_SHEET_KILLS` sets the kills per scenario (default 30: about 200
//! kills in all, a few minutes in a debug build; at least a third of the
//! runs of each scenario must be killed before they end).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;
use crate::pg::on_both_ledgers;

// The promise holds on a shared ledger too: the same kills against the test
// PostgreSQL server (a killed client's session, and its writer lock, end with it).
on_both_ledgers!(
    generate_killed_at_random_keeps_its_promise,
    generate_with_force_over_a_fixed_name_keeps_old_or_new,
);

fn kills() -> usize {
    std::env::var("RECOVERY_SHEET_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
}

/// A small deterministic generator for the kill instants (xorshift), so a
/// failing run can be told apart from timing noise by its seed.
struct Instants(u64);

impl Instants {
    fn next_below(&mut self, bound: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let nanos = bound.as_nanos().max(1) as u64;
        Duration::from_nanos(self.0 % nanos)
    }
}

/// Runs `cmd` to the end (for setup), asserting success.
fn run_ok(mut cmd: Command, stdin: Option<&[u8]>) {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    if let Some(bytes) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(bytes)
            .expect("write stdin");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "setup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How a run started by [`kill_after`] ended.
enum Ended {
    Killed,
    /// Done on its own before the kill, after this long.
    ByItself(Duration),
}

/// Starts `cmd` and kills it after `after` if it is still running.
fn kill_after(mut cmd: Command, stdin: Option<&[u8]>, after: Duration) -> Ended {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn");
    if let Some(bytes) = stdin {
        // The process may already be gone: a broken pipe is fine.
        let _ = child.stdin.take().expect("stdin").write_all(bytes);
    }
    drop(child.stdin.take());
    let started = Instant::now();
    while started.elapsed() < after {
        if child.try_wait().expect("try_wait").is_some() {
            return Ended::ByItself(started.elapsed());
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let killed = child.kill().is_ok(); // SIGKILL
    let _ = child.wait();
    if killed {
        Ended::Killed
    } else {
        Ended::ByItself(started.elapsed())
    }
}

/// Chooses the kill instants and counts the kills that hit a running
/// process, and checks at the end that most did: a test whose processes all
/// finished first would prove nothing.
struct Tally {
    killed: usize,
    runs: usize,
    /// Kills land at a random instant below this: a typical run's length,
    /// shortened to any run that ended by itself sooner (a run timed while
    /// the machine was busier would put most kills after the end).
    window: Duration,
}

impl Tally {
    fn new(typical: Duration) -> Tally {
        Tally {
            killed: 0,
            runs: 0,
            window: typical,
        }
    }

    /// When to kill the next run.
    fn instant(&self, at: &mut Instants) -> Duration {
        at.next_below(self.window)
    }

    fn add(&mut self, ended: Ended) {
        self.runs += 1;
        match ended {
            Ended::Killed => self.killed += 1,
            Ended::ByItself(took) => self.window = self.window.min(took),
        }
    }

    fn check(&self, scenario: &str) {
        assert!(
            self.killed * 3 >= self.runs,
            "{scenario}: only {} of {} runs were killed before they ended",
            self.killed,
            self.runs
        );
        eprintln!(
            "{scenario}: {} of {} runs killed mid-way",
            self.killed, self.runs
        );
    }
}

/// How long one uninterrupted run takes (the median of three), so kill
/// instants cover the whole of a run. Whether it succeeds does not matter.
fn typical_run(make: &dyn Fn() -> Command, stdin: Option<&[u8]>) -> Duration {
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            let started = Instant::now();
            let mut cmd = make();
            cmd.stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let mut child = cmd.spawn().expect("spawn");
            if let Some(bytes) = stdin {
                let _ = child.stdin.take().expect("stdin").write_all(bytes);
            }
            drop(child.stdin.take());
            child.wait().expect("wait");
            started.elapsed()
        })
        .collect();
    times.sort();
    times[1]
}

/// Every generation in the ledger: set ID -> (account, status).
fn generations(env: &Env) -> BTreeMap<String, (String, String)> {
    if let Some(db) = &env.pg {
        return crate::pg::client(&db.url)
            .query(
                "SELECT set_id, account, status FROM recovery_sheet.generations",
                &[],
            )
            .expect("generations")
            .iter()
            .map(|r| {
                let id: String = r.get(0);
                (format!("{}-{}", &id[..4], &id[4..]), (r.get(1), r.get(2)))
            })
            .collect();
    }
    let conn = rusqlite::Connection::open(env.ledger()).expect("ledger");
    let mut stmt = conn
        .prepare("SELECT set_id, account, status FROM generations")
        .expect("query");
    stmt.query_map([], |r| {
        let id: String = r.get(0)?;
        Ok((format!("{}-{}", &id[..4], &id[4..]), (r.get(1)?, r.get(2)?)))
    })
    .expect("rows")
    .collect::<Result<_, _>>()
    .expect("rows")
}

fn current_of(gens: &BTreeMap<String, (String, String)>, account: &str) -> Option<String> {
    gens.iter()
        .find(|(_, (a, s))| a == account && s == "current")
        .map(|(id, _)| id.clone())
}

/// The set ID a sheet names in its document title.
fn sheet_set_id(path: &Path) -> String {
    let bytes = fs::read(path).expect("sheet");
    pdf_metadata(&bytes)
        .into_iter()
        .find(|(k, _)| k == "Title")
        .and_then(|(_, t)| t.strip_prefix("Recovery sheet ").map(str::to_owned))
        .unwrap_or_else(|| panic!("{} is not a whole sheet", path.display()))
}

/// The set ID a verifier file is for (and that it parses whole).
fn verifier_set_id(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("verifier");
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not whole: {e}", path.display()));
    let id = v["set_id"].as_str().expect("set_id").to_owned();
    if id.contains('-') {
        id
    } else {
        format!("{}-{}", &id[..4], &id[4..])
    }
}

const PRINTED: [&str; 3] = ["current", "superseded", "revoked"];

/// The promise, checked in `dirs` after the next run.
fn check_promise(env: &Env, dirs: &[PathBuf], context: &str) {
    let gens = generations(env);
    for (id, (account, status)) in &gens {
        assert_ne!(status, "pending", "{context}: {account} {id} left pending");
    }
    for dir in dirs {
        for name in files_in(dir) {
            let path = dir.join(&name);
            assert!(
                !name.starts_with(".recovery-sheet"),
                "{context}: {} left behind",
                path.display()
            );
            let id = if name.ends_with(".pdf") {
                sheet_set_id(&path)
            } else if name.ends_with(".json") {
                verifier_set_id(&path)
            } else {
                continue;
            };
            let status = gens.get(&id).map(|(_, s)| s.as_str());
            assert!(
                status.is_some_and(|s| PRINTED.contains(&s)),
                "{context}: {} holds set {id}, which the ledger has as {status:?}",
                path.display()
            );
        }
    }
}

/// Every printed generation of `accounts` has its default-named sheet in `dir`.
fn check_default_sheets(env: &Env, dir: &Path, accounts: &[&str], context: &str) {
    let names = files_in(dir);
    for (id, (account, status)) in generations(env) {
        if !accounts.contains(&account.as_str()) || !PRINTED.contains(&status.as_str()) {
            continue;
        }
        assert!(
            names.iter().any(|n| n.ends_with(&format!("-{id}.pdf"))),
            "{context}: {account} set {id} is recorded as {status}, but its sheet is not in {}",
            dir.display()
        );
    }
}

/// The fixed name holds the current generation's sheet.
fn check_fixed(env: &Env, sheet: &Path, verifier: Option<&Path>, account: &str, context: &str) {
    let gens = generations(env);
    let current = current_of(&gens, account);
    let on_disk = sheet.exists().then(|| sheet_set_id(sheet));
    assert_eq!(
        on_disk,
        current,
        "{context}: {} and the ledger disagree",
        sheet.display()
    );
    if let Some(v) = verifier {
        let on_disk = v.exists().then(|| verifier_set_id(v));
        assert_eq!(
            on_disk,
            current,
            "{context}: {} and the ledger disagree",
            v.display()
        );
    }
}

/// The next run a user makes: `list` (which finishes or undoes what the
/// killed run left pending).
fn next_run(env: &Env) {
    let out = env
        .std_cmd()
        .args(["list", "--json"])
        .output()
        .expect("list");
    assert!(
        out.status.success(),
        "list after a kill: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn generate_killed_at_random_keeps_its_promise(env: Env) {
    let make = || {
        let mut cmd = env.std_cmd();
        cmd.args([
            "-q",
            "generate",
            "--account",
            "a@example.com",
            "--regenerate",
        ]);
        cmd
    };
    let typical = typical_run(&make, None);
    let mut tally = Tally::new(typical);
    let mut at = Instants(0x9e37_79b9_7f4a_7c15);
    for i in 0..kills() {
        let after = tally.instant(&mut at);
        tally.add(kill_after(make(), None, after));
        next_run(&env);
        let context = format!("generate, kill {i}");
        check_promise(&env, &[env.work()], &context);
        check_default_sheets(&env, &env.work(), &["a@example.com"], &context);
    }
    tally.check("generate_killed_at_random_keeps_its_promise");
}

fn generate_with_force_over_a_fixed_name_keeps_old_or_new(env: Env) {
    let make = || {
        let mut cmd = env.std_cmd();
        cmd.args([
            "-q",
            "generate",
            "--account",
            "b@example.com",
            "--regenerate",
            "--force",
            "-o",
            "fixed.pdf",
            "--verifier",
            "fixed.verifier.json",
            "--verifier-memory",
            "19456",
        ]);
        cmd
    };
    let typical = typical_run(&make, None);
    let mut tally = Tally::new(typical);
    let mut at = Instants(0x2545_f491_4f6c_dd1d);
    for i in 0..kills() {
        let after = tally.instant(&mut at);
        tally.add(kill_after(make(), None, after));
        next_run(&env);
        let context = format!("generate --force, kill {i}");
        check_promise(&env, &[env.work()], &context);
        check_fixed(
            &env,
            &env.work().join("fixed.pdf"),
            Some(&env.work().join("fixed.verifier.json")),
            "b@example.com",
            &context,
        );
    }
    tally.check("generate_with_force_over_a_fixed_name_keeps_old_or_new");
}

#[test]
fn import_killed_at_random_keeps_its_promise() {
    let env = Env::new();
    let codes = b"1234 5678\n2345 6789\n3456 7890\n4567 8901\n5678 9012\n\
                  6789 0123\n7890 1234\n8901 2345\n9012 3456\n0123 4567\n";
    let make = || {
        let mut cmd = env.std_cmd();
        cmd.args([
            "-q",
            "import",
            "--account",
            "c@gmail.com",
            "--service",
            "google",
            "--regenerate",
            "--force",
            "-o",
            "google.pdf",
        ]);
        cmd
    };
    let typical = typical_run(&make, Some(codes));
    let mut tally = Tally::new(typical);
    let mut at = Instants(0x1234_5678_9abc_def1);
    for i in 0..kills() {
        let after = tally.instant(&mut at);
        tally.add(kill_after(make(), Some(codes), after));
        next_run(&env);
        let context = format!("import, kill {i}");
        check_promise(&env, &[env.work()], &context);
        check_fixed(
            &env,
            &env.work().join("google.pdf"),
            None,
            "c@gmail.com",
            &context,
        );
    }
    tally.check("import_killed_at_random_keeps_its_promise");
}

#[test]
fn batch_killed_at_random_keeps_its_promise() {
    let env = Env::new();
    let accounts: Vec<String> = (0..12).map(|i| format!("batch{i}@example.com")).collect();
    let mut csv = String::from("account\n");
    for a in &accounts {
        csv.push_str(a);
        csv.push('\n');
    }
    fs::write(env.work().join("accounts.csv"), csv).expect("csv");
    let make = || {
        let mut cmd = env.std_cmd();
        cmd.args([
            "-q",
            "batch",
            "accounts.csv",
            "--out-dir",
            "out",
            "--verifier-dir",
            "verifiers",
            "--regenerate",
            "--jobs",
            "2",
        ]);
        cmd
    };
    let typical = typical_run(&make, None);
    let names: Vec<&str> = accounts.iter().map(String::as_str).collect();
    let dirs = [env.work().join("out"), env.work().join("verifiers")];
    let mut tally = Tally::new(typical);
    let mut at = Instants(0x0bad_cafe_dead_beef);
    for i in 0..kills() {
        let after = tally.instant(&mut at);
        tally.add(kill_after(make(), None, after));
        next_run(&env);
        let context = format!("batch, kill {i}");
        check_promise(&env, &dirs, &context);
        check_default_sheets(&env, &dirs[0], &names, &context);
    }
    tally.check("batch_killed_at_random_keeps_its_promise");
}

#[test]
fn verify_killed_at_random_never_accepts_a_code_twice() {
    let env = Env::new();
    run_ok(
        {
            let mut cmd = env.std_cmd();
            cmd.args([
                "-q",
                "generate",
                "--account",
                "d@example.com",
                "-o",
                "d.pdf",
                "--verifier",
                "d.json",
                "--count",
                "100",
            ]);
            cmd
        },
        None,
    );
    let sheet = fs::read(env.work().join("d.pdf")).expect("sheet");
    let codes = codes_in(&pdf_text(&sheet), "XXXX-XXXX-XXXX-XXXX");
    assert_eq!(codes.len(), 100);
    let verify = |number: usize| {
        let mut cmd = env.std_cmd();
        cmd.args(["-q", "verify", "--verifier", "d.json", "--number"])
            .arg(number.to_string());
        cmd
    };
    let typical = typical_run(&|| verify(1), Some(b"not a code\n")).max(Duration::from_millis(50));
    let mut tally = Tally::new(typical);
    let mut at = Instants(0x5eed_5eed_5eed_5eed);
    let mut accepted: Vec<usize> = Vec::new();
    for (i, code) in codes.iter().enumerate().take(kills().min(99)) {
        let number = i + 1;
        let code = format!("{code}\n");
        let after = tally.instant(&mut at);
        tally.add(kill_after(verify(number), Some(code.as_bytes()), after));
        // The next run: the same code again. It is accepted now only if the
        // killed run did not record it; then never again.
        let again = env
            .std_cmd()
            .args(["-q", "verify", "--verifier", "d.json", "--number"])
            .arg(number.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .and_then(|mut c| {
                c.stdin.take().expect("stdin").write_all(code.as_bytes())?;
                c.wait()
            })
            .expect("verify");
        let code_of = again.code();
        assert!(
            code_of == Some(0) || code_of == Some(7),
            "kill {i}: verify after a kill exited {code_of:?}"
        );
        if code_of == Some(0) {
            accepted.push(number);
        }
        let third = env
            .std_cmd()
            .args(["-q", "verify", "--verifier", "d.json", "--number"])
            .arg(number.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .and_then(|mut c| {
                c.stdin.take().expect("stdin").write_all(code.as_bytes())?;
                c.wait()
            })
            .expect("verify");
        assert_eq!(
            third.code(),
            Some(7),
            "kill {i}: code {number} passed twice"
        );
        check_promise(&env, &[env.work()], &format!("verify, kill {i}"));
    }
    tally.check("verify_killed_at_random_never_accepts_a_code_twice");
}

#[test]
fn mark_used_and_revoke_killed_at_random_leave_a_whole_ledger() {
    let env = Env::new();
    run_ok(
        {
            let mut cmd = env.std_cmd();
            cmd.args([
                "-q",
                "generate",
                "--account",
                "e@example.com",
                "--count",
                "100",
            ]);
            cmd
        },
        None,
    );
    let mark = |n: usize| {
        let mut cmd = env.std_cmd();
        cmd.args(["-q", "mark-used", "e@example.com"])
            .arg(n.to_string());
        cmd
    };
    let typical = typical_run(&|| mark(98), None);
    let mut tally = Tally::new(typical);
    let mut at = Instants(0xfeed_f00d_1234_4321);
    for i in 0..kills().min(90) {
        let after = tally.instant(&mut at);
        tally.add(kill_after(mark(i + 1), None, after));
        next_run(&env);
        // Whole: the ledger reads, and the code is used or not, once.
        let out = env
            .std_cmd()
            .args(["show", "e@example.com", "--json"])
            .output()
            .expect("show");
        assert!(out.status.success(), "kill {i}: {}", stderr_of(&out));
        check_promise(&env, &[env.work()], &format!("mark-used, kill {i}"));
    }
    let revoke = || {
        let mut cmd = env.std_cmd();
        cmd.args(["-q", "revoke", "e@example.com", "--yes"]);
        cmd
    };
    // Each round has a current set to revoke (a regeneration first), so
    // every kill lands in a revoke that does its work.
    for i in 0..kills().min(10) {
        let out = env
            .std_cmd()
            .args([
                "-q",
                "generate",
                "--account",
                "e@example.com",
                "--regenerate",
            ])
            .output()
            .expect("generate");
        assert!(out.status.success(), "round {i}: {}", stderr_of(&out));
        let after = tally.instant(&mut at);
        tally.add(kill_after(revoke(), None, after));
        next_run(&env);
        check_promise(&env, &[env.work()], &format!("revoke, kill {i}"));
        let out = env
            .std_cmd()
            .args(["show", "e@example.com", "--json"])
            .output()
            .expect("show");
        assert!(out.status.success(), "kill {i}: {}", stderr_of(&out));
        let history: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let current = history
            .as_array()
            .expect("array")
            .iter()
            .filter(|g| g["status"] == "current")
            .count();
        assert!(current <= 1, "kill {i}: {history}");
    }
    tally.check("mark_used_and_revoke_killed_at_random_leave_a_whole_ledger");
}

/// A check of the check: a hidden staged file of a (pretend) dead process,
/// and a sheet the ledger does not know, are both caught.
#[test]
fn the_promise_checks_catch_what_they_are_for() {
    let env = Env::new();
    run_ok(
        {
            let mut cmd = env.std_cmd();
            cmd.args([
                "-q",
                "generate",
                "--account",
                "f@example.com",
                "-o",
                "f.pdf",
            ]);
            cmd
        },
        None,
    );
    let hidden = env.work().join(".recovery-sheet-0000.tmp");
    fs::write(&hidden, b"codes").expect("write");
    let caught = std::panic::catch_unwind(|| check_promise(&env, &[env.work()], "planted"));
    assert!(caught.is_err(), "a hidden file went unnoticed");
    fs::remove_file(&hidden).expect("remove");
    fs::copy(env.work().join("f.pdf"), env.work().join("copy.pdf")).expect("copy");
    // A copy names a known set: fine. A sheet of a set the ledger lacks is not.
    check_promise(&env, &[env.work()], "copy");
    let other = Env::new();
    run_ok(
        {
            let mut cmd = other.std_cmd();
            cmd.args([
                "-q",
                "generate",
                "--account",
                "g@example.com",
                "-o",
                "g.pdf",
            ]);
            cmd
        },
        None,
    );
    fs::copy(other.work().join("g.pdf"), env.work().join("g.pdf")).expect("copy");
    let caught = std::panic::catch_unwind(|| check_promise(&env, &[env.work()], "foreign"));
    assert!(caught.is_err(), "a sheet of an unknown set went unnoticed");
}
