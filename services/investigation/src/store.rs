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
    /// `open`, `met` or `breached`.
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
        "INSERT INTO files (case_id, tenant, status, unit, kind, policy, calendar_id, opened_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (case_id) DO NOTHING",
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
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// A case's file within a tenant.
pub async fn file(db: &Db, tenant: &str, case_id: &str) -> Result<Option<File>, Error> {
    let row = sqlx::query(
        "SELECT case_id, tenant, status, unit, kind, policy, calendar_id, opened_at, version
         FROM files WHERE case_id = $1 AND tenant = $2",
    )
    .bind(case_id)
    .bind(tenant)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| -> Result<File, Error> {
        Ok(File {
            case_id: row.try_get("case_id")?,
            tenant: row.try_get("tenant")?,
            status: row.try_get("status")?,
            unit: row.try_get("unit")?,
            kind: row.try_get("kind")?,
            policy: row.try_get("policy")?,
            calendar_id: row.try_get("calendar_id")?,
            opened_at: row.try_get("opened_at")?,
            version: row.try_get("version")?,
        })
    })
    .transpose()
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
