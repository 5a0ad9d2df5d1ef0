//! The transport conformance suite on the embedded log, one test per check.

use bus::conformance::transport;

use crate::factory::EmbeddedFactory;

macro_rules! checks {
    ($($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                transport::$check(&EmbeddedFactory::new()).await;
            }
        )*
    };
}

checks!(
    publish_then_fetch,
    deduplicates_by_message_id,
    filter_subjects_select_messages,
    acked_is_not_redelivered,
    unacked_is_redelivered_after_ack_wait,
    nak_delays_redelivery,
    progress_extends_ack_wait,
    term_stops_delivery,
    max_deliver_caps_deliveries,
    durable_cursor_survives_redeclare,
    durable_state_survives_restart,
    independent_consumers_each_get_everything,
    shared_durable_splits_work,
    fetch_waits_then_returns,
    pending_counts,
    large_batch_arrives_complete_and_in_order,
);

/// The whole suite in one go, as another transport's test binary would run it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_all_passes() {
    transport::run_all(&EmbeddedFactory::new()).await;
}
