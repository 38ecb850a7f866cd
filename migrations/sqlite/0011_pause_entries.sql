-- Pauses and resumes are published in the transparency log (pause/v1, resume/v1), so the queue
-- takes two more kinds. Queued before this migration, pauses are not in the log: a petition
-- paused then keeps refusing its later pauses (see store/src/transparency/pauses.rs).
-- The dialects differ from here.
-- (SQLite) cannot change a CHECK constraint in place, so the table is rebuilt with every column,
-- key and index it had. The new table's foreign key names the new table, and the rename rewrites
-- it to log_queue, as it moves the table's AUTOINCREMENT counter, copied over so that no id is
-- used twice. Before the old table is dropped (which deletes its rows one by one, checking each
-- strike's target), its targets are indexed, or that check reads the whole table for every row.
CREATE TABLE log_queue_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('petition', 'sig', 'strike', 'reinstate', 'close', 'pause', 'resume')),
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
