//! The web and app channel (decision 0008): a real browser (Debian's Chromium under Playwright)
//! posts the public form with a file and follows the case with its receipt code, and answers a
//! question after opening the case with the phone's last four digits and a one-time code; the
//! API's codes, limits and refusals; the status page in both languages.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use e2e::{Sandbox, Stores, count_entries, until};
use notification::channels::{ChannelsConfig, SmsConfig};
use redress::settings::Settings;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use testkit::wait_until;

on_both_stores!(
    a_browser_posts_the_form_with_a_file_and_follows_the_case_with_the_receipt_code,
    a_browser_opens_the_case_with_a_texted_code_and_answers_the_question_in_english,
    a_code_texted_to_the_phone_opens_the_case_and_wrong_codes_are_limited,
    the_receipt_code_is_given_once_and_a_wrong_one_is_refused,
    files_too_large_or_not_what_they_claim_are_refused_naming_the_field,
    the_status_page_speaks_both_languages_and_shows_no_one_by_name
);

/// A file of a form: name, content type, bytes.
type File<'a> = (&'a str, &'a str, &'a [u8]);

/// A 1×1 PNG.
const PNG: &str = "89504e470d0a1a0a0000000d4948445200000001000000010804000000b51c0c020000000b4944415478da6364600000000600023081d02f0000000049454e44ae426082";

/// Python with Playwright and Debian's Chromium, or `None` (SKIPPED loudly; a failure under
/// CI=true).
fn browser_or_skip(test: &str) -> Option<(String, String)> {
    let python = std::env::var("REDRESS_PYTHON").unwrap_or_else(|_| "python3".into());
    let chromium = std::env::var("REDRESS_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let playwright = std::process::Command::new(&python)
        .args(["-c", "import playwright.sync_api"])
        .output()
        .is_ok_and(|out| out.status.success());
    let reason = if !playwright {
        Some(format!("{python} has no playwright (pip install playwright)"))
    } else if !std::path::Path::new(&chromium).exists() {
        Some(format!("no Chromium at {chromium} (apt-get install chromium)"))
    } else {
        None
    };
    match reason {
        None => Some((python, chromium)),
        Some(reason) if testkit::nats::is_ci() => {
            panic!("{test}: {reason}; under CI=true a missing browser is a failure")
        }
        Some(reason) => {
            eprintln!("SKIPPED: {test}: {reason}");
            None
        }
    }
}

/// Runs a scenario of `tests/browser/web_form.py` against the Sandbox; answers what the browser saw.
async fn browse(browser: &(String, String), sandbox: &Sandbox, scenario: &str, args: Value) -> Value {
    let (python, chromium) = browser.clone();
    let script = format!("{}/browser/web_form.py", env!("CARGO_MANIFEST_DIR"));
    let base = sandbox.base_url.clone();
    let scenario = scenario.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .arg(scenario)
            .arg(base)
            .arg(args.to_string())
            .env("REDRESS_CHROMIUM", chromium)
            .output()
    })
    .await
    .expect("joined")
    .expect("the browser script runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the browser failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("the browser's JSON")
}

/// A `multipart/form-data` body: the complaint and files `(name, content type, bytes)`.
fn form(complaint: &Value, files: &[File]) -> (String, Vec<u8>) {
    let boundary = "redress-e2e-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"complaint\"\r\nContent-Type: application/json\r\n\r\n{complaint}\r\n"
        )
        .as_bytes(),
    );
    for (name, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts a form without a credential, as the public page does.
async fn post_form(sandbox: &Sandbox, complaint: &Value, files: &[File<'_>]) -> (u16, Value) {
    let (content_type, body) = form(complaint, files);
    let response = sandbox
        .http
        .post(format!("{}/api/v1/complaints", sandbox.base_url))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("sent");
    (response.status().as_u16(), response.json().await.expect("json"))
}

/// A public POST with a JSON body.
async fn public_post(sandbox: &Sandbox, path: &str, body: Value, session: Option<&str>) -> (u16, Value) {
    let mut request = sandbox.http.post(format!("{}{path}", sandbox.base_url)).json(&body);
    if let Some(session) = session {
        request = request.bearer_auth(session);
    }
    let response = request.send().await.expect("sent");
    (response.status().as_u16(), response.json().await.expect("json"))
}

/// `GET /api/v1/status` in a language.
async fn status_in(sandbox: &Sandbox, session: &str, language: &str) -> (u16, Value) {
    let response = sandbox
        .http
        .get(format!("{}/api/v1/status", sandbox.base_url))
        .bearer_auth(session)
        .header("Accept-Language", language)
        .send()
        .await
        .expect("sent");
    (response.status().as_u16(), response.json().await.expect("json"))
}

type Texts = Arc<Mutex<Vec<Value>>>;

/// A local stand-in for the SMS provider's HTTP API (the true edge).
async fn sms_provider() -> (String, Texts) {
    let texts: Texts = Arc::default();
    async fn send(State(texts): State<Texts>, Json(body): Json<Value>) -> Json<Value> {
        let mut seen = texts.lock().expect("lock");
        seen.push(body);
        Json(json!({"code": "OK", "message": "OK", "biz_id": format!("biz-{}", seen.len())}))
    }
    let app = axum::Router::new()
        .route("/sms/send", axum::routing::post(send))
        .with_state(texts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let url = format!("http://{}/sms/send", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, texts)
}

fn with_sms(url: String) -> Settings {
    Settings {
        notification: ChannelsConfig {
            sms: Some(SmsConfig {
                endpoint: url,
                sign_name: "天河比亚迪".into(),
                access_key: None,
                receipt_token: None,
                window: "00:00-00:00".into(),
            }),
            ..ChannelsConfig::default()
        },
        ..Settings::default()
    }
}

/// The code of the last text the provider received for this out_id.
fn code_of(texts: &Texts, challenge: &str) -> Option<(String, Value)> {
    texts
        .lock()
        .expect("lock")
        .iter()
        .rev()
        .find(|t| t["out_id"] == challenge)
        .map(|t| {
            let params: Value = serde_json::from_str(t["template_param"].as_str().unwrap_or("{}")).unwrap_or_default();
            (params["code"].as_str().unwrap_or_default().to_owned(), t.clone())
        })
}

/// Every file under a directory, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

async fn a_browser_posts_the_form_with_a_file_and_follows_the_case_with_the_receipt_code(stores: Stores) {
    let Some(browser) = browser_or_skip("web: the form in a browser") else {
        return;
    };
    let sandbox = Sandbox::start_on(stores, Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let png = hex::decode(PNG).expect("png");
    let dir = tempfile::tempdir().expect("dir");
    let photo = dir.path().join("门店收据.png");
    std::fs::write(&photo, &png).expect("written");

    let seen = browse(
        &browser,
        &sandbox,
        "anonymous_with_file",
        json!({"locale": "zh-CN", "narrative": "销售顾问承诺的脚垫一直没有送，收据见附件。",
            "file": photo.display().to_string()}),
    )
    .await;
    assert_eq!(seen["title"], "投诉与举报", "{seen}");
    let case_number = seen["case_number"].as_str().expect("a case number");
    assert!(case_number.starts_with("TS"), "{seen}");
    let receipt = seen["receipt_code"].as_str().expect("a receipt code");
    assert_eq!(receipt.len(), 19, "{seen}");
    assert_eq!(receipt.matches('-').count(), 3, "{seen}");

    // The case is registered as an anonymous web complaint with the file and its checksum.
    let (status, case) = sandbox.case(case_number).await.expect("case");
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["channel"], "web");
    let id = case["id"].as_str().expect("id");
    let listed: Value = sandbox
        .api(Method::GET, &format!("/api/v1/cases/{id}/attachments"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let attachment = &listed["attachments"][0];
    assert_eq!(attachment["file_name"], "门店收据.png", "{listed}");
    assert_eq!(attachment["content_type"], "image/png");
    assert_eq!(attachment["size"], png.len());
    assert_eq!(attachment["sha256"], hex::encode(Sha256::digest(&png)));
    let download = sandbox
        .api(
            Method::GET,
            &format!(
                "/api/v1/cases/{id}/attachments/{}",
                attachment["id"].as_str().expect("id")
            ),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(
        download.headers()["etag"].to_str().expect("etag"),
        format!("\"{}\"", hex::encode(Sha256::digest(&png)))
    );
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), png.as_slice());
    let audit = sandbox.audit_log("intake").await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|entry| entry.action == "attachment.read" && entry.subject == id),
        "reading a file is audited"
    );
    // Kept encrypted: the object on disk is not the file.
    if stores == Stores::Sqlite {
        let objects = files_under(&sandbox.data_dir.path().join("attachments"));
        assert_eq!(objects.len(), 1, "{objects:?}");
        let stored = std::fs::read(&objects[0]).expect("object");
        assert!(!stored.windows(8).any(|w| w == &png[..8]), "the object is ciphertext");
    }

    // The status page opened with the receipt code (typed in lower case with spaces) in Chinese.
    assert_eq!(seen["status_page_title"], "投诉进度查询", "{seen}");
    assert!(
        seen["status_case"]
            .as_str()
            .unwrap_or_default()
            .starts_with(case_number),
        "{seen}"
    );
    let label = seen["status_label"].as_str().unwrap_or_default();
    assert!(
        ["已受理", "已转办", "处理中", "已登记"].contains(&label),
        "a status in Chinese: {seen}"
    );
    let steps: Vec<&str> = seen["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(steps.first(), Some(&"registered"), "{seen}");
    assert!(steps.contains(&"accepted"), "{seen}");
    sandbox.stop().await;
}

async fn a_browser_opens_the_case_with_a_texted_code_and_answers_the_question_in_english(stores: Stores) {
    let Some(browser) = browser_or_skip("web: the status page in a browser") else {
        return;
    };
    let sandbox = Sandbox::start_on(stores, Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let (status, created) = sandbox
        .post_complaint(
            &json!({"channel": "app", "narrative": "The car was returned with a scratch on the bumper.",
                "complainant": {"name": "Li Wei", "phone": "13800000042", "preferred_language": "en"}}),
            None,
        )
        .await
        .expect("posted");
    assert_eq!(status, 201, "{created}");
    assert!(created.get("receipt_code").is_none(), "only anonymous cases get one");
    let id = created["id"].as_str().expect("id");
    let case_number = created["case_number"].as_str().expect("number");
    let (status, asked) = e2e::act(
        &sandbox,
        id,
        "questions",
        json!({"text": "When did you collect the car, and who handed it over?", "staff": "crm-zhang"}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{asked}");
    assert_eq!(asked["n"], 1);

    // Without an SMS provider the code goes to the outbox (the phone masked), where the browser
    // reads it.
    let outbox = sandbox.data_dir.path().join("outbox").join("sms-codes");
    let seen = browse(
        &browser,
        &sandbox,
        "answer_with_code",
        json!({"locale": "en-GB", "case_number": case_number.to_lowercase(), "phone_last4": "0042",
            "outbox": outbox.display().to_string(), "answer": "On 3 December at 17:00, from the service advisor."}),
    )
    .await;
    assert_eq!(seen["title"], "Follow your case", "{seen}");
    assert_eq!(seen["masked_phone"], "138****0042", "{seen}");
    assert!(
        seen["message"]
            .as_str()
            .unwrap_or_default()
            .contains("code is on its way"),
        "{seen}"
    );
    assert_eq!(
        seen["question"], "1. When did you collect the car, and who handed it over?",
        "{seen}"
    );
    assert_eq!(
        seen["answered"], "Your answer: On 3 December at 17:00, from the service advisor.",
        "{seen}"
    );
    let steps: Vec<&str> = seen["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        steps.contains(&"question_asked") && steps.contains(&"question_answered"),
        "{seen}"
    );
    let label = seen["status_label"].as_str().unwrap_or_default();
    assert!(
        ["accepted", "dispatched", "being handled", "received"].contains(&label),
        "a status in English: {seen}"
    );

    // Staff read the answer; the timeline has both steps, the events no text.
    let questions: Value = sandbox
        .api(Method::GET, &format!("/api/v1/cases/{id}/questions"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(questions["questions"][0]["asked_by"], "crm-zhang", "{questions}");
    assert_eq!(
        questions["questions"][0]["answer"],
        "On 3 December at 17:00, from the service advisor."
    );
    let case = until(&sandbox, id, |c| count_entries(c, "intake", "question_answered") == 1).await;
    assert_eq!(count_entries(&case, "intake", "question_asked"), 1);
    for event in ["case.question_asked", "case.question_answered"] {
        let message = intake_event(&sandbox, id, event).await;
        let payload = String::from_utf8_lossy(&message.payload);
        assert!(
            !payload.contains("collect") && !payload.contains("December"),
            "{event}: no text"
        );
    }
    for file in files_under(&outbox) {
        let text = std::fs::read_to_string(&file).expect("outbox file");
        assert!(!text.contains("13800000042"), "the outbox masks the phone");
    }
    sandbox.stop().await;
}

async fn intake_event(sandbox: &Sandbox, case_id: &str, event_type: &str) -> bus::Message {
    let spec = bus::ConsumerSpec {
        durable_name: format!(
            "e2e-web-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ),
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

async fn a_code_texted_to_the_phone_opens_the_case_and_wrong_codes_are_limited(stores: Stores) {
    let (sms_url, texts) = sms_provider().await;
    let sandbox = Sandbox::start_with(stores, Arc::new(domain::SystemClock), with_sms(sms_url))
        .await
        .expect("sandbox starts");
    let (_, created) = sandbox
        .post_complaint(
            &json!({"channel": "web", "narrative": "保养后发动机故障灯常亮",
                "complainant": {"name": "王芳", "phone": "13800000001"}}),
            None,
        )
        .await
        .expect("posted");
    let case_number = created["case_number"].as_str().expect("number").to_owned();
    let ask = |last4: &'static str| {
        let number = case_number.clone();
        let sandbox = &sandbox;
        async move {
            public_post(
                sandbox,
                "/api/v1/status/codes",
                json!({"case_number": number, "phone_last4": last4}),
                None,
            )
            .await
        }
    };

    // The code goes to the provider with its template; five wrong codes kill the challenge.
    let (status, first) = ask("0001").await;
    assert_eq!(status, 202, "{first}");
    let challenge = first["challenge_id"].as_str().expect("challenge").to_owned();
    let (code, text) = wait_until(Duration::from_secs(5), || async { code_of(&texts, &challenge) })
        .await
        .expect("the provider received the code");
    assert_eq!(text["phone_numbers"], "13800000001");
    assert_eq!(text["sign_name"], "天河比亚迪");
    assert_eq!(text["template_code"], "SMS_CODE_ZH_001");
    assert_eq!(code.len(), 6);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for attempt in 0..5 {
        let (status, refused) = public_post(
            &sandbox,
            "/api/v1/status/sessions",
            json!({"case_number": case_number, "challenge_id": challenge, "code": wrong}),
            None,
        )
        .await;
        assert_eq!(status, 401, "attempt {attempt}: {refused}");
        assert_eq!(refused["error"]["code"], "invalid_code");
        assert_eq!(refused["error"]["field"], "code");
    }
    let (status, dead) = public_post(
        &sandbox,
        "/api/v1/status/sessions",
        json!({"case_number": case_number, "challenge_id": challenge, "code": code}),
        None,
    )
    .await;
    assert_eq!(status, 429, "even the right code after five wrong ones: {dead}");
    assert_eq!(dead["error"]["code"], "too_many_attempts");

    // A new code opens the case, once.
    let (_, second) = ask("0001").await;
    let challenge = second["challenge_id"].as_str().expect("challenge").to_owned();
    let (code, _) = wait_until(Duration::from_secs(5), || async { code_of(&texts, &challenge) })
        .await
        .expect("a second code");
    let open = json!({"case_number": case_number.to_lowercase(), "challenge_id": challenge, "code": code});
    let (status, session) = public_post(&sandbox, "/api/v1/status/sessions", open.clone(), None).await;
    assert_eq!(status, 201, "{session}");
    let (status, again) = public_post(&sandbox, "/api/v1/status/sessions", open, None).await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (401, Some("code_expired")),
        "{again}"
    );
    let (status, view) = status_of(&sandbox, session["session"].as_str().expect("session")).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["case_number"], case_number.as_str());

    // The wrong last four digits get the same answer, and no text.
    let sent = texts.lock().expect("lock").len();
    let (status, unmatched) = ask("9999").await;
    assert_eq!(status, 202, "{unmatched}");
    assert!(unmatched["challenge_id"].is_string());
    assert_eq!(texts.lock().expect("lock").len(), sent, "nothing is sent");
    // Three codes an hour per case number.
    let (status, limited) = ask("0001").await;
    assert_eq!(status, 429, "{limited}");
    assert_eq!(limited["error"]["code"], "too_many_codes");
    let (status, malformed) = public_post(
        &sandbox,
        "/api/v1/status/codes",
        json!({"case_number": case_number, "phone_last4": "12a4"}),
        None,
    )
    .await;
    assert_eq!(
        (status, malformed["error"]["field"].as_str()),
        (422, Some("phone_last4"))
    );
    sandbox.stop().await;
}

async fn status_of(sandbox: &Sandbox, session: &str) -> (u16, Value) {
    status_in(sandbox, session, "zh-CN").await
}

async fn the_receipt_code_is_given_once_and_a_wrong_one_is_refused(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let report = json!({"channel": "web", "kind": "report", "anonymous": true,
        "narrative": "仓库主管收受供应商回扣，时间在每月结算前后。"});
    let (status, created) = sandbox.post_complaint(&report, Some("report-1")).await.expect("posted");
    assert_eq!(status, 201, "{created}");
    let receipt = created["receipt_code"].as_str().expect("a receipt code").to_owned();
    let (status, replayed) = sandbox.post_complaint(&report, Some("report-1")).await.expect("again");
    assert_eq!(status, 200);
    assert_eq!(replayed["id"], created["id"]);
    assert!(replayed.get("receipt_code").is_none(), "shown once: {replayed}");

    let (status, session) = public_post(
        &sandbox,
        "/api/v1/status/sessions",
        json!({"receipt_code": receipt.to_lowercase().replace('-', " ")}),
        None,
    )
    .await;
    assert_eq!(status, 201, "{session}");
    let (status, view) = status_of(&sandbox, session["session"].as_str().expect("session")).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["case_number"], created["case_number"]);
    assert_eq!(view["kind_label"], "举报");

    let mut wrong = receipt.clone().into_bytes();
    wrong[0] = if wrong[0] == b'A' { b'B' } else { b'A' };
    for code in [String::from_utf8(wrong).expect("ascii"), "not a code".to_owned()] {
        let (status, refused) =
            public_post(&sandbox, "/api/v1/status/sessions", json!({"receipt_code": code}), None).await;
        assert_eq!(status, 401, "{refused}");
        assert_eq!(refused["error"]["code"], "invalid_code");
        assert_eq!(refused["error"]["field"], "receipt_code");
    }
    let (status, none) = status_of(&sandbox, &"0".repeat(64)).await;
    assert_eq!((status, none["error"]["code"].as_str()), (401, Some("session_expired")));

    // The code itself is nowhere in intake's store: only its keyed hash.
    if stores == Stores::Sqlite {
        let plain = receipt.replace('-', "");
        for file in files_under(sandbox.data_dir.path()) {
            let bytes = std::fs::read(&file).unwrap_or_default();
            assert!(
                !bytes.windows(plain.len()).any(|w| w == plain.as_bytes()),
                "{} holds the receipt code",
                file.display()
            );
        }
    }
    sandbox.stop().await;
}

async fn files_too_large_or_not_what_they_claim_are_refused_naming_the_field(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let complaint = json!({"channel": "web", "narrative": "维修后车辆异响，视频见附件。",
        "complainant": {"phone": "13800000077"}});
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let png = hex::decode(PNG).expect("png");
    let cases: [(&[File], u16, &str, &str); 4] = [
        (
            &[("photo.png", "image/png", &png), ("noise.txt", "text/plain", &big)],
            413,
            "attachments[1]",
            "max_file_bytes",
        ),
        (
            &[("setup.exe", "application/x-msdownload", b"MZ\x90\x00")],
            422,
            "attachments[0].content_type",
            "allowed_types",
        ),
        (
            &[("photo.png", "image/png", b"MZ\x90\x00 not a picture")],
            422,
            "attachments[0].content_type",
            "matches_content",
        ),
        (
            &[("empty.pdf", "application/pdf", b"")],
            422,
            "attachments[0]",
            "min_bytes",
        ),
    ];
    for (files, expected, field, rule) in cases {
        let (status, refused) = post_form(&sandbox, &complaint, files).await;
        assert_eq!(status, expected, "{refused}");
        assert_eq!(refused["error"]["field"], field, "{refused}");
        let rules: Vec<&str> = refused["error"]["details"]["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["rule"].as_str()).collect())
            .unwrap_or_default();
        assert!(rules.contains(&rule), "{rule}: {refused}");
    }
    let six: Vec<File> = (0..6).map(|_| ("photo.png", "image/png", png.as_slice())).collect();
    let (status, refused) = post_form(&sandbox, &complaint, &six).await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (413, Some("attachments")),
        "{refused}"
    );
    // The complaint itself is checked as a JSON body would be.
    let (status, refused) = post_form(&sandbox, &json!({"channel": "web", "narrative": ""}), &[]).await;
    assert_eq!(
        (status, refused["error"]["field"].as_str()),
        (422, Some("narrative")),
        "{refused}"
    );
    // Nothing was kept of the refused ones; a good one is kept with its checksum.
    if stores == Stores::Sqlite {
        assert!(files_under(&sandbox.data_dir.path().join("attachments")).is_empty());
    }
    let pdf = b"%PDF-1.4\n% 13800000077 invoice\n";
    let (status, created) = post_form(&sandbox, &complaint, &[("发票.pdf", "application/pdf", pdf)]).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["attachments"][0]["sha256"], hex::encode(Sha256::digest(pdf)));
    assert_eq!(created["attachments"][0]["file_name"], "发票.pdf");
    if stores == Stores::Sqlite {
        for file in files_under(&sandbox.data_dir.path().join("attachments")) {
            let bytes = std::fs::read(&file).expect("object");
            assert!(
                !bytes.windows(11).any(|w| w == b"13800000077"),
                "the phone in the file is encrypted"
            );
        }
    }
    sandbox.stop().await;
}

async fn the_status_page_speaks_both_languages_and_shows_no_one_by_name(stores: Stores) {
    let sandbox = Sandbox::start_on(stores, Arc::new(domain::SystemClock))
        .await
        .expect("sandbox starts");
    let page = |language: &'static str| {
        let sandbox = &sandbox;
        async move {
            let response = sandbox
                .http
                .get(format!("{}/status", sandbox.base_url))
                .header("Accept-Language", language)
                .send()
                .await
                .expect("page");
            assert_eq!(response.status().as_u16(), 200);
            assert_eq!(
                response.headers()["content-language"].to_str().expect("header"),
                language
            );
            response.text().await.expect("text")
        }
    };
    let zh = page("zh-CN").await;
    assert!(zh.contains("投诉进度查询") && zh.contains("手机号后四位") && zh.contains("回执码"));
    let en = page("en").await;
    assert!(
        en.contains("Follow your case")
            && en.contains("Last four digits of your mobile")
            && en.contains("receipt code")
    );

    let (_, created) = sandbox
        .post_complaint(
            &json!({"channel": "web", "anonymous": true, "narrative": "门店经理辱骂顾客，要求道歉。"}),
            None,
        )
        .await
        .expect("posted");
    let id = created["id"].as_str().expect("id");
    // Every service has it (dispatched), so its status holds still between the two readings.
    until(&sandbox, id, |c| {
        c["pending"].as_array().is_some_and(Vec::is_empty) && c["dispatch"]["state"] == "dispatched"
    })
    .await;
    let (status, _) = e2e::act(
        &sandbox,
        id,
        "questions",
        json!({"text": "请问事情发生在哪一天？", "staff": "crm-wang-xiaoming"}),
        None,
    )
    .await;
    assert_eq!(status, 201);
    let (_, session) = public_post(
        &sandbox,
        "/api/v1/status/sessions",
        json!({"receipt_code": created["receipt_code"]}),
        None,
    )
    .await;
    let session = session["session"].as_str().expect("session").to_owned();
    let (status, zh) = status_in(&sandbox, &session, "zh-CN,zh;q=0.9").await;
    assert_eq!(status, 200, "{zh}");
    let (_, en) = status_in(&sandbox, &session, "en-US").await;
    assert_eq!(
        (zh["language"].as_str(), en["language"].as_str()),
        (Some("zh-CN"), Some("en"))
    );
    assert_eq!(
        (zh["kind_label"].as_str(), en["kind_label"].as_str()),
        (Some("投诉"), Some("complaint"))
    );
    assert_eq!(zh["status"], en["status"]);
    assert_ne!(zh["status_label"], en["status_label"]);
    let label_of = |view: &Value, step: &str| {
        view["timeline"]
            .as_array()
            .and_then(|steps| steps.iter().find(|s| s["step"] == step))
            .map(|s| s["label"].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(label_of(&zh, "registered").as_deref(), Some("已登记"));
    assert_eq!(label_of(&en, "registered").as_deref(), Some("Registered"));
    assert_eq!(label_of(&en, "question_asked").as_deref(), Some("A question for you"));
    assert_eq!(zh["deadlines"][0]["label"], "受理告知");
    assert_eq!(en["deadlines"][0]["label"], "acknowledgement");
    assert_eq!(zh["questions"][0]["question"], "请问事情发生在哪一天？");
    for view in [&zh, &en] {
        let text = view.to_string();
        assert!(!text.contains("crm-wang-xiaoming"), "no staff names: {text}");
        assert!(!text.contains("\"actor\""), "no actors: {text}");
        assert!(view["questions"][0].get("asked_by").is_none());
    }
    // The answer goes through once; a question that does not exist is named.
    let (status, answered) = public_post(
        &sandbox,
        "/api/v1/status/questions/1/answer",
        json!({"text": "12月1日下午"}),
        Some(&session),
    )
    .await;
    assert_eq!(status, 200, "{answered}");
    let (status, again) = public_post(
        &sandbox,
        "/api/v1/status/questions/1/answer",
        json!({"text": "再答一次"}),
        Some(&session),
    )
    .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("already_answered"))
    );
    let (status, unknown) = public_post(
        &sandbox,
        "/api/v1/status/questions/7/answer",
        json!({"text": "?"}),
        Some(&session),
    )
    .await;
    assert_eq!(
        (status, unknown["error"]["field"].as_str()),
        (422, Some("n")),
        "{unknown}"
    );
    // Without a staff credential nobody asks.
    let response = sandbox
        .http
        .post(format!("{}/api/v1/cases/{id}/questions", sandbox.base_url))
        .json(&json!({"text": "?"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 401);
    sandbox.stop().await;
}
