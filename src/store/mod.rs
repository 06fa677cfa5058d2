//! The SQLite store behind both vendors: Click2Mail balances and purchases, Hostway accounts,
//! users, payment methods and payments. All of paymock's SQL lives in this module, one file
//! per table group; the schema is in `migrations/` and is brought up to date at every start.
//!
//! Everything is kept per [namespace](namespaces): the store as one namespace sees it is a
//! [`NamespaceStore`]. Reads are served from the in-memory [`model`]; every write goes through
//! the one [`writer`], which commits concurrent writes together and answers each only once its
//! transaction is durable, so a balance never moves without its purchase record.

mod checkpoint;
mod click2mail;
mod export;
mod hostway;
mod model;
mod namespaces;
mod saved;
mod snapshot;
mod writer;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection, SqlitePool};

pub use click2mail::{Click2MailUser, Purchase, PurchaseRecord, PurchaseResult};
pub use hostway::{
    CreateUserResult, DefaultMethod, DefaultResult, DeleteResult, HostwayAccount, HostwayUser, HostwayUserSummary,
    MethodKind, NewPaymentMethod, PaymentMethodRecord, PaymentRecord, PaymentResult, SaveResult,
};

pub use self::export::{
    AccountExport, Click2MailExport, Click2MailUserExport, Export, HostwayExport, HostwayUserExport, MethodExport,
    NamespaceExport, PaymentExport, PurchaseExport,
};
use self::model::Model;
pub use self::namespaces::{DEFAULT, DEFAULT_MAX_NAMESPACES, NamespaceInfo, NamespaceStore, Template};
pub use self::saved::{Restored, SnapshotInfo};
pub use self::snapshot::{
    AccountState, Click2MailState, Click2MailUserState, HostwayState, HostwayUserState, PaymentMethodState,
    PaymentState, PurchaseState, Snapshot, SnapshotFilter,
};
pub use self::writer::{Changed, WriteCounts};
use self::writer::{NamespaceWrite, Scope, Writer};
use crate::domain::fingerprint::FingerprintKey;
use crate::domain::password::PasswordHash;
use crate::sandbox::fixtures::Fixtures;

/// The bytes of write-ahead log file kept when the log starts over; see [`checkpoint`].
const JOURNAL_SIZE_LIMIT: u64 = 16 << 20;

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    File(PathBuf),
    /// A private in-memory database, gone when the process ends.
    Memory,
}

impl std::fmt::Display for Database {
    /// As given on the command line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::File(path) => write!(f, "{}", path.display()),
            Database::Memory => f.write_str(":memory:"),
        }
    }
}

/// When the fixtures' users and accounts are written into the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixtureLoad {
    /// Only into a database that has never had them.
    IfNew,
    /// Always: users and accounts are added or updated (passwords, roles, whether offline is
    /// allowed); balances, purchases, payment methods and payments are kept.
    Always,
}

/// What [`Store::load_fixtures`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixturesLoaded {
    /// The database was new; the fixtures are its starting state.
    IntoNewDatabase,
    /// The database had state; the fixtures' users and accounts were written over it.
    OverExistingState,
    /// The database had state and was left as it was.
    NotLoaded,
}

/// A handle on the database; cheap to clone: every request's handlers and layers clone it,
/// so it is one reference count.
#[derive(Debug, Clone)]
pub struct Store(Arc<Parts>);

/// What a [`Store`] handle reaches.
#[derive(Debug)]
pub struct Parts {
    /// For the writer, and for the histories the model does not hold.
    pool: SqlitePool,
    model: Arc<RwLock<Model>>,
    writer: Writer,
    /// This database's own key for number fingerprints, made when the database was.
    fingerprint_key: FingerprintKey,
    template: Arc<Template>,
}

impl std::ops::Deref for Store {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}

/// Why a read or write of the store failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A new namespace was asked for, but there are as many as there may be.
    #[error("there are already {max} namespaces, as many as --max-namespaces allows")]
    NamespaceLimit { max: usize },
}

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to date. A file
    /// that cannot be opened is explained in words: a missing folder, a folder in its place,
    /// permission denied, a read-only file. A file that holds another application's tables
    /// is refused untouched ([`StoreError::Foreign`]).
    pub async fn open(database: &Database, template: Template) -> Result<Store, StoreError> {
        if let Database::File(path) = database {
            refuse_foreign(path).await?;
        }
        Store::open_unexplained(database, template).await.map_err(|err| match (database, &err) {
            (Database::File(path), StoreError::Open(_) | StoreError::Migrate(_)) => explain_open_failure(path)
                .map(|reason| StoreError::Unusable { path: path.clone(), reason })
                .unwrap_or(err),
            _ => err,
        })
    }

    async fn open_unexplained(database: &Database, template: Template) -> Result<Store, StoreError> {
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
            // The writer has the log checkpointed by a task of its own, so that no commit
            // waits for a checkpoint.
            .pragma("wal_autocheckpoint", "0")
            // When the log starts over, a file grown longer than this is cut back to it.
            .pragma("journal_size_limit", JOURNAL_SIZE_LIMIT.to_string())
            .foreign_keys(true)
            // What is deleted or rewritten is overwritten with zeros, not left in free space:
            // the plain-text passwords of an older database (see `hash_set_aside_passwords`).
            .pragma("secure_delete", "on")
            .busy_timeout(Duration::from_secs(10));
        // Connections are local and go bad only with the process; a ping before each use
        // would cost the writer a round trip per batch.
        let pool = pool_options.test_before_acquire(false).connect_with(options).await.map_err(StoreError::Open)?;
        sqlx::migrate!().run(&pool).await.map_err(StoreError::Migrate)?;
        hash_set_aside_passwords(&pool).await.map_err(StoreError::Open)?;
        let fingerprint_key = fingerprint_key(&pool).await.map_err(StoreError::Open)?;
        let mut conn = pool.acquire().await.map_err(StoreError::Open)?;
        let model = Arc::new(RwLock::new(Model::load(&mut conn).await.map_err(StoreError::Open)?));
        drop(conn);
        let template = Arc::new(template);
        let (writer, _task) = Writer::start(pool.clone(), Arc::clone(&model), Arc::clone(&template));
        Ok(Store(Arc::new(Parts { pool, model, writer, fingerprint_key, template })))
    }

    /// What each commit changes from now on, for whoever watches the store.
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<Changed> {
        self.writer.changes()
    }

    /// How many transactions the writer has committed, and the writes and runs they held.
    pub fn write_counts(&self) -> WriteCounts {
        self.writer.counts()
    }

    fn model(&self) -> RwLockReadGuard<'_, Model> {
        model::read_lock(&self.model)
    }

    /// Writes the fixtures' users and accounts into the `default` namespace, in one
    /// transaction: when it is made (a new database), or with [`FixtureLoad::Always`] over any
    /// state too. Either way balances and payment methods survive restarts.
    pub async fn load_fixtures(&self, when: FixtureLoad) -> Result<FixturesLoaded, Error> {
        let load = LoadFixtures { fixtures: Arc::clone(&self.template.fixtures), when };
        self.namespace(DEFAULT).write(load).await
    }

    /// Commits every write queued so far, keeps each namespace's last use, then waits for
    /// open connections to finish and closes them.
    pub async fn close(&self) {
        if let Err(err) = self.writer.write(Flush).await {
            tracing::error!(%err, "cannot commit the writes still queued");
        }
        if let Err(err) = self.save_last_uses().await {
            tracing::warn!(%err, "cannot keep when each namespace was last used");
        }
        self.pool.close().await;
    }
}

/// Changes nothing: once it is answered, every write queued before it is committed.
struct Flush;

impl writer::StoreWrite for Flush {
    type Output = ();

    async fn apply(&self, _: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        Ok(())
    }

    fn mirror(&self, _: &mut (), _: &mut Model) {}
}

/// Loads the fixtures into a namespace the writer just made from them (so nothing is left
/// to do), or over the state of one that was there.
struct LoadFixtures {
    fixtures: Arc<Fixtures>,
    when: FixtureLoad,
}

impl NamespaceWrite for LoadFixtures {
    type Output = FixturesLoaded;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<FixturesLoaded, sqlx::Error> {
        if namespace.created {
            return Ok(FixturesLoaded::IntoNewDatabase);
        }
        if self.when == FixtureLoad::IfNew {
            return Ok(FixturesLoaded::NotLoaded);
        }
        let now = timestamp(chrono::Utc::now());
        click2mail::upsert_fixtures(conn, namespace.id, &self.fixtures.click2mail, &now).await?;
        hostway::upsert_fixtures(conn, namespace.id, &self.fixtures.hostway, &now).await?;
        Ok(FixturesLoaded::OverExistingState)
    }

    fn mirror(&self, _: &mut FixturesLoaded, _: &mut model::NamespaceModel) {}

    fn reloads_namespace(&self, loaded: &FixturesLoaded) -> bool {
        *loaded == FixturesLoaded::OverExistingState
    }
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

/// Finishes migration 0005 on a database made before it: hashes each password the migration
/// set aside in plain text into its user's `password_hash`, and drops them, in one
/// transaction. Their bytes are overwritten (`secure_delete`), and the write-ahead log, whose
/// earlier frames still hold them, is emptied into the database. Does nothing once done.
async fn hash_set_aside_passwords(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let pending: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'passwords_to_hash'")
            .fetch_optional(pool)
            .await?;
    if pending.is_none() {
        return Ok(());
    }
    let mut transaction = pool.begin().await?;
    let set_aside: Vec<(String, String, String)> =
        sqlx::query_as("SELECT user_table, username, password FROM passwords_to_hash")
            .fetch_all(&mut *transaction)
            .await?;
    for (user_table, username, password) in &set_aside {
        // The migration's CHECK allows only these two tables.
        let update = if user_table == "hostway_users" {
            "UPDATE hostway_users SET password_hash = ?1 WHERE username = ?2"
        } else {
            "UPDATE click2mail_users SET password_hash = ?1 WHERE username = ?2"
        };
        sqlx::query(update)
            .bind(PasswordHash::new(password).to_string())
            .bind(username)
            .execute(&mut *transaction)
            .await?;
    }
    sqlx::query("DROP TABLE passwords_to_hash").execute(&mut *transaction).await?;
    transaction.commit().await?;
    let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(pool).await?;
    if busy != 0 {
        tracing::warn!("the write-ahead log could not be emptied; it still holds the passwords hashed just now");
    }
    if !set_aside.is_empty() {
        tracing::info!(users = set_aside.len(), "passwords kept in plain text by an earlier version are now hashed");
    }
    Ok(())
}

/// Refuses a database file that is not paymock's, before anything is written to it: not
/// paymock's tables, nor WAL mode. A file is paymock's when it does not exist yet, holds no
/// table, holds `paymock_meta` (the table the first migration makes), or holds only the
/// migrations table (a first start that stopped before its first migration).
async fn refuse_foreign(path: &Path) -> Result<(), StoreError> {
    if !path.is_file() {
        // Missing (to be made) or not a file at all (explained when it fails to open).
        return Ok(());
    }
    // The file's own settings, journal mode included, are left as they are. Read-write, so
    // that a WAL database's -wal and -shm files go away again with this connection.
    let options = SqliteConnectOptions::new().filename(path);
    let Ok(mut connection) = options.connect().await else {
        // Not readable: the open that follows explains why.
        return Ok(());
    };
    let tables: Result<Vec<String>, _> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(&mut connection)
    .await;
    let _ = connection.close().await;
    let Ok(tables) = tables else { return Ok(()) };
    let paymocks =
        tables.iter().any(|table| table == "paymock_meta") || tables.iter().all(|table| table == "_sqlx_migrations");
    if paymocks {
        return Ok(());
    }
    let tables = tables.into_iter().filter(|table| table != "_sqlx_migrations").collect();
    Err(StoreError::Foreign { path: path.to_owned(), tables })
}

/// Some of the tables of a database that is not paymock's: the first few, and how many more.
fn some_tables(tables: &[String]) -> String {
    const SHOWN: usize = 5;
    let shown = tables.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>().join(", ");
    match tables.len().saturating_sub(SHOWN) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file that holds another application's tables, some of which it names. paymock
    /// neither adds its own tables to it nor changes it in any other way.
    #[error(
        "cannot use the database {}: it holds another application's tables ({}), not paymock's, and paymock leaves \
         it as it is; give --database a new file, such as paymock.db, or :memory:",
        path.display(),
        some_tables(tables)
    )]
    Foreign { path: PathBuf, tables: Vec<String> },
    /// A file that cannot be used, and why, in words.
    #[error("cannot open the database {}: {reason}", path.display())]
    Unusable { path: PathBuf, reason: String },
    #[error("cannot open the database: {0}")]
    Open(#[source] sqlx::Error),
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

/// Why SQLite could not open or write `path`, found by looking at the file system: `None`
/// when nothing there explains it. Only touches the file system to try opening what exists,
/// and to try creating a missing file (removed again).
fn explain_open_failure(path: &Path) -> Option<String> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Some(if folder.exists() {
            format!("{} is a file, not a folder", folder.display())
        } else {
            format!("the folder {} does not exist; create it first", folder.display())
        });
    }
    if path.is_dir() {
        return Some("it is a folder; give the path of a database file in it, such as paymock.db".into());
    }
    let denied = |action: &str, err: std::io::Error| match err.kind() {
        std::io::ErrorKind::PermissionDenied => Some(format!("permission denied: cannot {action}")),
        std::io::ErrorKind::ReadOnlyFilesystem => Some("the file system is read-only".into()),
        _ => None,
    };
    if path.exists() {
        let read_only = std::fs::metadata(path).is_ok_and(|meta| meta.permissions().readonly());
        let opened = std::fs::OpenOptions::new().read(true).write(true).open(path);
        return match opened {
            Err(_) if read_only => Some("the file is read-only; paymock needs to write to it".into()),
            Err(err) => denied("read and write the file", err),
            Ok(_) if read_only => Some("the file is read-only; paymock needs to write to it".into()),
            Ok(mut file) => {
                let mut header = [0u8; 16];
                let is_sqlite =
                    std::io::Read::read_exact(&mut file, &mut header).is_err() || &header == b"SQLite format 3\0";
                if !is_sqlite {
                    return Some("it is not a SQLite database".into());
                }
                // WAL mode keeps two files beside the database, so the folder must take new files.
                let probe = folder.join(format!(".paymock-probe-{}", std::process::id()));
                match std::fs::OpenOptions::new().write(true).create_new(true).open(&probe) {
                    Ok(_) => {
                        let _ = std::fs::remove_file(&probe);
                        None
                    }
                    Err(err) => denied(
                        &format!("create the database's -wal and -shm files beside it in {}", folder.display()),
                        err,
                    ),
                }
            }
        };
    }
    match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(_) => {
            let _ = std::fs::remove_file(path);
            None
        }
        Err(err) => denied(&format!("create a file in {}", folder.display()), err),
    }
}

/// Timestamps are stored as RFC 3339 text in UTC with milliseconds, which sorts by time.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::cards::Brand;
    use crate::domain::money::Cents;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    fn visa_purchase(username: &str, amount: Cents) -> Purchase<'_> {
        Purchase { username, amount, card_brand: Brand::Visa, card_last_four: "1111", at: now() }
    }

    async fn open(database: &Database, fixtures: Fixtures) -> Store {
        let template = Template { fixtures: Arc::new(fixtures), max_namespaces: DEFAULT_MAX_NAMESPACES };
        Store::open(database, template).await.unwrap()
    }

    async fn count(store: &Store, table_query: &'static str) -> i64 {
        sqlx::query_scalar(table_query).fetch_one(&store.pool).await.unwrap()
    }

    #[tokio::test]
    async fn fixtures_load_into_a_new_database_only() {
        let dir = tempfile::tempdir().unwrap();
        let database = Database::File(dir.path().join("paymock.db"));
        let fixtures = Fixtures::builtin().unwrap();

        let store = open(&database, fixtures.clone()).await;
        let ns = store.namespace(DEFAULT);
        assert_eq!(store.load_fixtures(FixtureLoad::IfNew).await.unwrap(), FixturesLoaded::IntoNewDatabase);
        let purchase = visa_purchase("awesomeuser", Cents::new(10_00));
        assert_eq!(
            ns.record_purchase(purchase).await.unwrap(),
            PurchaseResult::Recorded { balance: Cents::new(10_00) }
        );
        store.close().await;

        let store = open(&database, fixtures).await;
        let ns = store.namespace(DEFAULT);
        assert_eq!(store.load_fixtures(FixtureLoad::IfNew).await.unwrap(), FixturesLoaded::NotLoaded);
        assert_eq!(ns.click2mail_user("awesomeuser").await.unwrap().unwrap().balance, Cents::new(10_00));
        assert_eq!(ns.click2mail_purchases("awesomeuser").await.unwrap().len(), 1);
        let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&store.pool).await.unwrap();
        assert_eq!(journal_mode, "wal");
    }

    #[tokio::test]
    async fn fixtures_loaded_always_update_users_and_accounts_and_keep_state() {
        let dir = tempfile::tempdir().unwrap();
        let database = Database::File(dir.path().join("paymock.db"));
        let store = open(&database, Fixtures::builtin().unwrap()).await;
        let ns = store.namespace(DEFAULT);
        store.load_fixtures(FixtureLoad::IfNew).await.unwrap();
        ns.record_purchase(visa_purchase("awesomeuser", Cents::new(10_00))).await.unwrap();
        assert_eq!(ns.set_offline_default("1002").await.unwrap(), DefaultResult::Set);
        store.close().await;

        let fixtures_dir = tempfile::tempdir().unwrap();
        std::fs::write(
            fixtures_dir.path().join(crate::sandbox::fixtures::CLICK2MAIL_FILE),
            r#"{"users": [{"username": "awesomeuser", "password": "new-pw", "balance": "99.00"},
                          {"username": "newcomer", "password": "pw", "balance": "5.00"}]}"#,
        )
        .unwrap();
        std::fs::write(
            fixtures_dir.path().join(crate::sandbox::fixtures::HOSTWAY_FILE),
            r#"{"accounts": [{"id": "1002"}, {"id": "2001", "allowOffline": true}],
                "users": [{"username": "acme-owner", "password": "pw2", "roles": {"2001": ["sitecontrol_account_owner"]}}]}"#,
        )
        .unwrap();
        let changed = Fixtures::load(Some(fixtures_dir.path())).unwrap();
        let store = open(&database, changed).await;
        let ns = store.namespace(DEFAULT);
        assert_eq!(store.load_fixtures(FixtureLoad::Always).await.unwrap(), FixturesLoaded::OverExistingState);

        let kept = ns.click2mail_user("awesomeuser").await.unwrap().unwrap();
        assert!(kept.password_hash.matches("new-pw") && !kept.password_hash.matches("gReAt/PaSsWoRd123"));
        assert_eq!(kept.balance, Cents::new(10_00));
        let added = ns.click2mail_user("newcomer").await.unwrap().unwrap();
        assert_eq!(added.balance, Cents::new(5_00));
        assert_eq!(ns.click2mail_purchases("awesomeuser").await.unwrap().len(), 1);

        // 1002 no longer allows offline, so its offline default is gone with it; 1001 and the
        // users the file does not name are kept.
        let account = ns.hostway_account("1002").await.unwrap().unwrap();
        assert!(!account.allow_offline);
        assert_eq!(account.default, DefaultMethod::None);
        assert!(ns.hostway_account("1001").await.unwrap().is_some());
        assert!(ns.hostway_account("2001").await.unwrap().unwrap().allow_offline);
        assert!(ns.hostway_user("acme-owner").await.unwrap().unwrap().password_hash.matches("pw2"));
        assert_eq!(ns.hostway_roles("acme-owner", "2001").await.unwrap(), ["sitecontrol_account_owner"]);
        assert_eq!(ns.hostway_roles("acme-owner", "1001").await.unwrap(), Vec::<String>::new());
        assert!(ns.hostway_user("sales-agent").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn the_hostway_fixtures_are_stored() {
        let store = open(&Database::Memory, Fixtures::builtin().unwrap()).await;
        store.load_fixtures(FixtureLoad::IfNew).await.unwrap();

        let accounts: Vec<(String, bool, Option<i64>)> =
            sqlx::query_as("SELECT id, allow_offline, default_payment_method FROM hostway_accounts ORDER BY id")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert_eq!(accounts, [("1001".into(), false, None), ("1002".into(), true, None)]);
        let users: Vec<(String, String, bool)> =
            sqlx::query_as("SELECT username, password_hash, is_sales_agent FROM hostway_users ORDER BY username")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        let expected = [
            ("acme-member", "Member-Pass-1", false),
            ("acme-owner", "Owner-Pass-1", false),
            ("sales-agent", "Agent-Pass-1", true),
        ];
        assert_eq!(users.len(), expected.len());
        for ((username, stored, agent), (expected_username, password, expected_agent)) in users.iter().zip(expected) {
            assert_eq!((username.as_str(), *agent), (expected_username, expected_agent));
            assert!(!stored.contains(password), "{username}: {stored}");
            assert!(PasswordHash::parse(stored).unwrap().matches(password), "{username}");
        }
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

    /// Every kind of write, mirrored into the model, leaves it as loading the database afresh
    /// would.
    #[tokio::test]
    async fn the_model_stays_in_step_with_the_database() {
        let store = open(&Database::Memory, Fixtures::builtin().unwrap()).await;
        let ns = store.namespace(DEFAULT);
        store.load_fixtures(FixtureLoad::IfNew).await.unwrap();
        let card = |account: &str, number: &str| NewPaymentMethod {
            card_brand: Some("visa".into()),
            expiration: Some("2030-04".into()),
            ..NewPaymentMethod::new(account, MethodKind::CreditCard, number, ns.fingerprint(&[number]), now())
        };
        let purchase = visa_purchase("awesomeuser", Cents::new(12_34));
        ns.record_purchase(purchase).await.unwrap();
        assert!(ns.create_click2mail_user("second", "pw", Cents::new(5_00), now()).await.unwrap());
        assert!(ns.set_click2mail_balance("second", Cents::new(7_00)).await.unwrap());
        assert!(ns.create_hostway_account("2001", true, now()).await.unwrap());
        let roles = [("2001".to_owned(), "b-role".to_owned()), ("2001".to_owned(), "a-role".to_owned())];
        assert_eq!(ns.create_hostway_user("new", "pw", false, &roles, now()).await.unwrap(), CreateUserResult::Created);
        assert_eq!(
            ns.save_payment_method(card("2001", "4111111111111111")).await.unwrap(),
            SaveResult::Saved { id: 1 }
        );
        assert_eq!(
            ns.save_payment_method(card("2001", "4111111111111111")).await.unwrap(),
            SaveResult::Duplicate { kind: MethodKind::CreditCard, id: 1 }
        );
        assert_eq!(
            ns.save_payment_method(card("2001", "5555555555554444")).await.unwrap(),
            SaveResult::Saved { id: 2 }
        );
        assert_eq!(
            ns.save_payment_method(card("1001", "5555555555554444")).await.unwrap(),
            SaveResult::Saved { id: 3 }
        );
        assert_eq!(ns.set_default_payment_method("2001", MethodKind::CreditCard, 2).await.unwrap(), DefaultResult::Set);
        assert_eq!(
            ns.delete_payment_method("2001", MethodKind::CreditCard, 1, now()).await.unwrap(),
            DeleteResult::Deleted
        );
        assert_eq!(ns.set_offline_default("2001").await.unwrap(), DefaultResult::Set);
        ns.record_payment("1001", 3, Cents::new(1_00), now()).await.unwrap();

        let mirrored = model::read_lock(&store.model).namespaces[DEFAULT].clone();
        let loaded = Model::load(&mut store.pool.acquire().await.unwrap()).await.unwrap().namespaces[DEFAULT].clone();
        assert_eq!(mirrored.click2mail_users, loaded.click2mail_users);
        assert_eq!(mirrored.hostway_users, loaded.hostway_users);
        assert_eq!(mirrored.hostway_accounts, loaded.hostway_accounts);
        assert_eq!(mirrored.click2mail_users["awesomeuser"].balance, Cents::new(12_34));
        assert_eq!(mirrored.hostway_users["new"].roles["2001"], ["a-role", "b-role"]);
        assert_eq!(mirrored.hostway_accounts["2001"].methods.keys().collect::<Vec<_>>(), [&2]);
        assert_eq!(mirrored.hostway_accounts["1001"].account.default, DefaultMethod::Saved(3));
        // It holds password hashes, never a password.
        let held = format!("{mirrored:?}");
        for password in ["gReAt/PaSsWoRd123", "Owner-Pass-1", "Member-Pass-1", "Agent-Pass-1"] {
            assert!(!held.contains(password), "{password}");
        }
        assert!(mirrored.hostway_users["new"].user.password_hash.matches("pw"));
    }

    /// The design the benchmark relies on, checked by counting rather than timing: reads
    /// need no SQL at all, concurrent writes share commits, and the purchases of a commit
    /// share one statement.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_need_no_sql_and_concurrent_writes_share_commits() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&Database::File(dir.path().join("paymock.db")), Fixtures::builtin().unwrap()).await;
        let ns = store.namespace(DEFAULT);
        store.load_fixtures(FixtureLoad::IfNew).await.unwrap();
        let before = store.write_counts();

        const WRITES: u64 = 64;
        let purchases = (0..WRITES).map(|_| {
            let ns = ns.clone();
            tokio::spawn(async move {
                let purchase = visa_purchase("awesomeuser", Cents::new(10_00));
                ns.record_purchase(purchase).await.unwrap()
            })
        });
        let mut balances = Vec::new();
        for purchase in purchases.collect::<Vec<_>>() {
            let PurchaseResult::Recorded { balance } = purchase.await.unwrap() else { panic!("not recorded") };
            balances.push(balance.get());
        }
        balances.sort();
        assert_eq!(balances, (1..=WRITES as i64).map(|n| n * 10_00).collect::<Vec<_>>());

        let counts = store.write_counts();
        assert_eq!(counts.writes - before.writes, WRITES);
        let commits = counts.commits - before.commits;
        assert!(commits <= WRITES / 4, "{WRITES} concurrent writes took {commits} commits");
        assert_eq!(counts.runs - before.runs, commits, "a batch of purchases is one statement");

        // With the database closed, every read the vendor APIs make still answers.
        store.pool.close().await;
        assert_eq!(
            ns.click2mail_user("awesomeuser").await.unwrap().unwrap().balance,
            Cents::new(WRITES as i64 * 10_00)
        );
        assert!(ns.hostway_user("acme-owner").await.unwrap().is_some());
        assert!(ns.hostway_account("1001").await.unwrap().is_some());
        assert_eq!(ns.hostway_roles("acme-owner", "1001").await.unwrap(), ["sitecontrol_account_owner"]);
        assert_eq!(ns.payment_methods("1001").await.unwrap(), []);
        assert_eq!(ns.payment_method("1001", MethodKind::CreditCard, 1).await.unwrap(), None);
        assert_eq!(ns.default_payment_method("1001").await.unwrap(), None);
    }

    /// No commit waits for a checkpoint: no connection checkpoints by itself, yet every
    /// commit reaches the database file, by checkpoints of their own: those due as commits
    /// pile up, and the one once the writer is quiet.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_commit_is_checkpointed_off_the_commit_path() {
        let (dir, store) = open_file_store().await;
        let autocheckpoint: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint").fetch_one(&store.pool).await.unwrap();
        assert_eq!(autocheckpoint, 0);
        // Two checkpoints due, and one more purchase for the quiet one.
        const PURCHASES: u64 = 2 * checkpoint::EVERY + 1;
        record_purchases(&store, PURCHASES).await;
        assert_eq!(purchases_in_file(&store, dir.path()).await, PURCHASES);
    }

    /// A passive checkpoint leaves behind what a reader still uses; what it left reaches the
    /// file once the reader is done, with nothing more committed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn what_a_reader_holds_back_is_checkpointed_after_it() {
        let (dir, store) = open_file_store().await;
        let mut checkpoints = store.writer.checkpoints();
        let mut reader =
            SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(db_file(dir.path()))).await.unwrap();
        let (committed, attempts) = (store.write_counts().commits, checkpoints.borrow().attempts);
        sqlx::query("BEGIN").execute(&mut reader).await.unwrap();
        let before: i64 =
            sqlx::query_scalar("SELECT count(*) FROM click2mail_purchases").fetch_one(&mut reader).await.unwrap();
        assert_eq!(before, 0);
        const PURCHASES: u64 = 2 * checkpoint::EVERY;
        record_purchases(&store, PURCHASES).await;
        // Checkpoints are tried while the reader holds the log (one may have begun before it),
        // and none completes.
        let progress = tokio::time::timeout(
            Duration::from_secs(60),
            checkpoints.wait_for(|progress| progress.attempts >= attempts + 3),
        )
        .await
        .expect("checkpoints are tried")
        .map(|progress| *progress)
        .unwrap();
        assert!(progress.in_file <= committed, "{progress:?}");
        sqlx::query("COMMIT").execute(&mut reader).await.unwrap();
        assert_eq!(purchases_in_file(&store, dir.path()).await, PURCHASES);
    }

    /// Under a steady stream of commits, never quiet, the log still starts over from its
    /// beginning: its file stays within what a few hundred commits write.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_starts_over_under_a_steady_stream_of_commits() {
        let (dir, store) = open_file_store().await;
        let log = dir.path().join("paymock.db-wal");
        let log_bytes = || std::fs::metadata(&log).unwrap().len();
        const ROUND: u64 = 64;
        record_purchases(&store, ROUND).await;
        let per_commit = log_bytes() / ROUND;
        // Four times the commits between two restarts.
        let mut longest = 0;
        for _ in 0..4 * checkpoint::RESTART_EVERY / ROUND {
            record_purchases(&store, ROUND).await;
            longest = longest.max(log_bytes());
        }
        // A restart the task's own checkpoint got in the way of waits for the next one: the
        // log may hold twice the commits between two restarts, never four times.
        let bound = per_commit * checkpoint::RESTART_EVERY * 5 / 2;
        assert!(longest < bound, "the log file grew to {longest} bytes, past {bound}");
    }

    fn db_file(dir: &Path) -> PathBuf {
        dir.join("paymock.db")
    }

    async fn open_file_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&Database::File(db_file(dir.path())), Fixtures::builtin().unwrap()).await;
        store.load_fixtures(FixtureLoad::IfNew).await.unwrap();
        (dir, store)
    }

    async fn record_purchases(store: &Store, purchases: u64) {
        let ns = store.namespace(DEFAULT);
        for _ in 0..purchases {
            // One commit each.
            ns.record_purchase(visa_purchase("awesomeuser", Cents::new(10_00))).await.unwrap();
        }
    }

    /// The purchases in the database file alone, without its log, once every commit so far
    /// has been checkpointed there.
    async fn purchases_in_file(store: &Store, dir: &Path) -> u64 {
        let committed = store.write_counts().commits;
        let mut checkpoints = store.writer.checkpoints();
        // Only a guard against hanging: the checkpoints come within a second.
        tokio::time::timeout(Duration::from_secs(60), checkpoints.wait_for(|progress| progress.in_file >= committed))
            .await
            .expect("every commit is checkpointed")
            .unwrap();
        let file_alone = SqliteConnectOptions::new().filename(db_file(dir)).immutable(true).read_only(true);
        let mut file = SqliteConnection::connect_with(&file_alone).await.unwrap();
        let copied: i64 =
            sqlx::query_scalar("SELECT count(*) FROM click2mail_purchases").fetch_one(&mut file).await.unwrap();
        copied as u64
    }

    #[tokio::test]
    async fn a_purchase_for_a_missing_user_changes_nothing() {
        let store = open(&Database::Memory, Fixtures::builtin().unwrap()).await;
        let ns = store.namespace(DEFAULT);
        let purchase = visa_purchase("ghost", Cents::new(10_00));
        assert_eq!(ns.record_purchase(purchase).await.unwrap(), PurchaseResult::NoSuchUser);
        assert_eq!(count(&store, "SELECT count(*) FROM click2mail_purchases").await, 0);
    }
}
