//! The bus: how services exchange events.
//!
//! Start with [`subjects`] (every subject name is built there and nowhere else), then
//! [`envelope`] (what every event carries), then [`transport`] (the traits a broker must
//! implement: the durable embedded log in [`embedded`], NATS JetStream in the distributed
//! shape). [`relay`] moves committed outbox rows to the transport; [`consumer`] runs the
//! batch loop that feeds a service's handler and acknowledges only after its commit, on the
//! partitions whose [`leases`] its replica holds.
//! [`conformance`] is the suite every transport must pass.
//!
//! This crate knows no particular service and never depends on one. The rules it enforces are
//! written in `docs/decisions/0001-events-ordering-and-ownership.md`.

pub mod subjects;
pub mod envelope;
pub mod transport;
pub mod leases;
pub mod embedded;
pub mod jetstream;
pub mod metrics;
pub mod relay;
pub mod consumer;
pub mod crash;
pub mod conformance;

pub use envelope::Envelope;
pub use transport::{AckRef, ConsumerSpec, Delivery, Error, Message, Settlement, Transport};
