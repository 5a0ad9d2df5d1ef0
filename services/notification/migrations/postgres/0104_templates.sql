-- Each tenant's published template overrides (decision 0005), a whole set per version; a notice
-- records the version it was rendered with. The product's shipped templates are version 0.
CREATE TABLE template_sets (
    tenant TEXT NOT NULL,
    version BIGINT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    note TEXT NOT NULL,
    overrides_json TEXT NOT NULL,
    PRIMARY KEY (tenant, version)
);
