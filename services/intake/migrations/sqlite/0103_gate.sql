-- The acceptance gate, time bars, repeats and merges, and imports (decision 0007).
ALTER TABLE cases ADD COLUMN occurred_at TEXT;
-- Keyed pseudonyms (the cipher's blind index, purposes `repeat` and `repeat_subject`) for
-- finding repeats; never the phone or the subject itself.
ALTER TABLE cases ADD COLUMN complainant_ref TEXT;
ALTER TABLE cases ADD COLUMN subject_ref TEXT;
ALTER TABLE cases ADD COLUMN repeat_of TEXT;
ALTER TABLE cases ADD COLUMN merged_into TEXT;
ALTER TABLE cases ADD COLUMN rejection_reason TEXT;
ALTER TABLE cases ADD COLUMN rejection_suggestion TEXT;
ALTER TABLE cases ADD COLUMN decided_at TEXT;
ALTER TABLE cases ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN outcome TEXT;
CREATE INDEX cases_by_complainant_ref ON cases (tenant, complainant_ref, received_at);

-- Cases linked to each other: `repeat` (case_id repeats linked_case_id) and `merged`
-- (case_id, a duplicate, was merged into linked_case_id).
CREATE TABLE case_links (
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    linked_case_id TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (tenant, case_id, kind, linked_case_id)
) WITHOUT ROWID;
CREATE INDEX case_links_by_linked ON case_links (tenant, linked_case_id);
