//! Checks 1–3: what is stored and who receives it (order, integrity, dedup, filters).

use bytes::Bytes;

use super::scope::{Scope, ids, own_headers, spec};
use super::{LONG_ACK_WAIT, POLL, TransportFactory};
use crate::subjects;
use crate::transport::{Message, Settlement};

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

    let mut consumer = scope.consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None).await;
    let deliveries = scope.collect(consumer.as_mut(), messages.len()).await;
    for ((delivery, sent), ack) in deliveries.iter().zip(&messages).zip(&acks) {
        let check = scope.check;
        assert_eq!(delivery.message.msg_id, sent.msg_id, "{check}: order not kept");
        assert_eq!(delivery.message.subject, sent.subject, "{check}: subject");
        assert_eq!(delivery.message.payload, sent.payload, "{check}: payload");
        assert_eq!(own_headers(&delivery.message), own_headers(sent), "{check}: headers");
        assert_eq!(delivery.delivered, 1, "{check}: first delivery count");
        assert_eq!(
            delivery.stream_seq, ack.stream_seq,
            "{check}: delivery and publish ack disagree on the stream sequence"
        );
    }
    scope.settle_all(consumer.as_mut(), deliveries, Settlement::Ack).await;
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
    let second = scope.publish(transport.as_ref(), vec![b.clone(), c.clone()]).await;
    assert!(
        second[0].duplicate,
        "{check}: the repeat across calls was stored: {second:?}"
    );
    assert_eq!(second[0].stream_seq, first[1].stream_seq, "{check}");
    assert!(!second[1].duplicate, "{check}: {second:?}");

    let mut consumer = scope.consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None).await;
    let deliveries = scope.collect(consumer.as_mut(), 3).await;
    assert_eq!(
        ids(&deliveries),
        vec![a.msg_id, b.msg_id, c.msg_id],
        "{check}: each id once, in order"
    );
    scope.settle_all(consumer.as_mut(), deliveries, Settlement::Ack).await;
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
        scope.subject("registered", 1),                               // wildcard filter
        scope.subject("registered", 2),                               // no: other partition
        dispatched_2.clone(),                                         // exact filter
        subjects::event(&scope.tenant, &other, "case.dispatched", 1), // no
        scope.subject("accepted", 1),                                 // wildcard filter
        subjects::event(&scope.tenant, &other, "case.opened", 2),     // no
        dead_letters.clone(),                                         // no (other stream)
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
