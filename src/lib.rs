//! paymock: a stateful local sandbox for two third-party payment APIs, the Click2Mail MOL Pro
//! credit API (`/molpro/...`) and the Hostway payment-info API (`/accounts/...`), with the
//! sandbox's own control plane under `/__admin/...`.
//!
//! [`Sandbox`] runs it in-process, for Rust tests: see [`harness`]. [`app`] builds the one
//! router, used by the binary, the harness and the tests alike; [`serve`] runs it on an
//! already-bound listener until a shutdown future completes.

pub mod domain;
pub mod harness;
pub mod http;
pub mod sandbox;
pub mod store;
pub mod vendors;

pub use crate::domain::money::Cents;
pub use crate::harness::{Sandbox, SandboxBuilder, SandboxNamespace, StartError};
pub use crate::sandbox::control::{ClockDocument, FaultRule, StateDocument};
pub use crate::sandbox::{faults, journal};

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{OriginalUri, Request};
use axum::http::header::CONNECTION;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::domain::mask::Masked;
use crate::http::{connection, request_body};
use crate::sandbox::fixtures::Fixtures;
use crate::sandbox::namespaces::Namespaces;
use crate::sandbox::{admin, home};
use crate::store::Store;
use crate::vendors::{click2mail, hostway};

/// Request bodies larger than this get a 413 in the vendor's own envelope.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The body of `POST /__admin/import`, a whole exported scenario, may be this large.
pub const IMPORT_LIMIT_BYTES: usize = 64 * 1024 * 1024;

/// Carried by every response, so a client can tell it is talking to the sandbox.
pub const VERSION_HEADER: &str = "x-paymock-version";

/// What every handler can reach. Cheap to clone. What belongs to one namespace (its state,
/// clock, journal and faults) is reached through [`Ns`](sandbox::namespaces::Ns).
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    /// The starting data of every namespace, and the test-card table.
    pub fixtures: Arc<Fixtures>,
    pub namespaces: Arc<Namespaces>,
    /// `--public-url`, without a trailing slash.
    pub public_url: Option<Arc<str>>,
    /// `--admin-token`: when set, the control plane (but health) needs it as a bearer token.
    pub admin_token: Option<Arc<str>>,
    /// `--read-timeout`: how long a client may take to send a request's headers, and then
    /// its body.
    pub read_timeout: Duration,
    /// `--access-log`: one INFO line per request when on, DEBUG when off.
    pub access_log: bool,
    /// `--fault-headers`: whether a request's `X-Paymock-Delay` and `X-Paymock-Fault` headers
    /// inject faults; when off they are ignored.
    pub fault_headers: bool,
}

/// The whole sandbox as one router. Paths are made canonical before anything routes them
/// (see [`http::path::canonical`]), so that the URLs real clients build reach their route,
/// and a namespace prefix is taken off them (see [`http::namespace`]), so that every route
/// serves every namespace.
pub fn app(state: AppState) -> Router {
    let sandbox = with_layers(routes(&state), &state).with_state(state);
    Router::new().fallback_service(sandbox).layer(axum::middleware::map_request(http::namespace::select))
}

fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", axum::routing::get(home::page).route_layer(axum::middleware::from_fn(admin::require_whole_body)))
        .nest("/molpro", click2mail::router())
        .nest("/accounts", hostway::router())
        .nest("/__admin", admin::router(state.clone()))
        // `/__admin` itself is the nested router's `/`.
        .route(
            "/__admin/",
            axum::routing::get(sandbox::ui::to_dashboard)
                .route_layer(axum::middleware::from_fn(admin::require_whole_body)),
        )
        // `/` is the sandbox's own, so a wrong method there answers as the control plane does.
        .method_not_allowed_fallback(admin::method_not_allowed)
        .fallback(no_such_route)
}

fn with_layers(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let version = HeaderValue::from_static(env!("CARGO_PKG_VERSION"));
    let access_log = state.access_log;
    // The last layer added sees the request first. `buffer` must stay outside `journal`, so
    // that the journal reads the body from memory, within the limit and the read timeout.
    router
        .layer(axum::middleware::from_fn_with_state(state.clone(), faults::inject))
        .layer(axum::middleware::from_fn(click2mail::negotiate))
        .layer(axum::middleware::from_fn_with_state(state.clone(), journal::record))
        .layer(axum::middleware::from_fn_with_state(state.clone(), request_body::buffer))
        .layer(axum::middleware::map_response(close_after_body_failure))
        .layer(SetResponseHeaderLayer::overriding(HeaderName::from_static(VERSION_HEADER), version))
        .layer(
            TraceLayer::new_for_http()
                // The path only, card numbers masked: a query string may carry a card number.
                .make_span_with(|request: &Request| {
                    let method = Masked::new(request.method().as_str());
                    let path = Masked::new(request.uri().path());
                    let selection = request.extensions().get::<http::namespace::Selection>();
                    let namespace = Masked::new(selection.map_or(store::DEFAULT, |selection| &selection.name));
                    tracing::info_span!("request", %method, %path, %namespace)
                })
                .on_response(move |response: &Response, latency: Duration, _: &tracing::Span| {
                    log_response(response, latency, access_log)
                })
                // Server errors are logged by `log_response`, which can tell them from faults.
                .on_failure(()),
        )
}

/// The access log line: INFO, or DEBUG with `--access-log off`; a server error is always an
/// ERROR. A connection a fault dropped got no response at all, so it is no 5xx: DEBUG.
fn log_response(response: &Response, latency: Duration, access_log: bool) {
    let status = response.status().as_u16();
    let latency_ms = latency.as_micros() as f64 / 1000.0;
    if let Some(faults::Dropped(how)) = response.extensions().get::<faults::Dropped>() {
        tracing::debug!(?how, latency_ms, "connection dropped by a fault, as asked; no response was sent");
    } else if response.status().is_server_error() && response.extensions().get::<faults::Injected>().is_none() {
        tracing::error!(status, latency_ms, "finished processing request with a server error");
    } else if access_log {
        tracing::info!(status, latency_ms, "finished processing request");
    } else {
        tracing::debug!(status, latency_ms, "finished processing request");
    }
}

/// A client whose body stopped arriving, or was too large, is not read from again: a 408 or
/// 413 closes the connection (one asked for by a fault too).
async fn close_after_body_failure(mut response: Response) -> Response {
    if matches!(response.status(), StatusCode::REQUEST_TIMEOUT | StatusCode::PAYLOAD_TOO_LARGE) {
        response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Paths no router matched. Those under a vendor's prefix that its own router does not see
/// (such as `/molpro/`) get that vendor's 404; the rest a plain JSON one.
async fn no_such_route(method: Method, uri: OriginalUri) -> Response {
    if uri.path().starts_with("/molpro/") {
        return click2mail::not_found(uri).await.into_response();
    }
    if uri.path().starts_with("/accounts/") {
        return hostway::not_found(uri).await.into_response();
    }
    let message = Masked::new(&format!("no route for {method} {}", uri.path()));
    (StatusCode::NOT_FOUND, Json(serde_json::json!({ "error": message }))).into_response()
}

/// Serves the sandbox on `listener` until `shutdown` completes, then lets requests in flight
/// finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let read_timeout = state.read_timeout;
    // Streams of events never end by themselves: they end when the server stops.
    let events = state.namespaces.events().clone();
    let shutdown = async move {
        shutdown.await;
        events.stop();
    };
    connection::serve(listener, app(state), read_timeout, shutdown).await
}
