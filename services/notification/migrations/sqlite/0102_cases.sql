-- What staff notices and letters need to know of a case without asking intake for anyone's
-- personal data: its number, kind (a misconduct report is confidential) and policy.
CREATE TABLE cases (
    case_id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    case_number TEXT NOT NULL,
    kind TEXT NOT NULL,
    policy TEXT NOT NULL
);
