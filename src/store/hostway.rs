//! Hostway accounts, users and their roles, saved payment methods and payments.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::{Store, timestamp};
use crate::cards::mask_all_but_last_four;
use crate::fixtures::HostwayFixtures;
use crate::money::Cents;

#[derive(Debug, Clone)]
pub struct HostwayUser {
    pub password: String,
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
pub struct NewPaymentMethod<'a> {
    pub account_id: &'a str,
    pub kind: MethodKind,
    pub number_masked: String,
    pub number_fingerprint: String,
    pub card_brand: Option<&'a str>,
    pub card_holder_name: Option<&'a str>,
    pub expiration: Option<String>,
    pub test_card_outcome: Option<&'a str>,
    pub routing_number: Option<&'a str>,
    pub account_owner: Option<&'a str>,
    pub account_name: Option<&'a str>,
    pub bank_name: Option<&'a str>,
    pub bank_city: Option<&'a str>,
    pub bank_country: Option<&'a str>,
    pub at: DateTime<Utc>,
}

impl<'a> NewPaymentMethod<'a> {
    /// A method with only what every kind has; the caller fills in the rest. `number` is
    /// kept only masked.
    pub fn new(
        account_id: &'a str,
        kind: MethodKind,
        number: &str,
        number_fingerprint: String,
        at: DateTime<Utc>,
    ) -> NewPaymentMethod<'a> {
        NewPaymentMethod {
            account_id,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveResult {
    Saved {
        id: i64,
    },
    /// A method with the same number is already active on the account; nothing changed.
    Duplicate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteResult {
    Deleted,
    /// It is the account's default; nothing changed.
    IsDefault,
    NotFound,
}

/// A one-time payment as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub payment_method_id: i64,
    pub amount: Cents,
    pub status: String,
}

impl Store {
    pub async fn hostway_user(&self, username: &str) -> Result<Option<HostwayUser>, sqlx::Error> {
        let row: Option<(String, bool)> =
            sqlx::query_as("SELECT password, is_sales_agent FROM hostway_users WHERE username = ?1")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(password, is_sales_agent)| HostwayUser { password, is_sales_agent }))
    }

    pub async fn hostway_account(&self, id: &str) -> Result<Option<HostwayAccount>, sqlx::Error> {
        let row: Option<(bool, Option<i64>, bool)> = sqlx::query_as(
            "SELECT allow_offline, default_payment_method, offline_is_default FROM hostway_accounts WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(allow_offline, saved, offline)| HostwayAccount {
            allow_offline,
            default: match (saved, offline) {
                (Some(id), _) => DefaultMethod::Saved(id),
                (None, true) => DefaultMethod::Offline,
                (None, false) => DefaultMethod::None,
            },
        }))
    }

    /// The roles `username` holds on the account.
    pub async fn hostway_roles(&self, username: &str, account_id: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT role FROM hostway_user_roles WHERE username = ?1 AND account_id = ?2 ORDER BY role")
            .bind(username)
            .bind(account_id)
            .fetch_all(&self.pool)
            .await
    }

    /// The account's active (not deleted) payment methods, oldest first.
    pub async fn payment_methods(&self, account_id: &str) -> Result<Vec<PaymentMethodRecord>, sqlx::Error> {
        sqlx::query_as("SELECT * FROM hostway_payment_methods WHERE account_id = ?1 AND deleted_at IS NULL ORDER BY id")
            .bind(account_id)
            .fetch_all(&self.pool)
            .await
    }

    /// The account's default, when it is a saved method.
    pub async fn default_payment_method(&self, account_id: &str) -> Result<Option<PaymentMethodRecord>, sqlx::Error> {
        sqlx::query_as(
            "SELECT m.* FROM hostway_payment_methods m JOIN hostway_accounts a ON a.default_payment_method = m.id \
             WHERE a.id = ?1",
        )
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await
    }

    /// One active payment method of the account, of the given kind.
    pub async fn payment_method(
        &self,
        account_id: &str,
        kind: MethodKind,
        id: i64,
    ) -> Result<Option<PaymentMethodRecord>, sqlx::Error> {
        sqlx::query_as(
            "SELECT * FROM hostway_payment_methods WHERE account_id = ?1 AND kind = ?2 AND id = ?3 AND deleted_at IS NULL",
        )
        .bind(account_id)
        .bind(kind.name())
        .bind(id)
        .fetch_optional(&self.pool)
        .await
    }

    /// Saves the method unless one with the same fingerprint is active on the account. A
    /// method saved on an account with no other active method becomes its default, in the
    /// same transaction, even where the default was offline.
    pub async fn save_payment_method(&self, method: &NewPaymentMethod<'_>) -> Result<SaveResult, sqlx::Error> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let duplicate: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM hostway_payment_methods \
             WHERE account_id = ?1 AND number_fingerprint = ?2 AND deleted_at IS NULL",
        )
        .bind(method.account_id)
        .bind(&method.number_fingerprint)
        .fetch_optional(&mut *tx)
        .await?;
        if duplicate.is_some() {
            return Ok(SaveResult::Duplicate);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO hostway_payment_methods (account_id, kind, number_masked, number_fingerprint, card_brand, \
             card_holder_name, expiration, test_card_outcome, routing_number, account_owner, account_name, bank_name, \
             bank_city, bank_country, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) RETURNING id",
        )
        .bind(method.account_id)
        .bind(method.kind.name())
        .bind(&method.number_masked)
        .bind(&method.number_fingerprint)
        .bind(method.card_brand)
        .bind(method.card_holder_name)
        .bind(&method.expiration)
        .bind(method.test_card_outcome)
        .bind(method.routing_number)
        .bind(method.account_owner)
        .bind(method.account_name)
        .bind(method.bank_name)
        .bind(method.bank_city)
        .bind(method.bank_country)
        .bind(timestamp(method.at))
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE hostway_accounts SET default_payment_method = ?1, offline_is_default = 0 \
             WHERE id = ?2 AND NOT EXISTS (SELECT 1 FROM hostway_payment_methods \
             WHERE account_id = ?2 AND id != ?1 AND deleted_at IS NULL)",
        )
        .bind(id)
        .bind(method.account_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(SaveResult::Saved { id })
    }

    /// Marks the method deleted, unless it is the account's default.
    pub async fn delete_payment_method(
        &self,
        account_id: &str,
        kind: MethodKind,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<DeleteResult, sqlx::Error> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let is_default: Option<bool> = sqlx::query_scalar(
            "SELECT a.default_payment_method IS m.id FROM hostway_payment_methods m \
             JOIN hostway_accounts a ON a.id = m.account_id \
             WHERE m.account_id = ?1 AND m.kind = ?2 AND m.id = ?3 AND m.deleted_at IS NULL",
        )
        .bind(account_id)
        .bind(kind.name())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let result = match is_default {
            None => DeleteResult::NotFound,
            Some(true) => DeleteResult::IsDefault,
            Some(false) => {
                sqlx::query("UPDATE hostway_payment_methods SET deleted_at = ?1 WHERE id = ?2")
                    .bind(timestamp(at))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                DeleteResult::Deleted
            }
        };
        tx.commit().await?;
        Ok(result)
    }

    /// Makes an active method of the account its default; false when there is no such method.
    pub async fn set_default_payment_method(
        &self,
        account_id: &str,
        kind: MethodKind,
        id: i64,
    ) -> Result<bool, sqlx::Error> {
        let updated = sqlx::query(
            "UPDATE hostway_accounts SET default_payment_method = ?3, offline_is_default = 0 \
             WHERE id = ?1 AND EXISTS (SELECT 1 FROM hostway_payment_methods \
             WHERE account_id = ?1 AND kind = ?2 AND id = ?3 AND deleted_at IS NULL)",
        )
        .bind(account_id)
        .bind(kind.name())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Makes the offline method the account's default; false when the account does not allow
    /// it.
    pub async fn set_offline_default(&self, account_id: &str) -> Result<bool, sqlx::Error> {
        let updated = sqlx::query(
            "UPDATE hostway_accounts SET default_payment_method = NULL, offline_is_default = 1 \
             WHERE id = ?1 AND allow_offline = 1",
        )
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Records a one-time payment, pending, against a saved method.
    pub async fn record_payment(
        &self,
        account_id: &str,
        payment_method_id: i64,
        amount: Cents,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO hostway_payments (account_id, payment_method_id, amount_cents, status, created_at) \
             VALUES (?1, ?2, ?3, 'pending', ?4)",
        )
        .bind(account_id)
        .bind(payment_method_id)
        .bind(amount.get())
        .bind(timestamp(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The account's payments, oldest first.
    pub async fn payments(&self, account_id: &str) -> Result<Vec<PaymentRecord>, sqlx::Error> {
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT payment_method_id, amount_cents, status FROM hostway_payments WHERE account_id = ?1 ORDER BY id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        let record = |(payment_method_id, amount, status)| PaymentRecord {
            payment_method_id,
            amount: Cents::new(amount),
            status,
        };
        Ok(rows.into_iter().map(record).collect())
    }
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

impl Store {
    /// Adds an account; false when the id is taken.
    pub async fn create_hostway_account(
        &self,
        id: &str,
        allow_offline: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let inserted = sqlx::query(
            "INSERT INTO hostway_accounts (id, allow_offline, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(allow_offline)
        .bind(timestamp(now))
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Adds a user with their roles, all or nothing.
    pub async fn create_hostway_user(
        &self,
        username: &str,
        password: &str,
        is_sales_agent: bool,
        roles: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Result<CreateUserResult, sqlx::Error> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for (account_id, _) in roles {
            let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM hostway_accounts WHERE id = ?1")
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Ok(CreateUserResult::UnknownAccount(account_id.clone()));
            }
        }
        let inserted = sqlx::query(
            "INSERT INTO hostway_users (username, password, is_sales_agent, created_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (username) DO NOTHING",
        )
        .bind(username)
        .bind(password)
        .bind(is_sales_agent)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(CreateUserResult::UsernameTaken);
        }
        for (account_id, role) in roles {
            sqlx::query("INSERT OR IGNORE INTO hostway_user_roles (username, account_id, role) VALUES (?1, ?2, ?3)")
                .bind(username)
                .bind(account_id)
                .bind(role)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(CreateUserResult::Created)
    }

    /// Every account id with its account, by id.
    pub async fn hostway_accounts(&self) -> Result<Vec<(String, HostwayAccount)>, sqlx::Error> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM hostway_accounts ORDER BY id").fetch_all(&self.pool).await?;
        let mut accounts = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(account) = self.hostway_account(&id).await? {
                accounts.push((id, account));
            }
        }
        Ok(accounts)
    }

    /// Every user with their roles, by username; no passwords.
    pub async fn hostway_users(&self) -> Result<Vec<HostwayUserSummary>, sqlx::Error> {
        let users: Vec<(String, bool)> =
            sqlx::query_as("SELECT username, is_sales_agent FROM hostway_users ORDER BY username")
                .fetch_all(&self.pool)
                .await?;
        let roles: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT username, account_id, role FROM hostway_user_roles ORDER BY username, account_id, role",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(users
            .into_iter()
            .map(|(username, is_sales_agent)| HostwayUserSummary {
                roles: roles
                    .iter()
                    .filter(|(holder, _, _)| *holder == username)
                    .map(|(_, account, role)| (account.clone(), role.clone()))
                    .collect(),
                username,
                is_sales_agent,
            })
            .collect())
    }
}

pub(super) async fn insert_fixtures(
    conn: &mut SqliteConnection,
    fixtures: &HostwayFixtures,
    now: &str,
) -> Result<(), sqlx::Error> {
    for account in &fixtures.accounts {
        sqlx::query("INSERT INTO hostway_accounts (id, allow_offline, created_at) VALUES (?1, ?2, ?3)")
            .bind(&account.id)
            .bind(account.allow_offline)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    for user in &fixtures.users {
        sqlx::query(
            "INSERT INTO hostway_users (username, password, is_sales_agent, created_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(&user.username)
        .bind(&user.password)
        .bind(user.sales_agent)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        for (account_id, roles) in &user.roles {
            for role in roles {
                sqlx::query("INSERT INTO hostway_user_roles (username, account_id, role) VALUES (?1, ?2, ?3)")
                    .bind(&user.username)
                    .bind(account_id)
                    .bind(role)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(())
}
