//! Snapshots: `POST /__admin/snapshots/{name}` saves the whole state under a name,
//! `POST /__admin/snapshots/{name}/restore` brings it back exactly (balances, purchases,
//! methods with their ids, defaults, payments, and the clock), `GET /__admin/snapshots` lists
//! them and `DELETE /__admin/snapshots/{name}` removes one. They live in SQLite, so they
//! survive restarts; a reset leaves them alone, and so does a restore to the journal and the
//! fault rules. A typical suite seeds once, saves, and restores before each test.

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde_json::json;

use super::error::AdminError;
use super::query::{PathParam, QueryParams};
use crate::AppState;
use crate::domain::names;
use crate::http::namespace;
use crate::sandbox::control::no_such_snapshot;
use crate::sandbox::namespaces::Ns;

fn checked(name: &str) -> Result<(), AdminError> {
    if names::is_valid(name) { Ok(()) } else { Err(AdminError::bad_field("name", names::RULE)) }
}

pub async fn save(Ns(ns): Ns, PathParam(name): PathParam) -> Result<Response, AdminError> {
    checked(&name)?;
    let (saved, replaced) = ns.save_snapshot(&name).await?;
    let status = if replaced { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(saved)).into_response())
}

/// Restores the snapshot into its own namespace, or with `?into=NAME` into that one, which
/// clones it.
pub async fn restore(
    State(state): State<AppState>,
    Ns(ns): Ns,
    PathParam(name): PathParam,
    OriginalUri(uri): OriginalUri,
) -> Result<StatusCode, AdminError> {
    checked(&name)?;
    let mut params = QueryParams::parse(&uri, &["into"])?;
    let into = params.text("into");
    if let Some(into) = &into
        && !namespace::is_valid(into)
    {
        params.add_problem("into", namespace::RULE.to_owned());
    }
    params.finish()?;
    let target = match into {
        // Only a snapshot that exists makes the namespace it is restored into.
        Some(_) if !ns.store.snapshots().await?.iter().any(|snapshot| snapshot.name == name) => {
            return Err(no_such_snapshot(&name));
        }
        Some(into) => state.namespaces.get(&into).await?,
        None => ns.clone(),
    };
    target.restore_snapshot(&ns, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list(Ns(ns): Ns) -> Result<Json<serde_json::Value>, AdminError> {
    Ok(Json(json!({ "snapshots": ns.store.snapshots().await? })))
}

pub async fn remove(Ns(ns): Ns, PathParam(name): PathParam) -> Result<StatusCode, AdminError> {
    checked(&name)?;
    if ns.store.delete_snapshot(&name).await? { Ok(StatusCode::NO_CONTENT) } else { Err(no_such_snapshot(&name)) }
}
