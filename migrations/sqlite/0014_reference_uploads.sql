-- Reference data files uploaded by officers, kept between the check (the whole import, in a
-- transaction that is rolled back; its report is stored) and the officer's confirmation. A file
-- may hold the register, so its text is kept only while it can still be imported: emptied on
-- import, never kept for a file with problems, and the row goes a day after the upload with the
-- retention job. The audit trail records each import.
-- 'outcome' is 'sound' (it would import 'how_many' rows; 'report' holds its notes, one a line),
-- 'problems' ('how_many' problems; the first 500 in 'report', one a line as 'line<TAB>message'),
-- 'refused' (the reason in 'report') or 'empty'.
CREATE TABLE reference_uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    body TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES officer_accounts (id),
    uploaded_at INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('sound', 'problems', 'refused', 'empty')),
    how_many INTEGER NOT NULL,
    report TEXT NOT NULL,
    imported_at INTEGER
);
