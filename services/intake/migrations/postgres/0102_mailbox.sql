-- The e-mail channel (decision 0006): every message taken in from a mailbox, what it became,
-- the correspondence that joined a case, attachments and the quarantine. Names, addresses,
-- texts and raw messages are stored encrypted only; Message-IDs only as keyed hashes.
CREATE TABLE mail_messages (
    tenant TEXT NOT NULL,
    -- The cipher's blind index (purpose `message_id`) of the Message-ID, or of `sha256:<hex>`
    -- of the raw bytes when there is none.
    message_ref TEXT NOT NULL,
    mailbox TEXT NOT NULL,
    uid_validity BIGINT NOT NULL,
    uid BIGINT NOT NULL,
    -- `case`, `correspondence` or `quarantined`.
    outcome TEXT NOT NULL,
    case_id TEXT,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (tenant, message_ref)
);
CREATE UNIQUE INDEX mail_messages_by_uid ON mail_messages (tenant, mailbox, uid_validity, uid);

CREATE TABLE correspondence (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    -- `thread` or `case_number`.
    matched_by TEXT NOT NULL,
    from_complainant BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    -- Encrypted JSON {name, email}; associated data: the case id.
    sender BYTEA NOT NULL,
    -- Encrypted JSON {subject, text}; associated data: the case id.
    content BYTEA NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX correspondence_by_case ON correspondence (tenant, case_id);

CREATE TABLE mail_attachments (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    -- Set when the attachment came with correspondence rather than the first message.
    correspondence_id TEXT,
    -- Encrypted; associated data: the case id.
    file_name BYTEA NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    stored BIGINT NOT NULL,
    -- Encrypted bytes when stored; associated data: the case id.
    content BYTEA
);
CREATE INDEX mail_attachments_by_case ON mail_attachments (tenant, case_id);

CREATE TABLE mail_quarantine (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    mailbox TEXT NOT NULL,
    uid_validity BIGINT NOT NULL,
    uid BIGINT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    -- The raw message, encrypted; associated data: this row's id. Empty when too large to fetch.
    raw BYTEA NOT NULL,
    quarantined_at TEXT NOT NULL
);
