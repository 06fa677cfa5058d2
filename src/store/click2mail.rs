//! Click2Mail users, balances and credit purchases.

use sqlx::SqliteConnection;

use super::{Store, timestamp};
use crate::cards::Brand;
use crate::fixtures::Click2MailFixtures;
use crate::money::Cents;
use chrono::{DateTime, Utc};

/// What authenticating and reading a balance need, fetched in one query.
#[derive(Debug, Clone)]
pub struct Click2MailUser {
    pub password: String,
    pub balance: Cents,
}

/// An authorized credit purchase, ready to be recorded.
#[derive(Debug, Clone, Copy)]
pub struct Purchase<'a> {
    pub username: &'a str,
    pub amount: Cents,
    pub card_brand: Brand,
    pub card_last_four: &'a str,
    pub at: DateTime<Utc>,
}

/// A purchase as recorded: the card only by brand and last four digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseRecord {
    pub amount: Cents,
    pub card_brand: String,
    pub card_last_four: String,
    /// RFC 3339, UTC, milliseconds.
    pub purchased_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurchaseResult {
    /// The balance grew and the purchase was recorded, in one transaction.
    Recorded { balance: Cents },
    /// The balance would pass [`Cents::MAX`]; nothing changed.
    BalanceLimit,
    /// The user no longer exists; nothing changed.
    NoSuchUser,
}

impl Store {
    pub async fn click2mail_user(&self, username: &str) -> Result<Option<Click2MailUser>, sqlx::Error> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT password, balance_cents FROM click2mail_users WHERE username = ?1")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(password, balance)| Click2MailUser { password, balance: Cents::new(balance) }))
    }

    /// Adds a user; false when the username is taken.
    pub async fn create_click2mail_user(
        &self,
        username: &str,
        password: &str,
        balance: Cents,
        now: DateTime<Utc>,
    ) -> Result<bool, sqlx::Error> {
        let inserted = sqlx::query(
            "INSERT INTO click2mail_users (username, password, balance_cents, created_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (username) DO NOTHING",
        )
        .bind(username)
        .bind(password)
        .bind(balance.get())
        .bind(timestamp(now))
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Sets a user's balance; false when there is no such user.
    pub async fn set_click2mail_balance(&self, username: &str, balance: Cents) -> Result<bool, sqlx::Error> {
        let updated = sqlx::query("UPDATE click2mail_users SET balance_cents = ?1 WHERE username = ?2")
            .bind(balance.get())
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Every user and balance, by username.
    pub async fn click2mail_balances(&self) -> Result<Vec<(String, Cents)>, sqlx::Error> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT username, balance_cents FROM click2mail_users ORDER BY username")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(username, balance)| (username, Cents::new(balance))).collect())
    }

    /// The user's purchases, oldest first.
    pub async fn click2mail_purchases(&self, username: &str) -> Result<Vec<PurchaseRecord>, sqlx::Error> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT amount_cents, card_brand, card_last_four, purchased_at FROM click2mail_purchases \
             WHERE username = ?1 ORDER BY id",
        )
        .bind(username)
        .fetch_all(&self.pool)
        .await?;
        let record = |(amount, card_brand, card_last_four, purchased_at)| PurchaseRecord {
            amount: Cents::new(amount),
            card_brand,
            card_last_four,
            purchased_at,
        };
        Ok(rows.into_iter().map(record).collect())
    }

    /// Adds the amount to the user's balance and records the purchase, both or neither.
    pub async fn record_purchase(&self, purchase: Purchase<'_>) -> Result<PurchaseResult, sqlx::Error> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let headroom = Cents::MAX.get() - purchase.amount.get();
        let balance: Option<i64> = sqlx::query_scalar(
            "UPDATE click2mail_users SET balance_cents = balance_cents + ?1 \
             WHERE username = ?2 AND balance_cents <= ?3 RETURNING balance_cents",
        )
        .bind(purchase.amount.get())
        .bind(purchase.username)
        .bind(headroom)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(balance) = balance else {
            let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM click2mail_users WHERE username = ?1")
                .bind(purchase.username)
                .fetch_optional(&mut *tx)
                .await?;
            return Ok(if exists.is_some() { PurchaseResult::BalanceLimit } else { PurchaseResult::NoSuchUser });
        };
        sqlx::query(
            "INSERT INTO click2mail_purchases (username, amount_cents, card_brand, card_last_four, purchased_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(purchase.username)
        .bind(purchase.amount.get())
        .bind(purchase.card_brand.name())
        .bind(purchase.card_last_four)
        .bind(timestamp(purchase.at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(PurchaseResult::Recorded { balance: Cents::new(balance) })
    }
}

pub(super) async fn insert_fixtures(
    conn: &mut SqliteConnection,
    fixtures: &Click2MailFixtures,
    now: &str,
) -> Result<(), sqlx::Error> {
    for user in &fixtures.users {
        sqlx::query(
            "INSERT INTO click2mail_users (username, password, balance_cents, created_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(&user.username)
        .bind(&user.password)
        .bind(user.balance.get())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
