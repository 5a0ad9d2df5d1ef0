//! Intake's SQL, and nothing else: every statement on intake's tables is here.
//!
//! Functions take a connection so the register flow composes them in one transaction.
//! (The Postgres twin arrives with the distributed shape; the flow will then hold a trait.)

use chrono::{DateTime, Utc};
use sqlx::Row;
use store::{Error, Migration};

pub mod web;

/// Intake's migrations (after the platform's).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 100,
        name: "intake",
        sqlite: include_str!("../migrations/sqlite/0100_intake.sql"),
        postgres: include_str!("../migrations/postgres/0100_intake.sql"),
    },
    Migration {
        version: 101,
        name: "catalogs",
        sqlite: include_str!("../migrations/sqlite/0101_catalogs.sql"),
        postgres: include_str!("../migrations/postgres/0101_catalogs.sql"),
    },
    Migration {
        version: 102,
        name: "mailbox",
        sqlite: include_str!("../migrations/sqlite/0102_mailbox.sql"),
        postgres: include_str!("../migrations/postgres/0102_mailbox.sql"),
    },
    Migration {
        version: 103,
        name: "gate",
        sqlite: include_str!("../migrations/sqlite/0103_gate.sql"),
        postgres: include_str!("../migrations/postgres/0103_gate.sql"),
    },
    Migration {
        version: 110,
        name: "web",
        sqlite: include_str!("../migrations/sqlite/0110_web.sql"),
        postgres: include_str!("../migrations/postgres/0110_web.sql"),
    },
    Migration {
        version: 111,
        name: "channels",
        sqlite: include_str!("../migrations/sqlite/0111_channels.sql"),
        postgres: include_str!("../migrations/postgres/0111_channels.sql"),
    },
    Migration {
        version: 120,
        name: "particulars",
        sqlite: include_str!("../migrations/sqlite/0120_particulars.sql"),
        postgres: include_str!("../migrations/postgres/0120_particulars.sql"),
    },
    Migration {
        version: 125,
        name: "receipt_hint",
        sqlite: include_str!("../migrations/sqlite/0125_receipt_hint.sql"),
        postgres: include_str!("../migrations/postgres/0125_receipt_hint.sql"),
    },
    Migration {
        version: 126,
        name: "customers",
        sqlite: include_str!("../migrations/sqlite/0126_customers.sql"),
        postgres: include_str!("../migrations/postgres/0126_customers.sql"),
    },
];

/// A case row as intake stores it (personal data and narrative still encrypted).
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: String,
    pub tenant: String,
    pub case_number: String,
    pub status: String,
    pub kind: String,
    pub channel: String,
    pub source: String,
    pub source_ref: Option<String>,
    pub source_due_at: Option<String>,
    pub external_ref: Option<String>,
    pub received_at: String,
    pub accepted_at: Option<String>,
    pub subject: Option<String>,
    pub demands_json: String,
    pub unit: Option<String>,
    pub reported_category: Option<String>,
    pub category_code: Option<String>,
    pub anonymous: bool,
    pub personal_data: Option<Vec<u8>>,
    pub narrative: Vec<u8>,
    pub phone_index: Option<String>,
    pub ack_due_at: Option<String>,
    pub ack_provisional: bool,
    pub policy: String,
    pub version: i64,
    pub registered_by: String,
    pub occurred_at: Option<String>,
    /// Keyed pseudonyms for finding repeats (decision 0007).
    pub complainant_ref: Option<String>,
    pub subject_ref: Option<String>,
    /// The earlier case this one repeats.
    pub repeat_of: Option<String>,
    /// The case a duplicate was merged into.
    pub merged_into: Option<String>,
    pub rejection_reason: Option<String>,
    pub rejection_suggestion: Option<String>,
    /// When it was accepted, rejected or withdrawn after registration.
    pub decided_at: Option<String>,
    pub imported: bool,
    /// An imported closed case's outcome.
    pub outcome: Option<String>,
}

/// Formats an instant for storage.
pub fn at(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The next number of the tenant's daily sequence; numbers are never reused.
pub async fn next_daily_number(conn: &mut store::Conn, tenant: &str, day: &str) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(
        "INSERT INTO case_number_counters (tenant, day, last) VALUES ($1, $2, 1)
         ON CONFLICT (tenant, day) DO UPDATE SET last = case_number_counters.last + 1 RETURNING last",
    )
    .bind(tenant)
    .bind(day)
    .fetch_one(&mut *conn)
    .await?)
}

/// Whether the tenant already has a case numbered `number`.
pub async fn case_number_taken(conn: &mut store::Conn, tenant: &str, number: &str) -> Result<bool, Error> {
    let found: Option<String> = sqlx::query_scalar("SELECT id FROM cases WHERE tenant = $1 AND case_number = $2")
        .bind(tenant)
        .bind(number)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.is_some())
}

/// The body hash and case an idempotency key was first used with (on PostgreSQL after taking
/// the key's lock for the rest of the transaction).
pub async fn idempotency(
    conn: &mut store::Conn,
    tenant: &str,
    key_hash: &str,
) -> Result<Option<(String, String)>, Error> {
    if store::Backend::of(conn) == store::Backend::Postgres {
        // Replicas registering the same key at once queue here; the later one then finds the
        // key and replays instead of failing on the unique index.
        sqlx::query("SELECT pg_advisory_xact_lock(1382, hashtext($1 || ':' || $2))")
            .bind(tenant)
            .bind(key_hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(
        sqlx::query_as("SELECT body_sha256, case_id FROM idempotency_keys WHERE tenant = $1 AND key_hash = $2")
            .bind(tenant)
            .bind(key_hash)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Remembers an idempotency key.
pub async fn remember_idempotency(
    conn: &mut store::Conn,
    tenant: &str,
    key_hash: &str,
    body_sha256: &str,
    case_id: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO idempotency_keys (tenant, key_hash, body_sha256, case_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant)
    .bind(key_hash)
    .bind(body_sha256)
    .bind(case_id)
    .bind(at(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Inserts a new case.
pub async fn insert_case(conn: &mut store::Conn, row: &CaseRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cases (id, tenant, case_number, status, kind, channel, source, source_ref, source_due_at,
            external_ref, received_at, accepted_at, subject, demands_json, unit, reported_category, category_code,
            anonymous, personal_data, narrative, phone_index, ack_due_at, ack_provisional, policy, version, registered_by,
            occurred_at, complainant_ref, subject_ref, repeat_of, merged_into, rejection_reason, rejection_suggestion,
            decided_at, imported, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
            $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36)",
    )
    .bind(&row.id)
    .bind(&row.tenant)
    .bind(&row.case_number)
    .bind(&row.status)
    .bind(&row.kind)
    .bind(&row.channel)
    .bind(&row.source)
    .bind(&row.source_ref)
    .bind(&row.source_due_at)
    .bind(&row.external_ref)
    .bind(&row.received_at)
    .bind(&row.accepted_at)
    .bind(&row.subject)
    .bind(&row.demands_json)
    .bind(&row.unit)
    .bind(&row.reported_category)
    .bind(&row.category_code)
    .bind(i64::from(row.anonymous))
    .bind(&row.personal_data)
    .bind(&row.narrative)
    .bind(&row.phone_index)
    .bind(&row.ack_due_at)
    .bind(i64::from(row.ack_provisional))
    .bind(&row.policy)
    .bind(row.version)
    .bind(&row.registered_by)
    .bind(&row.occurred_at)
    .bind(&row.complainant_ref)
    .bind(&row.subject_ref)
    .bind(&row.repeat_of)
    .bind(&row.merged_into)
    .bind(&row.rejection_reason)
    .bind(&row.rejection_suggestion)
    .bind(&row.decided_at)
    .bind(i64::from(row.imported))
    .bind(&row.outcome)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const CASE_COLUMNS: &str =
    "id, tenant, case_number, status, kind, channel, source, source_ref, source_due_at, external_ref,
    received_at, accepted_at, subject, demands_json, unit, reported_category, category_code, anonymous, personal_data,
    narrative, phone_index, ack_due_at, ack_provisional, policy, version, registered_by, occurred_at, complainant_ref,
    subject_ref, repeat_of, merged_into, rejection_reason, rejection_suggestion, decided_at, imported, outcome";

fn case_row(row: &sqlx::any::AnyRow) -> Result<CaseRow, sqlx::Error> {
    Ok(CaseRow {
        id: row.try_get("id")?,
        tenant: row.try_get("tenant")?,
        case_number: row.try_get("case_number")?,
        status: row.try_get("status")?,
        kind: row.try_get("kind")?,
        channel: row.try_get("channel")?,
        source: row.try_get("source")?,
        source_ref: row.try_get("source_ref")?,
        source_due_at: row.try_get("source_due_at")?,
        external_ref: row.try_get("external_ref")?,
        received_at: row.try_get("received_at")?,
        accepted_at: row.try_get("accepted_at")?,
        subject: row.try_get("subject")?,
        demands_json: row.try_get("demands_json")?,
        unit: row.try_get("unit")?,
        reported_category: row.try_get("reported_category")?,
        category_code: row.try_get("category_code")?,
        anonymous: store::flag(row, "anonymous")?,
        personal_data: row.try_get("personal_data")?,
        narrative: row.try_get("narrative")?,
        phone_index: row.try_get("phone_index")?,
        ack_due_at: row.try_get("ack_due_at")?,
        ack_provisional: store::flag(row, "ack_provisional")?,
        policy: row.try_get("policy")?,
        version: row.try_get("version")?,
        registered_by: row.try_get("registered_by")?,
        occurred_at: row.try_get("occurred_at")?,
        complainant_ref: row.try_get("complainant_ref")?,
        subject_ref: row.try_get("subject_ref")?,
        repeat_of: row.try_get("repeat_of")?,
        merged_into: row.try_get("merged_into")?,
        rejection_reason: row.try_get("rejection_reason")?,
        rejection_suggestion: row.try_get("rejection_suggestion")?,
        decided_at: row.try_get("decided_at")?,
        imported: store::flag(row, "imported")?,
        outcome: row.try_get("outcome")?,
    })
}

/// The latest earlier case of the same complainant on the same subject received in
/// `[since, received_at]` (the repeat it is): `(id, case_number)`.
pub async fn repeated_case(
    conn: &mut store::Conn,
    tenant: &str,
    (complainant_ref, subject_ref): (&str, &str),
    since: DateTime<Utc>,
    received_at: DateTime<Utc>,
) -> Result<Option<(String, String)>, Error> {
    Ok(sqlx::query_as(
        "SELECT id, case_number FROM cases
         WHERE tenant = $1 AND complainant_ref = $2 AND subject_ref = $3 AND received_at >= $4 AND received_at <= $5
         ORDER BY received_at DESC, id DESC LIMIT 1",
    )
    .bind(tenant)
    .bind(complainant_ref)
    .bind(subject_ref)
    .bind(at(since))
    .bind(at(received_at))
    .fetch_optional(&mut *conn)
    .await?)
}

/// Links two cases (`repeat` or `merged`).
pub async fn link_cases(
    conn: &mut store::Conn,
    tenant: &str,
    case_id: &str,
    kind: &str,
    linked_case_id: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO case_links (tenant, case_id, kind, linked_case_id, linked_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant, case_id, kind, linked_case_id) DO NOTHING",
    )
    .bind(tenant)
    .bind(case_id)
    .bind(kind)
    .bind(linked_case_id)
    .bind(at(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case's links, both ways: `(case_id, kind, linked_case_id)`.
pub async fn links_of(
    pool: &sqlx::AnyPool,
    tenant: &str,
    case_id: &str,
) -> Result<Vec<(String, String, String)>, Error> {
    Ok(sqlx::query_as(
        "SELECT case_id, kind, linked_case_id FROM case_links
         WHERE tenant = $1 AND (case_id = $2 OR linked_case_id = $2) ORDER BY linked_at, case_id",
    )
    .bind(tenant)
    .bind(case_id)
    .fetch_all(pool)
    .await?)
}

/// What a gate action changes on a case.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    pub status: &'a str,
    pub decided_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub ack_due_at: Option<(String, bool)>,
    pub rejection: Option<(&'a str, &'a str)>,
    pub merged_into: Option<&'a str>,
}

/// Writes a gate decision if the case is still at `version`; false when it moved meanwhile.
pub async fn decide(
    conn: &mut store::Conn,
    tenant: &str,
    case_id: &str,
    version: i64,
    decision: &Decision<'_>,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE cases SET status = $1, decided_at = $2, accepted_at = COALESCE($3, accepted_at),
            ack_due_at = COALESCE($4, ack_due_at), ack_provisional = $5, rejection_reason = $6,
            rejection_suggestion = $7, merged_into = $8, version = version + 1
         WHERE tenant = $9 AND id = $10 AND version = $11",
    )
    .bind(decision.status)
    .bind(at(decision.decided_at))
    .bind(decision.accepted_at.map(at))
    .bind(decision.ack_due_at.as_ref().map(|(due, _)| due.clone()))
    .bind(i64::from(
        decision
            .ack_due_at
            .as_ref()
            .is_some_and(|(_, provisional)| *provisional),
    ))
    .bind(decision.rejection.map(|(code, _)| code))
    .bind(decision.rejection.map(|(_, suggestion)| suggestion))
    .bind(decision.merged_into)
    .bind(tenant)
    .bind(case_id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A case by id or by case number, within a tenant, inside the caller's transaction.
pub async fn find_case_in(conn: &mut store::Conn, tenant: &str, id_or_number: &str) -> Result<Option<CaseRow>, Error> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE tenant = $1 AND (id = $2 OR case_number = $2)");
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(id_or_number)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(case_row).transpose()?)
}

/// A case by id or by case number, within a tenant.
pub async fn find_case(pool: &sqlx::AnyPool, tenant: &str, id_or_number: &str) -> Result<Option<CaseRow>, Error> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE tenant = $1 AND (id = $2 OR case_number = $2)");
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(id_or_number)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(case_row).transpose()?)
}

/// Cases by id within a tenant (for releasing contacts in a batch).
pub async fn cases_by_ids(conn: &mut store::Conn, tenant: &str, ids: &[String]) -> Result<Vec<CaseRow>, Error> {
    let mut found = Vec::with_capacity(ids.len());
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE tenant = $1 AND id = $2");
    for id in ids {
        if let Some(row) = sqlx::query(&sql)
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
        {
            found.push(case_row(&row)?);
        }
    }
    Ok(found)
}

/// A message taken in from a mailbox and what it became (`case`, `correspondence`, `quarantined`).
#[derive(Debug, Clone)]
pub struct MailMessageRow {
    pub tenant: String,
    pub message_ref: String,
    pub mailbox: String,
    pub uid_validity: i64,
    pub uid: i64,
    pub outcome: &'static str,
    pub case_id: Option<String>,
    pub recorded_at: String,
}

/// A file that came by e-mail (name and bytes encrypted).
#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub id: String,
    pub tenant: String,
    pub case_id: String,
    pub correspondence_id: Option<String>,
    pub file_name: Vec<u8>,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub stored: bool,
    pub content: Option<Vec<u8>>,
}

/// A message that joined a case (sender and content encrypted).
#[derive(Debug, Clone)]
pub struct CorrespondenceRow {
    pub id: String,
    pub tenant: String,
    pub case_id: String,
    pub channel: String,
    pub matched_by: String,
    pub from_complainant: bool,
    pub received_at: String,
    pub sender: Vec<u8>,
    pub content: Vec<u8>,
    pub recorded_at: String,
}

/// A message kept aside with its reason (the raw message encrypted).
#[derive(Debug, Clone)]
pub struct QuarantineRow {
    pub id: String,
    pub tenant: String,
    pub mailbox: String,
    pub uid_validity: i64,
    pub uid: i64,
    pub reason: String,
    pub detail: String,
    pub raw: Vec<u8>,
    pub quarantined_at: String,
}

/// What a message already taken in became — found by its identity, or by its place in the
/// mailbox — with the case it opened or joined.
pub async fn known_mail_message(
    conn: &mut store::Conn,
    tenant: &str,
    message_ref: &str,
    (mailbox, uid_validity, uid): (&str, i64, i64),
) -> Result<Option<(String, Option<String>)>, Error> {
    Ok(sqlx::query_as(
        "SELECT outcome, case_id FROM mail_messages
         WHERE tenant = $1 AND (message_ref = $2 OR (mailbox = $3 AND uid_validity = $4 AND uid = $5))",
    )
    .bind(tenant)
    .bind(message_ref)
    .bind(mailbox)
    .bind(uid_validity)
    .bind(uid)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Remembers a message taken in.
pub async fn remember_mail_message(conn: &mut store::Conn, row: &MailMessageRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO mail_messages (tenant, message_ref, mailbox, uid_validity, uid, outcome, case_id, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&row.tenant)
    .bind(&row.message_ref)
    .bind(&row.mailbox)
    .bind(row.uid_validity)
    .bind(row.uid)
    .bind(row.outcome)
    .bind(&row.case_id)
    .bind(&row.recorded_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The case of the first of `message_refs` intake recorded with one.
pub async fn case_of_mail_messages(
    conn: &mut store::Conn,
    tenant: &str,
    message_refs: &[String],
) -> Result<Option<String>, Error> {
    for message_ref in message_refs {
        let case_id: Option<Option<String>> =
            sqlx::query_scalar("SELECT case_id FROM mail_messages WHERE tenant = $1 AND message_ref = $2")
                .bind(tenant)
                .bind(message_ref)
                .fetch_optional(&mut *conn)
                .await?;
        if let Some(Some(case_id)) = case_id {
            return Ok(Some(case_id));
        }
    }
    Ok(None)
}

/// Records an attachment.
pub async fn insert_mail_attachment(conn: &mut store::Conn, row: &AttachmentRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO mail_attachments (id, tenant, case_id, correspondence_id, file_name, content_type, size, sha256,
            stored, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&row.id)
    .bind(&row.tenant)
    .bind(&row.case_id)
    .bind(&row.correspondence_id)
    .bind(&row.file_name)
    .bind(&row.content_type)
    .bind(row.size)
    .bind(&row.sha256)
    .bind(i64::from(row.stored))
    .bind(&row.content)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case's attachments, in the order they were recorded.
pub async fn mail_attachments(pool: &sqlx::AnyPool, tenant: &str, case_id: &str) -> Result<Vec<AttachmentRow>, Error> {
    let rows = sqlx::query(
        "SELECT id, tenant, case_id, correspondence_id, file_name, content_type, size, sha256, stored, content
         FROM mail_attachments WHERE tenant = $1 AND case_id = $2 ORDER BY id",
    )
    .bind(tenant)
    .bind(case_id)
    .fetch_all(pool)
    .await?;
    let attachment = |row: &sqlx::any::AnyRow| -> Result<AttachmentRow, sqlx::Error> {
        Ok(AttachmentRow {
            id: row.try_get("id")?,
            tenant: row.try_get("tenant")?,
            case_id: row.try_get("case_id")?,
            correspondence_id: row.try_get("correspondence_id")?,
            file_name: row.try_get("file_name")?,
            content_type: row.try_get("content_type")?,
            size: row.try_get("size")?,
            sha256: row.try_get("sha256")?,
            stored: store::flag(row, "stored")?,
            content: row.try_get("content")?,
        })
    };
    Ok(rows.iter().map(attachment).collect::<Result<_, _>>()?)
}

/// Records correspondence.
pub async fn insert_correspondence(conn: &mut store::Conn, row: &CorrespondenceRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO correspondence (id, tenant, case_id, channel, matched_by, from_complainant, received_at, sender,
            content, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&row.id)
    .bind(&row.tenant)
    .bind(&row.case_id)
    .bind(&row.channel)
    .bind(&row.matched_by)
    .bind(i64::from(row.from_complainant))
    .bind(&row.received_at)
    .bind(&row.sender)
    .bind(&row.content)
    .bind(&row.recorded_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case's correspondence, oldest first.
pub async fn correspondence(
    pool: &sqlx::AnyPool,
    tenant: &str,
    case_id: &str,
) -> Result<Vec<CorrespondenceRow>, Error> {
    let rows = sqlx::query(
        "SELECT id, tenant, case_id, channel, matched_by, from_complainant, received_at, sender, content, recorded_at
         FROM correspondence WHERE tenant = $1 AND case_id = $2 ORDER BY recorded_at, id",
    )
    .bind(tenant)
    .bind(case_id)
    .fetch_all(pool)
    .await?;
    let correspondence = |row: &sqlx::any::AnyRow| -> Result<CorrespondenceRow, sqlx::Error> {
        Ok(CorrespondenceRow {
            id: row.try_get("id")?,
            tenant: row.try_get("tenant")?,
            case_id: row.try_get("case_id")?,
            channel: row.try_get("channel")?,
            matched_by: row.try_get("matched_by")?,
            from_complainant: store::flag(row, "from_complainant")?,
            received_at: row.try_get("received_at")?,
            sender: row.try_get("sender")?,
            content: row.try_get("content")?,
            recorded_at: row.try_get("recorded_at")?,
        })
    };
    Ok(rows.iter().map(correspondence).collect::<Result<_, _>>()?)
}

/// Keeps a message aside.
pub async fn insert_quarantine(conn: &mut store::Conn, row: &QuarantineRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO mail_quarantine (id, tenant, mailbox, uid_validity, uid, reason, detail, raw, quarantined_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&row.id)
    .bind(&row.tenant)
    .bind(&row.mailbox)
    .bind(row.uid_validity)
    .bind(row.uid)
    .bind(&row.reason)
    .bind(&row.detail)
    .bind(&row.raw)
    .bind(&row.quarantined_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A tenant's quarantined messages, oldest first.
pub async fn quarantine(pool: &sqlx::AnyPool, tenant: &str) -> Result<Vec<QuarantineRow>, Error> {
    let rows = sqlx::query(
        "SELECT id, tenant, mailbox, uid_validity, uid, reason, detail, raw, quarantined_at
         FROM mail_quarantine WHERE tenant = $1 ORDER BY quarantined_at, id",
    )
    .bind(tenant)
    .fetch_all(pool)
    .await?;
    let quarantined = |row: &sqlx::any::AnyRow| -> Result<QuarantineRow, sqlx::Error> {
        Ok(QuarantineRow {
            id: row.try_get("id")?,
            tenant: row.try_get("tenant")?,
            mailbox: row.try_get("mailbox")?,
            uid_validity: row.try_get("uid_validity")?,
            uid: row.try_get("uid")?,
            reason: row.try_get("reason")?,
            detail: row.try_get("detail")?,
            raw: row.try_get("raw")?,
            quarantined_at: row.try_get("quarantined_at")?,
        })
    };
    Ok(rows.iter().map(quarantined).collect::<Result<_, _>>()?)
}
