//! Leases on the embedded log: every lease is always granted.
//!
//! The embedded log belongs to one process (the product locks its data directory), and that
//! process runs one replica of each consumer, so no other replica can ever compete for a
//! partition: granting every request is correct here, and the trivial answer is the whole
//! implementation. Leases never expire and memberships are not tracked ([`Leases::members`] is
//! empty; the caller counts itself, so it takes every partition).

use std::time::Duration;

use async_trait::async_trait;

use crate::leases::{Error, Lease, Leases};

/// The leases of a one-process, one-replica deployment: always granted.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbeddedLeases;

#[async_trait]
impl Leases for EmbeddedLeases {
    fn ttl(&self) -> Option<Duration> {
        None
    }

    async fn take(&self, consumer: &str, partition: u32, holder: &str) -> Result<Lease, Error> {
        Ok(Lease {
            consumer: consumer.to_owned(),
            partition,
            holder: holder.to_owned(),
            revision: 1,
        })
    }

    async fn renew(&self, _lease: &mut Lease) -> Result<(), Error> {
        Ok(())
    }

    async fn release(&self, _lease: Lease) -> Result<(), Error> {
        Ok(())
    }

    async fn join(&self, _consumer: &str, _replica: &str) -> Result<(), Error> {
        Ok(())
    }

    async fn leave(&self, _consumer: &str, _replica: &str) -> Result<(), Error> {
        Ok(())
    }

    async fn members(&self, _consumer: &str) -> Result<Vec<String>, Error> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_lease_is_granted_and_the_caller_is_alone() {
        let leases = EmbeddedLeases;
        let mut first = leases.take("routing", 0, "a").await.expect("granted");
        assert!(
            leases.take("routing", 0, "b").await.is_ok(),
            "one process: granted again"
        );
        leases.renew(&mut first).await.expect("renewed");
        leases.release(first).await.expect("released");
        leases.join("routing", "a").await.expect("joined");
        assert!(leases.members("routing").await.expect("members").is_empty());
        assert_eq!(leases.ttl(), None);
    }
}
