//! The SQLite store behind both vendors: balances, purchases, accounts, users and payment
//! methods. All of paymock's SQL lives in this module, one file per table group; the schema
//! is in `migrations/` and is brought up to date at every start.
//!
//! Writes that change more than one row run in one `BEGIN IMMEDIATE` transaction, so a
//! balance never moves without its purchase record, and concurrent writers queue on the
//! database lock instead of failing to upgrade a read lock.

mod click2mail;
mod hostway;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use click2mail::{Click2MailUser, Purchase, PurchaseRecord, PurchaseResult};

use crate::config::Database;
use crate::fixtures::Fixtures;

/// A handle on the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub async fn open(database: &Database) -> Result<Store, StoreError> {
        let (options, pool_options) = match database {
            Database::File(path) => (
                SqliteConnectOptions::new().filename(path).create_if_missing(true),
                SqlitePoolOptions::new().max_connections(4),
            ),
            // Each in-memory database lives only as long as a connection to it, so the pool
            // keeps exactly one open for the life of the process.
            Database::Memory => (
                SqliteConnectOptions::from_str("sqlite::memory:").map_err(StoreError::Open)?,
                SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None),
            ),
        };
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            // Every acknowledged write survives a crash or power loss.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = pool_options.connect_with(options).await.map_err(StoreError::Open)?;
        sqlx::migrate!().run(&pool).await.map_err(StoreError::Migrate)?;
        Ok(Store { pool })
    }

    /// Writes the fixtures' users and accounts into a database that has never had them, in
    /// one transaction. A database that has already been started from leaves its state
    /// alone, so balances and payment methods survive restarts. Returns whether it loaded.
    pub async fn load_fixtures_if_new(&self, fixtures: &Fixtures, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let loaded_at: Option<String> =
            sqlx::query_scalar("SELECT value FROM paymock_meta WHERE key = 'fixtures_loaded_at'")
                .fetch_optional(&mut *tx)
                .await?;
        if loaded_at.is_some() {
            return Ok(false);
        }
        let now = timestamp(now);
        click2mail::insert_fixtures(&mut tx, &fixtures.click2mail, &now).await?;
        hostway::insert_fixtures(&mut tx, &fixtures.hostway, &now).await?;
        sqlx::query("INSERT INTO paymock_meta (key, value) VALUES ('fixtures_loaded_at', ?1)")
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Waits for open connections to finish and closes them.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database: {0}")]
    Open(#[source] sqlx::Error),
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

/// Timestamps are stored as RFC 3339 text in UTC with milliseconds, which sorts by time.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
