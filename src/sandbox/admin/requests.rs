//! The request journal's routes: `GET /__admin/requests` (newest first),
//! `GET /__admin/requests/count`, `DELETE /__admin/requests`. Both reads take the same
//! filters as query parameters: `method`, `path` (a glob), `user`, `status`, `since`
//! (RFC 3339), and for the list `limit` (default 100). An unknown or repeated parameter is
//! refused, so that a typo never reads as "no filter".

use std::collections::BTreeMap;

use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Json;
use serde_json::{Value, json};

use super::error::AdminError;
use crate::AppState;
use crate::domain::clock;
use crate::sandbox::journal::Filter;

/// The filters both reads take.
const FILTERS: [&str; 5] = ["method", "path", "user", "status", "since"];

/// The filter, and the limit when `takes_limit`, with every unknown, repeated or malformed
/// query parameter named.
fn parse(uri: &axum::http::Uri, takes_limit: bool) -> Result<(Filter, usize), AdminError> {
    let pairs: Vec<(String, String)> = Query::try_from_uri(uri)
        .map(|Query(pairs)| pairs)
        .map_err(|err| AdminError::BadQuery(BTreeMap::from([("query".to_owned(), err.body_text())])))?;
    let mut problems = BTreeMap::new();
    let mut given: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, value) in &pairs {
        let known = FILTERS.contains(&name.as_str()) || (takes_limit && name == "limit");
        if !known {
            let names = if takes_limit {
                "method, path, user, status, since or limit"
            } else {
                "method, path, user, status or since"
            };
            problems.insert(name.clone(), format!("is not a parameter of this route; use {names}"));
        } else if given.insert(name, value).is_some() {
            problems.insert(name.clone(), "is given more than once".to_owned());
        }
    }
    let status = given.get("status").and_then(|text| match text.parse::<u16>() {
        Ok(status) if (100..=599).contains(&status) => Some(status),
        _ => {
            problems.insert("status".to_owned(), "must be an HTTP status such as 409".to_owned());
            None
        }
    });
    let since = given.get("since").and_then(|text| {
        let since = clock::parse_instant(text);
        if since.is_none() {
            problems.insert("since".to_owned(), clock::INSTANT_HINT.to_owned());
        }
        since
    });
    let limit = match given.get("limit").map(|text| text.parse::<usize>()) {
        None => 100,
        Some(Ok(limit)) => limit,
        Some(Err(_)) => {
            problems.insert("limit".to_owned(), "must be a whole number".to_owned());
            0
        }
    };
    if !problems.is_empty() {
        return Err(AdminError::BadQuery(problems));
    }
    let text = |name: &str| given.get(name).map(|value| value.to_string());
    Ok((Filter { method: text("method"), path: text("path"), user: text("user"), status, since }, limit))
}

pub async fn list(State(state): State<AppState>, OriginalUri(uri): OriginalUri) -> Result<Json<Value>, AdminError> {
    let (filter, limit) = parse(&uri, true)?;
    Ok(Json(json!({ "requests": state.journal.find(&filter, limit) })))
}

pub async fn count(State(state): State<AppState>, OriginalUri(uri): OriginalUri) -> Result<Json<Value>, AdminError> {
    let (filter, _) = parse(&uri, false)?;
    Ok(Json(json!({ "count": state.journal.count(&filter) })))
}

pub async fn clear(State(state): State<AppState>) -> StatusCode {
    state.journal.clear();
    StatusCode::NO_CONTENT
}
