-- Versioned tenant documents (decision 0003): the organisation directory, the category catalog
-- and the rule set, each published as a whole; old versions stay readable, and a case is
-- decided by the version in force at its received_at.
CREATE TABLE documents (
    tenant TEXT NOT NULL,
    kind TEXT NOT NULL,
    version BIGINT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    note TEXT NOT NULL,
    body_json TEXT NOT NULL,
    PRIMARY KEY (tenant, kind, version)
);
CREATE INDEX documents_in_force ON documents (tenant, kind, published_at);
