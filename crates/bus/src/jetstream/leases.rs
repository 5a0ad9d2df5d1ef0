//! Partition leases in a JetStream key-value bucket.
//!
//! The bucket ([`JetStreamOptions::lease_bucket`], `REDRESS_LEASES` by default) keeps one value
//! per key (history 1) for at most [`JetStreamOptions::lease_ttl`] (the bucket's `max_age`): a
//! value not written again within that time is removed by the server, so a lease or a membership
//! that is not renewed expires by itself. Keys are `lease.<consumer>.<partition>` and
//! `member.<consumer>.<replica>` ([`crate::subjects`]); a lease's value is its holder.
//!
//! - **Take**: write the key expecting it to have no value (`Nats-Expected-Last-Subject-Sequence`
//!   0), as the client's `create` does; over a delete marker (a released lease), expecting the
//!   marker's revision. Refused when a live value is there, unless that value names the same
//!   holder (an earlier attempt whose answer was lost).
//! - **Renew**: `update` at the revision held; refused when the lease expired or was taken by
//!   another replica since.
//! - **Release**: delete at the revision held (a delete marker, which expires like any value), so
//!   a lease that was lost and taken by another replica is never deleted from under it.
//! - **Membership**: `put` registers and renews, `delete` leaves; the live members are the
//!   subjects `member.<consumer>.*` the stream holds (its state, one request) whose last entry is
//!   a value, not a delete marker. (The client's `keys()` is not used: its consumer waits for
//!   entries that may expire while it lists them.)

use std::time::Duration;

use async_nats::jetstream::kv::{self, Operation, UpdateErrorKind};
use async_nats::jetstream::{self, stream};
use async_trait::async_trait;
use bytes::Bytes;
use futures::TryStreamExt;

use super::JetStreamOptions;
use crate::leases::{Error, Lease, Leases};
use crate::subjects;

/// The leases of one JetStream connection.
#[derive(Debug, Clone)]
pub(super) struct JetStreamLeases {
    store: kv::Store,
    ttl: Duration,
    request_timeout: Duration,
}

/// Creates the lease bucket, or updates it to the configured time to live and replicas (its keys
/// stay). Idempotent.
pub(super) async fn declare(
    context: &jetstream::Context,
    options: &JetStreamOptions,
) -> Result<JetStreamLeases, Error> {
    let config = kv::Config {
        bucket: options.lease_bucket.clone(),
        description: "Redress partition leases (lease.<consumer>.<partition>) and consumer replicas \
                      (member.<consumer>.<replica>)"
            .to_owned(),
        history: 1,
        max_age: options.lease_ttl,
        max_bytes: -1,
        max_value_size: -1,
        storage: stream::StorageType::File,
        num_replicas: options.stream_replicas,
        ..kv::Config::default()
    };
    let store = context
        .create_or_update_key_value(config)
        .await
        .map_err(|error| Error::Unavailable(format!("declaring the lease bucket {}: {error}", options.lease_bucket)))?;
    Ok(JetStreamLeases {
        store,
        ttl: options.lease_ttl,
        request_timeout: options.request_timeout,
    })
}

#[async_trait]
impl Leases for JetStreamLeases {
    fn ttl(&self) -> Option<Duration> {
        Some(self.ttl)
    }

    async fn take(&self, consumer: &str, partition: u32, holder: &str) -> Result<Lease, Error> {
        let key = subjects::lease_key(consumer, partition);
        let value = Bytes::from(holder.to_owned());
        let lease = |revision| Lease {
            consumer: consumer.to_owned(),
            partition,
            holder: holder.to_owned(),
            revision,
        };
        match self.store.update(&key, value.clone(), 0).await {
            Ok(revision) => return Ok(lease(revision)),
            Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => {}
            Err(error) => return Err(update_failed(&key, "taking", &error)),
        }
        let entry = self
            .store
            .entry(key.clone())
            .await
            .map_err(|error| Error::Unavailable(format!("reading lease {key}: {error}")))?;
        match entry {
            Some(entry) if matches!(entry.operation, Operation::Delete | Operation::Purge) => {
                match self.store.update(&key, value, entry.revision).await {
                    Ok(revision) => Ok(lease(revision)),
                    Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => Err(Error::Held { key }),
                    Err(error) => Err(update_failed(&key, "taking", &error)),
                }
            }
            Some(entry) if entry.value.as_ref() == holder.as_bytes() => Ok(lease(entry.revision)),
            Some(_) => Err(Error::Held { key }),
            // It expired between the two requests: the next attempt will take it.
            None => Err(Error::Held { key }),
        }
    }

    async fn renew(&self, lease: &mut Lease) -> Result<(), Error> {
        let key = subjects::lease_key(&lease.consumer, lease.partition);
        let value = Bytes::from(lease.holder.clone());
        match self.store.update(&key, value, lease.revision).await {
            Ok(revision) => {
                lease.revision = revision;
                Ok(())
            }
            Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => Err(Error::Lost {
                key,
                reason: "it expired or another replica took it".to_owned(),
            }),
            Err(error) => Err(update_failed(&key, "renewing", &error)),
        }
    }

    async fn release(&self, lease: Lease) -> Result<(), Error> {
        let key = subjects::lease_key(&lease.consumer, lease.partition);
        match self.store.delete_expect_revision(&key, Some(lease.revision)).await {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => Err(Error::Lost {
                key,
                reason: "it expired or another replica took it before the release".to_owned(),
            }),
            Err(error) => Err(update_failed(&key, "releasing", &error)),
        }
    }

    async fn join(&self, consumer: &str, replica: &str) -> Result<(), Error> {
        let key = subjects::member_key(consumer, replica);
        self.store
            .put(&key, Bytes::new())
            .await
            .map(drop)
            .map_err(|error| Error::Unavailable(format!("registering member {key}: {error}")))
    }

    async fn leave(&self, consumer: &str, replica: &str) -> Result<(), Error> {
        let key = subjects::member_key(consumer, replica);
        self.store
            .delete(&key)
            .await
            .map_err(|error| Error::Unavailable(format!("removing member {key}: {error}")))
    }

    async fn members(&self, consumer: &str) -> Result<Vec<String>, Error> {
        let prefix = subjects::member_prefix(consumer);
        let failed = |error: &dyn std::fmt::Display| Error::Unavailable(format!("listing members {prefix}*: {error}"));
        // The subjects that hold a value or a delete marker, from the stream's state (one request,
        // no consumer that could wait for entries expiring meanwhile), then the last entry of each.
        let listing = async {
            let filter = format!("{}{prefix}*", self.store.prefix);
            let subjects: Vec<(String, usize)> = self
                .store
                .stream
                .info_with_subjects(&filter)
                .await
                .map_err(|e| failed(&e))?
                .try_collect()
                .await
                .map_err(|e| failed(&e))?;
            let keys = subjects
                .into_iter()
                .filter_map(|(subject, _)| subject.strip_prefix(&self.store.prefix).map(str::to_owned));
            let entries = futures::future::try_join_all(keys.map(|key| self.store.entry(key)))
                .await
                .map_err(|e| failed(&e))?;
            Ok::<_, Error>(
                entries
                    .into_iter()
                    .flatten()
                    .filter(|entry| entry.operation == Operation::Put)
                    .filter_map(|entry| entry.key.strip_prefix(&prefix).map(str::to_owned))
                    .filter(|replica| !replica.is_empty() && !replica.contains('.'))
                    .collect(),
            )
        };
        tokio::time::timeout(self.request_timeout, listing)
            .await
            .map_err(|_| failed(&format_args!("no answer within {:?}", self.request_timeout)))?
    }
}

/// A failed write of `key`: a key the bucket cannot hold is refused, anything else is worth a
/// retry.
fn update_failed(key: &str, what: &str, error: &kv::UpdateError) -> Error {
    match error.kind() {
        UpdateErrorKind::InvalidKey => Error::Refused(format!("{what} lease {key}: {error}")),
        _ => Error::Unavailable(format!("{what} lease {key}: {error}")),
    }
}
