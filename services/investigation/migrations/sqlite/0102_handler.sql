-- The file follows routing's dispatch loop (decision 0004): the member of staff handling it
-- inside the unit (who took it, later who it is assigned to).
ALTER TABLE files ADD COLUMN handler TEXT;
