//! The request journal's routes: `GET /__admin/requests` (newest first),
//! `GET /__admin/requests/count`, `DELETE /__admin/requests`. Both reads take the same
//! filters as query parameters: `method`, `path` (a glob), `user`, `status`, `since`
//! (RFC 3339), and for the list `limit` (default 100).

use std::collections::BTreeMap;

use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::AdminError;
use crate::AppState;
use crate::journal::Filter;

#[derive(Debug, Default, Deserialize)]
struct Params {
    method: Option<String>,
    path: Option<String>,
    user: Option<String>,
    status: Option<String>,
    since: Option<String>,
    limit: Option<String>,
}

/// The filter and the limit, with every malformed parameter named.
fn parse(uri: &axum::http::Uri) -> Result<(Filter, usize), AdminError> {
    let params: Params = Query::try_from_uri(uri)
        .map(|Query(params)| params)
        .map_err(|err| AdminError::bad_field("query", err.body_text()))?;
    let mut problems = BTreeMap::new();
    let status = params.status.as_deref().and_then(|text| match text.parse::<u16>() {
        Ok(status) if (100..=599).contains(&status) => Some(status),
        _ => {
            problems.insert("status".to_owned(), "must be an HTTP status such as 409".to_owned());
            None
        }
    });
    let since = params.since.as_deref().and_then(|text| match DateTime::parse_from_rfc3339(text) {
        Ok(since) => Some(since.with_timezone(&Utc)),
        Err(_) => {
            problems.insert("since".to_owned(), "must be an RFC 3339 time such as 2030-12-31T23:59:59Z".to_owned());
            None
        }
    });
    let limit = match params.limit.as_deref().map(str::parse::<usize>) {
        None => 100,
        Some(Ok(limit)) => limit,
        Some(Err(_)) => {
            problems.insert("limit".to_owned(), "must be a whole number".to_owned());
            0
        }
    };
    if !problems.is_empty() {
        return Err(AdminError::BadRequest(problems));
    }
    Ok((Filter { method: params.method, path: params.path, user: params.user, status, since }, limit))
}

pub async fn list(State(state): State<AppState>, OriginalUri(uri): OriginalUri) -> Result<Json<Value>, AdminError> {
    let (filter, limit) = parse(&uri)?;
    Ok(Json(json!({ "requests": state.journal.find(&filter, limit) })))
}

pub async fn count(State(state): State<AppState>, OriginalUri(uri): OriginalUri) -> Result<Json<Value>, AdminError> {
    let (filter, _) = parse(&uri)?;
    Ok(Json(json!({ "count": state.journal.count(&filter) })))
}

pub async fn clear(State(state): State<AppState>) -> StatusCode {
    state.journal.clear();
    StatusCode::NO_CONTENT
}
