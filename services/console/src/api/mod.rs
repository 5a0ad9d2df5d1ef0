//! The JSON API under `/api/v1`: errors in one shape, one module per resource.

pub mod analytics;
pub mod answers;
pub mod auth;
pub mod body;
pub mod casework;
pub mod cases;
pub mod complaints;
pub mod counter;
pub mod customers;
pub mod dossier;
pub mod error;
pub mod gate;
pub mod inbox;
pub mod particulars;
pub mod receipts;
pub mod routing;
pub mod status;
pub mod templates;
pub mod uploads;
pub mod webhooks;

pub use error::ApiError;
