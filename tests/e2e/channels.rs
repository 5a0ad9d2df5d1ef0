//! The channels of decision 0009, each through its real protocol: the telephony platform's
//! signed webhook (and the agent's draft, caller lookup, quick entry and a privacy number from
//! a local stand-in of Alibaba Cloud's Dyplsapi), WeChat's signed pushes (XML), a letter with
//! its scan, a walk-in confirmed by the code a local SMS provider received or by a signature,
//! the on-the-spot fast path, and a case forwarded by 12345 with its reference and deadline.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use e2e::{Sandbox, Stores, count_entries, send, until};
use hmac::{Hmac, Mac};
use prost::Message as _;
use redress::settings::Settings;
use reqwest::Method;
use serde_json::{Value, json};
use sha1::Digest as _;

on_both_stores!(
    a_signed_call_opens_a_draft_the_agent_completes_and_a_store_calls_through_a_privacy_number,
    wechat_pushes_open_a_case_and_join_it_only_with_a_valid_signature,
    a_letter_upload_keeps_its_scan_and_is_back_dated_to_the_postmark,
    a_walk_in_stays_a_draft_until_the_complainant_confirms_it,
    the_on_the_spot_fast_path_registers_and_closes_with_the_normal_events,
    a_case_forwarded_from_12345_keeps_its_reference_and_deadline,
);

const PHONE_SECRET: &str = "telephony-shared-secret-0123";
const WECHAT_TOKEN: &str = "redresstoken";
const PLS_SECRET: &str = "pls-access-key-secret";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

/// What the local stand-ins received: the privacy-number provider's requests (parameters) and
/// the SMS provider's (JSON).
#[derive(Default)]
struct Received {
    bindings: Vec<BTreeMap<String, String>>,
    sms: Vec<Value>,
}

/// The stand-ins at the true edge: a Dyplsapi-like privacy-number provider that checks the
/// signature (version 1.0) and an SMS provider; answers their base URL.
async fn providers(received: Arc<Mutex<Received>>) -> String {
    let pls = {
        let received = received.clone();
        move |body: String| {
            let received = received.clone();
            async move {
                let mut parameters: BTreeMap<String, String> = body
                    .split('&')
                    .filter_map(|pair| pair.split_once('='))
                    .map(|(k, v)| (percent_decode(k), percent_decode(v)))
                    .collect();
                let given = parameters.remove("Signature").unwrap_or_default();
                let expected = intake::channels::privacy::signature("POST", &parameters, PLS_SECRET);
                if given != expected || parameters.get("Action").map(String::as_str) != Some("BindAxb") {
                    return axum::Json(json!({"Code": "SignatureDoesNotMatch", "Message": "bad signature"}));
                }
                received.lock().expect("lock").bindings.push(parameters);
                axum::Json(json!({"Code": "OK", "Message": "OK", "RequestId": "req-1",
                    "SecretBindDTO": {"SubsId": "1000000123", "SecretNo": "17100001111", "Extension": ""}}))
            }
        }
    };
    let sms = move |axum::Json(request): axum::Json<Value>| {
        let received = received.clone();
        async move {
            received.lock().expect("lock").sms.push(request);
            axum::Json(json!({"code": "OK", "message": "OK", "biz_id": "sms-1"}))
        }
    };
    let app = axum::Router::new()
        .route("/pls", axum::routing::post(pls))
        .route("/sms", axum::routing::post(sms));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn start(stores: Stores, received: Arc<Mutex<Received>>) -> Sandbox {
    let base = providers(received).await;
    let intake = serde_json::from_value(json!({
        "phone": {"webhook_secret": PHONE_SECRET, "privacy": {"endpoint": format!("{base}/pls"),
            "access_key_id": "LTAI-test", "access_key_secret": PLS_SECRET, "pool_key": "FC100000-test"}},
        "wechat": {"token": WECHAT_TOKEN},
        "status": {"sms": {"endpoint": format!("{base}/sms"), "sign_name": "天河比亚迪"}},
    }))
    .expect("intake settings");
    let settings = Settings {
        intake,
        ..Settings::default()
    };
    Sandbox::start_with(stores, Arc::new(domain::SystemClock), settings)
        .await
        .expect("sandbox starts")
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The telephony platform's call, signed with `secret` at `timestamp`.
async fn call(sandbox: &Sandbox, body: &Value, secret: &str, timestamp: i64) -> (u16, Value) {
    let body = body.to_string();
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let response = sandbox
        .http
        .post(format!("{}/api/v1/webhooks/default/phone", sandbox.base_url))
        .header("Content-Type", "application/json")
        .header("X-Redress-Timestamp", timestamp.to_string())
        .header("X-Redress-Signature", signature)
        .body(body)
        .send()
        .await
        .expect("sent");
    (response.status().as_u16(), response.json().await.expect("json"))
}

/// intake's events of a case, read back from the bus: `(event type, payload)`, oldest first.
async fn intake_events(sandbox: &Sandbox, case_id: &str) -> Vec<(String, Vec<u8>)> {
    let spec = bus::ConsumerSpec {
        durable_name: format!(
            "e2e-channels-{}",
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
    let mut found = Vec::new();
    loop {
        let deliveries = consumer.fetch(500, Duration::from_millis(500)).await.expect("fetched");
        if deliveries.is_empty() {
            return found;
        }
        for delivery in deliveries {
            let envelope = bus::Envelope::from_message(&delivery.message).expect("an envelope");
            if envelope.case_id.to_string() == case_id {
                found.push((envelope.event_type.clone(), envelope.payload.to_vec()));
            }
        }
    }
}

async fn intake_client(sandbox: &Sandbox) -> rpc::intake::v1::intake_client::IntakeClient<tonic::transport::Channel> {
    let channel = tonic::transport::Endpoint::from_shared(sandbox.intake_url())
        .expect("a URL")
        .connect()
        .await
        .expect("intake answers");
    rpc::intake::v1::intake_client::IntakeClient::new(channel)
}

fn tenant<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("x-redress-tenant", "default".parse().expect("metadata"));
    request
}

async fn a_signed_call_opens_a_draft_the_agent_completes_and_a_store_calls_through_a_privacy_number(stores: Stores) {
    let received = Arc::new(Mutex::new(Received::default()));
    let sandbox = start(stores, received.clone()).await;
    // The caller complained before, by the web form.
    let (status, earlier) = sandbox
        .post_complaint(
            &json!({"channel": "web", "narrative": "保养后发动机异响", "complainant": {"name": "王芳", "phone": "13812345678"}}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{earlier}");

    // An unsigned or stale call is refused, naming the header.
    let event = json!({"call_id": "CALL-20261123-0001", "caller": "138 1234 5678", "called": "4008001234",
        "started_at": chrono::Utc::now().to_rfc3339(), "agent": "a-7"});
    let (status, refused) = call(&sandbox, &event, "not-the-shared-secret", now_secs()).await;
    assert_eq!(
        (
            status,
            refused["error"]["code"].as_str(),
            refused["error"]["field"].as_str()
        ),
        (401, Some("invalid_signature"), Some("X-Redress-Signature")),
        "{refused}"
    );
    let (status, stale) = call(&sandbox, &event, PHONE_SECRET, now_secs() - 3600).await;
    assert_eq!(
        (status, stale["error"]["field"].as_str()),
        (401, Some("X-Redress-Timestamp")),
        "{stale}"
    );
    let (status, unknown) = call(
        &sandbox,
        &json!({"call_id": "C", "caller": "12"}),
        PHONE_SECRET,
        now_secs(),
    )
    .await;
    assert_eq!(
        (status, unknown["error"]["field"].as_str()),
        (422, Some("caller")),
        "{unknown}"
    );

    // A signed call opens a draft; the platform's retry finds the same one.
    let (status, opened) = call(&sandbox, &event, PHONE_SECRET, now_secs()).await;
    assert_eq!((status, opened["status"].as_str()), (201, Some("open")), "{opened}");
    let draft_id = opened["draft_id"].as_str().expect("draft").to_owned();
    let (status, again) = call(&sandbox, &event, PHONE_SECRET, now_secs()).await;
    assert_eq!(
        (status, again["draft_id"].as_str()),
        (200, Some(draft_id.as_str())),
        "{again}"
    );

    // The agent's screen: the masked caller, the call reference and the caller's earlier case.
    let (status, draft) = send(sandbox.api(Method::GET, &format!("/api/v1/drafts/{draft_id}"))).await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["phone_masked"], "138****5678", "{draft}");
    assert_eq!(draft["call_ref"], "CALL-20261123-0001");
    assert_eq!(draft["previous_cases"][0]["id"], earlier["id"], "{draft}");
    assert!(
        !draft.to_string().contains("13812345678"),
        "no number in the clear: {draft}"
    );
    let (status, lookup) = send(
        sandbox
            .api(Method::POST, "/api/v1/callers/lookup")
            .json(&json!({"phone": "13812345678"})),
    )
    .await;
    assert_eq!(
        (status, lookup["cases"][0]["id"].clone()),
        (200, earlier["id"].clone()),
        "{lookup}"
    );

    // Quick entry completes the draft: the caller's number and the call's start fill in.
    let (status, case) = send(
        sandbox
            .api(Method::POST, &format!("/api/v1/drafts/{draft_id}/complete"))
            .json(&json!({"channel": "phone", "narrative": "上次维修后仍然异响，要求退车", "complainant": {"name": "王芳"}})),
    )
    .await;
    assert_eq!((status, case["status"].as_str()), (201, Some("accepted")), "{case}");
    let case_id = case["id"].as_str().expect("id").to_owned();
    let (status, replayed) = send(
        sandbox
            .api(Method::POST, &format!("/api/v1/drafts/{draft_id}/complete"))
            .json(&json!({"channel": "phone", "narrative": "again"})),
    )
    .await;
    assert_eq!(
        (status, replayed["id"].as_str()),
        (200, Some(case_id.as_str())),
        "{replayed}"
    );
    let (_, draft) = send(sandbox.api(Method::GET, &format!("/api/v1/drafts/{draft_id}"))).await;
    assert_eq!(
        (draft["status"].as_str(), draft["case_id"].as_str()),
        (Some("registered"), Some(case_id.as_str()))
    );
    let (_, lookup) = send(
        sandbox
            .api(Method::POST, "/api/v1/callers/lookup")
            .json(&json!({"phone": "13812345678"})),
    )
    .await;
    assert_eq!(lookup["cases"][0]["id"], case_id.as_str(), "the newest first: {lookup}");
    assert_eq!(lookup["cases"][0]["channel"], "phone");

    // The store calls the complainant through an X number; it never sees the number.
    let (status, binding) = send(
        sandbox
            .api(Method::POST, &format!("/api/v1/cases/{case_id}/privacy-number"))
            .json(&json!({"phone_a": "020-8888 6666", "minutes": 60})),
    )
    .await;
    assert_eq!(
        (status, binding["secret_no"].as_str()),
        (201, Some("17100001111")),
        "{binding}"
    );
    assert!(!binding.to_string().contains("13812345678"), "{binding}");
    {
        let received = received.lock().expect("lock");
        let bound = received.bindings.last().expect("the provider was asked");
        assert_eq!(bound["PhoneNoB"], "13812345678");
        assert_eq!(bound["PhoneNoA"], "02088886666");
        assert_eq!(bound["PoolKey"], "FC100000-test");
        assert_eq!(bound["OutId"], binding["binding_id"].as_str().expect("id"));
    }
    let audit = sandbox.audit_log("intake").await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|entry| entry.action == "contact.bound" && entry.subject == case_id),
        "the binding is audited as a release"
    );
    let (status, anonymous) = sandbox
        .post_complaint(
            &json!({"channel": "phone", "narrative": "匿名反映", "anonymous": true}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201);
    let (status, no_phone) = send(
        sandbox
            .api(
                Method::POST,
                &format!("/api/v1/cases/{}/privacy-number", anonymous["id"].as_str().expect("id")),
            )
            .json(&json!({"phone_a": "02088886666"})),
    )
    .await;
    assert_eq!(
        (status, no_phone["error"]["code"].as_str()),
        (409, Some("no_phone")),
        "{no_phone}"
    );
    let case = until(&sandbox, &case_id, |c| {
        count_entries(c, "intake", "privacy_number_bound") == 1
    })
    .await;
    assert_eq!(case["channel"], "phone");
    sandbox.stop().await;
}

/// WeChat's push of a text message from `openid`, signed with `token`.
async fn push(sandbox: &Sandbox, token: &str, msg_id: u64, openid: &str, content: &str) -> (u16, String) {
    let (timestamp, nonce) = (now_secs().to_string(), "1514711492".to_owned());
    let mut parts = [token.to_owned(), timestamp.clone(), nonce.clone()];
    parts.sort();
    let signature = hex::encode(sha1::Sha1::digest(parts.concat().as_bytes()));
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>\
         <CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>\
         <MsgId>{msg_id}</MsgId></xml>"
    );
    let response = sandbox
        .http
        .post(format!(
            "{}/api/v1/webhooks/default/wechat?signature={signature}&timestamp={timestamp}&nonce={nonce}&openid={openid}",
            sandbox.base_url
        ))
        .header("Content-Type", "text/xml")
        .body(xml)
        .send()
        .await
        .expect("sent");
    (response.status().as_u16(), response.text().await.expect("text"))
}

async fn wechat_pushes_open_a_case_and_join_it_only_with_a_valid_signature(stores: Stores) {
    let sandbox = start(stores, Arc::new(Mutex::new(Received::default()))).await;
    // The server configuration check.
    let timestamp = now_secs().to_string();
    let mut parts = [WECHAT_TOKEN.to_owned(), timestamp.clone(), "42".to_owned()];
    parts.sort();
    let signature = hex::encode(sha1::Sha1::digest(parts.concat().as_bytes()));
    let verify = |signature: String| {
        sandbox.http.get(format!(
            "{}/api/v1/webhooks/default/wechat?signature={signature}&timestamp={timestamp}&nonce=42&echostr=echo-5678",
            sandbox.base_url
        ))
    };
    let response = verify(signature.clone()).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.expect("text"), "echo-5678");
    let response = verify("0".repeat(40)).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 401);

    // A forged push is refused and registers nothing.
    let (status, body) = push(&sandbox, "forgedtoken", 9_000_001, OPENID, "伪造的消息").await;
    assert_eq!(status, 401, "{body}");
    let refused: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(refused["error"]["code"], "invalid_signature");

    // A signed text message opens a case; the next one joins it; WeChat's retry changes nothing.
    let (status, body) = push(&sandbox, WECHAT_TOKEN, 9_000_002, OPENID, "4S店保养后漏油，要求赔偿").await;
    assert_eq!((status, body.as_str()), (200, "success"));
    let case_id = testkit::wait_until(Duration::from_secs(10), || async {
        let events = intake_events_of_type(&sandbox, "case.registered").await;
        events.into_iter().find_map(|(case_id, payload)| {
            let registered = rpc::events::v1::CaseRegistered::decode(payload.as_slice()).ok()?;
            (registered.channel == "wechat").then_some(case_id)
        })
    })
    .await
    .expect("a WeChat case");
    let (status, _) = push(&sandbox, WECHAT_TOKEN, 9_000_003, OPENID, "补充：今天又漏了").await;
    assert_eq!(status, 200);
    let (status, _) = push(&sandbox, WECHAT_TOKEN, 9_000_003, OPENID, "补充：今天又漏了").await;
    assert_eq!(status, 200, "a retried push is answered");
    let case = until(&sandbox, &case_id, |c| {
        count_entries(c, "intake", "correspondence_received") == 1
    })
    .await;
    assert_eq!(
        (case["channel"].as_str(), case["kind"].as_str()),
        (Some("wechat"), Some("complaint"))
    );
    assert_eq!(
        count_entries(&case, "intake", "accepted"),
        1,
        "the OpenID is a channel back, so it is complete: {case}"
    );
    let events = intake_events(&sandbox, &case_id).await;
    let types: Vec<_> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types.iter().filter(|t| **t == "case.correspondence_received").count(),
        1,
        "{types:?}"
    );
    let (_, payload) = events
        .iter()
        .find(|(t, _)| t == "case.correspondence_received")
        .expect("correspondence");
    let joined = rpc::events::v1::CaseCorrespondenceReceived::decode(payload.as_slice()).expect("decodes");
    assert_eq!(
        (joined.channel.as_str(), joined.matched_by.as_str()),
        ("wechat", "open_case")
    );
    for (_, payload) in &events {
        assert!(
            !String::from_utf8_lossy(payload).contains(OPENID),
            "no OpenID on the bus"
        );
    }

    // Another OpenID opens its own case.
    let (status, _) = push(
        &sandbox,
        WECHAT_TOKEN,
        9_000_004,
        "oUpF8uN1bZ_other_user_0001",
        "咨询保养价格",
    )
    .await;
    assert_eq!(status, 200);

    // Notification gets the OpenID with the 48-hour window of the last message.
    let released = intake_client(&sandbox)
        .await
        .release_contacts(tenant(rpc::intake::v1::ReleaseContactsRequest {
            case_ids: vec![case_id.clone()],
            purpose: "wechat_reply".into(),
            requester: "notification".into(),
        }))
        .await
        .expect("released")
        .into_inner()
        .contacts;
    let contact = released.first().expect("a contact");
    assert_eq!(contact.wechat_openid, OPENID);
    let last = chrono::DateTime::parse_from_rfc3339(&contact.last_message_at).expect("last message");
    let ends = chrono::DateTime::parse_from_rfc3339(&contact.reply_window_ends_at).expect("window");
    assert_eq!(ends - last, chrono::Duration::hours(48));
    assert!(
        (chrono::Utc::now() - last.with_timezone(&chrono::Utc))
            .num_seconds()
            .abs()
            < 120
    );
    sandbox.stop().await;
}

/// The case ids and payloads of every intake event of one type so far.
async fn intake_events_of_type(sandbox: &Sandbox, event_type: &str) -> Vec<(String, Vec<u8>)> {
    let spec = bus::ConsumerSpec {
        durable_name: format!(
            "e2e-channels-type-{}",
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
    let mut found = Vec::new();
    loop {
        let deliveries = consumer.fetch(500, Duration::from_millis(500)).await.expect("fetched");
        if deliveries.is_empty() {
            return found;
        }
        for delivery in deliveries {
            let envelope = bus::Envelope::from_message(&delivery.message).expect("an envelope");
            if envelope.event_type == event_type {
                found.push((envelope.case_id.to_string(), envelope.payload.to_vec()));
            }
        }
    }
}

async fn a_letter_upload_keeps_its_scan_and_is_back_dated_to_the_postmark(stores: Stores) {
    let sandbox = start(stores, Arc::new(Mutex::new(Received::default()))).await;
    let scan = b"%PDF-1.4\n% a scanned letter\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let postmark = (chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai) - chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    let body = json!({
        "complaint": {"channel": "letter", "narrative": "（转录）本人于上月在贵店购车，承诺的赠品至今未兑现。",
            "complainant": {"name": "刘洋", "address": "广东省广州市天河区体育西路1号"}},
        "postal": {"postmark_date": postmark, "sender_address": "广东省广州市天河区体育西路1号",
            "tracking_number": "EMS1234567890CN"},
        "scan": {"file_name": "letter-001.pdf", "content_type": "application/pdf",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(&scan)},
    });
    let (status, created) = send(sandbox.api(Method::POST, "/api/v1/letters").json(&body)).await;
    assert_eq!(status, 201, "{created}");
    let expected_received = format!("{}T00:00:00+08:00", postmark);
    let received_at = chrono::DateTime::parse_from_rfc3339(created["received_at"].as_str().expect("received_at"))
        .expect("an instant");
    assert_eq!(
        received_at,
        chrono::DateTime::parse_from_rfc3339(&expected_received).expect("postmark"),
        "back-dated to the postmark: {created}"
    );
    let file = &created["files"][0];
    assert_eq!(
        (
            file["kind"].as_str(),
            file["content_type"].as_str(),
            file["size"].as_u64()
        ),
        (Some("scan"), Some("application/pdf"), Some(scan.len() as u64))
    );
    assert_eq!(
        file["sha256"],
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&scan))
    );
    let (_, case) = sandbox.case(created["id"].as_str().expect("id")).await.expect("case");
    assert_eq!(case["channel"], "letter");

    // A scan that is not what it says, or of a type not taken, is refused naming the field.
    let mut wrong = body.clone();
    wrong["scan"]["content_type"] = json!("image/png");
    let (status, refused) = send(sandbox.api(Method::POST, "/api/v1/letters").json(&wrong)).await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("scan.content_base64")),
        "{refused}"
    );
    wrong["scan"]["content_type"] = json!("application/zip");
    let (status, refused) = send(sandbox.api(Method::POST, "/api/v1/letters").json(&wrong)).await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("scan.content_type"))
    );
    let mut future = body.clone();
    future["postal"]["postmark_date"] = json!("2999-01-01");
    let (status, refused) = send(sandbox.api(Method::POST, "/api/v1/letters").json(&future)).await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("postal.postmark_date"))
    );
    let mut not_a_letter = body.clone();
    not_a_letter["complaint"]["channel"] = json!("web");
    let (status, refused) = send(sandbox.api(Method::POST, "/api/v1/letters").json(&not_a_letter)).await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("complaint.channel"))
    );
    let mut empty = body;
    empty["complaint"]["narrative"] = json!(" ");
    let (status, refused) = send(sandbox.api(Method::POST, "/api/v1/letters").json(&empty)).await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("complaint.narrative"))
    );

    // A fax with its sender's number.
    let (status, fax) = send(sandbox.api(Method::POST, "/api/v1/letters").json(&json!({
        "complaint": {"channel": "fax", "narrative": "传真：投诉售后服务态度", "complainant": {"name": "陈静"}},
        "fax": {"sender_number": "020-87654321"},
    })))
    .await;
    assert_eq!((status, fax["files"].as_array().map(Vec::len)), (201, Some(0)), "{fax}");
    sandbox.stop().await;
}

async fn a_walk_in_stays_a_draft_until_the_complainant_confirms_it(stores: Stores) {
    let received = Arc::new(Mutex::new(Received::default()));
    let sandbox = start(stores, received.clone()).await;
    let complaint = json!({"channel": "walk_in", "narrative": "来访：新车交付时发现划痕，店方拒绝处理",
        "complainant": {"name": "赵磊", "phone": "13900001111"}, "unit": "gz-tianhe-byd"});
    let (status, draft) = send(
        sandbox
            .api(Method::POST, "/api/v1/walk-ins")
            .json(&json!({"complaint": complaint, "confirm_by": "code"})),
    )
    .await;
    assert_eq!(
        (status, draft["status"].as_str()),
        (201, Some("awaiting_confirmation")),
        "{draft}"
    );
    assert_eq!(draft["phone_masked"], "139****1111");
    assert!(draft["case_id"].is_null(), "no case yet: {draft}");
    let draft_id = draft["id"].as_str().expect("id").to_owned();
    let code = {
        let received = received.lock().expect("lock");
        let sms = received.sms.last().expect("the code went out");
        assert_eq!(sms["phone_numbers"], "13900001111");
        assert_eq!(
            sms["template_code"], "SMS_CODE_ZH_001",
            "the code template of decision 0008"
        );
        assert_eq!(sms["out_id"], draft_id.as_str());
        let parameters: Value = serde_json::from_str(sms["template_param"].as_str().expect("params")).expect("json");
        parameters["code"].as_str().expect("code").to_owned()
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm = |body: Value| {
        sandbox
            .api(Method::POST, &format!("/api/v1/walk-ins/{draft_id}/confirm"))
            .json(&body)
    };
    let (status, refused) = send(confirm(json!({"code": wrong}))).await;
    assert_eq!(
        (
            status,
            refused["error"]["field"].as_str(),
            refused["error"]["details"]["errors"][0]["rule"].as_str()
        ),
        (422, Some("code"), Some("code_mismatch")),
        "{refused}"
    );
    // Unconfirmed, it stays a draft: nothing registered.
    let (_, still) = send(sandbox.api(Method::GET, &format!("/api/v1/drafts/{draft_id}"))).await;
    assert_eq!(still["status"], "awaiting_confirmation");
    let (_, lookup) = send(
        sandbox
            .api(Method::POST, "/api/v1/callers/lookup")
            .json(&json!({"phone": "13900001111"})),
    )
    .await;
    assert_eq!(lookup["cases"].as_array().map(Vec::len), Some(0), "{lookup}");

    let (status, case) = send(confirm(json!({"code": code}))).await;
    assert_eq!(status, 201, "{case}");
    let case_id = case["id"].as_str().expect("id").to_owned();
    let (status, again) = send(confirm(json!({"code": code}))).await;
    assert_eq!((status, again["id"].as_str()), (200, Some(case_id.as_str())));
    let view = until(&sandbox, &case_id, |c| c["channel"] == "walk_in").await;
    assert_eq!(count_entries(&view, "intake", "accepted"), 1, "{view}");
    assert_eq!(
        view["received_at"], draft["received_at"],
        "received when registered at the counter"
    );

    // Confirmed by a signature instead.
    let png = [
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        b"signature strokes",
    ]
    .concat();
    let (status, draft) = send(sandbox.api(Method::POST, "/api/v1/walk-ins").json(&json!({
        "complaint": {"channel": "walk_in", "narrative": "来访：维修等待时间过长", "complainant": {"name": "孙悦"}},
        "confirm_by": "signature"})))
    .await;
    assert_eq!(status, 201, "{draft}");
    let signed_id = draft["id"].as_str().expect("id");
    let (status, refused) = send(
        sandbox
            .api(Method::POST, &format!("/api/v1/walk-ins/{signed_id}/confirm"))
            .json(&json!({})),
    )
    .await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("signature")));
    let (status, signed) = send(
        sandbox
            .api(Method::POST, &format!("/api/v1/walk-ins/{signed_id}/confirm"))
            .json(&json!({"signature": {"content_type": "image/png",
                "content_base64": base64::engine::general_purpose::STANDARD.encode(&png)}})),
    )
    .await;
    assert_eq!(status, 201, "{signed}");
    assert_eq!(signed["files"][0]["kind"], "signature");

    // A code needs a mobile to go to.
    let (status, refused) = send(sandbox.api(Method::POST, "/api/v1/walk-ins").json(&json!({
        "complaint": {"channel": "walk_in", "narrative": "来访", "complainant": {"name": "周强"}},
        "confirm_by": "code"})))
    .await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("complaint.complainant.phone")),
        "{refused}"
    );
    sandbox.stop().await;
}

async fn the_on_the_spot_fast_path_registers_and_closes_with_the_normal_events(stores: Stores) {
    let sandbox = start(stores, Arc::new(Mutex::new(Received::default()))).await;
    let png = [&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], b"signed"].concat();
    let (status, created) = send(sandbox.api(Method::POST, "/api/v1/on-the-spot").json(&json!({
        "complaint": {"channel": "walk_in", "narrative": "洗车后车内有水渍", "unit": "gz-tianhe-byd",
            "complainant": {"name": "吴敏", "phone": "13700002222"}},
        "result": "当场重新清洁并致歉，客户认可",
        "confirmation": {"method": "signature", "signature": {"content_type": "image/png",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(&png)}},
    })))
    .await;
    assert_eq!((status, created["status"].as_str()), (201, Some("closed")), "{created}");
    let case_id = created["id"].as_str().expect("id").to_owned();
    let case = until(&sandbox, &case_id, |c| {
        c["pending"]
            .as_array()
            .is_some_and(|p| !p.iter().any(|s| s == "analytics"))
    })
    .await;
    assert_eq!(
        (case["status"].as_str(), case["closing_reason"].as_str()),
        (Some("closed"), Some("on_the_spot")),
        "{case}"
    );
    assert_eq!(count_entries(&case, "intake", "resolved_on_the_spot"), 1, "{case}");
    assert_eq!(case["allowed"], json!([]), "{case}");
    let events = intake_events(&sandbox, &case_id).await;
    let types: Vec<_> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        ["case.registered", "case.closed"],
        "never accepted, so never dispatched"
    );
    let closed = rpc::events::v1::CaseProgressed::decode(events[1].1.as_slice()).expect("decodes");
    assert_eq!(
        (
            closed.step.as_str(),
            closed.previous_status.as_str(),
            closed.status.as_str(),
            closed.closing_reason.as_str()
        ),
        ("on_the_spot", "received", "closed", "on_the_spot")
    );
    assert!(
        !String::from_utf8_lossy(&events[1].1).contains("当场重新清洁"),
        "no text on the bus"
    );

    // Verbal confirmation (on the phone); a signature method without the image is refused.
    let (status, verbal) = send(sandbox.api(Method::POST, "/api/v1/on-the-spot").json(&json!({
        "complaint": {"channel": "phone", "narrative": "咨询保养周期，已当场解答", "kind": "inquiry", "anonymous": true},
        "result": "已解答", "confirmation": {"method": "verbal"}})))
    .await;
    assert_eq!((status, verbal["status"].as_str()), (201, Some("closed")), "{verbal}");
    let (status, refused) = send(sandbox.api(Method::POST, "/api/v1/on-the-spot").json(&json!({
        "complaint": {"channel": "walk_in", "narrative": "x", "anonymous": true},
        "result": "done", "confirmation": {"method": "signature"}})))
    .await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("confirmation.signature"))
    );
    sandbox.stop().await;
}

async fn a_case_forwarded_from_12345_keeps_its_reference_and_deadline(stores: Stores) {
    let sandbox = start(stores, Arc::new(Mutex::new(Received::default()))).await;
    let due = (chrono::Utc::now() + chrono::Duration::days(5))
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%dT18:00:00+08:00")
        .to_string();
    let (status, created) = sandbox
        .post_complaint(
            &json!({"channel": "forwarded", "source": "hotline_12345", "source_ref": "GZ12345-20261123-00042",
                "source_due_at": due, "narrative": "市民反映：4S店拒绝履行三包退换", "complainant": {"name": "黄磊", "phone": "13600003333"}}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{created}");
    let due_utc = chrono::DateTime::parse_from_rfc3339(&due)
        .expect("due")
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let source = |deadlines: &Value| {
        deadlines
            .as_array()
            .and_then(|all| all.iter().find(|d| d["kind"] == "source").cloned())
    };
    let registered = source(&created["deadlines"]).expect("the source's deadline at registration");
    assert_eq!(
        (registered["due_at"].as_str(), registered["state"].as_str()),
        (Some(due_utc.as_str()), Some("open"))
    );
    let id = created["id"].as_str().expect("id").to_owned();
    let case = until(&sandbox, &id, |c| c["dispatch"]["state"] == "dispatched").await;
    assert_eq!(
        (
            case["source"].as_str(),
            case["source_ref"].as_str(),
            case["channel"].as_str()
        ),
        (Some("hotline_12345"), Some("GZ12345-20261123-00042"), Some("forwarded"))
    );
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(case["source_due_at"].as_str().expect("source_due_at"))
            .expect("an instant"),
        chrono::DateTime::parse_from_rfc3339(&due).expect("due")
    );
    let listed = source(&case["deadlines"]).expect("the source's deadline is a deadline of the case");
    assert_eq!(listed["due_at"].as_str(), Some(due_utc.as_str()), "{case}");
    let events = intake_events(&sandbox, &id).await;
    let (_, payload) = events.iter().find(|(t, _)| t == "case.registered").expect("registered");
    let on_the_bus = rpc::events::v1::CaseRegistered::decode(payload.as_slice()).expect("decodes");
    assert_eq!(
        (on_the_bus.source.as_str(), on_the_bus.source_ref.as_str()),
        ("hotline_12345", "GZ12345-20261123-00042")
    );
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(&on_the_bus.source_due_at).expect("an instant"),
        chrono::DateTime::parse_from_rfc3339(&due).expect("due")
    );
    // Every endpoint of the channels is in the OpenAPI document.
    let openapi: Value = sandbox
        .http
        .get(format!("{}/api/v1/openapi.json", sandbox.base_url))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    for (path, method) in [
        ("/api/v1/webhooks/{tenant}/phone", "post"),
        ("/api/v1/webhooks/{tenant}/wechat", "get"),
        ("/api/v1/webhooks/{tenant}/wechat", "post"),
        ("/api/v1/drafts/{id}", "get"),
        ("/api/v1/drafts/{id}/complete", "post"),
        ("/api/v1/callers/lookup", "post"),
        ("/api/v1/cases/{id}/privacy-number", "post"),
        ("/api/v1/letters", "post"),
        ("/api/v1/walk-ins", "post"),
        ("/api/v1/walk-ins/{id}/confirm", "post"),
        ("/api/v1/on-the-spot", "post"),
    ] {
        assert!(openapi["paths"][path][method].is_object(), "{method} {path} documented");
    }
    assert!(openapi["components"]["schemas"]["CaseView"]["properties"]["source_ref"].is_object());
    sandbox.stop().await;
}
