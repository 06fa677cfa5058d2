//! Fault rules: `POST /__admin/faults`, `GET /__admin/faults`, `DELETE /__admin/faults` and
//! `DELETE /__admin/faults/{id}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Json;
use serde_json::{Map, Value, json};

use super::body::AdminBody;
use super::error::AdminError;
use crate::AppState;
use crate::sandbox::faults::{Action, DropKind, MAX_DELAY_MS, Match, STATUSES};

/// `{match: {method?, path?, user?}, action: {delayMs?, status?, body?, drop?}, times?}`.
pub async fn add(State(state): State<AppState>, mut body: AdminBody) -> Result<(StatusCode, Json<Value>), AdminError> {
    let empty = Map::new();
    let matches_value = body.value("match").cloned();
    let matches_object = match &matches_value {
        None => Some(&empty),
        Some(Value::Object(object)) => Some(object),
        Some(_) => {
            body.add_problem("match", "must be an object");
            None
        }
    };
    let mut matches = Match::default();
    if let Some(object) = matches_object {
        matches.method = optional_string(&mut body, object, "match.method");
        matches.path = optional_string(&mut body, object, "match.path");
        matches.user = optional_string(&mut body, object, "match.user");
    }

    let action_value = body.value("action").cloned();
    let mut action = Action::default();
    match &action_value {
        Some(Value::Object(object)) => {
            action.delay_ms = match object.get("delayMs") {
                None | Some(Value::Null) => None,
                Some(value) => value.as_u64().filter(|delay| *delay <= MAX_DELAY_MS).or_else(|| {
                    body.add_problem("action.delayMs", &format!("must be milliseconds from 0 to {MAX_DELAY_MS}"));
                    None
                }),
            };
            action.status = match object.get("status") {
                None | Some(Value::Null) => None,
                Some(value) => {
                    let status = value.as_u64().and_then(|status| u16::try_from(status).ok());
                    status.filter(|status| STATUSES.contains(status)).or_else(|| {
                        body.add_problem("action.status", "must be an HTTP status from 200 to 599");
                        None
                    })
                }
            };
            action.body = optional_string(&mut body, object, "action.body");
            action.drop =
                match object.get("drop").and_then(|value| if value.is_null() { None } else { Some(value.as_str()) }) {
                    None => None,
                    Some(Some("reset")) => Some(DropKind::Reset),
                    Some(Some("empty")) => Some(DropKind::Empty),
                    Some(_) => {
                        body.add_problem("action.drop", "must be \"reset\" or \"empty\"");
                        None
                    }
                };
            if action.body.is_some() && action.status.is_none() {
                body.add_problem("action.body", "goes with a status");
            }
            let does_something = action.delay_ms.is_some() || action.status.is_some() || action.drop.is_some();
            let named =
                ["delayMs", "status", "drop"].iter().any(|key| object.get(*key).is_some_and(|value| !value.is_null()));
            if !does_something && !named {
                body.add_problem("action", "needs delayMs, status or drop");
            }
        }
        None => body.add_problem("action", "is required"),
        Some(_) => body.add_problem("action", "must be an object"),
    }

    let times = match body.value("times").cloned() {
        None => None,
        Some(value) => {
            value.as_u64().filter(|times| *times >= 1).and_then(|times| u32::try_from(times).ok()).or_else(|| {
                body.add_problem("times", "must be a whole number of at least 1");
                None
            })
        }
    };
    body.finish()?;
    let id = state.faults.add(matches, action, times);
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

fn optional_string(body: &mut AdminBody, object: &Map<String, Value>, field: &str) -> Option<String> {
    let name = field.rsplit('.').next().unwrap_or(field);
    match object.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            body.add_problem(field, "must be a string");
            None
        }
    }
}

pub async fn list(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "faults": state.faults.list() }))
}

pub async fn clear(State(state): State<AppState>) -> StatusCode {
    state.faults.clear();
    StatusCode::NO_CONTENT
}

pub async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, AdminError> {
    let removed = id.parse().is_ok_and(|id| state.faults.remove(id));
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AdminError::NotFound(format!("There is no fault {id}.").into()))
    }
}
