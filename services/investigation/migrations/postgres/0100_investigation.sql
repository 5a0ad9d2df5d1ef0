-- The case file after dispatch.
CREATE TABLE files (
    case_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    status TEXT NOT NULL,
    unit TEXT NOT NULL,
    kind TEXT NOT NULL,
    policy TEXT NOT NULL,
    calendar_id TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    resolution_due_at TEXT NOT NULL,
    resolution_provisional BIGINT NOT NULL,
    version BIGINT NOT NULL
);
