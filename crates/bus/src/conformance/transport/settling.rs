//! Checks 4–9: how settlements and the acknowledgement wait decide redelivery.

use std::time::{Duration, Instant};

use super::scope::{Scope, split};
use super::{LONG_ACK_WAIT, SHORT_ACK_WAIT, TransportFactory};
use crate::transport::{Message, Settlement};

/// Check 4: an acknowledged message is never delivered again, even after the acknowledgement wait.
pub async fn acked_is_not_redelivered(factory: &dyn TransportFactory) {
    let scope = Scope::new("acked_is_not_redelivered");
    let transport = factory.fresh().await;
    let mut consumer = scope.consumer(transport.as_ref(), "reader", SHORT_ACK_WAIT, None).await;
    let sent = scope.message(scope.subject("registered", 0), 0);
    scope.publish(transport.as_ref(), vec![sent]).await;
    let deliveries = scope.collect(consumer.as_mut(), 1).await;
    scope.settle_all(consumer.as_mut(), deliveries, Settlement::Ack).await;
    scope
        .expect_none(consumer.as_mut(), SHORT_ACK_WAIT * 3, "after its acknowledgement")
        .await;
    scope.wait_pending(consumer.as_mut(), 0).await;
}

/// Check 5: an unacknowledged message comes again after the acknowledgement wait, counted.
pub async fn unacked_is_redelivered_after_ack_wait(factory: &dyn TransportFactory) {
    let scope = Scope::new("unacked_is_redelivered_after_ack_wait");
    let check = scope.check;
    let transport = factory.fresh().await;
    let mut consumer = scope.consumer(transport.as_ref(), "reader", SHORT_ACK_WAIT, None).await;
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
    scope.settle_all(consumer.as_mut(), again, Settlement::Ack).await;
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
    let mut consumer = scope.consumer(transport.as_ref(), "reader", LONG_ACK_WAIT, None).await;
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
    scope.settle_all(consumer.as_mut(), third, Settlement::Ack).await;
}

/// Check 7: a progress acknowledgement restarts the acknowledgement wait.
pub async fn progress_extends_ack_wait(factory: &dyn TransportFactory) {
    const ACK_WAIT: Duration = Duration::from_secs(1);
    const MARGIN: Duration = Duration::from_millis(250);
    let scope = Scope::new("progress_extends_ack_wait");
    let check = scope.check;
    let transport = factory.fresh().await;
    let mut consumer = scope.consumer(transport.as_ref(), "reader", ACK_WAIT, None).await;
    scope
        .publish(
            transport.as_ref(),
            vec![scope.message(scope.subject("registered", 0), 0)],
        )
        .await;
    let first = scope.collect(consumer.as_mut(), 1).await;
    let delivered_at = Instant::now();
    scope
        .expect_none(consumer.as_mut(), ACK_WAIT / 2, "while it is being worked on")
        .await;
    let progress_at = Instant::now();
    let stream_seq = first[0].stream_seq;
    let (still_working, refs) = split(first);
    consumer
        .settle(refs.into_iter().map(|r| (r, Settlement::Progress)).collect())
        .await
        .unwrap_or_else(|e| panic!("{check}: progress: {e}"));
    // Quiet until shortly before the extended wait ends, which is past the original one.
    let quiet_until = progress_at + ACK_WAIT - MARGIN;
    assert!(quiet_until > delivered_at + ACK_WAIT, "{check}: suite timing");
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
    scope.settle_all(consumer.as_mut(), again, Settlement::Ack).await;
}

/// Check 8: a terminated message is never delivered again.
pub async fn term_stops_delivery(factory: &dyn TransportFactory) {
    let scope = Scope::new("term_stops_delivery");
    let transport = factory.fresh().await;
    let mut consumer = scope.consumer(transport.as_ref(), "reader", SHORT_ACK_WAIT, None).await;
    scope
        .publish(
            transport.as_ref(),
            vec![scope.message(scope.subject("registered", 0), 0)],
        )
        .await;
    let deliveries = scope.collect(consumer.as_mut(), 1).await;
    scope.settle_all(consumer.as_mut(), deliveries, Settlement::Term).await;
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
        .expect_none(consumer.as_mut(), SHORT_ACK_WAIT * 4, "after max_deliver deliveries")
        .await;
}
