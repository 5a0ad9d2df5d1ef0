//! The Sandbox: the whole product started in-process on a fresh data directory, with typed
//! helpers for its HTTP API. End-to-end tests live in `e2e/`, one file per feature, compiled
//! into one test binary.

use std::sync::Arc;
use std::time::Duration;

use redress::embedded::{self, Options, Running};
use redress::settings::Settings;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::wait_until;

/// The administrator token every Sandbox uses.
pub const ADMIN_TOKEN: &str = "sandbox-admin-token-0123456789";

/// Where the services keep their stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stores {
    /// SQLite files in the data directory (the embedded default).
    Sqlite,
    /// A fresh PostgreSQL database per service, dropped with the Sandbox.
    Postgres,
}

/// A running product on a temporary data directory.
pub struct Sandbox {
    running: Option<Running>,
    /// The settings it runs with (kept for a restart).
    settings: Settings,
    pub base_url: String,
    pub http: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    /// The PostgreSQL databases (dropped last, after the product stopped).
    databases: Option<Arc<Databases>>,
}

/// One database per service on the test server.
struct Databases {
    urls: std::collections::BTreeMap<&'static str, String>,
    _main: testkit::postgres::TestDatabase,
}

impl Sandbox {
    /// Starts the embedded shape on a fresh directory and a free port, on the system clock.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with_clock(Arc::new(domain::SystemClock)).await
    }

    /// Starts the embedded shape on a fresh directory with the given clock.
    pub async fn start_with_clock(clock: Arc<dyn domain::Clock>) -> anyhow::Result<Self> {
        Self::start_on(Stores::Sqlite, clock).await
    }

    /// Starts the product with its stores on SQLite or PostgreSQL, with the given clock.
    pub async fn start_on(stores: Stores, clock: Arc<dyn domain::Clock>) -> anyhow::Result<Self> {
        Self::start_with(stores, clock, Settings::default()).await
    }

    /// Starts the product with these settings (the public rate limit raised for tests).
    pub async fn start_with(stores: Stores, clock: Arc<dyn domain::Clock>, settings: Settings) -> anyhow::Result<Self> {
        let settings = Settings {
            public_per_minute: 1000,
            ..settings
        };
        let data_dir = tempfile::tempdir()?;
        let databases = match stores {
            Stores::Sqlite => None,
            Stores::Postgres => {
                let main = testkit::postgres::TestDatabase::create().map_err(anyhow::Error::msg)?;
                let urls = main.siblings(&embedded::SERVICES).map_err(anyhow::Error::msg)?;
                Some(Arc::new(Databases { urls, _main: main }))
            }
        };
        let running = embedded::start(Self::options(data_dir.path(), clock, &databases, &settings)).await?;
        let base_url = format!("http://{}", running.console_addr);
        Ok(Self {
            running: Some(running),
            settings,
            base_url,
            http: reqwest::Client::new(),
            data_dir,
            databases,
        })
    }

    fn options(
        data_dir: &std::path::Path,
        clock: Arc<dyn domain::Clock>,
        databases: &Option<Arc<Databases>>,
        settings: &Settings,
    ) -> Options {
        let store_url: Option<embedded::StoreUrl> = databases.clone().map(|databases| {
            let name: embedded::StoreUrl =
                Arc::new(move |service: &str| databases.urls.get(service).cloned().unwrap_or_default());
            name
        });
        Options {
            data_dir: data_dir.to_path_buf(),
            http: ([127, 0, 0, 1], 0).into(),
            admin_token: Some(ADMIN_TOKEN.to_owned()),
            fsync_full: false,
            settings: settings.clone(),
            clock,
            transport: None,
            store_url,
        }
    }

    /// The default tenant's audit log of one service's store (`intake`, `routing`, `console`),
    /// oldest first.
    pub async fn audit_log(&self, service: &str) -> anyhow::Result<Vec<store::audit::Recorded>> {
        let url = match &self.databases {
            Some(databases) => databases.urls.get(service).cloned().unwrap_or_default(),
            None => store::sqlite_url(&self.data_dir.path().join(format!("{service}.db"))),
        };
        let db = store::Db::connect(&url, &[], store::OpenOptions::default()).await?;
        let entries = store::audit::entries(&db, "default").await;
        db.close().await;
        Ok(entries?)
    }

    /// Each service's store URL (`sqlite://…` in the data directory, or its PostgreSQL database).
    pub fn store_urls(&self) -> std::collections::BTreeMap<&'static str, String> {
        embedded::SERVICES
            .iter()
            .map(|service| {
                let url = match &self.databases {
                    Some(databases) => databases.urls.get(service).cloned().unwrap_or_default(),
                    None => store::sqlite_url(&self.data_dir.path().join(format!("{service}.db"))),
                };
                (*service, url)
            })
            .collect()
    }

    /// Where intake's gRPC listens (for calling it as another service would).
    pub fn intake_url(&self) -> String {
        self.running.as_ref().expect("running").intake_url.clone()
    }

    /// The bus the product's services share.
    pub fn transport(&self) -> Arc<dyn bus::Transport> {
        self.running.as_ref().expect("running").transport.clone()
    }

    /// Stops the product and starts it again on the same data directory.
    pub async fn restart(&mut self, clock: Arc<dyn domain::Clock>) -> anyhow::Result<()> {
        if let Some(running) = self.running.take() {
            running.stop(Duration::from_secs(10)).await;
        }
        let running = embedded::start(Self::options(
            self.data_dir.path(),
            clock,
            &self.databases,
            &self.settings,
        ))
        .await?;
        self.base_url = format!("http://{}", running.console_addr);
        self.running = Some(running);
        Ok(())
    }

    /// `POST /api/v1/complaints` as the administrator; returns the status and the JSON body.
    pub async fn post_complaint(
        &self,
        body: &serde_json::Value,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        let mut request = self
            .http
            .post(format!("{}/api/v1/complaints", self.base_url))
            .bearer_auth(ADMIN_TOKEN)
            .json(body);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await?;
        Ok((response.status().as_u16(), response.json().await?))
    }

    /// `GET /api/v1/cases/{id}` as the administrator.
    pub async fn case(&self, id: &str) -> anyhow::Result<(u16, serde_json::Value)> {
        let response = self
            .http
            .get(format!("{}/api/v1/cases/{id}", self.base_url))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await?;
        Ok((response.status().as_u16(), response.json().await?))
    }

    /// A request to the API as the administrator.
    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(ADMIN_TOKEN)
    }

    /// Stops the product and waits for it to drain.
    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop(Duration::from_secs(10)).await;
        }
    }
}

/// The product's `tracing` logs captured in this process, for tests that read what it logs.
pub mod logs {
    use std::sync::{Arc, Mutex, OnceLock};

    /// Debug for every crate but the transports' own chatter (HTTP/2 frames, TLS, polling).
    pub const FILTER: &str = "debug,h2=info,hyper=info,hyper_util=info,tower=info,tonic=info,reqwest=info,\
        rustls=info,mio=info,want=info,async_nats=info,tokio_util=info";

    /// What was logged, as `redress up` writes it to standard error (without colours).
    #[derive(Clone, Default)]
    pub struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        /// Everything logged so far.
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned()
        }
    }

    static CAPTURED: OnceLock<Captured> = OnceLock::new();

    /// Installs, once per process, the global subscriber that captures every event at
    /// [`FILTER`] from every thread (services, consumers, blocking tasks, store connections).
    ///
    /// # Panics
    ///
    /// When another global subscriber was installed first: its logs would not be captured.
    pub fn capture() -> Captured {
        CAPTURED
            .get_or_init(|| {
                let captured = Captured::default();
                let writer = captured.clone();
                tracing_subscriber::fmt()
                    .with_env_filter(tracing_subscriber::EnvFilter::new(FILTER))
                    .with_ansi(false)
                    .with_writer(move || writer.clone())
                    .try_init()
                    .expect("no other tracing subscriber is installed in this process");
                captured
            })
            .clone()
    }
}

/// How many timeline entries of a case have this service and action.
pub fn count_entries(case: &serde_json::Value, service: &str, action: &str) -> usize {
    case["timeline"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["service"] == service && e["action"] == action)
                .count()
        })
        .unwrap_or(0)
}

/// Publishes a routing document (`/api/v1/org`, `/api/v1/routing/rules`, `/api/v1/catalog`).
pub async fn publish(sandbox: &Sandbox, path: &str, document: Value, note: &str) -> (u16, Value) {
    let response = sandbox
        .api(Method::PUT, path)
        .json(&json!({"document": document, "note": note}))
        .send()
        .await
        .expect("sent");
    (response.status().as_u16(), response.json().await.expect("json"))
}

/// `POST /api/v1/cases/{id}/{action}`, with `If-Match` when a version is given.
pub async fn act(sandbox: &Sandbox, id: &str, action: &str, body: Value, if_match: Option<u64>) -> (u16, Value) {
    let mut request = sandbox
        .api(Method::POST, &format!("/api/v1/cases/{id}/{action}"))
        .json(&body);
    if let Some(version) = if_match {
        request = request.header("If-Match", version.to_string());
    }
    let response = request.send().await.expect("sent");
    (response.status().as_u16(), response.json().await.expect("json"))
}

/// Registers a case and waits until routing has dispatched it and every service has it;
/// returns (id, case view).
pub async fn dispatched(sandbox: &Sandbox, body: Value) -> (String, Value) {
    let (status, created) = sandbox.post_complaint(&body, None).await.expect("posted");
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let case = wait_until(Duration::from_secs(10), || async {
        let (_, case) = sandbox.case(&id).await.ok()?;
        // Every service has it, so its version holds still until someone acts.
        let settled = case["pending"].as_array().is_some_and(Vec::is_empty);
        (case["dispatch"]["state"] == "dispatched" && settled).then_some(case)
    })
    .await
    .expect("dispatched");
    (id, case)
}

/// Sends a request and reads its status and JSON answer.
pub async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("sent");
    (response.status().as_u16(), response.json().await.expect("json"))
}

/// The case once `what` holds of it (10 s at most).
pub async fn until(sandbox: &Sandbox, id: &str, what: impl Fn(&Value) -> bool) -> Value {
    wait_until(Duration::from_secs(10), || async {
        let (_, case) = sandbox.case(id).await.ok()?;
        what(&case).then_some(case)
    })
    .await
    .expect("the case reached the expected state")
}
