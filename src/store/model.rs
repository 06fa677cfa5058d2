//! What every request reads, held in memory: credentials (password hashes, never passwords),
//! Click2Mail balances, Hostway roles, accounts and their active payment methods. It is loaded
//! from the database at start-up and kept in step by the [writer](super::writer), the only
//! thing that changes the database, so reads cost no SQL and no work that grows with the data.
//! Purchase and payment histories are not held here; they are read from the database when
//! asked for.

use std::collections::{BTreeMap, HashMap};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use sqlx::SqlitePool;

use super::click2mail::Click2MailUser;
use super::hostway::{DefaultMethod, HostwayAccount, HostwayUser, PaymentMethodRecord};
use crate::domain::mask::Masked;
use crate::domain::money::Cents;
use crate::domain::password::PasswordHash;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Model {
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

impl Model {
    pub(super) async fn load(pool: &SqlitePool) -> Result<Model, sqlx::Error> {
        let mut model = Model::default();

        let users: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT username, password_hash, balance_cents FROM click2mail_users")
                .fetch_all(pool)
                .await?;
        for (username, password_hash, balance) in users {
            let password_hash = stored_hash(&username, &password_hash)?;
            model.click2mail_users.insert(username, Click2MailUser { password_hash, balance: Cents::new(balance) });
        }

        let users: Vec<(String, String, bool)> =
            sqlx::query_as("SELECT username, password_hash, is_sales_agent FROM hostway_users").fetch_all(pool).await?;
        for (username, password_hash, is_sales_agent) in users {
            let user = HostwayUser { password_hash: stored_hash(&username, &password_hash)?, is_sales_agent };
            model.hostway_users.insert(username, HostwayUserEntry { user, roles: HashMap::new() });
        }
        let roles: Vec<(String, String, String)> =
            sqlx::query_as("SELECT username, account_id, role FROM hostway_user_roles ORDER BY role")
                .fetch_all(pool)
                .await?;
        for (username, account_id, role) in roles {
            if let Some(entry) = model.hostway_users.get_mut(&username) {
                entry.roles.entry(account_id).or_default().push(role);
            }
        }

        let accounts: Vec<(String, bool, Option<i64>, bool)> = sqlx::query_as(
            "SELECT id, allow_offline, default_payment_method, offline_is_default FROM hostway_accounts",
        )
        .fetch_all(pool)
        .await?;
        for (id, allow_offline, saved, offline) in accounts {
            let default = match (saved, offline) {
                (Some(id), _) => DefaultMethod::Saved(id),
                (None, true) => DefaultMethod::Offline,
                (None, false) => DefaultMethod::None,
            };
            let account = HostwayAccount { allow_offline, default };
            model.hostway_accounts.insert(id, AccountEntry { account, methods: BTreeMap::new() });
        }
        let methods: Vec<(String, PaymentMethodRecord)> = {
            let rows: Vec<AccountMethodRow> =
                sqlx::query_as("SELECT * FROM hostway_payment_methods WHERE deleted_at IS NULL")
                    .fetch_all(pool)
                    .await?;
            rows.into_iter().map(|row| (row.account_id, row.method)).collect()
        };
        for (account_id, method) in methods {
            if let Some(entry) = model.hostway_accounts.get_mut(&account_id) {
                entry.methods.insert(method.id, method);
            }
        }
        Ok(model)
    }
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
