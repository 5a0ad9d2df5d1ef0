//! The embedded shape: every service and the console in one process, on the embedded log and
//! one SQLite file per service in a data directory. `redress up` and the end-to-end Sandbox
//! both start the product through [`start`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bus::embedded::{EmbeddedLog, EmbeddedOptions};
use runtime::Platform;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::settings::Settings;

/// How to start the embedded shape.
#[derive(Clone)]
pub struct Options {
    pub data_dir: PathBuf,
    pub http: SocketAddr,
    pub admin_token: Option<String>,
    pub fsync_full: bool,
    pub settings: Settings,
    /// The one clock every service reads (a manual clock in tests).
    pub clock: Arc<dyn domain::Clock>,
    /// The bus; `None` opens the embedded log in the data directory. (Benchmarks run the same
    /// process on JetStream to compare the two.)
    pub transport: Option<Arc<dyn bus::Transport>>,
    /// Each service's database URL by service name; `None` keeps SQLite files in the data
    /// directory. (Benchmarks and tests run the same assembly on PostgreSQL.)
    pub store_url: Option<StoreUrl>,
}

/// Every service that keeps a store, by the name [`StoreUrl`] is given.
pub const SERVICES: [&str; 6] = [
    "intake",
    "routing",
    "investigation",
    "notification",
    "analytics",
    "console",
];

/// Names a service's database (one of [`SERVICES`]).
pub type StoreUrl = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// The running product.
pub struct Running {
    /// Where the console listens.
    pub console_addr: SocketAddr,
    /// Where a freshly created administrator token was written, if one was.
    pub created_admin_token_at: Option<PathBuf>,
    /// Where intake's gRPC listens (for seeding demonstration cases).
    pub intake_url: String,
    /// Where routing's gRPC listens (for publishing the demonstration organisations).
    pub routing_url: String,
    /// Cancel to stop everything.
    pub shutdown: CancellationToken,
    /// Every service's task.
    pub services: JoinSet<anyhow::Result<()>>,
    /// The bus the services share (tests re-publish on it to show redelivery changes nothing).
    pub transport: Arc<dyn bus::Transport>,
}

impl Running {
    /// Stops every service and waits (at most `deadline`) for them to drain.
    pub async fn stop(mut self, deadline: Duration) {
        self.shutdown.cancel();
        let drain = async {
            while let Some(result) = self.services.join_next().await {
                if let Ok(Err(error)) = result {
                    tracing::error!(%error, "a service stopped with an error");
                }
            }
        };
        if tokio::time::timeout(deadline, drain).await.is_err() {
            tracing::warn!("services did not stop within {deadline:?}");
        }
    }
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// Starts every service and the console; returns once all are ready.
pub async fn start(options: Options) -> anyhow::Result<Running> {
    let dir = options.data_dir.clone();
    let settings = options.settings.clone();
    let fsync_full = options.fsync_full;
    let transport: Arc<dyn bus::Transport> = match &options.transport {
        Some(transport) => transport.clone(),
        None => Arc::new(
            EmbeddedLog::open(
                &dir.join("bus.db"),
                EmbeddedOptions {
                    fsync_full,
                    ..EmbeddedOptions::default()
                },
            )
            .await
            .context("opening the embedded log")?,
        ),
    };
    tracing::info!(
        data_dir = %dir.display(),
        store = if options.store_url.is_some() { "postgres" } else { "sqlite" },
        bus = transport.kind(),
        "starting"
    );
    let platform = Platform {
        transport: transport.clone(),
        clock: options.clock.clone(),
        partitions: settings.partitions,
    };
    let store_url = |service: &str| match &options.store_url {
        Some(name) => name(service),
        None => store::sqlite_url(&dir.join(format!("{service}.db"))),
    };
    let calendars = Arc::new(crate::calendars::load(&dir)?);
    let boxed = |e: runtime::BoxError| anyhow::anyhow!(e);

    let mut registries = Vec::new();
    let mut intake_registry = runtime::registry("intake");
    let intake = intake::App::build(
        intake::Config {
            database_url: store_url("intake"),
            key_path: dir.join("intake.key"),
            grpc_addr: loopback(),
            calendar_id: settings.calendar.clone(),
            policy: settings.policy.clone(),
            auto_accept: settings.auto_accept,
            fsync_full,
            mailboxes: settings.intake.mailbox.clone().into_iter().collect(),
            gate: settings.intake.gate.clone(),
            attachments: settings.intake.attachments.clone(),
            status: {
                // One SMS provider for the notices and the status page's codes (decision 0008).
                let mut status = settings.intake.status.clone();
                if status.sms.is_none()
                    && let Some(sms) = &settings.notification.sms
                {
                    status.sms = Some(intake::web::config::CodeSmsConfig {
                        endpoint: sms.endpoint.clone(),
                        sign_name: sms.sign_name.clone(),
                        access_key: sms.access_key.clone(),
                    });
                }
                status
            },
            channels: settings.intake.channels(),
            case_numbers: settings.intake.case_numbers.clone(),
            customers: settings.intake.customers.clone(),
        },
        platform.clone(),
        calendars.clone(),
        &mut intake_registry,
    )
    .await
    .map_err(boxed)?;
    let mut routing_registry = runtime::registry("routing");
    let routing = routing::App::build(
        routing::app::Config {
            database_url: store_url("routing"),
            grpc_addr: loopback(),
            fsync_full,
        },
        platform.clone(),
        &mut routing_registry,
    )
    .await
    .map_err(boxed)?;
    let mut investigation_registry = runtime::registry("investigation");
    let investigation = investigation::App::build(
        investigation::app::Config {
            database_url: store_url("investigation"),
            grpc_addr: loopback(),
            fsync_full,
        },
        platform.clone(),
        calendars.clone(),
        &mut investigation_registry,
    )
    .await
    .map_err(boxed)?;
    let mut notification_registry = runtime::registry("notification");
    let notification = notification::App::build(
        notification::app::Config {
            database_url: store_url("notification"),
            grpc_addr: loopback(),
            fsync_full,
            intake_url: url(intake.addr()),
            investigation_url: url(investigation.addr()),
            organisation_zh: settings.organisation_zh.clone(),
            organisation_en: settings.organisation_en.clone(),
            contact_line: settings.contact_line.clone(),
            channels: {
                let mut channels = settings.notification.clone();
                if channels.outbox_dir.is_none() {
                    channels.outbox_dir = Some(dir.join("outbox"));
                }
                channels
            },
            calendars: calendars.clone(),
        },
        platform.clone(),
        &mut notification_registry,
    )
    .await
    .map_err(boxed)?;
    let mut analytics_registry = runtime::registry("analytics");
    let analytics = analytics::App::build(
        analytics::app::Config {
            database_url: store_url("analytics"),
            grpc_addr: loopback(),
            fsync_full,
        },
        platform.clone(),
        &mut analytics_registry,
    )
    .await
    .map_err(boxed)?;
    for registry in [
        intake_registry,
        routing_registry,
        investigation_registry,
        notification_registry,
        analytics_registry,
    ] {
        registries.push(Arc::new(registry));
    }
    let admin = match &options.admin_token {
        Some(token) => console::app::AdminToken::Given(token.clone()),
        None => console::app::AdminToken::CreateIfMissing(dir.join("admin-token")),
    };
    let now = chrono::Utc::now().to_rfc3339();
    let console = console::App::build(
        console::Config {
            http_addr: options.http,
            database_url: store_url("console"),
            intake_url: url(intake.addr()),
            routing_url: url(routing.addr()),
            investigation_url: url(investigation.addr()),
            notification_url: url(notification.addr()),
            analytics_url: url(analytics.addr()),
            public_per_minute: settings.public_per_minute,
        },
        admin,
        registries,
        &now,
    )
    .await
    .map_err(boxed)?;
    let console_addr = console.addr();
    let intake_url = url(intake.addr());
    let routing_url = url(routing.addr());
    let created_token = console.created_admin_token_at.clone();

    let shutdown = CancellationToken::new();
    let mut services = JoinSet::new();
    services.spawn(named("intake", intake.run_until_stopped(shutdown.clone())));
    services.spawn(named("routing", routing.run_until_stopped(shutdown.clone())));
    services.spawn(named(
        "investigation",
        investigation.run_until_stopped(shutdown.clone()),
    ));
    services.spawn(named("notification", notification.run_until_stopped(shutdown.clone())));
    services.spawn(named("analytics", analytics.run_until_stopped(shutdown.clone())));
    let console_shutdown = shutdown.clone();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    services.spawn(async move {
        let wait_ready = async {
            for _ in 0..200 {
                if console.ready().await {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            false
        };
        let ready = wait_ready.await;
        let _ = ready_tx.send(ready);
        named("console", console.run_until_stopped(console_shutdown)).await
    });
    match ready_rx.await {
        Ok(true) => {}
        _ => {
            shutdown.cancel();
            anyhow::bail!("the services did not become ready");
        }
    }
    Ok(Running {
        console_addr,
        created_admin_token_at: created_token,
        intake_url,
        routing_url,
        shutdown,
        services,
        transport,
    })
}

async fn named(
    name: &'static str,
    run: impl std::future::Future<Output = Result<(), runtime::BoxError>>,
) -> anyhow::Result<()> {
    run.await.map_err(|e| anyhow::anyhow!("{name}: {e}"))
}

/// Takes the data directory's lock (`redress.lock`): one process per data directory, released
/// when the process dies. Refused while another holds it.
pub fn lock_data_dir(dir: &Path) -> anyhow::Result<std::fs::File> {
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("redress.lock"))
        .context("opening the data directory's lock file")?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => {
            anyhow::bail!("another redress process is using the data directory {}", dir.display())
        }
        Err(std::fs::TryLockError::Error(error)) => Err(error).context("locking the data directory"),
    }
}
