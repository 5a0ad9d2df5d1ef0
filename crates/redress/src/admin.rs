//! `redress admin …`.

use anyhow::Context;

use crate::cli::{
    AdminAnalyticsCommand, AdminBusCommand, AdminCalendarCommand, AdminCommand, AnalyticsTarget, AuditCommand,
};

/// The stores that keep an audit log: intake (reads of personal data), routing (published
/// documents), notification (published templates), the console (dossier exports).
const AUDITED: [(&str, &[store::Migration]); 4] = [
    ("intake", intake::store::MIGRATIONS),
    ("routing", routing::store::MIGRATIONS),
    ("notification", notification::store::MIGRATIONS),
    ("console", console::identity::MIGRATIONS),
];

/// Analytics' live store, its transport and partitions.
struct AnalyticsStore {
    live: store::Db,
    live_url: String,
    transport: std::sync::Arc<dyn bus::Transport>,
    partitions: u32,
    data_dir: Option<std::path::PathBuf>,
}

async fn analytics_store(target: &AnalyticsTarget) -> anyhow::Result<AnalyticsStore> {
    let options = store::OpenOptions::default();
    match (&target.data_dir, &target.serve_config) {
        (Some(dir), None) => {
            let path = dir.join("analytics.db");
            anyhow::ensure!(path.exists(), "no analytics store at {}", path.display());
            let settings = redress::settings::Settings::load(target.config.as_deref())?;
            let log = bus::embedded::EmbeddedLog::open(&dir.join("bus.db"), bus::embedded::EmbeddedOptions::default())
                .await
                .context("opening the embedded log")?;
            let live_url = store::sqlite_url(&path);
            Ok(AnalyticsStore {
                live: store::Db::connect(&live_url, analytics::store::MIGRATIONS, options).await?,
                live_url,
                transport: std::sync::Arc::new(log),
                partitions: settings.partitions,
                data_dir: Some(dir.clone()),
            })
        }
        (None, Some(file)) => {
            let config = redress::serve_config::ServeConfig::load(Some(file))?;
            let transport = redress::serve::connect_bus(&config, "analytics-rebuild").await?;
            let live_url = config.database()?.url();
            Ok(AnalyticsStore {
                live: store::Db::connect(&live_url, analytics::store::MIGRATIONS, options).await?,
                live_url,
                transport: std::sync::Arc::new(transport),
                partitions: config.bus.partitions,
                data_dir: None,
            })
        }
        _ => anyhow::bail!("give --data-dir (embedded) or --serve-config (distributed)"),
    }
}

fn print_digests(label: &str, digests: &[analytics::rebuild::TableDigest]) {
    for digest in digests {
        println!("{label} {digest}");
    }
}

async fn analytics_command(command: AdminAnalyticsCommand) -> anyhow::Result<()> {
    match command {
        AdminAnalyticsCommand::Digest { target } => {
            let store = analytics_store(&target).await?;
            print_digests("live", &analytics::rebuild::digests(&store.live).await?);
            store.live.close().await;
            Ok(())
        }
        AdminAnalyticsCommand::Rebuild {
            target,
            into,
            swap,
            timeout_seconds,
        } => {
            // Swapping needs `redress up` stopped: hold its lock for the whole rebuild.
            let _lock = match (&target.data_dir, swap) {
                (Some(dir), true) => Some(
                    redress::embedded::lock_data_dir(dir)
                        .map_err(|e| anyhow::anyhow!("{e}: stop redress up before --swap"))?,
                ),
                _ => None,
            };
            let store = analytics_store(&target).await?;
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
            let (url, rebuilt_path) = match (&store.data_dir, into) {
                (_, Some(url)) => (url, None),
                (Some(dir), None) => {
                    let path = dir.join(format!("analytics-rebuilt-{stamp}.db"));
                    (store::sqlite_url(&path), Some(path))
                }
                (None, None) => anyhow::bail!("--into names the empty database to rebuild into"),
            };
            anyhow::ensure!(url != store.live_url, "--into is the live store");
            let rebuilt = analytics::rebuild::rebuild(
                store.transport.clone(),
                store.partitions,
                &url,
                &store.live,
                std::sync::Arc::new(domain::SystemClock),
                std::time::Duration::from_secs(timeout_seconds),
            )
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
            let live = analytics::rebuild::digests(&store.live).await?;
            store.live.close().await;
            println!("rebuilt through consumer {} into {url}", rebuilt.consumer);
            print_digests("live", &live);
            print_digests("rebuilt", &rebuilt.digests);
            println!(
                "{}",
                if live == rebuilt.digests {
                    "identical: the rebuilt tables equal the live ones"
                } else {
                    "DIFFERENT: the live store's figures are not what the stream gives (events still arriving, or a defect)"
                }
            );
            if let (true, Some(dir), Some(path)) = (swap, &store.data_dir, rebuilt_path) {
                let live_path = dir.join("analytics.db");
                let kept = dir.join(format!("analytics.db.before-rebuild-{stamp}"));
                for suffix in ["-wal", "-shm"] {
                    let side = dir.join(format!("analytics.db{suffix}"));
                    if side.exists() {
                        std::fs::rename(&side, dir.join(format!("analytics.db.before-rebuild-{stamp}{suffix}")))?;
                    }
                }
                std::fs::rename(&live_path, &kept)?;
                std::fs::rename(&path, &live_path)?;
                println!(
                    "swapped: {} is the rebuilt store; the old one is {}",
                    live_path.display(),
                    kept.display()
                );
            }
            Ok(())
        }
    }
}

/// Runs an operator's command.
pub async fn run(command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::Analytics(command) => analytics_command(command).await,
        AdminCommand::Calendar(AdminCalendarCommand::Load { data_dir, file }) => {
            let json = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let (id, kept) = redress::calendars::install_calendar(&data_dir, &json)?;
            println!(
                "calendar {id}: checked and kept at {}; it applies from the next start of redress up",
                kept.display()
            );
            Ok(())
        }
        AdminCommand::Calendar(AdminCalendarCommand::LoadNotice {
            data_dir,
            calendar,
            year,
            file,
        }) => {
            let json = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let kept = redress::calendars::install_notice(&data_dir, &calendar, year, &json)?;
            println!(
                "{calendar} {year}: notice checked and kept at {}; it applies from the next start of redress up",
                kept.display()
            );
            Ok(())
        }
        AdminCommand::Bus(AdminBusCommand::Provision { config }) => {
            let config = redress::serve_config::ServeConfig::load(config.as_deref())?;
            let transport = redress::serve::connect_bus(&config, "provision").await?;
            println!("streams and lease bucket declared on {}", config.bus.nats_url);
            let consumers: [(&str, &[&str]); 5] = [
                (intake::SERVICE, intake::CONSUMES),
                (routing::SERVICE, routing::CONSUMES),
                (investigation::SERVICE, investigation::CONSUMES),
                (notification::SERVICE, notification::CONSUMES),
                (analytics::SERVICE, analytics::CONSUMES),
            ];
            for (service, producers) in consumers {
                let options = bus::consumer::ConsumerOptions::new(service, producers, config.bus.partitions);
                let names = bus::consumer::declare(&transport, &options).await?;
                println!("{service}: {} (reads {})", names.join(", "), producers.join(", "));
            }
            Ok(())
        }
        AdminCommand::Audit(AuditCommand::Verify { data_dir }) => {
            let mut broken = false;
            for (service, migrations) in AUDITED {
                let path = data_dir.join(format!("{service}.db"));
                anyhow::ensure!(path.exists(), "no {service} store at {}", path.display());
                let db = store::Db::open(&path, migrations, store::OpenOptions::default())
                    .await
                    .with_context(|| format!("opening {}", path.display()))?;
                let verdict = store::audit::verify(&db).await?;
                db.close().await;
                match verdict {
                    store::audit::Verdict::Intact { entries } => {
                        println!("{service}: audit chain intact ({entries} entries)");
                    }
                    store::audit::Verdict::Broken {
                        tenant,
                        entry_id,
                        reason,
                    } => {
                        println!("{service}: audit chain BROKEN for tenant {tenant} at entry {entry_id}: {reason}");
                        broken = true;
                    }
                }
            }
            if broken {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
