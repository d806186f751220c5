//! The stylesheets and the one small script, built into the binary.

use axum::extract::Path;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::error::Refusal;

pub(crate) async fn asset(Path(file): Path<String>) -> Response {
    let (content_type, body) = match file.as_str() {
        "app.css" => (
            "text/css; charset=utf-8",
            include_str!("../../templates/web/static/app.css"),
        ),
        "print.css" => (
            "text/css; charset=utf-8",
            include_str!("../../templates/web/static/print.css"),
        ),
        "app.js" => (
            "text/javascript; charset=utf-8",
            include_str!("../../templates/web/static/app.js"),
        ),
        _ => return Refusal::NotFound.into_response(),
    };
    ([(CONTENT_TYPE, content_type)], body).into_response()
}
