-- Click2Mail MOL Pro users and their credit balance, in cents.
CREATE TABLE click2mail_users (
    username      TEXT PRIMARY KEY,
    password      TEXT NOT NULL,
    balance_cents INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
) STRICT;

-- One row per credit purchase that was authorized. Only the card's brand and last four
-- digits are kept: the full number and the CVV are never stored.
CREATE TABLE click2mail_purchases (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL REFERENCES click2mail_users (username) ON DELETE CASCADE,
    amount_cents   INTEGER NOT NULL CHECK (amount_cents > 0),
    card_brand     TEXT NOT NULL,
    card_last_four TEXT NOT NULL CHECK (length(card_last_four) = 4),
    purchased_at   TEXT NOT NULL
) STRICT;

CREATE INDEX click2mail_purchases_by_user ON click2mail_purchases (username, id);
