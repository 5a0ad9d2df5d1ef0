//! The approved-answer library (口径库, decision 0005): what agents tell callers about a matter —
//! above all a mass event (a batch alert) — in both languages. Each version is proposed by one
//! member of staff and approved by another before agents see it; approving a version supersedes
//! the one before it; an answer no longer to be used is retired.

use sqlx::Row;
use store::{Backend, Db, Error as StoreError};

/// An answer's version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    pub answer_id: String,
    pub version: i64,
    /// A short label agents search by (`2026-12 某车型召回`).
    pub topic: String,
    /// The batch (routing's `batch.alerted`) it answers for, if any.
    pub batch_id: String,
    /// The catalog category it answers for, if any.
    pub category: String,
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    /// `proposed`, `approved`, `superseded` or `retired`.
    pub state: String,
    pub proposed_by: String,
    pub proposed_at: String,
    pub approved_by: String,
    pub approved_at: String,
}

/// Why a change to the library was refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A field breaks its rule (the field, the message).
    #[error("{0}: {1}")]
    Invalid(&'static str, String),
    #[error("answer {0} version {1} is not known")]
    NotFound(String, i64),
    /// The version is not in a state the change applies to (its state).
    #[error("the answer is {0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

const COLUMNS: &str = "answer_id, version, topic, batch_id, category, title_zh, title_en, body_zh, body_en, state, \
    proposed_by, proposed_at, approved_by, approved_at";

fn answer_of(row: &sqlx::any::AnyRow) -> Result<Answer, StoreError> {
    Ok(Answer {
        answer_id: row.try_get("answer_id")?,
        version: row.try_get("version")?,
        topic: row.try_get("topic")?,
        batch_id: row.try_get("batch_id")?,
        category: row.try_get("category")?,
        title_zh: row.try_get("title_zh")?,
        title_en: row.try_get("title_en")?,
        body_zh: row.try_get("body_zh")?,
        body_en: row.try_get("body_en")?,
        state: row.try_get("state")?,
        proposed_by: row.try_get("proposed_by")?,
        proposed_at: row.try_get("proposed_at")?,
        approved_by: row.try_get("approved_by")?,
        approved_at: row.try_get("approved_at")?,
    })
}

/// Checks a proposal's text: both languages, within their lengths.
pub fn check(answer: &Answer) -> Result<(), Error> {
    let fields: [(&'static str, &str, usize); 6] = [
        ("topic", &answer.topic, 100),
        ("title_zh", &answer.title_zh, 200),
        ("title_en", &answer.title_en, 200),
        ("body_zh", &answer.body_zh, 5000),
        ("body_en", &answer.body_en, 5000),
        ("category", &answer.category, 64),
    ];
    for (field, value, max) in fields {
        if field != "category" && value.trim().is_empty() {
            return Err(Error::Invalid(
                field,
                format!("{field}: required (an answer is kept in Chinese and English)"),
            ));
        }
        if value.chars().count() > max {
            return Err(Error::Invalid(field, format!("{field}: at most {max} characters")));
        }
    }
    if answer.batch_id.len() > 64 {
        return Err(Error::Invalid("batch_id", "batch_id: at most 64 characters".into()));
    }
    Ok(())
}

async fn lock(conn: &mut store::Conn, tenant: &str, answer_id: &str) -> Result<(), StoreError> {
    if Backend::of(conn) == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(1383, hashtext($1))")
            .bind(format!("{tenant}/{answer_id}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Records a proposal as the answer's next version (its first when the answer is new).
pub async fn propose(conn: &mut store::Conn, tenant: &str, mut answer: Answer) -> Result<Answer, Error> {
    check(&answer)?;
    lock(conn, tenant, &answer.answer_id).await?;
    let latest: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM answers WHERE tenant = $1 AND answer_id = $2")
            .bind(tenant)
            .bind(&answer.answer_id)
            .fetch_one(&mut *conn)
            .await
            .map_err(StoreError::from)?;
    answer.version = latest.unwrap_or(0) + 1;
    answer.state = "proposed".into();
    answer.approved_by = String::new();
    answer.approved_at = String::new();
    sqlx::query(&format!(
        "INSERT INTO answers (tenant, {COLUMNS}) VALUES ($13, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, '', '')"
    ))
    .bind(&answer.answer_id)
    .bind(answer.version)
    .bind(&answer.topic)
    .bind(&answer.batch_id)
    .bind(&answer.category)
    .bind(&answer.title_zh)
    .bind(&answer.title_en)
    .bind(&answer.body_zh)
    .bind(&answer.body_en)
    .bind(&answer.state)
    .bind(&answer.proposed_by)
    .bind(&answer.proposed_at)
    .bind(tenant)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from)?;
    Ok(answer)
}

async fn version(conn: &mut store::Conn, tenant: &str, answer_id: &str, version: i64) -> Result<Answer, Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM answers WHERE tenant = $1 AND answer_id = $2 AND version = $3"
    ))
    .bind(tenant)
    .bind(answer_id)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await
    .map_err(StoreError::from)?;
    match row {
        Some(row) => Ok(answer_of(&row)?),
        None => Err(Error::NotFound(answer_id.to_owned(), version)),
    }
}

/// Approves a proposed version — by someone other than its author — superseding the version
/// agents saw until now.
pub async fn approve(
    conn: &mut store::Conn,
    tenant: &str,
    answer_id: &str,
    number: i64,
    by: &str,
    at: &str,
) -> Result<Answer, Error> {
    lock(conn, tenant, answer_id).await?;
    let mut answer = version(conn, tenant, answer_id, number).await?;
    if answer.state != "proposed" {
        return Err(Error::Conflict(answer.state));
    }
    if answer.proposed_by == by {
        return Err(Error::Invalid(
            "approved_by",
            "approved_by: an answer is approved by someone other than the member of staff who proposed it".into(),
        ));
    }
    sqlx::query("UPDATE answers SET state = 'superseded' WHERE tenant = $1 AND answer_id = $2 AND state = 'approved'")
        .bind(tenant)
        .bind(answer_id)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::from)?;
    sqlx::query(
        "UPDATE answers SET state = 'approved', approved_by = $1, approved_at = $2
         WHERE tenant = $3 AND answer_id = $4 AND version = $5",
    )
    .bind(by)
    .bind(at)
    .bind(tenant)
    .bind(answer_id)
    .bind(number)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from)?;
    answer.state = "approved".into();
    answer.approved_by = by.to_owned();
    answer.approved_at = at.to_owned();
    Ok(answer)
}

/// Retires the approved version of an answer: agents no longer see it.
pub async fn retire(conn: &mut store::Conn, tenant: &str, answer_id: &str) -> Result<Answer, Error> {
    lock(conn, tenant, answer_id).await?;
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM answers WHERE tenant = $1 AND answer_id = $2 AND state = 'approved'"
    ))
    .bind(tenant)
    .bind(answer_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(StoreError::from)?;
    let Some(row) = row else {
        let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM answers WHERE tenant = $1 AND answer_id = $2")
            .bind(tenant)
            .bind(answer_id)
            .fetch_one(&mut *conn)
            .await
            .map_err(StoreError::from)?;
        return Err(if known == 0 {
            Error::NotFound(answer_id.to_owned(), 0)
        } else {
            Error::Conflict("not approved".into())
        });
    };
    let mut answer = answer_of(&row)?;
    sqlx::query("UPDATE answers SET state = 'retired' WHERE tenant = $1 AND answer_id = $2 AND version = $3")
        .bind(tenant)
        .bind(answer_id)
        .bind(answer.version)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::from)?;
    answer.state = "retired".into();
    Ok(answer)
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `approved` (what agents use) when empty.
    pub state: String,
    pub category: String,
    pub batch_id: String,
}

/// The tenant's answers in a state, newest first, narrowed to a category or batch.
pub async fn list(db: &Db, tenant: &str, filter: &Filter) -> Result<Vec<Answer>, StoreError> {
    let state = if filter.state.is_empty() {
        "approved"
    } else {
        filter.state.as_str()
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM answers WHERE tenant = $1 AND state = $2
            AND ($3 = '' OR category = $3) AND ($4 = '' OR batch_id = $4)
         ORDER BY proposed_at DESC, answer_id, version DESC LIMIT 500"
    ))
    .bind(tenant)
    .bind(state)
    .bind(&filter.category)
    .bind(&filter.batch_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(answer_of).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(by: &str) -> Answer {
        Answer {
            answer_id: "a1".into(),
            topic: "召回".into(),
            batch_id: "b1".into(),
            title_zh: "某车型召回口径".into(),
            title_en: "The recall answer".into(),
            body_zh: "该车型已列入召回计划，请客户携带行驶证到店免费检修。".into(),
            body_en: "The model is in the recall; customers bring the registration to a store for a free repair."
                .into(),
            proposed_by: by.into(),
            proposed_at: "2026-12-05T02:00:00Z".into(),
            ..Answer::default()
        }
    }

    #[tokio::test]
    async fn a_version_is_approved_by_another_and_supersedes_the_one_before() {
        let dir = tempfile::tempdir().expect("dir");
        let db = Db::open(
            &dir.path().join("n.db"),
            crate::store::MIGRATIONS,
            store::OpenOptions::default(),
        )
        .await
        .expect("opens");
        let mut tx = db.begin().await.expect("tx");
        let first = propose(&mut tx, "t", draft("agent-1")).await.expect("proposed");
        assert_eq!((first.version, first.state.as_str()), (1, "proposed"));
        let own = approve(&mut tx, "t", "a1", 1, "agent-1", "2026-12-05T03:00:00Z").await;
        assert!(matches!(own, Err(Error::Invalid("approved_by", _))), "{own:?}");
        approve(&mut tx, "t", "a1", 1, "sup-1", "2026-12-05T03:00:00Z")
            .await
            .expect("approved");
        let again = approve(&mut tx, "t", "a1", 1, "sup-2", "2026-12-05T03:00:00Z").await;
        assert!(
            matches!(again, Err(Error::Conflict(ref s)) if s == "approved"),
            "{again:?}"
        );
        let second = propose(&mut tx, "t", draft("agent-1")).await.expect("proposed");
        assert_eq!(second.version, 2);
        approve(&mut tx, "t", "a1", 2, "sup-1", "2026-12-05T04:00:00Z")
            .await
            .expect("approved");
        db.commit(tx).await.expect("commits");
        let approved = list(&db, "t", &Filter::default()).await.expect("lists");
        assert_eq!(approved.len(), 1);
        assert_eq!(approved[0].version, 2);
        let superseded = list(
            &db,
            "t",
            &Filter {
                state: "superseded".into(),
                ..Filter::default()
            },
        )
        .await
        .expect("lists");
        assert_eq!(superseded.iter().map(|a| a.version).collect::<Vec<_>>(), vec![1]);
        let mut tx = db.begin().await.expect("tx");
        retire(&mut tx, "t", "a1").await.expect("retired");
        db.commit(tx).await.expect("commits");
        assert!(list(&db, "t", &Filter::default()).await.expect("lists").is_empty());
    }

    #[test]
    fn a_proposal_needs_both_languages() {
        let mut answer = draft("a");
        answer.body_en = " ".into();
        assert!(matches!(check(&answer), Err(Error::Invalid("body_en", _))));
        answer.body_en = "x".repeat(5001);
        assert!(matches!(check(&answer), Err(Error::Invalid("body_en", _))));
    }
}
