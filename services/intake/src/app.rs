//! Intake's wiring: store, cipher, calendars, gRPC listener, outbox relay.

use std::net::SocketAddr;
use std::sync::Arc;

use bus::metrics::BusMetrics;
use prometheus_client::registry::Registry;
use rpc::intake::v1::intake_server::IntakeServer;
use runtime::Platform;
use store::{Db, OpenOptions};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::cipher::DefaultCipher;
use crate::config::Config;
use crate::grpc::IntakeGrpc;
use crate::register::Desk;
use crate::store::MIGRATIONS;

/// A built intake service, listening but not yet serving.
pub struct App {
    listener: TcpListener,
    addr: SocketAddr,
    db: Db,
    desk: Arc<Desk>,
    platform: Platform,
    metrics: BusMetrics,
}

impl App {
    /// Opens the store, loads the key and binds the gRPC listener.
    pub async fn build(
        config: Config,
        platform: Platform,
        calendars: Arc<calendar::Registry>,
        registry: &mut Registry,
    ) -> Result<Self, runtime::BoxError> {
        let db = Db::open(
            &config.database_path,
            MIGRATIONS,
            OpenOptions {
                fsync_full: config.fsync_full,
                secure_delete: true,
            },
        )
        .await?;
        let cipher = DefaultCipher::from_key_file(&config.key_path)?;
        let (listener, addr) = runtime::grpc::bind(config.grpc_addr).await?;
        let metrics = BusMetrics::register(registry);
        let desk = Arc::new(Desk {
            db: db.clone(),
            cipher: Arc::new(cipher),
            clock: platform.clock.clone(),
            calendars,
            calendar_id: config.calendar_id,
            policy: config.policy,
            auto_accept: config.auto_accept,
        });
        Ok(Self {
            listener,
            addr,
            db,
            desk,
            platform,
            metrics,
        })
    }

    /// Where gRPC listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown`, then drains the relay and closes the store.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> Result<(), runtime::BoxError> {
        let relay = runtime::spawn_relay(&self.db, &self.platform, self.metrics.clone(), shutdown.clone());
        let service = IntakeServer::new(IntakeGrpc {
            desk: self.desk.clone(),
        });
        runtime::grpc::serve(
            self.listener,
            "redress.intake.v1.Intake",
            |router| router.add_service(service),
            shutdown,
        )
        .await?;
        let _ = relay.await;
        self.db.close().await;
        Ok(())
    }
}
