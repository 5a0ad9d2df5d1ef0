-- The phone, WeChat, letter and fax, walk-in and on-the-spot channels (decision 0009).
-- Personal data (caller numbers, OpenIDs, addresses, texts, images) is stored encrypted only;
-- numbers and OpenIDs are looked up by the cipher's blind indexes.

-- A case's channel facts, written in its registration's transaction.
CREATE TABLE case_channels (
    case_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    -- Encrypted JSON (call reference, postal metadata, fax number, WeChat message ids …);
    -- associated data: the case id.
    details BYTEA,
    -- Blind index (purpose `wechat_openid`) of the complainant's OpenID.
    wechat_index TEXT,
    -- The complainant's last message on the channel (WeChat's 48-hour reply window).
    last_inbound_at TEXT,
    -- A case closed at registration (the on-the-spot fast path).
    closing_reason TEXT,
    closed_at TEXT,
    -- The fast path's result, encrypted; associated data: the case id.
    result BYTEA
);
CREATE INDEX case_channels_by_wechat ON case_channels (tenant, wechat_index);

-- Scans of letters and faxes, signatures of walk-in and on-the-spot complainants.
CREATE TABLE case_files (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    -- `scan` or `signature`.
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    -- Encrypted; associated data: the case id.
    content BYTEA NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX case_files_by_case ON case_files (tenant, case_id);

-- What a channel opened before it is a case: a call (`phone`, `open`) or a walk-in registration
-- waiting for the complainant's confirmation (`walk_in`, `awaiting_confirmation`); `registered`
-- with its case once it became one.
CREATE TABLE drafts (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    -- The telephony platform's call id (not personal data).
    call_ref TEXT,
    -- Blind index (purpose `phone`) of the caller's or complainant's number, and the number
    -- encrypted (associated data: the draft id).
    phone_index TEXT,
    phone BYTEA,
    -- A walk-in's complaint as submitted, encrypted JSON; associated data: the draft id.
    body BYTEA,
    received_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    -- `code` or `signature` (walk-in).
    confirm_by TEXT,
    -- Keyed hash of the one-time code, its expiry and the tries made.
    code_hash TEXT,
    code_expires_at TEXT,
    code_attempts BIGINT NOT NULL DEFAULT 0,
    case_id TEXT,
    registered_at TEXT
);
CREATE UNIQUE INDEX drafts_by_call ON drafts (tenant, channel, call_ref);

-- WeChat messages taken in, by MsgId (WeChat retries a push three times).
CREATE TABLE wechat_messages (
    tenant TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    -- `case` or `correspondence`.
    outcome TEXT NOT NULL,
    case_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (tenant, msg_id)
);

-- Privacy-number (AXB) bindings made for a case; never the complainant's number.
CREATE TABLE privacy_bindings (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    -- The provider's binding id (SubsId) and the X number of the pool.
    subscription_id TEXT NOT NULL,
    secret_no TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX privacy_bindings_by_case ON privacy_bindings (tenant, case_id);
