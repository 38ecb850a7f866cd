-- Verification after the close is published in the transparency log (sample/v1, certify/v1), so
-- the queue takes two more kinds, and a petition keeps where its verification stands: the seed's
-- source announced before the close, the sample drawn from the log after it, and the certified
-- result with what the council does about it.
-- The dialects differ from here.
-- (SQLite) cannot change a CHECK constraint in place, so the table is rebuilt with every column,
-- key and index it had. The new table's foreign key names the new table, and the rename rewrites
-- it to log_queue, as it moves the table's AUTOINCREMENT counter, copied over so that no id is
-- used twice. Before the old table is dropped (which deletes its rows one by one, checking each
-- strike's target), its targets are indexed, or that check reads the whole table for every row.
CREATE TABLE log_queue_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('petition', 'sig', 'strike', 'reinstate', 'close', 'pause', 'resume', 'sample', 'certify')),
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    signature_id INTEGER REFERENCES signatures (id),
    reason TEXT,
    queued_at INTEGER NOT NULL,
    -- Set when the entry is in the log; 'refused' notes why the sequencer would not log it.
    log_index INTEGER,
    refused TEXT,
    entry TEXT,
    target INTEGER REFERENCES log_queue_new (id),
    sig_commit TEXT
);
INSERT INTO log_queue_new (id, kind, petition_id, signature_id, reason, queued_at, log_index, refused, entry, target,
    sig_commit)
SELECT id, kind, petition_id, signature_id, reason, queued_at, log_index, refused, entry, target, sig_commit
FROM log_queue ORDER BY id;
DELETE FROM sqlite_sequence WHERE name = 'log_queue_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'log_queue_new', seq FROM sqlite_sequence WHERE name = 'log_queue';
CREATE INDEX log_queue_old_target ON log_queue (target);
DROP TABLE log_queue;
ALTER TABLE log_queue_new RENAME TO log_queue;
CREATE INDEX log_queue_waiting ON log_queue (log_index, id);
CREATE INDEX log_queue_commit ON log_queue (petition_id, sig_commit);
CREATE INDEX log_queue_signature ON log_queue (signature_id, log_index);
-- The dialects agree again from here.
-- Announced while the petition collects: where the seed of its sample will come from, so that
-- nobody can choose a seed after seeing the signatures.
ALTER TABLE petitions ADD COLUMN seed_plan TEXT;
ALTER TABLE petitions ADD COLUMN seed_plan_at INTEGER;
-- The sample, drawn once: its seed (64 hex digits) and source as sample/v1 states them, how many
-- valid signatures it was drawn from (V) and how many it holds (n).
ALTER TABLE petitions ADD COLUMN sample_seed TEXT;
ALTER TABLE petitions ADD COLUMN sample_source TEXT;
ALTER TABLE petitions ADD COLUMN sampled_at INTEGER;
ALTER TABLE petitions ADD COLUMN sample_pool INTEGER;
ALTER TABLE petitions ADD COLUMN sample_size INTEGER;
-- The certified result, as certify/v1 states it.
ALTER TABLE petitions ADD COLUMN certified_at INTEGER;
ALTER TABLE petitions ADD COLUMN certified_outcome TEXT;
ALTER TABLE petitions ADD COLUMN certified_method TEXT;
ALTER TABLE petitions ADD COLUMN certified_valid INTEGER;
ALTER TABLE petitions ADD COLUMN certified_projected INTEGER;
-- After the certificate: the date of the referendum once the council sets it, or the council's
-- written response where the outcome was not reached.
ALTER TABLE petitions ADD COLUMN referendum_date TEXT;
ALTER TABLE petitions ADD COLUMN council_response TEXT;
-- The signatures in the sample, by the log index of their sig/v1 entry.
CREATE TABLE sample_members (
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    log_index INTEGER NOT NULL,
    signature_id INTEGER NOT NULL REFERENCES signatures (id),
    PRIMARY KEY (petition_id, log_index)
);
