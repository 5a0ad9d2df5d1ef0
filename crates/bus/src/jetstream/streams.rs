//! The two streams, declared as code: created when missing, updated when present.

use std::time::Duration;

use async_nats::jetstream::{self, stream};

use super::JetStreamOptions;
use super::wire;
use crate::subjects;
use crate::transport::Error;

/// Creates or updates [`subjects::EVENTS_STREAM`] and [`subjects::DLQ_STREAM`].
pub(super) async fn declare(context: &jetstream::Context, options: &JetStreamOptions) -> Result<(), Error> {
    for config in [events(options), dead_letters(options)] {
        let name = config.name.clone();
        let info = context
            .create_or_update_stream(config)
            .await
            .map_err(|error| wire::stream_error(&name, &error))?;
        tracing::debug!(stream = %name, messages = info.state.messages, "stream declared");
    }
    Ok(())
}

/// Every event, limited by the configured age and size.
fn events(options: &JetStreamOptions) -> stream::Config {
    stream::Config {
        name: subjects::EVENTS_STREAM.to_owned(),
        description: Some("Redress events: redress.<tenant>.<service>.<aggregate>.<event>.<partition>".to_owned()),
        subjects: vec![subjects::EVENTS_STREAM_SUBJECTS.to_owned()],
        max_age: options.max_age.unwrap_or(Duration::ZERO),
        max_bytes: options
            .max_bytes
            .map_or(-1, |bytes| i64::try_from(bytes).unwrap_or(i64::MAX)),
        ..common(options)
    }
}

/// Dead letters, kept until an operator removes them: no age or size limit.
fn dead_letters(options: &JetStreamOptions) -> stream::Config {
    stream::Config {
        name: subjects::DLQ_STREAM.to_owned(),
        description: Some("Redress dead letters: redress.<tenant>.dlq.<consumer>".to_owned()),
        subjects: vec![subjects::DLQ_STREAM_SUBJECTS.to_owned()],
        ..common(options)
    }
}

/// What both streams share: files, limits retention, replicas, the duplicate window, and
/// refusing new messages (never dropping old ones) when a limit is reached.
fn common(options: &JetStreamOptions) -> stream::Config {
    stream::Config {
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        discard: stream::DiscardPolicy::New,
        num_replicas: options.stream_replicas,
        duplicate_window: options.duplicate_window,
        max_bytes: -1,
        max_messages: -1,
        max_messages_per_subject: -1,
        max_consumers: -1,
        ..stream::Config::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streams_take_their_subjects_with_the_configured_limits() {
        let mut options = JetStreamOptions::new("nats://127.0.0.1:4222");
        options.stream_replicas = 3;
        options.max_age = Some(Duration::from_secs(86_400));
        options.max_bytes = Some(1 << 30);
        let events = events(&options);
        assert_eq!(events.subjects, vec!["redress.*.*.*.*.*".to_owned()]);
        assert_eq!(
            (events.max_age, events.max_bytes),
            (Duration::from_secs(86_400), 1 << 30)
        );
        assert_eq!(events.num_replicas, 3);
        assert_eq!(events.duplicate_window, Duration::from_secs(120));
        let dead = dead_letters(&options);
        assert_eq!(dead.subjects, vec!["redress.*.dlq.*".to_owned()]);
        assert_eq!((dead.max_age, dead.max_bytes), (Duration::ZERO, -1));
        assert_eq!(dead.storage, stream::StorageType::File);
    }
}
