//! A small W3C WebDriver client for chromedriver, on the raw HTTP client: the few commands the tests use.

use std::fmt;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use super::http::Request;

/// The key W3C WebDriver gives element references.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

#[derive(Debug)]
pub enum WdError {
    Io(std::io::Error),
    /// chromedriver answered with a WebDriver error.
    Command {
        status: u16,
        error: String,
        message: String,
    },
    /// The answer was not the JSON expected.
    Protocol(String),
}

impl fmt::Display for WdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WdError::Io(e) => write!(f, "webdriver i/o: {e}"),
            WdError::Command {
                status,
                error,
                message,
            } => {
                write!(f, "webdriver {status} {error}: {message}")
            }
            WdError::Protocol(m) => write!(f, "webdriver protocol: {m}"),
        }
    }
}

impl From<std::io::Error> for WdError {
    fn from(e: std::io::Error) -> Self {
        WdError::Io(e)
    }
}

/// Where the browser and its driver are: Debian's packages unless the environment says otherwise.
pub struct Tools {
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
}

impl Tools {
    /// `None` when chromedriver is missing; under CI (`CI` set) that is a failure instead.
    pub fn find() -> Option<Tools> {
        let path = |var: &str, default: &str| {
            std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from)
        };
        let tools = Tools {
            chromedriver: path("RS_CHROMEDRIVER", "/usr/bin/chromedriver"),
            chromium: path("RS_CHROMIUM", "/usr/bin/chromium"),
        };
        if tools.chromedriver.exists() && tools.chromium.exists() {
            Some(tools)
        } else if std::env::var_os("CI").is_some() {
            panic!(
                "browser tests need {} and {} (apt-get install chromium chromium-driver)",
                tools.chromedriver.display(),
                tools.chromium.display()
            );
        } else {
            eprintln!("skipped: chromium or chromedriver not installed");
            None
        }
    }
}

/// A chromedriver process on a free loopback port, killed on drop.
pub struct Driver {
    child: Child,
    addr: SocketAddr,
}

impl Driver {
    /// `--port=0` lets chromedriver pick a free port, which it prints: no race for a port.
    pub fn start(tools: &Tools, log: &Path) -> Result<Driver, WdError> {
        let mut child = Command::new(&tools.chromedriver)
            .arg("--port=0")
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| WdError::Protocol("no stdout".into()))?;
        let mut lines = BufReader::new(stdout).lines();
        let port = loop {
            let Some(line) = lines.next().transpose()? else {
                let _ = child.kill();
                return Err(WdError::Protocol(
                    "chromedriver exited before it listened".into(),
                ));
            };
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                break rest.trim_end_matches('.').parse::<u16>().map_err(|_| {
                    WdError::Protocol(format!("unexpected chromedriver line: {line}"))
                })?;
            }
        };
        // Keep draining stdout so chromedriver never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let driver = Driver {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        driver.wait_ready()?;
        Ok(driver)
    }

    fn wait_ready(&self) -> Result<(), WdError> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(v) = self.call("GET", "/status", None)
                && v["ready"].as_bool() == Some(true)
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(WdError::Protocol("chromedriver never became ready".into()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts headless Chromium with the flags that work as root in a container.
    pub fn session(&self, tools: &Tools, options: &BrowserOptions) -> Result<Session<'_>, WdError> {
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(), // root in a container: no user namespace for the sandbox
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(), // small /dev/shm in containers
            "--no-first-run".to_owned(),
            "--no-default-browser-check".to_owned(),
            "--disable-background-networking".to_owned(), // no calls home: no network here
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-extensions".to_owned(),
            "--window-size=1000,1300".to_owned(),
            format!("--user-data-dir={}", options.profile.display()),
        ];
        args.extend(options.extra_args.iter().cloned());
        let mut prefs = json!({ "intl.accept_languages": options.accept_language });
        if let Some(dir) = &options.download_dir {
            prefs["download.default_directory"] = json!(dir);
            prefs["download.prompt_for_download"] = json!(false);
            prefs["plugins.always_open_pdf_externally"] = json!(true);
        }
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": { "binary": tools.chromium, "args": args, "prefs": prefs },
            }}
        });
        let value = self.call("POST", "/session", Some(&caps))?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| WdError::Protocol(format!("no sessionId in {value}")))?
            .to_owned();
        let session = Session { driver: self, id };
        session.cmd(
            "POST",
            "/timeouts",
            Some(&json!({ "script": 20_000, "pageLoad": 20_000 })),
        )?;
        Ok(session)
    }

    fn call(
        &self,
        method: &'static str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, WdError> {
        let mut req = Request::new(method, path)
            .timeout(Duration::from_secs(180))
            .header("Host", &self.addr.to_string())
            .header("Content-Type", "application/json; charset=utf-8");
        if let Some(body) = body {
            req = req.body(body.to_string());
        }
        let res = req.send(self.addr)?;
        let json: Value = serde_json::from_slice(&res.body)
            .map_err(|e| WdError::Protocol(format!("{e}: {}", res.text())))?;
        let value = json.get("value").cloned().unwrap_or(Value::Null);
        if res.status == 200 {
            Ok(value)
        } else {
            Err(WdError::Command {
                status: res.status,
                error: value["error"].as_str().unwrap_or_default().to_owned(),
                message: value["message"].as_str().unwrap_or_default().to_owned(),
            })
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct BrowserOptions {
    pub profile: PathBuf,
    pub accept_language: String,
    /// Set: PDFs are downloaded there instead of shown in the viewer.
    pub download_dir: Option<PathBuf>,
    pub extra_args: Vec<String>,
}

/// One browser; deleting the session quits Chromium (done on drop too).
pub struct Session<'d> {
    driver: &'d Driver,
    id: String,
}

pub struct Element<'s, 'd> {
    session: &'s Session<'d>,
    id: String,
}

impl<'d> Session<'d> {
    fn cmd(
        &self,
        method: &'static str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, WdError> {
        let body = match (method, body) {
            ("POST", None) => Some(json!({})),
            (_, b) => b.cloned(),
        };
        self.driver.call(
            method,
            &format!("/session/{}{path}", self.id),
            body.as_ref(),
        )
    }

    pub fn goto(&self, url: &str) -> Result<(), WdError> {
        self.cmd("POST", "/url", Some(&json!({ "url": url })))
            .map(drop)
    }

    /// The handles of every open tab, in no particular order.
    pub fn windows(&self) -> Result<Vec<String>, WdError> {
        let v = self.cmd("GET", "/window/handles", None)?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|h| h.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The handle of the tab commands go to.
    pub fn window(&self) -> Result<String, WdError> {
        string(self.cmd("GET", "/window", None)?)
    }

    /// Sends the following commands to the tab `handle`.
    pub fn switch_to(&self, handle: &str) -> Result<(), WdError> {
        self.cmd("POST", "/window", Some(&json!({ "handle": handle })))
            .map(drop)
    }

    /// Closes the current tab (switch to another one after).
    pub fn close_window(&self) -> Result<(), WdError> {
        self.cmd("DELETE", "/window", None).map(drop)
    }

    pub fn url(&self) -> Result<String, WdError> {
        string(self.cmd("GET", "/url", None)?)
    }

    pub fn title(&self) -> Result<String, WdError> {
        string(self.cmd("GET", "/title", None)?)
    }

    /// How many elements match `css`.
    pub fn count(&self, css: &str) -> Result<usize, WdError> {
        let v = self.cmd(
            "POST",
            "/elements",
            Some(&json!({ "using": "css selector", "value": css })),
        )?;
        Ok(v.as_array().map_or(0, Vec::len))
    }

    pub fn find(&self, css: &str) -> Result<Element<'_, 'd>, WdError> {
        let v = self.cmd(
            "POST",
            "/element",
            Some(&json!({ "using": "css selector", "value": css })),
        )?;
        let id = v[ELEMENT_KEY]
            .as_str()
            .ok_or_else(|| WdError::Protocol(format!("no element in {v}")))?
            .to_owned();
        Ok(Element { session: self, id })
    }

    /// Runs `script` in the page; its `return` value comes back as JSON.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, WdError> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// A Chrome DevTools command through chromedriver's `goog/cdp/execute`.
    pub fn cdp(&self, cmd: &str, params: Value) -> Result<Value, WdError> {
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            Some(&json!({ "cmd": cmd, "params": params })),
        )
    }

    pub fn screenshot_png(&self) -> Result<Vec<u8>, WdError> {
        let b64 = string(self.cmd("GET", "/screenshot", None)?)?;
        BASE64
            .decode(b64)
            .map_err(|e| WdError::Protocol(format!("screenshot: {e}")))
    }

    pub fn body_text(&self) -> Result<String, WdError> {
        string(self.execute("return document.body.innerText", vec![])?)
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self.cmd("DELETE", "", None);
    }
}

impl Element<'_, '_> {
    fn cmd(
        &self,
        method: &'static str,
        what: &str,
        body: Option<&Value>,
    ) -> Result<Value, WdError> {
        self.session
            .cmd(method, &format!("/element/{}{what}", self.id), body)
    }

    /// Types `text`; for `<input type=file>`, `text` is the path of the file to attach.
    pub fn send_keys(&self, text: &str) -> Result<(), WdError> {
        self.cmd("POST", "/value", Some(&json!({ "text": text })))
            .map(drop)
    }

    pub fn clear(&self) -> Result<(), WdError> {
        self.cmd("POST", "/clear", None).map(drop)
    }

    pub fn click(&self) -> Result<(), WdError> {
        self.cmd("POST", "/click", None).map(drop)
    }

    pub fn text(&self) -> Result<String, WdError> {
        string(self.cmd("GET", "/text", None)?)
    }

    pub fn attribute(&self, name: &str) -> Result<Option<String>, WdError> {
        Ok(self
            .cmd("GET", &format!("/attribute/{name}"), None)?
            .as_str()
            .map(str::to_owned))
    }
}

fn string(v: Value) -> Result<String, WdError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| WdError::Protocol(format!("expected a string, got {v}")))
}

/// Polls `f` until it gives `Some`, for up to `limit`.
pub fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
