//! The request journal's routes: `GET /__admin/requests` (newest first),
//! `GET /__admin/requests/count`, `GET /__admin/requests/{id}` (one entry in full) and
//! `DELETE /__admin/requests`, each for one namespace. Both reads of many take the same
//! filters as query parameters: `method`, `path` (a glob), `user`, `status`, `since`
//! (RFC 3339), `after` (an entry id: the entries since it), `outcome`, and for the list `limit`
//! (default 100) and `view` (`full`, the default, or `summary`: each entry without its headers
//! and bodies, which is what a table of traffic needs); with `namespace=*` they read the
//! journals of every namespace as one, each entry naming its namespace. An unknown or repeated
//! parameter is refused, so that a typo never reads as "no filter".

use std::sync::Arc;

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::error::AdminError;
use super::query::{PathParam, QueryParams};
use crate::AppState;
use crate::sandbox::faults::DropKind;
use crate::sandbox::journal::{Entry, Filter, Outcome, journal_time};
use crate::sandbox::namespaces::Ns;

/// The filters both reads take.
const FILTERS: [&str; 8] = ["method", "path", "user", "status", "since", "after", "outcome", "namespace"];

/// How much of each entry a list shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Full,
    /// Without headers and bodies.
    Summary,
}

/// What a read of many asks for.
struct Read {
    filter: Filter,
    journals: Journals,
    limit: usize,
    view: View,
}

/// Which journals a read reads.
enum Journals {
    /// The namespace's own.
    One,
    /// Every namespace's, as one.
    All,
}

/// The filter, which journals to read, and for a list (`is_list`) the limit and the view, with
/// every unknown, repeated or malformed query parameter named.
fn parse(uri: &axum::http::Uri, is_list: bool) -> Result<Read, AdminError> {
    let list_only = if is_list { &["limit", "view"][..] } else { &[] };
    let known: Vec<&str> = FILTERS.iter().chain(list_only).copied().collect();
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
    let view = match params.text("view").as_deref() {
        None | Some("full") => View::Full,
        Some("summary") => View::Summary,
        Some(_) => {
            params.add_problem(
                "view",
                "must be full (each entry with its headers and bodies) or summary (without them)".to_owned(),
            );
            View::Full
        }
    };
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
    Ok(Read { filter, journals, limit, view })
}

/// The body of a list.
#[derive(Serialize)]
struct Requests<T> {
    requests: Vec<T>,
}

/// An entry without its headers and bodies.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary<'a> {
    id: u64,
    namespace: &'a str,
    #[serde(serialize_with = "journal_time")]
    time: DateTime<Utc>,
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    user: Option<&'a str>,
    status: u16,
    dropped: Option<DropKind>,
    outcome: Outcome,
    reason: &'a str,
    duration_ms: f64,
}

impl<'a> From<&'a Entry> for Summary<'a> {
    fn from(entry: &'a Entry) -> Self {
        Summary {
            id: entry.id,
            namespace: &entry.namespace,
            time: entry.at,
            method: &entry.method,
            path: &entry.path,
            query: entry.query.as_deref(),
            user: entry.user.as_deref(),
            status: entry.status,
            dropped: entry.dropped,
            outcome: entry.outcome,
            reason: &entry.reason,
            duration_ms: entry.duration_ms,
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    Ns(ns): Ns,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AdminError> {
    let Read { filter, journals, limit, view } = parse(&uri, true)?;
    let requests = match journals {
        Journals::One => ns.journal.find_shared(&filter, limit),
        Journals::All => {
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
    // Written straight from the entries, with no JSON value built in between.
    let entries = requests.iter().map(|entry| &**entry);
    Ok(match view {
        View::Full => Json(Requests { requests: entries.collect() }).into_response(),
        View::Summary => Json(Requests { requests: entries.map(Summary::from).collect() }).into_response(),
    })
}

/// One entry, in full: what a table of summaries opens.
pub async fn show(Ns(ns): Ns, PathParam(id): PathParam) -> Result<Json<Entry>, AdminError> {
    id.parse()
        .ok()
        .and_then(|id| ns.journal.get(id))
        .map(|entry| Json(Entry::clone(&entry)))
        .ok_or_else(|| AdminError::NotFound(format!("There is no journal entry {id} in this namespace.").into()))
}

pub async fn count(
    State(state): State<AppState>,
    Ns(ns): Ns,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Value>, AdminError> {
    let Read { filter, journals, .. } = parse(&uri, false)?;
    let count = match journals {
        Journals::One => ns.journal.count(&filter),
        Journals::All => state.namespaces.served().iter().map(|namespace| namespace.journal.count(&filter)).sum(),
    };
    Ok(Json(json!({ "count": count })))
}

pub async fn clear(Ns(ns): Ns) -> StatusCode {
    ns.clear_journal();
    StatusCode::NO_CONTENT
}
