//! Reading request bodies the same way on every surface: within the 64 KiB limit, and with
//! the content type split from its parameters. Each surface turns a [`BodyError`] and an
//! unwanted content type into its own envelope.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};

use crate::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Larger than [`crate::BODY_LIMIT_BYTES`].
    TooLarge,
    /// The client stopped sending, or sent something that is not a body.
    Unreadable,
}

pub async fn read(request: Request, state: &AppState) -> Result<Bytes, BodyError> {
    Bytes::from_request(request, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE { BodyError::TooLarge } else { BodyError::Unreadable }
    })
}

/// The `Content-Type` header as the client sent it, for error messages: `(none)` when absent.
pub fn content_type_shown(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .map_or_else(|| "(none)".to_owned(), |value| String::from_utf8_lossy(value.as_bytes()).into_owned())
}

/// The media type of a `Content-Type` value, lowercased and without parameters:
/// `Application/JSON; charset=utf-8` is `application/json`.
pub fn media_type(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// The media type of the request's `Content-Type`, if it has one.
pub fn request_media_type(headers: &HeaderMap) -> Option<String> {
    headers.get(CONTENT_TYPE).map(|value| media_type(&String::from_utf8_lossy(value.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_lose_case_and_parameters() {
        assert_eq!(media_type("Application/JSON; charset=utf-8"), "application/json");
        assert_eq!(media_type(" application/x-www-form-urlencoded "), "application/x-www-form-urlencoded");
        assert_eq!(media_type(""), "");
        assert_eq!(content_type_shown(&HeaderMap::new()), "(none)");
    }
}
