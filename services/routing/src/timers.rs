//! Routing's durable timers: a unit that neither takes nor returns a case by its take deadline,
//! and an escalation nobody acknowledges in time, each escalate one level up — once per timer,
//! in one transaction with the events (on PostgreSQL the claim is `FOR UPDATE SKIP LOCKED`, so
//! replicas never fire the same timer). Time comes from the injected clock only.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::Clock;
use store::{Db, Origin};
use tokio_util::sync::CancellationToken;

use crate::SERVICE;
use crate::dispatch::{self, Context, MAX_LEVEL};
use crate::ruleset::{DEFAULT_ACKNOWLEDGE_HOURS, Escalation};
use crate::store::{self as sql, TimerRow};

/// Timers fired per transaction.
const BATCH: i64 = 64;

/// Fires due timers until `shutdown`, looking every `tick`.
pub async fn run(db: Db, clock: Arc<dyn Clock>, tick: Duration, shutdown: CancellationToken) {
    loop {
        match fire_due(&db, clock.as_ref()).await {
            Ok(n) if n as i64 == BATCH => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "firing routing timers failed; retrying"),
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

/// Fires the timers due now; returns how many it settled.
pub async fn fire_due(db: &Db, clock: &dyn Clock) -> Result<usize, store::Error> {
    let now = clock.now();
    let now_text = dispatch::instant(now);
    let mut tx = db.begin().await?;
    let due = sql::due_timers(&mut tx, &now_text, BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    for timer in &due {
        sql::fired(&mut tx, timer).await?;
        match timer.kind.as_str() {
            "take" => take_overdue(db, &mut tx, timer, now).await?,
            "acknowledge" => unacknowledged(db, &mut tx, timer, now).await?,
            other => tracing::warn!(kind = other, "a timer of an unknown kind was dropped"),
        }
    }
    db.commit(tx).await?;
    Ok(due.len())
}

/// The unit has neither taken nor returned the case: escalate to its parent and head office.
async fn take_overdue(db: &Db, tx: &mut store::Conn, timer: &TimerRow, now: DateTime<Utc>) -> Result<(), store::Error> {
    let Some(case) = sql::case_for_update(tx, &timer.tenant, &timer.case_id).await? else {
        return Ok(());
    };
    if case.state != "dispatched" || case.dispatch_no.to_string() != timer.reference {
        return Ok(());
    }
    let unit = case.unit.clone().unwrap_or_default();
    let context = Context::load(
        db,
        &case.tenant,
        &dispatch::instant(now),
        &dispatch::instant(now),
        Some(&unit),
    )
    .await?;
    let recipients = vec!["parent".to_owned(), "management".to_owned()];
    let (units, _) = crate::ruleset::recipients(&context.org, &unit, &case.facts(None), &recipients);
    let escalation = Escalation {
        rule_id: "take_deadline".to_owned(),
        trigger: "take_overdue".to_owned(),
        recipients,
        units,
        acknowledge_within_hours: DEFAULT_ACKNOWLEDGE_HOURS,
    };
    dispatch::raise(tx, &origin(now), &case, &escalation, 1, None).await?;
    Ok(())
}

/// Nobody acknowledged an escalation in time: raise it again one level up.
async fn unacknowledged(
    db: &Db,
    tx: &mut store::Conn,
    timer: &TimerRow,
    now: DateTime<Utc>,
) -> Result<(), store::Error> {
    let Some(previous) = sql::escalation_in(tx, &timer.reference).await? else {
        return Ok(());
    };
    if previous.acknowledged_at.is_some() || previous.level >= MAX_LEVEL {
        return Ok(());
    }
    let Some(case) = sql::case_for_update(tx, &timer.tenant, &timer.case_id).await? else {
        return Ok(());
    };
    let now_text = dispatch::instant(now);
    let context = Context::load(db, &case.tenant, &now_text, &now_text, case.unit.as_deref()).await?;
    let root = context.org.root().id.clone();
    let mut units: Vec<String> = Vec::new();
    for unit in &previous.units {
        let up = context
            .org
            .ancestry(unit)
            .get(1)
            .map_or_else(|| root.clone(), |u| u.id.clone());
        if !units.contains(&up) {
            units.push(up);
        }
    }
    if !units.contains(&root) {
        units.push(root);
    }
    let escalation = Escalation {
        rule_id: previous.rule_id.clone(),
        trigger: previous.trigger.clone(),
        recipients: previous.recipients.clone(),
        units,
        acknowledge_within_hours: u32::try_from(previous.acknowledge_within_hours).unwrap_or(DEFAULT_ACKNOWLEDGE_HOURS),
    };
    dispatch::raise(
        tx,
        &origin(now),
        &case,
        &escalation,
        previous.level + 1,
        Some(previous.escalation_id.clone()),
    )
    .await?;
    Ok(())
}
