-- Every quality inspection of a closed case, from investigation's events: the unit that handled
-- the case, whether it passed, its mean score (0-100, none when not scored) and its local day.
CREATE TABLE inspections (
    case_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    tenant TEXT NOT NULL,
    unit TEXT NOT NULL,
    passed INTEGER NOT NULL,
    score DOUBLE PRECISION,
    at TEXT NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (case_id, n)
);
CREATE INDEX inspections_by_day ON inspections (tenant, day);
