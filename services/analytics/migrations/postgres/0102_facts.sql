-- Issue 9 (decision 0012): every fact of a case, each column owned by one producer.
ALTER TABLE case_facts ADD COLUMN product TEXT;
ALTER TABLE case_facts ADD COLUMN brand TEXT;
ALTER TABLE case_facts ADD COLUMN received_month TEXT;
ALTER TABLE case_facts ADD COLUMN received_s BIGINT;
ALTER TABLE case_facts ADD COLUMN rejected_at TEXT;
ALTER TABLE case_facts ADD COLUMN withdrawn_at TEXT;
ALTER TABLE case_facts ADD COLUMN repeat_case INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN imported_closed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN imported_timely INTEGER;
ALTER TABLE case_facts ADD COLUMN on_the_spot INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN escalated_outside_at TEXT;
ALTER TABLE case_facts ADD COLUMN taken_by TEXT;
ALTER TABLE case_facts ADD COLUMN codes TEXT;
ALTER TABLE case_facts ADD COLUMN returns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN transfers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN handler TEXT;
ALTER TABLE case_facts ADD COLUMN first_contact_due_at TEXT;
ALTER TABLE case_facts ADD COLUMN first_contact_at TEXT;
ALTER TABLE case_facts ADD COLUMN resolved_at TEXT;
ALTER TABLE case_facts ADD COLUMN resolved_s BIGINT;
ALTER TABLE case_facts ADD COLUMN resolved_due_at TEXT;
ALTER TABLE case_facts ADD COLUMN registered_unit TEXT;
ALTER TABLE case_facts ADD COLUMN closed_at TEXT;
ALTER TABLE case_facts ADD COLUMN closing_reason TEXT;
ALTER TABLE case_facts ADD COLUMN reopens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN callbacks_attempted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN callbacks_successful INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN callbacks_satisfied INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN findings INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN substantiated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN compensation_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_facts ADD COLUMN breaches INTEGER NOT NULL DEFAULT 0;
-- Satisfaction by dimension: each successful callback's scores.
CREATE TABLE callback_scores (
    case_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    dimension TEXT NOT NULL,
    score BIGINT NOT NULL,
    PRIMARY KEY (case_id, n, dimension)
);
-- The latest organisation document per tenant (routing's organisation.published).
CREATE TABLE organisations (
    tenant TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    body_json TEXT NOT NULL
);
-- What the organisation enters: customers and outlets per unit and year.
CREATE TABLE denominators (
    tenant TEXT NOT NULL,
    unit TEXT NOT NULL,
    year INTEGER NOT NULL,
    customers BIGINT NOT NULL,
    outlets BIGINT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    PRIMARY KEY (tenant, unit, year)
);
