//! Fails when `crates/rpc/src/gen/` is not what `cargo xtask codegen` makes of `proto/`.

#[test]
fn generated_code_is_up_to_date() {
    let fresh = tempfile::tempdir().expect("temporary directory");
    xtask::codegen::generate(fresh.path()).expect("codegen runs");
    let committed = xtask::codegen::committed_dir();
    let mut fresh_files: Vec<_> = std::fs::read_dir(fresh.path())
        .expect("read fresh")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    fresh_files.sort();
    let mut committed_files: Vec<_> = std::fs::read_dir(&committed)
        .expect("read committed")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    committed_files.sort();
    assert_eq!(
        fresh_files, committed_files,
        "the set of generated files changed: run `cargo xtask codegen`"
    );
    for name in fresh_files {
        let fresh_text = std::fs::read_to_string(fresh.path().join(&name)).expect("fresh file");
        let committed_text = std::fs::read_to_string(committed.join(&name)).expect("committed file");
        assert!(
            fresh_text == committed_text,
            "{} is stale: run `cargo xtask codegen` and commit the result",
            name.to_string_lossy()
        );
    }
}
