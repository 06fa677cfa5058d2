-- The checks a save makes (is the card a duplicate, is it the account's first method) read only
-- the methods not deleted, however many an account had deleted before.
DROP INDEX hostway_payment_methods_by_fingerprint;
CREATE INDEX hostway_active_methods_by_fingerprint
    ON hostway_payment_methods (namespace, account_id, number_fingerprint) WHERE deleted_at IS NULL;
CREATE INDEX hostway_active_methods_by_account
    ON hostway_payment_methods (namespace, account_id, id) WHERE deleted_at IS NULL;
