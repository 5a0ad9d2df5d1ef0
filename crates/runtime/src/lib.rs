//! What every service process needs and no service owns: the shared parts of an `App`
//! ([`Platform`]: transport, clock, partitions), serving gRPC with the standard health
//! service on a bound listener ([`grpc`]), reading the tenant from gRPC metadata, mapping
//! domain error codes to gRPC statuses, and running the outbox relay of a store.
//!
//! It knows no particular service; services depend on it, never the other way round.

pub mod grpc;
pub mod host;

pub use host::{HostConfig, ServiceHost};

use std::sync::Arc;

use bus::Transport;
use bus::metrics::BusMetrics;
use bus::relay::{self, RelayOptions};
use domain::Clock;
use store::{Db, StoreOutbox};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What the services of one process share.
#[derive(Clone)]
pub struct Platform {
    pub transport: Arc<dyn Transport>,
    pub clock: Arc<dyn Clock>,
    /// Partitions of every subject; fixed per deployment.
    pub partitions: u32,
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform")
            .field("transport", &self.transport.kind())
            .field("partitions", &self.partitions)
            .finish()
    }
}

/// Starts the outbox relay of `db` on the platform's transport.
pub fn spawn_relay(db: &Db, platform: &Platform, metrics: BusMetrics, shutdown: CancellationToken) -> JoinHandle<()> {
    let options = RelayOptions {
        partitions: platform.partitions,
        ..RelayOptions::default()
    };
    tokio::spawn(relay::run(
        Arc::new(StoreOutbox::new(db.clone())),
        platform.transport.clone(),
        db.committed(),
        options,
        metrics,
        shutdown,
    ))
}

/// A service's metrics registry, with every name prefixed by the service.
pub fn registry(service: &str) -> prometheus_client::registry::Registry {
    prometheus_client::registry::Registry::with_prefix(service)
}

/// Any startup or shutdown failure, where callers only report it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Declares and starts a service's consumer on the platform's transport, with the inbox in `db`.
pub async fn start_consumer<H: bus::consumer::Handler>(
    db: &Db,
    platform: &Platform,
    handler: Arc<H>,
    options: bus::consumer::ConsumerOptions,
    metrics: BusMetrics,
    shutdown: CancellationToken,
) -> Result<tokio::task::JoinSet<()>, BoxError> {
    let inbox = Arc::new(store::StoreInbox(db.clone()));
    Ok(bus::consumer::start(platform.transport.clone(), inbox, handler, options, metrics, shutdown).await?)
}
