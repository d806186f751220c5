//! Issue "Many accounts and daily use": the config file and its precedence,
//! completions, the man page, help with examples, Japanese help and messages,
//! --quiet and --verbose.

use crate::common;

use std::fs;

use common::*;
use serde_json::Value;

fn write_config(env: &Env, text: &str) {
    let path = env.config();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn the_config_sets_what_an_office_repeats_and_flags_override_it() {
    let env = Env::new();
    write_config(
        &env,
        "lang = \"ja\"\npaper = \"letter\"\norganisation = \"株式会社サンプル\"\n\
         location = \"金庫 2F\"\ncustodian = \"佐藤\"\ncopies = 2\n\
         format = \"XXXX-XXXX-XXXX-XXXX\"\ncount = 12\n",
    );
    env.cmd()
        .args(["generate", "--account", "a@example.com", "-o", "a.pdf"])
        .assert()
        .success();
    let bytes = fs::read(env.work().join("a.pdf")).unwrap();
    let text = pdf_text(&bytes);
    for expected in [
        "二段階認証",
        "株式会社サンプル",
        "金庫 2F",
        "佐藤",
        "控え 2 / 2",
    ] {
        assert!(text.contains(expected), "missing {expected} in {text}");
    }
    assert_eq!(pdf_page_count(&bytes), 2);
    assert_eq!(codes_in(&text, "XXXX-XXXX-XXXX-XXXX").len(), 24);

    // Flags win over the file, setting by setting.
    env.cmd()
        .args([
            "generate",
            "--account",
            "b@example.com",
            "-o",
            "b.pdf",
            "--lang",
            "en",
            "--location",
            "Cabinet 3",
            "--copies",
            "1",
            "--count",
            "5",
        ])
        .assert()
        .success();
    let bytes = fs::read(env.work().join("b.pdf")).unwrap();
    let text = pdf_text(&bytes);
    assert!(text.contains("Two-factor backup codes"), "{text}");
    assert!(
        text.contains("Cabinet 3") && !text.contains("金庫"),
        "{text}"
    );
    assert!(
        text.contains("佐藤"),
        "the custodian still comes from the file: {text}"
    );
    assert_eq!(pdf_page_count(&bytes), 1);
    assert_eq!(codes_in(&text, "XXXX-XXXX-XXXX-XXXX").len(), 5);
}

#[test]
fn config_show_names_the_source_of_every_setting() {
    let env = Env::new();
    write_config(&env, "lang = \"en\"\ncopies = 3\n");
    let out = env
        .cmd()
        .env("LANG", "ja_JP.UTF-8")
        .args(["config", "show", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = env.config().display().to_string();
    assert_eq!(doc["config_file"], file.as_str());
    assert_eq!(doc["config_file_found"], true);
    assert_eq!(doc["ledger"], env.ledger().display().to_string().as_str());
    let setting = |name: &str| {
        (
            doc["settings"][name]["value"].as_str().unwrap().to_owned(),
            doc["settings"][name]["source"].as_str().unwrap().to_owned(),
        )
    };
    // The file beats the locale; what neither sets is the built-in default.
    assert_eq!(setting("lang"), ("en".into(), file.clone()));
    assert_eq!(setting("copies"), ("3".into(), file));
    assert_eq!(setting("paper"), ("a4".into(), "built-in default".into()));
    assert_eq!(setting("count").0, "10");

    // Without a file, the locale chooses the language.
    fs::remove_file(env.config()).unwrap();
    let out = env
        .cmd()
        .env("LANG", "ja_JP.UTF-8")
        .args(["config", "show"])
        .output()
        .unwrap();
    let text = stdout_of(&out);
    assert!(text.contains("(not found; built-in defaults)"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("lang = ja")), "{text}");
}

#[test]
fn a_bad_config_is_refused_naming_the_file_and_line() {
    let env = Env::new();
    for (text, expected) in [
        (
            "lang = \"ja\"\ncopise = 2\n",
            "line 2: unknown field `copise`",
        ),
        ("paper = \"a3\"\n", "line 1"),
        ("copies = \"two\"\n", "line 1"),
        ("lang = \"ja\n", "line 1"),
    ] {
        write_config(&env, text);
        let out = env
            .cmd()
            .args(["generate", "--account", "a@example.com"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(78), "{text}");
        let stderr = stderr_of(&out);
        assert!(
            stderr.contains(&env.config().display().to_string()) && stderr.contains(expected),
            "{text}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert_eq!(env.work_files(), Vec::<String>::new());
        assert!(!env.ledger().exists());
    }
    // A file named explicitly must exist.
    let out = env
        .cmd()
        .args(["--config", "nowhere.toml", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(66));
    assert!(stderr_of(&out).contains("config nowhere.toml does not exist"));
}

#[test]
fn completions_for_bash_and_zsh_name_every_command() {
    let env = Env::new();
    for shell in ["bash", "zsh"] {
        let out = env.cmd().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let script = stdout_of(&out);
        for word in ["generate", "import", "mark-used", "batch", "--regenerate"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    assert!(
        stdout_of(&env.cmd().args(["completions", "bash"]).output().unwrap())
            .contains("complete -F")
    );
    assert!(
        stdout_of(&env.cmd().args(["completions", "zsh"]).output().unwrap())
            .starts_with("#compdef recovery-sheet")
    );
    let out = env.cmd().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_man_page_is_roff_with_every_command() {
    let env = Env::new();
    let out = env.cmd().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = stdout_of(&out);
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{}", &page[..80]);
    assert!(page.contains(".TH recovery-sheet 1"), "{page}");
    for command in ["generate", "import", "check", "batch"] {
        assert!(page.contains(command), "no {command}");
    }
}

#[test]
fn every_command_has_help_with_examples() {
    let env = Env::new();
    for command in [
        "generate",
        "import",
        "check",
        "mark-used",
        "verify",
        "batch",
        "completions",
        "man",
    ] {
        let out = env.cmd().args([command, "--help"]).output().unwrap();
        assert!(out.status.success());
        let help = stdout_of(&out);
        assert!(help.contains("Example"), "{command} --help has no example");
        assert!(
            help.contains(&format!("recovery-sheet {command}")),
            "{help}"
        );
    }
}

#[test]
fn help_and_messages_are_japanese_when_the_locale_is() {
    let env = Env::new();
    let out = env
        .cmd()
        .env("LANG", "ja_JP.UTF-8")
        .args(["generate", "--help"])
        .output()
        .unwrap();
    let help = stdout_of(&out);
    assert!(help.contains("使い方: recovery-sheet generate"), "{help}");
    assert!(help.contains("コードで入るアカウント"), "{help}");

    let out = env
        .cmd()
        .env("LC_ALL", "ja_JP.UTF-8")
        .args(["generate", "--account", "a@example.com"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = stderr_of(&out);
    assert!(stderr.contains("に書き出しました"), "{stderr}");
    // The sheet follows the locale too.
    assert!(pdf_text(&fs::read(env.only_pdf()).unwrap()).contains("二段階認証"));

    let out = env
        .cmd()
        .env("LANG", "ja_JP.UTF-8")
        .arg("list")
        .output()
        .unwrap();
    assert!(
        stdout_of(&out).contains("アカウント"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn quiet_prints_only_errors_and_verbose_prints_more() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["-q", "generate", "--account", "a@example.com"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stderr_of(&out), "");
    assert_eq!(stdout_of(&out), "");

    let out = env
        .cmd()
        .args(["-v", "generate", "--account", "b@example.com"])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert!(stderr.contains("fonts loaded in"), "{stderr}");
    assert!(
        stderr.contains(&format!("ledger {}", env.ledger().display())),
        "{stderr}"
    );

    let out = env
        .cmd()
        .args(["-q", "generate", "--account", "a@example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(65));
    assert!(stderr_of(&out).contains("already has a current set"));

    let out = env.cmd().args(["-q", "-v", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_names_the_ledger_variable_but_never_shows_its_value() {
    // The variable may hold a server's URL with a password in it.
    let env = Env::new();
    let secret = "s3cret-Passw0rd";
    let url = format!("postgresql://alice:{secret}@ledger-host.internal/recovery_sheet");
    for lang in ["en_US.UTF-8", "ja_JP.UTF-8"] {
        for args in [
            vec!["--help"],
            vec!["generate", "--help"],
            vec!["list", "--help"],
            vec!["serve", "--help"],
            vec!["ledger", "copy", "--help"],
            vec!["generate", "-h"],
        ] {
            let out = env
                .cmd()
                .env("RECOVERY_SHEET_LEDGER", &url)
                .env("LANG", lang)
                .env("LC_ALL", lang)
                .args(&args)
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
            let text = format!("{}{}", stdout_of(&out), stderr_of(&out));
            assert!(
                text.contains("RECOVERY_SHEET_LEDGER"),
                "{lang} {args:?} names the variable: {text}"
            );
            assert!(
                !text.contains(secret) && !text.contains("ledger-host.internal"),
                "{lang} {args:?} shows the ledger's URL: {text}"
            );
        }
    }
}
