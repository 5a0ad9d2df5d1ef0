-- Deadlines get a table of their own (a file has several: first contact, resolution, ...),
-- each with a version that supersedes the timers armed for an older one.
CREATE TABLE deadlines (
    case_id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    kind TEXT NOT NULL,
    policy TEXT NOT NULL,
    calendar_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    provisional BIGINT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (case_id, kind)
);
CREATE INDEX deadlines_provisional ON deadlines (provisional, state);

INSERT INTO deadlines (case_id, tenant, kind, policy, calendar_id, started_at, due_at, provisional, state, version)
SELECT case_id, tenant, 'resolution', policy, calendar_id, opened_at, resolution_due_at, resolution_provisional, 'open', 1
FROM files;

-- Durable timers: each fires once. Due timers are claimed and fired in one transaction (on
-- Postgres with FOR UPDATE SKIP LOCKED, so replicas never fire the same one); a timer whose
-- deadline version moved on is superseded instead of fired.
CREATE TABLE timers (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_id TEXT NOT NULL,
    deadline_kind TEXT NOT NULL,
    deadline_version BIGINT NOT NULL,
    fraction DOUBLE PRECISION NOT NULL,
    fire_at TEXT NOT NULL,
    state TEXT NOT NULL,
    fired_at TEXT
);
CREATE INDEX timers_due ON timers (state, fire_at);

-- The file no longer keeps the resolution deadline itself.
ALTER TABLE files DROP COLUMN resolution_due_at, DROP COLUMN resolution_provisional;
