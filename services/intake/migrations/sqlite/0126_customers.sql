-- Customer lookup (decision 0011): the synced copy of the organisation's customer system, and
-- the customer a registration confirmed. Customers are stored encrypted only and found by the
-- cipher's blind indexes (purposes `customer_phone`, `customer_vin`, `customer_id`,
-- `customer_id_number`, never joined with the cases' `phone`).

-- One sync of a CSV export; the latest is the copy's freshness.
CREATE TABLE customer_syncs (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    synced_at TEXT NOT NULL,
    synced_by TEXT NOT NULL,
    -- SHA-256 of the file as sent, hex.
    file_sha256 TEXT NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_imported BIGINT NOT NULL,
    rows_refused BIGINT NOT NULL,
    customers BIGINT NOT NULL
);
CREATE INDEX customer_syncs_by_tenant ON customer_syncs (tenant, synced_at);

-- A customer of the copy: the record as JSON, encrypted; associated data: the row's id.
CREATE TABLE customer_records (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    sync_id TEXT NOT NULL,
    record BLOB NOT NULL
);
CREATE INDEX customer_records_by_tenant ON customer_records (tenant);

-- What a customer of the copy is found by.
CREATE TABLE customer_keys (
    tenant TEXT NOT NULL,
    -- `phone`, `vin`, `customer_id`, `id_number`.
    kind TEXT NOT NULL,
    key_index TEXT NOT NULL,
    record_id TEXT NOT NULL
);
CREATE INDEX customer_keys_by_index ON customer_keys (tenant, kind, key_index);

-- The customer a registration confirmed: references only, no personal data.
CREATE TABLE case_customers (
    case_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    -- `phone` or `vin`.
    matched_by TEXT NOT NULL,
    -- `live` or `synced`.
    source TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    store TEXT,
    salesperson TEXT,
    branch TEXT,
    confirmed_at TEXT NOT NULL
);
