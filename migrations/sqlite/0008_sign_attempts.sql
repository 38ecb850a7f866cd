-- Attempts to sign, waiting for their signer to confirm by email. Several may wait for one
-- elector (someone else may have typed their name and address first); the first confirmed takes
-- the elector's place in 'signatures', and the others are told that the elector has signed. An
-- attempt expires: its link stops working at 'expires_at', and the row is deleted a day later.
CREATE TABLE sign_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    -- The first place the signer could take; 'places' lists every one, in order, each a
    -- dedupe key, with '=' and the elector's row where the register knew them.
    dedupe_key TEXT NOT NULL,
    places TEXT NOT NULL,
    uprn TEXT,
    postcode TEXT NOT NULL,
    address_text TEXT NOT NULL,
    ward_code TEXT NOT NULL REFERENCES areas (code),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    -- The mailbox the email reaches, for telling a repeat from someone else.
    email_key TEXT NOT NULL,
    confirm_token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    notified_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    -- Set once confirmed: 'signature_id' is the signature it became, or NULL when the elector
    -- had already signed.
    decided_at INTEGER,
    signature_id INTEGER REFERENCES signatures (id)
);
CREATE INDEX sign_attempts_key ON sign_attempts (petition_id, dedupe_key);
CREATE INDEX sign_attempts_expiry ON sign_attempts (expires_at);

-- An attempt confirmed after someone else had signed as the same elector, with another email:
-- one of the two may have impersonated the other. Officers see these in the review queue.
CREATE TABLE sign_conflicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    signature_id INTEGER NOT NULL REFERENCES signatures (id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    postcode TEXT NOT NULL,
    address_text TEXT NOT NULL,
    attempted_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    resolved_at INTEGER
);
CREATE INDEX sign_conflicts_open ON sign_conflicts (petition_id, resolved_at);

-- Unconfirmed signatures become attempts. One with a history (struck, or in the log, after a
-- withdrawal and a new signing) stays as the withdrawn signature it was, keeping its strike; the
-- attempt revives it when confirmed.
INSERT INTO sign_attempts (petition_id, dedupe_key, places, uprn, postcode, address_text, ward_code, name, email,
    email_key, confirm_token_hash, created_at, notified_at, expires_at)
SELECT petition_id, dedupe_key,
    CASE WHEN elector_id IS NULL THEN dedupe_key ELSE dedupe_key || '=' || elector_id END,
    uprn, postcode, address_text, ward_code, name, email, LOWER(email), confirm_token_hash, created_at,
    COALESCE(notified_at, created_at), COALESCE(notified_at, created_at) + 172800
FROM signatures WHERE status = 'unconfirmed' AND confirm_token_hash IS NOT NULL;
UPDATE signatures SET status = 'withdrawn', withdrawn_at = created_at, confirm_token_hash = NULL
WHERE status = 'unconfirmed'
    AND (struck_at IS NOT NULL OR EXISTS (SELECT 1 FROM log_queue q WHERE q.signature_id = signatures.id));
DELETE FROM signatures WHERE status = 'unconfirmed';
