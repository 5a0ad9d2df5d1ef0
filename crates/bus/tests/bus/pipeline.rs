//! The pipeline suite (order, duplicates, catch-up, poison, gaps) on the embedded log.

use std::sync::Arc;

use bus::Transport;
use bus::conformance::pipeline;
use bus::conformance::transport::TransportFactory;

use crate::factory::EmbeddedFactory;

async fn fresh(factory: &EmbeddedFactory) -> Arc<dyn Transport> {
    Arc::from(factory.fresh().await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_holds_per_case_with_batches() {
    let factory = EmbeddedFactory::new();
    pipeline::order_holds_per_case_with_batches(fresh(&factory).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivery_changes_nothing() {
    let factory = EmbeddedFactory::new();
    pipeline::redelivery_changes_nothing(fresh(&factory).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_was_down_catches_up() {
    let factory = EmbeddedFactory::new();
    pipeline::a_consumer_that_was_down_catches_up(fresh(&factory).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_message_is_dead_lettered_and_counted() {
    let factory = EmbeddedFactory::new();
    pipeline::a_poison_message_is_dead_lettered_and_counted(fresh(&factory).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_a_predecessor_is_not_a_failure() {
    let factory = EmbeddedFactory::new();
    pipeline::waiting_for_a_predecessor_is_not_a_failure(fresh(&factory).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_work_keeps_its_deliveries() {
    let factory = EmbeddedFactory::new();
    pipeline::long_work_keeps_its_deliveries(fresh(&factory).await).await;
}
