//! The bus's metrics, registered in the owning service's registry under its prefix.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;

/// Counters of one service's bus traffic (`<service>_events_published_total`, …).
#[derive(Debug, Clone, Default)]
pub struct BusMetrics {
    pub events_published: Counter,
    pub events_consumed: Counter,
    pub events_duplicate: Counter,
    pub events_waiting_for_predecessor: Counter,
    pub handler_failures: Counter,
    pub messages_dead_lettered: Counter,
}

impl BusMetrics {
    /// New metrics registered in `registry` (already prefixed with the service's name).
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self::default();
        registry.register(
            "events_published",
            "Events the outbox relay published",
            metrics.events_published.clone(),
        );
        registry.register(
            "events_consumed",
            "Events applied by this service's consumers",
            metrics.events_consumed.clone(),
        );
        registry.register(
            "events_duplicate",
            "Redelivered events recognised as duplicates",
            metrics.events_duplicate.clone(),
        );
        registry.register(
            "events_waiting_for_predecessor",
            "Deliveries put back because an earlier event of the same case had not arrived",
            metrics.events_waiting_for_predecessor.clone(),
        );
        registry.register(
            "handler_failures",
            "Handler errors counted towards the poison limit",
            metrics.handler_failures.clone(),
        );
        registry.register(
            "messages_dead_lettered",
            "Messages moved to the dead-letter subject",
            metrics.messages_dead_lettered.clone(),
        );
        metrics
    }
}
