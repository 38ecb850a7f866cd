-- The latest check of each petition's counters against a recount from the signature rows, made
-- by the servers' schedulers, so that the officer pages show it without recounting per view.
-- 'mismatches' lists "ward counters recount" lines; empty when they agree.
CREATE TABLE count_checks (
    petition_id INTEGER PRIMARY KEY REFERENCES petitions (id),
    checked_at INTEGER NOT NULL,
    mismatches TEXT NOT NULL
);
-- A receipt's check finds the strikes of its signature by this, without reading the log.
CREATE INDEX log_queue_signature ON log_queue (signature_id, log_index);
