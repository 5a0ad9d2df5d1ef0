-- A case's regulatory codes (decision 0003): the JR/T 0169-2018, NFRA and CFPB codes its category
-- maps to in the catalog in force when it was received, as JSON; NULL when it has no category.
ALTER TABLE cases ADD COLUMN codes_json TEXT;
