//! Investigation's wiring: its store, the consumer of routing's events, gRPC, the outbox relay.

use std::net::SocketAddr;
use std::sync::Arc;

use bus::consumer::ConsumerOptions;
use prometheus_client::registry::Registry;
use rpc::investigation::v1::investigation_server::InvestigationServer;
use runtime::{BoxError, HostConfig, Platform, ServiceHost};
use tokio_util::sync::CancellationToken;

use crate::act::Casework;
use crate::directory::{Directories, DirectoryHandler, WithDirectory};
use crate::grpc::InvestigationGrpc;
use crate::handler::InvestigationHandler;
use crate::store::MIGRATIONS;

/// Where investigation keeps its data and listens.
pub type Config = HostConfig;

/// A built investigation service.
pub struct App {
    host: ServiceHost,
    calendars: Arc<calendar::Registry>,
    timer_metrics: crate::timers::TimerMetrics,
    /// How often due timers are looked for.
    pub timer_tick: std::time::Duration,
}

impl App {
    /// Opens the store and binds the gRPC listener.
    pub async fn build(
        config: Config,
        platform: Platform,
        calendars: Arc<calendar::Registry>,
        registry: &mut Registry,
    ) -> Result<Self, BoxError> {
        let host = ServiceHost::build(&config, MIGRATIONS, false, platform, registry).await?;
        Ok(Self {
            host,
            timer_metrics: crate::timers::TimerMetrics::register(registry),
            calendars,
            timer_tick: std::time::Duration::from_millis(500),
        })
    }

    /// Where gRPC listens.
    pub fn addr(&self) -> SocketAddr {
        self.host.addr()
    }

    /// Consumes, serves and relays until `shutdown`; then drains and closes.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> Result<(), BoxError> {
        let mut host = self.host;
        let clock = host.platform.clock.clone();
        let directories = Arc::new(Directories::new(host.db.clone()));
        match crate::timers::recompute_provisional(&host.db, clock.as_ref(), &self.calendars).await {
            Ok(0) => {}
            Ok(moved) => tracing::info!(moved, "provisional deadlines recomputed with the loaded calendars"),
            Err(error) => tracing::error!(%error, "recomputing provisional deadlines failed"),
        }
        host.spawn(crate::timers::run(
            host.db.clone(),
            clock,
            directories.clone(),
            self.timer_metrics.clone(),
            self.timer_tick,
            shutdown.clone(),
        ));
        let handler = Arc::new(WithDirectory {
            main: InvestigationHandler {
                db: host.db.clone(),
                clock: host.platform.clock.clone(),
                calendars: self.calendars.clone(),
            },
            directory: DirectoryHandler {
                db: host.db.clone(),
                directories: directories.clone(),
            },
        });
        let options = ConsumerOptions::new(crate::SERVICE, crate::CONSUMES, host.platform.partitions);
        let casework = Arc::new(Casework {
            db: host.db.clone(),
            clock: host.platform.clock.clone(),
            calendars: self.calendars.clone(),
            directories,
        });
        let service = InvestigationServer::new(InvestigationGrpc { casework });
        let name = "redress.investigation.v1.Investigation";
        host.serve_consuming(handler, options, name, |r| r.add_service(service), shutdown)
            .await
    }
}
