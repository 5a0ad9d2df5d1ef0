//! Repository tasks that would otherwise be shell scripts.
//!
//! [`codegen::generate`] turns `proto/` into the committed Rust code of `crates/rpc/src/gen/`
//! with the pure-Rust `protox` parser, so builds need no `protoc`. The `rpc` crate's test
//! calls it into a temporary directory and fails when the committed code is stale.

pub mod codegen;
