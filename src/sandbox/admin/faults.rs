//! Fault rules: `POST /__admin/faults`, `GET /__admin/faults`, `DELETE /__admin/faults` and
//! `DELETE /__admin/faults/{id}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::Json;
use serde_json::{Value, json};

use super::body::AdminBody;
use super::error::AdminError;
use super::query::PathParam;
use crate::http::request_body;
use crate::sandbox::faults::{Action, BODILESS, DropKind, MAX_DELAY_MS, Match, STATUSES};
use crate::sandbox::namespaces::Ns;

/// `{match: {method?, path?, user?}, action: {delayMs?, status?, body?, contentType?, drop?}, times?}`.
pub async fn add(Ns(ns): Ns, mut body: AdminBody) -> Result<(StatusCode, Json<Value>), AdminError> {
    let mut matches = Match::default();
    if let Some(mut fields) = body.nested("match") {
        matches.method = fields.optional_string("method");
        matches.path = fields.optional_string("path");
        matches.user = fields.optional_string("user");
        body.absorb(fields);
    }

    let mut action = Action::default();
    let given = body.given("action");
    match body.nested("action") {
        Some(mut fields) => {
            let delay_hint = format!("must be milliseconds from 0 to {MAX_DELAY_MS}");
            action.delay_ms = fields.optional_whole("delayMs", 0..=MAX_DELAY_MS, &delay_hint);
            let statuses = u64::from(*STATUSES.start())..=u64::from(*STATUSES.end());
            action.status = fields
                .optional_whole("status", statuses, "must be an HTTP status from 200 to 599")
                .and_then(|status| u16::try_from(status).ok());
            action.body = fields.optional_string("body");
            action.content_type = fields.optional_string("contentType");
            action.drop = match fields.value("drop") {
                None => None,
                Some(Value::String(drop)) if drop == "reset" => Some(DropKind::Reset),
                Some(Value::String(drop)) if drop == "empty" => Some(DropKind::Empty),
                Some(_) => {
                    fields.add_problem("drop", "must be \"reset\" or \"empty\"");
                    None
                }
            };
            if action.body.is_some() && action.status.is_none() {
                fields.add_problem("body", "goes with a status");
            }
            if action.body.is_some() && action.status.is_some_and(|status| BODILESS.contains(&status)) {
                fields.add_problem("body", "cannot go with status 204 or 304, which carry no body");
            }
            if let Some(content_type) = &action.content_type {
                if action.body.is_none() {
                    fields.add_problem("contentType", "goes with a body");
                } else if !is_media_type(content_type) {
                    fields.add_problem("contentType", "must be a media type such as application/json");
                }
            }
            if action.drop.is_some() && (fields.given("status") || fields.given("body")) {
                fields.add_problem("drop", "cannot go with status or body: a dropped connection answers nothing");
            }
            let named = ["delayMs", "status", "drop"].into_iter().any(|field| fields.given(field));
            body.absorb(fields);
            if !named {
                body.add_problem("action", "needs delayMs, status or drop");
            }
        }
        None if !given => body.add_problem("action", "is required"),
        // Not an object: already named.
        None => {}
    }

    let times = body.optional_whole("times", 1..=u64::from(u32::MAX), "must be a whole number of at least 1");
    body.finish()?;
    let times = times.and_then(|times| u32::try_from(times).ok());
    let id = ns.faults.add(matches, action, times);
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

/// `type/subtype`, perhaps with parameters, fit to be a header value.
fn is_media_type(text: &str) -> bool {
    let media_type = request_body::media_type(text);
    let token =
        |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b));
    let shaped = media_type.split_once('/').is_some_and(|(kind, subtype)| token(kind) && token(subtype));
    shaped && HeaderValue::from_str(text).is_ok()
}

pub async fn list(Ns(ns): Ns) -> Json<Value> {
    Json(json!({ "faults": ns.faults.list() }))
}

pub async fn clear(Ns(ns): Ns) -> StatusCode {
    ns.faults.clear();
    StatusCode::NO_CONTENT
}

pub async fn remove(Ns(ns): Ns, PathParam(id): PathParam) -> Result<StatusCode, AdminError> {
    let removed = id.parse().is_ok_and(|id| ns.faults.remove(id));
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AdminError::NotFound(format!("There is no fault {id}.").into()))
    }
}
