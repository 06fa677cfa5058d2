//! The SQLite store behind both vendors: Click2Mail balances and purchases, Hostway accounts,
//! users, payment methods and payments. All of paymock's SQL lives in this module, one file per table group; the schema
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
pub use hostway::{
    CreateUserResult, DefaultMethod, DeleteResult, HostwayAccount, HostwayUser, HostwayUserSummary, MethodKind,
    NewPaymentMethod, PaymentMethodRecord, PaymentRecord, SaveResult,
};

use crate::config::Database;
use crate::fingerprint::FingerprintKey;
use crate::fixtures::Fixtures;

/// A handle on the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    /// This database's own key for number fingerprints, made when the database was.
    fingerprint_key: FingerprintKey,
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
        let fingerprint_key = fingerprint_key(&pool).await.map_err(StoreError::Open)?;
        Ok(Store { pool, fingerprint_key })
    }

    /// The keyed fingerprint of a card number, or of a routing and account number, by which
    /// duplicates are found.
    pub fn fingerprint(&self, parts: &[&str]) -> String {
        self.fingerprint_key.fingerprint(parts)
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
        insert_fixtures(&mut tx, fixtures, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Empties every table and loads the fixtures again, in one transaction. Ids start from 1
    /// again; the fingerprint key is kept.
    pub async fn reset(&self, fixtures: &Fixtures, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for statement in [
            "DELETE FROM hostway_payments",
            "UPDATE hostway_accounts SET default_payment_method = NULL",
            "DELETE FROM hostway_payment_methods",
            "DELETE FROM hostway_user_roles",
            "DELETE FROM hostway_users",
            "DELETE FROM hostway_accounts",
            "DELETE FROM click2mail_purchases",
            "DELETE FROM click2mail_users",
            "DELETE FROM paymock_meta WHERE key = 'fixtures_loaded_at'",
            "DELETE FROM sqlite_sequence",
        ] {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        insert_fixtures(&mut tx, fixtures, now).await?;
        tx.commit().await
    }

    /// Waits for open connections to finish and closes them.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

async fn insert_fixtures(
    conn: &mut sqlx::SqliteConnection,
    fixtures: &Fixtures,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let now = timestamp(now);
    click2mail::insert_fixtures(conn, &fixtures.click2mail, &now).await?;
    hostway::insert_fixtures(conn, &fixtures.hostway, &now).await?;
    sqlx::query("INSERT INTO paymock_meta (key, value) VALUES ('fixtures_loaded_at', ?1)")
        .bind(&now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Reads the database's fingerprint key, making one the first time.
async fn fingerprint_key(pool: &SqlitePool) -> Result<FingerprintKey, sqlx::Error> {
    sqlx::query("INSERT OR IGNORE INTO paymock_meta (key, value) VALUES ('fingerprint_key', ?1)")
        .bind(FingerprintKey::generate().to_hex())
        .execute(pool)
        .await?;
    let key: String =
        sqlx::query_scalar("SELECT value FROM paymock_meta WHERE key = 'fingerprint_key'").fetch_one(pool).await?;
    FingerprintKey::from_hex(&key)
        .ok_or_else(|| sqlx::Error::Protocol("the stored fingerprint key is malformed".into()))
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::cards::Brand;
    use crate::money::Cents;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    async fn count(store: &Store, table_query: &'static str) -> i64 {
        sqlx::query_scalar(table_query).fetch_one(&store.pool).await.unwrap()
    }

    #[tokio::test]
    async fn fixtures_load_into_a_new_database_only() {
        let dir = tempfile::tempdir().unwrap();
        let database = Database::File(dir.path().join("paymock.db"));
        let fixtures = Fixtures::builtin().unwrap();

        let store = Store::open(&database).await.unwrap();
        assert!(store.load_fixtures_if_new(&fixtures, now()).await.unwrap());
        let purchase = Purchase {
            username: "awesomeuser",
            amount: Cents::new(10_00),
            card_brand: Brand::Visa,
            card_last_four: "1111",
            at: now(),
        };
        assert_eq!(
            store.record_purchase(purchase).await.unwrap(),
            PurchaseResult::Recorded { balance: Cents::new(10_00) }
        );
        store.close().await;

        let store = Store::open(&database).await.unwrap();
        assert!(!store.load_fixtures_if_new(&fixtures, now()).await.unwrap());
        assert_eq!(store.click2mail_user("awesomeuser").await.unwrap().unwrap().balance, Cents::new(10_00));
        assert_eq!(store.click2mail_purchases("awesomeuser").await.unwrap().len(), 1);
        let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&store.pool).await.unwrap();
        assert_eq!(journal_mode, "wal");
    }

    #[tokio::test]
    async fn the_hostway_fixtures_are_stored() {
        let store = Store::open(&Database::Memory).await.unwrap();
        store.load_fixtures_if_new(&Fixtures::builtin().unwrap(), now()).await.unwrap();

        let accounts: Vec<(String, bool, Option<i64>)> =
            sqlx::query_as("SELECT id, allow_offline, default_payment_method FROM hostway_accounts ORDER BY id")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert_eq!(accounts, [("1001".into(), false, None), ("1002".into(), true, None)]);
        let users: Vec<(String, String, bool)> =
            sqlx::query_as("SELECT username, password, is_sales_agent FROM hostway_users ORDER BY username")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        let expected = [
            ("acme-member", "Member-Pass-1", false),
            ("acme-owner", "Owner-Pass-1", false),
            ("sales-agent", "Agent-Pass-1", true),
        ];
        assert_eq!(users, expected.map(|(u, p, a)| (u.to_owned(), p.to_owned(), a)));
        let roles: Vec<(String, String, String)> =
            sqlx::query_as("SELECT username, account_id, role FROM hostway_user_roles ORDER BY username, account_id")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        let expected = [
            ("acme-member", "1001", "sitecontrol_account_member"),
            ("acme-owner", "1001", "sitecontrol_account_owner"),
            ("acme-owner", "1002", "sitecontrol_account_owner"),
        ];
        assert_eq!(roles, expected.map(|(u, a, r)| (u.to_owned(), a.to_owned(), r.to_owned())));
        assert_eq!(count(&store, "SELECT count(*) FROM hostway_payment_methods").await, 0);
    }

    #[tokio::test]
    async fn a_purchase_for_a_missing_user_changes_nothing() {
        let store = Store::open(&Database::Memory).await.unwrap();
        let purchase = Purchase {
            username: "ghost",
            amount: Cents::new(10_00),
            card_brand: Brand::Visa,
            card_last_four: "1111",
            at: now(),
        };
        assert_eq!(store.record_purchase(purchase).await.unwrap(), PurchaseResult::NoSuchUser);
        assert_eq!(count(&store, "SELECT count(*) FROM click2mail_purchases").await, 0);
    }
}
