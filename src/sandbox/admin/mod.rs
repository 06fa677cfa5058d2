//! The sandbox's own control plane under `/__admin`, for test suites rather than SDKs: health,
//! reset, seeding users and accounts, inspecting state, the request journal, the clock,
//! faults, snapshots, namespaces and the OpenAPI document. Every route that acts on state
//! acts on one namespace: `default`, or the one named by `/__admin/ns/{name}/…`. JSON in and out;
//! [`error::AdminError`] is its one error type. With `--admin-token`, every route but health
//! needs `Authorization: Bearer <token>`.

mod body;
mod error;
mod export;
mod faults;
mod namespaces;
mod query;
mod requests;
mod seed;
mod snapshots;
mod state;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post, put};
use serde::Serialize;

use self::body::AdminBody;
pub use self::error::AdminError;
use crate::domain::clock;
use crate::sandbox::control::ClockDocument;
use crate::sandbox::namespaces::Ns;
use crate::sandbox::{events, ui};
use crate::{AppState, request_body};

pub fn router(state: AppState) -> Router<AppState> {
    let guarded = Router::new()
        .route("/reset", post(reset))
        .route("/clock", get(clock).put(freeze_clock).delete(resume_clock))
        .route("/state", get(state::state))
        .route("/requests", get(requests::list).delete(requests::clear))
        .route("/requests/count", get(requests::count))
        .route("/requests/{id}", get(requests::show))
        .route("/faults", get(faults::list).post(faults::add).delete(faults::clear))
        .route("/faults/{id}", axum::routing::delete(faults::remove))
        .route("/snapshots", get(snapshots::list))
        .route("/snapshots/{name}", post(snapshots::save).delete(snapshots::remove))
        .route("/snapshots/{name}/restore", post(snapshots::restore))
        .route("/export", get(export::export))
        // `request_body::buffer` holds the body to its limit already.
        .route("/import", post(export::import).layer(axum::extract::DefaultBodyLimit::disable()))
        .route("/events", get(events::stream))
        .route("/namespaces", get(namespaces::list).delete(namespaces::remove_idle))
        .route("/ns/{name}", get(namespaces::show).delete(namespaces::remove))
        .route("/openapi.json", get(openapi))
        .route("/click2mail/users", post(seed::click2mail_user))
        .route("/click2mail/users/{username}/balance", put(seed::click2mail_balance))
        .route("/hostway/accounts", post(seed::hostway_account))
        .route("/hostway/users", post(seed::hostway_user))
        .route_layer(middleware::from_fn(require_whole_body))
        .route_layer(middleware::from_fn_with_state(state, require_token));
    // The dashboard's page and assets hold no data: it reads everything through the routes above.
    let open = Router::new()
        .route("/health", get(health))
        .route("/", get(ui::to_dashboard))
        .route("/ui", get(ui::to_dashboard))
        .route("/ui/", get(ui::page))
        .route("/ui/{file}", get(ui::asset))
        .route_layer(middleware::from_fn(require_whole_body));
    open.merge(guarded).method_not_allowed_fallback(method_not_allowed)
}

pub async fn method_not_allowed(method: axum::http::Method) -> AdminError {
    AdminError::MethodNotAllowed(method.as_str().into())
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

/// Answers as soon as the server accepts requests: the readiness check for test suites and
/// containers. Never needs the token.
async fn health() -> Json<Health> {
    Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

/// The OpenAPI 3.1 document of all three surfaces, `openapi/openapi.json` in the repository.
async fn openapi() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], include_str!("../../../openapi/openapi.json"))
}

/// Refuses a request whose body did not arrive whole (too large, broken off or late) or is
/// encoded, once the token has been checked, whether or not its route reads a body. Health
/// and the front page (`GET /`), which need no token, refuse it too.
pub(crate) async fn require_whole_body(request: Request, next: Next) -> Response {
    match request_body::failure(request.extensions()) {
        Ok(()) => next.run(request).await,
        Err(failure) => AdminError::from(failure).into_response(),
    }
}

/// With `--admin-token`, lets through only requests that carry it as a bearer token.
async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(token) = &state.admin_token else {
        return next.run(request).await;
    };
    let given = request.headers().get(AUTHORIZATION).and_then(|value| value.to_str().ok());
    let given =
        given.and_then(|value| value.split_once(' ')).filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"));
    let given = given.map(|(_, token)| token.trim());
    if given.is_some_and(|given| crate::domain::password::constant_time_eq(given.as_bytes(), token.as_bytes())) {
        next.run(request).await
    } else {
        AdminError::Unauthorized.into_response()
    }
}

/// Restores the namespace's fixtures and real time, and empties its journal and its faults.
async fn reset(Ns(ns): Ns) -> Result<StatusCode, AdminError> {
    ns.reset().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn clock(Ns(ns): Ns) -> Json<ClockDocument> {
    Json(ns.clock_document())
}

/// `{"now": "<RFC 3339>"}` stops the clock there; with `"frozen": false`, sets it there and lets
/// it run on.
async fn freeze_clock(Ns(ns): Ns, mut body: AdminBody) -> Result<Json<ClockDocument>, AdminError> {
    let now = body.string("now");
    let now = now.and_then(|text| {
        let now = clock::parse_instant(&text);
        if now.is_none() {
            body.add_problem("now", clock::INSTANT_HINT);
        }
        now
    });
    let frozen = !body.given("frozen") || body.optional_bool("frozen");
    body.finish()?;
    if let Some(now) = now {
        ns.set_clock(now, frozen);
    }
    Ok(Json(ns.clock_document()))
}

async fn resume_clock(Ns(ns): Ns) -> Json<ClockDocument> {
    ns.resume_clock();
    Json(ns.clock_document())
}
