//! Intake's acceptance gate, repeats, time bars and the import end to end (decision 0007):
//! accept and reject through the API with the rejection notice recorded by notification,
//! illegal steps answering 409, idempotency per CONTRACT.md, withdrawal before acceptance, a
//! repeat linked and flagged on the bus, a duplicate merged, a time-barred complaint refused
//! with its reason, and the CFPB sample imported row by row.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use domain::clock::ManualClock;
use e2e::{Sandbox, Stores, act, count_entries, until};
use prost::Message as _;
use redress::settings::{IntakeSettings, Settings};
use reqwest::Method;
use serde_json::{Value, json};
use testkit::wait_until;

on_both_stores!(
    the_gate_accepts_rejects_withdraws_merges_and_refuses_illegal_steps,
    historical_complaints_are_imported_from_the_cfpb_sample,
    an_outside_source_requires_its_reference_in_its_format_and_sets_its_reply_deadline
);

const CFPB: &str = "/work/shared/data/samples/cfpb-2023-04-sample.csv";

/// Monday 23 November 2026, 10:00 in Beijing; no automatic acceptance, so the gate is the
/// staff's; every reason but `police_case`; staff attitude time-barred after a month.
async fn start(stores: Stores) -> Sandbox {
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).single().expect("valid");
    let intake: IntakeSettings = serde_json::from_value(json!({"gate": {
        "rejection_reasons": ["before_court", "petition_decided", "no_target", "not_our_matter",
            "time_barred", "duplicate", "not_by_consumer"],
        "repeat_window_days": 30,
        "time_bars": [{"category": "service.attitude", "months": 1}],
    }}))
    .expect("gate settings");
    let settings = Settings {
        auto_accept: false,
        intake,
        ..Settings::default()
    };
    Sandbox::start_with(stores, Arc::new(ManualClock::new(start)), settings)
        .await
        .expect("sandbox starts")
}

fn complaint(phone: &str, extra: Value) -> Value {
    let mut body = json!({"channel": "phone", "narrative": "门店服务顾问态度恶劣，拒绝解释收费项目",
        "complainant": {"name": "王芳", "phone": phone}});
    for (key, value) in extra.as_object().expect("an object") {
        body[key] = value.clone();
    }
    body
}

async fn register(sandbox: &Sandbox, body: &Value) -> (String, Value) {
    let (status, created) = sandbox.post_complaint(body, None).await.expect("posted");
    assert_eq!(status, 201, "{created}");
    (created["id"].as_str().expect("id").to_owned(), created)
}

/// The message intake published for `case_id` of `event_type`, read back from the bus.
async fn intake_event(sandbox: &Sandbox, case_id: &str, event_type: &str) -> bus::Message {
    let spec = bus::ConsumerSpec {
        durable_name: format!(
            "e2e-intake-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("now")
                .as_nanos()
        ),
        filter_subjects: vec!["redress.default.intake.>".into()],
        ack_wait: Duration::from_secs(30),
        max_deliver: None,
    };
    let mut consumer = sandbox.transport().consumer(spec).await.expect("a consumer");
    loop {
        let deliveries = consumer.fetch(500, Duration::from_secs(2)).await.expect("fetched");
        assert!(!deliveries.is_empty(), "{event_type} of {case_id} is on the bus");
        if let Some(found) = deliveries.into_iter().find(|d| {
            d.message.subject.contains(&format!(".{event_type}."))
                && bus::Envelope::from_message(&d.message).is_ok_and(|e| e.case_id.to_string() == case_id)
        }) {
            return found.message;
        }
    }
}

fn payload(message: &bus::Message) -> Vec<u8> {
    bus::Envelope::from_message(message)
        .expect("an envelope")
        .payload
        .to_vec()
}

async fn the_gate_accepts_rejects_withdraws_merges_and_refuses_illegal_steps(stores: Stores) {
    let sandbox = start(stores).await;
    let store = json!({"unit": "gz-tianhe-byd", "category_code": "service.efficiency"});

    // Received and waiting for the gate; accepted, with the acknowledgement deadline.
    let (first, created) = register(&sandbox, &complaint("13800000001", store.clone())).await;
    assert_eq!(created["status"], "received", "{created}");
    let (_, case) = sandbox.case(&first).await.expect("case");
    assert_eq!(
        case["allowed"],
        json!(["accept", "reject", "merge", "withdraw"]),
        "{case}"
    );
    let (status, stale) = act(
        &sandbox,
        &first,
        "accept",
        json!({}),
        Some(case["version"].as_u64().expect("v") + 5),
    )
    .await;
    assert_eq!(
        (status, stale["error"]["code"].as_str()),
        (412, Some("version_mismatch")),
        "{stale}"
    );
    let (status, unknown) = act(&sandbox, &first, "accept", json!({"reason_code": "no_target"}), None).await;
    assert_eq!(
        (status, unknown["error"]["field"].as_str()),
        (422, Some("reason_code")),
        "{unknown}"
    );
    let (status, accepted) = act(&sandbox, &first, "accept", json!({}), case["version"].as_u64()).await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["deadlines"][0]["kind"], "acknowledgement", "{accepted}");
    assert_eq!(accepted["version"].as_u64(), case["version"].as_u64().map(|v| v + 1));
    // Rejecting an accepted case is an illegal step: 409 naming the state.
    let (status, refused) = act(&sandbox, &first, "reject", json!({"reason_code": "no_target"}), None).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_transition");
    assert_eq!(refused["error"]["details"]["current_state"], "accepted", "{refused}");
    let accepted_event = intake_event(&sandbox, &first, "case.accepted").await;
    let event = rpc::events::v1::CaseAccepted::decode(payload(&accepted_event).as_slice()).expect("CaseAccepted");
    assert!(!event.imported);

    // Rejected with a reason of the tenant's list and a suggestion: notification records the
    // rejection notice (不予受理告知书); accepting it afterwards is refused.
    let (second, _) = register(&sandbox, &complaint("13800000002", json!({}))).await;
    let (status, error) = act(&sandbox, &second, "reject", json!({"reason_code": "police_case"}), None).await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (422, Some("reason_code")),
        "not the tenant's: {error}"
    );
    let (status, error) = act(&sandbox, &second, "reject", json!({}), None).await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (422, Some("reason_code")),
        "{error}"
    );
    let (status, rejected) = act(
        &sandbox,
        &second,
        "reject",
        json!({"reason_code": "not_our_matter", "suggestion": "请向物业公司反映。"}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{rejected}");
    assert_eq!(
        (rejected["status"].as_str(), rejected["rejection_reason"].as_str()),
        (Some("rejected"), Some("not_our_matter"))
    );
    let case = until(&sandbox, &second, |c| {
        count_entries(c, "notification", "rejection_recorded") == 1
    })
    .await;
    assert_eq!(case["status"], "rejected", "{case}");
    assert_eq!(count_entries(&case, "intake", "rejected"), 1);
    let (status, refused) = act(&sandbox, &second, "accept", json!({}), None).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["details"]["current_state"], "rejected", "{refused}");

    // Idempotency per CONTRACT.md still holds: same key and body → the same case; another body → 422.
    let body = complaint("13800000003", json!({}));
    let (status, once) = sandbox.post_complaint(&body, Some("gate-key-1")).await.expect("posted");
    assert_eq!(status, 201, "{once}");
    let (status, again) = sandbox.post_complaint(&body, Some("gate-key-1")).await.expect("posted");
    assert_eq!((status, &again["id"]), (200, &once["id"]), "{again}");
    let other = complaint("13800000003", json!({"subject": "另一件事"}));
    let (status, reused) = sandbox
        .post_complaint(&other, Some("gate-key-1"))
        .await
        .expect("posted");
    assert_eq!(
        (status, reused["error"]["code"].as_str()),
        (422, Some("idempotency_key_reused")),
        "{reused}"
    );

    // Withdrawal before acceptance ends processing.
    let withdrawn = once["id"].as_str().expect("id");
    let (status, done) = act(&sandbox, withdrawn, "withdraw", json!({}), None).await;
    assert_eq!((status, done["status"].as_str()), (200, Some("withdrawn")), "{done}");
    let (status, refused) = act(&sandbox, withdrawn, "accept", json!({}), None).await;
    assert_eq!(
        (status, refused["error"]["details"]["current_state"].as_str()),
        (409, Some("withdrawn"))
    );
    let (_, case) = sandbox.case(withdrawn).await.expect("case");
    assert_eq!(
        (case["status"].as_str(), case["allowed"].clone()),
        (Some("withdrawn"), json!([])),
        "{case}"
    );

    // The same complainant on the same subject a few days later: a repeat, linked and flagged.
    // Another subject of theirs is not one.
    let (repeat, _) = register(&sandbox, &complaint("13800000001", store.clone())).await;
    let case = until(&sandbox, &repeat, |c| count_entries(c, "intake", "repeat_linked") == 1).await;
    assert_eq!(case["repeat_of"].as_str(), Some(first.as_str()), "{case}");
    let registered = intake_event(&sandbox, &repeat, "case.registered").await;
    let event = rpc::events::v1::CaseRegistered::decode(payload(&registered).as_slice()).expect("CaseRegistered");
    assert!(event.signals.contains(&"repeat".to_owned()), "{:?}", event.signals);
    assert_eq!(event.repeat_of, first);
    let (elsewhere, _) = register(
        &sandbox,
        &complaint(
            "13800000001",
            json!({"unit": "sz-futian-byd", "category_code": "service.efficiency"}),
        ),
    )
    .await;
    let (_, case) = sandbox.case(&elsewhere).await.expect("case");
    assert!(case["repeat_of"].is_null(), "{case}");
    let registered = intake_event(&sandbox, &elsewhere, "case.registered").await;
    let event = rpc::events::v1::CaseRegistered::decode(payload(&registered).as_slice()).expect("CaseRegistered");
    assert!(!event.signals.contains(&"repeat".to_owned()));

    // The repeat is in fact a duplicate: merged into the first, rejected as `duplicate`, both
    // histories kept and each naming the other.
    let (status, error) = act(&sandbox, &repeat, "merge", json!({"into": repeat.clone()}), None).await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (422, Some("into")),
        "{error}"
    );
    let (status, merged) = act(&sandbox, &repeat, "merge", json!({"into": first.clone()}), None).await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["rejection_reason"], "duplicate");
    assert_eq!(merged["merged_into"].as_str(), Some(first.as_str()));
    let case = until(&sandbox, &repeat, |c| {
        count_entries(c, "notification", "rejection_recorded") == 1
    })
    .await;
    assert_eq!(count_entries(&case, "intake", "merged_into"), 1, "{case}");
    assert_eq!(count_entries(&case, "intake", "registered"), 1, "its own history stays");
    let (_, original) = sandbox.case(&first).await.expect("case");
    assert_eq!(count_entries(&original, "intake", "merged_from"), 1, "{original}");
    assert_eq!(
        count_entries(&original, "intake", "accepted"),
        1,
        "its own history stays"
    );
    let rejected_event = intake_event(&sandbox, &repeat, "case.rejected").await;
    let event = rpc::events::v1::CaseRejected::decode(payload(&rejected_event).as_slice()).expect("CaseRejected");
    assert_eq!(event.duplicate_of, original["case_number"].as_str().expect("number"));

    // Staff attitude is time-barred after a month: two months old is registered and refused
    // with its reason (and its notice); ten days old waits for the gate.
    let attitude = |occurred: &str| {
        complaint(
            "13900000009",
            json!({"category_code": "service.attitude", "occurred_at": occurred}),
        )
    };
    let (barred, created) = register(&sandbox, &attitude("2026-09-20T10:00:00+08:00")).await;
    assert_eq!(created["status"], "rejected", "{created}");
    let case = until(&sandbox, &barred, |c| {
        count_entries(c, "notification", "rejection_recorded") == 1
    })
    .await;
    assert_eq!(case["rejection_reason"], "time_barred", "{case}");
    let rejected_event = intake_event(&sandbox, &barred, "case.rejected").await;
    let event = rpc::events::v1::CaseRejected::decode(payload(&rejected_event).as_slice()).expect("CaseRejected");
    assert_eq!(event.reason_code, "time_barred");
    let (_, created) = register(&sandbox, &attitude("2026-11-13T10:00:00+08:00")).await;
    assert_eq!(created["status"], "received", "{created}");
    let (status, error) = sandbox
        .post_complaint(&attitude("2026-12-01T10:00:00+08:00"), None)
        .await
        .expect("posted");
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (422, Some("occurred_at")),
        "{error}"
    );
    sandbox.stop().await;
}

/// The test's own reading of the sample: (Submitted via, Company) per data row.
fn sample_rows(text: &str) -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (via, company) = (column("Submitted_via"), column("Company"));
    reader
        .records()
        .map(|record| {
            let record = record.expect("the sample reads");
            (record[via].to_owned(), record[company].to_owned())
        })
        .collect()
}

/// The CFPB's products as product ids.
fn products() -> Value {
    json!({
        "Credit reporting, credit repair services, or other personal consumer reports": "credit_reporting",
        "Debt collection": "debt_collection",
        "Checking or savings account": "checking_savings",
        "Credit card or prepaid card": "credit_card_prepaid",
        "Credit card": "credit_card",
        "Mortgage": "mortgage",
        "Money transfer, virtual currency, or money service": "money_transfer",
        "Vehicle loan or lease": "vehicle_loan",
        "Student loan": "student_loan",
        "Payday loan, title loan, or personal loan": "payday_personal_loan",
    })
}

async fn historical_complaints_are_imported_from_the_cfpb_sample(stores: Stores) {
    let sandbox = start(stores).await;
    let sample = std::fs::read_to_string(CFPB).expect("the CFPB sample");
    let rows = sample_rows(&sample);
    let channels: BTreeMap<&str, &str> = [
        ("Web", "web"),
        ("Web Referral", "forwarded"),
        ("Referral", "forwarded"),
        ("Phone", "phone"),
        ("Postal mail", "letter"),
        ("Fax", "fax"),
        ("Email", "email"),
    ]
    .into();
    // Three malformed rows after the sample's: too few fields, a channel the mapping lacks, a
    // date that does not exist.
    let mut content = sample.trim_end().to_owned();
    content.push_str("\r\n27-04-2023,Mortgage\r\n");
    content.push_str(
        "27-04-2023,Mortgage,,Trouble,,,,ACME,PA,19145,,,Carrier pigeon,27-04-2023,In progress,Yes,N/A,9000001\r\n",
    );
    content.push_str("31-02-2023,Mortgage,,Trouble,,,,ACME,PA,19145,,,Web,27-04-2023,In progress,Yes,N/A,9000002\r\n");
    let mapping = json!({
        "channel": "Submitted via", "channel_values": channels,
        "received_at": "Date received", "date_format": "%d-%m-%Y",
        "narrative": ["Consumer complaint narrative", "Issue"],
        "category": ["Product", "Issue"], "unit": "Company", "external_ref": "Complaint ID",
        "source": "regulator", "outcome": "Company response to consumer",
        "closed_values": ["Closed with explanation", "Closed with non-monetary relief", "Closed with monetary relief"],
        "product": "Product", "product_values": products(),
        "timely": "Timely response?", "timely_values": ["Yes"],
    });
    let import = |content: String, mapping: Value| {
        sandbox
            .api(Method::POST, "/api/v1/imports")
            .json(&json!({"format": "csv", "content": content, "mapping": mapping}))
            .send()
    };

    // A mapping naming a column the file lacks is refused whole, naming the field.
    let mut wrong = mapping.clone();
    wrong["unit"] = json!("Merchant");
    let response = import(content.clone(), wrong).await.expect("sent");
    assert_eq!(response.status().as_u16(), 422);
    let error: Value = response.json().await.expect("json");
    assert_eq!(error["error"]["field"], "mapping.unit", "{error}");

    let response = import(content.clone(), mapping.clone()).await.expect("sent");
    let status = response.status().as_u16();
    let report: Value = response.json().await.expect("json");
    assert_eq!(status, 200, "{report}");
    let imported = report["imported"].as_array().expect("imported");
    let refused = report["refused"].as_array().expect("refused");
    assert_eq!(report["rows"].as_u64(), Some(rows.len() as u64 + 3));
    assert_eq!(
        imported.len() + refused.len(),
        rows.len() + 3,
        "every row imported or refused"
    );

    // Each refused row has its number and reason; the sample's own refusals are rows whose
    // company is longer than a unit may be.
    let reason_of = |row: usize| {
        refused
            .iter()
            .find(|r| r["row"].as_u64() == Some(row as u64))
            .map(|r| (r["field"].clone(), r["reason"].as_str().expect("reason").to_owned()))
    };
    let (_, short) = reason_of(rows.len() + 1).expect("the short row is refused");
    assert!(short.contains("fields"), "{short}");
    let (field, pigeon) = reason_of(rows.len() + 2).expect("the pigeon row is refused");
    assert_eq!(field, "channel");
    assert!(pigeon.contains("Carrier pigeon"), "{pigeon}");
    let (field, _) = reason_of(rows.len() + 3).expect("31 February is refused");
    assert_eq!(field, "received_at");
    for (n, (_, company)) in rows.iter().enumerate() {
        match reason_of(n + 1) {
            Some((field, reason)) => {
                assert_eq!(field, "unit", "row {}: {reason}", n + 1);
                assert!(company.chars().count() > 64, "row {} refused: {reason}", n + 1);
            }
            None => assert!(company.chars().count() <= 64, "row {} was imported", n + 1),
        }
    }

    // Counts by channel match the file: the rows imported plus those refused, per channel.
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for (n, (via, _)) in rows.iter().enumerate() {
        if reason_of(n + 1).is_none() {
            *expected.entry(channels[via.as_str()].to_owned()).or_default() += 1;
        }
    }
    let by_channel: BTreeMap<String, u64> = serde_json::from_value(report["by_channel"].clone()).expect("by channel");
    assert_eq!(by_channel, expected);
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    for row in imported {
        *counted
            .entry(row["channel"].as_str().expect("channel").to_owned())
            .or_default() += 1;
    }
    assert_eq!(counted, expected);
    // Analytics counts them by channel, product and timely response as an independent script
    // counts the file (the rows the import refused left out).
    let sample_refused: Vec<String> = refused
        .iter()
        .filter_map(|r| r["row"].as_u64())
        .filter(|row| *row as usize <= rows.len())
        .map(|row| row.to_string())
        .collect();
    let script_mapping = json!({"channel_values": channels, "product_values": products(), "timely_values": ["Yes"]});
    let output = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/cfpb_counts.py"))
        .arg(CFPB)
        .arg(script_mapping.to_string())
        .arg(sample_refused.join(","))
        .output()
        .expect("python3 runs the counting script");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let script: Value = serde_json::from_slice(&output.stdout).expect("the script's JSON");
    assert_eq!(
        script["by_channel"],
        json!(expected),
        "the script and the import agree on channels"
    );
    assert_eq!(script["rows"].as_u64(), Some(imported.len() as u64));
    let counts = |kpis: &Value, breakdown: &str| -> Option<Value> {
        let map: serde_json::Map<String, Value> = kpis[breakdown]
            .as_object()?
            .iter()
            .map(|(key, figures)| (key.clone(), figures["count"].clone()))
            .collect();
        Some(Value::Object(map))
    };
    let figures = wait_until(Duration::from_secs(60), || async {
        let response = sandbox
            .api(Method::GET, "/api/v1/analytics/kpis?from=2010-01-01&to=2024-12-31")
            .send()
            .await
            .ok()?;
        let kpis: Value = response.json().await.ok()?;
        (counts(&kpis, "by_channel")? == script["by_channel"]).then_some(kpis)
    })
    .await
    .expect("analytics counts the imported cases by channel");
    assert_eq!(counts(&figures, "by_product"), Some(script["by_product"].clone()));
    let timeliness = &figures["kpis"]["timeliness"];
    let (yes, no) = (
        script["timely"]["yes"].as_u64().expect("yes"),
        script["timely"]["no"].as_u64().expect("no"),
    );
    assert!(no > 0 && yes > 0, "{script}");
    assert_eq!(
        (timeliness["numerator"].as_u64(), timeliness["denominator"].as_u64()),
        (Some(yes), Some(yes + no)),
        "{timeliness}"
    );

    // A closed row is closed with its outcome; an open one waits for the gate, and accepting
    // it tells notification it is imported (no acknowledgement is owed).
    let closed = imported.iter().find(|r| r["status"] == "closed").expect("a closed row");
    let (_, case) = sandbox
        .case(closed["case_id"].as_str().expect("id"))
        .await
        .expect("case");
    assert_eq!(
        (case["imported"].as_bool(), case["status"].as_str()),
        (Some(true), Some("closed")),
        "{case}"
    );
    assert!(
        case["outcome"].as_str().expect("outcome").starts_with("Closed"),
        "{case}"
    );
    let open = imported
        .iter()
        .find(|r| r["status"] == "received")
        .expect("an open row");
    let open_id = open["case_id"].as_str().expect("id");
    let registered = intake_event(&sandbox, open_id, "case.registered").await;
    let event = rpc::events::v1::CaseRegistered::decode(payload(&registered).as_slice()).expect("CaseRegistered");
    assert!(event.imported && event.complainant_ref.is_empty() && event.matter_ref.is_empty());
    let (status, accepted) = act(&sandbox, open_id, "accept", json!({}), None).await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(
        accepted["deadlines"],
        json!([]),
        "no acknowledgement deadline for history"
    );
    let accepted_event = intake_event(&sandbox, open_id, "case.accepted").await;
    let event = rpc::events::v1::CaseAccepted::decode(payload(&accepted_event).as_slice()).expect("CaseAccepted");
    assert!(event.imported);

    // Importing the file again answers the same cases.
    let response = import(content, mapping).await.expect("sent");
    let again: Value = response.json().await.expect("json");
    let replayed = again["imported"].as_array().expect("imported");
    assert_eq!(replayed.len(), imported.len());
    assert!(replayed.iter().all(|r| r["replayed"] == true));
    assert_eq!(replayed[0]["case_id"], imported[0]["case_id"]);
    sandbox.stop().await;
}

async fn an_outside_source_requires_its_reference_in_its_format_and_sets_its_reply_deadline(stores: Stores) {
    // The tenant's own 12345 entry: its work orders read GZ12345-<8 digits>, replies in 3 days.
    let start = Utc.with_ymd_and_hms(2026, 9, 23, 2, 0, 0).single().expect("valid");
    let intake: IntakeSettings = serde_json::from_value(json!({"gate": {"sources": [
        {"source": "hotline_12345", "reference_required": true, "reference_pattern": "GZ12345-[0-9]{8}",
         "reply_working_days": 3, "result_back": true}]}}))
    .expect("gate settings");
    let settings = Settings {
        intake,
        ..Settings::default()
    };
    let sandbox = Sandbox::start_with(stores, Arc::new(ManualClock::new(start)), settings)
        .await
        .expect("sandbox starts");
    let refused = |body: Value| {
        let sandbox = &sandbox;
        async move {
            let (status, error) = sandbox.post_complaint(&body, None).await.expect("posted");
            assert_eq!(status, 422, "{error}");
            (
                error["error"]["field"].as_str().unwrap_or_default().to_owned(),
                error["error"]["details"]["errors"][0]["rule"]
                    .as_str()
                    .or(error["error"]["code"].as_str())
                    .unwrap_or_default()
                    .to_owned(),
                error.to_string(),
            )
        }
    };
    // 12315 (the starter register): its reference is required.
    let (field, _, text) = refused(complaint("13500001111", json!({"source": "hotline_12315"}))).await;
    assert_eq!(field, "source_ref", "{text}");
    assert!(text.contains("required"), "{text}");
    // 12345 (the tenant's entry): a reference not in its format.
    let (field, _, text) = refused(complaint(
        "13500001112",
        json!({"source": "hotline_12345", "source_ref": "GZ12345-2026092"}),
    ))
    .await;
    assert_eq!(field, "source_ref", "{text}");
    assert!(text.contains("pattern"), "{text}");

    // A 12315 case with its reference and no deadline of its own: the market regulator's 7
    // working days from Wednesday 23 September 2026 end on Saturday 10 October, an adjusted
    // working day after the Mid-Autumn and National Day holidays.
    let (_, created) = register(
        &sandbox,
        &complaint(
            "13500001113",
            json!({"source": "hotline_12315", "source_ref": "315-2026-0923-0017"}),
        ),
    )
    .await;
    assert_eq!(source_due_on(&created), "2026-10-10");
    // The tenant's 12345: 3 working days (24, 28, 29 September).
    let (_, created) = register(
        &sandbox,
        &complaint(
            "13500001114",
            json!({"source": "hotline_12345", "source_ref": "GZ12345-20260923"}),
        ),
    )
    .await;
    assert_eq!(source_due_on(&created), "2026-09-29");
    sandbox.stop().await;
}

/// The local date (Beijing) of a registration's `source` deadline.
fn source_due_on(created: &Value) -> String {
    let due = created["deadlines"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["kind"] == "source"))
        .and_then(|d| d["due_at"].as_str())
        .unwrap_or_else(|| panic!("a source deadline in {created}"));
    chrono::DateTime::parse_from_rfc3339(due)
        .expect("an instant")
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d")
        .to_string()
}
