//! Dev-only helpers for tests (used only under `[dev-dependencies]`).
//!
//! Waiting means polling a condition with a timeout ([`wait_until`]), never a fixed sleep.

pub mod nats;
pub mod imap;
pub mod smtp;
pub mod s3;
pub mod postgres;
pub mod stores;

use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `check` every 20 ms until it returns `Some`, or `timeout` passes (then `None`).
pub async fn wait_until<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The blocking twin of [`wait_until`], for process-level tests.
pub fn wait_until_blocking<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
