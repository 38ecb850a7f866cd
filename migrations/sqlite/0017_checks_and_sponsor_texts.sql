-- A full check: officers mark each valid signature checked against the register as they work
-- through them (a strike is a check too), and a result is certified after a full check only
-- once every valid signature is marked. 'checked_by' is the officer's email, as the audit trail
-- names them.
ALTER TABLE signatures ADD COLUMN checked_at INTEGER;
ALTER TABLE signatures ADD COLUMN checked_by TEXT;
-- A sponsor backs the texts they read: the hash of the title, question and background when they
-- confirmed. Only sponsors of the texts that open become first signatures; the others are asked
-- to sign the petition as it is.
ALTER TABLE proposal_sponsors ADD COLUMN texts_sha256 TEXT;
-- While one server carries an opened proposal's people over as first signatures, others leave
-- it alone until this moment (a lease, so that a crash midway is taken up again later).
ALTER TABLE proposals ADD COLUMN carrying_until INTEGER;
