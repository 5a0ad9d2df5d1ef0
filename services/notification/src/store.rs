//! Notification's SQL.

use sqlx::Row;
use store::{Db, Error, Migration};

/// Notification's migrations (after the platform's).
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 100,
    name: "notification",
    sqlite: include_str!("../migrations/sqlite/0100_notification.sql"),
    postgres: include_str!("../migrations/postgres/0100_notification.sql"),
}];

/// A notice as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub notice_id: String,
    pub tenant: String,
    pub case_id: String,
    pub notice_kind: String,
    pub channel: String,
    pub language: String,
    pub recipient_masked: String,
    pub subject: String,
    pub body: String,
    pub state: String,
    pub recorded_at: String,
}

/// Records a notice; returns false when the case already has a notice of that kind.
pub async fn record(conn: &mut store::Conn, notice: &Notice) -> Result<bool, Error> {
    let inserted = sqlx::query(
        "INSERT INTO notices (notice_id, tenant, case_id, notice_kind, channel, language, recipient_masked, subject, body,
            state, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (case_id, notice_kind) DO NOTHING",
    )
    .bind(&notice.notice_id)
    .bind(&notice.tenant)
    .bind(&notice.case_id)
    .bind(&notice.notice_kind)
    .bind(&notice.channel)
    .bind(&notice.language)
    .bind(&notice.recipient_masked)
    .bind(&notice.subject)
    .bind(&notice.body)
    .bind(&notice.state)
    .bind(&notice.recorded_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// A case's notices, oldest first.
pub async fn for_case(db: &Db, tenant: &str, case_id: &str) -> Result<Vec<Notice>, Error> {
    let rows = sqlx::query(
        "SELECT notice_id, tenant, case_id, notice_kind, channel, language, recipient_masked, subject, body, state, recorded_at
         FROM notices WHERE case_id = $1 AND tenant = $2 ORDER BY recorded_at",
    )
    .bind(case_id)
    .bind(tenant)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| -> Result<Notice, Error> {
            Ok(Notice {
                notice_id: row.try_get("notice_id")?,
                tenant: row.try_get("tenant")?,
                case_id: row.try_get("case_id")?,
                notice_kind: row.try_get("notice_kind")?,
                channel: row.try_get("channel")?,
                language: row.try_get("language")?,
                recipient_masked: row.try_get("recipient_masked")?,
                subject: row.try_get("subject")?,
                body: row.try_get("body")?,
                state: row.try_get("state")?,
                recorded_at: row.try_get("recorded_at")?,
            })
        })
        .collect()
}
