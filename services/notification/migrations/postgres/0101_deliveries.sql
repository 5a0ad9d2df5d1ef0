-- Decision 0005: a notice per (event, kind, audience), several of a kind per case; its delivery
-- is a chain of attempts with the channel's idempotency key fixed at creation.
CREATE TABLE notices_by_audience (
    notice_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    notice_kind TEXT NOT NULL,
    audience TEXT NOT NULL,
    channel TEXT NOT NULL,
    language TEXT NOT NULL,
    recipient_masked TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    detail_json TEXT NOT NULL
);
INSERT INTO notices_by_audience (notice_id, tenant, case_id, notice_kind, audience, channel, language, recipient_masked,
    subject, body, state, recorded_at, detail_json)
SELECT notice_id, tenant, case_id, notice_kind, 'complainant', channel, language, recipient_masked, subject, body, state,
    recorded_at, '{}'
FROM notices;
DROP TABLE notices;
ALTER TABLE notices_by_audience RENAME TO notices;
CREATE INDEX notices_by_case ON notices (case_id, recorded_at);

-- One delivery per notice sent over a channel with a provider: queued, sending (leased), sent,
-- failed (to be retried at next_attempt_at) or dead (kept for an operator).
CREATE TABLE deliveries (
    notice_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    notice_kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    idempotency_key TEXT NOT NULL,
    provider_reference TEXT,
    last_error TEXT,
    sent_at TEXT,
    urgent INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
