//! Durable timers: warnings and breaches of deadlines, each fired once and sent one level further
//! up the manager chain than the previous alert of the same deadline (decision 0004), and the
//! recomputation of provisional deadlines when a calendar notice has been loaded.
//!
//! A replica claims a batch of deadlines that have due timers (on PostgreSQL `FOR UPDATE SKIP
//! LOCKED`, so replicas take disjoint deadlines; on SQLite the one writer does) and fires all of
//! a deadline's due timers in the order of their fractions, in one transaction with the events
//! they produce. Claiming the deadline rather than single timers is what keeps the escalation
//! levels in order: two replicas never fire timers of one deadline at once, so each alert counts
//! the ones fired before it. A timer whose deadline moved to a newer version, or whose deadline is
//! no longer open, is superseded. Time comes from the injected clock only.
//!
//! Whom an alert goes to: level 0 is the file's handler, or, when it has none, the heads of its
//! unit ([`directory::Org::heads`]); level n is the n-th manager up [`directory::Org::chain`] from
//! there, in the tenant's directory as investigation holds it ([`crate::directory`]). When the
//! chain has ended the alert still fires, to nobody.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use directory::Org;
use domain::Clock;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use prost::Message as _;
use rpc::events::v1::{DeadlineAlert, DeadlineRecomputed};
use sqlx::Row;
use store::{Db, NewEvent, Origin};
use tokio_util::sync::CancellationToken;

use crate::SERVICE;
use crate::deadlines::{self, Basis};
use crate::directory::Directories;
use crate::store::{self as sql, TimerRow};

/// Deadlines claimed per transaction.
const BATCH: i64 = 64;

/// Fires due timers until `shutdown`, looking every `tick` (at once again while there was work).
/// Each run names itself with a fresh id, written into the timeline entry of every alert it
/// fires, so an operator can tell which replica fired what.
pub async fn run(
    db: Db,
    clock: Arc<dyn Clock>,
    directories: Arc<Directories>,
    metrics: TimerMetrics,
    tick: Duration,
    shutdown: CancellationToken,
) {
    let replica = uuid::Uuid::now_v7().to_string();
    loop {
        match fire_due(&db, clock.as_ref(), &directories, &replica).await {
            Ok(settled) if settled.total() == 0 => {}
            Ok(settled) if !shutdown.is_cancelled() => {
                metrics.count(settled);
                continue;
            }
            Ok(settled) => {
                metrics.count(settled);
                return;
            }
            Err(error) => tracing::warn!(%error, "firing timers failed; retrying"),
        }
        tokio::select! {
            () = tokio::time::sleep(tick) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

fn origin(now: DateTime<Utc>) -> Origin {
    Origin::at(SERVICE, now)
}

fn case_uuid(case_id: &str) -> Result<uuid::Uuid, store::Error> {
    uuid::Uuid::parse_str(case_id).map_err(|_| store::Error::Corrupt(format!("case id {case_id}")))
}

/// Whom an alert at `level` goes to: level 0 the handler, else the unit's heads; level n the n-th
/// manager up the chain of each of those, by id. Empty once the chain has ended (or when the
/// first level is empty: no handler and a unit without heads).
pub fn recipients(org: &Org, unit: &str, handler: Option<&str>, level: u32) -> Vec<String> {
    let first: Vec<String> = match handler {
        Some(handler) => vec![handler.to_owned()],
        None => org.heads(unit).iter().map(|s| s.id.clone()).collect(),
    };
    let Some(up) = level.checked_sub(1) else {
        return first;
    };
    let mut managers: Vec<String> = first
        .iter()
        .filter_map(|staff| org.chain(staff).get(up as usize).map(|m| m.id.clone()))
        .collect();
    managers.sort();
    managers.dedup();
    managers
}

/// A deadline with due timers, claimed for this transaction.
struct Claimed {
    case_id: String,
    kind: String,
}

/// Claims up to `limit` deadlines that have armed timers due at `now`, earliest first. On
/// PostgreSQL the deadline rows are locked `FOR UPDATE SKIP LOCKED`, so each replica firing at
/// once takes deadlines no other holds.
async fn claim_deadlines(conn: &mut store::Conn, now: &str, limit: i64) -> Result<Vec<Claimed>, store::Error> {
    let lock = match store::Backend::of(conn) {
        store::Backend::Sqlite => "",
        store::Backend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
    };
    let sql = format!(
        "SELECT d.case_id, d.kind FROM deadlines d
         WHERE EXISTS (SELECT 1 FROM timers t WHERE t.case_id = d.case_id AND t.deadline_kind = d.kind
                       AND t.state = 'armed' AND t.fire_at <= $1)
         ORDER BY (SELECT MIN(t.fire_at) FROM timers t WHERE t.case_id = d.case_id
                   AND t.deadline_kind = d.kind AND t.state = 'armed'), d.case_id, d.kind
         LIMIT $2{lock}"
    );
    let rows = sqlx::query(&sql).bind(now).bind(limit).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| -> Result<Claimed, store::Error> {
            Ok(Claimed {
                case_id: row.try_get("case_id")?,
                kind: row.try_get("kind")?,
            })
        })
        .collect()
}

/// The armed timers of a claimed deadline due at `now`, warnings before the breach.
async fn due_of(conn: &mut store::Conn, deadline: &Claimed, now: &str) -> Result<Vec<TimerRow>, store::Error> {
    let rows = sqlx::query(
        "SELECT id, tenant, case_id, deadline_kind, deadline_version, fraction, fire_at FROM timers
         WHERE case_id = $1 AND deadline_kind = $2 AND state = 'armed' AND fire_at <= $3
         ORDER BY fraction, fire_at, id",
    )
    .bind(&deadline.case_id)
    .bind(&deadline.kind)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| -> Result<TimerRow, store::Error> {
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

/// How many timers of a deadline have fired, across all its versions: the level of its next alert.
async fn fired_before(conn: &mut store::Conn, deadline: &Claimed) -> Result<u32, store::Error> {
    let fired: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM timers WHERE case_id = $1 AND deadline_kind = $2 AND state = 'fired'")
            .bind(&deadline.case_id)
            .bind(&deadline.kind)
            .fetch_one(&mut *conn)
            .await?;
    u32::try_from(fired).map_err(|_| store::Error::Corrupt(format!("{fired} timers fired")))
}

/// The unit and the handler of a case's file; `None` for a case without a file.
async fn holder(conn: &mut store::Conn, case_id: &str) -> Result<Option<(String, Option<String>)>, store::Error> {
    let row = sqlx::query("SELECT unit, handler FROM files WHERE case_id = $1")
        .bind(case_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| -> Result<(String, Option<String>), store::Error> {
        Ok((row.try_get("unit")?, row.try_get("handler")?))
    })
    .transpose()
}

/// What one round of [`fire_due`] settled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    pub warned: u64,
    pub breached: u64,
    /// Timers of a deadline that moved, paused or ended before they came due.
    pub superseded: u64,
}

impl Settled {
    /// Every timer settled.
    pub fn total(&self) -> u64 {
        self.warned + self.breached + self.superseded
    }
}

/// Counters of the timers this process settled (`investigation_deadline_warnings_total`, …).
#[derive(Debug, Clone, Default)]
pub struct TimerMetrics {
    pub warned: Counter,
    pub breached: Counter,
    pub superseded: Counter,
}

impl TimerMetrics {
    /// New counters registered in `registry` (already prefixed with the service's name).
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self::default();
        registry.register(
            "deadline_warnings",
            "Deadline warnings fired (one per timer, once across replicas)",
            metrics.warned.clone(),
        );
        registry.register(
            "deadline_breaches",
            "Deadline breaches declared",
            metrics.breached.clone(),
        );
        registry.register(
            "timers_superseded",
            "Timers settled without firing because their deadline moved, paused or ended",
            metrics.superseded.clone(),
        );
        metrics
    }

    fn count(&self, settled: Settled) {
        self.warned.inc_by(settled.warned);
        self.breached.inc_by(settled.breached);
        self.superseded.inc_by(settled.superseded);
    }
}

/// Fires the timers due now, as replica `replica`; returns what it settled (fired or
/// superseded).
pub async fn fire_due(
    db: &Db,
    clock: &dyn Clock,
    directories: &Directories,
    replica: &str,
) -> Result<Settled, store::Error> {
    let now = clock.now();
    let now_text = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut tx = db.begin().await?;
    let claimed = claim_deadlines(&mut tx, &now_text, BATCH).await?;
    if claimed.is_empty() {
        return Ok(Settled::default());
    }
    let mut settled = Settled::default();
    for claim in &claimed {
        let due = due_of(&mut tx, claim, &now_text).await?;
        let Some(first) = due.first() else {
            continue;
        };
        let org = directories.get(&first.tenant).await?;
        let (unit, handler) = holder(&mut tx, &claim.case_id).await?.unwrap_or_default();
        let mut level = fired_before(&mut tx, claim).await?;
        for timer in &due {
            let deadline = sql::deadline_in(&mut tx, &timer.case_id, &timer.deadline_kind).await?;
            let current = deadline.filter(|d| d.version == timer.deadline_version && d.state == "open");
            let Some(deadline) = current else {
                sql::settle_timer(&mut tx, timer, "superseded", &now_text).await?;
                settled.superseded += 1;
                continue;
            };
            sql::settle_timer(&mut tx, timer, "fired", &now_text).await?;
            let recipients = recipients(&org, &unit, handler.as_deref(), level);
            let breach = timer.fraction >= 1.0;
            let mut wire = deadlines::wire(&deadline);
            if breach {
                wire.state = "breached".into();
            }
            let alert = DeadlineAlert {
                deadline: Some(wire),
                fraction: timer.fraction,
                fired_at: now_text.clone(),
                level,
                recipients: recipients.clone(),
                unit: unit.clone(),
            };
            let (event_type, action) = if breach {
                settled.breached += 1;
                ("case.deadline_breached", "deadline_breached")
            } else {
                settled.warned += 1;
                ("case.deadline_warned", "deadline_warned")
            };
            let new_event = NewEvent {
                tenant: timer.tenant.clone(),
                event_type,
                case_id: case_uuid(&timer.case_id)?,
                payload: Bytes::from(alert.encode_to_vec()),
            };
            let detail = serde_json::json!({"deadline": deadline.kind, "due_at": deadline.due_at,
                "fraction": timer.fraction, "level": level, "recipients": recipients, "unit": unit,
                "replica": replica});
            store::messaging::emit(&mut tx, &origin(now), new_event, action, &detail).await?;
            level += 1;
        }
    }
    db.commit(tx).await?;
    Ok(settled)
}

/// Recomputes every open provisional deadline with the calendars as now loaded (a resolution
/// deadline with the extensions and pauses its clock has seen); a deadline that moved or became
/// final gets a new version, new timers and a `case.deadline_recomputed` event.
/// Returns how many moved.
pub async fn recompute_provisional(
    db: &Db,
    clock: &dyn Clock,
    calendars: &calendar::Registry,
) -> Result<usize, String> {
    let now = clock.now();
    let mut moved = 0;
    for previous in sql::open_provisional_deadlines(db).await.map_err(|e| e.to_string())? {
        let kind = calendar::DeadlineKind::parse(&previous.kind)
            .ok_or_else(|| format!("deadline kind `{}` is not known", previous.kind))?;
        let started_at = DateTime::parse_from_rfc3339(&previous.started_at)
            .map_err(|e| e.to_string())?
            .with_timezone(&Utc);
        let basis = Basis {
            tenant: &previous.tenant,
            case_id: &previous.case_id,
            kind,
            policy: &previous.policy,
            calendar_id: &previous.calendar_id,
            started_at,
            version: previous.version + 1,
        };
        // The resolution clock replays what it has seen (extensions, pauses); the others have
        // no such events.
        let events = if kind == calendar::DeadlineKind::Resolution {
            let records = sql::records(db, &previous.tenant, &previous.case_id)
                .await
                .map_err(|e| e.to_string())?;
            deadlines::resolution_events(&records, started_at).map_err(|e| e.to_string())?
        } else {
            Vec::new()
        };
        let Some(planned) = deadlines::plan_with(calendars, &basis, &events).map_err(|e| e.to_string())? else {
            continue;
        };
        if planned.deadline.due_at == previous.due_at && planned.deadline.provisional {
            continue;
        }
        let mut tx = db.begin().await.map_err(|e| e.to_string())?;
        if !sql::move_deadline(&mut tx, &planned.deadline, &planned.timers)
            .await
            .map_err(|e| e.to_string())?
        {
            continue;
        }
        let recomputed = DeadlineRecomputed {
            previous: Some(deadlines::wire(&previous)),
            current: Some(deadlines::wire(&planned.deadline)),
            recomputed_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        let new_event = NewEvent {
            tenant: previous.tenant.clone(),
            event_type: "case.deadline_recomputed",
            case_id: case_uuid(&previous.case_id).map_err(|e| e.to_string())?,
            payload: Bytes::from(recomputed.encode_to_vec()),
        };
        let detail = serde_json::json!({"deadline": previous.kind, "previous_due_at": previous.due_at,
            "due_at": planned.deadline.due_at, "provisional": planned.deadline.provisional});
        store::messaging::emit(&mut tx, &origin(now), new_event, "deadline_recomputed", &detail)
            .await
            .map_err(|e| e.to_string())?;
        db.commit(tx).await.map_err(|e| e.to_string())?;
        moved += 1;
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use directory::OrgDocument;
    use domain::clock::ManualClock;
    use store::OpenOptions;
    use testkit::stores::StoreTarget;

    use crate::store::DeadlineRow;

    const TENANT: &str = "bank";

    /// A branch whose handler `chen` reports to the CRM manager `li`, who reports to the head
    /// office's `zhou`, who reports to `ma` at the top.
    fn body() -> String {
        serde_json::json!({
            "units": [
                {"id": "hq", "kind": "group", "name_zh": "总部", "name_en": "Head office"},
                {"id": "br", "kind": "branch", "parent": "hq", "name_zh": "支行", "name_en": "Branch"}],
            "staff": [
                {"id": "chen", "unit": "br", "display_name": "Chen", "roles": ["handler"], "manager": "li"},
                {"id": "li", "unit": "br", "display_name": "Li", "roles": ["crm_manager"], "manager": "zhou"},
                {"id": "zhou", "unit": "hq", "display_name": "Zhou", "roles": ["general_manager"], "manager": "ma"},
                {"id": "ma", "unit": "hq", "display_name": "Ma", "roles": ["general_manager"]}],
        })
        .to_string()
    }

    fn org() -> Org {
        serde_json::from_str::<OrgDocument>(&body())
            .expect("a document")
            .build()
            .expect("a directory")
    }

    fn ids(people: &[&str]) -> Vec<String> {
        people.iter().map(|p| (*p).to_owned()).collect()
    }

    #[test]
    fn alerts_go_to_the_handler_or_the_units_heads_then_one_manager_further_up_per_level() {
        let org = org();
        let from_handler: Vec<Vec<String>> = (0..5).map(|l| recipients(&org, "br", Some("chen"), l)).collect();
        assert_eq!(
            from_handler,
            vec![ids(&["chen"]), ids(&["li"]), ids(&["zhou"]), ids(&["ma"]), ids(&[])],
            "the handler, then up the chain until it ends"
        );
        let from_heads: Vec<Vec<String>> = (0..4).map(|l| recipients(&org, "br", None, l)).collect();
        assert_eq!(
            from_heads,
            vec![ids(&["li"]), ids(&["zhou"]), ids(&["ma"]), ids(&[])],
            "no handler: the unit's CRM manager first"
        );
        assert_eq!(
            recipients(&org, "hq", None, 0),
            ids(&["ma", "zhou"]),
            "no CRM manager: the general managers"
        );
        assert_eq!(
            recipients(&org, "hq", None, 1),
            ids(&["ma"]),
            "one manager for both, once"
        );
        assert_eq!(recipients(&org, "br", Some("stranger"), 0), ids(&["stranger"]));
        assert!(
            recipients(&org, "br", Some("stranger"), 1).is_empty(),
            "an unknown handler has no chain"
        );
        assert!(recipients(&org, "nowhere", None, 0).is_empty());
    }

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).single().expect("valid")
    }

    fn text(instant: DateTime<Utc>) -> String {
        instant.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    fn deadline(case_id: &str, kind: &str, version: i64, due_at: DateTime<Utc>) -> DeadlineRow {
        DeadlineRow {
            case_id: case_id.into(),
            tenant: TENANT.into(),
            kind: kind.into(),
            policy: "service_commitment".into(),
            calendar_id: "cn".into(),
            started_at: text(at(1, 0)),
            due_at: text(due_at),
            provisional: false,
            state: "open".into(),
            version,
        }
    }

    fn timers(deadline: &DeadlineRow, fire_at: &[(f64, DateTime<Utc>)]) -> Vec<TimerRow> {
        fire_at
            .iter()
            .map(|(fraction, instant)| TimerRow {
                id: uuid::Uuid::now_v7().to_string(),
                tenant: TENANT.into(),
                case_id: deadline.case_id.clone(),
                deadline_kind: deadline.kind.clone(),
                deadline_version: deadline.version,
                fraction: *fraction,
                fire_at: text(*instant),
            })
            .collect()
    }

    async fn open_file(db: &Db, case_id: &str, handler: Option<&str>) {
        let mut tx = db.begin().await.expect("tx");
        sqlx::query(
            "INSERT INTO files (case_id, tenant, status, unit, kind, policy, calendar_id, opened_at, version, handler)
             VALUES ($1, $2, 'dispatched', 'br', 'complaint', 'service_commitment', 'cn', $3, 1, $4)",
        )
        .bind(case_id)
        .bind(TENANT)
        .bind(text(at(1, 0)))
        .bind(handler)
        .execute(&mut *tx)
        .await
        .expect("a file");
        db.commit(tx).await.expect("committed");
    }

    /// The alerts in the timeline, oldest first: (case, action, deadline, level, recipients).
    async fn alerts(db: &Db) -> Vec<(String, String, String, u64, Vec<String>)> {
        let rows = sqlx::query(
            "SELECT case_id, action, detail_json FROM history
             WHERE action IN ('deadline_warned', 'deadline_breached') ORDER BY id",
        )
        .fetch_all(db.reader())
        .await
        .expect("reads");
        rows.iter()
            .map(|row| {
                let detail: serde_json::Value =
                    serde_json::from_str(&row.try_get::<String, _>("detail_json").expect("detail")).expect("json");
                assert_eq!(detail["replica"], "replica-a");
                assert_eq!(detail["unit"], "br");
                (
                    row.try_get("case_id").expect("case"),
                    row.try_get("action").expect("action"),
                    detail["deadline"].as_str().expect("deadline").to_owned(),
                    detail["level"].as_u64().expect("level"),
                    serde_json::from_value(detail["recipients"].clone()).expect("recipients"),
                )
            })
            .collect()
    }

    testkit::on_both_backends!(each_alert_of_a_deadline_goes_one_level_further_up_across_its_versions);

    async fn each_alert_of_a_deadline_goes_one_level_further_up_across_its_versions(target: &StoreTarget) {
        let db = Db::connect(
            &target.url("investigation.db"),
            crate::store::MIGRATIONS,
            OpenOptions::default(),
        )
        .await
        .expect("opens");
        let mut tx = db.begin().await.expect("tx");
        sqlx::query("INSERT INTO directories (tenant, version, published_at, body_json) VALUES ($1, 1, $2, $3)")
            .bind(TENANT)
            .bind(text(at(1, 0)))
            .bind(body())
            .execute(&mut *tx)
            .await
            .expect("a directory");
        db.commit(tx).await.expect("committed");
        let directories = Directories::new(db.clone());
        let (handled, unhandled) = (
            "0190a000-0000-7000-8000-000000000001",
            "0190a000-0000-7000-8000-000000000002",
        );
        open_file(&db, handled, Some("chen")).await;
        open_file(&db, unhandled, None).await;
        let mut tx = db.begin().await.expect("tx");
        let resolution = deadline(handled, "resolution", 1, at(20, 0));
        let planned = timers(&resolution, &[(1.0, at(20, 0)), (0.5, at(10, 0)), (0.8, at(16, 0))]);
        sql::insert_deadline(&mut tx, &resolution, &planned)
            .await
            .expect("inserted");
        let contact = deadline(handled, "first_contact", 1, at(3, 0));
        sql::insert_deadline(&mut tx, &contact, &timers(&contact, &[(1.0, at(3, 0))]))
            .await
            .expect("inserted");
        let moving = deadline(unhandled, "resolution", 1, at(20, 0));
        let planned = timers(&moving, &[(0.5, at(10, 0)), (0.8, at(16, 0)), (1.0, at(20, 0))]);
        sql::insert_deadline(&mut tx, &moving, &planned)
            .await
            .expect("inserted");
        db.commit(tx).await.expect("committed");

        let clock = ManualClock::new(at(12, 0));
        assert_eq!(
            fire_due(&db, &clock, &directories, "replica-a").await.expect("fires"),
            Settled {
                warned: 2,
                breached: 1,
                superseded: 0
            }
        );
        assert_eq!(
            fire_due(&db, &clock, &directories, "replica-a").await.expect("fires"),
            Settled::default(),
            "once"
        );
        // The unhandled case's deadline moves (an extension): its armed timers are superseded
        // and the new version's fire after the one already fired, one level further up.
        let mut tx = db.begin().await.expect("tx");
        let moved = deadline(unhandled, "resolution", 2, at(28, 0));
        let planned = timers(&moved, &[(0.5, at(24, 0)), (0.8, at(26, 0)), (1.0, at(28, 0))]);
        assert!(sql::move_deadline(&mut tx, &moved, &planned).await.expect("moved"));
        db.commit(tx).await.expect("committed");
        clock.advance(chrono::Duration::days(18));
        assert_eq!(
            fire_due(&db, &clock, &directories, "replica-a")
                .await
                .expect("fires")
                .total(),
            5
        );

        let (warned, breached) = ("deadline_warned".to_owned(), "deadline_breached".to_owned());
        let found = alerts(&db).await;
        let of = |case: &str, kind: &str| -> Vec<(String, u64, Vec<String>)> {
            found
                .iter()
                .filter(|(c, _, d, _, _)| c == case && d == kind)
                .map(|(_, action, _, level, people)| (action.clone(), *level, people.clone()))
                .collect()
        };
        assert_eq!(
            of(handled, "resolution"),
            vec![
                (warned.clone(), 0, ids(&["chen"])),
                (warned.clone(), 1, ids(&["li"])),
                (breached.clone(), 2, ids(&["zhou"])),
            ],
            "warnings before the breach, each one level up from the handler"
        );
        assert_eq!(
            of(handled, "first_contact"),
            vec![(breached.clone(), 0, ids(&["chen"]))],
            "each deadline climbs on its own"
        );
        assert_eq!(
            of(unhandled, "resolution"),
            vec![
                (warned.clone(), 0, ids(&["li"])),
                (warned.clone(), 1, ids(&["zhou"])),
                (warned, 2, ids(&["ma"])),
                (breached, 3, ids(&[])),
            ],
            "from the unit's head, across versions, to nobody once the chain has ended"
        );
        let states: Vec<(String, i64)> =
            sqlx::query("SELECT state, COUNT(*) AS n FROM timers WHERE case_id = $1 GROUP BY state ORDER BY state")
                .bind(unhandled)
                .fetch_all(db.reader())
                .await
                .expect("reads")
                .iter()
                .map(|row| (row.try_get("state").expect("state"), row.try_get("n").expect("n")))
                .collect();
        assert_eq!(states, vec![("fired".to_owned(), 4), ("superseded".to_owned(), 2)]);

        let payloads: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT payload FROM outbox WHERE event_type = 'case.deadline_breached' AND case_id = $1",
        )
        .bind(handled)
        .fetch_all(db.reader())
        .await
        .expect("reads");
        let mut breaches: Vec<DeadlineAlert> = payloads
            .iter()
            .map(|p| DeadlineAlert::decode(p.as_slice()).expect("an alert"))
            .collect();
        breaches.sort_by_key(|a| a.level);
        let summary: Vec<(u32, Vec<String>, String, String)> = breaches
            .iter()
            .map(|a| {
                let kind = a.deadline.as_ref().map(|d| d.kind.clone()).unwrap_or_default();
                (a.level, a.recipients.clone(), a.unit.clone(), kind)
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (0, ids(&["chen"]), "br".to_owned(), "first_contact".to_owned()),
                (2, ids(&["zhou"]), "br".to_owned(), "resolution".to_owned()),
            ],
            "the event carries the level, the recipients and the unit"
        );
    }
}
