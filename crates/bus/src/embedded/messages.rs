//! Storing messages (publish, deduplicated by message id) and reading them back (bodies for
//! deliveries, matching subjects for administrators).

use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use sqlx::SqliteConnection;

use super::scan::Filters;
use super::{Inner, codec, sql};
use crate::transport::{Error, Message, PublishAck};

/// Stores `messages` in one transaction and wakes waiting fetches.
pub(super) async fn publish(inner: &Inner, messages: Vec<Message>) -> Result<Vec<PublishAck>, Error> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let now = codec::now_ms();
    let dedup_floor = inner
        .options
        .dedup_window
        .map_or(i64::MIN, |window| now.saturating_sub(codec::millis(window)));
    // Everything that needs no database is done before the writer is taken.
    let header_blobs: Vec<Vec<u8>> = messages
        .iter()
        .map(|message| codec::encode_headers(&message.headers))
        .collect();
    let mut distinct_ids = Vec::new();
    let mut seen = HashSet::new();
    for message in &messages {
        if !message.msg_id.is_empty() && seen.insert(message.msg_id.as_str()) {
            distinct_ids.push(message.msg_id.as_str());
        }
    }

    let mut tx = super::sql::begin_immediate(&inner.writer).await?;
    let mut known: HashMap<String, u64> = HashMap::new();
    for range in sql::chunks(distinct_ids.len()) {
        let ids = &distinct_ids[range];
        let statement = format!(
            "SELECT msg_id, MAX(seq) FROM messages \
             WHERE stored_at_ms >= ?1 AND msg_id IN ({}) GROUP BY msg_id",
            sql::list(ids.len(), 2)
        );
        let mut query = sqlx::query_as::<_, (String, i64)>(&statement).bind(dedup_floor);
        for id in ids {
            query = query.bind(*id);
        }
        for (id, seq) in query.fetch_all(&mut *tx).await? {
            known.insert(id, codec::from_db(seq));
        }
    }
    let last_seq: i64 = sqlx::query_scalar("SELECT last_seq FROM stream WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;

    let mut next_seq = codec::from_db(last_seq);
    let mut acks = Vec::with_capacity(messages.len());
    // (stream sequence, index into `messages`) of the messages to store.
    let mut stored: Vec<(i64, usize)> = Vec::new();
    for (index, message) in messages.iter().enumerate() {
        let has_id = !message.msg_id.is_empty();
        if let Some(&stream_seq) = known.get(&message.msg_id).filter(|_| has_id) {
            acks.push(PublishAck {
                stream_seq,
                duplicate: true,
            });
            continue;
        }
        next_seq += 1;
        if has_id {
            known.insert(message.msg_id.clone(), next_seq);
        }
        stored.push((codec::to_db(next_seq), index));
        acks.push(PublishAck {
            stream_seq: next_seq,
            duplicate: false,
        });
    }

    if !stored.is_empty() {
        for range in sql::chunks(stored.len()) {
            let rows = &stored[range];
            let statement = format!(
                "INSERT INTO messages (seq, subject, msg_id, stored_at_ms) VALUES {}",
                sql::values(rows.len(), "(?,?,?,?)")
            );
            let mut query = sqlx::query(&statement);
            for &(seq, index) in rows {
                let message = &messages[index];
                query = query
                    .bind(seq)
                    .bind(message.subject.as_str())
                    .bind(message.msg_id.as_str())
                    .bind(now);
            }
            query.execute(&mut *tx).await?;
            let statement = format!(
                "INSERT INTO message_bodies (seq, headers, payload) VALUES {}",
                sql::values(rows.len(), "(?,?,?)")
            );
            let mut query = sqlx::query(&statement);
            for &(seq, index) in rows {
                query = query
                    .bind(seq)
                    .bind(header_blobs[index].as_slice())
                    .bind(messages[index].payload.as_ref());
            }
            query.execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE stream SET last_seq = ?1 WHERE id = 1")
            .bind(codec::to_db(next_seq))
            .execute(&mut *tx)
            .await?;
    }
    super::sql::commit(tx).await?;
    if !stored.is_empty() {
        inner.published.send_replace(next_seq);
    }
    Ok(acks)
}

/// The messages with the given stream sequences, by sequence; sequences whose message is gone
/// are absent.
pub(super) async fn load(conn: &mut SqliteConnection, seqs: &[u64]) -> Result<HashMap<u64, Message>, Error> {
    let mut loaded = HashMap::with_capacity(seqs.len());
    for range in sql::chunks(seqs.len()) {
        let chunk = &seqs[range];
        let statement = format!(
            "SELECT m.seq, m.subject, m.msg_id, b.headers, b.payload \
             FROM messages AS m JOIN message_bodies AS b ON b.seq = m.seq \
             WHERE m.seq IN ({})",
            sql::list(chunk.len(), 1)
        );
        let mut query = sqlx::query_as::<_, (i64, String, String, Vec<u8>, Vec<u8>)>(&statement);
        for seq in chunk {
            query = query.bind(codec::to_db(*seq));
        }
        for (seq, subject, msg_id, headers, payload) in query.fetch_all(&mut *conn).await? {
            let message = Message {
                subject,
                msg_id,
                headers: codec::decode_headers(&headers)?,
                payload: Bytes::from(payload),
            };
            loaded.insert(codec::from_db(seq), message);
        }
    }
    Ok(loaded)
}

/// Up to `limit` messages after `after_seq` whose subject matches `filter`, oldest first.
pub(super) async fn read_subject(
    inner: &Inner,
    filter: &str,
    after_seq: u64,
    limit: usize,
) -> Result<Vec<(u64, Message)>, Error> {
    let filters = Filters::new(vec![filter.to_owned()]);
    let mut matched = Vec::new();
    let mut conn = inner.reader.acquire().await?;
    let mut position = codec::to_db(after_seq);
    while matched.len() < limit {
        let want = limit - matched.len();
        let candidates = filters.candidates(&mut conn, position, i64::MAX, want).await?;
        let count = candidates.len();
        for (seq, subject) in candidates {
            position = seq;
            if filters.matches(&subject) {
                matched.push(codec::from_db(seq));
            }
        }
        if count < want {
            break;
        }
    }
    let mut bodies = load(&mut conn, &matched).await?;
    Ok(matched
        .into_iter()
        .filter_map(|seq| bodies.remove(&seq).map(|message| (seq, message)))
        .collect())
}
