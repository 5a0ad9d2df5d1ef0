//! The console's configuration.

use std::net::SocketAddr;

/// Where the console listens and where its peers are.
#[derive(Debug, Clone)]
pub struct Config {
    pub http_addr: SocketAddr,
    /// The identity store.
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    pub intake_url: String,
    pub routing_url: String,
    pub investigation_url: String,
    pub notification_url: String,
    pub analytics_url: String,
    /// Public submissions per minute per client address.
    pub public_per_minute: u32,
}
