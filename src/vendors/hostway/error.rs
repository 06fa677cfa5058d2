//! Everything that stops a Hostway request short of success, rendered as the Hostway API
//! does: `401` as plain text with a Basic challenge, every other error as the JSON envelope
//! `{"<kind>": {"guid", "message", "code", "details"}}`, where `details` maps each field a
//! 400 is about to a hint (and is empty otherwise). What the client sent is named only
//! [`Masked`]: in a message through the variants' types, in a hint through
//! [`HostwayError::bad_field`].

use std::collections::BTreeMap;

use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde::Serialize;

use crate::domain::mask::Masked;
use crate::http::auth::AuthError;
use crate::http::request_body::{self, BodyError};

#[derive(Debug, thiserror::Error)]
pub enum HostwayError {
    #[error("{0}")]
    Unauthorized(#[from] AuthError),
    #[error("Account {0} does not exist.")]
    AccountNotFound(Masked),
    /// A whole sentence, as the client sees it.
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("Content-Type {0} is not supported: send application/json.")]
    UnsupportedMediaType(Masked),

    /// The body's `Content-Encoding`, which paymock does not decode.
    #[error("{}", BodyError::encoded_message(.0))]
    UnsupportedEncoding(String),
    #[error("The request body is larger than {} KiB.", crate::BODY_LIMIT_BYTES / 1024)]
    PayloadTooLarge,
    #[error("The request body did not arrive within {0}.")]
    BodyTimedOut(String),
    /// Fields that are missing or malformed, each with a hint; all of them at once.
    #[error("The request body has missing or malformed fields: {}.", field_list(.0))]
    BadRequest(BTreeMap<String, String>),
    #[error("Payment info {0} does not exist on this account.")]
    PaymentInfoNotFound(Masked),
    #[error(
        "Account {0} has no default payment info yet: save a payment method, or choose one with PUT …/paymentInfo/default."
    )]
    NoDefaultYet(Masked),
    /// A whole sentence, as the client sees it, masked whole.
    #[error("{0}")]
    Conflict(Masked),
    /// The method is already active on the account as `existing` (`cc-1`): the client sees
    /// `message`, the journal names the method.
    #[error("{message}")]
    Duplicate { message: &'static str, existing: String },
    #[error("There is no {0} resource.")]
    NotFound(Masked),
    #[error("Method {0} is not allowed on this resource.")]
    MethodNotAllowed(Masked),
    /// A status and a sentence without its final stop, such as why the request's namespace
    /// cannot serve it; what the client sent in it is masked already.
    #[error("{1}.")]
    Unavailable(StatusCode, String),
    /// Never shown to the client; logged.
    #[error("Internal error.")]
    Store(#[source] sqlx::Error),
    /// A status asked for by a fault, not by anything the client did.
    #[error("{1}.")]
    Injected(StatusCode, String),
}

fn field_list(fields: &BTreeMap<String, String>) -> String {
    fields.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
}

impl From<BodyError> for HostwayError {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge(_) => HostwayError::PayloadTooLarge,
            BodyError::Unreadable => HostwayError::bad_field("body", "could not be read"),
            BodyError::TimedOut(limit) => HostwayError::BodyTimedOut(request_body::seconds(limit)),
            BodyError::Encoded(coding) => HostwayError::UnsupportedEncoding(coding),
        }
    }
}

impl HostwayError {
    /// A 400 about one field. The hint is masked, as it may name what the client sent.
    pub fn bad_field(field: &str, hint: impl Into<String>) -> HostwayError {
        let hint = Masked::new(&hint.into()).as_str().to_owned();
        HostwayError::BadRequest(BTreeMap::from([(field.to_owned(), hint)]))
    }

    fn status_and_kind(&self) -> (StatusCode, &'static str) {
        match self {
            HostwayError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            HostwayError::AccountNotFound(_)
            | HostwayError::PaymentInfoNotFound(_)
            | HostwayError::NoDefaultYet(_)
            | HostwayError::NotFound(_) => (StatusCode::NOT_FOUND, "itemNotFound"),
            HostwayError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            HostwayError::UnsupportedMediaType(_) | HostwayError::UnsupportedEncoding(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupportedMediaType")
            }
            HostwayError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "requestEntityTooLarge"),
            HostwayError::BodyTimedOut(_) => (StatusCode::REQUEST_TIMEOUT, "requestTimeout"),
            HostwayError::BadRequest(_) => (StatusCode::BAD_REQUEST, "badRequest"),
            HostwayError::Conflict(_) | HostwayError::Duplicate { .. } => (StatusCode::CONFLICT, "conflict"),
            HostwayError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "badMethod"),
            HostwayError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "serverError"),
            HostwayError::Injected(status, _) | HostwayError::Unavailable(status, _) => {
                (*status, injected_kind(*status))
            }
        }
    }
}

/// The envelope kind for a status a fault asks for.
fn injected_kind(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "badRequest",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        408 => "requestTimeout",
        409 => "conflict",
        413 => "requestEntityTooLarge",
        415 => "unsupportedMediaType",
        503 => "serviceUnavailable",
        500..=599 => "serverError",
        _ => "fault",
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    guid: String,
    message: String,
    code: u16,
    details: &'a BTreeMap<String, String>,
}

impl IntoResponse for HostwayError {
    fn into_response(self) -> Response {
        let (status, kind) = self.status_and_kind();
        let reason = match &self {
            HostwayError::Duplicate { existing, .. } => {
                crate::http::outcome::Reason(format!("duplicate of {existing}"))
            }
            _ => crate::http::outcome::Reason::of(&self.to_string()),
        };
        let mut response = self.render(status, kind);
        response.extensions_mut().insert(reason);
        response
    }
}

impl HostwayError {
    fn render(self, status: StatusCode, kind: &'static str) -> Response {
        let unauthorized_reason = match &self {
            HostwayError::Unauthorized(reason) => {
                Some(format!("This server could not verify your credentials: {reason}"))
            }
            HostwayError::Injected(StatusCode::UNAUTHORIZED, reason) => Some(reason.clone()),
            _ => None,
        };
        if let Some(reason) = unauthorized_reason {
            let body = format!("401 Unauthorized\n\n{reason}.\n");
            let headers = [
                (CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
                (WWW_AUTHENTICATE, HeaderValue::from_static(r#"Basic realm="hostway""#)),
            ];
            return (status, headers, body).into_response();
        }
        if let HostwayError::Store(err) = &self {
            tracing::error!(%err, "store failure");
        }
        let no_details = BTreeMap::new();
        let details = match &self {
            HostwayError::BadRequest(fields) => fields,
            _ => &no_details,
        };
        let envelope = Envelope {
            guid: uuid::Uuid::new_v4().to_string(),
            message: self.to_string(),
            code: status.as_u16(),
            details,
        };
        (status, Json(BTreeMap::from([(kind, envelope)]))).into_response()
    }
}

impl From<crate::store::Error> for HostwayError {
    fn from(error: crate::store::Error) -> Self {
        match error {
            crate::store::Error::Database(err) => HostwayError::Store(err),
            crate::store::Error::NamespaceLimit { max } => {
                let problem = crate::http::namespace::Problem::limit(max);
                HostwayError::Unavailable(problem.status, problem.message)
            }
        }
    }
}

impl From<crate::sandbox::namespaces::Unavailable> for HostwayError {
    fn from(crate::sandbox::namespaces::Unavailable(problem): crate::sandbox::namespaces::Unavailable) -> Self {
        HostwayError::Unavailable(problem.status, problem.message)
    }
}
