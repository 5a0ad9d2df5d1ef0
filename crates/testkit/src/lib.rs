//! Dev-only helpers: waiting on conditions, launching servers, temporary data directories.
