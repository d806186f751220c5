//! What can stop the server from starting, why a request is refused, and the page that says so in the reader's language.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::pages::page_lang;
use super::texts::{Texts, key};
pub use crate::error::ServeError;

/// Why a request was refused. The page never echoes the request: no token, no code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The Host header (or absolute URI) names something else: DNS rebinding or a typo.
    WrongHost,
    /// No valid session cookie and no valid address token.
    NoSession,
    /// The address token is wrong or already exchanged.
    BadToken,
    /// A request from another site or port that is not a plain navigation.
    CrossSite,
    /// A POST whose Origin is missing or not this server.
    BadOrigin,
    /// A POST without the page's CSRF token.
    BadCsrf,
    /// A method other than GET, HEAD and POST.
    MethodNotAllowed,
    /// The body is over the route's limit.
    TooLarge,
    /// The form or upload could not be read.
    BadForm,
    /// No such page.
    NotFound,
    /// Rendering or the worker thread failed.
    Internal,
}

impl Refusal {
    pub fn status(self) -> StatusCode {
        match self {
            Refusal::WrongHost => StatusCode::MISDIRECTED_REQUEST,
            Refusal::NoSession
            | Refusal::BadToken
            | Refusal::CrossSite
            | Refusal::BadOrigin
            | Refusal::BadCsrf => StatusCode::FORBIDDEN,
            Refusal::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::BadForm => StatusCode::BAD_REQUEST,
            Refusal::NotFound => StatusCode::NOT_FOUND,
            Refusal::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The page text that explains it (`templates/web/pages-*.toml`).
    fn page_key(self) -> &'static str {
        match self {
            Refusal::WrongHost => key("refused_wrong_host"),
            Refusal::NoSession => key("refused_no_session"),
            Refusal::BadToken => key("refused_bad_token"),
            Refusal::CrossSite => key("refused_cross_site"),
            Refusal::BadOrigin => key("refused_bad_origin"),
            Refusal::BadCsrf => key("refused_bad_csrf"),
            Refusal::MethodNotAllowed => key("refused_method"),
            Refusal::TooLarge => key("refused_too_large"),
            Refusal::BadForm => key("refused_bad_form"),
            Refusal::NotFound => key("refused_not_found"),
            Refusal::Internal => key("refused_internal"),
        }
    }
}

/// The response carries the refusal; [`render_refusals`] writes its page.
impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        res.extensions_mut().insert(self);
        res
    }
}

#[derive(Template)]
#[template(path = "web/refused.html")]
struct RefusedPage<'a> {
    t: &'a Texts,
    heading: &'a str,
    text: &'a str,
}

/// Writes the page of a refusal in the language the request asks for (the
/// switch's cookie, else the browser's, else the default), whichever layer
/// refused it: the guard, an extractor or a handler.
pub(crate) async fn render_refusals(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let lang = page_lang(&state, req.headers());
    let res = next.run(req).await;
    let Some(refusal) = res.extensions().get::<Refusal>().copied() else {
        return res;
    };
    let t = Texts::new(lang);
    let page = RefusedPage {
        t: &t,
        heading: t.t("refused_heading"),
        text: t.t(refusal.page_key()),
    };
    let body = page
        .render()
        .unwrap_or_else(|_| t.t(refusal.page_key()).to_owned());
    // A new response: nothing of the refused one's headers or body is kept.
    (res.status(), Html(body)).into_response()
}

/// One of each error, for the message tests.
#[cfg(test)]
pub(crate) fn sample_errors() -> Vec<(&'static str, crate::error::Error)> {
    let os = || std::io::Error::other("disk on fire");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 8080));
    vec![
        (
            "serve_not_loopback",
            ServeError::NotLoopback("0.0.0.0".parse().unwrap()).into(),
        ),
        (
            "serve_cannot_listen",
            ServeError::FailedToBind { addr, source: os() }.into(),
        ),
        (
            "serve_no_signals",
            ServeError::FailedToListenForSignals(os()).into(),
        ),
        ("serve_failed", ServeError::FailedToServe(os()).into()),
    ]
}
