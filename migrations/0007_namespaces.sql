-- Namespaces: independent sandboxes in one database, chosen by a request's base URL
-- (`/ns/{name}/...`). Every state table gains a `namespace` column, part of each key, so that
-- the same username, account id or method id means one thing per namespace. What the
-- database held before is the namespace `default`.
--
-- Payment method ids (`cc-1`) count from 1 in each namespace; purchases and payments keep a
-- database-wide id, which only orders them.
CREATE TABLE paymock_namespaces (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    last_used_at    TEXT NOT NULL,
    -- An imported namespace keeps the key its number fingerprints were made with; NULL is the
    -- database's own (`paymock_meta.fingerprint_key`).
    fingerprint_key TEXT
) STRICT;

INSERT INTO paymock_namespaces (id, name, created_at, last_used_at)
    SELECT 1, 'default', value, value FROM paymock_meta WHERE key = 'fixtures_loaded_at';
DELETE FROM paymock_meta WHERE key = 'fixtures_loaded_at';

DROP TRIGGER click2mail_purchase_adds_to_balance;

CREATE TABLE new_click2mail_users (
    namespace     INTEGER NOT NULL REFERENCES paymock_namespaces (id),
    username      TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    balance_cents INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (namespace, username)
) STRICT;

CREATE TABLE new_click2mail_purchases (
    id             INTEGER PRIMARY KEY,
    namespace      INTEGER NOT NULL,
    username       TEXT NOT NULL,
    amount_cents   INTEGER NOT NULL CHECK (amount_cents > 0),
    card_brand     TEXT NOT NULL,
    card_last_four TEXT NOT NULL CHECK (length(card_last_four) = 4),
    purchased_at   TEXT NOT NULL,
    FOREIGN KEY (namespace, username) REFERENCES new_click2mail_users (namespace, username)
) STRICT;

CREATE TABLE new_hostway_accounts (
    namespace              INTEGER NOT NULL REFERENCES paymock_namespaces (id),
    id                     TEXT NOT NULL,
    allow_offline          INTEGER NOT NULL CHECK (allow_offline IN (0, 1)),
    default_payment_method INTEGER,
    offline_is_default     INTEGER NOT NULL DEFAULT 0 CHECK (offline_is_default IN (0, 1)),
    created_at             TEXT NOT NULL,
    PRIMARY KEY (namespace, id),
    FOREIGN KEY (namespace, default_payment_method) REFERENCES new_hostway_payment_methods (namespace, id)
        DEFERRABLE INITIALLY DEFERRED,
    CHECK (NOT (default_payment_method IS NOT NULL AND offline_is_default = 1)),
    CHECK (offline_is_default = 0 OR allow_offline = 1)
) STRICT;

CREATE TABLE new_hostway_users (
    namespace      INTEGER NOT NULL REFERENCES paymock_namespaces (id),
    username       TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    is_sales_agent INTEGER NOT NULL CHECK (is_sales_agent IN (0, 1)),
    created_at     TEXT NOT NULL,
    PRIMARY KEY (namespace, username)
) STRICT;

CREATE TABLE new_hostway_user_roles (
    namespace  INTEGER NOT NULL,
    username   TEXT NOT NULL,
    account_id TEXT NOT NULL,
    role       TEXT NOT NULL,
    PRIMARY KEY (namespace, username, account_id, role),
    FOREIGN KEY (namespace, username) REFERENCES new_hostway_users (namespace, username),
    FOREIGN KEY (namespace, account_id) REFERENCES new_hostway_accounts (namespace, id)
) STRICT;

CREATE TABLE new_hostway_payment_methods (
    namespace           INTEGER NOT NULL,
    id                  INTEGER NOT NULL,
    account_id          TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('credit_card', 'direct_debit')),
    number_masked       TEXT NOT NULL,
    number_fingerprint  TEXT NOT NULL,
    card_brand          TEXT,
    card_holder_name    TEXT,
    expiration          TEXT,
    test_card_outcome   TEXT,
    routing_number      TEXT,
    account_owner       TEXT,
    account_name        TEXT,
    bank_name           TEXT,
    bank_city           TEXT,
    bank_country        TEXT,
    created_at          TEXT NOT NULL,
    deleted_at          TEXT,
    PRIMARY KEY (namespace, id),
    FOREIGN KEY (namespace, account_id) REFERENCES new_hostway_accounts (namespace, id)
) STRICT;

CREATE TABLE new_hostway_payments (
    id                INTEGER PRIMARY KEY,
    namespace         INTEGER NOT NULL,
    account_id        TEXT NOT NULL,
    payment_method_id INTEGER NOT NULL,
    amount_cents      INTEGER NOT NULL CHECK (amount_cents > 0),
    status            TEXT NOT NULL DEFAULT 'pending',
    created_at        TEXT NOT NULL,
    FOREIGN KEY (namespace, account_id) REFERENCES new_hostway_accounts (namespace, id),
    FOREIGN KEY (namespace, payment_method_id) REFERENCES new_hostway_payment_methods (namespace, id)
) STRICT;

CREATE TABLE new_paymock_snapshots (
    namespace  INTEGER NOT NULL REFERENCES paymock_namespaces (id),
    name       TEXT NOT NULL,
    document   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (namespace, name)
) STRICT;

-- Accounts and methods point at each other: checked at the commit.
PRAGMA defer_foreign_keys = ON;
INSERT INTO new_click2mail_users (namespace, username, password_hash, balance_cents, created_at)
    SELECT 1, username, password_hash, balance_cents, created_at FROM click2mail_users;
INSERT INTO new_click2mail_purchases (id, namespace, username, amount_cents, card_brand, card_last_four, purchased_at)
    SELECT id, 1, username, amount_cents, card_brand, card_last_four, purchased_at FROM click2mail_purchases;
INSERT INTO new_hostway_accounts
    (namespace, id, allow_offline, default_payment_method, offline_is_default, created_at)
    SELECT 1, id, allow_offline, default_payment_method, offline_is_default, created_at FROM hostway_accounts;
INSERT INTO new_hostway_users (namespace, username, password_hash, is_sales_agent, created_at)
    SELECT 1, username, password_hash, is_sales_agent, created_at FROM hostway_users;
INSERT INTO new_hostway_user_roles (namespace, username, account_id, role)
    SELECT 1, username, account_id, role FROM hostway_user_roles;
INSERT INTO new_hostway_payment_methods
    SELECT 1, id, account_id, kind, number_masked, number_fingerprint, card_brand, card_holder_name, expiration,
           test_card_outcome, routing_number, account_owner, account_name, bank_name, bank_city, bank_country,
           created_at, deleted_at
    FROM hostway_payment_methods;
INSERT INTO new_hostway_payments (id, namespace, account_id, payment_method_id, amount_cents, status, created_at)
    SELECT id, 1, account_id, payment_method_id, amount_cents, status, created_at FROM hostway_payments;
INSERT INTO new_paymock_snapshots (namespace, name, document, created_at)
    SELECT 1, name, document, created_at FROM paymock_snapshots;

DROP TABLE hostway_payments;
DROP TABLE hostway_user_roles;
DROP TABLE hostway_users;
DROP TABLE click2mail_purchases;
DROP TABLE click2mail_users;
DROP TABLE paymock_snapshots;
DROP TABLE hostway_payment_methods;
DROP TABLE hostway_accounts;

ALTER TABLE new_click2mail_users RENAME TO click2mail_users;
ALTER TABLE new_click2mail_purchases RENAME TO click2mail_purchases;
ALTER TABLE new_hostway_accounts RENAME TO hostway_accounts;
ALTER TABLE new_hostway_users RENAME TO hostway_users;
ALTER TABLE new_hostway_user_roles RENAME TO hostway_user_roles;
ALTER TABLE new_hostway_payment_methods RENAME TO hostway_payment_methods;
ALTER TABLE new_hostway_payments RENAME TO hostway_payments;
ALTER TABLE new_paymock_snapshots RENAME TO paymock_snapshots;

CREATE INDEX click2mail_purchases_by_user ON click2mail_purchases (namespace, username, id);
CREATE INDEX hostway_user_roles_by_account ON hostway_user_roles (namespace, account_id);
CREATE INDEX hostway_payment_methods_by_account ON hostway_payment_methods (namespace, account_id, id);
CREATE INDEX hostway_payment_methods_by_fingerprint
    ON hostway_payment_methods (namespace, account_id, number_fingerprint);
CREATE INDEX hostway_payments_by_account ON hostway_payments (namespace, account_id, id);
CREATE INDEX hostway_payments_by_method ON hostway_payments (namespace, payment_method_id);

-- A recorded purchase adds its amount to the user's balance, in the same statement, so the
-- two can never be written apart.
CREATE TRIGGER click2mail_purchase_adds_to_balance AFTER INSERT ON click2mail_purchases
BEGIN
    UPDATE click2mail_users SET balance_cents = balance_cents + NEW.amount_cents
        WHERE namespace = NEW.namespace AND username = NEW.username;
END;
