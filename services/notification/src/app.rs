//! Notification's wiring: store, consumer of intake's events, gRPC, outbox relay.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bus::consumer::ConsumerOptions;
use bus::metrics::BusMetrics;
use prometheus_client::registry::Registry;
use rpc::intake::v1::intake_client::IntakeClient;
use rpc::notification::v1::notification_server::NotificationServer;
use runtime::{BoxError, Platform};
use store::{Db, OpenOptions};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::grpc::NotificationGrpc;
use crate::handler::NotificationHandler;
use crate::store::MIGRATIONS;

/// Where notification keeps its data and listens.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_path: PathBuf,
    pub grpc_addr: SocketAddr,
    pub fsync_full: bool,
    /// Where intake's gRPC listens (`http://127.0.0.1:PORT`).
    pub intake_url: String,
    /// The organisation's contact line printed on notices.
    pub contact_line: String,
}

/// A built notification service.
pub struct App {
    listener: TcpListener,
    addr: SocketAddr,
    db: Db,
    platform: Platform,
    config: Config,
    metrics: BusMetrics,
}

impl App {
    /// Opens the store and binds the gRPC listener.
    pub async fn build(config: Config, platform: Platform, registry: &mut Registry) -> Result<Self, BoxError> {
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
            config,
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
        let channel = tonic::transport::Endpoint::from_shared(self.config.intake_url.clone())?
            .connect_timeout(std::time::Duration::from_secs(5))
            .connect_lazy();
        let handler = Arc::new(NotificationHandler {
            db: self.db.clone(),
            clock: self.platform.clock.clone(),
            intake: IntakeClient::new(channel),
            contact_line: self.config.contact_line.clone(),
        });
        let options = ConsumerOptions::new(crate::SERVICE, &["intake"], self.platform.partitions);
        let consumers = runtime::start_consumer(
            &self.db,
            &self.platform,
            handler,
            options,
            self.metrics.clone(),
            shutdown.clone(),
        )
        .await?;
        let service = NotificationServer::new(NotificationGrpc { db: self.db.clone() });
        runtime::grpc::serve(
            self.listener,
            "redress.notification.v1.Notification",
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
