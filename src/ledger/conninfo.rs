//! libpq's connection conventions, where the `postgres` crate has none: URLs and key=value strings, `PG*` variables, `~/.pgpass`, every `sslmode`, and printing a connection without its password.
//!
//! No PostgreSQL client types here: [`resolve`] turns a connection string and
//! an [`Environment`] into a [`ConnSpec`] that `pgtls.rs` maps onto
//! `postgres::Config` and a TLS connector.
//!
//! What follows libpq (PostgreSQL 15-17, `fe-connect.c`) and where it differs:
//! - `postgresql://` and `postgres://` URLs and `key=value` strings, parsed as
//!   libpq does (percent-decoding, `[v6]` hosts, `?ssl=true`, quoted values with
//!   backslash escapes, the last value of a repeated key wins).
//! - A key absent from the string falls back to its `PG*` variable; then to the
//!   defaults: a Unix socket in the default folder, port 5432, the OS user, a
//!   database named like the user.
//! - Password: the string, else `PGPASSWORD`, else the first matching line of
//!   `passfile` / `PGPASSFILE` / `~/.pgpass`; a password file that is not a
//!   plain file, or that the group or others may access, is ignored with a
//!   warning, exactly like libpq.
//! - `sslmode`: disable, allow, prefer (default), require, verify-ca,
//!   verify-full, with `sslrootcert` or `~/.postgresql/root.crt`; as in libpq,
//!   `require` with a root file present verifies the chain, and `sslmode` is
//!   ignored for Unix sockets. Differences: `allow` is treated as `prefer`
//!   (the client can try TLS first only), and a failed TLS handshake under
//!   `prefer` is an error instead of a silent retry in plain text.
//! - Refused with a clear error instead of half-working: several hosts, client
//!   certificates (`sslcert`, `sslkey`), revocation lists, service files,
//!   `sslrootcert=system`, Kerberos/GSS.
//! - Never in any message or `Debug` output: the password. Errors name the key
//!   and the position, never the value (a mistyped key may be followed by a
//!   password).

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use zeroize::Zeroize;

use crate::limits::bytes_for_people;
use crate::messages::{Localized, Msg, english_display};

/// Where libpq looks for the server's socket when no host is given. Debian's
/// libpq uses the first; upstream builds use the second.
pub const SOCKET_DIRS: [&str; 2] = ["/var/run/postgresql", "/tmp"];
/// The server port when none is given.
pub const DEFAULT_PORT: u16 = 5432;
/// A password file longer than this is an error, not a silent cut.
pub const PASSFILE_LIMIT: u64 = 1 << 20;

/// A password: no `Debug` or `Display` that shows it, wiped from memory on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(text: String) -> Password {
        Password(text)
    }
    /// The password itself; call only where it is handed to the client library.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Why a connection string or the environment gave no usable connection.
/// Messages name keys and positions, never values.
#[derive(Debug)]
pub enum ConnInfoError {
    /// The string does not parse; `at` is a byte offset into it.
    Syntax {
        at: usize,
        /// The message key of what is wrong there.
        what: &'static str,
    },
    /// A key libpq does not know either (a typo, most likely).
    UnknownOption(String),
    /// A key libpq knows that this tool does not implement.
    Unsupported {
        option: String,
        /// The message key of what to do instead.
        instead: &'static str,
    },
    /// A value of the wrong shape; the value itself is not shown.
    InvalidValue {
        option: &'static str,
        /// The message key of what the value should be.
        expected: &'static str,
    },
    /// No user was given and the OS user name is unknown.
    NoUser,
    /// `sslmode=verify-ca` or `verify-full` without a root certificate file.
    RootCertMissing(PathBuf),
    /// The password file could not be read.
    PassFile(PathBuf, io::Error),
    /// The password file is larger than [`PASSFILE_LIMIT`].
    PassFileTooLarge(PathBuf),
}

impl Localized for ConnInfoError {
    fn msg(&self) -> Msg {
        match self {
            ConnInfoError::Syntax { at, what } => Msg::new("conninfo_syntax")
                .with_msg("what", Msg::new(what))
                .with("position", at + 1),
            ConnInfoError::UnknownOption(key) => {
                Msg::new("conninfo_unknown_option").with("option", key)
            }
            ConnInfoError::Unsupported { option, instead } => Msg::new("conninfo_unsupported")
                .with("option", option)
                .with_msg("instead", Msg::new(instead)),
            ConnInfoError::InvalidValue { option, expected } => Msg::new("conninfo_invalid_value")
                .with("option", option)
                .with_msg("expected", Msg::new(expected)),
            ConnInfoError::NoUser => Msg::new("conninfo_no_user"),
            ConnInfoError::RootCertMissing(path) => {
                Msg::new("conninfo_root_cert_missing").with("path", path.display())
            }
            ConnInfoError::PassFile(path, err) => Msg::new("conninfo_passfile_unreadable")
                .with("path", path.display())
                .with("source", err),
            ConnInfoError::PassFileTooLarge(path) => Msg::new("conninfo_passfile_too_large")
                .with("path", path.display())
                .with("limit", bytes_for_people(PASSFILE_LIMIT)),
        }
    }
}

english_display!(ConnInfoError);

impl std::error::Error for ConnInfoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnInfoError::PassFile(_, err) => Some(err),
            _ => None,
        }
    }
}

/// Something libpq would print as a WARNING and carry on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    PassFileNotPlain(PathBuf),
    PassFileGroupOrWorld(PathBuf),
    /// A `PG*` variable for a feature this tool does not have; it is ignored.
    UnsupportedVariable(&'static str),
}

impl Localized for Warning {
    fn msg(&self) -> Msg {
        match self {
            Warning::PassFileNotPlain(path) => {
                Msg::new("conninfo_passfile_not_plain").with("path", path.display())
            }
            Warning::PassFileGroupOrWorld(path) => {
                Msg::new("conninfo_passfile_group_or_world").with("path", path.display())
            }
            Warning::UnsupportedVariable(var) => {
                Msg::new("conninfo_unsupported_variable").with("variable", var)
            }
        }
    }
}

english_display!(Warning);

/// What the process environment contributes; tests build one by hand.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// The `PG*` variables (others are never looked at).
    pub vars: BTreeMap<String, String>,
    pub home: Option<PathBuf>,
    pub os_user: Option<String>,
    /// Where the server's socket is when no host is given.
    pub default_socket_dir: PathBuf,
}

impl Environment {
    /// The real environment: `PG*` variables, `$HOME`, the OS user, and the first
    /// of [`SOCKET_DIRS`] that exists.
    pub fn from_process() -> Environment {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("PG"))
            .collect();
        let default_socket_dir = SOCKET_DIRS
            .iter()
            .map(PathBuf::from)
            .find(|dir| dir.is_dir())
            .unwrap_or_else(|| PathBuf::from(SOCKET_DIRS[0]));
        Environment {
            vars,
            home: std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(PathBuf::from),
            os_user: whoami::username().ok(),
            default_socket_dir,
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

/// How a key of libpq's is handled here.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Support {
    Used,
    /// Accepted and without effect here (nothing to do, or the default behaviour).
    Ignored,
    /// Refused, with what to do instead.
    Unsupported(&'static str),
}

/// libpq's connection keywords, their variables, and what this module does with them.
const KEYWORDS: &[(&str, Option<&str>, Support)] = &[
    ("host", Some("PGHOST"), Support::Used),
    ("hostaddr", Some("PGHOSTADDR"), Support::Used),
    ("port", Some("PGPORT"), Support::Used),
    ("dbname", Some("PGDATABASE"), Support::Used),
    ("user", Some("PGUSER"), Support::Used),
    ("password", Some("PGPASSWORD"), Support::Used),
    ("passfile", Some("PGPASSFILE"), Support::Used),
    ("sslmode", Some("PGSSLMODE"), Support::Used),
    ("sslrootcert", Some("PGSSLROOTCERT"), Support::Used),
    ("connect_timeout", Some("PGCONNECT_TIMEOUT"), Support::Used),
    ("application_name", Some("PGAPPNAME"), Support::Used),
    ("options", Some("PGOPTIONS"), Support::Used),
    ("keepalives", None, Support::Used),
    ("keepalives_idle", None, Support::Used),
    ("keepalives_interval", None, Support::Used),
    ("keepalives_count", None, Support::Used),
    ("tcp_user_timeout", None, Support::Used),
    (
        "target_session_attrs",
        Some("PGTARGETSESSIONATTRS"),
        Support::Used,
    ),
    ("channel_binding", Some("PGCHANNELBINDING"), Support::Used),
    ("fallback_application_name", None, Support::Ignored),
    (
        "client_encoding",
        Some("PGCLIENTENCODING"),
        Support::Ignored,
    ),
    ("sslsni", Some("PGSSLSNI"), Support::Ignored),
    ("sslcompression", None, Support::Ignored),
    ("gssencmode", Some("PGGSSENCMODE"), Support::Ignored),
    (
        "ssl_min_protocol_version",
        Some("PGSSLMINPROTOCOLVERSION"),
        Support::Ignored,
    ),
    (
        "ssl_max_protocol_version",
        Some("PGSSLMAXPROTOCOLVERSION"),
        Support::Ignored,
    ),
    (
        "sslcert",
        Some("PGSSLCERT"),
        Support::Unsupported("conninfo_instead_password"),
    ),
    (
        "sslkey",
        Some("PGSSLKEY"),
        Support::Unsupported("conninfo_instead_password"),
    ),
    (
        "sslpassword",
        None,
        Support::Unsupported("conninfo_instead_password"),
    ),
    (
        "sslcertmode",
        None,
        Support::Unsupported("conninfo_instead_password"),
    ),
    (
        "sslcrl",
        Some("PGSSLCRL"),
        Support::Unsupported("conninfo_instead_no_crl"),
    ),
    (
        "sslcrldir",
        Some("PGSSLCRLDIR"),
        Support::Unsupported("conninfo_instead_no_crl"),
    ),
    (
        "sslnegotiation",
        Some("PGSSLNEGOTIATION"),
        Support::Unsupported("conninfo_instead_remove"),
    ),
    (
        "requiressl",
        Some("PGREQUIRESSL"),
        Support::Unsupported("conninfo_instead_sslmode"),
    ),
    (
        "service",
        Some("PGSERVICE"),
        Support::Unsupported("conninfo_instead_inline"),
    ),
    (
        "krbsrvname",
        Some("PGKRBSRVNAME"),
        Support::Unsupported("conninfo_instead_password"),
    ),
    (
        "gsslib",
        Some("PGGSSLIB"),
        Support::Unsupported("conninfo_instead_password"),
    ),
    (
        "gssdelegation",
        Some("PGGSSDELEGATION"),
        Support::Unsupported("conninfo_instead_password"),
    ),
    (
        "require_auth",
        Some("PGREQUIREAUTH"),
        Support::Unsupported("conninfo_instead_remove"),
    ),
    (
        "requirepeer",
        Some("PGREQUIREPEER"),
        Support::Unsupported("conninfo_instead_remove"),
    ),
    (
        "replication",
        None,
        Support::Unsupported("conninfo_instead_remove"),
    ),
    (
        "load_balance_hosts",
        Some("PGLOADBALANCEHOSTS"),
        Support::Unsupported("conninfo_instead_one_host"),
    ),
];

fn keyword(key: &str) -> Option<(&'static str, Option<&'static str>, Support)> {
    KEYWORDS.iter().copied().find(|(name, _, _)| *name == key)
}

/// Which of libpq's two syntaxes a string used, kept so it is printed back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Url,
    KeyValue,
}

/// The options given in a connection string, before defaults; the password is
/// held apart so it is never among the printable values.
#[derive(Debug, Clone)]
pub struct Params {
    pub syntax: Syntax,
    values: BTreeMap<&'static str, String>,
    password: Option<Password>,
}

impl Params {
    /// A given option's value (never the password: see [`Params::has_password`]).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    fn set(&mut self, key: &str, value: String) -> Result<(), ConnInfoError> {
        let Some((name, _, support)) = keyword(key) else {
            return Err(ConnInfoError::UnknownOption(escape(key)));
        };
        if let Support::Unsupported(instead) = support {
            return Err(ConnInfoError::Unsupported {
                option: name.to_owned(),
                instead,
            });
        }
        if name == "password" {
            self.password = Some(Password::new(value));
        } else {
            self.values.insert(name, value);
        }
        Ok(())
    }
}

/// Parses a `postgres://` / `postgresql://` URL or a libpq `key=value` string.
pub fn parse(input: &str) -> Result<Params, ConnInfoError> {
    let url_body = ["postgresql://", "postgres://"]
        .iter()
        .find_map(|prefix| input.strip_prefix(prefix).map(|rest| (prefix.len(), rest)));
    match url_body {
        Some((offset, body)) => parse_url(body, offset),
        None => parse_key_value(input),
    }
}

/// libpq's `conninfo_uri_parse_options`: `user:password@host:port,.../dbname?k=v&...`.
fn parse_url(body: &str, offset: usize) -> Result<Params, ConnInfoError> {
    let mut params = Params {
        syntax: Syntax::Url,
        values: BTreeMap::new(),
        password: None,
    };
    let mut rest = body;
    let mut at = offset;
    // Credentials only when an '@' comes before the first '/' (as libpq looks ahead).
    let credentials_end = rest
        .find(['@', '/'])
        .filter(|&i| rest.as_bytes()[i] == b'@');
    if let Some(end) = credentials_end {
        let creds = &rest[..end];
        let (user, password) = match creds.find(':') {
            Some(colon) => (&creds[..colon], Some(&creds[colon + 1..])),
            None => (creds, None),
        };
        if !user.is_empty() {
            params.set("user", percent_decode(user, at)?)?;
        }
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            params.set("password", percent_decode(password, at)?)?;
        }
        rest = &rest[end + 1..];
        at += end + 1;
    }
    // Hosts and ports, comma-separated, up to '/' or '?'.
    let netloc_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let netloc = &rest[..netloc_end];
    let mut hosts = Vec::new();
    let mut ports = Vec::new();
    let mut chunk_at = at;
    for chunk in netloc.split(',') {
        let (host, port) = if let Some(v6) = chunk.strip_prefix('[') {
            let close = v6.find(']').ok_or(ConnInfoError::Syntax {
                at: chunk_at,
                what: "conninfo_ipv6_unclosed",
            })?;
            if close == 0 {
                return Err(ConnInfoError::Syntax {
                    at: chunk_at,
                    what: "conninfo_ipv6_empty",
                });
            }
            let after = &v6[close + 1..];
            let port = match after.strip_prefix(':') {
                Some(port) => Some(port),
                None if after.is_empty() => None,
                None => {
                    return Err(ConnInfoError::Syntax {
                        at: chunk_at + close + 2,
                        what: "conninfo_after_ipv6",
                    });
                }
            };
            (v6[..close].to_owned(), port)
        } else {
            match chunk.find(':') {
                Some(colon) => (
                    percent_decode(&chunk[..colon], chunk_at)?,
                    Some(&chunk[colon + 1..]),
                ),
                None => (percent_decode(chunk, chunk_at)?, None),
            }
        };
        hosts.push(host);
        ports.push(match port {
            Some(port) => percent_decode(port, chunk_at)?,
            None => String::new(),
        });
        chunk_at += chunk.len() + 1;
    }
    if hosts.iter().any(|h| !h.is_empty()) {
        params.set("host", hosts.join(","))?;
    }
    if ports.iter().any(|p| !p.is_empty()) {
        params.set("port", ports.join(","))?;
    }
    rest = &rest[netloc_end..];
    at += netloc_end;
    if let Some(path) = rest.strip_prefix('/') {
        let db_end = path.find('?').unwrap_or(path.len());
        // An empty path sets nothing, so PGDATABASE still applies (as in libpq).
        if db_end > 0 {
            params.set("dbname", percent_decode(&path[..db_end], at + 1)?)?;
        }
        rest = &path[db_end..];
        at += 1 + db_end;
    }
    if let Some(query) = rest.strip_prefix('?') {
        at += 1;
        for pair in query.split('&') {
            if pair.is_empty() {
                // libpq stops at a trailing '&' too.
                at += 1;
                continue;
            }
            let Some((key, value)) = pair.split_once('=') else {
                return Err(ConnInfoError::Syntax {
                    at,
                    what: "conninfo_query_without_equals",
                });
            };
            if value.contains('=') {
                return Err(ConnInfoError::Syntax {
                    at: at + key.len() + 1,
                    what: "conninfo_query_second_equals",
                });
            }
            let key = percent_decode(key, at)?;
            let value = percent_decode(value, at + key.len() + 1)?;
            // libpq's JDBC compatibility: ssl=true means sslmode=require.
            if key == "ssl" && value == "true" {
                params.set("sslmode", "require".to_owned())?;
            } else {
                params.set(&key, value)?;
            }
            at += pair.len() + 1;
        }
    }
    Ok(params)
}

/// libpq's `conninfo_parse`: `key = value` pairs separated by blanks; a value
/// may be single-quoted; a backslash takes the next character literally.
fn parse_key_value(input: &str) -> Result<Params, ConnInfoError> {
    let mut params = Params {
        syntax: Syntax::KeyValue,
        values: BTreeMap::new(),
        password: None,
    };
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut i = 0;
    let at = |i: usize| chars.get(i).map_or(input.len(), |&(pos, _)| pos);
    while i < chars.len() {
        if chars[i].1.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let key_start = i;
        while i < chars.len() && chars[i].1 != '=' && !chars[i].1.is_ascii_whitespace() {
            i += 1;
        }
        let key: String = chars[key_start..i].iter().map(|&(_, c)| c).collect();
        while i < chars.len() && chars[i].1.is_ascii_whitespace() {
            i += 1;
        }
        if chars.get(i).map(|&(_, c)| c) != Some('=') {
            return Err(ConnInfoError::Syntax {
                at: at(key_start),
                what: "conninfo_option_without_equals",
            });
        }
        i += 1;
        while i < chars.len() && chars[i].1.is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if chars.get(i).map(|&(_, c)| c) == Some('\'') {
            let quote_at = at(i);
            i += 1;
            loop {
                match chars.get(i).map(|&(_, c)| c) {
                    None => {
                        return Err(ConnInfoError::Syntax {
                            at: quote_at,
                            what: "conninfo_unclosed_quote",
                        });
                    }
                    Some('\\') => {
                        if let Some(&(_, c)) = chars.get(i + 1) {
                            value.push(c);
                        }
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(c) => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            while let Some(&(_, c)) = chars.get(i) {
                if c.is_ascii_whitespace() {
                    break;
                }
                if c == '\\' {
                    if let Some(&(_, next)) = chars.get(i + 1) {
                        value.push(next);
                    }
                    i += 2;
                } else {
                    value.push(c);
                    i += 1;
                }
            }
        }
        params.set(&key, value)?;
    }
    Ok(params)
}

fn percent_decode(text: &str, at: usize) -> Result<String, ConnInfoError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(ConnInfoError::Syntax {
                    at: at + i,
                    what: "conninfo_bad_percent",
                })?;
            if hex == 0 {
                return Err(ConnInfoError::Syntax {
                    at: at + i,
                    what: "conninfo_percent_nul",
                });
            }
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ConnInfoError::Syntax {
        at,
        what: "conninfo_percent_not_utf8",
    })
}

/// Characters a URL component may hold as they are (RFC 3986 unreserved).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A key or value shown in a message: control and non-ASCII characters escaped.
fn escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let shown: Vec<char> = if c.is_ascii_graphic() || c == ' ' {
                vec![c]
            } else {
                c.escape_default().collect()
            };
            shown
        })
        .take(64)
        .collect()
}

/// The `sslmode` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn from_name(name: &str) -> Option<SslMode> {
        [
            SslMode::Disable,
            SslMode::Allow,
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ]
        .into_iter()
        .find(|mode| mode.as_str() == name)
    }
}

/// Whether the connection may go on without TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsUse {
    /// Never TLS (sslmode=disable, or a Unix socket).
    Off,
    /// TLS if the server offers it, plain text if it does not.
    IfOffered,
    /// TLS or no connection.
    Required,
}

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verify {
    /// Encryption only: any certificate (libpq's prefer/require without a root file).
    Nothing,
    /// The chain up to a CA in this file, any host name (verify-ca).
    Chain(PathBuf),
    /// The chain and the host name (verify-full).
    ChainAndName(PathBuf),
}

/// What TLS the client must do, decided from `sslmode`, the root file and the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsPlan {
    pub asked: SslMode,
    pub use_tls: TlsUse,
    pub verify: Verify,
}

/// Where the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A host name or address; `hostaddr` skips the name lookup (TLS still checks `host`).
    Tcp {
        host: String,
        hostaddr: Option<IpAddr>,
    },
    /// Only an address was given (`hostaddr` without `host`).
    Addr(IpAddr),
    /// The folder holding the server's socket (`.s.PGSQL.<port>`).
    Unix(PathBuf),
}

/// Where the password came from, for messages ("password from ~/.pgpass refused").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    None,
    ConnString,
    Environment,
    PassFile(PathBuf),
}

/// Options passed to the client as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tuning {
    pub connect_timeout: Option<Duration>,
    pub application_name: Option<String>,
    pub options: Option<String>,
    pub keepalives: Option<bool>,
    pub keepalives_idle: Option<Duration>,
    pub keepalives_interval: Option<Duration>,
    pub keepalives_count: Option<u32>,
    pub tcp_user_timeout: Option<Duration>,
    /// `any`, `read-write` or `read-only`.
    pub target_session_attrs: Option<String>,
    /// `disable`, `prefer` or `require`.
    pub channel_binding: Option<String>,
}

/// A connection, fully resolved: nothing left to look up.
#[derive(Debug, Clone)]
pub struct ConnSpec {
    pub target: Target,
    pub port: u16,
    pub user: String,
    pub dbname: String,
    pub password: Option<Password>,
    pub password_source: PasswordSource,
    pub tls: TlsPlan,
    pub tuning: Tuning,
}

/// A resolved connection and the warnings libpq would have printed on the way.
#[derive(Debug)]
pub struct Resolved {
    pub spec: ConnSpec,
    pub warnings: Vec<Warning>,
}

/// Parses `input` and fills in what it leaves out from `env`, as libpq does.
pub fn resolve(input: &str, env: &Environment) -> Result<Resolved, ConnInfoError> {
    resolve_params(parse(input)?, env)
}

/// [`resolve`] for already parsed options.
pub fn resolve_params(mut params: Params, env: &Environment) -> Result<Resolved, ConnInfoError> {
    let mut warnings = Vec::new();
    // Variables fill in what the string left out (set, even if empty, wins).
    let mut password_source = match params.password {
        Some(_) => PasswordSource::ConnString,
        None => PasswordSource::None,
    };
    for &(name, var, support) in KEYWORDS {
        let Some(var) = var else { continue };
        let Some(value) = env.var(var) else { continue };
        match support {
            Support::Unsupported(_) => warnings.push(Warning::UnsupportedVariable(var)),
            Support::Ignored => {}
            Support::Used if name == "password" => {
                if params.password.is_none() {
                    params.password = Some(Password::new(value.to_owned()));
                    password_source = PasswordSource::Environment;
                }
            }
            Support::Used => {
                params
                    .values
                    .entry(name)
                    .or_insert_with(|| value.to_owned());
            }
        }
    }
    let given_password = params.password.take();
    let value = |key: &str| params.get(key).filter(|v| !v.is_empty());

    if value("host").is_some_and(|h| h.contains(','))
        || value("hostaddr").is_some_and(|h| h.contains(','))
        || value("port").is_some_and(|p| p.contains(','))
    {
        return Err(ConnInfoError::Unsupported {
            option: "host".to_owned(),
            instead: "conninfo_instead_one_host",
        });
    }
    let hostaddr = match value("hostaddr") {
        Some(addr) => Some(
            addr.parse::<IpAddr>()
                .map_err(|_| ConnInfoError::InvalidValue {
                    option: "hostaddr",
                    expected: "conninfo_expect_address",
                })?,
        ),
        None => None,
    };
    let target = match (value("host"), hostaddr) {
        (Some(host), _) if host.starts_with('/') => Target::Unix(PathBuf::from(host)),
        (Some(host), hostaddr) => Target::Tcp {
            host: host.to_owned(),
            hostaddr,
        },
        (None, Some(addr)) => Target::Addr(addr),
        (None, None) => Target::Unix(env.default_socket_dir.clone()),
    };
    let port = match value("port") {
        Some(port) => {
            port.parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or(ConnInfoError::InvalidValue {
                    option: "port",
                    expected: "conninfo_expect_port",
                })?
        }
        None => DEFAULT_PORT,
    };
    let user = match value("user") {
        Some(user) => user.to_owned(),
        None => env.os_user.clone().ok_or(ConnInfoError::NoUser)?,
    };
    let dbname = value("dbname").map_or_else(|| user.clone(), str::to_owned);

    if value("gssencmode") == Some("require") {
        return Err(ConnInfoError::Unsupported {
            option: "gssencmode".to_owned(),
            instead: "conninfo_instead_gss_enc",
        });
    }
    let tls = tls_plan(value("sslmode"), value("sslrootcert"), &target, env)?;
    let tuning = tuning(&params)?;

    let mut password = given_password.filter(|p| !p.expose().is_empty());
    if password.is_none() {
        password_source = PasswordSource::None;
        let passfile = match value("passfile") {
            Some(path) => Some(PathBuf::from(path)),
            None => env.home.as_ref().map(|home| home.join(".pgpass")),
        };
        if let Some(passfile) = passfile {
            let host_for_file = match &target {
                Target::Unix(dir)
                    if *dir == Path::new(SOCKET_DIRS[0]) || *dir == env.default_socket_dir =>
                {
                    "localhost".to_owned()
                }
                Target::Unix(dir) => dir.to_string_lossy().into_owned(),
                Target::Tcp { host, .. } => host.clone(),
                Target::Addr(addr) => addr.to_string(),
            };
            let port_text = port.to_string();
            let wanted = [host_for_file.as_str(), port_text.as_str(), &dbname, &user];
            match read_passfile(&passfile)? {
                PassFile::Absent => {}
                PassFile::Refused(warning) => warnings.push(warning),
                PassFile::Text(text) => {
                    if let Some(found) = passfile_lookup(&text, wanted) {
                        password = Some(found);
                        password_source = PasswordSource::PassFile(passfile);
                    }
                }
            }
        }
    }
    Ok(Resolved {
        spec: ConnSpec {
            target,
            port,
            user,
            dbname,
            password,
            password_source,
            tls,
            tuning,
        },
        warnings,
    })
}

fn tls_plan(
    sslmode: Option<&str>,
    sslrootcert: Option<&str>,
    target: &Target,
    env: &Environment,
) -> Result<TlsPlan, ConnInfoError> {
    let asked = match sslmode {
        Some(name) => SslMode::from_name(name).ok_or(ConnInfoError::InvalidValue {
            option: "sslmode",
            expected: "conninfo_expect_sslmode",
        })?,
        None => SslMode::Prefer,
    };
    if sslrootcert == Some("system") {
        return Err(ConnInfoError::Unsupported {
            option: "sslrootcert=system".to_owned(),
            instead: "conninfo_instead_root_path",
        });
    }
    // libpq never uses TLS on a Unix socket, whatever sslmode says.
    if matches!(target, Target::Unix(_)) || asked == SslMode::Disable {
        return Ok(TlsPlan {
            asked,
            use_tls: TlsUse::Off,
            verify: Verify::Nothing,
        });
    }
    let root = match sslrootcert {
        Some(path) => Some(PathBuf::from(path)),
        None => env
            .home
            .as_ref()
            .map(|home| home.join(".postgresql").join("root.crt")),
    };
    let existing_root = root.clone().filter(|path| path.is_file());
    let (use_tls, verify) = match asked {
        SslMode::Disable => (TlsUse::Off, Verify::Nothing),
        SslMode::Allow | SslMode::Prefer | SslMode::Require => {
            let use_tls = if asked == SslMode::Require {
                TlsUse::Required
            } else {
                TlsUse::IfOffered
            };
            // libpq: with a root file present, require (and prefer) check the chain.
            (
                use_tls,
                existing_root.map_or(Verify::Nothing, Verify::Chain),
            )
        }
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let root = existing_root.ok_or_else(|| {
                ConnInfoError::RootCertMissing(
                    root.unwrap_or_else(|| PathBuf::from("~/.postgresql/root.crt")),
                )
            })?;
            let verify = if asked == SslMode::VerifyCa {
                Verify::Chain(root)
            } else {
                Verify::ChainAndName(root)
            };
            (TlsUse::Required, verify)
        }
    };
    Ok(TlsPlan {
        asked,
        use_tls,
        verify,
    })
}

fn tuning(params: &Params) -> Result<Tuning, ConnInfoError> {
    let value = |key: &str| params.get(key).filter(|v| !v.is_empty());
    // libpq: a timeout of 0 or less means none.
    let seconds = |option: &'static str| -> Result<Option<Duration>, ConnInfoError> {
        match value(option) {
            None => Ok(None),
            Some(text) => {
                let secs = text
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| ConnInfoError::InvalidValue {
                        option,
                        expected: "conninfo_expect_seconds",
                    })?;
                Ok(u64::try_from(secs)
                    .ok()
                    .filter(|&s| s > 0)
                    .map(Duration::from_secs))
            }
        }
    };
    let one_of = |option: &'static str,
                  allowed: &'static [&'static str],
                  expected: &'static str| {
        match value(option) {
            None => Ok(None),
            Some(v) if allowed.contains(&v) => Ok(Some(v.to_owned())),
            Some(_) => Err(ConnInfoError::InvalidValue { option, expected }),
        }
    };
    Ok(Tuning {
        connect_timeout: seconds("connect_timeout")?,
        application_name: value("application_name").map(str::to_owned),
        options: value("options").map(str::to_owned),
        keepalives: match value("keepalives") {
            None => None,
            Some(v) => Some(
                v.parse::<u64>().map_err(|_| ConnInfoError::InvalidValue {
                    option: "keepalives",
                    expected: "conninfo_expect_flag",
                })? != 0,
            ),
        },
        keepalives_idle: seconds("keepalives_idle")?,
        keepalives_interval: seconds("keepalives_interval")?,
        keepalives_count: match value("keepalives_count") {
            None => None,
            Some(v) => Some(v.parse::<u32>().map_err(|_| ConnInfoError::InvalidValue {
                option: "keepalives_count",
                expected: "conninfo_expect_number",
            })?),
        },
        tcp_user_timeout: match value("tcp_user_timeout") {
            // libpq's unit here is milliseconds.
            None => None,
            Some(v) => Some(Duration::from_millis(v.parse::<u64>().map_err(|_| {
                ConnInfoError::InvalidValue {
                    option: "tcp_user_timeout",
                    expected: "conninfo_expect_milliseconds",
                }
            })?)),
        },
        target_session_attrs: one_of(
            "target_session_attrs",
            &["any", "read-write", "read-only"],
            "conninfo_expect_session_attrs",
        )?,
        channel_binding: one_of(
            "channel_binding",
            &["disable", "prefer", "require"],
            "conninfo_expect_channel_binding",
        )?,
    })
}

enum PassFile {
    Absent,
    Refused(Warning),
    Text(PassFileText),
}

/// The file's text, wiped on drop (it holds passwords).
struct PassFileText(String);

impl Drop for PassFileText {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

fn read_passfile(path: &Path) -> Result<PassFile, ConnInfoError> {
    // libpq: a file that cannot be stat'ed or opened is ignored silently.
    let Ok(meta) = fs::metadata(path) else {
        return Ok(PassFile::Absent);
    };
    if !meta.is_file() {
        return Ok(PassFile::Refused(Warning::PassFileNotPlain(
            path.to_owned(),
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return Ok(PassFile::Refused(Warning::PassFileGroupOrWorld(
                path.to_owned(),
            )));
        }
    }
    let Ok(file) = fs::File::open(path) else {
        return Ok(PassFile::Absent);
    };
    let mut text = PassFileText(String::new());
    file.take(PASSFILE_LIMIT + 1)
        .read_to_string(&mut text.0)
        .map_err(|err| ConnInfoError::PassFile(path.to_owned(), err))?;
    if text.0.len() as u64 > PASSFILE_LIMIT {
        return Err(ConnInfoError::PassFileTooLarge(path.to_owned()));
    }
    Ok(PassFile::Text(text))
}

/// The password of the first line of a pgpass text matching `[host, port,
/// dbname, user]`, as libpq's `passwordFromFile`: `#` starts a comment line, a
/// field that is exactly `*` matches anything, `\` escapes the next character
/// (`\:` and `\\`), and the password ends at the first unescaped `:`.
fn passfile_lookup(text: &PassFileText, wanted: [&str; 4]) -> Option<Password> {
    for line in text.0.split('\n') {
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut rest = line;
        let mut matched = true;
        for want in wanted {
            match field_matches(rest, want) {
                Some(after) => rest = after,
                None => {
                    matched = false;
                    break;
                }
            }
        }
        if matched {
            let mut password = String::new();
            let mut chars = rest.chars();
            while let Some(c) = chars.next() {
                match c {
                    ':' => break,
                    '\\' => match chars.next() {
                        Some(next) => password.push(next),
                        None => password.push('\\'),
                    },
                    c => password.push(c),
                }
            }
            return Some(Password::new(password));
        }
    }
    None
}

/// libpq's `pwdfMatchesString`: the rest of the line after the field if it
/// matches `want`, else `None`.
fn field_matches<'a>(line: &'a str, want: &str) -> Option<&'a str> {
    if let Some(after) = line.strip_prefix("*:") {
        return Some(after);
    }
    let mut want = want.chars();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        let (c, escaped) = if c == '\\' {
            match chars.next() {
                Some((_, next)) => (next, true),
                None => return None,
            }
        } else {
            (c, false)
        };
        if c == ':' && !escaped {
            return match want.next() {
                None => Some(&line[i + 1..]),
                Some(_) => None,
            };
        }
        if want.next() != Some(c) {
            return None;
        }
    }
    None
}

impl ConnSpec {
    /// The connection as a URL, without the password: for messages, `config
    /// show` and `-v`. Prints the same whatever the password.
    pub fn redacted(&self) -> String {
        let mut url = String::from("postgresql://");
        url.push_str(&percent_encode(&self.user));
        url.push('@');
        match &self.target {
            Target::Tcp { host, .. } if host.contains(':') => url.push_str(&format!("[{host}]")),
            Target::Tcp { host, .. } => url.push_str(&percent_encode(host)),
            Target::Addr(IpAddr::V6(addr)) => url.push_str(&format!("[{addr}]")),
            Target::Addr(addr) => url.push_str(&addr.to_string()),
            Target::Unix(dir) => url.push_str(&percent_encode(&dir.to_string_lossy())),
        }
        url.push_str(&format!(":{}/{}", self.port, percent_encode(&self.dbname)));
        let mut query = Vec::new();
        if let Target::Tcp {
            hostaddr: Some(addr),
            ..
        } = &self.target
        {
            query.push(format!("hostaddr={addr}"));
        }
        if !matches!(self.target, Target::Unix(_)) {
            query.push(format!("sslmode={}", self.tls.asked.as_str()));
            if let Verify::Chain(root) | Verify::ChainAndName(root) = &self.tls.verify {
                query.push(format!(
                    "sslrootcert={}",
                    percent_encode(&root.to_string_lossy())
                ));
            }
        }
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        url
    }
}

impl fmt::Display for ConnSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// A connection string as the user wrote it, with the password replaced by
/// `********`, in the same syntax. A string that does not parse is not shown
/// at all (it may hold a password in a place the parser did not reach).
pub fn redact(input: &str) -> String {
    let Ok(params) = parse(input) else {
        return "<connection string not shown: it does not parse>".to_owned();
    };
    let mask = params.has_password().then_some("********");
    match params.syntax {
        Syntax::KeyValue => {
            let mut parts: Vec<String> = params
                .values
                .iter()
                .map(|(key, value)| format!("{key}={}", quote_kv(value)))
                .collect();
            if let Some(mask) = mask {
                parts.push(format!("password={mask}"));
            }
            parts.join(" ")
        }
        Syntax::Url => {
            let mut url = String::from("postgresql://");
            let user = params.get("user").map(percent_encode);
            match (user, mask) {
                (Some(user), Some(mask)) => url.push_str(&format!("{user}:{mask}@")),
                (Some(user), None) => url.push_str(&format!("{user}@")),
                (None, Some(mask)) => url.push_str(&format!(":{mask}@")),
                (None, None) => {}
            }
            let hosts: Vec<&str> = params
                .get("host")
                .map_or(Vec::new(), |h| h.split(',').collect());
            let ports: Vec<&str> = params
                .get("port")
                .map_or(Vec::new(), |p| p.split(',').collect());
            let netloc: Vec<String> = (0..hosts.len().max(ports.len()))
                .map(|i| {
                    let host = hosts.get(i).copied().unwrap_or("");
                    let host = if host.contains(':') {
                        format!("[{host}]")
                    } else {
                        percent_encode(host)
                    };
                    match ports.get(i).copied().filter(|p| !p.is_empty()) {
                        Some(port) => format!("{host}:{}", percent_encode(port)),
                        None => host,
                    }
                })
                .collect();
            url.push_str(&netloc.join(","));
            if let Some(db) = params.get("dbname") {
                url.push('/');
                url.push_str(&percent_encode(db));
            }
            let query: Vec<String> = params
                .values
                .iter()
                .filter(|(key, _)| !matches!(**key, "user" | "host" | "port" | "dbname"))
                .map(|(key, value)| format!("{key}={}", percent_encode(value)))
                .collect();
            if !query.is_empty() {
                url.push('?');
                url.push_str(&query.join("&"));
            }
            url
        }
    }
}

fn quote_kv(value: &str) -> String {
    if !value.is_empty()
        && !value.contains(|c: char| c.is_ascii_whitespace() || c == '\'' || c == '\\')
    {
        return value.to_owned();
    }
    let escaped: String = value
        .chars()
        .flat_map(|c| match c {
            '\'' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("'{escaped}'")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn env() -> Environment {
        Environment {
            vars: BTreeMap::new(),
            home: None,
            os_user: Some("osuser".to_owned()),
            default_socket_dir: PathBuf::from("/var/run/postgresql"),
        }
    }

    fn env_with(vars: &[(&str, &str)]) -> Environment {
        let mut e = env();
        e.vars = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        e
    }

    fn spec(input: &str, env: &Environment) -> ConnSpec {
        resolve(input, env).expect("resolves").spec
    }

    #[test]
    fn full_url_is_parsed_and_decoded() {
        let p = parse("postgresql://al%40ice:p%3Ass%2Fw@db.example.org:6543/led%20ger?sslmode=verify-full&application_name=rs")
            .expect("parses");
        assert_eq!(p.syntax, Syntax::Url);
        assert_eq!(p.get("user"), Some("al@ice"));
        assert_eq!(p.password.as_ref().map(Password::expose), Some("p:ss/w"));
        assert_eq!(p.get("host"), Some("db.example.org"));
        assert_eq!(p.get("port"), Some("6543"));
        assert_eq!(p.get("dbname"), Some("led ger"));
        assert_eq!(p.get("sslmode"), Some("verify-full"));
        assert_eq!(p.get("application_name"), Some("rs"));
    }

    #[test]
    fn both_url_prefixes_are_accepted() {
        for url in ["postgres://h/d", "postgresql://h/d"] {
            let p = parse(url).expect("parses");
            assert_eq!((p.get("host"), p.get("dbname")), (Some("h"), Some("d")));
        }
    }

    #[test]
    fn at_sign_after_the_path_is_not_credentials() {
        let p = parse("postgresql://host/db?application_name=a@b").expect("parses");
        assert_eq!(p.get("user"), None);
        assert_eq!(p.get("host"), Some("host"));
        assert_eq!(p.get("application_name"), Some("a@b"));
    }

    #[test]
    fn ipv6_hosts_and_socket_paths() {
        let p = parse("postgresql://[::1]:5433/db").expect("parses");
        assert_eq!((p.get("host"), p.get("port")), (Some("::1"), Some("5433")));
        let s = spec("postgresql://%2Ftmp%2Fsock:5433/db", &env());
        assert_eq!(s.target, Target::Unix(PathBuf::from("/tmp/sock")));
        let s = spec("postgresql:///db?host=/tmp/sock", &env());
        assert_eq!(s.target, Target::Unix(PathBuf::from("/tmp/sock")));
        assert!(matches!(
            parse("postgresql://[::1/db"),
            Err(ConnInfoError::Syntax { .. })
        ));
        assert!(matches!(
            parse("postgresql://[]/db"),
            Err(ConnInfoError::Syntax { .. })
        ));
    }

    #[test]
    fn url_query_errors_name_no_value() {
        for bad in [
            "postgresql://h/db?sslmode",
            "postgresql://h/db?a=b=c",
            "postgresql://h/db?sslmode=%zz",
            "postgresql://h/db?sslmode=%00",
        ] {
            let err = parse(bad).expect_err(bad);
            assert!(matches!(err, ConnInfoError::Syntax { .. }), "{bad}: {err}");
        }
        let err = parse("postgresql://h/db?pasword=hunter2").expect_err("unknown");
        assert!(err.to_string().contains("`pasword`"));
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn ssl_true_means_require() {
        let p = parse("postgresql://h/db?ssl=true").expect("parses");
        assert_eq!(p.get("sslmode"), Some("require"));
    }

    #[test]
    fn key_value_strings_with_quotes_and_escapes() {
        let p = parse(r"host = db port=5433 user='ad min' password='it''s' dbname=a\ b")
            .expect_err("'' is not an escape in libpq");
        assert!(
            matches!(p, ConnInfoError::Syntax { .. })
                || matches!(p, ConnInfoError::UnknownOption(_))
        );
        let p = parse(r"host = db port=5433 user='ad min' password='it\'s \\ x' dbname=a\ b")
            .expect("parses");
        assert_eq!(p.syntax, Syntax::KeyValue);
        assert_eq!(p.get("host"), Some("db"));
        assert_eq!(p.get("user"), Some("ad min"));
        assert_eq!(p.password.as_ref().map(Password::expose), Some(r"it's \ x"));
        assert_eq!(p.get("dbname"), Some("a b"));
        assert_eq!(
            parse("host=a host=b").expect("parses").get("host"),
            Some("b")
        );
        assert!(matches!(parse("host"), Err(ConnInfoError::Syntax { .. })));
        assert!(matches!(
            parse("host='x"),
            Err(ConnInfoError::Syntax { .. })
        ));
        assert!(matches!(
            parse("hots=x"),
            Err(ConnInfoError::UnknownOption(_))
        ));
    }

    #[test]
    fn unsupported_options_are_refused_by_name() {
        for input in [
            "sslcert=/x",
            "postgresql://h/db?service=foo",
            "host=a,b",
            "sslrootcert=system sslmode=verify-full host=h",
        ] {
            let err = resolve(input, &env()).expect_err(input);
            assert!(
                matches!(err, ConnInfoError::Unsupported { .. }),
                "{input}: {err}"
            );
        }
    }

    #[test]
    fn defaults_follow_libpq() {
        let s = spec("", &env());
        assert_eq!(s.target, Target::Unix(PathBuf::from("/var/run/postgresql")));
        assert_eq!(
            (s.port, s.user.as_str(), s.dbname.as_str()),
            (5432, "osuser", "osuser")
        );
        assert_eq!(s.tls.use_tls, TlsUse::Off);
        assert!(s.password.is_none());
        let mut no_user = env();
        no_user.os_user = None;
        assert!(matches!(resolve("", &no_user), Err(ConnInfoError::NoUser)));
    }

    #[test]
    fn variables_fill_only_what_the_string_left_out() {
        let e = env_with(&[
            ("PGHOST", "envhost"),
            ("PGPORT", "6000"),
            ("PGUSER", "envuser"),
            ("PGDATABASE", "envdb"),
            ("PGPASSWORD", "envpw"),
            ("PGSSLMODE", "require"),
        ]);
        let s = spec("postgresql://urluser@urlhost/", &e);
        assert_eq!(
            s.target,
            Target::Tcp {
                host: "urlhost".into(),
                hostaddr: None
            }
        );
        assert_eq!(
            (s.port, s.user.as_str(), s.dbname.as_str()),
            (6000, "urluser", "envdb")
        );
        assert_eq!(s.password.as_ref().map(Password::expose), Some("envpw"));
        assert_eq!(s.password_source, PasswordSource::Environment);
        assert_eq!(s.tls.asked, SslMode::Require);
        let s = spec("postgresql://u:urlpw@h/db", &e);
        assert_eq!(s.password_source, PasswordSource::ConnString);
        assert_eq!(s.password.as_ref().map(Password::expose), Some("urlpw"));
    }

    #[test]
    fn unsupported_variables_warn() {
        let r = resolve("host=h", &env_with(&[("PGSSLCERT", "/x.crt")])).expect("resolves");
        assert_eq!(r.warnings, vec![Warning::UnsupportedVariable("PGSSLCERT")]);
    }

    #[test]
    fn bad_values_are_named_not_shown() {
        for (input, option) in [
            ("host=h port=99999", "port"),
            ("host=h port=x", "port"),
            ("host=h sslmode=verify_full", "sslmode"),
            ("host=h hostaddr=not-an-ip", "hostaddr"),
            ("host=h connect_timeout=soon", "connect_timeout"),
            (
                "host=h target_session_attrs=primary",
                "target_session_attrs",
            ),
        ] {
            match resolve(input, &env()) {
                Err(ConnInfoError::InvalidValue { option: got, .. }) => assert_eq!(got, option),
                other => panic!("{input}: {other:?}"),
            }
        }
    }

    fn write_file(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
        path
    }

    #[test]
    fn pgpass_first_matching_line_wins_with_wildcards_and_escapes() {
        let text = PassFileText(
            "# comment:*:*:*:nope\n\
             otherhost:5432:*:alice:wrong\n\
             db\\:1:5432:*:alice:colon-host\n\
             db:*:ledger:alice:p\\:w\\\\d:ignored-after-colon\r\n\
             *:*:*:alice:fallback\n"
                .to_owned(),
        );
        let lookup = |w: [&str; 4]| passfile_lookup(&text, w).map(|p| p.expose().to_owned());
        assert_eq!(
            lookup(["db", "5432", "ledger", "alice"]).as_deref(),
            Some(r"p:w\d")
        );
        assert_eq!(
            lookup(["db:1", "5432", "x", "alice"]).as_deref(),
            Some("colon-host")
        );
        assert_eq!(
            lookup(["zzz", "1", "x", "alice"]).as_deref(),
            Some("fallback")
        );
        assert_eq!(lookup(["db", "5432", "ledger", "bob"]), None);
        // A '*' inside a field is literal; only a whole-field '*' is a wildcard.
        let text = PassFileText("d*:5432:*:u:pw\n".to_owned());
        assert!(passfile_lookup(&text, ["db", "5432", "x", "u"]).is_none());
        assert!(passfile_lookup(&text, ["d*", "5432", "x", "u"]).is_some());
    }

    #[test]
    fn pgpass_localhost_matches_the_default_socket_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let passfile = write_file(
            dir.path(),
            "pgpass",
            "localhost:5432:*:u:sockpw\n/tmp/other:5432:*:u:otherpw\n",
            0o600,
        );
        let mut e = env();
        e.vars
            .insert("PGPASSFILE".into(), passfile.to_string_lossy().into_owned());
        let s = spec("user=u", &e);
        assert_eq!(s.password.as_ref().map(Password::expose), Some("sockpw"));
        assert_eq!(
            s.password_source,
            PasswordSource::PassFile(passfile.clone())
        );
        let s = spec("user=u host=/tmp/other", &e);
        assert_eq!(s.password.as_ref().map(Password::expose), Some("otherpw"));
        let s = spec("user=u host=localhost", &e);
        assert_eq!(s.password.as_ref().map(Password::expose), Some("sockpw"));
        // A password given anywhere else wins over the file.
        let s = spec("user=u password=given", &e);
        assert_eq!(s.password.as_ref().map(Password::expose), Some("given"));
    }

    #[test]
    fn pgpass_readable_by_others_is_ignored_with_a_warning() {
        let dir = tempfile::tempdir().expect("tempdir");
        for mode in [0o640, 0o604, 0o660] {
            let passfile = write_file(dir.path(), "pgpass", "*:*:*:*:pw\n", mode);
            let r = resolve(&format!("user=u passfile={}", passfile.display()), &env())
                .expect("resolves");
            assert!(r.spec.password.is_none(), "mode {mode:o}");
            assert_eq!(
                r.warnings,
                vec![Warning::PassFileGroupOrWorld(passfile.clone())]
            );
        }
        let r = resolve(&format!("user=u passfile={}", dir.path().display()), &env())
            .expect("resolves");
        assert_eq!(
            r.warnings,
            vec![Warning::PassFileNotPlain(dir.path().to_owned())]
        );
        // Absent: silently nothing, as in libpq.
        let r = resolve("user=u passfile=/nonexistent/pgpass", &env()).expect("resolves");
        assert!(r.warnings.is_empty() && r.spec.password.is_none());
        // ~/.pgpass is the default.
        write_file(dir.path(), ".pgpass", "*:*:*:u:homepw\n", 0o600);
        let mut e = env();
        e.home = Some(dir.path().to_owned());
        assert_eq!(
            spec("user=u", &e).password.as_ref().map(Password::expose),
            Some("homepw")
        );
    }

    #[test]
    fn sslmode_table() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = write_file(dir.path(), "ca.crt", "not parsed here", 0o644);
        let with_root = format!("sslrootcert={}", root.display());
        let cases = [
            ("sslmode=disable", TlsUse::Off, Verify::Nothing),
            ("sslmode=prefer", TlsUse::IfOffered, Verify::Nothing),
            ("sslmode=allow", TlsUse::IfOffered, Verify::Nothing),
            ("sslmode=require", TlsUse::Required, Verify::Nothing),
            ("", TlsUse::IfOffered, Verify::Nothing),
        ];
        for (mode, use_tls, verify) in cases {
            let s = spec(&format!("host=h {mode}"), &env());
            assert_eq!((s.tls.use_tls, s.tls.verify), (use_tls, verify), "{mode}");
        }
        let s = spec(&format!("host=h sslmode=require {with_root}"), &env());
        assert_eq!(s.tls.verify, Verify::Chain(root.clone()));
        let s = spec(&format!("host=h sslmode=verify-ca {with_root}"), &env());
        assert_eq!(
            (s.tls.use_tls, s.tls.verify),
            (TlsUse::Required, Verify::Chain(root.clone()))
        );
        let s = spec(&format!("host=h sslmode=verify-full {with_root}"), &env());
        assert_eq!(s.tls.verify, Verify::ChainAndName(root.clone()));
        // ~/.postgresql/root.crt is the default root file.
        fs::create_dir(dir.path().join(".postgresql")).expect("mkdir");
        fs::copy(&root, dir.path().join(".postgresql/root.crt")).expect("copy");
        let mut e = env();
        e.home = Some(dir.path().to_owned());
        let s = spec("host=h sslmode=verify-full", &e);
        assert_eq!(
            s.tls.verify,
            Verify::ChainAndName(dir.path().join(".postgresql/root.crt"))
        );
        // Without a root file, verify-* refuses.
        let err = resolve(
            "host=h sslmode=verify-full sslrootcert=/nonexistent.crt",
            &env(),
        )
        .expect_err("no root");
        assert!(matches!(err, ConnInfoError::RootCertMissing(_)));
        // A Unix socket: TLS off whatever sslmode says.
        let s = spec(
            &format!("host=/tmp sslmode=verify-full {with_root}"),
            &env(),
        );
        assert_eq!(s.tls.use_tls, TlsUse::Off);
    }

    #[test]
    fn redacted_spec_never_holds_the_password() {
        let secret = "s3cr3t-P@ss:word";
        let url = format!(
            "postgresql://alice:{}@db.example.org:6543/ledger?sslmode=require",
            percent_encode(secret)
        );
        let s = spec(&url, &env());
        let shown = s.redacted();
        assert_eq!(
            shown,
            "postgresql://alice@db.example.org:6543/ledger?sslmode=require"
        );
        assert!(!format!("{s:?}").contains(secret));
        assert!(!format!("{s:?}").contains("s3cr3t"));
        let s = spec("host=/tmp/sock port=55432 user=u dbname=d", &env());
        assert_eq!(s.to_string(), "postgresql://u@%2Ftmp%2Fsock:55432/d");
    }

    #[test]
    fn redact_keeps_the_syntax_and_hides_the_password() {
        assert_eq!(
            redact("postgresql://alice:hunter2@h:5433/db?sslmode=verify-full"),
            "postgresql://alice:********@h:5433/db?sslmode=verify-full"
        );
        assert_eq!(
            redact("postgres://h/db?password=hunter2&user=bob"),
            "postgresql://bob:********@h/db"
        );
        assert_eq!(
            redact("host=h password='hunter 2' user=bob"),
            "host=h user=bob password=********"
        );
        assert_eq!(redact("postgresql://h/db"), "postgresql://h/db");
        for broken in [
            "postgresql://u:hunter2@h/db?x",
            "password='hunter2",
            "password=hunter2 junk",
        ] {
            let shown = redact(broken);
            assert!(!shown.contains("hunter2"), "{broken} -> {shown}");
        }
    }

    #[test]
    fn password_debug_is_redacted() {
        let p = Password::new("hunter2".into());
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
    }
}
