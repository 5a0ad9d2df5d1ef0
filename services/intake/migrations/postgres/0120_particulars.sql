-- Registration particulars (decision 0010): the identity document, role, represented person,
-- salutation, vehicle and bank blocks of a case, encrypted; first-contact responsibility;
-- identity verification. A card or account number is never stored: only its masked form
-- (inside `details`) and a keyed token.
CREATE TABLE case_particulars (
    case_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    -- Encrypted JSON; associated data: the case id.
    details BYTEA,
    -- Blind index (purpose `id_document`) of `kind:number`, to compare a presented document.
    id_index TEXT,
    -- Blind index (purpose `bank_account`) of the card or account digits.
    bank_token TEXT,
    -- The staff or unit id owning the case until it is handed over.
    first_contact_owner TEXT,
    -- Identity verification: when, how (`id_document`, `one_time_code`, `callback`), by whom.
    identity_verified_at TEXT,
    identity_method TEXT,
    identity_verified_by TEXT,
    -- A pending one-time code: its keyed hash, expiry and wrong attempts.
    code_hash TEXT,
    code_expires_at TEXT,
    code_attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_particulars_by_bank_token ON case_particulars (tenant, bank_token);
CREATE INDEX case_particulars_by_id_index ON case_particulars (tenant, id_index);

-- The case numbers' counters are keyed by period (`YYYYMMDD`, `YYYYMM`, `YYYY` or empty) as
-- [intake.case_numbers] lays them out; the column keeps its name `day`.
