//! The request journal's routes: `GET /__admin/requests` (newest first),
//! `GET /__admin/requests/count`, `DELETE /__admin/requests`. Both reads take the same
//! filters as query parameters: `method`, `path` (a glob), `user`, `status`, `since`
//! (RFC 3339), `outcome`, and for the list `limit` (default 100). An unknown or repeated parameter is
//! refused, so that a typo never reads as "no filter".

use axum::extract::OriginalUri;
use axum::http::StatusCode;
use axum::response::Json;
use serde_json::{Value, json};

use super::error::AdminError;
use super::query::QueryParams;
use crate::sandbox::journal::{Filter, Outcome};
use crate::sandbox::namespaces::Ns;

/// The filters both reads take.
const FILTERS: [&str; 6] = ["method", "path", "user", "status", "since", "outcome"];

/// The filter, and the limit when `takes_limit`, with every unknown, repeated or malformed
/// query parameter named.
fn parse(uri: &axum::http::Uri, takes_limit: bool) -> Result<(Filter, usize), AdminError> {
    let known: Vec<&str> = FILTERS.iter().copied().chain(takes_limit.then_some("limit")).collect();
    let mut params = QueryParams::parse(uri, &known)?;
    let status = params.text("status").and_then(|text| match text.parse::<u16>() {
        // 0 is the status of an entry no response was sent for (dropped or abandoned).
        Ok(status) if status == 0 || (100..=599).contains(&status) => Some(status),
        _ => {
            params.add_problem(
                "status",
                "must be an HTTP status such as 409, or 0 for requests no response was sent for".to_owned(),
            );
            None
        }
    });
    let since = params.instant("since");
    let limit = params.number("limit", 0, usize::MAX).unwrap_or(100);
    let outcome = params.text("outcome").and_then(|name| {
        let outcome = Outcome::parse(&name);
        if outcome.is_none() {
            params.add_problem("outcome", format!("must be one of {}", Outcome::NAMES.join(", ")));
        }
        outcome
    });
    let filter = Filter {
        method: params.text("method"),
        path: params.text("path"),
        user: params.text("user"),
        status,
        since,
        outcome,
    };
    params.finish()?;
    Ok((filter, limit))
}

pub async fn list(Ns(ns): Ns, OriginalUri(uri): OriginalUri) -> Result<Json<Value>, AdminError> {
    let (filter, limit) = parse(&uri, true)?;
    Ok(Json(json!({ "requests": ns.journal.find(&filter, limit) })))
}

pub async fn count(Ns(ns): Ns, OriginalUri(uri): OriginalUri) -> Result<Json<Value>, AdminError> {
    let (filter, _) = parse(&uri, false)?;
    Ok(Json(json!({ "count": ns.journal.count(&filter) })))
}

pub async fn clear(Ns(ns): Ns) -> StatusCode {
    ns.journal.clear();
    StatusCode::NO_CONTENT
}
