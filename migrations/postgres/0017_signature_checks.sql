-- A full check: officers mark each valid signature checked against the register as they work
-- through them (a strike is a check too), and a result is certified after a full check only
-- once every valid signature is marked. 'checked_by' is the officer's email, as the audit trail
-- names them.
ALTER TABLE signatures ADD COLUMN checked_at BIGINT;
ALTER TABLE signatures ADD COLUMN checked_by TEXT;
