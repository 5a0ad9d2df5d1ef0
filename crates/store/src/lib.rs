//! Database URL to pool, migration runner, and the outbox, inbox and history tables every service shares in shape.
