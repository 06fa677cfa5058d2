//! `OPTIONS` on the vendor routes: `204` with the route's `Allow`, and no credentials needed,
//! as web servers in front of APIs answer it (and as a browser's preflight expects).

use axum::http::StatusCode;
use axum::http::header::ALLOW;
use axum::response::IntoResponse;

/// The handler for `OPTIONS` on a route whose methods are `methods`, written as the `Allow`
/// header of its `405` (tests check the two agree).
pub fn allow(methods: &'static str) -> impl Fn() -> std::future::Ready<axum::response::Response> + Clone + Send {
    move || std::future::ready((StatusCode::NO_CONTENT, [(ALLOW, methods)]).into_response())
}
