-- The transparency log. Changes that the log records are queued, as references, in the same
-- transaction as the change; the sequencer turns them into entries, appends them in batches and
-- signs a checkpoint per batch. Entries, tiles, checkpoints and tally notes are kept for ever.

CREATE TABLE log_queue (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('petition', 'sig', 'strike', 'reinstate', 'close')),
    petition_id BIGINT NOT NULL REFERENCES petitions (id),
    signature_id BIGINT REFERENCES signatures (id),
    reason TEXT,
    queued_at BIGINT NOT NULL,
    -- Set when the entry is in the log; 'refused' notes why the sequencer would not log it.
    log_index BIGINT,
    refused TEXT
);
CREATE INDEX log_queue_waiting ON log_queue (log_index, id);

ALTER TABLE signatures ADD COLUMN log_index BIGINT;

CREATE TABLE log_entries (
    idx BIGINT PRIMARY KEY,
    entry TEXT NOT NULL
);

-- Hash tiles (level >= 0) and entry bundles (level -1), full and partial, by width.
CREATE TABLE log_tiles (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    width BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (level, idx, width)
);

CREATE TABLE log_checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL,
    signed_at BIGINT NOT NULL
);

CREATE TABLE log_tallies (
    petition_id BIGINT NOT NULL REFERENCES petitions (id),
    size BIGINT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (petition_id, size)
);

-- The last signed checkpoint: the sequencer's compare-and-swap. One row.
CREATE TABLE log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL,
    root TEXT NOT NULL
);
INSERT INTO log_head (id, size, root) VALUES (1, 0, '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
