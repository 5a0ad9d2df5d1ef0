-- A member of staff's inbox, newest first.
CREATE INDEX notices_by_audience ON notices (tenant, audience, recorded_at);
-- What a staff notice says the case is about: its category as classified or reported.
ALTER TABLE cases ADD COLUMN category TEXT NOT NULL DEFAULT '';
