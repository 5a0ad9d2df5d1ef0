-- Notices as recorded: the rendered text and a masked recipient, never a clear contact.
CREATE TABLE notices (
    notice_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    notice_kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    language TEXT NOT NULL,
    recipient_masked TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (case_id, notice_kind)
);
