//! Subject catalogue, envelope, transport traits, the durable embedded log, the outbox relay and the consumer runtime.
