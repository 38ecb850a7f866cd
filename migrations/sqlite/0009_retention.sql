-- Personal data is kept only as long as it is needed (README, "Personal data"). A receipt's
-- secret is its signer's alone: the server needs only the commitment the log publishes, so the
-- copies kept so far are dropped and none is kept from now on.
UPDATE signatures SET receipt_r = NULL;
-- When the personal data of a petition's signers was erased, its retention period over. The
-- counts, the log and every signed tally stay as they were.
ALTER TABLE petitions ADD COLUMN personal_data_erased_at INTEGER;
CREATE INDEX outbox_age ON outbox (created_at);
