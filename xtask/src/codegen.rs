//! Code generation for `proto/`.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Every `.proto` file of the repository, relative to `proto/`, in a stable order.
pub const PROTO_FILES: &[&str] = &[
    "timeline/v1/timeline.proto",
    "events/v1/events.proto",
    "intake/v1/intake.proto",
    "routing/v1/routing.proto",
    "investigation/v1/investigation.proto",
    "notification/v1/notification.proto",
    "analytics/v1/analytics.proto",
];

/// The repository root, found from this crate's manifest directory.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Generates the prost and tonic code for every proto file into `out_dir`.
pub fn generate(out_dir: &Path) -> anyhow::Result<()> {
    let proto_dir = repository_root().join("proto");
    let files: Vec<PathBuf> = PROTO_FILES.iter().map(|f| proto_dir.join(f)).collect();
    let descriptors = protox::compile(&files, [&proto_dir]).context("parsing proto/")?;
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .build_transport(true)
        .emit_rerun_if_changed(false)
        .out_dir(out_dir)
        .compile_fds(descriptors)
        .context("generating Rust code")?;
    Ok(())
}

/// The directory the generated code is committed in.
pub fn committed_dir() -> PathBuf {
    repository_root().join("crates/rpc/src/gen")
}
