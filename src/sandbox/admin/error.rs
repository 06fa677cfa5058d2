//! The control plane's one error type, answered as `{"error": "<message>", "details":
//! {"<field>": "<hint>"}}`; `details` names every field a 400 is about. What the client sent
//! is named only [`Masked`]: in a message through the variants' types, in a hint through
//! [`AdminError::bad_field`].

use std::collections::BTreeMap;

use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use serde::Serialize;

use crate::domain::mask::Masked;
use crate::http::request_body::{self, BodyError};

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: String,
    details: &'a BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("The control plane needs Authorization: Bearer <the --admin-token>.")]
    Unauthorized,
    #[error("The request body has missing or malformed fields: {}.", .0.keys().map(String::as_str).collect::<Vec<_>>().join(", "))]
    BadRequest(BTreeMap<String, String>),
    #[error("The path must be UTF-8 text once percent-decoded.")]
    BadPath,
    /// Query parameters that are unknown, repeated or malformed, each with a hint; the names
    /// are the client's, masked.
    #[error("The query string has unknown, repeated or malformed parameters: {}.", .0.keys().map(String::as_str).collect::<Vec<_>>().join(", "))]
    BadQuery(BTreeMap<String, String>),
    /// A whole sentence, masked whole.
    #[error("{0}")]
    NotFound(Masked),
    /// A whole sentence, masked whole.
    #[error("{0}")]
    Conflict(Masked),
    /// The limit, in words.
    #[error("The request body is larger than {0}.")]
    PayloadTooLarge(String),
    #[error("The request body did not arrive within {0}.")]
    BodyTimedOut(String),
    /// The body's `Content-Encoding`, which paymock does not decode.
    #[error("{}", BodyError::encoded_message(.0))]
    UnsupportedEncoding(String),
    #[error("Method {0} is not allowed on this route.")]
    MethodNotAllowed(Masked),
    /// A status and a sentence without its final stop, such as why a namespace cannot serve
    /// the request; what the client sent in it is masked already.
    #[error("{1}.")]
    Status(StatusCode, String),
    /// Never shown to the client; logged.
    #[error("Internal error.")]
    Store(#[source] sqlx::Error),
}

impl From<crate::store::Error> for AdminError {
    fn from(error: crate::store::Error) -> Self {
        match error {
            crate::store::Error::Database(err) => AdminError::Store(err),
            crate::store::Error::NamespaceLimit { max } => {
                let problem = crate::http::namespace::Problem::limit(max);
                AdminError::Status(problem.status, problem.message)
            }
        }
    }
}

impl From<BodyError> for AdminError {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge(limit) => AdminError::PayloadTooLarge(BodyError::size(limit)),
            BodyError::Unreadable => AdminError::bad_field("body", "could not be read"),
            BodyError::TimedOut(limit) => AdminError::BodyTimedOut(request_body::seconds(limit)),
            BodyError::Encoded(coding) => AdminError::UnsupportedEncoding(coding),
        }
    }
}

impl AdminError {
    /// A 400 about one field. The hint is masked, as it may name what the client sent.
    pub fn bad_field(field: &str, hint: impl Into<String>) -> AdminError {
        let hint = Masked::new(&hint.into()).as_str().to_owned();
        AdminError::BadRequest(BTreeMap::from([(field.to_owned(), hint)]))
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let status = match &self {
            AdminError::Unauthorized => StatusCode::UNAUTHORIZED,
            AdminError::BadRequest(_) | AdminError::BadQuery(_) | AdminError::BadPath => StatusCode::BAD_REQUEST,
            AdminError::NotFound(_) => StatusCode::NOT_FOUND,
            AdminError::Conflict(_) => StatusCode::CONFLICT,
            AdminError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AdminError::BodyTimedOut(_) => StatusCode::REQUEST_TIMEOUT,
            AdminError::UnsupportedEncoding(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AdminError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AdminError::Status(status, _) => *status,
            AdminError::Store(err) => {
                tracing::error!(%err, "store failure");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let no_details = BTreeMap::new();
        let details = match &self {
            AdminError::BadRequest(fields) | AdminError::BadQuery(fields) => fields,
            _ => &no_details,
        };
        let body = ErrorBody { error: self.to_string(), details };
        let mut response = (status, Json(body)).into_response();
        if matches!(self, AdminError::Unauthorized) {
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer realm="paymock""#));
        }
        response
    }
}

impl From<crate::sandbox::namespaces::Unavailable> for AdminError {
    fn from(crate::sandbox::namespaces::Unavailable(problem): crate::sandbox::namespaces::Unavailable) -> Self {
        AdminError::Status(problem.status, problem.message)
    }
}
