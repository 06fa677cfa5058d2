//! `GET /__admin/state`: everything the sandbox holds, as a test would check it, read at one
//! instant (see [`crate::store::Snapshot`]). Passwords are left out and numbers are masked, as
//! everywhere. Query parameters narrow it: `user`, `account`, `since` (RFC 3339, for purchases
//! and payments) and `limit` (purchases per user and payments per account).

use axum::extract::OriginalUri;
use axum::response::Json;

use super::error::AdminError;
use super::query::QueryParams;
use crate::sandbox::control::StateDocument;
use crate::sandbox::namespaces::Ns;
use crate::store::SnapshotFilter;

/// The most history entries one document shows per user or account when asked for a limit.
const MAX_LIMIT: usize = 10_000;

pub async fn state(Ns(ns): Ns, OriginalUri(uri): OriginalUri) -> Result<Json<StateDocument>, AdminError> {
    let mut params = QueryParams::parse(&uri, &["user", "account", "since", "limit"])?;
    let filter = SnapshotFilter {
        user: params.text("user"),
        account: params.text("account"),
        since: params.instant("since"),
        limit: params.number("limit", 1, MAX_LIMIT),
    };
    params.finish()?;
    Ok(Json(ns.state(&filter).await?))
}
