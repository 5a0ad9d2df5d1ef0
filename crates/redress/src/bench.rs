//! `redress bench pipeline`: complaints per second through every service, beside the raw limits
//! of the same machine measured in the same run (the bus's publish-and-consume of the same
//! number of messages, and single-row SQLite and PostgreSQL commits). Figures, never assertions.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bus::Transport;
use bus::transport::{ConsumerSpec, Message, Settlement};
use futures::StreamExt;

use crate::embedded::{self, Options};
use crate::settings::Settings;

/// Events one complaint publishes today: registered, accepted, dispatched, opened, notice recorded.
pub const EVENTS_PER_COMPLAINT: usize = 5;

/// What to run.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    pub complaints: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Run the bus on this NATS server instead of the embedded log.
    pub nats_url: Option<String>,
    /// Keep every service's store on this PostgreSQL server (an administrator's URL: the
    /// benchmark creates its databases and drops them) instead of SQLite files.
    pub postgres_url: Option<String>,
}

/// Databases a benchmark created on a PostgreSQL server, dropped by [`BenchDatabases::drop_all`].
struct BenchDatabases {
    admin_url: String,
    names: Vec<String>,
}

impl BenchDatabases {
    async fn create(admin_url: &str, services: &[&str]) -> anyhow::Result<Self> {
        use sqlx::Connection;
        let run = uuid::Uuid::now_v7().simple().to_string();
        let mut conn = sqlx::PgConnection::connect(admin_url)
            .await
            .with_context(|| format!("connecting to PostgreSQL at {admin_url}"))?;
        let mut names = Vec::new();
        for service in services {
            let name = format!("redress_bench_{}_{service}", &run[20..]);
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await?;
            names.push(name);
        }
        Ok(Self {
            admin_url: admin_url.to_owned(),
            names,
        })
    }

    fn url(&self, service: &str) -> String {
        let name = self
            .names
            .iter()
            .find(|name| name.ends_with(&format!("_{service}")))
            .cloned()
            .unwrap_or_default();
        let base = self.admin_url.split('?').next().unwrap_or_default();
        let base = base.rsplit_once('/').map_or(base, |(head, _)| head);
        format!("{base}/{name}")
    }

    async fn drop_all(&self) -> anyhow::Result<()> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.admin_url).await?;
        for name in &self.names {
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await?;
        }
        Ok(())
    }
}

async fn transport(nats_url: &Option<String>, dir: &std::path::Path, name: &str) -> anyhow::Result<Arc<dyn Transport>> {
    Ok(match nats_url {
        Some(url) => {
            Arc::new(bus::jetstream::JetStream::connect(bus::jetstream::JetStreamOptions::new(url.clone())).await?)
        }
        None => Arc::new(
            bus::embedded::EmbeddedLog::open(&dir.join(name), bus::embedded::EmbeddedOptions::default()).await?,
        ),
    })
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

/// Runs the pipeline and its baselines; returns the figures as JSON.
pub async fn pipeline(options: PipelineOptions) -> anyhow::Result<serde_json::Value> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("product"))?;
    let databases = match &options.postgres_url {
        Some(url) => Some(Arc::new(
            BenchDatabases::create(url, &[&embedded::SERVICES[..], &["raw"]].concat()).await?,
        )),
        None => None,
    };
    let store_url: Option<embedded::StoreUrl> = databases.clone().map(|databases| {
        let name: embedded::StoreUrl = Arc::new(move |service: &str| databases.url(service));
        name
    });
    let token = "bench-admin-token-0123456789abcdef";
    let running = embedded::start(Options {
        data_dir: dir.path().join("product"),
        http: ([127, 0, 0, 1], 0).into(),
        admin_token: Some(token.to_owned()),
        fsync_full: false,
        settings: Settings {
            public_per_minute: u32::MAX,
            ..Settings::default()
        },
        clock: Arc::new(domain::SystemClock),
        transport: Some(transport(&options.nats_url, dir.path(), "bus.db").await?),
        store_url,
    })
    .await?;
    let base = format!("http://{}", running.console_addr);
    let client = reqwest::Client::new();
    let started = Instant::now();
    let latencies: Vec<Result<Duration, String>> = futures::stream::iter(0..options.complaints)
        .map(|n| {
            let (client, base) = (client.clone(), base.clone());
            async move {
                let body = serde_json::json!({"channel": "web", "narrative": format!("第{n}宗：基准测试投诉内容"),
                    "complainant": {"phone": "13800000000"}});
                let sent = Instant::now();
                let response = client
                    .post(format!("{base}/api/v1/complaints"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if response.status().as_u16() != 201 {
                    return Err(format!("status {}", response.status()));
                }
                Ok(sent.elapsed())
            }
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    let accepted_in = started.elapsed();
    let failures = latencies.iter().filter(|r| r.is_err()).count();
    let mut latencies: Vec<Duration> = latencies.into_iter().filter_map(Result::ok).collect();
    latencies.sort();
    let expected = (options.complaints - failures) as u64;
    loop {
        let total: serde_json::Value = client
            .get(format!("{base}/api/v1/analytics/kpis?from=2000-01-01&to=2100-01-01"))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        if total["total"].as_u64() >= Some(expected) {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the pipeline did not count every complaint in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let processed_in = started.elapsed();
    running.stop(Duration::from_secs(20)).await;

    let bus_rate = raw_bus(&options, dir.path()).await?;
    let sqlite_commits = raw_commits(
        &store::sqlite_url(&dir.path().join("raw-commits.db")),
        Duration::from_secs(2),
    )
    .await?;
    let postgres_commits = match &databases {
        Some(databases) => Some(raw_commits(&databases.url("raw"), Duration::from_secs(2)).await?),
        None => None,
    };
    if let Some(databases) = &databases {
        databases
            .drop_all()
            .await
            .context("dropping the benchmark's databases")?;
    }
    let complaints_per_second = expected as f64 / processed_in.as_secs_f64();
    let bus_complaints_equivalent = bus_rate / EVENTS_PER_COMPLAINT as f64;
    Ok(serde_json::json!({
        "name": "pipeline",
        "bus": if options.nats_url.is_some() { "jetstream" } else { "embedded" },
        "stores": if options.postgres_url.is_some() { "postgres" } else { "sqlite" },
        "complaints": options.complaints,
        "failed_requests": failures,
        "concurrency": options.concurrency,
        "accepted_per_second": expected as f64 / accepted_in.as_secs_f64(),
        "complaints_per_second": complaints_per_second,
        "submission_latency_ms": {"p50": percentile(&latencies, 0.5), "p95": percentile(&latencies, 0.95), "p99": percentile(&latencies, 0.99)},
        "baseline_bus_messages_per_second": bus_rate,
        "baseline_bus_complaints_per_second": bus_complaints_equivalent,
        "ratio_to_bus": complaints_per_second / bus_complaints_equivalent,
        "baseline_sqlite_commits_per_second": sqlite_commits,
        "ratio_to_sqlite_commits": complaints_per_second / sqlite_commits,
        "baseline_postgres_commits_per_second": postgres_commits,
        "ratio_to_postgres_commits": postgres_commits.map(|commits| complaints_per_second / commits),
    }))
}

/// Publishes and consumes (fetch 256, ack) as many messages as the pipeline published.
async fn raw_bus(options: &PipelineOptions, dir: &std::path::Path) -> anyhow::Result<f64> {
    let transport = transport(&options.nats_url, dir, "raw-bus.db").await?;
    let total = options.complaints * EVENTS_PER_COMPLAINT;
    let run = uuid::Uuid::now_v7().simple().to_string();
    let tenant = format!("bench{}", &run[..12]);
    let payload = bytes::Bytes::from(vec![b'x'; 300]);
    let started = Instant::now();
    for chunk in (0..total).collect::<Vec<_>>().chunks(256) {
        let messages = chunk
            .iter()
            .map(|n| Message {
                subject: bus::subjects::event(&tenant, "intake", "case.registered", 0),
                msg_id: format!("{run}-{n}"),
                headers: vec![],
                payload: payload.clone(),
            })
            .collect();
        transport.publish(messages).await?;
    }
    let mut consumer = transport
        .consumer(ConsumerSpec {
            durable_name: format!("bench-{}", &run[..12]),
            filter_subjects: vec![format!("redress.{tenant}.>")],
            ack_wait: Duration::from_secs(30),
            max_deliver: None,
        })
        .await?;
    let mut consumed = 0;
    while consumed < total {
        let deliveries = consumer.fetch(256, Duration::from_secs(5)).await?;
        anyhow::ensure!(!deliveries.is_empty(), "the raw bus stalled at {consumed} of {total}");
        consumed += deliveries.len();
        consumer
            .settle(deliveries.into_iter().map(|d| (d.ack_ref, Settlement::Ack)).collect())
            .await?;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// Single-row commits into a fresh database for `duration` (SQLite: WAL, synchronous=NORMAL).
async fn raw_commits(url: &str, duration: Duration) -> anyhow::Result<f64> {
    let migrations = [store::Migration {
        version: 100,
        name: "bench",
        sqlite: "CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
        postgres: "CREATE TABLE rows (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL);",
    }];
    let db = store::Db::connect(url, &migrations, store::OpenOptions::default())
        .await
        .context("opening the raw-commit database")?;
    let started = Instant::now();
    let mut commits = 0u64;
    while started.elapsed() < duration {
        let mut tx = db.begin().await?;
        sqlx::query("INSERT INTO rows (body) VALUES ($1)")
            .bind("x")
            .execute(&mut *tx)
            .await?;
        db.commit(tx).await?;
        commits += 1;
    }
    db.close().await;
    Ok(commits as f64 / started.elapsed().as_secs_f64())
}

/// Peak resident memory of this process so far, in MiB (Linux's VmHWM), if known.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// `redress bench analytics`: the half-year report over `cases` cases generated straight into
/// analytics' store (a SQLite file, or a database on `postgres_url`), against a plain GROUP BY
/// over the same rows in the same run.
pub async fn analytics(cases: usize, postgres_url: Option<String>) -> anyhow::Result<serde_json::Value> {
    let dir = tempfile::tempdir()?;
    let databases = match &postgres_url {
        Some(url) => Some(BenchDatabases::create(url, &["analytics"]).await?),
        None => None,
    };
    let url = databases.as_ref().map_or_else(
        || store::sqlite_url(&dir.path().join("analytics.db")),
        |d| d.url("analytics"),
    );
    let options = store::OpenOptions {
        max_connections: 4,
        ..store::OpenOptions::default()
    };
    let db = store::Db::connect(&url, analytics::store::MIGRATIONS, options).await?;
    let result = async {
        let generate_seconds = analytics::bench::generate(&db, cases, 2025).await?;
        let rss_before = peak_rss_mib();
        let measured = analytics::bench::measure(&db, cases, generate_seconds)
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        anyhow::Ok((measured, rss_before, peak_rss_mib()))
    }
    .await;
    db.close().await;
    if let Some(databases) = &databases {
        databases.drop_all().await?;
    }
    let (m, rss_before, rss_after) = result?;
    Ok(serde_json::json!({
        "store": if postgres_url.is_some() { "postgresql" } else { "sqlite" },
        "cases": m.cases,
        "cases_in_half": m.in_half,
        "generate_seconds": m.generate_seconds,
        "half_year_pack_seconds": m.pack_seconds,
        "group_by_seconds": m.group_by_seconds,
        "ratio_pack_to_group_by": m.pack_seconds / m.group_by_seconds.max(1e-9),
        "xlsx_bytes": m.xlsx_bytes,
        "docx_bytes": m.docx_bytes,
        "unit_count_mismatches": m.mismatches,
        "peak_rss_mib_before_pack": rss_before,
        "peak_rss_mib_after_pack": rss_after,
    }))
}
