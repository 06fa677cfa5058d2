-- Saved states ("snapshots"), by name: every row of every state table as a JSON document, so
-- that a restore brings back the state exactly, ids and all. They survive restarts like all
-- state, and a reset leaves them alone.
CREATE TABLE paymock_snapshots (
    name       TEXT PRIMARY KEY,
    document   TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
