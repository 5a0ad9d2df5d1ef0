-- Decision 0012: a case routing's batch alert named (a mass event, 群体性事件); routing owns it.
ALTER TABLE case_facts ADD COLUMN mass_event INTEGER NOT NULL DEFAULT 0;
