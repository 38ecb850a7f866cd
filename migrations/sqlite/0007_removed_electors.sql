-- An elector missing from a newer register of their polling district has left the register:
-- the row stays (signatures may name it) but no longer matches a signer.
ALTER TABLE electors ADD COLUMN removed_at INTEGER;
