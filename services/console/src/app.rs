//! The console's wiring: identity store, peers, the router.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State as Extract;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use prometheus_client::registry::Registry;
use runtime::BoxError;
use store::{Db, OpenOptions};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;

use crate::api::{self, ApiError};
use crate::config::Config;
use crate::identity;
use crate::openapi::ApiDoc;
use crate::pages;
use crate::peers::Peers;
use crate::rate_limit::RateLimiter;

/// What every request handler shares.
#[derive(Clone)]
pub struct State {
    pub identity: Db,
    pub peers: Peers,
    pub public_limiter: Arc<RateLimiter>,
    /// The status page's codes and sessions per client address: a third of the public rate, at
    /// least 3 a minute (decision 0008).
    pub status_limiter: Arc<RateLimiter>,
    /// Every service's registry in this process (each service's own in the distributed shape).
    pub registries: Arc<Vec<Arc<Registry>>>,
    /// The CJK font of the dossier's PDF summary, loaded at the first export.
    pub fonts: dossier::FontCache,
}

/// How the administrator credential is set on start.
#[derive(Debug, Clone)]
pub enum AdminToken {
    /// Use this token (replacing any earlier one).
    Given(String),
    /// Keep the existing one; on first start create one and write it to this file.
    CreateIfMissing(std::path::PathBuf),
}

/// A built console, listening.
pub struct App {
    listener: TcpListener,
    addr: SocketAddr,
    state: State,
    /// Where a freshly created administrator token was written, if one was.
    pub created_admin_token_at: Option<std::path::PathBuf>,
}

impl App {
    /// Opens the identity store, sets the administrator credential, binds HTTP.
    pub async fn build(
        config: Config,
        admin: AdminToken,
        registries: Vec<Arc<Registry>>,
        now: &str,
    ) -> Result<Self, BoxError> {
        let identity_db = Db::connect(&config.database_url, identity::MIGRATIONS, OpenOptions::default()).await?;
        let mut created_admin_token_at = None;
        match admin {
            AdminToken::Given(token) => {
                if !identity::is_valid_admin_token(&token) {
                    return Err("the administrator token must be at least 16 printable ASCII characters".into());
                }
                identity::set_admin_token(&identity_db, &token, now).await?;
            }
            AdminToken::CreateIfMissing(path) => {
                if !identity::has_admin(&identity_db).await? {
                    let token = identity::new_token();
                    write_private(&path, &token)?;
                    identity::set_admin_token(&identity_db, &token, now).await?;
                    created_admin_token_at = Some(path);
                }
            }
        }
        let peers = Peers::new(&config)?;
        let listener = TcpListener::bind(config.http_addr).await?;
        let addr = listener.local_addr()?;
        let state = State {
            identity: identity_db,
            peers,
            public_limiter: Arc::new(RateLimiter::new(config.public_per_minute)),
            status_limiter: Arc::new(RateLimiter::new((config.public_per_minute / 3).max(3))),
            registries: Arc::new(registries),
            fonts: dossier::FontCache::default(),
        };
        Ok(Self {
            listener,
            addr,
            state,
            created_admin_token_at,
        })
    }

    /// Where HTTP listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether every service answers its health check.
    pub async fn ready(&self) -> bool {
        self.state.peers.all_ready().await
    }

    /// Serves until `shutdown`, finishing requests in flight.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> Result<(), BoxError> {
        let identity_db = self.state.identity.clone();
        axum::serve(
            self.listener,
            router(self.state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await?;
        identity_db.close().await;
        Ok(())
    }
}

/// The routes.
pub fn router(state: State) -> Router {
    Router::new()
        .route("/", get(pages::landing))
        .route("/staff/", get(pages::staff))
        .route("/status", get(pages::status))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/openapi.json", get(|| async { axum::Json(ApiDoc::openapi()) }))
        .route(
            "/api/v1/complaints",
            post(api::complaints::create).layer(axum::extract::DefaultBodyLimit::max(api::uploads::MAX_UPLOAD_BYTES)),
        )
        .route("/api/v1/status/codes", post(api::status::request_code))
        .route("/api/v1/status/sessions", post(api::status::open_session))
        .route("/api/v1/status", get(api::status::show))
        .route("/api/v1/status/questions/{n}/answer", post(api::status::answer))
        .route(
            "/api/v1/cases/{id}/questions",
            get(api::status::questions).post(api::status::ask),
        )
        .route("/api/v1/cases/{id}/attachments", get(api::uploads::list))
        .route(
            "/api/v1/cases/{id}/attachments/{attachment_id}",
            get(api::uploads::download),
        )
        .route("/api/v1/cases/{id}", get(api::cases::show))
        .route(
            "/api/v1/cases/{id}/hearing-summary",
            get(api::casework::hearing_summary),
        )
        .route("/api/v1/cases/{id}/dossier", get(api::dossier::export))
        .route("/api/v1/inbox", get(api::inbox::inbox))
        .route("/api/v1/call-list", get(api::answers::call_list))
        .route("/api/v1/notification/receipts/sms", post(api::receipts::sms))
        .route("/api/v1/answers", get(api::answers::list).post(api::answers::propose))
        .route("/api/v1/answers/{id}/approve", post(api::answers::approve))
        .route("/api/v1/answers/{id}/retire", post(api::answers::retire))
        .route(
            "/api/v1/notification/templates",
            get(api::templates::get_templates).put(api::templates::put_templates),
        )
        .route("/api/v1/notification/templates/preview", post(api::templates::preview))
        .route("/api/v1/cases/{id}/privacy-number", post(api::counter::privacy_number))
        .route(
            "/api/v1/cases/{id}/verify-identity",
            post(api::particulars::verify_identity),
        )
        .route("/api/v1/cases/{id}/{action}", post(api::casework::act))
        .route("/api/v1/webhooks/{tenant}/phone", post(api::webhooks::phone))
        .route(
            "/api/v1/webhooks/{tenant}/wechat",
            get(api::webhooks::wechat_verify).post(api::webhooks::wechat_push),
        )
        .route("/api/v1/callers/lookup", post(api::counter::lookup_caller))
        .route("/api/v1/drafts/{id}", get(api::counter::get_draft))
        .route("/api/v1/drafts/{id}/complete", post(api::counter::complete_draft))
        .route(
            "/api/v1/letters",
            post(api::counter::letter).layer(axum::extract::DefaultBodyLimit::max(api::counter::MAX_LETTER_BYTES)),
        )
        .route("/api/v1/walk-ins", post(api::counter::start_walk_in))
        .route("/api/v1/walk-ins/{id}/confirm", post(api::counter::confirm_walk_in))
        .route("/api/v1/on-the-spot", post(api::counter::on_the_spot))
        .route("/api/v1/customers/lookup", post(api::customers::lookup))
        .route(
            "/api/v1/customers/sync",
            post(api::customers::sync).layer(axum::extract::DefaultBodyLimit::max(api::customers::MAX_SYNC_BYTES)),
        )
        .route(
            "/api/v1/imports",
            post(api::gate::import).layer(axum::extract::DefaultBodyLimit::max(api::gate::MAX_IMPORT_BYTES)),
        )
        .route("/api/v1/credentials", post(api::casework::issue_credential))
        .route(
            "/api/v1/org",
            get(api::routing::get_organisation).put(api::routing::put_organisation),
        )
        .route(
            "/api/v1/routing/rules",
            get(api::routing::get_rules).put(api::routing::put_rules),
        )
        .route(
            "/api/v1/catalog",
            get(api::routing::get_catalog).put(api::routing::put_catalog),
        )
        .route("/api/v1/routing/dry-run", post(api::routing::dry_run))
        .route("/api/v1/analytics/kpis", get(api::analytics::kpis))
        .route("/api/v1/analytics/hotspots", get(api::analytics::hotspots))
        .route("/api/v1/analytics/reports/overdue", get(api::analytics::overdue_list))
        .route(
            "/api/v1/analytics/reports/half-year",
            get(api::analytics::half_year_report),
        )
        .route(
            "/api/v1/analytics/obligations/{report}/{unit}",
            axum::routing::put(api::analytics::put_obligation),
        )
        .route(
            "/api/v1/analytics/filings",
            get(api::analytics::list_filings).post(api::analytics::file_report),
        )
        .route(
            "/api/v1/analytics/filings/{id}/{format}",
            get(api::analytics::get_filing),
        )
        .route(
            "/api/v1/analytics/denominators/{unit}/{year}",
            axum::routing::put(api::analytics::put_denominator),
        )
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(1024 * 1024))
        .with_state(state)
}

async fn readyz(Extract(state): Extract<State>) -> Response {
    if state.peers.all_ready().await {
        (StatusCode::OK, "ready").into_response()
    } else {
        ApiError::unavailable("a service").into_response()
    }
}

async fn metrics(Extract(state): Extract<State>) -> Response {
    let mut text = String::new();
    for registry in state.registries.iter() {
        let mut one = String::new();
        if prometheus_client::encoding::text::encode(&mut one, registry).is_ok() {
            text.extend(
                one.lines()
                    .filter(|line| *line != "# EOF")
                    .map(|line| format!("{line}\n")),
            );
        }
    }
    text.push_str("# EOF\n");
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn not_found(uri: axum::http::Uri) -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("nothing at {}", uri.path())).into_response()
}

fn write_private(path: &std::path::Path, token: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(token.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}
