-- Verification after the close is published in the transparency log (sample/v1, certify/v1), so
-- the queue takes two more kinds, and a petition keeps where its verification stands: the seed's
-- source announced before the close, the sample drawn from the log after it, and the certified
-- result with what the council does about it.
-- The dialects differ from here.
-- (PostgreSQL) changes the CHECK constraint in place: the one migration 0003 named by default
-- is dropped and made again with the new kinds.
ALTER TABLE log_queue DROP CONSTRAINT log_queue_kind_check;
ALTER TABLE log_queue ADD CONSTRAINT log_queue_kind_check
    CHECK (kind IN ('petition', 'sig', 'strike', 'reinstate', 'close', 'pause', 'resume', 'sample', 'certify'));
-- The dialects agree again from here.
-- Announced while the petition collects: where the seed of its sample will come from, so that
-- nobody can choose a seed after seeing the signatures.
ALTER TABLE petitions ADD COLUMN seed_plan TEXT;
ALTER TABLE petitions ADD COLUMN seed_plan_at BIGINT;
-- The sample, drawn once: its seed (64 hex digits) and source as sample/v1 states them, how many
-- valid signatures it was drawn from (V) and how many it holds (n).
ALTER TABLE petitions ADD COLUMN sample_seed TEXT;
ALTER TABLE petitions ADD COLUMN sample_source TEXT;
ALTER TABLE petitions ADD COLUMN sampled_at BIGINT;
ALTER TABLE petitions ADD COLUMN sample_pool BIGINT;
ALTER TABLE petitions ADD COLUMN sample_size BIGINT;
-- The certified result, as certify/v1 states it.
ALTER TABLE petitions ADD COLUMN certified_at BIGINT;
ALTER TABLE petitions ADD COLUMN certified_outcome TEXT;
ALTER TABLE petitions ADD COLUMN certified_method TEXT;
ALTER TABLE petitions ADD COLUMN certified_valid BIGINT;
ALTER TABLE petitions ADD COLUMN certified_projected BIGINT;
-- After the certificate: the date of the referendum once the council sets it, or the council's
-- written response where the outcome was not reached.
ALTER TABLE petitions ADD COLUMN referendum_date TEXT;
ALTER TABLE petitions ADD COLUMN council_response TEXT;
-- The signatures in the sample, by the log index of their sig/v1 entry.
CREATE TABLE sample_members (
    petition_id BIGINT NOT NULL REFERENCES petitions (id),
    log_index BIGINT NOT NULL,
    signature_id BIGINT NOT NULL REFERENCES signatures (id),
    PRIMARY KEY (petition_id, log_index)
);
