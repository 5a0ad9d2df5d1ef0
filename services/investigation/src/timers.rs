//! Durable timers: warnings and breaches of deadlines, each fired once, and the recomputation
//! of provisional deadlines when a calendar notice has been loaded.
//!
//! Due timers are taken and fired in one transaction with the events they produce (on Postgres
//! the claim will use `FOR UPDATE SKIP LOCKED`, so replicas never fire the same timer). A timer
//! whose deadline moved to a newer version, or whose deadline is no longer open, is superseded.
//! Time comes from the injected clock only.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use domain::Clock;
use prost::Message as _;
use rpc::events::v1::{DeadlineAlert, DeadlineRecomputed};
use store::{Db, NewEvent, Origin};
use tokio_util::sync::CancellationToken;

use crate::SERVICE;
use crate::deadlines::{self, Basis};
use crate::store as sql;

/// Timers fired per transaction.
const BATCH: i64 = 64;

/// Fires due timers until `shutdown`, looking every `tick`.
pub async fn run(db: Db, clock: Arc<dyn Clock>, tick: Duration, shutdown: CancellationToken) {
    loop {
        match fire_due(&db, clock.as_ref()).await {
            Ok(n) if n as i64 == BATCH => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "firing timers failed; retrying"),
        }
        tokio::select! {
            () = tokio::time::sleep(tick) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

fn origin(now: DateTime<Utc>) -> Origin {
    Origin {
        source: SERVICE,
        occurred_at: now,
        causation_id: None,
        correlation_id: None,
        traceparent: None,
    }
}

fn case_uuid(case_id: &str) -> Result<uuid::Uuid, store::Error> {
    uuid::Uuid::parse_str(case_id).map_err(|_| store::Error::Corrupt(format!("case id {case_id}")))
}

/// Fires the timers due now; returns how many it settled.
pub async fn fire_due(db: &Db, clock: &dyn Clock) -> Result<usize, store::Error> {
    let now = clock.now();
    let now_text = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut tx = db.begin().await?;
    let due = sql::due_timers(&mut tx, &now_text, BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    for timer in &due {
        let deadline = sql::deadline_in(&mut tx, &timer.case_id, &timer.deadline_kind).await?;
        let current = deadline.filter(|d| d.version == timer.deadline_version && d.state == "open");
        let Some(deadline) = current else {
            sql::settle_timer(&mut tx, timer, "superseded", &now_text).await?;
            continue;
        };
        sql::settle_timer(&mut tx, timer, "fired", &now_text).await?;
        let breach = timer.fraction >= 1.0;
        let mut wire = deadlines::wire(&deadline);
        if breach {
            wire.state = "breached".into();
        }
        let alert = DeadlineAlert {
            deadline: Some(wire),
            fraction: timer.fraction,
            fired_at: now_text.clone(),
        };
        let (event_type, action) = if breach {
            ("case.deadline_breached", "deadline_breached")
        } else {
            ("case.deadline_warned", "deadline_warned")
        };
        let new_event = NewEvent {
            tenant: timer.tenant.clone(),
            event_type,
            case_id: case_uuid(&timer.case_id)?,
            payload: Bytes::from(alert.encode_to_vec()),
        };
        let detail =
            serde_json::json!({"deadline": deadline.kind, "due_at": deadline.due_at, "fraction": timer.fraction});
        store::messaging::emit(&mut tx, &origin(now), new_event, action, &detail).await?;
    }
    db.commit(tx).await?;
    Ok(due.len())
}

/// Recomputes every open provisional deadline with the calendars as now loaded; a deadline that
/// moved or became final gets a new version, new timers and a `case.deadline_recomputed` event.
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
        let Some(planned) = deadlines::plan(calendars, &basis).map_err(|e| e.to_string())? else {
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
