//! The one way the importer writes JSON: pretty-printed with a 2-space indent, object keys
//! sorted by their UTF-8 bytes, arrays in the order given, and a trailing newline.
//!
//! Written by hand rather than with `serde_json::to_string_pretty` so that the key order does
//! not depend on whether some other crate in the build turns on serde_json's `preserve_order`.

use serde_json::Value;

/// Renders `value` in the importer's canonical form (ends with a newline).
///
/// ```
/// use bluebutton_import::canonical_json::to_canonical_string;
/// let v = serde_json::json!({"b": [1, {}], "a": "x"});
/// assert_eq!(to_canonical_string(&v), "{\n  \"a\": \"x\",\n  \"b\": [\n    1,\n    {}\n  ]\n}\n");
/// ```
pub fn to_canonical_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out.push('\n');
    out
}

fn write_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                push_indent(out, indent + 1);
                write_value(out, item, indent + 1);
            }
            out.push('\n');
            push_indent(out, indent);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push_str("{\n");
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                push_indent(out, indent + 1);
                write_string(out, key);
                out.push_str(": ");
                write_value(out, item, indent + 1);
            }
            out.push('\n');
            push_indent(out, indent);
            out.push('}');
        }
    }
}

fn push_indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// JSON string escaping as serde_json does it: `"`, `\` and control characters escaped,
/// everything else (non-ASCII included) written as is.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_and_escapes() {
        let v = json!({"z": null, "a": {"y": true, "b": "q\"\n\u{1}é"}, "m": []});
        assert_eq!(
            to_canonical_string(&v),
            "{\n  \"a\": {\n    \"b\": \"q\\\"\\n\\u0001é\",\n    \"y\": true\n  },\n  \"m\": [],\n  \"z\": null\n}\n"
        );
    }

    #[test]
    fn agrees_with_serde_json_pretty() {
        let v = json!({"a": [1, 2.5, -3, "x"], "b": {"c": [{"d": false}]}});
        let ours = to_canonical_string(&v);
        let theirs = serde_json::to_string_pretty(&v).unwrap() + "\n";
        assert_eq!(ours, theirs);
    }
}
