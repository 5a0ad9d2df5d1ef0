//! The transport and pipeline suites on NATS JetStream, against a real nats-server per test
//! (`testkit::nats`), and what only JetStream does: refusing a server older than 2.10,
//! deduplicating across connections and restarts, its duplicate window, cancelled fetches.
//!
//! Without a nats-server 2.10 or newer every test says `SKIPPED` and returns; under `CI=true` it
//! fails instead.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bus::conformance::transport::TransportFactory;
use bus::jetstream::{JetStream, JetStreamOptions};
use bus::subjects;
use bus::transport::{AckRef, Consumer, ConsumerSpec, Delivery, Error, Message, Settlement, Transport};
use bytes::Bytes;
use testkit::nats::{self, NatsServer};
use tokio::sync::Mutex;
use uuid::Uuid;

const TENANT: &str = "jetstream";

/// One nats-server: `fresh` opens a new connection (the checks keep apart by their names),
/// `reopen` restarts the server (same port, same store) and then connects.
struct JetStreamFactory {
    server: Mutex<NatsServer>,
    options: JetStreamOptions,
}

impl JetStreamFactory {
    /// A server for `test`, or `None` when the test is skipped.
    async fn start(test: &str) -> Option<Self> {
        let binary = nats::server_or_skip(test)?;
        let server = NatsServer::start_binary(&binary)
            .await
            .unwrap_or_else(|e| panic!("{test}: {e}"));
        Some(Self {
            options: JetStreamOptions::new(server.url()),
            server: Mutex::new(server),
        })
    }

    async fn connect(&self) -> JetStream {
        JetStream::connect(self.options.clone())
            .await
            .expect("connects to nats-server")
    }
}

#[async_trait]
impl TransportFactory for JetStreamFactory {
    async fn fresh(&self) -> Box<dyn Transport> {
        Box::new(self.connect().await)
    }

    async fn reopen(&self) -> Box<dyn Transport> {
        self.server.lock().await.restart().await.expect("the server restarts");
        Box::new(self.connect().await)
    }
}

mod transport {
    use bus::conformance::transport;

    use super::JetStreamFactory;

    macro_rules! checks {
        ($($check:ident),* $(,)?) => {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    let Some(factory) = JetStreamFactory::start(stringify!($check)).await else {
                        return;
                    };
                    transport::$check(&factory).await;
                }
            )*
        };
    }

    checks!(
        publish_then_fetch,
        deduplicates_by_message_id,
        filter_subjects_select_messages,
        acked_is_not_redelivered,
        unacked_is_redelivered_after_ack_wait,
        nak_delays_redelivery,
        progress_extends_ack_wait,
        term_stops_delivery,
        max_deliver_caps_deliveries,
        durable_cursor_survives_redeclare,
        durable_state_survives_restart,
        independent_consumers_each_get_everything,
        shared_durable_splits_work,
        fetch_waits_then_returns,
        pending_counts,
        large_batch_arrives_complete_and_in_order,
        run_all,
    );
}

mod pipeline {
    use std::sync::Arc;

    use bus::conformance::pipeline;
    use bus::conformance::transport::TransportFactory;

    use super::JetStreamFactory;

    macro_rules! checks {
        ($($check:ident),* $(,)?) => {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    let Some(factory) = JetStreamFactory::start(stringify!($check)).await else {
                        return;
                    };
                    pipeline::$check(Arc::from(factory.fresh().await)).await;
                }
            )*
        };
    }

    checks!(
        order_holds_per_case_with_batches,
        redelivery_changes_nothing,
        a_consumer_that_was_down_catches_up,
        a_poison_message_is_dead_lettered_and_counted,
        waiting_for_a_predecessor_is_not_a_failure,
        long_work_keeps_its_deliveries,
    );
}

fn message(n: usize) -> Message {
    Message {
        subject: subjects::event(TENANT, "intake", "case.registered", 0),
        msg_id: Uuid::now_v7().to_string(),
        headers: vec![("Redress-Index".to_owned(), n.to_string())],
        payload: Bytes::from(format!("message {n}")),
    }
}

fn spec(name: &str, ack_wait: Duration) -> ConsumerSpec {
    ConsumerSpec {
        durable_name: name.to_owned(),
        filter_subjects: vec![subjects::producer_filter("intake", 0)],
        ack_wait,
        max_deliver: None,
    }
}

/// Fetches until `count` deliveries arrived, within ten seconds.
async fn collect(consumer: &mut dyn Consumer, count: usize) -> Vec<Delivery> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut deliveries = Vec::new();
    while deliveries.len() < count && Instant::now() < deadline {
        let batch = consumer
            .fetch(count - deliveries.len(), Duration::from_millis(100))
            .await
            .expect("fetch");
        deliveries.extend(batch);
    }
    assert_eq!(deliveries.len(), count, "deliveries within ten seconds");
    deliveries
}

fn acks(deliveries: Vec<Delivery>) -> Vec<(AckRef, Settlement)> {
    deliveries.into_iter().map(|d| (d.ack_ref, Settlement::Ack)).collect()
}

#[tokio::test]
async fn connect_refuses_a_server_older_than_2_10() {
    let old = std::env::var_os("REDRESS_OLD_NATS_SERVER").unwrap_or_else(|| "/usr/sbin/nats-server".into());
    let old = Path::new(&old);
    let version = match nats::version_of(old) {
        Ok(version) if !version.is_supported() => version,
        Ok(version) => return eprintln!("SKIPPED: {} is nats-server {version}, not an old one", old.display()),
        Err(reason) => return eprintln!("SKIPPED: no old nats-server to refuse: {reason}"),
    };
    let server = NatsServer::start_binary(old).await.expect("the old server starts");
    match JetStream::connect(JetStreamOptions::new(server.url())).await {
        Err(Error::Refused(reason)) => assert_eq!(
            reason,
            format!(
                "nats-server {version} is older than 2.10: Redress needs 2.10 or newer (several filter subjects per consumer)"
            )
        ),
        Err(other) => panic!("refused with the wrong error: {other}"),
        Ok(_) => panic!("connected to nats-server {version}"),
    }
}

/// Needs no nats-server: a listener that greets like a 2.9.10 server and answers pings.
#[tokio::test]
async fn connect_refuses_the_version_a_server_announces() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(1).flatten() {
            let mut writer = stream.try_clone().expect("clones");
            let info = format!(
                "INFO {{\"server_id\":\"FAKE\",\"server_name\":\"fake\",\"version\":\"2.9.10\",\"proto\":1,\"go\":\"go1.19\",\"host\":\"127.0.0.1\",\"port\":{port},\"headers\":true,\"max_payload\":1048576,\"jetstream\":true}}\r\n"
            );
            let _ = writer.write_all(info.as_bytes());
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if line.starts_with("PING") {
                    let _ = writer.write_all(b"PONG\r\n");
                }
            }
        }
    });
    match JetStream::connect(JetStreamOptions::new(format!("nats://127.0.0.1:{port}"))).await {
        Err(Error::Refused(reason)) => assert!(reason.starts_with("nats-server 2.9.10 is older than 2.10"), "{reason}"),
        Err(other) => panic!("refused with the wrong error: {other}"),
        Ok(_) => panic!("accepted a 2.9.10 server"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_dedups_across_reconnects_and_restarts() {
    let Some(factory) = JetStreamFactory::start("publish_dedups_across_reconnects_and_restarts").await else {
        return;
    };
    let sent: Vec<Message> = (0..3).map(message).collect();
    let first = factory.connect().await.publish(sent.clone()).await.expect("publish");
    assert!(first.iter().all(|ack| !ack.duplicate));
    let again = factory.connect().await.publish(sent.clone()).await.expect("publish");
    assert!(again.iter().all(|ack| ack.duplicate), "{again:?}");
    assert_eq!(
        again,
        first
            .iter()
            .map(|a| bus::transport::PublishAck { duplicate: true, ..*a })
            .collect::<Vec<_>>()
    );
    let restarted = factory.reopen().await;
    let after = restarted
        .publish(vec![sent[1].clone(), message(3)])
        .await
        .expect("publish");
    assert!(
        after[0].duplicate && after[0].stream_seq == first[1].stream_seq,
        "{after:?}"
    );
    assert!(
        !after[1].duplicate && after[1].stream_seq == first[2].stream_seq + 1,
        "{after:?}"
    );
    let mut consumer = restarted
        .consumer(spec("dedup", Duration::from_secs(10)))
        .await
        .expect("consumer");
    let deliveries = collect(consumer.as_mut(), 4).await;
    let ids: HashSet<String> = deliveries.iter().map(|d| d.message.msg_id.clone()).collect();
    assert_eq!(ids.len(), 4, "each id stored once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_duplicate_window_lets_an_old_id_be_stored_again() {
    const WINDOW: Duration = Duration::from_secs(1);
    let Some(mut factory) = JetStreamFactory::start("the_duplicate_window_lets_an_old_id_be_stored_again").await else {
        return;
    };
    factory.options.duplicate_window = WINDOW;
    let transport = factory.connect().await;
    let sent = message(0);
    let stored_at = Instant::now();
    let first = transport.publish(vec![sent.clone()]).await.expect("publish")[0];
    loop {
        let ack = transport.publish(vec![sent.clone()]).await.expect("publish")[0];
        if !ack.duplicate {
            assert!(
                stored_at.elapsed() >= WINDOW,
                "stored again after {:?}",
                stored_at.elapsed()
            );
            assert!(ack.stream_seq > first.stream_seq);
            break;
        }
        assert!(stored_at.elapsed() < WINDOW * 10, "the window never ended");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_fetch_breaks_nothing() {
    const ACK_WAIT: Duration = Duration::from_secs(1);
    let Some(factory) = JetStreamFactory::start("a_cancelled_fetch_breaks_nothing").await else {
        return;
    };
    let transport = factory.connect().await;
    let mut consumer = transport.consumer(spec("cancelled", ACK_WAIT)).await.expect("consumer");
    // Dropped while it waits, then while messages stream in.
    let waiting = tokio::time::timeout(Duration::from_millis(200), consumer.fetch(10, Duration::from_secs(10))).await;
    assert!(waiting.is_err(), "an empty fetch returned before its expiry");
    let sent: Vec<Message> = (0..1000).map(message).collect();
    transport.publish(sent.clone()).await.expect("publish");
    for _ in 0..20 {
        let _ = tokio::time::timeout(Duration::from_micros(500), consumer.fetch(256, Duration::from_secs(10))).await;
    }
    let mut seen = HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.len() < sent.len() && Instant::now() < deadline {
        let batch = consumer.fetch(256, Duration::from_millis(200)).await.expect("fetch");
        seen.extend(batch.iter().map(|d| d.message.msg_id.clone()));
        consumer.settle(acks(batch)).await.expect("ack");
    }
    assert_eq!(
        seen.len(),
        sent.len(),
        "every message came, at the latest after the ack wait"
    );
    let quiet = consumer.fetch(10, ACK_WAIT * 2).await.expect("fetch");
    assert!(quiet.is_empty(), "acknowledged messages came again");
    assert_eq!(consumer.pending().await.expect("pending"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_specs_and_foreign_deliveries_are_refused() {
    let Some(factory) = JetStreamFactory::start("bad_specs_and_foreign_deliveries_are_refused").await else {
        return;
    };
    let transport = factory.connect().await;
    let good = spec("fine", Duration::from_secs(10));
    let mut no_filter = good.clone();
    no_filter.filter_subjects.clear();
    let mut dotted = good.clone();
    dotted.durable_name = "a.b".to_owned();
    let mut no_wait = good.clone();
    no_wait.ack_wait = Duration::ZERO;
    let mut never = good.clone();
    never.max_deliver = Some(0);
    let mut mixed = good.clone();
    mixed.filter_subjects.push(subjects::dead_letter(TENANT, "routing"));
    for bad in [no_filter, dotted, no_wait, never, mixed] {
        let name = format!("{bad:?}");
        match transport.consumer(bad).await {
            Err(Error::Refused(_)) => {}
            Err(other) => panic!("{name}: refused with the wrong error {other}"),
            Ok(_) => panic!("{name}: accepted"),
        }
    }
    let mut consumer = transport.consumer(good).await.expect("consumer");
    let mut other = transport
        .consumer(spec("other", Duration::from_secs(10)))
        .await
        .expect("consumer");
    transport.publish(vec![message(0)]).await.expect("publish");
    let theirs = collect(other.as_mut(), 1).await;
    for foreign in [
        AckRef::Embedded { stream_seq: 1 },
        theirs.into_iter().map(|d| d.ack_ref).next().expect("one"),
    ] {
        let result = consumer.settle(vec![(foreign, Settlement::Ack)]).await;
        assert!(matches!(result, Err(Error::Refused(_))), "{result:?}");
    }
    let too_big = Message {
        payload: Bytes::from(vec![0u8; 2 << 20]),
        ..message(1)
    };
    assert!(matches!(transport.publish(vec![too_big]).await, Err(Error::Refused(_))));
    assert!(
        consumer
            .fetch(0, Duration::from_secs(10))
            .await
            .expect("fetch")
            .is_empty()
    );
}
