//! Notices go out (decision 0005): the acknowledgement e-mail through a real SMTP server that is
//! down at first (retried, then delivered once), and the acknowledgement SMS to the provider's
//! endpoint with its approved template and parameters.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use e2e::{Sandbox, Stores, act, dispatched, until};
use notification::channels::{
    AppsConfig, ChannelsConfig, DeliveryConfig, DingtalkApp, GroupKind, GroupWebhook, SmsConfig, SmtpConfig, SmtpTls,
    WecomApp,
};
use redress::settings::Settings;
use serde_json::{Value, json};
use testkit::smtp::SmtpServer;
use testkit::wait_until;

on_both_stores!(
    the_acknowledgement_reaches_a_real_smtp_server_once_after_an_outage_and_the_sms_provider,
    the_result_goes_out_as_a_printable_letter_with_the_amount_in_capitals,
    a_tenant_publishes_its_own_template_and_the_next_notice_uses_it,
    a_major_complaint_warning_reaches_the_units_groups_and_deadline_warnings_reach_staff_in_their_work_apps,
    supervision_reaches_the_stores_staff_and_the_callback_goes_on_the_agents_call_list,
    an_acknowledgement_that_bounces_is_marked_bounced_once_and_an_agent_is_asked_to_call,
    a_filing_due_then_overdue_and_its_pack_ready_reach_the_staff_who_file_it_once_each,
    a_complainant_who_wrote_on_wechat_is_answered_there_within_the_48_hour_window_only,
    a_question_reaches_the_complainant_and_an_anonymous_reporter_only_through_their_private_channel
);

type Requests = Arc<Mutex<Vec<(Option<String>, Value)>>>;

/// A local stand-in for the SMS provider's HTTP API (the true edge): records each request with
/// its bearer token and answers as such providers do.
async fn sms_provider() -> (String, Requests) {
    let requests: Requests = Arc::default();
    async fn send(State(requests): State<Requests>, headers: HeaderMap, Json(body): Json<Value>) -> Json<Value> {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut seen = requests.lock().expect("lock");
        seen.push((token, body));
        Json(json!({"code": "OK", "message": "OK", "biz_id": format!("biz-{}", seen.len())}))
    }
    let app = axum::Router::new()
        .route("/sms/send", axum::routing::post(send))
        .with_state(requests.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let url = format!("http://{}/sms/send", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, requests)
}

fn notices_sent(case: &Value) -> Vec<Value> {
    case["timeline"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["service"] == "notification" && e["action"] == "notice_sent")
                .map(|e| e["detail"].clone())
                .collect()
        })
        .unwrap_or_default()
}

async fn the_acknowledgement_reaches_a_real_smtp_server_once_after_an_outage_and_the_sms_provider(stores: Stores) {
    let Some(python) = testkit::smtp::server_or_skip("notification e2e") else {
        return;
    };
    let mut smtp = SmtpServer::start(&python).await.expect("the SMTP server starts");
    smtp.stop();
    let (sms_url, sms_requests) = sms_provider().await;
    let settings = Settings {
        notification: ChannelsConfig {
            email: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port: smtp.port(),
                from: "notice@tianhe-byd.example".into(),
                from_name: Some("Tianhe BYD customer relations".into()),
                username: None,
                password: None,
                tls: SmtpTls::Starttls,
                return_path: None,
            }),
            sms: Some(SmsConfig {
                endpoint: sms_url,
                sign_name: "天河比亚迪".into(),
                access_key: Some("sms-test-key".into()),
                receipt_token: Some("receipt-secret".into()),
                window: "00:00-00:00".into(),
            }),
            outbox_dir: None,
            groups: std::collections::BTreeMap::new(),
            delivery: DeliveryConfig {
                max_attempts: 20,
                backoff_min_seconds: 1,
                backoff_max_seconds: 1,
                batch: 20,
                tick_ms: 100,
            },
            ..ChannelsConfig::default()
        },
        ..Settings::default()
    };
    let sandbox = Sandbox::start_with(stores, Arc::new(domain::SystemClock), settings)
        .await
        .expect("sandbox starts");

    // A complaint by e-mail in English while the SMTP server is down, and one by SMS in Chinese.
    let (status, by_email) = sandbox
        .post_complaint(
            &json!({"channel": "web", "narrative": "The promised floor mats never arrived.",
                "complainant": {"name": "Li Wei", "email": "li.wei@example.com", "preferred_channel": "email",
                    "preferred_language": "en"}}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{by_email}");
    let (status, by_sms) = sandbox
        .post_complaint(
            &json!({"channel": "phone", "narrative": "保养后发动机故障灯常亮",
                "complainant": {"name": "王芳", "phone": "13800000001", "preferred_channel": "sms"}}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{by_sms}");

    // The SMS goes to the provider with its template, parameters, signature and out_id.
    let sms = wait_until(Duration::from_secs(10), || async {
        sms_requests.lock().expect("lock").first().cloned()
    })
    .await
    .expect("the provider received the SMS");
    assert_eq!(sms.0.as_deref(), Some("Bearer sms-test-key"));
    let request = sms.1;
    assert_eq!(request["phone_numbers"], "13800000001", "{request}");
    assert_eq!(request["sign_name"], "天河比亚迪", "{request}");
    assert_eq!(request["template_code"], "SMS_ACK_ZH_001", "{request}");
    let params: Value = serde_json::from_str(request["template_param"].as_str().expect("params")).expect("json");
    assert_eq!(params["case_number"], by_sms["case_number"], "{params}");
    assert!(params["due_on"].as_str().is_some_and(|d| d.ends_with('日')), "{params}");
    let sms_id = by_sms["id"].as_str().expect("id");
    let sms_case = wait_until(Duration::from_secs(10), || async {
        let (_, case) = sandbox.case(sms_id).await.ok()?;
        (!notices_sent(&case).is_empty()).then_some(case)
    })
    .await
    .expect("the SMS is recorded as sent");
    assert_eq!(notices_sent(&sms_case)[0]["idempotency_key"], request["out_id"]);

    // The provider's receipt (回执) marks it delivered; only with the provider's token, and once.
    let receipt = |token: &str| {
        sandbox
            .http
            .post(format!(
                "{}/api/v1/notification/receipts/sms?token={token}",
                sandbox.base_url
            ))
            .json(
                &json!([{"out_id": request["out_id"], "success": true, "err_code": "DELIVERED",
                "err_msg": "用户接收成功", "phone_number": "13800000001", "report_time": "2026-12-05 10:00:05"}]),
            )
            .send()
    };
    let refused = receipt("not-the-token").await.expect("sent");
    assert_eq!(refused.status().as_u16(), 401);
    let reply: Value = receipt("receipt-secret")
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (reply["code"].as_i64(), reply["matched"].as_u64()),
        (Some(0), Some(1)),
        "{reply}"
    );
    let reply: Value = receipt("receipt-secret")
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (reply["matched"].as_u64(), reply["unknown"].as_u64()),
        (Some(0), Some(1)),
        "{reply}"
    );

    // The e-mail waits for the server, retried meanwhile.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        smtp.messages().is_empty(),
        "nothing can arrive while the server is down"
    );
    smtp.resume().await.expect("the SMTP server comes back");
    let email_id = by_email["id"].as_str().expect("id");
    let email_case = wait_until(Duration::from_secs(20), || async {
        let (_, case) = sandbox.case(email_id).await.ok()?;
        (!notices_sent(&case).is_empty()).then_some(case)
    })
    .await
    .expect("the e-mail is sent once the server is back");
    let sent = &notices_sent(&email_case)[0];
    assert!(sent["attempts"].as_u64().expect("attempts") >= 2, "{sent}");
    // Once: a few more rounds pass and the server still holds one message.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let messages = smtp.messages();
    let mut ids: Vec<String> = messages.iter().filter_map(|m| m.header("Message-ID")).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((messages.len(), ids.len()), (1, 1), "{messages:?}");
    assert_eq!(
        Some(&ids[0]),
        sent["idempotency_key"].as_str().map(str::to_owned).as_ref()
    );
    let message = &messages[0];
    let case_number = by_email["case_number"].as_str().expect("case number");
    assert!(
        message.header("Subject").is_some_and(|s| s.contains(case_number)),
        "{message:?}"
    );
    assert!(message.raw.contains("li.wei@example.com"), "{message:?}");
    // In English, with the date the case's own resolution deadline falls on.
    let due_at = email_case["deadlines"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["kind"] == "resolution"))
        .and_then(|d| d["due_at"].as_str())
        .expect("a resolution deadline");
    let due = chrono::DateTime::parse_from_rfc3339(due_at)
        .expect("instant")
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%-d %B %Y")
        .to_string();
    let body = message.raw.replace("=\r\n", "").replace("\r\n", " ").replace('\n', " ");
    assert!(body.contains(&format!("result by {due}")), "{due}: {body}");
    assert!(body.contains(case_number) && body.contains("Dear Li Wei"), "{body}");

    // The bus delivers intake's acceptance again (published anew under another message id, as a
    // re-publication that escaped the broker's deduplication would be): notification sees the
    // duplicate and records no second notice; the server still holds one message.
    let accepted = intake_event(&sandbox, email_id, "case.accepted").await;
    let again = bus::Message {
        msg_id: format!("{}-again", accepted.msg_id),
        ..accepted
    };
    let acks = sandbox.transport().publish(vec![again]).await.expect("published");
    assert!(!acks[0].duplicate, "a new message on the bus");
    wait_until(Duration::from_secs(15), || async {
        (metric(&sandbox, "notification_events_duplicate_total").await >= 1.0).then_some(())
    })
    .await
    .expect("notification receives the redelivered event");
    let (_, case) = sandbox.case(email_id).await.expect("case");
    assert_eq!(
        e2e::count_entries(&case, "notification", "acknowledgement_recorded"),
        1,
        "one acknowledgement"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(smtp.messages().len(), 1, "no second e-mail");
    sandbox.stop().await;
}

/// The message intake published for `case_id` of `event_type`, read back from the bus with a
/// consumer of the test's own.
async fn intake_event(sandbox: &Sandbox, case_id: &str, event_type: &str) -> bus::Message {
    let spec = bus::ConsumerSpec {
        durable_name: format!("e2e-reader-{}", uuid_simple()),
        filter_subjects: vec!["redress.default.intake.>".into()],
        ack_wait: Duration::from_secs(30),
        max_deliver: None,
    };
    let mut consumer = sandbox.transport().consumer(spec).await.expect("a consumer");
    loop {
        let deliveries = consumer.fetch(100, Duration::from_secs(2)).await.expect("fetched");
        assert!(!deliveries.is_empty(), "{event_type} of {case_id} is on the bus");
        if let Some(found) = deliveries.into_iter().find(|d| {
            d.message.subject.contains(&format!(".{event_type}."))
                && bus::Envelope::from_message(&d.message).is_ok_and(|e| e.case_id.to_string() == case_id)
        }) {
            return found.message;
        }
    }
}

fn uuid_simple() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("now")
            .as_nanos()
    )
}

/// A counter's value on the console's `/metrics` (0 when absent).
async fn metric(sandbox: &Sandbox, name: &str) -> f64 {
    let Ok(response) = sandbox.http.get(format!("{}/metrics", sandbox.base_url)).send().await else {
        return 0.0;
    };
    let text = response.text().await.unwrap_or_default();
    text.lines()
        .filter(|line| line.starts_with(name))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The text of a PDF, by poppler's pdftotext.
fn pdf_text(path: &std::path::Path) -> String {
    let output = std::process::Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext runs (install poppler-utils)");
    assert!(output.status.success(), "pdftotext: {output:?}");
    String::from_utf8(output.stdout).expect("utf-8")
}

async fn the_result_goes_out_as_a_printable_letter_with_the_amount_in_capitals(stores: Stores) {
    let outbox = tempfile::tempdir().expect("dir");
    let settings = Settings {
        organisation_zh: "粤通汽车集团客户服务中心".into(),
        notification: ChannelsConfig {
            outbox_dir: Some(outbox.path().to_path_buf()),
            delivery: DeliveryConfig {
                tick_ms: 100,
                ..DeliveryConfig::default()
            },
            ..ChannelsConfig::default()
        },
        ..Settings::default()
    };
    let sandbox = Sandbox::start_with(stores, Arc::new(domain::SystemClock), settings)
        .await
        .expect("sandbox starts");
    let (id, case) = dispatched(
        &sandbox,
        json!({"channel": "letter", "narrative": "销售时加收的金融服务费没有合同依据，要求退还",
            "complainant": {"name": "王芳", "phone": "13800000001", "address": "广州市天河区天河路1号",
                "preferred_channel": "letter"}}),
    )
    .await;
    let mut version = case["version"].as_u64();
    let mut step = async |action: &str, body: Value| {
        let (status, reply) = act(&sandbox, &id, action, body, version).await;
        assert_eq!(status, 200, "{action}: {reply}");
        // The next action's If-Match: the case's version once every service has caught up.
        let done = reply["version"].as_u64();
        let settled = until(&sandbox, &id, |c| {
            c["pending"].as_array().is_some_and(Vec::is_empty) && c["version"].as_u64() >= done
        })
        .await;
        version = settled["version"].as_u64();
        reply
    };
    step("take", json!({})).await;
    step("contact", json!({"purpose": "first", "method": "phone"})).await;
    let planned = step(
        "plans",
        json!({"measures": ["退还金融服务费"], "remedies": [{"kind": "refund", "amount_fen": 120_000}]}),
    )
    .await;
    let approval = planned["recorded"]["n"].as_u64().map(|_| 1).expect("an approval");
    step("approvals", json!({"approval_id": approval, "decision": "approved"})).await;
    step(
        "resolve",
        json!({"result": "经核查，金融服务费缺乏合同依据，门店已全额退还", "basis": "《消费者权益保护法》第二十条",
            "improvements": "停止收取该项费用并培训销售顾问", "complainant_signed_off": true,
            "settlement": {"agreement_ref": "XY-2026-001", "amount_fen": 120_000, "signed_at": "2026-12-05T02:00:00Z"}}),
    )
    .await;
    step("contact", json!({"purpose": "result", "method": "letter"})).await;

    // The result letter lands in the print queue as a PDF.
    let letters = outbox.path().join("letter");
    let pdf = wait_until(Duration::from_secs(15), || async {
        std::fs::read_dir(&letters)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "pdf") && pdf_text(p).contains("处理结果告知书"))
    })
    .await
    .expect("the result letter is printed");
    let text = pdf_text(&pdf);
    let case_number = case["case_number"].as_str().expect("case number");
    for expected in [
        case_number,
        "处理结果告知书",
        "金融服务费缺乏合同依据",
        "人民币壹仟贰佰元整",
        "粤通汽车集团客户服务中心",
    ] {
        assert!(text.contains(expected), "the letter lacks `{expected}`:\n{text}");
    }
    sandbox.stop().await;
}

async fn a_tenant_publishes_its_own_template_and_the_next_notice_uses_it(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let path = "/api/v1/notification/templates";
    let shipped: Value = sandbox
        .api(reqwest::Method::GET, path)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(shipped["version"], 0, "{shipped}");
    assert!(
        shipped["keys"]
            .as_array()
            .is_some_and(|k| k.contains(&json!("acknowledgement.email.en"))),
        "{shipped}"
    );

    // A template that does not render is refused, naming its key; nothing is published.
    let put = |body: Value| sandbox.api(reqwest::Method::PUT, path).json(&body).send();
    let refused = put(json!({"templates": {"acknowledgement.email.en": "{% set subject = 'x' %}{{ nonsense }"}}))
        .await
        .expect("sent");
    assert_eq!(refused.status().as_u16(), 422);
    let error: Value = refused.json().await.expect("json");
    assert_eq!(error["error"]["field"], "templates.acknowledgement.email.en", "{error}");
    let unknown_variable = json!({"templates": {"acknowledgement.email.en":
        "{% set subject = 'x' %}{{ complainant_phone }}"}});
    assert_eq!(put(unknown_variable).await.expect("sent").status().as_u16(), 422);

    // The preview renders a draft against the kind's sample without recording anything.
    let own = "{% set subject = \"Complaint \" ~ case_number ~ \" received\" %}Hello {{ name }}, we accepted \
        your complaint {{ case_number }} on {{ accepted_on | date }} and will answer by {{ due_on | date }}.\n\n{{ organisation }}";
    let preview: Value = sandbox
        .api(reqwest::Method::POST, &format!("{path}/preview"))
        .json(&json!({"key": "acknowledgement.email.en", "source": own}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert!(
        preview["subject"]
            .as_str()
            .is_some_and(|s| s.starts_with("Complaint ") && s.ends_with(" received")),
        "{preview}"
    );
    let published = put(json!({"templates": {"acknowledgement.email.en": own}, "note": "our own wording"}))
        .await
        .expect("sent");
    assert_eq!(published.status().as_u16(), 201);
    let published: Value = published.json().await.expect("json");
    assert_eq!(published["version"], 1, "{published}");
    let audit = sandbox.audit_log("notification").await.expect("audit log");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "templates.published" && e.detail_json.contains("our own wording")),
        "{audit:?}"
    );

    // The next acknowledgement by e-mail in English is written with it.
    let (status, created) = sandbox
        .post_complaint(
            &json!({"channel": "web", "narrative": "The promised floor mats never arrived.",
                "complainant": {"name": "Li Wei", "email": "li.wei@example.com", "preferred_channel": "email",
                    "preferred_language": "en"}}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{created}");
    let case_number = created["case_number"].as_str().expect("case number").to_owned();
    let outbox = sandbox.data_dir.path().join("outbox").join("email");
    let mail = wait_until(Duration::from_secs(10), || async {
        std::fs::read_dir(&outbox)
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .find(|m| m.contains(&case_number))
    })
    .await
    .expect("the acknowledgement is written to the outbox");
    assert!(
        mail.contains(&format!("Subject: Complaint {case_number} received")),
        "{mail}"
    );
    assert!(mail.contains("Hello Li Wei"), "{mail}");
    sandbox.stop().await;
}

type RobotCalls = Arc<Mutex<Vec<(String, std::collections::HashMap<String, String>, Value)>>>;

/// Local stand-ins for WeCom's and DingTalk's group robots (the true edge): each call recorded
/// with its path, query and body, answered as the robots do.
async fn group_robots() -> (String, RobotCalls) {
    let calls: RobotCalls = Arc::default();
    async fn robot(
        State(calls): State<RobotCalls>,
        uri: axum::http::Uri,
        axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
        Json(body): Json<Value>,
    ) -> Json<Value> {
        calls.lock().expect("lock").push((uri.path().to_owned(), query, body));
        Json(json!({"errcode": 0, "errmsg": "ok"}))
    }
    // The work apps' token endpoints: WeCom's `gettoken` checks the corp id and secret,
    // DingTalk's the app key and secret; each call is recorded like the sends.
    async fn token(
        State(calls): State<RobotCalls>,
        uri: axum::http::Uri,
        axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    ) -> Json<Value> {
        calls
            .lock()
            .expect("lock")
            .push((uri.path().to_owned(), query.clone(), Value::Null));
        let valid = (query.get("corpid").map(String::as_str) == Some("ww-yuetong")
            && query.get("corpsecret").map(String::as_str) == Some("wecom-secret"))
            || (query.get("appkey").map(String::as_str) == Some("ding-yuetong")
                && query.get("appsecret").map(String::as_str) == Some("ding-secret"));
        Json(if valid {
            json!({"errcode": 0, "errmsg": "ok", "access_token": format!("token-{}", uri.path().len()), "expires_in": 7200})
        } else {
            json!({"errcode": 40013, "errmsg": "invalid corpid or appkey"})
        })
    }
    async fn app_send(
        State(calls): State<RobotCalls>,
        uri: axum::http::Uri,
        axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
        Json(body): Json<Value>,
    ) -> Json<Value> {
        let known = query.get("access_token").is_some_and(|t| t.starts_with("token-"));
        calls.lock().expect("lock").push((uri.path().to_owned(), query, body));
        Json(if known {
            json!({"errcode": 0, "errmsg": "ok", "msgid": "m-1", "task_id": 42, "invaliduser": ""})
        } else {
            json!({"errcode": 40014, "errmsg": "invalid access_token"})
        })
    }
    let app = axum::Router::new()
        .route("/cgi-bin/webhook/send", axum::routing::post(robot))
        .route("/robot/send", axum::routing::post(robot))
        .route("/cgi-bin/gettoken", axum::routing::get(token))
        .route("/gettoken", axum::routing::get(token))
        .route("/cgi-bin/message/send", axum::routing::post(app_send))
        .route(
            "/topapi/message/corpconversation/asyncsend_v2",
            axum::routing::post(app_send),
        )
        .with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, calls)
}

async fn a_major_complaint_warning_reaches_the_units_groups_and_deadline_warnings_reach_staff_in_their_work_apps(
    stores: Stores,
) {
    let (base, calls) = group_robots().await;
    let groups = [
        (
            "hq".to_owned(),
            GroupWebhook {
                kind: GroupKind::Wecom,
                url: format!("{base}/cgi-bin/webhook/send?key=hq-key"),
                secret: None,
            },
        ),
        (
            "byd-division".to_owned(),
            GroupWebhook {
                kind: GroupKind::Dingtalk,
                url: format!("{base}/robot/send?access_token=byd-token"),
                secret: Some("SECbyd".into()),
            },
        ),
    ]
    .into();
    let settings = Settings {
        notification: ChannelsConfig {
            groups,
            apps: AppsConfig {
                wecom: Some(WecomApp {
                    corp_id: "ww-yuetong".into(),
                    secret: "wecom-secret".into(),
                    agent_id: 1_000_002,
                    base_url: base.clone(),
                }),
                dingtalk: Some(DingtalkApp {
                    app_key: "ding-yuetong".into(),
                    app_secret: "ding-secret".into(),
                    agent_id: 2001,
                    base_url: base.clone(),
                }),
            },
            delivery: DeliveryConfig {
                tick_ms: 100,
                ..DeliveryConfig::default()
            },
            ..ChannelsConfig::default()
        },
        ..Settings::default()
    };
    let (sandbox, clock, _) = dealer_group_on_monday(stores, settings, |staff| {
        for member in staff {
            match member["id"].as_str() {
                Some("gz-tianhe-byd-crm") => member["apps"] = json!({"dingtalk": "zenglihua01"}),
                Some("gz-tianhe-byd-gm") => member["apps"] = json!({"wecom": "HuangZhiQiang"}),
                _ => {}
            }
        }
    })
    .await;
    let (_, case) = dispatched(
        &sandbox,
        json!({"channel": "phone", "source": "hq_call_centre", "unit": "gz-tianhe-byd", "brand": "byd",
            "narrative": "销售顾问承诺的优惠没有兑现", "complainant": {"phone": "13800000001"}}),
    )
    .await;
    let case_number = case["case_number"].as_str().expect("case number").to_owned();

    // Nobody at the store takes it within the division's two hours: the warning goes up.
    clock.advance(chrono::Duration::hours(3));
    let seen = wait_until(Duration::from_secs(15), || async {
        let seen = calls.lock().expect("lock").clone();
        let escalations: Vec<_> = seen
            .into_iter()
            .filter(|(path, _, body)| {
                matches!(path.as_str(), "/cgi-bin/webhook/send" | "/robot/send")
                    && body["text"]["content"]
                        .as_str()
                        .is_some_and(|c| c.contains(&case_number))
            })
            .collect();
        (escalations.len() >= 2).then_some(escalations)
    })
    .await
    .expect("both groups are told");
    let wecom = seen
        .iter()
        .find(|(path, _, _)| path == "/cgi-bin/webhook/send")
        .expect("WeCom");
    assert_eq!(wecom.1.get("key").map(String::as_str), Some("hq-key"));
    assert_eq!(wecom.2["msgtype"], "text", "{}", wecom.2);
    let dingtalk = seen
        .iter()
        .find(|(path, _, _)| path == "/robot/send")
        .expect("DingTalk");
    assert_eq!(dingtalk.1.get("access_token").map(String::as_str), Some("byd-token"));
    let timestamp: i64 = dingtalk.1["timestamp"].parse().expect("a timestamp in milliseconds");
    assert_eq!(
        dingtalk.1.get("sign"),
        Some(&notification::channels::dingtalk_sign(timestamp, "SECbyd")),
        "signed with the robot's secret"
    );

    // In person: the first-contact deadline's warnings reach the store's customer-relations
    // manager as a DingTalk work notice and, later, its general manager as a WeCom app message,
    // each from the app the directory names their user id in, with the app's access token.
    clock.advance(chrono::Duration::hours(2));
    let sent_to = |path: &'static str, user: &'static str, field: &'static str| {
        let calls = calls.clone();
        let case_number = case_number.clone();
        move || {
            let calls = calls.clone();
            let case_number = case_number.clone();
            async move {
                calls.lock().expect("lock").iter().find_map(|(p, query, body)| {
                    let content = body["text"]["content"]
                        .as_str()
                        .or_else(|| body["msg"]["text"]["content"].as_str())?;
                    (p == path && body[field] == user && content.contains(&case_number))
                        .then(|| (query.clone(), body.clone()))
                })
            }
        }
    };
    let (query, body) = wait_until(
        Duration::from_secs(15),
        sent_to(
            "/topapi/message/corpconversation/asyncsend_v2",
            "zenglihua01",
            "userid_list",
        ),
    )
    .await
    .expect("the CRM manager's DingTalk work notice");
    assert_eq!(body["agent_id"], 2001, "{body}");
    assert_eq!(body["msg"]["msgtype"], "text", "{body}");
    assert!(
        query.get("access_token").is_some_and(|t| t.starts_with("token-")),
        "{query:?}"
    );
    let (_, body) = wait_until(
        Duration::from_secs(15),
        sent_to("/cgi-bin/message/send", "HuangZhiQiang", "touser"),
    )
    .await
    .expect("the general manager's WeCom app message");
    assert_eq!(
        (body["agentid"].as_i64(), body["enable_duplicate_check"].as_i64()),
        (Some(1_000_002), Some(1)),
        "{body}"
    );
    let tokens = calls
        .lock()
        .expect("lock")
        .iter()
        .filter(|(path, _, _)| path.ends_with("gettoken"))
        .count();
    assert_eq!(tokens, 2, "one token per app, kept between messages");
    sandbox.stop().await;
}

/// A member of staff's inbox, read by the administrator.
async fn inbox(sandbox: &Sandbox, staff: &str) -> Vec<Value> {
    let reply: Value = sandbox
        .api(reqwest::Method::GET, &format!("/api/v1/inbox?staff={staff}"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    reply["notices"].as_array().cloned().unwrap_or_default()
}

/// The agents' call list (`open` or `done`).
async fn call_list(sandbox: &Sandbox, state: &str) -> Vec<Value> {
    let response = sandbox
        .api(reqwest::Method::GET, &format!("/api/v1/call-list?state={state}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let reply: Value = response.json().await.expect("json");
    reply["calls"].as_array().cloned().unwrap_or_default()
}

async fn supervision_reaches_the_stores_staff_and_the_callback_goes_on_the_agents_call_list(stores: Stores) {
    let outbox = tempfile::tempdir().expect("dir");
    let settings = Settings {
        notification: ChannelsConfig {
            outbox_dir: Some(outbox.path().to_path_buf()),
            delivery: DeliveryConfig {
                tick_ms: 100,
                ..DeliveryConfig::default()
            },
            ..ChannelsConfig::default()
        },
        ..Settings::default()
    };
    let (sandbox, _, start) = dealer_group_on_monday(stores, settings, |_| {}).await;
    let (id, case) = dispatched(
        &sandbox,
        json!({"channel": "phone", "source": "hq_call_centre", "unit": "gz-tianhe-byd", "brand": "byd",
            "narrative": "销售顾问承诺赠送的原厂脚垫没有兑现", "complainant": {"name": "王芳", "phone": "13800000001",
                "preferred_channel": "sms"}}),
    )
    .await;
    let case_number = case["case_number"].as_str().expect("case number").to_owned();
    let (crm, service, cc_manager, agent) = (
        "gz-tianhe-byd-crm",
        "gz-tianhe-byd-service",
        "hq-cc-manager",
        "hq-cc-agent-huang",
    );
    let mut version = case["version"].as_u64();
    let mut step = async |action: &str, staff: &str, mut body: Value| {
        body["staff"] = json!(staff);
        let (status, reply) = act(&sandbox, &id, action, body, version).await;
        assert_eq!(status, 200, "{action} by {staff}: {reply}");
        let done = reply["version"].as_u64();
        let settled = until(&sandbox, &id, |c| {
            c["pending"].as_array().is_some_and(Vec::is_empty) && c["version"].as_u64() >= done
        })
        .await;
        version = settled["version"].as_u64();
        reply
    };
    step("take", crm, json!({})).await;
    step("assign", crm, json!({"assignee": service})).await;

    // Head office issues a supervision notice (督办) with its own deadline: the store's
    // customer-relations manager and the assignee find it in their inbox, with its text.
    let due = (start + chrono::Duration::days(2)).to_rfc3339();
    step(
        "supervise",
        cc_manager,
        json!({"kind": "notice", "text": "客户已向媒体反映，请门店总经理亲自跟进", "due_at": due}),
    )
    .await;
    for member in [crm, service] {
        let notice = wait_until(Duration::from_secs(10), || async {
            inbox(&sandbox, member)
                .await
                .into_iter()
                .find(|n| n["kind"] == "supervision")
        })
        .await
        .unwrap_or_else(|| panic!("{member} is told of the supervision"));
        assert!(
            notice["subject"].as_str().is_some_and(|s| s.contains(&case_number)),
            "{notice}"
        );
        assert!(
            notice["body"].as_str().is_some_and(|b| b.contains("客户已向媒体反映")),
            "{notice}"
        );
    }
    assert!(
        !inbox(&sandbox, cc_manager)
            .await
            .iter()
            .any(|n| n["kind"] == "supervision"),
        "not the supervisor who issued it"
    );

    // The store resolves it; the result notice goes out with the callback invitation, and the
    // callback goes on the agents' call list with the number masked.
    step("contact", service, json!({"purpose": "first", "method": "phone"})).await;
    let resolved = step(
        "resolve",
        service,
        json!({"result": "补发原厂脚垫", "basis": "销售承诺", "complainant_signed_off": true}),
    )
    .await;
    if resolved["status"] == "under_review" {
        step("review", cc_manager, json!({"outcome": "approve"})).await;
    }
    step("contact", crm, json!({"purpose": "result", "method": "sms"})).await;
    let calls = wait_until(Duration::from_secs(10), || async {
        let calls = call_list(&sandbox, "open").await;
        calls.iter().any(|c| c["case_id"] == id.as_str()).then_some(calls)
    })
    .await
    .expect("the callback is on the call list");
    let call = calls.iter().find(|c| c["case_id"] == id.as_str()).expect("the call");
    assert_eq!(
        (
            call["case_number"].as_str(),
            call["recipient_masked"].as_str(),
            call["attempts"].as_u64()
        ),
        (Some(case_number.as_str()), Some("138****0001"), Some(0)),
        "{call}"
    );
    let (_, view) = sandbox.case(&id).await.expect("case");
    for kind in ["result_recorded", "callback_invitation_recorded"] {
        assert_eq!(e2e::count_entries(&view, "notification", kind), 1, "{kind}");
    }

    // A failed attempt moves the call later; the satisfied callback takes it off the list.
    step("callbacks", agent, json!({"outcome": "failed", "note": "无人接听"})).await;
    let moved = wait_until(Duration::from_secs(10), || async {
        call_list(&sandbox, "open")
            .await
            .into_iter()
            .find(|c| c["case_id"] == id.as_str() && c["attempts"] == 1)
    })
    .await
    .expect("the attempt is counted");
    assert_ne!(
        moved["due_at"], call["due_at"],
        "the next attempt is due at another time"
    );
    step(
        "callbacks",
        agent,
        json!({"outcome": "satisfied", "scores": {"channel": 5, "attitude": 5, "time": 4, "result": 5}}),
    )
    .await;
    let done = wait_until(Duration::from_secs(10), || async {
        call_list(&sandbox, "done")
            .await
            .into_iter()
            .find(|c| c["case_id"] == id.as_str())
    })
    .await
    .expect("the call is done");
    assert_eq!(done["outcome"], "satisfied", "{done}");
    assert!(
        !call_list(&sandbox, "open")
            .await
            .iter()
            .any(|c| c["case_id"] == id.as_str()),
        "off the open list"
    );

    // The approved-answer library: an agent proposes, the same agent cannot approve, the
    // manager does; agents then see it.
    let propose = sandbox
        .api(reqwest::Method::POST, "/api/v1/answers")
        .json(&json!({"topic": "脚垫赠品", "category": "dealer.sales.gift",
            "title_zh": "赠品未兑现的答复口径", "title_en": "What we say about gifts not delivered",
            "body_zh": "门店将在三个工作日内补发承诺的赠品。", "body_en": "The store delivers the promised gift within three working days."}));
    let response = propose.send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 201);
    let proposed: Value = response.json().await.expect("json");
    assert_eq!(proposed["state"], "proposed", "{proposed}");
    let answer_id = proposed["answer_id"].as_str().expect("id");
    let approve = |version: u64| {
        sandbox
            .api(reqwest::Method::POST, &format!("/api/v1/answers/{answer_id}/approve"))
            .json(&json!({"version": version}))
    };
    // The administrator proposed it, so the administrator cannot approve it.
    let response = approve(1).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 422);
    let error: Value = response.json().await.expect("json");
    assert_eq!(error["error"]["field"], "approved_by", "{error}");
    let listed: Value = sandbox
        .api(reqwest::Method::GET, "/api/v1/answers?category=dealer.sales.gift")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["answers"], json!([]), "nothing approved yet: {listed}");
    let response = approve(9).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 404);
    // The call centre's manager approves it with their own credential.
    let issued: Value = sandbox
        .api(reqwest::Method::POST, "/api/v1/credentials")
        .json(&json!({"staff": cc_manager}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let token = issued["token"].as_str().expect("token").to_owned();
    let response = sandbox
        .http
        .post(format!("{}/api/v1/answers/{answer_id}/approve", sandbox.base_url))
        .bearer_auth(&token)
        .json(&json!({"version": 1}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let approved: Value = response.json().await.expect("json");
    assert_eq!(
        (approved["state"].as_str(), approved["approved_by"].as_str()),
        (Some("approved"), Some(cc_manager)),
        "{approved}"
    );
    let listed: Value = sandbox
        .http
        .get(format!(
            "{}/api/v1/answers?category=dealer.sales.gift",
            sandbox.base_url
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(
        listed["answers"][0]["body_zh"], "门店将在三个工作日内补发承诺的赠品。",
        "{listed}"
    );
    let response = approve(1).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 409, "approved already");
    // The library's changes are in notification's audit log.
    let audit = sandbox.audit_log("notification").await.expect("audit log");
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"answer.proposed") && actions.contains(&"answer.approved"),
        "{actions:?}"
    );
    sandbox.stop().await;
}

/// The product on Monday 23 November 2026, 10:00 in Beijing (the stores are open), with the
/// dealership group's directory (its staff adjusted by `staff`) and rules published; answers the
/// sandbox, its clock and the start.
async fn dealer_group_on_monday(
    stores: Stores,
    settings: Settings,
    staff: impl FnOnce(&mut Vec<Value>),
) -> (Sandbox, Arc<domain::clock::ManualClock>, chrono::DateTime<chrono::Utc>) {
    use chrono::TimeZone as _;
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 11, 23, 2, 0, 0)
        .single()
        .expect("valid");
    let clock = Arc::new(domain::clock::ManualClock::new(start));
    let sandbox = Sandbox::start_with(stores, clock.clone(), settings)
        .await
        .expect("sandbox starts");
    let mut organisation: Value =
        serde_json::from_str(include_str!("../../services/routing/demo/dealer-organisation.json")).expect("json");
    staff(organisation["staff"].as_array_mut().expect("staff"));
    let rules: Value =
        serde_json::from_str(include_str!("../../services/routing/demo/dealer-rules.json")).expect("json");
    assert_eq!(
        e2e::publish(&sandbox, "/api/v1/org", organisation, "the group").await.0,
        201
    );
    assert_eq!(
        e2e::publish(&sandbox, "/api/v1/routing/rules", rules, "rules").await.0,
        201
    );
    (sandbox, clock, start)
}

/// A delivery status notification (RFC 3464) as a mail server returns it for `message_id`.
fn bounce_of(message_id: &str, recipient: &str) -> Vec<u8> {
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n\
         To: bounces@tianhe-byd.example\r\n\
         Subject: Undelivered Mail Returned to Sender\r\n\
         Date: Sat, 5 Dec 2026 10:00:00 +0800\r\n\
         Message-ID: <bounce-{}@mx.example.com>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"dsn\"\r\n\
         \r\n\
         --dsn\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\
         \r\n\
         Your message could not be delivered to one or more recipients.\r\n\
         --dsn\r\n\
         Content-Type: message/delivery-status\r\n\
         \r\n\
         Reporting-MTA: dns; mx.example.com\r\n\
         \r\n\
         Final-Recipient: rfc822; {recipient}\r\n\
         Action: failed\r\n\
         Status: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\
         \r\n\
         --dsn\r\n\
         Content-Type: text/rfc822-headers\r\n\
         \r\n\
         From: notice@tianhe-byd.example\r\n\
         To: {recipient}\r\n\
         Message-ID: {message_id}\r\n\
         \r\n\
         --dsn--\r\n",
        uuid_simple()
    )
    .into_bytes()
}

async fn an_acknowledgement_that_bounces_is_marked_bounced_once_and_an_agent_is_asked_to_call(stores: Stores) {
    let Some(python) = testkit::smtp::server_or_skip("notification bounces e2e") else {
        return;
    };
    let Some(dovecot) = testkit::imap::server_or_skip("notification bounces e2e") else {
        return;
    };
    let smtp = SmtpServer::start(&python).await.expect("the SMTP server starts");
    let imap = testkit::imap::ImapServer::start(&dovecot)
        .await
        .expect("the IMAP server starts");
    let settings = Settings {
        notification: ChannelsConfig {
            email: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port: smtp.port(),
                from: "notice@tianhe-byd.example".into(),
                from_name: None,
                username: None,
                password: None,
                tls: SmtpTls::None,
                return_path: Some("bounces@tianhe-byd.example".into()),
            }),
            bounces: Some(notification::bounces::BounceMailbox {
                host: "127.0.0.1".into(),
                port: Some(imap.port()),
                tls: notification::bounces::Tls::None,
                ca_file: None,
                user: testkit::imap::USER.into(),
                password: testkit::imap::PASSWORD.into(),
                folder: "INBOX".into(),
                poll_interval_secs: 1,
            }),
            delivery: DeliveryConfig {
                max_attempts: 5,
                backoff_min_seconds: 1,
                backoff_max_seconds: 1,
                batch: 20,
                tick_ms: 100,
            },
            ..ChannelsConfig::default()
        },
        ..Settings::default()
    };
    let sandbox = Sandbox::start_with(stores, Arc::new(domain::SystemClock), settings)
        .await
        .expect("sandbox starts");
    let (status, created) = sandbox
        .post_complaint(
            &json!({"channel": "web", "narrative": "4S店承诺的脚垫一直没有送到",
                "complainant": {"name": "赵敏", "email": "zhao.min@example.com", "preferred_channel": "email"}}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{created}");
    let case_id = created["id"].as_str().expect("id");
    let case_number = created["case_number"].as_str().expect("case number");

    // The acknowledgement goes out with the bounce mailbox as its envelope sender.
    let message = wait_until(Duration::from_secs(20), || async { smtp.messages().first().cloned() })
        .await
        .expect("the acknowledgement reaches the SMTP server");
    assert_eq!(
        message.header("X-MailFrom").as_deref(),
        Some("bounces@tianhe-byd.example"),
        "{message:?}"
    );
    let message_id = message.header("Message-ID").expect("a Message-ID");

    // The recipient's server refuses it: its DSN arrives in the bounce mailbox.
    imap.deliver(&bounce_of(&message_id, "zhao.min@example.com"))
        .expect("the bounce is delivered");
    let case = wait_until(Duration::from_secs(20), || async {
        let (_, case) = sandbox.case(case_id).await.ok()?;
        let bounced = case["timeline"]
            .as_array()?
            .iter()
            .any(|e| e["service"] == "notification" && e["action"] == "notice_bounced");
        bounced.then_some(case)
    })
    .await
    .unwrap_or_else(|| panic!("the bounce reaches the case's timeline; dovecot: {}", imap.log()));
    let entry = case["timeline"]
        .as_array()
        .and_then(|all| all.iter().find(|e| e["action"] == "notice_bounced"))
        .cloned()
        .expect("the entry");
    assert_eq!(entry["detail"]["notice"], "acknowledgement", "{entry}");
    assert!(
        entry["detail"]["code"]
            .as_str()
            .is_some_and(|code| code.starts_with("5.1.1")),
        "{entry}"
    );
    assert_eq!(entry["detail"]["recipient"], "z***@example.com", "{entry}");

    // An agent is asked to reach the complainant another way.
    let calls = call_list(&sandbox, "open").await;
    let call = calls
        .iter()
        .find(|c| c["case_number"] == case_number && c["purpose"] == "undelivered")
        .unwrap_or_else(|| panic!("an undelivered call in {calls:?}"));
    assert_eq!(call["recipient_masked"], "z***@example.com", "{call}");
    assert_eq!(metric(&sandbox, "notification_bounces_total").await, 1.0);

    // The same DSN again (a mail server that retried its report) changes nothing.
    imap.deliver(&bounce_of(&message_id, "zhao.min@example.com"))
        .expect("the bounce is delivered again");
    let unmatched = wait_until(Duration::from_secs(20), || async {
        let unmatched = metric(&sandbox, "notification_bounce_mail_unmatched_total").await;
        (unmatched >= 1.0).then_some(unmatched)
    })
    .await
    .expect("the second report is read");
    assert_eq!(unmatched, 1.0);
    assert_eq!(metric(&sandbox, "notification_bounces_total").await, 1.0);
    let (_, case) = sandbox.case(case_id).await.expect("the case");
    let bounces = case["timeline"]
        .as_array()
        .map(|all| all.iter().filter(|e| e["action"] == "notice_bounced").count())
        .unwrap_or_default();
    assert_eq!(bounces, 1, "{case}");
    sandbox.stop().await;
}

/// An event as analytics publishes it on the bus, for the filing `filing` (its `seq`-th).
fn analytics_event(filing: uuid::Uuid, seq: u64, event_type: &str, payload: Vec<u8>) -> bus::Message {
    bus::Envelope {
        event_id: uuid::Uuid::now_v7(),
        event_type: event_type.into(),
        schema_version: 1,
        source: "analytics".into(),
        tenant: "default".into(),
        case_id: filing,
        source_seq: seq,
        causation_id: None,
        correlation_id: None,
        occurred_at: chrono::Utc::now(),
        traceparent: None,
        payload: payload.into(),
    }
    .to_message(Settings::default().partitions)
}

async fn a_filing_due_then_overdue_and_its_pack_ready_reach_the_staff_who_file_it_once_each(stores: Stores) {
    use prost::Message as _;
    let sandbox = Sandbox::start_with(stores, Arc::new(domain::SystemClock), Settings::default())
        .await
        .expect("sandbox starts");
    // The bank's Guangzhou branch files its half-year report by 30 January.
    let filing = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        b"default/half_year_report/2026-H2/gz-branch",
    );
    let due = |overdue: bool| rpc::events::v1::ReportDue {
        report: "half_year_report".into(),
        period: "2026-H2".into(),
        due_at: "2027-01-30T17:00:00+08:00".into(),
        unit: "gz-branch".into(),
        unit_name: "广州分行".into(),
        staff: vec!["chen.jing".into(), "huang.lei".into()],
        overdue,
    };
    let ready = rpc::events::v1::ReportReady {
        report: "half_year_report".into(),
        period: "2026-H2".into(),
        version: 1,
        ready_at: "2027-01-20T09:00:00+08:00".into(),
        unit: "gz-branch".into(),
        unit_name: "广州分行".into(),
        staff: vec!["chen.jing".into()],
        formats: vec!["docx".into(), "xlsx".into()],
        link: format!("/api/v1/analytics/filings/{filing}"),
    };
    let first = analytics_event(filing, 1, "report.due", due(false).encode_to_vec());
    let messages = vec![
        first.clone(),
        analytics_event(filing, 2, "report.ready", ready.encode_to_vec()),
        analytics_event(filing, 3, "report.due", due(true).encode_to_vec()),
    ];
    sandbox.transport().publish(messages).await.expect("published");

    let notices = wait_until(Duration::from_secs(15), || async {
        let notices = inbox(&sandbox, "chen.jing").await;
        (notices.len() >= 3).then_some(notices)
    })
    .await
    .expect("the filing's notices reach the inbox");
    let subjects: Vec<&str> = notices.iter().filter_map(|n| n["subject"].as_str()).collect();
    for expected in [
        "报送提醒：2026年下半年投诉统计报告",
        "报表已生成：2026年下半年投诉统计报告",
        "报送已逾期：2026年下半年投诉统计报告",
    ] {
        assert!(subjects.contains(&expected), "{expected} in {subjects:?}");
    }
    let overdue = notices
        .iter()
        .find(|n| n["kind"] == "report_due" && n["subject"].as_str().is_some_and(|s| s.contains("逾期")))
        .expect("the overdue reminder");
    assert!(
        overdue["body"]
            .as_str()
            .is_some_and(|b| b.contains("广州分行") && b.contains("2027年1月30日 17:00") && b.contains("已逾期")),
        "{overdue}"
    );
    // The pack's notice went to who files it, not to everyone reminded.
    let others = inbox(&sandbox, "huang.lei").await;
    let kinds: Vec<&str> = others.iter().filter_map(|n| n["kind"].as_str()).collect();
    assert_eq!(kinds, ["report_due", "report_due"], "{others:?}");

    // The first reminder again, under a new message id: a duplicate, no second notice.
    let again = bus::Message {
        msg_id: format!("{}-again", first.msg_id),
        ..first
    };
    sandbox.transport().publish(vec![again]).await.expect("published");
    wait_until(Duration::from_secs(15), || async {
        (metric(&sandbox, "notification_events_duplicate_total").await >= 1.0).then_some(())
    })
    .await
    .expect("notification receives the redelivered event");
    assert_eq!(inbox(&sandbox, "chen.jing").await.len(), 3);
    sandbox.stop().await;
}

type WechatCalls = Arc<Mutex<Vec<(String, Value)>>>;

/// A local stand-in for WeChat's official-account API (the true edge): `cgi-bin/token` and
/// `cgi-bin/message/custom/send`, recording each message with the token it came with.
async fn wechat_api() -> (String, WechatCalls) {
    let calls: WechatCalls = Arc::default();
    async fn token(
        axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    ) -> Json<Value> {
        let valid = query.get("grant_type").map(String::as_str) == Some("client_credential")
            && query.get("appid").map(String::as_str) == Some("wx-test-app")
            && query.get("secret").map(String::as_str) == Some("wx-test-secret");
        Json(if valid {
            json!({"access_token": "wx-token-1", "expires_in": 7200})
        } else {
            json!({"errcode": 40125, "errmsg": "invalid appsecret"})
        })
    }
    async fn send(
        State(calls): State<WechatCalls>,
        axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
        Json(body): Json<Value>,
    ) -> Json<Value> {
        let token = query.get("access_token").cloned().unwrap_or_default();
        calls.lock().expect("lock").push((token, body));
        Json(json!({"errcode": 0, "errmsg": "ok"}))
    }
    let app = axum::Router::new()
        .route("/cgi-bin/token", axum::routing::get(token))
        .route("/cgi-bin/message/custom/send", axum::routing::post(send))
        .with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, calls)
}

/// WeChat's server pushing a text message from `openid` written at `written_at`, signed with the
/// account's token.
async fn wechat_push(sandbox: &Sandbox, openid: &str, msg_id: u64, written_at: i64, content: &str) -> u16 {
    use sha1::Digest as _;
    let (timestamp, nonce) = (chrono::Utc::now().timestamp().to_string(), "4071913".to_owned());
    let mut parts = ["wechattoken".to_owned(), timestamp.clone(), nonce.clone()];
    parts.sort();
    let signature = hex::encode(sha1::Sha1::digest(parts.concat().as_bytes()));
    let xml = format!(
        "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>\
         <CreateTime>{written_at}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>\
         <MsgId>{msg_id}</MsgId></xml>"
    );
    sandbox
        .http
        .post(format!(
            "{}/api/v1/webhooks/default/wechat?signature={signature}&timestamp={timestamp}&nonce={nonce}&openid={openid}",
            sandbox.base_url
        ))
        .header("Content-Type", "text/xml")
        .body(xml)
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

async fn a_complainant_who_wrote_on_wechat_is_answered_there_within_the_48_hour_window_only(stores: Stores) {
    const RECENT: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
    const STALE: &str = "oUpF8uN3bKq_T7ryc4W2xLmPfA9s";
    let (base, calls) = wechat_api().await;
    let intake = serde_json::from_value(json!({"wechat": {"token": "wechattoken"}})).expect("intake settings");
    let settings = Settings {
        intake,
        notification: ChannelsConfig {
            wechat: Some(notification::channels::WechatAccount {
                app_id: "wx-test-app".into(),
                app_secret: "wx-test-secret".into(),
                base_url: base,
            }),
            delivery: DeliveryConfig {
                max_attempts: 3,
                backoff_min_seconds: 1,
                backoff_max_seconds: 1,
                batch: 20,
                tick_ms: 100,
            },
            ..ChannelsConfig::default()
        },
        ..Settings::default()
    };
    let sandbox = Sandbox::start_with(stores, Arc::new(domain::SystemClock), settings)
        .await
        .expect("sandbox starts");
    let now = chrono::Utc::now().timestamp();
    // One writes now; the other's message reaches us (a platform outage, a retry) 49 hours late.
    assert_eq!(
        wechat_push(&sandbox, RECENT, 24_001, now, "4S店承诺的免费保养一直没有兑现").await,
        200
    );
    assert_eq!(
        wechat_push(
            &sandbox,
            STALE,
            24_002,
            now - 49 * 3600,
            "维修后车辆异响，多次返修未解决"
        )
        .await,
        200
    );

    let (token, message) = wait_until(Duration::from_secs(20), || async {
        calls.lock().expect("lock").first().cloned()
    })
    .await
    .expect("the official account's reply is sent");
    assert_eq!(token, "wx-token-1");
    assert_eq!(message["touser"], RECENT, "{message}");
    assert_eq!(message["msgtype"], "text", "{message}");
    let content = message["text"]["content"].as_str().expect("content");
    assert!(content.starts_with("受理告知书（投诉单号：TS"), "{content}");
    assert!(content.len() <= 2048, "{} bytes", content.len());

    // The late one's window closed: nothing goes to it on WeChat.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let sent_to: Vec<String> = calls
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, m)| m["touser"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(sent_to, [RECENT], "one reply, to the one who wrote within 48 hours");
    sandbox.stop().await;
}

async fn a_question_reaches_the_complainant_and_an_anonymous_reporter_only_through_their_private_channel(
    stores: Stores,
) {
    let Some(python) = testkit::smtp::server_or_skip("anonymous question prompt") else {
        return;
    };
    let smtp = SmtpServer::start(&python).await.expect("the SMTP server starts");
    let settings = Settings {
        notification: ChannelsConfig {
            email: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port: smtp.port(),
                from: "compliance@tianhe-byd.example".into(),
                from_name: Some("Tianhe BYD compliance".into()),
                username: None,
                password: None,
                tls: SmtpTls::None,
                return_path: None,
            }),
            ..ChannelsConfig::default()
        },
        ..Settings::default()
    };
    let sandbox = Sandbox::start_with(stores, Arc::new(domain::SystemClock), settings)
        .await
        .expect("sandbox starts");
    // A misconduct report, anonymous, with a private e-mail address for replies.
    let (status, created) = sandbox
        .post_complaint(
            &json!({"channel": "web", "kind": "report", "anonymous": true,
                "narrative": "销售经理收取客户“加急提车费”后未入账",
                "complainant": {"email": "tipster-7731@example.net", "preferred_channel": "email"}}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id");
    let receipt = created["receipt_code"].as_str().expect("a receipt code").to_owned();
    let end: String = receipt.chars().filter(char::is_ascii_alphanumeric).collect();
    let end = &end[end.len() - 4..];
    // The acknowledgement went first; wait for it so the prompt is told apart.
    wait_until(Duration::from_secs(20), || async {
        (!smtp.messages().is_empty()).then_some(())
    })
    .await
    .expect("the acknowledgement");

    let (status, asked) = e2e::act(
        &sandbox,
        id,
        "questions",
        json!({"text": "“加急提车费”大约是哪一天收取的？金额是多少？", "staff": "compliance-li"}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{asked}");
    let prompt = wait_until(Duration::from_secs(20), || async {
        smtp.messages().into_iter().find(|m| {
            m.raw.contains(&format!("****-{end}")) || {
                let decoded = decoded_body(&m.raw);
                decoded.contains(&format!("****-{end}"))
            }
        })
    })
    .await
    .unwrap_or_else(|| panic!("the prompt reaches the reporter: {:?}", smtp.messages()));
    let body = decoded_body(&prompt.raw);
    assert!(body.contains("加急提车费"), "the question: {body}");
    assert!(!body.contains(&receipt), "never the whole receipt code: {body}");
    assert!(!body.contains("销售经理"), "nothing of the report itself: {body}");
    // Under the neutral sender's name (通知), not the organisation's compliance desk's.
    let from = prompt.header("From").unwrap_or_default();
    assert!(
        from.starts_with("=?utf-8?b?6YCa55+l?=") && !from.contains("Tianhe BYD compliance"),
        "{from}"
    );

    // A complainant who gave their name is asked by name, with the case number, to reply on the
    // status page.
    let (status, named) = sandbox
        .post_complaint(
            &json!({"channel": "phone", "narrative": "提车时发现车漆有划痕，门店拒绝处理",
                "complainant": {"name": "陈静", "email": "chen.jing@example.com", "preferred_channel": "email"}}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{named}");
    let case_number = named["case_number"].as_str().expect("number").to_owned();
    let (status, asked) = e2e::act(
        &sandbox,
        named["id"].as_str().expect("id"),
        "questions",
        json!({"text": "请问提车当天是否在交车单上注明了划痕？", "staff": "crm-zhang"}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{asked}");
    let subject = format!("办理人员需要向您了解情况（投诉单号：{case_number}）");
    let question = wait_until(Duration::from_secs(20), || async {
        smtp.messages().into_iter().find(|m| decoded_subject(&m.raw) == subject)
    })
    .await
    .unwrap_or_else(|| panic!("the question reaches the complainant: {:?}", smtp.messages()));
    let body = decoded_body(&question.raw);
    assert!(
        body.contains("尊敬的陈静") && body.contains("是否在交车单上注明了划痕"),
        "{body}"
    );
    sandbox.stop().await;
}

/// A message's subject, decoded.
fn decoded_subject(raw: &str) -> String {
    mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .and_then(|m| m.subject().map(str::to_owned))
        .unwrap_or_default()
}

/// A message's text with quoted-printable and base64 bodies decoded (the notices are UTF-8).
fn decoded_body(raw: &str) -> String {
    let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes());
    parsed
        .and_then(|m| m.body_text(0).map(|t| t.into_owned()))
        .unwrap_or_default()
}
