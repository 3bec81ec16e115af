//! The rule every test crate follows for the real Blue Button data in `../shared/data`.
use std::path::PathBuf;

/// `dir` (`../shared/data` beside the checkout) where it exists; `None`, with a printed notice
/// naming `test`, where it is absent, so the test skips.
///
/// # Panics
/// Where `dir` is absent and the environment variable `CI` is `true`: CI never passes a test
/// without having run it.
pub fn found(dir: PathBuf, test: &str) -> Option<PathBuf> {
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: {} not found beside the checkout; CI=true needs the real Blue Button data",
        dir.display()
    );
    eprintln!("skipping {test}: {} not found beside the checkout", dir.display());
    None
}
