//! What every request reads, held in memory, per namespace: credentials (password hashes,
//! never passwords), Click2Mail balances, Hostway roles, accounts and their active payment
//! methods. It is loaded from the database at start-up and kept in step by the
//! [writer](super::writer), the only thing that changes the database, so reads cost no SQL and
//! no work that grows with the data. Purchase and payment histories are not held here; they
//! are read from the database when asked for.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use sqlx::SqliteConnection;

use super::click2mail::Click2MailUser;
use super::hostway::{DefaultMethod, HostwayAccount, HostwayUser, PaymentMethodRecord};
use crate::domain::fingerprint::FingerprintKey;
use crate::domain::mask::Masked;
use crate::domain::money::Cents;
use crate::domain::password::PasswordHash;

/// Every namespace, by name.
#[derive(Debug, Default, Clone)]
pub struct Model {
    pub(super) namespaces: HashMap<Arc<str>, NamespaceModel>,
}

/// One namespace's state.
#[derive(Debug, Clone)]
pub struct NamespaceModel {
    /// Its id in the database, which every row of it carries.
    pub(super) id: i64,
    pub(super) created_at: String,
    /// Milliseconds since the epoch, real time: when a request last used it.
    pub(super) last_used_ms: Arc<AtomicI64>,
    /// The key its number fingerprints were made with, when not the database's own.
    pub(super) fingerprint_key: Option<FingerprintKey>,
    pub(super) click2mail_users: HashMap<String, Click2MailUser>,
    pub(super) hostway_users: HashMap<String, HostwayUserEntry>,
    pub(super) hostway_accounts: HashMap<String, AccountEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HostwayUserEntry {
    pub(super) user: HostwayUser,
    /// Account id to the roles held on it, sorted.
    pub(super) roles: HashMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AccountEntry {
    pub(super) account: HostwayAccount,
    /// The active (not deleted) methods, by id, so oldest first.
    pub(super) methods: BTreeMap<i64, PaymentMethodRecord>,
}

impl NamespaceModel {
    /// A namespace with nothing in it yet.
    pub(super) fn empty(id: i64, created_at: String, last_used_ms: i64) -> NamespaceModel {
        NamespaceModel {
            id,
            created_at,
            last_used_ms: Arc::new(AtomicI64::new(last_used_ms)),
            fingerprint_key: None,
            click2mail_users: HashMap::new(),
            hostway_users: HashMap::new(),
            hostway_accounts: HashMap::new(),
        }
    }

    pub(super) fn last_used_ms(&self) -> i64 {
        self.last_used_ms.load(Ordering::Relaxed)
    }

    pub(super) fn touch(&self, now_ms: i64) {
        self.last_used_ms.fetch_max(now_ms, Ordering::Relaxed);
    }
}

impl Model {
    /// Every namespace, one query per table whatever their number, so that a start with
    /// thousands of namespaces is quick.
    pub(super) async fn load(conn: &mut SqliteConnection) -> Result<Model, sqlx::Error> {
        let mut names = HashMap::new();
        let mut models = HashMap::new();
        let namespaces: Vec<(i64, String, String, String, Option<String>)> =
            sqlx::query_as("SELECT id, name, created_at, last_used_at, fingerprint_key FROM paymock_namespaces")
                .fetch_all(&mut *conn)
                .await?;
        for (id, name, created_at, last_used_at, key) in namespaces {
            models.insert(id, namespace_model(id, &name, created_at, &last_used_at, key)?);
            names.insert(id, Arc::<str>::from(name));
        }
        fill(conn, None, &mut models).await?;
        let namespaces = models.into_iter().filter_map(|(id, model)| Some((names.remove(&id)?, model))).collect();
        Ok(Model { namespaces })
    }
}

/// A namespace's model with nothing in it yet, from its row.
fn namespace_model(
    id: i64,
    name: &str,
    created_at: String,
    last_used_at: &str,
    key: Option<String>,
) -> Result<NamespaceModel, sqlx::Error> {
    let last_used_ms = chrono::DateTime::parse_from_rfc3339(last_used_at).map_or(0, |at| at.timestamp_millis());
    let mut model = NamespaceModel::empty(id, created_at, last_used_ms);
    model.fingerprint_key =
        match key {
            Some(key) => Some(FingerprintKey::from_hex(&key).ok_or_else(|| {
                sqlx::Error::Protocol(format!("the fingerprint key of namespace {name} is malformed"))
            })?),
            None => None,
        };
    Ok(model)
}

/// Reads the rows of one namespace (`Some(id)`) or of all into their models, by namespace id.
async fn fill(
    conn: &mut SqliteConnection,
    only: Option<i64>,
    models: &mut HashMap<i64, NamespaceModel>,
) -> Result<(), sqlx::Error> {
    let users: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT namespace, username, password_hash, balance_cents FROM click2mail_users \
         WHERE ?1 IS NULL OR namespace = ?1",
    )
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    for (namespace, username, password_hash, balance) in users {
        let password_hash = stored_hash(&username, &password_hash)?;
        if let Some(model) = models.get_mut(&namespace) {
            model.click2mail_users.insert(username, Click2MailUser { password_hash, balance: Cents::new(balance) });
        }
    }

    let users: Vec<(i64, String, String, bool)> = sqlx::query_as(
        "SELECT namespace, username, password_hash, is_sales_agent FROM hostway_users WHERE ?1 IS NULL OR namespace = ?1",
    )
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    for (namespace, username, password_hash, is_sales_agent) in users {
        let user = HostwayUser { password_hash: stored_hash(&username, &password_hash)?, is_sales_agent };
        if let Some(model) = models.get_mut(&namespace) {
            model.hostway_users.insert(username, HostwayUserEntry { user, roles: HashMap::new() });
        }
    }
    let roles: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT namespace, username, account_id, role FROM hostway_user_roles WHERE ?1 IS NULL OR namespace = ?1 \
         ORDER BY role",
    )
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    for (namespace, username, account_id, role) in roles {
        if let Some(entry) = models.get_mut(&namespace).and_then(|model| model.hostway_users.get_mut(&username)) {
            entry.roles.entry(account_id).or_default().push(role);
        }
    }

    let accounts: Vec<(i64, String, bool, Option<i64>, bool)> = sqlx::query_as(
        "SELECT namespace, id, allow_offline, default_payment_method, offline_is_default FROM hostway_accounts \
         WHERE ?1 IS NULL OR namespace = ?1",
    )
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    for (namespace, account_id, allow_offline, saved, offline) in accounts {
        let default = match (saved, offline) {
            (Some(id), _) => DefaultMethod::Saved(id),
            (None, true) => DefaultMethod::Offline,
            (None, false) => DefaultMethod::None,
        };
        let account = HostwayAccount { allow_offline, default };
        if let Some(model) = models.get_mut(&namespace) {
            model.hostway_accounts.insert(account_id, AccountEntry { account, methods: BTreeMap::new() });
        }
    }
    let rows: Vec<AccountMethodRow> = sqlx::query_as(
        "SELECT * FROM hostway_payment_methods WHERE (?1 IS NULL OR namespace = ?1) AND deleted_at IS NULL",
    )
    .bind(only)
    .fetch_all(&mut *conn)
    .await?;
    for AccountMethodRow { namespace, account_id, method } in rows {
        if let Some(entry) = models.get_mut(&namespace).and_then(|model| model.hostway_accounts.get_mut(&account_id)) {
            entry.methods.insert(method.id, method);
        }
    }
    Ok(())
}

/// One namespace, by its id: `None` when there is none.
pub(super) async fn load_namespace(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<(Arc<str>, NamespaceModel)>, sqlx::Error> {
    let row: Option<(String, String, String, Option<String>)> =
        sqlx::query_as("SELECT name, created_at, last_used_at, fingerprint_key FROM paymock_namespaces WHERE id = ?1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((name, created_at, last_used_at, key)) = row else { return Ok(None) };
    let mut models = HashMap::from([(id, namespace_model(id, &name, created_at, &last_used_at, key)?)]);
    fill(conn, Some(id), &mut models).await?;
    Ok(models.remove(&id).map(|model| (name.into(), model)))
}

/// A user's password hash as the database holds it; one that does not read is an error, as
/// that user could never log in.
fn stored_hash(username: &str, stored: &str) -> Result<PasswordHash, sqlx::Error> {
    PasswordHash::parse(stored).ok_or_else(|| {
        sqlx::Error::Protocol(format!("the stored password hash of user {} is malformed", Masked::new(username)))
    })
}

#[derive(sqlx::FromRow)]
struct AccountMethodRow {
    namespace: i64,
    account_id: String,
    #[sqlx(flatten)]
    method: PaymentMethodRecord,
}

/// The model for reading. A panic elsewhere never leaves it half-changed (changes are plain
/// assignments), so a poisoned lock is still good to read.
pub(super) fn read_lock(model: &RwLock<Model>) -> RwLockReadGuard<'_, Model> {
    model.read().unwrap_or_else(PoisonError::into_inner)
}

pub(super) fn write_lock(model: &RwLock<Model>) -> RwLockWriteGuard<'_, Model> {
    model.write().unwrap_or_else(PoisonError::into_inner)
}
