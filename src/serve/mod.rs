//! `serve`: the web page on 127.0.0.1 and ::1 only, for people who do not use a terminal; its pages call the same application code as the commands.
//!
//! Security model (issue 16), each rule kept in one place:
//! - listening: [`LoopbackAddr`] is the only way to name an address, and it
//!   admits 127.0.0.1 and ::1 alone; [`Server::bind`] binds nothing else;
//! - the printed address carries a 256-bit token, exchanged once for an
//!   HttpOnly, SameSite=Strict session cookie and dropped from the address
//!   bar by a redirect; no request without the cookie gets past the guard
//!   (`guard.rs`), nor one whose Host is not this server (DNS rebinding);
//! - POST is the only state-changing method: same-origin `Origin` (guard)
//!   plus the page's CSRF token (`forms.rs`); a form that issues a sheet
//!   also carries a one-time ticket (`tickets.rs`), so a reload never
//!   prints a second set;
//! - every response, refusals included, carries the headers of
//!   `guard::security_headers`; bodies are capped per route;
//! - no code is in a URL, a log line (nothing is logged) or a page: pasted
//!   codes go from the request body into zeroizing buffers (`forms.rs`),
//!   and a sheet's PDF goes from the issuing protocol into the response
//!   body and is wiped when the body is dropped (`pages::pdf_response`);
//! - the server stops after `idle` without a request, on Ctrl-C or SIGTERM,
//!   or when a test stops it.

mod assets;
mod browser;
mod command;
mod error;
mod forms;
mod guard;
mod pages;
mod secret;
mod texts;
mod tickets;

#[cfg(test)]
mod tests;

use std::future::IntoFuture as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use rand::CryptoRng;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use browser::open_in_browser;
pub use command::command;
pub use error::ServeError;

use crate::app::Context;
use crate::lang::Lang;
use crate::limits::{MAX_FORM_BYTES, MAX_SCAN_BYTES};
use crate::sheet::fonts::Fonts;
use secret::Secret;
use tickets::Tickets;

/// 127.0.0.1 or ::1: the only addresses the server may listen on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopbackAddr(IpAddr);

impl LoopbackAddr {
    pub const V4: LoopbackAddr = LoopbackAddr(IpAddr::V4(Ipv4Addr::LOCALHOST));
    pub const V6: LoopbackAddr = LoopbackAddr(IpAddr::V6(Ipv6Addr::LOCALHOST));

    /// Refuses every address but 127.0.0.1 and ::1: not 0.0.0.0, not a LAN
    /// address, not 127.0.0.2 (the Host check names only the two).
    pub fn new(ip: IpAddr) -> Result<LoopbackAddr, ServeError> {
        [LoopbackAddr::V4, LoopbackAddr::V6]
            .into_iter()
            .find(|a| a.0 == ip)
            .ok_or(ServeError::NotLoopback(ip))
    }

    pub fn ip(self) -> IpAddr {
        self.0
    }
}

/// Body size limits, per kind of request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// URL-encoded forms (pasted codes fit easily).
    pub form: usize,
    /// The multipart upload of a photo or scan.
    pub upload: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            form: MAX_FORM_BYTES,
            // The image itself, and room for the CSRF field and the part headers.
            upload: usize::try_from(MAX_SCAN_BYTES).unwrap_or(usize::MAX) + 16 * 1024,
        }
    }
}

/// Whether the server stops on Ctrl-C and SIGTERM. Unit tests ignore signals
/// so that Ctrl-C still ends `cargo test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signals {
    Handle,
    #[cfg(test)]
    Ignore,
}

/// Why the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Idle,
    Interrupted,
    Requested,
}

/// Everything `serve` needs, validated at the command line's edge.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The first must bind; a later one is skipped when its address family is missing.
    pub addrs: Vec<LoopbackAddr>,
    /// 0 for any free port.
    pub port: u16,
    pub idle: Duration,
    pub limits: Limits,
    pub signals: Signals,
    /// The pages' language when neither the switch nor the browser chooses.
    pub default_lang: Lang,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            addrs: vec![LoopbackAddr::V4, LoopbackAddr::V6],
            port: 0,
            idle: Duration::from_secs(30 * 60),
            limits: Limits::default(),
            signals: Signals::Handle,
            default_lang: Lang::En,
        }
    }
}

/// A message shown once, on the next page the session opens (after a form
/// posted and was redirected).
#[derive(Debug, Clone)]
pub(crate) struct Flash {
    pub kind: FlashKind,
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlashKind {
    Done,
    Warning,
    Failed,
}

/// State shared by every request.
pub(crate) struct AppState {
    /// `127.0.0.1:P`, `[::1]:P`, `localhost:P`: the Host values accepted.
    hosts: [String; 3],
    /// The token of the printed address, until it is exchanged.
    url_token: Mutex<Option<Secret>>,
    /// The page that opened the browser on the address, removed once the token is exchanged.
    launcher: Mutex<Option<tempfile::TempPath>>,
    session: Secret,
    csrf: Secret,
    /// Cookies ignore ports: a name per port keeps two servers apart.
    session_cookie: String,
    lang_cookie: String,
    default_lang: Lang,
    limits: Limits,
    last_request: Mutex<Instant>,
    /// The command line's context: the ledger and config every page uses.
    ctx: Context,
    fonts: Fonts,
    /// One piece of application work at a time (one person uses the page).
    work: Mutex<()>,
    tickets: Tickets,
    flash: Mutex<Option<Flash>>,
}

impl AppState {
    fn new<R: CryptoRng + ?Sized>(
        rng: &mut R,
        port: u16,
        config: &ServeConfig,
        ctx: Context,
    ) -> AppState {
        AppState {
            hosts: [
                format!("127.0.0.1:{port}"),
                format!("[::1]:{port}"),
                format!("localhost:{port}"),
            ],
            url_token: Mutex::new(Some(Secret::generate(rng))),
            launcher: Mutex::new(None),
            session: Secret::generate(rng),
            csrf: Secret::generate(rng),
            session_cookie: format!("rs_session_{port}"),
            lang_cookie: format!("rs_lang_{port}"),
            default_lang: config.default_lang,
            limits: config.limits,
            last_request: Mutex::new(Instant::now()),
            ctx,
            fonts: Fonts::load(),
            work: Mutex::new(()),
            tickets: Tickets::default(),
            flash: Mutex::new(None),
        }
    }

    /// Takes the address token if `candidate` is it: it opens one session, once.
    fn exchange_url_token(&self, candidate: &str) -> bool {
        let mut slot = lock(&self.url_token);
        if slot.as_ref().is_some_and(|t| t.matches(candidate)) {
            *slot = None;
            // The launcher page holds the token: it goes with it.
            drop(lock(&self.launcher).take());
            true
        } else {
            false
        }
    }

    fn touch(&self) {
        *lock(&self.last_request) = Instant::now();
    }

    fn last_request(&self) -> Instant {
        *lock(&self.last_request)
    }

    fn set_flash(&self, flash: Flash) {
        *lock(&self.flash) = Some(flash);
    }

    fn take_flash(&self) -> Option<Flash> {
        lock(&self.flash).take()
    }
}

/// A poisoned lock still guards valid data here (a page panicked mid-way).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Stops a running [`Server`] from another thread or task.
#[cfg(test)]
#[derive(Clone)]
pub struct Stopper(Arc<watch::Sender<Option<StopReason>>>);

#[cfg(test)]
impl Stopper {
    pub fn stop(&self) {
        self.0.send_if_modified(|reason| {
            let first = reason.is_none();
            if first {
                *reason = Some(StopReason::Requested);
            }
            first
        });
    }
}

/// A bound, not yet running server.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    listeners: Vec<TcpListener>,
    skipped: Vec<(SocketAddr, std::io::Error)>,
    port: u16,
    state: Arc<AppState>,
    stop: Arc<watch::Sender<Option<StopReason>>>,
    idle: Duration,
    signals: Option<StopSignals>,
}

/// How long open connections get to finish once the server is told to stop.
const GRACE: Duration = Duration::from_secs(3);
/// How long a sheet being made may take to finish after the server stopped.
const WORK_GRACE: Duration = Duration::from_secs(30);
/// Attempts at finding a port free on every address when any port will do.
const PORT_ATTEMPTS: usize = 8;

impl Server {
    /// Binds every address of `config` on one port; `rng` draws the secrets.
    pub fn bind<R: CryptoRng + ?Sized>(
        config: &ServeConfig,
        ctx: Context,
        rng: &mut R,
    ) -> Result<Server, ServeError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ServeError::FailedToStartRuntime)?;
        let (first, rest) = match config.addrs.split_first() {
            Some((first, rest)) => (*first, rest),
            None => (LoopbackAddr::V4, &[][..]),
        };
        let (listeners, skipped, port) = runtime.block_on(bind_all(first, rest, config.port))?;
        // Listening for signals from here on: a Ctrl-C right after the address is
        // printed stops the server cleanly instead of killing the process.
        let signals = match config.signals {
            Signals::Handle => {
                let _context = runtime.enter();
                Some(StopSignals::listen().map_err(ServeError::FailedToListenForSignals)?)
            }
            #[cfg(test)]
            Signals::Ignore => None,
        };
        let state = Arc::new(AppState::new(rng, port, config, ctx));
        Ok(Server {
            runtime,
            listeners,
            skipped,
            port,
            state,
            stop: Arc::new(watch::Sender::new(None)),
            idle: config.idle,
            signals,
        })
    }

    #[cfg(test)]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Addresses that could not be bound because their family is missing (often ::1).
    pub fn skipped(&self) -> &[(SocketAddr, std::io::Error)] {
        &self.skipped
    }

    /// The address to open, with the one-time token.
    pub fn address(&self) -> String {
        match lock(&self.state.url_token).as_ref() {
            Some(token) => format!(
                "http://127.0.0.1:{}/?token={}",
                self.port,
                token.expose_hex()
            ),
            None => format!("http://127.0.0.1:{}/", self.port),
        }
    }

    /// Keeps the page that opens the browser until the token is exchanged
    /// (or the server stops), then removes it.
    pub fn keep_launcher(&self, page: tempfile::TempPath) {
        *lock(&self.state.launcher) = Some(page);
    }

    #[cfg(test)]
    pub fn stopper(&self) -> Stopper {
        Stopper(Arc::clone(&self.stop))
    }

    /// Serves until idle or a signal (or a test's stop); blocks the calling thread.
    pub fn run(self) -> Result<StopReason, ServeError> {
        let Server {
            runtime,
            listeners,
            state,
            stop,
            idle,
            mut signals,
            ..
        } = self;
        let result = runtime.block_on(async move {
            let app = router(Arc::clone(&state));
            let mut serving = tokio::task::JoinSet::new();
            for listener in listeners {
                let mut stopped = stop.subscribe();
                serving.spawn(
                    axum::serve(listener, app.clone())
                        .with_graceful_shutdown(async move {
                            let _ = stopped.wait_for(Option::is_some).await;
                        })
                        .into_future(),
                );
            }
            let reason = tokio::select! {
                reason = wait_for_stop(&stop, &state, idle, signals.as_mut()) => reason,
                Some(ended) = serving.join_next() => match ended {
                    Ok(Err(e)) => return Err(ServeError::FailedToServe(e)),
                    _ => StopReason::Requested,
                },
            };
            stop.send_replace(Some(reason));
            let drain = async { while serving.join_next().await.is_some() {} };
            // A browser may hold a connection open; after the grace period it is dropped.
            let _ = tokio::time::timeout(GRACE, drain).await;
            serving.abort_all();
            drop(lock(&state.launcher).take());
            Ok(reason)
        });
        // A sheet being made finishes (or, after Ctrl-C, is discarded at its
        // next safe point) before the process ends.
        runtime.shutdown_timeout(WORK_GRACE);
        result
    }
}

type Bound = (Vec<TcpListener>, Vec<(SocketAddr, std::io::Error)>, u16);

/// Binds `first` (any free port when `port` is 0), then `rest` on the same port.
async fn bind_all(
    first: LoopbackAddr,
    rest: &[LoopbackAddr],
    port: u16,
) -> Result<Bound, ServeError> {
    let mut attempt = 1;
    loop {
        let addr = SocketAddr::new(first.ip(), port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::FailedToBind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| ServeError::FailedToBind { addr, source })?;
        // What was bound is checked too, not only what was asked for.
        LoopbackAddr::new(local.ip())?;
        let bound = local.port();
        match bind_rest(rest, bound).await {
            Ok((mut more, skipped)) => {
                more.insert(0, listener);
                return Ok((more, skipped, bound));
            }
            // The free port on 127.0.0.1 may be taken on ::1: try another.
            Err(_) if port == 0 && attempt < PORT_ATTEMPTS => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

async fn bind_rest(
    rest: &[LoopbackAddr],
    port: u16,
) -> Result<(Vec<TcpListener>, Vec<(SocketAddr, std::io::Error)>), ServeError> {
    let mut listeners = Vec::new();
    let mut skipped = Vec::new();
    for extra in rest {
        let addr = SocketAddr::new(extra.ip(), port);
        match TcpListener::bind(addr).await {
            Ok(l) => {
                if let Ok(local) = l.local_addr() {
                    LoopbackAddr::new(local.ip())?;
                }
                listeners.push(l);
            }
            Err(e) if family_missing(&e) => skipped.push((addr, e)),
            Err(source) => return Err(ServeError::FailedToBind { addr, source }),
        }
    }
    Ok((listeners, skipped))
}

/// ::1 is missing where IPv6 is off: then 127.0.0.1 alone is served.
fn family_missing(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::AddrNotAvailable | std::io::ErrorKind::Unsupported
    ) || e.raw_os_error() == Some(97) // EAFNOSUPPORT on Linux
}

async fn wait_for_stop(
    stop: &watch::Sender<Option<StopReason>>,
    state: &AppState,
    idle: Duration,
    signals: Option<&mut StopSignals>,
) -> StopReason {
    let mut requested = stop.subscribe();
    let interrupted = async {
        match signals {
            Some(s) => s.recv().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        r = requested.wait_for(Option::is_some) => r.ok().and_then(|r| *r).unwrap_or(StopReason::Requested),
        () = idle_expired(state, idle) => StopReason::Idle,
        () = interrupted => StopReason::Interrupted,
    }
}

async fn idle_expired(state: &AppState, idle: Duration) {
    loop {
        let deadline = state.last_request() + idle;
        if Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep_until(deadline.into()).await;
    }
}

/// Ctrl-C (SIGINT) and SIGTERM on Unix, Ctrl-C on Windows.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl StopSignals {
    /// Must run inside the runtime.
    fn listen() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(windows)]
        {
            Ok(StopSignals {
                ctrl_c: tokio::signal::windows::ctrl_c()?,
            })
        }
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {},
            _ = self.terminate.recv() => {},
        }
        #[cfg(windows)]
        self.ctrl_c.recv().await;
    }
}

fn router(state: Arc<AppState>) -> Router {
    let limits = state.limits;
    Router::new()
        .route("/", get(pages::accounts))
        .route("/account", get(pages::account))
        .route("/account/use", post(pages::mark_used))
        .route("/account/inventory", post(pages::inventory))
        .route("/account/shredded", post(pages::shredded))
        .route("/account/revoke", post(pages::revoke))
        .route("/new", get(pages::new_sheet))
        .route("/sheet", post(pages::generate))
        .route("/import", post(pages::import))
        .route("/made", get(pages::made))
        .route("/check", get(pages::check_page).post(pages::check))
        .route(
            "/check/scan",
            post(pages::scan).layer(DefaultBodyLimit::max(limits.upload)),
        )
        .route("/lang", post(pages::switch_lang))
        .route("/static/{file}", get(assets::asset))
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(limits.form))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            guard::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            error::render_refusals,
        ))
        .layer(axum::middleware::map_response(guard::security_headers))
        .with_state(state)
}

/// Error samples for the message tests.
#[cfg(test)]
pub(crate) fn sample_errors() -> Vec<(&'static str, crate::error::Error)> {
    error::sample_errors()
}
