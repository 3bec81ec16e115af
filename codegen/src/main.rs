//! `bluebutton-codegen`: the generator's command line.
//!
//! ```text
//! bluebutton-codegen import [--shared DIR] [--out DIR]
//! bluebutton-codegen generate --out DIR
//! bluebutton-codegen check [--ir | --views | --validation | --errata]
//! ```
//! Paths default to the workspace this binary was built from, so it works from any directory.
//! `import` runs the importer (the `bluebutton-import` crate) and needs the `import` feature,
//! which is on by default.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: bluebutton-codegen <command> [options]

commands:
  import [--shared DIR] [--out DIR]
      Read the official definitions (default: ../shared/data beside the workspace) and write
      the facts-only forms under profiles/ and coding-systems/ of DIR (default: the workspace).
  generate --out DIR
      Generate the model's Rust source from profiles/ into DIR (what model/build.rs does), to
      read it.
  check
      Load profiles/, build the IR and print what would be generated (the IR listing with
      --ir); exit 1 if the definitions cannot be turned into a model.
  check --views
      Print the views IR (every view and level, each accessor with its resolved path, return
      type and the rule that chose it, the field statics and the claim-type dispatch); exit 1
      if a field cannot be placed in the model.
  check --validation
      Print the validator's tables (every definition's element tree after the served errata
      and pruning, the value sets, the errata and what they changed).
  check --errata
      Print every restriction the IG puts on the STU3 base, and every departure of a recorded
      server version from a definition, with its served verdict, the rule and the evidence.
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
        "generate" => generate(&rest),
        "check" => check(&rest),
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

#[cfg(not(feature = "import"))]
fn import(_args: &[String]) -> ExitCode {
    eprintln!("import: this bluebutton-codegen was built without the `import` feature");
    ExitCode::from(2)
}

#[cfg(feature = "import")]
fn import(args: &[String]) -> ExitCode {
    let root = workspace_root();
    let mut shared = bluebutton_import::default_shared_dir(&root);
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
    match bluebutton_import::run(&shared, &out) {
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

fn generate(args: &[String]) -> ExitCode {
    let out = match args {
        [flag, dir] if flag == "--out" => PathBuf::from(dir),
        _ => {
            eprintln!("generate: expected `--out DIR`\n");
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match bluebutton_codegen::generate::generate_model(&workspace_root(), &out) {
        Ok(_) => {
            println!("wrote the generated model to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("generate failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn check(args: &[String]) -> ExitCode {
    if let [flag] = args {
        if flag == "--validation" {
            return check_validation(false);
        }
        if flag == "--errata" {
            return check_validation(true);
        }
        if flag == "--views" {
            return check_views();
        }
    }
    let print_ir = match args {
        [] => false,
        [flag] if flag == "--ir" => true,
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = workspace_root();
    let model = bluebutton_codegen::definitions::Definitions::load(&root)
        .map_err(|e| e.to_string())
        .and_then(|defs| bluebutton_codegen::types::ir::Model::build(&defs).map_err(|e| e.to_string()));
    match model {
        Ok(model) => {
            if print_ir {
                print!("{model}");
            }
            let fields: usize = model.structs.iter().map(|s| s.fields.len()).sum();
            println!(
                "{} structs ({} fields), {} aliases, {} resources, {} profiles and extension definitions",
                model.structs.len(),
                fields,
                model.aliases.len(),
                model.resources.len(),
                model.profiles.len()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("check failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn check_views() -> ExitCode {
    match bluebutton_codegen::generate::load_views(&workspace_root()) {
        Ok((views, problems)) => {
            print!("{views}");
            let levels: usize = views.views.iter().map(|v| v.levels.len()).sum();
            let accessors: usize = views.views.iter().flat_map(|v| &v.levels).map(|l| l.accessors.len()).sum();
            println!(
                "{} views, {levels} levels, {accessors} accessors, {} field statics",
                views.views.len(),
                views.infos.len()
            );
            if problems.is_empty() {
                return ExitCode::SUCCESS;
            }
            eprintln!("{} field(s) cannot be placed in the model:\n{}", problems.len(), problems.join("\n"));
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("check failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn check_validation(errata: bool) -> ExitCode {
    match bluebutton_codegen::generate::load_validation_tables(&workspace_root()) {
        Ok(tables) if errata => {
            print!("{}", tables.errata_listing());
            ExitCode::SUCCESS
        }
        Ok(tables) => {
            print!("{tables}");
            let (structures, elements, value_sets, codes) = tables.counts();
            println!("{structures} definitions, {elements} elements, {value_sets} value sets ({codes} codes)");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("check failed: {error}");
            ExitCode::FAILURE
        }
    }
}
