//! Ids, value types, commands, events and domain errors; pure, sync, no IO.
