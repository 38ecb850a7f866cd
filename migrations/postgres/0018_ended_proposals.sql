-- A proposal can end without a decision by the office: its petitioner withdraws it (at any
-- stage before it opens), or it lapses (it found no sponsors, or did not come back after the
-- office sent it back, within the time allowed). 'ended_why' is 'withdrawn' or 'lapsed'; 'stage'
-- keeps where it stood when it ended, and the store reads an ended proposal's stage from
-- 'ended_why'. An ended proposal is deleted, with its sponsors, 30 days after 'ended_at'.
ALTER TABLE proposals ADD COLUMN ended_at BIGINT;
ALTER TABLE proposals ADD COLUMN ended_why TEXT CHECK (ended_why IN ('withdrawn', 'lapsed'));
