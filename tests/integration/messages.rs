//! Issue 6, "messages in Japanese when the locale is Japanese": errors and
//! warnings read in the user's language, with the same exit codes; the same
//! command in the C locale still reads in English, word for word as before.

use crate::common;

use std::fs;
use std::process::Output;

use common::*;

/// What one command printed in a Japanese locale and in the C locale, each
/// run in a fresh environment prepared by the same `setup`.
struct Both {
    ja: Output,
    en: Output,
    /// The environments, kept so a test can look at the files left behind.
    ja_env: Env,
    en_env: Env,
}

fn run_both(setup: impl Fn(&Env), args: &[&str], stdin: &[u8]) -> Both {
    let run = |lang: &str| {
        let env = Env::new();
        setup(&env);
        let out = env
            .cmd()
            .env("LANG", lang)
            .args(args)
            .write_stdin(stdin.to_vec())
            .output()
            .unwrap();
        (env, out)
    };
    let (ja_env, ja) = run("ja_JP.UTF-8");
    let (en_env, en) = run("C.UTF-8");
    Both {
        ja,
        en,
        ja_env,
        en_env,
    }
}

impl Both {
    /// Both runs ended with `code`.
    fn exit(&self, code: i32) -> &Self {
        assert_eq!(self.ja.status.code(), Some(code), "{}", stderr_of(&self.ja));
        assert_eq!(self.en.status.code(), Some(code), "{}", stderr_of(&self.en));
        self
    }

    /// The Japanese run printed `japanese` on stderr and not `english`, and
    /// the English run printed `english`.
    fn says(&self, japanese: &str, english: &str) -> &Self {
        let (ja, en) = (stderr_of(&self.ja), stderr_of(&self.en));
        assert!(ja.contains(japanese), "Japanese stderr:\n{ja}");
        assert!(!ja.contains(english), "English in Japanese stderr:\n{ja}");
        assert!(en.contains(english), "English stderr:\n{en}");
        assert!(!en.contains(japanese), "Japanese in English stderr:\n{en}");
        self
    }

    /// The whole of stderr, in each language.
    fn stderr_is(&self, japanese: &str, english: &str) -> &Self {
        assert_eq!(stderr_of(&self.ja), japanese);
        assert_eq!(stderr_of(&self.en), english);
        self
    }
}

fn generate(env: &Env, account: &str) {
    let out = env
        .cmd()
        .args(["generate", "--account", account])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[test]
fn an_empty_account_is_refused_in_japanese() {
    run_both(|_| {}, &["generate", "--account", "  "], b"")
        .exit(2)
        .stderr_is(
            "recovery-sheet: エラー: アカウントが空です：印刷する名前を指定してください（例：--account shop@example.com）\n",
            "recovery-sheet: error: the account is empty: give the label to print, e.g. --account shop@example.com\n",
        );
}

#[test]
fn an_existing_output_without_force_is_refused_in_japanese_and_left_alone() {
    let both = run_both(
        |env| fs::write(env.work().join("sheet.pdf"), "mine").unwrap(),
        &[
            "generate",
            "--account",
            "shop@example.com",
            "-o",
            "sheet.pdf",
        ],
        b"",
    );
    both.exit(73).stderr_is(
        "recovery-sheet: エラー: sheet.pdf はすでにあります：置き換えるには --force を付けるか、-o で別の名前を指定してください\n",
        "recovery-sheet: error: sheet.pdf exists: pass --force to replace it, or choose another name with -o\n",
    );
    for env in [&both.ja_env, &both.en_env] {
        assert_eq!(fs::read(env.work().join("sheet.pdf")).unwrap(), b"mine");
    }
}

#[test]
fn a_second_sheet_without_regenerate_is_refused_in_japanese_naming_the_current_set() {
    let both = run_both(
        |env| generate(env, "shop@example.com"),
        &["generate", "--account", "shop@example.com"],
        b"",
    );
    both.exit(65).says(
        "recovery-sheet: エラー: shop@example.com にはすでに有効なセットがあります（第1世代、セット ",
        "recovery-sheet: error: shop@example.com already has a current set (generation 1, set ",
    );
    both.says(
        "発行）：置き換えるには --regenerate を付けて実行し、その後で古いシートを破棄してください\n",
        "): pass --regenerate to replace it, then destroy the old sheet\n",
    );
}

#[test]
fn a_google_code_of_the_wrong_length_is_refused_in_japanese_with_its_line_number() {
    run_both(
        |_| {},
        &[
            "import",
            "--account",
            "shop@gmail.com",
            "--service",
            "google",
        ],
        b"1234 5678\n2345 678\n",
    )
    .exit(65)
    .stderr_is(
        "recovery-sheet: エラー: 2 行目：コードは 7 桁ですが、Google のコードは 8 桁です\n",
        "recovery-sheet: error: line 2: the code has 7 digits; Google codes have 8\n",
    );
}

#[test]
fn fewer_imported_codes_than_the_service_issues_is_a_warning_in_japanese() {
    run_both(
        |_| {},
        &["import", "--account", "shop@gmail.com", "--service", "google"],
        b"1234 5678\n2345 6789\n",
    )
    .exit(0)
    .says(
        "警告: コードが 2 個見つかりました。Google が発行するのは 10 個です（使用済みのコードがあれば問題ありません）\n",
        "warning: 2 codes found; Google issues 10 — fine if some were already used\n",
    );
}

#[test]
fn marking_a_code_of_an_unknown_account_is_refused_in_japanese() {
    run_both(
        |env| generate(env, "shop@example.com"),
        &["mark-used", "nobody@example.com", "1"],
        b"",
    )
    .exit(65)
    .stderr_is(
        "recovery-sheet: エラー: 台帳にアカウント `nobody@example.com` はありません：名前を確認してください（`recovery-sheet list` ですべてのアカウントを表示できます）\n",
        "recovery-sheet: error: no account `nobody@example.com` in the ledger: check the name (`recovery-sheet list` shows every account)\n",
    );
}

#[test]
fn a_weak_format_is_a_warning_in_japanese() {
    run_both(
        |_| {},
        &["generate", "--account", "intranet", "--format", "XXXX-XXXX"],
        b"",
    )
    .exit(0)
    .says(
        "警告: この形式はコード 1 つあたり 40.0 ビットで、NIST SP 800-63B rev. 4 が保存型リカバリーコードに求める 64 ビットに足りません\n",
        "warning: the format gives 40.0 bits per code, under the 64 bits NIST SP 800-63B rev. 4 asks of saved recovery codes\n",
    );
}

#[test]
fn a_failed_batch_row_is_reported_in_japanese_and_the_json_summary_stays_english() {
    let csv = "account,lang\nok@example.com,\nbad@example.com,fr\n";
    let setup = |env: &Env| fs::write(env.work().join("accounts.csv"), csv).unwrap();
    let both = run_both(
        setup,
        &["batch", "accounts.csv", "--out-dir", "out", "--jobs", "1"],
        b"",
    );
    both.exit(9)
        .says(
            "3 行目（bad@example.com）：エラー：lang の `fr` は ja, en のいずれでもありません：セルを直すか、既定値を使うなら空にしてください\n",
            "row 3 (bad@example.com): error: lang `fr` is not one of ja, en: fix the cell, or leave it empty for the default\n",
        )
        .says(
            "recovery-sheet: エラー: 2 行のうち 1 行が失敗しました（上記を参照）\n",
            "recovery-sheet: error: 1 of 2 rows failed (see above)\n",
        );
    // The good row printed either way.
    for env in [&both.ja_env, &both.en_env] {
        assert_eq!(files_in(&env.work().join("out")).len(), 1);
    }

    // Scripts read --json: its error text does not change with the locale.
    let env = Env::new();
    setup(&env);
    let out = env
        .cmd()
        .env("LANG", "ja_JP.UTF-8")
        .args(["batch", "accounts.csv", "--out-dir", "out", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(9));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        summary["failed"][0]["error"],
        "lang `fr` is not one of ja, en: fix the cell, or leave it empty for the default"
    );
    assert!(stderr_of(&out).contains("3 行目（bad@example.com）：エラー："));
}

#[test]
fn a_bad_config_line_is_reported_in_japanese() {
    let both = run_both(
        |env| {
            let path = env.config();
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "lang = \"ja\"\ncopies = 0\n").unwrap();
        },
        &["list"],
        b"",
    );
    both.exit(78).says(
        " の 2 行目：copies = 0 は範囲外です（1〜10）：ファイルを直してください（`recovery-sheet config show` を参照）\n",
        " line 2: copies = 0 is out of range (1 to 10): fix the file (see `recovery-sheet config show`)\n",
    );
    assert!(stderr_of(&both.ja).starts_with("recovery-sheet: エラー: 設定ファイル "));
}

#[test]
fn a_photo_of_some_other_qr_code_is_refused_in_japanese_with_the_reason_inside() {
    let both = run_both(
        |env| qr_png("https://example.com", 8, &env.work().join("photo.png")),
        &["check", "--scan", "photo.png"],
        b"",
    );
    both.exit(65).stderr_is(
        "recovery-sheet: エラー: photo.png に QR コードがありますが、recovery-sheet の QR コードではありません：回復シートか確認し、代わりにセットIDを入力してください\n",
        "recovery-sheet: error: photo.png holds a QR code, but the QR code is not a recovery-sheet mark: is this a recovery sheet? type its set ID instead\n",
    );
}

#[test]
fn an_os_error_is_kept_as_the_os_gives_it_inside_the_japanese_message() {
    let both = run_both(
        |_| {},
        &[
            "import",
            "--account",
            "shop@gmail.com",
            "--service",
            "google",
            "--from",
            "missing.txt",
        ],
        b"",
    );
    both.exit(66).stderr_is(
        "recovery-sheet: エラー: missing.txt からコードを読み込めません：No such file or directory (os error 2)\n",
        "recovery-sheet: error: cannot read the codes from missing.txt: No such file or directory (os error 2)\n",
    );
}

#[test]
fn lc_all_and_lc_messages_choose_the_language_before_lang() {
    let run = |vars: &[(&str, &str)]| {
        let env = Env::new();
        let mut cmd = env.cmd();
        for (name, value) in vars {
            cmd.env(name, value);
        }
        let out = cmd.args(["generate", "--account", ""]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        stderr_of(&out)
    };
    let japanese = "アカウントが空です";
    assert!(run(&[("LC_ALL", "ja_JP.UTF-8")]).contains(japanese));
    assert!(run(&[("LC_MESSAGES", "ja_JP.UTF-8")]).contains(japanese));
    assert!(!run(&[("LC_ALL", "C"), ("LANG", "ja_JP.UTF-8")]).contains(japanese));
    // A language we have no messages for reads in English.
    assert!(run(&[("LANG", "fr_FR.UTF-8")]).contains("the account is empty"));
}
