//! Routing's SQL.

use sqlx::Row;
use store::{Db, Error, Migration};

use crate::ruleset::Facts;

/// Routing's migrations (after the platform's).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 100,
        name: "routing",
        sqlite: include_str!("../migrations/sqlite/0100_routing.sql"),
        postgres: include_str!("../migrations/postgres/0100_routing.sql"),
    },
    Migration {
        version: 101,
        name: "documents",
        sqlite: include_str!("../migrations/sqlite/0101_documents.sql"),
        postgres: include_str!("../migrations/postgres/0101_documents.sql"),
    },
    Migration {
        version: 102,
        name: "dispatch",
        sqlite: include_str!("../migrations/sqlite/0102_dispatch.sql"),
        postgres: include_str!("../migrations/postgres/0102_dispatch.sql"),
    },
    Migration {
        version: 103,
        name: "codes",
        sqlite: include_str!("../migrations/sqlite/0103_codes.sql"),
        postgres: include_str!("../migrations/postgres/0103_codes.sql"),
    },
    Migration {
        version: 104,
        name: "anonymous",
        sqlite: include_str!("../migrations/sqlite/0104_anonymous.sql"),
        postgres: include_str!("../migrations/postgres/0104_anonymous.sql"),
    },
];

/// Which versioned document of a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Organisation,
    Catalog,
    Rules,
}

impl DocumentKind {
    /// The kind a name denotes: `organisation`, `catalog` or `rules`.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "organisation" => Self::Organisation,
            "catalog" => Self::Catalog,
            "rules" => Self::Rules,
            _ => return None,
        })
    }

    /// The name on the wire and in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Organisation => "organisation",
            Self::Catalog => "catalog",
            Self::Rules => "rules",
        }
    }
}

/// One published version of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub version: i64,
    pub published_at: String,
    pub published_by: String,
    pub note: String,
    pub body_json: String,
}

/// Publishes a new version (the next number) inside the caller's transaction; returns it.
/// Two publications racing on PostgreSQL collide on the primary key and one is retried.
pub async fn publish(
    conn: &mut store::Conn,
    tenant: &str,
    kind: DocumentKind,
    body_json: &str,
    published_by: &str,
    note: &str,
    at: &str,
) -> Result<i64, Error> {
    let version: i64 = sqlx::query_scalar(
        "INSERT INTO documents (tenant, kind, version, published_at, published_by, note, body_json)
         SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6 FROM documents WHERE tenant = $1 AND kind = $2
         RETURNING version",
    )
    .bind(tenant)
    .bind(kind.as_str())
    .bind(at)
    .bind(published_by)
    .bind(note)
    .bind(body_json)
    .fetch_one(&mut *conn)
    .await?;
    Ok(version)
}

const DOCUMENT_COLUMNS: &str = "version, published_at, published_by, note, body_json";

fn document(row: &sqlx::any::AnyRow) -> Result<Document, sqlx::Error> {
    Ok(Document {
        version: row.try_get("version")?,
        published_at: row.try_get("published_at")?,
        published_by: row.try_get("published_by")?,
        note: row.try_get("note")?,
        body_json: row.try_get("body_json")?,
    })
}

/// The version in force at `at` (the newest published at or before it); `None` before the first.
pub async fn in_force(db: &Db, tenant: &str, kind: DocumentKind, at: &str) -> Result<Option<Document>, Error> {
    let sql = format!(
        "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant = $1 AND kind = $2 AND published_at <= $3
         ORDER BY version DESC LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(kind.as_str())
        .bind(at)
        .fetch_optional(db.reader())
        .await?;
    Ok(row.as_ref().map(document).transpose()?)
}

/// One version, for reading old ones.
pub async fn version(db: &Db, tenant: &str, kind: DocumentKind, version: i64) -> Result<Option<Document>, Error> {
    let sql = format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant = $1 AND kind = $2 AND version = $3");
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(kind.as_str())
        .bind(version)
        .fetch_optional(db.reader())
        .await?;
    Ok(row.as_ref().map(document).transpose()?)
}

/// What routing keeps of a case: the references it decides on and its dispatch state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseRow {
    pub case_id: String,
    pub tenant: String,
    pub kind: String,
    pub channel: String,
    pub source: String,
    pub requested_unit: Option<String>,
    pub category_code: Option<String>,
    pub signals: Vec<String>,
    pub received_at: Option<String>,
    pub subject_unit: Option<String>,
    pub subject_staff: Option<String>,
    pub account_unit: Option<String>,
    pub division_code: Option<String>,
    pub customer_tier: Option<String>,
    pub brand: Option<String>,
    pub product: Option<String>,
    pub complainant_ref: Option<String>,
    pub matter_ref: Option<String>,
    /// `registered`, `dispatched`, `taken`, `returned`.
    pub state: String,
    pub dispatch_no: i64,
    /// Moves with every change of the dispatch state (the `If-Match` of the actions).
    pub version: i64,
    pub unit: Option<String>,
    pub severity: Option<String>,
    pub reason: Option<String>,
    pub rule_id: Option<String>,
    pub dispatched_at: Option<String>,
    pub assignee: Option<String>,
    pub priority: Option<String>,
    pub watchers: Vec<String>,
    pub because: Vec<String>,
    pub rule_set_version: i64,
    pub take_due_at: Option<String>,
    /// Units and staff (`staff:<id>`) a recusal or a return barred from this case.
    pub excluded: Vec<String>,
    /// The unit that returned the case while it waits in head office's queue.
    pub returned_by: Option<String>,
    pub accepted_at: Option<String>,
    pub policy: Option<String>,
    pub policy_version: i64,
    pub calendar_id: Option<String>,
    /// The regulatory codes of its category ([`catalog::Maps`] as JSON).
    pub codes_json: Option<String>,
    /// The complainant left no channel back (so no first contact, result notice or callback).
    pub anonymous: bool,
}

impl CaseRow {
    /// The facts the rules read.
    pub fn facts(&self, days_since_previous: Option<u32>) -> Facts {
        Facts {
            kind: self.kind.clone(),
            channel: self.channel.clone(),
            source: self.source.clone(),
            category_code: self.category_code.clone(),
            signals: self.signals.clone(),
            requested_unit: self.requested_unit.clone(),
            subject_unit: self.subject_unit.clone(),
            subject_staff: self.subject_staff.clone(),
            account_unit: self.account_unit.clone(),
            division_code: self.division_code.clone(),
            customer_tier: self.customer_tier.clone(),
            brand: self.brand.clone(),
            product: self.product.clone(),
            days_since_previous,
            excluded_units: self
                .excluded
                .iter()
                .filter(|e| !e.starts_with("staff:"))
                .cloned()
                .collect(),
            excluded_staff: self
                .excluded
                .iter()
                .filter_map(|e| e.strip_prefix("staff:").map(str::to_owned))
                .collect(),
        }
    }
}

const CASE_COLUMNS: &str = "case_id, tenant, kind, channel, source, requested_unit, category_code, signals_json,
    received_at, subject_unit, subject_staff, account_unit, division_code, customer_tier, brand, product,
    complainant_ref, matter_ref, state, dispatch_no, version, unit, severity, reason, rule_id, dispatched_at,
    assignee, priority, watchers_json, because_json, rule_set_version, take_due_at, excluded_json, returned_by,
    accepted_at, policy, policy_version, calendar_id, codes_json, anonymous";

fn json_list(text: &str) -> Result<Vec<String>, Error> {
    serde_json::from_str(text).map_err(|e| Error::Corrupt(e.to_string()))
}

fn to_json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

fn case_row(row: &sqlx::any::AnyRow) -> Result<CaseRow, Error> {
    Ok(CaseRow {
        case_id: row.try_get("case_id")?,
        tenant: row.try_get("tenant")?,
        kind: row.try_get("kind")?,
        channel: row.try_get("channel")?,
        source: row.try_get("source")?,
        requested_unit: row.try_get("requested_unit")?,
        category_code: row.try_get("category_code")?,
        signals: json_list(&row.try_get::<String, _>("signals_json")?)?,
        received_at: row.try_get("received_at")?,
        subject_unit: row.try_get("subject_unit")?,
        subject_staff: row.try_get("subject_staff")?,
        account_unit: row.try_get("account_unit")?,
        division_code: row.try_get("division_code")?,
        customer_tier: row.try_get("customer_tier")?,
        brand: row.try_get("brand")?,
        product: row.try_get("product")?,
        complainant_ref: row.try_get("complainant_ref")?,
        matter_ref: row.try_get("matter_ref")?,
        state: row.try_get("state")?,
        dispatch_no: row.try_get("dispatch_no")?,
        version: row.try_get("version")?,
        unit: row.try_get("unit")?,
        severity: row.try_get("severity")?,
        reason: row.try_get("reason")?,
        rule_id: row.try_get("rule_id")?,
        dispatched_at: row.try_get("dispatched_at")?,
        assignee: row.try_get("assignee")?,
        priority: row.try_get("priority")?,
        watchers: json_list(&row.try_get::<String, _>("watchers_json")?)?,
        because: json_list(&row.try_get::<String, _>("because_json")?)?,
        rule_set_version: row.try_get("rule_set_version")?,
        take_due_at: row.try_get("take_due_at")?,
        excluded: json_list(&row.try_get::<String, _>("excluded_json")?)?,
        returned_by: row.try_get("returned_by")?,
        accepted_at: row.try_get("accepted_at")?,
        policy: row.try_get("policy")?,
        policy_version: row.try_get("policy_version")?,
        calendar_id: row.try_get("calendar_id")?,
        codes_json: row.try_get("codes_json")?,
        anonymous: store::flag(row, "anonymous")?,
    })
}

/// Remembers a registered case (once; a redelivery changes nothing).
pub async fn remember(conn: &mut store::Conn, case: &CaseRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cases (case_id, tenant, kind, channel, source, requested_unit, category_code, signals_json,
            received_at, subject_unit, subject_staff, account_unit, division_code, customer_tier, brand, product,
            complainant_ref, matter_ref, anonymous)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(&case.case_id)
    .bind(&case.tenant)
    .bind(&case.kind)
    .bind(&case.channel)
    .bind(&case.source)
    .bind(&case.requested_unit)
    .bind(&case.category_code)
    .bind(to_json(&case.signals))
    .bind(&case.received_at)
    .bind(&case.subject_unit)
    .bind(&case.subject_staff)
    .bind(&case.account_unit)
    .bind(&case.division_code)
    .bind(&case.customer_tier)
    .bind(&case.brand)
    .bind(&case.product)
    .bind(&case.complainant_ref)
    .bind(&case.matter_ref)
    .bind(i64::from(case.anonymous))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case as routing knows it, outside a transaction.
pub async fn case(db: &Db, tenant: &str, case_id: &str) -> Result<Option<CaseRow>, Error> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE case_id = $1 AND tenant = $2");
    let row = sqlx::query(&sql)
        .bind(case_id)
        .bind(tenant)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(case_row).transpose()
}

/// A case inside the caller's transaction, locked on PostgreSQL until it ends.
pub async fn case_for_update(conn: &mut store::Conn, tenant: &str, case_id: &str) -> Result<Option<CaseRow>, Error> {
    let lock = match store::Backend::of(conn) {
        store::Backend::Sqlite => "",
        store::Backend::Postgres => " FOR UPDATE",
    };
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE case_id = $1 AND tenant = $2{lock}");
    let row = sqlx::query(&sql)
        .bind(case_id)
        .bind(tenant)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(case_row).transpose()
}

/// Writes a case's dispatch state and decision; the caller has moved `version` on.
pub async fn save_state(conn: &mut store::Conn, case: &CaseRow) -> Result<(), Error> {
    sqlx::query(
        "UPDATE cases SET state = $1, dispatch_no = $2, version = $3, unit = $4, severity = $5, reason = $6,
            rule_id = $7, dispatched_at = $8, assignee = $9, priority = $10, watchers_json = $11, because_json = $12,
            rule_set_version = $13, take_due_at = $14, excluded_json = $15, accepted_at = $16, policy = $17,
            policy_version = $18, calendar_id = $19, returned_by = $20, codes_json = $21
         WHERE case_id = $22",
    )
    .bind(&case.state)
    .bind(case.dispatch_no)
    .bind(case.version)
    .bind(&case.unit)
    .bind(&case.severity)
    .bind(&case.reason)
    .bind(&case.rule_id)
    .bind(&case.dispatched_at)
    .bind(&case.assignee)
    .bind(&case.priority)
    .bind(to_json(&case.watchers))
    .bind(to_json(&case.because))
    .bind(case.rule_set_version)
    .bind(&case.take_due_at)
    .bind(to_json(&case.excluded))
    .bind(&case.accepted_at)
    .bind(&case.policy)
    .bind(case.policy_version)
    .bind(&case.calendar_id)
    .bind(&case.returned_by)
    .bind(&case.codes_json)
    .bind(&case.case_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// When the same complainant's latest earlier case was received, if there was one.
pub async fn previous_case_of(
    db: &Db,
    tenant: &str,
    complainant_ref: &str,
    case_id: &str,
    received_at: &str,
) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT MAX(received_at) FROM cases
         WHERE tenant = $1 AND complainant_ref = $2 AND case_id <> $3 AND received_at <= $4",
    )
    .bind(tenant)
    .bind(complainant_ref)
    .bind(case_id)
    .bind(received_at)
    .fetch_one(db.reader())
    .await?)
}

/// An escalation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationRow {
    pub escalation_id: String,
    pub tenant: String,
    pub case_id: String,
    pub trigger: String,
    pub level: i64,
    pub rule_id: String,
    pub recipients: Vec<String>,
    pub units: Vec<String>,
    pub raised_at: String,
    pub acknowledge_within_hours: i64,
    pub acknowledge_by: String,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    pub previous_id: Option<String>,
}

const ESCALATION_COLUMNS: &str = "escalation_id, tenant, case_id, trigger_name, level, rule_id, recipients_json,
    units_json, raised_at, acknowledge_within_hours, acknowledge_by, acknowledged_at, acknowledged_by, previous_id";

fn escalation_row(row: &sqlx::any::AnyRow) -> Result<EscalationRow, Error> {
    Ok(EscalationRow {
        escalation_id: row.try_get("escalation_id")?,
        tenant: row.try_get("tenant")?,
        case_id: row.try_get("case_id")?,
        trigger: row.try_get("trigger_name")?,
        level: row.try_get("level")?,
        rule_id: row.try_get("rule_id")?,
        recipients: json_list(&row.try_get::<String, _>("recipients_json")?)?,
        units: json_list(&row.try_get::<String, _>("units_json")?)?,
        raised_at: row.try_get("raised_at")?,
        acknowledge_within_hours: row.try_get("acknowledge_within_hours")?,
        acknowledge_by: row.try_get("acknowledge_by")?,
        acknowledged_at: row.try_get("acknowledged_at")?,
        acknowledged_by: row.try_get("acknowledged_by")?,
        previous_id: row.try_get("previous_id")?,
    })
}

/// Records a raised escalation.
pub async fn insert_escalation(conn: &mut store::Conn, escalation: &EscalationRow) -> Result<(), Error> {
    sqlx::query(&format!(
        "INSERT INTO escalations ({ESCALATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(&escalation.escalation_id)
    .bind(&escalation.tenant)
    .bind(&escalation.case_id)
    .bind(&escalation.trigger)
    .bind(escalation.level)
    .bind(&escalation.rule_id)
    .bind(to_json(&escalation.recipients))
    .bind(to_json(&escalation.units))
    .bind(&escalation.raised_at)
    .bind(escalation.acknowledge_within_hours)
    .bind(&escalation.acknowledge_by)
    .bind(&escalation.acknowledged_at)
    .bind(&escalation.acknowledged_by)
    .bind(&escalation.previous_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case's escalations, oldest first.
pub async fn escalations_of(db: &Db, case_id: &str) -> Result<Vec<EscalationRow>, Error> {
    let sql = format!("SELECT {ESCALATION_COLUMNS} FROM escalations WHERE case_id = $1 ORDER BY raised_at, level");
    let rows = sqlx::query(&sql).bind(case_id).fetch_all(db.reader()).await?;
    rows.iter().map(escalation_row).collect()
}

/// The triggers already raised for a case, read inside the caller's transaction.
pub async fn raised_triggers(conn: &mut store::Conn, case_id: &str) -> Result<Vec<String>, Error> {
    Ok(
        sqlx::query_scalar("SELECT DISTINCT trigger_name FROM escalations WHERE case_id = $1")
            .bind(case_id)
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// One escalation inside the caller's transaction.
pub async fn escalation_in(conn: &mut store::Conn, escalation_id: &str) -> Result<Option<EscalationRow>, Error> {
    let sql = format!("SELECT {ESCALATION_COLUMNS} FROM escalations WHERE escalation_id = $1");
    let row = sqlx::query(&sql).bind(escalation_id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(escalation_row).transpose()
}

/// Marks an escalation acknowledged; false when it already was.
pub async fn acknowledge(conn: &mut store::Conn, escalation_id: &str, at: &str, by: &str) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE escalations SET acknowledged_at = $1, acknowledged_by = $2
         WHERE escalation_id = $3 AND acknowledged_at IS NULL",
    )
    .bind(at)
    .bind(by)
    .bind(escalation_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A durable timer: `take` (ref: the dispatch number) or `acknowledge` (ref: the escalation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerRow {
    pub case_id: String,
    pub kind: String,
    pub reference: String,
    pub tenant: String,
    pub due_at: String,
}

/// Arms a timer (once: arming it again changes nothing).
pub async fn arm(conn: &mut store::Conn, timer: &TimerRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO timers (case_id, kind, ref, tenant, due_at, state) VALUES ($1, $2, $3, $4, $5, 'armed')
         ON CONFLICT (case_id, kind, ref) DO NOTHING",
    )
    .bind(&timer.case_id)
    .bind(&timer.kind)
    .bind(&timer.reference)
    .bind(&timer.tenant)
    .bind(&timer.due_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Disarms a case's armed timers of one kind.
pub async fn disarm(conn: &mut store::Conn, case_id: &str, kind: &str) -> Result<(), Error> {
    sqlx::query("UPDATE timers SET state = 'cancelled' WHERE case_id = $1 AND kind = $2 AND state = 'armed'")
        .bind(case_id)
        .bind(kind)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Armed timers due at `now`, oldest first; on PostgreSQL locked `FOR UPDATE SKIP LOCKED` so
/// replicas firing at once take different ones.
pub async fn due_timers(conn: &mut store::Conn, now: &str, limit: i64) -> Result<Vec<TimerRow>, Error> {
    let lock = match store::Backend::of(conn) {
        store::Backend::Sqlite => "",
        store::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "SELECT case_id, kind, ref, tenant, due_at FROM timers WHERE state = 'armed' AND due_at <= $1
         ORDER BY due_at LIMIT $2{lock}"
    );
    let rows = sqlx::query(&sql).bind(now).bind(limit).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| -> Result<TimerRow, Error> {
            Ok(TimerRow {
                case_id: row.try_get("case_id")?,
                kind: row.try_get("kind")?,
                reference: row.try_get("ref")?,
                tenant: row.try_get("tenant")?,
                due_at: row.try_get("due_at")?,
            })
        })
        .collect()
}

/// Marks a timer fired.
pub async fn fired(conn: &mut store::Conn, timer: &TimerRow) -> Result<(), Error> {
    sqlx::query("UPDATE timers SET state = 'fired' WHERE case_id = $1 AND kind = $2 AND ref = $3")
        .bind(&timer.case_id)
        .bind(&timer.kind)
        .bind(&timer.reference)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A batch of complainants on one matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    pub batch_id: String,
    pub started_at: String,
    pub alerted_at: Option<String>,
    pub reportable_at: Option<String>,
}

/// Serialises batch counting for one matter until the transaction ends (PostgreSQL; SQLite has
/// one writer).
pub async fn lock_matter(conn: &mut store::Conn, tenant: &str, matter_ref: &str) -> Result<(), Error> {
    if store::Backend::of(conn) == store::Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))::TEXT")
            .bind(format!("routing.matter.{tenant}.{matter_ref}"))
            .fetch_one(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The distinct complainants (an anonymous case counts alone) and cases on a matter received in
/// `[from, to]`, read inside the caller's transaction.
pub async fn matter_cases(
    conn: &mut store::Conn,
    tenant: &str,
    matter_ref: &str,
    from: &str,
    to: &str,
) -> Result<(u32, Vec<String>), Error> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT case_id, complainant_ref FROM cases
         WHERE tenant = $1 AND matter_ref = $2 AND received_at >= $3 AND received_at <= $4 ORDER BY received_at",
    )
    .bind(tenant)
    .bind(matter_ref)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let mut people: Vec<String> = rows
        .iter()
        .map(|(case_id, who)| {
            who.clone()
                .filter(|w| !w.is_empty())
                .unwrap_or_else(|| format!("case:{case_id}"))
        })
        .collect();
    people.sort();
    people.dedup();
    Ok((
        people.len() as u32,
        rows.into_iter().map(|(case_id, _)| case_id).collect(),
    ))
}

/// The latest batch of a matter started at or after `since`.
pub async fn open_batch(
    conn: &mut store::Conn,
    tenant: &str,
    matter_ref: &str,
    since: &str,
) -> Result<Option<BatchRow>, Error> {
    Ok(sqlx::query_as::<_, (String, String, Option<String>, Option<String>)>(
        "SELECT batch_id, started_at, alerted_at, reportable_at FROM batches
         WHERE tenant = $1 AND matter_ref = $2 AND started_at >= $3 ORDER BY started_at DESC LIMIT 1",
    )
    .bind(tenant)
    .bind(matter_ref)
    .bind(since)
    .fetch_optional(&mut *conn)
    .await?
    .map(|(batch_id, started_at, alerted_at, reportable_at)| BatchRow {
        batch_id,
        started_at,
        alerted_at,
        reportable_at,
    }))
}

/// Writes a batch (insert or update by id).
pub async fn save_batch(conn: &mut store::Conn, tenant: &str, matter_ref: &str, batch: &BatchRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO batches (batch_id, tenant, matter_ref, started_at, alerted_at, reportable_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (batch_id) DO UPDATE SET alerted_at = $5, reportable_at = $6",
    )
    .bind(&batch.batch_id)
    .bind(tenant)
    .bind(matter_ref)
    .bind(&batch.started_at)
    .bind(&batch.alerted_at)
    .bind(&batch.reportable_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The latest version number of a tenant's document, 0 before the first.
pub async fn latest_version(db: &Db, tenant: &str, kind: DocumentKind) -> Result<i64, Error> {
    let version: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM documents WHERE tenant = $1 AND kind = $2")
        .bind(tenant)
        .bind(kind.as_str())
        .fetch_one(db.reader())
        .await?;
    Ok(version.unwrap_or(0))
}
