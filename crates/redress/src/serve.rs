//! `redress serve <service>`: one service per process on NATS JetStream (the distributed
//! shape). Every process reads the same configuration shape (`serve_config`); each service takes
//! its parts. A service other than the console serves `/metrics`, `/healthz` and `/readyz` on
//! its own metrics address.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::routing::get;
use prometheus_client::registry::Registry;
use runtime::{HostConfig, Platform};
use tokio_util::sync::CancellationToken;

use crate::serve_config::ServeConfig;

/// The services a process can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Service {
    Intake,
    Routing,
    Investigation,
    Notification,
    Analytics,
    Console,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Self::Intake => "intake",
            Self::Routing => "routing",
            Self::Investigation => "investigation",
            Self::Notification => "notification",
            Self::Analytics => "analytics",
            Self::Console => "console",
        }
    }
}

/// Connects to the bus, builds the service, serves until SIGINT or SIGTERM.
pub async fn run(service: Service, config: ServeConfig) -> anyhow::Result<()> {
    let database = config.database()?;
    let data_dir = config.data_dir(&database);
    let url = database.url();
    let fsync_full = config.database.fsync == "full";
    let shutdown = CancellationToken::new();
    let signal = shutdown.clone();
    tokio::spawn(async move {
        crate::signals::wait().await;
        signal.cancel();
    });
    if service == Service::Console {
        return run_console(&config, &url, &data_dir, shutdown).await;
    }
    let transport = connect_bus(&config, service.name()).await?;
    let platform = Platform {
        transport: Arc::new(transport),
        clock: Arc::new(domain::SystemClock),
        partitions: config.bus.partitions,
    };
    let host = HostConfig {
        database_url: url.clone(),
        grpc_addr: config.grpc.listen,
        fsync_full,
    };
    let mut registry = runtime::registry(service.name());
    let boxed = |e: runtime::BoxError| anyhow::anyhow!(e);
    let calendars = Arc::new(crate::calendars::load(&data_dir)?);
    let (addr, running): (
        SocketAddr,
        futures::future::BoxFuture<'static, Result<(), runtime::BoxError>>,
    ) = match service {
        Service::Intake => {
            let app = intake::App::build(
                intake::Config {
                    database_url: url.clone(),
                    key_path: config.intake.key_path.clone(),
                    grpc_addr: config.grpc.listen,
                    calendar_id: config.intake.calendar.clone(),
                    policy: config.intake.policy.clone(),
                    auto_accept: config.intake.auto_accept,
                    fsync_full,
                    mailboxes: config.intake.mailbox.clone().into_iter().collect(),
                    gate: config.intake.gate.clone(),
                    attachments: config.intake.attachments.clone(),
                    status: config.intake.status.clone(),
                    channels: config.intake.channels(),
                    case_numbers: config.intake.case_numbers.clone(),
                    customers: config.intake.customers.clone(),
                },
                platform,
                calendars,
                &mut registry,
            )
            .await
            .map_err(boxed)?;
            (app.addr(), Box::pin(app.run_until_stopped(shutdown.clone())))
        }
        Service::Routing => {
            let app = routing::App::build(host, platform, &mut registry)
                .await
                .map_err(boxed)?;
            (app.addr(), Box::pin(app.run_until_stopped(shutdown.clone())))
        }
        Service::Investigation => {
            let app = investigation::App::build(host, platform, calendars, &mut registry)
                .await
                .map_err(boxed)?;
            (app.addr(), Box::pin(app.run_until_stopped(shutdown.clone())))
        }
        Service::Notification => {
            let app = notification::App::build(
                notification::app::Config {
                    database_url: url.clone(),
                    grpc_addr: config.grpc.listen,
                    fsync_full,
                    intake_url: config.peers.intake.clone(),
                    investigation_url: config.peers.investigation.clone(),
                    organisation_zh: config.notification.organisation_zh.clone(),
                    organisation_en: config.notification.organisation_en.clone(),
                    contact_line: config.notification.contact_line.clone(),
                    channels: config.notification.channels.clone(),
                    calendars,
                },
                platform,
                &mut registry,
            )
            .await
            .map_err(boxed)?;
            (app.addr(), Box::pin(app.run_until_stopped(shutdown.clone())))
        }
        Service::Analytics => {
            let app = analytics::App::build(host, platform, &mut registry)
                .await
                .map_err(boxed)?;
            (app.addr(), Box::pin(app.run_until_stopped(shutdown.clone())))
        }
        Service::Console => anyhow::bail!("the console runs without the bus"),
    };
    let metrics_addr = serve_metrics(config.metrics.listen, Arc::new(registry), shutdown.clone()).await?;
    println!("{}: grpc={addr} metrics=http://{metrics_addr}/", service.name());
    running.await.map_err(|e| anyhow::anyhow!("{}: {e}", service.name()))?;
    tracing::info!(service = service.name(), "stopped");
    Ok(())
}

async fn run_console(
    config: &ServeConfig,
    url: &str,
    data_dir: &std::path::Path,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let admin = match &config.http.admin_token {
        Some(token) => console::app::AdminToken::Given(token.clone()),
        None => console::app::AdminToken::CreateIfMissing(data_dir.join("admin-token")),
    };
    let now = chrono::Utc::now().to_rfc3339();
    let app = console::App::build(
        console::Config {
            http_addr: config.http.listen,
            database_url: url.to_owned(),
            intake_url: config.peers.intake.clone(),
            routing_url: config.peers.routing.clone(),
            investigation_url: config.peers.investigation.clone(),
            notification_url: config.peers.notification.clone(),
            analytics_url: config.peers.analytics.clone(),
            public_per_minute: config.http.public_per_minute,
        },
        admin,
        Vec::new(),
        &now,
    )
    .await
    .map_err(|e| anyhow::anyhow!(e))?;
    if let Some(path) = &app.created_admin_token_at {
        println!("admin token: written to {}", path.display());
    }
    println!("console: http://{}/", app.addr());
    app.run_until_stopped(shutdown)
        .await
        .map_err(|e| anyhow::anyhow!("console: {e}"))
}

/// Serves `/metrics`, `/healthz` and `/readyz` for one service; returns the bound address.
async fn serve_metrics(
    addr: SocketAddr,
    registry: Arc<Registry>,
    shutdown: CancellationToken,
) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let bound = listener.local_addr()?;
    let router = axum::Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ready" }))
        .route(
            "/metrics",
            get(move || {
                let registry = registry.clone();
                async move {
                    let mut text = String::new();
                    let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        text,
                    )
                }
            }),
        );
    tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "the metrics endpoint stopped");
        }
    });
    Ok(bound)
}

/// Connects to NATS JetStream as the `[bus]` settings say (declaring the streams and the lease
/// bucket); the connection is named `redress-<name>`.
pub async fn connect_bus(config: &ServeConfig, name: &str) -> anyhow::Result<bus::jetstream::JetStream> {
    let mut options = bus::jetstream::JetStreamOptions::new(config.bus.nats_url.clone());
    options.urls = config
        .bus
        .nats_url
        .split(',')
        .map(|url| url.trim().to_owned())
        .collect();
    options.stream_replicas = config.bus.stream_replicas;
    options.connection_name = Some(format!("redress-{name}"));
    bus::jetstream::JetStream::connect(options)
        .await
        .with_context(|| format!("connecting to NATS at {}", config.bus.nats_url))
}
