-- Intake's own tables. Personal data and the narrative are stored encrypted only.
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_number TEXT NOT NULL,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    source TEXT NOT NULL,
    source_ref TEXT,
    source_due_at TEXT,
    external_ref TEXT,
    received_at TEXT NOT NULL,
    accepted_at TEXT,
    subject TEXT,
    demands_json TEXT NOT NULL,
    unit TEXT,
    reported_category TEXT,
    category_code TEXT,
    anonymous BIGINT NOT NULL,
    personal_data BYTEA,
    narrative BYTEA NOT NULL,
    phone_index TEXT,
    ack_due_at TEXT,
    ack_provisional BIGINT NOT NULL DEFAULT 0,
    policy TEXT NOT NULL,
    version BIGINT NOT NULL,
    registered_by TEXT NOT NULL,
    UNIQUE (tenant, case_number)
);
CREATE INDEX cases_by_phone ON cases (tenant, phone_index);

CREATE TABLE case_number_counters (
    tenant TEXT NOT NULL,
    day TEXT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (tenant, day)
);

-- Keys are kept as hashes; the body only as its SHA-256.
CREATE TABLE idempotency_keys (
    tenant TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    case_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant, key_hash)
);
