//! The claim: one write transaction that picks a consumer's next deliveries and records them
//! as pending, so no other handle on the same durable name can take them. And the probe: a
//! read on a reader connection that tells an idle consumer whether a claim could find anything.

use std::sync::atomic::Ordering;

use sqlx::SqliteConnection;

use super::consumer::Shared;
use super::{Inner, codec, sql};
use crate::transport::Error;

/// The stream sequences one statement of a claim looks through for matching subjects.
const SCAN_WINDOW: i64 = 16_384;

/// The stream sequences one claim looks through before it commits what it found, so a
/// consumer far behind a stream of messages it does not want holds the writer only briefly.
const SCAN_LIMIT: i64 = 4 * SCAN_WINDOW;

/// What a claim took.
#[derive(Debug, Default)]
pub(super) struct Claimed {
    /// Stream sequence and delivery count: redeliveries first, then new messages, each in
    /// stream order.
    pub(super) deliveries: Vec<(u64, u32)>,
    /// When nothing was taken: the earliest instant (Unix ms) a pending delivery of this
    /// consumer becomes visible again.
    pub(super) next_visible_ms: Option<i64>,
    /// The scan stopped at [`SCAN_LIMIT`] with messages left to look at.
    pub(super) more_to_scan: bool,
}

/// What a probe found.
#[derive(Debug)]
pub(super) struct Probe {
    /// A pending delivery is visible, or a stored message may match the filters.
    pub(super) worth_claiming: bool,
    /// The earliest instant (Unix ms) a pending delivery of this consumer becomes visible.
    pub(super) next_visible_ms: Option<i64>,
}

/// Looks, without the writer, for anything a claim could take. Messages it finds no candidate
/// among are recorded in [`Settings::probed_upto`](super::consumer::Settings), so neither the
/// next probe nor the next claim looks at them again.
pub(super) async fn probe(inner: &Inner, consumer: &Shared) -> Result<Probe, Error> {
    let settings = consumer.settings();
    let now = codec::now_ms();
    // One read transaction: `last_seq` and the messages are from the same moment.
    let mut tx = inner.reader.begin().await?;
    let next_visible_ms: Option<i64> =
        sqlx::query_scalar("SELECT MIN(visible_at_ms) FROM pending WHERE consumer_id = ?1")
            .bind(consumer.id)
            .fetch_one(&mut *tx)
            .await?;
    if next_visible_ms.is_some_and(|visible_ms| visible_ms <= now) {
        tx.rollback().await?;
        return Ok(Probe {
            worth_claiming: true,
            next_visible_ms,
        });
    }
    let (cursor, last_seq) = positions(&mut tx, consumer.id).await?;
    let start = cursor.max(settings.probed_upto.load(Ordering::Relaxed));
    let found = start < last_seq
        && !settings
            .filters
            .candidates(&mut tx, start, last_seq, 1)
            .await?
            .is_empty();
    tx.rollback().await?;
    if !found {
        settings.probed_upto.fetch_max(last_seq, Ordering::Relaxed);
    }
    Ok(Probe {
        worth_claiming: found,
        next_visible_ms,
    })
}

/// Takes up to `max` deliveries for `consumer`.
pub(super) async fn claim(inner: &Inner, consumer: &Shared, max: usize) -> Result<Claimed, Error> {
    let settings = consumer.settings();
    let now = codec::now_ms();
    let visible_at = now.saturating_add(settings.ack_wait_ms);
    let mut claimed = Claimed::default();
    let mut tx = super::sql::begin_immediate(&inner.writer).await?;

    if let Some(max_deliver) = settings.max_deliver {
        // JetStream stops delivering a message at the limit; its pending row goes once its
        // last delivery's wait is over.
        sqlx::query(
            "DELETE FROM pending \
             WHERE consumer_id = ?1 AND visible_at_ms <= ?2 AND delivered >= ?3",
        )
        .bind(consumer.id)
        .bind(now)
        .bind(i64::from(max_deliver))
        .execute(&mut *tx)
        .await?;
    }

    let mut redelivered: Vec<(i64, i64)> = sqlx::query_as(
        "UPDATE pending SET delivered = delivered + 1, visible_at_ms = ?2 \
         WHERE consumer_id = ?1 AND seq IN ( \
             SELECT seq FROM pending WHERE consumer_id = ?1 AND visible_at_ms <= ?3 \
             ORDER BY seq LIMIT ?4) \
         RETURNING seq, delivered",
    )
    .bind(consumer.id)
    .bind(visible_at)
    .bind(now)
    .bind(codec::to_db(max as u64))
    .fetch_all(&mut *tx)
    .await?;
    redelivered.sort_unstable();
    claimed.deliveries.extend(
        redelivered
            .into_iter()
            .map(|(seq, delivered)| (codec::from_db(seq), count(delivered))),
    );

    let room = max.saturating_sub(claimed.deliveries.len());
    if room > 0 {
        let (cursor, last_seq) = positions(&mut tx, consumer.id).await?;
        let start = cursor.max(settings.probed_upto.load(Ordering::Relaxed));
        let mut position = start;
        let mut fresh: Vec<i64> = Vec::new();
        while fresh.len() < room && position < last_seq {
            if position - start >= SCAN_LIMIT {
                claimed.more_to_scan = true;
                break;
            }
            let upto = last_seq.min(position.saturating_add(SCAN_WINDOW));
            let want = room - fresh.len();
            let candidates = settings.filters.candidates(&mut tx, position, upto, want).await?;
            // Fewer candidates than asked for: the whole window has been looked at.
            let window_done = candidates.len() < want;
            for (seq, subject) in candidates {
                position = seq;
                if settings.filters.matches(&subject) {
                    fresh.push(seq);
                }
            }
            if window_done {
                position = upto;
            }
        }
        for range in sql::chunks(fresh.len()) {
            let seqs = &fresh[range];
            let statement = format!(
                "INSERT INTO pending (consumer_id, seq, delivered, visible_at_ms) VALUES {}",
                sql::values(seqs.len(), "(?,?,1,?)")
            );
            let mut query = sqlx::query(&statement);
            for seq in seqs {
                query = query.bind(consumer.id).bind(*seq).bind(visible_at);
            }
            query.execute(&mut *tx).await?;
        }
        if position != cursor {
            sqlx::query("UPDATE consumers SET cursor = ?2 WHERE id = ?1")
                .bind(consumer.id)
                .bind(position)
                .execute(&mut *tx)
                .await?;
        }
        claimed
            .deliveries
            .extend(fresh.into_iter().map(|seq| (codec::from_db(seq), 1)));
    }

    if claimed.deliveries.is_empty() {
        claimed.next_visible_ms = sqlx::query_scalar("SELECT MIN(visible_at_ms) FROM pending WHERE consumer_id = ?1")
            .bind(consumer.id)
            .fetch_one(&mut *tx)
            .await?;
    }
    super::sql::commit(tx).await?;
    Ok(claimed)
}

/// A consumer's cursor and the stream's last sequence.
async fn positions(conn: &mut SqliteConnection, consumer_id: i64) -> Result<(i64, i64), Error> {
    Ok(
        sqlx::query_as("SELECT c.cursor, s.last_seq FROM consumers AS c, stream AS s WHERE c.id = ?1 AND s.id = 1")
            .bind(consumer_id)
            .fetch_one(conn)
            .await?,
    )
}

/// A stored delivery count.
fn count(delivered: i64) -> u32 {
    u32::try_from(delivered).unwrap_or(u32::MAX)
}
