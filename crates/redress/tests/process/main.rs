//! Process-level tests of the `redress` binary: one test binary, one module per feature.

mod crash_recovery;
mod harness;
mod up_command;
mod distributed;
