//! Click2Mail users, balances and credit purchases.

use std::collections::HashMap;

use sqlx::SqliteConnection;

use super::model::NamespaceModel;
use super::writer::{NamespaceWrite, Scope};
use super::{Error, NamespaceStore, timestamp};
use crate::domain::cards::Brand;
use crate::domain::money::Cents;
use crate::domain::password::PasswordHash;
use crate::sandbox::fixtures::Click2MailFixtures;
use chrono::{DateTime, Utc};

/// What authenticating and reading a balance need: the password only as its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Click2MailUser {
    pub password_hash: PasswordHash,
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

impl NamespaceStore {
    /// The user's password hash and balance, from memory.
    pub async fn click2mail_user(&self, username: &str) -> Result<Option<Click2MailUser>, Error> {
        Ok(self.read(|namespace| namespace.click2mail_users.get(username).cloned()).flatten())
    }

    /// Adds a user, keeping only a hash of the password; false when the username is taken.
    pub async fn create_click2mail_user(
        &self,
        username: &str,
        password: &str,
        balance: Cents,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let password_hash = PasswordHash::new(password);
        let user = NewUser { username: username.into(), password_hash, balance, at: timestamp(now) };
        self.write(user).await
    }

    /// Sets a user's balance; false when there is no such user.
    pub async fn set_click2mail_balance(&self, username: &str, balance: Cents) -> Result<bool, Error> {
        self.write(SetBalance { username: username.into(), balance }).await
    }

    /// Every user and balance, by username.
    pub async fn click2mail_balances(&self) -> Result<Vec<(String, Cents)>, Error> {
        let mut balances: Vec<(String, Cents)> = self
            .read(|namespace| {
                namespace.click2mail_users.iter().map(|(username, user)| (username.clone(), user.balance)).collect()
            })
            .unwrap_or_default();
        balances.sort();
        Ok(balances)
    }

    /// The user's purchases, oldest first.
    pub async fn click2mail_purchases(&self, username: &str) -> Result<Vec<PurchaseRecord>, Error> {
        let Some(namespace) = self.read(|namespace| namespace.id) else { return Ok(Vec::new()) };
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT amount_cents, card_brand, card_last_four, purchased_at FROM click2mail_purchases \
             WHERE namespace = ?1 AND username = ?2 ORDER BY id",
        )
        .bind(namespace)
        .bind(username)
        .fetch_all(&self.store.pool)
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
    pub async fn record_purchase(&self, purchase: Purchase<'_>) -> Result<PurchaseResult, Error> {
        let purchase = RecordPurchase {
            username: purchase.username.into(),
            amount: purchase.amount,
            card_brand: purchase.card_brand,
            card_last_four: purchase.card_last_four.into(),
            at: timestamp(purchase.at),
        };
        self.write(purchase).await
    }
}

struct NewUser {
    username: String,
    password_hash: PasswordHash,
    balance: Cents,
    at: String,
}

impl NamespaceWrite for NewUser {
    type Output = bool;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<bool, sqlx::Error> {
        let inserted = sqlx::query(
            "INSERT INTO click2mail_users (namespace, username, password_hash, balance_cents, created_at) \
             VALUES (?5, ?1, ?2, ?3, ?4) ON CONFLICT (namespace, username) DO NOTHING",
        )
        .bind(&self.username)
        .bind(self.password_hash.to_string())
        .bind(self.balance.get())
        .bind(&self.at)
        .bind(namespace.id)
        .execute(conn)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    fn mirror(&self, inserted: &mut bool, model: &mut NamespaceModel) {
        if *inserted {
            let user = Click2MailUser { password_hash: self.password_hash.clone(), balance: self.balance };
            model.click2mail_users.insert(self.username.clone(), user);
        }
    }
}

struct SetBalance {
    username: String,
    balance: Cents,
}

impl NamespaceWrite for SetBalance {
    type Output = bool;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<bool, sqlx::Error> {
        let updated =
            sqlx::query("UPDATE click2mail_users SET balance_cents = ?1 WHERE namespace = ?3 AND username = ?2")
                .bind(self.balance.get())
                .bind(&self.username)
                .bind(namespace.id)
                .execute(conn)
                .await?;
        Ok(updated.rows_affected() == 1)
    }

    fn mirror(&self, updated: &mut bool, model: &mut NamespaceModel) {
        if let (true, Some(user)) = (*updated, model.click2mail_users.get_mut(&self.username)) {
            user.balance = self.balance;
        }
    }
}

struct RecordPurchase {
    username: String,
    amount: Cents,
    card_brand: Brand,
    card_last_four: String,
    at: String,
}

impl NamespaceWrite for RecordPurchase {
    type Output = PurchaseResult;

    async fn apply(&self, conn: &mut SqliteConnection, namespace: Scope) -> Result<PurchaseResult, sqlx::Error> {
        // One statement: the insert happens only for a user with room for the amount, and the
        // trigger of migration 0007 adds the amount to the balance.
        let recorded = sqlx::query(
            "INSERT INTO click2mail_purchases \
             (namespace, username, amount_cents, card_brand, card_last_four, purchased_at) \
             SELECT namespace, username, ?2, ?3, ?4, ?5 FROM click2mail_users \
             WHERE namespace = ?7 AND username = ?1 AND balance_cents <= ?6",
        )
        .bind(&self.username)
        .bind(self.amount.get())
        .bind(self.card_brand.name())
        .bind(&self.card_last_four)
        .bind(&self.at)
        .bind(Cents::MAX.get() - self.amount.get())
        .bind(namespace.id)
        .execute(&mut *conn)
        .await?;
        if recorded.rows_affected() == 1 {
            // The new balance is filled in by `mirror`, from the model.
            return Ok(PurchaseResult::Recorded { balance: Cents::ZERO });
        }
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM click2mail_users WHERE namespace = ?2 AND username = ?1")
                .bind(&self.username)
                .bind(namespace.id)
                .fetch_optional(&mut *conn)
                .await?;
        Ok(if exists.is_some() { PurchaseResult::BalanceLimit } else { PurchaseResult::NoSuchUser })
    }

    /// A run of purchases, in any namespaces, by any users, is one statement when every one of
    /// them can be recorded, which is nearly always. Otherwise nothing of that statement is
    /// written, and the purchases are made one at a time, each saying what kept it out.
    async fn apply_run(
        run: &[(&Self, Scope)],
        conn: &mut SqliteConnection,
    ) -> Result<Vec<PurchaseResult>, sqlx::Error> {
        if run.len() > 1 && record_all(run, conn).await? {
            // The new balances are filled in by `mirror`, from the model.
            return Ok(vec![PurchaseResult::Recorded { balance: Cents::ZERO }; run.len()]);
        }
        let mut results = Vec::with_capacity(run.len());
        for (purchase, namespace) in run {
            results.push(purchase.apply(conn, *namespace).await?);
        }
        Ok(results)
    }

    /// Commits apply in order, so adding the amount to the model's balance gives the balance
    /// the database holds.
    fn mirror(&self, result: &mut PurchaseResult, model: &mut NamespaceModel) {
        if let (PurchaseResult::Recorded { balance }, Some(user)) =
            (result, model.click2mail_users.get_mut(&self.username))
        {
            user.balance = Cents::new(user.balance.get() + self.amount.get());
            *balance = user.balance;
        }
    }
}

/// Records every purchase of the run, in its order, or none of them: all of them when each
/// user exists and has room in the balance for all of that user's purchases in the run. The
/// trigger of migration 0007 adds each amount to its balance. Says whether they were recorded.
async fn record_all(run: &[(&RecordPurchase, Scope)], conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    let mut totals: HashMap<(i64, &str), i64> = HashMap::new();
    for (purchase, namespace) in run {
        *totals.entry((namespace.id, purchase.username.as_str())).or_default() += purchase.amount.get();
    }
    let rows: Vec<serde_json::Value> = run
        .iter()
        .map(|(purchase, namespace)| {
            let room_needed = totals[&(namespace.id, purchase.username.as_str())];
            serde_json::json!([
                namespace.id,
                purchase.username,
                purchase.amount.get(),
                purchase.card_brand.name(),
                purchase.card_last_four,
                purchase.at,
                Cents::MAX.get() - room_needed,
            ])
        })
        .collect();
    // The count is taken once, before the first row is written: all or nothing.
    let recorded = sqlx::query(
        "WITH wanted AS ( \
             SELECT r.key AS position, u.namespace, u.username, r.value ->> 2 AS amount_cents, \
                    r.value ->> 3 AS card_brand, r.value ->> 4 AS card_last_four, \
                    r.value ->> 5 AS purchased_at, u.balance_cents <= r.value ->> 6 AS fits \
             FROM json_each(?1) AS r \
             JOIN click2mail_users AS u ON u.namespace = r.value ->> 0 AND u.username = r.value ->> 1) \
         INSERT INTO click2mail_purchases \
         (namespace, username, amount_cents, card_brand, card_last_four, purchased_at) \
         SELECT namespace, username, amount_cents, card_brand, card_last_four, purchased_at FROM wanted \
         WHERE (SELECT count(*) FROM wanted WHERE fits) = json_array_length(?1) \
         ORDER BY position",
    )
    .bind(serde_json::Value::Array(rows).to_string())
    .execute(&mut *conn)
    .await?;
    Ok(recorded.rows_affected() == run.len() as u64)
}

/// Adds the fixtures' users, or updates the password of those that exist (hashed, under a
/// new salt); a balance already there is kept, as it is the sum of that user's purchases and
/// top-ups.
pub(super) async fn upsert_fixtures(
    conn: &mut SqliteConnection,
    namespace: i64,
    fixtures: &Click2MailFixtures,
    now: &str,
) -> Result<(), sqlx::Error> {
    for user in &fixtures.users {
        sqlx::query(
            "INSERT INTO click2mail_users (namespace, username, password_hash, balance_cents, created_at)
             VALUES (?5, ?1, ?2, ?3, ?4)
             ON CONFLICT (namespace, username) DO UPDATE SET password_hash = excluded.password_hash",
        )
        .bind(&user.username)
        .bind(PasswordHash::new(&user.password).to_string())
        .bind(user.balance.get())
        .bind(now)
        .bind(namespace)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::sandbox::fixtures::Fixtures;
    use crate::store::{DEFAULT, DEFAULT_MAX_NAMESPACES, Database, FixtureLoad, Store, Template};

    /// A store holding the fixtures' `awesomeuser` (balance 0) in `default` and in `other`, and
    /// in `other` the user `rich`, `rich_room` away from the highest balance.
    async fn store_with_two_namespaces(rich_room: Cents) -> (Store, Scope, Scope) {
        let template =
            Template { fixtures: Arc::new(Fixtures::builtin().unwrap()), max_namespaces: DEFAULT_MAX_NAMESPACES };
        let store = Store::open(&Database::Memory, template).await.unwrap();
        store.load_fixtures(FixtureLoad::IfNew).await.unwrap();
        let balance = Cents::new(Cents::MAX.get() - rich_room.get());
        assert!(store.namespace("other").create_click2mail_user("rich", "pw", balance, Utc::now()).await.unwrap());
        let id = |name: &str| store.namespace(name).read(|namespace| namespace.id).unwrap();
        let scope = |id| Scope { id, created: false };
        let (default, other) = (scope(id(DEFAULT)), scope(id("other")));
        (store, default, other)
    }

    fn purchase(username: &str, cents: i64, last_four: &str) -> RecordPurchase {
        RecordPurchase {
            username: username.into(),
            amount: Cents::new(cents),
            card_brand: Brand::Visa,
            card_last_four: last_four.into(),
            at: "2026-12-02T10:00:00.000Z".into(),
        }
    }

    /// Applies the run in a transaction of its own, as the writer would, and gives the
    /// purchases then stored, in the order of their ids, and every balance.
    async fn apply(store: &Store, run: &[(&RecordPurchase, Scope)]) -> (Vec<PurchaseResult>, Vec<String>, Vec<i64>) {
        let mut tx = store.pool.begin().await.unwrap();
        let results = RecordPurchase::apply_run(run, &mut tx).await.unwrap();
        tx.commit().await.unwrap();
        let stored: Vec<(i64, String, i64, String)> = sqlx::query_as(
            "SELECT namespace, username, amount_cents, card_last_four FROM click2mail_purchases ORDER BY id",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        let stored = stored.into_iter().map(|(ns, user, cents, four)| format!("{ns} {user} {cents} {four}")).collect();
        let balances = sqlx::query_scalar("SELECT balance_cents FROM click2mail_users ORDER BY namespace, username")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        (results, stored, balances)
    }

    /// Whether the one statement records the whole run, tried in a transaction rolled back;
    /// when it does not, it must have written nothing.
    async fn one_statement_records(store: &Store, run: &[(&RecordPurchase, Scope)]) -> bool {
        let mut tx = store.pool.begin().await.unwrap();
        let recorded = record_all(run, &mut tx).await.unwrap();
        let written: i64 =
            sqlx::query_scalar("SELECT count(*) FROM click2mail_purchases").fetch_one(&mut *tx).await.unwrap();
        assert_eq!(written, if recorded { run.len() as i64 } else { 0 });
        tx.rollback().await.unwrap();
        recorded
    }

    const RECORDED: PurchaseResult = PurchaseResult::Recorded { balance: Cents::ZERO };

    #[tokio::test]
    async fn a_run_of_purchases_in_many_namespaces_is_recorded_in_its_order() {
        let (store, default, other) = store_with_two_namespaces(Cents::new(10_000)).await;
        let (a, b, c) = (
            purchase("awesomeuser", 10_00, "0001"),
            purchase("rich", 60_00, "0002"),
            purchase("awesomeuser", 15_00, "0003"),
        );
        let run = [(&a, default), (&b, other), (&c, default)];
        assert!(one_statement_records(&store, &run).await);
        let (results, stored, balances) = apply(&store, &run).await;
        assert_eq!(results, [RECORDED; 3]);
        let (d, o) = (default.id, other.id);
        assert_eq!(
            stored,
            [format!("{d} awesomeuser 1000 0001"), format!("{o} rich 6000 0002"), format!("{d} awesomeuser 1500 0003")]
        );
        assert_eq!(balances, [25_00, 0, Cents::MAX.get() - 40_00]);
    }

    #[tokio::test]
    async fn a_run_with_a_purchase_that_cannot_be_recorded_is_made_one_by_one() {
        let (store, default, other) = store_with_two_namespaces(Cents::new(10_000)).await;
        let first = purchase("rich", 60_00, "0001");
        let ghost = purchase("ghost", 10_00, "0002");
        let mine = purchase("awesomeuser", 10_00, "0003");
        // Each would fit alone, but not both: the second passes the highest balance.
        let second = purchase("rich", 60_00, "0004");
        let run = [(&first, other), (&ghost, default), (&mine, default), (&second, other)];
        assert!(!one_statement_records(&store, &run).await);
        let (results, stored, balances) = apply(&store, &run).await;
        assert_eq!(results, [RECORDED, PurchaseResult::NoSuchUser, RECORDED, PurchaseResult::BalanceLimit]);
        let (d, o) = (default.id, other.id);
        assert_eq!(stored, [format!("{o} rich 6000 0001"), format!("{d} awesomeuser 1000 0003")]);
        assert_eq!(balances, [10_00, 0, Cents::MAX.get() - 40_00]);
    }
}
