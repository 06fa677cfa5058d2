-- Passwords are kept as salted hashes, `sha256$<salt>$<digest>` in `password_hash`, never as
-- they were given. SQLite cannot hash, so this sets the plain-text passwords of an existing
-- database aside in `passwords_to_hash`. When paymock opens the database, before it serves,
-- it hashes them into `password_hash` and drops that table (see `Store::open`). A database
-- made by this version never holds a password in plain text.
CREATE TABLE passwords_to_hash (
    user_table TEXT NOT NULL CHECK (user_table IN ('click2mail_users', 'hostway_users')),
    username   TEXT NOT NULL,
    password   TEXT NOT NULL,
    PRIMARY KEY (user_table, username)
) STRICT;

INSERT INTO passwords_to_hash (user_table, username, password)
    SELECT 'click2mail_users', username, password FROM click2mail_users;
INSERT INTO passwords_to_hash (user_table, username, password)
    SELECT 'hostway_users', username, password FROM hostway_users;

ALTER TABLE click2mail_users DROP COLUMN password;
ALTER TABLE click2mail_users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE hostway_users DROP COLUMN password;
ALTER TABLE hostway_users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
