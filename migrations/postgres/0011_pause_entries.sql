-- Pauses and resumes are published in the transparency log (pause/v1, resume/v1), so the queue
-- takes two more kinds. Queued before this migration, pauses are not in the log: a petition
-- paused then keeps refusing its later pauses (see store/src/transparency/pauses.rs).
-- The dialects differ from here.
-- (PostgreSQL) changes the CHECK constraint in place: the one migration 0003 named by default
-- is dropped and made again with the new kinds.
ALTER TABLE log_queue DROP CONSTRAINT log_queue_kind_check;
ALTER TABLE log_queue ADD CONSTRAINT log_queue_kind_check
    CHECK (kind IN ('petition', 'sig', 'strike', 'reinstate', 'close', 'pause', 'resume'));
-- The dialects agree again from here.
