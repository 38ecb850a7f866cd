-- Each log entry is frozen in the transaction that queues it, so that the log records what was
-- true when a change was made even if the rows change before the sequencer runs (a signer may
-- withdraw, sign again and confirm in between). 'entry' holds the text of a petition, signature
-- or close entry; a strike or reinstatement names in 'target' the queued signature entry it
-- strikes, whose log index is known once that is sequenced. 'sig_commit' finds a receipt's
-- entry. Rows queued before this migration have neither and are built from the rows, as before.
ALTER TABLE log_queue ADD COLUMN entry TEXT;
ALTER TABLE log_queue ADD COLUMN target INTEGER REFERENCES log_queue (id);
ALTER TABLE log_queue ADD COLUMN sig_commit TEXT;
CREATE INDEX log_queue_commit ON log_queue (petition_id, sig_commit);
