//! `GET /__admin/export`: every namespace's state as one JSON document (see
//! [`crate::store::Export`]), with each frozen clock; `POST /__admin/import` loads such a
//! document, replacing the state of each namespace it names and setting its clock, in one
//! transaction. A team checks a scenario into its repository and loads it in CI.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Json;
use chrono::SecondsFormat;
use serde_json::{Value, json};

use super::error::AdminError;
use crate::AppState;
use crate::domain::clock::parse_instant;
use crate::domain::mask::Masked;
use crate::store::Export;

pub async fn export(State(state): State<AppState>) -> Result<Json<Export>, AdminError> {
    let mut document = state.store.export().await?;
    for namespace in &mut document.namespaces {
        let frozen = state.namespaces.served_one(&namespace.name).and_then(|served| served.clock.frozen());
        namespace.frozen_at = frozen.map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true));
    }
    Ok(Json(document))
}

pub async fn import(State(state): State<AppState>, body: Bytes) -> Result<Json<Value>, AdminError> {
    let document: Export = serde_json::from_slice(&body).map_err(|err| {
        AdminError::bad_field("body", format!("is not an export document: {}", Masked::new(&err.to_string())))
    })?;
    let problems = document.problems();
    if !problems.is_empty() {
        return Err(AdminError::BadRequest(problems));
    }
    let clocks: Vec<(String, Option<String>)> =
        document.namespaces.iter().map(|namespace| (namespace.name.clone(), namespace.frozen_at.clone())).collect();
    let imported = state.store.import(document).await?;
    for (name, frozen_at) in clocks {
        let namespace = state.namespaces.in_memory(&name);
        match frozen_at.as_deref().and_then(parse_instant) {
            Some(instant) => namespace.clock.freeze(instant),
            None => namespace.clock.resume(),
        }
    }
    tracing::info!(namespaces = imported.len(), "state imported");
    Ok(Json(json!({ "imported": imported })))
}
