//! Process-level tests of the `redress` binary: one test binary, one module per feature.

mod harness;
mod crash_recovery;
mod up_command;
