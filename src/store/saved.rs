//! Snapshots: a namespace's whole state saved under a name and brought back exactly, in
//! SQLite so that they survive restarts. A snapshot holds every row of every state table of
//! its namespace (balances, purchases, accounts, users and roles, payment methods with their
//! ids, defaults, payments) as one JSON document written by SQLite itself; restoring empties
//! those tables in the target namespace and writes the rows back, in one transaction, through
//! the writer like every other write, so a vendor write racing it is decided against the state
//! it commits into. A snapshot can be restored into another namespace, which clones it. The
//! clock the snapshot was taken at is kept beside the rows, for the caller to set.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sqlx::SqliteConnection;

use super::model::NamespaceModel;
use super::namespaces::empty;
use super::writer::{NamespaceWrite, Scope};
use super::{Error, NamespaceStore, timestamp};

/// The state tables, in an order that inserts purchases before their users: the trigger that
/// adds a purchase to its user's balance then finds no user, and the balance is restored as
/// it was saved. Each row is saved without its namespace; purchases and payments without
/// their database-wide ids, which only order them (they are saved and restored in order).
const TABLES: [&str; 7] = [
    "click2mail_purchases",
    "click2mail_users",
    "hostway_accounts",
    "hostway_users",
    "hostway_user_roles",
    "hostway_payment_methods",
    "hostway_payments",
];

/// A saved snapshot, as the control plane lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotInfo {
    pub name: String,
    pub created_at: String,
}

/// What a restore found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    /// The state is back; the clock was frozen at this instant when it was saved, or ran.
    Done {
        frozen_at: Option<DateTime<Utc>>,
    },
    NoSuchSnapshot,
}

impl NamespaceStore {
    /// Saves the namespace's whole state under `name`, replacing a snapshot of that name; true
    /// when it replaced one.
    pub async fn save_snapshot(
        &self,
        name: &str,
        frozen_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        self.write(Save { name: name.into(), frozen_at, at: timestamp(now) }).await
    }

    /// Brings back into this namespace the state that the namespace `from` saved under
    /// `name`: its own, or another's, which clones it.
    pub async fn restore_snapshot(&self, from: &str, name: &str) -> Result<Restored, Error> {
        self.write(Restore { from: from.into(), name: name.into() }).await
    }

    /// Every snapshot of the namespace, by name.
    pub async fn snapshots(&self) -> Result<Vec<SnapshotInfo>, Error> {
        let Some(namespace) = self.read(|namespace| namespace.id) else { return Ok(Vec::new()) };
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT name, created_at FROM paymock_snapshots WHERE namespace = ?1 ORDER BY name")
                .bind(namespace)
                .fetch_all(&self.store.pool)
                .await?;
        Ok(rows.into_iter().map(|(name, created_at)| SnapshotInfo { name, created_at }).collect())
    }

    /// Deletes the snapshot; false when there is none of that name.
    pub async fn delete_snapshot(&self, name: &str) -> Result<bool, Error> {
        self.write(Delete { name: name.into() }).await
    }
}

/// The stored document.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    /// The instant the clock was frozen at, if it was, as RFC 3339.
    frozen_at: Option<String>,
    /// The key the number fingerprints were made with, when not the database's own (an
    /// imported namespace's): a clone must find the same cards duplicates.
    #[serde(default)]
    fingerprint_key: Option<String>,
    /// Per table, its rows as SQLite wrote them: a JSON array of objects by column name.
    tables: Vec<(String, Box<RawValue>)>,
}

/// The statements that save one table's rows of a namespace as JSON, and write them back.
struct TableSql {
    table: &'static str,
    save: String,
    restore: String,
}

/// Made once, from SQLite's own description of the tables: the schema is the same for as long
/// as the process runs.
static TABLE_SQL: tokio::sync::OnceCell<Vec<TableSql>> = tokio::sync::OnceCell::const_new();

async fn table_sql(conn: &mut SqliteConnection) -> Result<&'static [TableSql], sqlx::Error> {
    let made = TABLE_SQL
        .get_or_try_init(|| async {
            let mut made = Vec::new();
            for table in TABLES {
                let columns = columns(conn, table).await?;
                let object: Vec<String> = columns.iter().map(|column| format!("'{column}', \"{column}\"")).collect();
                let names: Vec<String> = columns.iter().map(|column| format!("\"{column}\"")).collect();
                let values: Vec<String> =
                    columns.iter().map(|column| format!("json_extract(value, '$.\"{column}\"')")).collect();
                let order = match table {
                    "click2mail_purchases" | "hostway_payments" | "hostway_payment_methods" => "id",
                    _ => "rowid",
                };
                made.push(TableSql {
                    table,
                    save: format!(
                        "SELECT COALESCE(json_group_array(json_object({})), '[]') FROM \
                         (SELECT * FROM \"{table}\" WHERE namespace = ?1 ORDER BY {order})",
                        object.join(", ")
                    ),
                    restore: format!(
                        "INSERT INTO \"{table}\" (namespace, {}) SELECT ?2, {} FROM json_each(?1) ORDER BY key",
                        names.join(", "),
                        values.join(", ")
                    ),
                });
            }
            Ok::<_, sqlx::Error>(made)
        })
        .await?;
    Ok(made)
}

/// The columns of `table` a snapshot holds, from SQLite's own description of it.
async fn columns(conn: &mut SqliteConnection, table: &str) -> Result<Vec<String>, sqlx::Error> {
    let ordered_only = matches!(table, "click2mail_purchases" | "hostway_payments");
    let columns: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info(?1) ORDER BY cid").bind(table).fetch_all(conn).await?;
    Ok(columns.into_iter().filter(|column| column != "namespace" && !(ordered_only && column == "id")).collect())
}

struct Save {
    name: String,
    frozen_at: Option<DateTime<Utc>>,
    at: String,
}

impl NamespaceWrite for Save {
    type Output = bool;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<bool, sqlx::Error> {
        let mut tables = Vec::new();
        for TableSql { table, save, .. } in table_sql(conn).await? {
            // Table and column names are paymock's own, from `TABLES` and SQLite's description.
            let rows: String =
                sqlx::query_scalar(sqlx::AssertSqlSafe(save.as_str())).bind(namespace.id).fetch_one(&mut *conn).await?;
            let rows = RawValue::from_string(rows).map_err(|err| sqlx::Error::Decode(err.into()))?;
            tables.push(((*table).to_owned(), rows));
        }
        let frozen_at = self.frozen_at.map(timestamp);
        let fingerprint_key: Option<String> =
            sqlx::query_scalar("SELECT fingerprint_key FROM paymock_namespaces WHERE id = ?1")
                .bind(namespace.id)
                .fetch_one(&mut *conn)
                .await?;
        let document = serde_json::to_string(&Document { frozen_at, fingerprint_key, tables })
            .map_err(|err| sqlx::Error::Encode(err.into()))?;
        let replaced: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM paymock_snapshots WHERE namespace = ?2 AND name = ?1")
                .bind(&self.name)
                .bind(namespace.id)
                .fetch_optional(&mut *conn)
                .await?;
        sqlx::query(
            "INSERT OR REPLACE INTO paymock_snapshots (namespace, name, document, created_at) VALUES (?4, ?1, ?2, ?3)",
        )
        .bind(&self.name)
        .bind(document)
        .bind(&self.at)
        .bind(namespace.id)
        .execute(&mut *conn)
        .await?;
        Ok(replaced.is_some())
    }

    fn mirror(&self, _: &mut bool, _: &mut NamespaceModel) {}
}

struct Restore {
    /// The namespace that saved it.
    from: String,
    name: String,
}

impl NamespaceWrite for Restore {
    type Output = Restored;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<Restored, sqlx::Error> {
        let document: Option<String> = sqlx::query_scalar(
            "SELECT s.document FROM paymock_snapshots s JOIN paymock_namespaces n ON n.id = s.namespace \
             WHERE n.name = ?1 AND s.name = ?2",
        )
        .bind(&self.from)
        .bind(&self.name)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(document) = document else { return Ok(Restored::NoSuchSnapshot) };
        let document: Document = serde_json::from_str(&document).map_err(|err| sqlx::Error::Decode(err.into()))?;
        write_rows(conn, namespace.id, &document.tables).await?;
        set_fingerprint_key(conn, namespace.id, document.fingerprint_key.as_deref()).await?;
        let frozen_at =
            document.frozen_at.and_then(|at| DateTime::parse_from_rfc3339(&at).ok()).map(|at| at.with_timezone(&Utc));
        Ok(Restored::Done { frozen_at })
    }

    fn mirror(&self, _: &mut Restored, _: &mut NamespaceModel) {}

    fn reloads_namespace(&self, restored: &Restored) -> bool {
        matches!(restored, Restored::Done { .. })
    }
}

/// Sets the key the namespace's number fingerprints are made with; `None` is the database's own.
pub(super) async fn set_fingerprint_key(
    conn: &mut SqliteConnection,
    namespace: i64,
    key: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE paymock_namespaces SET fingerprint_key = ?2 WHERE id = ?1")
        .bind(namespace)
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Empties the namespace and writes `tables` into it: per table, its rows as a JSON array of
/// objects by column name. Tables and columns it does not know are left out.
pub(super) async fn write_rows(
    conn: &mut SqliteConnection,
    namespace: i64,
    tables: &[(String, Box<RawValue>)],
) -> Result<(), sqlx::Error> {
    // Accounts and their default method point at each other: checked at the commit.
    sqlx::query("PRAGMA defer_foreign_keys = ON").execute(&mut *conn).await?;
    empty(conn, namespace).await?;
    let sql = table_sql(conn).await?;
    for (table, rows) in tables {
        let Some(TableSql { restore, .. }) = sql.iter().find(|sql| sql.table == table) else { continue };
        // Table and column names are paymock's own, from `TABLES` and SQLite's description.
        sqlx::query(sqlx::AssertSqlSafe(restore.as_str())).bind(rows.get()).bind(namespace).execute(&mut *conn).await?;
    }
    Ok(())
}

struct Delete {
    name: String,
}

impl NamespaceWrite for Delete {
    type Output = bool;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<bool, sqlx::Error> {
        let deleted = sqlx::query("DELETE FROM paymock_snapshots WHERE namespace = ?2 AND name = ?1")
            .bind(&self.name)
            .bind(namespace.id)
            .execute(conn)
            .await?;
        Ok(deleted.rows_affected() == 1)
    }

    fn mirror(&self, _: &mut bool, _: &mut NamespaceModel) {}
}
