//! The channels' SQL (decision 0009): every statement on `case_channels`, `case_files`,
//! `drafts`, `wechat_messages` and `privacy_bindings`, and the lookups by blind index. Functions
//! take a connection so the ledger and the channels compose them in one transaction.

use chrono::{DateTime, Utc};
use sqlx::Row;
use store::Error;

use crate::store::at;

/// A case's channel facts (personal data encrypted).
#[derive(Debug, Clone, Default)]
pub struct ChannelRow {
    pub case_id: String,
    pub tenant: String,
    pub details: Option<Vec<u8>>,
    pub wechat_index: Option<String>,
    pub last_inbound_at: Option<String>,
    pub closing_reason: Option<String>,
    pub closed_at: Option<String>,
    pub result: Option<Vec<u8>>,
}

/// A scan or a signature (bytes encrypted).
#[derive(Debug, Clone)]
pub struct FileRow {
    pub id: String,
    pub tenant: String,
    pub case_id: String,
    pub kind: &'static str,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub recorded_at: String,
}

/// What a channel opened before it is a case.
#[derive(Debug, Clone, Default)]
pub struct DraftRow {
    pub id: String,
    pub tenant: String,
    pub channel: String,
    pub status: String,
    pub call_ref: Option<String>,
    pub phone_index: Option<String>,
    pub phone: Option<Vec<u8>>,
    pub body: Option<Vec<u8>>,
    pub received_at: String,
    pub created_at: String,
    pub created_by: String,
    pub confirm_by: Option<String>,
    pub code_hash: Option<String>,
    pub code_expires_at: Option<String>,
    pub code_attempts: i64,
    pub case_id: Option<String>,
    pub registered_at: Option<String>,
}

/// A case as a caller's list shows it.
#[derive(Debug, Clone)]
pub struct CaseSummaryRow {
    pub id: String,
    pub case_number: String,
    pub status: String,
    pub kind: String,
    pub channel: String,
    pub received_at: String,
    pub category_code: Option<String>,
}

/// Records a case's channel facts.
pub async fn insert_channel(conn: &mut store::Conn, row: &ChannelRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO case_channels (case_id, tenant, details, wechat_index, last_inbound_at, closing_reason, closed_at,
            result)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&row.case_id)
    .bind(&row.tenant)
    .bind(&row.details)
    .bind(&row.wechat_index)
    .bind(&row.last_inbound_at)
    .bind(&row.closing_reason)
    .bind(&row.closed_at)
    .bind(&row.result)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn channel_row(row: &sqlx::any::AnyRow) -> Result<ChannelRow, sqlx::Error> {
    Ok(ChannelRow {
        case_id: row.try_get("case_id")?,
        tenant: row.try_get("tenant")?,
        details: row.try_get("details")?,
        wechat_index: row.try_get("wechat_index")?,
        last_inbound_at: row.try_get("last_inbound_at")?,
        closing_reason: row.try_get("closing_reason")?,
        closed_at: row.try_get("closed_at")?,
        result: row.try_get("result")?,
    })
}

const CHANNEL_COLUMNS: &str =
    "case_id, tenant, details, wechat_index, last_inbound_at, closing_reason, closed_at, result";

/// A case's channel facts, if it has any.
pub async fn channel_of(pool: &sqlx::AnyPool, tenant: &str, case_id: &str) -> Result<Option<ChannelRow>, Error> {
    let sql = format!("SELECT {CHANNEL_COLUMNS} FROM case_channels WHERE tenant = $1 AND case_id = $2");
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(case_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(channel_row).transpose()?)
}

/// A case's channel facts inside the caller's transaction.
pub async fn channel_in(conn: &mut store::Conn, tenant: &str, case_id: &str) -> Result<Option<ChannelRow>, Error> {
    let sql = format!("SELECT {CHANNEL_COLUMNS} FROM case_channels WHERE tenant = $1 AND case_id = $2");
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(case_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(channel_row).transpose()?)
}

/// Moves the time of the complainant's last message (never back).
pub async fn touch_inbound(
    conn: &mut store::Conn,
    tenant: &str,
    case_id: &str,
    received_at: DateTime<Utc>,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE case_channels SET last_inbound_at = $1
         WHERE tenant = $2 AND case_id = $3 AND (last_inbound_at IS NULL OR last_inbound_at < $1)",
    )
    .bind(at(received_at))
    .bind(tenant)
    .bind(case_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The latest case of an OpenID that intake holds as `received` or `accepted` and whose last
/// message is at or after `since`.
pub async fn open_wechat_case(
    conn: &mut store::Conn,
    tenant: &str,
    wechat_index: &str,
    since: DateTime<Utc>,
) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT c.id FROM case_channels ch JOIN cases c ON c.id = ch.case_id
         WHERE ch.tenant = $1 AND ch.wechat_index = $2 AND c.status IN ('received', 'accepted')
           AND ch.last_inbound_at >= $3
         ORDER BY ch.last_inbound_at DESC, c.id DESC LIMIT 1",
    )
    .bind(tenant)
    .bind(wechat_index)
    .bind(at(since))
    .fetch_optional(&mut *conn)
    .await?)
}

/// Records a scan or a signature.
pub async fn insert_file(conn: &mut store::Conn, row: &FileRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO case_files (id, tenant, case_id, kind, content_type, size, sha256, content, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&row.id)
    .bind(&row.tenant)
    .bind(&row.case_id)
    .bind(row.kind)
    .bind(&row.content_type)
    .bind(row.size)
    .bind(&row.sha256)
    .bind(&row.content)
    .bind(&row.recorded_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case's scans and signatures, oldest first, inside the caller's transaction.
pub async fn files_in(conn: &mut store::Conn, tenant: &str, case_id: &str) -> Result<Vec<FileRow>, Error> {
    let rows = sqlx::query(
        "SELECT id, tenant, case_id, kind, content_type, size, sha256, content, recorded_at FROM case_files
         WHERE tenant = $1 AND case_id = $2 ORDER BY recorded_at, id",
    )
    .bind(tenant)
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    let file = |row: &sqlx::any::AnyRow| -> Result<FileRow, sqlx::Error> {
        let kind: String = row.try_get("kind")?;
        Ok(FileRow {
            id: row.try_get("id")?,
            tenant: row.try_get("tenant")?,
            case_id: row.try_get("case_id")?,
            kind: if kind == "scan" { "scan" } else { "signature" },
            content_type: row.try_get("content_type")?,
            size: row.try_get("size")?,
            sha256: row.try_get("sha256")?,
            content: row.try_get("content")?,
            recorded_at: row.try_get("recorded_at")?,
        })
    };
    Ok(rows.iter().map(file).collect::<Result<_, _>>()?)
}

/// Opens a draft; a draft of the same call (tenant, channel, call reference) is kept instead.
/// Answers the stored draft and whether it is the one given.
pub async fn open_draft(conn: &mut store::Conn, row: &DraftRow) -> Result<(DraftRow, bool), Error> {
    let inserted = sqlx::query(
        "INSERT INTO drafts (id, tenant, channel, status, call_ref, phone_index, phone, body, received_at, created_at,
            created_by, confirm_by, code_hash, code_expires_at, code_attempts, case_id, registered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (tenant, channel, call_ref) DO NOTHING",
    )
    .bind(&row.id)
    .bind(&row.tenant)
    .bind(&row.channel)
    .bind(&row.status)
    .bind(&row.call_ref)
    .bind(&row.phone_index)
    .bind(&row.phone)
    .bind(&row.body)
    .bind(&row.received_at)
    .bind(&row.created_at)
    .bind(&row.created_by)
    .bind(&row.confirm_by)
    .bind(&row.code_hash)
    .bind(&row.code_expires_at)
    .bind(row.code_attempts)
    .bind(&row.case_id)
    .bind(&row.registered_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok((row.clone(), true));
    }
    let sql = format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE tenant = $1 AND channel = $2 AND call_ref = $3");
    let stored = sqlx::query(&sql)
        .bind(&row.tenant)
        .bind(&row.channel)
        .bind(&row.call_ref)
        .fetch_one(&mut *conn)
        .await?;
    Ok((draft_row(&stored)?, false))
}

const DRAFT_COLUMNS: &str = "id, tenant, channel, status, call_ref, phone_index, phone, body, received_at, created_at,
    created_by, confirm_by, code_hash, code_expires_at, code_attempts, case_id, registered_at";

fn draft_row(row: &sqlx::any::AnyRow) -> Result<DraftRow, sqlx::Error> {
    Ok(DraftRow {
        id: row.try_get("id")?,
        tenant: row.try_get("tenant")?,
        channel: row.try_get("channel")?,
        status: row.try_get("status")?,
        call_ref: row.try_get("call_ref")?,
        phone_index: row.try_get("phone_index")?,
        phone: row.try_get("phone")?,
        body: row.try_get("body")?,
        received_at: row.try_get("received_at")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        confirm_by: row.try_get("confirm_by")?,
        code_hash: row.try_get("code_hash")?,
        code_expires_at: row.try_get("code_expires_at")?,
        code_attempts: row.try_get("code_attempts")?,
        case_id: row.try_get("case_id")?,
        registered_at: row.try_get("registered_at")?,
    })
}

/// A draft by id within a tenant.
pub async fn draft(pool: &sqlx::AnyPool, tenant: &str, id: &str) -> Result<Option<DraftRow>, Error> {
    let sql = format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE tenant = $1 AND id = $2");
    let row = sqlx::query(&sql).bind(tenant).bind(id).fetch_optional(pool).await?;
    Ok(row.as_ref().map(draft_row).transpose()?)
}

/// A draft inside the caller's transaction.
pub async fn draft_in(conn: &mut store::Conn, tenant: &str, id: &str) -> Result<Option<DraftRow>, Error> {
    let sql = format!("SELECT {DRAFT_COLUMNS} FROM drafts WHERE tenant = $1 AND id = $2");
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(draft_row).transpose()?)
}

/// Marks a draft registered with its case; false when it already was.
pub async fn register_draft(
    conn: &mut store::Conn,
    tenant: &str,
    id: &str,
    case_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE drafts SET status = 'registered', case_id = $1, registered_at = $2, body = NULL, code_hash = NULL
         WHERE tenant = $3 AND id = $4 AND status <> 'registered'",
    )
    .bind(case_id)
    .bind(at(now))
    .bind(tenant)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts one more try of a draft's one-time code; answers the tries made.
pub async fn count_code_attempt(conn: &mut store::Conn, tenant: &str, id: &str) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(
        "UPDATE drafts SET code_attempts = code_attempts + 1 WHERE tenant = $1 AND id = $2 RETURNING code_attempts",
    )
    .bind(tenant)
    .bind(id)
    .fetch_one(&mut *conn)
    .await?)
}

/// What a WeChat message became, if intake has taken it in: `(outcome, case_id)`.
pub async fn known_wechat_message(
    conn: &mut store::Conn,
    tenant: &str,
    msg_id: &str,
) -> Result<Option<(String, String)>, Error> {
    Ok(
        sqlx::query_as("SELECT outcome, case_id FROM wechat_messages WHERE tenant = $1 AND msg_id = $2")
            .bind(tenant)
            .bind(msg_id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Remembers a WeChat message.
pub async fn remember_wechat_message(
    conn: &mut store::Conn,
    tenant: &str,
    msg_id: &str,
    outcome: &str,
    case_id: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO wechat_messages (tenant, msg_id, outcome, case_id, recorded_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant)
    .bind(msg_id)
    .bind(outcome)
    .bind(case_id)
    .bind(at(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A number's cases, newest first, found by its blind index (never by decrypting).
pub async fn cases_by_phone(
    pool: &sqlx::AnyPool,
    tenant: &str,
    phone_index: &str,
    limit: i64,
) -> Result<Vec<CaseSummaryRow>, Error> {
    type Summary = (String, String, String, String, String, String, Option<String>);
    let rows: Vec<Summary> = sqlx::query_as(
        "SELECT id, case_number, status, kind, channel, received_at, category_code FROM cases
         WHERE tenant = $1 AND phone_index = $2 ORDER BY received_at DESC, id DESC LIMIT $3",
    )
    .bind(tenant)
    .bind(phone_index)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, case_number, status, kind, channel, received_at, category_code)| CaseSummaryRow {
                id,
                case_number,
                status,
                kind,
                channel,
                received_at,
                category_code,
            },
        )
        .collect())
}

/// A privacy-number binding made for a case.
#[derive(Debug, Clone)]
pub struct BindingRow {
    pub id: String,
    pub tenant: String,
    pub case_id: String,
    pub subscription_id: String,
    pub secret_no: String,
    pub expires_at: String,
    pub created_by: String,
    pub created_at: String,
}

/// Records a binding.
pub async fn insert_binding(conn: &mut store::Conn, row: &BindingRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO privacy_bindings (id, tenant, case_id, subscription_id, secret_no, expires_at, created_by,
            created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&row.id)
    .bind(&row.tenant)
    .bind(&row.case_id)
    .bind(&row.subscription_id)
    .bind(&row.secret_no)
    .bind(&row.expires_at)
    .bind(&row.created_by)
    .bind(&row.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
