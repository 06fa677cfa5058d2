-- Facts about the database itself, such as when the fixtures were loaded into it.
CREATE TABLE paymock_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
