-- One row of facts per case, filled from events of several producers in any order.
CREATE TABLE case_facts (
    case_id TEXT PRIMARY KEY,
    tenant TEXT,
    kind TEXT,
    channel TEXT,
    source TEXT,
    category TEXT,
    received_at TEXT,
    received_day TEXT,
    accepted_at TEXT,
    acknowledgement_due_at TEXT,
    acknowledged_at TEXT,
    unit TEXT,
    severity TEXT,
    dispatched_at TEXT,
    opened_at TEXT,
    resolution_due_at TEXT
);
CREATE INDEX facts_by_day ON case_facts (tenant, received_day);
