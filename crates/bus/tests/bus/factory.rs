//! Makes embedded logs for the conformance suite: a new file per `fresh`, the same file again
//! for `reopen`.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use bus::Transport;
use bus::conformance::transport::TransportFactory;
use bus::embedded::{EmbeddedLog, EmbeddedOptions};
use tempfile::TempDir;

/// Embedded logs in a temporary directory that lives as long as the factory.
pub struct EmbeddedFactory {
    dir: TempDir,
    files: AtomicU32,
    current: Mutex<Option<PathBuf>>,
}

impl EmbeddedFactory {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary directory"),
            files: AtomicU32::new(0),
            current: Mutex::new(None),
        }
    }

    fn current(&self) -> PathBuf {
        self.current
            .lock()
            .expect("factory lock")
            .clone()
            .expect("reopen before fresh")
    }
}

#[async_trait]
impl TransportFactory for EmbeddedFactory {
    async fn fresh(&self) -> Box<dyn Transport> {
        let n = self.files.fetch_add(1, Ordering::SeqCst);
        let path = self.dir.path().join(format!("log-{n}.db"));
        *self.current.lock().expect("factory lock") = Some(path.clone());
        Box::new(
            EmbeddedLog::open(&path, EmbeddedOptions::default())
                .await
                .expect("a fresh embedded log"),
        )
    }

    async fn reopen(&self) -> Box<dyn Transport> {
        Box::new(
            EmbeddedLog::open(&self.current(), EmbeddedOptions::default())
                .await
                .expect("the embedded log, reopened"),
        )
    }
}
