-- The web and app channel (decision 0008): receipt codes, attachments in the object store,
-- the status page's one-time codes and sessions, questions to the complainant. Codes and tokens
-- are kept as hashes only; file names, questions and answers encrypted.
CREATE TABLE receipts (
    tenant TEXT NOT NULL,
    -- The cipher's blind index (purpose `receipt`) of the normalised receipt code.
    receipt_ref TEXT NOT NULL,
    case_id TEXT NOT NULL,
    PRIMARY KEY (tenant, receipt_ref)
) WITHOUT ROWID;

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    -- How it came: `web`, `app`, …
    channel TEXT NOT NULL,
    -- Encrypted; associated data: the case id.
    file_name BLOB NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    -- SHA-256 of the plain bytes, hex.
    sha256 TEXT NOT NULL,
    -- Where the encrypted bytes are in the object store.
    object_path TEXT NOT NULL,
    stored_at TEXT NOT NULL
);
CREATE INDEX attachments_by_case ON attachments (tenant, case_id);

CREATE TABLE status_challenges (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    -- The blind index (purpose `status_case_number`) of the case number as asked, so requests
    -- that match nothing count against the hourly limit too.
    case_number_ref TEXT NOT NULL,
    -- The case, when the case number and the phone's last four digits matched; else NULL.
    case_id TEXT,
    -- The blind index (purpose `status_code`) of `<id>:<code>`.
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    used_at TEXT
);
CREATE INDEX status_challenges_by_number ON status_challenges (tenant, case_number_ref, created_at);

CREATE TABLE status_sessions (
    -- SHA-256 of the bearer token, hex.
    token_hash TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    -- `receipt` or `code`.
    opened_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE questions (
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    asked_by TEXT NOT NULL,
    asked_at TEXT NOT NULL,
    -- Encrypted; associated data: the case id.
    question BLOB NOT NULL,
    answer BLOB,
    answered_at TEXT,
    PRIMARY KEY (tenant, case_id, n)
) WITHOUT ROWID;
