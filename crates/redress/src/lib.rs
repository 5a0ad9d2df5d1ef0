//! The product assembled: [`embedded`] starts every service and the console in one process;
//! [`settings`] reads configuration. The `redress` binary and the end-to-end tests use both.

pub mod bench;
pub mod calendars;
pub mod embedded;
pub mod demo;
pub mod settings;
pub mod serve_config;
pub mod serve;
pub mod signals;
