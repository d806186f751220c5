//! Runs `recovery-sheet serve --no-open` in an isolated environment, and signs in the way a browser would.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::common::Env;

use super::http::{Request, Response};

/// The form limit of the web page (`MAX_FORM_BYTES`).
pub const FORM_LIMIT: usize = 64 * 1024;
/// The upload limit: the image (`MAX_SCAN_BYTES`) and room for the form's other parts.
pub const UPLOAD_LIMIT: usize = 64 * 1024 * 1024 + 16 * 1024;

/// A running `serve`, killed (by its own process ID) when dropped.
pub struct TestServer {
    child: Child,
    pub port: u16,
    /// The printed address, token included.
    pub address: String,
}

impl TestServer {
    /// `serve --no-open` on any free port, in `env`.
    pub fn start(env: &Env) -> TestServer {
        TestServer::start_with(env, &[])
    }

    /// With more arguments (`--port`, `--idle-minutes`) and environment.
    pub fn start_with(env: &Env, args: &[&str]) -> TestServer {
        TestServer::spawn(env.std_cmd(), args)
    }

    /// Starts `cmd` (the isolated binary) as `serve --no-open ARGS`; its
    /// stderr goes to `serve.log` in the environment's root.
    pub fn spawn(mut cmd: std::process::Command, args: &[&str]) -> TestServer {
        let log = cmd
            .get_current_dir()
            .and_then(|d| d.parent())
            .map(|root| root.join("serve.log"))
            .expect("an environment root");
        let stderr = std::fs::File::create(log).expect("serve.log");
        let mut child = cmd
            .args(["serve", "--no-open"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start serve");
        let mut address = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut address)
            .expect("the address on stdout");
        let address = address.trim().to_owned();
        let port = address
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("not an address: {address:?}"));
        TestServer {
            child,
            port,
            address,
        }
    }

    pub fn v4(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The path and query of the printed address (`/?token=...`).
    pub fn token_target(&self) -> String {
        let start = self.address.find("/?").expect("a token in the address");
        self.address[start..].to_owned()
    }

    /// Exchanges the token for the session cookie and reads the CSRF token off the page.
    pub fn sign_in(&self) -> Session {
        let res = Request::get(&self.token_target())
            .header("Host", &self.host())
            .send(self.v4())
            .expect("token exchange");
        assert_eq!(res.status, 303, "the token is exchanged by a redirect");
        let set_cookie = res.header("set-cookie").expect("a session cookie");
        self.sign_in_with_cookie(set_cookie.split(';').next().expect("name=value"))
    }

    /// A session for a cookie already obtained; the CSRF token is read off the home page.
    pub fn sign_in_with_cookie(&self, cookie: &str) -> Session {
        let page = Request::get("/")
            .header("Host", &self.host())
            .header("Cookie", cookie)
            .send(self.v4())
            .expect("home page");
        assert_eq!(page.status, 200, "{}", page.text());
        let csrf = field_value(&page.text(), "csrf").expect("a CSRF field on the page");
        Session {
            addr: self.v4(),
            host: self.host(),
            origin: self.origin(),
            cookie: cookie.to_owned(),
            csrf,
        }
    }

    /// Sends SIGINT, as Ctrl-C on the terminal does, and waits for the exit.
    #[cfg(unix)]
    pub fn interrupt(mut self) -> std::process::ExitStatus {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill -INT");
        assert!(status.success());
        self.wait_for_exit(Duration::from_secs(60))
            .expect("serve stopped after Ctrl-C")
    }

    /// Waits up to `limit` for the process to end.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if std::time::Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A signed-in client: the cookie and CSRF token a browser would hold.
pub struct Session {
    pub addr: SocketAddr,
    pub host: String,
    pub origin: String,
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    /// A GET with everything right.
    pub fn get(&self, target: &str) -> Request {
        Request::get(target)
            .header("Host", &self.host)
            .header("Cookie", &self.cookie)
    }

    /// A same-origin form POST with everything right; `fields` come after the CSRF token.
    pub fn post_form(&self, target: &str, fields: &str) -> Request {
        Request::post(target)
            .header("Host", &self.host)
            .header("Cookie", &self.cookie)
            .header("Origin", &self.origin)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("csrf={}&{fields}", self.csrf))
    }

    /// A same-origin multipart POST of `body` (see [`multipart`]).
    pub fn post_multipart(&self, target: &str, (content_type, body): (String, Vec<u8>)) -> Request {
        Request::post(target)
            .header("Host", &self.host)
            .header("Cookie", &self.cookie)
            .header("Origin", &self.origin)
            .header("Content-Type", &content_type)
            .body(body)
    }

    pub fn send(&self, req: &Request) -> Response {
        req.send(self.addr).expect("request")
    }

    /// A fresh ticket off the new-sheet page, for one sheet.
    pub fn ticket(&self) -> String {
        let page = self.send(&self.get("/new"));
        field_value(&page.text(), "ticket").expect("a ticket on the new-sheet page")
    }

    /// Makes a sheet through the generate form; `fields` are URL-encoded.
    pub fn generate(&self, fields: &str) -> Response {
        let ticket = self.ticket();
        self.send(&self.post_form("/sheet", &format!("ticket={ticket}&{fields}")))
    }
}

/// The `value` of the first `<input ... name="NAME" value="...">` in `html`.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// A multipart body with the CSRF token first (as the page's form sends it).
pub fn multipart(
    csrf: &str,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> (String, Vec<u8>) {
    let boundary = "----recovery-sheet-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{file_name}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// URL-encodes a form value.
pub fn enc(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
