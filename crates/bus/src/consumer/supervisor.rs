//! The supervisor of one consumer in one replica: holds partition leases and runs a loop on each
//! partition it holds (the protocol is in the documentation of [`crate::consumer`]).
//!
//! It is the only owner of the leases and the loops, so it needs no locks: a loop is a task in
//! its `JoinSet`, told to stop through its [`Control`], and gives its consumer handle back when
//! it ends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::{Id, JoinError, JoinSet};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{Handler, Parts, Worker};
use crate::leases::{self, Lease, Leases};
use crate::transport::Consumer;

/// How long a lease that never expires is held: far beyond any process's life.
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// How a partition stands in this replica.
enum Slot {
    /// Its lease is held and its loop runs.
    Running { lease: Lease, control: Control },
    /// Its lease is held and its loop was asked to stop; the lease is released once it has.
    Releasing { lease: Lease, control: Control },
    /// Its lease was lost; its loop is stopping, and there is nothing to release.
    Lost,
    /// Its lease is held, surely until `valid_until`, but no loop runs (the lease was just taken,
    /// the loop ended by itself, or its consumer could not be declared).
    Idle { lease: Lease, valid_until: Instant },
}

/// The supervisor's hold on one loop.
struct Control {
    /// Finish the fetch and the batch in hand, then end: a release.
    stop: CancellationToken,
    /// Stop pulling at once: a lost lease, the consumer's shutdown.
    halt: CancellationToken,
    /// Until when the lease is surely held; the loop halts by itself once this has passed.
    valid_until: watch::Sender<Instant>,
}

/// What the supervisor reacts to.
enum Event {
    /// Time to renew and rebalance.
    Tick,
    /// A loop ended.
    Ended(Ending),
}

/// How a loop task ended: its partition and consumer handle, or why it failed.
type Ending = Result<(Id, (u32, Box<dyn Consumer>)), JoinError>;

/// One consumer's leases and loops in this replica.
pub(super) struct Supervisor<H> {
    parts: Parts<H>,
    leases: Arc<dyn Leases>,
    /// This replica's identity in lease values and its membership.
    replica: String,
    slots: HashMap<u32, Slot>,
    /// Declared consumer handles of partitions whose loop does not run.
    consumers: HashMap<u32, Box<dyn Consumer>>,
    loops: JoinSet<(u32, Box<dyn Consumer>)>,
    /// The partition of each loop task.
    tasks: HashMap<Id, u32>,
    /// Shutting down: the loops are ending and no partition is taken any more.
    draining: bool,
}

impl<H: Handler> Supervisor<H> {
    pub(super) fn new(parts: Parts<H>, leases: Arc<dyn Leases>, consumers: HashMap<u32, Box<dyn Consumer>>) -> Self {
        Self {
            parts,
            leases,
            replica: Uuid::now_v7().to_string(),
            slots: HashMap::new(),
            consumers,
            loops: JoinSet::new(),
            tasks: HashMap::new(),
            draining: false,
        }
    }

    /// Renews, rebalances and runs loops until `shutdown`, then stops the loops, waits for them,
    /// releases the leases and leaves.
    pub(super) async fn run(mut self, shutdown: CancellationToken) {
        tracing::info!(consumer = %self.parts.options.name, replica = %self.replica, "consumer replica started");
        let mut ticks = tokio::time::interval(self.parts.options.lease_renew);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            // Shutdown first: a loop that ended because of it must find its slot `Releasing`.
            let event = tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                Some(ended) = self.loops.join_next_with_id() => Event::Ended(ended),
                _ = ticks.tick() => Event::Tick,
            };
            match event {
                Event::Tick => self.tick(&shutdown).await,
                Event::Ended(ended) => self.ended(ended).await,
            }
        }
        self.stop_all();
        self.draining = true;
        while !self.loops.is_empty() {
            // The loops finish their batches; their leases stay renewed meanwhile.
            let event = tokio::select! {
                Some(ended) = self.loops.join_next_with_id() => Event::Ended(ended),
                _ = ticks.tick() => Event::Tick,
            };
            match event {
                Event::Tick => self.renew().await,
                Event::Ended(ended) => self.ended(ended).await,
            }
        }
        // Every lease and the membership at once: a broker that does not answer costs one request
        // timeout, not one per partition.
        let held: Vec<Lease> = std::mem::take(&mut self.slots)
            .into_values()
            .filter_map(|slot| match slot {
                Slot::Idle { lease, .. } | Slot::Running { lease, .. } | Slot::Releasing { lease, .. } => Some(lease),
                Slot::Lost => None,
            })
            .collect();
        let name = &self.parts.options.name;
        let leave = async {
            if let Err(error) = self.leases.leave(name, &self.replica).await {
                tracing::warn!(consumer = %name, replica = %self.replica, %error, "leaving failed; the membership will expire");
            }
        };
        let releases = futures::future::join_all(held.into_iter().map(|lease| self.release(lease)));
        tokio::join!(releases, leave);
        tracing::info!(consumer = %name, replica = %self.replica, "consumer replica stopped");
    }

    /// One round: membership, renewals, then the share of partitions.
    async fn tick(&mut self, shutdown: &CancellationToken) {
        let name = self.parts.options.name.clone();
        if let Err(error) = self.leases.join(&name, &self.replica).await {
            tracing::warn!(consumer = %name, replica = %self.replica, %error, "renewing the membership failed");
        }
        self.renew().await;
        let members = match self.leases.members(&name).await {
            Ok(members) => members,
            Err(error) => {
                tracing::warn!(consumer = %name, %error, "counting the replicas failed; partitions stay as they are");
                return;
            }
        };
        let share = leases::share(self.parts.options.partitions, &members, &self.replica);
        let mut held: Vec<u32> = self
            .slots
            .iter()
            .filter(|(_, slot)| matches!(slot, Slot::Running { .. } | Slot::Idle { .. }))
            .map(|(partition, _)| *partition)
            .collect();
        held.sort_unstable();
        let share = usize::try_from(share).unwrap_or(usize::MAX);
        if held.len() > share {
            for partition in held.split_off(share) {
                self.give_up(partition).await;
            }
        }
        for partition in held {
            if matches!(self.slots.get(&partition), Some(Slot::Idle { .. })) {
                self.start_loop(partition, shutdown).await;
            }
        }
        self.take_free(share, shutdown).await;
    }

    /// Takes partitions nobody holds until this replica holds `share`.
    async fn take_free(&mut self, share: usize, shutdown: &CancellationToken) {
        let name = self.parts.options.name.clone();
        for partition in 0..self.parts.options.partitions {
            let held = self
                .slots
                .values()
                .filter(|slot| matches!(slot, Slot::Running { .. } | Slot::Idle { .. }))
                .count();
            if held >= share {
                return;
            }
            if self.slots.contains_key(&partition) {
                continue;
            }
            let asked_at = Instant::now();
            match self.leases.take(&name, partition, &self.replica).await {
                Ok(lease) => {
                    tracing::info!(consumer = %name, partition, replica = %self.replica, "partition lease taken");
                    let valid_until = self.valid_until(asked_at);
                    self.slots.insert(partition, Slot::Idle { lease, valid_until });
                    self.start_loop(partition, shutdown).await;
                }
                Err(leases::Error::Held { .. }) => {}
                Err(error) => {
                    tracing::warn!(consumer = %name, partition, %error, "taking a partition lease failed");
                    return;
                }
            }
        }
    }

    /// Renews every lease held, all at once; a loop whose renewal failed halts at once.
    async fn renew(&mut self) {
        let asked_at = Instant::now();
        let leases = self.leases.clone();
        let renewals = self.slots.iter_mut().filter_map(|(partition, slot)| match slot {
            Slot::Running { lease, .. } | Slot::Releasing { lease, .. } | Slot::Idle { lease, .. } => {
                let leases = leases.clone();
                Some(async move { (*partition, leases.renew(lease).await) })
            }
            Slot::Lost => None,
        });
        let outcomes = futures::future::join_all(renewals).await;
        let valid_until = self.valid_until(asked_at);
        for (partition, outcome) in outcomes {
            match outcome {
                Ok(()) => match self.slots.get_mut(&partition) {
                    Some(Slot::Running { control, .. } | Slot::Releasing { control, .. }) => {
                        control.valid_until.send_replace(valid_until);
                    }
                    Some(Slot::Idle { valid_until: until, .. }) => *until = valid_until,
                    Some(Slot::Lost) | None => {}
                },
                Err(error) => {
                    tracing::warn!(consumer = %self.parts.options.name, partition, %error, "partition lease lost; its loop stops");
                    self.lose(partition);
                }
            }
        }
    }

    /// How long a lease renewed (or taken) by a request sent at `asked_at` is surely held: its
    /// time to live less one renewal interval, a margin for requests that are slow to answer.
    /// Leases that never expire (the embedded log's) are held for good.
    fn valid_until(&self, asked_at: Instant) -> Instant {
        let options = &self.parts.options;
        match self.leases.ttl() {
            Some(_) => asked_at + options.lease_ttl.saturating_sub(options.lease_renew),
            None => asked_at + FOREVER,
        }
    }

    /// Forgets a lost lease and halts its loop; the partition may be taken again once the loop
    /// has ended.
    fn lose(&mut self, partition: u32) {
        match self.slots.remove(&partition) {
            Some(Slot::Running { control, .. } | Slot::Releasing { control, .. }) => {
                control.halt.cancel();
                self.slots.insert(partition, Slot::Lost);
            }
            Some(Slot::Lost) => {
                self.slots.insert(partition, Slot::Lost);
            }
            Some(Slot::Idle { .. }) | None => {}
        }
    }

    /// Releases a partition: its loop finishes its batch, then the lease goes.
    async fn give_up(&mut self, partition: u32) {
        tracing::info!(consumer = %self.parts.options.name, partition, "releasing a partition to another replica");
        match self.slots.remove(&partition) {
            Some(Slot::Running { lease, control }) => {
                control.stop.cancel();
                self.slots.insert(partition, Slot::Releasing { lease, control });
            }
            Some(Slot::Idle { lease, .. }) => self.release(lease).await,
            Some(other) => {
                self.slots.insert(partition, other);
            }
            None => {}
        }
    }

    /// On shutdown: every loop halts; every lease goes once its loop has ended.
    fn stop_all(&mut self) {
        for (partition, slot) in std::mem::take(&mut self.slots) {
            let slot = match slot {
                Slot::Running { lease, control } | Slot::Releasing { lease, control } => {
                    control.halt.cancel();
                    Slot::Releasing { lease, control }
                }
                other => other,
            };
            self.slots.insert(partition, slot);
        }
    }

    /// Deletes a lease whose loop has ended.
    async fn release(&self, lease: Lease) {
        let (name, partition) = (&self.parts.options.name, lease.partition);
        match self.leases.release(lease).await {
            Ok(()) => tracing::info!(consumer = %name, partition, "partition lease released"),
            Err(error) => {
                tracing::warn!(consumer = %name, partition, %error, "releasing a partition lease failed; it will expire")
            }
        }
    }

    /// Starts the loop of a partition whose lease is held (slot `Idle`); it stays `Idle` when its
    /// consumer cannot be declared.
    async fn start_loop(&mut self, partition: u32, shutdown: &CancellationToken) {
        let consumer = match self.consumers.remove(&partition) {
            Some(consumer) => consumer,
            None => match self.parts.transport.consumer(self.parts.options.spec(partition)).await {
                Ok(consumer) => consumer,
                Err(error) => {
                    tracing::warn!(consumer = %self.parts.options.name, partition, %error, "declaring a partition's consumer failed");
                    return;
                }
            },
        };
        let Some(Slot::Idle { lease, valid_until }) = self.slots.remove(&partition) else {
            self.consumers.insert(partition, consumer);
            return;
        };
        let control = Control {
            stop: CancellationToken::new(),
            halt: shutdown.child_token(),
            valid_until: watch::Sender::new(valid_until),
        };
        let task = guarded(
            partition,
            self.parts.worker(),
            consumer,
            control.stop.clone(),
            control.halt.clone(),
            control.valid_until.subscribe(),
        );
        let handle = self.loops.spawn(async move { (partition, task.await) });
        self.tasks.insert(handle.id(), partition);
        self.slots.insert(partition, Slot::Running { lease, control });
    }

    /// A loop ended: keep its handle, then release its lease, forget it, or restart it.
    async fn ended(&mut self, ended: Ending) {
        let partition = match ended {
            Ok((id, (partition, consumer))) => {
                self.tasks.remove(&id);
                self.consumers.insert(partition, consumer);
                partition
            }
            Err(error) => {
                let Some(partition) = self.tasks.remove(&error.id()) else {
                    return;
                };
                tracing::error!(consumer = %self.parts.options.name, partition, %error, "a partition's loop failed");
                partition
            }
        };
        match self.slots.remove(&partition) {
            // Draining: released with the others once every loop has ended.
            Some(Slot::Releasing { lease, control }) if self.draining => {
                let valid_until = *control.valid_until.borrow();
                self.slots.insert(partition, Slot::Idle { lease, valid_until });
            }
            Some(Slot::Releasing { lease, .. }) => self.release(lease).await,
            // It halted by itself: its lease went unrenewed too long and may be someone else's.
            Some(Slot::Running { control, .. }) if control.halt.is_cancelled() => {}
            Some(Slot::Running { lease, control }) => {
                let valid_until = *control.valid_until.borrow();
                self.slots.insert(partition, Slot::Idle { lease, valid_until });
            }
            Some(Slot::Lost) | None => {}
            Some(idle @ Slot::Idle { .. }) => {
                self.slots.insert(partition, idle);
            }
        }
    }
}

/// Runs a partition's loop, halting it once its lease has gone unrenewed past `valid_until`.
async fn guarded<H: Handler>(
    partition: u32,
    worker: Worker<H>,
    consumer: Box<dyn Consumer>,
    stop: CancellationToken,
    halt: CancellationToken,
    valid_until: watch::Receiver<Instant>,
) -> Box<dyn Consumer> {
    let name = worker.options.name.clone();
    let run = worker.run(consumer, stop, halt.clone());
    tokio::pin!(run);
    tokio::select! {
        consumer = &mut run => consumer,
        () = watchdog(valid_until, halt) => {
            tracing::warn!(consumer = %name, partition, "a partition lease went unrenewed too long; its loop stops");
            run.await
        }
    }
}

/// Cancels `halt` once the instant in `valid_until` has passed without being moved, and returns;
/// never returns when `halt` is cancelled otherwise (the loop ends then anyway).
async fn watchdog(mut valid_until: watch::Receiver<Instant>, halt: CancellationToken) {
    loop {
        let deadline = *valid_until.borrow_and_update();
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => {
                if *valid_until.borrow() <= Instant::now() {
                    halt.cancel();
                    return;
                }
            }
            changed = valid_until.changed() => {
                if changed.is_err() {
                    // The supervisor is gone, and its loops are aborted with it.
                    return std::future::pending().await;
                }
            }
            () = halt.cancelled() => return std::future::pending().await,
        }
    }
}
