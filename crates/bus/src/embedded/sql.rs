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

/// `(?F,?F+1,…),(…)…`: `rows` tuples of `columns` numbered placeholders starting at `first`.
pub(super) fn values(rows: usize, columns: usize, first: usize) -> String {
    let mut text = String::with_capacity(rows * columns * 6);
    let mut number = first;
    for row in 0..rows {
        if row > 0 {
            text.push(',');
        }
        text.push('(');
        for column in 0..columns {
            if column > 0 {
                text.push(',');
            }
            // Writing into a String cannot fail.
            let _ = write!(text, "?{number}");
            number += 1;
        }
        text.push(')');
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
        assert_eq!(values(2, 3, 1), "(?1,?2,?3),(?4,?5,?6)");
        assert_eq!(list(3, 2), "?2,?3,?4");
    }
}
