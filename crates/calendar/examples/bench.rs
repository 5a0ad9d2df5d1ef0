//! Runs the due-date benchmark and prints its figures as JSON:
//!
//! ```text
//! cargo run -p calendar --example bench --release [-- N_CASES]
//! ```

fn main() {
    let n_cases = std::env::args()
        .nth(1)
        .and_then(|text| text.parse().ok())
        .unwrap_or(1_000_000);
    let figures = calendar::bench::due_dates(n_cases);
    println!("{}", figures.to_json());
    if figures.n_mismatches > 0 {
        eprintln!(
            "the real and naive algorithms disagreed on {} cases",
            figures.n_mismatches
        );
        std::process::exit(1);
    }
}
