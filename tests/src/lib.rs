//! Workspace end-to-end tests: a Sandbox that runs all services in one process.
