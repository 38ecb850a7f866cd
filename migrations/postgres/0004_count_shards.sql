-- The counter shards were called "tallies", beside "log_tallies" (the signed tally notes of the
-- transparency log): two unlike things under one word. The shards are the fast count.
ALTER TABLE tallies RENAME TO count_shards;
