//! Everything that stops a Click2Mail request short of a `<credit>` answer with status 0 or
//! 2, each rendered as the vendor's own `<credit>` document with an HTTP error status. What
//! the client sent is named only [`Masked`].

use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::reply::{Credit, CreditReply, STATUS_AUTHENTICATION_FAILED, STATUS_BAD_REQUEST, STATUS_INTERNAL_ERROR};
use crate::domain::mask::Masked;
use crate::http::auth::AuthError;
use crate::http::request_body::{self, BodyError};

#[derive(Debug, thiserror::Error)]
pub enum Click2MailError {
    #[error("Authentication failed: {0}.")]
    Unauthorized(#[from] AuthError),
    /// With the media type of a body that was ignored, for a hint where parameters are read.
    #[error("One of the required parameters is missing.{}", ignored_hint(.ignored_body))]
    MissingParameters { names: Vec<&'static str>, ignored_body: Option<Masked> },
    /// The body is JSON text sent as a form, and so parameters are missing.
    #[error(
        "The request body is JSON, not a form: send the parameters as application/x-www-form-urlencoded name=value pairs, such as billingName=Jane+Doe&billingAmount=10.00."
    )]
    JsonLabelledAsForm(Vec<&'static str>),
    #[error("{parameter} {reason}.")]
    InvalidParameter { parameter: String, reason: String },
    #[error("The request body could not be read.")]
    UnreadableBody,
    #[error("The request body did not arrive within {0}.")]
    BodyTimedOut(String),
    #[error("charset {0} is not supported: send the form as UTF-8, ISO-8859-1 or windows-1252.")]
    UnsupportedCharset(Masked),
    #[error("The multipart/form-data body is malformed: {0}.")]
    MalformedMultipart(Masked),
    #[error("The request body is larger than {} KiB.", crate::BODY_LIMIT_BYTES / 1024)]
    PayloadTooLarge,
    /// The body's `Content-Encoding`, which paymock does not decode.
    #[error("{}", BodyError::encoded_message(.0))]
    UnsupportedEncoding(String),
    #[error("There is no {0} endpoint.")]
    NotFound(Masked),
    #[error("Method {0} is not allowed on this endpoint.")]
    MethodNotAllowed(Masked),
    /// A status and a sentence without its final stop, such as why the request's namespace
    /// cannot serve it; what the client sent in it is masked already.
    #[error("{1}.")]
    Unavailable(StatusCode, String),
    /// Never shown to the client; logged.
    #[error("Internal error.")]
    Store(#[source] sqlx::Error),
}

fn ignored_hint(ignored_body: &Option<Masked>) -> String {
    match ignored_body {
        Some(media_type) => format!(
            " The {media_type} body was ignored: parameters are read from the query string and from form bodies \
             (application/x-www-form-urlencoded or multipart/form-data)."
        ),
        None => String::new(),
    }
}

impl From<BodyError> for Click2MailError {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge(_) => Click2MailError::PayloadTooLarge,
            BodyError::Unreadable => Click2MailError::UnreadableBody,
            BodyError::TimedOut(limit) => Click2MailError::BodyTimedOut(request_body::seconds(limit)),
            BodyError::Encoded(coding) => Click2MailError::UnsupportedEncoding(coding),
        }
    }
}

impl Click2MailError {
    pub fn invalid(parameter: &str, reason: impl ToString) -> Click2MailError {
        Click2MailError::InvalidParameter { parameter: parameter.to_owned(), reason: reason.to_string() }
    }

    fn http_status(&self) -> StatusCode {
        match self {
            Click2MailError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Click2MailError::MissingParameters { .. }
            | Click2MailError::JsonLabelledAsForm(_)
            | Click2MailError::InvalidParameter { .. }
            | Click2MailError::UnsupportedCharset(_)
            | Click2MailError::MalformedMultipart(_)
            | Click2MailError::UnreadableBody => StatusCode::BAD_REQUEST,
            Click2MailError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Click2MailError::UnsupportedEncoding(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Click2MailError::BodyTimedOut(_) => StatusCode::REQUEST_TIMEOUT,
            Click2MailError::NotFound(_) => StatusCode::NOT_FOUND,
            Click2MailError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Click2MailError::Unavailable(status, _) => *status,
            Click2MailError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn parameters(&self) -> Vec<String> {
        match self {
            Click2MailError::MissingParameters { names, .. } | Click2MailError::JsonLabelledAsForm(names) => {
                names.iter().map(|name| name.to_string()).collect()
            }
            Click2MailError::InvalidParameter { parameter, .. } => vec![parameter.clone()],
            _ => Vec::new(),
        }
    }
}

impl IntoResponse for Click2MailError {
    fn into_response(self) -> Response {
        let status = match &self {
            Click2MailError::Unauthorized(_) => STATUS_AUTHENTICATION_FAILED,
            Click2MailError::Store(err) => {
                tracing::error!(%err, "store failure");
                STATUS_INTERNAL_ERROR
            }
            Click2MailError::Unavailable(status, _) if status.is_server_error() => STATUS_INTERNAL_ERROR,
            _ => STATUS_BAD_REQUEST,
        };
        let credit = Credit {
            allow_negative: None,
            balance: None,
            status,
            description: self.to_string(),
            parameter: self.parameters(),
            status_url: None,
        };
        let mut response = CreditReply { http_status: self.http_status(), credit }.into_response();
        if matches!(self, Click2MailError::Unauthorized(_)) {
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static(r#"Basic realm="molpro""#));
        }
        response
    }
}

impl From<crate::store::Error> for Click2MailError {
    fn from(error: crate::store::Error) -> Self {
        match error {
            crate::store::Error::Database(err) => Click2MailError::Store(err),
            crate::store::Error::NamespaceLimit { max } => {
                let problem = crate::http::namespace::Problem::limit(max);
                Click2MailError::Unavailable(problem.status, problem.message)
            }
        }
    }
}

impl From<crate::sandbox::namespaces::Unavailable> for Click2MailError {
    fn from(crate::sandbox::namespaces::Unavailable(problem): crate::sandbox::namespaces::Unavailable) -> Self {
        Click2MailError::Unavailable(problem.status, problem.message)
    }
}
