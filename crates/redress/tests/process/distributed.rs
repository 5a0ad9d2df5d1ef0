//! The distributed shape: one process per service on a real nats-server with JetStream, with
//! the stores on PostgreSQL (a database per service) or on SQLite files (one replica each).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use testkit::nats::NatsServer;

use crate::harness::{ADMIN_TOKEN, Running, client, spawn_ready};

/// Where the services keep their stores.
enum Stores {
    Sqlite(tempfile::TempDir),
    /// The test's database and its per-service siblings (dropped with it).
    Postgres {
        _database: testkit::postgres::TestDatabase,
        urls: BTreeMap<&'static str, String>,
    },
}

impl Stores {
    fn sqlite() -> Self {
        Self::Sqlite(tempfile::tempdir().expect("dir"))
    }

    /// `None` (after saying why) when no PostgreSQL is usable outside CI.
    fn postgres(test: &str) -> Option<Self> {
        let main = testkit::postgres::database_or_skip(test)?;
        let urls = main
            .siblings(&redress::embedded::SERVICES)
            .expect("a database per service");
        Some(Self::Postgres { _database: main, urls })
    }

    fn url(&self, service: &str) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.path().join(format!("{service}.db")).display()),
            Self::Postgres { urls, .. } => urls[service].clone(),
        }
    }
}

/// Every service in its own process; the console last, once it knows where the others listen.
struct Deployment {
    services: BTreeMap<&'static str, Running>,
    console: Running,
    base_url: String,
}

fn env_for(service: &str, dir: &Path, stores: &Stores, nats: &NatsServer, grpc: &str) -> Vec<(String, String)> {
    vec![
        ("REDRESS__BUS__NATS_URL".into(), nats.url()),
        ("REDRESS__DATABASE__URL".into(), stores.url(service)),
        ("REDRESS__DATA_DIR".into(), dir.display().to_string()),
        ("REDRESS__GRPC__LISTEN".into(), grpc.into()),
        (
            "REDRESS__INTAKE__KEY_PATH".into(),
            dir.join("intake.key").display().to_string(),
        ),
    ]
}

fn start_service(
    service: &'static str,
    dir: &Path,
    stores: &Stores,
    nats: &NatsServer,
    extra: &[(String, String)],
) -> Running {
    let mut env = env_for(service, dir, stores, nats, "127.0.0.1:0");
    env.extend(extra.iter().cloned());
    spawn_ready(&["serve", service], &env, &format!("{service}: grpc="))
}

/// The gRPC address in a ready line `ADDR metrics=…`.
fn grpc_of(running: &Running) -> String {
    running.ready.split_whitespace().next().expect("an address").to_owned()
}

impl Deployment {
    fn start(dir: &Path, stores: &Stores, nats: &NatsServer) -> Self {
        let mut services = BTreeMap::new();
        for service in ["intake", "routing", "investigation", "analytics"] {
            services.insert(service, start_service(service, dir, stores, nats, &[]));
        }
        let intake = format!("http://{}", grpc_of(&services["intake"]));
        let peers = |services: &BTreeMap<&str, Running>| {
            let mut env = vec![("REDRESS__PEERS__INTAKE".to_owned(), intake.clone())];
            for (name, running) in services {
                env.push((
                    format!("REDRESS__PEERS__{}", name.to_uppercase()),
                    format!("http://{}", grpc_of(running)),
                ));
            }
            env
        };
        let notification = start_service("notification", dir, stores, nats, &peers(&services));
        services.insert("notification", notification);
        let mut console_env = env_for("console", dir, stores, nats, "127.0.0.1:0");
        console_env.extend(peers(&services));
        console_env.push(("REDRESS__HTTP__LISTEN".into(), "127.0.0.1:0".into()));
        console_env.push(("REDRESS__HTTP__ADMIN_TOKEN".into(), ADMIN_TOKEN.into()));
        let console = spawn_ready(&["serve", "console"], &console_env, "console: ");
        let base_url = console.ready.trim_end_matches('/').to_owned();
        Deployment {
            services,
            console,
            base_url,
        }
    }
}

async fn post(base_url: &str, n: usize) -> serde_json::Value {
    let body =
        json!({"channel": "phone", "narrative": format!("第{n}宗：刹车异响"), "complainant": {"phone": "13700000000"}});
    let response = client()
        .post(format!("{base_url}/api/v1/complaints"))
        .bearer_auth(ADMIN_TOKEN)
        .header("Idempotency-Key", format!("distributed-{n}"))
        .json(&body)
        .send()
        .await
        .expect("answered");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("json")
}

/// Waits until a case's timeline has one entry of each expected action, and returns the counts.
async fn complete(base_url: &str, id: &str) -> BTreeMap<(String, String), usize> {
    let expected = [
        ("intake", "registered"),
        ("routing", "dispatched"),
        ("investigation", "file_opened"),
        ("notification", "acknowledgement_recorded"),
        ("analytics", "counted"),
    ];
    let found = testkit::wait_until(Duration::from_secs(30), || async {
        let case: serde_json::Value = client()
            .get(format!("{base_url}/api/v1/cases/{id}"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
        for entry in case["timeline"].as_array()? {
            *counts
                .entry((
                    entry["service"].as_str()?.to_owned(),
                    entry["action"].as_str()?.to_owned(),
                ))
                .or_default() += 1;
        }
        expected
            .iter()
            .all(|(s, a)| counts.contains_key(&((*s).to_owned(), (*a).to_owned())))
            .then_some(counts)
    })
    .await;
    found.unwrap_or_else(|| panic!("case {id} did not complete across the processes"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_flows_through_one_process_per_service_on_jetstream_and_postgres() {
    let test = "distributed lifecycle on PostgreSQL";
    if testkit::nats::server_or_skip(test).is_none() {
        return;
    }
    let Some(stores) = Stores::postgres(test) else {
        return;
    };
    lifecycle(stores).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_flows_through_one_process_per_service_on_jetstream_and_sqlite() {
    if testkit::nats::server_or_skip("distributed lifecycle on SQLite").is_none() {
        return;
    }
    lifecycle(Stores::sqlite()).await;
}

async fn lifecycle(stores: Stores) {
    let nats = NatsServer::start().await.expect("nats-server starts");
    let dir = tempfile::tempdir().expect("dir");
    let deployment = Deployment::start(dir.path(), &stores, &nats);
    let created = post(&deployment.base_url, 1).await;
    let counts = complete(&deployment.base_url, created["id"].as_str().expect("id")).await;
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    for (name, running) in &deployment.services {
        let text = metrics(running).await;
        assert!(text.contains(&format!("{name}_events")), "{name}: {text}");
    }
    drop(deployment);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_killed_mid_way_and_restarted_loses_and_duplicates_nothing_on_postgres() {
    let test = "distributed restart on PostgreSQL";
    if testkit::nats::server_or_skip(test).is_none() {
        return;
    }
    let Some(stores) = Stores::postgres(test) else {
        return;
    };
    kill_and_restart(stores).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_killed_mid_way_and_restarted_loses_and_duplicates_nothing_on_sqlite() {
    if testkit::nats::server_or_skip("distributed restart on SQLite").is_none() {
        return;
    }
    kill_and_restart(Stores::sqlite()).await;
}

async fn kill_and_restart(stores: Stores) {
    let nats = NatsServer::start().await.expect("nats-server starts");
    let dir = tempfile::tempdir().expect("dir");
    let mut deployment = Deployment::start(dir.path(), &stores, &nats);
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            post(&deployment.base_url, n).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    // Kill routing and investigation while their work is in flight; more complaints arrive.
    for service in ["routing", "investigation"] {
        deployment.services.get_mut(service).expect("running").kill();
    }
    for n in 5..10 {
        ids.push(
            post(&deployment.base_url, n).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    for service in ["routing", "investigation"] {
        let restarted = start_service(service, dir.path(), &stores, &nats, &[]);
        deployment.services.insert(service, restarted);
    }
    // The console still points at the old gRPC addresses of the restarted services; ask the
    // services' own views through a console restarted with the new peers.
    let intake = format!("http://{}", grpc_of(&deployment.services["intake"]));
    let mut console_env = env_for("console", dir.path(), &stores, &nats, "127.0.0.1:0");
    console_env.push(("REDRESS__PEERS__INTAKE".into(), intake));
    for (name, running) in &deployment.services {
        console_env.push((
            format!("REDRESS__PEERS__{}", name.to_uppercase()),
            format!("http://{}", grpc_of(running)),
        ));
    }
    console_env.push(("REDRESS__HTTP__LISTEN".into(), "127.0.0.1:0".into()));
    console_env.push(("REDRESS__HTTP__ADMIN_TOKEN".into(), ADMIN_TOKEN.into()));
    deployment.console = spawn_ready(&["serve", "console"], &console_env, "console: ");
    deployment.base_url = deployment.console.ready.trim_end_matches('/').to_owned();
    for id in &ids {
        let counts = complete(&deployment.base_url, id).await;
        assert!(counts.values().all(|n| *n == 1), "case {id}: {counts:?}");
    }
}

/// A process's `/metrics` text, from the address in its ready line.
async fn metrics(running: &Running) -> String {
    let metrics_url = running.ready.split("metrics=").nth(1).expect("a metrics address");
    client()
        .get(format!("{}/metrics", metrics_url.trim_end_matches('/')))
        .send()
        .await
        .expect("scraped")
        .text()
        .await
        .expect("text")
}

/// A replica's count of events its consumers applied, from its `/metrics`.
async fn consumed(running: &Running, service: &str) -> u64 {
    let name = format!("{service}_events_consumed_total ");
    metrics(running)
        .await
        .lines()
        .find_map(|line| line.strip_prefix(&name))
        .map_or(0, |value| value.trim().parse::<f64>().unwrap_or(0.0) as u64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_of_a_service_share_the_work_and_one_killed_loses_and_duplicates_nothing() {
    let test = "two replicas on PostgreSQL";
    if testkit::nats::server_or_skip(test).is_none() {
        return;
    }
    let Some(stores) = Stores::postgres(test) else {
        return;
    };
    let nats = NatsServer::start().await.expect("nats-server starts");
    let dir = tempfile::tempdir().expect("dir");
    let deployment = Deployment::start(dir.path(), &stores, &nats);
    let replicas = [("REDRESS__DATABASE__REPLICAS".to_owned(), "2".to_owned())];
    let mut second: BTreeMap<&str, Running> = BTreeMap::new();
    for service in ["routing", "investigation"] {
        second.insert(service, start_service(service, dir.path(), &stores, &nats, &replicas));
    }
    // Complaints arrive in rounds until every replica has applied some (a replica that joins
    // takes its share of the partitions once the first gives up its surplus).
    let mut ids = Vec::new();
    let mut shared = false;
    for round in 0..12 {
        for n in 0..5 {
            let created = post(&deployment.base_url, round * 5 + n).await;
            ids.push(created["id"].as_str().expect("id").to_owned());
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let mut all_worked = true;
        for service in ["routing", "investigation"] {
            all_worked &= consumed(&deployment.services[service], service).await > 0;
            all_worked &= consumed(&second[service], service).await > 0;
        }
        if all_worked {
            shared = true;
            break;
        }
    }
    assert!(shared, "both replicas of routing and investigation applied events");
    // One replica of each dies mid-way; complaints keep arriving; the survivors take over.
    for service in ["routing", "investigation"] {
        second.get_mut(service).expect("running").kill();
    }
    for n in 100..110 {
        let created = post(&deployment.base_url, n).await;
        ids.push(created["id"].as_str().expect("id").to_owned());
    }
    for id in &ids {
        let counts = complete(&deployment.base_url, id).await;
        assert!(counts.values().all(|n| *n == 1), "case {id}: {counts:?}");
    }
}

/// Investigation's PostgreSQL store, as the test reads and (to let time pass) updates it.
async fn investigation_store(stores: &Stores) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&stores.url("investigation"))
        .await
        .expect("investigation's database")
}

/// How many armed timers a case has left.
async fn armed(store: &sqlx::PgPool, case_id: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM timers WHERE case_id = $1 AND state = 'armed'")
        .bind(case_id)
        .fetch_one(store)
        .await
        .expect("timers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_of_investigation_fire_every_due_timer_once_each_alert_one_level_further_up() {
    use sqlx::Row;

    let test = "timers on two replicas on PostgreSQL";
    if testkit::nats::server_or_skip(test).is_none() {
        return;
    }
    let Some(stores) = Stores::postgres(test) else {
        return;
    };
    let nats = NatsServer::start().await.expect("nats-server starts");
    let dir = tempfile::tempdir().expect("dir");
    let deployment = Deployment::start(dir.path(), &stores, &nats);
    let replicas = [("REDRESS__DATABASE__REPLICAS".to_owned(), "2".to_owned())];
    let _second = start_service("investigation", dir.path(), &stores, &nats, &replicas);
    // Head office, where a complaint naming no unit goes: its CRM manager answers for it, under
    // a general manager, under another.
    let organisation = json!({
        "units": [{"id": "hq", "kind": "group", "name_zh": "总部", "name_en": "Head office"}],
        "staff": [
            {"id": "li", "unit": "hq", "display_name": "Li", "roles": ["crm_manager"], "manager": "zhou"},
            {"id": "zhou", "unit": "hq", "display_name": "Zhou", "roles": ["general_manager"], "manager": "ma"},
            {"id": "ma", "unit": "hq", "display_name": "Ma", "roles": ["general_manager"]}],
    });
    let published = client()
        .put(format!("{}/api/v1/org", deployment.base_url))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"document": organisation, "note": "the chain"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(published.status().as_u16(), 201);
    let store = investigation_store(&stores).await;
    let copied = testkit::wait_until(Duration::from_secs(30), || async {
        let version: Option<i64> = sqlx::query_scalar("SELECT version FROM directories WHERE tenant = 'default'")
            .fetch_optional(&store)
            .await
            .ok()?;
        version
    })
    .await;
    assert_eq!(copied, Some(1), "investigation keeps the published directory");
    let mut ids = Vec::new();
    for n in 0..20 {
        let created = post(&deployment.base_url, 200 + n).await;
        ids.push(created["id"].as_str().expect("id").to_owned());
    }
    for id in &ids {
        let counts = complete(&deployment.base_url, id).await;
        assert!(counts.values().all(|n| *n == 1), "case {id}: {counts:?}");
    }
    let mut timers_of: BTreeMap<String, Vec<(String, String, f64)>> = BTreeMap::new();
    let rows = sqlx::query(
        "SELECT id, case_id, deadline_kind, fraction FROM timers WHERE state = 'armed' AND case_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&store)
    .await
    .expect("timers");
    for row in &rows {
        let case_id: String = row.get("case_id");
        timers_of
            .entry(case_id)
            .or_default()
            .push((row.get("id"), row.get("deadline_kind"), row.get("fraction")));
    }
    for id in &ids {
        let kinds: std::collections::BTreeSet<&str> = timers_of
            .get(id)
            .into_iter()
            .flatten()
            .map(|(_, kind, _)| kind.as_str())
            .collect();
        assert!(kinds.len() >= 2, "case {id} has timers for its deadlines: {kinds:?}");
    }

    // Time passes for one case after another: its timers become due (the firing path is the
    // real one), and whichever replica looks first fires them, the deadline claimed whole.
    for id in &ids {
        sqlx::query("UPDATE timers SET fire_at = '2000-01-01T00:00:00Z' WHERE case_id = $1 AND state = 'armed'")
            .bind(id)
            .execute(&store)
            .await
            .expect("time passes");
        testkit::wait_until(Duration::from_secs(30), || async {
            (armed(&store, id).await == 0).then_some(())
        })
        .await
        .unwrap_or_else(|| panic!("the timers of case {id} did not fire"));
    }

    let mut replicas_seen = std::collections::BTreeSet::new();
    let mut levels_seen = std::collections::BTreeSet::new();
    let mut fired_total = 0;
    for id in &ids {
        let expected = &timers_of[id];
        let states: Vec<(String, String)> = sqlx::query("SELECT id, state FROM timers WHERE case_id = $1")
            .bind(id)
            .fetch_all(&store)
            .await
            .expect("timers")
            .iter()
            .map(|row| (row.get("id"), row.get("state")))
            .collect();
        assert_eq!(states.len(), expected.len(), "case {id}: no timer came or went");
        assert!(
            states.iter().all(|(_, state)| state == "fired"),
            "case {id}: every timer fired: {states:?}"
        );
        let entries = sqlx::query(
            "SELECT action, detail_json FROM history WHERE case_id = $1
             AND action IN ('deadline_warned', 'deadline_breached') ORDER BY id",
        )
        .bind(id)
        .fetch_all(&store)
        .await
        .expect("history");
        let mut alerts: BTreeMap<String, Vec<(f64, u64, String)>> = BTreeMap::new();
        for entry in &entries {
            let action: String = entry.get("action");
            let detail: serde_json::Value = serde_json::from_str(entry.get::<&str, _>("detail_json")).expect("detail");
            assert_eq!(
                action == "deadline_breached",
                detail["fraction"].as_f64() == Some(1.0),
                "case {id}: {detail}"
            );
            // Level 0 the unit's CRM manager (nobody took the case), then up the chain, then nobody.
            let chain = [json!(["li"]), json!(["zhou"]), json!(["ma"]), json!([])];
            let level = detail["level"].as_u64().expect("a level") as usize;
            levels_seen.insert(level);
            assert_eq!(detail["recipients"], chain[level.min(3)], "case {id}: {detail}");
            assert_eq!(detail["unit"], "hq", "case {id}: {detail}");
            replicas_seen.insert(detail["replica"].as_str().expect("a replica").to_owned());
            alerts
                .entry(detail["deadline"].as_str().expect("a deadline").to_owned())
                .or_default()
                .push((
                    detail["fraction"].as_f64().expect("a fraction"),
                    detail["level"].as_u64().expect("a level"),
                    detail["replica"].as_str().expect("a replica").to_owned(),
                ));
        }
        // Exactly one entry per timer: the same (deadline, fraction) pairs, once each.
        let mut timers: Vec<(String, u64)> = expected
            .iter()
            .map(|(_, kind, fraction)| (kind.clone(), (fraction * 1000.0) as u64))
            .collect();
        let mut written: Vec<(String, u64)> = alerts
            .iter()
            .flat_map(|(kind, fired)| fired.iter().map(move |(f, _, _)| (kind.clone(), (f * 1000.0) as u64)))
            .collect();
        timers.sort();
        written.sort();
        assert_eq!(written, timers, "case {id}: one alert per timer");
        for (kind, fired) in &alerts {
            let levels: Vec<u64> = fired.iter().map(|(_, level, _)| *level).collect();
            let fractions: Vec<f64> = fired.iter().map(|(f, _, _)| *f).collect();
            assert_eq!(
                levels,
                (0..fired.len() as u64).collect::<Vec<_>>(),
                "case {id} {kind}: each alert one level further up"
            );
            assert!(
                fractions.windows(2).all(|w| w[0] < w[1]),
                "case {id} {kind}: warnings before the breach: {fractions:?}"
            );
            let by: std::collections::BTreeSet<&str> = fired.iter().map(|(_, _, r)| r.as_str()).collect();
            assert_eq!(by.len(), 1, "case {id} {kind}: one replica fired the whole deadline");
        }
        fired_total += entries.len();
    }
    assert_eq!(fired_total, rows.len(), "one alert per armed timer");
    assert!(
        levels_seen.is_superset(&[0, 1, 2].into()),
        "alerts climbed the chain: {levels_seen:?}"
    );
    assert_eq!(
        replicas_seen.len(),
        2,
        "both replicas fired some timers: {replicas_seen:?}"
    );

    // Every alert left the outbox, and analytics read each case's investigation events in an
    // unbroken sequence up to the last alert: the case's opening, then one event per timer.
    let drained = testkit::wait_until(Duration::from_secs(30), || async {
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE case_id = ANY($1)
             AND event_type IN ('case.deadline_warned', 'case.deadline_breached')",
        )
        .bind(&ids)
        .fetch_one(&store)
        .await
        .ok()?;
        (left == 0).then_some(())
    })
    .await;
    assert!(drained.is_some(), "the alerts were relayed");
    let analytics = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&stores.url("analytics"))
        .await
        .expect("analytics' database");
    for id in &ids {
        let expected = 1 + timers_of[id].len() as i64;
        let seen = testkit::wait_until(Duration::from_secs(30), || async {
            let seq: i64 = sqlx::query_scalar(
                "SELECT seq FROM inbox_marks WHERE consumer = 'analytics' AND case_id = $1 AND producer = 'investigation'",
            )
            .bind(id)
            .fetch_optional(&analytics)
            .await
            .ok()??;
            (seq == expected).then_some(seq)
        })
        .await;
        assert_eq!(seen, Some(expected), "case {id}: analytics read every alert once");
    }
    drop(deployment);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioning_declares_every_consumer_on_every_partition_and_can_run_again() {
    if testkit::nats::server_or_skip("bus provisioning").is_none() {
        return;
    }
    let nats = NatsServer::start().await.expect("nats-server starts");
    for run in 0..2 {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_redress"))
            .args(["admin", "bus", "provision"])
            .env("REDRESS__BUS__NATS_URL", nats.url())
            .env("REDRESS__BUS__PARTITIONS", "3")
            .output()
            .expect("redress runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "run {run}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        for (service, producers) in [
            ("routing", "intake"),
            ("investigation", "routing"),
            ("notification", "intake, routing, investigation, analytics"),
            ("analytics", "intake, routing, investigation, notification"),
        ] {
            let names: Vec<String> = (0..3).map(|p| bus::subjects::durable_name(service, p)).collect();
            let line = format!("{service}: {} (reads {producers})", names.join(", "));
            assert!(
                stdout.lines().any(|l| l == line),
                "run {run}: `{line}` missing from\n{stdout}"
            );
        }
    }
}
