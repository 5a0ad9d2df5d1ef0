//! Test-only crash hooks: `REDRESS_CRASH_AT=<point>[:<n>]` kills the process with SIGKILL the
//! n-th time (default the first) it reaches `<point>`.
//!
//! Points (see `docs/decisions/0001-events-ordering-and-ownership.md`):
//! `relay.after_commit`, `relay.after_publish`, `consumer.after_commit`. Process-level tests
//! use them to prove that a crash between a commit and its publication, or between a
//! consumer's commit and its acknowledgement, loses and duplicates nothing. Unset, a hook
//! costs one atomic load after the first call.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable that arms a hook.
pub const ENV: &str = "REDRESS_CRASH_AT";

struct Armed {
    point: String,
    nth: u64,
    seen: AtomicU64,
}

fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let value = std::env::var(ENV).ok()?;
            let (point, nth) = match value.split_once(':') {
                Some((point, nth)) => (point.to_owned(), nth.parse().unwrap_or(1)),
                None => (value, 1),
            };
            Some(Armed {
                point,
                nth: nth.max(1),
                seen: AtomicU64::new(0),
            })
        })
        .as_ref()
}

/// Kills the process with SIGKILL if `point` is armed and reached for the n-th time.
pub fn point(point: &str) {
    let Some(armed) = armed() else { return };
    if armed.point != point {
        return;
    }
    if armed.seen.fetch_add(1, Ordering::SeqCst) + 1 == armed.nth {
        eprintln!("crash hook {point}: killing the process");
        // SIGKILL: no destructor, no flush, exactly like an outside `kill -9`.
        let _ = std::process::Command::new("kill")
            .arg("-9")
            .arg(std::process::id().to_string())
            .status();
        std::process::abort();
    }
}
