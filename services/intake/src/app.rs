//! Intake's wiring: its store, the cipher, calendars, the catalog consumer, gRPC, the outbox relay.

use std::net::SocketAddr;
use std::sync::Arc;

use bus::consumer::ConsumerOptions;
use prometheus_client::registry::Registry;
use rpc::intake::v1::intake_server::IntakeServer;
use runtime::{BoxError, HostConfig, Platform, ServiceHost};
use tokio_util::sync::CancellationToken;

use crate::catalogs::{CatalogHandler, Catalogs};
use crate::cipher::DefaultCipher;
use crate::config::Config;
use crate::grpc::IntakeGrpc;
use crate::mailbox::{Mailbox, MailboxMetrics};
use crate::register::Desk;
use crate::store::MIGRATIONS;

/// A built intake service, listening but not yet serving.
pub struct App {
    host: ServiceHost,
    desk: Arc<Desk>,
    mailboxes: Vec<Mailbox>,
}

impl App {
    /// Opens the store (with `secure_delete`, it holds personal data), loads the key and binds
    /// the gRPC listener.
    pub async fn build(
        config: Config,
        platform: Platform,
        calendars: Arc<calendar::Registry>,
        registry: &mut Registry,
    ) -> Result<Self, BoxError> {
        let host_config = HostConfig {
            database_url: config.database_url.clone(),
            grpc_addr: config.grpc_addr,
            fsync_full: config.fsync_full,
        };
        if calendar::presets::get(&config.policy).is_none() {
            return Err(format!(
                "policy `{}` is not known: choose one of {}",
                config.policy,
                calendar::presets::NAMES.join(", ")
            )
            .into());
        }
        calendars.get(&config.calendar_id)?;
        for mailbox in &config.mailboxes {
            mailbox.validate()?;
        }
        config.gate.validate()?;
        config.status.validate()?;
        let beside_key = config
            .key_path
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let channels = Arc::new(crate::channels::Channels::new(config.channels)?);
        let customers = Arc::new(crate::customers::Customers::new(config.customers)?);
        let host = ServiceHost::build(&host_config, MIGRATIONS, true, platform, registry).await?;
        let cipher = DefaultCipher::from_key_file(&config.key_path)?;
        let ledger = crate::ledger::Ledger {
            db: host.db.clone(),
            policy: config.policy.clone(),
            calendar_id: config.calendar_id.clone(),
        }
        .start();
        let catalogs = Arc::new(Catalogs::new(host.db.clone()));
        let codes: Arc<dyn crate::web::codes::CodeSender> = match &config.status.sms {
            Some(sms) => Arc::new(crate::web::codes::SmsProvider::new(sms.clone())),
            None => Arc::new(crate::web::codes::OutboxCodes {
                dir: config
                    .status
                    .outbox_dir
                    .clone()
                    .unwrap_or_else(|| beside_key.join("outbox"))
                    .join("sms-codes"),
            }),
        };
        let web = Arc::new(crate::web::Web {
            attachments: crate::web::Attachments::new(&config.attachments, &beside_key.join("attachments"))?,
            status: config.status.clone(),
            codes,
        });
        let desk = Arc::new(Desk {
            catalogs,
            channels,
            ledger,
            db: host.db.clone(),
            cipher: Arc::new(cipher),
            clock: host.platform.clock.clone(),
            calendars,
            calendar_id: config.calendar_id,
            policy: config.policy,
            auto_accept: config.auto_accept,
            gate: config.gate,
            web,
            case_numbers: config.case_numbers,
            customers,
        });
        let metrics = MailboxMetrics::register(registry);
        let mailboxes = config
            .mailboxes
            .into_iter()
            .map(|mailbox| Mailbox::new(mailbox, desk.clone(), metrics.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { host, desk, mailboxes })
    }

    /// Where gRPC listens.
    pub fn addr(&self) -> SocketAddr {
        self.host.addr()
    }

    /// Serves (and polls the mailboxes) until `shutdown`, then drains the relay and closes the
    /// store.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> Result<(), BoxError> {
        let pollers: Vec<_> = self
            .mailboxes
            .into_iter()
            .map(|mailbox| tokio::spawn(mailbox.run(shutdown.clone())))
            .collect();
        let handler = Arc::new(CatalogHandler {
            db: self.host.db.clone(),
            catalogs: self.desk.catalogs.clone(),
        });
        let options = ConsumerOptions::new(crate::SERVICE, crate::CONSUMES, self.host.platform.partitions);
        let service = IntakeServer::new(IntakeGrpc { desk: self.desk });
        let served = self
            .host
            .serve_consuming(
                handler,
                options,
                "redress.intake.v1.Intake",
                |router| router.add_service(service),
                shutdown,
            )
            .await;
        for poller in pollers {
            let _ = poller.await;
        }
        served
    }
}
