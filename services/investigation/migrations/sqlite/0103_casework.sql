-- The casework of decision 0004: what the lifecycle's guards read that no record counts (the
-- counts of open tasks, pending approvals and extensions come from `records`).
ALTER TABLE files ADD COLUMN review_unit TEXT;
ALTER TABLE files ADD COLUMN anonymous BIGINT NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN first_contact_at TEXT;
ALTER TABLE files ADD COLUMN callback_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN reopen_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN against_staff TEXT;
ALTER TABLE files ADD COLUMN closing_reason TEXT;
ALTER TABLE files ADD COLUMN resolved_at TEXT;
ALTER TABLE files ADD COLUMN closed_at TEXT;

-- Every record of the casework, one table keyed by (case, kind, n): kind is `contact`, `task`,
-- `hearing`, `finding`, `corrective_action`, `plan`, `approval`, `extension`, `resolution`,
-- `review`, `callback`, `reopen`, `supervision`, `note`, `inspection`, `withdrawal`, `closing`,
-- `assignment`. `state` is what a guard counts (`open`/`done` for tasks, `pending`/`approved`/
-- `declined` for approvals, `recorded` otherwise); `subject` is what records are found by (the
-- accused of a hearing, the responsible person of a finding, the department of a task, the owner
-- of a corrective action); `link` links a corrective action across cases; `level` is the authority
-- an approval needs. Text written by staff stays here; none of it rides the bus.
CREATE TABLE records (
    case_id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    kind TEXT NOT NULL,
    n BIGINT NOT NULL,
    state TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    due_at TEXT,
    subject TEXT,
    link TEXT,
    level TEXT,
    round BIGINT NOT NULL,
    body_json TEXT NOT NULL,
    PRIMARY KEY (case_id, kind, n)
);
CREATE INDEX records_subject ON records (tenant, kind, subject);
CREATE INDEX records_link ON records (tenant, link);
