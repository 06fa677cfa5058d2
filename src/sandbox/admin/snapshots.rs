//! Snapshots: `POST /__admin/snapshots/{name}` saves the whole state under a name,
//! `POST /__admin/snapshots/{name}/restore` brings it back exactly (balances, purchases,
//! methods with their ids, defaults, payments, and the clock), `GET /__admin/snapshots` lists
//! them and `DELETE /__admin/snapshots/{name}` removes one. They live in SQLite, so they
//! survive restarts; a reset leaves them alone, and so does a restore to the journal and the
//! fault rules. A typical suite seeds once, saves, and restores before each test.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde_json::json;

use super::error::AdminError;
use super::query::PathParam;
use crate::AppState;
use crate::domain::names;
use crate::store::Restored;

fn checked(name: &str) -> Result<(), AdminError> {
    if names::is_valid(name) { Ok(()) } else { Err(AdminError::bad_field("name", names::RULE)) }
}

pub async fn save(State(state): State<AppState>, PathParam(name): PathParam) -> Result<Response, AdminError> {
    checked(&name)?;
    let now = state.clock.now();
    let replaced = state.store.save_snapshot(&name, state.clock.frozen(), now).await?;
    let created_at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let status = if replaced { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(json!({ "name": name, "createdAt": created_at })).into_response()).into_response())
}

pub async fn restore(State(state): State<AppState>, PathParam(name): PathParam) -> Result<StatusCode, AdminError> {
    checked(&name)?;
    match state.store.restore_snapshot(&name).await? {
        Restored::Done { frozen_at } => {
            match frozen_at {
                Some(instant) => state.clock.freeze(instant),
                None => state.clock.resume(),
            }
            tracing::info!(snapshot = %name, "sandbox restored from a snapshot");
            Ok(StatusCode::NO_CONTENT)
        }
        Restored::NoSuchSnapshot => {
            Err(AdminError::NotFound(format!("There is no snapshot named {name}.").as_str().into()))
        }
    }
}

pub async fn list(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AdminError> {
    Ok(Json(json!({ "snapshots": state.store.snapshots().await? })))
}

pub async fn remove(State(state): State<AppState>, PathParam(name): PathParam) -> Result<StatusCode, AdminError> {
    checked(&name)?;
    if state.store.delete_snapshot(&name).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AdminError::NotFound(format!("There is no snapshot named {name}.").as_str().into()))
    }
}
