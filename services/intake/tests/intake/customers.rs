//! The customer system's HTTP adapter (decision 0011) against a local stand-in: the fixed
//! header and the signature it sends, what counts as no customer, what is retried and what is
//! not, and that it keeps only the customers that answer the question.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use intake::customers::http::{HttpCustomerSystem, signature};
use intake::customers::{Attempts, CustomerSystem, CustomersConfig, Identifier, IdentifierKind};
use serde_json::{Value, json};

/// A stand-in answering each request with the next of `answers` (the last one repeats), and
/// counting them; it refuses a request without the header or with a bad signature.
async fn stand_in(answers: Vec<(StatusCode, String)>) -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let answers = Arc::new(answers);
    let handler = move |headers: HeaderMap, body: String| {
        let (seen, answers) = (seen.clone(), answers.clone());
        async move {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            let signed =
                header("x-redress-signature") == signature("s3cret", &header("x-redress-timestamp"), body.as_bytes());
            let asked: Value = serde_json::from_str(&body).unwrap_or_default();
            if header("x-api-key") != "key-1" || !signed || asked["by"] != "phone" || asked["value"] != "13812345678" {
                return (StatusCode::UNAUTHORIZED, String::new());
            }
            answers[n.min(answers.len() - 1)].clone()
        }
    };
    let app = axum::Router::new().route("/lookup", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/lookup"), count)
}

fn system(endpoint: &str) -> HttpCustomerSystem {
    let mut config = CustomersConfig::new(endpoint);
    config.auth_header = Some("X-Api-Key".into());
    config.auth_value = Some("key-1".into());
    config.hmac_secret = Some("s3cret".into());
    config.validate().expect("valid");
    HttpCustomerSystem::new(config)
}

fn phone() -> Identifier {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 8).expect("date");
    Identifier::parse(IdentifierKind::Phone, "+86 138 1234 5678", today).expect("a phone")
}

const ATTEMPTS: Attempts = Attempts {
    timeout: Duration::from_millis(500),
    retries: 2,
};

fn answer(customers: Value) -> (StatusCode, String) {
    (StatusCode::OK, json!({ "customers": customers }).to_string())
}

#[tokio::test]
async fn a_signed_lookup_is_answered_and_only_matching_customers_are_kept() {
    let (url, count) = stand_in(vec![answer(json!([
        {"customer_id": "C1", "phone": "13812345678", "name": "张伟"},
        {"customer_id": "C2", "phone": "13900000000"}
    ]))])
    .await;
    let found = system(&url)
        .lookup("default", &phone(), ATTEMPTS)
        .await
        .expect("answered");
    assert_eq!(found.iter().map(|c| c.customer_id.as_str()).collect::<Vec<_>>(), ["C1"]);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn not_found_is_an_answer_and_server_errors_are_retried_then_unavailable() {
    let (url, count) = stand_in(vec![(StatusCode::NOT_FOUND, String::new())]).await;
    assert!(
        system(&url)
            .lookup("default", &phone(), ATTEMPTS)
            .await
            .expect("answered")
            .is_empty()
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);

    let (url, count) = stand_in(vec![
        (StatusCode::SERVICE_UNAVAILABLE, String::new()),
        (StatusCode::TOO_MANY_REQUESTS, String::new()),
        answer(json!([{"customer_id": "C1", "phone": "13812345678"}])),
    ])
    .await;
    let found = system(&url)
        .lookup("default", &phone(), ATTEMPTS)
        .await
        .expect("the third try");
    assert_eq!((found.len(), count.load(Ordering::SeqCst)), (1, 3));

    let (url, count) = stand_in(vec![(StatusCode::BAD_GATEWAY, String::new())]).await;
    let down = system(&url)
        .lookup("default", &phone(), ATTEMPTS)
        .await
        .expect_err("down");
    assert_eq!(
        (down.0.as_str(), count.load(Ordering::SeqCst)),
        ("answered 502 Bad Gateway", 3)
    );
}

#[tokio::test]
async fn a_refusal_or_an_unreadable_answer_is_unavailable_at_once_and_silence_times_out() {
    let (url, count) = stand_in(vec![(StatusCode::OK, "<html>login</html>".into())]).await;
    let error = system(&url)
        .lookup("default", &phone(), ATTEMPTS)
        .await
        .expect_err("not JSON");
    assert_eq!(
        (error.0.as_str(), count.load(Ordering::SeqCst)),
        ("the answer does not read: not JSON", 1)
    );
    let (url, count) = stand_in(vec![(StatusCode::FORBIDDEN, String::new())]).await;
    assert!(system(&url).lookup("default", &phone(), ATTEMPTS).await.is_err());
    assert_eq!(count.load(Ordering::SeqCst), 1, "no retry of a refusal");

    // A port that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/lookup", listener.local_addr().expect("addr"));
    let started = std::time::Instant::now();
    let once = Attempts {
        timeout: Duration::from_millis(300),
        retries: 0,
    };
    let error = system(&url)
        .lookup("default", &phone(), once)
        .await
        .expect_err("silent");
    assert_eq!(error.0, "timed out");
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(listener);
}
