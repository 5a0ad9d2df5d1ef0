//! Investigation's SQL.

use sqlx::Row;
use store::{Db, Error, Migration};

/// Investigation's migrations (after the platform's).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 100,
        name: "investigation",
        sqlite: include_str!("../migrations/sqlite/0100_investigation.sql"),
        postgres: include_str!("../migrations/postgres/0100_investigation.sql"),
    },
    Migration {
        version: 101,
        name: "deadlines_and_timers",
        sqlite: include_str!("../migrations/sqlite/0101_deadlines_and_timers.sql"),
        postgres: include_str!("../migrations/postgres/0101_deadlines_and_timers.sql"),
    },
    Migration {
        version: 102,
        name: "handler",
        sqlite: include_str!("../migrations/sqlite/0102_handler.sql"),
        postgres: include_str!("../migrations/postgres/0102_handler.sql"),
    },
    Migration {
        version: 103,
        name: "casework",
        sqlite: include_str!("../migrations/sqlite/0103_casework.sql"),
        postgres: include_str!("../migrations/postgres/0103_casework.sql"),
    },
    Migration {
        version: 104,
        name: "directories",
        sqlite: include_str!("../migrations/sqlite/0104_directories.sql"),
        postgres: include_str!("../migrations/postgres/0104_directories.sql"),
    },
];

/// A case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub case_id: String,
    pub tenant: String,
    pub status: String,
    pub unit: String,
    pub kind: String,
    pub policy: String,
    pub calendar_id: String,
    pub opened_at: String,
    pub version: i64,
    /// The unit that reviews the result before the complainant is told, if any.
    pub review_unit: Option<String>,
    /// The complainant left no channel back.
    pub anonymous: bool,
}

/// A deadline of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineRow {
    pub case_id: String,
    pub tenant: String,
    /// `first_contact`, `resolution`, …
    pub kind: String,
    pub policy: String,
    pub calendar_id: String,
    pub started_at: String,
    pub due_at: String,
    pub provisional: bool,
    /// `open`, `paused` (a return stopped its clock), `met`, `breached` or `cancelled`.
    pub state: String,
    pub version: i64,
}

/// A timer: at `fire_at`, warn (fraction < 1) or declare a breach (fraction 1).
#[derive(Debug, Clone, PartialEq)]
pub struct TimerRow {
    pub id: String,
    pub tenant: String,
    pub case_id: String,
    pub deadline_kind: String,
    pub deadline_version: i64,
    pub fraction: f64,
    pub fire_at: String,
}

/// Moves a file along routing's dispatch loop: its status, the unit when a re-dispatch names
/// one, the handler when a member of staff took it. The file's version stays: routing's part of
/// the case's version already moved for the same change, and an `If-Match` taken from routing's
/// answer must not turn stale when investigation catches up.
pub async fn follow(
    conn: &mut store::Conn,
    case_id: &str,
    status: &str,
    unit: Option<&str>,
    handler: Option<&str>,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE files SET status = $1, unit = COALESCE($2, unit), handler = COALESCE($3, handler)
         WHERE case_id = $4",
    )
    .bind(status)
    .bind(unit)
    .bind(handler)
    .bind(case_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Opens a file; returns false when the case already has one.
pub async fn open_file(conn: &mut store::Conn, file: &File) -> Result<bool, Error> {
    let inserted = sqlx::query(
        "INSERT INTO files (case_id, tenant, status, unit, kind, policy, calendar_id, opened_at, version,
                            review_unit, anonymous)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(&file.case_id)
    .bind(&file.tenant)
    .bind(&file.status)
    .bind(&file.unit)
    .bind(&file.kind)
    .bind(&file.policy)
    .bind(&file.calendar_id)
    .bind(&file.opened_at)
    .bind(file.version)
    .bind(&file.review_unit)
    .bind(i64::from(file.anonymous))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Inserts a deadline and the timers armed for it.
pub async fn insert_deadline(conn: &mut store::Conn, deadline: &DeadlineRow, timers: &[TimerRow]) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO deadlines (case_id, tenant, kind, policy, calendar_id, started_at, due_at, provisional, state, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&deadline.case_id)
    .bind(&deadline.tenant)
    .bind(&deadline.kind)
    .bind(&deadline.policy)
    .bind(&deadline.calendar_id)
    .bind(&deadline.started_at)
    .bind(&deadline.due_at)
    .bind(i64::from(deadline.provisional))
    .bind(&deadline.state)
    .bind(deadline.version)
    .execute(&mut *conn)
    .await?;
    arm(conn, timers).await
}

/// Moves a deadline from the version before `deadline.version` to it, supersedes the timers of
/// its earlier versions and arms the new ones. Returns false, writing nothing, when the stored
/// version is no longer the one before (another replica moved it first).
pub async fn move_deadline(conn: &mut store::Conn, deadline: &DeadlineRow, timers: &[TimerRow]) -> Result<bool, Error> {
    let moved = sqlx::query(
        "UPDATE deadlines SET due_at = $1, provisional = $2, version = $3
         WHERE case_id = $4 AND kind = $5 AND version = $6",
    )
    .bind(&deadline.due_at)
    .bind(i64::from(deadline.provisional))
    .bind(deadline.version)
    .bind(&deadline.case_id)
    .bind(&deadline.kind)
    .bind(deadline.version - 1)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if moved == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE timers SET state = 'superseded'
         WHERE case_id = $1 AND deadline_kind = $2 AND deadline_version < $3 AND state = 'armed'",
    )
    .bind(&deadline.case_id)
    .bind(&deadline.kind)
    .bind(deadline.version)
    .execute(&mut *conn)
    .await?;
    arm(conn, timers).await?;
    Ok(true)
}

async fn arm(conn: &mut store::Conn, timers: &[TimerRow]) -> Result<(), Error> {
    for timer in timers {
        sqlx::query(
            "INSERT INTO timers (id, tenant, case_id, deadline_kind, deadline_version, fraction, fire_at, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'armed')",
        )
        .bind(&timer.id)
        .bind(&timer.tenant)
        .bind(&timer.case_id)
        .bind(&timer.deadline_kind)
        .bind(timer.deadline_version)
        .bind(timer.fraction)
        .bind(&timer.fire_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn deadline_row(row: &sqlx::any::AnyRow) -> Result<DeadlineRow, sqlx::Error> {
    Ok(DeadlineRow {
        case_id: row.try_get("case_id")?,
        tenant: row.try_get("tenant")?,
        kind: row.try_get("kind")?,
        policy: row.try_get("policy")?,
        calendar_id: row.try_get("calendar_id")?,
        started_at: row.try_get("started_at")?,
        due_at: row.try_get("due_at")?,
        provisional: store::flag(row, "provisional")?,
        state: row.try_get("state")?,
        version: row.try_get("version")?,
    })
}

const DEADLINE_COLUMNS: &str =
    "case_id, tenant, kind, policy, calendar_id, started_at, due_at, provisional, state, version";

/// A case's deadlines, by kind.
pub async fn deadlines_of(db: &Db, tenant: &str, case_id: &str) -> Result<Vec<DeadlineRow>, Error> {
    let sql = format!("SELECT {DEADLINE_COLUMNS} FROM deadlines WHERE case_id = $1 AND tenant = $2 ORDER BY due_at");
    let rows = sqlx::query(&sql)
        .bind(case_id)
        .bind(tenant)
        .fetch_all(db.reader())
        .await?;
    Ok(rows.iter().map(deadline_row).collect::<Result<_, _>>()?)
}

/// Every open deadline still marked provisional.
pub async fn open_provisional_deadlines(db: &Db) -> Result<Vec<DeadlineRow>, Error> {
    let sql = format!("SELECT {DEADLINE_COLUMNS} FROM deadlines WHERE provisional = 1 AND state = 'open'");
    let rows = sqlx::query(&sql).fetch_all(db.reader()).await?;
    Ok(rows.iter().map(deadline_row).collect::<Result<_, _>>()?)
}

/// Takes up to `limit` armed timers due at `now`, inside the caller's transaction. On
/// PostgreSQL the rows are locked `FOR UPDATE SKIP LOCKED`, so replicas firing at once take
/// disjoint timers and each fires once.
pub async fn due_timers(conn: &mut store::Conn, now: &str, limit: i64) -> Result<Vec<TimerRow>, Error> {
    let lock = match store::Backend::of(conn) {
        store::Backend::Sqlite => "",
        store::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "SELECT id, tenant, case_id, deadline_kind, deadline_version, fraction, fire_at FROM timers
         WHERE state = 'armed' AND fire_at <= $1 ORDER BY fire_at LIMIT $2{lock}"
    );
    let rows = sqlx::query(&sql).bind(now).bind(limit).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| -> Result<TimerRow, Error> {
            Ok(TimerRow {
                id: row.try_get("id")?,
                tenant: row.try_get("tenant")?,
                case_id: row.try_get("case_id")?,
                deadline_kind: row.try_get("deadline_kind")?,
                deadline_version: row.try_get("deadline_version")?,
                fraction: row.try_get("fraction")?,
                fire_at: row.try_get("fire_at")?,
            })
        })
        .collect()
}

/// The deadline a timer belongs to, read inside the caller's transaction.
pub async fn deadline_in(conn: &mut store::Conn, case_id: &str, kind: &str) -> Result<Option<DeadlineRow>, Error> {
    let sql = format!("SELECT {DEADLINE_COLUMNS} FROM deadlines WHERE case_id = $1 AND kind = $2");
    let row = sqlx::query(&sql)
        .bind(case_id)
        .bind(kind)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(deadline_row).transpose()?)
}

/// Marks a timer fired or superseded, and a breached deadline as such.
pub async fn settle_timer(conn: &mut store::Conn, timer: &TimerRow, state: &str, now: &str) -> Result<(), Error> {
    sqlx::query("UPDATE timers SET state = $1, fired_at = $2 WHERE id = $3 AND state = 'armed'")
        .bind(state)
        .bind(now)
        .bind(&timer.id)
        .execute(&mut *conn)
        .await?;
    if state == "fired" && timer.fraction >= 1.0 {
        sqlx::query("UPDATE deadlines SET state = 'breached' WHERE case_id = $1 AND kind = $2 AND state = 'open'")
            .bind(&timer.case_id)
            .bind(&timer.deadline_kind)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The file as the casework reads and moves it (decision 0004): the status and what the
/// lifecycle's guards read besides the counts of records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Casefile {
    pub case_id: String,
    pub tenant: String,
    pub status: String,
    pub unit: String,
    pub kind: String,
    pub policy: String,
    pub calendar_id: String,
    pub opened_at: String,
    pub version: i64,
    pub handler: Option<String>,
    pub review_unit: Option<String>,
    pub anonymous: bool,
    pub first_contact_at: Option<String>,
    /// Failed callback attempts since the last result notice.
    pub callback_attempts: i64,
    /// Reopens and escalations after a dissatisfied callback.
    pub reopen_count: i64,
    /// The named person a finding is against, once one is.
    pub against_staff: Option<String>,
    pub closing_reason: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
}

const CASEFILE_COLUMNS: &str = "case_id, tenant, status, unit, kind, policy, calendar_id, opened_at, version, handler,
    review_unit, anonymous, first_contact_at, callback_attempts, reopen_count, against_staff, closing_reason,
    resolved_at, closed_at";

fn casefile_row(row: &sqlx::any::AnyRow) -> Result<Casefile, sqlx::Error> {
    Ok(Casefile {
        case_id: row.try_get("case_id")?,
        tenant: row.try_get("tenant")?,
        status: row.try_get("status")?,
        unit: row.try_get("unit")?,
        kind: row.try_get("kind")?,
        policy: row.try_get("policy")?,
        calendar_id: row.try_get("calendar_id")?,
        opened_at: row.try_get("opened_at")?,
        version: row.try_get("version")?,
        handler: row.try_get("handler")?,
        review_unit: row.try_get("review_unit")?,
        anonymous: store::flag(row, "anonymous")?,
        first_contact_at: row.try_get("first_contact_at")?,
        callback_attempts: row.try_get("callback_attempts")?,
        reopen_count: row.try_get("reopen_count")?,
        against_staff: row.try_get("against_staff")?,
        closing_reason: row.try_get("closing_reason")?,
        resolved_at: row.try_get("resolved_at")?,
        closed_at: row.try_get("closed_at")?,
    })
}

/// A case's file as the casework sees it.
pub async fn casefile(db: &Db, tenant: &str, case_id: &str) -> Result<Option<Casefile>, Error> {
    let sql = format!("SELECT {CASEFILE_COLUMNS} FROM files WHERE case_id = $1 AND tenant = $2");
    let row = sqlx::query(&sql)
        .bind(case_id)
        .bind(tenant)
        .fetch_optional(db.reader())
        .await?;
    Ok(row.as_ref().map(casefile_row).transpose()?)
}

/// A case's file read inside the caller's transaction and, on PostgreSQL, locked until it ends
/// (SQLite's write transaction already excludes every other writer).
pub async fn casefile_for_update(
    conn: &mut store::Conn,
    tenant: &str,
    case_id: &str,
) -> Result<Option<Casefile>, Error> {
    let lock = match store::Backend::of(conn) {
        store::Backend::Sqlite => "",
        store::Backend::Postgres => " FOR UPDATE",
    };
    let sql = format!("SELECT {CASEFILE_COLUMNS} FROM files WHERE case_id = $1 AND tenant = $2{lock}");
    let row = sqlx::query(&sql)
        .bind(case_id)
        .bind(tenant)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(casefile_row).transpose()?)
}

/// Writes the file's casework state as the next version; false, writing nothing, when the
/// stored version is not `file.version - 1` any more.
pub async fn save_casefile(conn: &mut store::Conn, file: &Casefile) -> Result<bool, Error> {
    let saved = sqlx::query(
        "UPDATE files SET status = $1, handler = $2, first_contact_at = $3, callback_attempts = $4,
             reopen_count = $5, against_staff = $6, closing_reason = $7, resolved_at = $8, closed_at = $9,
             version = $10
         WHERE case_id = $11 AND version = $12",
    )
    .bind(&file.status)
    .bind(&file.handler)
    .bind(&file.first_contact_at)
    .bind(file.callback_attempts)
    .bind(file.reopen_count)
    .bind(&file.against_staff)
    .bind(&file.closing_reason)
    .bind(&file.resolved_at)
    .bind(&file.closed_at)
    .bind(file.version)
    .bind(&file.case_id)
    .bind(file.version - 1)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(saved == 1)
}

/// One record of the casework (see migration 0103).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub case_id: String,
    pub tenant: String,
    pub kind: String,
    pub n: i64,
    pub state: String,
    pub actor: String,
    pub at: String,
    pub due_at: Option<String>,
    pub subject: Option<String>,
    pub link: Option<String>,
    pub level: Option<String>,
    /// The reopen round it belongs to (0 before any reopen).
    pub round: i64,
    pub body: serde_json::Value,
}

const RECORD_COLUMNS: &str =
    "case_id, tenant, kind, n, state, actor, at, due_at, subject, link, level, round, body_json";

fn record_row(row: &sqlx::any::AnyRow) -> Result<Record, Error> {
    let body: String = row.try_get("body_json")?;
    Ok(Record {
        case_id: row.try_get("case_id")?,
        tenant: row.try_get("tenant")?,
        kind: row.try_get("kind")?,
        n: row.try_get("n")?,
        state: row.try_get("state")?,
        actor: row.try_get("actor")?,
        at: row.try_get("at")?,
        due_at: row.try_get("due_at")?,
        subject: row.try_get("subject")?,
        link: row.try_get("link")?,
        level: row.try_get("level")?,
        round: row.try_get("round")?,
        body: serde_json::from_str(&body).map_err(|e| Error::Corrupt(format!("record body: {e}")))?,
    })
}

/// The next number of a kind of record on a case (1 for the first).
pub async fn next_record(conn: &mut store::Conn, case_id: &str, kind: &str) -> Result<i64, Error> {
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(n) FROM records WHERE case_id = $1 AND kind = $2")
        .bind(case_id)
        .bind(kind)
        .fetch_one(&mut *conn)
        .await?;
    Ok(last.unwrap_or(0) + 1)
}

/// Stores a record.
pub async fn insert_record(conn: &mut store::Conn, record: &Record) -> Result<(), Error> {
    let sql = format!(
        "INSERT INTO records ({RECORD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    );
    sqlx::query(&sql)
        .bind(&record.case_id)
        .bind(&record.tenant)
        .bind(&record.kind)
        .bind(record.n)
        .bind(&record.state)
        .bind(&record.actor)
        .bind(&record.at)
        .bind(&record.due_at)
        .bind(&record.subject)
        .bind(&record.link)
        .bind(&record.level)
        .bind(record.round)
        .bind(record.body.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A case's records inside the caller's transaction, by kind and number.
pub async fn records_in(conn: &mut store::Conn, case_id: &str) -> Result<Vec<Record>, Error> {
    let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE case_id = $1 ORDER BY kind, n");
    let rows = sqlx::query(&sql).bind(case_id).fetch_all(&mut *conn).await?;
    rows.iter().map(record_row).collect()
}

/// A case's records, by kind and number.
pub async fn records(db: &Db, tenant: &str, case_id: &str) -> Result<Vec<Record>, Error> {
    let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE case_id = $1 AND tenant = $2 ORDER BY kind, n");
    let rows = sqlx::query(&sql)
        .bind(case_id)
        .bind(tenant)
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(record_row).collect()
}

/// Moves a record from one state to another; false when it was not in `from`.
pub async fn move_record(
    conn: &mut store::Conn,
    case_id: &str,
    kind: &str,
    n: i64,
    from: &str,
    to: &str,
    body: &serde_json::Value,
) -> Result<bool, Error> {
    let moved = sqlx::query(
        "UPDATE records SET state = $1, body_json = $2 WHERE case_id = $3 AND kind = $4 AND n = $5 AND state = $6",
    )
    .bind(to)
    .bind(body.to_string())
    .bind(case_id)
    .bind(kind)
    .bind(n)
    .bind(from)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(moved == 1)
}

/// Settles a case's open or paused deadlines of the given kinds (all when `kinds` is empty) as
/// `state` (`met` or `cancelled`); their armed timers are then superseded when they come due.
pub async fn settle_deadlines(conn: &mut store::Conn, case_id: &str, kinds: &[&str], state: &str) -> Result<(), Error> {
    if kinds.is_empty() {
        sqlx::query("UPDATE deadlines SET state = $1 WHERE case_id = $2 AND state IN ('open', 'paused')")
            .bind(state)
            .bind(case_id)
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    for kind in kinds {
        sqlx::query("UPDATE deadlines SET state = $1 WHERE case_id = $2 AND kind = $3 AND state IN ('open', 'paused')")
            .bind(state)
            .bind(case_id)
            .bind(kind)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Pauses a case's open deadline of `kind`: its state becomes `paused` and its armed timers are
/// superseded, so nothing warns or breaches until it is planned again. False when it was not open.
pub async fn pause_deadline(conn: &mut store::Conn, case_id: &str, kind: &str) -> Result<bool, Error> {
    let paused =
        sqlx::query("UPDATE deadlines SET state = 'paused' WHERE case_id = $1 AND kind = $2 AND state = 'open'")
            .bind(case_id)
            .bind(kind)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    if paused == 0 {
        return Ok(false);
    }
    sqlx::query("UPDATE timers SET state = 'superseded' WHERE case_id = $1 AND deadline_kind = $2 AND state = 'armed'")
        .bind(case_id)
        .bind(kind)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// Opens again a case's deadline of `kind` that was met (a result sent back for rework); its
/// timers not yet due still fire.
pub async fn reopen_deadline(conn: &mut store::Conn, case_id: &str, kind: &str) -> Result<(), Error> {
    sqlx::query("UPDATE deadlines SET state = 'open' WHERE case_id = $1 AND kind = $2 AND state = 'met'")
        .bind(case_id)
        .bind(kind)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Sets a deadline: inserts it, or replaces the stored one of the same kind as its next version
/// (open again, new due instant), superseding the timers armed for earlier versions.
pub async fn put_deadline(conn: &mut store::Conn, deadline: &DeadlineRow, timers: &[TimerRow]) -> Result<i64, Error> {
    let current: Option<i64> = sqlx::query_scalar("SELECT version FROM deadlines WHERE case_id = $1 AND kind = $2")
        .bind(&deadline.case_id)
        .bind(&deadline.kind)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(current) = current else {
        insert_deadline(conn, deadline, timers).await?;
        return Ok(deadline.version);
    };
    let version = current + 1;
    sqlx::query(
        "UPDATE deadlines SET policy = $1, started_at = $2, due_at = $3, provisional = $4, state = 'open', version = $5
         WHERE case_id = $6 AND kind = $7",
    )
    .bind(&deadline.policy)
    .bind(&deadline.started_at)
    .bind(&deadline.due_at)
    .bind(i64::from(deadline.provisional))
    .bind(version)
    .bind(&deadline.case_id)
    .bind(&deadline.kind)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE timers SET state = 'superseded' WHERE case_id = $1 AND deadline_kind = $2 AND state = 'armed'")
        .bind(&deadline.case_id)
        .bind(&deadline.kind)
        .execute(&mut *conn)
        .await?;
    let timers: Vec<TimerRow> = timers
        .iter()
        .map(|t| TimerRow {
            deadline_version: version,
            ..t.clone()
        })
        .collect();
    arm(conn, &timers).await?;
    Ok(version)
}

/// The hearings of one member of staff on a case, and the findings about them.
pub async fn about_staff(db: &Db, tenant: &str, case_id: &str, staff: &str) -> Result<Vec<Record>, Error> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM records
         WHERE case_id = $1 AND tenant = $2 AND subject = $3 AND kind IN ('hearing', 'finding') ORDER BY kind, n"
    );
    let rows = sqlx::query(&sql)
        .bind(case_id)
        .bind(tenant)
        .bind(staff)
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(record_row).collect()
}
