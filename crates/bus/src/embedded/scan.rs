//! Finding messages by subject without carrying every row out of SQLite.
//!
//! A NATS filter becomes a `GLOB` pattern that matches a superset of its subjects: `*` and `>`
//! tokens become `*`, which also spans dots. SQLite discards most rows itself, in C, and only
//! the candidates reach Rust, where [`crate::subjects::matches`] decides exactly.

use sqlx::SqliteConnection;

use crate::subjects;
use crate::transport::Error;

/// NATS filters with their `GLOB` patterns.
#[derive(Debug, Clone)]
pub(super) struct Filters {
    filters: Vec<String>,
    globs: Vec<String>,
}

impl Filters {
    pub(super) fn new(filters: Vec<String>) -> Self {
        let globs = filters.iter().map(|filter| glob(filter)).collect();
        Self { filters, globs }
    }

    /// The filters as declared.
    pub(super) fn as_slice(&self) -> &[String] {
        &self.filters
    }

    /// Whether a subject matches any of the filters, exactly.
    pub(super) fn matches(&self, subject: &str) -> bool {
        self.filters.iter().any(|filter| subjects::matches(filter, subject))
    }

    /// Stored messages with `after < seq <= upto` whose subject may match, oldest first, at
    /// most `limit`: `(seq, subject)`. Check each with [`Filters::matches`].
    pub(super) async fn candidates(
        &self,
        conn: &mut SqliteConnection,
        after: i64,
        upto: i64,
        limit: usize,
    ) -> Result<Vec<(i64, String)>, Error> {
        let mut statement = String::from("SELECT seq, subject FROM messages WHERE seq > ?1 AND seq <= ?2 AND (");
        for index in 0..self.globs.len() {
            if index > 0 {
                statement.push_str(" OR ");
            }
            statement.push_str(&format!("subject GLOB ?{}", index + 4));
        }
        statement.push_str(") ORDER BY seq LIMIT ?3");
        let mut query = sqlx::query_as(&statement)
            .bind(after)
            .bind(upto)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX));
        for pattern in &self.globs {
            query = query.bind(pattern.as_str());
        }
        Ok(query.fetch_all(&mut *conn).await?)
    }
}

/// The `GLOB` pattern matching every subject the NATS filter matches (and possibly more).
fn glob(filter: &str) -> String {
    let mut pattern = String::with_capacity(filter.len() + 8);
    for (index, token) in filter.split('.').enumerate() {
        if index > 0 {
            pattern.push('.');
        }
        if token == "*" || token == ">" {
            pattern.push('*');
            continue;
        }
        for c in token.chars() {
            match c {
                '*' => pattern.push_str("[*]"),
                '?' => pattern.push_str("[?]"),
                '[' => pattern.push_str("[[]"),
                other => pattern.push(other),
            }
        }
    }
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_become_globs_and_literals_stay_literal() {
        assert_eq!(glob("redress.*.intake.*.*.3"), "redress.*.intake.*.*.3");
        assert_eq!(glob("redress.>"), "redress.*");
        assert_eq!(glob("a.b?[c].d*"), "a.b[?][[]c].d[*]");
    }
}
