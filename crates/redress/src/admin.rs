//! `redress admin …`.

use anyhow::Context;

use crate::cli::{AdminBusCommand, AdminCalendarCommand, AdminCommand, AuditCommand};

/// The stores that keep an audit log: intake (reads of personal data), routing (published
/// documents), notification (published templates), the console (dossier exports).
const AUDITED: [(&str, &[store::Migration]); 4] = [
    ("intake", intake::store::MIGRATIONS),
    ("routing", routing::store::MIGRATIONS),
    ("notification", notification::store::MIGRATIONS),
    ("console", console::identity::MIGRATIONS),
];

/// Runs an operator's command.
pub async fn run(command: AdminCommand) -> anyhow::Result<()> {
    match command {
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
