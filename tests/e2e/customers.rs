//! Customer lookup (decision 0011) against a local stand-in of the organisation's customer
//! system at the true edge (HTTP, HMAC-signed requests checked): staff look customers up by
//! phone and VIN and see them masked; a registration with a known phone or VIN records the
//! customer's references; when the system goes down the synced CSV copy answers (and says so);
//! every lookup is audited with its purpose and never the identifier.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use e2e::{Sandbox, Stores, send, until};
use hmac::{Hmac, Mac};
use prost::Message as _;
use redress::settings::Settings;
use reqwest::Method;
use serde_json::{Value, json};

on_both_stores!(
    staff_look_customers_up_live_then_in_the_synced_copy_when_the_system_is_down,
    a_registration_with_a_known_phone_or_vin_confirms_the_customer,
);

const SECRET: &str = "dms-shared-secret-4567";
const PHONE: &str = "13826661234";
const VIN: &str = "LSVAU218XN2183294";
const OTHER_VIN: &str = "1M8GDM9AXKP042788";

/// The stand-in: checks the signature, answers one customer by phone, VIN or id; `down` makes
/// it answer 503.
struct Dms {
    url: String,
    down: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
}

fn customer() -> Value {
    json!({"customer_id": "C10023", "name": "欧阳建国", "phone": PHONE, "tier": "vip",
        "vehicles": [{"vin": VIN, "plate": "粤B12345", "model": "汉 EV", "delivery_date": "2025-06-01",
            "store": "gz-tianhe-byd", "salesperson": "s-0042"}],
        "orders": [{"number": "RO20260105-01", "kind": "repair", "date": "2026-01-05", "store": "gz-tianhe-byd",
            "amount_fen": 123450}]})
}

async fn dms() -> Dms {
    let down = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicUsize::new(0));
    let handler = {
        let (down, requests) = (down.clone(), requests.clone());
        move |headers: axum::http::HeaderMap, body: String| {
            let (down, requests) = (down.clone(), requests.clone());
            async move {
                requests.fetch_add(1, Ordering::SeqCst);
                if down.load(Ordering::SeqCst) {
                    return (axum::http::StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({})));
                }
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let timestamp = header("x-redress-timestamp");
                let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).expect("key");
                mac.update(format!("{timestamp}.{body}").as_bytes());
                let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
                if header("x-redress-signature") != expected {
                    return (axum::http::StatusCode::UNAUTHORIZED, axum::Json(json!({})));
                }
                let asked: Value = serde_json::from_str(&body).expect("json");
                let found = match (asked["by"].as_str(), asked["value"].as_str()) {
                    (Some("phone"), Some(PHONE)) | (Some("vin"), Some(VIN)) | (Some("customer_id"), Some("C10023")) => {
                        vec![customer()]
                    }
                    _ => Vec::new(),
                };
                (axum::http::StatusCode::OK, axum::Json(json!({"customers": found})))
            }
        }
    };
    let app = axum::Router::new().route("/lookup", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    Dms {
        url: format!("http://{addr}/lookup"),
        down,
        requests,
    }
}

async fn start(stores: Stores, dms: &Dms) -> Sandbox {
    let intake = serde_json::from_value(json!({
        "customers": {"endpoint": dms.url, "hmac_secret": SECRET, "timeout_ms": 1000, "retries": 1,
            "confirm_timeout_ms": 500},
    }))
    .expect("intake settings");
    Sandbox::start_with(
        stores,
        Arc::new(domain::SystemClock),
        Settings {
            intake,
            ..Settings::default()
        },
    )
    .await
    .expect("sandbox starts")
}

async fn lookup(sandbox: &Sandbox, body: Value) -> (u16, Value) {
    send(sandbox.api(Method::POST, "/api/v1/customers/lookup").json(&body)).await
}

/// An export of the customer system: one good customer with a vehicle and a repair order over
/// two rows, and rows that are refused.
const EXPORT: &str = "客户编号,姓名,手机,VIN,交车日期,销售门店,销售顾问,工单号,金额\n\
    C10023,欧阳建国,138 2666 1234,LSVAU218XN2183294,2025/06/01,gz-tianhe-byd,s-0042,,\n\
    C10023,欧阳建国,,,,,,RO20260105-01,\"1,234.50\"\n\
    C20001,李娜,13912345678,LSVAU2181N2183294,2025/06/01,gz-tianhe-byd,s-0042,,\n\
    C20002,王芳,1381234,,,,,,\n";

fn mapping() -> Value {
    json!({"customer_id": "客户编号", "name": "姓名", "phone": "手机", "vin": "VIN", "delivery_date": "交车日期",
        "store": "销售门店", "salesperson": "销售顾问", "order_number": "工单号", "amount": "金额",
        "date_format": "%Y/%m/%d"})
}

async fn staff_look_customers_up_live_then_in_the_synced_copy_when_the_system_is_down(stores: Stores) {
    let dms = dms().await;
    let sandbox = start(stores, &dms).await;
    let purpose = "核实来电客户身份 / verify the caller";

    // Live: the phone as an agent types it; the answer masked.
    let (status, found) = lookup(&sandbox, json!({"phone": "+86 138-2666-1234", "purpose": purpose})).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(
        (found["source"].as_str(), found["live"].as_str()),
        (Some("live"), Some("answered"))
    );
    assert_eq!(found["found"], true);
    let customer = &found["customers"][0];
    assert_eq!(customer["customer_id"], "C10023");
    assert_eq!(customer["name"], "欧***");
    assert_eq!(customer["phone"], "138****1234");
    assert_eq!(customer["vehicles"][0]["vin"], "***********183294");
    assert_eq!(customer["vehicles"][0]["plate"], "粤B***45");
    assert_eq!(customer["vehicles"][0]["salesperson"], "s-0042");
    assert_eq!(customer["orders"][0]["amount_fen"], 123450);
    assert!(
        !found.to_string().contains(PHONE) && !found.to_string().contains("建国"),
        "{found}"
    );
    let (status, nobody) = lookup(&sandbox, json!({"vin": OTHER_VIN, "purpose": purpose})).await;
    assert_eq!((status, nobody["found"].as_bool()), (200, Some(false)), "{nobody}");

    // Refused: two identifiers, a VIN failing its check digit, no purpose, an unknown case.
    for (body, field, rule) in [
        (json!({"phone": PHONE, "vin": VIN, "purpose": purpose}), "phone", None),
        (
            json!({"vin": "LSVAU2181N2183294", "purpose": purpose}),
            "vin",
            Some("check_digit"),
        ),
        (json!({"phone": PHONE, "purpose": "  "}), "purpose", Some("required")),
    ] {
        let (status, refused) = lookup(&sandbox, body).await;
        assert_eq!(
            (status, refused["error"]["field"].as_str()),
            (422, Some(field)),
            "{refused}"
        );
        if let Some(rule) = rule {
            assert_eq!(refused["error"]["details"]["errors"][0]["rule"], rule, "{refused}");
        }
    }
    let (status, _) = lookup(
        &sandbox,
        json!({"phone": PHONE, "purpose": purpose, "case_id": "0190d7a0-0000-7000-8000-000000000000"}),
    )
    .await;
    assert_eq!(status, 404);

    // The system goes down before any sync: nothing can answer.
    dms.down.store(true, Ordering::SeqCst);
    let before = dms.requests.load(Ordering::SeqCst);
    let (status, unavailable) = lookup(&sandbox, json!({"phone": PHONE, "purpose": purpose})).await;
    assert_eq!(
        (status, unavailable["error"]["code"].as_str()),
        (503, Some("customer_system_unavailable")),
        "{unavailable}"
    );
    assert_eq!(dms.requests.load(Ordering::SeqCst) - before, 2, "one retry");

    // The administrator syncs the export; staff may not.
    let sync = json!({"content": EXPORT, "mapping": mapping()});
    let (status, report) = send(sandbox.api(Method::POST, "/api/v1/customers/sync").json(&sync)).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["rows"].as_u64(),
            report["imported"].as_u64(),
            report["customers"].as_u64()
        ),
        (Some(4), Some(2), Some(1))
    );
    let refused: Vec<(u64, &str)> = report["refused"]
        .as_array()
        .expect("refused")
        .iter()
        .map(|r| (r["row"].as_u64().unwrap_or(0), r["field"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(refused, [(3, "vin"), (4, "phone")], "{report}");
    assert!(
        !report.to_string().contains("1381234"),
        "no value in a reason: {report}"
    );

    // Down, the copy answers, and says how fresh it is.
    let (status, copied) = lookup(&sandbox, json!({"vin": VIN.to_lowercase(), "purpose": purpose})).await;
    assert_eq!(status, 200, "{copied}");
    assert_eq!(
        (copied["source"].as_str(), copied["live"].as_str()),
        (Some("synced"), Some("unavailable"))
    );
    assert_eq!(copied["as_of"], report["synced_at"]);
    let customer = &copied["customers"][0];
    assert_eq!(
        (customer["customer_id"].as_str(), customer["phone"].as_str()),
        (Some("C10023"), Some("138****1234"))
    );
    assert_eq!(customer["orders"][0]["amount_fen"], 123450);
    let (_, by_phone) = lookup(&sandbox, json!({"phone": "138 2666 1234", "purpose": purpose})).await;
    assert_eq!(by_phone["customers"][0]["customer_id"], "C10023", "{by_phone}");

    // A lookup for a case is on its timeline; every lookup is in the audit log, without the
    // identifier or what was found.
    let (_, case) = sandbox
        .post_complaint(
            &json!({"channel": "phone", "narrative": "维修后车辆异响", "anonymous": true}),
            None,
        )
        .await
        .expect("posted");
    let case_id = case["id"].as_str().expect("id").to_owned();
    let (status, _) = lookup(
        &sandbox,
        json!({"customer_id": "C10023", "purpose": purpose, "case_id": case_id}),
    )
    .await;
    assert_eq!(status, 200);
    let view = until(&sandbox, &case_id, |c| {
        c["timeline"]
            .as_array()
            .is_some_and(|t| t.iter().any(|e| e["action"] == "customer_looked_up"))
    })
    .await;
    let entry = view["timeline"]
        .as_array()
        .and_then(|t| t.iter().find(|e| e["action"] == "customer_looked_up"))
        .expect("the lookup");
    assert_eq!(entry["detail"]["purpose"], purpose);
    let audit = sandbox.audit_log("intake").await.expect("audit");
    let lookups: Vec<_> = audit.iter().filter(|e| e.action == "customer.looked_up").collect();
    assert_eq!(lookups.len(), 6, "every lookup that reached a source: {lookups:?}");
    assert!(lookups.iter().all(|e| e.detail_json.contains(purpose)), "{lookups:?}");
    assert!(
        lookups
            .iter()
            .all(|e| !e.detail_json.contains("2666") && !e.detail_json.contains("183294")),
        "no identifier in the audit log"
    );
    assert!(lookups.iter().any(|e| e.subject == case_id));
    assert!(audit.iter().any(|e| e.action == "customers.synced"));
    sandbox.stop().await;

    // Without a system and never synced: not configured.
    let bare = Sandbox::start_on(stores, Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let (status, none) = lookup(&bare, json!({"phone": PHONE, "purpose": purpose})).await;
    assert_eq!(
        (status, none["error"]["code"].as_str()),
        (409, Some("not_configured")),
        "{none}"
    );
    bare.stop().await;
}

/// `case.registered` of a case, read back from the bus.
async fn registered_event(sandbox: &Sandbox, case_id: &str) -> rpc::events::v1::CaseRegistered {
    let spec = bus::ConsumerSpec {
        durable_name: format!("e2e-customers-{}", uuid::Uuid::now_v7().simple()),
        filter_subjects: vec!["redress.default.intake.case.registered.>".into()],
        ack_wait: Duration::from_secs(30),
        max_deliver: None,
    };
    let mut consumer = sandbox.transport().consumer(spec).await.expect("a consumer");
    loop {
        let deliveries = consumer.fetch(500, Duration::from_millis(500)).await.expect("fetched");
        assert!(!deliveries.is_empty(), "case.registered of {case_id} is on the bus");
        for delivery in deliveries {
            let envelope = bus::Envelope::from_message(&delivery.message).expect("an envelope");
            if envelope.case_id.to_string() == case_id {
                return rpc::events::v1::CaseRegistered::decode(envelope.payload.as_ref()).expect("decodes");
            }
        }
    }
}

fn confirmed(case: &Value) -> Option<Value> {
    case["timeline"]
        .as_array()?
        .iter()
        .find(|e| e["action"] == "customer_confirmed")
        .map(|e| e["detail"].clone())
}

async fn a_registration_with_a_known_phone_or_vin_confirms_the_customer(stores: Stores) {
    let dms = dms().await;
    let sandbox = start(stores, &dms).await;
    // Live: the complainant's phone is the customer's.
    let (status, case) = sandbox
        .post_complaint(
            &json!({"channel": "phone", "narrative": "新车交付延迟，销售承诺未兑现",
                "complainant": {"name": "欧阳建国", "phone": "138 2666 1234"}}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{case}");
    let live_id = case["id"].as_str().expect("id").to_owned();
    let view = until(&sandbox, &live_id, |c| confirmed(c).is_some()).await;
    let detail = confirmed(&view).expect("confirmed");
    assert_eq!(
        (
            detail["by"].as_str(),
            detail["source"].as_str(),
            detail["customer_id"].as_str(),
            detail["store"].as_str(),
            detail["salesperson"].as_str()
        ),
        (
            Some("phone"),
            Some("live"),
            Some("C10023"),
            Some("gz-tianhe-byd"),
            Some("s-0042")
        )
    );
    let event = registered_event(&sandbox, &live_id).await;
    assert!(event.customer_confirmed);
    assert_eq!(
        (
            event.customer_id.as_str(),
            event.customer_store.as_str(),
            event.customer_salesperson.as_str(),
            event.account_unit.as_str(),
            event.customer_tier.as_str()
        ),
        ("C10023", "gz-tianhe-byd", "s-0042", "gz-tianhe-byd", "vip"),
        "references for routing, filled where the registration named none"
    );

    // An unknown phone: registered, unconfirmed.
    let (_, other) = sandbox
        .post_complaint(
            &json!({"channel": "web", "narrative": "门店服务态度差", "complainant": {"phone": "13700000000"}}),
            None,
        )
        .await
        .expect("posted");
    let other_id = other["id"].as_str().expect("id").to_owned();
    // Accepted at registration; routing may have dispatched it before the first look.
    let view = until(&sandbox, &other_id, |c| {
        matches!(c["status"].as_str(), Some("accepted" | "dispatched"))
    })
    .await;
    assert!(confirmed(&view).is_none(), "{view}");
    assert!(!registered_event(&sandbox, &other_id).await.customer_confirmed);

    // The system down, the synced copy confirms by the VIN in the channel details.
    let sync = json!({"content": EXPORT, "mapping": mapping()});
    let (status, _) = send(sandbox.api(Method::POST, "/api/v1/customers/sync").json(&sync)).await;
    assert_eq!(status, 200);
    dms.down.store(true, Ordering::SeqCst);
    let (status, case) = sandbox
        .post_complaint(
            &json!({"channel": "app", "narrative": "车辆保养后异响", "complainant": {"name": "欧阳建国"},
                "vehicle": {"vin": VIN}}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{case}");
    let synced_id = case["id"].as_str().expect("id").to_owned();
    let view = until(&sandbox, &synced_id, |c| confirmed(c).is_some()).await;
    let detail = confirmed(&view).expect("confirmed");
    assert_eq!(
        (
            detail["by"].as_str(),
            detail["source"].as_str(),
            detail["customer_id"].as_str()
        ),
        (Some("vin"), Some("synced"), Some("C10023"))
    );
    assert!(!view.to_string().contains("欧阳"), "no personal data on the case view");
    sandbox.stop().await;
}
