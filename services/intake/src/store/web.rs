//! The web and app channel's SQL (decision 0008): receipt codes, attachments, the status page's
//! challenges and sessions, questions to the complainant.

use sqlx::Row;
use store::Error;

/// An attachment as intake records it (the file name encrypted; the bytes in the object store).
#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub id: String,
    pub tenant: String,
    pub case_id: String,
    pub channel: String,
    pub file_name: Vec<u8>,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub object_path: String,
    pub stored_at: String,
}

/// A one-time code sent for the status page (its code as a keyed hash).
#[derive(Debug, Clone)]
pub struct ChallengeRow {
    pub id: String,
    pub tenant: String,
    pub case_number_ref: String,
    pub case_id: Option<String>,
    pub code_hash: String,
    pub created_at: String,
    pub expires_at: String,
    pub attempts: i64,
    pub used_at: Option<String>,
}

/// A question to the complainant (texts encrypted).
#[derive(Debug, Clone)]
pub struct QuestionRow {
    pub tenant: String,
    pub case_id: String,
    pub n: i64,
    pub asked_by: String,
    pub asked_at: String,
    pub question: Vec<u8>,
    pub answer: Option<Vec<u8>>,
    pub answered_at: Option<String>,
}

/// Remembers an anonymous case's receipt code (its keyed hash) and its last four characters.
pub async fn insert_receipt(
    conn: &mut store::Conn,
    tenant: &str,
    receipt_ref: &str,
    case_id: &str,
    hint: &str,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO receipts (tenant, receipt_ref, case_id, hint) VALUES ($1, $2, $3, $4)")
        .bind(tenant)
        .bind(receipt_ref)
        .bind(case_id)
        .bind(hint)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The last four characters of a case's receipt code; empty when it has none.
pub async fn receipt_hint(conn: &mut store::Conn, tenant: &str, case_id: &str) -> Result<String, Error> {
    let hint: Option<String> = sqlx::query_scalar("SELECT hint FROM receipts WHERE tenant = $1 AND case_id = $2")
        .bind(tenant)
        .bind(case_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(hint.unwrap_or_default())
}

/// The case a receipt code belongs to.
pub async fn case_of_receipt(conn: &mut store::Conn, tenant: &str, receipt_ref: &str) -> Result<Option<String>, Error> {
    Ok(
        sqlx::query_scalar("SELECT case_id FROM receipts WHERE tenant = $1 AND receipt_ref = $2")
            .bind(tenant)
            .bind(receipt_ref)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Records an attachment.
pub async fn insert_attachment(conn: &mut store::Conn, row: &AttachmentRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO attachments (id, tenant, case_id, channel, file_name, content_type, size, sha256, object_path,
            stored_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&row.id)
    .bind(&row.tenant)
    .bind(&row.case_id)
    .bind(&row.channel)
    .bind(&row.file_name)
    .bind(&row.content_type)
    .bind(row.size)
    .bind(&row.sha256)
    .bind(&row.object_path)
    .bind(&row.stored_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn attachment(row: &sqlx::any::AnyRow) -> Result<AttachmentRow, sqlx::Error> {
    Ok(AttachmentRow {
        id: row.try_get("id")?,
        tenant: row.try_get("tenant")?,
        case_id: row.try_get("case_id")?,
        channel: row.try_get("channel")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        object_path: row.try_get("object_path")?,
        stored_at: row.try_get("stored_at")?,
    })
}

const ATTACHMENT_COLUMNS: &str =
    "id, tenant, case_id, channel, file_name, content_type, size, sha256, object_path, stored_at";

/// A case's attachments, in the order they were stored.
pub async fn attachments(pool: &sqlx::AnyPool, tenant: &str, case_id: &str) -> Result<Vec<AttachmentRow>, Error> {
    let sql = format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE tenant = $1 AND case_id = $2 ORDER BY stored_at, id"
    );
    let rows = sqlx::query(&sql).bind(tenant).bind(case_id).fetch_all(pool).await?;
    Ok(rows.iter().map(attachment).collect::<Result<_, _>>()?)
}

/// One attachment of a case.
pub async fn attachment_of(
    pool: &sqlx::AnyPool,
    tenant: &str,
    case_id: &str,
    id: &str,
) -> Result<Option<AttachmentRow>, Error> {
    let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE tenant = $1 AND case_id = $2 AND id = $3");
    let row = sqlx::query(&sql)
        .bind(tenant)
        .bind(case_id)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(attachment).transpose()?)
}

/// `(id, case_id, phone-bearing personal data)` of a case by its case number.
pub async fn case_by_number(
    conn: &mut store::Conn,
    tenant: &str,
    case_number: &str,
) -> Result<Option<(String, Option<Vec<u8>>)>, Error> {
    Ok(
        sqlx::query_as("SELECT id, personal_data FROM cases WHERE tenant = $1 AND case_number = $2")
            .bind(tenant)
            .bind(case_number)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// How many challenges were asked for a case number since `since`.
pub async fn challenges_since(
    conn: &mut store::Conn,
    tenant: &str,
    case_number_ref: &str,
    since: &str,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM status_challenges WHERE tenant = $1 AND case_number_ref = $2 AND created_at >= $3",
    )
    .bind(tenant)
    .bind(case_number_ref)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?)
}

/// Records a challenge.
pub async fn insert_challenge(conn: &mut store::Conn, row: &ChallengeRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO status_challenges (id, tenant, case_number_ref, case_id, code_hash, created_at, expires_at,
            attempts, used_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&row.id)
    .bind(&row.tenant)
    .bind(&row.case_number_ref)
    .bind(&row.case_id)
    .bind(&row.code_hash)
    .bind(&row.created_at)
    .bind(&row.expires_at)
    .bind(row.attempts)
    .bind(&row.used_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A challenge by id.
pub async fn challenge(conn: &mut store::Conn, tenant: &str, id: &str) -> Result<Option<ChallengeRow>, Error> {
    let row = sqlx::query(
        "SELECT id, tenant, case_number_ref, case_id, code_hash, created_at, expires_at, attempts, used_at
         FROM status_challenges WHERE tenant = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let read = |row: &sqlx::any::AnyRow| -> Result<ChallengeRow, sqlx::Error> {
        Ok(ChallengeRow {
            id: row.try_get("id")?,
            tenant: row.try_get("tenant")?,
            case_number_ref: row.try_get("case_number_ref")?,
            case_id: row.try_get("case_id")?,
            code_hash: row.try_get("code_hash")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
            attempts: row.try_get("attempts")?,
            used_at: row.try_get("used_at")?,
        })
    };
    Ok(row.as_ref().map(read).transpose()?)
}

/// Counts a wrong code against a challenge.
pub async fn count_attempt(conn: &mut store::Conn, tenant: &str, id: &str) -> Result<(), Error> {
    sqlx::query("UPDATE status_challenges SET attempts = attempts + 1 WHERE tenant = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks a challenge used, once: false when it was used meanwhile.
pub async fn use_challenge(conn: &mut store::Conn, tenant: &str, id: &str, at: &str) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE status_challenges SET used_at = $1, attempts = attempts + 1
         WHERE tenant = $2 AND id = $3 AND used_at IS NULL",
    )
    .bind(at)
    .bind(tenant)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Opens a status session.
#[allow(clippy::too_many_arguments)]
pub async fn insert_session(
    conn: &mut store::Conn,
    token_hash: &str,
    tenant: &str,
    case_id: &str,
    opened_by: &str,
    created_at: &str,
    expires_at: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO status_sessions (token_hash, tenant, case_id, opened_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(tenant)
    .bind(case_id)
    .bind(opened_by)
    .bind(created_at)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The case of a session still open at `now`.
pub async fn session_case(
    conn: &mut store::Conn,
    tenant: &str,
    token_hash: &str,
    now: &str,
) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT case_id FROM status_sessions WHERE tenant = $1 AND token_hash = $2 AND expires_at > $3",
    )
    .bind(tenant)
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?)
}

/// `(case number, anonymous, status)` of a case.
pub async fn case_facts(
    conn: &mut store::Conn,
    tenant: &str,
    case_id: &str,
) -> Result<Option<(String, bool, String)>, Error> {
    let row = sqlx::query("SELECT case_number, anonymous, status FROM cases WHERE tenant = $1 AND id = $2")
        .bind(tenant)
        .bind(case_id)
        .fetch_optional(&mut *conn)
        .await?;
    let read = |row: &sqlx::any::AnyRow| -> Result<(String, bool, String), sqlx::Error> {
        Ok((
            row.try_get("case_number")?,
            store::flag(row, "anonymous")?,
            row.try_get("status")?,
        ))
    };
    Ok(row.as_ref().map(read).transpose()?)
}

fn question(row: &sqlx::any::AnyRow) -> Result<QuestionRow, sqlx::Error> {
    Ok(QuestionRow {
        tenant: row.try_get("tenant")?,
        case_id: row.try_get("case_id")?,
        n: row.try_get("n")?,
        asked_by: row.try_get("asked_by")?,
        asked_at: row.try_get("asked_at")?,
        question: row.try_get("question")?,
        answer: row.try_get("answer")?,
        answered_at: row.try_get("answered_at")?,
    })
}

/// A case's questions, first asked first.
pub async fn questions(conn: &mut store::Conn, tenant: &str, case_id: &str) -> Result<Vec<QuestionRow>, Error> {
    let rows = sqlx::query(
        "SELECT tenant, case_id, n, asked_by, asked_at, question, answer, answered_at
         FROM questions WHERE tenant = $1 AND case_id = $2 ORDER BY n",
    )
    .bind(tenant)
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(question).collect::<Result<_, _>>()?)
}

/// Records a question.
pub async fn insert_question(conn: &mut store::Conn, row: &QuestionRow) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO questions (tenant, case_id, n, asked_by, asked_at, question, answer, answered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&row.tenant)
    .bind(&row.case_id)
    .bind(row.n)
    .bind(&row.asked_by)
    .bind(&row.asked_at)
    .bind(&row.question)
    .bind(&row.answer)
    .bind(&row.answered_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records the answer to an unanswered question: false when it was answered meanwhile.
pub async fn answer_question(
    conn: &mut store::Conn,
    tenant: &str,
    case_id: &str,
    n: i64,
    answer: &[u8],
    at: &str,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "UPDATE questions SET answer = $1, answered_at = $2
         WHERE tenant = $3 AND case_id = $4 AND n = $5 AND answered_at IS NULL",
    )
    .bind(answer)
    .bind(at)
    .bind(tenant)
    .bind(case_id)
    .bind(n)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
