//! Issue 4 end to end: `import` prints the codes a service issued, per preset, and refuses bad input with nothing written.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Output;

use common::*;

// ---------------------------------------------------------------- helpers

/// Runs `import` for `account` and `service` with `input` on stdin.
fn import(env: &Env, account: &str, service: &str, input: impl Into<Vec<u8>>) -> Output {
    env.cmd()
        .args(["import", "--account", account, "--service", service])
        .write_stdin(input.into())
        .output()
        .expect("run import")
}

/// The codes the sheet lists, in its order, as printed. Checks on the way that
/// the sheet numbers them 1, 2, 3, ... and gives each a "used on" line
/// (English or Japanese).
fn printed_codes(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut codes = Vec::new();
    for w in lines.windows(3) {
        if (w[2] == "used on" || w[2] == "使用日")
            && let Ok(number) = w[0].parse::<usize>()
        {
            assert_eq!(number, codes.len() + 1, "numbering out of order in\n{text}");
            codes.push(w[1].to_owned());
        }
    }
    codes
}

fn sheet_text(env: &Env) -> String {
    pdf_text(&fs::read(env.only_pdf()).expect("read sheet"))
}

/// The value printed after a label on the sheet ("Set ID", "Service", ...).
fn field<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let mut lines = text.lines().map(str::trim);
    lines.by_ref().find(|l| *l == label)?;
    lines.next()
}

/// Every form a person or a program might write a code in: as printed,
/// without separators, with a space or a hyphen instead, each in either case.
fn forms(code: &str) -> Vec<String> {
    let bare: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let spaced = code.replace('-', " ");
    let hyphened = code.replace(' ', "-");
    let mut out = Vec::new();
    for f in [code.to_owned(), bare, spaced, hyphened] {
        out.push(f.to_lowercase());
        out.push(f.to_uppercase());
        out.push(f);
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Fails if any code appears, in any form, in `bytes`.
fn assert_no_code_in(what: &str, bytes: &[u8], codes: &[String]) {
    for code in codes {
        for form in forms(code) {
            assert!(!contains(bytes, &form), "{what} holds a code ({form})");
        }
    }
}

/// What a refused command must leave as it was.
struct Before {
    ledger: Option<Vec<u8>>,
    work: Vec<String>,
    data: Vec<String>,
}

fn before(env: &Env) -> Before {
    Before {
        ledger: fs::read(env.ledger()).ok(),
        work: env.work_files(),
        data: files_in(&env.root.path().join("data")),
    }
}

fn no_temp_files(dir: &Path) {
    let temps: Vec<String> = files_in(dir)
        .into_iter()
        .filter(|f| f.starts_with(".recovery-sheet-"))
        .collect();
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
}

/// The command failed with `exit`, said exactly `message` in one line on
/// stderr, printed nothing on stdout, and wrote nothing: same files, same
/// ledger bytes (or still no ledger).
fn assert_refused(env: &Env, before: &Before, out: &Output, exit: i32, message: &str) {
    assert_eq!(
        stderr_of(out),
        format!("recovery-sheet: error: {message}\n"),
        "stderr"
    );
    assert_eq!(out.status.code(), Some(exit), "{}", stderr_of(out));
    assert!(out.stdout.is_empty(), "stdout: {}", stdout_of(out));
    assert_eq!(env.work_files(), before.work, "files in the working folder");
    assert_eq!(
        files_in(&env.root.path().join("data")),
        before.data,
        "files beside the ledger"
    );
    assert!(
        fs::read(env.ledger()).ok() == before.ledger,
        "the ledger changed"
    );
    no_temp_files(&env.work());
}

/// A successful import: exit 0, nothing on stdout, the sheet private, no
/// temporary file left, and no code on stderr. Returns the sheet's text.
fn assert_printed(env: &Env, out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(out));
    assert!(out.stdout.is_empty(), "stdout: {}", stdout_of(out));
    let pdf = env.only_pdf();
    assert_eq!(mode(&pdf), 0o600);
    no_temp_files(&env.work());
    let text = sheet_text(env);
    assert_no_code_in("stderr", &out.stderr, &printed_codes(&text));
    text
}

/// A ledger already holding another account, so a refusal can be shown to
/// leave real ledger bytes unchanged.
fn env_with_other_account() -> Env {
    let env = Env::new();
    let out = import(&env, "other@example.com", "generic", "abcd1234\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    fs::remove_file(env.only_pdf()).unwrap();
    env
}

fn hex_codes(n: u64, len: usize, seed: u64) -> Vec<String> {
    (1..=n)
        .map(|i| {
            let x = (i + seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            format!("{x:016x}")[..len].to_owned()
        })
        .collect()
}

/// Google's downloaded Backup-codes-*.txt as Windows saves it: a heading,
/// the codes numbered in two columns (1-5 left, 6-10 right), the account
/// and some notes.
const GOOGLE_TXT: &str = "SAVE YOUR BACKUP CODES\r\n\
    Keep these backup codes somewhere safe but accessible.\r\n\
    \r\n\
    1. 4012 6743\t\t6. 1852 9735\r\n\
    2. 3021 7720\t\t7. 5092 3740\r\n\
    3. 8841 0263\t\t8. 7719 2046\r\n\
    4. 6605 1198\t\t9. 2287 4410\r\n\
    5. 9930 5512\t\t10. 1476 8853\r\n\
    \r\n\
    (shop@gmail.com)\r\n\
    \r\n\
    * You can only use each backup code once.\r\n\
    * Need more backup codes? Generate new ones at https://g.co/2sv\r\n\
    * Created on: Jan 5, 2024\r\n";

// ---------------------------------------------------------------- presets

#[test]
fn google_backup_codes_txt_from_file_prints_ten_codes_as_1234_5678_in_google_order() {
    let env = Env::new();
    fs::write(env.work().join("Backup-codes-shop.txt"), GOOGLE_TXT).unwrap();
    let out = env
        .cmd()
        .args([
            "import",
            "--account",
            "shop@gmail.com",
            "--service",
            "google",
        ])
        .args(["--from", "Backup-codes-shop.txt"])
        .output()
        .unwrap();
    let text = assert_printed(&env, &out);
    assert_eq!(
        printed_codes(&text),
        [
            "4012 6743",
            "3021 7720",
            "8841 0263",
            "6605 1198",
            "9930 5512",
            "1852 9735",
            "5092 3740",
            "7719 2046",
            "2287 4410",
            "1476 8853"
        ],
        "numbered as Google numbered them"
    );
    assert_eq!(field(&text, "Service"), Some("Google"));
    assert_eq!(field(&text, "Account"), Some("shop@gmail.com"));
    assert!(text.contains("Google: on the 2-Step Verification screen choose"));
    assert!(text.contains("Each code works once, in any order."));
    assert!(!stderr_of(&out).contains("warning"), "{}", stderr_of(&out));
    // The input file is left as it was.
    assert_eq!(
        fs::read_to_string(env.work().join("Backup-codes-shop.txt")).unwrap(),
        GOOGLE_TXT
    );
}

#[test]
fn google_codes_pasted_with_stray_spaces_blank_lines_and_two_per_line_keep_their_order() {
    let env = Env::new();
    let pasted = "\n   1234 5678  \n\n2345-6789\n34567890\n\
        4567 8901   5678 9012\n  6789 0123, 7890 1234\n\n\n8901 2345\t9012 3456\n0123 4567   \n";
    let text = assert_printed(&env, &import(&env, "shop@gmail.com", "google", pasted));
    assert_eq!(
        printed_codes(&text),
        [
            "1234 5678",
            "2345 6789",
            "3456 7890",
            "4567 8901",
            "5678 9012",
            "6789 0123",
            "7890 1234",
            "8901 2345",
            "9012 3456",
            "0123 4567"
        ]
    );
    assert_eq!(codes_in(&text, "9999 9999").len(), 10);
}

#[test]
fn instagram_codes_with_space_or_hyphen_print_as_1234_5678_without_a_count_warning() {
    let env = Env::new();
    let pasted = "Backup Codes\r\n\
        Keep these codes somewhere safe.\r\n\r\n\
        1234 5678    2345-6789\r\n   3456 7890\r\n\r\n4567-8901\r\n5678 9012\r\n";
    let out = import(&env, "shop.insta", "instagram", pasted);
    let text = assert_printed(&env, &out);
    assert_eq!(
        printed_codes(&text),
        [
            "1234 5678",
            "2345 6789",
            "3456 7890",
            "4567 8901",
            "5678 9012"
        ]
    );
    assert_eq!(field(&text, "Service"), Some("Instagram"));
    assert!(text.contains("Instagram: on the login code screen tap \"Try another way\""));
    // How many Instagram issues is not certain: five is not warned about.
    assert!(!stderr_of(&out).contains("warning"), "{}", stderr_of(&out));
}

#[test]
fn freee_codes_under_a_japanese_heading_in_full_width_digits_print_as_nine_digit_runs() {
    let env = Env::new();
    let pasted = "バックアップコード\n\
        以下のコードを安全な場所に保管してください。\n\n\
        123456789\n２３４５６７８９０\n345-678-901   456 789 012\n\
        567890123\n678901234\n789012345\n890123456\n901234567\n012345678\n";
    let text = assert_printed(&env, &import(&env, "経理 freee", "freee", pasted));
    assert_eq!(
        printed_codes(&text),
        [
            "123456789",
            "234567890",
            "345678901",
            "456789012",
            "567890123",
            "678901234",
            "789012345",
            "890123456",
            "901234567",
            "012345678"
        ]
    );
    assert_eq!(field(&text, "Service"), Some("freee"));
    assert!(text.contains("freee: on the two-factor screen choose to sign in with a backup code."));
}

#[test]
fn a_japanese_sheet_carries_the_services_advice_in_japanese() {
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "import",
            "--account",
            "keiri",
            "--service",
            "freee",
            "--lang",
            "ja",
        ])
        .write_stdin("123456789\n234567890\n")
        .output()
        .unwrap();
    let text = assert_printed(&env, &out);
    assert_eq!(printed_codes(&text), ["123456789", "234567890"]);
    assert!(
        text.contains("freee：2段階認証の画面でバックアップコードによるログインを選びます。"),
        "{text}"
    );
}

#[test]
fn x_codes_from_a_file_print_lower_case_with_the_use_in_order_wording() {
    let env = Env::new();
    let file = "Backup codes\n\
        Write these down and keep them somewhere safe.\n\n\
        k3m9x2p7q4wz\nABCD2345EFGH\n  h7n2c5v8r6tj   m4q8w2e6r9ty\n\nzz9yx8wv7ut6\n";
    fs::write(env.work().join("backup-codes.txt"), file).unwrap();
    let out = env
        .cmd()
        .args(["import", "--account", "shop-x", "--service", "x"])
        .args(["--from", "backup-codes.txt"])
        .output()
        .unwrap();
    let text = assert_printed(&env, &out);
    assert_eq!(
        printed_codes(&text),
        [
            "k3m9x2p7q4wz",
            "abcd2345efgh",
            "h7n2c5v8r6tj",
            "m4q8w2e6r9ty",
            "zz9yx8wv7ut6"
        ]
    );
    assert_eq!(field(&text, "Service"), Some("X"));
    assert!(text.contains("Use the codes in order, starting at number 1."));
    assert!(text.contains("Use the codes in the order they were issued."));
    assert!(!text.contains("in any order"), "{text}");
    assert!(!stderr_of(&out).contains("warning"), "{}", stderr_of(&out));
}

#[test]
fn x_codes_of_an_unusual_length_are_printed_with_a_warning_naming_the_length() {
    let env = Env::new();
    let out = import(
        &env,
        "shop-x",
        "x",
        "k3m9x2p7q4wz\nh7n2c5v8\nabcd2345efgh\nm4q8w2e6r9ty\nzz9yx8wv7ut6\n",
    );
    let text = assert_printed(&env, &out);
    assert_eq!(printed_codes(&text)[1], "h7n2c5v8");
    assert!(
        stderr_of(&out).contains(
            "warning: 1 code has 8 characters; X codes usually have 12: compare them with what X showed\n"
        ),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn github_codes_copied_from_the_page_in_two_columns_print_as_xxxxx_xxxxx_lower_case() {
    let env = Env::new();
    let codes = hex_codes(16, 10, 0);
    let mut page =
        String::from("Recovery codes\r\n\r\nKeep your recovery codes in a safe spot.\r\n\r\n");
    for pair in codes.chunks(2) {
        // Left as GitHub shows it, right typed by hand in upper case.
        page.push_str(&format!(
            "  {}-{}     {}-{}\r\n",
            &pair[0][..5],
            &pair[0][5..],
            pair[1][..5].to_uppercase(),
            pair[1][5..].to_uppercase()
        ));
    }
    let text = assert_printed(&env, &import(&env, "octo-admin", "github", page));
    let expected: Vec<String> = codes
        .iter()
        .map(|c| format!("{}-{}", &c[..5], &c[5..]))
        .collect();
    assert_eq!(printed_codes(&text), expected);
    assert_eq!(field(&text, "Service"), Some("GitHub"));
    assert!(text.contains("GitHub: on the two-factor page choose \"Use a recovery code\"."));
}

#[test]
fn gitlab_numbered_codes_print_as_sixteen_lower_case_hex_digits() {
    let env = Env::new();
    let codes = hex_codes(10, 16, 100);
    let mut pasted = String::from(
        "Two-factor authentication recovery codes\n\n\
         Should you ever lose your phone or access to your one time password secret, \
         each of these recovery codes can be used one time each to regain access.\n\n",
    );
    for (i, c) in codes.iter().enumerate() {
        let c = if i % 3 == 0 {
            c.to_uppercase()
        } else {
            c.clone()
        };
        pasted.push_str(&format!("{}. {c}\n", i + 1));
    }
    let text = assert_printed(&env, &import(&env, "gitlab-root", "gitlab", pasted));
    assert_eq!(printed_codes(&text), codes);
    assert_eq!(field(&text, "Service"), Some("GitLab"));
    assert!(
        text.contains("GitLab: enter a recovery code in the two-factor authentication code field.")
    );
}

#[test]
fn keycloak_codes_print_as_xxxx_xxxx_xxxx_upper_case() {
    let env = Env::new();
    let codes = [
        "ABCD-EFGH-JKLM",
        "NPQR-STUV-WXYZ",
        "2345-6789-ABCD",
        "EFGH-JKLM-NPQR",
        "Q7W2-E9R4-T6Y8",
        "U3I5-O7P9-A2S4",
        "D6F8-G1H3-J5K7",
        "L9Z2-X4C6-V8B1",
        "N3M5-Q7W9-E2R4",
        "T6Y8-U1I3-O5P7",
        "A9S2-D4F6-G8H1",
        "J3K5-L7Z9-X2C4",
    ];
    let mut pasted = String::from("Recovery Authentication Codes\n\n");
    for (i, pair) in codes.chunks(2).enumerate() {
        pasted.push_str(&format!(
            "{}: {}\t{}: {}\n",
            2 * i + 1,
            pair[0],
            2 * i + 2,
            pair[1].to_lowercase()
        ));
    }
    let text = assert_printed(&env, &import(&env, "sso-admin", "keycloak", pasted));
    assert_eq!(printed_codes(&text), codes);
    assert_eq!(codes_in(&text, "XXXX-XXXX-XXXX").len(), 12);
    assert_eq!(field(&text, "Service"), Some("Keycloak"));
    assert!(text.contains(
        "Keycloak: choose \"Try another way\" and then \"Recovery authentication code\"."
    ));
}

#[test]
fn nextcloud_codes_keep_their_case() {
    let env = Env::new();
    let codes = [
        "aB3dE5gH7jK9mN2p",
        "AB3DE5GH7JK9MN2P",
        "qW8eR4tY6uI2oP0a",
        "Zx5Cv7Bn9Mq2Wd4F",
        "hJ6kL8pO0iU2yT4r",
        "Ee3Rr5Tt7Yy9Uu1I",
        "m2N4b6V8c0X1z3L5",
        "Kk9Jj7Hh5Gg3Ff1D",
        "s1D2f3G4h5J6k7L8",
        "P0o9I8u7Y6t5R4e3",
    ];
    let pasted = format!(
        "These are your backup codes. Please save and/or print them as you will not be able to read the codes again later.\n\n{}\n",
        codes.join("\n")
    );
    let text = assert_printed(
        &env,
        &import(&env, "cloud.example.org", "nextcloud", pasted),
    );
    assert_eq!(printed_codes(&text), codes);
    assert_eq!(field(&text, "Service"), Some("Nextcloud"));
    assert!(text.contains("Nextcloud: choose \"Backup code\" on the two-factor challenge page."));
}

#[test]
fn playstation_codes_print_as_ten_digit_runs() {
    let env = Env::new();
    let codes: Vec<String> = (0..10u64)
        .map(|i| format!("{:010}", 1_357_902_468 + i * 97_531_864))
        .collect();
    let pasted: String = codes
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}. {} {}\r\n", i + 1, &c[..5], &c[5..]))
        .collect();
    let text = assert_printed(&env, &import(&env, "psn-family", "playstation", pasted));
    assert_eq!(printed_codes(&text), codes);
    assert_eq!(field(&text, "Service"), Some("PlayStation"));
    assert!(text.contains("PlayStation: enter a backup code on the 2-step verification screen"));
}

#[test]
fn generic_codes_print_as_given_without_a_service() {
    let env = Env::new();
    let pasted = "Ab12-Cd34   zzzz9999\n\tQWERTYUIOPASDFGHJKLZ, Uu12\n\n";
    let text = assert_printed(&env, &import(&env, "intranet", "generic", pasted));
    assert_eq!(
        printed_codes(&text),
        ["Ab12Cd34", "zzzz9999", "QWERTYUIOPASDFGHJKLZ", "Uu12"]
    );
    assert_eq!(field(&text, "Service"), None, "{text}");
    assert!(text.contains("Enter a code where the service asks for a backup or recovery code."));
}

#[test]
fn fewer_codes_than_the_service_issues_is_a_warning_not_a_refusal() {
    let env = Env::new();
    let out = import(
        &env,
        "shop@gmail.com",
        "google",
        "1111 2222\n3333 4444\n5555 6666\n7777 8888\n9999 0000\n1212 3434\n5656 7878\n",
    );
    let text = assert_printed(&env, &out);
    assert_eq!(printed_codes(&text).len(), 7);
    assert!(
        stderr_of(&out).contains(
            "warning: 7 codes found; Google issues 10 — fine if some were already used\n"
        ),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn invisible_characters_copied_from_a_web_page_do_not_spoil_a_code() {
    let env = Env::new();
    // Zero-width space, soft hyphen, word joiner, left-to-right mark.
    let pasted = "4012\u{200B}6743\n3021\u{00AD}7720\u{2060}\n\u{200E}8841 0263\n";
    let text = assert_printed(&env, &import(&env, "shop@gmail.com", "google", pasted));
    assert_eq!(
        printed_codes(&text),
        ["4012 6743", "3021 7720", "8841 0263"]
    );
}

#[test]
fn a_control_character_in_a_code_is_named_by_its_code_point() {
    let env = env_with_other_account();
    let b = before(&env);
    let out = import(
        &env,
        "shop@gmail.com",
        "google",
        "1234 5678\n4012\u{7}6743\n",
    );
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 2: the code has a control character (U+0007) at position 5; Google codes use only digits",
    );
}

#[test]
fn a_code_with_a_stray_symbol_is_refused_rather_than_silently_left_off_the_sheet() {
    let env = env_with_other_account();
    let b = before(&env);
    let out = import(
        &env,
        "octo",
        "github",
        "abcde-12345\nbcdef.12345\n0f1e2-3d4c5\n",
    );
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 2: the code has `.` at position 6; GitHub codes use only hexadecimal digits (0-9, a-f)",
    );
    let out = import(
        &env,
        "shop-x",
        "x",
        "Backup codes\nk3m9x2p7q4wz\nh7n2c5v8r6t/j\nabcd2345efgh\n",
    );
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 3: the code has `/` at position 12; X codes use only letters and digits",
    );
}

#[test]
fn the_service_name_is_accepted_in_any_case() {
    let env = Env::new();
    let text = assert_printed(&env, &import(&env, "octo", "GitHub", "abcde-12345\n"));
    assert_eq!(printed_codes(&text), ["abcde-12345"]);
}

// ---------------------------------------------------------------- lineage

fn a_reimport_with_regenerate_supersedes_the_old_set_and_names_it_on_the_new_sheet(env: Env) {
    let first = import(&env, "shop@gmail.com", "google", GOOGLE_TXT);
    let first_text = assert_printed(&env, &first);
    let old_pdf = env.only_pdf();
    let old_set = field(&first_text, "Set ID").unwrap().to_owned();
    let old_bytes = fs::read(&old_pdf).unwrap();

    let new_codes = "1357 2468\n2468 1357\n9753 8642\n";
    let second = env
        .cmd()
        .args([
            "import",
            "--account",
            "shop@gmail.com",
            "--service",
            "google",
        ])
        .arg("--regenerate")
        .write_stdin(new_codes)
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(0), "{}", stderr_of(&second));
    let pdfs: Vec<String> = env
        .work_files()
        .into_iter()
        .filter(|f| f.ends_with(".pdf"))
        .collect();
    assert_eq!(pdfs.len(), 2, "{pdfs:?}");
    let new_pdf = pdfs
        .iter()
        .map(|f| env.work().join(f))
        .find(|p| *p != old_pdf)
        .unwrap();
    assert!(new_pdf.to_string_lossy().contains("-gen2-"), "{new_pdf:?}");
    assert_eq!(mode(&new_pdf), 0o600);
    // The old sheet's file is not touched: it is the paper that must go.
    assert_eq!(fs::read(&old_pdf).unwrap(), old_bytes);

    let text = pdf_text(&fs::read(&new_pdf).unwrap());
    assert_eq!(field(&text, "Generation"), Some("2"));
    assert_eq!(
        printed_codes(&text),
        ["1357 2468", "2468 1357", "9753 8642"]
    );
    assert!(text.contains("THIS SHEET REPLACES ALL EARLIER SHEETS FOR THIS ACCOUNT"));
    // The set ID is a run of its own in the code face (issue 13): compared
    // without the spaces and line breaks a PDF reader puts between runs.
    let flat = |s: &str| s.split_whitespace().collect::<String>();
    assert!(
        flat(&text).contains(&flat(&format!(
            "Destroy: set {old_set}, generation 1, issued "
        ))),
        "{text}"
    );
    assert!(
        stderr_of(&second).contains(&format!("this set replaces generation 1 (set {old_set}, ")),
        "{}",
        stderr_of(&second)
    );
    assert_no_code_in("stderr", &second.stderr, &printed_codes(&first_text));

    // The ledger agrees: the old set ID now checks as superseded.
    env.cmd().args(["check", &old_set]).assert().code(3);
    let new_set = field(&text, "Set ID").unwrap();
    env.cmd().args(["check", new_set]).assert().code(0);
    // Both are generations like any other, recorded as imports.
    let show = env
        .cmd()
        .args(["show", "shop@gmail.com", "--json"])
        .output()
        .unwrap();
    let history: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    let gens = history.as_array().unwrap();
    assert_eq!(gens.len(), 2);
    for (g, (set, count, status)) in gens.iter().zip([
        (old_set.as_str(), 10, "superseded"),
        (new_set, 3, "current"),
    ]) {
        assert_eq!(g["set_id"].as_str(), Some(set));
        assert_eq!(g["source"], "import:google");
        assert_eq!(g["count"], count);
        assert_eq!(g["status"], status);
    }
    assert_eq!(gens[0]["superseded_by"].as_str(), Some(new_set));
}

#[test]
fn a_second_import_without_regenerate_is_refused_and_changes_nothing() {
    let env = Env::new();
    let first = import(&env, "shop@gmail.com", "google", GOOGLE_TXT);
    let text = assert_printed(&env, &first);
    let set = field(&text, "Set ID").unwrap().to_owned();
    let before = before(&env);
    let out = import(&env, "shop@gmail.com", "google", "1357 2468\n2468 1357\n");
    let stderr = stderr_of(&out);
    // A warning about the count may come first; the error is the last line.
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!(
            "recovery-sheet: error: shop@gmail.com already has a current set (generation 1, set {set}, issued "
        )) && last.ends_with("): pass --regenerate to replace it, then destroy the old sheet"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(65));
    assert_eq!(env.work_files(), before.work);
    assert!(
        fs::read(env.ledger()).ok() == before.ledger,
        "the ledger changed"
    );
    no_temp_files(&env.work());
    assert_no_code_in(
        "stderr",
        &out.stderr,
        &["1357 2468".into(), "2468 1357".into()],
    );
}

// ---------------------------------------------------------------- bad input

#[test]
fn a_google_code_of_the_wrong_length_is_refused_with_its_line_number() {
    let env = env_with_other_account();
    let b = before(&env);
    let out = import(
        &env,
        "shop@gmail.com",
        "google",
        "SAVE YOUR BACKUP CODES\n\n1234 567\n2345 6789\n",
    );
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 3: the code has 7 digits; Google codes have 8",
    );
}

#[test]
fn a_code_of_the_wrong_length_is_refused_for_grouped_alphanumeric_services_too() {
    let env = env_with_other_account();
    let b = before(&env);
    let out = import(
        &env,
        "sso-admin",
        "keycloak",
        "Recovery Authentication Codes\n1: ABCD-EFGH-JKLM\n2: NPQR-STUV-WXY\n",
    );
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 3: the code has 11 characters; Keycloak codes have 12",
    );
}

#[test]
fn a_character_the_service_never_uses_is_refused_with_its_line_number() {
    let env = env_with_other_account();
    let b = before(&env);
    let out = import(
        &env,
        "octo-admin",
        "github",
        "Recovery codes\n\nabcde-12345\n0f1e2-3d4c5   abcde-1234g\n",
    );
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 4: the 2nd code on the line has a letter at position 10; GitHub codes use only hexadecimal digits (0-9, a-f)",
    );

    let out = import(&env, "shop@gmail.com", "google", "1234 5678\n12O4 5678\n");
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 2: the code has a letter at position 3; Google codes use only digits",
    );
}

#[test]
fn the_same_code_twice_is_refused_without_quoting_it() {
    let env = env_with_other_account();
    let b = before(&env);
    let out = import(
        &env,
        "shop@gmail.com",
        "google",
        "1111 2222\n3333 4444\n5555 6666\n\n\n7777 8888\n3333-4444\n",
    );
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 7: this code already appeared on line 2",
    );
    let codes = ["1111 2222", "3333 4444", "5555 6666", "7777 8888"].map(String::from);
    assert_no_code_in("stderr", &out.stderr, &codes);

    // Case does not make a GitHub code different.
    let out = import(&env, "octo", "github", "abcde-12345\nABCDE-12345\n");
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 2: this code already appeared on line 1",
    );
}

#[test]
fn empty_input_is_refused() {
    let message =
        "no codes found in the input: paste the codes the service showed, one or more per line";
    let env = env_with_other_account();
    let b = before(&env);
    for input in [
        "",
        "\r\n   \n\t\n",
        "SAVE YOUR BACKUP CODES\nKeep these backup codes somewhere safe.\n",
    ] {
        let out = import(&env, "shop@gmail.com", "google", input);
        assert_refused(&env, &b, &out, 65, message);
    }
    // An empty file is the same.
    fs::write(env.root.path().join("empty.txt"), "").unwrap();
    let out = env
        .cmd()
        .args([
            "import",
            "--account",
            "shop@gmail.com",
            "--service",
            "generic",
        ])
        .arg("--from")
        .arg(env.root.path().join("empty.txt"))
        .output()
        .unwrap();
    assert_refused(&env, &b, &out, 65, message);
}

#[test]
fn more_codes_than_the_service_issues_are_refused() {
    let env = env_with_other_account();
    let b = before(&env);
    let eleven: String = (10..21).map(|i| format!("{i}{i} {i}{i}\n")).collect();
    let out = import(&env, "shop@gmail.com", "google", eleven);
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "found 11 codes; Google issues at most 10 per set",
    );

    let seventeen: String = hex_codes(17, 10, 7).join("\n");
    let out = import(&env, "octo", "github", seventeen);
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "found 17 codes; GitHub issues at most 16 per set",
    );
}

#[test]
fn input_that_is_not_utf8_is_refused_with_the_first_bad_line() {
    let env = env_with_other_account();
    let b = before(&env);
    // A freee page saved by an old Windows editor: the heading in Shift_JIS.
    let mut input = b"freee backup codes\r\n".to_vec();
    input.extend_from_slice(
        b"\x83\x6f\x83\x62\x83\x4e\x83\x41\x83\x62\x83\x76\x83\x52\x81\x5b\x83\x68\r\n",
    );
    input.extend_from_slice(b"123456789\r\n234567890\r\n");
    let out = import(&env, "keiri", "freee", input.clone());
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 2: the input is not UTF-8 text: save or paste the codes as plain text",
    );
    // The same from a file.
    let path = env.root.path().join("codes-sjis.txt");
    fs::write(&path, &input).unwrap();
    let out = env
        .cmd()
        .args([
            "import",
            "--account",
            "keiri",
            "--service",
            "freee",
            "--from",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 2: the input is not UTF-8 text: save or paste the codes as plain text",
    );
}

#[test]
fn a_code_standing_among_words_is_refused_rather_than_dropped() {
    let env = env_with_other_account();
    let b = before(&env);
    let out = import(
        &env,
        "shop@gmail.com",
        "google",
        "1111 2222\nYour code: 1234 5678\n",
    );
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 2: something like a code stands among words: put each code on a line of its own or delete the text",
    );
    assert_no_code_in(
        "stderr",
        &out.stderr,
        &["1111 2222".into(), "1234 5678".into()],
    );
}

#[test]
fn an_unknown_service_is_a_usage_error_listing_the_presets() {
    let env = env_with_other_account();
    let b = before(&env);
    let out = import(&env, "shop-x", "twitter", "k3m9x2p7q4wz\n");
    assert_refused(
        &env,
        &b,
        &out,
        2,
        "unknown service `twitter`: use one of google, instagram, freee, x, github, gitlab, keycloak, nextcloud, playstation, generic",
    );
}

#[test]
fn a_missing_from_file_is_refused_with_exit_66() {
    let env = env_with_other_account();
    let b = before(&env);
    let out = env
        .cmd()
        .args(["import", "--account", "shop-x", "--service", "x"])
        .args(["--from", "no-such-codes.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(66), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    assert!(
        stderr.starts_with("recovery-sheet: error: cannot read the codes from no-such-codes.txt: ")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert_eq!(env.work_files(), b.work);
    assert!(
        fs::read(env.ledger()).ok() == b.ledger,
        "the ledger changed"
    );
}

#[test]
fn a_refused_first_import_creates_no_ledger() {
    let env = Env::new();
    let b = before(&env);
    assert!(b.ledger.is_none());
    let out = import(&env, "shop@gmail.com", "google", "1234 567\n");
    assert_refused(
        &env,
        &b,
        &out,
        65,
        "line 1: the code has 7 digits; Google codes have 8",
    );
    assert!(!env.ledger().exists());
}

// ---------------------------------------------------------------- secrecy

fn imported_codes_never_reach_stdout_stderr_or_the_ledger(env: Env) {
    let inputs: [(&str, &str, String); 5] = [
        ("shop@gmail.com", "google", GOOGLE_TXT.to_owned()),
        ("shop-x", "x", "k3m9x2p7q4wz\nh7n2c5v8\n".to_owned()),
        ("octo", "github", hex_codes(16, 10, 3).join("\n")),
        (
            "sso",
            "keycloak",
            "ABCD-EFGH-JKLM\nnpqr-stuv-wxyz\n".to_owned(),
        ),
        (
            "cloud",
            "nextcloud",
            "aB3dE5gH7jK9mN2p\nxY7zW4qR8sT2\n".to_owned(),
        ),
    ];
    let mut all = Vec::new();
    let mut outputs = Vec::new();
    for (account, service, input) in &inputs {
        let out = import(&env, account, service, input.as_str());
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        outputs.push(out);
    }
    for pdf in env.work_files().iter().filter(|f| f.ends_with(".pdf")) {
        let text = pdf_text(&fs::read(env.work().join(pdf)).unwrap());
        all.extend(printed_codes(&text));
    }
    assert_eq!(all.len(), 10 + 2 + 16 + 2 + 2);
    for out in &outputs {
        assert_no_code_in("stdout", &out.stdout, &all);
        assert_no_code_in("stderr", &out.stderr, &all);
    }
    // `list` and `show` speak of sets, never of codes.
    for args in [vec!["list"], vec!["list", "--json"], vec!["show", "octo"]] {
        let out = env.cmd().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        assert_no_code_in("list/show", &out.stdout, &all);
    }
    // Nor the ledger: every file of it, or every row of the database.
    let ledger = env.ledger_files();
    assert!(!ledger.is_empty(), "the imports were recorded somewhere");
    for (name, bytes) in ledger {
        assert_no_code_in(&name, &bytes, &all);
    }
}

// Imports recorded on a SQLite file and on a PostgreSQL database.
crate::pg::on_both_ledgers!(
    a_reimport_with_regenerate_supersedes_the_old_set_and_names_it_on_the_new_sheet,
    imported_codes_never_reach_stdout_stderr_or_the_ledger,
);
