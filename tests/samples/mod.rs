//! Access to the real Blue Button responses in `../shared/data` (beside the repository).
//!
//! Tests that need them skip, with a printed notice, when `../shared` is absent; under `CI=true`
//! its absence is a failure instead, so CI never passes them without having run them.
#![allow(dead_code)]
use std::path::{Path, PathBuf};

use bluebutton::json::{self, ToJson, Value};

#[path = "../support/shared_data.rs"]
mod rule;

/// `../shared/data`, relative to the workspace root; `None` (with a printed notice) where it is
/// absent.
///
/// # Panics
/// Where it is absent and the environment variable `CI` is `true`.
pub fn shared_data() -> Option<PathBuf> {
    let test = std::thread::current().name().unwrap_or("this test").to_owned();
    rule::found(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"), &test)
}

/// A file of `samples/v1-normalized/` (placeholders replaced by valid values).
pub fn normalized(name: &str) -> Option<Vec<u8>> {
    read(&shared_data()?.join("samples/v1-normalized").join(name))
}

/// A file of `samples/v1/` as the server's tests recorded it (with `IGNORED_FIELD` placeholders).
pub fn raw_sample(name: &str) -> Option<Vec<u8>> {
    read(&shared_data()?.join("samples/v1").join(name))
}

/// Every file of `samples/v1-normalized/`, sorted by name.
pub fn all_normalized() -> Vec<(String, Vec<u8>)> {
    let Some(dir) = shared_data() else { return Vec::new() };
    json_files(&dir.join("samples/v1-normalized"))
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

/// Every response of every recorded server version: `samples/v1-normalized/` (named
/// `current/<file>`) and `samples/history-normalized/<yyyy-mm>/` (`<yyyy-mm>/<file>`), sorted by
/// version (current first) and name.
pub fn all_recorded() -> Vec<(String, Vec<u8>)> {
    recorded("v1-normalized", "history-normalized")
}

/// [`all_recorded`] as the server's tests recorded them, placeholders and all: `samples/v1/`
/// and `samples/history/`.
pub fn all_recorded_raw() -> Vec<(String, Vec<u8>)> {
    recorded("v1", "history")
}

/// The files of `samples/<current>/` (named `current/<file>`) and of each version folder of
/// `samples/<history>/` (`<yyyy-mm>/<file>`), sorted by version (current first) and name.
fn recorded(current: &str, history: &str) -> Vec<(String, Vec<u8>)> {
    let Some(dir) = shared_data() else { return Vec::new() };
    let mut folders = vec![("current".to_owned(), dir.join("samples").join(current))];
    let mut versions: Vec<PathBuf> = std::fs::read_dir(dir.join("samples").join(history))
        .expect("the history samples are readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    versions.sort();
    folders.extend(versions.into_iter().map(|v| (v.file_name().unwrap().to_string_lossy().into_owned(), v)));
    let mut out = Vec::new();
    for (label, folder) in folders {
        for p in json_files(&folder) {
            let name = format!("{label}/{}", p.file_name().unwrap().to_string_lossy());
            out.push((name, std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// The `.json` files of `dir`, sorted by name.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    names
}

fn read(path: &Path) -> Option<Vec<u8>> {
    Some(std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The resources of a Bundle's entries as compact JSON lines, written through the generic
/// (lossless) JSON tree, not the typed model: an independent way to make NDJSON of them.
pub fn lines_of(bundle: &[u8]) -> Vec<String> {
    let tree: Value = json::from_slice(bundle).unwrap();
    let Value::Object(members) = tree else { panic!("a Bundle is an object") };
    let Some((_, Value::Array(entries))) = members.iter().find(|(k, _)| k == "entry") else { return Vec::new() };
    entries
        .iter()
        .filter_map(|entry| match entry {
            Value::Object(m) => m.iter().find(|(k, _)| k == "resource").map(|(_, r)| r.to_json_string()),
            _ => None,
        })
        .collect()
}
