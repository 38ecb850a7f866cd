-- Senders claim the oldest due emails. Found through an index of (sent_at, next_attempt_at),
-- every claim read and sorted the whole backlog of unsent rows to find the oldest: with 20,000
-- emails waiting after a surge, the outbox drained at about 150 a second. The unsent rows alone,
-- in the order they were queued, give the oldest at once; sent rows (nearly all of them) are not
-- in it at all.
DROP INDEX outbox_due;
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
