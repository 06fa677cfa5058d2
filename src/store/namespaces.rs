//! Namespaces: independent sandboxes in one database. Each has its own users, accounts,
//! balances, payment methods, payments and snapshots, in rows that carry its id. A namespace
//! is made by the first write into it (see [`super::writer`]), holding a fresh copy of the
//! fixtures' users and accounts, in a handful of statements whatever the fixtures hold.
//!
//! [`NamespaceStore`] is the store as one namespace sees it; every vendor and control-plane
//! read and write goes through one.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::SqliteConnection;

use super::click2mail::Click2MailUser;
use super::hostway::{DefaultMethod, HostwayAccount, HostwayUser};
use super::model::{AccountEntry, HostwayUserEntry, Model, NamespaceModel, read_lock};
use super::writer::{NamespaceWrite, Scope, StoreWrite};
use super::{Error, Store, timestamp};
use crate::domain::password::PasswordHash;
use crate::sandbox::fixtures::Fixtures;

/// The namespace of requests that name none.
pub const DEFAULT: &str = "default";

/// How many namespaces a store holds at most, unless told otherwise.
pub const DEFAULT_MAX_NAMESPACES: usize = 10_000;

/// What a new namespace starts from, and how many there may be.
#[derive(Debug, Clone)]
pub struct Template {
    pub fixtures: Arc<Fixtures>,
    pub max_namespaces: usize,
}

/// A namespace as the control plane lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceInfo {
    pub name: String,
    pub created_at: String,
    /// When a request last used it (real time, not its clock).
    pub last_used_at: String,
    pub click2mail_users: usize,
    pub hostway_users: usize,
    pub hostway_accounts: usize,
    pub purchases: usize,
}

/// The store as one namespace sees it; cheap to clone.
#[derive(Debug, Clone)]
pub struct NamespaceStore {
    pub(super) store: Store,
    pub(super) name: Arc<str>,
}

impl Store {
    /// The store as the namespace `name` sees it. Nothing is created until a write.
    pub fn namespace(&self, name: &str) -> NamespaceStore {
        NamespaceStore { store: self.clone(), name: name.into() }
    }

    /// Whether the namespace exists.
    pub fn has_namespace(&self, name: &str) -> bool {
        self.model().namespaces.contains_key(name)
    }

    /// How many namespaces there are, and how many there may be.
    pub fn namespace_count(&self) -> (usize, usize) {
        (self.model().namespaces.len(), self.template.max_namespaces)
    }

    /// Every namespace, by name, with its counts.
    pub async fn namespaces(&self) -> Result<Vec<NamespaceInfo>, Error> {
        let purchases: Vec<(i64, i64)> =
            sqlx::query_as("SELECT namespace, count(*) FROM click2mail_purchases GROUP BY namespace")
                .fetch_all(&self.pool)
                .await?;
        let purchases: HashMap<i64, i64> = purchases.into_iter().collect();
        let model = self.model();
        let mut listed: Vec<NamespaceInfo> = model
            .namespaces
            .iter()
            .map(|(name, namespace)| NamespaceInfo {
                name: name.to_string(),
                created_at: namespace.created_at.clone(),
                last_used_at: timestamp(millis_to_time(namespace.last_used_ms())),
                click2mail_users: namespace.click2mail_users.len(),
                hostway_users: namespace.hostway_users.len(),
                hostway_accounts: namespace.hostway_accounts.len(),
                purchases: purchases.get(&namespace.id).copied().unwrap_or(0) as usize,
            })
            .collect();
        listed.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(listed)
    }

    /// The namespaces no request has used since `before` (or at it), by name.
    pub fn idle_namespaces(&self, before: DateTime<Utc>) -> Vec<String> {
        let before = before.timestamp_millis();
        let model = self.model();
        let mut idle: Vec<String> = model
            .namespaces
            .iter()
            .filter(|(_, namespace)| namespace.last_used_ms() <= before)
            .map(|(name, _)| name.to_string())
            .collect();
        idle.sort();
        idle
    }

    /// Deletes the namespaces and everything in them, snapshots included, in one transaction;
    /// gives the names of those that existed.
    pub async fn delete_namespaces(&self, names: &[String]) -> Result<Vec<String>, Error> {
        self.writer.write(DeleteNamespaces { names: names.to_vec() }).await
    }

    /// Writes each namespace's last use into the database, so that idleness survives a
    /// restart.
    pub(super) async fn save_last_uses(&self) -> Result<(), sqlx::Error> {
        let uses: Vec<(i64, String)> = self
            .model()
            .namespaces
            .values()
            .map(|namespace| (namespace.id, timestamp(millis_to_time(namespace.last_used_ms()))))
            .collect();
        let mut tx = self.pool.begin().await?;
        for (id, at) in uses {
            sqlx::query("UPDATE paymock_namespaces SET last_used_at = ?2 WHERE id = ?1")
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }
}

fn millis_to_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl NamespaceStore {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn shared_name(&self) -> &Arc<str> {
        &self.name
    }

    /// Makes sure the namespace exists, creating it from the fixtures (once, however many
    /// ask at the same time), and marks it used now.
    pub async fn ensure(&self) -> Result<(), Error> {
        if !self.store.has_namespace(&self.name) {
            self.store.writer.write_in(&self.name, Ensure).await?;
        }
        self.read(|namespace| namespace.touch(Utc::now().timestamp_millis()));
        Ok(())
    }

    /// Reads the namespace's model: `None` when it does not exist.
    pub(super) fn read<T>(&self, read: impl FnOnce(&NamespaceModel) -> T) -> Option<T> {
        let model: std::sync::RwLockReadGuard<'_, Model> = read_lock(&self.store.model);
        model.namespaces.get(&*self.name).map(read)
    }

    pub(super) async fn write<W: NamespaceWrite>(&self, write: W) -> Result<W::Output, Error> {
        self.store.writer.write_in(&self.name, write).await
    }

    /// The keyed fingerprint of a card number, or of a routing and account number, by which
    /// duplicates are found.
    pub fn fingerprint(&self, parts: &[&str]) -> String {
        match self.read(|namespace| namespace.fingerprint_key.clone()).flatten() {
            Some(key) => key.fingerprint(parts),
            None => self.store.fingerprint_key.fingerprint(parts),
        }
    }

    /// Empties the namespace and loads the fixtures into it again, in one transaction. Ids
    /// start from 1 again.
    pub async fn reset(&self) -> Result<(), Error> {
        self.write(Reset { fixtures: Arc::clone(&self.store.template.fixtures) }).await
    }
}

/// Creates nothing but the namespace itself, if needed (the writer does that).
struct Ensure;

impl NamespaceWrite for Ensure {
    type Output = ();

    async fn apply(&self, _: &mut SqliteConnection, _: Scope) -> Result<(), sqlx::Error> {
        Ok(())
    }

    fn mirror(&self, _: &mut (), _: &mut NamespaceModel) {}
}

struct Reset {
    fixtures: Arc<Fixtures>,
}

impl NamespaceWrite for Reset {
    type Output = ();

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<(), sqlx::Error> {
        if !namespace.created {
            empty(conn, namespace.id).await?;
            super::saved::set_fingerprint_key(conn, namespace.id, None).await?;
            insert_fixtures(conn, namespace.id, &self.fixtures, &timestamp(Utc::now())).await?;
        }
        Ok(())
    }

    /// What the fixtures make is read back.
    fn mirror(&self, _: &mut (), _: &mut NamespaceModel) {}

    fn reloads_namespace(&self, _: &()) -> bool {
        true
    }
}

/// Creates the namespace `name`, holding the fixtures' users and accounts, and gives its
/// model.
pub(super) async fn create(
    conn: &mut SqliteConnection,
    name: &str,
    template: &Template,
) -> Result<NamespaceModel, sqlx::Error> {
    let now = Utc::now();
    let at = timestamp(now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO paymock_namespaces (name, created_at, last_used_at) VALUES (?1, ?2, ?2) RETURNING id",
    )
    .bind(name)
    .bind(&at)
    .fetch_one(&mut *conn)
    .await?;
    let mut namespace = NamespaceModel::empty(id, at.clone(), now.timestamp_millis());
    insert_fixtures(conn, id, &template.fixtures, &at).await?.fill(&mut namespace);
    Ok(namespace)
}

/// What [`insert_fixtures`] wrote, as the model holds it.
pub(super) struct FixtureRows {
    click2mail_users: Vec<(String, Click2MailUser)>,
    hostway_accounts: Vec<(String, bool)>,
    hostway_users: Vec<(String, HostwayUser, BTreeMap<String, Vec<String>>)>,
}

impl FixtureRows {
    fn fill(self, namespace: &mut NamespaceModel) {
        namespace.click2mail_users.extend(self.click2mail_users);
        for (id, allow_offline) in self.hostway_accounts {
            let account = HostwayAccount { allow_offline, default: DefaultMethod::None };
            namespace.hostway_accounts.insert(id, AccountEntry { account, methods: BTreeMap::new() });
        }
        for (username, user, roles) in self.hostway_users {
            let mut roles: HashMap<String, Vec<String>> = roles.into_iter().collect();
            roles.values_mut().for_each(|held| {
                held.sort();
                held.dedup();
            });
            namespace.hostway_users.insert(username, HostwayUserEntry { user, roles });
        }
    }
}

/// Writes the fixtures' users and accounts into an empty namespace: one statement per table,
/// whatever the fixtures hold.
pub(super) async fn insert_fixtures(
    conn: &mut SqliteConnection,
    namespace: i64,
    fixtures: &Fixtures,
    at: &str,
) -> Result<FixtureRows, sqlx::Error> {
    let click2mail_users: Vec<(String, Click2MailUser)> = fixtures
        .click2mail
        .users
        .iter()
        .map(|user| {
            let user_row = Click2MailUser { password_hash: PasswordHash::new(&user.password), balance: user.balance };
            (user.username.clone(), user_row)
        })
        .collect();
    let hostway_accounts: Vec<(String, bool)> =
        fixtures.hostway.accounts.iter().map(|account| (account.id.clone(), account.allow_offline)).collect();
    let hostway_users: Vec<(String, HostwayUser, BTreeMap<String, Vec<String>>)> = fixtures
        .hostway
        .users
        .iter()
        .map(|user| {
            let row =
                HostwayUser { password_hash: PasswordHash::new(&user.password), is_sales_agent: user.sales_agent };
            (user.username.clone(), row, user.roles.clone())
        })
        .collect();

    let rows = |rows: Vec<serde_json::Value>| serde_json::Value::Array(rows).to_string();
    let users = rows(
        click2mail_users
            .iter()
            .map(|(username, user)| {
                json!({ "u": username, "h": user.password_hash.to_string(), "b": user.balance.get() })
            })
            .collect(),
    );
    sqlx::query(
        "INSERT INTO click2mail_users (namespace, username, password_hash, balance_cents, created_at) \
         SELECT ?1, json_extract(value, '$.u'), json_extract(value, '$.h'), json_extract(value, '$.b'), ?2 \
         FROM json_each(?3)",
    )
    .bind(namespace)
    .bind(at)
    .bind(users)
    .execute(&mut *conn)
    .await?;
    let accounts = rows(
        hostway_accounts.iter().map(|(id, allow_offline)| json!({ "i": id, "o": i64::from(*allow_offline) })).collect(),
    );
    sqlx::query(
        "INSERT INTO hostway_accounts (namespace, id, allow_offline, created_at) \
         SELECT ?1, json_extract(value, '$.i'), json_extract(value, '$.o'), ?2 FROM json_each(?3)",
    )
    .bind(namespace)
    .bind(at)
    .bind(accounts)
    .execute(&mut *conn)
    .await?;
    let users = rows(
        hostway_users
            .iter()
            .map(|(username, user, _)| {
                json!({ "u": username, "h": user.password_hash.to_string(), "s": i64::from(user.is_sales_agent) })
            })
            .collect(),
    );
    sqlx::query(
        "INSERT INTO hostway_users (namespace, username, password_hash, is_sales_agent, created_at) \
         SELECT ?1, json_extract(value, '$.u'), json_extract(value, '$.h'), json_extract(value, '$.s'), ?2 \
         FROM json_each(?3)",
    )
    .bind(namespace)
    .bind(at)
    .bind(users)
    .execute(&mut *conn)
    .await?;
    let roles = rows(
        hostway_users
            .iter()
            .flat_map(|(username, _, roles)| {
                roles.iter().flat_map(move |(account, held)| {
                    held.iter().map(move |role| json!({ "u": username, "a": account, "r": role }))
                })
            })
            .collect(),
    );
    sqlx::query(
        "INSERT OR IGNORE INTO hostway_user_roles (namespace, username, account_id, role) \
         SELECT ?1, json_extract(value, '$.u'), json_extract(value, '$.a'), json_extract(value, '$.r') \
         FROM json_each(?2)",
    )
    .bind(namespace)
    .bind(roles)
    .execute(&mut *conn)
    .await?;
    Ok(FixtureRows { click2mail_users, hostway_accounts, hostway_users })
}

/// Empties the namespace's state tables, in an order the foreign keys allow; a reset, a
/// snapshot restore and a delete start from here. Its snapshots are kept.
pub(super) async fn empty(conn: &mut SqliteConnection, namespace: i64) -> Result<(), sqlx::Error> {
    for statement in [
        "DELETE FROM hostway_payments WHERE namespace = ?1",
        "UPDATE hostway_accounts SET default_payment_method = NULL WHERE namespace = ?1",
        "DELETE FROM hostway_payment_methods WHERE namespace = ?1",
        "DELETE FROM hostway_user_roles WHERE namespace = ?1",
        "DELETE FROM hostway_users WHERE namespace = ?1",
        "DELETE FROM hostway_accounts WHERE namespace = ?1",
        "DELETE FROM click2mail_purchases WHERE namespace = ?1",
        "DELETE FROM click2mail_users WHERE namespace = ?1",
    ] {
        sqlx::query(statement).bind(namespace).execute(&mut *conn).await?;
    }
    Ok(())
}

struct DeleteNamespaces {
    names: Vec<String>,
}

impl StoreWrite for DeleteNamespaces {
    type Output = Vec<String>;

    async fn apply(&self, conn: &mut SqliteConnection) -> Result<Vec<String>, sqlx::Error> {
        let mut deleted = Vec::new();
        for name in &self.names {
            let id: Option<i64> = sqlx::query_scalar("SELECT id FROM paymock_namespaces WHERE name = ?1")
                .bind(name)
                .fetch_optional(&mut *conn)
                .await?;
            let Some(id) = id else { continue };
            empty(conn, id).await?;
            sqlx::query("DELETE FROM paymock_snapshots WHERE namespace = ?1").bind(id).execute(&mut *conn).await?;
            sqlx::query("DELETE FROM paymock_namespaces WHERE id = ?1").bind(id).execute(&mut *conn).await?;
            deleted.push(name.clone());
        }
        Ok(deleted)
    }

    fn mirror(&self, deleted: &mut Vec<String>, model: &mut Model) {
        for name in deleted.iter() {
            model.namespaces.remove(name.as_str());
        }
    }
}
