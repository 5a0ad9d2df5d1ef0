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
}

impl App {
    /// Opens the store and binds the gRPC listener.
    pub async fn build(config: Config, platform: Platform, registry: &mut Registry) -> Result<Self, BoxError> {
        Ok(Self {
            host: ServiceHost::build(&config, MIGRATIONS, false, platform, registry).await?,
        })
    }

    /// Where gRPC listens.
    pub fn addr(&self) -> SocketAddr {
        self.host.addr()
    }

    /// Consumes and serves until `shutdown`; then drains and closes.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> Result<(), BoxError> {
        let host = self.host;
        let handler = Arc::new(AnalyticsHandler {
            db: host.db.clone(),
            clock: host.platform.clock.clone(),
        });
        let options = ConsumerOptions::new(crate::SERVICE, crate::CONSUMES, host.platform.partitions);
        let service = AnalyticsServer::new(AnalyticsGrpc { db: host.db.clone() });
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
