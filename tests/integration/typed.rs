//! Issue 11, items 4 and 5 end to end: one typing table through `verify` (the library's `Verifier::check` and the binary on stdin), `check SET-ID` and `import`; and mistyped real codes of every preset and of generated sheets never coming back on stdout or stderr.

use crate::cases::{self, Needs};
use crate::common;

use std::fs;
use std::path::Path;
use std::process::Output;

use recovery_sheet::verifier::Verifier;

use common::*;

// ---------------------------------------------------------------- helpers

/// A sheet made by `generate --verifier`: its codes as printed, code 1 first.
struct Issued {
    verifier: std::path::PathBuf,
    set_id: String,
    codes: Vec<String>,
}

fn generate(env: &Env, account: &str, count: usize) -> Issued {
    let pdf = format!("{account}.pdf");
    let verifier = format!("{account}.verifier.json");
    let out = env
        .cmd()
        .args([
            "generate",
            "--account",
            account,
            "--count",
            &count.to_string(),
        ])
        .args(["-o", &pdf, "--verifier", &verifier])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let text = pdf_text(&fs::read(env.work().join(&pdf)).unwrap());
    let codes = codes_in(&text, "XXXX-XXXX-XXXX-XXXX");
    assert_eq!(codes.len(), count, "{text}");
    let set_id = field(&text, "Set ID").to_owned();
    Issued {
        verifier: env.work().join(verifier),
        set_id,
        codes,
    }
}

/// The value printed after a label on the sheet.
fn field<'a>(text: &'a str, label: &str) -> &'a str {
    let mut lines = text.lines().map(str::trim);
    lines.by_ref().find(|l| *l == label).expect(label);
    lines.next().expect(label)
}

/// The codes a sheet lists, in its order (number, code, "used on").
fn printed_codes(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut codes = Vec::new();
    for w in lines.windows(3) {
        if w[2] == "used on" && w[0].parse::<usize>() == Ok(codes.len() + 1) {
            codes.push(w[1].to_owned());
        }
    }
    codes
}

fn verify(env: &Env, verifier: &Path, typed: &str, number: Option<usize>) -> Output {
    let mut cmd = env.cmd();
    cmd.arg("verify").arg("--verifier").arg(verifier);
    if let Some(n) = number {
        cmd.args(["--number", &n.to_string()]);
    }
    cmd.write_stdin(format!("{typed}\n")).output().unwrap()
}

fn check(env: &Env, typed: &str) -> Output {
    env.cmd().args(["check", typed]).output().unwrap()
}

fn import(env: &Env, account: &str, service: &str, input: &str, out: &str) -> Output {
    env.cmd()
        .args(["import", "--account", account, "--service", service])
        .args(["-o", out])
        .write_stdin(input.as_bytes().to_vec())
        .output()
        .unwrap()
}

/// Fails if stdout or stderr of `out` holds a run of four symbols of any of `codes`.
fn assert_no_run_of(what: &str, env: &Env, out: &Output, codes: &[String]) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        // The temporary folder's name is no code, whatever its letters.
        let text = String::from_utf8_lossy(bytes)
            .replace(env.root.path().to_str().expect("UTF-8 temp path"), "<tmp>");
        if let Some(run) = cases::leaked_run(&text, codes) {
            panic!("{what}: {stream} holds `{run}` of a real code:\n{text}");
        }
    }
}

// ---------------------------------------------------------------- item 4

/// Every row of the typing table, applied to a printed code, is accepted by
/// the library's `Verifier::check` on the file `generate` exported, and by
/// `verify` reading the typed code on stdin (which burns it).
#[test]
fn every_typing_of_a_printed_code_verifies_through_the_library_and_the_binary() {
    let env = Env::new();
    let decorations = cases::decorations();
    let issued = generate(&env, "typing@example.com", decorations.len());
    let loaded = Verifier::load(&issued.verifier).expect("the exported verifier loads");
    // A sheet's rule forgives every row of the table.
    for (i, (d, code)) in decorations.iter().zip(&issued.codes).enumerate() {
        let typed = (d.apply)(code, 4);
        assert_eq!(
            loaded.check(&typed, Some(i as u32 + 1)).ok(),
            Some(i as u32 + 1),
            "{}: {typed:?}",
            d.name
        );
    }
    // Without a number the library searches the set.
    let last = decorations.last().expect("a decoration");
    let typed = (last.apply)(&issued.codes[2], 4);
    assert_eq!(loaded.check(&typed, None).ok(), Some(3), "{typed:?}");

    for (i, (d, code)) in decorations.iter().zip(&issued.codes).enumerate() {
        let typed = (d.apply)(code, 4);
        // The last one unnumbered: `verify` finds it among the unused codes.
        let number = (i + 1 < decorations.len()).then_some(i + 1);
        let out = verify(&env, &issued.verifier, &typed, number);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {typed:?}: {}",
            d.name,
            stderr_of(&out)
        );
        assert!(
            stdout_of(&out).is_empty() && stderr_of(&out).starts_with(&format!("code {} ", i + 1)),
            "{}: {}",
            d.name,
            stderr_of(&out)
        );
    }
    assert_eq!(Verifier::load(&issued.verifier).unwrap().remaining(), 0);
}

/// Every row of the typing table, applied to a sheet's set ID (printed or
/// bare), is found by `check`.
#[test]
fn every_typing_of_a_set_id_is_found_by_check() {
    let env = Env::new();
    let issued = generate(&env, "check@example.com", 1);
    let bare = issued.set_id.replace('-', "");
    for d in cases::decorations() {
        for form in [&issued.set_id, &bare] {
            let typed = (d.apply)(form, 4);
            let out = check(&env, &typed);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {typed:?}: {}",
                d.name,
                stderr_of(&out)
            );
            assert!(
                stdout_of(&out).starts_with("current"),
                "{}",
                stdout_of(&out)
            );
        }
    }
}

/// Every row of the table that a service's rules allow, applied to its
/// codes, imports as the codes: a digit service, a lower-case grouped one
/// and a case-sensitive one, in chunks no larger than a set.
#[test]
fn every_typing_of_a_services_codes_imports_as_the_codes() {
    let env = Env::new();
    let services: [(&str, usize, bool, bool, Vec<String>); 3] = [
        ("google", 4, false, true, digit_codes(10, 8, 1)),
        ("github", 5, true, true, hex_codes(16, 10, 2)),
        ("nextcloud", 4, false, false, alnum_codes(10, 16, 3)),
    ];
    let mut run = 0;
    for (service, group, folds_case, joins, codes) in services {
        let decorations: Vec<_> = cases::decorations()
            .into_iter()
            .filter(|d| match d.needs {
                Needs::Nothing => true,
                Needs::CaseFolding => folds_case || service == "google",
                Needs::SheetLetters => false,
                Needs::JoinedWords => joins,
            })
            .collect();
        for chunk in decorations.chunks(codes.len()) {
            run += 1;
            let input: String = chunk
                .iter()
                .zip(&codes)
                .map(|(d, c)| (d.apply)(c, group) + "\n")
                .collect();
            let pdf = format!("import-{run}.pdf");
            let out = import(&env, &format!("acct-{run}"), service, &input, &pdf);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{service}: {input:?}: {}",
                stderr_of(&out)
            );
            let text = pdf_text(&fs::read(env.work().join(&pdf)).unwrap());
            let printed: Vec<String> = printed_codes(&text)
                .iter()
                .map(|c| c.replace(['-', ' '], ""))
                .collect();
            assert_eq!(printed, codes[..chunk.len()], "{service}: {input:?}");
            assert_no_run_of(service, &env, &out, &codes);
        }
    }
}

// ---------------------------------------------------------------- item 5

/// Deterministic stand-ins for a service's codes (splitmix64).
fn symbols_from(alphabet: &str, n: usize, len: usize, seed: u64) -> Vec<String> {
    let alphabet: Vec<char> = alphabet.chars().collect();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..n)
        .map(|_| {
            (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect()
        })
        .collect()
}

fn digit_codes(n: usize, len: usize, seed: u64) -> Vec<String> {
    symbols_from("0123456789", n, len, seed)
}

fn hex_codes(n: usize, len: usize, seed: u64) -> Vec<String> {
    symbols_from("0123456789abcdef", n, len, seed)
}

fn alnum_codes(n: usize, len: usize, seed: u64) -> Vec<String> {
    symbols_from(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        n,
        len,
        seed,
    )
}

/// Real-looking codes of each preset as it shows them, and a symbol its
/// alphabet lacks (a letter for a digit, where it has only digits).
fn preset_codes() -> Vec<(&'static str, Vec<String>, char)> {
    let upper = |v: Vec<String>| v.into_iter().map(|c| c.to_uppercase()).collect();
    let lower = |v: Vec<String>| v.into_iter().map(|c| c.to_lowercase()).collect();
    vec![
        ("google", digit_codes(10, 8, 11), 'O'),
        ("instagram", digit_codes(5, 8, 12), 'l'),
        ("freee", digit_codes(10, 9, 13), 'O'),
        ("x", lower(alnum_codes(5, 12, 14)), '/'),
        ("github", hex_codes(16, 10, 15), 'g'),
        ("gitlab", hex_codes(10, 16, 16), 'x'),
        ("keycloak", upper(alnum_codes(12, 12, 17)), '.'),
        ("nextcloud", alnum_codes(10, 16, 18), '_'),
        ("playstation", digit_codes(10, 10, 19), 'I'),
        ("generic", alnum_codes(6, 20, 20), '#'),
    ]
}

/// For every preset, real codes mutated as people mistype them (one symbol
/// short, one wrong, two run together, a letter for a digit or a symbol the
/// service lacks, a stray one inside, one too many) are run through
/// `import` (in the list, and on a line with another code) and `check`:
/// no run of four symbols of any real code reaches stdout or stderr,
/// whether the run is refused or (a wrong symbol the alphabet has) accepted.
#[test]
fn mistyped_codes_of_every_preset_never_come_back_on_the_screen() {
    let env = Env::new();
    let mut run = 0;
    for (service, codes, foreign) in preset_codes() {
        for (which, code) in codes.iter().enumerate().take(2) {
            let other = &codes[(which + 1) % codes.len()];
            for (how, mutated) in cases::mutations(code, other, foreign) {
                let what = format!("{service}, {how}");
                let mut listed = codes.clone();
                listed[which] = mutated.clone();
                let mut input = listed.join("\n");
                // The mutated code also on a line after another code.
                if which == 1 {
                    input = format!("{}\t{mutated}\n{}", codes[0], codes[2..].join("\n"));
                }
                run += 1;
                let out = import(
                    &env,
                    &format!("m{run}"),
                    service,
                    &input,
                    &format!("m{run}.pdf"),
                );
                // A symbol no code of the service has is always refused.
                let refused = matches!(how, "a foreign symbol for one" | "a stray symbol inside");
                let expected: &[i32] = if refused { &[65] } else { &[0, 65] };
                assert!(
                    out.status.code().is_some_and(|c| expected.contains(&c)),
                    "{what}: {}",
                    stderr_of(&out)
                );
                assert_no_run_of(&format!("import {what}"), &env, &out, &codes);
                let out = check(&env, &mutated);
                assert_no_run_of(&format!("check {what}"), &env, &out, &codes);
            }
        }
    }
    // In Japanese too, for one service of each kind.
    for (service, codes, foreign) in preset_codes() {
        if !matches!(service, "google" | "github" | "nextcloud") {
            continue;
        }
        for (how, mutated) in cases::mutations(&codes[0], &codes[1], foreign) {
            let mut listed = codes.clone();
            listed[0] = mutated.clone();
            run += 1;
            let out = env
                .cmd()
                .env("LANG", "ja_JP.UTF-8")
                .args([
                    "import",
                    "--account",
                    &format!("ja{run}"),
                    "--service",
                    service,
                ])
                .args(["-o", &format!("ja{run}.pdf")])
                .write_stdin(listed.join("\n").into_bytes())
                .output()
                .unwrap();
            assert_no_run_of(&format!("import (ja) {service}, {how}"), &env, &out, &codes);
        }
    }
}

/// The same for a generated sheet: its real codes mutated and typed into
/// `verify` (a wrong code, said without the code) and `check`.
#[test]
fn mistyped_codes_of_a_generated_sheet_never_come_back_on_the_screen() {
    let env = Env::new();
    let issued = generate(&env, "sheet@example.com", 3);
    let bare: Vec<String> = issued.codes.iter().map(|c| c.replace('-', "")).collect();
    for (which, code) in issued.codes.iter().enumerate().take(2) {
        let other = &issued.codes[which + 1];
        for (how, mutated) in cases::mutations(code, other, 'U') {
            let what = format!("sheet code, {how}");
            let out = verify(&env, &issued.verifier, &mutated, None);
            assert_eq!(out.status.code(), Some(6), "{what}: {}", stderr_of(&out));
            assert_no_run_of(&format!("verify {what}"), &env, &out, &bare);
            let out = check(&env, &mutated);
            assert_no_run_of(&format!("check {what}"), &env, &out, &bare);
            // As typed from paper, in lower case with full-width digits.
            let typed = cases::full_width(&mutated.to_lowercase());
            let out = check(&env, &typed);
            assert_no_run_of(&format!("check {what}, full width"), &env, &out, &bare);
        }
    }
    // Nothing was burned by a mistyped code.
    assert_eq!(Verifier::load(&issued.verifier).unwrap().remaining(), 3);
}

/// A set ID mistyped by a character is quoted only when it cannot be a
/// code; otherwise its length or the wrong character's kind is described.
#[test]
fn check_describes_what_could_be_a_code_and_quotes_only_what_cannot() {
    let env = Env::new();
    let out = check(&env, "7K2");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "recovery-sheet: error: `7K2` is not a set ID: a set ID is 8 letters and digits, printed like 7K2Q-M9XA\n"
    );
    let out = check(&env, "P6MA-AX1");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "recovery-sheet: error: what was typed is not a set ID (not shown: it may be a backup code): it has 7 characters, and a set ID has 8, printed like 7K2Q-M9XA\n"
    );
    // A Google code is a well-formed set ID; unknown, it is not repeated.
    let out = check(&env, "4012 6743");
    assert_eq!(out.status.code(), Some(5));
    let said = stdout_of(&out);
    assert!(
        said.starts_with("unknown: the set ID typed is not in the ledger ")
            && !said.contains("4012"),
        "{said}"
    );
    let out = env
        .cmd()
        .args(["check", "4012 6743", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["status"], "unknown");
    assert_eq!(json["set_id"], serde_json::Value::Null);
}
