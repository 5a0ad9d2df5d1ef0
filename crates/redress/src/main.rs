//! `redress`: the one binary. `main` is wiring; each subcommand lives in its own module, and the
//! product's assembly in the library (`redress::embedded`).

mod admin;
mod calendar_cmd;
mod cli;
mod up;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match cli.command {
        cli::Command::Up(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(up::run(args))
        }
        cli::Command::Serve(args) => {
            let config = redress::serve_config::ServeConfig::load(args.config.as_deref())?;
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(redress::serve::run(args.service, config))
        }
        cli::Command::Calendar(cli::CalendarCommand::Due(args)) => calendar_cmd::due(args),
        cli::Command::Bench(args) => calendar_cmd::bench(args),
        cli::Command::Admin(command) => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(admin::run(command))
        }
    }
}
