-- The threshold engine: each petition's state, its event history, sharded valid-signature
-- counters, and officer strikes. closes_at is the deadline in force (the window's end plus
-- completed pauses); base_closes_at is the window's end as fixed at opening.

ALTER TABLE petitions ADD COLUMN base_closes_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN valid_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN reached INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN paused_since INTEGER;
ALTER TABLE petitions ADD COLUMN paused_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN closed_at INTEGER;
ALTER TABLE petitions ADD COLUMN state_seq INTEGER NOT NULL DEFAULT 0;
UPDATE petitions SET base_closes_at = closes_at;
CREATE INDEX petitions_due ON petitions (closed_at, closes_at);

ALTER TABLE signatures ADD COLUMN verified_at INTEGER;
ALTER TABLE signatures ADD COLUMN struck_at INTEGER;
ALTER TABLE signatures ADD COLUMN strike_reason TEXT;

-- Valid signatures per petition and ward, spread over shards so that concurrent confirmations
-- do not all update one row. The count is the sum over shards.
CREATE TABLE tallies (
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    ward_code TEXT NOT NULL REFERENCES areas (code),
    shard INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (petition_id, ward_code, shard)
);
INSERT INTO tallies (petition_id, ward_code, shard, n)
SELECT s.petition_id, s.ward_code, 0, COUNT(*)
FROM signatures s JOIN petitions p ON p.id = s.petition_id
WHERE s.status = 'confirmed' AND s.confirmed_at >= p.opens_at AND s.confirmed_at < p.closes_at
GROUP BY s.petition_id, s.ward_code;

CREATE TABLE petition_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    kind TEXT NOT NULL CHECK (kind IN ('opened', 'threshold-reached', 'threshold-lost', 'paused', 'resumed',
                                       'closed-reached', 'closed-not-reached')),
    at INTEGER NOT NULL,
    valid INTEGER NOT NULL,
    required INTEGER NOT NULL,
    electorate INTEGER NOT NULL,
    percent TEXT NOT NULL,
    deadline INTEGER,
    note TEXT NOT NULL DEFAULT '',
    recorded_at INTEGER NOT NULL
);
CREATE INDEX petition_events_by_petition ON petition_events (petition_id, id);
INSERT INTO petition_events (petition_id, kind, at, valid, required, electorate, percent, deadline, recorded_at)
SELECT id, 'opened', opens_at, 0, required, electorate, percent, closes_at, created_at FROM petitions;
