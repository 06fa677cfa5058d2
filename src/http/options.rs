//! `OPTIONS` on the vendor routes: `204` with the route's `Allow`, and no credentials needed,
//! as web servers in front of APIs answer it (and as a browser's preflight expects). A body
//! that did not arrive whole is refused here as on every route, in the vendor's envelope `E`.

use std::future::Future;
use std::pin::Pin;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::ALLOW;
use axum::response::{IntoResponse, Response};

use crate::http::request_body::{self, BodyError};

/// The handler for `OPTIONS` on a route whose methods are `methods`, written as the `Allow`
/// header of its `405` (tests check the two agree).
pub fn allow<E>(
    methods: &'static str,
) -> impl Fn(Request) -> Pin<Box<dyn Future<Output = Response> + Send>> + Clone + Send
where
    E: From<BodyError> + IntoResponse,
{
    move |request: Request| {
        let response = match request_body::failure(request.extensions()) {
            Ok(()) => (StatusCode::NO_CONTENT, [(ALLOW, methods)]).into_response(),
            Err(failure) => E::from(failure).into_response(),
        };
        Box::pin(std::future::ready(response))
    }
}
