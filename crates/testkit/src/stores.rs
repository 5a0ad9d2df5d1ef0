//! A store test on each backend: [`on_both_backends!`] turns `async fn name(target: &StoreTarget)`
//! into `sqlite::name` and `postgres::name`; [`StoreTarget`] is where that run's database lives
//! (a temporary directory, or a PostgreSQL database of its own), dropped with it.

use tempfile::TempDir;

use crate::postgres::{TestDatabase, database_or_skip};

/// Which database a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where one run's database lives.
#[derive(Debug)]
pub enum StoreTarget {
    Sqlite(TempDir),
    Postgres(TestDatabase),
}

impl StoreTarget {
    /// A fresh place; `None` (after saying why, a failure under `CI=true`) without PostgreSQL.
    pub fn new(backend: Backend, test: &str) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::Sqlite(tempfile::tempdir().expect("a temporary directory"))),
            Backend::Postgres => database_or_skip(test).map(Self::Postgres),
        }
    }

    /// The database URL: `sqlite://<dir>/<file>` or the PostgreSQL database's.
    pub fn url(&self, file: &str) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.path().join(file).display()),
            Self::Postgres(database) => database.url().to_owned(),
        }
    }
}

/// Runs each named `async fn(&StoreTarget)` of the calling module once per backend, as
/// `sqlite::<name>` and `postgres::<name>` (tokio tests on two worker threads).
#[macro_export]
macro_rules! on_both_backends {
    (@module $module:ident, $backend:ident, $($name:ident),*) => {
        mod $module {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let backend = $crate::stores::Backend::$backend;
                if let Some(target) = $crate::stores::StoreTarget::new(backend, stringify!($name)) {
                    super::$name(&target).await;
                }
            })*
        }
    };
    ($($name:ident),* $(,)?) => {
        $crate::on_both_backends!(@module sqlite, Sqlite, $($name),*);
        $crate::on_both_backends!(@module postgres, Postgres, $($name),*);
    };
}
