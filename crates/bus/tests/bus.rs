//! The bus crate's integration tests, one binary: the transport conformance suite on the
//! embedded log, and what only the embedded log promises (its file, restarts, SIGKILL); the
//! same suites on JetStream; replicas of one consumer sharing partitions through leases.

#[path = "bus/conformance.rs"]
mod conformance;
#[path = "bus/embedded.rs"]
mod embedded;
#[path = "bus/jetstream.rs"]
mod jetstream;
#[path = "bus/factory.rs"]
mod factory;
#[path = "bus/pipeline.rs"]
mod pipeline;
#[path = "bus/replicas.rs"]
mod replicas;
#[path = "bus/leases.rs"]
mod leases;
