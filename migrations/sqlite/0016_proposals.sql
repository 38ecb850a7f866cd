-- Petitions before they open: a resident's proposal, its sponsors, and the electoral office's
-- decision on it. A proposal that opens becomes a petition (petition_id); its question joins the
-- petition, and its texts are fixed from then on.
-- 'stage' is one of petition_core::proposal::Stage's: 'unconfirmed' (the petitioner has not
-- confirmed their email yet), 'sponsoring', 'moderation', 'returned', 'refused' or 'opened'.
-- The petitioner's link (manage_token_hash) confirms their email, shows progress and edits the
-- texts until the office decides; the sponsor code is public, for sharing. 'matched' says
-- whether the register knew the petitioner at the address given, as for a signature.
-- 'moderation_since' is when it last went to the office: the target date counts from it.
-- 'refused_ground' is a petition_core::proposal::Ground's code.
CREATE TABLE proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stage TEXT NOT NULL CHECK (stage IN ('unconfirmed', 'sponsoring', 'moderation', 'returned', 'refused', 'opened')),
    manage_token_hash TEXT NOT NULL UNIQUE,
    sponsor_code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    question TEXT NOT NULL,
    background TEXT NOT NULL,
    area_code TEXT NOT NULL REFERENCES areas (code),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    postcode TEXT NOT NULL,
    uprn TEXT,
    address_text TEXT NOT NULL,
    ward_code TEXT NOT NULL REFERENCES areas (code),
    matched INTEGER NOT NULL,
    place_key TEXT NOT NULL,
    sponsors_needed INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    moderation_since INTEGER,
    return_note TEXT,
    refused_ground TEXT,
    refused_explanation TEXT,
    decided_at INTEGER,
    petition_id INTEGER REFERENCES petitions (id),
    -- When the petitioner became the petition's first signature.
    carried_at INTEGER
);
CREATE INDEX proposals_by_stage ON proposals (stage, moderation_since);
-- Sponsors: electors of the proposal's area who back it before it goes to the office. One per
-- elector (place_key, a keyed hash of the proposal, the property and the name, as for a
-- signature); a sponsor counts once confirmed by email and found on the register. When the
-- proposal opens, each confirmed sponsor becomes one of its first signatures (carried_at).
CREATE TABLE proposal_sponsors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    place_key TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    postcode TEXT NOT NULL,
    uprn TEXT,
    address_text TEXT NOT NULL,
    ward_code TEXT NOT NULL REFERENCES areas (code),
    matched INTEGER NOT NULL,
    confirm_token_hash TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    carried_at INTEGER,
    UNIQUE (proposal_id, place_key)
);
-- A petition that began as a proposal has a referendum question, published with its title and
-- background (see the README on text-sha256).
ALTER TABLE petitions ADD COLUMN question TEXT;
