//! Storage plumbing shared by every service, knowing none of them.
//!
//! [`Db`] opens a service's SQLite file (WAL, one writer connection, a small reader pool) and
//! runs its migrations with [`migrate`]: the platform tables of this crate first, then the
//! service's own. [`messaging`] writes the outbox, the inbox marks and the history inside a
//! service's transaction; [`SqliteOutbox`] and [`SqliteInbox`] let the bus's relay and
//! consumer runtime read them. [`audit`] keeps the hash-chained audit log.
//!
//! SQL here uses `?NNN` placeholders (SQLite binds `$N` by first appearance). The Postgres
//! implementation of the same functions comes with the distributed shape.

pub mod audit;
pub mod messaging;
pub mod migrate;
pub mod sqlite;

pub use messaging::{HistoryEntry, NewEvent, Origin, SqliteInbox, SqliteOutbox};
pub use migrate::Migration;
pub use sqlite::{Db, Error, OpenOptions};
