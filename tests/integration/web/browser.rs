//! End-to-end in headless Chromium through chromedriver: what a person at the browser does and sees, one browser at a time.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;

use crate::common::*;

use super::GOOGLE_PASTE;
use super::server::TestServer;
use super::webdriver::{BrowserOptions, Driver, Session, Tools, wait_for};

/// One browser at a time: two Chromiums at once on two cores only make each slow.
static ONE_BROWSER: Mutex<()> = Mutex::new(());

const WAIT: Duration = Duration::from_secs(30);

/// A browser on a server: chromedriver, one Chromium session, and where the
/// PDFs go when they are downloaded rather than shown.
struct Browser {
    _one: MutexGuard<'static, ()>,
    tmp: tempfile::TempDir,
    driver: Driver,
    downloads: Option<PathBuf>,
}

/// How PDFs are received.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pdfs {
    /// In the browser's own viewer, as a person sees them.
    Viewer,
    /// Saved to a folder, so the test can read the bytes the server sent.
    Downloaded,
}

impl Browser {
    /// `None` (and a printed reason) when Chromium is not installed outside CI.
    fn start(pdfs: Pdfs) -> Option<Browser> {
        let tools = Tools::find()?;
        let one = ONE_BROWSER.lock().unwrap_or_else(PoisonError::into_inner);
        let tmp = tempfile::tempdir().unwrap();
        let driver = Driver::start(&tools, &tmp.path().join("chromedriver.log")).unwrap();
        let downloads = (pdfs == Pdfs::Downloaded).then(|| {
            let dir = tmp.path().join("downloads");
            std::fs::create_dir_all(&dir).unwrap();
            dir
        });
        Some(Browser {
            _one: one,
            tmp,
            driver,
            downloads,
        })
    }

    /// A new Chromium whose language setting is `accept_language`.
    fn session(&self, accept_language: &str) -> Session<'_> {
        let tools = Tools::find().expect("found before");
        let options = BrowserOptions {
            profile: self.tmp.path().join("profile"),
            accept_language: accept_language.to_owned(),
            download_dir: self.downloads.clone(),
            extra_args: Vec::new(),
        };
        self.driver.session(&tools, &options).unwrap()
    }

    /// The PDF the browser saved, once it is complete (waits for it).
    fn downloaded_pdf(&self, already: usize) -> Vec<u8> {
        let dir = self.downloads.as_ref().expect("a download session");
        let path = wait_for(WAIT, || {
            let pdfs: Vec<String> = files_in(dir)
                .into_iter()
                .filter(|f| f.ends_with(".pdf"))
                .collect();
            (pdfs.len() > already).then(|| dir.join(pdfs.last().unwrap()))
        })
        .expect("a PDF in the download folder");
        // Chromium renames `.crdownload` to the final name when it is done.
        std::fs::read(path).unwrap()
    }

    fn downloads_so_far(&self) -> usize {
        self.downloads.as_ref().map_or(0, |dir| {
            files_in(dir)
                .into_iter()
                .filter(|f| f.ends_with(".pdf"))
                .count()
        })
    }
}

/// Screenshots land here, for a person to look at.
fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn screenshot(b: &Session<'_>, name: &str) {
    let png = b.screenshot_png().unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), &png).unwrap();
}

/// A screenshot of the whole page, however long (the window is resized to it).
fn full_screenshot(b: &Session<'_>, name: &str) {
    let height = b
        .execute("return document.documentElement.scrollHeight", vec![])
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(1300)
        .clamp(600, 6000);
    let _ = b.cdp(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({ "width": 1000, "height": height, "deviceScaleFactor": 1, "mobile": false }),
    );
    screenshot(b, name);
    let _ = b.cdp(
        "Emulation.clearDeviceMetricsOverride",
        serde_json::json!({}),
    );
}

/// Opens the printed address: the token is exchanged and leaves the address bar,
/// and no script can read the session cookie.
fn sign_in(b: &Session<'_>, server: &TestServer) -> String {
    b.goto(&server.address).unwrap();
    let home = format!("http://127.0.0.1:{}/", server.port);
    wait_for(WAIT, || (b.url().ok()? == home).then_some(()))
        .unwrap_or_else(|| panic!("the token left the address bar: {:?}", b.url()));
    assert_eq!(
        b.execute("return document.cookie", vec![]).unwrap(),
        Value::String(String::new()),
        "HttpOnly: no script sees the session"
    );
    home
}

fn text_of(b: &Session<'_>, css: &str) -> String {
    wait_for(WAIT, || b.find(css).ok()?.text().ok()).unwrap_or_else(|| {
        panic!(
            "no {css} on {:?}: {}",
            b.url(),
            b.body_text().unwrap_or_default()
        )
    })
}

fn type_into(b: &Session<'_>, css: &str, text: &str) {
    let field = b.find(css).unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().unwrap();
    field.send_keys(text).unwrap();
}

fn click(b: &Session<'_>, css: &str) {
    b.find(css)
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .unwrap();
}

/// Clicks a button that sends a form and waits for the page that comes back.
/// The answer may be the same address, so the old document is marked first
/// and a page without the mark is the new one (reading before that would
/// read the old page's text).
fn submit(b: &Session<'_>, css: &str) {
    b.execute("window.rsBeforeSubmit = true; return null;", vec![])
        .unwrap();
    click(b, css);
    wait_for(WAIT, || {
        let fresh = b
            .execute(
                "return window.rsBeforeSubmit === undefined && document.readyState === 'complete';",
                vec![],
            )
            .ok()?;
        (fresh == Value::Bool(true)).then_some(())
    })
    .unwrap_or_else(|| panic!("{css}: no new page came: {:?}", b.url()));
}

/// Sends a form that makes a sheet: the sheet opens in a new tab; this tab
/// goes on to the result page. Returns the new tab's handle, if it stayed open.
fn send_sheet_form(b: &Session<'_>, submit: &str) -> Option<String> {
    let this = b.window().unwrap();
    let before = b.windows().unwrap();
    click(b, submit);
    wait_for(WAIT, || {
        b.url()
            .ok()
            .filter(|u| u.contains("/made?ticket="))
            .map(drop)
    })
    .unwrap_or_else(|| panic!("the result page: {:?}", b.url()));
    // The result page, in this tab, is there once the sheet was made or refused.
    wait_for(WAIT, || (b.count("#made, #error").ok()? > 0).then_some(()))
        .unwrap_or_else(|| panic!("no result: {}", b.body_text().unwrap_or_default()));
    b.windows()
        .unwrap()
        .into_iter()
        .find(|h| *h != this && !before.contains(h))
}

/// In the sheet's tab: the browser shows a PDF (not a page, not a download).
fn look_at_pdf_tab(b: &Session<'_>, tab: &str, screenshot_name: &str) {
    let this = b.window().unwrap();
    b.switch_to(tab).unwrap();
    let content_type = wait_for(WAIT, || {
        let v = b.execute("return document.contentType", vec![]).ok()?;
        v.as_str()
            .filter(|t| *t == "application/pdf")
            .map(str::to_owned)
    });
    assert_eq!(
        content_type.as_deref(),
        Some("application/pdf"),
        "shown inline in the viewer"
    );
    // The viewer paints after the document is complete: wait until the picture settles.
    let blank = b.screenshot_png().unwrap();
    let mut last = blank.clone();
    let settled = wait_for(Duration::from_secs(15), || {
        std::thread::sleep(Duration::from_millis(300));
        let now = b.screenshot_png().ok()?;
        let done = now == last && now != blank;
        last = now;
        done.then_some(())
    });
    if settled.is_none() {
        eprintln!("note: the PDF viewer had not settled in 15 s; screenshot taken anyway");
    }
    screenshot(b, screenshot_name);
    b.close_window().unwrap();
    b.switch_to(&this).unwrap();
}

/// Runs the command line on the same ledger.
fn cli(env: &Env, args: &[&str]) -> std::process::Output {
    let out = env.cmd().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    out
}

fn set_id_of(env: &Env, account: &str, generation: usize) -> String {
    let out = cli(env, &["show", account, "--json"]);
    let history: Value = serde_json::from_slice(&out.stdout).unwrap();
    history[generation - 1]["set_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn google_codes() -> Vec<String> {
    GOOGLE_PASTE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn browser_makes_a_sheet_and_the_served_pdf_has_its_codes_account_and_generation() {
    let Some(browser) = Browser::start(Pdfs::Downloaded) else {
        return;
    };
    let env = Env::new();
    let server = TestServer::start(&env);
    let b = browser.session("en");
    sign_in(&b, &server);
    click(&b, "#nav-new");
    wait_for(WAIT, || b.url().ok().filter(|u| u.ends_with("/new"))).expect("the new-sheet page");
    type_into(&b, "#generate-form input[name=account]", "shop@example.com");
    type_into(&b, "#generate-form input[name=location]", "Safe, 2F");
    type_into(&b, "#generate-form input[name=custodian]", "K. Sato");
    send_sheet_form(&b, "#generate-submit");
    assert_eq!(text_of(&b, "#made-generation"), "1");
    let pdf = browser.downloaded_pdf(0);

    // The bytes the server sent: a sheet with ten codes, the account, generation 1.
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    assert_eq!(codes_in(&text, "XXXX-XXXX-XXXX-XXXX").len(), 10, "{text}");
    assert!(text.contains("shop@example.com"), "{text}");
    assert!(
        text.contains("Safe, 2F") && text.contains("K. Sato"),
        "{text}"
    );
    let qr = qr_fields(&qr_text(&pdf));
    assert_eq!(qr["gen"], "1", "{qr:?}");
    let set_id = set_id_of(&env, "shop@example.com", 1);
    assert_eq!(qr["set"], set_id.replace('-', ""));
    assert_eq!(
        text_of(&b, "#made-set"),
        set_id,
        "the result page names it too"
    );
    // The ledger recorded it as printed, with where it is kept.
    let show = cli(&env, &["show", "shop@example.com", "--json"]);
    let history: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(history[0]["status"], "current");
    assert_eq!(history[0]["location"], "Safe, 2F");
}

#[test]
fn browser_shows_the_result_beside_the_sheet_and_imports_pasted_google_codes() {
    let Some(browser) = Browser::start(Pdfs::Downloaded) else {
        return;
    };
    let env = Env::new();
    let server = TestServer::start(&env);
    let b = browser.session("en");
    sign_in(&b, &server);
    b.goto(&format!("http://127.0.0.1:{}/new", server.port))
        .unwrap();
    type_into(&b, "#import-form input[name=account]", "shop@gmail.com");
    click(&b, "#import-service option[value=google]");
    type_into(&b, "#import-form textarea[name=codes]", GOOGLE_PASTE);
    send_sheet_form(&b, "#import-submit");
    // This tab: how many codes were read, and the sheet's set.
    assert_eq!(text_of(&b, "#made-codes"), "10 codes read (Google)");
    assert_eq!(text_of(&b, "#made-generation"), "1");
    let set_id = text_of(&b, "#made-set");
    assert_eq!(set_id, set_id_of(&env, "shop@gmail.com", 1));
    // The sheet: the very codes pasted, in Google's order.
    let pdf = browser.downloaded_pdf(0);
    let text = pdf_text(&pdf);
    assert_eq!(codes_in(&text, "9999 9999"), google_codes(), "{text}");
    assert!(text.contains("shop@gmail.com"));
    // No code on the result page.
    let page = b.body_text().unwrap();
    for code in google_codes() {
        assert!(
            !page.replace(' ', "").contains(&code.replace(' ', "")),
            "{page}"
        );
    }

    // A paste with a mistake: refused with its line, the form back without the codes.
    let done = browser.downloads_so_far();
    b.goto(&format!("http://127.0.0.1:{}/new", server.port))
        .unwrap();
    type_into(&b, "#import-form input[name=account]", "other@gmail.com");
    let bad = GOOGLE_PASTE.replacen("8841 0263", "8841 026", 1);
    type_into(&b, "#import-form textarea[name=codes]", &bad);
    send_sheet_form(&b, "#import-submit");
    let error = text_of(&b, "#error");
    assert!(
        error.contains("line 3") && error.contains("Google codes have 8"),
        "{error}"
    );
    assert_eq!(
        b.find("#import-form input[name=account]")
            .unwrap()
            .attribute("value")
            .unwrap()
            .as_deref(),
        Some("other@gmail.com"),
        "what was typed comes back"
    );
    let codes_box = b
        .execute(
            "return document.querySelector('#import-form textarea').value",
            vec![],
        )
        .unwrap();
    assert_eq!(codes_box, Value::String(String::new()), "the codes do not");
    assert_eq!(browser.downloads_so_far(), done, "no sheet");
}

#[test]
fn browser_regenerates_and_sees_the_shred_message() {
    let Some(browser) = Browser::start(Pdfs::Viewer) else {
        return;
    };
    let env = Env::new();
    cli(
        &env,
        &[
            "generate",
            "--account",
            "shop@example.com",
            "-o",
            "first.pdf",
        ],
    );
    let old_set = set_id_of(&env, "shop@example.com", 1);
    let server = TestServer::start(&env);
    let b = browser.session("en");
    sign_in(&b, &server);
    click(&b, "#accounts a[href*='shop']");
    assert_eq!(text_of(&b, "#account"), "shop@example.com");
    click(&b, "#renew-link");
    // Before: the page says what the new sheet replaces.
    let notice = text_of(&b, "#replaces");
    assert!(
        notice.contains(&old_set) && notice.contains("shred the old sheet"),
        "{notice}"
    );
    assert_eq!(
        b.execute(
            "return document.getElementById('generate-regenerate').checked",
            vec![]
        )
        .unwrap(),
        Value::Bool(true)
    );
    let tab = send_sheet_form(&b, "#generate-submit").expect("the sheet's tab");
    // After: the message to shred the old sheet, beside the sheet in its tab.
    let shred = text_of(&b, "#shred");
    assert!(
        shred.contains(&format!("set {old_set}")) && shred.contains("shred that sheet"),
        "{shred}"
    );
    assert_eq!(text_of(&b, "#made-generation"), "2");
    look_at_pdf_tab(&b, &tab, "pdf-viewer-en");
    // It was shredded: recorded from the same message.
    type_into(&b, "#shred input[name=by]", "K. Sato");
    submit(&b, "#shred button");
    let flash = text_of(&b, "#flash");
    assert!(
        flash.contains("recorded the sheet of shop@example.com generation 1"),
        "{flash}"
    );
    assert!(text_of(&b, "#gen-1").contains("Shredded on"));
    let show = cli(&env, &["show", "shop@example.com", "--json"]);
    let history: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(history[0]["status"], "superseded");
    assert_eq!(history[0]["shredded_by"], "K. Sato");
    assert_eq!(history[1]["status"], "current");
}

fn browser_marks_a_code_used_and_undoes_it_records_an_inventory_and_revokes(env: Env) {
    let Some(browser) = Browser::start(Pdfs::Viewer) else {
        return;
    };
    cli(
        &env,
        &["generate", "--account", "shop@example.com", "-o", "s.pdf"],
    );
    let server = TestServer::start(&env);
    let b = browser.session("en");
    sign_in(&b, &server);
    b.goto(&format!(
        "http://127.0.0.1:{}/account?name=shop%40example.com",
        server.port
    ))
    .unwrap();
    assert_eq!(text_of(&b, "#left"), "10 / 10");
    click(&b, "#use-number option[value='3']");
    type_into(&b, "#use input[name=by]", "佐藤");
    submit(&b, "#use-mark");
    let flash = text_of(&b, "#flash");
    assert!(
        flash.contains("marked code 3 of shop@example.com"),
        "{flash}"
    );
    assert_eq!(text_of(&b, "#left"), "9 / 10");
    assert!(text_of(&b, "#gen-1").contains("code 3 used on"));
    // Marked by mistake: undo.
    click(&b, "#use-number option[value='3']");
    submit(&b, "#use-undo");
    assert!(text_of(&b, "#flash").contains("is unused again"));
    assert_eq!(text_of(&b, "#left"), "10 / 10");
    // An inventory that finds one code ticked on paper: recorded, with a warning.
    type_into(&b, "#inventory input[name=by]", "佐藤");
    type_into(&b, "#inventory input[name=codes_left]", "9");
    submit(&b, "#inventory-record");
    let flash = text_of(&b, "#flash");
    assert!(
        flash.contains("recorded the inventory") && flash.contains("the paper has 9"),
        "{flash}"
    );
    // Revoke asks first: without the box ticked the browser does not send it.
    click(&b, "#revoke-button");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        text_of(&b, "#flash").contains("recorded the inventory"),
        "not sent unconfirmed: the page is as it was"
    );
    assert_eq!(
        b.execute(
            "return document.querySelector('#revoke input[name=confirm]').validity.valueMissing",
            vec![]
        )
        .unwrap(),
        Value::Bool(true),
        "the browser asks for the box"
    );
    click(&b, "#revoke input[name=confirm]");
    submit(&b, "#revoke-button");
    let flash = text_of(&b, "#flash");
    assert!(flash.contains("revoked set"), "{flash}");
    let audit = cli(&env, &["audit", "--format", "json"]);
    let kinds: Vec<String> = serde_json::from_slice::<Value>(&audit.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "issued",
            "code_used",
            "code_use_undone",
            "inventory",
            "revoked"
        ]
    );
}

#[test]
fn browser_checks_a_sheet_by_set_id_and_by_a_photo() {
    let Some(browser) = Browser::start(Pdfs::Viewer) else {
        return;
    };
    let env = Env::new();
    cli(
        &env,
        &[
            "generate",
            "--account",
            "shop@example.com",
            "-o",
            "gen1.pdf",
        ],
    );
    cli(
        &env,
        &[
            "generate",
            "--account",
            "shop@example.com",
            "--regenerate",
            "-o",
            "gen2.pdf",
        ],
    );
    let (old, new) = (
        set_id_of(&env, "shop@example.com", 1),
        set_id_of(&env, "shop@example.com", 2),
    );
    // Photos of the two printed sheets.
    let photo = |name: &str| {
        let pdf = std::fs::read(env.work().join(format!("{name}.pdf"))).unwrap();
        let path = env.root.path().join(format!("{name}.png"));
        page1_png(&pdf, &path);
        path
    };
    let (photo1, photo2) = (photo("gen1"), photo("gen2"));
    let server = TestServer::start(&env);
    let b = browser.session("en");
    sign_in(&b, &server);
    click(&b, "#nav-check");
    type_into(&b, "#check-form input[name=set_id]", &new.to_lowercase());
    submit(&b, "#check-submit");
    let verdict = text_of(&b, "#verdict");
    assert!(
        verdict.starts_with("current:") && verdict.contains(&new),
        "{verdict}"
    );
    type_into(&b, "#check-form input[name=set_id]", &old);
    submit(&b, "#check-submit");
    let verdict = text_of(&b, "#verdict");
    assert!(verdict.starts_with("superseded"), "{verdict}");
    assert!(
        b.find("#verdict form.shred").is_ok(),
        "it offers to record the shredding"
    );
    // By a photo of the sheet.
    b.find("#scan-form input[type=file]")
        .unwrap()
        .send_keys(photo1.to_str().unwrap())
        .unwrap();
    submit(&b, "#scan-submit");
    let verdict = text_of(&b, "#verdict");
    assert!(
        verdict.starts_with("superseded") && verdict.contains(&old),
        "{verdict}"
    );
    b.find("#scan-form input[type=file]")
        .unwrap()
        .send_keys(photo2.to_str().unwrap())
        .unwrap();
    submit(&b, "#scan-submit");
    let verdict = text_of(&b, "#verdict");
    assert!(
        verdict.starts_with("current:") && verdict.contains(&new),
        "{verdict}"
    );
}

/// Every page, in Japanese (the browser's language) and then in English (the
/// switch), photographed for a person to look at.
#[test]
fn browser_pages_in_japanese_and_english_with_screenshots() {
    let Some(browser) = Browser::start(Pdfs::Viewer) else {
        return;
    };
    let env = Env::new();
    // A ledger with something to do: few codes left, an old sheet to shred.
    cli(
        &env,
        &[
            "generate",
            "--account",
            "経理部共有アカウント",
            "-o",
            "a.pdf",
            "--location",
            "2階 金庫",
            "--custodian",
            "総務部",
        ],
    );
    cli(
        &env,
        &["generate", "--account", "shop@example.com", "-o", "b.pdf"],
    );
    for n in 1..=8 {
        cli(
            &env,
            &[
                "mark-used",
                "shop@example.com",
                &n.to_string(),
                "--by",
                "佐藤",
            ],
        );
    }
    cli(
        &env,
        &["generate", "--account", "admin@example.com", "-o", "c.pdf"],
    );
    cli(
        &env,
        &[
            "generate",
            "--account",
            "admin@example.com",
            "--regenerate",
            "-o",
            "d.pdf",
        ],
    );
    let old_admin = set_id_of(&env, "admin@example.com", 1);
    let server = TestServer::start(&env);
    let b = browser.session("ja,en;q=0.5");
    let home = sign_in(&b, &server);
    let base = home.trim_end_matches('/').to_owned();

    for lang in ["ja", "en"] {
        let say = |ja: &'static str, en: &'static str| if lang == "ja" { ja } else { en };
        b.goto(&home).unwrap();
        assert_eq!(
            b.find("html")
                .unwrap()
                .attribute("lang")
                .unwrap()
                .as_deref(),
            Some(lang)
        );
        assert_eq!(text_of(&b, "h1"), say("アカウント一覧", "Accounts"));
        let table = text_of(&b, "#accounts");
        assert!(
            table.contains(say(
                "残り 2 個：新しいセットを印刷",
                "2 codes left: print a new set"
            )),
            "{table}"
        );
        // The most urgent on top: few codes left before an old sheet to shred.
        let shop = table.find("shop@example.com").unwrap();
        let admin = table.find("admin@example.com").unwrap();
        assert!(shop < admin, "{table}");
        full_screenshot(&b, &format!("accounts-{lang}"));
        // The print stylesheet: no controls on paper.
        b.cdp(
            "Emulation.setEmulatedMedia",
            serde_json::json!({ "media": "print" }),
        )
        .unwrap();
        let hidden = b
            .execute(
                "return ['nav', 'form', 'button'].map(s => getComputedStyle(document.querySelector(s)).display)",
                vec![],
            )
            .unwrap();
        assert_eq!(hidden, serde_json::json!(["none", "none", "none"]));
        full_screenshot(&b, &format!("accounts-print-{lang}"));
        b.cdp(
            "Emulation.setEmulatedMedia",
            serde_json::json!({ "media": "" }),
        )
        .unwrap();

        b.goto(&format!("{base}/account?name=admin%40example.com"))
            .unwrap();
        assert!(text_of(&b, "#history").contains(say("履歴", "History")));
        full_screenshot(&b, &format!("account-{lang}"));
        b.goto(&format!("{base}/account?name=shop%40example.com"))
            .unwrap();
        assert!(text_of(&b, "#due").contains(say("やること", "To do")));
        full_screenshot(&b, &format!("account-due-{lang}"));

        b.goto(&format!("{base}/new")).unwrap();
        assert_eq!(text_of(&b, "h1"), say("新しいシート", "New sheet"));
        full_screenshot(&b, &format!("new-{lang}"));

        // A sheet that replaces another: the shred message, and the sheet in the viewer.
        b.goto(&format!(
            "{base}/new?account=admin%40example.com&regenerate=1"
        ))
        .unwrap();
        assert!(text_of(&b, "#replaces").contains(say("シュレッダー", "shred")));
        full_screenshot(&b, &format!("new-replaces-{lang}"));
        let tab = send_sheet_form(&b, "#generate-submit").expect("the sheet's tab");
        assert!(text_of(&b, "#shred").contains(say("シュレッダーで破棄", "shred that sheet")));
        full_screenshot(&b, &format!("made-{lang}"));
        look_at_pdf_tab(&b, &tab, &format!("pdf-viewer-{lang}"));

        // An import that is refused: the form back with the line of the mistake.
        b.goto(&format!("{base}/new")).unwrap();
        type_into(&b, "#import-form input[name=account]", "shop@gmail.com");
        type_into(
            &b,
            "#import-form textarea[name=codes]",
            "1234 5678\n2345 678\n",
        );
        let tab = send_sheet_form(&b, "#import-submit");
        assert!(text_of(&b, "#error").contains(say("2 行目", "line 2")));
        full_screenshot(&b, &format!("new-error-{lang}"));
        if let Some(tab) = tab {
            let this = b.window().unwrap();
            b.switch_to(&tab).unwrap();
            assert!(text_of(&b, "#problem").contains(say("2 行目", "line 2")));
            screenshot(&b, &format!("sheet-refused-tab-{lang}"));
            b.close_window().unwrap();
            b.switch_to(&this).unwrap();
        }

        b.goto(&format!("{base}/check")).unwrap();
        full_screenshot(&b, &format!("check-{lang}"));
        type_into(&b, "#check-form input[name=set_id]", &old_admin);
        submit(&b, "#check-submit");
        assert!(text_of(&b, "#verdict").contains(&old_admin));
        full_screenshot(&b, &format!("check-superseded-{lang}"));

        b.goto(&format!("{base}/no-such-page")).unwrap();
        assert!(text_of(&b, "#refusal").contains(say("そのページはありません", "no such page")));
        screenshot(&b, &format!("not-found-{lang}"));

        if lang == "ja" {
            // The switch: English from now on, whatever the browser asks for.
            b.goto(&home).unwrap();
            click(&b, "#lang-en");
            wait_for(WAIT, || (text_of(&b, "h1") == "Accounts").then_some(()))
                .expect("the English page after the switch");
        }
    }
    // The print button calls the browser's print, under the CSP (the one script works).
    b.goto(&home).unwrap();
    b.execute("window.print = () => { window.printed = true; }", vec![])
        .unwrap();
    click(&b, "button[data-print]");
    assert_eq!(
        b.execute("return window.printed === true", vec![]).unwrap(),
        Value::Bool(true)
    );
}

/// The printed address, followed from a page of another site (a mail or chat
/// link): SameSite=Strict is not sent on that redirect, so the refresh page
/// signs in instead.
#[test]
fn browser_follows_the_printed_link_from_another_site() {
    let Some(browser) = Browser::start(Pdfs::Viewer) else {
        return;
    };
    let env = Env::new();
    let server = TestServer::start(&env);
    let b = browser.session("en");
    let page = format!(
        "data:text/html,<a id=go href=\"{}\">open</a>",
        server.address
    );
    b.goto(&page).unwrap();
    click(&b, "#go");
    let home = format!("http://127.0.0.1:{}/", server.port);
    wait_for(WAIT, || (b.url().ok()? == home).then_some(())).expect("the home page, token gone");
    let title = wait_for(WAIT, || {
        b.title().ok().filter(|t| t.starts_with("Accounts"))
    });
    assert!(
        title.is_some(),
        "signed in: {}",
        b.body_text().unwrap_or_default()
    );
}

// The page on a team's PostgreSQL ledger too.
crate::pg::on_both_ledgers!(
    browser_marks_a_code_used_and_undoes_it_records_an_inventory_and_revokes,
);
