-- Each tenant's organisation directory as routing last published it (`organisation.published`,
-- decision 0004): the newest version only, the whole document as JSON. The casework checks the
-- acting staff against it and the timers send a deadline's alerts up its manager chain.
CREATE TABLE directories (
    tenant TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    published_at TEXT NOT NULL,
    body_json TEXT NOT NULL
);
