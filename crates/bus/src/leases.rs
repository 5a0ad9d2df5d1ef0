//! Partition leases: which replica of a consumer pulls which partition.
//!
//! Per-case order holds only while one puller reads a partition's durable consumer. When several
//! replicas (processes) run the same consumer, each partition is pulled only by the replica that
//! holds its lease `lease.<consumer>.<partition>`. A lease is taken when nobody holds it, renewed
//! by its holder well within its time to live, and released (after the partition's worker has
//! finished its batch) so another replica may take it. A lease not renewed within its time to live
//! expires and may be taken by anyone.
//!
//! Each replica also keeps a membership `member.<consumer>.<replica>` alive, so replicas can count
//! each other and share the partitions out (see [`crate::consumer`], which runs the leases).
//!
//! [`Leases`] is the store of both; a [`crate::Transport`] provides one
//! ([`crate::Transport::leases`]). On JetStream it is the key-value bucket
//! [`LEASES_BUCKET`](crate::subjects::LEASES_BUCKET) (see `jetstream/leases.rs`); the embedded log
//! runs one process with one replica per consumer and grants every lease.

use std::time::Duration;

use async_trait::async_trait;

/// A lease held by one replica on one partition of one consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The consumer's name ([`crate::consumer::ConsumerOptions::name`]).
    pub consumer: String,
    /// The partition the lease covers.
    pub partition: u32,
    /// The replica that holds it.
    pub holder: String,
    /// The store's revision of the lease as the holder last wrote it; a renewal or a release
    /// succeeds only while the lease is still at this revision.
    pub revision: u64,
}

/// Lease failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Another replica holds the lease; try another partition, or this one later.
    #[error("lease {key} is held by another replica")]
    Held { key: String },
    /// The lease expired or another replica took it: stop pulling the partition at once.
    #[error("lease {key} is lost: {reason}")]
    Lost { key: String, reason: String },
    /// The store could not be reached; worth a retry. A renewal that fails this way loses the
    /// lease all the same, since its holder cannot know whether it still holds it.
    #[error("the lease store is unavailable: {0}")]
    Unavailable(String),
    /// The store refused the request (a key it cannot hold, a setting it cannot apply).
    #[error("the lease store refused the request: {0}")]
    Refused(String),
}

/// The store of partition leases and consumer memberships.
#[async_trait]
pub trait Leases: Send + Sync + 'static {
    /// How long a lease or a membership lasts without renewal; `None` when they never expire.
    fn ttl(&self) -> Option<Duration>;

    /// Takes the lease on `partition` of `consumer` for `holder`, if nobody holds it
    /// ([`Error::Held`] otherwise).
    async fn take(&self, consumer: &str, partition: u32, holder: &str) -> Result<Lease, Error>;

    /// Renews a lease for another time to live and moves it to its new revision. Any error means
    /// the lease may be lost: its partition must no longer be pulled.
    async fn renew(&self, lease: &mut Lease) -> Result<(), Error>;

    /// Gives a lease up, so another replica can take it at once. Call it only after the
    /// partition's worker has stopped. A lease that was already lost is left alone
    /// ([`Error::Lost`]): it may be someone else's now.
    async fn release(&self, lease: Lease) -> Result<(), Error>;

    /// Registers `replica` as a live member of `consumer`, or renews its membership.
    async fn join(&self, consumer: &str, replica: &str) -> Result<(), Error>;

    /// Removes the membership of `replica`, so the others count one replica fewer at once.
    async fn leave(&self, consumer: &str, replica: &str) -> Result<(), Error>;

    /// The replicas of `consumer` whose membership is live, in no particular order. A caller
    /// counts itself even when it is missing from the answer (its own registration may have
    /// failed, and a store that knows only one replica answers an empty list).
    async fn members(&self, consumer: &str) -> Result<Vec<String>, Error>;
}

/// How many partitions `replica` aims to hold: `partitions` split as evenly as possible over the
/// live `members` (with `replica` counted even if missing), the first `partitions % n` of them in
/// id order taking one more, `ceil(partitions / n)`, and the others `floor(partitions / n)`.
/// The shares add up to `partitions`, so with no more replicas than partitions every replica gets
/// work (an even `ceil` for everyone could leave the newest replica with none: 4 partitions over
/// 3 replicas would be 2, 2, 0).
pub fn share(partitions: u32, members: &[String], replica: &str) -> u32 {
    let mut live: Vec<&str> = members.iter().map(String::as_str).collect();
    live.push(replica);
    live.sort_unstable();
    live.dedup();
    let count = u32::try_from(live.len()).unwrap_or(u32::MAX);
    let rank = live
        .iter()
        .position(|member| *member == replica)
        .and_then(|rank| u32::try_from(rank).ok())
        .unwrap_or(0);
    partitions / count + u32::from(rank < partitions % count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn a_lone_replica_takes_every_partition() {
        assert_eq!(share(4, &[], "a"), 4);
        assert_eq!(share(4, &names(&["a"]), "a"), 4);
    }

    #[test]
    fn shares_add_up_and_differ_by_at_most_one() {
        for partitions in 1..=9 {
            for replicas in 1..=6 {
                let members: Vec<String> = (0..replicas).map(|n| format!("r{n}")).collect();
                let shares: Vec<u32> = members.iter().map(|m| share(partitions, &members, m)).collect();
                assert_eq!(
                    shares.iter().sum::<u32>(),
                    partitions,
                    "{partitions} over {replicas}: {shares:?}"
                );
                let (low, high) = (shares.iter().min(), shares.iter().max());
                assert!(high.zip(low).is_some_and(|(h, l)| h - l <= 1), "{shares:?}");
                if replicas <= partitions {
                    assert!(shares.iter().all(|s| *s > 0), "a replica without work: {shares:?}");
                }
            }
        }
    }

    #[test]
    fn a_replica_missing_from_the_list_counts_itself() {
        assert_eq!(share(4, &names(&["a"]), "b"), 2);
        assert_eq!(share(4, &names(&["a", "b", "a"]), "b"), 2);
        assert_eq!(share(4, &names(&["a", "b", "c"]), "a"), 2);
        assert_eq!(share(4, &names(&["a", "b", "c"]), "c"), 1);
    }
}
