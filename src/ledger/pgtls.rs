//! Connecting to the ledger's PostgreSQL server: TLS through rustls (ring) with libpq's levels of certificate checking, the connection settings from a resolved [`ConnSpec`], and what went wrong in words a user can act on.
//!
//! tokio-postgres knows only `sslmode` disable/prefer/require and leaves every
//! check of the certificate to the connector, so the connector carries the
//! `sslmode` semantics:
//! - verify-full: rustls's own `WebPkiServerVerifier` (chain to the root file,
//!   validity dates, and the host name against the subjectAltName entries;
//!   IP addresses against iPAddress entries). Unlike libpq (OpenSSL), there is
//!   no fallback to the subject CN when a certificate has no SAN: such a
//!   certificate is refused.
//! - verify-ca: the same chain check (`verify_server_cert_signed_by_trust_anchor`)
//!   and no name check.
//! - require/prefer without a root file: any certificate (encryption only),
//!   but the handshake signatures are still checked against it.
//!
//! Channel binding (`SCRAM-SHA-256-PLUS`) is not offered: the stream reports
//! none, so tokio-postgres's default `channel_binding=prefer` uses plain SCRAM;
//! `channel_binding=require` fails. With verify-full the server is
//! authenticated by its certificate already.
//!
//! Every error names the server by [`ConnSpec::redacted`]: never a password.

use std::error::Error as _;
use std::fs;
use std::future::Future;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use postgres::config::{ChannelBinding as BindingMode, SslMode, TargetSessionAttrs};
use postgres::error::SqlState;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_cert_signed_by_trust_anchor};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use tokio_rustls::TlsConnector;

use super::conninfo::{ConnSpec, PasswordSource, Target, TlsUse, Verify};
use crate::limits::bytes_for_people;
use crate::messages::{Localized, Msg, english_display};

/// A root certificate file larger than this is refused (a CA bundle is ~200 KiB).
pub const ROOT_FILE_LIMIT: u64 = 4 << 20;

/// Why the TLS set-up failed before any connection was tried.
#[derive(Debug)]
pub enum TlsSetupError {
    RootFileUnreadable(PathBuf, io::Error),
    RootFileTooLarge(PathBuf),
    /// The file holds no certificate rustls accepts as a trust anchor.
    NoRootCertificate(PathBuf),
    Rustls(rustls::Error),
    Verifier(rustls::client::VerifierBuilderError),
}

/// The connector handed to `postgres::Config::connect`.
#[derive(Clone)]
pub struct MakeRustls {
    connector: TlsConnector,
}

impl MakeRustls {
    /// A connector that checks the server's certificate as `verify` says.
    pub fn new(verify: &Verify) -> Result<MakeRustls, TlsSetupError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(TlsSetupError::Rustls)?;
        let config = match verify {
            Verify::ChainAndName(root) => {
                let roots = Arc::new(load_roots(root)?);
                let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider)
                    .build()
                    .map_err(TlsSetupError::Verifier)?;
                builder.with_webpki_verifier(verifier).with_no_client_auth()
            }
            Verify::Chain(root) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Unnamed {
                    roots: Some(Arc::new(load_roots(root)?)),
                    provider,
                }))
                .with_no_client_auth(),
            Verify::Nothing => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Unnamed {
                    roots: None,
                    provider,
                }))
                .with_no_client_auth(),
        };
        Ok(MakeRustls {
            connector: TlsConnector::from(Arc::new(config)),
        })
    }
}

fn load_roots(path: &Path) -> Result<RootCertStore, TlsSetupError> {
    let file =
        fs::File::open(path).map_err(|e| TlsSetupError::RootFileUnreadable(path.to_owned(), e))?;
    let mut pem = Vec::new();
    file.take(ROOT_FILE_LIMIT + 1)
        .read_to_end(&mut pem)
        .map_err(|e| TlsSetupError::RootFileUnreadable(path.to_owned(), e))?;
    if pem.len() as u64 > ROOT_FILE_LIMIT {
        return Err(TlsSetupError::RootFileTooLarge(path.to_owned()));
    }
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_slice_iter(&pem).filter_map(Result::ok);
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(TlsSetupError::NoRootCertificate(path.to_owned()));
    }
    Ok(roots)
}

/// A verifier that does not check the host name: with roots (verify-ca) the
/// chain must end at one of them; without (require/prefer with no root
/// file) it is encryption against a passive listener only, as libpq does.
/// Either way the handshake is signed by the presented key.
#[derive(Debug)]
struct Unnamed {
    roots: Option<Arc<RootCertStore>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Unnamed {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(roots) = &self.roots else {
            return Ok(ServerCertVerified::assertion());
        };
        let cert = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(
            &cert,
            roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

impl<S> MakeTlsConnect<S> for MakeRustls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, io::Error> {
        // Called for every connection, Unix sockets too (with an empty or path
        // "domain" that is never used there), so the name is checked on use.
        Ok(RustlsConnect {
            host: domain.to_owned(),
            connector: self.connector.clone(),
        })
    }
}

pub struct RustlsConnect {
    host: String,
    connector: TlsConnector,
}

type ConnectFuture<S> = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

impl<S> TlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = ConnectFuture<S>;

    fn connect(self, stream: S) -> ConnectFuture<S> {
        Box::pin(async move {
            let name = ServerName::try_from(self.host)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            let stream = self.connector.connect(name, stream).await?;
            Ok(RustlsStream(stream))
        })
    }
}

pub struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S> TlsStream for RustlsStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl<S> AsyncRead for RustlsStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S> AsyncWrite for RustlsStream<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl Localized for TlsSetupError {
    fn msg(&self) -> Msg {
        match self {
            TlsSetupError::RootFileUnreadable(path, err) => Msg::new("tls_root_unreadable")
                .with("path", path.display())
                .with("source", err),
            TlsSetupError::RootFileTooLarge(path) => Msg::new("tls_root_too_large")
                .with("path", path.display())
                .with("limit", bytes_for_people(ROOT_FILE_LIMIT)),
            TlsSetupError::NoRootCertificate(path) => {
                Msg::new("tls_root_empty").with("path", path.display())
            }
            TlsSetupError::Rustls(err) => Msg::new("tls_setup_failed").with("source", err),
            TlsSetupError::Verifier(err) => Msg::new("tls_setup_failed").with("source", err),
        }
    }
}

english_display!(TlsSetupError);

impl std::error::Error for TlsSetupError {}

/// Without a `connect_timeout`, a silent host would hang the tool for the
/// kernel's TCP timeout (minutes); libpq waits forever.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Client-side keepalive, so a client waiting on a vanished server notices.
pub const DEFAULT_KEEPALIVES_IDLE: Duration = Duration::from_secs(30);

/// Why no session could be opened. Every variant prints the connection
/// without its password ([`ConnSpec::redacted`]).
#[derive(Debug)]
pub enum ConnectError {
    TlsSetup(TlsSetupError),
    /// Nothing listens there (TCP refused, or no socket file in the folder).
    Refused {
        target: String,
        source: io::Error,
    },
    /// No answer within the connect timeout.
    TimedOut {
        target: String,
    },
    /// The server asked for a password and none was found anywhere.
    NoPassword {
        target: String,
    },
    /// The server refused the user and password (SQLSTATE 28P01 or 28000).
    AuthFailed {
        target: String,
        user: String,
        from: PasswordSource,
    },
    /// The database does not exist (3D000).
    NoDatabase {
        target: String,
    },
    /// The server's certificate was refused by the chosen `sslmode`.
    Certificate {
        target: String,
        reason: String,
    },
    /// `sslmode=require` or stronger, and the server does not do TLS.
    ServerWithoutTls {
        target: String,
    },
    /// The server is starting or recovering after a crash (57P03): retry shortly.
    Starting {
        target: String,
    },
    /// Anything else the client library reported.
    Other {
        target: String,
        detail: String,
    },
}

/// The `postgres` crate's configuration for `spec` (defaults of this tool
/// applied where the string said nothing).
pub fn config(spec: &ConnSpec) -> postgres::Config {
    let mut config = postgres::Config::new();
    match &spec.target {
        Target::Tcp { host, hostaddr } => {
            config.host(host);
            if let Some(addr) = hostaddr {
                config.hostaddr(*addr);
            }
        }
        Target::Addr(addr) => {
            config.hostaddr(*addr);
        }
        Target::Unix(dir) => {
            config.host_path(dir);
        }
    }
    config.port(spec.port).user(&spec.user).dbname(&spec.dbname);
    if let Some(password) = &spec.password {
        config.password(password.expose());
    }
    config.ssl_mode(match spec.tls.use_tls {
        TlsUse::Off => SslMode::Disable,
        TlsUse::IfOffered => SslMode::Prefer,
        TlsUse::Required => SslMode::Require,
    });
    let tuning = &spec.tuning;
    config.connect_timeout(tuning.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT));
    config.keepalives(tuning.keepalives.unwrap_or(true));
    config.keepalives_idle(tuning.keepalives_idle.unwrap_or(DEFAULT_KEEPALIVES_IDLE));
    if let Some(interval) = tuning.keepalives_interval {
        config.keepalives_interval(interval);
    }
    if let Some(count) = tuning.keepalives_count {
        config.keepalives_retries(count);
    }
    if let Some(timeout) = tuning.tcp_user_timeout {
        config.tcp_user_timeout(timeout);
    }
    // Shown in pg_stat_activity: an admin sees which tool holds a lock.
    config.application_name(
        tuning
            .application_name
            .as_deref()
            .unwrap_or("recovery-sheet"),
    );
    if let Some(options) = &tuning.options {
        config.options(options);
    }
    if let Some(attrs) = &tuning.target_session_attrs {
        config.target_session_attrs(match attrs.as_str() {
            "read-write" => TargetSessionAttrs::ReadWrite,
            "read-only" => TargetSessionAttrs::ReadOnly,
            _ => TargetSessionAttrs::Any,
        });
    }
    if let Some(binding) = &tuning.channel_binding {
        config.channel_binding(match binding.as_str() {
            "disable" => BindingMode::Disable,
            "require" => BindingMode::Require,
            _ => BindingMode::Prefer,
        });
    }
    config
}

/// Connects as `spec` says, TLS and all.
pub fn connect(spec: &ConnSpec) -> Result<postgres::Client, ConnectError> {
    let tls = MakeRustls::new(&spec.tls.verify).map_err(ConnectError::TlsSetup)?;
    config(spec).connect(tls).map_err(|err| classify(spec, err))
}

/// Turns the client library's error into the situation the user is in.
pub fn classify(spec: &ConnSpec, err: postgres::Error) -> ConnectError {
    let target = spec.redacted();
    if let Some(code) = err.code() {
        if *code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        {
            return ConnectError::AuthFailed {
                target,
                user: spec.user.clone(),
                from: spec.password_source.clone(),
            };
        }
        if *code == SqlState::INVALID_CATALOG_NAME {
            return ConnectError::NoDatabase { target };
        }
        if *code == SqlState::CANNOT_CONNECT_NOW {
            return ConnectError::Starting { target };
        }
    }
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return ConnectError::Certificate {
                target,
                reason: tls.to_string(),
            };
        }
        if let Some(io_err) = cause.downcast_ref::<io::Error>() {
            if let Some(tls) = io_err
                .get_ref()
                .and_then(|e| e.downcast_ref::<rustls::Error>())
            {
                return ConnectError::Certificate {
                    target,
                    reason: tls.to_string(),
                };
            }
            match io_err.kind() {
                io::ErrorKind::ConnectionRefused | io::ErrorKind::NotFound => {
                    return ConnectError::Refused {
                        target,
                        source: io::Error::new(io_err.kind(), io_err.to_string()),
                    };
                }
                io::ErrorKind::TimedOut => return ConnectError::TimedOut { target },
                _ => {}
            }
        }
        source = cause.source();
    }
    // tokio-postgres reports these only as text (its error kinds are private),
    // the detail in the source: "invalid configuration" / "password missing".
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if text.contains("password missing") {
        return ConnectError::NoPassword { target };
    }
    if text.contains("server does not support TLS") {
        return ConnectError::ServerWithoutTls { target };
    }
    if text.contains("timeout") || text.contains("timed out") {
        return ConnectError::TimedOut { target };
    }
    ConnectError::Other {
        target,
        detail: chain(&err),
    }
}

impl Localized for ConnectError {
    fn msg(&self) -> Msg {
        match self {
            ConnectError::TlsSetup(err) => err.msg(),
            ConnectError::Refused { target, source } => Msg::new("pg_refused")
                .with("target", target)
                .with("source", source),
            ConnectError::TimedOut { target } => Msg::new("pg_timed_out").with("target", target),
            ConnectError::NoPassword { target } => {
                Msg::new("pg_no_password").with("target", target)
            }
            ConnectError::AuthFailed { target, user, from } => {
                let from = match from {
                    PasswordSource::None => Msg::new("pg_password_none"),
                    PasswordSource::ConnString => Msg::new("pg_password_in_url"),
                    PasswordSource::Environment => Msg::new("pg_password_in_env"),
                    PasswordSource::PassFile(path) => {
                        Msg::new("pg_password_in_file").with("path", path.display())
                    }
                };
                Msg::new("pg_auth_failed")
                    .with("target", target)
                    .with("user", user)
                    .with_msg("from", from)
            }
            ConnectError::NoDatabase { target } => {
                Msg::new("pg_no_database").with("target", target)
            }
            ConnectError::Certificate { target, reason } => Msg::new("pg_certificate")
                .with("target", target)
                .with("reason", reason),
            ConnectError::ServerWithoutTls { target } => {
                Msg::new("pg_without_tls").with("target", target)
            }
            ConnectError::Starting { target } => Msg::new("pg_starting").with("target", target),
            ConnectError::Other { target, detail } => Msg::new("pg_connect_failed")
                .with("target", target)
                .with("source", detail),
        }
    }
}

english_display!(ConnectError);

impl std::error::Error for ConnectError {}

/// An error and its causes on one line, as `a: b: c` (the client library's
/// own `Display` shows only the outermost).
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text.replace(['\n', '\r'], " ")
}
