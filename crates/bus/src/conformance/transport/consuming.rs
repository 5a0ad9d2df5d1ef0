//! Checks 10–15: durable consumers across redeclaration and restart, several consumers and
//! handles, waiting fetches, pending counts, large batches.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::scope::{Scope, ids, split};
use super::{LONG_ACK_WAIT, PATIENCE, POLL, SHORT_ACK_WAIT, TransportFactory};
use crate::transport::{Message, Settlement};

/// Check 10: a durable consumer that was not running gets what was published meanwhile.
pub async fn durable_cursor_survives_redeclare(factory: &dyn TransportFactory) {
    let scope = Scope::new("durable_cursor_survives_redeclare");
    let check = scope.check;
    let transport = factory.fresh().await;
    let mut consumer = scope.consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None).await;
    scope
        .publish(
            transport.as_ref(),
            vec![scope.message(scope.subject("registered", 0), 0)],
        )
        .await;
    let first = scope.collect(consumer.as_mut(), 1).await;
    scope.settle_all(consumer.as_mut(), first, Settlement::Ack).await;
    drop(consumer);

    let later: Vec<Message> = (1..3).map(|n| scope.message(scope.subject("accepted", 0), n)).collect();
    scope.publish(transport.as_ref(), later.clone()).await;
    let mut consumer = scope.consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None).await;
    let deliveries = scope.collect(consumer.as_mut(), 2).await;
    assert_eq!(
        ids(&deliveries),
        later.iter().map(|m| m.msg_id.clone()).collect::<Vec<_>>(),
        "{check}: what was published while the consumer was away"
    );
    assert!(deliveries.iter().all(|d| d.delivered == 1), "{check}");
    scope.settle_all(consumer.as_mut(), deliveries, Settlement::Ack).await;
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
    let mut consumer = scope.consumer(transport.as_ref(), "reader", SHORT_ACK_WAIT, None).await;
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
    let mut consumer = scope.consumer(transport.as_ref(), "reader", SHORT_ACK_WAIT, None).await;
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
    scope.settle_all(consumer.as_mut(), deliveries, Settlement::Ack).await;
    scope
        .expect_none(consumer.as_mut(), SHORT_ACK_WAIT * 3, "after the restart's acks")
        .await;
}

/// Check 11: two durable consumers on the same subjects each receive every message.
pub async fn independent_consumers_each_get_everything(factory: &dyn TransportFactory) {
    let scope = Scope::new("independent_consumers_each_get_everything");
    let check = scope.check;
    let transport = factory.fresh().await;
    let mut first = scope.consumer(transport.as_ref(), "first", LONG_ACK_WAIT, None).await;
    let mut second = scope.consumer(transport.as_ref(), "second", LONG_ACK_WAIT, None).await;
    let sent: Vec<Message> = (0..10)
        .map(|n| scope.message(scope.subject("registered", 0), n))
        .collect();
    scope.publish(transport.as_ref(), sent.clone()).await;
    let sent_ids: Vec<String> = sent.iter().map(|m| m.msg_id.clone()).collect();
    for consumer in [&mut first, &mut second] {
        let deliveries = scope.collect(consumer.as_mut(), sent.len()).await;
        assert_eq!(ids(&deliveries), sent_ids, "{check}: every message to each");
        assert!(deliveries.iter().all(|d| d.delivered == 1), "{check}");
        scope.settle_all(consumer.as_mut(), deliveries, Settlement::Ack).await;
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
        handles.push(scope.consumer(transport.as_ref(), "workers", LONG_ACK_WAIT, None).await);
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
        all.extend(worker.await.unwrap_or_else(|e| panic!("{check}: worker: {e}")));
    }
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), all.len(), "{check}: a message went to both handles");
    let expected: HashSet<&String> = sent.iter().map(|m| &m.msg_id).collect();
    assert_eq!(distinct, expected, "{check}: together the handles received everything");
}

/// Check 13: a fetch with nothing to deliver returns empty after about `expires`, and returns early
/// when a message is published during the wait.
pub async fn fetch_waits_then_returns(factory: &dyn TransportFactory) {
    const EXPIRES: Duration = Duration::from_millis(500);
    let scope = Scope::new("fetch_waits_then_returns");
    let check = scope.check;
    let transport = factory.fresh().await;
    let mut consumer = scope.consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None).await;
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
    let (batch, waited) = waiting.await.unwrap_or_else(|e| panic!("{check}: waiting fetch: {e}"));
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
    let mut consumer = scope.consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None).await;
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
    scope.settle_all(consumer.as_mut(), rest, Settlement::Ack).await;
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
    let mut consumer = scope.consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None).await;
    let deliveries = scope.collect(consumer.as_mut(), COUNT).await;
    assert!(
        deliveries
            .iter()
            .zip(&sent)
            .all(|(d, m)| d.message.msg_id == m.msg_id && d.message.payload == m.payload),
        "{check}: complete and in order"
    );
    scope.settle_all(consumer.as_mut(), deliveries, Settlement::Ack).await;
    scope.wait_pending(consumer.as_mut(), 0).await;
}
