//! The JSON API under `/api/v1`: errors in one shape, one module per resource.

pub mod error;
pub mod auth;
pub mod complaints;
pub mod cases;
pub mod analytics;

pub use error::ApiError;
