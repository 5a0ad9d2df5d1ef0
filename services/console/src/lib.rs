//! The console gateway: the only HTTP front door. It serves the REST API (with its OpenAPI
//! document), the public landing page, health, readiness and metrics; it talks to the
//! services over gRPC only and holds no case data. It owns identity (credentials as hashes)
//! in a small store of its own, and picks the tenant from the credential.
//!
//! Start with [`app`] (the router), then [`api`] (one module per resource).

// An error answer carries its field and details; boxing it would buy nothing on this path.
#![allow(clippy::result_large_err)]

pub mod config;
pub mod identity;
pub mod peers;
pub mod rate_limit;
pub mod api;
pub mod pages;
pub mod openapi;
pub mod app;

pub use app::App;
pub use config::Config;
