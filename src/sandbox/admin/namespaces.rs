//! The namespaces themselves: `GET /__admin/namespaces` lists them with their counts,
//! `GET /__admin/ns/{name}` shows one, `DELETE /__admin/ns/{name}` removes one and all its
//! state (snapshots included), and `DELETE /__admin/namespaces?idleFor=1h` removes those no
//! request has used for that long. Every other control-plane route is offered per namespace
//! under `/__admin/ns/{name}/…` (see [`crate::http::namespace`]).

use std::time::Duration;

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Json;
use chrono::Utc;
use serde::Serialize;
use serde_json::{Value, json};

use super::error::AdminError;
use super::query::{PathParam, QueryParams};
use crate::AppState;
use crate::http::namespace;
use crate::store::NamespaceInfo;

/// A namespace as listed: its stored counts, and its journal's.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listed {
    #[serde(flatten)]
    info: NamespaceInfo,
    journal_entries: usize,
}

fn listed(state: &AppState, info: NamespaceInfo) -> Listed {
    let journal_entries = state.namespaces.served_one(&info.name).map_or(0, |namespace| namespace.journal.len());
    Listed { info, journal_entries }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct List {
    namespaces: Vec<Listed>,
    max_namespaces: usize,
}

pub async fn list(State(state): State<AppState>) -> Result<Json<List>, AdminError> {
    let namespaces: Vec<Listed> =
        state.store.namespaces().await?.into_iter().map(|info| listed(&state, info)).collect();
    let (_, max_namespaces) = state.store.namespace_count();
    Ok(Json(List { namespaces, max_namespaces }))
}

fn checked(name: &str) -> Result<(), AdminError> {
    if namespace::is_valid(name) { Ok(()) } else { Err(AdminError::bad_field("name", namespace::RULE)) }
}

fn no_such_namespace(name: &str) -> AdminError {
    AdminError::NotFound(format!("There is no namespace named {name}.").as_str().into())
}

pub async fn show(State(state): State<AppState>, PathParam(name): PathParam) -> Result<Json<Listed>, AdminError> {
    checked(&name)?;
    let info = state.store.namespaces().await?.into_iter().find(|info| info.name == name);
    let info = info.ok_or_else(|| no_such_namespace(&name))?;
    Ok(Json(listed(&state, info)))
}

pub async fn remove(State(state): State<AppState>, PathParam(name): PathParam) -> Result<StatusCode, AdminError> {
    checked(&name)?;
    if state.namespaces.delete(std::slice::from_ref(&name)).await?.is_empty() {
        return Err(no_such_namespace(&name));
    }
    tracing::info!(namespace = %name, "namespace deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// What `idleFor` must be.
const IDLE_HINT: &str = "must be a duration such as 90s, 30m, 1h or 7d";

/// Removes the namespaces no request has used for `idleFor`.
pub async fn remove_idle(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, AdminError> {
    let mut params = QueryParams::parse(&uri, &["idleFor"])?;
    let Some(text) = params.text("idleFor") else {
        params.finish()?;
        return Err(AdminError::bad_field("idleFor", format!("is required: {IDLE_HINT}")));
    };
    let idle_for = parse_duration(&text);
    if idle_for.is_none() {
        params.add_problem("idleFor", IDLE_HINT.to_owned());
    }
    params.finish()?;
    // Longer ago than time goes back: no namespace has been idle for so long.
    let before = idle_for
        .and_then(|idle_for| chrono::Duration::from_std(idle_for).ok())
        .and_then(|idle_for| Utc::now().checked_sub_signed(idle_for))
        .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
    let idle = state.store.idle_namespaces(before);
    let deleted = state.namespaces.delete(&idle).await?;
    tracing::info!(count = deleted.len(), "idle namespaces deleted");
    Ok(Json(json!({ "deleted": deleted })))
}

/// `90s`, `30m`, `1h`, `7d`, or a number of seconds.
fn parse_duration(text: &str) -> Option<Duration> {
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let number: u64 = number.parse().ok()?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(number.checked_mul(seconds)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_durations_read_in_seconds_minutes_hours_and_days() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("7d"), Some(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        for bad in ["", "h", "1w", "-1h", "1.5h", "1 h", "99999999999999999999d"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
