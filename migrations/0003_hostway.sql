-- Hostway accounts. The default payment method is a saved one, the offline method (for
-- accounts that allow it), or none yet.
CREATE TABLE hostway_accounts (
    id                     TEXT PRIMARY KEY,
    allow_offline          INTEGER NOT NULL CHECK (allow_offline IN (0, 1)),
    default_payment_method INTEGER REFERENCES hostway_payment_methods (id),
    offline_is_default     INTEGER NOT NULL DEFAULT 0 CHECK (offline_is_default IN (0, 1)),
    created_at             TEXT NOT NULL,
    CHECK (NOT (default_payment_method IS NOT NULL AND offline_is_default = 1)),
    CHECK (offline_is_default = 0 OR allow_offline = 1)
) STRICT;

CREATE TABLE hostway_users (
    username       TEXT PRIMARY KEY,
    password       TEXT NOT NULL,
    is_sales_agent INTEGER NOT NULL CHECK (is_sales_agent IN (0, 1)),
    created_at     TEXT NOT NULL
) STRICT;

-- Roles a user holds on an account, such as sitecontrol_account_owner.
CREATE TABLE hostway_user_roles (
    username   TEXT NOT NULL REFERENCES hostway_users (username) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES hostway_accounts (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    PRIMARY KEY (username, account_id, role)
) STRICT;

-- Saved payment methods: credit cards (cc-<id>) and direct debits (dd-<id>). Card and bank
-- account numbers are kept only masked (XXXXXXXXXXXX1111) and as a keyed SHA-256
-- fingerprint for duplicate detection; CVVs are never stored.
CREATE TABLE hostway_payment_methods (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id          TEXT NOT NULL REFERENCES hostway_accounts (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('credit_card', 'direct_debit')),
    number_masked       TEXT NOT NULL,
    number_fingerprint  TEXT NOT NULL,
    -- Credit cards only.
    card_brand          TEXT,
    card_holder_name    TEXT,
    expiration          TEXT,
    test_card_outcome   TEXT,
    -- Direct debits only.
    routing_number      TEXT,
    account_owner       TEXT,
    account_name        TEXT,
    bank_name           TEXT,
    bank_city           TEXT,
    bank_country        TEXT,
    created_at          TEXT NOT NULL,
    deleted_at          TEXT
) STRICT;

CREATE INDEX hostway_payment_methods_by_account ON hostway_payment_methods (account_id, id);
CREATE INDEX hostway_payment_methods_by_fingerprint ON hostway_payment_methods (account_id, number_fingerprint);

-- One-time payments taken from a saved method, pending settlement.
CREATE TABLE hostway_payments (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id        TEXT NOT NULL REFERENCES hostway_accounts (id) ON DELETE CASCADE,
    payment_method_id INTEGER NOT NULL REFERENCES hostway_payment_methods (id),
    amount_cents      INTEGER NOT NULL CHECK (amount_cents > 0),
    status            TEXT NOT NULL DEFAULT 'pending',
    created_at        TEXT NOT NULL
) STRICT;
