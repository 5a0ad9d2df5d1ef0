//! Tracing setup and trace-context propagation.
