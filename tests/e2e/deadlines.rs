//! Deadlines move with the calendar and their timers fire once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use domain::clock::ManualClock;
use e2e::{Sandbox, Stores, act, count_entries, dispatched, publish, until};
use serde_json::json;
use testkit::wait_until;

on_both_stores!(
    warnings_and_breaches_fire_once_each_when_time_passes,
    a_provisional_deadline_becomes_final_when_next_years_notice_is_loaded,
    a_return_pauses_the_resolution_clock_until_the_next_dispatch_where_the_rules_say_so
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
    // The counters agree with the timeline: two cases, each breached twice (resolution, first
    // contact), every warning once.
    let (_, second_case) = sandbox.case(&second).await.expect("case");
    let all = |action: &str| {
        ["resolution", "first_contact"]
            .iter()
            .map(|d| fired(&again, action, d).len() + fired(&second_case, action, d).len())
            .sum::<usize>()
    };
    let metrics = sandbox
        .http
        .get(format!("{}/metrics", sandbox.base_url))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    let counter = |name: &str| -> usize {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .map(|value| value as usize)
            .unwrap_or_else(|| panic!("{name} in {metrics}"))
    };
    assert_eq!(
        counter("investigation_deadline_breaches_total"),
        all("deadline_breached")
    );
    assert_eq!(counter("investigation_deadline_warnings_total"), all("deadline_warned"));
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

fn resolution(case: &serde_json::Value) -> serde_json::Value {
    case["deadlines"]
        .as_array()
        .and_then(|all| all.iter().rev().find(|d| d["kind"] == "resolution"))
        .cloned()
        .unwrap_or_default()
}

async fn a_return_pauses_the_resolution_clock_until_the_next_dispatch_where_the_rules_say_so(stores: Stores) {
    // Monday 23 November 2026, 10:00 in Beijing.
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).single().expect("valid");
    let clock = Arc::new(ManualClock::new(start));
    let mut sandbox = Sandbox::start_on(stores, clock.clone()).await.expect("sandbox starts");
    let mut organisation: serde_json::Value =
        serde_json::from_str(include_str!("../../services/routing/demo/dealer-organisation.json")).expect("json");
    for unit in organisation["units"].as_array_mut().expect("units") {
        // The store's own process: 7 working days to answer.
        unit["settings"]["policy"] = json!("dealership_store");
    }
    let mut rules: serde_json::Value =
        serde_json::from_str(include_str!("../../services/routing/demo/dealer-rules.json")).expect("json");
    rules["clock_on_return"] = json!("pause");
    assert_eq!(publish(&sandbox, "/api/v1/org", organisation, "the group").await.0, 201);
    assert_eq!(
        publish(&sandbox, "/api/v1/routing/rules", rules, "pause on return")
            .await
            .0,
        201
    );
    let (id, case) = dispatched(
        &sandbox,
        json!({"channel": "phone", "source": "hq_call_centre", "unit": "gz-tianhe-byd", "brand": "byd",
            "narrative": "保养后发动机故障灯常亮", "complainant": {"phone": "13800000002"}}),
    )
    .await;
    let opened = until(&sandbox, &id, |c| resolution(c)["state"] == "open").await;
    let due_before = resolution(&opened)["due_at"].as_str().expect("due").to_owned();

    // The store returns it on Monday; head office sits on it for 32 days.
    let (status, returned) = act(
        &sandbox,
        &id,
        "return",
        json!({"staff": "gz-tianhe-byd-crm", "reason": "车辆在深圳购买"}),
        case["version"].as_u64(),
    )
    .await;
    assert_eq!(status, 200, "{returned}");
    let paused = until(&sandbox, &id, |c| resolution(c)["state"] == "paused").await;
    assert_eq!(
        resolution(&paused)["due_at"],
        due_before.as_str(),
        "a pause alone moves nothing"
    );
    // Paused, the deadline neither warns nor breaches however long it waits.
    clock.advance(chrono::Duration::days(32));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, waiting) = sandbox.case(&id).await.expect("case");
    assert_eq!(resolution(&waiting)["state"], "paused", "{waiting}");
    assert!(fired(&waiting, "deadline_warned", "resolution").is_empty(), "{waiting}");
    assert!(
        fired(&waiting, "deadline_breached", "resolution").is_empty(),
        "{waiting}"
    );

    // Re-dispatched 32 days later: the clock resumes, later by the working days the pause covered.
    let (status, again) = act(
        &sandbox,
        &id,
        "dispatch",
        json!({"unit": "sz-futian-byd"}),
        returned["version"].as_u64(),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    // The deadline the view shows and investigation's timeline entry arrive separately: wait for both.
    let resumed = until(&sandbox, &id, |c| {
        resolution(c)["state"] == "open"
            && c["unit"] == "sz-futian-byd"
            && count_entries(c, "investigation", "clock_resumed") == 1
    })
    .await;
    let due_after = resolution(&resumed)["due_at"].as_str().expect("due").to_owned();
    // Due Wednesday 2 December; the pause from Monday 23 November 10:00 (the clock's first day,
    // not one it counts) to Friday 25 December 10:00 covered the ends of the 23 counted working
    // days from 24 November to 24 December, so it moves 23 working days on: into January 2027,
    // whose calendar is not published yet, so the ordinary weekday rule counts 1 January and the
    // deadline is provisional.
    assert_eq!(due_before, "2026-12-02T15:59:59Z");
    assert_eq!(due_after, "2027-01-04T15:59:59Z", "{resumed}");
    assert_eq!(resolution(&resumed)["provisional"], true);

    // When the 2027 notice arrives (1–3 January off), the recomputation replays the pause too.
    let notice = json!({"year": 2027, "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
        {"name": "元旦", "date": "2027-01-02", "isOffDay": true},
        {"name": "元旦", "date": "2027-01-03", "isOffDay": true}
    ]});
    redress::calendars::install_notice(sandbox.data_dir.path(), "cn", 2027, &notice.to_string()).expect("kept");
    sandbox.restart(clock.clone()).await.expect("restarts");
    let recomputed = until(&sandbox, &id, |c| {
        count_entries(c, "investigation", "deadline_recomputed") == 1
    })
    .await;
    assert_eq!(
        resolution(&recomputed)["due_at"],
        "2027-01-05T15:59:59Z",
        "{recomputed}"
    );
    assert_eq!(resolution(&recomputed)["provisional"], false);
    // The first-contact deadline ran on meanwhile: each alert reached its recipients' inbox.
    let inbox = until(&sandbox, &id, |c| {
        count_entries(c, "notification", "deadline_breach_recorded") == 1
    })
    .await;
    let audiences: Vec<(String, String)> = inbox["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["service"] == "notification" && e["detail"]["channel"] == "inbox")
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["detail"]["audience"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        audiences.contains(&("deadline_warning_recorded".into(), "staff:gz-tianhe-byd-crm".into()))
            && audiences.contains(&("deadline_breach_recorded".into(), "staff:byd-division-head".into())),
        "{audiences:?}"
    );
    // The store's customer-relations manager reads the dispatch and the warning in their inbox.
    let inbox: serde_json::Value = sandbox
        .api(reqwest::Method::GET, "/api/v1/inbox?staff=gz-tianhe-byd-crm")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let kinds: Vec<&str> = inbox["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter(|n| n["case_id"] == id.as_str())
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"dispatch") && kinds.contains(&"deadline_warning"),
        "{inbox}"
    );
    let case_number = resumed["case_number"].as_str().expect("case number");
    assert!(
        inbox["notices"]
            .as_array()
            .expect("notices")
            .iter()
            .all(|n| n["case_id"] != id.as_str() || n["subject"].as_str().is_some_and(|s| s.contains(case_number))),
        "{inbox}"
    );
    // With their own credential they read their own inbox, and nobody else's.
    let issued: serde_json::Value = sandbox
        .api(reqwest::Method::POST, "/api/v1/credentials")
        .json(&json!({"staff": "gz-tianhe-byd-crm"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let token = issued["token"].as_str().expect("token");
    let as_crm = |path: &str| {
        sandbox
            .http
            .get(format!("{}{path}", sandbox.base_url))
            .bearer_auth(token)
            .send()
    };
    let own: serde_json::Value = as_crm("/api/v1/inbox").await.expect("sent").json().await.expect("json");
    assert_eq!(own["notices"], inbox["notices"], "{own}");
    let other = as_crm("/api/v1/inbox?staff=gz-tianhe-byd-gm").await.expect("sent");
    assert_eq!(other.status().as_u16(), 403);
    let entries = |action: &str| count_entries(&resumed, "investigation", action);
    assert_eq!((entries("clock_paused"), entries("clock_resumed")), (1, 1), "{resumed}");
    let records = resumed["casework"]["records"].as_array().expect("records");
    let clock_records: Vec<&str> = records
        .iter()
        .filter(|r| r["kind"] == "clock")
        .filter_map(|r| r["body"]["event"].as_str())
        .collect();
    assert_eq!(clock_records, ["paused", "resumed"]);
    sandbox.stop().await;
}
