-- Intake's copy of each tenant's category catalog, from routing's `catalog.published`
-- (decision 0003): the newest version only; registration checks `category_code` against it.
CREATE TABLE catalogs (
    tenant TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    published_at TEXT NOT NULL,
    body_json TEXT NOT NULL
);
