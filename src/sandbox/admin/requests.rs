//! The request journal's routes: `GET /__admin/requests` (newest first),
//! `GET /__admin/requests/count`, `DELETE /__admin/requests`, each for one namespace. Both
//! reads take the same filters as query parameters: `method`, `path` (a glob), `user`,
//! `status`, `since` (RFC 3339), `after` (an entry id: the entries since it), `outcome`, and for the list `limit` (default 100); with
//! `namespace=*` they read the journals of every namespace as one, each entry naming its
//! namespace. An unknown or repeated parameter is refused, so that a typo never reads as
//! "no filter".

use std::sync::Arc;

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::error::AdminError;
use super::query::QueryParams;
use crate::AppState;
use crate::sandbox::journal::{Entry, Filter, Outcome};
use crate::sandbox::namespaces::Ns;

/// The filters both reads take.
const FILTERS: [&str; 8] = ["method", "path", "user", "status", "since", "after", "outcome", "namespace"];

/// Which journals a read reads.
enum Journals {
    /// The namespace's own.
    One,
    /// Every namespace's, as one.
    All,
}

/// The filter, which journals to read, and the limit when `takes_limit`, with every unknown,
/// repeated or malformed query parameter named.
fn parse(uri: &axum::http::Uri, takes_limit: bool) -> Result<(Filter, Journals, usize), AdminError> {
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
    let after = params.number("after", 0, usize::MAX).map(|after| after as u64);
    let limit = params.number("limit", 0, usize::MAX).unwrap_or(100);
    let outcome = params.text("outcome").and_then(|name| {
        let outcome = Outcome::parse(&name);
        if outcome.is_none() {
            params.add_problem("outcome", format!("must be one of {}", Outcome::NAMES.join(", ")));
        }
        outcome
    });
    let journals = match params.text("namespace").as_deref() {
        None => Journals::One,
        Some("*") => Journals::All,
        Some(_) => {
            params.add_problem(
                "namespace",
                "must be * for every namespace; for one namespace, use /__admin/ns/{name}/requests".to_owned(),
            );
            Journals::One
        }
    };
    let filter = Filter {
        method: params.text("method"),
        path: params.text("path"),
        user: params.text("user"),
        status,
        since,
        after,
        outcome,
    };
    params.finish()?;
    Ok((filter, journals, limit))
}

/// The body of a list.
#[derive(Serialize)]
struct Requests<'a> {
    requests: Vec<&'a Entry>,
}

pub async fn list(
    State(state): State<AppState>,
    Ns(ns): Ns,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AdminError> {
    let requests = match parse(&uri, true)? {
        (filter, Journals::One, limit) => ns.journal.find_shared(&filter, limit),
        (filter, Journals::All, limit) => {
            let mut found: Vec<Arc<Entry>> = state
                .namespaces
                .served()
                .iter()
                .flat_map(|namespace| namespace.journal.find_shared(&filter, limit))
                .collect();
            found.sort_by_key(|entry| std::cmp::Reverse(entry.id));
            found.truncate(limit);
            found
        }
    };
    let requests: Vec<&Entry> = requests.iter().map(|entry| &**entry).collect();
    // Written straight from the entries, with no JSON value built in between.
    Ok(Json(Requests { requests }).into_response())
}

pub async fn count(
    State(state): State<AppState>,
    Ns(ns): Ns,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, AdminError> {
    let count = match parse(&uri, false)? {
        (filter, Journals::One, _) => ns.journal.count(&filter),
        (filter, Journals::All, _) => {
            state.namespaces.served().iter().map(|namespace| namespace.journal.count(&filter)).sum()
        }
    };
    Ok(Json(json!({ "count": count })))
}

pub async fn clear(Ns(ns): Ns) -> StatusCode {
    ns.clear_journal();
    StatusCode::NO_CONTENT
}
