//! The whole store as one JSON document, and back: `GET /__admin/export` and
//! `POST /__admin/import`, so that a team can check a scenario into its repository and load it
//! in CI. Every namespace is in it, with everything a snapshot holds, in the shape of the
//! fixture files where the two overlap: a user is `username`, `password` (or, as exported,
//! `passwordHash`), `balance` as a decimal string; an account is `id` and `allowOffline`; a
//! Hostway user has `salesAgent` and `roles` by account. So a fixture file's users and
//! accounts can be imported as they are.
//!
//! An import replaces the state of each namespace it names, creating those that do not exist,
//! in one transaction; namespaces it does not name are left alone. Snapshots are not part of
//! the document.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use sqlx::SqliteConnection;

use super::hostway::MethodKind;
use super::model::Model;
use super::saved::write_rows;
use super::writer::StoreWrite;
use super::{Error, Store, timestamp};
use crate::domain::cards::{Brand, Expiry, Outcome};
use crate::domain::fingerprint::FingerprintKey;
use crate::domain::money::Cents;
use crate::domain::names;
use crate::domain::password::PasswordHash;
use crate::vendors::hostway::{method_id, parse_method_id};

/// The document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Export {
    /// When it was exported; ignored on import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported_at: Option<String>,
    pub namespaces: Vec<NamespaceExport>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespaceExport {
    pub name: String,
    /// The instant its clock was frozen at, when it was.
    #[serde(default)]
    pub frozen_at: Option<String>,
    /// The key its number fingerprints were made with, in hex. Without it, the importing
    /// database's own key is assumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint_key: Option<String>,
    #[serde(default)]
    pub click2mail: Click2MailExport,
    #[serde(default)]
    pub hostway: HostwayExport,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Click2MailExport {
    #[serde(default)]
    pub users: Vec<Click2MailUserExport>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Click2MailUserExport {
    pub username: String,
    /// On import only: kept as a salted hash.
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    #[serde(default = "zero", deserialize_with = "decimal")]
    pub balance: Cents,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default)]
    pub purchases: Vec<PurchaseExport>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PurchaseExport {
    #[serde(deserialize_with = "decimal")]
    pub amount: Cents,
    pub card_brand: String,
    pub card_last_four: String,
    pub purchased_at: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostwayExport {
    #[serde(default)]
    pub accounts: Vec<AccountExport>,
    #[serde(default)]
    pub users: Vec<HostwayUserExport>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountExport {
    pub id: String,
    #[serde(default)]
    pub allow_offline: bool,
    /// `null`, `"offline"`, or the id of one of its active methods.
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Deleted ones too (with `deletedAt`): payments name them.
    #[serde(default)]
    pub payment_methods: Vec<MethodExport>,
    #[serde(default)]
    pub payments: Vec<PaymentExport>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MethodExport {
    /// `cc-<n>` or `dd-<n>`.
    pub id: String,
    /// Masked: `XXXXXXXXXXXX1111`.
    pub account_number: String,
    #[serde(default)]
    pub number_fingerprint: String,
    pub credit_card_type: Option<String>,
    pub card_holder_name: Option<String>,
    pub expiration_date: Option<String>,
    pub test_card_outcome: Option<String>,
    pub routing_number: Option<String>,
    pub account_owner: Option<String>,
    pub account_name: Option<String>,
    pub bank_name: Option<String>,
    pub bank_city: Option<String>,
    pub bank_country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default)]
    pub deleted_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PaymentExport {
    /// The method it was taken from.
    pub payment_info: String,
    #[serde(deserialize_with = "decimal")]
    pub amount: Cents,
    #[serde(default = "pending")]
    pub status: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostwayUserExport {
    pub username: String,
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    #[serde(default)]
    pub sales_agent: bool,
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

fn zero() -> Cents {
    Cents::ZERO
}

fn pending() -> String {
    "pending".to_owned()
}

fn decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cents, D::Error> {
    let text = String::deserialize(deserializer)?;
    Cents::parse(&text).map_err(|err| serde::de::Error::custom(format!("amount {text:?} {err}")))
}

// The rows of each table, by column name, as `saved::write_rows` takes them.

#[derive(Serialize, sqlx::FromRow)]
struct UserRow {
    username: String,
    password_hash: String,
    balance_cents: i64,
    created_at: String,
}

#[derive(Serialize, sqlx::FromRow)]
struct PurchaseRow {
    username: String,
    amount_cents: i64,
    card_brand: String,
    card_last_four: String,
    purchased_at: String,
}

#[derive(Serialize, sqlx::FromRow)]
struct AccountRow {
    id: String,
    allow_offline: bool,
    default_payment_method: Option<i64>,
    offline_is_default: bool,
    created_at: String,
}

#[derive(Serialize, sqlx::FromRow)]
struct HostwayUserRow {
    username: String,
    password_hash: String,
    is_sales_agent: bool,
    created_at: String,
}

#[derive(Serialize, sqlx::FromRow)]
struct RoleRow {
    username: String,
    account_id: String,
    role: String,
}

#[derive(Serialize, sqlx::FromRow)]
struct MethodRow {
    id: i64,
    account_id: String,
    kind: String,
    number_masked: String,
    number_fingerprint: String,
    card_brand: Option<String>,
    card_holder_name: Option<String>,
    expiration: Option<String>,
    test_card_outcome: Option<String>,
    routing_number: Option<String>,
    account_owner: Option<String>,
    account_name: Option<String>,
    bank_name: Option<String>,
    bank_city: Option<String>,
    bank_country: Option<String>,
    created_at: String,
    deleted_at: Option<String>,
}

#[derive(Serialize, sqlx::FromRow)]
struct PaymentRow {
    account_id: String,
    payment_method_id: i64,
    amount_cents: i64,
    status: String,
    created_at: String,
}

/// One namespace's rows.
#[derive(Default)]
struct Rows {
    users: Vec<UserRow>,
    purchases: Vec<PurchaseRow>,
    accounts: Vec<AccountRow>,
    hostway_users: Vec<HostwayUserRow>,
    roles: Vec<RoleRow>,
    methods: Vec<MethodRow>,
    payments: Vec<PaymentRow>,
}

impl Store {
    /// Every namespace's state, read at one instant, by name; clocks are the caller's to add.
    pub async fn export(&self) -> Result<Export, Error> {
        let mut tx = self.pool.begin().await?;
        let namespaces: Vec<(i64, String, Option<String>)> =
            sqlx::query_as("SELECT id, name, fingerprint_key FROM paymock_namespaces ORDER BY name")
                .fetch_all(&mut *tx)
                .await?;
        let own_key = self.fingerprint_key.to_hex();
        let mut exported = Vec::new();
        for (id, name, key) in namespaces {
            let rows = read_rows(&mut tx, id).await?;
            let fingerprint_key = Some(key.unwrap_or_else(|| own_key.clone()));
            exported.push(rows.into_export(name, fingerprint_key)?);
        }
        tx.commit().await?;
        Ok(Export { exported_at: Some(timestamp(chrono::Utc::now())), namespaces: exported })
    }

    /// Replaces the state of each namespace the document names, in one transaction; gives
    /// their names. The document must have passed [`Export::problems`].
    pub async fn import(&self, document: Export) -> Result<Vec<String>, Error> {
        let own_key = self.fingerprint_key.to_hex();
        let mut namespaces = Vec::new();
        for namespace in document.namespaces {
            let key = namespace.fingerprint_key.clone().filter(|key| *key != own_key);
            let tables =
                namespace.to_rows().tables().map_err(|err| Error::Database(sqlx::Error::Encode(err.into())))?;
            namespaces.push(ImportedNamespace { name: namespace.name, fingerprint_key: key, tables });
        }
        let max = self.template.max_namespaces;
        self.writer.write(Import { namespaces, max }).await?
    }
}

async fn read_rows(conn: &mut SqliteConnection, namespace: i64) -> Result<Rows, sqlx::Error> {
    async fn all<T>(conn: &mut SqliteConnection, sql: &'static str, namespace: i64) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        sqlx::query_as(sql).bind(namespace).fetch_all(conn).await
    }
    Ok(Rows {
        users: all(conn, "SELECT * FROM click2mail_users WHERE namespace = ?1 ORDER BY username", namespace).await?,
        purchases: all(conn, "SELECT * FROM click2mail_purchases WHERE namespace = ?1 ORDER BY id", namespace).await?,
        accounts: all(conn, "SELECT * FROM hostway_accounts WHERE namespace = ?1 ORDER BY id", namespace).await?,
        hostway_users: all(conn, "SELECT * FROM hostway_users WHERE namespace = ?1 ORDER BY username", namespace)
            .await?,
        roles: all(
            conn,
            "SELECT * FROM hostway_user_roles WHERE namespace = ?1 ORDER BY username, account_id, role",
            namespace,
        )
        .await?,
        methods: all(conn, "SELECT * FROM hostway_payment_methods WHERE namespace = ?1 ORDER BY id", namespace).await?,
        payments: all(conn, "SELECT * FROM hostway_payments WHERE namespace = ?1 ORDER BY id", namespace).await?,
    })
}

impl Rows {
    fn into_export(self, name: String, fingerprint_key: Option<String>) -> Result<NamespaceExport, sqlx::Error> {
        let kind_of = |kind: &str| MethodKind::try_from(kind.to_owned()).map_err(|err| sqlx::Error::Decode(err.into()));
        let mut ids = BTreeMap::new();
        for method in &self.methods {
            ids.insert(method.id, method_id(kind_of(&method.kind)?, method.id));
        }
        let users = self
            .users
            .into_iter()
            .map(|user| Click2MailUserExport {
                purchases: self
                    .purchases
                    .iter()
                    .filter(|purchase| purchase.username == user.username)
                    .map(|purchase| PurchaseExport {
                        amount: Cents::new(purchase.amount_cents),
                        card_brand: purchase.card_brand.clone(),
                        card_last_four: purchase.card_last_four.clone(),
                        purchased_at: purchase.purchased_at.clone(),
                    })
                    .collect(),
                username: user.username,
                password: None,
                password_hash: Some(user.password_hash),
                balance: Cents::new(user.balance_cents),
                created_at: Some(user.created_at),
            })
            .collect();
        let accounts = self
            .accounts
            .into_iter()
            .map(|account| AccountExport {
                default: match (account.default_payment_method, account.offline_is_default) {
                    (Some(id), _) => ids.get(&id).cloned(),
                    (None, true) => Some("offline".to_owned()),
                    (None, false) => None,
                },
                payment_methods: self
                    .methods
                    .iter()
                    .filter(|method| method.account_id == account.id)
                    .map(|method| MethodExport {
                        id: ids[&method.id].clone(),
                        account_number: method.number_masked.clone(),
                        number_fingerprint: method.number_fingerprint.clone(),
                        credit_card_type: method.card_brand.clone(),
                        card_holder_name: method.card_holder_name.clone(),
                        expiration_date: method.expiration.clone(),
                        test_card_outcome: method.test_card_outcome.clone(),
                        routing_number: method.routing_number.clone(),
                        account_owner: method.account_owner.clone(),
                        account_name: method.account_name.clone(),
                        bank_name: method.bank_name.clone(),
                        bank_city: method.bank_city.clone(),
                        bank_country: method.bank_country.clone(),
                        created_at: Some(method.created_at.clone()),
                        deleted_at: method.deleted_at.clone(),
                    })
                    .collect(),
                payments: self
                    .payments
                    .iter()
                    .filter(|payment| payment.account_id == account.id)
                    .map(|payment| PaymentExport {
                        payment_info: ids.get(&payment.payment_method_id).cloned().unwrap_or_default(),
                        amount: Cents::new(payment.amount_cents),
                        status: payment.status.clone(),
                        created_at: payment.created_at.clone(),
                    })
                    .collect(),
                id: account.id,
                allow_offline: account.allow_offline,
                created_at: Some(account.created_at),
            })
            .collect();
        let hostway_users = self
            .hostway_users
            .into_iter()
            .map(|user| {
                let mut roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for role in self.roles.iter().filter(|role| role.username == user.username) {
                    roles.entry(role.account_id.clone()).or_default().push(role.role.clone());
                }
                HostwayUserExport {
                    username: user.username,
                    password: None,
                    password_hash: Some(user.password_hash),
                    sales_agent: user.is_sales_agent,
                    roles,
                    created_at: Some(user.created_at),
                }
            })
            .collect();
        Ok(NamespaceExport {
            name,
            frozen_at: None,
            fingerprint_key,
            click2mail: Click2MailExport { users },
            hostway: HostwayExport { accounts, users: hostway_users },
        })
    }

    /// Each table's rows as `write_rows` takes them.
    fn tables(&self) -> Result<Vec<(String, Box<RawValue>)>, serde_json::Error> {
        fn rows<T: Serialize>(table: &str, rows: &[T]) -> Result<(String, Box<RawValue>), serde_json::Error> {
            Ok((table.to_owned(), RawValue::from_string(serde_json::to_string(rows)?)?))
        }
        // Purchases before their users: see `saved::TABLES`.
        Ok(vec![
            rows("click2mail_purchases", &self.purchases)?,
            rows("click2mail_users", &self.users)?,
            rows("hostway_accounts", &self.accounts)?,
            rows("hostway_users", &self.hostway_users)?,
            rows("hostway_user_roles", &self.roles)?,
            rows("hostway_payment_methods", &self.methods)?,
            rows("hostway_payments", &self.payments)?,
        ])
    }
}

impl NamespaceExport {
    /// Its rows. Passwords given in plain text are hashed; what is missing is filled in (an
    /// instant with the import's).
    fn to_rows(&self) -> Rows {
        let now = timestamp(chrono::Utc::now());
        // Instants as the store writes them, so that they sort and compare as the others do.
        let normal = |given: &str| instant(given).unwrap_or_else(|| given.to_owned());
        let at = |given: &Option<String>| given.as_deref().map_or_else(|| now.clone(), normal);
        let hash = |plain: &Option<String>, hash: &Option<String>| match (plain, hash) {
            (Some(password), _) => PasswordHash::new(password).to_string(),
            (None, Some(hash)) => hash.clone(),
            (None, None) => String::new(),
        };
        let mut rows = Rows::default();
        for user in &self.click2mail.users {
            rows.users.push(UserRow {
                username: user.username.clone(),
                password_hash: hash(&user.password, &user.password_hash),
                balance_cents: user.balance.get(),
                created_at: at(&user.created_at),
            });
            rows.purchases.extend(user.purchases.iter().map(|purchase| PurchaseRow {
                username: user.username.clone(),
                amount_cents: purchase.amount.get(),
                card_brand: purchase.card_brand.clone(),
                card_last_four: purchase.card_last_four.clone(),
                purchased_at: normal(&purchase.purchased_at),
            }));
        }
        for account in &self.hostway.accounts {
            let number = |id: &str| parse_method_id(id).map(|(_, number)| number);
            rows.accounts.push(AccountRow {
                id: account.id.clone(),
                allow_offline: account.allow_offline,
                default_payment_method: account.default.as_deref().and_then(number),
                offline_is_default: account.default.as_deref() == Some("offline"),
                created_at: at(&account.created_at),
            });
            for method in &account.payment_methods {
                let Some((kind, id)) = parse_method_id(&method.id) else { continue };
                rows.methods.push(MethodRow {
                    id,
                    account_id: account.id.clone(),
                    kind: kind.name().to_owned(),
                    number_masked: method.account_number.clone(),
                    number_fingerprint: method.number_fingerprint.clone(),
                    card_brand: method.credit_card_type.clone(),
                    card_holder_name: method.card_holder_name.clone(),
                    expiration: method
                        .expiration_date
                        .as_deref()
                        .and_then(Expiry::parse)
                        .map(|expiry| expiry.to_string()),
                    test_card_outcome: method.test_card_outcome.clone(),
                    routing_number: method.routing_number.clone(),
                    account_owner: method.account_owner.clone(),
                    account_name: method.account_name.clone(),
                    bank_name: method.bank_name.clone(),
                    bank_city: method.bank_city.clone(),
                    bank_country: method.bank_country.clone(),
                    created_at: at(&method.created_at),
                    deleted_at: method.deleted_at.as_deref().map(normal),
                });
            }
            rows.payments.extend(account.payments.iter().filter_map(|payment| {
                Some(PaymentRow {
                    account_id: account.id.clone(),
                    payment_method_id: number(&payment.payment_info)?,
                    amount_cents: payment.amount.get(),
                    status: payment.status.clone(),
                    created_at: normal(&payment.created_at),
                })
            }));
        }
        for user in &self.hostway.users {
            rows.hostway_users.push(HostwayUserRow {
                username: user.username.clone(),
                password_hash: hash(&user.password, &user.password_hash),
                is_sales_agent: user.sales_agent,
                created_at: at(&user.created_at),
            });
            let roles = user.roles.iter().flat_map(|(account, roles)| roles.iter().map(move |role| (account, role)));
            let unique: BTreeSet<_> = roles.collect();
            rows.roles.extend(unique.into_iter().map(|(account, role)| RoleRow {
                username: user.username.clone(),
                account_id: account.clone(),
                role: role.clone(),
            }));
        }
        rows
    }
}

impl Export {
    /// What is wrong with the document, each by where it is: names, passwords, ids and
    /// references that the state could not hold. Empty when it can be imported.
    pub fn problems(&self) -> BTreeMap<String, String> {
        let mut problems = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for (n, namespace) in self.namespaces.iter().enumerate() {
            let at = format!("namespaces[{n}]");
            let mut problem = |field: String, hint: &str| {
                problems.entry(field).or_insert_with(|| hint.to_owned());
            };
            if !names::is_namespace(&namespace.name) {
                problem(format!("{at}.name"), names::NAMESPACE_RULE);
            }
            if !seen.insert(&namespace.name) {
                problem(format!("{at}.name"), "names a namespace that the document names already");
            }
            if namespace.frozen_at.as_deref().is_some_and(|at| crate::domain::clock::parse_instant(at).is_none()) {
                problem(format!("{at}.frozenAt"), crate::domain::clock::INSTANT_HINT);
            }
            if namespace.fingerprint_key.as_deref().is_some_and(|key| FingerprintKey::from_hex(key).is_none()) {
                problem(format!("{at}.fingerprintKey"), "must be 64 hexadecimal digits, as exported");
            }
            let mut usernames = BTreeSet::new();
            for (u, user) in namespace.click2mail.users.iter().enumerate() {
                let at = format!("{at}.click2mail.users[{u}]");
                for (field, hint) in user_problems(&user.username, &user.password, &user.password_hash, &mut usernames)
                {
                    problem(format!("{at}.{field}"), hint);
                }
                if user.created_at.as_deref().is_some_and(|at| instant(at).is_none()) {
                    problem(format!("{at}.createdAt"), INSTANT_HINT);
                }
                for (p, purchase) in user.purchases.iter().enumerate() {
                    let at = format!("{at}.purchases[{p}]");
                    if purchase.amount == Cents::ZERO {
                        problem(format!("{at}.amount"), "must be more than 0.00");
                    }
                    if !is_brand(&purchase.card_brand) {
                        problem(format!("{at}.cardBrand"), BRAND_HINT);
                    }
                    if !(purchase.card_last_four.len() == 4 && is_digits(&purchase.card_last_four)) {
                        problem(format!("{at}.cardLastFour"), "must be 4 digits");
                    }
                    if instant(&purchase.purchased_at).is_none() {
                        problem(format!("{at}.purchasedAt"), INSTANT_HINT);
                    }
                }
            }
            let accounts: BTreeSet<&String> = namespace.hostway.accounts.iter().map(|account| &account.id).collect();
            let mut method_numbers = BTreeSet::new();
            for (a, account) in namespace.hostway.accounts.iter().enumerate() {
                let at = format!("{at}.hostway.accounts[{a}]");
                if !names::is_valid(&account.id) {
                    problem(format!("{at}.id"), names::RULE);
                }
                if account.created_at.as_deref().is_some_and(|at| instant(at).is_none()) {
                    problem(format!("{at}.createdAt"), INSTANT_HINT);
                }
                let mut active = BTreeSet::new();
                let mut all = BTreeSet::new();
                for (m, method) in account.payment_methods.iter().enumerate() {
                    let at = format!("{at}.paymentMethods[{m}]");
                    match parse_method_id(&method.id) {
                        Some((kind, number)) if number <= MAX_METHOD_NUMBER && method_numbers.insert(number) => {
                            all.insert(method.id.as_str());
                            if method.deleted_at.is_none() {
                                active.insert(method.id.as_str());
                            }
                            for (field, hint) in method_problems(kind, method) {
                                problem(format!("{at}.{field}"), hint);
                            }
                        }
                        _ => problem(
                            format!("{at}.id"),
                            "must be cc-<n> or dd-<n>, n at most 1000000000 and unique in the namespace",
                        ),
                    }
                }
                match account.default.as_deref() {
                    None => {}
                    Some("offline") if account.allow_offline => {}
                    Some("offline") => problem(format!("{at}.default"), "is offline, which the account does not allow"),
                    Some(id) if active.contains(id) => {}
                    Some(_) => {
                        problem(format!("{at}.default"), "must be null, offline, or an active method of the account")
                    }
                }
                for (p, payment) in account.payments.iter().enumerate() {
                    let at = format!("{at}.payments[{p}]");
                    if !all.contains(payment.payment_info.as_str()) {
                        problem(format!("{at}.paymentInfo"), "must be a method of the account");
                    }
                    if payment.amount == Cents::ZERO {
                        problem(format!("{at}.amount"), "must be more than 0.00");
                    }
                    if payment.status != "pending" {
                        problem(format!("{at}.status"), "must be pending, the one status payments have");
                    }
                    if instant(&payment.created_at).is_none() {
                        problem(format!("{at}.createdAt"), INSTANT_HINT);
                    }
                }
            }
            if accounts.len() != namespace.hostway.accounts.len() {
                problem(format!("{at}.hostway.accounts"), "must not name an account twice");
            }
            let mut usernames = BTreeSet::new();
            for (u, user) in namespace.hostway.users.iter().enumerate() {
                let at = format!("{at}.hostway.users[{u}]");
                for (field, hint) in user_problems(&user.username, &user.password, &user.password_hash, &mut usernames)
                {
                    problem(format!("{at}.{field}"), hint);
                }
                if user.created_at.as_deref().is_some_and(|at| instant(at).is_none()) {
                    problem(format!("{at}.createdAt"), INSTANT_HINT);
                }
                if let Some(account) = user.roles.keys().find(|account| !accounts.contains(account)) {
                    problem(
                        format!("{at}.roles"),
                        &format!("names account {account}, which the namespace does not hold"),
                    );
                }
            }
        }
        problems
    }
}

/// The largest payment method number an import takes, far from where the next id could overflow.
const MAX_METHOD_NUMBER: i64 = 1_000_000_000;

const INSTANT_HINT: &str = "must be an instant in RFC 3339, such as 2026-11-22T12:00:00.000Z";
const BRAND_HINT: &str = "must be visa, mastercard, amex or discover";

/// The instant `text` names, as the store writes instants; `None` when it names none.
fn instant(text: &str) -> Option<String> {
    crate::domain::clock::parse_instant(text).map(timestamp)
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_brand(name: &str) -> bool {
    [Brand::Visa, Brand::Mastercard, Brand::Amex, Brand::Discover].iter().any(|brand| brand.name() == name)
}

/// What is wrong with a payment method, by field: a number that is not masked (never is a full
/// number stored), and for a card its brand, expiry and test-card outcome, for a direct debit
/// its routing number.
fn method_problems(kind: MethodKind, method: &MethodExport) -> Vec<(&'static str, &'static str)> {
    let mut problems = Vec::new();
    let number = method.account_number.as_str();
    let (masked, last_four) = number.split_at(number.len().saturating_sub(4));
    if !(last_four.len() == 4 && is_digits(last_four) && masked.bytes().all(|b| b == b'X')) {
        problems.push(("accountNumber", "must be masked as exported: X for every digit but the last four"));
    }
    match kind {
        MethodKind::CreditCard => {
            if !method.credit_card_type.as_deref().is_some_and(is_brand) {
                problems.push(("creditCardType", BRAND_HINT));
            }
            if method.expiration_date.as_deref().is_none_or(|date| Expiry::parse(date).is_none()) {
                problems.push(("expirationDate", "must be a month such as 2030-04"));
            }
            if method.test_card_outcome.as_deref().is_some_and(|outcome| Outcome::from_name(outcome).is_none()) {
                problems.push(("testCardOutcome", "must be null or a test card outcome such as approved"));
            }
        }
        MethodKind::DirectDebit => {
            if !method.routing_number.as_deref().is_some_and(|routing| routing.len() == 9 && is_digits(routing)) {
                problems.push(("routingNumber", "must be 9 digits"));
            }
        }
    }
    for (field, at) in [("createdAt", &method.created_at), ("deletedAt", &method.deleted_at)] {
        if at.as_deref().is_some_and(|at| instant(at).is_none()) {
            problems.push((field, INSTANT_HINT));
        }
    }
    problems
}

/// What is wrong with a user's name (not a name, or taken in `seen`) and password (neither
/// given, nor a hash given that reads), by field.
fn user_problems<'a>(
    username: &'a str,
    password: &Option<String>,
    hash: &Option<String>,
    seen: &mut BTreeSet<&'a str>,
) -> Vec<(&'static str, &'static str)> {
    let mut problems = Vec::new();
    if !names::is_valid(username) || !seen.insert(username) {
        problems.push(("username", "must be a unique name: 1 to 64 of A-Z, a-z, 0-9, '.', '_', '@' and '-'"));
    }
    match (password, hash) {
        (Some(_), _) => {}
        (None, Some(hash)) if PasswordHash::parse(hash).is_some() => {}
        (None, Some(_)) => problems.push(("passwordHash", "must be a hash as exported: sha256$<salt>$<digest>")),
        (None, None) => problems.push(("password", "is required (or passwordHash, as exported)")),
    }
    problems
}

/// A namespace to import: its name, its fingerprint key when not the database's own, and its
/// rows by table.
struct ImportedNamespace {
    name: String,
    fingerprint_key: Option<String>,
    tables: Vec<(String, Box<RawValue>)>,
}

struct Import {
    namespaces: Vec<ImportedNamespace>,
    max: usize,
}

impl StoreWrite for Import {
    type Output = Result<Vec<String>, Error>;

    async fn apply(&self, conn: &mut SqliteConnection) -> Result<Self::Output, sqlx::Error> {
        let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM paymock_namespaces").fetch_one(&mut *conn).await?;
        let mut new = 0;
        for ImportedNamespace { name, .. } in &self.namespaces {
            let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM paymock_namespaces WHERE name = ?1")
                .bind(name)
                .fetch_optional(&mut *conn)
                .await?;
            new += usize::from(exists.is_none());
        }
        if existing as usize + new > self.max {
            return Ok(Err(Error::NamespaceLimit { max: self.max }));
        }
        let now = timestamp(chrono::Utc::now());
        let mut imported = Vec::new();
        for ImportedNamespace { name, fingerprint_key: key, tables } in &self.namespaces {
            sqlx::query(
                "INSERT INTO paymock_namespaces (name, created_at, last_used_at) VALUES (?1, ?2, ?2) \
                 ON CONFLICT (name) DO UPDATE SET last_used_at = excluded.last_used_at",
            )
            .bind(name)
            .bind(&now)
            .execute(&mut *conn)
            .await?;
            let id: i64 =
                sqlx::query_scalar("UPDATE paymock_namespaces SET fingerprint_key = ?2 WHERE name = ?1 RETURNING id")
                    .bind(name)
                    .bind(key)
                    .fetch_one(&mut *conn)
                    .await?;
            write_rows(conn, id, tables).await?;
            imported.push(name.clone());
        }
        Ok(Ok(imported))
    }

    fn mirror(&self, _: &mut Self::Output, _: &mut Model) {}

    fn reloads_namespaces(&self, imported: &Self::Output) -> Vec<std::sync::Arc<str>> {
        imported.iter().flatten().map(|name| name.as_str().into()).collect()
    }
}
