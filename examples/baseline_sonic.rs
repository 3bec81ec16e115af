//! The baseline for `bluebutton summary`'s speed: a process that reads a file and builds a
//! sonic-rs `Value` of it (the fastest generic JSON DOM available), and prints how many entries
//! the Bundle has. `benches/summary_vs_sonic.sh` times the two.
//!
//! ```sh
//! cargo run --release --example baseline_sonic -- bundle.json
//! ```
use sonic_rs::{JsonContainerTrait, JsonValueTrait};

fn main() {
    let path = std::env::args_os().nth(1).expect("usage: baseline_sonic FILE");
    let bytes = std::fs::read(&path).expect("reading the file");
    let value: sonic_rs::Value = sonic_rs::from_slice(&bytes).expect("JSON");
    let entries = value.get("entry").and_then(|e| e.as_array()).map_or(0, |a| a.len());
    println!("{entries} entries");
}
