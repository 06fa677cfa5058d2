//! What the vendors' clients see: the two emulated APIs, each with its own router, envelopes
//! and error type.

pub mod click2mail;
pub mod hostway;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::http::namespace::Problem;
use crate::sandbox::admin::AdminError;

/// Whose envelope a path's answers come in, told from the path before any route matched it:
/// for faults, and for a namespace that cannot serve the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Click2Mail,
    Hostway,
    /// Anything else: the sandbox's own JSON.
    Sandbox,
}

impl Vendor {
    pub fn of_path(path: &str) -> Vendor {
        if path == "/molpro" || path.starts_with("/molpro/") {
            Vendor::Click2Mail
        } else if path == "/accounts" || path.starts_with("/accounts/") {
            Vendor::Hostway
        } else {
            Vendor::Sandbox
        }
    }

    /// The `WWW-Authenticate` of the vendor's own 401.
    pub fn challenge(self) -> Option<HeaderValue> {
        match self {
            Vendor::Click2Mail => Some(HeaderValue::from_static(r#"Basic realm="molpro""#)),
            Vendor::Hostway => Some(HeaderValue::from_static(r#"Basic realm="hostway""#)),
            Vendor::Sandbox => None,
        }
    }

    /// An error with this status, in the vendor's own envelope; `reason` is a sentence
    /// without its final stop.
    pub fn reply(self, status: StatusCode, reason: &str) -> Response {
        match self {
            Vendor::Click2Mail => click2mail::fault_reply(status, reason),
            Vendor::Hostway => hostway::fault_reply(status, reason),
            Vendor::Sandbox => AdminError::Status(status, reason.to_owned()).into_response(),
        }
    }

    /// Why the request's namespace cannot serve it.
    pub fn error(self, problem: Problem) -> Response {
        self.reply(problem.status, &problem.message)
    }
}
