//! Issue 5 end to end: `generate --verifier` writes Argon2id hashes only, and `verify` accepts each code once, even under concurrency.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Barrier;

use blake2::{Blake2b256, Digest};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use common::*;

// ---------------------------------------------------------------- helpers

/// A sheet and its verifier made by `generate --verifier`.
struct Issued {
    pdf: PathBuf,
    verifier: PathBuf,
    set_id: String,
    /// The codes as printed on the sheet, code 1 first.
    codes: Vec<String>,
}

/// Runs `generate --account ACCOUNT --count N --verifier FILE` plus `extra`
/// and reads the codes back from the sheet it printed.
fn generate(env: &Env, account: &str, count: u32, verifier: &str, extra: &[&str]) -> Issued {
    let before: Vec<String> = env.work_files();
    let out = env
        .cmd()
        .args([
            "generate",
            "--account",
            account,
            "--count",
            &count.to_string(),
        ])
        .args(["--verifier", verifier])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty(), "stdout: {}", stdout_of(&out));
    let new_pdf: Vec<String> = env
        .work_files()
        .into_iter()
        .filter(|f| f.ends_with(".pdf") && !before.contains(f))
        .collect();
    assert_eq!(new_pdf.len(), 1, "{new_pdf:?}");
    let pdf = env.work().join(&new_pdf[0]);
    let text = pdf_text(&fs::read(&pdf).unwrap());
    let codes = printed_codes(&text);
    assert_eq!(codes.len(), count as usize, "{text}");
    assert_eq!(codes_in(&text, "XXXX-XXXX-XXXX-XXXX"), codes);
    let set_id = field(&text, "Set ID").unwrap().to_owned();
    assert!(
        stderr_of(&out).contains(&format!("wrote verifier {verifier} (Argon2id hashes only)")),
        "{}",
        stderr_of(&out)
    );
    Issued {
        pdf,
        verifier: env.work().join(verifier),
        set_id,
        codes,
    }
}

/// The codes the sheet lists, in its order, checking they are numbered 1, 2, 3, ...
fn printed_codes(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut codes = Vec::new();
    for w in lines.windows(3) {
        if w[2] == "used on"
            && let Ok(number) = w[0].parse::<usize>()
        {
            assert_eq!(number, codes.len() + 1, "numbering out of order in\n{text}");
            codes.push(w[1].to_owned());
        }
    }
    codes
}

/// The value printed after a label on the sheet.
fn field<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let mut lines = text.lines().map(str::trim);
    lines.by_ref().find(|l| *l == label)?;
    lines.next()
}

/// Runs `verify --verifier FILE [--number N]` with `typed` on stdin.
fn verify(env: &Env, verifier: &Path, typed: &str, number: Option<u32>) -> Output {
    let mut cmd = env.cmd();
    cmd.arg("verify").arg("--verifier").arg(verifier);
    if let Some(n) = number {
        cmd.args(["--number", &n.to_string()]);
    }
    cmd.write_stdin(format!("{typed}\n")).output().unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).expect("the verifier file is JSON")
}

/// When each code was used, by number, as the file records it.
fn used(path: &Path) -> Vec<Option<String>> {
    json(path)["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["used_at"].as_str().map(str::to_owned))
        .collect()
}

/// The command failed with `exit` and exactly `message` in one line on stderr.
fn assert_error(out: &Output, exit: i32, message: &str) {
    assert_eq!(
        stderr_of(out),
        format!("recovery-sheet: error: {message}\n"),
        "stderr"
    );
    assert_eq!(out.status.code(), Some(exit));
    assert!(out.stdout.is_empty(), "stdout: {}", stdout_of(out));
}

/// As [`assert_error`] when only the start of the message is fixed.
fn assert_error_starts(out: &Output, exit: i32, start: &str) {
    let stderr = stderr_of(out);
    assert!(
        stderr.starts_with(&format!("recovery-sheet: error: {start}"))
            && stderr.lines().count() == 1,
        "stderr: {stderr}"
    );
    assert_eq!(out.status.code(), Some(exit), "{stderr}");
    assert!(out.stdout.is_empty(), "stdout: {}", stdout_of(out));
}

fn no_temp_files(dir: &Path) {
    let temps: Vec<String> = files_in(dir)
        .into_iter()
        .filter(|f| f.starts_with(".recovery-sheet-"))
        .collect();
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Standard base64 without padding, as PHC strings write salts and hashes.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Every form of a code that could betray it: as printed, without hyphens,
/// with spaces, in lower case, and its bytes in hex and base64.
fn code_forms(code: &str) -> Vec<Vec<u8>> {
    let bare = code.replace('-', "");
    let mut forms = Vec::new();
    for f in [code.to_owned(), bare.clone(), code.replace('-', " ")] {
        forms.push(f.to_lowercase().into_bytes());
        forms.push(f.into_bytes());
    }
    for f in [bare.clone(), code.to_owned()] {
        forms.push(hex(f.as_bytes()).into_bytes());
        forms.push(hex(f.as_bytes()).to_uppercase().into_bytes());
        forms.push(base64(f.as_bytes()).into_bytes());
    }
    // Half of the code is as telling as all of it.
    forms.push(bare.as_bytes()[..bare.len() / 2].to_vec());
    forms.push(bare.as_bytes()[bare.len() / 2..].to_vec());
    forms
}

/// The verifier file's content as its format describes it, to re-sign a file
/// edited the way someone who can write it (and read this code) would.
#[derive(Serialize, Deserialize, Clone)]
struct Body {
    schema: String,
    version: u32,
    account: String,
    set_id: String,
    generation: u32,
    issued_at: String,
    normalization: String,
    codes: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone)]
struct Entry {
    number: u32,
    phc: String,
    used_at: Option<String>,
}

#[derive(Serialize)]
struct Signed<'a> {
    #[serde(flatten)]
    body: &'a Body,
    integrity: String,
}

/// The unkeyed BLAKE2b-256 integrity digest the format documents.
fn integrity(body: &Body) -> String {
    let mut h = Blake2b256::new();
    h.update(b"recovery-sheet-verifier integrity v1\0");
    h.update(serde_json::to_vec(body).unwrap());
    hex(&h.finalize())
}

fn read_body(path: &Path) -> (Body, String) {
    let v = json(path);
    let integrity = v["integrity"].as_str().unwrap().to_owned();
    (serde_json::from_value(v).unwrap(), integrity)
}

fn write_signed(path: &Path, body: &Body) {
    let signed = Signed {
        body,
        integrity: integrity(body),
    };
    fs::write(path, serde_json::to_vec_pretty(&signed).unwrap()).unwrap();
}

/// Replaces the first `from` in the file with `to`, as an editor would.
fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {text}");
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

// ---------------------------------------------------------------- export

#[test]
fn generate_with_verifier_writes_a_private_json_file_of_argon2id_hashes_and_no_code() {
    let env = Env::new();
    let issued = generate(&env, "intranet-admin", 4, "admin.verifier.json", &[]);
    assert_eq!(mode(&issued.verifier), 0o600);
    assert_eq!(mode(&issued.pdf), 0o600);
    no_temp_files(&env.work());

    let v = json(&issued.verifier);
    assert_eq!(v["schema"], "recovery-sheet-verifier");
    assert_eq!(v["version"], 1);
    assert_eq!(v["account"], "intranet-admin");
    assert_eq!(v["set_id"].as_str(), Some(issued.set_id.as_str()));
    assert_eq!(v["generation"], 1);
    let issued_at = v["issued_at"].as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(issued_at).expect("issued_at is RFC 3339");
    // The ledger's issue time and the file's are the same instant.
    let show: Value = serde_json::from_slice(
        &env.cmd()
            .args(["show", "intranet-admin", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(show[0]["issued_at"].as_str(), Some(issued_at));

    let entries = v["codes"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    let mut salts = Vec::new();
    for (entry, number) in entries.iter().zip(1..) {
        assert_eq!(entry["number"], number);
        assert_eq!(entry["used_at"], Value::Null);
        let phc = entry["phc"].as_str().unwrap();
        let rest = phc
            .strip_prefix("$argon2id$v=19$m=19456,t=2,p=1$")
            .unwrap_or_else(|| panic!("not Argon2id with the OWASP parameters: {phc}"));
        let (salt, hash) = rest.split_once('$').unwrap();
        // Unpadded base64: 4 characters per 3 bytes.
        assert!(
            salt.len() * 3 / 4 >= 16,
            "salt of {} bytes",
            salt.len() * 3 / 4
        );
        assert_eq!(
            hash.len() * 3 / 4,
            32,
            "hash of {} bytes",
            hash.len() * 3 / 4
        );
        salts.push(salt.to_owned());
    }
    salts.sort();
    salts.dedup();
    assert_eq!(salts.len(), 4, "each code has its own salt");

    let bytes = fs::read(&issued.verifier).unwrap();
    for code in &issued.codes {
        for form in code_forms(code) {
            assert!(
                !contains(&bytes, &form),
                "the verifier holds a code ({})",
                String::from_utf8_lossy(&form)
            );
        }
    }
}

#[test]
fn verifier_memory_and_passes_raise_the_argon2_parameters() {
    let env = Env::new();
    let issued = generate(
        &env,
        "intranet-admin",
        1,
        "v.json",
        &["--verifier-memory", "32768", "--verifier-passes", "3"],
    );
    let phc = json(&issued.verifier)["codes"][0]["phc"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(phc.starts_with("$argon2id$v=19$m=32768,t=3,p=1$"), "{phc}");
    let out = verify(&env, &issued.verifier, &issued.codes[0], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}

/// The `generate --verifier` flags that ask for Argon2 costs out of bounds.
const OUT_OF_RANGE_FLAGS: [[&str; 2]; 3] = [
    ["--verifier-memory", "1024"],
    ["--verifier-passes", "1"],
    ["--verifier-passes", "11"],
];

#[test]
fn verifier_parameters_out_of_range_are_refused_with_nothing_written() {
    let env = Env::new();
    for flags in OUT_OF_RANGE_FLAGS {
        let out = env
            .cmd()
            .args(["generate", "--account", "a", "--verifier", "v.json"])
            .args(flags)
            .output()
            .unwrap();
        let stderr = stderr_of(&out);
        assert!(!out.status.success(), "{flags:?} accepted");
        assert!(
            stderr.starts_with("recovery-sheet: error: ") && stderr.lines().count() == 1,
            "{flags:?}: {stderr}"
        );
        assert!(env.work_files().is_empty(), "{:?}", env.work_files());
        assert!(!env.ledger().exists());
    }
}

#[test]
fn verifier_parameters_out_of_range_are_a_usage_error_naming_the_flag() {
    let env = Env::new();
    for flags in OUT_OF_RANGE_FLAGS {
        let out = env
            .cmd()
            .args(["generate", "--account", "a", "--verifier", "v.json"])
            .args(flags)
            .output()
            .unwrap();
        let stderr = stderr_of(&out);
        // A bad flag value is exit 2 (README), as for --count or --copies.
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(
            stderr.contains(flags[0]),
            "{flags:?}: the error names the flag: {stderr}"
        );
    }
}

#[test]
fn an_existing_verifier_file_is_not_replaced_without_force_and_nothing_is_written() {
    let env = Env::new();
    // Another account in the ledger, so there are ledger bytes to compare.
    env.cmd()
        .args(["generate", "--account", "other", "--count", "1"])
        .assert()
        .success();
    let existing = env.work().join("admin.verifier.json");
    fs::write(&existing, "the service's live verifier\n").unwrap();
    let files = env.work_files();
    let ledger = fs::read(env.ledger()).unwrap();

    let out = env
        .cmd()
        .args(["generate", "--account", "intranet-admin"])
        .args(["--verifier", "admin.verifier.json"])
        .output()
        .unwrap();
    assert_error_starts(
        &out,
        73,
        "admin.verifier.json exists: pass --force to replace it",
    );
    assert_eq!(
        fs::read_to_string(&existing).unwrap(),
        "the service's live verifier\n"
    );
    assert_eq!(env.work_files(), files, "no sheet, no temporary file");
    assert_eq!(
        fs::read(env.ledger()).unwrap(),
        ledger,
        "the ledger changed"
    );

    // With --force it is replaced by a real verifier for the new set.
    let issued = generate(
        &env,
        "intranet-admin",
        2,
        "admin.verifier.json",
        &["--force"],
    );
    assert_eq!(
        json(&existing)["set_id"].as_str(),
        Some(issued.set_id.as_str())
    );
    assert_eq!(mode(&existing), 0o600);
    no_temp_files(&env.work());
}

#[test]
fn the_refusal_of_an_existing_verifier_file_points_to_the_verifier_flag_not_to_o() {
    let env = Env::new();
    fs::write(env.work().join("v.json"), "live\n").unwrap();
    let out = env
        .cmd()
        .args([
            "generate",
            "--account",
            "intranet-admin",
            "--verifier",
            "v.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(73), "{}", stderr_of(&out));
    // -o names the sheet, not the verifier: it is no way out here.
    let stderr = stderr_of(&out);
    assert!(!stderr.contains(" -o"), "{stderr}");
    assert!(stderr.contains("--verifier"), "{stderr}");
}

// ---------------------------------------------------------------- checking

#[test]
fn codes_read_back_from_the_sheet_verify_once_as_printed_bare_lower_case_or_full_width() {
    let env = Env::new();
    let issued = generate(&env, "intranet-admin", 4, "v.json", &[]);
    let c = &issued.codes;
    let full_width: String = c[3]
        .chars()
        .map(|ch| match ch {
            '0'..='9' | 'A'..='Z' => char::from_u32(ch as u32 + 0xFEE0).unwrap(),
            other => other,
        })
        .collect();
    let typed = [
        c[0].clone(),
        c[1].replace('-', ""),
        c[2].to_lowercase().replace('-', " "),
        full_width,
    ];
    for (i, t) in typed.iter().enumerate() {
        let out = verify(&env, &issued.verifier, t, None);
        assert_eq!(
            out.status.code(),
            Some(0),
            "code {}: {}",
            i + 1,
            stderr_of(&out)
        );
        assert!(out.stdout.is_empty(), "stdout: {}", stdout_of(&out));
        assert_eq!(
            stderr_of(&out),
            format!(
                "code {} of intranet-admin accepted and burned: {} of 4 left\n",
                i + 1,
                3 - i
            )
        );
        // The use is recorded in the file, for that code only.
        let used = used(&issued.verifier);
        for (j, u) in used.iter().enumerate() {
            match u {
                Some(at) if j <= i => {
                    chrono::DateTime::parse_from_rfc3339(at).expect("used_at is RFC 3339");
                }
                None if j > i => {}
                other => panic!("after code {}: code {} used_at {other:?}", i + 1, j + 1),
            }
        }
        assert_eq!(mode(&issued.verifier), 0o600);
        no_temp_files(&env.work());
    }

    // The second time, in whatever form, the code is refused and nothing changes.
    let before = fs::read(&issued.verifier).unwrap();
    let first_use = used(&issued.verifier)[0].clone().unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(&first_use).unwrap();
    for again in [c[0].clone(), c[0].to_lowercase()] {
        let out = verify(&env, &issued.verifier, &again, None);
        assert_error(
            &out,
            7,
            &format!(
                "code 1 was already used at {}: use another code from the sheet",
                at.to_rfc3339()
            ),
        );
    }
    assert_eq!(fs::read(&issued.verifier).unwrap(), before);
}

#[test]
fn a_wrong_code_exits_6_and_records_nothing() {
    let env = Env::new();
    let issued = generate(&env, "intranet-admin", 2, "v.json", &[]);
    let other = generate(&env, "someone-else", 1, "other.json", &[]);
    let before = fs::read(&issued.verifier).unwrap();
    // A code of another set, and one with a symbol changed.
    let mut changed: Vec<char> = issued.codes[0].chars().collect();
    changed[0] = if changed[0] == 'A' { 'B' } else { 'A' };
    let changed: String = changed.into_iter().collect();
    for typed in [other.codes[0].as_str(), changed.as_str()] {
        let out = verify(&env, &issued.verifier, typed, None);
        assert_error(
            &out,
            6,
            "the code does not match an unused code of this set: check it and type it again",
        );
        assert!(!stderr_of(&out).contains(typed));
    }
    // Nothing typed at all.
    let out = env
        .cmd()
        .arg("verify")
        .arg("--verifier")
        .arg(&issued.verifier)
        .write_stdin("\n")
        .output()
        .unwrap();
    assert_error(
        &out,
        6,
        "no code was typed: type a code as printed on the sheet",
    );
    assert_eq!(fs::read(&issued.verifier).unwrap(), before);
    // A code typed in a legacy encoding (full-width digits in Shift_JIS) is
    // not text: it matches no code, and the exit says so.
    let out = env
        .cmd()
        .arg("verify")
        .arg("--verifier")
        .arg(&issued.verifier)
        .write_stdin(b"\x82\x60\x82\x61\x82\x62\x82\x63\n".to_vec())
        .output()
        .unwrap();
    assert_error(
        &out,
        6,
        "the code does not match an unused code of this set: check it and type it again",
    );
    assert_eq!(fs::read(&issued.verifier).unwrap(), before);
    // The code is never taken from the command line.
    env.cmd()
        .arg("verify")
        .arg("--verifier")
        .arg(&issued.verifier)
        .arg(&issued.codes[0])
        .assert()
        .code(2);
    assert_eq!(fs::read(&issued.verifier).unwrap(), before);
}

#[test]
fn number_n_checks_only_that_code() {
    let env = Env::new();
    let issued = generate(&env, "intranet-admin", 3, "v.json", &[]);
    let before = fs::read(&issued.verifier).unwrap();
    // Code 2 is right, but not as number 1.
    let out = verify(&env, &issued.verifier, &issued.codes[1], Some(1));
    assert_error(
        &out,
        6,
        "the code does not match an unused code of this set: check it and type it again",
    );
    assert_eq!(fs::read(&issued.verifier).unwrap(), before);
    // There is no code 4.
    let out = verify(&env, &issued.verifier, &issued.codes[1], Some(4));
    assert_error(
        &out,
        65,
        "there is no code 4 in this set (it has codes 1 to 3): check the number",
    );
    assert_eq!(fs::read(&issued.verifier).unwrap(), before);
    // As number 2 it is accepted, and only code 2 is recorded.
    let out = verify(&env, &issued.verifier, &issued.codes[1], Some(2));
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let used = used(&issued.verifier);
    assert!(
        used[0].is_none() && used[1].is_some() && used[2].is_none(),
        "{used:?}"
    );
    let out = verify(&env, &issued.verifier, &issued.codes[1], Some(2));
    assert_eq!(out.status.code(), Some(7), "{}", stderr_of(&out));
}

fn a_verifier_whose_set_was_superseded_exits_8_naming_its_generation_and_date(env: Env) {
    let issued = generate(&env, "intranet-admin", 2, "v.json", &[]);
    env.cmd()
        .args([
            "generate",
            "--account",
            "intranet-admin",
            "--regenerate",
            "--count",
            "1",
        ])
        .assert()
        .success();
    let show: Value = serde_json::from_slice(
        &env.cmd()
            .args(["show", "intranet-admin", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(show[0]["status"], "superseded");
    let when = chrono::DateTime::parse_from_rfc3339(show[0]["status_changed_at"].as_str().unwrap())
        .unwrap()
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let before = fs::read(&issued.verifier).unwrap();
    let out = verify(&env, &issued.verifier, &issued.codes[0], None);
    assert_error(
        &out,
        8,
        &format!(
            "this verifier belongs to generation 1, superseded on {when} by generation 2: export the verifier of the current set"
        ),
    );
    assert_eq!(
        fs::read(&issued.verifier).unwrap(),
        before,
        "nothing burned"
    );
}

fn a_verifier_whose_set_was_revoked_exits_8(env: Env) {
    let issued = generate(&env, "intranet-admin", 2, "v.json", &[]);
    env.cmd()
        .args(["revoke", "intranet-admin", "--yes"])
        .assert()
        .success();
    let before = fs::read(&issued.verifier).unwrap();
    let out = verify(&env, &issued.verifier, &issued.codes[0], None);
    assert_error_starts(
        &out,
        8,
        "this verifier belongs to generation 1, revoked on ",
    );
    assert!(
        stderr_of(&out).ends_with(": its codes no longer work\n"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(
        fs::read(&issued.verifier).unwrap(),
        before,
        "nothing burned"
    );
}

#[test]
fn a_verifier_on_a_server_whose_ledger_does_not_know_the_set_still_verifies() {
    let office = Env::new();
    let issued = generate(&office, "intranet-admin", 1, "v.json", &[]);
    let server = Env::new();
    let copy = server.work().join("admin.verifier.json");
    fs::copy(&issued.verifier, &copy).unwrap();
    let out = verify(&server, &copy, &issued.codes[0], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(used(&copy)[0].is_some());
    // The office's copy is a different file and is not touched.
    assert!(used(&issued.verifier)[0].is_none());
    // Checking against the ledger does not create one on the server.
    assert!(!server.ledger().exists());
}

// ---------------------------------------------------------------- damaged files

#[test]
fn a_hand_edited_verifier_is_refused_as_tampered_and_left_alone() {
    let env = Env::new();
    let issued = generate(&env, "intranet-admin", 2, "v.json", &[]);
    let out = verify(&env, &issued.verifier, &issued.codes[0], Some(1));
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let pristine = fs::read_to_string(&issued.verifier).unwrap();
    let used_at = used(&issued.verifier)[0].clone().unwrap();
    let other_set = if issued.set_id.starts_with('A') {
        "B"
    } else {
        "A"
    };
    let edits = [
        // Un-burn a used code so it can be used again.
        (
            format!("\"used_at\": \"{used_at}\""),
            "\"used_at\": null".to_owned(),
        ),
        // Claim another account or generation.
        (
            "\"account\": \"intranet-admin\"".to_owned(),
            "\"account\": \"intranet-root\"".to_owned(),
        ),
        (
            "\"generation\": 1".to_owned(),
            "\"generation\": 3".to_owned(),
        ),
        (
            format!("\"set_id\": \"{}", &issued.set_id[..1]),
            format!("\"set_id\": \"{other_set}"),
        ),
    ];
    for (from, to) in &edits {
        fs::write(&issued.verifier, &pristine).unwrap();
        edit(&issued.verifier, from, to);
        let edited = fs::read(&issued.verifier).unwrap();
        let out = verify(&env, &issued.verifier, &issued.codes[0], None);
        assert_error(
            &out,
            65,
            "v.json was edited or damaged after it was written (integrity digest mismatch): restore it from a backup or issue a new sheet"
                .replace("v.json", &issued.verifier.display().to_string())
                .as_str(),
        );
        assert_eq!(
            fs::read(&issued.verifier).unwrap(),
            edited,
            "{to}: file changed"
        );
    }
    // A format version this build does not read.
    fs::write(&issued.verifier, &pristine).unwrap();
    edit(&issued.verifier, "\"version\": 1", "\"version\": 2");
    let out = verify(&env, &issued.verifier, &issued.codes[1], None);
    assert_error(
        &out,
        65,
        &format!(
            "{} is verifier format version 2, this build reads version 1: use the release that wrote it",
            issued.verifier.display()
        ),
    );
    // Not JSON at all.
    fs::write(&issued.verifier, "{\"schema\": ").unwrap();
    let out = verify(&env, &issued.verifier, &issued.codes[1], None);
    assert_error_starts(
        &out,
        65,
        &format!(
            "{} is not a recovery-sheet verifier file",
            issued.verifier.display()
        ),
    );
}

#[test]
fn argon2_parameters_out_of_range_are_refused_before_hashing_even_when_the_digest_is_recomputed() {
    let env = Env::new();
    let issued = generate(&env, "intranet-admin", 2, "v.json", &[]);
    let (body, digest) = read_body(&issued.verifier);
    // The digest as this test computes it is the file's: re-signing below is faithful.
    assert_eq!(integrity(&body), digest);

    let cases = [
        // 4 GiB of memory per check.
        (
            "m=19456,t=2,p=1",
            "m=4194304,t=2,p=1",
            "argon2 m=4194304 (code 2) is outside 19456..=1048576",
        ),
        // A thousand passes.
        (
            "m=19456,t=2,p=1",
            "m=19456,t=1000,p=1",
            "argon2 t=1000 (code 2) is outside 2..=10",
        ),
        // Weaker than the minimum.
        (
            "m=19456,t=2,p=1",
            "m=8,t=2,p=1",
            "argon2 m=8 (code 2) is outside 19456..=1048576",
        ),
        (
            "m=19456,t=2,p=1",
            "m=19456,t=2,p=64",
            "argon2 p=64 (code 2) is outside 1..=16",
        ),
    ];
    for (from, to, message) in cases {
        let mut edited = body.clone();
        edited.codes[1].phc = edited.codes[1].phc.replacen(from, to, 1);
        write_signed(&issued.verifier, &edited);
        let written = fs::read(&issued.verifier).unwrap();
        // The right code is typed: only the bounds stand in the way.
        let out = verify(&env, &issued.verifier, &issued.codes[1], Some(2));
        assert_error(
            &out,
            65,
            &format!("{message}: use parameters within the bounds"),
        );
        assert_eq!(fs::read(&issued.verifier).unwrap(), written);
    }

    // A short salt is refused too.
    let mut edited = body.clone();
    let phc = edited.codes[0].phc.clone();
    let parts: Vec<&str> = phc.split('$').collect();
    // "somesalt": 8 bytes.
    edited.codes[0].phc = format!(
        "${}${}${}$c29tZXNhbHQ${}",
        parts[1], parts[2], parts[3], parts[5]
    );
    write_signed(&issued.verifier, &edited);
    let out = verify(&env, &issued.verifier, &issued.codes[0], Some(1));
    assert_error(
        &out,
        65,
        "argon2 salt length=8 (code 1) is outside 16..=48: use parameters within the bounds",
    );

    // And the same file re-signed without an edit still works: the refusals
    // above were the bounds, not a digest this test got wrong.
    write_signed(&issued.verifier, &body);
    let out = verify(&env, &issued.verifier, &issued.codes[1], Some(2));
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}

// ---------------------------------------------------------------- concurrency

#[test]
fn thirty_processes_verifying_the_same_code_give_exactly_one_success() {
    let env = Env::new();
    let issued = generate(&env, "intranet-admin", 2, "v.json", &[]);
    let start = Barrier::new(30);
    let codes: Vec<Option<i32>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..30)
            .map(|_| {
                s.spawn(|| {
                    let mut cmd = env.cmd();
                    cmd.arg("verify")
                        .arg("--verifier")
                        .arg(&issued.verifier)
                        .write_stdin(format!("{}\n", issued.codes[0]));
                    start.wait();
                    let out = cmd.output().unwrap();
                    (out.status.code(), stderr_of(&out))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                let (code, stderr) = h.join().unwrap();
                assert!(
                    code == Some(0)
                        || (code == Some(7) && stderr.contains("code 1 was already used at")),
                    "exit {code:?}: {stderr}"
                );
                code
            })
            .collect()
    });
    assert_eq!(
        codes.iter().filter(|c| **c == Some(0)).count(),
        1,
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == Some(7)).count(),
        29,
        "{codes:?}"
    );
    let used = used(&issued.verifier);
    assert!(used[0].is_some() && used[1].is_none(), "{used:?}");
    no_temp_files(&env.work());
    // The code stays burned.
    let out = verify(&env, &issued.verifier, &issued.codes[0], None);
    assert_eq!(out.status.code(), Some(7), "{}", stderr_of(&out));
}

#[test]
fn different_codes_verified_in_parallel_all_succeed_and_all_are_recorded() {
    let env = Env::new();
    let issued = generate(&env, "intranet-admin", 6, "v.json", &[]);
    let start = Barrier::new(6);
    let results: Vec<(Option<i32>, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = issued
            .codes
            .iter()
            .map(|code| {
                let start = &start;
                let env = &env;
                let verifier = &issued.verifier;
                s.spawn(move || {
                    let mut cmd = env.cmd();
                    cmd.arg("verify")
                        .arg("--verifier")
                        .arg(verifier)
                        .write_stdin(format!("{code}\n"));
                    start.wait();
                    let out = cmd.output().unwrap();
                    (out.status.code(), stderr_of(&out))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, (code, stderr)) in results.iter().enumerate() {
        assert_eq!(*code, Some(0), "code {}: {stderr}", i + 1);
        assert!(
            stderr.starts_with(&format!(
                "code {} of intranet-admin accepted and burned: ",
                i + 1
            )),
            "{stderr}"
        );
    }
    let used = used(&issued.verifier);
    assert!(used.iter().all(Option::is_some), "a use was lost: {used:?}");
    no_temp_files(&env.work());
}

#[test]
fn the_sheet_and_the_verifier_may_not_be_one_file() {
    let env = Env::new();
    for (sheet, verifier) in [("same.out", "same.out"), ("same.out", "./same.out")] {
        let out = env
            .cmd()
            .args(["generate", "--account", "intranet-admin", "--force"])
            .args(["-o", sheet, "--verifier", verifier])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("the sheet and the verifier would both be"),
            "{}",
            stderr_of(&out)
        );
        assert_eq!(env.work_files(), Vec::<String>::new());
        assert!(!env.ledger().exists());
    }
}

// verify asks the ledger, whichever it is.
crate::pg::on_both_ledgers!(
    a_verifier_whose_set_was_superseded_exits_8_naming_its_generation_and_date,
    a_verifier_whose_set_was_revoked_exits_8,
);
