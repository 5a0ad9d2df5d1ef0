//! The suites every transport and every consumer pipeline must pass.
//!
//! [`transport`] checks a [`crate::Transport`] against JetStream's semantics; a test binary
//! instantiates it per transport with a factory. [`pipeline`] checks the consumer runtime
//! (ordering per case and producer, deduplication, dead letters) on top of a transport.

pub mod pipeline;
pub mod transport;
