//! Analytics' wiring: its store, the consumer of every producer's events, gRPC.

use std::net::SocketAddr;
use std::sync::Arc;

use bus::consumer::ConsumerOptions;
use prometheus_client::registry::Registry;
use rpc::analytics::v1::analytics_server::AnalyticsServer;
use runtime::{BoxError, HostConfig, Platform, ServiceHost};
use tokio_util::sync::CancellationToken;

use crate::grpc::AnalyticsGrpc;
use crate::handler::AnalyticsHandler;
use crate::store::MIGRATIONS;

/// Where analytics keeps its data and listens.
pub type Config = HostConfig;

/// A built analytics service.
pub struct App {
    host: ServiceHost,
    /// How often the filing calendar is looked at (decision 0012).
    reminders_every: std::time::Duration,
}

impl App {
    /// Opens the store and binds the gRPC listener.
    pub async fn build(config: Config, platform: Platform, registry: &mut Registry) -> Result<Self, BoxError> {
        Ok(Self {
            host: ServiceHost::build(&config, MIGRATIONS, false, platform, registry).await?,
            reminders_every: std::time::Duration::from_secs(60),
        })
    }

    /// Looks at the filing calendar this often (60 s by default).
    pub fn reminders_every(mut self, every: std::time::Duration) -> Self {
        self.reminders_every = every;
        self
    }

    /// Where gRPC listens.
    pub fn addr(&self) -> SocketAddr {
        self.host.addr()
    }

    /// Consumes and serves until `shutdown`; then drains and closes.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> Result<(), BoxError> {
        let mut host = self.host;
        host.spawn(reminders(
            host.db.clone(),
            host.platform.clock.clone(),
            self.reminders_every,
            shutdown.clone(),
        ));
        let handler = Arc::new(AnalyticsHandler {
            db: host.db.clone(),
            clock: host.platform.clock.clone(),
        });
        let options = ConsumerOptions::new(crate::SERVICE, crate::CONSUMES, host.platform.partitions);
        let service = AnalyticsServer::new(AnalyticsGrpc {
            db: host.db.clone(),
            clock: host.platform.clock.clone(),
        });
        host.serve_consuming(
            handler,
            options,
            "redress.analytics.v1.Analytics",
            |r| r.add_service(service),
            shutdown,
        )
        .await
    }
}

/// The filing calendar's loop: raises what is due, until `shutdown`.
async fn reminders(
    db: store::Db,
    clock: Arc<dyn domain::Clock>,
    every: std::time::Duration,
    shutdown: CancellationToken,
) {
    loop {
        if let Err(error) = crate::filings::remind(&db, clock.now()).await {
            tracing::warn!(%error, "the filing calendar could not be read; trying again");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
