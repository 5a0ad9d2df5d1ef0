//! What only the embedded log promises: its file, its state across reopening and SIGKILL,
//! its dedup window, reading subjects, and refusing bad consumer specs.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bus::embedded::{EmbeddedLog, EmbeddedOptions};
use bus::transport::{Consumer, ConsumerSpec, Error, Message, Settlement, Transport};
use bus::{Delivery, subjects};
use bytes::Bytes;
use uuid::Uuid;

const TENANT: &str = "embedded";

fn message(service: &str, partition: u32, n: usize) -> Message {
    Message {
        subject: subjects::event(TENANT, service, "case.registered", partition),
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

async fn open(path: &Path) -> EmbeddedLog {
    EmbeddedLog::open(path, EmbeddedOptions::default())
        .await
        .expect("opens")
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

#[tokio::test]
async fn the_file_lives_at_the_given_path_and_survives_reopening() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bus.db");
    let log = open(&path).await;
    assert_eq!(log.path(), path);
    assert!(path.is_file(), "the log's file is at {}", path.display());
    let sent: Vec<Message> = (0..3).map(|n| message("intake", 0, n)).collect();
    let acks = log.publish(sent.clone()).await.expect("publish");
    log.close().await;
    drop(log);

    let log = open(&path).await;
    let stored = log
        .read_subject(subjects::EVENTS_STREAM_SUBJECTS, 0, 10)
        .await
        .expect("read");
    assert_eq!(
        stored,
        acks.iter()
            .map(|ack| ack.stream_seq)
            .zip(sent.clone())
            .collect::<Vec<_>>()
    );
    let next = log.publish(vec![message("intake", 0, 3)]).await.expect("publish");
    assert_eq!(next[0].stream_seq, acks[2].stream_seq + 1, "sequences go on");
    let again = log.publish(vec![sent[0].clone()]).await.expect("publish");
    assert!(again[0].duplicate, "ids are remembered across reopening");
    assert_eq!(again[0].stream_seq, acks[0].stream_seq);

    let mut consumer = log
        .consumer(spec("reopened", Duration::from_secs(10)))
        .await
        .expect("consumer");
    let deliveries = collect(consumer.as_mut(), 4).await;
    assert_eq!(deliveries[0].message, sent[0]);
}

#[tokio::test]
async fn read_subject_pages_through_dead_letters() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = open(&dir.path().join("bus.db")).await;
    let dead_letter = subjects::dead_letter(TENANT, "routing");
    let mut batch = Vec::new();
    for n in 0..700 {
        let mut m = message("intake", 1, n);
        if n % 100 == 7 {
            m.subject = dead_letter.clone();
        }
        batch.push(m);
    }
    log.publish(batch).await.expect("publish");
    let first = log
        .read_subject(subjects::DLQ_STREAM_SUBJECTS, 0, 4)
        .await
        .expect("read");
    assert_eq!(
        first.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        vec![8, 108, 208, 308]
    );
    assert!(first.iter().all(|(_, m)| m.subject == dead_letter));
    let rest = log.read_subject(&dead_letter, first[3].0, 100).await.expect("read");
    assert_eq!(
        rest.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        vec![408, 508, 608]
    );
    assert!(log.read_subject(&dead_letter, 0, 0).await.expect("read").is_empty());
}

#[tokio::test]
async fn redeclaring_updates_settings_and_keeps_the_cursor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = open(&dir.path().join("bus.db")).await;
    log.publish((0..2).map(|n| message("intake", 0, n)).collect())
        .await
        .expect("publish");
    let mut consumer = log
        .consumer(spec("redeclared", Duration::from_secs(30)))
        .await
        .expect("consumer");
    let first = consumer.fetch(1, Duration::from_secs(5)).await.expect("fetch");
    assert_eq!(first.len(), 1);
    let (ack_ref, seq) = (first.into_iter().next().map(|d| (d.ack_ref, d.stream_seq))).expect("one delivery");
    consumer.settle(vec![(ack_ref, Settlement::Ack)]).await.expect("ack");

    let mut changed = spec("redeclared", Duration::from_millis(200));
    changed.filter_subjects.push(subjects::producer_filter("routing", 0));
    let mut again = log.consumer(changed).await.expect("consumer");
    log.publish(vec![message("routing", 0, 2)]).await.expect("publish");
    let rest = collect(again.as_mut(), 2).await;
    assert!(rest.iter().all(|d| d.stream_seq > seq), "the cursor was kept");
    assert_eq!(
        rest[1].message.subject,
        subjects::event(TENANT, "routing", "case.registered", 0)
    );
    // The new, short acknowledgement wait applies: both come again.
    let redelivered = collect(again.as_mut(), 2).await;
    assert!(redelivered.iter().all(|d| d.delivered == 2));
}

#[tokio::test]
async fn an_idle_consumer_finds_the_one_match_among_many_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = open(&dir.path().join("bus.db")).await;
    let mut routing = spec("rare", Duration::from_secs(30));
    routing.filter_subjects = vec![subjects::producer_filter("routing", 0)];
    let mut consumer = log.consumer(routing.clone()).await.expect("consumer");
    // Idle: the fetches probe and learn that the intake messages cannot match.
    for round in 0..5 {
        log.publish((0..300).map(|n| message("intake", 0, round * 300 + n)).collect())
            .await
            .expect("publish");
        let nothing = consumer.fetch(10, Duration::from_millis(50)).await.expect("fetch");
        assert!(nothing.is_empty(), "an intake message reached a routing consumer");
    }
    let wanted = message("routing", 0, 1500);
    log.publish(vec![wanted.clone()]).await.expect("publish");
    let got = collect(consumer.as_mut(), 1).await;
    assert_eq!(got[0].message, wanted);
    assert_eq!(got[0].stream_seq, 1501);

    // What a probe learnt belongs to the filters it used: messages published since the last
    // claim that match a filter added now are delivered. (This fetch claims, finds nothing and
    // leaves the consumer idle; the next one only probes.)
    assert!(
        consumer
            .fetch(10, Duration::from_millis(50))
            .await
            .expect("fetch")
            .is_empty()
    );
    log.publish((0..3).map(|n| message("intake", 0, 2000 + n)).collect())
        .await
        .expect("publish");
    assert!(
        consumer
            .fetch(10, Duration::from_millis(50))
            .await
            .expect("fetch")
            .is_empty()
    );
    routing.filter_subjects.push(subjects::producer_filter("intake", 0));
    let mut widened = log.consumer(routing).await.expect("consumer");
    let later = collect(widened.as_mut(), 3).await;
    assert_eq!(
        later.iter().map(|d| d.stream_seq).collect::<Vec<_>>(),
        vec![1502, 1503, 1504]
    );
}

#[tokio::test]
async fn bad_consumer_specs_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = open(&dir.path().join("bus.db")).await;
    let good = spec("fine", Duration::from_secs(1));
    let mut no_filter = good.clone();
    no_filter.filter_subjects.clear();
    let mut dotted = good.clone();
    dotted.durable_name = "a.b".to_owned();
    let mut no_wait = good.clone();
    no_wait.ack_wait = Duration::ZERO;
    let mut never = good.clone();
    never.max_deliver = Some(0);
    for bad in [no_filter, dotted, no_wait, never] {
        let name = format!("{bad:?}");
        match log.consumer(bad).await {
            Err(Error::Refused(_)) => {}
            Err(other) => panic!("{name}: refused with the wrong error {other}"),
            Ok(_) => panic!("{name}: accepted"),
        }
    }
    assert!(log.consumer(good).await.is_ok());
}

#[tokio::test]
async fn the_dedup_window_lets_an_old_id_be_stored_again() {
    const WINDOW: Duration = Duration::from_millis(300);
    let dir = tempfile::tempdir().expect("temp dir");
    let options = EmbeddedOptions {
        dedup_window: Some(WINDOW),
        ..EmbeddedOptions::default()
    };
    let log = EmbeddedLog::open(&dir.path().join("bus.db"), options)
        .await
        .expect("opens");
    let sent = message("intake", 0, 0);
    let stored_at = Instant::now();
    let first = log.publish(vec![sent.clone()]).await.expect("publish");
    let deadline = stored_at + Duration::from_secs(10);
    loop {
        let ack = log.publish(vec![sent.clone()]).await.expect("publish")[0];
        if !ack.duplicate {
            assert!(
                stored_at.elapsed() >= WINDOW,
                "stored again after {:?}, within the window",
                stored_at.elapsed()
            );
            assert!(ack.stream_seq > first[0].stream_seq);
            break;
        }
        assert_eq!(ack.stream_seq, first[0].stream_seq);
        assert!(Instant::now() < deadline, "the window never ended");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn messages_without_an_id_are_never_duplicates_and_fsync_full_works() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = EmbeddedOptions {
        fsync_full: true,
        ..EmbeddedOptions::default()
    };
    let log = EmbeddedLog::open(&dir.path().join("bus.db"), options)
        .await
        .expect("opens");
    let mut anonymous = message("intake", 0, 0);
    anonymous.msg_id = String::new();
    let acks = log.publish(vec![anonymous.clone(), anonymous]).await.expect("publish");
    assert!(acks.iter().all(|ack| !ack.duplicate), "{acks:?}");
    assert!(log.publish(Vec::new()).await.expect("publish").is_empty());
    let mut consumer = log
        .consumer(spec("anonymous", Duration::from_secs(10)))
        .await
        .expect("consumer");
    assert!(
        consumer
            .fetch(0, Duration::from_secs(10))
            .await
            .expect("fetch")
            .is_empty(),
        "max 0 asks for nothing"
    );
    assert_eq!(collect(consumer.as_mut(), 2).await.len(), 2);
}

/// Set in the child process of [`publishes_and_acks_survive_sigkill`]: where its log is.
const CHILD_ENV: &str = "BUS_TEST_SIGKILL_CHILD_LOG";
const CHILD_COUNT: usize = 100;
const CHILD_ACK_WAIT: Duration = Duration::from_millis(300);

/// Not a test of its own: the child process of [`publishes_and_acks_survive_sigkill`], which
/// runs this binary again with only this test and [`CHILD_ENV`] set. Without it, it returns.
#[tokio::test]
async fn sigkill_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let log = open(Path::new(&path)).await;
    for chunk in (0..CHILD_COUNT).collect::<Vec<_>>().chunks(25) {
        let batch = chunk.iter().map(|n| message("intake", 0, *n)).collect();
        log.publish(batch).await.expect("publish");
    }
    let mut consumer = log.consumer(spec("survivor", CHILD_ACK_WAIT)).await.expect("consumer");
    let deliveries = collect(consumer.as_mut(), 10).await;
    let acked: Vec<_> = deliveries
        .into_iter()
        .take(5)
        .map(|d| (d.ack_ref, Settlement::Ack))
        .collect();
    consumer.settle(acked).await.expect("ack");
    println!("\nSIGKILL-CHILD-READY");
    // Waiting to be killed; the parent does so as soon as it reads the line above.
    tokio::time::sleep(Duration::from_secs(60)).await;
    panic!("the parent never killed this child");
}

#[tokio::test]
async fn publishes_and_acks_survive_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bus.db");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "embedded::sigkill_child", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the child starts");
    let stdout = child.stdout.take().expect("piped");
    let ready = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .any(|line| line.contains("SIGKILL-CHILD-READY"))
        }),
    )
    .await;
    child.kill().expect("SIGKILL");
    child.wait().expect("the child is reaped");
    assert!(matches!(ready, Ok(Ok(true))), "the child never got ready: {ready:?}");

    let log = open(&path).await;
    let stored = log
        .read_subject(subjects::EVENTS_STREAM_SUBJECTS, 0, 1000)
        .await
        .expect("read");
    assert_eq!(stored.len(), CHILD_COUNT, "every published message survived");
    let mut consumer = log.consumer(spec("survivor", CHILD_ACK_WAIT)).await.expect("consumer");
    let deliveries = collect(consumer.as_mut(), CHILD_COUNT - 5).await;
    let mut seqs: Vec<u64> = deliveries.iter().map(|d| d.stream_seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (6..=100).collect::<Vec<u64>>(), "acked ones stay acked");
    for d in &deliveries {
        let expected = if d.stream_seq <= 10 { 2 } else { 1 };
        assert_eq!(d.delivered, expected, "delivery count of {}", d.stream_seq);
    }
    let settle = deliveries.into_iter().map(|d| (d.ack_ref, Settlement::Ack)).collect();
    consumer.settle(settle).await.expect("ack");
    assert_eq!(consumer.pending().await.expect("pending"), 0);
}
