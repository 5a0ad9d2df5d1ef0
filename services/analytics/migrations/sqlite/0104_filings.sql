-- Decision 0012: who files which report for which unit (entered by the organisation).
CREATE TABLE obligations (
    tenant TEXT NOT NULL,
    report TEXT NOT NULL,
    unit TEXT NOT NULL,
    staff_json TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    PRIMARY KEY (tenant, report, unit)
);
-- Every filing: what, for which period and unit, which version, by whom, when, and its files.
CREATE TABLE filings (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    report TEXT NOT NULL,
    period TEXT NOT NULL,
    unit TEXT NOT NULL,
    version INTEGER NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    xlsx BLOB NOT NULL,
    docx BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    UNIQUE (tenant, report, period, unit, version)
);
-- The filing calendar's reminders, each raised once: stage due (a week before) or overdue.
CREATE TABLE filing_alerts (
    tenant TEXT NOT NULL,
    report TEXT NOT NULL,
    period TEXT NOT NULL,
    unit TEXT NOT NULL,
    stage TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    PRIMARY KEY (tenant, report, period, unit, stage)
);
