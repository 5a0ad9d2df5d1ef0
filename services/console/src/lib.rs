//! The console gateway: HTTP API, web pages, identity.
