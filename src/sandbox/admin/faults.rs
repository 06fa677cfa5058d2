//! Fault rules: `POST /__admin/faults`, `GET /__admin/faults`, `DELETE /__admin/faults` and
//! `DELETE /__admin/faults/{id}`.

use axum::http::StatusCode;
use axum::response::Json;
use serde_json::{Value, json};

use super::body::AdminBody;
use super::error::AdminError;
use super::query::PathParam;
use crate::sandbox::control::FaultRule;
use crate::sandbox::faults::{DropKind, MAX_DELAY_MS, STATUSES};
use crate::sandbox::namespaces::Ns;

/// `{match: {method?, path?, user?}, action: {delayMs?, status?, body?, contentType?, drop?}, times?}`.
pub async fn add(Ns(ns): Ns, mut body: AdminBody) -> Result<(StatusCode, Json<Value>), AdminError> {
    let mut rule = FaultRule::default();
    if let Some(mut fields) = body.nested("match") {
        rule.matches.method = fields.optional_string("method");
        rule.matches.path = fields.optional_string("path");
        rule.matches.user = fields.optional_string("user");
        body.absorb(fields);
    }

    let given = body.given("action");
    // Whether the action names what it does, even if wrongly: then it needs no more telling.
    let mut named = false;
    match body.nested("action") {
        Some(mut fields) => {
            let delay_hint = format!("must be milliseconds from 0 to {MAX_DELAY_MS}");
            rule.action.delay_ms = fields.optional_whole("delayMs", 0..=MAX_DELAY_MS, &delay_hint);
            let statuses = u64::from(*STATUSES.start())..=u64::from(*STATUSES.end());
            rule.action.status = fields
                .optional_whole("status", statuses, "must be an HTTP status from 200 to 599")
                .and_then(|status| u16::try_from(status).ok());
            rule.action.body = fields.optional_string("body");
            rule.action.content_type = fields.optional_string("contentType");
            rule.action.drop = match fields.value("drop") {
                None => None,
                Some(Value::String(drop)) if drop == "reset" => Some(DropKind::Reset),
                Some(Value::String(drop)) if drop == "empty" => Some(DropKind::Empty),
                Some(_) => {
                    fields.add_problem("drop", "must be \"reset\" or \"empty\"");
                    None
                }
            };
            named = ["delayMs", "status", "drop"].into_iter().any(|field| fields.given(field));
            body.absorb(fields);
        }
        None if !given => body.add_problem("action", "is required"),
        // Not an object: already named.
        None => named = true,
    }
    let times = body.optional_whole("times", 1..=u64::from(u32::MAX), "must be a whole number of at least 1");
    rule.times = times.and_then(|times| u32::try_from(times).ok());
    for (field, hint) in rule.problems() {
        match field {
            "action" if named || !given => {}
            "action" | "times" => body.add_problem(field, &hint),
            _ => body.add_problem(&format!("action.{field}"), &hint),
        }
    }
    body.finish()?;
    let id = ns.add_fault(rule)?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

pub async fn list(Ns(ns): Ns) -> Json<Value> {
    Json(json!({ "faults": ns.faults.list() }))
}

pub async fn clear(Ns(ns): Ns) -> StatusCode {
    ns.clear_faults();
    StatusCode::NO_CONTENT
}

pub async fn remove(Ns(ns): Ns, PathParam(id): PathParam) -> Result<StatusCode, AdminError> {
    let removed = id.parse().is_ok_and(|id| ns.remove_fault(id));
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AdminError::NotFound(format!("There is no fault {id}.").into()))
    }
}
