//! Notification's SQL: notices as recorded, and their deliveries (decision 0005).

use sqlx::Row;
use store::{Backend, Db, Error, Migration};

/// Notification's migrations (after the platform's).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 100,
        name: "notification",
        sqlite: include_str!("../migrations/sqlite/0100_notification.sql"),
        postgres: include_str!("../migrations/postgres/0100_notification.sql"),
    },
    Migration {
        version: 101,
        name: "deliveries",
        sqlite: include_str!("../migrations/sqlite/0101_deliveries.sql"),
        postgres: include_str!("../migrations/postgres/0101_deliveries.sql"),
    },
    Migration {
        version: 102,
        name: "cases",
        sqlite: include_str!("../migrations/sqlite/0102_cases.sql"),
        postgres: include_str!("../migrations/postgres/0102_cases.sql"),
    },
    Migration {
        version: 103,
        name: "inbox_and_categories",
        sqlite: include_str!("../migrations/sqlite/0103_inbox.sql"),
        postgres: include_str!("../migrations/postgres/0103_inbox.sql"),
    },
    Migration {
        version: 104,
        name: "templates",
        sqlite: include_str!("../migrations/sqlite/0104_templates.sql"),
        postgres: include_str!("../migrations/postgres/0104_templates.sql"),
    },
    Migration {
        version: 105,
        name: "call_list_and_answers",
        sqlite: include_str!("../migrations/sqlite/0105_call_list_answers.sql"),
        postgres: include_str!("../migrations/postgres/0105_call_list_answers.sql"),
    },
    Migration {
        version: 106,
        name: "staff_apps",
        sqlite: include_str!("../migrations/sqlite/0106_staff_apps.sql"),
        postgres: include_str!("../migrations/postgres/0106_staff_apps.sql"),
    },
    Migration {
        version: 107,
        name: "receipts",
        sqlite: include_str!("../migrations/sqlite/0107_receipts.sql"),
        postgres: include_str!("../migrations/postgres/0107_receipts.sql"),
    },
];

/// A tenant's published template overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateVersion {
    pub version: i64,
    pub published_at: String,
    pub published_by: String,
    pub note: String,
    /// Key (`acknowledgement.email.zh-CN`) → template source.
    pub overrides: std::collections::BTreeMap<String, String>,
}

/// Publishes a tenant's overrides as the next version; answers it.
pub async fn publish_templates(
    conn: &mut store::Conn,
    tenant: &str,
    overrides: &std::collections::BTreeMap<String, String>,
    published_by: &str,
    note: &str,
    at: &str,
) -> Result<i64, Error> {
    if Backend::of(conn) == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(1382, hashtext($1))")
            .bind(tenant)
            .execute(&mut *conn)
            .await?;
    }
    let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM template_sets WHERE tenant = $1")
        .bind(tenant)
        .fetch_one(&mut *conn)
        .await?;
    let version = latest.unwrap_or(0) + 1;
    sqlx::query(
        "INSERT INTO template_sets (tenant, version, published_at, published_by, note, overrides_json)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(version)
    .bind(at)
    .bind(published_by)
    .bind(note)
    .bind(serde_json::to_string(overrides).map_err(|e| Error::Corrupt(e.to_string()))?)
    .execute(&mut *conn)
    .await?;
    Ok(version)
}

/// A tenant's latest published overrides, if it published any.
pub async fn latest_templates(db: &Db, tenant: &str) -> Result<Option<TemplateVersion>, Error> {
    let row = sqlx::query(
        "SELECT version, published_at, published_by, note, overrides_json FROM template_sets
         WHERE tenant = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(tenant)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| -> Result<TemplateVersion, Error> {
        let json: String = row.try_get("overrides_json")?;
        Ok(TemplateVersion {
            version: row.try_get("version")?,
            published_at: row.try_get("published_at")?,
            published_by: row.try_get("published_by")?,
            note: row.try_get("note")?,
            overrides: serde_json::from_str(&json).map_err(|e| Error::Corrupt(e.to_string()))?,
        })
    })
    .transpose()
}

/// What notification keeps of a case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Case {
    pub case_number: String,
    pub kind: String,
    pub policy: String,
    pub category: String,
    /// The unit the case is with since its latest dispatch.
    pub unit: String,
    /// The staff its staff notices reach: the unit's customer-relations managers routing named
    /// and the assignee.
    pub staff: Vec<String>,
}

/// Remembers a case's number, kind and category (`case.registered`).
pub async fn remember(conn: &mut store::Conn, tenant: &str, case_id: &str, case: &Case) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO cases (case_id, tenant, case_number, kind, policy, category) VALUES ($1, $2, $3, $4, '', $5)
         ON CONFLICT (case_id) DO UPDATE SET case_number = excluded.case_number, kind = excluded.kind,
            category = excluded.category",
    )
    .bind(case_id)
    .bind(tenant)
    .bind(&case.case_number)
    .bind(&case.kind)
    .bind(&case.category)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Remembers a case's policy (`case.accepted`, which follows its registration).
pub async fn remember_policy(conn: &mut store::Conn, case_id: &str, policy: &str) -> Result<(), Error> {
    sqlx::query("UPDATE cases SET policy = $1 WHERE case_id = $2")
        .bind(policy)
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Remembers whom a case's staff notices reach (`case.dispatched`, an assignment).
pub async fn remember_staff(conn: &mut store::Conn, case_id: &str, unit: &str, staff: &[String]) -> Result<(), Error> {
    let json = serde_json::to_string(staff).map_err(|e| Error::Corrupt(e.to_string()))?;
    sqlx::query("UPDATE cases SET unit = $1, staff_json = $2 WHERE case_id = $3")
        .bind(unit)
        .bind(json)
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The cases known among `case_ids`.
pub async fn cases(db: &Db, case_ids: &[String]) -> Result<std::collections::HashMap<String, Case>, Error> {
    let mut known = std::collections::HashMap::new();
    for case_id in case_ids {
        if known.contains_key(case_id) {
            continue;
        }
        let row =
            sqlx::query("SELECT case_number, kind, policy, category, unit, staff_json FROM cases WHERE case_id = $1")
                .bind(case_id)
                .fetch_optional(db.reader())
                .await?;
        if let Some(row) = row {
            let case = Case {
                case_number: row.try_get("case_number")?,
                kind: row.try_get("kind")?,
                policy: row.try_get("policy")?,
                category: row.try_get("category")?,
                unit: row.try_get("unit")?,
                staff: serde_json::from_str(&row.try_get::<String, _>("staff_json")?)
                    .map_err(|e| Error::Corrupt(e.to_string()))?,
            };
            known.insert(case_id.clone(), case);
        }
    }
    Ok(known)
}

/// A notice as recorded: the rendered text and a masked recipient, never a clear contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub notice_id: String,
    pub tenant: String,
    pub case_id: String,
    pub notice_kind: String,
    /// `complainant`, or `staff:<id>`.
    pub audience: String,
    pub channel: String,
    pub language: String,
    pub recipient_masked: String,
    pub subject: String,
    pub body: String,
    /// `recorded` (waiting for its delivery), `sent`, `failed` or `delivered` (the inbox).
    pub state: String,
    pub recorded_at: String,
    /// What the channel needs besides the text (an SMS's template id and parameters), as JSON.
    pub detail_json: String,
}

const NOTICE_COLUMNS: &str = "notice_id, tenant, case_id, notice_kind, audience, channel, language, recipient_masked, \
    subject, body, state, recorded_at, detail_json";

fn notice_of(row: &sqlx::any::AnyRow) -> Result<Notice, Error> {
    Ok(Notice {
        notice_id: row.try_get("notice_id")?,
        tenant: row.try_get("tenant")?,
        case_id: row.try_get("case_id")?,
        notice_kind: row.try_get("notice_kind")?,
        audience: row.try_get("audience")?,
        channel: row.try_get("channel")?,
        language: row.try_get("language")?,
        recipient_masked: row.try_get("recipient_masked")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        state: row.try_get("state")?,
        recorded_at: row.try_get("recorded_at")?,
        detail_json: row.try_get("detail_json")?,
    })
}

/// Records a notice; false when it is already recorded (the same event redelivered).
pub async fn record(conn: &mut store::Conn, notice: &Notice) -> Result<bool, Error> {
    let inserted = sqlx::query(&format!(
        "INSERT INTO notices ({NOTICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (notice_id) DO NOTHING"
    ))
    .bind(&notice.notice_id)
    .bind(&notice.tenant)
    .bind(&notice.case_id)
    .bind(&notice.notice_kind)
    .bind(&notice.audience)
    .bind(&notice.channel)
    .bind(&notice.language)
    .bind(&notice.recipient_masked)
    .bind(&notice.subject)
    .bind(&notice.body)
    .bind(&notice.state)
    .bind(&notice.recorded_at)
    .bind(&notice.detail_json)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// A case's notices, oldest first.
pub async fn for_case(db: &Db, tenant: &str, case_id: &str) -> Result<Vec<Notice>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT {NOTICE_COLUMNS} FROM notices WHERE case_id = $1 AND tenant = $2 ORDER BY recorded_at, notice_id"
    ))
    .bind(case_id)
    .bind(tenant)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(notice_of).collect()
}

/// The notices addressed to `audience` (`staff:<id>`), newest first.
pub async fn inbox(db: &Db, tenant: &str, audience: &str, limit: i64) -> Result<Vec<Notice>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT {NOTICE_COLUMNS} FROM notices WHERE tenant = $1 AND audience = $2
         ORDER BY recorded_at DESC, notice_id DESC LIMIT $3"
    ))
    .bind(tenant)
    .bind(audience)
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(notice_of).collect()
}

/// One notice by id.
pub async fn notice(conn: &mut store::Conn, notice_id: &str) -> Result<Option<Notice>, Error> {
    let row = sqlx::query(&format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE notice_id = $1"))
        .bind(notice_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(notice_of).transpose()
}

/// Sets a notice's state.
pub async fn set_notice_state(conn: &mut store::Conn, notice_id: &str, state: &str) -> Result<(), Error> {
    sqlx::query("UPDATE notices SET state = $1 WHERE notice_id = $2")
        .bind(state)
        .bind(notice_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A notice's delivery over a channel with a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub notice_id: String,
    pub tenant: String,
    pub case_id: String,
    pub notice_kind: String,
    pub channel: String,
    /// `queued`, `sending`, `sent`, `failed` or `dead`.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    /// The e-mail Message-ID or the SMS out_id: the same on every attempt.
    pub idempotency_key: String,
    pub provider_reference: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    /// Goes out at once, even outside the SMS sending window.
    pub urgent: bool,
}

const DELIVERY_COLUMNS: &str = "notice_id, tenant, case_id, notice_kind, channel, state, attempts, next_attempt_at, \
    idempotency_key, provider_reference, last_error, sent_at, urgent";

fn delivery_of(row: &sqlx::any::AnyRow) -> Result<Delivery, Error> {
    Ok(Delivery {
        notice_id: row.try_get("notice_id")?,
        tenant: row.try_get("tenant")?,
        case_id: row.try_get("case_id")?,
        notice_kind: row.try_get("notice_kind")?,
        channel: row.try_get("channel")?,
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        idempotency_key: row.try_get("idempotency_key")?,
        provider_reference: row.try_get("provider_reference")?,
        last_error: row.try_get("last_error")?,
        sent_at: row.try_get("sent_at")?,
        urgent: store::flag(row, "urgent")?,
    })
}

/// Queues a notice's delivery (once: the notice's id is its key).
pub async fn enqueue(conn: &mut store::Conn, delivery: &Delivery) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO deliveries (notice_id, tenant, case_id, notice_kind, channel, state, attempts, next_attempt_at,
            idempotency_key, urgent)
         VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $8) ON CONFLICT (notice_id) DO NOTHING",
    )
    .bind(&delivery.notice_id)
    .bind(&delivery.tenant)
    .bind(&delivery.case_id)
    .bind(&delivery.notice_kind)
    .bind(&delivery.channel)
    .bind(&delivery.next_attempt_at)
    .bind(&delivery.idempotency_key)
    .bind(i64::from(delivery.urgent))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Claims up to `limit` deliveries due at `now` (queued or failed and due, or sending with an
/// expired lease after a crash) and leases them until `lease_until`. On PostgreSQL the rows are
/// locked `FOR UPDATE SKIP LOCKED`, so replicas claim different ones.
pub async fn claim_due(
    conn: &mut store::Conn,
    now: &str,
    lease_until: &str,
    limit: i64,
) -> Result<Vec<Delivery>, Error> {
    let lock = match Backend::of(conn) {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let rows = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries
         WHERE (state IN ('queued', 'failed') AND next_attempt_at <= $1) OR (state = 'sending' AND lease_until <= $1)
         ORDER BY next_attempt_at, notice_id LIMIT $2{lock}"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let claimed: Vec<Delivery> = rows.iter().map(delivery_of).collect::<Result<_, _>>()?;
    for delivery in &claimed {
        sqlx::query("UPDATE deliveries SET state = 'sending', lease_until = $1 WHERE notice_id = $2")
            .bind(lease_until)
            .bind(&delivery.notice_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(claimed)
}

/// Records a delivery's outcome: `sent` (with when and the provider's reference), `failed` (to
/// be tried again at `next_attempt_at`) or `dead`. Only a delivery still `sending` changes.
pub async fn settle(
    conn: &mut store::Conn,
    delivery: &Delivery,
    state: &str,
    next_attempt_at: &str,
    error: Option<&str>,
) -> Result<bool, Error> {
    let changed = sqlx::query(
        "UPDATE deliveries SET state = $1, attempts = $2, next_attempt_at = $3, lease_until = NULL,
            last_error = COALESCE($4, last_error), provider_reference = COALESCE($5, provider_reference),
            sent_at = COALESCE($6, sent_at)
         WHERE notice_id = $7 AND state = 'sending'",
    )
    .bind(state)
    .bind(delivery.attempts)
    .bind(next_attempt_at)
    .bind(error)
    .bind(&delivery.provider_reference)
    .bind(&delivery.sent_at)
    .bind(&delivery.notice_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// A case's deliveries.
pub async fn deliveries_of(db: &Db, case_id: &str) -> Result<Vec<Delivery>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE case_id = $1 ORDER BY notice_id"
    ))
    .bind(case_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(delivery_of).collect()
}

/// An entry of the agents' call list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub tenant: String,
    pub case_id: String,
    /// `callback` (the satisfaction callback after a result), or `undelivered` (a notice to the
    /// complainant bounced: reach them another way).
    pub purpose: String,
    pub case_number: String,
    pub recipient_masked: String,
    pub language: String,
    /// `open` or `done`.
    pub state: String,
    /// Attempts that reached nobody.
    pub attempts: i64,
    pub due_at: String,
    pub opened_at: String,
    pub updated_at: String,
    /// Empty while open; `satisfied`, `dissatisfied`, `closed` when done.
    pub outcome: String,
}

const CALL_COLUMNS: &str = "tenant, case_id, purpose, case_number, recipient_masked, language, state, attempts, due_at, \
    opened_at, updated_at, outcome";

fn call_of(row: &sqlx::any::AnyRow) -> Result<Call, Error> {
    Ok(Call {
        tenant: row.try_get("tenant")?,
        case_id: row.try_get("case_id")?,
        purpose: row.try_get("purpose")?,
        case_number: row.try_get("case_number")?,
        recipient_masked: row.try_get("recipient_masked")?,
        language: row.try_get("language")?,
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        due_at: row.try_get("due_at")?,
        opened_at: row.try_get("opened_at")?,
        updated_at: row.try_get("updated_at")?,
        outcome: row.try_get("outcome")?,
    })
}

/// Puts a call on the list, or opens it again (a reopened case's next result notice).
pub async fn open_call(conn: &mut store::Conn, call: &Call) -> Result<(), Error> {
    sqlx::query(&format!(
        "INSERT INTO call_list ({CALL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, 'open', 0, $7, $8, $8, '')
         ON CONFLICT (tenant, case_id, purpose) DO UPDATE SET state = 'open', attempts = 0, due_at = excluded.due_at,
            recipient_masked = excluded.recipient_masked, language = excluded.language,
            opened_at = excluded.opened_at, updated_at = excluded.updated_at, outcome = ''"
    ))
    .bind(&call.tenant)
    .bind(&call.case_id)
    .bind(&call.purpose)
    .bind(&call.case_number)
    .bind(&call.recipient_masked)
    .bind(&call.language)
    .bind(&call.due_at)
    .bind(&call.opened_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A failed attempt: counted, the next one due at `next_due_at`.
pub async fn call_attempted(
    conn: &mut store::Conn,
    tenant: &str,
    case_id: &str,
    attempt: i64,
    next_due_at: &str,
    at: &str,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE call_list SET attempts = $1, due_at = $2, updated_at = $3
         WHERE tenant = $4 AND case_id = $5 AND purpose = 'callback' AND state = 'open' AND attempts < $1",
    )
    .bind(attempt)
    .bind(next_due_at)
    .bind(at)
    .bind(tenant)
    .bind(case_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The call for `purpose` (every open call of the case when `None`) is no longer to be made.
pub async fn call_done(
    conn: &mut store::Conn,
    tenant: &str,
    case_id: &str,
    purpose: Option<&str>,
    outcome: &str,
    at: &str,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE call_list SET state = 'done', outcome = $1, updated_at = $2
         WHERE tenant = $3 AND case_id = $4 AND ($5 = '' OR purpose = $5) AND state = 'open'",
    )
    .bind(outcome)
    .bind(at)
    .bind(tenant)
    .bind(case_id)
    .bind(purpose.unwrap_or_default())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A complainant's notice that could not be delivered (bounced, or given up) puts the case on
/// the agents' call list (purpose `undelivered`, due at once): an agent reaches the complainant
/// another way. Nothing for a staff notice, or a case notification does not know.
pub async fn open_undelivered_call(conn: &mut store::Conn, notice_id: &str, at: &str) -> Result<(), Error> {
    sqlx::query(&format!(
        "INSERT INTO call_list ({CALL_COLUMNS})
         SELECT n.tenant, n.case_id, 'undelivered', c.case_number, n.recipient_masked, n.language, 'open', 0, $1, $1, $1, ''
         FROM notices n JOIN cases c ON c.case_id = n.case_id
         WHERE n.notice_id = $2 AND n.audience = 'complainant'
         ON CONFLICT (tenant, case_id, purpose) DO UPDATE SET state = 'open', attempts = 0, due_at = excluded.due_at,
            recipient_masked = excluded.recipient_masked, language = excluded.language,
            opened_at = excluded.opened_at, updated_at = excluded.updated_at, outcome = ''"
    ))
    .bind(at)
    .bind(notice_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The call list in `state` (`open`: soonest due first; `done`: latest first).
pub async fn call_list(db: &Db, tenant: &str, state: &str, limit: i64) -> Result<Vec<Call>, Error> {
    let order = if state == "open" {
        "due_at, case_id"
    } else {
        "updated_at DESC, case_id"
    };
    let rows = sqlx::query(&format!(
        "SELECT {CALL_COLUMNS} FROM call_list WHERE tenant = $1 AND state = $2 ORDER BY {order} LIMIT $3"
    ))
    .bind(tenant)
    .bind(state)
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(call_of).collect()
}

/// Records a provider's receipt of a sent message found by its idempotency key (the SMS
/// `out_id`, the e-mail's Message-ID): `delivered`, or `bounced` with the provider's code (a
/// complainant's bounced notice puts the case on the call list). Answers the notice's id, or
/// `None` when no sent delivery has the key (unknown, or already reported).
pub async fn record_receipt(
    conn: &mut store::Conn,
    tenant: &str,
    channel: &str,
    key: &str,
    delivered: bool,
    code: &str,
    at: &str,
) -> Result<Option<String>, Error> {
    let notice_id: Option<String> = sqlx::query_scalar(
        "SELECT notice_id FROM deliveries WHERE tenant = $1 AND channel = $2 AND idempotency_key = $3 AND state = 'sent'",
    )
    .bind(tenant)
    .bind(channel)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(notice_id) = notice_id else {
        return Ok(None);
    };
    let state = if delivered { "delivered" } else { "bounced" };
    sqlx::query("UPDATE deliveries SET state = $1, reported_at = $2, receipt = $3 WHERE notice_id = $4")
        .bind(state)
        .bind(at)
        .bind(code)
        .bind(&notice_id)
        .execute(&mut *conn)
        .await?;
    set_notice_state(conn, &notice_id, state).await?;
    if !delivered {
        open_undelivered_call(conn, &notice_id, at).await?;
    }
    Ok(Some(notice_id))
}

/// A member of staff's work-app user ids (empty: none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffApp {
    pub staff: String,
    pub wecom: String,
    pub dingtalk: String,
}

/// Replaces a tenant's work-app user ids with those of its newest directory.
pub async fn replace_staff_apps(conn: &mut store::Conn, tenant: &str, apps: &[StaffApp]) -> Result<(), Error> {
    sqlx::query("DELETE FROM staff_apps WHERE tenant = $1")
        .bind(tenant)
        .execute(&mut *conn)
        .await?;
    for app in apps {
        sqlx::query("INSERT INTO staff_apps (tenant, staff, wecom, dingtalk) VALUES ($1, $2, $3, $4)")
            .bind(tenant)
            .bind(&app.staff)
            .bind(&app.wecom)
            .bind(&app.dingtalk)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A tenant's work-app user ids by member of staff.
pub async fn staff_apps(db: &Db, tenant: &str) -> Result<std::collections::HashMap<String, StaffApp>, Error> {
    let rows = sqlx::query("SELECT staff, wecom, dingtalk FROM staff_apps WHERE tenant = $1")
        .bind(tenant)
        .fetch_all(db.reader())
        .await?;
    rows.iter()
        .map(|row| {
            let app = StaffApp {
                staff: row.try_get("staff")?,
                wecom: row.try_get("wecom")?,
                dingtalk: row.try_get("dingtalk")?,
            };
            Ok((app.staff.clone(), app))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_call_is_opened_moved_on_and_done() {
        let dir = tempfile::tempdir().expect("dir");
        let db = Db::open(&dir.path().join("n.db"), MIGRATIONS, store::OpenOptions::default())
            .await
            .expect("opens");
        let call = Call {
            tenant: "t".into(),
            case_id: "c1".into(),
            purpose: "callback".into(),
            case_number: "TS1".into(),
            recipient_masked: "138****0001".into(),
            language: "zh-CN".into(),
            state: "open".into(),
            attempts: 0,
            due_at: "2026-12-08T02:00:00Z".into(),
            opened_at: "2026-12-05T02:00:00Z".into(),
            updated_at: "2026-12-05T02:00:00Z".into(),
            outcome: String::new(),
        };
        let mut tx = db.begin().await.expect("tx");
        open_call(&mut tx, &call).await.expect("opened");
        call_attempted(&mut tx, "t", "c1", 1, "2026-12-08T06:00:00Z", "2026-12-08T02:10:00Z")
            .await
            .expect("attempted");
        // The same attempt again (a redelivered event) changes nothing.
        call_attempted(&mut tx, "t", "c1", 1, "2026-12-09T06:00:00Z", "2026-12-08T02:10:00Z")
            .await
            .expect("attempted");
        db.commit(tx).await.expect("commits");
        let open = call_list(&db, "t", "open", 10).await.expect("lists");
        assert_eq!(
            (open.len(), open[0].attempts, open[0].due_at.as_str()),
            (1, 1, "2026-12-08T06:00:00Z")
        );
        let mut tx = db.begin().await.expect("tx");
        call_done(
            &mut tx,
            "t",
            "c1",
            Some("callback"),
            "satisfied",
            "2026-12-08T07:00:00Z",
        )
        .await
        .expect("done");
        db.commit(tx).await.expect("commits");
        assert!(call_list(&db, "t", "open", 10).await.expect("lists").is_empty());
        let done = call_list(&db, "t", "done", 10).await.expect("lists");
        assert_eq!(done[0].outcome, "satisfied");
    }

    #[tokio::test]
    async fn a_receipt_marks_a_sent_sms_delivered_or_bounced_once() {
        let dir = tempfile::tempdir().expect("dir");
        let db = Db::open(&dir.path().join("n.db"), MIGRATIONS, store::OpenOptions::default())
            .await
            .expect("opens");
        let mut tx = db.begin().await.expect("tx");
        for (id, state) in [("n1", "sent"), ("n2", "queued")] {
            let notice = Notice {
                notice_id: id.into(),
                tenant: "t".into(),
                case_id: "c".into(),
                notice_kind: "acknowledgement".into(),
                audience: "complainant".into(),
                channel: "sms".into(),
                language: "zh-CN".into(),
                recipient_masked: "138****0001".into(),
                subject: "s".into(),
                body: "b".into(),
                state: "sent".into(),
                recorded_at: "2026-12-05T02:00:00Z".into(),
                detail_json: "{}".into(),
            };
            record(&mut tx, &notice).await.expect("recorded");
            let delivery = Delivery {
                notice_id: id.into(),
                tenant: "t".into(),
                case_id: "c".into(),
                notice_kind: "acknowledgement".into(),
                channel: "sms".into(),
                state: "queued".into(),
                attempts: 0,
                next_attempt_at: "2026-12-05T02:00:00Z".into(),
                idempotency_key: id.into(),
                provider_reference: None,
                last_error: None,
                sent_at: None,
                urgent: false,
            };
            enqueue(&mut tx, &delivery).await.expect("queued");
            sqlx::query("UPDATE deliveries SET state = $1 WHERE notice_id = $2")
                .bind(state)
                .bind(id)
                .execute(&mut *tx)
                .await
                .expect("set");
        }
        let at = "2026-12-05T02:01:00Z";
        assert_eq!(
            record_receipt(&mut tx, "t", "sms", "n1", true, "DELIVERED", at)
                .await
                .expect("ok"),
            Some("n1".to_owned())
        );
        // Reported again, or a message never sent, or another tenant's key: nothing.
        assert_eq!(
            record_receipt(&mut tx, "t", "sms", "n1", false, "X", at)
                .await
                .expect("ok"),
            None
        );
        assert_eq!(
            record_receipt(&mut tx, "t", "sms", "n2", true, "DELIVERED", at)
                .await
                .expect("ok"),
            None
        );
        assert_eq!(
            record_receipt(&mut tx, "u", "sms", "n1", true, "DELIVERED", at)
                .await
                .expect("ok"),
            None
        );
        db.commit(tx).await.expect("commits");
        let notices = for_case(&db, "t", "c").await.expect("lists");
        assert_eq!(
            notices.iter().find(|n| n.notice_id == "n1").map(|n| n.state.as_str()),
            Some("delivered")
        );
    }
}
