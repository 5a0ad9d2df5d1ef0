//! End-to-end tests of the whole product in one process (one binary; one module per feature).
//! Each test runs twice: with every store on SQLite (`…::sqlite::name`) and on PostgreSQL
//! (`…::postgres::name`), which makes the suite each service's store conformance suite.

/// Runs each named test (an `async fn(Stores)` of the enclosing module) once per store backend.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::$name(e2e::Stores::Sqlite).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if testkit::postgres::available_or_skip(stringify!($name)) {
                    super::$name(e2e::Stores::Postgres).await;
                }
            })*
        }
    };
}

mod http_contract;
mod deadlines;
mod lifecycle;
mod routing;
mod casework;
mod notification;
mod intake;
mod web;
mod channels;
mod registration;
mod customers;
mod privacy;
