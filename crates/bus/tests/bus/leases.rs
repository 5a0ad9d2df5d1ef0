//! The lease store on NATS JetStream, without consumers: a lease is never granted twice, a
//! renewed one stays held, an unrenewed one expires and can then be taken, a lost one can neither
//! be renewed nor released by its old holder; memberships are counted until they leave or expire.
//! And `consumer::start` refuses lease timings that cannot hold a lease.
//!
//! Without a nats-server 2.10 or newer the JetStream tests say `SKIPPED` and return; under
//! `CI=true` they fail instead.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bus::Transport;
use bus::conformance::pipeline::{Recorder, RecordingHandler};
use bus::consumer;
use bus::embedded::{EmbeddedLog, EmbeddedOptions};
use bus::leases;
use bus::metrics::BusMetrics;
use tokio_util::sync::CancellationToken;

use crate::replicas::{Broker, LEASE_TTL, PATIENCE, options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_is_granted_once_until_released_or_expired() {
    let Some(mut broker) = Broker::start("a_lease_is_granted_once_until_released_or_expired").await else {
        return;
    };
    let ttl = Duration::from_secs(2);
    broker.options.lease_ttl = ttl;
    let first = broker.connect().await.leases();
    let second = broker.connect().await.leases();
    assert_eq!(first.ttl(), Some(ttl));

    let mut held = first
        .take("exclusive", 0, "first")
        .await
        .expect("a free lease is granted");
    assert_eq!((held.holder.as_str(), held.partition), ("first", 0));
    let refused = second.take("exclusive", 0, "second").await;
    assert!(
        matches!(refused, Err(leases::Error::Held { .. })),
        "granted twice: {refused:?}"
    );
    let other = second
        .take("exclusive", 1, "second")
        .await
        .expect("another partition is free");
    second.release(other).await.expect("released");

    // Renewed, it stays held past its time to live.
    let since = Instant::now();
    while since.elapsed() < ttl * 2 {
        let renewed_at = held.revision;
        first.renew(&mut held).await.expect("the holder renews");
        assert!(held.revision > renewed_at, "a renewal moves the revision");
        let refused = second.take("exclusive", 0, "second").await;
        assert!(
            matches!(refused, Err(leases::Error::Held { .. })),
            "granted while renewed: {refused:?}"
        );
        tokio::time::sleep(ttl / 4).await;
    }

    // Unrenewed, it expires, and then it can be taken.
    let last_renewal = Instant::now();
    first.renew(&mut held).await.expect("the holder renews");
    let taken = testkit::wait_until(PATIENCE, || async { second.take("exclusive", 0, "second").await.ok() })
        .await
        .expect("an expired lease can be taken");
    assert!(
        last_renewal.elapsed() >= ttl,
        "taken {:?} after the last renewal, within its time to live {ttl:?}",
        last_renewal.elapsed()
    );
    assert_eq!(taken.holder, "second");

    // The old holder can neither renew nor release it any more.
    let renewal = first.renew(&mut held).await;
    assert!(
        matches!(renewal, Err(leases::Error::Lost { .. })),
        "renewed a lost lease: {renewal:?}"
    );
    let release = first.release(held).await;
    assert!(
        matches!(release, Err(leases::Error::Lost { .. })),
        "released another's lease: {release:?}"
    );
    let refused = first.take("exclusive", 0, "third").await;
    assert!(
        matches!(refused, Err(leases::Error::Held { .. })),
        "the new holder lost it: {refused:?}"
    );

    // Released, it is free at once.
    second.release(taken).await.expect("released");
    let third = first
        .take("exclusive", 0, "third")
        .await
        .expect("a released lease is free");
    assert_eq!(third.holder, "third");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_are_counted_until_they_leave_or_expire() {
    let Some(mut broker) = Broker::start("members_are_counted_until_they_leave_or_expire").await else {
        return;
    };
    broker.options.lease_ttl = Duration::from_secs(2);
    let store = broker.connect().await.leases();
    for replica in ["a", "b", "c"] {
        store.join("counted", replica).await.expect("joins");
    }
    store.join("elsewhere", "z").await.expect("joins");
    let mut members = store.members("counted").await.expect("members");
    members.sort();
    assert_eq!(members, ["a", "b", "c"]);
    store.leave("counted", "b").await.expect("leaves");
    let mut members = store.members("counted").await.expect("members");
    members.sort();
    assert_eq!(members, ["a", "c"]);
    let expired = testkit::wait_until(PATIENCE, || async {
        store
            .members("counted")
            .await
            .expect("members")
            .is_empty()
            .then_some(())
    })
    .await;
    assert!(expired.is_some(), "memberships never expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_timings_that_cannot_hold_a_lease_are_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log = EmbeddedLog::open(&dir.path().join("log.db"), EmbeddedOptions::default())
        .await
        .expect("the log opens");
    let transport: Arc<dyn Transport> = Arc::new(log);
    let mut slow = options();
    slow.lease_renew = slow.lease_ttl / 2;
    let store = Arc::new(Recorder::default());
    let handler = Arc::new(RecordingHandler(store.clone()));
    let refused = consumer::start(
        transport.clone(),
        store.clone(),
        handler.clone(),
        slow,
        BusMetrics::default(),
        CancellationToken::new(),
    )
    .await;
    assert!(
        matches!(refused, Err(bus::Error::Refused(_))),
        "started: {:?}",
        refused.err()
    );

    let Some(broker) = Broker::start("lease_timings_that_cannot_hold_a_lease_are_refused").await else {
        return;
    };
    let mut other_ttl = options();
    other_ttl.lease_ttl = LEASE_TTL * 3;
    let refused = consumer::start(
        broker.connect().await,
        store.clone(),
        handler,
        other_ttl,
        BusMetrics::default(),
        CancellationToken::new(),
    )
    .await;
    assert!(
        matches!(refused, Err(bus::Error::Refused(_))),
        "started: {:?}",
        refused.err()
    );
}
