//! A raw HTTP/1.1 client on std's TcpStream: it sends exactly the headers a test writes (a wrong Host included).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A request as it goes on the wire; nothing is added but Content-Length and Connection: close.
pub struct Request {
    method: &'static str,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    timeout: Duration,
}

impl Request {
    pub fn get(target: &str) -> Request {
        Request::new("GET", target)
    }

    pub fn post(target: &str) -> Request {
        Request::new("POST", target)
    }

    pub fn new(method: &'static str, target: &str) -> Request {
        Request {
            method,
            target: target.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: Duration::from_secs(30),
        }
    }

    /// How long to wait for the answer (starting a browser takes long on a busy machine).
    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.timeout = timeout;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    pub fn send(&self, addr: SocketAddr) -> io::Result<Response> {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(self.timeout))?;
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.target);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if self.method != "GET" || !self.body.is_empty() {
            head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        head.push_str("Connection: close\r\n\r\n");
        stream.write_all(head.as_bytes())?;
        // The server may answer (413, 403) and close before reading it all.
        let _ = stream.write_all(&self.body);
        read_response(&mut stream)
    }
}

/// Reads one response: by Content-Length, by chunks, or to the end of the stream.
/// (chromedriver keeps the connection open despite `Connection: close`.)
fn read_response(stream: &mut TcpStream) -> io::Result<Response> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut read_more = |raw: &mut Vec<u8>| -> io::Result<bool> {
        match stream.read(&mut buf) {
            Ok(0) => Ok(false),
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                Ok(true)
            }
            // A read with a timeout is not restarted after a stop signal
            // (SIGSTOP/SIGCONT, as a loaded machine's tools send): read again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(true),
            // A reset after the server answered (it left part of our body unread).
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset && !raw.is_empty() => Ok(false),
            Err(e) => Err(e),
        }
    };
    loop {
        if let Some(end) = head_end(&raw) {
            let head = Response::parse_head(&raw[..end])?;
            loop {
                let body = &raw[end + 4..];
                let complete = match (&head.length, head.chunked) {
                    (Some(len), _) => body.len() >= *len,
                    (None, true) => dechunk(body).is_some(),
                    (None, false) => false,
                };
                if complete || !read_more(&mut raw)? {
                    return head.finish(&raw[end + 4..]);
                }
            }
        }
        if !read_more(&mut raw)? {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "no response"));
        }
    }
}

fn head_end(raw: &[u8]) -> Option<usize> {
    raw.windows(4).position(|w| w == b"\r\n\r\n")
}

struct Head {
    status: u16,
    headers: Vec<(String, String)>,
    length: Option<usize>,
    chunked: bool,
}

impl Head {
    fn finish(self, body: &[u8]) -> io::Result<Response> {
        let body = match (self.length, self.chunked) {
            (Some(len), _) => body.get(..len).unwrap_or(body).to_vec(),
            (None, true) => dechunk(body).ok_or_else(|| bad("bad chunks"))?,
            (None, false) => body.to_vec(),
        };
        Ok(Response {
            status: self.status,
            headers: self.headers,
            body,
        })
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn parse_head(head: &[u8]) -> io::Result<Head> {
        let head = std::str::from_utf8(head).map_err(|_| bad("non-UTF-8 head"))?;
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("no status"))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let find = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let length = find("content-length").and_then(|v| v.parse().ok());
        let chunked = find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        Ok(Head {
            status,
            headers,
            length,
            chunked,
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}
