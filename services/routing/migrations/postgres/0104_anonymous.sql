-- Whether the complainant left no channel back (case.registered's `anonymous`): investigation then
-- requires no first contact, result notice or callback (decision 0004).
ALTER TABLE cases ADD COLUMN anonymous BIGINT NOT NULL DEFAULT 0;
