//! `GET /__admin/state`: everything the sandbox holds, as a test would check it, read at one
//! instant (see [`crate::store::Snapshot`]). Passwords are left out and numbers are masked, as
//! everywhere. Query parameters narrow it: `user`, `account`, `since` (RFC 3339, for purchases
//! and payments) and `limit` (purchases per user and payments per account).

use axum::extract::OriginalUri;
use axum::response::Json;
use chrono::SecondsFormat;
use serde::Serialize;

use super::error::AdminError;
use super::query::QueryParams;
use crate::sandbox::namespaces::Ns;
use crate::store::{Click2MailState, HostwayState, SnapshotFilter};

/// The most history entries one document shows per user or account when asked for a limit.
const MAX_LIMIT: usize = 10_000;

/// The state document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateDocument {
    pub clock: ClockDocument,
    pub click2mail: Click2MailState,
    pub hostway: HostwayState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockDocument {
    pub now: String,
    pub frozen: bool,
}

pub async fn state(Ns(ns): Ns, OriginalUri(uri): OriginalUri) -> Result<Json<StateDocument>, AdminError> {
    let mut params = QueryParams::parse(&uri, &["user", "account", "since", "limit"])?;
    let filter = SnapshotFilter {
        user: params.text("user"),
        account: params.text("account"),
        since: params.instant("since"),
        limit: params.number("limit", 1, MAX_LIMIT),
    };
    params.finish()?;
    let snapshot = ns.store.snapshot(&filter).await?;
    Ok(Json(StateDocument {
        clock: ClockDocument {
            now: ns.clock.now().to_rfc3339_opts(SecondsFormat::Millis, true),
            frozen: ns.clock.frozen().is_some(),
        },
        click2mail: snapshot.click2mail,
        hostway: snapshot.hostway,
    }))
}
