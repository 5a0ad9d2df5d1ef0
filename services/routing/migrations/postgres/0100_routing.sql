-- What routing knows of a case (no personal data) and its dispatch decisions.
CREATE TABLE cases (
    case_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    source TEXT NOT NULL,
    requested_unit TEXT,
    category_code TEXT,
    signals_json TEXT NOT NULL,
    unit TEXT,
    severity TEXT,
    reason TEXT,
    rule_id TEXT,
    dispatched_at TEXT
);
