//! Investigation's wiring: store, consumer of routing's events, gRPC, outbox relay.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bus::consumer::ConsumerOptions;
use bus::metrics::BusMetrics;
use prometheus_client::registry::Registry;
use rpc::investigation::v1::investigation_server::InvestigationServer;
use runtime::{BoxError, Platform};
use store::{Db, OpenOptions};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::grpc::InvestigationGrpc;
use crate::handler::InvestigationHandler;
use crate::store::MIGRATIONS;

/// Where investigation keeps its data and listens.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_path: PathBuf,
    pub grpc_addr: SocketAddr,
    pub fsync_full: bool,
}

/// A built investigation service.
pub struct App {
    listener: TcpListener,
    addr: SocketAddr,
    db: Db,
    platform: Platform,
    calendars: Arc<calendar::Registry>,
    metrics: BusMetrics,
}

impl App {
    /// Opens the store and binds the gRPC listener.
    pub async fn build(
        config: Config,
        platform: Platform,
        calendars: Arc<calendar::Registry>,
        registry: &mut Registry,
    ) -> Result<Self, BoxError> {
        let db = Db::open(
            &config.database_path,
            MIGRATIONS,
            OpenOptions {
                fsync_full: config.fsync_full,
                secure_delete: false,
            },
        )
        .await?;
        let (listener, addr) = runtime::grpc::bind(config.grpc_addr).await?;
        Ok(Self {
            listener,
            addr,
            db,
            platform,
            calendars,
            metrics: BusMetrics::register(registry),
        })
    }

    /// Where gRPC listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Consumes, serves and relays until `shutdown`; then drains and closes.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> Result<(), BoxError> {
        let relay = runtime::spawn_relay(&self.db, &self.platform, self.metrics.clone(), shutdown.clone());
        let handler = Arc::new(InvestigationHandler {
            db: self.db.clone(),
            clock: self.platform.clock.clone(),
            calendars: self.calendars.clone(),
        });
        let options = ConsumerOptions::new(crate::SERVICE, &["routing"], self.platform.partitions);
        let consumers = runtime::start_consumer(
            &self.db,
            &self.platform,
            handler,
            options,
            self.metrics.clone(),
            shutdown.clone(),
        )
        .await?;
        let service = InvestigationServer::new(InvestigationGrpc { db: self.db.clone() });
        runtime::grpc::serve(
            self.listener,
            "redress.investigation.v1.Investigation",
            |router| router.add_service(service),
            shutdown,
        )
        .await?;
        consumers.join_all().await;
        let _ = relay.await;
        self.db.close().await;
        Ok(())
    }
}
