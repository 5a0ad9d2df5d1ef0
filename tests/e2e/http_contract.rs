//! The HTTP contract: errors name their field, idempotency, the public page and readiness.

use e2e::{ADMIN_TOKEN, Sandbox, Stores};
use serde_json::json;

on_both_stores!(
    invalid_requests_get_a_4xx_naming_the_field,
    an_idempotency_key_returns_the_same_case_and_refuses_another_body,
    the_landing_page_speaks_the_callers_language_and_the_probes_answer,
    concurrent_registrations_share_transactions_without_mixing_up_their_answers
);

async fn invalid_requests_get_a_4xx_naming_the_field(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, std::sync::Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let cases = [
        (json!({"narrative": "x", "anonymous": true}), 422, "channel"),
        (
            json!({"channel": "pigeon", "narrative": "x", "anonymous": true}),
            422,
            "channel",
        ),
        (json!({"channel": "web", "anonymous": true}), 422, "narrative"),
        (json!({"channel": "web", "narrative": "有问题"}), 422, "complainant"),
        (
            json!({"channel": "web", "narrative": "有问题", "complainant": {"phone": "12345"}}),
            422,
            "complainant.phone",
        ),
        (
            json!({"channel": "web", "narrative": "x".repeat(20_001), "anonymous": true}),
            422,
            "narrative",
        ),
        (
            json!({"channel": "web", "narrative": "有问题", "anonymous": true, "category_code": "no.such"}),
            422,
            "category_code",
        ),
        (
            json!({"channel": "web", "narrative": "有问题", "anonymous": true, "received_at": "1989-01-01T00:00:00Z"}),
            422,
            "received_at",
        ),
        (
            json!({"channel": "web", "narrative": "有问题", "anonymous": true, "surprise": 1}),
            422,
            "surprise",
        ),
        (
            json!({"channel": "web", "narrative": "有问题", "complainant": {"nickname": "x"}}),
            422,
            "complainant.nickname",
        ),
        (json!(["not", "an", "object"]), 422, "body"),
        (
            json!({"channel": "web", "narrative": 5, "anonymous": true}),
            422,
            "narrative",
        ),
    ];
    for (body, expected_status, field) in cases {
        let (status, answer) = sandbox.post_complaint(&body, None).await.expect("answered");
        assert_eq!(status, expected_status, "{body} → {answer}");
        let named = answer["error"]["field"].as_str().unwrap_or("");
        assert!(
            named == field || named.starts_with(field),
            "{body}: field {named:?} should be {field:?} ({answer})"
        );
        assert!(!answer["error"]["message"].as_str().unwrap_or("").is_empty());
    }
    let response = sandbox
        .http
        .post(format!("{}/api/v1/complaints", sandbox.base_url))
        .bearer_auth(ADMIN_TOKEN)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 400);
    sandbox.stop().await;
}

async fn an_idempotency_key_returns_the_same_case_and_refuses_another_body(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, std::sync::Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let body = json!({"channel": "phone", "narrative": "维修后故障灯仍然亮", "complainant": {"phone": "13912345678"}});
    let (first_status, first) = sandbox.post_complaint(&body, Some("call-42")).await.expect("first");
    let (second_status, second) = sandbox.post_complaint(&body, Some("call-42")).await.expect("second");
    assert_eq!(first_status, 201);
    assert_eq!(second_status, 200);
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["case_number"], second["case_number"]);
    let other = json!({"channel": "phone", "narrative": "另一件事", "complainant": {"phone": "13912345678"}});
    let (status, answer) = sandbox.post_complaint(&other, Some("call-42")).await.expect("third");
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "idempotency_key_reused");
    sandbox.stop().await;
}

async fn the_landing_page_speaks_the_callers_language_and_the_probes_answer(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, std::sync::Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let get = |path: &str, language: &str| {
        sandbox
            .http
            .get(format!("{}{path}", sandbox.base_url))
            .header("Accept-Language", language)
            .send()
    };
    let zh = get("/", "zh-CN,zh;q=0.9").await.expect("page");
    assert_eq!(zh.status().as_u16(), 200);
    let zh = zh.text().await.expect("text");
    assert!(zh.contains("投诉") && zh.contains("/staff/"));
    let en = get("/", "en-GB").await.expect("page").text().await.expect("text");
    assert!(en.contains("Submit complaint"));
    assert_eq!(get("/healthz", "").await.expect("health").status().as_u16(), 200);
    assert_eq!(get("/readyz", "").await.expect("ready").status().as_u16(), 200);
    let metrics = get("/metrics", "").await.expect("metrics").text().await.expect("text");
    assert!(
        metrics.contains("intake_events_published_total") && metrics.trim_end().ends_with("# EOF"),
        "{metrics}"
    );
    let openapi: serde_json::Value = get("/api/v1/openapi.json", "")
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    assert!(openapi["paths"]["/api/v1/complaints"]["post"].is_object());
    let unauthorized = sandbox
        .http
        .get(format!("{}/api/v1/cases/x", sandbox.base_url))
        .send()
        .await
        .expect("answered");
    assert_eq!(unauthorized.status().as_u16(), 401);
    sandbox.stop().await;
}

async fn concurrent_registrations_share_transactions_without_mixing_up_their_answers(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, std::sync::Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let body = |n: usize| json!({"channel": "web", "narrative": format!("第{n}宗并发投诉"), "complainant": {"phone": "13812345678"}});
    // 60 distinct cases, each sent twice at once under the same key, plus one key reused with
    // another body: batches form, and duplicates meet inside one transaction.
    let mut requests = Vec::new();
    for n in 0..60 {
        for _ in 0..2 {
            requests.push((format!("burst-{n}"), body(n)));
        }
    }
    let answers = futures::future::join_all(
        requests
            .iter()
            .map(|(key, body)| sandbox.post_complaint(body, Some(key.as_str()))),
    )
    .await;
    let mut by_key: std::collections::BTreeMap<&str, Vec<(u16, serde_json::Value)>> = Default::default();
    for ((key, _), answer) in requests.iter().zip(answers) {
        by_key.entry(key.as_str()).or_default().push(answer.expect("answered"));
    }
    let mut numbers = std::collections::BTreeSet::new();
    for (key, answers) in &by_key {
        let created: Vec<_> = answers.iter().filter(|(status, _)| *status == 201).collect();
        assert_eq!(created.len(), 1, "{key}: exactly one 201: {answers:?}");
        let case = &created[0].1;
        for (status, answer) in answers {
            match status {
                201 | 200 => assert_eq!(answer["id"], case["id"], "{key}: a replay returns the same case"),
                422 => assert_eq!(answer["error"]["code"], "idempotency_key_reused"),
                other => panic!("{key}: unexpected {other}: {answer}"),
            }
        }
        assert!(
            numbers.insert(case["case_number"].as_str().expect("number").to_owned()),
            "case numbers are unique"
        );
    }
    assert_eq!(numbers.len(), 60);
    // Reused with another body once the key is taken (sent in the burst, whichever body came
    // first would win and the other would be refused, so the count would depend on the race).
    let (status, answer) = sandbox
        .post_complaint(&body(999), Some("burst-0"))
        .await
        .expect("answered");
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("idempotency_key_reused"))
    );
    sandbox.stop().await;
}
