-- Credentials of members of staff: the directory id they act as (decision 0004); NULL for the
-- administrator and integrations.
ALTER TABLE credentials ADD COLUMN staff TEXT;
CREATE INDEX credentials_staff ON credentials (tenant, staff);
