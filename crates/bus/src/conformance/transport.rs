//! The transport suite: JetStream's semantics, checked on any [`Transport`].
//!
//! A test binary implements [`TransportFactory`] for its transport and calls every check, one
//! `#[tokio::test]` each, or [`run_all`]. Each check names its own tenant, producer token and
//! durable consumers with a random part, so checks can share one broker and run concurrently.
//!
//! Waiting is always bounded. A delivery that must come is polled with short fetches until a
//! deadline; a delivery that must not come is checked with a fetch that has to stay empty for a
//! wait the semantics require (an acknowledgement wait, a negative acknowledgement's delay).
//! Failures panic with the check's name and what was expected.

mod scope;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;

use self::scope::{Scope, ids, own_headers, spec, split};
use crate::subjects;
use crate::transport::{Message, Settlement, Transport};

/// Makes the transports the checks run on.
#[async_trait]
pub trait TransportFactory: Send + Sync {
    /// A fresh, empty transport (a new file, a new stream prefix…).
    async fn fresh(&self) -> Box<dyn Transport>;
    /// The same transport as `fresh` returned last, after a simulated restart of the process
    /// (the embedded log: reopen the same file; JetStream: a new connection). The check drops
    /// every handle of the previous one first.
    async fn reopen(&self) -> Box<dyn Transport>;
}

/// The acknowledgement wait of checks that watch it expire.
const SHORT_ACK_WAIT: Duration = Duration::from_millis(300);
/// The acknowledgement wait of checks that must not see it expire.
const LONG_ACK_WAIT: Duration = Duration::from_secs(20);
/// The longest a delivery that must come may take.
const PATIENCE: Duration = Duration::from_secs(10);
/// How long each fetch of a polling loop waits.
const POLL: Duration = Duration::from_millis(100);
/// The largest fetch the suite asks for.
const BATCH: usize = 256;

/// Runs every check, one after the other.
pub async fn run_all(factory: &dyn TransportFactory) {
    publish_then_fetch(factory).await;
    deduplicates_by_message_id(factory).await;
    filter_subjects_select_messages(factory).await;
    acked_is_not_redelivered(factory).await;
    unacked_is_redelivered_after_ack_wait(factory).await;
    nak_delays_redelivery(factory).await;
    progress_extends_ack_wait(factory).await;
    term_stops_delivery(factory).await;
    max_deliver_caps_deliveries(factory).await;
    durable_cursor_survives_redeclare(factory).await;
    durable_state_survives_restart(factory).await;
    independent_consumers_each_get_everything(factory).await;
    shared_durable_splits_work(factory).await;
    fetch_waits_then_returns(factory).await;
    pending_counts(factory).await;
    large_batch_arrives_complete_and_in_order(factory).await;
}

/// Check 1: published messages arrive in order, intact, delivered once, with increasing sequences.
pub async fn publish_then_fetch(factory: &dyn TransportFactory) {
    let scope = Scope::new("publish_then_fetch");
    let transport = factory.fresh().await;
    let mut messages: Vec<Message> = (0..5)
        .map(|n| {
            let event = if n % 2 == 0 { "registered" } else { "accepted" };
            scope.message(scope.subject(event, 0), n)
        })
        .collect();
    messages[3].payload = Bytes::new();
    messages[4].headers.clear();
    let acks = scope.publish(transport.as_ref(), messages.clone()).await;
    scope.assert_stored(&acks);

    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None)
        .await;
    let deliveries = scope.collect(consumer.as_mut(), messages.len()).await;
    for ((delivery, sent), ack) in deliveries.iter().zip(&messages).zip(&acks) {
        let check = scope.check;
        assert_eq!(
            delivery.message.msg_id, sent.msg_id,
            "{check}: order not kept"
        );
        assert_eq!(delivery.message.subject, sent.subject, "{check}: subject");
        assert_eq!(delivery.message.payload, sent.payload, "{check}: payload");
        assert_eq!(
            own_headers(&delivery.message),
            own_headers(sent),
            "{check}: headers"
        );
        assert_eq!(delivery.delivered, 1, "{check}: first delivery count");
        assert_eq!(
            delivery.stream_seq, ack.stream_seq,
            "{check}: delivery and publish ack disagree on the stream sequence"
        );
    }
    scope
        .settle_all(consumer.as_mut(), deliveries, Settlement::Ack)
        .await;
    scope
        .expect_none(consumer.as_mut(), POLL * 3, "once all were acknowledged")
        .await;
}

/// Check 2: a message id is stored once, within one publish call and across calls.
pub async fn deduplicates_by_message_id(factory: &dyn TransportFactory) {
    let scope = Scope::new("deduplicates_by_message_id");
    let check = scope.check;
    let transport = factory.fresh().await;
    let [a, b, c] = [0, 1, 2].map(|n| scope.message(scope.subject("registered", 0), n));
    let first = scope
        .publish(transport.as_ref(), vec![a.clone(), b.clone(), a.clone()])
        .await;
    assert!(
        !first[0].duplicate && !first[1].duplicate,
        "{check}: new ids reported as duplicates: {first:?}"
    );
    assert!(
        first[2].duplicate,
        "{check}: the repeat within one call was stored: {first:?}"
    );
    assert_eq!(
        first[2].stream_seq, first[0].stream_seq,
        "{check}: a duplicate reports the stored message's sequence"
    );
    let second = scope
        .publish(transport.as_ref(), vec![b.clone(), c.clone()])
        .await;
    assert!(
        second[0].duplicate,
        "{check}: the repeat across calls was stored: {second:?}"
    );
    assert_eq!(second[0].stream_seq, first[1].stream_seq, "{check}");
    assert!(!second[1].duplicate, "{check}: {second:?}");

    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None)
        .await;
    let deliveries = scope.collect(consumer.as_mut(), 3).await;
    assert_eq!(
        ids(&deliveries),
        vec![a.msg_id, b.msg_id, c.msg_id],
        "{check}: each id once, in order"
    );
    scope
        .settle_all(consumer.as_mut(), deliveries, Settlement::Ack)
        .await;
    scope
        .expect_none(consumer.as_mut(), POLL * 3, "beyond the three distinct ids")
        .await;
}

/// Check 3: a consumer with several filters (wildcards too) receives exactly what they match.
pub async fn filter_subjects_select_messages(factory: &dyn TransportFactory) {
    let scope = Scope::new("filter_subjects_select_messages");
    let check = scope.check;
    let transport = factory.fresh().await;
    let other = scope.other_producer();
    let dispatched_2 = subjects::event(&scope.tenant, &other, "case.dispatched", 2);
    let dead_letters = subjects::dead_letter(&scope.tenant, &scope.durable("dlq"));
    let subjects_in_order = [
        scope.subject("registered", 1), // wildcard filter
        scope.subject("registered", 2), // no: other partition
        dispatched_2.clone(),           // exact filter
        subjects::event(&scope.tenant, &other, "case.dispatched", 1), // no
        scope.subject("accepted", 1),   // wildcard filter
        subjects::event(&scope.tenant, &other, "case.opened", 2), // no
        dead_letters.clone(),           // no (other stream)
    ];
    let messages: Vec<Message> = subjects_in_order
        .iter()
        .cycle()
        .take(subjects_in_order.len() * 2)
        .enumerate()
        .map(|(n, subject)| scope.message(subject.clone(), n))
        .collect();
    scope.publish(transport.as_ref(), messages.clone()).await;

    let filters = vec![subjects::producer_filter(&scope.producer, 1), dispatched_2];
    let wanted: Vec<String> = messages
        .iter()
        .filter(|m| filters.iter().any(|f| subjects::matches(f, &m.subject)))
        .map(|m| m.msg_id.clone())
        .collect();
    assert_eq!(wanted.len(), 6, "{check}: the suite's own arithmetic");
    let mut consumer = transport
        .consumer(spec(scope.durable("events"), filters, LONG_ACK_WAIT, None))
        .await
        .unwrap_or_else(|e| panic!("{check}: declaring a consumer with two filters: {e}"));
    let deliveries = scope.collect(consumer.as_mut(), wanted.len()).await;
    assert_eq!(
        ids(&deliveries),
        wanted,
        "{check}: exactly the matching messages, in order"
    );
    scope
        .expect_none(consumer.as_mut(), POLL * 3, "that matches no filter")
        .await;

    let mut dlq = transport
        .consumer(spec(
            scope.durable("dead"),
            vec![dead_letters.clone()],
            LONG_ACK_WAIT,
            None,
        ))
        .await
        .unwrap_or_else(|e| panic!("{check}: declaring a dead-letter consumer: {e}"));
    let dead = scope.collect(dlq.as_mut(), 2).await;
    assert!(
        dead.iter().all(|d| d.message.subject == dead_letters),
        "{check}: the dead-letter consumer got {:?}",
        dead.iter().map(|d| &d.message.subject).collect::<Vec<_>>()
    );
    scope
        .expect_none(dlq.as_mut(), POLL * 3, "besides the dead letters")
        .await;
}

/// Check 4: an acknowledged message is never delivered again, even after the acknowledgement wait.
pub async fn acked_is_not_redelivered(factory: &dyn TransportFactory) {
    let scope = Scope::new("acked_is_not_redelivered");
    let transport = factory.fresh().await;
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", SHORT_ACK_WAIT, None)
        .await;
    let sent = scope.message(scope.subject("registered", 0), 0);
    scope.publish(transport.as_ref(), vec![sent]).await;
    let deliveries = scope.collect(consumer.as_mut(), 1).await;
    scope
        .settle_all(consumer.as_mut(), deliveries, Settlement::Ack)
        .await;
    scope
        .expect_none(
            consumer.as_mut(),
            SHORT_ACK_WAIT * 3,
            "after its acknowledgement",
        )
        .await;
    scope.wait_pending(consumer.as_mut(), 0).await;
}

/// Check 5: an unacknowledged message comes again after the acknowledgement wait, counted.
pub async fn unacked_is_redelivered_after_ack_wait(factory: &dyn TransportFactory) {
    let scope = Scope::new("unacked_is_redelivered_after_ack_wait");
    let check = scope.check;
    let transport = factory.fresh().await;
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", SHORT_ACK_WAIT, None)
        .await;
    let sent = scope.message(scope.subject("registered", 0), 0);
    scope.publish(transport.as_ref(), vec![sent.clone()]).await;
    let first = scope.collect(consumer.as_mut(), 1).await;
    let delivered_at = Instant::now();
    let again = scope.collect(consumer.as_mut(), 1).await;
    let waited = delivered_at.elapsed();
    assert!(
        waited >= SHORT_ACK_WAIT * 2 / 3,
        "{check}: redelivered after {waited:?}, before the ack wait of {SHORT_ACK_WAIT:?}"
    );
    assert_eq!(again[0].message.msg_id, sent.msg_id, "{check}");
    assert_eq!(again[0].stream_seq, first[0].stream_seq, "{check}");
    assert_eq!(again[0].delivered, 2, "{check}: second delivery count");
    scope
        .settle_all(consumer.as_mut(), again, Settlement::Ack)
        .await;
    scope
        .expect_none(consumer.as_mut(), SHORT_ACK_WAIT * 2, "after the ack")
        .await;
}

/// Check 6: a negative acknowledgement redelivers at once, or after its delay and not before.
pub async fn nak_delays_redelivery(factory: &dyn TransportFactory) {
    const DELAY: Duration = Duration::from_millis(800);
    let scope = Scope::new("nak_delays_redelivery");
    let check = scope.check;
    let transport = factory.fresh().await;
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None)
        .await;
    scope
        .publish(
            transport.as_ref(),
            vec![scope.message(scope.subject("registered", 0), 0)],
        )
        .await;
    let first = scope.collect(consumer.as_mut(), 1).await;
    let naked_at = Instant::now();
    scope
        .settle_all(consumer.as_mut(), first, Settlement::Nak(Duration::ZERO))
        .await;
    let second = scope.collect(consumer.as_mut(), 1).await;
    assert!(
        naked_at.elapsed() < LONG_ACK_WAIT / 4,
        "{check}: a nak without delay took {:?} to redeliver",
        naked_at.elapsed()
    );
    assert_eq!(second[0].delivered, 2, "{check}: second delivery count");

    scope
        .settle_all(consumer.as_mut(), second, Settlement::Nak(DELAY))
        .await;
    let delayed_at = Instant::now();
    scope
        .expect_none(consumer.as_mut(), DELAY * 5 / 8, "before the nak's delay")
        .await;
    let third = scope.collect(consumer.as_mut(), 1).await;
    let waited = delayed_at.elapsed();
    assert!(
        waited >= DELAY * 7 / 8,
        "{check}: redelivered after {waited:?}, before the delay of {DELAY:?}"
    );
    assert_eq!(third[0].delivered, 3, "{check}: third delivery count");
    scope
        .settle_all(consumer.as_mut(), third, Settlement::Ack)
        .await;
}

/// Check 7: a progress acknowledgement restarts the acknowledgement wait.
pub async fn progress_extends_ack_wait(factory: &dyn TransportFactory) {
    const ACK_WAIT: Duration = Duration::from_secs(1);
    const MARGIN: Duration = Duration::from_millis(250);
    let scope = Scope::new("progress_extends_ack_wait");
    let check = scope.check;
    let transport = factory.fresh().await;
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", ACK_WAIT, None)
        .await;
    scope
        .publish(
            transport.as_ref(),
            vec![scope.message(scope.subject("registered", 0), 0)],
        )
        .await;
    let first = scope.collect(consumer.as_mut(), 1).await;
    let delivered_at = Instant::now();
    scope
        .expect_none(
            consumer.as_mut(),
            ACK_WAIT / 2,
            "while it is being worked on",
        )
        .await;
    let progress_at = Instant::now();
    let stream_seq = first[0].stream_seq;
    let (still_working, refs) = split(first);
    consumer
        .settle(
            refs.into_iter()
                .map(|r| (r, Settlement::Progress))
                .collect(),
        )
        .await
        .unwrap_or_else(|e| panic!("{check}: progress: {e}"));
    // Quiet until shortly before the extended wait ends, which is past the original one.
    let quiet_until = progress_at + ACK_WAIT - MARGIN;
    assert!(
        quiet_until > delivered_at + ACK_WAIT,
        "{check}: suite timing"
    );
    scope
        .expect_none(
            consumer.as_mut(),
            quiet_until.saturating_duration_since(Instant::now()),
            "before the extended acknowledgement wait",
        )
        .await;
    let again = scope.collect(consumer.as_mut(), 1).await;
    assert!(
        progress_at.elapsed() >= ACK_WAIT - MARGIN,
        "{check}: redelivered {:?} after progress",
        progress_at.elapsed()
    );
    assert_eq!(again[0].message.msg_id, still_working[0], "{check}");
    assert_eq!(again[0].stream_seq, stream_seq, "{check}");
    assert_eq!(again[0].delivered, 2, "{check}: second delivery count");
    scope
        .settle_all(consumer.as_mut(), again, Settlement::Ack)
        .await;
}

/// Check 8: a terminated message is never delivered again.
pub async fn term_stops_delivery(factory: &dyn TransportFactory) {
    let scope = Scope::new("term_stops_delivery");
    let transport = factory.fresh().await;
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", SHORT_ACK_WAIT, None)
        .await;
    scope
        .publish(
            transport.as_ref(),
            vec![scope.message(scope.subject("registered", 0), 0)],
        )
        .await;
    let deliveries = scope.collect(consumer.as_mut(), 1).await;
    scope
        .settle_all(consumer.as_mut(), deliveries, Settlement::Term)
        .await;
    scope
        .expect_none(consumer.as_mut(), SHORT_ACK_WAIT * 3, "after termination")
        .await;
    scope.wait_pending(consumer.as_mut(), 0).await;
}

/// Check 9: a message is delivered at most `max_deliver` times, whether its wait expires or it is
/// negatively acknowledged.
pub async fn max_deliver_caps_deliveries(factory: &dyn TransportFactory) {
    let scope = Scope::new("max_deliver_caps_deliveries");
    let check = scope.check;
    let transport = factory.fresh().await;
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", SHORT_ACK_WAIT, Some(2))
        .await;
    let sent: Vec<Message> = (0..2)
        .map(|n| scope.message(scope.subject("registered", 0), n))
        .collect();
    scope.publish(transport.as_ref(), sent.clone()).await;
    let first = scope.collect(consumer.as_mut(), 2).await;
    scope
        .settle_all(consumer.as_mut(), first, Settlement::Nak(Duration::ZERO))
        .await;
    let second = scope.collect(consumer.as_mut(), 2).await;
    assert!(
        second.iter().all(|d| d.delivered == 2),
        "{check}: second deliveries counted {:?}",
        second.iter().map(|d| d.delivered).collect::<Vec<_>>()
    );
    // One is negatively acknowledged, the other's acknowledgement wait expires.
    let (mut ids_second, mut refs) = split(second);
    ids_second.sort();
    let mut expected: Vec<String> = sent.iter().map(|m| m.msg_id.clone()).collect();
    expected.sort();
    assert_eq!(ids_second, expected, "{check}: both, once more");
    let nak = refs.remove(0);
    consumer
        .settle(vec![(nak, Settlement::Nak(Duration::ZERO))])
        .await
        .unwrap_or_else(|e| panic!("{check}: nak: {e}"));
    scope
        .expect_none(
            consumer.as_mut(),
            SHORT_ACK_WAIT * 4,
            "after max_deliver deliveries",
        )
        .await;
}

/// Check 10: a durable consumer that was not running gets what was published meanwhile.
pub async fn durable_cursor_survives_redeclare(factory: &dyn TransportFactory) {
    let scope = Scope::new("durable_cursor_survives_redeclare");
    let check = scope.check;
    let transport = factory.fresh().await;
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None)
        .await;
    scope
        .publish(
            transport.as_ref(),
            vec![scope.message(scope.subject("registered", 0), 0)],
        )
        .await;
    let first = scope.collect(consumer.as_mut(), 1).await;
    scope
        .settle_all(consumer.as_mut(), first, Settlement::Ack)
        .await;
    drop(consumer);

    let later: Vec<Message> = (1..3)
        .map(|n| scope.message(scope.subject("accepted", 0), n))
        .collect();
    scope.publish(transport.as_ref(), later.clone()).await;
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None)
        .await;
    let deliveries = scope.collect(consumer.as_mut(), 2).await;
    assert_eq!(
        ids(&deliveries),
        later.iter().map(|m| m.msg_id.clone()).collect::<Vec<_>>(),
        "{check}: what was published while the consumer was away"
    );
    assert!(deliveries.iter().all(|d| d.delivered == 1), "{check}");
    scope
        .settle_all(consumer.as_mut(), deliveries, Settlement::Ack)
        .await;
    scope
        .expect_none(consumer.as_mut(), POLL * 3, "after everything was acked")
        .await;
}

/// Check 10, restarted: after a restart, messages published before it and deliveries
/// unacknowledged before it arrive; acknowledged ones do not.
pub async fn durable_state_survives_restart(factory: &dyn TransportFactory) {
    let scope = Scope::new("durable_state_survives_restart");
    let check = scope.check;
    let transport = factory.fresh().await;
    let before: Vec<Message> = (0..3)
        .map(|n| scope.message(scope.subject("registered", 0), n))
        .collect();
    scope.publish(transport.as_ref(), before.clone()).await;
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", SHORT_ACK_WAIT, None)
        .await;
    let taken = scope.collect(consumer.as_mut(), 2).await;
    assert_eq!(
        ids(&taken),
        vec![before[0].msg_id.clone(), before[1].msg_id.clone()],
        "{check}"
    );
    let (_, mut refs) = split(taken);
    let first = refs.remove(0);
    consumer
        .settle(vec![(first, Settlement::Ack)])
        .await
        .unwrap_or_else(|e| panic!("{check}: ack: {e}"));
    drop(refs);
    drop(consumer);
    drop(transport);

    let transport = factory.reopen().await;
    let after = scope.message(scope.subject("accepted", 0), 3);
    scope.publish(transport.as_ref(), vec![after.clone()]).await;
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", SHORT_ACK_WAIT, None)
        .await;
    let deliveries = scope.collect(consumer.as_mut(), 3).await;
    let got: HashMap<String, u32> = deliveries
        .iter()
        .map(|d| (d.message.msg_id.clone(), d.delivered))
        .collect();
    let expected: HashMap<String, u32> = [
        (before[1].msg_id.clone(), 2),
        (before[2].msg_id.clone(), 1),
        (after.msg_id.clone(), 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        got, expected,
        "{check}: the unacked one redelivered, the unread ones delivered, the acked one not"
    );
    scope
        .settle_all(consumer.as_mut(), deliveries, Settlement::Ack)
        .await;
    scope
        .expect_none(
            consumer.as_mut(),
            SHORT_ACK_WAIT * 3,
            "after the restart's acks",
        )
        .await;
}

/// Check 11: two durable consumers on the same subjects each receive every message.
pub async fn independent_consumers_each_get_everything(factory: &dyn TransportFactory) {
    let scope = Scope::new("independent_consumers_each_get_everything");
    let check = scope.check;
    let transport = factory.fresh().await;
    let mut first = scope
        .consumer(transport.as_ref(), "first", LONG_ACK_WAIT, None)
        .await;
    let mut second = scope
        .consumer(transport.as_ref(), "second", LONG_ACK_WAIT, None)
        .await;
    let sent: Vec<Message> = (0..10)
        .map(|n| scope.message(scope.subject("registered", 0), n))
        .collect();
    scope.publish(transport.as_ref(), sent.clone()).await;
    let sent_ids: Vec<String> = sent.iter().map(|m| m.msg_id.clone()).collect();
    for consumer in [&mut first, &mut second] {
        let deliveries = scope.collect(consumer.as_mut(), sent.len()).await;
        assert_eq!(ids(&deliveries), sent_ids, "{check}: every message to each");
        assert!(deliveries.iter().all(|d| d.delivered == 1), "{check}");
        scope
            .settle_all(consumer.as_mut(), deliveries, Settlement::Ack)
            .await;
    }
}

/// Check 12: two handles on one durable name share the work: together they receive every message,
/// and never the same one at the same time.
pub async fn shared_durable_splits_work(factory: &dyn TransportFactory) {
    const COUNT: usize = 200;
    let scope = Arc::new(Scope::new("shared_durable_splits_work"));
    let check = scope.check;
    let transport = factory.fresh().await;
    let sent: Vec<Message> = (0..COUNT)
        .map(|n| scope.message(scope.subject("registered", 0), n))
        .collect();
    let mut handles = Vec::new();
    for _ in 0..2 {
        handles.push(
            scope
                .consumer(transport.as_ref(), "workers", LONG_ACK_WAIT, None)
                .await,
        );
    }
    scope.publish(transport.as_ref(), sent.clone()).await;
    let received = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for mut consumer in handles {
        let received = received.clone();
        workers.push(tokio::spawn(async move {
            let deadline = Instant::now() + PATIENCE;
            let mut mine = Vec::new();
            while received.load(Ordering::SeqCst) < COUNT && Instant::now() < deadline {
                let batch = consumer
                    .fetch(16, POLL)
                    .await
                    .unwrap_or_else(|e| panic!("{check}: fetch: {e}"));
                received.fetch_add(batch.len(), Ordering::SeqCst);
                let (batch_ids, refs) = split(batch);
                mine.extend(batch_ids);
                consumer
                    .settle(refs.into_iter().map(|r| (r, Settlement::Ack)).collect())
                    .await
                    .unwrap_or_else(|e| panic!("{check}: ack: {e}"));
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(
            worker
                .await
                .unwrap_or_else(|e| panic!("{check}: worker: {e}")),
        );
    }
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "{check}: a message went to both handles"
    );
    let expected: HashSet<&String> = sent.iter().map(|m| &m.msg_id).collect();
    assert_eq!(
        distinct, expected,
        "{check}: together the handles received everything"
    );
}

/// Check 13: a fetch with nothing to deliver returns empty after about `expires`, and returns early
/// when a message is published during the wait.
pub async fn fetch_waits_then_returns(factory: &dyn TransportFactory) {
    const EXPIRES: Duration = Duration::from_millis(500);
    let scope = Scope::new("fetch_waits_then_returns");
    let check = scope.check;
    let transport = factory.fresh().await;
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None)
        .await;
    let started = Instant::now();
    let empty = consumer
        .fetch(10, EXPIRES)
        .await
        .unwrap_or_else(|e| panic!("{check}: fetch: {e}"));
    let waited = started.elapsed();
    assert!(empty.is_empty(), "{check}: delivered from an empty stream");
    assert!(
        waited >= EXPIRES * 9 / 10 && waited < EXPIRES * 6,
        "{check}: an empty fetch of {EXPIRES:?} took {waited:?}"
    );

    let waiting = tokio::spawn(async move {
        let started = Instant::now();
        let batch = consumer
            .fetch(10, PATIENCE)
            .await
            .unwrap_or_else(|e| panic!("{check}: fetch: {e}"));
        (batch, started.elapsed())
    });
    // The scenario is a publish during the fetch's wait, so the fetch gets a head start.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = scope.message(scope.subject("registered", 0), 0);
    scope.publish(transport.as_ref(), vec![sent.clone()]).await;
    let (batch, waited) = waiting
        .await
        .unwrap_or_else(|e| panic!("{check}: waiting fetch: {e}"));
    assert_eq!(ids(&batch), vec![sent.msg_id], "{check}");
    assert!(
        waited < PATIENCE / 2,
        "{check}: a fetch woke {waited:?} after it started, long after the publish"
    );
}

/// Check 14: `pending` counts messages not yet delivered plus deliveries not yet acknowledged.
pub async fn pending_counts(factory: &dyn TransportFactory) {
    let scope = Scope::new("pending_counts");
    let transport = factory.fresh().await;
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None)
        .await;
    scope.wait_pending(consumer.as_mut(), 0).await;
    let mut messages: Vec<Message> = (0..5)
        .map(|n| scope.message(scope.subject("registered", 0), n))
        .collect();
    messages.extend((5..8).map(|n| scope.message(scope.subject("registered", 1), n)));
    scope.publish(transport.as_ref(), messages).await;
    scope.wait_pending(consumer.as_mut(), 5).await;
    let two = scope.collect(consumer.as_mut(), 2).await;
    scope.wait_pending(consumer.as_mut(), 5).await;
    let (_, mut refs) = split(two);
    let first = refs.remove(0);
    let second = refs.remove(0);
    let check = scope.check;
    consumer
        .settle(vec![(first, Settlement::Ack)])
        .await
        .unwrap_or_else(|e| panic!("{check}: ack: {e}"));
    scope.wait_pending(consumer.as_mut(), 4).await;
    consumer
        .settle(vec![(second, Settlement::Term)])
        .await
        .unwrap_or_else(|e| panic!("{check}: term: {e}"));
    scope.wait_pending(consumer.as_mut(), 3).await;
    let rest = scope.collect(consumer.as_mut(), 3).await;
    scope.wait_pending(consumer.as_mut(), 3).await;
    scope
        .settle_all(consumer.as_mut(), rest, Settlement::Ack)
        .await;
    scope.wait_pending(consumer.as_mut(), 0).await;
}

/// Check 15: a thousand messages published in one call arrive complete and in order.
pub async fn large_batch_arrives_complete_and_in_order(factory: &dyn TransportFactory) {
    const COUNT: usize = 1000;
    let scope = Scope::new("large_batch_arrives_complete_and_in_order");
    let check = scope.check;
    let transport = factory.fresh().await;
    let sent: Vec<Message> = (0..COUNT)
        .map(|n| {
            let mut message = scope.message(scope.subject("registered", 0), n);
            message.payload = Bytes::from(vec![u8::try_from(n % 251).unwrap_or(0); 512]);
            message
        })
        .collect();
    let acks = scope.publish(transport.as_ref(), sent.clone()).await;
    scope.assert_stored(&acks);
    let mut consumer = scope
        .consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None)
        .await;
    let deliveries = scope.collect(consumer.as_mut(), COUNT).await;
    assert!(
        deliveries
            .iter()
            .zip(&sent)
            .all(|(d, m)| d.message.msg_id == m.msg_id && d.message.payload == m.payload),
        "{check}: complete and in order"
    );
    scope
        .settle_all(consumer.as_mut(), deliveries, Settlement::Ack)
        .await;
    scope.wait_pending(consumer.as_mut(), 0).await;
}
