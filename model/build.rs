//! Generates the typed model from the facts-only definitions in `../profiles` and the code
//! systems in `../coding-systems`.
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest.parent().expect("the model crate lives in the workspace").to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed={}", root.join("profiles").display());
    println!("cargo:rerun-if-changed={}", root.join("coding-systems").display());
    // The validator's tables only when the `validate` feature compiles the validator.
    let parts =
        bluebutton_codegen::generate::Parts { validation: std::env::var_os("CARGO_FEATURE_VALIDATE").is_some() };
    match bluebutton_codegen::generate::generate_model_parts(&root, &out, parts) {
        Ok(files) => {
            for f in files {
                println!("cargo:rerun-if-changed={}", f.display());
            }
        }
        Err(e) => {
            eprintln!("error: generating the model failed: {e}");
            std::process::exit(1);
        }
    }
}
