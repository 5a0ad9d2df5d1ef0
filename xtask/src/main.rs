//! `cargo xtask <task>`: repository tasks.

fn main() -> anyhow::Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "codegen" => {
            let out = xtask::codegen::committed_dir();
            xtask::codegen::generate(&out)?;
            println!("generated {}", out.display());
            Ok(())
        }
        _ => {
            eprintln!("usage: cargo xtask codegen");
            std::process::exit(2);
        }
    }
}
