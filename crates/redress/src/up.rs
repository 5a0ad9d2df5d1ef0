//! `redress up`: the embedded shape until SIGINT or SIGTERM.

use std::time::Duration;

use anyhow::Context;
use redress::embedded::{self, Options};
use redress::settings::Settings;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::cli::UpArgs;

/// Runs until SIGINT or SIGTERM.
pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    let settings = Settings::load(args.config.as_deref())?;
    let dir = args.data_dir.clone();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating the data directory {}", dir.display()))?;
    // One process per data directory: an operating-system lock, released when the process dies.
    let lock = embedded::lock_data_dir(&dir)?;
    let mut running = embedded::start(Options {
        data_dir: dir,
        http: args.http,
        admin_token: args.admin_token,
        fsync_full: args.fsync == "full",
        settings,
        clock: std::sync::Arc::new(domain::SystemClock),
        transport: None,
        store_url: None,
    })
    .await?;
    if args.demo {
        match redress::demo::seed(&running.intake_url, &running.routing_url).await {
            Ok(seeded) => println!(
                "demo: {} documents published, {} demonstration cases registered (tenants default and bank)",
                seeded.documents, seeded.cases
            ),
            Err(error) => tracing::error!(%error, "seeding the demonstration failed"),
        }
    }
    if let Some(path) = &running.created_admin_token_at {
        println!("admin token: written to {}", path.display());
    }
    println!("console: http://{}/", running.console_addr);
    wait_for_signal(&running.shutdown, &mut running.services).await;
    running.stop(Duration::from_secs(20)).await;
    drop(lock);
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal(shutdown: &CancellationToken, services: &mut JoinSet<anyhow::Result<()>>) {
    tokio::select! {
        () = redress::signals::wait() => {}
        () = shutdown.cancelled() => {}
        Some(result) = services.join_next() => {
            tracing::error!(?result, "a service stopped unexpectedly; shutting down");
        }
    }
}
