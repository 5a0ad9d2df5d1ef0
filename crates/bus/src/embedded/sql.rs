//! Building statements with many rows or many values, in few distinct shapes.
//!
//! sqlx prepares each distinct statement once per connection and caches it. Statements whose
//! size follows the batch would fill that cache with one shape per batch size, so a batch is cut
//! into chunks whose sizes are powers of two up to a maximum: at most a handful of shapes per
//! statement, all of them prepared once.

use std::fmt::Write as _;
use std::ops::Range;

/// The largest chunk of rows or values per statement. With at most five columns this stays far
/// below SQLite's limit on bound parameters.
pub(super) const MAX_CHUNK: usize = 128;

/// Cuts `0..total` into consecutive ranges whose lengths are powers of two, at most
/// [`MAX_CHUNK`] long.
pub(super) fn chunks(total: usize) -> impl Iterator<Item = Range<usize>> {
    let mut start = 0;
    std::iter::from_fn(move || {
        let remaining = total - start;
        if remaining == 0 {
            return None;
        }
        let length = if remaining >= MAX_CHUNK {
            MAX_CHUNK
        } else {
            1 << remaining.ilog2()
        };
        let range = start..start + length;
        start += length;
        Some(range)
    })
}

/// `row,row,…`: `rows` copies of a row of anonymous placeholders such as `(?,?,?)`, for a
/// multi-row `INSERT`.
///
/// These are the one place where the crate binds `?` instead of `?NNN`. sqlx resolves every
/// numbered parameter through `sqlite3_bind_parameter_name`, which searches SQLite's list of
/// names from the start, so binding a statement of n numbered parameters costs n² steps; at
/// 512 parameters that took more time than the insert itself. An anonymous `?` is bound by its
/// position at once, and each row binds its values in the row's order, so nothing is ambiguous.
pub(super) fn values(rows: usize, row: &str) -> String {
    let mut text = String::with_capacity(rows * (row.len() + 1));
    for index in 0..rows {
        if index > 0 {
            text.push(',');
        }
        text.push_str(row);
    }
    text
}

/// `?F,?F+1,…`: `count` numbered placeholders starting at `first`, for an `IN (…)` list.
pub(super) fn list(count: usize, first: usize) -> String {
    let mut text = String::with_capacity(count * 6);
    for number in first..first + count {
        if number > first {
            text.push(',');
        }
        let _ = write!(text, "?{number}");
    }
    text
}

/// Starts a write transaction so that dropping the caller's future cannot leave the writer
/// connection marked as inside a transaction.
///
/// sqlx sends `BEGIN` and then awaits the answer; a future dropped during that await never
/// gets its `Transaction`, so nothing rolls back and every later `BEGIN` on the connection
/// fails. Run in its own task, the begin always completes, and a `Transaction` nobody takes is
/// dropped, which rolls it back.
pub(super) async fn begin_immediate(
    pool: &sqlx::SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    let pool = pool.clone();
    tokio::spawn(async move { pool.begin_with("BEGIN IMMEDIATE").await })
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("the begin task failed: {e}")))?
}

/// Commits in its own task, so a dropped caller cannot interrupt a commit half-way.
pub(super) async fn commit(tx: sqlx::Transaction<'static, sqlx::Sqlite>) -> Result<(), sqlx::Error> {
    tokio::spawn(tx.commit())
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("the commit task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_everything_in_few_shapes() {
        for total in [0, 1, 2, 3, 127, 128, 129, 256, 1000] {
            let ranges: Vec<_> = chunks(total).collect();
            let covered: usize = ranges.iter().map(ExactSizeIterator::len).sum();
            assert_eq!(covered, total);
            assert!(ranges.windows(2).all(|pair| pair[0].end == pair[1].start));
            assert!(
                ranges
                    .iter()
                    .all(|range| range.len().is_power_of_two() && range.len() <= MAX_CHUNK)
            );
        }
        assert_eq!(chunks(1000).count(), 7 + 3);
    }

    #[test]
    fn placeholders_are_numbered() {
        assert_eq!(values(2, "(?,?,1)"), "(?,?,1),(?,?,1)");
        assert_eq!(list(3, 2), "?2,?3,?4");
    }
}
