-- Reference data, signatures and the mail outbox (SQLite). Times are Unix seconds (UTC);
-- flags are 0/1 integers so that both backends decode them the same way.

CREATE TABLE areas (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('county', 'district', 'ward')),
    parent_code TEXT REFERENCES areas (code)
);

CREATE TABLE electorates (
    area_code TEXT NOT NULL REFERENCES areas (code),
    register_date TEXT NOT NULL,
    electorate INTEGER NOT NULL CHECK (electorate >= 0),
    PRIMARY KEY (area_code, register_date)
);

CREATE TABLE verification_numbers (
    area_code TEXT NOT NULL REFERENCES areas (code),
    number INTEGER NOT NULL CHECK (number >= 0),
    in_force_from TEXT NOT NULL,
    in_force_to TEXT NOT NULL,
    PRIMARY KEY (area_code, in_force_from)
);

CREATE TABLE postcodes (
    postcode TEXT PRIMARY KEY,
    ward_code TEXT NOT NULL REFERENCES areas (code)
);

CREATE TABLE addresses (
    uprn TEXT PRIMARY KEY,
    postcode TEXT NOT NULL,
    lines TEXT NOT NULL,
    address_key TEXT NOT NULL,
    ward_code TEXT NOT NULL REFERENCES areas (code)
);
CREATE INDEX addresses_by_postcode ON addresses (postcode, address_key);

CREATE TABLE electors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    elector_number TEXT NOT NULL UNIQUE,
    markers TEXT NOT NULL,
    local_franchise INTEGER NOT NULL,
    name_key TEXT NOT NULL,
    postcode TEXT NOT NULL,
    address_key TEXT NOT NULL,
    uprn TEXT REFERENCES addresses (uprn)
);
CREATE INDEX electors_by_property ON electors (uprn, name_key);

CREATE TABLE petitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    area_code TEXT NOT NULL REFERENCES areas (code),
    created_at INTEGER NOT NULL,
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    electorate INTEGER NOT NULL,
    register_date TEXT NOT NULL,
    percent TEXT NOT NULL,
    required INTEGER NOT NULL,
    published_number INTEGER NOT NULL
);

CREATE TABLE signatures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    dedupe_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('unconfirmed', 'confirmed', 'review', 'withdrawn')),
    elector_id INTEGER REFERENCES electors (id),
    uprn TEXT,
    postcode TEXT NOT NULL,
    address_text TEXT NOT NULL,
    ward_code TEXT NOT NULL REFERENCES areas (code),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    confirm_token_hash TEXT UNIQUE,
    withdraw_token_hash TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    withdrawn_at INTEGER,
    receipt_r TEXT,
    receipt_commit TEXT UNIQUE,
    UNIQUE (petition_id, dedupe_key)
);
CREATE INDEX signatures_counted ON signatures (petition_id, status, ward_code);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until INTEGER,
    claim TEXT,
    sent_at INTEGER,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
