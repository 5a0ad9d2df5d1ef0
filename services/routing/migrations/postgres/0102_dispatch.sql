-- The dispatch loop (decision 0003): what routing needs to decide (references only, never
-- personal data), the dispatch state with its version, escalations, durable timers, and the
-- indexes of complainants and matters for repeats and batches.
ALTER TABLE cases ADD COLUMN received_at TEXT;
ALTER TABLE cases ADD COLUMN subject_unit TEXT;
ALTER TABLE cases ADD COLUMN subject_staff TEXT;
ALTER TABLE cases ADD COLUMN account_unit TEXT;
ALTER TABLE cases ADD COLUMN division_code TEXT;
ALTER TABLE cases ADD COLUMN customer_tier TEXT;
ALTER TABLE cases ADD COLUMN brand TEXT;
ALTER TABLE cases ADD COLUMN product TEXT;
ALTER TABLE cases ADD COLUMN complainant_ref TEXT;
ALTER TABLE cases ADD COLUMN matter_ref TEXT;
ALTER TABLE cases ADD COLUMN state TEXT NOT NULL DEFAULT 'registered';
ALTER TABLE cases ADD COLUMN dispatch_no BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN assignee TEXT;
ALTER TABLE cases ADD COLUMN priority TEXT;
ALTER TABLE cases ADD COLUMN watchers_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cases ADD COLUMN because_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cases ADD COLUMN rule_set_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN take_due_at TEXT;
ALTER TABLE cases ADD COLUMN excluded_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cases ADD COLUMN returned_by TEXT;
ALTER TABLE cases ADD COLUMN accepted_at TEXT;
ALTER TABLE cases ADD COLUMN policy TEXT;
ALTER TABLE cases ADD COLUMN policy_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN calendar_id TEXT;
CREATE INDEX cases_by_complainant ON cases (tenant, complainant_ref, received_at);
CREATE INDEX cases_by_matter ON cases (tenant, matter_ref, received_at);

CREATE TABLE escalations (
    escalation_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    trigger_name TEXT NOT NULL,
    level BIGINT NOT NULL,
    rule_id TEXT NOT NULL,
    recipients_json TEXT NOT NULL,
    units_json TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    acknowledge_within_hours BIGINT NOT NULL,
    acknowledge_by TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    previous_id TEXT
);
CREATE INDEX escalations_of_case ON escalations (case_id, raised_at);

-- A timer fires once: `take` (ref = dispatch number) and `acknowledge` (ref = escalation id).
CREATE TABLE timers (
    case_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    tenant TEXT NOT NULL,
    due_at TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (case_id, kind, ref)
);
CREATE INDEX timers_due ON timers (state, due_at);

-- One row per batch of complainants on one matter within a window.
CREATE TABLE batches (
    batch_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    matter_ref TEXT NOT NULL,
    started_at TEXT NOT NULL,
    alerted_at TEXT,
    reportable_at TEXT
);
CREATE INDEX batches_of_matter ON batches (tenant, matter_ref, started_at);
