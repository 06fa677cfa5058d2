-- A recorded purchase adds its amount to the user's balance, in the same statement, so the
-- two can never be written apart.
CREATE TRIGGER click2mail_purchase_adds_to_balance AFTER INSERT ON click2mail_purchases
BEGIN
    UPDATE click2mail_users SET balance_cents = balance_cents + NEW.amount_cents WHERE username = NEW.username;
END;
