//! The sandbox's own control plane under `/__admin`, for test suites rather than SDKs. JSON
//! in and out.

use axum::Router;
use axum::response::Json;
use axum::routing::get;
use serde::Serialize;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

/// Answers as soon as the server accepts requests: the readiness check for test suites and
/// containers.
async fn health() -> Json<Health> {
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}
