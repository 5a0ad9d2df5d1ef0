//! A complaint flows through all five services.

use std::collections::BTreeSet;
use std::time::Duration;

use e2e::{Sandbox, Stores};
use serde_json::json;
use testkit::wait_until;

on_both_stores!(a_complaint_reaches_every_service_within_two_seconds);

async fn a_complaint_reaches_every_service_within_two_seconds(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, std::sync::Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let (status, created) = sandbox
        .post_complaint(
            &json!({
                "channel": "web",
                "narrative": "销售顾问承诺的保养套餐没有兑现，要求退还差价。",
                "complainant": {"name": "李伟", "phone": "13812345678", "preferred_language": "zh-CN"},
                "category": "优惠或承诺未兑现",
                "demands": ["refund"]
            }),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("an id").to_owned();
    let number = created["case_number"].as_str().expect("a case number");
    assert!(
        number.starts_with("TS") && number.len() == 14 && number[2..].bytes().all(|b| b.is_ascii_digit()),
        "{number}"
    );
    assert_eq!(created["status"], "accepted");

    let case = wait_until(Duration::from_secs(2), || async {
        let (_, case) = sandbox.case(&id).await.ok()?;
        let services: BTreeSet<String> = case["timeline"]
            .as_array()?
            .iter()
            .filter_map(|e| e["service"].as_str().map(str::to_owned))
            .collect();
        (services.len() == 5).then_some(case)
    })
    .await
    .expect("a timeline entry from each of the five services within 2 seconds");

    assert_eq!(case["case_number"], number);
    assert_eq!(case["category"], "dealer.sales.promise_not_kept");
    assert_eq!(case["status"], "dispatched", "the unit has yet to take it");
    assert_eq!(case["unit"], "hq");
    assert!(case["pending"].as_array().expect("pending").is_empty());
    let deadline_kinds: Vec<&str> = case["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    assert!(
        deadline_kinds.contains(&"acknowledgement") && deadline_kinds.contains(&"resolution"),
        "{deadline_kinds:?}"
    );
    let actions: Vec<(&str, &str)> = case["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| (e["service"].as_str().unwrap_or(""), e["action"].as_str().unwrap_or("")))
        .collect();
    for expected in [
        ("intake", "registered"),
        ("intake", "accepted"),
        ("routing", "dispatched"),
        ("investigation", "file_opened"),
        ("notification", "acknowledgement_recorded"),
        ("analytics", "counted"),
    ] {
        assert!(actions.contains(&expected), "{expected:?} missing from {actions:?}");
    }
    let times: Vec<&str> = case["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["at"].as_str())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "the timeline is oldest first");
    // Personal data never reaches the timeline.
    let text = case.to_string();
    assert!(
        !text.contains("13812345678") && !text.contains("李伟"),
        "personal data leaked into the case view"
    );
    sandbox.stop().await;
}
