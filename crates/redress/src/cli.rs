//! The command line (CONTRACT.md).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Redress: complaint handling for organisations with many branches.
#[derive(Debug, Parser)]
#[command(name = "redress", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole product in one process with embedded defaults (SQLite files and the embedded log).
    Up(UpArgs),
    /// Run one service in this process, for the distributed shape (NATS JetStream); configured by
    /// `--config FILE` and `REDRESS__<SECTION>__<KEY>` environment variables.
    Serve(ServeArgs),
    /// Working-day calendars and deadlines.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Run benchmarks and print their figures (a ratio against a baseline measured in the same run).
    Bench(BenchArgs),
    /// Operators' commands.
    #[command(subcommand)]
    Admin(AdminCommand),
}

/// `redress up`.
#[derive(Debug, Args)]
pub struct UpArgs {
    /// The data directory: one SQLite file per service, the embedded log, keys. One process per directory.
    #[arg(long, default_value = "./redress-data")]
    pub data_dir: PathBuf,
    /// Where the console listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub http: SocketAddr,
    /// Seed a demonstration organisation and cases.
    #[arg(long)]
    pub demo: bool,
    /// The administrator's API token (at least 16 printable ASCII characters); by default one is created on
    /// first start and written to the data directory.
    #[arg(long, env = "REDRESS_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// A configuration file (TOML); environment variables `REDRESS_<KEY>` override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Sync every commit to disk (`synchronous=FULL`) instead of WAL's `NORMAL`.
    #[arg(long, value_parser = ["normal", "full"], default_value = "normal")]
    pub fsync: String,
}

/// `redress serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The service this process runs.
    #[arg(value_enum)]
    pub service: redress::serve::Service,
    /// A configuration file (TOML: [bus], [database], [grpc], [metrics], [http], [peers],
    /// [intake], [notification]); environment variables `REDRESS__DATABASE__URL` etc. override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// `redress calendar …`.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Print the due instant (RFC 3339) of a period, as the product computes it.
    Due(DueArgs),
}

/// `redress calendar due`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("period").required(true).args(["working_days", "days", "business_hours", "preset"])))]
pub struct DueArgs {
    /// The calendar's id (`cn` ships with Redress).
    #[arg(long)]
    pub calendar: String,
    /// The start instant, RFC 3339.
    #[arg(long)]
    pub start: String,
    /// Working days after the start's local date.
    #[arg(long)]
    pub working_days: Option<u32>,
    /// Calendar days after the start's local date.
    #[arg(long)]
    pub days: Option<u32>,
    /// Business hours from the start.
    #[arg(long)]
    pub business_hours: Option<u32>,
    /// A policy preset's resolution deadline.
    #[arg(long)]
    pub preset: Option<String>,
    /// The data directory whose loaded notices apply (as `redress up` computes).
    #[arg(long, default_value = "./redress-data")]
    pub data_dir: PathBuf,
}

/// `redress bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which benchmark: `calendar` (due-date computations against a day-by-day loop),
    /// `pipeline` (complaints through every service against the raw bus and SQLite commits) or
    /// `analytics` (the half-year report over generated cases against a plain GROUP BY).
    #[arg(default_value = "calendar")]
    pub which: String,
    /// How many computations (calendar), complaints (pipeline) or cases (analytics); defaults
    /// 1,000,000, 2,000 and 1,000,000.
    #[arg(long)]
    pub n: Option<usize>,
    /// Pipeline: requests in flight at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Pipeline: run the bus on this NATS server (2.10+, JetStream) instead of the embedded log.
    #[arg(long)]
    pub nats_url: Option<String>,
    /// Pipeline and analytics: keep the stores on this PostgreSQL server (an administrator's URL; the
    /// benchmark creates its own databases and drops them) instead of SQLite files.
    #[arg(long)]
    pub postgres_url: Option<String>,
    /// Also write the figures as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// `redress admin …`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Working-day calendars.
    #[command(subcommand)]
    Calendar(AdminCalendarCommand),
    /// The message bus of the distributed shape.
    #[command(subcommand)]
    Bus(AdminBusCommand),
    /// Analytics' store (decision 0012).
    #[command(subcommand)]
    Analytics(AdminAnalyticsCommand),
}

/// Which deployment an analytics command works on: an embedded data directory, or the
/// distributed shape's analytics configuration.
#[derive(Debug, clap::Args)]
pub struct AnalyticsTarget {
    /// The data directory of `redress up` (the embedded shape).
    #[arg(long, conflicts_with = "serve_config")]
    pub data_dir: Option<PathBuf>,
    /// `redress up`'s settings file, for the partitions (embedded shape).
    #[arg(long, requires = "data_dir")]
    pub config: Option<PathBuf>,
    /// The TOML file `redress serve analytics` runs with (the distributed shape: `[bus]` and
    /// `[database]`, `REDRESS__*` overriding it).
    #[arg(long = "serve-config")]
    pub serve_config: Option<PathBuf>,
}

/// `redress admin analytics …`.
#[derive(Debug, Subcommand)]
pub enum AdminAnalyticsCommand {
    /// Rebuild analytics from every event on the log or stream into a fresh store, then print
    /// each table's rows and SHA-256 beside the live store's. The live store is untouched
    /// unless `--swap` (embedded, with `redress up` stopped) puts the rebuilt one in its place.
    Rebuild {
        #[command(flatten)]
        target: AnalyticsTarget,
        /// Distributed shape: the empty database to rebuild into (point `[database] url` at it
        /// afterwards). Embedded: a file `analytics-rebuilt-<time>.db` in the data directory.
        #[arg(long)]
        into: Option<String>,
        /// Embedded: replace `analytics.db` with the rebuilt store (the old one is kept as
        /// `analytics.db.before-rebuild-<time>`). Stop `redress up` first.
        #[arg(long, requires = "data_dir")]
        swap: bool,
        /// Give up if the rebuild has not caught up after this many seconds.
        #[arg(long, default_value_t = 3600)]
        timeout_seconds: u64,
    },
    /// Print each table of figures' rows and SHA-256 (what a rebuild must reproduce).
    Digest {
        #[command(flatten)]
        target: AnalyticsTarget,
    },
}

/// `redress admin bus …`.
#[derive(Debug, Subcommand)]
pub enum AdminBusCommand {
    /// Declare the streams, the lease bucket and every service's durable consumers on NATS
    /// JetStream (idempotent; each `redress serve` does the same for itself at start). Reads the
    /// `[bus]` settings as `redress serve` does (`--config`, `REDRESS__BUS__*`).
    Provision {
        /// A TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// `redress admin calendar …`.
#[derive(Debug, Subcommand)]
pub enum AdminCalendarCommand {
    /// Check a whole calendar (another region such as Hong Kong or Macau, or a province with
    /// `parent` set to `cn`) and keep it in the data directory; the next start loads it.
    Load {
        /// The data directory of `redress up`.
        #[arg(long, default_value = "./redress-data")]
        data_dir: PathBuf,
        /// The calendar file (JSON: id, name, time_zone, working_weekdays, business_hours, days …).
        #[arg(long)]
        file: PathBuf,
    },
    /// Check a year's holiday notice (the State Council shape: `days[]` with `date`, `name`,
    /// `isOffDay`) and keep it in the data directory; the next start loads it and recomputes the
    /// provisional deadlines of open cases.
    LoadNotice {
        /// The data directory of `redress up`.
        #[arg(long, default_value = "./redress-data")]
        data_dir: PathBuf,
        /// The calendar's id (`cn`).
        #[arg(long)]
        calendar: String,
        /// The year the notice is for.
        #[arg(long)]
        year: i32,
        /// The notice file (JSON).
        #[arg(long)]
        file: PathBuf,
    },
}

/// `redress admin audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every hash chain and report the first altered or removed entry.
    Verify {
        /// The data directory of `redress up`.
        #[arg(long, default_value = "./redress-data")]
        data_dir: PathBuf,
    },
}
