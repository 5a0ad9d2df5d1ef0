//! Routing's wiring: its store, the consumer of intake's events, gRPC, the outbox relay.

use std::net::SocketAddr;
use std::sync::Arc;

use bus::consumer::ConsumerOptions;
use prometheus_client::registry::Registry;
use rpc::routing::v1::routing_server::RoutingServer;
use runtime::{BoxError, HostConfig, Platform, ServiceHost};
use tokio_util::sync::CancellationToken;

use crate::grpc::RoutingGrpc;
use crate::handler::RoutingHandler;
use crate::store::MIGRATIONS;

/// How often due take and acknowledgement timers are looked for.
const TIMER_TICK: std::time::Duration = std::time::Duration::from_millis(500);

/// Where routing keeps its data and listens.
pub type Config = HostConfig;

/// A built routing service.
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

    /// Consumes, serves and relays until `shutdown`; then drains and closes.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> Result<(), BoxError> {
        let mut host = self.host;
        host.spawn(crate::timers::run(
            host.db.clone(),
            host.platform.clock.clone(),
            TIMER_TICK,
            shutdown.clone(),
        ));
        let handler = Arc::new(RoutingHandler {
            db: host.db.clone(),
            clock: host.platform.clock.clone(),
        });
        let options = ConsumerOptions::new(crate::SERVICE, crate::CONSUMES, host.platform.partitions);
        let service = RoutingServer::new(RoutingGrpc {
            db: host.db.clone(),
            clock: host.platform.clock.clone(),
        });
        host.serve_consuming(
            handler,
            options,
            "redress.routing.v1.Routing",
            |r| r.add_service(service),
            shutdown,
        )
        .await
    }
}
