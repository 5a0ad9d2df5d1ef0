//! Intake's configuration.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Where intake keeps its data and listens.
#[derive(Debug, Clone)]
pub struct Config {
    /// The SQLite file.
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// The file holding the master key for personal data (created with mode 0600 if absent).
    pub key_path: PathBuf,
    pub grpc_addr: SocketAddr,
    /// The calendar deadlines are counted in.
    pub calendar_id: String,
    /// The SLA policy (preset name) new cases get.
    pub policy: String,
    /// Accept complete submissions at once.
    pub auto_accept: bool,
    pub fsync_full: bool,
}
