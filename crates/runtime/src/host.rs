//! [`ServiceHost`]: the store, the gRPC listener, the outbox relay and (for services that
//! consume) the consumer loops of one service, started and drained in one place.

use std::net::SocketAddr;
use std::sync::Arc;

use bus::consumer::{ConsumerOptions, Handler};
use bus::metrics::BusMetrics;
use prometheus_client::registry::Registry;
use store::{Db, Migration, OpenOptions};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::Router;

use crate::{BoxError, Platform};

/// Where a service keeps its store and listens.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    pub grpc_addr: SocketAddr,
    pub fsync_full: bool,
}

/// A service's store and listener, built but not yet serving.
pub struct ServiceHost {
    listener: TcpListener,
    addr: SocketAddr,
    /// The service's own store.
    pub db: Db,
    pub platform: Platform,
    pub metrics: BusMetrics,
    /// Tasks of the service (timer loops, …) that must end before the store closes.
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl ServiceHost {
    /// Opens the store (applying `migrations`) and binds the gRPC listener.
    pub async fn build(
        config: &HostConfig,
        migrations: &[Migration],
        secure_delete: bool,
        platform: Platform,
        registry: &mut Registry,
    ) -> Result<Self, BoxError> {
        let options = OpenOptions {
            fsync_full: config.fsync_full,
            secure_delete,
            ..OpenOptions::default()
        };
        let db = Db::connect(&config.database_url, migrations, options).await?;
        let (listener, addr) = crate::grpc::bind(config.grpc_addr).await?;
        Ok(Self {
            listener,
            addr,
            db,
            platform,
            metrics: BusMetrics::register(registry),
            background: Vec::new(),
        })
    }

    /// Where gRPC listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Runs a task of the service beside the others; it must end on the shutdown signal, and is
    /// awaited before the store closes.
    pub fn spawn(&mut self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        self.background.push(tokio::spawn(task));
    }

    /// Relays the outbox and serves gRPC until `shutdown`; then drains and closes the store.
    pub async fn serve(
        self,
        grpc_name: &'static str,
        add_services: impl FnOnce(Router) -> Router,
        shutdown: CancellationToken,
    ) -> Result<(), BoxError> {
        let relay = crate::spawn_relay(&self.db, &self.platform, self.metrics.clone(), shutdown.clone());
        crate::grpc::serve(self.listener, grpc_name, add_services, shutdown).await?;
        let _ = relay.await;
        futures::future::join_all(self.background).await;
        self.db.close().await;
        Ok(())
    }

    /// As [`ServiceHost::serve`], also consuming events with `handler` until `shutdown`; the
    /// consumer loops finish their batch before the store closes.
    pub async fn serve_consuming<H: Handler>(
        self,
        handler: Arc<H>,
        options: ConsumerOptions,
        grpc_name: &'static str,
        add_services: impl FnOnce(Router) -> Router,
        shutdown: CancellationToken,
    ) -> Result<(), BoxError> {
        let relay = crate::spawn_relay(&self.db, &self.platform, self.metrics.clone(), shutdown.clone());
        let consumers = crate::start_consumer(
            &self.db,
            &self.platform,
            handler,
            options,
            self.metrics.clone(),
            shutdown.clone(),
        )
        .await?;
        crate::grpc::serve(self.listener, grpc_name, add_services, shutdown).await?;
        consumers.join_all().await;
        let _ = relay.await;
        futures::future::join_all(self.background).await;
        self.db.close().await;
        Ok(())
    }
}
