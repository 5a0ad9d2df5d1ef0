-- Tables every service's store has in the same shape (decision record 0001), PostgreSQL dialect.
-- Instants are RFC 3339 text, as on SQLite (decision record 0002).
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    schema_version BIGINT NOT NULL,
    source TEXT NOT NULL,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    source_seq BIGINT NOT NULL,
    causation_id TEXT,
    correlation_id TEXT,
    occurred_at TEXT NOT NULL,
    traceparent TEXT,
    payload BYTEA NOT NULL
);

CREATE TABLE producer_seq (
    case_id TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

CREATE TABLE inbox_marks (
    consumer TEXT NOT NULL,
    case_id TEXT NOT NULL,
    producer TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (consumer, case_id, producer)
);

CREATE TABLE consumer_failures (
    consumer TEXT NOT NULL,
    event_id TEXT NOT NULL,
    failures BIGINT NOT NULL,
    last_error TEXT NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

CREATE TABLE history (
    id BIGSERIAL PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail_json TEXT NOT NULL
);
CREATE INDEX history_by_case ON history (case_id, id);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    tenant TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_by_tenant ON audit_log (tenant, id);
