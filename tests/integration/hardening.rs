//! Issue 11 as an attacker tries it: outputs aimed at the tool's own files, verifiers reached through links and lock files pulled away, endless inputs, escape sequences, a closed stdout, broken configs.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

fn run(env: &Env, args: &[&str]) -> Output {
    env.cmd().args(args).output().expect("run")
}

fn run_with_stdin(env: &Env, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = env
        .std_cmd()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let _ = child.stdin.take().expect("stdin").write_all(stdin);
    child.wait_with_output().expect("wait")
}

fn ok(out: &Output) {
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(out));
}

/// Every file under `dir` with its bytes, to show that nothing changed.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            let meta = fs::symlink_metadata(&path).expect("meta");
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                out.push((path.clone(), fs::read(&path).expect("read")));
            } else {
                out.push((path, Vec::new()));
            }
        }
    }
    out.sort();
    out
}

/// A sheet for `account` with a verifier, printed in the working folder.
fn sheet_with_verifier(env: &Env, account: &str, verifier: &str) -> Vec<String> {
    let out = run(
        env,
        &[
            "generate",
            "--account",
            account,
            "-o",
            "sheet.pdf",
            "--verifier",
            verifier,
        ],
    );
    ok(&out);
    let text = pdf_text(&fs::read(env.work().join("sheet.pdf")).expect("sheet"));
    codes_in(&text, "XXXX-XXXX-XXXX-XXXX")
}

#[cfg(unix)]
#[test]
fn no_output_may_be_the_ledger_its_lock_the_config_or_an_input_however_spelt() {
    let env = Env::new();
    ok(&run(&env, &["generate", "--account", "a@example.com"]));
    fs::create_dir_all(env.config().parent().unwrap()).expect("config dir");
    fs::write(env.config(), "lang = \"en\"\n").expect("config");
    fs::write(env.work().join("codes.txt"), "1234 5678\n").expect("codes");
    fs::create_dir(env.work().join("sub")).expect("sub");
    std::os::unix::fs::symlink(env.ledger(), env.work().join("link.pdf")).expect("symlink");
    fs::hard_link(env.ledger(), env.work().join("hard.pdf")).expect("hard link");
    let ledger = env.ledger().display().to_string();
    let lock = format!("{ledger}.lock");
    let journal = format!("{ledger}-journal");
    let config = env.config().display().to_string();
    let relative = "../data/ledger.db";
    let dotted = "sub/../../data/./ledger.db";
    let before = snapshot(env.root.path());
    let regenerate = [
        "generate",
        "--account",
        "a@example.com",
        "--regenerate",
        "--force",
    ];
    let cases: Vec<Vec<&str>> = vec![
        [&regenerate[..], &["-o", relative]].concat(),
        [&regenerate[..], &["-o", dotted]].concat(),
        [&regenerate[..], &["-o", &ledger]].concat(),
        [&regenerate[..], &["-o", "link.pdf"]].concat(),
        [&regenerate[..], &["-o", "hard.pdf"]].concat(),
        [&regenerate[..], &["-o", &lock]].concat(),
        [&regenerate[..], &["-o", &journal]].concat(),
        [&regenerate[..], &["-o", &config]].concat(),
        [&regenerate[..], &["-o", "x.pdf", "--verifier", relative]].concat(),
        [&regenerate[..], &["-o", "x.pdf", "--verifier", "link.pdf"]].concat(),
        [
            &regenerate[..],
            &["-o", "same.pdf", "--verifier", "./sub/../same.pdf"],
        ]
        .concat(),
        vec![
            "import",
            "--account",
            "b@gmail.com",
            "--service",
            "generic",
            "--from",
            "codes.txt",
            "-o",
            "./codes.txt",
            "--force",
        ],
    ];
    for args in &cases {
        let out = run(&env, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr_of(&out));
        let err = stderr_of(&out);
        assert!(
            err.contains("must never replace") || err.contains("would both be"),
            "{args:?}: {err}"
        );
        assert_eq!(snapshot(env.root.path()), before, "{args:?} changed a file");
    }
}

#[test]
fn a_verifier_reached_through_a_symlink_burns_the_real_file() {
    let env = Env::new();
    let codes = sheet_with_verifier(&env, "a@example.com", "real.json");
    #[cfg(unix)]
    std::os::unix::fs::symlink(env.work().join("real.json"), env.work().join("link.json"))
        .expect("symlink");
    let code = format!("{}\n", codes[0]);
    let first = run_with_stdin(
        &env,
        &["verify", "--verifier", "link.json"],
        code.as_bytes(),
    );
    ok(&first);
    let link = fs::symlink_metadata(env.work().join("link.json")).expect("link");
    assert!(
        link.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    let again = run_with_stdin(
        &env,
        &["verify", "--verifier", "real.json"],
        code.as_bytes(),
    );
    assert_eq!(again.status.code(), Some(7), "{}", stderr_of(&again));
}

#[cfg(unix)]
#[test]
fn a_verifier_with_another_hard_link_is_refused() {
    let env = Env::new();
    let codes = sheet_with_verifier(&env, "a@example.com", "real.json");
    fs::hard_link(env.work().join("real.json"), env.work().join("copy.json")).expect("link");
    let before = fs::read(env.work().join("real.json")).expect("read");
    let code = format!("{}\n", codes[0]);
    let out = run_with_stdin(
        &env,
        &["verify", "--verifier", "copy.json"],
        code.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(65), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("hard links"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(
        fs::read(env.work().join("real.json")).expect("read"),
        before
    );
}

/// The attack of the first release (deleting the `.lock` file beside the
/// verifier while verifies of one code run) has nothing to work on: the
/// verifier file itself is locked, and no other file is made beside it.
/// Parallel verifies of one code: exactly one success, every round.
#[test]
fn a_code_passes_once_under_parallel_verifies_with_no_lock_file_to_pull_away() {
    let env = Env::new();
    let codes = sheet_with_verifier(&env, "a@example.com", "v.json");
    let before: Vec<String> = files_in(&env.work());
    for (round, code) in codes.iter().take(4).enumerate() {
        let code = format!("{code}\n");
        let results: Vec<Option<i32>> = std::thread::scope(|inner| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let code = code.clone();
                    let env = &env;
                    inner.spawn(move || {
                        run_with_stdin(env, &["verify", "--verifier", "v.json"], code.as_bytes())
                            .status
                            .code()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("join"))
                .collect()
        });
        let successes = results.iter().filter(|c| **c == Some(0)).count();
        assert_eq!(successes, 1, "round {round}: {results:?}");
        assert!(
            results.iter().all(|c| *c == Some(0) || *c == Some(7)),
            "round {round}: {results:?}"
        );
        assert_eq!(
            files_in(&env.work()),
            before,
            "round {round}: a file appeared beside the verifier"
        );
    }
}

/// Endless inputs are refused with the limit named, promptly, and nothing is written.
#[cfg(unix)]
#[test]
fn endless_inputs_are_refused_naming_the_limit() {
    let env = Env::new();
    let before = env.work_files();
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (
            vec!["generate", "--account", "a", "--template", "/dev/zero"],
            65,
        ),
        (
            vec!["--config", "/dev/zero", "generate", "--account", "a"],
            78,
        ),
        (vec!["check", "--scan", "/dev/zero"], 65),
        (vec!["batch", "/dev/zero", "--out-dir", "out"], 65),
        (
            vec![
                "import",
                "--account",
                "a",
                "--service",
                "google",
                "--from",
                "/dev/zero",
            ],
            65,
        ),
    ];
    for (args, code) in cases {
        let started = Instant::now();
        let out = run(&env, &args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            stderr_of(&out)
        );
        assert!(
            stderr_of(&out).contains("larger than") || stderr_of(&out).contains("longer than"),
            "{args:?}: {}",
            stderr_of(&out)
        );
        // A liveness bound, not a speed figure: an unbounded read never ends.
        assert!(started.elapsed() < Duration::from_secs(60), "{args:?} hung");
        assert_eq!(env.work_files(), before, "{args:?} wrote something");
        assert!(!env.ledger().exists(), "{args:?} made a ledger");
    }
    // Pasted codes on stdin, endless too.
    let mut child = env
        .std_cmd()
        .args(["import", "--account", "a", "--service", "google"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let chunk = vec![b'1'; 64 * 1024];
        while stdin.write_all(&chunk).is_ok() {}
    });
    let out = child.wait_with_output().expect("wait");
    feeder.join().expect("feeder");
    assert_eq!(out.status.code(), Some(65), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("larger than 1 MiB"),
        "{}",
        stderr_of(&out)
    );
}

/// Escape sequences in a CSV cell or a scanned QR are shown, not obeyed.
#[test]
fn control_characters_from_files_and_scans_reach_the_terminal_escaped() {
    let env = Env::new();
    fs::write(
        env.work().join("accounts.csv"),
        "account,location\n\"\u{1b}]0;owned\u{7}\",x\nok@example.com,\"\u{1b}[2J\"\n",
    )
    .expect("csv");
    let out = run(&env, &["batch", "accounts.csv", "--out-dir", "out"]);
    let err = stderr_of(&out);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("<U+001B>"), "{err}");

    let qr = env.work().join("qr.png");
    qr_png("recovery-sheet/9\u{1b}[2J\u{1b}]0;owned\u{7}", 6, &qr);
    let out = run(&env, &["check", "--scan", "qr.png"]);
    let all = format!("{}{}", stdout_of(&out), stderr_of(&out));
    assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all:?}");
}

#[cfg(unix)]
#[test]
fn a_sheet_for_a_closed_stdout_is_refused_and_not_recorded() {
    let env = Env::new();
    let out = Command::new("sh")
        .arg("-c")
        .arg("exec 1>&-; exec \"$0\" generate --account a@example.com -o -")
        .arg(env!("CARGO_BIN_EXE_recovery-sheet"))
        .env_clear()
        .env("HOME", env.home())
        .env("LANG", "C.UTF-8")
        .env("RECOVERY_SHEET_LEDGER", env.ledger())
        .env("XDG_CONFIG_HOME", env.root.path().join("config"))
        .current_dir(env.work())
        .stderr(Stdio::piped())
        .output()
        .expect("sh");
    assert_eq!(out.status.code(), Some(74), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("stdout is closed"),
        "{}",
        stderr_of(&out)
    );
    assert!(
        !env.ledger().exists(),
        "a generation nobody received was recorded"
    );
    assert_eq!(env.work_files(), Vec::<String>::new());
}

/// Every kind of bad config: exit 78, naming the file and the line.
#[test]
fn config_errors_name_the_file_and_the_line() {
    let env = Env::new();
    let long = format!("\ncustodian = \"{}\"\n", "x".repeat(201));
    let cases: [(&[u8], &str); 5] = [
        (b"lang = \"en\"\n# caf\xe9\n", "line 2: not UTF-8"),
        (
            b"lang = \"en\"\nlocation = \"Safe\\u001b[2J\"\n",
            "line 2: the storage location has a control character",
        ),
        (
            long.as_bytes(),
            "line 2: the custodian is 201 characters long",
        ),
        (b"colour = 1\n", "line 1"),
        (b"copies = 99\n", "line 1: copies = 99 is out of range"),
    ];
    for (text, expected) in cases {
        fs::create_dir_all(env.config().parent().unwrap()).expect("dir");
        fs::write(env.config(), text).expect("config");
        let out = run(&env, &["generate", "--account", "a@example.com"]);
        assert_eq!(
            out.status.code(),
            Some(78),
            "{expected}: {}",
            stderr_of(&out)
        );
        let err = stderr_of(&out);
        assert!(err.contains(&env.config().display().to_string()), "{err}");
        assert!(err.contains(expected), "{expected}: {err}");
        assert!(!err.contains('\u{1b}'), "{err:?}");
        assert!(!env.ledger().exists());
    }
}

#[test]
fn jobs_out_of_range_are_refused_before_any_work() {
    let env = Env::new();
    fs::write(env.work().join("a.csv"), "account\na@example.com\n").expect("csv");
    for jobs in ["0", "257", "18446744073709551615"] {
        let out = run(
            &env,
            &["batch", "a.csv", "--out-dir", "out", "--jobs", jobs],
        );
        assert_eq!(out.status.code(), Some(2), "{jobs}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("give 1 to 256 workers"),
            "{}",
            stderr_of(&out)
        );
        assert!(!env.work().join("out").exists());
    }
}

/// SIGTERM to a batch of many rows on many workers: it stops soon, exit
/// 130, and every recorded generation has its sheet.
#[cfg(unix)]
#[test]
fn a_batch_on_many_workers_stops_soon_after_sigterm() {
    let env = Env::new();
    let mut csv = String::from("account\n");
    for i in 0..3000 {
        csv.push_str(&format!("acct{i}@example.com\n"));
    }
    fs::write(env.work().join("many.csv"), csv).expect("csv");
    let child = env
        .std_cmd()
        .args([
            "-q",
            "batch",
            "many.csv",
            "--out-dir",
            "out",
            "--jobs",
            "64",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Let it get going: wait for the first sheets.
    let out_dir = env.work().join("out");
    let started = Instant::now();
    while files_in_or_empty(&out_dir).len() < 3 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let signalled = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    // A liveness bound, generous for a loaded CI machine: without the
    // signal, 3000 rows take minutes.
    assert!(
        signalled.elapsed() < Duration::from_secs(20),
        "took {:?} to stop",
        signalled.elapsed()
    );
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    let conn = rusqlite::Connection::open(env.ledger()).expect("ledger");
    let recorded: Vec<String> = conn
        .prepare("SELECT set_id FROM generations WHERE status = 'current'")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows");
    let sheets = files_in(&out_dir);
    assert_eq!(recorded.len(), sheets.len(), "{sheets:?}");
    assert!(sheets.iter().all(|s| !s.starts_with('.')), "{sheets:?}");
}

fn files_in_or_empty(dir: &Path) -> Vec<String> {
    if dir.exists() {
        files_in(dir)
    } else {
        Vec::new()
    }
}

/// What is typed on the command line comes back in clap's usage errors: it
/// reaches the terminal without a control character (no escape sequence, no
/// bell, no carriage return to overwrite the line), with the exit code kept.
#[test]
fn usage_errors_quote_arguments_without_control_characters() {
    let env = Env::new();
    let hostile = "\u{1b}[2J\u{7}\u{1b}]0;owned\u{7}xx\rzz\u{202e}";
    for args in [
        vec!["generate", "--lang", hostile],
        vec!["generate", hostile],
        vec![hostile],
        vec!["list", "--jobs", hostile],
    ] {
        let out = env.cmd().args(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = stderr_of(&out);
        assert!(stderr.contains("error"), "{args:?}: {stderr}");
        assert!(
            !stderr
                .chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "{args:?} reached the terminal raw: {stderr:?}"
        );
    }
}
