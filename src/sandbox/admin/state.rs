//! `GET /__admin/state`: everything the sandbox holds, as a test would check it, read at one
//! instant (see [`crate::store::Snapshot`]). Passwords are left out and numbers are masked, as
//! everywhere. Query parameters narrow it: `user`, `account`, `since` (RFC 3339, for purchases
//! and payments), `limit` (purchases per user and payments per account, the oldest first, to
//! page through them) and `newest` (only the newest purchases per user and payments per
//! account, as a dashboard shows them).

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
    let mut params = QueryParams::parse(&uri, &["user", "account", "since", "limit", "newest"])?;
    let filter = SnapshotFilter {
        user: params.text("user"),
        account: params.text("account"),
        since: params.instant("since"),
        limit: params.number("limit", 1, MAX_LIMIT),
        newest: params.number("newest", 1, MAX_LIMIT),
    };
    if filter.limit.is_some() && filter.newest.is_some() {
        params.add_problem(
            "newest",
            "cannot be given with limit: limit pages from the oldest, newest keeps the newest".to_owned(),
        );
    }
    params.finish()?;
    Ok(Json(ns.state(&filter).await?))
}
