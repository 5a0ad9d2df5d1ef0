//! The subject catalogue: the only place where subject names are spelled.
//!
//! Events: `redress.<tenant>.<service>.<aggregate>.<event>.<partition>`.
//! Dead letters: `redress.<tenant>.dlq.<consumer>`.
//! Partition leases (keys of the [`LEASES_BUCKET`] on JetStream): `lease.<consumer>.<partition>`
//! and `member.<consumer>.<replica>`.

use uuid::Uuid;

/// The first token of every subject.
pub const PREFIX: &str = "redress";
/// The stream that holds every event.
pub const EVENTS_STREAM: &str = "REDRESS_EVENTS";
/// The stream subjects of [`EVENTS_STREAM`].
pub const EVENTS_STREAM_SUBJECTS: &str = "redress.*.*.*.*.*";
/// The stream that holds dead letters.
pub const DLQ_STREAM: &str = "REDRESS_DLQ";
/// The stream subjects of [`DLQ_STREAM`].
pub const DLQ_STREAM_SUBJECTS: &str = "redress.*.dlq.*";

/// The JetStream key-value bucket of partition leases and consumer memberships.
pub const LEASES_BUCKET: &str = "REDRESS_LEASES";

/// The partition of a case: FNV-1a over the id's bytes, modulo `partitions`.
///
/// # Panics
/// When `partitions` is zero, which configuration validation refuses.
pub fn partition_of(case_id: Uuid, partitions: u32) -> u32 {
    assert!(partitions > 0, "partitions must be positive");
    let mut hash: u32 = 0x811c_9dc5;
    for byte in case_id.as_bytes() {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % partitions
}

/// The subject of an event. `event_type` is `<aggregate>.<event>`, e.g. `case.registered`.
pub fn event(tenant: &str, service: &str, event_type: &str, partition: u32) -> String {
    format!("{PREFIX}.{tenant}.{service}.{event_type}.{partition}")
}

/// The filter for every event a producer publishes on one partition, for every tenant.
pub fn producer_filter(producer: &str, partition: u32) -> String {
    format!("{PREFIX}.*.{producer}.*.*.{partition}")
}

/// The filter for every event of one partition, whoever produced it.
pub fn partition_filter(partition: u32) -> String {
    format!("{PREFIX}.*.*.*.*.{partition}")
}

/// The dead-letter subject of a consumer.
pub fn dead_letter(tenant: &str, consumer: &str) -> String {
    format!("{PREFIX}.{tenant}.dlq.{consumer}")
}

/// The durable consumer name of a service's consumer on one partition.
pub fn durable_name(consumer: &str, partition: u32) -> String {
    format!("{consumer}-p{partition}")
}

/// The lease key of one partition of a consumer: `lease.<consumer>.<partition>`.
pub fn lease_key(consumer: &str, partition: u32) -> String {
    format!("lease.{consumer}.{partition}")
}

/// The membership key of one replica of a consumer: `member.<consumer>.<replica>`.
pub fn member_key(consumer: &str, replica: &str) -> String {
    format!("{}{replica}", member_prefix(consumer))
}

/// What every membership key of a consumer starts with: `member.<consumer>.`.
pub fn member_prefix(consumer: &str) -> String {
    format!("member.{consumer}.")
}

/// Whether `subject` matches the NATS filter `filter` (`*` one token, `>` the rest).
pub fn matches(filter: &str, subject: &str) -> bool {
    let mut filter_tokens = filter.split('.');
    let mut subject_tokens = subject.split('.');
    loop {
        match (filter_tokens.next(), subject_tokens.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(_)) => {}
            (Some(f), Some(s)) if f == s => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Whether a tenant name is acceptable in a subject: lowercase `[a-z0-9-]{1,32}`.
pub fn is_valid_tenant(tenant: &str) -> bool {
    !tenant.is_empty()
        && tenant.len() <= 32
        && tenant
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_like_nats() {
        let subject = event("default", "intake", "case.registered", 3);
        assert_eq!(subject, "redress.default.intake.case.registered.3");
        assert!(matches(&producer_filter("intake", 3), &subject));
        assert!(!matches(&producer_filter("intake", 2), &subject));
        assert!(!matches(&producer_filter("routing", 3), &subject));
        assert!(matches(EVENTS_STREAM_SUBJECTS, &subject));
        assert!(!matches(DLQ_STREAM_SUBJECTS, &subject));
        assert!(matches(DLQ_STREAM_SUBJECTS, &dead_letter("default", "routing")));
        assert!(!matches(EVENTS_STREAM_SUBJECTS, &dead_letter("default", "routing")));
        assert!(matches("redress.>", &subject));
        assert!(!matches("redress.default", &subject));
    }

    #[test]
    fn partitions_spread_and_stay_in_range() {
        let mut seen = [0u32; 4];
        for _ in 0..1000 {
            let p = partition_of(Uuid::now_v7(), 4);
            seen[p as usize] += 1;
        }
        assert!(seen.iter().all(|n| *n > 150), "uneven spread {seen:?}");
    }

    #[test]
    fn tenants_are_checked() {
        assert!(is_valid_tenant("default"));
        assert!(is_valid_tenant("bank-01"));
        assert!(!is_valid_tenant("Bank"));
        assert!(!is_valid_tenant("a.b"));
        assert!(!is_valid_tenant(""));
    }
}
