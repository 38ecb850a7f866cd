-- Settings an admin changed on the officer settings page. A setting with no row has the value the
-- environment gives; 'value' is the setting's one written form (petition_core::settings), and
-- 'changed_by' names who saved it as the audit trail does (the trail also has the reason).
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    changed_at INTEGER NOT NULL,
    changed_by TEXT NOT NULL
);
-- Counts saves. A save first moves the count on from the one its page was read at, so a save
-- from a page that is out of date is refused, and two admins' saves never interleave.
CREATE TABLE settings_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO settings_version (id, version) VALUES (1, 0);
