//! `GET /__admin/state`: everything the sandbox holds, as a test would check it. Passwords are
//! left out and numbers are masked, as everywhere.

use axum::extract::State;
use axum::response::Json;
use chrono::SecondsFormat;
use serde_json::{Value, json};

use super::error::AdminError;
use crate::AppState;
use crate::store::DefaultMethod;
use crate::vendors::hostway::method_id;

pub async fn state(State(state): State<AppState>) -> Result<Json<Value>, AdminError> {
    let store = &state.store;

    let mut click2mail_users = Vec::new();
    for (username, balance) in store.click2mail_balances().await? {
        let purchases: Vec<Value> = store
            .click2mail_purchases(&username)
            .await?
            .into_iter()
            .map(|purchase| {
                json!({
                    "amount": purchase.amount.to_string(),
                    "cardBrand": purchase.card_brand,
                    "cardLastFour": purchase.card_last_four,
                    "purchasedAt": purchase.purchased_at,
                })
            })
            .collect();
        click2mail_users.push(json!({ "username": username, "balance": balance.to_string(), "purchases": purchases }));
    }

    let mut accounts = Vec::new();
    for (id, account) in store.hostway_accounts().await? {
        let methods = store.payment_methods(&id).await?;
        let default = match account.default {
            DefaultMethod::None => Value::Null,
            DefaultMethod::Offline => json!("offline"),
            DefaultMethod::Saved(saved) => methods
                .iter()
                .find(|method| method.id == saved)
                .map_or(Value::Null, |method| json!(method_id(method.kind, method.id))),
        };
        let payment_methods: Vec<Value> = methods
            .iter()
            .map(|method| {
                json!({
                    "id": method_id(method.kind, method.id),
                    "paymentInfoType": method.kind.name(),
                    "accountNumber": method.number_masked,
                    "creditCardType": method.card_brand,
                    "expirationDate": method.expiration,
                    "routingNumber": method.routing_number,
                })
            })
            .collect();
        let payments: Vec<Value> = store
            .payments(&id)
            .await?
            .into_iter()
            .map(|payment| {
                let method = methods.iter().find(|method| method.id == payment.payment_method_id);
                json!({
                    "paymentInfo": method.map(|method| method_id(method.kind, method.id)),
                    "amount": payment.amount.to_string(),
                    "status": payment.status,
                })
            })
            .collect();
        accounts.push(json!({
            "id": id,
            "allowOffline": account.allow_offline,
            "default": default,
            "paymentMethods": payment_methods,
            "payments": payments,
        }));
    }

    let users: Vec<Value> = store
        .hostway_users()
        .await?
        .into_iter()
        .map(|user| {
            let mut roles = serde_json::Map::new();
            for (account, role) in user.roles {
                if let Value::Array(list) = roles.entry(account).or_insert_with(|| json!([])) {
                    list.push(json!(role));
                }
            }
            json!({ "username": user.username, "salesAgent": user.is_sales_agent, "roles": roles })
        })
        .collect();

    Ok(Json(json!({
        "clock": {
            "now": state.clock.now().to_rfc3339_opts(SecondsFormat::Millis, true),
            "frozen": state.clock.frozen().is_some(),
        },
        "click2mail": { "users": click2mail_users },
        "hostway": { "accounts": accounts, "users": users },
    })))
}
