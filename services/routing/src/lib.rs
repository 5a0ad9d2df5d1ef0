//! Routing: who handles a case.
