-- The embedded log: one stream of messages, durable consumers and their deliveries.
-- Append-only: a change to an applied schema is a new file, never an edit of this one.

-- The stream's last sequence, so a sequence is never reused even after messages are removed.
CREATE TABLE stream (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
);
INSERT INTO stream (id, last_seq) VALUES (1, 0);

-- The narrow part of a message, the only part that consumers scan for their filters.
CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    stored_at_ms INTEGER NOT NULL
);
-- Deduplication by message id (not unique: a dedup window lets an old id be stored again).
CREATE INDEX messages_by_msg_id ON messages (msg_id);

-- Headers (a length-prefixed blob) and payload, read only for messages being delivered.
CREATE TABLE message_bodies (
    seq INTEGER PRIMARY KEY,
    headers BLOB NOT NULL,
    payload BLOB NOT NULL
);

-- Durable consumers: their settings and their cursor (the last stream sequence scanned).
CREATE TABLE consumers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    filter_subjects TEXT NOT NULL,
    ack_wait_ms INTEGER NOT NULL,
    max_deliver INTEGER,
    cursor INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);

-- Deliveries not yet acknowledged: how often delivered, and when they may be delivered again.
CREATE TABLE pending (
    consumer_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    delivered INTEGER NOT NULL,
    visible_at_ms INTEGER NOT NULL,
    PRIMARY KEY (consumer_id, seq)
) WITHOUT ROWID;
CREATE INDEX pending_by_visibility ON pending (consumer_id, visible_at_ms);
