//! Extractors that admit a POST body only with the page's CSRF token, within the route's size limit; pasted codes go straight into zeroizing buffers.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use zeroize::{Zeroize, Zeroizing};

use super::AppState;
use super::error::Refusal;

/// A form that carries the CSRF token in a `csrf` field.
pub(crate) trait CsrfField {
    fn csrf(&self) -> &str;
}

/// `CsrfField` for forms whose token is their `csrf` field.
macro_rules! csrf_field {
    ($($form:ty),* $(,)?) => {$(
        impl $crate::serve::forms::CsrfField for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    )*};
}
pub(crate) use csrf_field;

/// A URL-encoded form (no codes in it) whose CSRF token matched.
pub(crate) struct CheckedForm<T>(pub T);

impl<T> FromRequest<Arc<AppState>> for CheckedForm<T>
where
    T: DeserializeOwned + CsrfField + Send,
{
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Refusal> {
        let Form(value) = Form::<T>::from_request(req, state)
            .await
            .map_err(|r| refusal_for(r.status()))?;
        if state.csrf.matches(value.csrf()) {
            Ok(CheckedForm(value))
        } else {
            Err(Refusal::BadCsrf)
        }
    }
}

/// A URL-encoded form that holds codes in one field (`secret`): that field's
/// value goes into a zeroizing buffer, the other fields into plain strings,
/// and the body it was read from is wiped when nothing else holds it.
pub(crate) struct SecretForm {
    pub fields: HashMap<String, String>,
    pub secret: Zeroizing<String>,
}

/// The name of the field [`SecretForm`] keeps in a zeroizing buffer.
pub(crate) const SECRET_FIELD: &str = "codes";

impl SecretForm {
    /// A field's value; empty when absent.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

impl FromRequest<Arc<AppState>> for SecretForm {
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Refusal> {
        let is_form = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(Refusal::BadForm);
        }
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|r| refusal_for(r.status()))?;
        let mut fields = HashMap::new();
        let mut secret = Zeroizing::new(String::new());
        for (name, value) in form_urlencoded::parse(&body) {
            if name == SECRET_FIELD {
                // An owned value (the field had escapes) moves in whole; a
                // borrowed one is copied out of the body, which is wiped below.
                secret = Zeroizing::new(value.into_owned());
            } else {
                fields.insert(name.into_owned(), value.into_owned());
            }
        }
        wipe(body);
        let form = SecretForm { fields, secret };
        if state.csrf.matches(form.field("csrf")) {
            Ok(form)
        } else {
            Err(Refusal::BadCsrf)
        }
    }
}

/// Zeroes a request body that nothing else refers to any more.
pub(crate) fn wipe(body: Bytes) {
    if let Ok(mut owned) = body.try_into_mut() {
        owned.as_mut().zeroize();
    }
}

/// A multipart upload whose first field, `csrf`, matched; the rest is left to the handler.
pub(crate) struct CheckedMultipart(pub Multipart);

impl FromRequest<Arc<AppState>> for CheckedMultipart {
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Refusal> {
        let mut multipart = Multipart::from_request(req, state)
            .await
            .map_err(|r| refusal_for(r.status()))?;
        // The token comes first (it is first in the page's form), so a file is read
        // only after the token has been checked.
        let matched = match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("csrf") => {
                let value = field.text().await.map_err(|e| refusal_for(e.status()))?;
                state.csrf.matches(&value)
            }
            Ok(_) => false,
            Err(e) => return Err(refusal_for(e.status())),
        };
        if matched {
            Ok(CheckedMultipart(multipart))
        } else {
            Err(Refusal::BadCsrf)
        }
    }
}

/// axum reports an over-limit body as 413 whichever extractor read it.
pub(crate) fn refusal_for(status: StatusCode) -> Refusal {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        Refusal::TooLarge
    } else {
        Refusal::BadForm
    }
}
