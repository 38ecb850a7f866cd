-- Officer accounts: email and password (an Argon2id hash) and a second factor (a TOTP secret,
-- and single-use recovery codes kept only as hashes). 'role' is admin, officer or viewer.
CREATE TABLE officer_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'viewer')),
    password_hash TEXT,
    totp_secret TEXT,
    -- The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step INTEGER,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES officer_accounts (id),
    set_up_at INTEGER,
    disabled_at INTEGER
);
CREATE TABLE officer_recovery_codes (
    account_id INTEGER NOT NULL REFERENCES officer_accounts (id),
    code_hash TEXT NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (account_id, code_hash)
);
-- Set-up and password-reset links: only a hash of each link's secret is kept.
CREATE TABLE officer_links (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES officer_accounts (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('set-up', 'reset')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
-- Sessions are rows, so that they can be listed and ended. The cookie holds a secret; the row
-- a hash of it. 'stage' is 'password' until the second factor is given.
CREATE TABLE officer_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES officer_accounts (id),
    stage TEXT NOT NULL CHECK (stage IN ('password', 'signed-in')),
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ended_at INTEGER,
    ended_why TEXT,
    device TEXT NOT NULL
);
CREATE INDEX officer_sessions_account ON officer_sessions (account_id, ended_at);
-- Failed sign-ins per email address as typed (a keyed hash of it), whether or not an account
-- has it, so that slowing down and locking never tell which addresses have accounts.
CREATE TABLE sign_in_failures (
    email_key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failed_at INTEGER NOT NULL,
    locked_until INTEGER
);
-- Who did what, when, why and from which session. Written in the same transaction as the
-- change; never updated or deleted (the triggers below refuse it).
CREATE TABLE officer_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    account_id INTEGER REFERENCES officer_accounts (id),
    actor TEXT NOT NULL,
    session_id INTEGER,
    action TEXT NOT NULL,
    petition_id INTEGER REFERENCES petitions (id),
    subject TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX officer_audit_petition ON officer_audit (petition_id, id);
-- The dialects differ from here.
CREATE TRIGGER officer_audit_no_update BEFORE UPDATE ON officer_audit
BEGIN
    SELECT RAISE(ABORT, 'the officer audit trail is append-only');
END;
CREATE TRIGGER officer_audit_no_delete BEFORE DELETE ON officer_audit
BEGIN
    SELECT RAISE(ABORT, 'the officer audit trail is append-only');
END;
-- The dialects agree again from here.
