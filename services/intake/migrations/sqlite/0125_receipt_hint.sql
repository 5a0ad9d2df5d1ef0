-- The last four characters of an anonymous case's receipt code, so a prompt to the reporter can
-- name which receipt it is about without the code (kept only as a keyed hash) being readable.
ALTER TABLE receipts ADD COLUMN hint TEXT NOT NULL DEFAULT '';
