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

mod consuming;
mod publishing;
mod scope;
mod settling;

use std::time::Duration;

use async_trait::async_trait;

pub use self::consuming::{
    durable_cursor_survives_redeclare, durable_state_survives_restart, fetch_waits_then_returns,
    independent_consumers_each_get_everything, large_batch_arrives_complete_and_in_order, pending_counts,
    shared_durable_splits_work,
};
pub use self::publishing::{deduplicates_by_message_id, filter_subjects_select_messages, publish_then_fetch};
pub use self::settling::{
    acked_is_not_redelivered, max_deliver_caps_deliveries, nak_delays_redelivery, progress_extends_ack_wait,
    term_stops_delivery, unacked_is_redelivered_after_ack_wait,
};
use crate::transport::Transport;

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
