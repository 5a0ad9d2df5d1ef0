//! Analytics' SQL.

use std::collections::BTreeMap;

use futures::TryStreamExt as _;
use sqlx::Row;
use store::{Db, Error, Migration};

use crate::figures::{CaseRow, Denominator};

/// Analytics' migrations (after the platform's).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 100,
        name: "analytics",
        sqlite: include_str!("../migrations/sqlite/0100_analytics.sql"),
        postgres: include_str!("../migrations/postgres/0100_analytics.sql"),
    },
    Migration {
        version: 101,
        name: "inspections",
        sqlite: include_str!("../migrations/sqlite/0101_inspections.sql"),
        postgres: include_str!("../migrations/postgres/0101_inspections.sql"),
    },
    Migration {
        version: 102,
        name: "facts",
        sqlite: include_str!("../migrations/sqlite/0102_facts.sql"),
        postgres: include_str!("../migrations/postgres/0102_facts.sql"),
    },
    Migration {
        version: 103,
        name: "mass_events",
        sqlite: include_str!("../migrations/sqlite/0103_mass_events.sql"),
        postgres: include_str!("../migrations/postgres/0103_mass_events.sql"),
    },
    Migration {
        version: 104,
        name: "filings",
        sqlite: include_str!("../migrations/sqlite/0104_filings.sql"),
        postgres: include_str!("../migrations/postgres/0104_filings.sql"),
    },
    Migration {
        version: 105,
        name: "case_number",
        sqlite: include_str!("../migrations/sqlite/0105_case_number.sql"),
        postgres: include_str!("../migrations/postgres/0105_case_number.sql"),
    },
];

/// What one event changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    Facts(Box<FactUpdate>),
    Inspection(Inspection),
    /// A successful callback's scores by dimension.
    Scores {
        n: i64,
        scores: Vec<(String, i64)>,
    },
    /// The tenant's organisation document as published.
    Organisation {
        version: i64,
        body_json: String,
    },
}

/// A quality inspection of a closed case.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    pub tenant: String,
    /// The inspection's number on the case.
    pub n: i64,
    pub unit: String,
    pub passed: bool,
    /// The mean of its scores (0–100), when scored.
    pub score: Option<f64>,
    pub at: String,
    pub day: String,
}

/// Records an inspection once (a redelivered event changes nothing).
pub async fn add_inspection(conn: &mut store::Conn, case_id: &str, inspection: &Inspection) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO inspections (case_id, n, tenant, unit, passed, score, at, day)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (case_id, n) DO NOTHING",
    )
    .bind(case_id)
    .bind(inspection.n)
    .bind(&inspection.tenant)
    .bind(&inspection.unit)
    .bind(i64::from(inspection.passed))
    .bind(inspection.score)
    .bind(&inspection.at)
    .bind(&inspection.day)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Inspections of one unit in a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitInspections {
    pub inspected: u64,
    pub passed: u64,
    pub scored: u64,
    pub score_total: f64,
}

/// Inspections held between two local days (inclusive) by unit, optionally of one unit.
pub async fn inspections(
    db: &Db,
    tenant: &str,
    from: &str,
    to: &str,
    unit: Option<&str>,
) -> Result<BTreeMap<String, UnitInspections>, Error> {
    let rows = sqlx::query(
        "SELECT unit, passed, score FROM inspections
         WHERE tenant = $1 AND day BETWEEN $2 AND $3 AND ($4 IS NULL OR unit = $4)",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .bind(unit)
    .fetch_all(db.reader())
    .await?;
    let mut by_unit: BTreeMap<String, UnitInspections> = BTreeMap::new();
    for row in rows {
        let entry = by_unit.entry(row.try_get("unit")?).or_default();
        entry.inspected += 1;
        if store::flag(&row, "passed")? {
            entry.passed += 1;
        }
        if let Some(score) = row.try_get::<Option<f64>, _>("score")? {
            entry.scored += 1;
            entry.score_total += score;
        }
    }
    Ok(by_unit)
}

/// A value of a fact column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Int(i64),
}

/// How a column takes a new value. Every column has one owning producer (decision 0012), whose
/// events reach analytics in order per case; so `Set` means "the producer's latest".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// The latest value.
    Set,
    /// The first value; later ones are ignored.
    First,
    /// Added to the stored number (counters; the inbox marks apply each event once).
    Add,
    /// The larger of the stored and the new number.
    Max,
    /// The earlier of the stored and the new instant (normalised text compares as time): for a
    /// column several cases write, whose events reach analytics in any order.
    Earliest,
    /// The first time it is set, it takes the stored value of another column of the same owner
    /// (the resolution deadline in force when the case was first resolved).
    CopyFirst(&'static str),
}

/// One column of a case's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub column: &'static str,
    pub value: Value,
    pub merge: Merge,
}

/// The columns of a case's facts one event knows, for the event's case or, when `case` is set,
/// for another (a later repeat from outside marks the case it repeats).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactUpdate {
    pub case: Option<String>,
    pub facts: Vec<Fact>,
}

impl FactUpdate {
    fn push(mut self, column: &'static str, value: Value, merge: Merge) -> Self {
        self.facts.push(Fact { column, value, merge });
        self
    }

    /// The column's latest text; nothing when `value` is empty.
    pub fn set(self, column: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        if value.is_empty() {
            return self;
        }
        self.push(column, Value::Text(value), Merge::Set)
    }

    /// The column's first text; nothing when `value` is empty.
    pub fn first(self, column: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        if value.is_empty() {
            return self;
        }
        self.push(column, Value::Text(value), Merge::First)
    }

    /// The earliest of the instants given (several cases' events, in any order).
    pub fn earliest(self, column: &'static str, value: impl Into<String>) -> Self {
        self.push(column, Value::Text(value.into()), Merge::Earliest)
    }

    pub fn set_int(self, column: &'static str, value: i64) -> Self {
        self.push(column, Value::Int(value), Merge::Set)
    }

    pub fn first_int(self, column: &'static str, value: i64) -> Self {
        self.push(column, Value::Int(value), Merge::First)
    }

    pub fn add(self, column: &'static str, by: i64) -> Self {
        self.push(column, Value::Int(by), Merge::Add)
    }

    pub fn max(self, column: &'static str, value: i64) -> Self {
        self.push(column, Value::Int(value), Merge::Max)
    }

    /// The text this update sets a column to, if it does.
    pub fn text(&self, column: &str) -> Option<&str> {
        self.facts.iter().find_map(|fact| match &fact.value {
            Value::Text(text) if fact.column == column => Some(text.as_str()),
            _ => None,
        })
    }

    pub fn copy_first(self, column: &'static str, from: &'static str) -> Self {
        self.push(column, Value::Int(0), Merge::CopyFirst(from))
    }
}

/// Merges an update into a case's facts: its columns as their merge says, the others kept.
pub async fn merge(conn: &mut store::Conn, case_id: &str, update: &FactUpdate) -> Result<(), Error> {
    let case_id = update.case.as_deref().unwrap_or(case_id);
    let mut columns = vec!["case_id"];
    let mut values = vec!["$1".to_owned()];
    let mut sets = Vec::new();
    let mut bound = 1;
    for fact in &update.facts {
        let column = fact.column;
        columns.push(column);
        if let Merge::CopyFirst(from) = fact.merge {
            values.push("NULL".to_owned());
            sets.push(format!("{column} = coalesce(case_facts.{column}, case_facts.{from})"));
            continue;
        }
        bound += 1;
        values.push(format!("${bound}"));
        sets.push(match fact.merge {
            Merge::Set => format!("{column} = excluded.{column}"),
            Merge::First => format!("{column} = coalesce(case_facts.{column}, excluded.{column})"),
            Merge::Add => format!("{column} = case_facts.{column} + excluded.{column}"),
            Merge::Max => format!(
                "{column} = CASE WHEN excluded.{column} > case_facts.{column} THEN excluded.{column} ELSE case_facts.{column} END"
            ),
            Merge::Earliest => format!(
                "{column} = CASE WHEN case_facts.{column} IS NULL OR excluded.{column} < case_facts.{column} THEN excluded.{column} ELSE case_facts.{column} END"
            ),
            Merge::CopyFirst(_) => unreachable!("handled above"),
        });
    }
    let conflict = if sets.is_empty() {
        "DO NOTHING".to_owned()
    } else {
        format!("DO UPDATE SET {}", sets.join(", "))
    };
    let sql = format!(
        "INSERT INTO case_facts ({}) VALUES ({}) ON CONFLICT (case_id) {conflict}",
        columns.join(", "),
        values.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(case_id);
    for fact in &update.facts {
        query = match (&fact.merge, &fact.value) {
            (Merge::CopyFirst(_), _) => query,
            (_, Value::Text(text)) => query.bind(text),
            (_, Value::Int(n)) => query.bind(*n),
        };
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Records a successful callback's scores by dimension once.
pub async fn add_scores(conn: &mut store::Conn, case_id: &str, n: i64, scores: &[(String, i64)]) -> Result<(), Error> {
    for (dimension, score) in scores {
        sqlx::query(
            "INSERT INTO callback_scores (case_id, n, dimension, score) VALUES ($1, $2, $3, $4)
             ON CONFLICT (case_id, n, dimension) DO NOTHING",
        )
        .bind(case_id)
        .bind(n)
        .bind(dimension)
        .bind(*score)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Keeps a tenant's organisation document if it is newer than the one kept.
pub async fn keep_organisation(
    conn: &mut store::Conn,
    tenant: &str,
    version: i64,
    body_json: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO organisations (tenant, version, body_json) VALUES ($1, $2, $3)
         ON CONFLICT (tenant) DO UPDATE SET version = excluded.version, body_json = excluded.body_json
         WHERE excluded.version > organisations.version",
    )
    .bind(tenant)
    .bind(version)
    .bind(body_json)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A tenant's organisation document as kept, if any.
pub async fn organisation(db: &Db, tenant: &str) -> Result<Option<String>, Error> {
    let row = sqlx::query("SELECT body_json FROM organisations WHERE tenant = $1")
        .bind(tenant)
        .fetch_optional(db.reader())
        .await?;
    Ok(row.map(|row| row.try_get("body_json")).transpose()?)
}

/// The columns the figures read, the comparisons of instants done by the database (normalised
/// text compares as time), so a row carries numbers rather than a dozen strings.
const CASE_COLUMNS: &str = "coalesce(kind, '') AS kind, coalesce(channel, '') AS channel,
    coalesce(source, '') AS source, coalesce(category, '') AS category, coalesce(product, '') AS product,
    coalesce(unit, registered_unit, '') AS unit, coalesce(handler, taken_by, '') AS staff, coalesce(codes, '') AS codes,
    coalesce(received_month, '') AS month,
    CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END AS accepted, imported,
    CASE WHEN acknowledgement_due_at IS NOT NULL THEN 1 ELSE 0 END AS acknowledgement_due,
    CASE WHEN acknowledged_at <= acknowledgement_due_at THEN 1 ELSE 0 END AS acknowledged_on_time,
    CASE WHEN first_contact_due_at IS NOT NULL THEN 1 ELSE 0 END AS first_contact_due,
    CASE WHEN first_contact_at <= first_contact_due_at THEN 1 ELSE 0 END AS first_contact_on_time,
    CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END AS resolved,
    CASE WHEN resolved_due_at IS NOT NULL THEN 1 ELSE 0 END AS resolution_due,
    CASE WHEN resolved_at <= resolved_due_at THEN 1 ELSE 0 END AS resolved_on_time,
    CASE WHEN closed_at IS NOT NULL THEN 1 ELSE 0 END AS closed_here,
    on_the_spot, imported_closed, imported_timely, repeat_case, reopens,
    CASE WHEN escalated_outside_at IS NOT NULL THEN 1 ELSE 0 END AS escalated_outside,
    callbacks_attempted, callbacks_successful, callbacks_satisfied, findings, substantiated, compensation_fen,
    received_s, resolved_s, coalesce(severity, '') AS severity, mass_event";

fn case_row(row: &sqlx::any::AnyRow) -> Result<CaseRow, sqlx::Error> {
    let number = |column: &str| row.try_get::<Option<i64>, _>(column).map(Option::unwrap_or_default);
    let flag = |column: &str| number(column).map(|n| n != 0);
    let count = |column: &str| number(column).map(|n| n.max(0) as u64);
    let imported = flag("imported")?;
    let on_the_spot = flag("on_the_spot")?;
    let closed = flag("closed_here")? || on_the_spot || flag("imported_closed")?;
    let resolved = flag("resolved")?;
    let timely = if on_the_spot {
        Some(true)
    } else if imported {
        row.try_get::<Option<i64>, _>("imported_timely")?.map(|flag| flag != 0)
    } else if closed && resolved && flag("resolution_due")? {
        Some(flag("resolved_on_time")?)
    } else {
        None
    };
    let handling_minutes = match (
        row.try_get::<Option<i64>, _>("received_s")?,
        row.try_get::<Option<i64>, _>("resolved_s")?,
    ) {
        (Some(received), Some(resolved)) if resolved >= received => Some(((resolved - received) / 60) as u64),
        _ => None,
    };
    let codes: String = row.try_get("codes")?;
    Ok(CaseRow {
        kind: row.try_get("kind")?,
        channel: row.try_get("channel")?,
        source: row.try_get("source")?,
        category: row.try_get("category")?,
        product: row.try_get("product")?,
        unit: row.try_get("unit")?,
        staff: row.try_get("staff")?,
        codes: codes.split('|').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
        month: row.try_get("month")?,
        accepted: flag("accepted")?,
        imported,
        acknowledgement_due: flag("acknowledgement_due")?,
        acknowledged_on_time: flag("acknowledged_on_time")?,
        first_contact_due: flag("first_contact_due")?,
        first_contact_on_time: flag("first_contact_on_time")?,
        resolved,
        closed,
        timely,
        on_the_spot,
        repeat: flag("repeat_case")?,
        reopened: number("reopens")? > 0,
        escalated_outside: flag("escalated_outside")?,
        callbacks_attempted: count("callbacks_attempted")?,
        callbacks_successful: count("callbacks_successful")?,
        callbacks_satisfied: count("callbacks_satisfied")?,
        has_finding: number("findings")? > 0,
        substantiated: flag("substantiated")?,
        compensation_fen: count("compensation_fen")?,
        handling_minutes,
        severity: row.try_get("severity")?,
        mass_event: flag("mass_event")?,
    })
}

/// Calls `each` with every case of the tenant received between two local days (inclusive).
pub async fn each_case(
    db: &Db,
    tenant: &str,
    from: &str,
    to: &str,
    mut each: impl FnMut(CaseRow),
) -> Result<(), Error> {
    let sql = format!("SELECT {CASE_COLUMNS} FROM case_facts WHERE tenant = $1 AND received_day BETWEEN $2 AND $3");
    let mut rows = sqlx::query(&sql).bind(tenant).bind(from).bind(to).fetch(db.reader());
    while let Some(row) = rows.try_next().await? {
        each(case_row(&row)?);
    }
    Ok(())
}

/// Complaints (kinds `complaint` and `report`) received between two local days by the units
/// given (their handling unit, else the unit registered).
pub async fn complaints(db: &Db, tenant: &str, from: &str, to: &str, units: &[String]) -> Result<u64, Error> {
    let mut total = 0;
    for chunk in units.chunks(500) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "SELECT count(*) FROM case_facts WHERE tenant = $1 AND received_day BETWEEN $2 AND $3
             AND kind IN ('complaint', 'report') AND coalesce(unit, registered_unit, '') IN ({})",
            list.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(tenant).bind(from).bind(to);
        for unit in chunk {
            query = query.bind(unit);
        }
        total += query.fetch_one(db.reader()).await?.max(0) as u64;
    }
    Ok(total)
}

/// The customers and outlets the organisation entered for a year, by unit.
pub async fn denominators(db: &Db, tenant: &str, year: i32) -> Result<BTreeMap<String, Denominator>, Error> {
    let rows = sqlx::query("SELECT unit, customers, outlets FROM denominators WHERE tenant = $1 AND year = $2")
        .bind(tenant)
        .bind(year)
        .fetch_all(db.reader())
        .await?;
    let mut entered = BTreeMap::new();
    for row in rows {
        let denominator = Denominator {
            customers: row.try_get::<i64, _>("customers")?.max(0) as u64,
            outlets: row.try_get::<i64, _>("outlets")?.max(0) as u64,
        };
        entered.insert(row.try_get("unit")?, denominator);
    }
    Ok(entered)
}

/// Enters a unit's customers and outlets for a year (replacing what was entered).
pub async fn enter_denominator(
    db: &Db,
    tenant: &str,
    unit: &str,
    year: i32,
    denominator: Denominator,
    by: &str,
    at: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO denominators (tenant, unit, year, customers, outlets, entered_by, entered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant, unit, year) DO UPDATE SET customers = excluded.customers, outlets = excluded.outlets,
            entered_by = excluded.entered_by, entered_at = excluded.entered_at",
    )
    .bind(tenant)
    .bind(unit)
    .bind(year)
    .bind(denominator.customers as i64)
    .bind(denominator.outlets as i64)
    .bind(by)
    .bind(at)
    .execute(db.writer())
    .await?;
    Ok(())
}
