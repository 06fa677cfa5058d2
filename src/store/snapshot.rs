//! The whole state as one consistent document, for `GET /__admin/state`: everything is read in
//! one SQLite read transaction, so a snapshot taken while purchases commit never shows a
//! balance without its purchase, a default without its method, or a payment without its
//! method. It can be narrowed to one user or account, to history since an instant, and to a
//! number of history entries per user or account.
//!
//! These are the types the control plane serialises; passwords are never among them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqliteConnection;

use super::hostway::MethodKind;
use super::{Error, NamespaceStore, timestamp};
use crate::domain::money::Cents;

/// Which part of the state to read; every field that is set narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotFilter {
    /// Only the Click2Mail and Hostway users of this name.
    pub user: Option<String>,
    /// Only this Hostway account.
    pub account: Option<String>,
    /// Only purchases and payments made at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// At most this many purchases per user and payments per account, the oldest first, but
    /// never part of one millisecond's.
    pub limit: Option<usize>,
    /// Only the newest this many purchases per user and payments per account (still listed
    /// oldest first). Each is read through its index, so the cost does not grow with history.
    pub newest: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub click2mail: Click2MailState,
    pub hostway: HostwayState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Click2MailState {
    pub users: Vec<Click2MailUserState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Click2MailUserState {
    pub username: String,
    pub balance: Cents,
    pub purchases: Vec<PurchaseState>,
    /// With a limit, where the next page of purchases starts: pass it as `since`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_since: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseState {
    pub amount: Cents,
    pub card_brand: String,
    pub card_last_four: String,
    pub purchased_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostwayState {
    pub accounts: Vec<AccountState>,
    pub users: Vec<HostwayUserState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountState {
    pub id: String,
    pub allow_offline: bool,
    /// `null`, `"offline"`, or the id of one of `payment_methods`.
    pub default: Option<String>,
    pub payment_methods: Vec<PaymentMethodState>,
    pub payments: Vec<PaymentState>,
    /// With a limit, where the next page of payments starts (pass it as `since`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_since: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethodState {
    /// `cc-<n>` or `dd-<n>`.
    pub id: String,
    pub payment_info_type: &'static str,
    pub account_number: String,
    pub credit_card_type: Option<String>,
    pub expiration_date: Option<String>,
    pub routing_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentState {
    /// The method it was taken from, which may have been deleted since.
    pub payment_info: String,
    pub amount: Cents,
    pub status: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostwayUserState {
    pub username: String,
    pub sales_agent: bool,
    /// Roles by account id.
    pub roles: BTreeMap<String, Vec<String>>,
}

impl NamespaceStore {
    /// The state as `filter` narrows it, read at one instant.
    pub async fn snapshot(&self, filter: &SnapshotFilter) -> Result<Snapshot, Error> {
        // A namespace that does not exist holds nothing; its id matches no row.
        let namespace = self.read(|namespace| namespace.id).unwrap_or(0);
        let mut tx = self.store.pool.begin().await?;
        let click2mail = click2mail_state(&mut tx, namespace, filter).await?;
        let hostway = hostway_state(&mut tx, namespace, filter).await?;
        tx.commit().await?;
        Ok(Snapshot { click2mail, hostway })
    }
}

/// `rows` cut to the filter's limit, with where the next page starts when it was cut. Rows of
/// one millisecond are never split between pages, so that `since` can start the next page
/// exactly where this one ended: a page holds more than the limit when they would be.
fn page<T>(mut rows: Vec<T>, limit: Option<usize>, time: impl Fn(&T) -> &str) -> (Vec<T>, Option<String>) {
    let Some(limit) = limit.filter(|limit| rows.len() > *limit) else { return (rows, None) };
    let last_shown = time(&rows[limit - 1]).to_owned();
    let end = rows.iter().skip(limit).position(|row| time(row) != last_shown).map(|more| limit + more);
    match end {
        Some(end) => {
            let next = time(&rows[end]).to_owned();
            rows.truncate(end);
            (rows, Some(next))
        }
        None => (rows, None),
    }
}

async fn click2mail_state(
    conn: &mut SqliteConnection,
    namespace: i64,
    filter: &SnapshotFilter,
) -> Result<Click2MailState, sqlx::Error> {
    let users: Vec<(String, i64)> = sqlx::query_as(
        "SELECT username, balance_cents FROM click2mail_users WHERE namespace = ?2 AND (?1 IS NULL OR username = ?1) \
         ORDER BY username",
    )
    .bind(&filter.user)
    .bind(namespace)
    .fetch_all(&mut *conn)
    .await?;
    let since = filter.since.map(timestamp);
    let rows: Vec<(String, i64, String, String, String)> = match filter.newest {
        None => {
            sqlx::query_as(
                "SELECT username, amount_cents, card_brand, card_last_four, purchased_at FROM click2mail_purchases \
                 WHERE namespace = ?3 AND (?1 IS NULL OR username = ?1) AND (?2 IS NULL OR purchased_at >= ?2) \
                 ORDER BY id",
            )
            .bind(&filter.user)
            .bind(&since)
            .bind(namespace)
            .fetch_all(&mut *conn)
            .await?
        }
        Some(newest) => {
            let mut rows = Vec::new();
            for (username, _) in &users {
                let mut newest_first: Vec<_> = sqlx::query_as(
                    "SELECT username, amount_cents, card_brand, card_last_four, purchased_at FROM click2mail_purchases \
                     WHERE namespace = ?1 AND username = ?2 AND (?3 IS NULL OR purchased_at >= ?3) \
                     ORDER BY id DESC LIMIT ?4",
                )
                .bind(namespace)
                .bind(username)
                .bind(&since)
                .bind(i64::try_from(newest).unwrap_or(i64::MAX))
                .fetch_all(&mut *conn)
                .await?;
                newest_first.reverse();
                rows.append(&mut newest_first);
            }
            rows
        }
    };
    let mut purchases: BTreeMap<String, Vec<PurchaseState>> = BTreeMap::new();
    for (username, amount, card_brand, card_last_four, purchased_at) in rows {
        let purchase = PurchaseState { amount: Cents::new(amount), card_brand, card_last_four, purchased_at };
        purchases.entry(username).or_default().push(purchase);
    }
    let users = users
        .into_iter()
        .map(|(username, balance)| {
            let (purchases, next_since) =
                page(purchases.remove(&username).unwrap_or_default(), filter.limit, |purchase: &PurchaseState| {
                    &purchase.purchased_at
                });
            Click2MailUserState { username, balance: Cents::new(balance), purchases, next_since }
        })
        .collect();
    Ok(Click2MailState { users })
}

#[derive(sqlx::FromRow)]
struct MethodRow {
    id: i64,
    account_id: String,
    kind: String,
    number_masked: String,
    card_brand: Option<String>,
    expiration: Option<String>,
    routing_number: Option<String>,
    is_active: bool,
}

async fn hostway_state(
    conn: &mut SqliteConnection,
    namespace: i64,
    filter: &SnapshotFilter,
) -> Result<HostwayState, sqlx::Error> {
    let accounts: Vec<(String, bool, Option<i64>, bool)> = sqlx::query_as(
        "SELECT id, allow_offline, default_payment_method, offline_is_default FROM hostway_accounts \
         WHERE namespace = ?2 AND (?1 IS NULL OR id = ?1) ORDER BY id",
    )
    .bind(&filter.account)
    .bind(namespace)
    .fetch_all(&mut *conn)
    .await?;
    // Deleted methods too: a payment names its method even after the method is gone.
    let methods: Vec<MethodRow> = sqlx::query_as(
        "SELECT id, account_id, kind, number_masked, card_brand, expiration, routing_number, \
             deleted_at IS NULL AS is_active \
             FROM hostway_payment_methods WHERE namespace = ?2 AND (?1 IS NULL OR account_id = ?1) ORDER BY id",
    )
    .bind(&filter.account)
    .bind(namespace)
    .fetch_all(&mut *conn)
    .await?;
    let since = filter.since.map(timestamp);
    let payments: Vec<(String, i64, i64, String, String)> = match filter.newest {
        None => {
            sqlx::query_as(
                "SELECT account_id, payment_method_id, amount_cents, status, created_at FROM hostway_payments \
                 WHERE namespace = ?3 AND (?1 IS NULL OR account_id = ?1) AND (?2 IS NULL OR created_at >= ?2) \
                 ORDER BY id",
            )
            .bind(&filter.account)
            .bind(&since)
            .bind(namespace)
            .fetch_all(&mut *conn)
            .await?
        }
        Some(newest) => {
            let mut rows = Vec::new();
            for (account, ..) in &accounts {
                let mut newest_first: Vec<_> = sqlx::query_as(
                    "SELECT account_id, payment_method_id, amount_cents, status, created_at FROM hostway_payments \
                     WHERE namespace = ?1 AND account_id = ?2 AND (?3 IS NULL OR created_at >= ?3) \
                     ORDER BY id DESC LIMIT ?4",
                )
                .bind(namespace)
                .bind(account)
                .bind(&since)
                .bind(i64::try_from(newest).unwrap_or(i64::MAX))
                .fetch_all(&mut *conn)
                .await?;
                newest_first.reverse();
                rows.append(&mut newest_first);
            }
            rows
        }
    };

    let mut ids: BTreeMap<i64, String> = BTreeMap::new();
    let mut active: BTreeMap<String, Vec<PaymentMethodState>> = BTreeMap::new();
    for MethodRow { id, account_id, kind, number_masked, card_brand, expiration, routing_number, is_active } in methods
    {
        let kind = MethodKind::try_from(kind).map_err(|err| sqlx::Error::Decode(err.into()))?;
        let method_id = crate::vendors::hostway::method_id(kind, id);
        ids.insert(id, method_id.clone());
        if is_active {
            active.entry(account_id).or_default().push(PaymentMethodState {
                id: method_id,
                payment_info_type: kind.name(),
                account_number: number_masked,
                credit_card_type: card_brand,
                expiration_date: expiration,
                routing_number,
            });
        }
    }
    let mut taken: BTreeMap<String, Vec<PaymentState>> = BTreeMap::new();
    for (account_id, method, amount, status, created_at) in payments {
        let payment_info = ids.get(&method).cloned().unwrap_or_default();
        taken.entry(account_id).or_default().push(PaymentState {
            payment_info,
            amount: Cents::new(amount),
            status,
            created_at,
        });
    }
    let accounts = accounts
        .into_iter()
        .map(|(id, allow_offline, default_method, offline_is_default)| {
            let default = match (default_method, offline_is_default) {
                (Some(method), _) => ids.get(&method).cloned(),
                (None, true) => Some("offline".to_owned()),
                (None, false) => None,
            };
            let (payments, next_since) =
                page(taken.remove(&id).unwrap_or_default(), filter.limit, |payment: &PaymentState| &payment.created_at);
            let payment_methods = active.remove(&id).unwrap_or_default();
            AccountState { id, allow_offline, default, payment_methods, payments, next_since }
        })
        .collect();

    let users: Vec<(String, bool)> = sqlx::query_as(
        "SELECT username, is_sales_agent FROM hostway_users WHERE namespace = ?2 AND (?1 IS NULL OR username = ?1) \
         ORDER BY username",
    )
    .bind(&filter.user)
    .bind(namespace)
    .fetch_all(&mut *conn)
    .await?;
    let role_rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT username, account_id, role FROM hostway_user_roles \
         WHERE namespace = ?2 AND (?1 IS NULL OR username = ?1) ORDER BY username, account_id, role",
    )
    .bind(&filter.user)
    .bind(namespace)
    .fetch_all(&mut *conn)
    .await?;
    let mut roles: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (username, account_id, role) in role_rows {
        roles.entry(username).or_default().entry(account_id).or_default().push(role);
    }
    let users = users
        .into_iter()
        .map(|(username, sales_agent)| {
            let roles = roles.remove(&username).unwrap_or_default();
            HostwayUserState { username, sales_agent, roles }
        })
        .collect();
    Ok(HostwayState { accounts, users })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_never_splits_one_millisecond() {
        fn times(rows: &[&'static str]) -> Vec<&'static str> {
            rows.to_vec()
        }
        fn at<'a>(row: &'a &'static str) -> &'a str {
            row
        }
        assert_eq!(page(times(&["a", "b", "c"]), Some(2), at), (vec!["a", "b"], Some("c".to_owned())));
        assert_eq!(page(times(&["a", "b", "b", "c"]), Some(2), at), (vec!["a", "b", "b"], Some("c".to_owned())));
        // A frozen clock: every row in one millisecond, all on one page.
        assert_eq!(page(times(&["a", "a", "a"]), Some(2), at), (vec!["a", "a", "a"], None));
        assert_eq!(page(times(&["a", "b"]), Some(2), at), (vec!["a", "b"], None));
        assert_eq!(page(times(&["a", "b"]), None, at), (vec!["a", "b"], None));
    }
}
