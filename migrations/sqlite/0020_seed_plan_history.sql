-- Every announcement of where a petition's sample seed will come from, not only the one in force
-- (petitions.seed_plan): an announcement replaced before the close stays public, with its time,
-- so nobody can change the source unseen once its values might be guessed.
CREATE TABLE seed_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    plan TEXT NOT NULL,
    announced_at INTEGER NOT NULL
);
CREATE INDEX seed_plans_by_petition ON seed_plans (petition_id, id);
INSERT INTO seed_plans (petition_id, plan, announced_at)
    SELECT id, seed_plan, seed_plan_at FROM petitions WHERE seed_plan IS NOT NULL AND seed_plan_at IS NOT NULL
    ORDER BY seed_plan_at, id;
