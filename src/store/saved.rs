//! Snapshots: the whole state saved under a name and brought back exactly, in SQLite so that
//! they survive restarts. A snapshot holds every row of every state table (balances,
//! purchases, accounts, users and roles, payment methods with their ids, defaults, payments)
//! and the counters the next ids come from, as one JSON document written by SQLite itself;
//! restoring empties those tables and writes the rows back, in one transaction, through the
//! writer like every other write, so a vendor write racing it is decided against the state it
//! commits into. The clock the snapshot was taken at is kept beside the rows, for the caller
//! to set.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sqlx::SqliteConnection;

use super::model::Model;
use super::writer::Write;
use super::{Store, empty_state, timestamp};

/// The state tables, in an order that inserts purchases before their users: the trigger that
/// adds a purchase to its user's balance then finds no user, and the balance is restored as
/// it was saved.
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

impl Store {
    /// Saves the whole state under `name`, replacing a snapshot of that name; true when it
    /// replaced one.
    pub async fn save_snapshot(
        &self,
        name: &str,
        frozen_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        self.writer.write(Save { name: name.into(), frozen_at, at: timestamp(now) }).await
    }

    /// Brings back the state saved under `name`.
    pub async fn restore_snapshot(&self, name: &str) -> Result<Restored, sqlx::Error> {
        self.writer.write(Restore { name: name.into() }).await
    }

    /// Every snapshot, by name.
    pub async fn snapshots(&self) -> Result<Vec<SnapshotInfo>, sqlx::Error> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT name, created_at FROM paymock_snapshots ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(name, created_at)| SnapshotInfo { name, created_at }).collect())
    }

    /// Deletes the snapshot; false when there is none of that name.
    pub async fn delete_snapshot(&self, name: &str) -> Result<bool, sqlx::Error> {
        self.writer.write(Delete { name: name.into() }).await
    }
}

/// The stored document.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    /// The instant the clock was frozen at, if it was, as RFC 3339.
    frozen_at: Option<String>,
    /// Per table, its rows as SQLite wrote them: a JSON array of objects by column name.
    tables: Vec<(String, Box<RawValue>)>,
}

/// The columns of `table`, from SQLite's own description of it.
async fn columns(conn: &mut SqliteConnection, table: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM pragma_table_info(?1) ORDER BY cid").bind(table).fetch_all(conn).await
}

struct Save {
    name: String,
    frozen_at: Option<DateTime<Utc>>,
    at: String,
}

impl Write for Save {
    type Output = bool;

    async fn apply(&self, conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
        let mut tables = Vec::new();
        for table in TABLES.into_iter().chain(["sqlite_sequence"]) {
            let columns = columns(conn, table).await?;
            let object: Vec<String> = columns.iter().map(|column| format!("'{column}', \"{column}\"")).collect();
            // Table and column names are paymock's own, from `TABLES` and SQLite's description.
            let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COALESCE(json_group_array(json_object({})), '[]') FROM \"{table}\"",
                object.join(", ")
            )))
            .fetch_one(&mut *conn)
            .await?;
            let rows = RawValue::from_string(rows).map_err(|err| sqlx::Error::Decode(err.into()))?;
            tables.push((table.to_owned(), rows));
        }
        let frozen_at = self.frozen_at.map(timestamp);
        let document =
            serde_json::to_string(&Document { frozen_at, tables }).map_err(|err| sqlx::Error::Encode(err.into()))?;
        let replaced: Option<i64> = sqlx::query_scalar("SELECT 1 FROM paymock_snapshots WHERE name = ?1")
            .bind(&self.name)
            .fetch_optional(&mut *conn)
            .await?;
        sqlx::query("INSERT OR REPLACE INTO paymock_snapshots (name, document, created_at) VALUES (?1, ?2, ?3)")
            .bind(&self.name)
            .bind(document)
            .bind(&self.at)
            .execute(&mut *conn)
            .await?;
        Ok(replaced.is_some())
    }

    fn mirror(&self, _: &mut bool, _: &mut Model) {}
}

struct Restore {
    name: String,
}

impl Write for Restore {
    type Output = Restored;

    async fn apply(&self, conn: &mut SqliteConnection) -> Result<Restored, sqlx::Error> {
        let document: Option<String> = sqlx::query_scalar("SELECT document FROM paymock_snapshots WHERE name = ?1")
            .bind(&self.name)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(document) = document else { return Ok(Restored::NoSuchSnapshot) };
        let document: Document = serde_json::from_str(&document).map_err(|err| sqlx::Error::Decode(err.into()))?;
        // Accounts and their default method point at each other: checked at the commit.
        sqlx::query("PRAGMA defer_foreign_keys = ON").execute(&mut *conn).await?;
        empty_state(conn).await?;
        for (table, rows) in &document.tables {
            if !TABLES.contains(&table.as_str()) && table != "sqlite_sequence" {
                continue;
            }
            let columns = columns(conn, table).await?;
            let names: Vec<String> = columns.iter().map(|column| format!("\"{column}\"")).collect();
            let values: Vec<String> =
                columns.iter().map(|column| format!("json_extract(value, '$.\"{column}\"')")).collect();
            // Table and column names are paymock's own, from `TABLES` and SQLite's description.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO \"{table}\" ({}) SELECT {} FROM json_each(?1)",
                names.join(", "),
                values.join(", ")
            )))
            .bind(rows.get())
            .execute(&mut *conn)
            .await?;
        }
        let frozen_at =
            document.frozen_at.and_then(|at| DateTime::parse_from_rfc3339(&at).ok()).map(|at| at.with_timezone(&Utc));
        Ok(Restored::Done { frozen_at })
    }

    fn mirror(&self, _: &mut Restored, _: &mut Model) {}

    fn reloads_model(&self, restored: &Restored) -> bool {
        matches!(restored, Restored::Done { .. })
    }
}

struct Delete {
    name: String,
}

impl Write for Delete {
    type Output = bool;

    async fn apply(&self, conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
        let deleted =
            sqlx::query("DELETE FROM paymock_snapshots WHERE name = ?1").bind(&self.name).execute(conn).await?;
        Ok(deleted.rows_affected() == 1)
    }

    fn mirror(&self, _: &mut bool, _: &mut Model) {}
}
