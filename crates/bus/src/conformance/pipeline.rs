//! The consumer pipeline's guarantees, checked on any transport: per-(case, producer) order with
//! batches, redelivery and re-publication change nothing, a consumer that was down catches up,
//! a message that always fails reaches the dead-letter subject and is counted, and one waiting
//! for its predecessor is not counted as a failure.
//!
//! Each check takes a fresh transport and panics with a clear message when a guarantee breaks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::consumer::{self, Batch, ConsumerOptions, Handler, HandlerError, Inbox};
use crate::envelope::Envelope;
use crate::leases::Leases;
use crate::metrics::BusMetrics;
use crate::subjects;
use crate::transport::{AckRef, Consumer, ConsumerSpec, Delivery, Error, Message, PublishAck, Settlement, Transport};

/// The event type the recorder always fails on.
pub const POISON: &str = "case.poisoned";

/// An in-memory inbox and handler that records what it applied, in order.
#[derive(Debug, Default)]
pub struct Recorder {
    marks: Mutex<HashMap<(String, Uuid, String), u64>>,
    failures: Mutex<HashMap<(String, Uuid), u32>>,
    applied: Mutex<Vec<(Uuid, u64, String)>>,
    /// How long each `apply` takes (zero unless a check sets it).
    apply_takes: Mutex<Duration>,
}

impl Recorder {
    /// Applied (case, seq, event type), in the order applied.
    pub fn applied(&self) -> Vec<(Uuid, u64, String)> {
        self.applied.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Failures recorded for an event.
    pub fn failures_of(&self, consumer: &str, event_id: Uuid) -> u32 {
        *self
            .failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(consumer.to_owned(), event_id))
            .unwrap_or(&0)
    }

    fn total_failures(&self) -> u32 {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).values().sum()
    }
}

#[async_trait]
impl Inbox for Recorder {
    async fn marks(
        &self,
        consumer: &str,
        keys: &[(Uuid, String)],
    ) -> Result<HashMap<(Uuid, String), u64>, HandlerError> {
        let marks = self.marks.lock().unwrap_or_else(|p| p.into_inner());
        Ok(keys
            .iter()
            .filter_map(|(case, producer)| {
                marks
                    .get(&(consumer.to_owned(), *case, producer.clone()))
                    .map(|seq| ((*case, producer.clone()), *seq))
            })
            .collect())
    }

    async fn record_failure(&self, consumer: &str, event_id: Uuid, _error: &str) -> Result<u32, HandlerError> {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let count = failures.entry((consumer.to_owned(), event_id)).or_default();
        *count += 1;
        Ok(*count)
    }
}

/// The handler side of [`Recorder`].
#[derive(Debug, Clone)]
pub struct RecordingHandler(pub Arc<Recorder>);

#[async_trait]
impl Handler for RecordingHandler {
    type State = ();
    type Effect = String;

    fn handles(&self, _event: &Envelope) -> bool {
        true
    }

    async fn load(&self, _events: &[Envelope]) -> Result<(), HandlerError> {
        Ok(())
    }

    fn decide(&self, _state: &(), event: &Envelope) -> Result<Vec<String>, HandlerError> {
        if event.event_type == POISON {
            return Err("this event always fails".into());
        }
        Ok(vec![event.event_type.clone()])
    }

    async fn apply(&self, batch: Batch<String>) -> Result<(), HandlerError> {
        let takes = *self.0.apply_takes.lock().unwrap_or_else(|p| p.into_inner());
        if !takes.is_zero() {
            tokio::time::sleep(takes).await;
        }
        // One lock for the whole batch: the in-memory twin of one transaction.
        let mut marks = self.0.marks.lock().unwrap_or_else(|p| p.into_inner());
        let mut applied = self.0.applied.lock().unwrap_or_else(|p| p.into_inner());
        for (event, effects) in batch.decided {
            for effect in effects {
                applied.push((event.case_id, event.source_seq, effect));
            }
        }
        for mark in batch.marks {
            let entry = marks
                .entry((batch.consumer.clone(), mark.case_id, mark.producer))
                .or_default();
            *entry = (*entry).max(mark.seq);
        }
        Ok(())
    }
}

fn event(tenant: &str, case_id: Uuid, seq: u64, event_type: &str) -> Envelope {
    Envelope {
        event_id: Uuid::now_v7(),
        event_type: event_type.to_owned(),
        schema_version: 1,
        source: "intake".to_owned(),
        tenant: tenant.to_owned(),
        case_id,
        source_seq: seq,
        causation_id: None,
        correlation_id: None,
        occurred_at: chrono::Utc::now(),
        traceparent: None,
        payload: Bytes::from(format!("{case_id}:{seq}")),
    }
}

fn options(name: &str) -> ConsumerOptions {
    let mut options = ConsumerOptions::new(name, &["intake"], 2);
    options.batch_size = 16;
    options.fetch_wait = Duration::from_millis(200);
    options.ack_wait = Duration::from_secs(5);
    options.max_failures = 3;
    options.gap_retry = Duration::from_millis(20);
    options.failure_backoff = Duration::from_millis(10);
    options
}

/// A running consumer and what it records.
struct Running {
    recorder: Arc<Recorder>,
    metrics: BusMetrics,
    shutdown: CancellationToken,
    loops: tokio::task::JoinSet<()>,
}

async fn run(transport: &Arc<dyn Transport>, recorder: Arc<Recorder>, options: ConsumerOptions) -> Running {
    let metrics = BusMetrics::default();
    let shutdown = CancellationToken::new();
    let loops = consumer::start(
        transport.clone(),
        recorder.clone(),
        Arc::new(RecordingHandler(recorder.clone())),
        options,
        metrics.clone(),
        shutdown.clone(),
    )
    .await
    .expect("the consumer starts");
    Running {
        recorder,
        metrics,
        shutdown,
        loops,
    }
}

impl Running {
    async fn stop(self) -> Arc<Recorder> {
        self.shutdown.cancel();
        self.loops.join_all().await;
        self.recorder
    }
}

async fn publish(transport: &Arc<dyn Transport>, events: &[Envelope]) {
    transport
        .publish(events.iter().map(|e| e.to_message(2)).collect())
        .await
        .expect("published");
}

async fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn per_case(applied: &[(Uuid, u64, String)]) -> HashMap<Uuid, Vec<u64>> {
    let mut by_case: HashMap<Uuid, Vec<u64>> = HashMap::new();
    for (case, seq, _) in applied {
        by_case.entry(*case).or_default().push(*seq);
    }
    by_case
}

/// Events published out of order (each case's later events first) are applied in order, each
/// exactly once, while batches mix cases.
pub async fn order_holds_per_case_with_batches(transport: Arc<dyn Transport>) {
    let tenant = "order";
    let cases: Vec<Uuid> = (0..12).map(|_| Uuid::now_v7()).collect();
    let mut events = Vec::new();
    for seq in (1..=6).rev() {
        for case in &cases {
            events.push(event(tenant, *case, seq, "case.noted"));
        }
    }
    let consumer = run(&transport, Arc::new(Recorder::default()), options("order")).await;
    publish(&transport, &events).await;
    let recorder = consumer.recorder.clone();
    wait_for("every event applied", Duration::from_secs(30), || {
        recorder.applied().len() >= events.len()
    })
    .await;
    let metrics = consumer.metrics.clone();
    let recorder = consumer.stop().await;
    let by_case = per_case(&recorder.applied());
    for case in &cases {
        assert_eq!(
            by_case.get(case),
            Some(&vec![1, 2, 3, 4, 5, 6]),
            "case {case} applied out of order or twice"
        );
    }
    assert_eq!(
        metrics.handler_failures.get(),
        0,
        "waiting for a predecessor is not a failure"
    );
    assert_eq!(metrics.messages_dead_lettered.get(), 0);
}

/// The same events published again under new message ids (a re-publication that escaped the
/// broker's deduplication) change nothing.
pub async fn redelivery_changes_nothing(transport: Arc<dyn Transport>) {
    let tenant = "redelivery";
    let case = Uuid::now_v7();
    let first: Vec<Envelope> = (1..=3).map(|seq| event(tenant, case, seq, "case.noted")).collect();
    let consumer = run(&transport, Arc::new(Recorder::default()), options("redelivery")).await;
    publish(&transport, &first).await;
    let recorder = consumer.recorder.clone();
    wait_for("three events applied", Duration::from_secs(30), || {
        recorder.applied().len() >= 3
    })
    .await;
    let again: Vec<Envelope> = first
        .iter()
        .map(|e| Envelope {
            event_id: Uuid::now_v7(),
            ..e.clone()
        })
        .collect();
    publish(&transport, &again).await;
    publish(&transport, &first).await;
    let metrics = consumer.metrics.clone();
    wait_for("the duplicates seen", Duration::from_secs(30), || {
        metrics.events_duplicate.get() >= 3
    })
    .await;
    let recorder = consumer.stop().await;
    assert_eq!(
        per_case(&recorder.applied()).get(&case),
        Some(&vec![1, 2, 3]),
        "a duplicate was applied"
    );
}

/// Events published while the consumer is down are processed when it returns.
pub async fn a_consumer_that_was_down_catches_up(transport: Arc<dyn Transport>) {
    let tenant = "catchup";
    let recorder = Arc::new(Recorder::default());
    let case = Uuid::now_v7();
    let consumer = run(&transport, recorder.clone(), options("catchup")).await;
    publish(&transport, &[event(tenant, case, 1, "case.noted")]).await;
    wait_for("the first event", Duration::from_secs(30), || {
        recorder.applied().len() == 1
    })
    .await;
    let recorder = consumer.stop().await;
    publish(
        &transport,
        &(2..=5)
            .map(|seq| event(tenant, case, seq, "case.noted"))
            .collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(
        recorder.applied().len(),
        1,
        "nothing is applied while the consumer is down"
    );
    let consumer = run(&transport, recorder.clone(), options("catchup")).await;
    wait_for("the rest after the restart", Duration::from_secs(30), || {
        recorder.applied().len() == 5
    })
    .await;
    let recorder = consumer.stop().await;
    assert_eq!(per_case(&recorder.applied()).get(&case), Some(&vec![1, 2, 3, 4, 5]));
}

/// A message that always fails is dead-lettered after the failure limit and counted; the other
/// cases flow on.
pub async fn a_poison_message_is_dead_lettered_and_counted(transport: Arc<dyn Transport>) {
    let tenant = "poison";
    let (bad, good) = (Uuid::now_v7(), Uuid::now_v7());
    let poison = event(tenant, bad, 1, POISON);
    let dlq = transport
        .consumer(ConsumerSpec {
            durable_name: "poison-dlq-reader".into(),
            filter_subjects: vec![subjects::dead_letter(tenant, "poison")],
            ack_wait: Duration::from_secs(5),
            max_deliver: None,
        })
        .await
        .expect("dead-letter reader");
    let consumer = run(&transport, Arc::new(Recorder::default()), options("poison")).await;
    publish(
        &transport,
        &[
            poison.clone(),
            event(tenant, good, 1, "case.noted"),
            event(tenant, good, 2, "case.noted"),
        ],
    )
    .await;
    let metrics = consumer.metrics.clone();
    wait_for("the poison dead-lettered", Duration::from_secs(30), || {
        metrics.messages_dead_lettered.get() == 1
    })
    .await;
    let recorder = consumer.recorder.clone();
    wait_for("the good case applied", Duration::from_secs(30), || {
        recorder.applied().len() == 2
    })
    .await;
    let recorder = consumer.stop().await;
    assert_eq!(
        recorder.failures_of("poison", poison.event_id),
        3,
        "failures are counted in the store up to the limit"
    );
    assert_eq!(metrics.handler_failures.get(), 3);
    let mut dlq = dlq;
    let deliveries = dlq.fetch(10, Duration::from_secs(5)).await.expect("dead letters");
    assert_eq!(deliveries.len(), 1, "exactly one dead letter");
    let dead = &deliveries[0].message;
    let decoded = Envelope::from_message(dead).expect("a dead letter still reads as its envelope");
    assert_eq!(decoded.event_id, poison.event_id, "a dead letter keeps the event's id");
    assert_ne!(
        dead.msg_id,
        poison.event_id.to_string(),
        "a dead letter has a message id of its own"
    );
    assert_eq!(
        dead.header(crate::envelope::headers::CASE_ID),
        Some(bad.to_string().as_str())
    );
    assert!(
        dead.header(crate::envelope::headers::DLQ_REASON)
            .is_some_and(|r| r.starts_with("handler_failed"))
    );
    assert!(recorder.applied().iter().all(|(case, _, _)| *case == good));
}

/// An event whose predecessor has not arrived waits without counting towards the poison limit,
/// and is applied once the predecessor comes.
pub async fn waiting_for_a_predecessor_is_not_a_failure(transport: Arc<dyn Transport>) {
    let tenant = "gap";
    let case = Uuid::now_v7();
    let consumer = run(&transport, Arc::new(Recorder::default()), options("gap")).await;
    publish(&transport, &[event(tenant, case, 2, "case.noted")]).await;
    let metrics = consumer.metrics.clone();
    wait_for("several waits", Duration::from_secs(30), || {
        metrics.events_waiting_for_predecessor.get() >= 5
    })
    .await;
    assert_eq!(metrics.handler_failures.get(), 0);
    assert_eq!(consumer.recorder.total_failures(), 0);
    assert_eq!(metrics.messages_dead_lettered.get(), 0);
    publish(&transport, &[event(tenant, case, 1, "case.noted")]).await;
    let recorder = consumer.recorder.clone();
    wait_for("both applied", Duration::from_secs(30), || {
        recorder.applied().len() == 2
    })
    .await;
    let recorder = consumer.stop().await;
    assert_eq!(per_case(&recorder.applied()).get(&case), Some(&vec![1, 2]));
}

/// A transport that counts the progress settlements its consumers send.
struct ProgressSpy {
    inner: Arc<dyn Transport>,
    progress: Arc<std::sync::atomic::AtomicUsize>,
}

struct ProgressSpyConsumer {
    inner: Box<dyn Consumer>,
    progress: Arc<std::sync::atomic::AtomicUsize>,
}

#[async_trait]
impl Transport for ProgressSpy {
    async fn publish(&self, messages: Vec<Message>) -> Result<Vec<PublishAck>, Error> {
        self.inner.publish(messages).await
    }

    async fn consumer(&self, spec: ConsumerSpec) -> Result<Box<dyn Consumer>, Error> {
        Ok(Box::new(ProgressSpyConsumer {
            inner: self.inner.consumer(spec).await?,
            progress: self.progress.clone(),
        }))
    }

    fn leases(&self) -> Arc<dyn Leases> {
        self.inner.leases()
    }

    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
}

#[async_trait]
impl Consumer for ProgressSpyConsumer {
    async fn fetch(&mut self, max: usize, expires: Duration) -> Result<Vec<Delivery>, Error> {
        self.inner.fetch(max, expires).await
    }

    async fn settle(&mut self, settlements: Vec<(AckRef, Settlement)>) -> Result<(), Error> {
        let progress = settlements.iter().filter(|(_, s)| *s == Settlement::Progress).count();
        self.progress.fetch_add(progress, std::sync::atomic::Ordering::SeqCst);
        self.inner.settle(settlements).await
    }

    async fn pending(&mut self) -> Result<u64, Error> {
        self.inner.pending().await
    }
}

/// Work that outlasts the acknowledgement wait keeps its deliveries: the runtime tells the
/// broker the work goes on (progress), and the event is applied once, never redelivered.
pub async fn long_work_keeps_its_deliveries(transport: Arc<dyn Transport>) {
    let tenant = "longwork";
    let progress = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let spy: Arc<dyn Transport> = Arc::new(ProgressSpy {
        inner: transport,
        progress: progress.clone(),
    });
    let recorder = Arc::new(Recorder::default());
    *recorder.apply_takes.lock().unwrap_or_else(|p| p.into_inner()) = Duration::from_millis(2500);
    let mut slow = options("longwork");
    slow.ack_wait = Duration::from_secs(1);
    let consumer = run(&spy, recorder, slow).await;
    let case = Uuid::now_v7();
    publish(&spy, &[event(tenant, case, 1, "case.noted")]).await;
    let recorder = consumer.recorder.clone();
    wait_for("the slow event applied", Duration::from_secs(30), || {
        !recorder.applied().is_empty()
    })
    .await;
    let metrics = consumer.metrics.clone();
    let recorder = consumer.stop().await;
    assert!(
        progress.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "progress was sent while the work outlasted the acknowledgement wait"
    );
    assert_eq!(per_case(&recorder.applied()).get(&case), Some(&vec![1]), "applied once");
    assert_eq!(metrics.events_duplicate.get(), 0, "the event was not delivered again");
}
