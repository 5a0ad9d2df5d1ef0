//! Issue 5's must-show: no complainant's name, phone, e-mail, address or identity number appears
//! in clear text in the data directory, in any bus message or in the logs.
//!
//! The whole product runs with its `tracing` logs captured at debug level (`e2e::logs`).
//! Complaints come in through the public web form (JSON), e-mail (a real IMAP mailbox, Dovecot),
//! the phone (the signed telephony webhook, then the agent's quick entry) and a walk-in
//! confirmed by a signature, each with its own distinctive name, phone (typed with +86, spaces
//! or dashes), e-mail, address and identity number — in the complainant block (with its identity
//! document), the narrative and the channel details; the web form's case also with a vehicle
//! (VIN and plate). Once every service has the cases and the acknowledgements went out, the
//! test greps every file of the data directory, every message on the bus (read from the start
//! of the stream: subject, headers, payload), the captured logs and, on PostgreSQL, every
//! table's rows as text — for each value in UTF-8, as JSON escapes it, its digits only (phones)
//! and its hex (bytea as PostgreSQL prints it).
//!
//! One exclusion: `outbox/`. In the embedded shape it stands in for the e-mail and SMS
//! providers (decision 0005): a file there is a sent e-mail or SMS, which must carry the
//! complainant's name and address, as the message a real provider receives does. It has left
//! the product by design; everything else must hold the values encrypted or not at all.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use e2e::{Sandbox, Stores};
use hmac::{Hmac, Mac};
use redress::settings::Settings;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::wait_until;

on_both_stores!(no_personal_data_in_clear_in_the_data_directory_the_bus_or_the_logs);

const PHONE_SECRET: &str = "telephony-shared-secret-privacy";

/// One complainant's personal data as registered.
struct Person {
    name: &'static str,
    /// As typed.
    phone: &'static str,
    email: &'static str,
    address: &'static str,
    /// An identity number: the complainant's document where the channel takes one.
    id_number: &'static str,
    /// Other particulars (a VIN, a plate), when given.
    others: &'static [&'static str],
}

const WEB: Person = Person {
    name: "司马懿轩",
    phone: "+86 139 4711 2258",
    email: "sima.yixuan.7731@example.cn",
    address: "广东省广州市天河区珠江新城华夏路88号2601室",
    id_number: "440106198703151238",
    others: &["LSVAU218XN2183294", "粤B6T2K9"],
};
const MAIL: Person = Person {
    name: "Zbigniew Quackenbush",
    phone: "137 6620 4419",
    email: "zbigniew.quackenbush@mail.example.org",
    address: "上海市浦东新区陆家嘴环路1288号17楼",
    id_number: "E48213379",
    others: &[],
};
const CALLER: Person = Person {
    name: "欧阳·娜仁花",
    phone: "0755-8866-3377",
    email: "naren.ouyang.5509@example.net",
    address: "广东省深圳市福田区莲花路2075号3栋1201",
    id_number: "440304199002074615",
    others: &[],
};
const WALK_IN: Person = Person {
    name: "诸葛青禾",
    phone: "136-5583-9042",
    email: "zhuge.qinghe.3318@example.com",
    address: "北京市朝阳区建国路93号万达广场B座1905",
    id_number: "110105199212253012",
    others: &[],
};

/// The forms each value is searched in: as given, digits only for a phone, the street part of
/// an address (what `mask_address` hides), JSON's `\u` escapes; a label for the failure.
fn needles(person: &Person) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut add = |label: String, text: &str| {
        found.push((label.clone(), text.as_bytes().to_vec()));
        if !text.is_ascii() {
            let escaped: String = text
                .chars()
                .map(|c| {
                    if c.is_ascii() {
                        c.to_string()
                    } else {
                        format!("\\u{:04x}", c as u32)
                    }
                })
                .collect();
            found.push((format!("{label} (JSON-escaped)"), escaped.into_bytes()));
        }
    };
    add(format!("name {}", person.name), person.name);
    add(format!("phone {}", person.phone), person.phone);
    let digits: String = person.phone.chars().filter(char::is_ascii_digit).collect();
    add(format!("phone digits {digits}"), &digits);
    add(format!("e-mail {}", person.email), person.email);
    add(format!("address {}", person.address), person.address);
    let street: String = person.address.chars().skip(9).collect();
    add(format!("address street {street}"), &street);
    add(format!("id number {}", person.id_number), person.id_number);
    for other in person.others {
        add(format!("particular {other}"), other);
    }
    found
}

/// Where each needle appears in `haystack`, with the text around it.
fn hits(haystack: &[u8], needles: &[(String, Vec<u8>)]) -> Vec<String> {
    needles
        .iter()
        .filter_map(|(label, needle)| {
            let at = haystack.windows(needle.len()).position(|w| w == needle.as_slice())?;
            let from = at.saturating_sub(60);
            let to = (at + needle.len() + 60).min(haystack.len());
            Some(format!(
                "{label} at byte {at}: …{}…",
                String::from_utf8_lossy(&haystack[from..to]).replace('\n', "⏎")
            ))
        })
        .collect()
}

fn files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable directory").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

/// The telephony platform's signed call.
async fn call(sandbox: &Sandbox, caller: &str) -> Value {
    let body = json!({"call_id": "CALL-PRIVACY-0001", "caller": caller, "called": "4008001234",
        "started_at": chrono::Utc::now().to_rfc3339()})
    .to_string();
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(PHONE_SECRET.as_bytes()).expect("key");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let response = sandbox
        .http
        .post(format!("{}/api/v1/webhooks/default/phone", sandbox.base_url))
        .header("Content-Type", "application/json")
        .header("X-Redress-Timestamp", timestamp)
        .header(
            "X-Redress-Signature",
            format!("sha256={}", hex::encode(mac.finalize().into_bytes())),
        )
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 201, "the call opens a draft");
    response.json().await.expect("json")
}

async fn created(request: reqwest::RequestBuilder) -> String {
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("json");
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().expect("id").to_owned()
}

fn narrative(person: &Person, what: &str) -> String {
    format!(
        "{what}。我是{}，电话{}，邮箱{}，住在{}，身份证号{}。",
        person.name, person.phone, person.email, person.address, person.id_number
    )
}

fn complainant(person: &Person, channel: &str) -> Value {
    json!({"name": person.name, "phone": person.phone, "email": person.email, "address": person.address,
        "preferred_channel": channel, "id_document": {"kind": "resident_id", "number": person.id_number}})
}

/// The case an e-mail became, once `case.registered` says so.
async fn registered_by_mail(sandbox: &Sandbox) -> Option<String> {
    use prost::Message as _;
    let spec = bus::ConsumerSpec {
        durable_name: format!("e2e-privacy-mail-{}", uuid::Uuid::now_v7().simple()),
        filter_subjects: vec!["redress.default.intake.case.registered.>".into()],
        ack_wait: Duration::from_secs(30),
        max_deliver: None,
    };
    let mut consumer = sandbox.transport().consumer(spec).await.ok()?;
    loop {
        let deliveries = consumer.fetch(500, Duration::from_millis(200)).await.ok()?;
        if deliveries.is_empty() {
            return None;
        }
        for delivery in deliveries {
            let envelope = bus::Envelope::from_message(&delivery.message).ok()?;
            let registered = rpc::events::v1::CaseRegistered::decode(envelope.payload.as_ref()).ok()?;
            if registered.channel == "email" {
                return Some(envelope.case_id.to_string());
            }
        }
    }
}

/// Every service has the case, and its acknowledgement went out.
async fn settled(sandbox: &Sandbox, id: &str) -> Value {
    wait_until(Duration::from_secs(30), || async {
        let (_, case) = sandbox.case(id).await.ok()?;
        let done = case["pending"].as_array().is_some_and(Vec::is_empty)
            && e2e::count_entries(&case, "notification", "notice_sent") > 0;
        done.then_some(case)
    })
    .await
    .unwrap_or_else(|| panic!("case {id} was processed by every service and its notice sent"))
}

async fn no_personal_data_in_clear_in_the_data_directory_the_bus_or_the_logs(stores: Stores) {
    let logs = e2e::logs::capture();
    let dovecot = testkit::imap::server_or_skip("privacy: the e-mail channel");
    let imap = match &dovecot {
        Some(binary) => Some(
            testkit::imap::ImapServer::start(binary)
                .await
                .expect("the IMAP server starts"),
        ),
        None => None,
    };
    let mut intake = json!({"phone": {"webhook_secret": PHONE_SECRET}});
    if let Some(imap) = &imap {
        intake["mailbox"] = json!({"host": "127.0.0.1", "port": imap.port(), "tls": "none",
            "user": testkit::imap::USER, "password": testkit::imap::PASSWORD, "poll_interval_secs": 1});
    }
    let settings = Settings {
        intake: serde_json::from_value(intake).expect("intake settings"),
        ..Settings::default()
    };
    let sandbox = Sandbox::start_with(stores, Arc::new(domain::SystemClock), settings)
        .await
        .expect("sandbox starts");
    let mut cases = Vec::new();

    // The public web form, without a credential.
    cases.push(
        created(
            sandbox
                .http
                .post(format!("{}/api/v1/complaints", sandbox.base_url))
                .json(
                    &json!({"channel": "web", "narrative": narrative(&WEB, "新车交付时发现车漆划痕"),
                    "complainant": complainant(&WEB, "email"),
                    "vehicle": {"vin": WEB.others[0], "plate": WEB.others[1]},
                    "channel_details": {"id_number": WEB.id_number}}),
                ),
        )
        .await,
    );

    // E-mail: a message delivered into the mailbox intake polls.
    if let Some(imap) = &imap {
        let raw = format!(
            "From: {} <{}>\r\nTo: complaints@tianhe-byd.example\r\nSubject: =?UTF-8?B?{}?=\r\n\
             Message-ID: <privacy-0001@mail.example.org>\r\nDate: {}\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
            MAIL.name,
            MAIL.email,
            base64::engine::general_purpose::STANDARD.encode("投诉：保养收费不透明"),
            chrono::Utc::now().to_rfc2822(),
            narrative(&MAIL, "保养收费不透明，要求退还多收的费用")
        );
        imap.deliver(raw.as_bytes()).expect("delivered");
        let id = wait_until(Duration::from_secs(30), || registered_by_mail(&sandbox))
            .await
            .expect("the e-mail became a case");
        cases.push(id);
    }

    // The phone: a signed call opens a draft, the agent completes it (the caller's number).
    let opened = call(&sandbox, CALLER.phone).await;
    let draft = opened["draft_id"].as_str().expect("draft").to_owned();
    let mut person = complainant(&CALLER, "email");
    person.as_object_mut().expect("object").remove("phone");
    cases.push(
        created(
            sandbox
                .api(Method::POST, &format!("/api/v1/drafts/{draft}/complete"))
                .json(
                    &json!({"channel": "phone", "narrative": narrative(&CALLER, "维修后仍然异响，要求退车"),
                    "complainant": person, "channel_details": {"id_number": CALLER.id_number}}),
                ),
        )
        .await,
    );

    // A walk-in, confirmed by the complainant's signature.
    let (status, walk_in) = {
        let response = sandbox
            .api(Method::POST, "/api/v1/walk-ins")
            .json(&json!({"complaint": {"channel": "walk_in", "narrative": narrative(&WALK_IN, "来访：销售承诺的赠品未兑现"),
                "complainant": complainant(&WALK_IN, "sms"), "channel_details": {"id_number": WALK_IN.id_number}},
                "confirm_by": "signature"}))
            .send()
            .await
            .expect("sent");
        (
            response.status().as_u16(),
            response.json::<Value>().await.expect("json"),
        )
    };
    assert_eq!(status, 201, "{walk_in}");
    let png = [
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        format!("signed by {}", WALK_IN.name).as_bytes(),
    ]
    .concat();
    cases.push(
        created(
            sandbox
                .api(
                    Method::POST,
                    &format!("/api/v1/walk-ins/{}/confirm", walk_in["id"].as_str().expect("id")),
                )
                .json(&json!({"signature": {"content_type": "image/png",
                    "content_base64": base64::engine::general_purpose::STANDARD.encode(&png)}})),
        )
        .await,
    );

    for id in &cases {
        settled(&sandbox, id).await;
    }
    // The notices went out to the outbox (the providers' stand-in): it does hold the values.
    let outbox = sandbox.data_dir.path().join("outbox");
    let mut sent = Vec::new();
    files_under(&outbox, &mut sent);
    let sent_bytes: Vec<u8> = sent.iter().flat_map(|f| std::fs::read(f).unwrap_or_default()).collect();
    assert!(
        !hits(&sent_bytes, &needles(&WEB)).is_empty(),
        "the acknowledgement e-mail reached the outbox with the complainant's own data"
    );

    let people = if imap.is_some() {
        vec![&WEB, &MAIL, &CALLER, &WALK_IN]
    } else {
        vec![&WEB, &CALLER, &WALK_IN]
    };
    let needles: Vec<(String, Vec<u8>)> = people.iter().flat_map(|p| needles(p)).collect();
    let mut leaks = Vec::new();

    // Every file of the data directory but the outbox (SQLite files with their WAL, the
    // embedded log, the object store, keys, locks).
    let mut files = Vec::new();
    files_under(sandbox.data_dir.path(), &mut files);
    files.retain(|f| !f.starts_with(&outbox));
    assert!(
        files.iter().any(|f| f.ends_with("bus.db")),
        "the embedded log is among the files: {files:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_default();
        for hit in hits(&bytes, &needles) {
            leaks.push(format!("file {}: {hit}", file.display()));
        }
    }

    // Every message on the bus, from the start of the stream.
    let spec = bus::ConsumerSpec {
        durable_name: format!("e2e-privacy-{}", uuid::Uuid::now_v7().simple()),
        filter_subjects: vec!["redress.>".into()],
        ack_wait: Duration::from_secs(30),
        max_deliver: None,
    };
    let mut consumer = sandbox.transport().consumer(spec).await.expect("a consumer");
    let mut messages = 0;
    loop {
        let deliveries = consumer.fetch(500, Duration::from_millis(500)).await.expect("fetched");
        if deliveries.is_empty() {
            break;
        }
        for delivery in deliveries {
            messages += 1;
            let message = &delivery.message;
            let mut bytes = message.subject.clone().into_bytes();
            for (name, value) in &message.headers {
                bytes.extend_from_slice(format!("\n{name}: {value}").as_bytes());
            }
            bytes.push(b'\n');
            bytes.extend_from_slice(&message.payload);
            for hit in hits(&bytes, &needles) {
                leaks.push(format!(
                    "bus message {} (#{}): {hit}",
                    message.subject, delivery.stream_seq
                ));
            }
        }
    }
    assert!(messages >= 4 * cases.len(), "the bus was read: {messages} messages");

    // On PostgreSQL, every table of every service's database, row by row as text (bytea as hex).
    if stores == Stores::Postgres {
        let hex_needles: Vec<(String, Vec<u8>)> = needles
            .iter()
            .map(|(label, needle)| (format!("{label} (hex)"), hex::encode(needle).into_bytes()))
            .collect();
        for (service, url) in sandbox.store_urls() {
            let db = store::Db::connect(&url, &[], store::OpenOptions::default())
                .await
                .expect("connects");
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()
                 AND table_type = 'BASE TABLE' ORDER BY 1",
            )
            .fetch_all(db.reader())
            .await
            .expect("tables");
            assert!(!tables.is_empty(), "{service} has tables");
            for table in tables {
                let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT t::text FROM \"{table}\" t"))
                    .fetch_all(db.reader())
                    .await
                    .expect("rows as text");
                for (n, row) in rows.iter().enumerate() {
                    for hit in hits(row.as_bytes(), &needles)
                        .into_iter()
                        .chain(hits(row.as_bytes(), &hex_needles))
                    {
                        leaks.push(format!("postgres {service}.{table} row {n}: {hit}"));
                    }
                }
            }
            db.close().await;
        }
    }

    // The logs, at debug level, from every thread.
    let text = logs.text();
    assert!(
        text.contains("DEBUG"),
        "debug events were captured: {} bytes",
        text.len()
    );
    for (n, line) in text.lines().enumerate() {
        for hit in hits(line.as_bytes(), &needles) {
            leaks.push(format!("log line {n}: {hit}"));
        }
    }

    sandbox.stop().await;
    assert!(
        leaks.is_empty(),
        "personal data in clear ({} places):\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
