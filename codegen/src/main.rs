//! `bluebutton-codegen`: the generator's command line.
//!
//! ```text
//! bluebutton-codegen import [--shared DIR] [--out DIR]
//! ```
//! Paths default to the workspace this binary was built from, so it works from any directory.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: bluebutton-codegen <command> [options]

commands:
  import [--shared DIR] [--out DIR]
      Read the official definitions (default: ../shared/data beside the workspace) and write
      the facts-only forms under profiles/ and coding-systems/ of DIR (default: the workspace).
";

/// The workspace root, from where this crate lives (`codegen/..`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(command) = args.next() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "import" => import(&rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("unknown command `{other}`\n");
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn import(args: &[String]) -> ExitCode {
    let root = workspace_root();
    let mut shared = bluebutton_codegen::import::default_shared_dir(&root);
    let mut out = root;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let target = match arg.as_str() {
            "--shared" => &mut shared,
            "--out" => &mut out,
            "-h" | "--help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("import: unknown option `{other}`\n");
                eprint!("{USAGE}");
                return ExitCode::from(2);
            }
        };
        match args.next() {
            Some(value) => *target = PathBuf::from(value),
            None => {
                eprintln!("import: `{arg}` needs a directory\n");
                eprint!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match bluebutton_codegen::import::run(&shared, &out) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("import failed: {error}");
            ExitCode::from(1)
        }
    }
}
