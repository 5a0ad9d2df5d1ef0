-- Who a case's staff notices reach after its dispatch: the unit it is with and the staff routing
-- named (its customer-relations managers) and the assignee (decision 0005, supervision notices).
ALTER TABLE cases ADD COLUMN unit TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN staff_json TEXT NOT NULL DEFAULT '[]';

-- The agents' call list: a callback to make by phone, open from the result notice until the
-- callback is recorded (satisfied, not satisfied) or the case closes; each failed attempt moves
-- the next one later. No phone number here: the agent dials through intake's release.
CREATE TABLE call_list (
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    case_number TEXT NOT NULL,
    recipient_masked TEXT NOT NULL,
    language TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    due_at TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    PRIMARY KEY (tenant, case_id, purpose)
);
CREATE INDEX call_list_open ON call_list (tenant, state, due_at);

-- The approved-answer library (口径库): what agents say about a matter, in both languages, each
-- version proposed by one member of staff and approved by another before agents see it.
CREATE TABLE answers (
    tenant TEXT NOT NULL,
    answer_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    topic TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    category TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    body_zh TEXT NOT NULL,
    body_en TEXT NOT NULL,
    state TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    PRIMARY KEY (tenant, answer_id, version)
);
