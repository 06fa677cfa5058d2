//! Where absolute URLs in responses (`statusUrl`, `Location`, links) point: at
//! `--public-url` when it is set, otherwise back at the scheme and host the client used; and
//! below the namespace prefix (`/ns/{name}`) the request came through, so that a client
//! following them stays in its own namespace.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::header::HOST;
use axum::http::request::Parts;

use crate::AppState;
use crate::http::namespace::Selection;

/// The scheme and authority (and, from `--public-url`, any path prefix) that absolute URLs
/// start with, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// `path` appended to the base; `path` starts with `/`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl FromRequestParts<AppState> for BaseUrl {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let origin = origin(parts, state);
        let prefix = parts.extensions.get::<Selection>().and_then(|selection| selection.prefix.as_deref());
        Ok(BaseUrl(format!("{origin}{}", prefix.unwrap_or(""))))
    }
}

/// The scheme and authority, and with `--public-url` its path.
fn origin(parts: &Parts, state: &AppState) -> String {
    if let Some(public_url) = &state.public_url {
        return public_url.to_string();
    }
    // Only plain host[:port] values are echoed back; anything else falls back to
    // localhost rather than being copied into a response.
    let is_host = |value: &&str| {
        !value.is_empty()
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_'))
    };
    let host = parts
        .headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| parts.uri.authority().map(|authority| authority.as_str()))
        .filter(is_host)
        .unwrap_or("localhost");
    let scheme = match parts.headers.get("x-forwarded-proto").and_then(|value| value.to_str().ok()) {
        Some(proto) if proto.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}
