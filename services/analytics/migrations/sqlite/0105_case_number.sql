-- Decision 0012: the case number (intake's; not personal data), for the lists staff work from.
ALTER TABLE case_facts ADD COLUMN case_number TEXT;
