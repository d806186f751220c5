//! Issue 16's security rules, each tried over plain HTTP as an attacker (or an unlucky click) would: `serve` runs as the real binary.

use std::time::Duration;

use crate::common::*;

use super::GOOGLE_PASTE;
use super::http::{Request, Response};
use super::server::{FORM_LIMIT, TestServer, UPLOAD_LIMIT, enc, field_value, multipart};

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

fn assert_security_headers(res: &Response, what: &str) {
    assert_eq!(res.header("cache-control"), Some("no-store"), "{what}");
    let csp = res
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
    assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(res.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(
        res.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(res.header("x-frame-options"), Some("DENY"), "{what}");
}

/// The generations the ledger holds, as `list --json` shows them.
fn sheets(env: &Env) -> usize {
    let out = env.cmd().args(["list", "--json"]).output().unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    list.as_array()
        .expect("array")
        .iter()
        .map(|a| a["generation"].as_u64().unwrap_or(0) as usize)
        .sum()
}

#[test]
fn every_response_carries_the_security_headers() {
    let env = Env::new();
    let server = TestServer::start(&env);
    let exchange = Request::get(&server.token_target())
        .header("Host", &server.host())
        .send(server.v4())
        .unwrap();
    assert_security_headers(&exchange, "token exchange");
    let cookie = exchange
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let s = server.sign_in_with_cookie(&cookie);
    let pdf = s.generate("account=a%40example.com");
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    let ticket = s.ticket();
    let cases = [
        ("accounts", s.send(&s.get("/"))),
        ("account", s.send(&s.get("/account?name=a%40example.com"))),
        ("new sheet", s.send(&s.get("/new"))),
        ("check", s.send(&s.get("/check"))),
        ("stylesheet", s.send(&s.get("/static/app.css"))),
        ("script", s.send(&s.get("/static/app.js"))),
        ("not found", s.send(&s.get("/nope"))),
        ("pdf", pdf),
        (
            "sheet refused",
            s.send(&s.post_form(
                "/sheet",
                &format!("ticket={ticket}&account=a%40example.com"),
            )),
        ),
        ("result", s.send(&s.get(&format!("/made?ticket={ticket}")))),
        (
            "no session",
            Request::get("/")
                .header("Host", &server.host())
                .send(server.v4())
                .unwrap(),
        ),
        (
            "wrong host",
            Request::get("/")
                .header("Host", "evil.example")
                .send(server.v4())
                .unwrap(),
        ),
        (
            "bad csrf",
            s.send(
                &Request::post("/check")
                    .header("Host", &s.host)
                    .header("Cookie", &s.cookie)
                    .header("Origin", &s.origin)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body("csrf=0&set_id=7K2Q-M9XA"),
            ),
        ),
        (
            "too large",
            s.send(&s.post_form("/check", &"x".repeat(FORM_LIMIT + 1))),
        ),
    ];
    for (what, res) in &cases {
        assert_security_headers(res, what);
    }
}

#[test]
fn the_token_is_exchanged_once_for_a_strict_httponly_cookie() {
    let env = Env::new();
    let server = TestServer::start(&env);
    assert!(
        server
            .address
            .starts_with(&format!("http://127.0.0.1:{}/?token=", server.port))
    );
    let token = server.address.rsplit('=').next().unwrap();
    assert!(token.len() * 4 >= 128, "at least 128 bits: {token}");
    let first = Request::get(&server.token_target())
        .header("Host", &server.host())
        .send(server.v4())
        .unwrap();
    assert_eq!(first.status, 303);
    assert_eq!(
        first.header("location"),
        Some("/"),
        "the redirect drops the token"
    );
    let set_cookie = first.header("set-cookie").unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attr), "{set_cookie}");
    }
    assert!(
        set_cookie.starts_with(&format!("rs_session_{}=", server.port)),
        "a cookie per port: {set_cookie}"
    );
    assert!(
        !set_cookie.contains(token),
        "the cookie is not the address token"
    );
    // The same address again, without the cookie: refused (it works once).
    let again = Request::get(&server.token_target())
        .header("Host", &server.host())
        .send(server.v4())
        .unwrap();
    assert_eq!(again.status, 403);
    // ... with the cookie (a second tab): just the redirect.
    let cookie = set_cookie.split(';').next().unwrap();
    let tab = Request::get(&server.token_target())
        .header("Host", &server.host())
        .header("Cookie", cookie)
        .send(server.v4())
        .unwrap();
    assert_eq!(tab.status, 303);
    assert!(tab.header("set-cookie").is_none());
}

#[test]
fn a_token_link_followed_from_another_site_signs_in_by_a_refresh_page() {
    let env = Env::new();
    let server = TestServer::start(&env);
    let res = Request::get(&server.token_target())
        .header("Host", &server.host())
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Mode", "navigate")
        .header("Sec-Fetch-Dest", "document")
        .send(server.v4())
        .unwrap();
    assert_eq!(res.status, 200);
    assert!(
        res.header("set-cookie")
            .unwrap()
            .contains("SameSite=Strict")
    );
    assert!(
        res.text()
            .contains(r#"http-equiv="refresh" content="0;url=/""#)
    );
    assert!(!res.text().contains("<script"));
}

#[test]
fn no_token_and_no_cookie_is_refused_everywhere() {
    let env = Env::new();
    let server = TestServer::start(&env);
    for target in [
        "/",
        "/account?name=a",
        "/new",
        "/check",
        "/made?ticket=0",
        "/static/app.css",
        "/static/app.js",
        "/nope",
    ] {
        let res = Request::get(target)
            .header("Host", &server.host())
            .send(server.v4())
            .unwrap();
        assert_eq!(res.status, 403, "{target}");
        assert!(res.text().contains("Not signed in"), "{}", res.text());
    }
    for target in ["/sheet", "/import", "/check", "/account/use", "/lang"] {
        let post = Request::post(target)
            .header("Host", &server.host())
            .header("Origin", &server.origin())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("account=a")
            .send(server.v4())
            .unwrap();
        assert_eq!(post.status, 403, "{target}");
    }
    // The refusal speaks the browser's language.
    let ja = Request::get("/")
        .header("Host", &server.host())
        .header("Accept-Language", "ja,en;q=0.5")
        .send(server.v4())
        .unwrap();
    assert!(ja.text().contains("ログインしていません"), "{}", ja.text());
    // The token still works after all that.
    server.sign_in();
}

#[test]
fn a_wrong_token_or_cookie_is_refused_and_burns_nothing() {
    let env = Env::new();
    let server = TestServer::start(&env);
    let wrong = format!("/?token={}", "0".repeat(64));
    for target in [wrong.as_str(), "/?token=", "/?token=abc"] {
        let res = Request::get(target)
            .header("Host", &server.host())
            .send(server.v4())
            .unwrap();
        assert_eq!(res.status, 403, "{target}");
        assert!(res.header("set-cookie").is_none());
    }
    let forged = format!("rs_session_{}={}", server.port, "0".repeat(64));
    let res = Request::get("/")
        .header("Host", &server.host())
        .header("Cookie", &forged)
        .send(server.v4())
        .unwrap();
    assert_eq!(res.status, 403);
    // Another server's cookie (same name pattern, other port) is no key either.
    let other = format!("rs_session_{}={}", server.port + 1, "0".repeat(64));
    let res = Request::get("/")
        .header("Host", &server.host())
        .header("Cookie", &other)
        .send(server.v4())
        .unwrap();
    assert_eq!(res.status, 403);
    // The real token still works after the wrong ones.
    server.sign_in();
}

#[test]
fn a_wrong_host_is_refused_even_with_the_cookie() {
    let env = Env::new();
    let server = TestServer::start(&env);
    let s = server.sign_in();
    let other_port = format!("127.0.0.1:{}", server.port.wrapping_add(1));
    for host in [
        "evil.example",
        "evil.example:80",
        "127.0.0.1",
        other_port.as_str(),
        "localhost.evil.example",
        "0.0.0.0",
        "192.168.1.10",
    ] {
        let res = Request::get("/")
            .header("Host", host)
            .header("Cookie", &s.cookie)
            .send(s.addr)
            .unwrap();
        assert_eq!(res.status, 421, "Host: {host}");
        let post = Request::post("/check")
            .header("Host", host)
            .header("Cookie", &s.cookie)
            .header("Origin", &format!("http://{host}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("csrf={}&set_id=7K2Q-M9XA", s.csrf))
            .send(s.addr)
            .unwrap();
        assert_eq!(post.status, 421, "POST with Host: {host}");
    }
    let no_host = Request::get("/")
        .header("Cookie", &s.cookie)
        .send(s.addr)
        .unwrap();
    assert_ne!(no_host.status, 200, "no Host header");
    let two_hosts = s
        .get("/")
        .header("Host", "evil.example")
        .send(s.addr)
        .unwrap();
    assert_eq!(two_hosts.status, 421, "two Host headers");
    // An absolute URI naming another authority (proxy-style request line).
    let absolute = Request::get("http://evil.example/")
        .header("Host", &s.host)
        .header("Cookie", &s.cookie)
        .send(s.addr)
        .unwrap();
    assert_ne!(absolute.status, 200, "absolute-form target");
    // The token is no way around it either.
    let env2 = Env::new();
    let fresh = TestServer::start(&env2);
    let res = Request::get(&fresh.token_target())
        .header("Host", "evil.example")
        .send(fresh.v4())
        .unwrap();
    assert_eq!(res.status, 421);
    fresh.sign_in();
}

#[test]
fn localhost_and_ipv6_loopback_hosts_are_accepted() {
    let env = Env::new();
    let server = TestServer::start(&env);
    let s = server.sign_in();
    for host in [
        format!("localhost:{}", server.port),
        format!("LOCALHOST:{}", server.port),
        format!("[::1]:{}", server.port),
    ] {
        let res = Request::get("/")
            .header("Host", &host)
            .header("Cookie", &s.cookie)
            .send(s.addr)
            .unwrap();
        assert_eq!(res.status, 200, "Host: {host}");
    }
}

fn a_cross_origin_post_is_refused_and_changes_nothing(env: Env) {
    let server = TestServer::start(&env);
    let s = server.sign_in();
    let other_port = format!("http://127.0.0.1:{}", server.port.wrapping_add(1));
    let https = format!("https://127.0.0.1:{}", server.port);
    let post = |origin: Option<&str>, fetch_site: Option<&str>| {
        let ticket = s.ticket();
        let mut req = Request::post("/sheet")
            .header("Host", &s.host)
            .header("Cookie", &s.cookie)
            .header("Content-Type", "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        if let Some(site) = fetch_site {
            req = req.header("Sec-Fetch-Site", site);
        }
        req.body(format!(
            "csrf={}&ticket={ticket}&account=a%40example.com&regenerate=yes",
            s.csrf
        ))
        .send(s.addr)
        .unwrap()
        .status
    };
    assert_eq!(post(Some("http://evil.example"), None), 403, "another site");
    assert_eq!(
        post(Some(&other_port), None),
        403,
        "another port of 127.0.0.1"
    );
    assert_eq!(post(Some(&https), None), 403, "another scheme");
    assert_eq!(post(None, None), 403, "no Origin");
    assert_eq!(post(Some("null"), None), 403, "Origin null alone");
    assert_eq!(
        post(Some("null"), Some("same-site")),
        403,
        "Origin null from another port"
    );
    assert_eq!(
        post(Some(&s.origin), Some("cross-site")),
        403,
        "fetch metadata says cross-site"
    );
    assert_eq!(sheets(&env), 0, "no refused form made a sheet");
    // What Chrome sends for its own form post under Referrer-Policy: no-referrer.
    assert_eq!(post(Some("null"), Some("same-origin")), 200);
    assert_eq!(post(Some(&s.origin), None), 200);
    assert_eq!(sheets(&env), 2);
    // The account's actions are guarded the same way.
    let res = Request::post("/account/use")
        .header("Host", &s.host)
        .header("Cookie", &s.cookie)
        .header("Origin", "http://evil.example")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={}&account=a%40example.com&number=1&change=use",
            s.csrf
        ))
        .send(s.addr)
        .unwrap();
    assert_eq!(res.status, 403);
    let show = env
        .cmd()
        .args(["show", "a@example.com", "--json"])
        .output()
        .unwrap();
    assert!(
        stdout_of(&show).contains("\"used\": []"),
        "{}",
        stdout_of(&show)
    );
}

#[test]
fn a_post_without_the_csrf_token_is_refused() {
    let env = Env::new();
    let server = TestServer::start(&env);
    let s = server.sign_in();
    let form_to = |target: &str, body: &str| {
        Request::post(target)
            .header("Host", &s.host)
            .header("Cookie", &s.cookie)
            .header("Origin", &s.origin)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send(s.addr)
            .unwrap()
    };
    let ticket = s.ticket();
    let sheet = |csrf: &str| {
        form_to(
            "/sheet",
            &format!("{csrf}ticket={ticket}&account=a%40example.com"),
        )
        .status
    };
    assert_eq!(sheet(""), 403, "missing");
    assert_eq!(sheet(&format!("csrf={}&", "f".repeat(64))), 403, "wrong");
    let cookie_value = s.cookie.split('=').nth(1).unwrap().to_owned();
    assert_eq!(
        sheet(&format!("csrf={cookie_value}&")),
        403,
        "the cookie is not the CSRF token"
    );
    let import = form_to(
        "/import",
        &format!(
            "ticket={}&account=a%40example.com&service=google&codes={}",
            s.ticket(),
            enc(GOOGLE_PASTE)
        ),
    );
    assert_eq!(import.status, 403, "the import form");
    for (target, fields) in [
        ("/account/use", "account=a&number=1&change=use"),
        ("/account/inventory", "account=a&by=K"),
        ("/account/shredded", "account=a&set_id=7K2Q-M9XA&by=K"),
        ("/account/revoke", "account=a&confirm=yes"),
        ("/check", "set_id=7K2Q-M9XA"),
        ("/lang", "lang=ja"),
    ] {
        assert_eq!(form_to(target, fields).status, 403, "{target}");
    }
    // Multipart: the token must be there and first.
    let res = s.send(&s.post_multipart(
        "/check/scan",
        multipart("nope", "p.png", "image/png", PNG_MAGIC),
    ));
    assert_eq!(res.status, 403);
    assert_eq!(sheets(&env), 0);
    // The ticket was not spent by the refused posts.
    assert_eq!(
        s.send(&s.post_form(
            "/sheet",
            &format!("ticket={ticket}&account=a%40example.com")
        ))
        .status,
        200
    );
}

#[test]
fn oversized_bodies_are_refused() {
    let env = Env::new();
    let server = TestServer::start(&env);
    let s = server.sign_in();
    let pad = "x".repeat(FORM_LIMIT);
    let ticket = s.ticket();
    let res = s.send(&s.post_form("/sheet", &format!("ticket={ticket}&account=a&pad={pad}")));
    assert_eq!(res.status, 413);
    let res = s.send(&s.post_form(
        "/import",
        &format!("ticket={ticket}&account=a&service=google&codes={pad}"),
    ));
    assert_eq!(res.status, 413, "the import form");
    let big = [PNG_MAGIC, &vec![0u8; UPLOAD_LIMIT]].concat();
    let res = s.send(
        &s.post_multipart(
            "/check/scan",
            multipart(&s.csrf, "big.png", "image/png", &big),
        )
        .timeout(Duration::from_secs(120)),
    );
    assert_eq!(res.status, 413);
    assert_eq!(sheets(&env), 0);
    // Under the limits, both pass (and the ticket was not spent).
    let res = s.send(&s.post_form(
        "/sheet",
        &format!("ticket={ticket}&account=a&pad={}", &pad[..FORM_LIMIT / 2]),
    ));
    assert_eq!(res.status, 200);
    let res = s.send(&s.post_multipart(
        "/check/scan",
        multipart(
            &s.csrf,
            "ok.png",
            "image/png",
            &[PNG_MAGIC, &[0u8; 1000]].concat(),
        ),
    ));
    assert_eq!(res.status, 200, "read (and found not an image)");
    assert!(res.text().contains("ok.png"), "{}", res.text());
}

#[test]
fn only_get_head_and_post_are_served() {
    let env = Env::new();
    let server = TestServer::start(&env);
    let s = server.sign_in();
    for method in ["PUT", "DELETE", "PATCH", "OPTIONS"] {
        let res = Request::new(method, "/")
            .header("Host", &s.host)
            .header("Cookie", &s.cookie)
            .header("Origin", &s.origin)
            .send(s.addr)
            .unwrap();
        assert_eq!(res.status, 405, "{method}");
    }
    for target in ["/sheet", "/import", "/account/use", "/check/scan", "/lang"] {
        let res = s.send(&s.get(target));
        assert_eq!(res.status, 405, "GET {target} changes nothing");
    }
}

fn a_form_that_makes_a_sheet_works_once(env: Env) {
    let server = TestServer::start(&env);
    let s = server.sign_in();
    let ticket = s.ticket();
    let fields = format!("ticket={ticket}&account=a%40example.com&regenerate=yes");
    assert_eq!(s.send(&s.post_form("/sheet", &fields)).status, 200);
    // A reload of the PDF's tab sends the same form again: no second set.
    let again = s.send(&s.post_form("/sheet", &fields));
    assert_eq!(again.status, 409);
    assert!(again.text().contains("already sent"), "{}", again.text());
    let unknown = s.send(&s.post_form(
        "/sheet",
        &format!("ticket={}&account=a%40example.com", "0".repeat(64)),
    ));
    assert_eq!(unknown.status, 409);
    assert_eq!(sheets(&env), 1);
}

fn no_code_reaches_a_url_a_page_or_the_terminal(env: Env) {
    let server = TestServer::start(&env);
    let s = server.sign_in();
    let codes: Vec<String> = GOOGLE_PASTE
        .lines()
        .map(|l| l.replace(' ', ""))
        .filter(|c| !c.is_empty())
        .collect();
    let leaks = |text: &str| -> Vec<String> {
        let flat = text.replace([' ', '-'], "");
        codes
            .iter()
            .filter(|c| flat.contains(c.as_str()))
            .cloned()
            .collect()
    };
    // A paste with a mistyped line: refused with a line number, no code shown.
    let bad = GOOGLE_PASTE.replacen("8841 0263", "8841 026", 1);
    let ticket = s.ticket();
    let refused = s.send(&s.post_form(
        "/import",
        &format!(
            "ticket={ticket}&account=shop%40gmail.com&service=google&codes={}",
            enc(&bad)
        ),
    ));
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("line 3"), "{}", refused.text());
    assert!(leaks(&refused.text()).is_empty(), "{}", refused.text());
    let result = s.send(&s.get(&format!("/made?ticket={ticket}")));
    assert!(result.text().contains("line 3"), "{}", result.text());
    assert!(
        leaks(&result.text()).is_empty(),
        "the form comes back without the codes"
    );
    // The good paste: the PDF holds the codes, nothing else does.
    let ticket = s.ticket();
    let made = s.send(&s.post_form(
        "/import",
        &format!(
            "ticket={ticket}&account=shop%40gmail.com&service=google&codes={}",
            enc(GOOGLE_PASTE)
        ),
    ));
    assert_eq!(made.status, 200, "{}", made.text());
    assert_eq!(
        leaks(&pdf_text(&made.body)).len(),
        10,
        "the sheet has them all"
    );
    let mut pages = String::new();
    for target in [
        format!("/made?ticket={ticket}"),
        "/".to_owned(),
        "/account?name=shop%40gmail.com".to_owned(),
        "/new".to_owned(),
    ] {
        assert!(!target.contains(&codes[0]));
        let page = s.send(&s.get(&target));
        assert_eq!(page.status, 200, "{target}");
        pages.push_str(&page.text());
        for (name, value) in &page.headers {
            assert!(leaks(value).is_empty(), "{target}: header {name}");
        }
    }
    assert!(pages.contains("10 codes read (Google)"), "{pages}");
    assert!(leaks(&pages).is_empty(), "{pages}");
    drop(s);
    let status = server.interrupt();
    assert!(status.success());
    let terminal = std::fs::read_to_string(env.root.path().join("serve.log")).unwrap();
    assert!(leaks(&terminal).is_empty(), "{terminal}");
    // The ledger holds no code either.
    for (name, bytes) in env.ledger_files() {
        for code in &codes {
            assert!(!contains_bytes(&bytes, code.as_bytes()), "{name}");
        }
    }
}

#[test]
fn refusals_never_echo_what_was_sent() {
    let env = Env::new();
    let server = TestServer::start(&env);
    let s = server.sign_in();
    let code = "K7Q2M9XA4ZP8";
    let res = s.send(
        &Request::post("/sheet")
            .header("Host", &s.host)
            .header("Cookie", &s.cookie)
            .header("Origin", &s.origin)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("csrf=bad&account={code}")),
    );
    assert_eq!(res.status, 403);
    assert!(!res.text().contains(code));
    let res = s.send(&s.get(&format!("/{code}")));
    assert_eq!(res.status, 404);
    assert!(!res.text().contains(code));
    let res = s.send(&s.post_form("/check", &format!("set_id={code}")));
    assert_eq!(res.status, 200);
    assert!(res.text().contains("not a set ID"), "{}", res.text());
    assert!(!res.text().contains(code), "a typed set ID may be a code");
}

#[test]
fn the_language_follows_the_switch_then_the_browser_then_the_config() {
    let env = Env::new();
    std::fs::create_dir_all(env.config().parent().unwrap()).unwrap();
    std::fs::write(env.config(), "lang = \"ja\"\n").unwrap();
    let server = TestServer::start(&env);
    let s = server.sign_in();
    let page = |accept: Option<&str>, lang_cookie: Option<&str>| {
        let mut req = Request::get("/account?name=nobody")
            .header("Host", &s.host)
            .header(
                "Cookie",
                &match lang_cookie {
                    Some(c) => format!("{}; {c}", s.cookie),
                    None => s.cookie.clone(),
                },
            );
        if let Some(a) = accept {
            req = req.header("Accept-Language", a);
        }
        s.send(&req).text()
    };
    let en = page(Some("en-US,en;q=0.9,ja;q=0.5"), None);
    assert!(en.contains(r#"<html lang="en">"#) && en.contains("No such account"));
    assert!(
        en.contains("no account `nobody`"),
        "the application's message too"
    );
    let ja = page(Some("ja,en;q=0.8"), None);
    assert!(ja.contains(r#"<html lang="ja">"#) && ja.contains("アカウントが見つかりません"));
    let fallback = page(Some("fr"), None);
    assert!(
        fallback.contains(r#"<html lang="ja">"#),
        "the config's language"
    );
    let switched = s.send(&s.post_form("/lang", "lang=en&back=%2Fcheck"));
    assert_eq!(switched.status, 303);
    assert_eq!(
        switched.header("location"),
        Some("/check"),
        "back where it was"
    );
    let lang_cookie = switched
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(lang_cookie.starts_with(&format!("rs_lang_{}=en", server.port)));
    let after = page(Some("ja"), Some(&lang_cookie));
    assert!(
        after.contains(r#"<html lang="en">"#),
        "the switch wins over the browser"
    );
    assert_eq!(
        field_value(&after, "csrf").as_deref(),
        Some(s.csrf.as_str())
    );
    let elsewhere = s.send(&s.post_form("/lang", "lang=en&back=%2F%2Fevil.example%2F"));
    assert_eq!(
        elsewhere.header("location"),
        Some("/"),
        "only back to this server"
    );
}

// The page writes through the same protocol whatever the ledger: these run
// on a SQLite file and on a PostgreSQL database.
crate::pg::on_both_ledgers!(
    a_form_that_makes_a_sheet_works_once,
    no_code_reaches_a_url_a_page_or_the_terminal,
    a_cross_origin_post_is_refused_and_changes_nothing,
);
