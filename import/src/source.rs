//! Reading the official definitions: files, JSON, and small helpers to pick facts out of it.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::ImportError;

/// Reads a file as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, ImportError> {
    fs::read_to_string(path).map_err(|e| ImportError::io(path, e))
}

/// Reads and parses a JSON file.
pub fn read_json(path: &Path) -> Result<Value, ImportError> {
    let bytes = fs::read(path).map_err(|e| ImportError::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|source| ImportError::Json { path: path.to_path_buf(), source })
}

/// Reads and parses a JSON file into a typed value (used to read only the head of a resource).
pub fn read_json_as<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ImportError> {
    let bytes = fs::read(path).map_err(|e| ImportError::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|source| ImportError::Json { path: path.to_path_buf(), source })
}

/// The files directly in `dir` whose names start with `prefix` and end with `suffix`, sorted by
/// name so that every run sees them in the same order.
pub fn list_files(dir: &Path, prefix: &str, suffix: &str) -> Result<Vec<PathBuf>, ImportError> {
    let entries = fs::read_dir(dir).map_err(|e| ImportError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ImportError::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(prefix) || !name.ends_with(suffix) {
            continue;
        }
        let file_type = entry.file_type().map_err(|e| ImportError::io(&entry.path(), e))?;
        if file_type.is_file() || file_type.is_symlink() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// The file name without its extension, as UTF-8.
pub fn file_stem(path: &Path) -> Result<String, ImportError> {
    path.file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_owned)
        .ok_or_else(|| ImportError::invalid(path, "file name is not valid UTF-8"))
}

/// The top-level JSON object of a file, or an error naming the file.
pub fn as_object<'a>(value: &'a Value, path: &Path) -> Result<&'a Map<String, Value>, ImportError> {
    value.as_object().ok_or_else(|| ImportError::invalid(path, "expected a JSON object at the top level"))
}

/// Checks `resourceType` of a resource file.
pub fn expect_resource_type(object: &Map<String, Value>, expected: &str, path: &Path) -> Result<(), ImportError> {
    match object.get("resourceType").and_then(Value::as_str) {
        Some(found) if found == expected => Ok(()),
        Some(found) => {
            Err(ImportError::invalid(path, format!("expected resourceType \"{expected}\", found \"{found}\"")))
        }
        None => Err(ImportError::invalid(path, format!("expected resourceType \"{expected}\", found none"))),
    }
}

/// Copies the members named in `keys` (those present) into a new object.
pub fn pick(object: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for key in keys {
        if let Some(value) = object.get(*key) {
            out.insert((*key).to_owned(), value.clone());
        }
    }
    out
}

/// Like [`pick`], but `object` may be any JSON value; a non-object yields an error naming `at`.
pub fn pick_value(value: &Value, keys: &[&str], at: &str, path: &Path) -> Result<Value, ImportError> {
    let object = value.as_object().ok_or_else(|| ImportError::invalid(path, format!("{at}: expected an object")))?;
    Ok(Value::Object(pick(object, keys)))
}

/// The array at `object[key]`, empty when absent; an error when present but not an array.
pub fn array_member<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    at: &str,
    path: &Path,
) -> Result<&'a [Value], ImportError> {
    match object.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(ImportError::invalid(path, format!("{at}: `{key}` must be an array"))),
    }
}

/// Keeps only the extensions (objects with a `url`) whose url is in `urls`; `None` when none
/// are left, so that the caller can leave the member out.
pub fn filter_extensions(
    extensions: &Value,
    urls: &[&str],
    at: &str,
    path: &Path,
) -> Result<Option<Value>, ImportError> {
    let items = extensions
        .as_array()
        .ok_or_else(|| ImportError::invalid(path, format!("{at}: `extension` must be an array")))?;
    let mut kept = Vec::new();
    for item in items {
        let url = item
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| ImportError::invalid(path, format!("{at}: extension without a url")))?;
        if urls.contains(&url) {
            kept.push(item.clone());
        }
    }
    Ok(if kept.is_empty() { None } else { Some(Value::Array(kept)) })
}
