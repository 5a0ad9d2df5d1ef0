//! The e-mail channel against a real IMAP server (Dovecot, `testkit::imap`): intake's App
//! polls the mailbox; mail in GBK, Big5, HTML only and with an attachment becomes cases,
//! replies join their case, a message seen again after a restart registers once, and bad mail
//! is quarantined without blocking the rest. One test binary for intake (decision 0006).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_imap::Session;
use bus::embedded::{EmbeddedLog, EmbeddedOptions};
use futures::TryStreamExt;
use intake::cipher::{Cipher, DefaultCipher};
use intake::config::{MailboxConfig, MailboxTls};
use intake::store::{self as sql};
use prost::Message as _;
use rpc::events::v1::CaseCorrespondenceReceived;
use sqlx::Row;
use store::{Db, OpenOptions};
use testkit::imap::{ImapServer, PASSWORD, USER};
use testkit::stores::StoreTarget;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

const TENANT: &str = "default";

testkit::on_both_backends!(
    chinese_html_and_attached_mail_become_cases_with_decoded_text,
    replies_join_their_case_by_thread_and_by_case_number,
    a_message_seen_again_after_a_restart_before_its_flag_registers_once,
    bad_mail_is_quarantined_with_its_reason_and_does_not_block_the_mailbox,
    mail_is_taken_in_over_implicit_tls_and_over_starttls,
);
const WAIT: Duration = Duration::from_secs(30);

/// A running intake App polling one mailbox, on a data directory that outlives it.
struct Running {
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    registry: prometheus_client::registry::Registry,
}

impl Running {
    /// A counter's value as `/metrics` shows it.
    fn counter(&self, name: &str) -> u64 {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry).expect("encodes");
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in {text}"))
    }

    async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.expect("intake stopped");
    }
}

/// The test server's mailbox over plain IMAP, polled every second.
fn plain_mailbox(imap_port: u16) -> MailboxConfig {
    let mut mailbox = MailboxConfig::new("127.0.0.1", imap_port, MailboxTls::None, USER, PASSWORD);
    mailbox.poll_interval_secs = 1;
    mailbox.max_attachment_bytes = 4096;
    mailbox
}

async fn start_intake(dir: &Path, database_url: &str, imap_port: u16) -> Running {
    start_intake_with(dir, database_url, plain_mailbox(imap_port)).await
}

async fn start_intake_with(dir: &Path, database_url: &str, mailbox: MailboxConfig) -> Running {
    let config = intake::Config {
        database_url: database_url.to_owned(),
        key_path: dir.join("intake.key"),
        grpc_addr: "127.0.0.1:0".parse().expect("address"),
        calendar_id: "cn".into(),
        policy: "service_commitment".into(),
        auto_accept: true,
        fsync_full: false,
        mailboxes: vec![mailbox],
        channels: intake::config::ChannelsConfig::default(),
        gate: intake::config::GateConfig::default(),
        attachments: intake::web::AttachmentsConfig::default(),
        status: intake::web::StatusConfig::default(),
        case_numbers: intake::numbers::CaseNumbersConfig::default(),
        customers: None,
    };
    let transport = EmbeddedLog::open(&dir.join("bus.db"), EmbeddedOptions::default())
        .await
        .expect("bus");
    let platform = runtime::Platform {
        transport: Arc::new(transport),
        clock: Arc::new(domain::SystemClock),
        partitions: 1,
    };
    let mut registry = runtime::registry("intake");
    let app = intake::App::build(config, platform, Arc::new(calendar::Registry::builtin()), &mut registry)
        .await
        .expect("intake builds");
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    let task = tokio::spawn(async move {
        app.run_until_stopped(stop).await.expect("intake runs");
    });
    Running {
        shutdown,
        task,
        registry,
    }
}

/// Intake's store and key, read beside the running App.
struct Store {
    db: Db,
    cipher: DefaultCipher,
}

impl Store {
    async fn open(dir: &Path, database_url: &str) -> Self {
        let db = Db::connect(database_url, sql::MIGRATIONS, OpenOptions::default())
            .await
            .expect("store");
        Self {
            db,
            cipher: DefaultCipher::from_key_file(&dir.join("intake.key")).expect("key"),
        }
    }

    /// The e-mail cases, by subject: (id, case number, status).
    async fn email_cases(&self) -> Vec<(String, String, String, String)> {
        sqlx::query(
            "SELECT id, case_number, status, COALESCE(subject, '') AS subject FROM cases
             WHERE tenant = $1 AND channel = 'email' ORDER BY case_number",
        )
        .bind(TENANT)
        .fetch_all(self.db.reader())
        .await
        .expect("cases")
        .iter()
        .map(|row| {
            (
                row.get("id"),
                row.get("case_number"),
                row.get("status"),
                row.get("subject"),
            )
        })
        .collect()
    }

    async fn wait_for_cases(&self, count: usize) -> Vec<(String, String, String, String)> {
        testkit::wait_until(WAIT, || async {
            let cases = self.email_cases().await;
            (cases.len() >= count).then_some(cases)
        })
        .await
        .unwrap_or_else(|| panic!("{count} e-mail cases in time"))
    }

    async fn case_with_subject(&self, subject: &str) -> String {
        self.email_cases()
            .await
            .into_iter()
            .find(|(_, _, _, s)| s == subject)
            .map(|(id, ..)| id)
            .unwrap_or_else(|| panic!("a case with subject {subject}"))
    }

    fn decrypt(&self, case_id: &str, ciphertext: &[u8]) -> String {
        String::from_utf8(
            self.cipher
                .decrypt(TENANT, case_id.as_bytes(), ciphertext)
                .expect("decrypts"),
        )
        .expect("utf-8")
    }

    async fn narrative(&self, case_id: &str) -> String {
        let row = sql::find_case(self.db.reader(), TENANT, case_id)
            .await
            .expect("read")
            .expect("case");
        self.decrypt(case_id, &row.narrative)
    }

    async fn complainant(&self, case_id: &str) -> serde_json::Value {
        let row = sql::find_case(self.db.reader(), TENANT, case_id)
            .await
            .expect("read")
            .expect("case");
        serde_json::from_str(&self.decrypt(case_id, &row.personal_data.expect("personal data"))).expect("json")
    }

    async fn count(&self, sql_text: &str) -> i64 {
        sqlx::query_scalar(sql_text)
            .fetch_one(self.db.reader())
            .await
            .expect("count")
    }
}

async fn imap_session(port: u16) -> Session<TcpStream> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let mut client = async_imap::Client::new(stream);
    client.read_response().await.expect("greeting").expect("greeting");
    let mut session = client.login(USER, PASSWORD).await.map_err(|(e, _)| e).expect("login");
    session.select("INBOX").await.expect("select");
    session
}

/// The UIDs of the messages not yet flagged `\Seen`.
async fn unseen(port: u16) -> Vec<u32> {
    let mut session = imap_session(port).await;
    let mut uids: Vec<u32> = session
        .uid_search("UNSEEN")
        .await
        .expect("search")
        .into_iter()
        .collect();
    uids.sort_unstable();
    let _ = session.logout().await;
    uids
}

async fn wait_until_all_seen(port: u16) {
    testkit::wait_until(WAIT, || async { unseen(port).await.is_empty().then_some(()) })
        .await
        .expect("every message flagged \\Seen");
}

async fn imap_server(test: &str) -> Option<ImapServer> {
    let binary: PathBuf = testkit::imap::server_or_skip(test)?;
    Some(ImapServer::start(&binary).await.expect("dovecot starts"))
}

fn invoice_pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n% test invoice\n".to_vec();
    pdf.extend(0..=255u8);
    pdf.extend_from_slice(b"\n%%EOF\n");
    pdf
}

fn plain(message_id: &str, from: &str, subject: &str, extra_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: complaints@example.com\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n{extra_headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

async fn chinese_html_and_attached_mail_become_cases_with_decoded_text(target: &StoreTarget) {
    let Some(server) = imap_server("chinese_html_and_attached_mail_become_cases_with_decoded_text").await else {
        return;
    };
    for raw in [
        include_bytes!("mail/gbk.eml").as_slice(),
        include_bytes!("mail/big5.eml"),
        include_bytes!("mail/html-only.eml"),
        include_bytes!("mail/attachment.eml"),
    ] {
        server.deliver(raw).expect("delivered");
    }
    let dir = tempfile::tempdir().expect("dir");
    let url = target.url("intake.db");
    let intake = start_intake(dir.path(), &url, server.port()).await;
    let store = Store::open(dir.path(), &url).await;
    let cases = store.wait_for_cases(4).await;
    assert_eq!(cases.len(), 4, "one case per message: {cases:?}");
    for (_, number, status, _) in &cases {
        assert!(
            number.starts_with("TS") && number.len() >= 14,
            "a case number: {number}"
        );
        assert_eq!(status, "accepted", "complete with an e-mail address: accepted at once");
    }

    let gbk = store.case_with_subject("车辆保养后漏油").await;
    assert_eq!(
        store.narrative(&gbk).await,
        "车辆保养后漏油\n\n我的车在4S店保养后发动机漏油，要求退车。"
    );
    let person = store.complainant(&gbk).await;
    assert_eq!(person["name"], "张三");
    assert_eq!(person["email"], "zhangsan@example.cn");
    assert_eq!(person["preferred_channel"], "email");

    let big5 = store.case_with_subject("客服態度投訴").await;
    assert_eq!(
        store.narrative(&big5).await,
        "客服態度投訴\n\n客服人員態度很差，我要求退款。"
    );
    assert_eq!(store.complainant(&big5).await["name"], "陳大文");

    let html = store.case_with_subject("赠品未兑现").await;
    let narrative = store.narrative(&html).await;
    assert!(narrative.contains("销售顾问承诺的赠品没有兑现。"), "{narrative}");
    assert!(narrative.contains("请尽快处理&回复。"), "entities decoded: {narrative}");
    assert!(
        !narrative.contains('<') && !narrative.contains("color:red"),
        "tags and styles removed: {narrative}"
    );

    let attached = store.case_with_subject("Invoice does not match the contract").await;
    assert!(
        store
            .narrative(&attached)
            .await
            .ends_with("发票金额与合同不符，见附件。")
    );
    let attachments = sql::mail_attachments(store.db.reader(), TENANT, &attached)
        .await
        .expect("read");
    assert_eq!(attachments.len(), 1, "{attachments:?}");
    let pdf = invoice_pdf();
    let attachment = &attachments[0];
    assert_eq!(store.decrypt(&attached, &attachment.file_name), "发票.pdf");
    assert_eq!(attachment.content_type, "application/pdf");
    assert_eq!(attachment.size, pdf.len() as i64);
    assert_eq!(attachment.sha256, hex::encode(sha2::Sha256::digest(&pdf)));
    assert!(attachment.stored && attachment.correspondence_id.is_none());
    let content = store
        .cipher
        .decrypt(
            TENANT,
            attached.as_bytes(),
            attachment.content.as_deref().expect("bytes"),
        )
        .expect("decrypts");
    assert_eq!(content, pdf);

    wait_until_all_seen(server.port()).await;
    assert_eq!(intake.counter("intake_mail_cases_total"), 4);
    assert_eq!(intake.counter("intake_mail_quarantined_total"), 0);
    // Nothing of the complainants in the clear in the data directory (intake's SQLite store,
    // the bus).
    intake.stop().await;
    let mut files: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    if let StoreTarget::Sqlite(store_dir) = target {
        files.extend(std::fs::read_dir(store_dir.path()).expect("dir"));
    }
    for file in files.into_iter().filter_map(Result::ok) {
        // A SQLite journal may go away between the listing and the read.
        let Ok(bytes) = std::fs::read(file.path()) else {
            continue;
        };
        for secret in [
            "zhangsan@example.cn",
            "wang.fang@example.com",
            "发票金额",
            "gbk-original@example.cn",
        ] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in the clear in {}",
                file.path().display()
            );
        }
    }
}

use sha2::Digest as _;

async fn replies_join_their_case_by_thread_and_by_case_number(target: &StoreTarget) {
    let Some(server) = imap_server("replies_join_their_case_by_thread_and_by_case_number").await else {
        return;
    };
    server
        .deliver(&plain(
            "first@example.com",
            "Li Na <li.na@example.com>",
            "Refund not received",
            "",
            "I returned the phone on 1 December and have no refund yet.",
        ))
        .expect("delivered");
    let dir = tempfile::tempdir().expect("dir");
    let url = target.url("intake.db");
    let intake = start_intake(dir.path(), &url, server.port()).await;
    let store = Store::open(dir.path(), &url).await;
    let cases = store.wait_for_cases(1).await;
    let (case_id, case_number, ..) = cases[0].clone();

    server
        .deliver(&plain(
            "second@example.com",
            "Li Na <LI.NA@example.com>",
            "Re: Refund not received",
            "In-Reply-To: <first@example.com>\r\nReferences: <first@example.com>\r\n",
            "Here is my order number: 42.",
        ))
        .expect("delivered");
    server
        .deliver(&plain(
            "third@example.com",
            "Li Hua <li.hua@example.com>",
            &format!("补充材料 {case_number}"),
            "",
            "我是她的丈夫，补充一下情况。",
        ))
        .expect("delivered");
    server
        .deliver(&plain(
            "fourth@example.com",
            "Li Na <li.na@example.com>",
            "Re: Re: Refund not received",
            "In-Reply-To: <second@example.com>\r\n",
            "Any news?",
        ))
        .expect("delivered");
    let joined = testkit::wait_until(WAIT, || async {
        let rows = sql::correspondence(store.db.reader(), TENANT, &case_id)
            .await
            .expect("read");
        (rows.len() >= 3).then_some(rows)
    })
    .await
    .expect("three replies joined the case");
    assert_eq!(store.email_cases().await.len(), 1, "replies open no case");
    let mut by_text: Vec<(String, String, bool)> = joined
        .iter()
        .map(|row| {
            let content: serde_json::Value =
                serde_json::from_str(&store.decrypt(&case_id, &row.content)).expect("json");
            (
                content["text"].as_str().unwrap_or_default().to_owned(),
                row.matched_by.clone(),
                row.from_complainant,
            )
        })
        .collect();
    by_text.sort();
    assert_eq!(
        by_text,
        vec![
            ("Any news?".to_owned(), "thread".to_owned(), true),
            ("Here is my order number: 42.".to_owned(), "thread".to_owned(), true),
            (
                "我是她的丈夫，补充一下情况。".to_owned(),
                "case_number".to_owned(),
                false
            ),
        ]
    );
    let history = store::messaging::history_for_case(&store.db, TENANT, uuid::Uuid::parse_str(&case_id).expect("uuid"))
        .await
        .expect("history");
    assert_eq!(
        history
            .iter()
            .filter(|entry| entry.action == "correspondence_received")
            .count(),
        3
    );

    // The events, on the bus through intake's outbox: no personal data, no text.
    wait_until_all_seen(server.port()).await;
    assert_eq!(intake.counter("intake_mail_correspondence_total"), 3);
    intake.stop().await;
    let log = EmbeddedLog::open(&dir.path().join("bus.db"), EmbeddedOptions::default())
        .await
        .expect("bus");
    let messages = log
        .read_subject("redress.default.intake.case.correspondence_received.*", 0, 100)
        .await
        .expect("read");
    assert_eq!(messages.len(), 3, "one event per reply");
    for (_, message) in &messages {
        let event = CaseCorrespondenceReceived::decode(message.payload.clone()).expect("decodes");
        assert_eq!(event.channel, "email");
        assert!(!event.received_at.is_empty());
        let text = String::from_utf8_lossy(&message.payload);
        assert!(!text.contains("li.na") && !text.contains("Refund") && !text.contains("补充"));
    }
    log.close().await;
}

async fn a_message_seen_again_after_a_restart_before_its_flag_registers_once(target: &StoreTarget) {
    let Some(server) = imap_server("a_message_seen_again_after_a_restart_before_its_flag_registers_once").await else {
        return;
    };
    server
        .deliver(&plain(
            "once@example.com",
            "Zhou Jie <zhou.jie@example.com>",
            "Late delivery",
            "",
            "The sofa was due on Monday and has not arrived.",
        ))
        .expect("delivered");
    // The same message once more without a Message-ID is a different message: identified by its
    // bytes, it registers once too, however often it is seen.
    server
        .deliver(b"From: Zhou Jie <zhou.jie@example.com>\r\nSubject: No id\r\n\r\nA message without a Message-ID.\r\n")
        .expect("delivered");
    let dir = tempfile::tempdir().expect("dir");
    let url = target.url("intake.db");
    let intake = start_intake(dir.path(), &url, server.port()).await;
    let store = Store::open(dir.path(), &url).await;
    let first = store.wait_for_cases(2).await;
    wait_until_all_seen(server.port()).await;
    intake.stop().await;

    // The crash: the cases committed, the flags never reached the server.
    let mut session = imap_session(server.port()).await;
    let updates = session
        .uid_store("1:*", "-FLAGS.SILENT (\\Seen)")
        .await
        .expect("unflag");
    updates.try_collect::<Vec<_>>().await.expect("unflagged");
    let _ = session.logout().await;
    assert_eq!(unseen(server.port()).await.len(), 2, "both unseen again");

    let intake = start_intake(dir.path(), &url, server.port()).await;
    wait_until_all_seen(server.port()).await;
    assert_eq!(store.email_cases().await, first, "no second registration");
    assert_eq!(
        intake.counter("intake_mail_cases_total"),
        0,
        "nothing new after the restart"
    );
    assert_eq!(store.count("SELECT COUNT(*) FROM mail_messages").await, 2);
    intake.stop().await;
}

async fn bad_mail_is_quarantined_with_its_reason_and_does_not_block_the_mailbox(target: &StoreTarget) {
    let Some(server) = imap_server("bad_mail_is_quarantined_with_its_reason_and_does_not_block_the_mailbox").await
    else {
        return;
    };
    server
        .deliver(b"To: complaints@example.com\r\nSubject: who am I\r\nMessage-ID: <nofrom@example.com>\r\n\r\nNo sender.\r\n")
        .expect("delivered");
    server
        .deliver(b"From: Empty <empty@example.com>\r\nMessage-ID: <empty@example.com>\r\n\r\n   \r\n")
        .expect("delivered");
    server
        .deliver(&plain(
            "bad-address@example.com",
            "Someone <someone@@example..com>",
            "Bad address",
            "",
            "The sender's address is malformed.",
        ))
        .expect("delivered");
    server
        .deliver(&plain(
            "good@example.com",
            "Sun Li <sun.li@example.com>",
            "Water leak",
            "",
            "The ceiling leaks after the renovation.",
        ))
        .expect("delivered");
    let dir = tempfile::tempdir().expect("dir");
    let url = target.url("intake.db");
    let intake = start_intake(dir.path(), &url, server.port()).await;
    let store = Store::open(dir.path(), &url).await;
    let cases = store.wait_for_cases(1).await;
    assert_eq!(cases[0].3, "Water leak", "the good message after the bad ones");
    let quarantined = testkit::wait_until(WAIT, || async {
        let rows = sql::quarantine(store.db.reader(), TENANT).await.expect("read");
        (rows.len() >= 3).then_some(rows)
    })
    .await
    .expect("three messages quarantined");
    let mut reasons: Vec<&str> = quarantined.iter().map(|row| row.reason.as_str()).collect();
    reasons.sort_unstable();
    assert_eq!(
        reasons,
        vec![
            "invalid:complainant.email:format",
            "invalid:narrative:min_length",
            "no_from"
        ],
        "{quarantined:?}"
    );
    let no_from = quarantined.iter().find(|row| row.reason == "no_from").expect("no_from");
    assert!(no_from.detail.contains("From"), "{}", no_from.detail);
    let raw = store
        .cipher
        .decrypt(TENANT, no_from.id.as_bytes(), &no_from.raw)
        .expect("decrypts");
    assert!(
        String::from_utf8_lossy(&raw).contains("No sender."),
        "the message is kept"
    );
    wait_until_all_seen(server.port()).await;
    assert_eq!(store.email_cases().await.len(), 1);
    assert_eq!(intake.counter("intake_mail_quarantined_total"), 3);
    assert_eq!(intake.counter("intake_mail_cases_total"), 1);
    intake.stop().await;
}

async fn mail_is_taken_in_over_implicit_tls_and_over_starttls(target: &StoreTarget) {
    let Some(binary) = testkit::imap::server_or_skip("mail_is_taken_in_over_implicit_tls_and_over_starttls") else {
        return;
    };
    let server = ImapServer::start_with_tls(&binary).await.expect("dovecot starts");
    let dir = tempfile::tempdir().expect("dir");
    let url = target.url("intake.db");
    let store = Store::open(dir.path(), &url).await;

    let mut implicit = plain_mailbox(server.tls_port());
    implicit.tls = MailboxTls::Implicit;
    implicit.ca_file = Some(server.ca_file());
    server
        .deliver(&plain(
            "tls@example.com",
            "Qian Yu <qian.yu@example.com>",
            "Over IMAPS",
            "",
            "Sent over TLS.",
        ))
        .expect("delivered");
    let intake = start_intake_with(dir.path(), &url, implicit).await;
    let cases = testkit::wait_until(WAIT, || async {
        let cases = store.email_cases().await;
        (!cases.is_empty()).then_some(cases)
    })
    .await
    .unwrap_or_else(|| panic!("a case over IMAPS in time; the server's log: {}", server.log()));
    assert_eq!(cases[0].3, "Over IMAPS");
    wait_until_all_seen(server.port()).await;
    intake.stop().await;

    let mut starttls = plain_mailbox(server.port());
    starttls.tls = MailboxTls::Starttls;
    starttls.ca_file = Some(server.ca_file());
    server
        .deliver(&plain(
            "starttls@example.com",
            "Qian Yu <qian.yu@example.com>",
            "Over STARTTLS",
            "",
            "Upgraded.",
        ))
        .expect("delivered");
    let intake = start_intake_with(dir.path(), &url, starttls).await;
    let cases = store.wait_for_cases(2).await;
    assert!(cases.iter().any(|case| case.3 == "Over STARTTLS"), "{cases:?}");
    wait_until_all_seen(server.port()).await;
    intake.stop().await;
    let log = server.log();
    let tls_logins = log
        .lines()
        .filter(|line| line.contains("Login: user=<complaints>") && line.contains(", TLS"))
        .count();
    assert!(tls_logins >= 2, "intake logged in over TLS both times: {log}");
}
