//! SIGKILL between a commit and its publication (and between a consumer's commit and its
//! acknowledgement), restart on the same directory: every event reaches every consumer once.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use crate::harness::{ADMIN_TOKEN, Product, client};

fn complaint(n: usize) -> serde_json::Value {
    json!({
        "channel": "phone",
        "narrative": format!("第{n}次投诉：维修后车辆仍有异响"),
        "complainant": {"name": "王五", "phone": "13700000000", "preferred_language": "zh-CN"}
    })
}

/// Posts with an idempotency key; a connection cut by the crash is an `Err`.
async fn post(base_url: &str, n: usize) -> Result<serde_json::Value, reqwest::Error> {
    client()
        .post(format!("{base_url}/api/v1/complaints"))
        .bearer_auth(ADMIN_TOKEN)
        .header("Idempotency-Key", format!("crash-{n}"))
        .json(&complaint(n))
        .send()
        .await?
        .json()
        .await
}

async fn case(base_url: &str, id: &str) -> serde_json::Value {
    client()
        .get(format!("{base_url}/api/v1/cases/{id}"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("case answered")
        .json()
        .await
        .expect("json")
}

/// Runs a crash at `point`, restarts, and checks every case's timeline is complete with no
/// duplicate, and analytics counted each case once.
async fn survives(point: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let n_cases = 3;
    {
        let mut crashing = Product::start(dir.path(), &[("REDRESS_CRASH_AT", point)]);
        for n in 0..n_cases {
            // The crash may cut any of these requests; those are retried after the restart.
            let _ = post(&crashing.base_url, n).await;
        }
        let status = crashing.wait_for_death(Duration::from_secs(30));
        assert!(
            !status.success(),
            "{point}: the process was killed, not stopped ({status})"
        );
    }
    let product = Product::start(dir.path(), &[]);
    let mut ids = Vec::new();
    for n in 0..n_cases {
        let created = post(&product.base_url, n)
            .await
            .expect("registered or replayed after restart");
        ids.push(created["id"].as_str().expect("id").to_owned());
    }
    let expected = [
        ("intake", "registered"),
        ("intake", "accepted"),
        ("routing", "dispatched"),
        ("investigation", "file_opened"),
        ("notification", "acknowledgement_recorded"),
        ("analytics", "counted"),
    ];
    for id in &ids {
        let complete = testkit::wait_until(Duration::from_secs(30), || async {
            let case = case(&product.base_url, id).await;
            let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
            for entry in case["timeline"].as_array()? {
                let key = (
                    entry["service"].as_str()?.to_owned(),
                    entry["action"].as_str()?.to_owned(),
                );
                *counts.entry(key).or_default() += 1;
            }
            let done = expected
                .iter()
                .all(|(s, a)| counts.contains_key(&((*s).to_owned(), (*a).to_owned())));
            done.then_some(counts)
        })
        .await;
        let Some(complete) = complete else {
            panic!(
                "{point}: case {id} never completed: {}",
                case(&product.base_url, id).await
            );
        };
        for (key, count) in &complete {
            assert_eq!(*count, 1, "{point}: case {id} has {count} × {key:?}");
        }
    }
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"))
        .format("%Y-%m-%d")
        .to_string();
    let kpis: serde_json::Value = client()
        .get(format!(
            "{}/api/v1/analytics/kpis?from={today}&to={today}",
            product.base_url
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("kpis")
        .json()
        .await
        .expect("json");
    assert_eq!(
        kpis["total"],
        json!(n_cases),
        "{point}: analytics counted each case once: {kpis}"
    );
}

#[tokio::test]
async fn a_crash_after_the_outbox_commit_loses_and_duplicates_nothing() {
    survives("relay.after_commit").await;
}

#[tokio::test]
async fn a_crash_after_publishing_before_removing_the_outbox_row_duplicates_nothing() {
    survives("relay.after_publish:2").await;
}

#[tokio::test]
async fn a_crash_after_a_consumer_commit_before_its_ack_duplicates_nothing() {
    survives("consumer.after_commit:2").await;
}
