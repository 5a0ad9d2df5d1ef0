//! End-to-end tests on the embedded shape (one binary; one module per feature).

mod http_contract;
mod deadlines;
mod lifecycle;
