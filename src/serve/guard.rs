//! The gate every request passes: Host, fetch metadata, session (or the one-time token), Origin; and the headers every response gets.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, COOKIE, HOST, LOCATION, ORIGIN, REFERRER_POLICY,
    SET_COOKIE, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::error::Refusal;
use super::texts::Texts;
use crate::lang::Lang;

/// No inline script or style, nothing from elsewhere, never framed.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Added to every response, refusals and PDFs included (outermost layer).
pub(crate) async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// How the token leaves the address bar.
#[derive(Debug, PartialEq, Eq)]
enum Leave {
    /// `303 See Other` to `/`.
    Redirect,
    /// A page that refreshes to `/`: after a link on another site, Chrome does not
    /// send a SameSite=Strict cookie along the redirect it follows, but does on a
    /// navigation this page starts itself.
    Refresh,
}

/// What the gate decided.
#[derive(Debug, PartialEq, Eq)]
enum Admission {
    /// On to the handler.
    Proceed,
    /// The address token was good: set the cookie and drop the token from the address bar.
    StartSession(Leave),
    /// A cookie is already there (a second tab, a prerender): just drop the token.
    DropToken,
}

pub(crate) async fn guard(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    match admit(&state, &req) {
        Ok(Admission::Proceed) => {
            state.touch();
            let res = next.run(req).await;
            state.touch();
            res
        }
        Ok(Admission::StartSession(leave)) => {
            state.touch();
            let cookie = format!(
                "{}={}; Path=/; HttpOnly; SameSite=Strict",
                state.session_cookie,
                state.session.expose_hex()
            );
            let mut res = match leave {
                Leave::Redirect => (StatusCode::SEE_OTHER, [(LOCATION, "/")]).into_response(),
                Leave::Refresh => Html(refresh_page()).into_response(),
            };
            if let Ok(value) = HeaderValue::try_from(cookie) {
                res.headers_mut().insert(SET_COOKIE, value);
            }
            res
        }
        Ok(Admission::DropToken) => (StatusCode::SEE_OTHER, [(LOCATION, "/")]).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// No script (the CSP forbids inline script): a meta refresh, and a link if
/// refreshes are off, in both languages (the page's is not known yet, and
/// the page shows for an instant).
fn refresh_page() -> String {
    let (ja, en) = (Texts::new(Lang::Ja), Texts::new(Lang::En));
    format!(
        "<!doctype html><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0;url=/\"><title>recovery-sheet</title>\
         <p><a href=\"/\">{} / {}</a></p>",
        ja.t("launcher_continue"),
        en.t("launcher_continue")
    )
}

fn admit(state: &AppState, req: &Request) -> Result<Admission, Refusal> {
    let host = checked_host(state, req)?;
    check_fetch_metadata(req)?;
    let has_session = cookies(req.headers())
        .any(|(name, value)| name == state.session_cookie && state.session.matches(value));
    if let Some(token) = address_token(req) {
        return if has_session {
            Ok(Admission::DropToken)
        } else if state.exchange_url_token(token) {
            Ok(Admission::StartSession(if from_elsewhere(req) {
                Leave::Refresh
            } else {
                Leave::Redirect
            }))
        } else {
            Err(Refusal::BadToken)
        };
    }
    if !has_session {
        return Err(Refusal::NoSession);
    }
    match *req.method() {
        Method::GET | Method::HEAD => Ok(Admission::Proceed),
        Method::POST => check_origin(req, host).map(|()| Admission::Proceed),
        _ => Err(Refusal::MethodNotAllowed),
    }
}

/// The Host header must name this server exactly (DNS rebinding sends the attacker's name).
fn checked_host<'r>(state: &AppState, req: &'r Request) -> Result<&'r str, Refusal> {
    let mut values = req.headers().get_all(HOST).iter();
    let host = values
        .next()
        .and_then(|v| v.to_str().ok())
        .ok_or(Refusal::WrongHost)?;
    if values.next().is_some() || !state.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return Err(Refusal::WrongHost);
    }
    if let Some(authority) = req.uri().authority()
        && !authority.as_str().eq_ignore_ascii_case(host)
    {
        return Err(Refusal::WrongHost);
    }
    Ok(host)
}

/// Another site, or another port of 127.0.0.1 (which is "same-site"), may link here
/// but not embed, fetch or post: only a top-level GET navigation passes.
fn check_fetch_metadata(req: &Request) -> Result<(), Refusal> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    match header("sec-fetch-site") {
        None | Some("same-origin" | "none") => Ok(()),
        Some(_) => {
            let navigation = req.method() == Method::GET
                && header("sec-fetch-mode") == Some("navigate")
                && matches!(header("sec-fetch-dest"), None | Some("document"));
            if navigation {
                Ok(())
            } else {
                Err(Refusal::CrossSite)
            }
        }
    }
}

/// A navigation started on another site (or another port: "same-site").
fn from_elsewhere(req: &Request) -> bool {
    matches!(
        req.headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok()),
        Some("cross-site" | "same-site")
    )
}

/// A POST must come from a page of this very origin (scheme, host and port).
///
/// `Referrer-Policy: no-referrer` makes browsers send `Origin: null` on their own
/// form posts (Fetch standard, "serializing a request origin"), so `null` is
/// taken only together with `Sec-Fetch-Site: same-origin`, a header that only
/// the browser sets. A request that has neither is refused.
fn check_origin(req: &Request, host: &str) -> Result<(), Refusal> {
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    match header(ORIGIN) {
        Some("null")
            if header(HeaderName::from_static("sec-fetch-site")) == Some("same-origin") =>
        {
            Ok(())
        }
        Some(origin) => match origin.strip_prefix("http://") {
            Some(rest) if rest.eq_ignore_ascii_case(host) => Ok(()),
            _ => Err(Refusal::BadOrigin),
        },
        None => Err(Refusal::BadOrigin),
    }
}

/// `token` from `GET /?token=...`, the printed address.
fn address_token(req: &Request) -> Option<&str> {
    if req.method() != Method::GET || req.uri().path() != "/" {
        return None;
    }
    req.uri()
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
}

/// Every `name=value` pair of every Cookie header.
pub(crate) fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_pairs_are_split_and_trimmed() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("a=1; rs_session_9=abc"));
        h.append(COOKIE, HeaderValue::from_static("b=2"));
        let all: Vec<_> = cookies(&h).collect();
        assert_eq!(all, [("a", "1"), ("rs_session_9", "abc"), ("b", "2")]);
    }
}
