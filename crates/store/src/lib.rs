//! Storage plumbing shared by every service, knowing none of them.
//!
//! [`Db`] opens a service's database, SQLite (WAL, one writer connection, a small reader pool)
//! or PostgreSQL, through sqlx's `Any` driver so each query is written once, and runs its
//! migrations with [`migrate`]: the platform tables of this crate first, then the service's
//! own, each in both dialects. [`messaging`] writes the outbox, the inbox marks and the history
//! inside a service's transaction; [`StoreOutbox`] and [`StoreInbox`] let the bus's relay and
//! consumer runtime read them. [`audit`] keeps the hash-chained audit log.
//!
//! SQL uses `$N` placeholders, which both backends bind by number. Where the dialects differ
//! (locks, `SKIP LOCKED`) a function asks [`Backend::of`] its connection.

pub mod audit;
pub mod db;
pub mod messaging;
pub mod migrate;

pub use db::{Backend, Conn, Db, Error, OpenOptions, Tx, flag, sqlite_url};
pub use messaging::{HistoryEntry, NewEvent, Origin, StoreInbox, StoreOutbox};
pub use migrate::Migration;
