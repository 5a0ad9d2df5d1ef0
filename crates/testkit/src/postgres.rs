//! A database of its own on a real PostgreSQL server, per test: [`TestDatabase::create`]
//! makes `redress_test_<random>` and dropping the value removes it (with `FORCE`, so pools a
//! test left open do not keep it alive).
//!
//! The server is `$REDRESS_TEST_POSTGRES` (an administrator's URL, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`), else that default URL. A test asks
//! [`database_or_skip`]: without a reachable server it fails under `CI=true` and otherwise says
//! `SKIPPED` loudly and returns early; it never passes silently.

use std::time::Duration;

use sqlx::{Connection, PgConnection};

/// The variable that names the administrator's URL.
pub const URL_ENV: &str = "REDRESS_TEST_POSTGRES";
const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists until this value is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// Creates a fresh, empty database.
    pub fn create() -> Result<Self, String> {
        let admin_url = std::env::var(URL_ENV).unwrap_or_else(|_| DEFAULT_URL.to_owned());
        let name = format!("redress_test_{}", random_suffix());
        admin(&admin_url, &format!("CREATE DATABASE {name}"))?;
        let url = with_database(&admin_url, &name);
        Ok(Self { admin_url, name, url })
    }

    /// The database's URL (`postgres://…/redress_test_…`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL of another fresh database on the same server, removed with this one: for tests
    /// that give each service a database of its own.
    pub fn sibling(&self, suffix: &str) -> Result<String, String> {
        let name = format!("{}_{suffix}", self.name);
        admin(&self.admin_url, &format!("CREATE DATABASE {name}"))?;
        Ok(with_database(&self.admin_url, &name))
    }
}

impl TestDatabase {
    /// A fresh sibling database per name, by name.
    pub fn siblings(&self, names: &[&'static str]) -> Result<std::collections::BTreeMap<&'static str, String>, String> {
        names.iter().map(|name| Ok((*name, self.sibling(name)?))).collect()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let pattern = format!("{}%", self.name);
        let admin_url = self.admin_url.clone();
        let dropped = run(async move {
            let mut conn = PgConnection::connect(&admin_url).await.map_err(|e| e.to_string())?;
            let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
                .bind(&pattern)
                .fetch_all(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            for name in names {
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok(())
        });
        if let Err(error) = dropped {
            eprintln!("could not drop test database {}: {error}", self.name);
        }
    }
}

/// A fresh database, or `None` after saying why (a failure under `CI=true`).
pub fn database_or_skip(test: &str) -> Option<TestDatabase> {
    match TestDatabase::create() {
        Ok(database) => Some(database),
        Err(error) => {
            let message = format!("{test}: PostgreSQL is not usable ({error}); set {URL_ENV}");
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
            eprintln!("SKIPPED {message}");
            None
        }
    }
}

/// Whether the server answers; `false` after saying why (a failure under `CI=true`).
pub fn available_or_skip(test: &str) -> bool {
    let admin_url = std::env::var(URL_ENV).unwrap_or_else(|_| DEFAULT_URL.to_owned());
    match admin(&admin_url, "SELECT 1") {
        Ok(()) => true,
        Err(error) => {
            let message = format!("{test}: PostgreSQL is not usable ({error}); set {URL_ENV}");
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
            eprintln!("SKIPPED {message}");
            false
        }
    }
}

fn admin(admin_url: &str, statement: &str) -> Result<(), String> {
    let (url, statement) = (admin_url.to_owned(), statement.to_owned());
    run(async move {
        let mut conn = PgConnection::connect(&url).await.map_err(|e| e.to_string())?;
        sqlx::query(&statement)
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        conn.close().await.map_err(|e| e.to_string())
    })
}

/// Runs `work` on a runtime of its own in a thread of its own, so it works from sync code, from
/// async tests and from `Drop` alike.
fn run<T: Send + 'static>(
    work: impl std::future::Future<Output = Result<T, String>> + Send + 'static,
) -> Result<T, String> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async move {
            tokio::time::timeout(Duration::from_secs(30), work)
                .await
                .map_err(|_| "PostgreSQL did not answer within 30 s".to_owned())?
        })
    })
    .join()
    .map_err(|_| "the PostgreSQL helper thread panicked".to_owned())?
}

fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let base = match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => &base[..slash],
        _ => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}
