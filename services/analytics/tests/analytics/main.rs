//! Analytics against what it must reconcile with: cases generated with known outcomes, their
//! events consumed by the real service from the embedded log, the figures asked over gRPC.

mod generate;
mod filings;
mod kpis;
mod packs;
mod rebuild;

use std::sync::Arc;
use std::time::Duration;

use analytics::App;
use bus::Transport;
use bus::embedded::{EmbeddedLog, EmbeddedOptions};
use prometheus_client::registry::Registry;
use rpc::analytics::v1::analytics_client::AnalyticsClient;
use runtime::{HostConfig, Platform};
use testkit::stores::StoreTarget;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

/// Analytics running on a store of `target`, reading an embedded log.
pub struct Running {
    pub log: EmbeddedLog,
    pub client: AnalyticsClient<Channel>,
    pub shutdown: CancellationToken,
    pub task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

pub const PARTITIONS: u32 = 4;

impl Running {
    pub async fn start(target: &StoreTarget, file: &str) -> Self {
        Self::start_with(
            target,
            file,
            Arc::new(domain::clock::SystemClock),
            Duration::from_secs(60),
        )
        .await
    }

    /// With this clock, looking at the filing calendar this often.
    pub async fn start_with(
        target: &StoreTarget,
        file: &str,
        clock: Arc<dyn domain::Clock>,
        reminders_every: Duration,
    ) -> Self {
        let dir = tempfile::tempdir().expect("a directory");
        let log = EmbeddedLog::open(&dir.path().join("bus.db"), EmbeddedOptions::default())
            .await
            .expect("the log opens");
        let platform = Platform {
            transport: Arc::new(log.clone()),
            clock,
            partitions: PARTITIONS,
        };
        let config = HostConfig {
            database_url: target.url(file),
            grpc_addr: "127.0.0.1:0".parse().expect("address"),
            fsync_full: false,
        };
        let app = App::build(config, platform, &mut Registry::default())
            .await
            .expect("analytics starts")
            .reminders_every(reminders_every);
        let addr = app.addr();
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        let task = tokio::spawn(async move {
            app.run_until_stopped(stop).await.expect("analytics runs");
        });
        let channel = Channel::from_shared(format!("http://{addr}"))
            .expect("an address")
            .connect()
            .await
            .expect("gRPC connects");
        let client = AnalyticsClient::new(channel);
        Self {
            log,
            client,
            shutdown,
            task,
            _dir: dir,
        }
    }

    /// Publishes the events as their producers would have.
    pub async fn publish(&self, events: &[bus::Envelope]) {
        for chunk in events.chunks(1000) {
            let messages = chunk.iter().map(|e| e.to_message(PARTITIONS)).collect();
            self.log.publish(messages).await.expect("published");
        }
    }

    /// Waits until the service has applied every event on the log.
    pub async fn caught_up(&self) {
        let consumer = bus::consumer::ConsumerOptions::new(analytics::SERVICE, analytics::CONSUMES, PARTITIONS);
        testkit::wait_until(Duration::from_secs(120), || async {
            (bus::consumer::pending(&self.log, &consumer).await.ok()? == 0).then_some(())
        })
        .await
        .expect("analytics caught up with the log");
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.expect("stopped");
    }
}
