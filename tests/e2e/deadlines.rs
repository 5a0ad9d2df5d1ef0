//! Deadlines move with the calendar and their timers fire once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use domain::clock::ManualClock;
use e2e::{Sandbox, Stores, count_entries};
use serde_json::json;
use testkit::wait_until;

on_both_stores!(
    warnings_and_breaches_fire_once_each_when_time_passes,
    a_provisional_deadline_becomes_final_when_next_years_notice_is_loaded
);

fn complaint(n: u32) -> serde_json::Value {
    json!({"channel": "phone", "narrative": format!("第{n}宗：维修后仍有异响"), "complainant": {"phone": "13812345678"}})
}

fn fired(case: &serde_json::Value, action: &str, deadline: &str) -> Vec<f64> {
    case["timeline"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["action"] == action && e["detail"]["deadline"] == deadline)
                .filter_map(|e| e["detail"]["fraction"].as_f64())
                .collect()
        })
        .unwrap_or_default()
}

async fn opened_case(sandbox: &Sandbox, n: u32) -> String {
    let (status, created) = sandbox.post_complaint(&complaint(n), None).await.expect("posted");
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    wait_until(Duration::from_secs(5), || async {
        let (_, case) = sandbox.case(&id).await.ok()?;
        (count_entries(&case, "investigation", "file_opened") == 1).then_some(())
    })
    .await
    .expect("the file is opened");
    id
}

async fn warnings_and_breaches_fire_once_each_when_time_passes(stores: Stores) {
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).single().expect("valid");
    let clock = Arc::new(ManualClock::new(start));
    let sandbox = Sandbox::start_on(stores, clock.clone()).await.expect("sandbox starts");
    let first = opened_case(&sandbox, 1).await;
    let (_, case) = sandbox.case(&first).await.expect("case");
    assert_eq!(
        fired(&case, "deadline_breached", "resolution").len(),
        0,
        "nothing fires before its time"
    );

    // Past every deadline of the first case: 15 working days from 23 November end on 14 December.
    clock.advance(chrono::Duration::days(30));
    let case = wait_until(Duration::from_secs(10), || async {
        let (_, case) = sandbox.case(&first).await.ok()?;
        let done = fired(&case, "deadline_breached", "resolution").len() == 1
            && fired(&case, "deadline_breached", "first_contact").len() == 1;
        done.then_some(case)
    })
    .await
    .expect("both deadlines of the first case breached");
    let resolution = case["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["kind"] == "resolution")
        .cloned();
    assert_eq!(resolution.expect("a resolution deadline")["state"], "breached");
    let warnings = fired(&case, "deadline_warned", "resolution");
    assert!(
        !warnings.is_empty(),
        "the resolution deadline warned before it was breached"
    );

    // More time passes while a second case runs its whole course: by the time the second case's
    // deadlines are breached, the timer loop has looked many times; the first case gained nothing.
    let second = opened_case(&sandbox, 2).await;
    clock.advance(chrono::Duration::days(30));
    wait_until(Duration::from_secs(10), || async {
        let (_, case) = sandbox.case(&second).await.ok()?;
        (fired(&case, "deadline_breached", "resolution").len() == 1).then_some(())
    })
    .await
    .expect("the second case breached");
    let (_, again) = sandbox.case(&first).await.expect("case");
    assert_eq!(
        fired(&again, "deadline_breached", "resolution").len(),
        1,
        "a breach fires once"
    );
    assert_eq!(
        fired(&again, "deadline_warned", "resolution"),
        warnings,
        "each warning fires once"
    );
    sandbox.stop().await;
}

async fn a_provisional_deadline_becomes_final_when_next_years_notice_is_loaded(stores: Stores) {
    // Monday 21 December 2026: 15 working days run into 2027, whose notice is not published.
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 12, 21, 2, 0, 0).single().expect("valid");
    let clock = Arc::new(ManualClock::new(start));
    let mut sandbox = Sandbox::start_on(stores, clock.clone()).await.expect("sandbox starts");
    let id = opened_case(&sandbox, 1).await;
    let resolution = |case: &serde_json::Value| {
        case["deadlines"]
            .as_array()
            .and_then(|d| d.iter().find(|d| d["kind"] == "resolution").cloned())
    };
    let (_, case) = sandbox.case(&id).await.expect("case");
    let before = resolution(&case).expect("a resolution deadline");
    // The weekday rule counts Friday 1 January 2027 as a working day: 15th is Monday 11 January.
    assert_eq!(before["due_at"], "2027-01-11T15:59:59Z");
    assert_eq!(before["provisional"], true);

    // A made-up 2027 notice: 1–3 January off.
    let notice = json!({"year": 2027, "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
        {"name": "元旦", "date": "2027-01-02", "isOffDay": true},
        {"name": "元旦", "date": "2027-01-03", "isOffDay": true}
    ]});
    redress::calendars::install_notice(sandbox.data_dir.path(), "cn", 2027, &notice.to_string()).expect("kept");
    sandbox.restart(clock.clone()).await.expect("restarts");
    let case = wait_until(Duration::from_secs(5), || async {
        let (_, case) = sandbox.case(&id).await.ok()?;
        (count_entries(&case, "investigation", "deadline_recomputed") == 1).then_some(case)
    })
    .await
    .expect("the deadline is recomputed at start");
    let after = resolution(&case).expect("a resolution deadline");
    // With 1 January off: 22–25 (4), 28–31 December (8), 4–8 (13), 11, 12 January (15).
    assert_eq!(after["provisional"], false);
    assert_eq!(after["due_at"], "2027-01-12T15:59:59Z");
    sandbox.stop().await;
}
