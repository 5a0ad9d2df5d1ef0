//! Replicas of one consumer on NATS JetStream, sharing partitions through leases: both replicas
//! work, one puller per partition, and when one stops (cleanly or killed) the other takes its
//! partitions over; through all of it every event is applied exactly once and in order per
//! (case, producer). Also the lease store itself: a lease is never granted twice, and one left
//! unrenewed expires.
//!
//! Each replica has its own connection, its own `consumer::start` and its own handler; they
//! share one in-memory store (marks, failures and the applied log), as replicas share their
//! service's database. The store applies a batch only if none of its marks moved meanwhile (the
//! `WHERE seq < $new` rule of decision 0002), and records which replica applied each event.
//!
//! Without a nats-server 2.10 or newer every test says `SKIPPED` and returns; under `CI=true` it
//! fails instead. The lease store alone is tested in `leases.rs`.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use bus::consumer::{self, Batch, ConsumerOptions, Handler, HandlerError, Inbox};
use bus::jetstream::{JetStream, JetStreamOptions};
use bus::leases;
use bus::metrics::BusMetrics;
use bus::{Envelope, Transport, subjects};
use bytes::Bytes;
use testkit::nats::{self, NatsServer};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const PARTITIONS: u32 = 4;
const CONSUMER: &str = "replicated";
const PRODUCER: &str = "intake";
/// Short enough that a killed replica's partitions come back within a test, long enough that a
/// loaded machine renews in time.
pub(crate) const LEASE_TTL: Duration = Duration::from_secs(5);
const LEASE_RENEW: Duration = Duration::from_millis(500);
/// The generous bound of every wait.
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);

/// One event as the shared store applied it.
#[derive(Debug, Clone)]
struct Applied {
    replica: &'static str,
    case: Uuid,
    seq: u64,
    partition: u32,
}

#[derive(Debug, Default)]
struct State {
    marks: HashMap<(String, Uuid, String), u64>,
    failures: HashMap<(String, Uuid), u32>,
    applied: Vec<Applied>,
}

/// The store the replicas share.
#[derive(Debug, Default)]
struct SharedStore {
    state: Mutex<State>,
}

impl SharedStore {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn applied(&self) -> Vec<Applied> {
        self.state().applied.clone()
    }
}

#[async_trait]
impl Inbox for SharedStore {
    async fn marks(
        &self,
        consumer: &str,
        keys: &[(Uuid, String)],
    ) -> Result<HashMap<(Uuid, String), u64>, HandlerError> {
        let state = self.state();
        Ok(keys
            .iter()
            .filter_map(|(case, producer)| {
                state
                    .marks
                    .get(&(consumer.to_owned(), *case, producer.clone()))
                    .map(|seq| ((*case, producer.clone()), *seq))
            })
            .collect())
    }

    async fn record_failure(&self, consumer: &str, event_id: Uuid, _error: &str) -> Result<u32, HandlerError> {
        let mut state = self.state();
        let count = state.failures.entry((consumer.to_owned(), event_id)).or_default();
        *count += 1;
        Ok(*count)
    }
}

/// One replica's handler on the shared store.
#[derive(Debug, Clone)]
struct ReplicaHandler {
    replica: &'static str,
    store: Arc<SharedStore>,
    /// Cleared (under the store's lock) when the replica is killed: a dead process writes
    /// nothing, even if one of its tasks has not noticed its abort yet.
    alive: Arc<AtomicBool>,
}

#[async_trait]
impl Handler for ReplicaHandler {
    type State = ();
    type Effect = ();

    fn handles(&self, _event: &Envelope) -> bool {
        true
    }

    async fn load(&self, _events: &[Envelope]) -> Result<(), HandlerError> {
        Ok(())
    }

    fn decide(&self, _state: &(), _event: &Envelope) -> Result<Vec<()>, HandlerError> {
        Ok(vec![()])
    }

    async fn apply(&self, batch: Batch<()>) -> Result<(), HandlerError> {
        // One lock for the whole batch: one transaction. A mark that moved (another replica
        // applied the event) rolls the whole batch back, as `WHERE seq < $new` does.
        let mut state = self.store.state();
        if !self.alive.load(Ordering::SeqCst) {
            return Err("this replica was killed".into());
        }
        for mark in &batch.marks {
            let key = (batch.consumer.clone(), mark.case_id, mark.producer.clone());
            let current = state.marks.get(&key).copied().unwrap_or(0);
            if current >= mark.seq {
                return Err(format!("mark of {} moved to {current}", mark.case_id).into());
            }
        }
        for mark in batch.marks {
            state
                .marks
                .insert((batch.consumer.clone(), mark.case_id, mark.producer), mark.seq);
        }
        for (event, _) in batch.decided {
            state.applied.push(Applied {
                replica: self.replica,
                case: event.case_id,
                seq: event.source_seq,
                partition: subjects::partition_of(event.case_id, PARTITIONS),
            });
        }
        Ok(())
    }
}

/// A nats-server and how replicas connect to it.
pub(crate) struct Broker {
    _server: NatsServer,
    pub(crate) options: JetStreamOptions,
}

impl Broker {
    /// A server for `test`, or `None` when the test is skipped.
    pub(crate) async fn start(test: &str) -> Option<Self> {
        let binary = nats::server_or_skip(test)?;
        let server = NatsServer::start_binary(&binary)
            .await
            .unwrap_or_else(|e| panic!("{test}: {e}"));
        let mut options = JetStreamOptions::new(server.url());
        options.lease_ttl = LEASE_TTL;
        Some(Self {
            _server: server,
            options,
        })
    }

    /// A new connection, as a new process would open.
    pub(crate) async fn connect(&self) -> Arc<dyn Transport> {
        Arc::new(
            JetStream::connect(self.options.clone())
                .await
                .expect("connects to nats-server"),
        )
    }
}

/// The consumer's options: short waits, and leases of [`LEASE_TTL`] renewed every [`LEASE_RENEW`].
pub(crate) fn options() -> ConsumerOptions {
    let mut options = ConsumerOptions::new(CONSUMER, &[PRODUCER], PARTITIONS);
    options.batch_size = 16;
    options.fetch_wait = Duration::from_millis(200);
    options.ack_wait = Duration::from_secs(3);
    options.gap_retry = Duration::from_millis(20);
    options.failure_backoff = Duration::from_millis(10);
    options.lease_ttl = LEASE_TTL;
    options.lease_renew = LEASE_RENEW;
    options
}

/// A running replica.
struct Replica {
    shutdown: CancellationToken,
    loops: JoinSet<()>,
    store: Arc<SharedStore>,
    alive: Arc<AtomicBool>,
}

impl Replica {
    async fn start(broker: &Broker, name: &'static str, store: &Arc<SharedStore>) -> Self {
        let shutdown = CancellationToken::new();
        let alive = Arc::new(AtomicBool::new(true));
        let loops = consumer::start(
            broker.connect().await,
            store.clone(),
            Arc::new(ReplicaHandler {
                replica: name,
                store: store.clone(),
                alive: alive.clone(),
            }),
            options(),
            BusMetrics::default(),
            shutdown.clone(),
        )
        .await
        .expect("the replica starts");
        Self {
            shutdown,
            loops,
            store: store.clone(),
            alive,
        }
    }

    /// A clean stop: its loops finish their batches and its leases are released.
    async fn stop(self) {
        self.shutdown.cancel();
        self.loops.join_all().await;
    }

    /// A crash: from this instant it writes nothing, its tasks are aborted where they stand, and
    /// its leases stay until they expire.
    async fn kill(mut self) {
        {
            let _transaction = self.store.state();
            self.alive.store(false, Ordering::SeqCst);
        }
        self.loops.abort_all();
        while self.loops.join_next().await.is_some() {}
    }
}

/// Cases spread over the partitions: three on each.
fn cases() -> Vec<Uuid> {
    let mut per_partition: BTreeMap<u32, Vec<Uuid>> = BTreeMap::new();
    while per_partition.len() < PARTITIONS as usize || per_partition.values().any(|c| c.len() < 3) {
        let case = Uuid::now_v7();
        let on = per_partition
            .entry(subjects::partition_of(case, PARTITIONS))
            .or_default();
        if on.len() < 3 {
            on.push(case);
        }
    }
    per_partition.into_values().flatten().collect()
}

fn event(case: Uuid, seq: u64) -> Envelope {
    Envelope {
        event_id: Uuid::now_v7(),
        event_type: "case.noted".to_owned(),
        schema_version: 1,
        source: PRODUCER.to_owned(),
        tenant: "replicas".to_owned(),
        case_id: case,
        source_seq: seq,
        causation_id: None,
        correlation_id: None,
        occurred_at: chrono::Utc::now(),
        traceparent: None,
        payload: Bytes::from(format!("{case}:{seq}")),
    }
}

/// Publishes one round (the next event of every case) every 50 ms until stopped; answers the
/// number of rounds published.
fn publish_rounds(
    transport: Arc<dyn Transport>,
    cases: Vec<Uuid>,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<u64> {
    tokio::spawn(async move {
        let mut rounds = 0;
        while !stop.is_cancelled() {
            rounds += 1;
            let messages = cases
                .iter()
                .map(|case| event(*case, rounds).to_message(PARTITIONS))
                .collect();
            transport.publish(messages).await.expect("published");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        rounds
    })
}

/// For each partition, the replicas that applied its events, one entry per run of one replica.
fn owner_runs(applied: &[Applied]) -> BTreeMap<u32, Vec<&'static str>> {
    let mut runs: BTreeMap<u32, Vec<&'static str>> = BTreeMap::new();
    for event in applied {
        let owners = runs.entry(event.partition).or_default();
        if owners.last() != Some(&event.replica) {
            owners.push(event.replica);
        }
    }
    runs
}

/// Whether the partitions' latest appliers are `expected` (replica → partitions), every partition
/// having an applier.
fn latest_owners_are(applied: &[Applied], expected: &[(&str, usize)]) -> bool {
    let runs = owner_runs(applied);
    if runs.len() != PARTITIONS as usize {
        return false;
    }
    expected
        .iter()
        .all(|(replica, count)| runs.values().filter(|owners| owners.last() == Some(replica)).count() == *count)
}

/// Every event of every round applied exactly once, in order per case.
fn assert_exactly_once_in_order(applied: &[Applied], cases: &[Uuid], rounds: u64) {
    let mut by_case: HashMap<Uuid, Vec<u64>> = HashMap::new();
    for event in applied {
        by_case.entry(event.case).or_default().push(event.seq);
    }
    let expected: Vec<u64> = (1..=rounds).collect();
    for case in cases {
        let seqs = by_case.get(case).map(Vec::as_slice).unwrap_or_default();
        assert!(
            seqs.windows(2).all(|pair| pair[0] < pair[1]),
            "case {case} applied out of order: {seqs:?}"
        );
        assert_eq!(seqs, expected.as_slice(), "case {case} not applied exactly once each");
    }
    assert_eq!(
        applied.len(),
        cases.len() * expected.len(),
        "events applied that were never published"
    );
}

/// Waits until `store` has applied `rounds` rounds of `cases`.
async fn wait_for_all(store: &SharedStore, cases: &[Uuid], rounds: u64) {
    let total = cases.len() * usize::try_from(rounds).expect("rounds fit");
    let done = testkit::wait_until(PATIENCE, || async { (store.applied().len() >= total).then_some(()) }).await;
    assert!(
        done.is_some(),
        "only {} of {total} events applied within {PATIENCE:?}",
        store.applied().len()
    );
}

/// Waits until the partitions' latest appliers are `expected`, as `what`.
async fn wait_for_owners(store: &SharedStore, expected: &[(&str, usize)], what: &str) {
    let settled = testkit::wait_until(PATIENCE, || async {
        latest_owners_are(&store.applied(), expected).then_some(())
    })
    .await;
    assert!(
        settled.is_some(),
        "{what}: partitions never settled to {expected:?}; runs {:?}",
        owner_runs(&store.applied())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_the_partitions_and_apply_each_event_once_in_order() {
    let Some(broker) = Broker::start("two_replicas_share_the_partitions").await else {
        return;
    };
    let store = Arc::new(SharedStore::default());
    let cases = cases();
    let stop_publishing = CancellationToken::new();
    let publisher = publish_rounds(broker.connect().await, cases.clone(), stop_publishing.clone());
    let first = Replica::start(&broker, "first", &store).await;
    let second = Replica::start(&broker, "second", &store).await;
    wait_for_owners(&store, &[("first", 2), ("second", 2)], "two replicas").await;
    stop_publishing.cancel();
    let rounds = publisher.await.expect("the publisher");
    wait_for_all(&store, &cases, rounds).await;
    first.stop().await;
    second.stop().await;
    let applied = store.applied();
    assert_exactly_once_in_order(&applied, &cases, rounds);
    // One puller per partition: a partition changes hands at most once (the first replica to
    // start may hold it before the second arrives), never back and forth.
    for (partition, owners) in owner_runs(&applied) {
        assert!(
            owners.len() <= 2,
            "partition {partition} went back and forth: {owners:?}"
        );
    }
    assert!(latest_owners_are(&applied, &[("first", 2), ("second", 2)]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_that_stops_hands_its_partitions_over() {
    let Some(broker) = Broker::start("a_replica_that_stops_hands_its_partitions_over").await else {
        return;
    };
    let store = Arc::new(SharedStore::default());
    let cases = cases();
    let stop_publishing = CancellationToken::new();
    let publisher = publish_rounds(broker.connect().await, cases.clone(), stop_publishing.clone());
    let staying = Replica::start(&broker, "staying", &store).await;
    let leaving = Replica::start(&broker, "leaving", &store).await;
    wait_for_owners(&store, &[("staying", 2), ("leaving", 2)], "two replicas").await;
    leaving.stop().await;
    let stopped_at = store.applied().len();
    // Mid-stream: rounds keep coming while the partitions change hands.
    let taken_over = testkit::wait_until(PATIENCE, || async {
        let applied = store.applied();
        let mut partitions: Vec<u32> = applied[stopped_at..].iter().map(|a| a.partition).collect();
        partitions.sort_unstable();
        partitions.dedup();
        (partitions.len() == PARTITIONS as usize).then_some(())
    })
    .await;
    assert!(
        taken_over.is_some(),
        "the staying replica never applied events of every partition"
    );
    stop_publishing.cancel();
    let rounds = publisher.await.expect("the publisher");
    wait_for_all(&store, &cases, rounds).await;
    staying.stop().await;
    let applied = store.applied();
    assert_exactly_once_in_order(&applied, &cases, rounds);
    let late: Vec<&Applied> = applied[stopped_at..]
        .iter()
        .filter(|a| a.replica != "staying")
        .collect();
    assert!(late.is_empty(), "a stopped replica applied events: {late:?}");
    for (partition, owners) in owner_runs(&applied) {
        assert!(
            owners.len() <= 3,
            "partition {partition} went back and forth: {owners:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_replicas_partitions_are_taken_over_once_its_leases_expire() {
    let Some(broker) = Broker::start("a_killed_replicas_partitions_are_taken_over").await else {
        return;
    };
    let store = Arc::new(SharedStore::default());
    let cases = cases();
    let stop_publishing = CancellationToken::new();
    let publisher = publish_rounds(broker.connect().await, cases.clone(), stop_publishing.clone());
    let surviving = Replica::start(&broker, "surviving", &store).await;
    let killed = Replica::start(&broker, "killed", &store).await;
    wait_for_owners(&store, &[("surviving", 2), ("killed", 2)], "two replicas").await;
    killed.kill().await;
    wait_for_owners(&store, &[("surviving", 4)], "after the kill").await;
    stop_publishing.cancel();
    let rounds = publisher.await.expect("the publisher");
    wait_for_all(&store, &cases, rounds).await;
    surviving.stop().await;
    let applied = store.applied();
    assert_exactly_once_in_order(&applied, &cases, rounds);
    for (partition, owners) in owner_runs(&applied) {
        assert!(
            owners.len() <= 3,
            "partition {partition} went back and forth: {owners:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_whose_lease_is_taken_stops_pulling_that_partition() {
    let Some(broker) = Broker::start("a_replica_whose_lease_is_taken_stops_pulling_that_partition").await else {
        return;
    };
    let store = Arc::new(SharedStore::default());
    let cases = cases();
    let stop_publishing = CancellationToken::new();
    let publisher = publish_rounds(broker.connect().await, cases.clone(), stop_publishing.clone());
    let robbed = Replica::start(&broker, "robbed", &store).await;
    wait_for_owners(&store, &[("robbed", 4)], "one replica").await;
    let thief = broker.connect().await.leases();
    let mut stolen = steal(&broker, 0).await;
    // The thief keeps the lease as a replica would, until told to give it back.
    let give_back = CancellationToken::new();
    let keeper = tokio::spawn({
        let (thief, give_back) = (thief.clone(), give_back.clone());
        async move {
            while !give_back.is_cancelled() {
                thief.renew(&mut stolen).await.expect("the thief renews");
                tokio::time::sleep(LEASE_RENEW).await;
            }
            thief.release(stolen).await.expect("the thief releases");
        }
    });
    // The robbed replica's next renewal fails and its loop stops at once; whatever happens, its
    // own watchdog stops the loop within one time to live of the last renewal. This waits for
    // that bound (not for a condition): from then on, partition 0 must stay untouched.
    tokio::time::sleep(LEASE_TTL).await;
    let quiet_from = store.applied().len();
    let others_moved_on = testkit::wait_until(PATIENCE, || async {
        let applied = store.applied();
        let later = applied[quiet_from..].iter().filter(|a| a.partition != 0).count();
        (later >= cases.len() * 3).then_some(())
    })
    .await;
    assert!(others_moved_on.is_some(), "the other partitions stalled");
    let touched: Vec<Applied> = store.applied()[quiet_from..]
        .iter()
        .filter(|a| a.partition == 0)
        .cloned()
        .collect();
    assert!(
        touched.is_empty(),
        "partition 0 was pulled without its lease: {touched:?}"
    );
    give_back.cancel();
    keeper.await.expect("the thief");
    stop_publishing.cancel();
    let rounds = publisher.await.expect("the publisher");
    wait_for_all(&store, &cases, rounds).await;
    robbed.stop().await;
    assert_exactly_once_in_order(&store.applied(), &cases, rounds);
}

/// Takes the lease of `partition` from under its holder, as a replica that believed it expired
/// would: one write at the revision the holder last wrote.
async fn steal(broker: &Broker, partition: u32) -> leases::Lease {
    let client = async_nats::connect(broker.options.urls[0].as_str())
        .await
        .expect("connects");
    let bucket = async_nats::jetstream::new(client)
        .get_key_value(subjects::LEASES_BUCKET)
        .await
        .expect("the lease bucket");
    let key = subjects::lease_key(CONSUMER, partition);
    let stolen = testkit::wait_until(PATIENCE, || async {
        let entry = bucket
            .entry(key.as_str())
            .await
            .expect("reads")
            .expect("the lease is held");
        let revision = bucket.update(&key, Bytes::from("thief"), entry.revision).await.ok()?;
        Some(leases::Lease {
            consumer: CONSUMER.to_owned(),
            partition,
            holder: "thief".to_owned(),
            revision,
        })
    })
    .await;
    stolen.expect("the lease is stolen")
}
