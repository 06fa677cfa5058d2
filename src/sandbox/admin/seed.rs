//! Seeding: Click2Mail users and balances, Hostway accounts and users. A test suite isolates
//! itself by creating its own, with names no other test uses.

use axum::http::StatusCode;
use axum::response::Json;
use serde_json::{Value, json};

use super::body::AdminBody;
use super::error::AdminError;
use super::query::PathParam;
use crate::domain::money::Cents;
use crate::sandbox::namespaces::Ns;

/// `POST /__admin/click2mail/users` `{username, password, balance?}`.
pub async fn click2mail_user(Ns(ns): Ns, mut body: AdminBody) -> Result<(StatusCode, Json<Value>), AdminError> {
    let username = body.name("username");
    let password = body.string("password");
    let balance = body.amount("balance", false).unwrap_or(Cents::ZERO);
    body.finish()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(AdminError::bad_field("body", "is incomplete"));
    };
    ns.seed_click2mail_user(&username, &password, balance).await?;
    Ok((StatusCode::CREATED, Json(json!({ "username": username, "balance": balance.to_string() }))))
}

/// `PUT /__admin/click2mail/users/{username}/balance` `{balance}`.
pub async fn click2mail_balance(
    Ns(ns): Ns,
    PathParam(username): PathParam,
    mut body: AdminBody,
) -> Result<Json<Value>, AdminError> {
    let balance = body.amount("balance", true);
    body.finish()?;
    let balance = balance.unwrap_or(Cents::ZERO);
    ns.set_click2mail_balance(&username, balance).await?;
    Ok(Json(json!({ "username": username, "balance": balance.to_string() })))
}

/// `POST /__admin/hostway/accounts` `{id, allowOffline?}`.
pub async fn hostway_account(Ns(ns): Ns, mut body: AdminBody) -> Result<(StatusCode, Json<Value>), AdminError> {
    let id = body.name("id");
    let allow_offline = body.optional_bool("allowOffline");
    body.finish()?;
    let Some(id) = id else { return Err(AdminError::bad_field("id", "is required")) };
    ns.seed_hostway_account(&id, allow_offline).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id, "allowOffline": allow_offline }))))
}

/// `POST /__admin/hostway/users` `{username, password, salesAgent?, roles?: {accountId: [role…]}}`.
pub async fn hostway_user(Ns(ns): Ns, mut body: AdminBody) -> Result<(StatusCode, Json<Value>), AdminError> {
    let username = body.name("username");
    let password = body.string("password");
    let sales_agent = body.optional_bool("salesAgent");
    let roles = roles(&mut body);
    body.finish()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(AdminError::bad_field("body", "is incomplete"));
    };
    ns.seed_hostway_user(&username, &password, sales_agent, &roles).await?;
    let mut by_account = serde_json::Map::new();
    for (account, role) in &roles {
        let entry = by_account.entry(account.clone()).or_insert_with(|| json!([]));
        if let Value::Array(list) = entry {
            list.push(json!(role));
        }
    }
    Ok((StatusCode::CREATED, Json(json!({ "username": username, "salesAgent": sales_agent, "roles": by_account }))))
}

/// `roles` as (account id, role) pairs: an object whose values are arrays of role names.
fn roles(body: &mut AdminBody) -> Vec<(String, String)> {
    let hint = "must be an object of account ids to arrays of role names";
    let Some(value) = body.value("roles") else { return Vec::new() };
    let Some(object) = value.as_object() else {
        body.add_problem("roles", hint);
        return Vec::new();
    };
    let mut pairs = Vec::new();
    for (account, roles) in object {
        let names = roles.as_array().map(|roles| roles.iter().map(Value::as_str).collect::<Option<Vec<_>>>());
        match names.flatten() {
            Some(names) if names.iter().all(|name| !name.trim().is_empty()) => {
                for name in names {
                    let pair = (account.clone(), name.to_owned());
                    if !pairs.contains(&pair) {
                        pairs.push(pair);
                    }
                }
            }
            _ => {
                body.add_problem("roles", hint);
                return Vec::new();
            }
        }
    }
    pairs
}
