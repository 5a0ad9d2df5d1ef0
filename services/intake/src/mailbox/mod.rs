//! The e-mail channel (decision 0006): a tenant's mailbox polled over IMAP. Each new message
//! opens a case through [`Desk::register_mail`], joins its case as correspondence (by thread or
//! by the case number in its subject), or is quarantined with its reason; what it became is
//! remembered in the same transaction, and only then is it flagged `\Seen` on the server.
//!
//! Start at [`Mailbox::run`] (the IMAP side, here); `take_in` is one message's decision and
//! writes ([`Mailbox::take_in`]).

use std::sync::Arc;

use domain::Tenant;
use mailroom::Imap;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use tokio_util::sync::CancellationToken;

pub use mailroom::Fetched;

use crate::config::MailboxConfig;
use crate::register::{self, Desk};

mod take_in;

/// Why a round stopped; the messages not yet handled are tried again next round.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("imap {step}: {reason}")]
    Imap { step: &'static str, reason: String },
    #[error("storage: {0}")]
    Store(#[from] store::Error),
    #[error("encryption: {0}")]
    Cipher(#[from] crate::cipher::Error),
    #[error("registration: {0}")]
    Register(register::Error),
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It opened a case (`replayed` when the ledger found it already registered).
    Case {
        case_id: String,
        case_number: String,
        replayed: bool,
    },
    /// It joined a case, matched `thread` or `case_number`.
    Correspondence { case_id: String, matched_by: &'static str },
    /// It was kept aside with this reason code.
    Quarantined { reason: String },
    /// It had been taken in before (its flag had not reached the server).
    AlreadyTaken,
}

/// Counters of what the pollers did (`intake_mail_cases_total`, …), one set for all mailboxes.
#[derive(Debug, Clone, Default)]
pub struct MailboxMetrics {
    pub cases: Counter,
    pub correspondence: Counter,
    pub quarantined: Counter,
    pub rounds_failed: Counter,
}

impl MailboxMetrics {
    /// The counters, registered.
    pub fn register(registry: &mut Registry) -> Self {
        let metrics = Self::default();
        registry.register("mail_cases", "E-mails that opened a case", metrics.cases.clone());
        registry.register(
            "mail_correspondence",
            "E-mails that joined their case",
            metrics.correspondence.clone(),
        );
        registry.register(
            "mail_quarantined",
            "E-mails kept aside with a reason",
            metrics.quarantined.clone(),
        );
        registry.register(
            "mailbox_rounds_failed",
            "Mailbox rounds that stopped on an error (retried next interval)",
            metrics.rounds_failed.clone(),
        );
        metrics
    }

    fn count(&self, outcome: &Outcome) {
        match outcome {
            Outcome::Case { replayed: false, .. } => self.cases.inc(),
            Outcome::Correspondence { .. } => self.correspondence.inc(),
            Outcome::Quarantined { .. } => self.quarantined.inc(),
            Outcome::Case { replayed: true, .. } | Outcome::AlreadyTaken => 0,
        };
    }
}

/// A tenant's mailbox and the desk its messages are registered at.
pub struct Mailbox {
    config: MailboxConfig,
    imap: Imap,
    tenant: Tenant,
    name: String,
    desk: Arc<Desk>,
    metrics: MailboxMetrics,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Mailbox {
    /// A mailbox for `config`, checked.
    pub fn new(config: MailboxConfig, desk: Arc<Desk>, metrics: MailboxMetrics) -> Result<Self, String> {
        config.validate()?;
        let tenant =
            Tenant::parse(&config.tenant).ok_or_else(|| "intake.mailbox.tenant must be a tenant id".to_owned())?;
        let imap = Imap::new(config.account(), "intake.mailbox")?;
        Ok(Self {
            name: config.name(),
            imap,
            config,
            tenant,
            desk,
            metrics,
        })
    }

    /// Polls every interval until `shutdown`; a failed round is logged and retried next interval.
    pub async fn run(self, shutdown: CancellationToken) {
        tracing::info!(mailbox = %self.name, tenant = %self.tenant, "polling the mailbox");
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                round = self.poll_once() => match round {
                    Ok(0) => {}
                    Ok(handled) => tracing::info!(mailbox = %self.name, handled, "mailbox round"),
                    Err(error) => {
                        self.metrics.rounds_failed.inc();
                        tracing::warn!(mailbox = %self.name, %error, "mailbox round failed");
                    }
                },
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(self.config.poll_interval()) => {}
            }
        }
    }

    /// One round: every unseen message, oldest first, each flagged `\Seen` after its outcome
    /// committed. Returns how many were handled.
    pub async fn poll_once(&self) -> Result<usize, Error> {
        let taken = self
            .imap
            .poll_once(|fetched| async move {
                let uid = fetched.uid;
                let outcome = self.take_in(fetched).await?;
                tracing::info!(mailbox = %self.name, uid, outcome = ?outcome, "mail taken in");
                self.metrics.count(&outcome);
                Ok::<_, Error>(())
            })
            .await;
        match taken {
            Ok(taken) => Ok(taken),
            Err(mailroom::Error::Imap { step, reason }) => Err(Error::Imap { step, reason }),
            Err(mailroom::Error::Take(error)) => Err(error),
        }
    }
}
