//! The consumer runtime: one loop per (consumer, partition) that feeds a service's
//! [`Handler`] in batches and acknowledges only after the handler's commit.
//!
//! Per batch: keep one event per case; read the inbox marks; drop duplicates, put back events
//! whose predecessor has not arrived (not a failure), `load` what the rest need, `decide`
//! each one purely, and `apply` all effects with the new marks in one transaction. Handler
//! errors are counted in the service's store; at the limit the message goes to the
//! dead-letter subject. The rules are in `docs/decisions/0001-events-ordering-and-ownership.md`.
//!
//! # Replicas and partition leases
//!
//! Several processes (replicas) may run the same consumer against one broker. Per-case order
//! needs one puller per partition, so a replica runs a partition's loop only while it holds the
//! partition's lease ([`crate::leases`]). [`start`] declares every partition's durable consumer,
//! then runs a supervisor (`consumer/supervisor.rs`) that, every
//! [`ConsumerOptions::lease_renew`]:
//!
//! 1. registers or renews the replica's membership and renews every lease it holds; a renewal
//!    that fails loses the lease, and that partition's loop stops pulling at once (a loop whose
//!    lease has gone unrenewed for [`ConsumerOptions::lease_ttl`] less one renewal interval stops
//!    by itself too, should the supervisor stall);
//! 2. counts the live replicas and computes its share of the partitions ([`crate::leases::share`]:
//!    `ceil` or `floor` of partitions / replicas, the shares adding up to the partitions);
//! 3. releases the surplus (the loop finishes its fetch and batch, then the lease is deleted, so
//!    a newly started replica gets work), or takes free partitions up to its share.
//!
//! On shutdown the loops stop pulling, finish the batch in hand, and the leases and the
//! membership are released, so the other replicas take the partitions over at their next tick.
//! Should two loops ever overlap on a partition (a lease lost while its batch was in flight), the
//! inbox marks keep an event from being applied twice.
//!
//! The embedded log grants every lease: with it, one replica runs every partition.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::envelope::{Envelope, headers};
use crate::metrics::BusMetrics;
use crate::transport::{AckRef, Consumer, ConsumerSpec, Delivery, Error, Message, Settlement, Transport};
use crate::{crash, subjects};

mod supervisor;

/// A handler's or a store's failure, with its message.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// A consumer's position for one (case, producer): the last `source_seq` applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub case_id: Uuid,
    pub producer: String,
    pub seq: u64,
}

/// The inbox side of a service's store.
#[async_trait]
pub trait Inbox: Send + Sync + 'static {
    /// The marks of `consumer` for the given (case, producer) keys; missing keys are 0.
    async fn marks(
        &self,
        consumer: &str,
        keys: &[(Uuid, String)],
    ) -> Result<HashMap<(Uuid, String), u64>, HandlerError>;
    /// Adds one failure to an event's count and returns the new count.
    async fn record_failure(&self, consumer: &str, event_id: Uuid, error: &str) -> Result<u32, HandlerError>;
}

/// The applied result of one batch, written by [`Handler::apply`] in one transaction.
#[derive(Debug)]
pub struct Batch<E> {
    pub consumer: String,
    /// New marks for every event in the batch, handled or ignored.
    pub marks: Vec<Mark>,
    /// The events the handler acted on, with their effects.
    pub decided: Vec<(Envelope, Vec<E>)>,
}

/// A service's reaction to events.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// What `decide` needs, gathered once per batch.
    type State: Send + Sync;
    /// What `decide` produces and `apply` writes.
    type Effect: Send;

    /// Whether this handler acts on the event; others only advance the consumer's mark.
    fn handles(&self, event: &Envelope) -> bool;

    /// Gathers state for the handled events of a batch (store reads, batched gRPC calls).
    async fn load(&self, events: &[Envelope]) -> Result<Self::State, HandlerError>;

    /// The pure decision for one event.
    fn decide(&self, state: &Self::State, event: &Envelope) -> Result<Vec<Self::Effect>, HandlerError>;

    /// Writes the effects, the marks and any outbox rows of a whole batch in one transaction.
    async fn apply(&self, batch: Batch<Self::Effect>) -> Result<(), HandlerError>;
}

/// How a consumer runs.
#[derive(Debug, Clone)]
pub struct ConsumerOptions {
    /// The consumer's name (usually the service's); durable names add the partition.
    pub name: String,
    /// The producers it reads, all of their events.
    pub producers: Vec<String>,
    pub partitions: u32,
    pub batch_size: usize,
    pub fetch_wait: Duration,
    pub ack_wait: Duration,
    /// Handler failures before the dead-letter subject.
    pub max_failures: u32,
    /// The longest an event waits for its predecessor before it is dead-lettered.
    pub max_gap_wait: Duration,
    /// How soon an event waiting for its predecessor is tried again.
    pub gap_retry: Duration,
    /// The first retry delay after a failure; doubles with each failure.
    pub failure_backoff: Duration,
    /// How long a partition lease lasts without renewal; must equal the transport's
    /// ([`crate::leases::Leases::ttl`]; on JetStream
    /// [`JetStreamOptions::lease_ttl`](crate::jetstream::JetStreamOptions::lease_ttl)).
    pub lease_ttl: Duration,
    /// How often leases and membership are renewed and partitions rebalanced; at most a third
    /// of [`ConsumerOptions::lease_ttl`]. A loop goes on pulling for `lease_ttl - lease_renew`
    /// after the last renewal sent, which leaves the next renewal a whole interval to answer.
    pub lease_renew: Duration,
}

impl ConsumerOptions {
    /// Defaults for a consumer `name` reading `producers`.
    pub fn new(name: &str, producers: &[&str], partitions: u32) -> Self {
        Self {
            name: name.to_owned(),
            producers: producers.iter().map(|p| (*p).to_owned()).collect(),
            partitions,
            batch_size: 128,
            fetch_wait: Duration::from_secs(5),
            ack_wait: Duration::from_secs(30),
            max_failures: 5,
            max_gap_wait: Duration::from_secs(600),
            gap_retry: Duration::from_millis(100),
            failure_backoff: Duration::from_millis(200),
            lease_ttl: Duration::from_secs(15),
            lease_renew: Duration::from_secs(5),
        }
    }

    /// Refuses lease timings that cannot keep a lease, or that disagree with the lease store's.
    fn check_leases(&self, store_ttl: Option<Duration>) -> Result<(), Error> {
        let name = &self.name;
        if self.lease_renew.is_zero() || self.lease_renew * 3 > self.lease_ttl {
            return Err(Error::Refused(format!(
                "consumer {name}: lease_renew {:?} must be positive and at most a third of lease_ttl {:?}",
                self.lease_renew, self.lease_ttl
            )));
        }
        match store_ttl {
            Some(ttl) if ttl != self.lease_ttl => Err(Error::Refused(format!(
                "consumer {name}: lease_ttl {:?} differs from the transport's lease time to live {ttl:?}",
                self.lease_ttl
            ))),
            _ => Ok(()),
        }
    }

    fn spec(&self, partition: u32) -> ConsumerSpec {
        ConsumerSpec {
            durable_name: subjects::durable_name(&self.name, partition),
            filter_subjects: self
                .producers
                .iter()
                .map(|producer| subjects::producer_filter(producer, partition))
                .collect(),
            ack_wait: self.ack_wait,
            max_deliver: None,
        }
    }
}

/// Declares the consumer's durable consumer on every partition, then runs it until `shutdown` on
/// the partitions whose leases this replica holds (see the module's documentation). Returns once
/// every durable consumer is declared; the supervisor and the loops run in the returned set,
/// which finishes once the loops have finished their batches and the leases are released.
///
/// Refuses ([`Error::Refused`]) lease timings that disagree with the transport's.
pub async fn start<H: Handler>(
    transport: Arc<dyn Transport>,
    inbox: Arc<dyn Inbox>,
    handler: Arc<H>,
    options: ConsumerOptions,
    metrics: BusMetrics,
    shutdown: CancellationToken,
) -> Result<JoinSet<()>, Error> {
    let leases = transport.leases();
    options.check_leases(leases.ttl())?;
    let mut consumers = HashMap::new();
    for partition in 0..options.partitions {
        consumers.insert(partition, transport.consumer(options.spec(partition)).await?);
    }
    let parts = Parts {
        transport,
        inbox,
        handler,
        options,
        metrics,
    };
    let mut loops = JoinSet::new();
    loops.spawn(supervisor::Supervisor::new(parts, leases, consumers).run(shutdown));
    Ok(loops)
}

/// Declares the consumer's durable consumer on every partition without running it, as a
/// provisioning command does before any replica starts; returns the durable names. Idempotent:
/// a consumer that exists keeps its position.
pub async fn declare(transport: &dyn Transport, options: &ConsumerOptions) -> Result<Vec<String>, Error> {
    let mut names = Vec::with_capacity(options.partitions as usize);
    for partition in 0..options.partitions {
        let spec = options.spec(partition);
        names.push(spec.durable_name.clone());
        transport.consumer(spec).await?;
    }
    Ok(names)
}

/// Messages the consumer has not yet had acknowledged, summed over its partitions: not yet
/// delivered, or delivered and not yet acknowledged. Declares the durable consumers if they do
/// not exist (as [`declare`]). 0 means it has caught up with the stream as it stands.
pub async fn pending(transport: &dyn Transport, options: &ConsumerOptions) -> Result<u64, Error> {
    let mut pending = 0;
    for partition in 0..options.partitions {
        pending += transport.consumer(options.spec(partition)).await?.pending().await?;
    }
    Ok(pending)
}

/// What every loop of a consumer shares.
struct Parts<H> {
    transport: Arc<dyn Transport>,
    inbox: Arc<dyn Inbox>,
    handler: Arc<H>,
    options: ConsumerOptions,
    metrics: BusMetrics,
}

impl<H: Handler> Parts<H> {
    /// A new loop for one partition.
    fn worker(&self) -> Worker<H> {
        Worker {
            transport: self.transport.clone(),
            inbox: self.inbox.clone(),
            handler: self.handler.clone(),
            options: self.options.clone(),
            metrics: self.metrics.clone(),
            gaps: HashMap::new(),
            one_by_one_until: None,
        }
    }
}

struct Worker<H> {
    transport: Arc<dyn Transport>,
    inbox: Arc<dyn Inbox>,
    handler: Arc<H>,
    options: ConsumerOptions,
    metrics: BusMetrics,
    /// When each event now waiting for its predecessor was first put back.
    gaps: HashMap<Uuid, Instant>,
    /// After a batch failed as a whole, events are taken one at a time until then.
    one_by_one_until: Option<Instant>,
}

enum Verdict {
    Settle(Settlement),
    Ready(Box<Envelope>),
}

impl<H: Handler> Worker<H> {
    /// Pulls and processes batches until `stop` (after the fetch and batch in hand) or `halt` (at
    /// once, a fetch in progress abandoned; a batch in hand still finishes). Returns the handle.
    async fn run(
        mut self,
        mut consumer: Box<dyn Consumer>,
        stop: CancellationToken,
        halt: CancellationToken,
    ) -> Box<dyn Consumer> {
        let mut backoff = Duration::from_millis(50);
        while !stop.is_cancelled() && !halt.is_cancelled() {
            let batch_size = match self.one_by_one_until {
                Some(until) if Instant::now() < until => 1,
                _ => self.options.batch_size,
            };
            let fetched = tokio::select! {
                fetched = consumer.fetch(batch_size, self.options.fetch_wait) => fetched,
                () = halt.cancelled() => break,
            };
            let outcome = match fetched {
                Ok(deliveries) if deliveries.is_empty() => Ok(()),
                Ok(deliveries) => self.process(consumer.as_mut(), deliveries).await,
                Err(error) => Err(error.to_string()),
            };
            match outcome {
                Ok(()) => backoff = Duration::from_millis(50),
                Err(error) => {
                    tracing::warn!(consumer = %self.options.name, %error, "consumer batch failed; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        () = halt.cancelled() => break,
                        () = stop.cancelled() => break,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
        consumer
    }

    async fn process(&mut self, consumer: &mut dyn Consumer, deliveries: Vec<Delivery>) -> Result<(), String> {
        let mut settlements: Vec<(AckRef, Settlement)> = Vec::with_capacity(deliveries.len());
        let mut candidates: Vec<(Delivery, Envelope)> = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            match Envelope::from_message(&delivery.message) {
                Ok(envelope) => candidates.push((delivery, envelope)),
                Err(error) => {
                    self.dead_letter(&delivery.message, &format!("undecodable: {error}"))
                        .await?;
                    settlements.push((delivery.ack_ref, Settlement::Term));
                }
            }
        }
        // At most one event per case in a batch: the lowest sequence; the rest come back at once.
        candidates.sort_by_key(|(_, e)| (e.case_id, e.source_seq));
        let mut batch: Vec<(Delivery, Envelope)> = Vec::with_capacity(candidates.len());
        for (delivery, envelope) in candidates {
            if batch.last().is_some_and(|(_, last)| last.case_id == envelope.case_id) {
                settlements.push((delivery.ack_ref, Settlement::Nak(Duration::ZERO)));
            } else {
                batch.push((delivery, envelope));
            }
        }
        let keys: Vec<(Uuid, String)> = batch.iter().map(|(_, e)| (e.case_id, e.source.clone())).collect();
        let marks = self
            .inbox
            .marks(&self.options.name, &keys)
            .await
            .map_err(|error| format!("reading inbox marks: {error}"))?;
        let mut ready: Vec<(Delivery, Envelope)> = Vec::new();
        for (delivery, envelope) in batch {
            let mark = marks
                .get(&(envelope.case_id, envelope.source.clone()))
                .copied()
                .unwrap_or(0);
            match self.classify(mark, envelope, &delivery.message).await? {
                Verdict::Settle(settlement) => settlements.push((delivery.ack_ref, settlement)),
                Verdict::Ready(envelope) => ready.push((delivery, *envelope)),
            }
        }
        if !ready.is_empty() {
            // Long work (a slow store, a slow peer) must not outlast the acknowledgement wait:
            // every third of it, the deliveries in hand are told to wait again.
            let in_hand: Vec<AckRef> = ready.iter().map(|(delivery, _)| delivery.ack_ref.clone()).collect();
            let every = (self.options.ack_wait / 3).max(Duration::from_millis(10));
            let mut progress = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            let name = self.options.name.clone();
            let work = self.handle_ready(ready, &mut settlements);
            tokio::pin!(work);
            loop {
                tokio::select! {
                    done = &mut work => {
                        done?;
                        break;
                    }
                    _ = progress.tick() => {
                        let still_working = in_hand.iter().map(|r| (r.clone(), Settlement::Progress)).collect();
                        if let Err(error) = consumer.settle(still_working).await {
                            tracing::warn!(consumer = %name, %error, "telling the broker the work goes on failed");
                        }
                    }
                }
            }
        }
        crash::point("consumer.after_commit");
        consumer.settle(settlements).await.map_err(|error| error.to_string())
    }

    async fn classify(&mut self, mark: u64, envelope: Envelope, message: &Message) -> Result<Verdict, String> {
        if envelope.source_seq <= mark {
            self.metrics.events_duplicate.inc();
            self.gaps.remove(&envelope.event_id);
            return Ok(Verdict::Settle(Settlement::Ack));
        }
        if envelope.source_seq > mark + 1 {
            self.metrics.events_waiting_for_predecessor.inc();
            let first_seen = *self.gaps.entry(envelope.event_id).or_insert_with(Instant::now);
            if first_seen.elapsed() >= self.options.max_gap_wait {
                self.gaps.remove(&envelope.event_id);
                self.dead_letter(message, "predecessor_missing").await?;
                return Ok(Verdict::Settle(Settlement::Term));
            }
            return Ok(Verdict::Settle(Settlement::Nak(self.options.gap_retry)));
        }
        self.gaps.remove(&envelope.event_id);
        Ok(Verdict::Ready(Box::new(envelope)))
    }

    async fn handle_ready(
        &mut self,
        ready: Vec<(Delivery, Envelope)>,
        settlements: &mut Vec<(AckRef, Settlement)>,
    ) -> Result<(), String> {
        let handled: Vec<Envelope> = ready
            .iter()
            .filter(|(_, e)| self.handler.handles(e))
            .map(|(_, e)| e.clone())
            .collect();
        let state = match self.handler.load(&handled).await {
            Ok(state) => state,
            Err(error) => {
                // Not the events' fault (a store or a peer is unavailable): retry, uncounted.
                tracing::warn!(consumer = %self.options.name, %error, "loading state failed");
                for (delivery, _) in ready {
                    settlements.push((delivery.ack_ref, Settlement::Nak(self.options.failure_backoff)));
                }
                return Ok(());
            }
        };
        let mut accepted: Vec<(Delivery, Envelope, Vec<H::Effect>)> = Vec::with_capacity(ready.len());
        for (delivery, envelope) in ready {
            if !self.handler.handles(&envelope) {
                accepted.push((delivery, envelope, Vec::new()));
                continue;
            }
            match self.handler.decide(&state, &envelope) {
                Ok(effects) => accepted.push((delivery, envelope, effects)),
                Err(error) => {
                    let settlement = self.fail(&delivery.message, &envelope, &error.to_string()).await?;
                    settlements.push((delivery.ack_ref, settlement));
                }
            }
        }
        if accepted.is_empty() {
            return Ok(());
        }
        let count = accepted.len();
        let (deliveries, batch) = self.batch_of(accepted);
        match self.handler.apply(batch).await {
            Ok(()) => {
                self.metrics.events_consumed.inc_by(count as u64);
                settlements.extend(deliveries.into_iter().map(|d| (d.ack_ref, Settlement::Ack)));
                Ok(())
            }
            Err(error) if count == 1 => {
                let delivery = deliveries.into_iter().next().ok_or("an empty batch")?;
                let envelope = Envelope::from_message(&delivery.message).map_err(|e| e.to_string())?;
                let settlement = self.fail(&delivery.message, &envelope, &error.to_string()).await?;
                settlements.push((delivery.ack_ref, settlement));
                Ok(())
            }
            Err(error) => {
                // One event may spoil the batch: put them all back, each to be tried alone soon.
                tracing::warn!(consumer = %self.options.name, %error, "applying a batch failed; retrying its events");
                settlements.extend(
                    deliveries
                        .into_iter()
                        .map(|d| (d.ack_ref, Settlement::Nak(Duration::ZERO))),
                );
                self.one_by_one_until = Some(Instant::now() + Duration::from_secs(5));
                Ok(())
            }
        }
    }

    fn batch_of(&mut self, accepted: Vec<(Delivery, Envelope, Vec<H::Effect>)>) -> (Vec<Delivery>, Batch<H::Effect>) {
        let mut deliveries = Vec::with_capacity(accepted.len());
        let mut marks = Vec::with_capacity(accepted.len());
        let mut decided = Vec::new();
        for (delivery, envelope, effects) in accepted {
            marks.push(Mark {
                case_id: envelope.case_id,
                producer: envelope.source.clone(),
                seq: envelope.source_seq,
            });
            deliveries.push(delivery);
            if self.handler.handles(&envelope) {
                decided.push((envelope, effects));
            }
        }
        (
            deliveries,
            Batch {
                consumer: self.options.name.clone(),
                marks,
                decided,
            },
        )
    }

    async fn fail(&mut self, message: &Message, envelope: &Envelope, error: &str) -> Result<Settlement, String> {
        self.metrics.handler_failures.inc();
        let failures = self
            .inbox
            .record_failure(&self.options.name, envelope.event_id, error)
            .await
            .map_err(|e| format!("recording a failure: {e}"))?;
        tracing::warn!(consumer = %self.options.name, event_id = %envelope.event_id, failures, %error, "handler failed");
        if failures >= self.options.max_failures {
            self.dead_letter(message, &format!("handler_failed: {error}")).await?;
            return Ok(Settlement::Term);
        }
        let factor = 1u32 << failures.min(8);
        Ok(Settlement::Nak(self.options.failure_backoff * factor))
    }

    async fn dead_letter(&self, message: &Message, reason: &str) -> Result<(), String> {
        let tenant = message
            .header(headers::TENANT)
            .filter(|t| subjects::is_valid_tenant(t))
            .or_else(|| {
                message
                    .subject
                    .split('.')
                    .nth(1)
                    .filter(|t| subjects::is_valid_tenant(t))
            })
            .unwrap_or("unknown")
            .to_owned();
        let mut dead = message.clone();
        dead.subject = subjects::dead_letter(&tenant, &self.options.name);
        dead.msg_id = format!("dlq.{}.{}", self.options.name, message.msg_id);
        dead.headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case(headers::MSG_ID));
        dead.headers
            .push((headers::DLQ_REASON.to_owned(), reason.chars().take(500).collect()));
        dead.headers
            .push((headers::DLQ_CONSUMER.to_owned(), self.options.name.clone()));
        self.transport
            .publish(vec![dead])
            .await
            .map_err(|e| format!("dead-lettering: {e}"))?;
        self.metrics.messages_dead_lettered.inc();
        tracing::error!(consumer = %self.options.name, msg_id = %message.msg_id, reason, "message dead-lettered");
        Ok(())
    }
}
