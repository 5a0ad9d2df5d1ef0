-- A provider's receipt (回执) of a sent message: when it reported, and its code.
ALTER TABLE deliveries ADD COLUMN reported_at TEXT;
ALTER TABLE deliveries ADD COLUMN receipt TEXT;
