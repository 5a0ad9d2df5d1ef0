//! Notification's wiring: its store, the consumer of intake's events (with an intake client for
//! contacts), gRPC, the outbox relay.

use std::net::SocketAddr;
use std::sync::Arc;

use bus::consumer::ConsumerOptions;
use prometheus_client::registry::Registry;
use rpc::intake::v1::intake_client::IntakeClient;
use rpc::notification::v1::notification_server::NotificationServer;
use runtime::{BoxError, HostConfig, Platform, ServiceHost};
use tokio_util::sync::CancellationToken;

use crate::bounces::{BounceMetrics, Bounces};
use crate::channels::{Channels, ChannelsConfig};
use crate::delivery::{Deliverer, DeliveryMetrics};
use crate::grpc::NotificationGrpc;
use crate::handler::NotificationHandler;
use crate::plan::Settings;
use crate::store::MIGRATIONS;
use domain::vocabulary::Language;
use rpc::investigation::v1::investigation_client::InvestigationClient;

/// Where notification keeps its data, listens, and finds intake.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    pub grpc_addr: SocketAddr,
    pub fsync_full: bool,
    /// Where intake's gRPC listens (`http://127.0.0.1:PORT`).
    pub intake_url: String,
    /// Where investigation's gRPC listens (the case file a result notice reports).
    pub investigation_url: String,
    /// The organisation that signs notices, in Chinese and in English.
    pub organisation_zh: String,
    pub organisation_en: String,
    /// The organisation's contact line printed on notices.
    pub contact_line: String,
    /// The providers notices go out through, and how deliveries are retried.
    pub channels: ChannelsConfig,
    /// The calendars deadlines are counted in (the date a notice promises the result by).
    pub calendars: Arc<calendar::Registry>,
}

/// A built notification service.
pub struct App {
    host: ServiceHost,
    config: Config,
    channels: Arc<Channels>,
    metrics: DeliveryMetrics,
    bounce_metrics: BounceMetrics,
}

impl App {
    /// Opens the store and binds the gRPC listener.
    pub async fn build(config: Config, platform: Platform, registry: &mut Registry) -> Result<Self, BoxError> {
        let host_config = HostConfig {
            database_url: config.database_url.clone(),
            grpc_addr: config.grpc_addr,
            fsync_full: config.fsync_full,
        };
        let channels = Arc::new(Channels::new(&config.channels)?);
        if let Some(bounces) = &config.channels.bounces {
            bounces.validate()?;
        }
        let host = ServiceHost::build(&host_config, MIGRATIONS, false, platform, registry).await?;
        Ok(Self {
            host,
            config,
            channels,
            metrics: DeliveryMetrics::register(registry),
            bounce_metrics: BounceMetrics::register(registry),
        })
    }

    /// Where gRPC listens.
    pub fn addr(&self) -> SocketAddr {
        self.host.addr()
    }

    /// Consumes, serves and relays until `shutdown`; then drains and closes.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> Result<(), BoxError> {
        let mut host = self.host;
        let channel = tonic::transport::Endpoint::from_shared(self.config.intake_url.clone())?
            .connect_timeout(std::time::Duration::from_secs(5))
            .connect_lazy();
        let deliverer = Deliverer {
            db: host.db.clone(),
            clock: host.platform.clock.clone(),
            intake: IntakeClient::new(channel.clone()),
            channels: self.channels.clone(),
            metrics: self.metrics.clone(),
        };
        host.spawn(deliverer.run(shutdown.clone()));
        if let Some(mailbox) = self.config.channels.bounces.clone() {
            let bounces = Bounces::new(
                mailbox,
                host.db.clone(),
                host.platform.clock.clone(),
                self.bounce_metrics,
            )?;
            host.spawn(bounces.run(shutdown.clone()));
        }
        let investigation = tonic::transport::Endpoint::from_shared(self.config.investigation_url.clone())?
            .connect_timeout(std::time::Duration::from_secs(5))
            .connect_lazy();
        let settings = Settings {
            contact_line: self.config.contact_line.clone(),
            organisation_zh: self.config.organisation_zh.clone(),
            organisation_en: self.config.organisation_en.clone(),
            staff_language: Language::ZhCn,
            group_units: self.channels.group_units.clone(),
            supervisors: self.config.channels.supervisors.clone(),
            callbacks: self.config.channels.callbacks.clone(),
            apps: self.config.channels.apps.kinds(),
            wechat: self.config.channels.wechat.is_some(),
        };
        let handler = Arc::new(NotificationHandler {
            db: host.db.clone(),
            clock: host.platform.clock.clone(),
            intake: IntakeClient::new(channel),
            investigation: InvestigationClient::new(investigation),
            calendars: self.config.calendars.clone(),
            settings: Arc::new(settings),
        });
        let options = ConsumerOptions::new(crate::SERVICE, crate::CONSUMES, host.platform.partitions);
        let service = NotificationServer::new(NotificationGrpc {
            db: host.db.clone(),
            clock: host.platform.clock.clone(),
            sms_receipt_token: self
                .config
                .channels
                .sms
                .as_ref()
                .and_then(|sms| sms.receipt_token.clone()),
        });
        let name = "redress.notification.v1.Notification";
        host.serve_consuming(handler, options, name, |r| r.add_service(service), shutdown)
            .await
    }
}
