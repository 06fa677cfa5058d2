//! Hostway accounts, users and their roles, saved payment methods and payments.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use std::collections::{BTreeMap, HashMap};

use super::model::{AccountEntry, HostwayUserEntry, NamespaceModel};
use super::writer::{NamespaceWrite, Scope};
use super::{Error, NamespaceStore, timestamp};
use crate::domain::cards::mask_all_but_last_four;
use crate::domain::money::Cents;
use crate::domain::password::PasswordHash;
use crate::sandbox::fixtures::HostwayFixtures;

/// What authenticating a Hostway user needs: the password only as its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostwayUser {
    pub password_hash: PasswordHash,
    pub is_sales_agent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostwayAccount {
    pub allow_offline: bool,
    pub default: DefaultMethod,
}

/// Which payment method an account pays with unless told otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultMethod {
    /// No method has been saved yet (or the default was never set).
    None,
    /// The offline method, for accounts that allow it.
    Offline,
    /// A saved method, by its id.
    Saved(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodKind {
    CreditCard,
    DirectDebit,
}

impl TryFrom<String> for MethodKind {
    type Error = String;

    fn try_from(name: String) -> Result<MethodKind, String> {
        MethodKind::from_name(&name).ok_or_else(|| format!("unknown payment method kind {name}"))
    }
}

impl MethodKind {
    /// The `paymentInfoType` value.
    pub fn name(self) -> &'static str {
        match self {
            MethodKind::CreditCard => "credit_card",
            MethodKind::DirectDebit => "direct_debit",
        }
    }

    fn from_name(name: &str) -> Option<MethodKind> {
        [MethodKind::CreditCard, MethodKind::DirectDebit].into_iter().find(|kind| kind.name() == name)
    }
}

/// A saved payment method, as much of it as the API shows or needs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentMethodRecord {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: MethodKind,
    /// `XXXXXXXXXXXX1111`
    pub number_masked: String,
    pub card_brand: Option<String>,
    /// `yyyy-mm`
    pub expiration: Option<String>,
    pub test_card_outcome: Option<String>,
    pub routing_number: Option<String>,
}

/// A payment method that passed every check, ready to be saved. It holds no full number
/// and no CVV.
#[derive(Debug, Clone)]
pub struct NewPaymentMethod {
    pub account_id: String,
    pub kind: MethodKind,
    pub number_masked: String,
    pub number_fingerprint: String,
    pub card_brand: Option<String>,
    pub card_holder_name: Option<String>,
    pub expiration: Option<String>,
    pub test_card_outcome: Option<String>,
    pub routing_number: Option<String>,
    pub account_owner: Option<String>,
    pub account_name: Option<String>,
    pub bank_name: Option<String>,
    pub bank_city: Option<String>,
    pub bank_country: Option<String>,
    pub at: DateTime<Utc>,
}

impl NewPaymentMethod {
    /// A method with only what every kind has; the caller fills in the rest. `number` is
    /// kept only masked.
    pub fn new(
        account_id: &str,
        kind: MethodKind,
        number: &str,
        number_fingerprint: String,
        at: DateTime<Utc>,
    ) -> NewPaymentMethod {
        NewPaymentMethod {
            account_id: account_id.to_owned(),
            kind,
            number_masked: mask_all_but_last_four(number),
            number_fingerprint,
            card_brand: None,
            card_holder_name: None,
            expiration: None,
            test_card_outcome: None,
            routing_number: None,
            account_owner: None,
            account_name: None,
            bank_name: None,
            bank_city: None,
            bank_country: None,
            at,
        }
    }

    /// The method as the API shows it, once saved under `id`.
    fn record(&self, id: i64) -> PaymentMethodRecord {
        PaymentMethodRecord {
            id,
            kind: self.kind,
            number_masked: self.number_masked.clone(),
            card_brand: self.card_brand.clone(),
            expiration: self.expiration.clone(),
            test_card_outcome: self.test_card_outcome.clone(),
            routing_number: self.routing_number.clone(),
        }
    }
}

// Every Hostway write is decided against the state it commits into: a reset, a seed or a
// delete that got there first shows as `AccountGone` or a missing method, never as an error.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveResult {
    Saved {
        id: i64,
    },
    /// A method with the same number is already active on the account, this one; nothing
    /// changed.
    Duplicate {
        kind: MethodKind,
        id: i64,
    },
    AccountGone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteResult {
    Deleted,
    /// It is the account's default; nothing changed.
    IsDefault,
    NotFound,
    AccountGone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultResult {
    Set,
    /// The account has no such active method (or does not allow offline); nothing changed.
    Refused,
    AccountGone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentResult {
    Recorded,
    /// The method is no longer active on the account; nothing recorded.
    MethodGone,
    AccountGone,
}

/// A one-time payment as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub payment_method_id: i64,
    pub amount: Cents,
    pub status: String,
}

impl NamespaceStore {
    pub async fn hostway_user(&self, username: &str) -> Result<Option<HostwayUser>, Error> {
        Ok(self.read(|namespace| namespace.hostway_users.get(username).map(|entry| entry.user.clone())).flatten())
    }

    pub async fn hostway_account(&self, id: &str) -> Result<Option<HostwayAccount>, Error> {
        Ok(self.read(|namespace| namespace.hostway_accounts.get(id).map(|entry| entry.account.clone())).flatten())
    }

    /// The roles `username` holds on the account, sorted.
    pub async fn hostway_roles(&self, username: &str, account_id: &str) -> Result<Vec<String>, Error> {
        let roles = self.read(|namespace| {
            namespace.hostway_users.get(username).and_then(|entry| entry.roles.get(account_id)).cloned()
        });
        Ok(roles.flatten().unwrap_or_default())
    }

    /// The account's active (not deleted) payment methods, oldest first.
    pub async fn payment_methods(&self, account_id: &str) -> Result<Vec<PaymentMethodRecord>, Error> {
        let methods = self.read(|namespace| {
            namespace.hostway_accounts.get(account_id).map(|entry| entry.methods.values().cloned().collect())
        });
        Ok(methods.flatten().unwrap_or_default())
    }

    /// The account's default, when it is a saved method.
    pub async fn default_payment_method(&self, account_id: &str) -> Result<Option<PaymentMethodRecord>, Error> {
        let method = self.read(|namespace| {
            let entry = namespace.hostway_accounts.get(account_id)?;
            let DefaultMethod::Saved(id) = entry.account.default else { return None };
            entry.methods.get(&id).cloned()
        });
        Ok(method.flatten())
    }

    /// One active payment method of the account, of the given kind.
    pub async fn payment_method(
        &self,
        account_id: &str,
        kind: MethodKind,
        id: i64,
    ) -> Result<Option<PaymentMethodRecord>, Error> {
        let method = self.read(|namespace| {
            let method = namespace.hostway_accounts.get(account_id).and_then(|entry| entry.methods.get(&id));
            method.filter(|method| method.kind == kind).cloned()
        });
        Ok(method.flatten())
    }

    /// Saves the method unless one with the same fingerprint is active on the account. A
    /// method saved on an account with no other active method becomes its default, in the
    /// same transaction, even where the default was offline.
    pub async fn save_payment_method(&self, method: NewPaymentMethod) -> Result<SaveResult, Error> {
        self.write(method).await
    }

    /// Marks the method deleted, unless it is the account's default.
    pub async fn delete_payment_method(
        &self,
        account_id: &str,
        kind: MethodKind,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<DeleteResult, Error> {
        self.write(DeleteMethod { account_id: account_id.into(), kind, id, at: timestamp(at) }).await
    }

    /// Makes an active method of the account its default; refused when there is no such
    /// method.
    pub async fn set_default_payment_method(
        &self,
        account_id: &str,
        kind: MethodKind,
        id: i64,
    ) -> Result<DefaultResult, Error> {
        self.write(SetDefault { account_id: account_id.into(), kind, id }).await
    }

    /// Makes the offline method the account's default; refused when the account does not allow
    /// it.
    pub async fn set_offline_default(&self, account_id: &str) -> Result<DefaultResult, Error> {
        self.write(SetOfflineDefault { account_id: account_id.into() }).await
    }

    /// Records a one-time payment, pending, against a saved method that is still active.
    pub async fn record_payment(
        &self,
        account_id: &str,
        payment_method_id: i64,
        amount: Cents,
        at: DateTime<Utc>,
    ) -> Result<PaymentResult, Error> {
        let payment = RecordPayment { account_id: account_id.into(), payment_method_id, amount, at: timestamp(at) };
        self.write(payment).await
    }

    /// The account's payments, oldest first.
    pub async fn payments(&self, account_id: &str) -> Result<Vec<PaymentRecord>, Error> {
        let Some(namespace) = self.read(|namespace| namespace.id) else { return Ok(Vec::new()) };
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT payment_method_id, amount_cents, status FROM hostway_payments \
             WHERE namespace = ?1 AND account_id = ?2 ORDER BY id",
        )
        .bind(namespace)
        .bind(account_id)
        .fetch_all(&self.store.pool)
        .await?;
        let record = |(payment_method_id, amount, status)| PaymentRecord {
            payment_method_id,
            amount: Cents::new(amount),
            status,
        };
        Ok(rows.into_iter().map(record).collect())
    }
}

/// The account's method not deleted with the same number, if any.
const DUPLICATE_OF: &str = "SELECT kind, id FROM hostway_payment_methods \
    WHERE namespace = ?3 AND account_id = ?1 AND number_fingerprint = ?2 AND deleted_at IS NULL";

/// Makes the method just saved its account's default when the account has no other.
const DEFAULT_WHEN_FIRST: &str = "UPDATE hostway_accounts SET default_payment_method = ?1, offline_is_default = 0 \
    WHERE namespace = ?3 AND id = ?2 AND NOT EXISTS (SELECT 1 FROM hostway_payment_methods \
    WHERE namespace = ?3 AND account_id = ?2 AND id != ?1 AND deleted_at IS NULL)";

impl NamespaceWrite for NewPaymentMethod {
    type Output = SaveResult;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<SaveResult, sqlx::Error> {
        let duplicate: Option<(String, i64)> = sqlx::query_as(DUPLICATE_OF)
            .bind(&self.account_id)
            .bind(&self.number_fingerprint)
            .bind(namespace.id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some((kind, id)) = duplicate {
            let kind = MethodKind::from_name(&kind).unwrap_or(self.kind);
            return Ok(SaveResult::Duplicate { kind, id });
        }
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO hostway_payment_methods (namespace, id, account_id, kind, number_masked, \
             number_fingerprint, card_brand, card_holder_name, expiration, test_card_outcome, routing_number, \
             account_owner, account_name, bank_name, bank_city, bank_country, created_at) \
             SELECT ?16, (SELECT COALESCE(MAX(id), 0) + 1 FROM hostway_payment_methods WHERE namespace = ?16), \
                 ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15 \
             WHERE EXISTS (SELECT 1 FROM hostway_accounts WHERE namespace = ?16 AND id = ?1) RETURNING id",
        )
        .bind(&self.account_id)
        .bind(self.kind.name())
        .bind(&self.number_masked)
        .bind(&self.number_fingerprint)
        .bind(&self.card_brand)
        .bind(&self.card_holder_name)
        .bind(&self.expiration)
        .bind(&self.test_card_outcome)
        .bind(&self.routing_number)
        .bind(&self.account_owner)
        .bind(&self.account_name)
        .bind(&self.bank_name)
        .bind(&self.bank_city)
        .bind(&self.bank_country)
        .bind(timestamp(self.at))
        .bind(namespace.id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(id) = id else { return Ok(SaveResult::AccountGone) };
        sqlx::query(DEFAULT_WHEN_FIRST).bind(id).bind(&self.account_id).bind(namespace.id).execute(&mut *conn).await?;
        Ok(SaveResult::Saved { id })
    }

    fn mirror(&self, result: &mut SaveResult, model: &mut NamespaceModel) {
        let (SaveResult::Saved { id }, Some(entry)) = (result, model.hostway_accounts.get_mut(&self.account_id)) else {
            return;
        };
        if entry.methods.is_empty() {
            entry.account.default = DefaultMethod::Saved(*id);
        }
        entry.methods.insert(*id, self.record(*id));
    }
}

struct DeleteMethod {
    account_id: String,
    kind: MethodKind,
    id: i64,
    at: String,
}

impl NamespaceWrite for DeleteMethod {
    type Output = DeleteResult;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<DeleteResult, sqlx::Error> {
        let is_default: Option<bool> = sqlx::query_scalar(
            "SELECT a.default_payment_method IS m.id FROM hostway_payment_methods m \
             JOIN hostway_accounts a ON a.namespace = m.namespace AND a.id = m.account_id \
             WHERE m.namespace = ?4 AND m.account_id = ?1 AND m.kind = ?2 AND m.id = ?3 AND m.deleted_at IS NULL",
        )
        .bind(&self.account_id)
        .bind(self.kind.name())
        .bind(self.id)
        .bind(namespace.id)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(match is_default {
            None if !account_exists(conn, namespace, &self.account_id).await? => DeleteResult::AccountGone,
            None => DeleteResult::NotFound,
            Some(true) => DeleteResult::IsDefault,
            Some(false) => {
                sqlx::query("UPDATE hostway_payment_methods SET deleted_at = ?1 WHERE namespace = ?3 AND id = ?2")
                    .bind(&self.at)
                    .bind(self.id)
                    .bind(namespace.id)
                    .execute(&mut *conn)
                    .await?;
                DeleteResult::Deleted
            }
        })
    }

    fn mirror(&self, result: &mut DeleteResult, model: &mut NamespaceModel) {
        if let (DeleteResult::Deleted, Some(entry)) = (result, model.hostway_accounts.get_mut(&self.account_id)) {
            entry.methods.remove(&self.id);
        }
    }
}

struct SetDefault {
    account_id: String,
    kind: MethodKind,
    id: i64,
}

impl NamespaceWrite for SetDefault {
    type Output = DefaultResult;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<DefaultResult, sqlx::Error> {
        let updated = sqlx::query(
            "UPDATE hostway_accounts SET default_payment_method = ?3, offline_is_default = 0 \
             WHERE namespace = ?4 AND id = ?1 AND EXISTS (SELECT 1 FROM hostway_payment_methods \
             WHERE namespace = ?4 AND account_id = ?1 AND kind = ?2 AND id = ?3 AND deleted_at IS NULL)",
        )
        .bind(&self.account_id)
        .bind(self.kind.name())
        .bind(self.id)
        .bind(namespace.id)
        .execute(&mut *conn)
        .await?;
        default_result(conn, namespace, &self.account_id, updated.rows_affected()).await
    }

    fn mirror(&self, result: &mut DefaultResult, model: &mut NamespaceModel) {
        if let (DefaultResult::Set, Some(entry)) = (*result, model.hostway_accounts.get_mut(&self.account_id)) {
            entry.account.default = DefaultMethod::Saved(self.id);
        }
    }
}

struct SetOfflineDefault {
    account_id: String,
}

impl NamespaceWrite for SetOfflineDefault {
    type Output = DefaultResult;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<DefaultResult, sqlx::Error> {
        let updated = sqlx::query(
            "UPDATE hostway_accounts SET default_payment_method = NULL, offline_is_default = 1 \
             WHERE namespace = ?2 AND id = ?1 AND allow_offline = 1",
        )
        .bind(&self.account_id)
        .bind(namespace.id)
        .execute(&mut *conn)
        .await?;
        default_result(conn, namespace, &self.account_id, updated.rows_affected()).await
    }

    fn mirror(&self, result: &mut DefaultResult, model: &mut NamespaceModel) {
        if let (DefaultResult::Set, Some(entry)) = (*result, model.hostway_accounts.get_mut(&self.account_id)) {
            entry.account.default = DefaultMethod::Offline;
        }
    }
}

struct RecordPayment {
    account_id: String,
    payment_method_id: i64,
    amount: Cents,
    at: String,
}

impl NamespaceWrite for RecordPayment {
    type Output = PaymentResult;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<PaymentResult, sqlx::Error> {
        // Only against a method that is still active on the account: ids start again from 1
        // after a reset, so the id alone could name another account's method.
        let recorded = sqlx::query(
            "INSERT INTO hostway_payments (namespace, account_id, payment_method_id, amount_cents, status, created_at) \
             SELECT namespace, ?1, id, ?3, 'pending', ?4 FROM hostway_payment_methods \
             WHERE namespace = ?5 AND id = ?2 AND account_id = ?1 AND deleted_at IS NULL",
        )
        .bind(&self.account_id)
        .bind(self.payment_method_id)
        .bind(self.amount.get())
        .bind(&self.at)
        .bind(namespace.id)
        .execute(&mut *conn)
        .await?;
        Ok(if recorded.rows_affected() == 1 {
            PaymentResult::Recorded
        } else if account_exists(conn, namespace, &self.account_id).await? {
            PaymentResult::MethodGone
        } else {
            PaymentResult::AccountGone
        })
    }

    /// A run of payments, in any namespaces, is one statement when every one of them is
    /// against a method still active on its account, which is nearly always. Otherwise
    /// nothing of that statement is written, and the payments are made one at a time, each
    /// saying what kept it out.
    async fn apply_run(run: &[(&Self, Scope)], conn: &mut SqliteConnection) -> Result<Vec<PaymentResult>, sqlx::Error> {
        if run.len() > 1 && record_all_payments(run, conn).await? {
            return Ok(vec![PaymentResult::Recorded; run.len()]);
        }
        let mut results = Vec::with_capacity(run.len());
        for (payment, namespace) in run {
            results.push(payment.apply(conn, *namespace).await?);
        }
        Ok(results)
    }

    /// Payments are not held in memory.
    fn mirror(&self, _: &mut PaymentResult, _: &mut NamespaceModel) {}
}

/// Records every payment of the run, in its order, or none of them: all of them when each is
/// against a method still active on its account. Says whether they were recorded.
async fn record_all_payments(
    run: &[(&RecordPayment, Scope)],
    conn: &mut SqliteConnection,
) -> Result<bool, sqlx::Error> {
    let rows: Vec<serde_json::Value> = run
        .iter()
        .map(|(payment, namespace)| {
            serde_json::json!([
                namespace.id,
                payment.account_id,
                payment.payment_method_id,
                payment.amount.get(),
                payment.at
            ])
        })
        .collect();
    // The count is taken once, before the first row is written: all or nothing.
    let recorded = sqlx::query(
        "WITH wanted AS ( \
             SELECT r.key AS position, m.namespace, m.account_id, m.id, r.value ->> 3 AS amount_cents, \
                    r.value ->> 4 AS created_at \
             FROM json_each(?1) AS r \
             JOIN hostway_payment_methods AS m ON m.namespace = r.value ->> 0 AND m.id = r.value ->> 2 \
                  AND m.account_id = r.value ->> 1 AND m.deleted_at IS NULL) \
         INSERT INTO hostway_payments (namespace, account_id, payment_method_id, amount_cents, status, created_at) \
         SELECT namespace, account_id, id, amount_cents, 'pending', created_at FROM wanted \
         WHERE (SELECT count(*) FROM wanted) = json_array_length(?1) \
         ORDER BY position",
    )
    .bind(serde_json::Value::Array(rows).to_string())
    .execute(&mut *conn)
    .await?;
    Ok(recorded.rows_affected() == run.len() as u64)
}

async fn account_exists(conn: &mut SqliteConnection, namespace: Scope, account_id: &str) -> Result<bool, sqlx::Error> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM hostway_accounts WHERE namespace = ?2 AND id = ?1")
        .bind(account_id)
        .bind(namespace.id)
        .fetch_optional(conn)
        .await?;
    Ok(exists.is_some())
}

/// What an update of the default that changed `updated` rows came to.
async fn default_result(
    conn: &mut SqliteConnection,
    namespace: Scope,
    account_id: &str,
    updated: u64,
) -> Result<DefaultResult, sqlx::Error> {
    Ok(if updated == 1 {
        DefaultResult::Set
    } else if account_exists(conn, namespace, account_id).await? {
        DefaultResult::Refused
    } else {
        DefaultResult::AccountGone
    })
}

/// What became of a request to add a Hostway user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateUserResult {
    Created,
    UsernameTaken,
    /// A role names an account that does not exist; nothing changed.
    UnknownAccount(String),
}

/// A Hostway user as the control plane shows it: never the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostwayUserSummary {
    pub username: String,
    pub is_sales_agent: bool,
    /// (account id, role), sorted.
    pub roles: Vec<(String, String)>,
}

impl NamespaceStore {
    /// Adds an account; false when the id is taken.
    pub async fn create_hostway_account(
        &self,
        id: &str,
        allow_offline: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        self.write(NewAccount { id: id.into(), allow_offline, at: timestamp(now) }).await
    }

    /// Adds a user with their roles, all or nothing, keeping only a hash of the password.
    pub async fn create_hostway_user(
        &self,
        username: &str,
        password: &str,
        is_sales_agent: bool,
        roles: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Result<CreateUserResult, Error> {
        let user = NewUser {
            username: username.into(),
            user: HostwayUser { password_hash: PasswordHash::new(password), is_sales_agent },
            roles: roles.to_vec(),
            at: timestamp(now),
        };
        self.write(user).await
    }

    /// Every account id with its account, by id.
    pub async fn hostway_accounts(&self) -> Result<Vec<(String, HostwayAccount)>, Error> {
        let mut accounts: Vec<(String, HostwayAccount)> = self
            .read(|namespace| {
                namespace.hostway_accounts.iter().map(|(id, entry)| (id.clone(), entry.account.clone())).collect()
            })
            .unwrap_or_default();
        accounts.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(accounts)
    }

    /// Every user with their roles, by username; no passwords.
    pub async fn hostway_users(&self) -> Result<Vec<HostwayUserSummary>, Error> {
        let mut users: Vec<HostwayUserSummary> = self
            .read(|namespace| {
                namespace
                    .hostway_users
                    .iter()
                    .map(|(username, entry)| {
                        let mut roles: Vec<(String, String)> = entry
                            .roles
                            .iter()
                            .flat_map(|(account, roles)| roles.iter().map(|role| (account.clone(), role.clone())))
                            .collect();
                        roles.sort();
                        HostwayUserSummary {
                            username: username.clone(),
                            is_sales_agent: entry.user.is_sales_agent,
                            roles,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        users.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(users)
    }
}

struct NewAccount {
    id: String,
    allow_offline: bool,
    at: String,
}

impl NamespaceWrite for NewAccount {
    type Output = bool;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<bool, sqlx::Error> {
        let inserted = sqlx::query(
            "INSERT INTO hostway_accounts (namespace, id, allow_offline, created_at) VALUES (?4, ?1, ?2, ?3) \
             ON CONFLICT (namespace, id) DO NOTHING",
        )
        .bind(&self.id)
        .bind(self.allow_offline)
        .bind(&self.at)
        .bind(namespace.id)
        .execute(conn)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    fn mirror(&self, inserted: &mut bool, model: &mut NamespaceModel) {
        if *inserted {
            let account = HostwayAccount { allow_offline: self.allow_offline, default: DefaultMethod::None };
            model.hostway_accounts.insert(self.id.clone(), AccountEntry { account, methods: BTreeMap::new() });
        }
    }
}

struct NewUser {
    username: String,
    user: HostwayUser,
    /// (account id, role)
    roles: Vec<(String, String)>,
    at: String,
}

impl NamespaceWrite for NewUser {
    type Output = CreateUserResult;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<CreateUserResult, sqlx::Error> {
        for (account_id, _) in &self.roles {
            if !account_exists(conn, namespace, account_id).await? {
                return Ok(CreateUserResult::UnknownAccount(account_id.clone()));
            }
        }
        let inserted = sqlx::query(
            "INSERT INTO hostway_users (namespace, username, password_hash, is_sales_agent, created_at) \
             VALUES (?5, ?1, ?2, ?3, ?4) ON CONFLICT (namespace, username) DO NOTHING",
        )
        .bind(&self.username)
        .bind(self.user.password_hash.to_string())
        .bind(self.user.is_sales_agent)
        .bind(&self.at)
        .bind(namespace.id)
        .execute(&mut *conn)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(CreateUserResult::UsernameTaken);
        }
        for (account_id, role) in &self.roles {
            sqlx::query(
                "INSERT OR IGNORE INTO hostway_user_roles (namespace, username, account_id, role) \
                 VALUES (?4, ?1, ?2, ?3)",
            )
            .bind(&self.username)
            .bind(account_id)
            .bind(role)
            .bind(namespace.id)
            .execute(&mut *conn)
            .await?;
        }
        Ok(CreateUserResult::Created)
    }

    fn mirror(&self, result: &mut CreateUserResult, model: &mut NamespaceModel) {
        if *result != CreateUserResult::Created {
            return;
        }
        let mut roles: HashMap<String, Vec<String>> = HashMap::new();
        for (account_id, role) in &self.roles {
            let held = roles.entry(account_id.clone()).or_default();
            if !held.contains(role) {
                held.push(role.clone());
            }
        }
        roles.values_mut().for_each(|held| held.sort());
        model.hostway_users.insert(self.username.clone(), HostwayUserEntry { user: self.user.clone(), roles });
    }
}

/// Adds the fixtures' accounts and users, or updates those that exist: whether an account
/// allows offline (an offline default goes when it no longer does), a user's password (hashed,
/// under a new salt), agency and roles, which become exactly the file's. Payment methods and
/// payments are kept.
pub(super) async fn upsert_fixtures(
    conn: &mut SqliteConnection,
    namespace: i64,
    fixtures: &HostwayFixtures,
    now: &str,
) -> Result<(), sqlx::Error> {
    for account in &fixtures.accounts {
        sqlx::query(
            "INSERT INTO hostway_accounts (namespace, id, allow_offline, created_at) VALUES (?4, ?1, ?2, ?3)
             ON CONFLICT (namespace, id) DO UPDATE SET allow_offline = excluded.allow_offline,
                 offline_is_default = offline_is_default AND excluded.allow_offline",
        )
        .bind(&account.id)
        .bind(account.allow_offline)
        .bind(now)
        .bind(namespace)
        .execute(&mut *conn)
        .await?;
    }
    for user in &fixtures.users {
        sqlx::query(
            "INSERT INTO hostway_users (namespace, username, password_hash, is_sales_agent, created_at)
             VALUES (?5, ?1, ?2, ?3, ?4)
             ON CONFLICT (namespace, username) DO UPDATE SET password_hash = excluded.password_hash,
                 is_sales_agent = excluded.is_sales_agent",
        )
        .bind(&user.username)
        .bind(PasswordHash::new(&user.password).to_string())
        .bind(user.sales_agent)
        .bind(now)
        .bind(namespace)
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM hostway_user_roles WHERE namespace = ?2 AND username = ?1")
            .bind(&user.username)
            .bind(namespace)
            .execute(&mut *conn)
            .await?;
        for (account_id, roles) in &user.roles {
            for role in roles {
                sqlx::query(
                    "INSERT INTO hostway_user_roles (namespace, username, account_id, role) VALUES (?4, ?1, ?2, ?3)",
                )
                .bind(&user.username)
                .bind(account_id)
                .bind(role)
                .bind(namespace)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::sandbox::fixtures::Fixtures;
    use crate::store::{DEFAULT, DEFAULT_MAX_NAMESPACES, Database, FixtureLoad, Store, Template};

    /// A store with one card saved on account 1001 in `default` and in `other`, each its
    /// namespace's method 1, and the two namespaces' scopes.
    async fn store_with_a_card_in_two_namespaces() -> (Store, Scope, Scope) {
        let template =
            Template { fixtures: Arc::new(Fixtures::builtin().unwrap()), max_namespaces: DEFAULT_MAX_NAMESPACES };
        let store = Store::open(&Database::Memory, template).await.unwrap();
        store.load_fixtures(FixtureLoad::IfNew).await.unwrap();
        for name in [DEFAULT, "other"] {
            let ns = store.namespace(name);
            let number = "4111111111111111";
            let card =
                NewPaymentMethod::new("1001", MethodKind::CreditCard, number, ns.fingerprint(&[number]), Utc::now());
            assert_eq!(ns.save_payment_method(card).await.unwrap(), SaveResult::Saved { id: 1 });
        }
        let scope =
            |name: &str| Scope { id: store.namespace(name).read(|namespace| namespace.id).unwrap(), created: false };
        let (default, other) = (scope(DEFAULT), scope("other"));
        (store, default, other)
    }

    /// What SQLite's plan for `sql` searches, and with which index: one line per table.
    async fn searches(store: &Store, sql: &str, parameters: usize) -> Vec<String> {
        let mut explain =
            sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")));
        for _ in 0..parameters {
            explain = explain.bind(1);
        }
        let plan = explain.fetch_all(&store.pool).await.unwrap();
        plan.into_iter().map(|(_, _, _, detail)| detail).filter(|detail| detail.starts_with("SEARCH")).collect()
    }

    /// However many methods an account had deleted, the checks of a save read only those
    /// not deleted.
    #[tokio::test]
    async fn a_save_reads_only_the_methods_not_deleted() {
        let (store, _, _) = store_with_a_card_in_two_namespaces().await;
        assert_eq!(
            searches(&store, DUPLICATE_OF, 3).await,
            ["SEARCH hostway_payment_methods USING INDEX hostway_active_methods_by_fingerprint \
              (namespace=? AND account_id=? AND number_fingerprint=?)"]
        );
        assert_eq!(
            searches(&store, DEFAULT_WHEN_FIRST, 3).await,
            [
                "SEARCH hostway_accounts USING INDEX sqlite_autoindex_hostway_accounts_1 (namespace=? AND id=?)",
                "SEARCH hostway_payment_methods USING INDEX hostway_active_methods_by_account \
                 (namespace=? AND account_id=?)"
            ]
        );
    }

    fn payment(account_id: &str, method: i64, cents: i64) -> RecordPayment {
        RecordPayment {
            account_id: account_id.into(),
            payment_method_id: method,
            amount: Cents::new(cents),
            at: "2026-12-02T10:00:00.000Z".into(),
        }
    }

    /// Applies the run in a transaction of its own, as the writer would, and gives the
    /// payments then stored, in the order of their ids.
    async fn apply(store: &Store, run: &[(&RecordPayment, Scope)]) -> (Vec<PaymentResult>, Vec<String>) {
        let mut tx = store.pool.begin().await.unwrap();
        let results = RecordPayment::apply_run(run, &mut tx).await.unwrap();
        tx.commit().await.unwrap();
        let stored: Vec<(i64, String, i64, i64, String)> = sqlx::query_as(
            "SELECT namespace, account_id, payment_method_id, amount_cents, status FROM hostway_payments ORDER BY id",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        let stored = stored
            .into_iter()
            .map(|(ns, account, method, cents, status)| format!("{ns} {account} {method} {cents} {status}"))
            .collect();
        (results, stored)
    }

    /// Whether the one statement records the whole run, tried in a transaction rolled back;
    /// when it does not, it must have written nothing.
    async fn one_statement_records(store: &Store, run: &[(&RecordPayment, Scope)]) -> bool {
        let mut tx = store.pool.begin().await.unwrap();
        let recorded = record_all_payments(run, &mut tx).await.unwrap();
        let written: i64 =
            sqlx::query_scalar("SELECT count(*) FROM hostway_payments").fetch_one(&mut *tx).await.unwrap();
        assert_eq!(written, if recorded { run.len() as i64 } else { 0 });
        tx.rollback().await.unwrap();
        recorded
    }

    #[tokio::test]
    async fn a_run_of_payments_in_many_namespaces_is_recorded_in_its_order() {
        let (store, default, other) = store_with_a_card_in_two_namespaces().await;
        let (a, b, c) = (payment("1001", 1, 5_00), payment("1001", 1, 7_00), payment("1001", 1, 9_00));
        let run = [(&a, default), (&b, other), (&c, default)];
        assert!(one_statement_records(&store, &run).await);
        let (results, stored) = apply(&store, &run).await;
        assert_eq!(results, [PaymentResult::Recorded; 3]);
        let (d, o) = (default.id, other.id);
        assert_eq!(
            stored,
            [format!("{d} 1001 1 500 pending"), format!("{o} 1001 1 700 pending"), format!("{d} 1001 1 900 pending")]
        );
    }

    #[tokio::test]
    async fn a_run_with_a_payment_that_cannot_be_recorded_is_made_one_by_one() {
        let (store, default, other) = store_with_a_card_in_two_namespaces().await;
        let (good, gone, no_account) = (payment("1001", 1, 5_00), payment("1001", 99, 6_00), payment("9999", 1, 7_00));
        let run = [(&good, other), (&gone, default), (&no_account, default)];
        assert!(!one_statement_records(&store, &run).await);
        let (results, stored) = apply(&store, &run).await;
        assert_eq!(results, [PaymentResult::Recorded, PaymentResult::MethodGone, PaymentResult::AccountGone]);
        assert_eq!(stored, [format!("{} 1001 1 500 pending", other.id)]);
    }
}
