//! Turning a byte offset back into a JSON path.
//!
//! The parser records only the byte offset of a problem, so the happy path pays nothing for
//! locations. When an error (or a kept unknown property) has to be reported, this module rescans
//! the input up to that offset, iteratively, and rebuilds the path of the value or property
//! that starts there.
use super::error::{Error, JsonPath, PathSegment};
use super::lexer::{bom_len, Lexer, ParseOptions};

impl Error {
    /// Fills in the JSON path, line and column from the input the offset refers to.
    pub(crate) fn locate(self, input: &[u8]) -> Self {
        let offset = self.offset();
        let path = path_at(input, offset);
        let before = &input[..offset.min(input.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        // A byte order mark before the first line is not one of its columns.
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(bom_len(before), |p| p + 1);
        let column = before.len().saturating_sub(line_start) + 1;
        self.with_location(offset, path, line, column)
    }
}

enum Frame {
    /// Inside an object; the key of the member being read, if any.
    Object(Option<String>),
    /// Inside an array; the index of the element being read.
    Array(usize),
}

fn build(stack: &[Frame]) -> JsonPath {
    let mut path = Vec::with_capacity(stack.len());
    for frame in stack {
        match frame {
            Frame::Object(Some(k)) => path.push(PathSegment::Key(k.clone())),
            Frame::Object(None) => {}
            Frame::Array(i) => path.push(PathSegment::Index(*i)),
        }
    }
    JsonPath(path)
}

/// The path of the value or property name that starts at (or first after) `offset`.
pub fn path_at(input: &[u8], offset: usize) -> JsonPath {
    let mut stack: Vec<Frame> = Vec::new();
    // Whether the next string in an object is a key.
    let mut expect_key = false;
    let mut i = bom_len(input);
    while i < input.len() {
        let b = input[i];
        if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            i += 1;
            continue;
        }
        if i >= offset {
            // A key token: the path includes the key it names.
            if expect_key && b == b'"' {
                if let Some((key, _)) = read_string(input, i) {
                    if let Some(Frame::Object(slot)) = stack.last_mut() {
                        *slot = Some(key);
                    }
                }
            }
            if b == b'}' || b == b']' {
                // A closing bracket belongs to its container, not to the container's last member.
                return build(&stack[..stack.len().saturating_sub(1)]);
            }
            return build(&stack);
        }
        match b {
            b'{' => {
                stack.push(Frame::Object(None));
                expect_key = true;
                i += 1;
            }
            b'[' => {
                stack.push(Frame::Array(0));
                expect_key = false;
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
                i += 1;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Array(n)) => *n += 1,
                    Some(Frame::Object(_)) => expect_key = true,
                    None => {}
                }
                i += 1;
            }
            b':' => {
                expect_key = false;
                i += 1;
            }
            b'"' => match read_string(input, i) {
                Some((text, end)) => {
                    if expect_key {
                        if let Some(Frame::Object(slot)) = stack.last_mut() {
                            *slot = Some(text);
                        }
                    }
                    i = end;
                }
                None => return build(&stack),
            },
            _ => {
                // A scalar (number, literal) or junk: skip to the next delimiter.
                while i < input.len() && !matches!(input[i], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t' | b':') {
                    if i >= offset {
                        return build(&stack);
                    }
                    i += 1;
                }
            }
        }
    }
    // The input ended inside a container: the error belongs to the innermost open one.
    build(&stack[..stack.len().saturating_sub(1)])
}

/// The decoded text of the string at `start` (on `"`) and the offset after it; `None` when the
/// input ends first or the string is not valid JSON (a broken key is not named in a path: where
/// it ends is only a guess, and a stream that holds part of the input must give the path the
/// whole input gives).
fn read_string(input: &[u8], start: usize) -> Option<(String, usize)> {
    let mut i = start + 1;
    let mut raw = Vec::new();
    while i < input.len() {
        match input[i] {
            b'"' => return decode(&raw).map(|text| (text, i + 1)),
            b'\\' => {
                raw.extend_from_slice(&input[i..(i + 2).min(input.len())]);
                i += 2;
            }
            c => {
                raw.push(c);
                i += 1;
            }
        }
    }
    None
}

fn decode(raw: &[u8]) -> Option<String> {
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    let mut lexer = Lexer::new(&quoted, ParseOptions::default());
    lexer.string("a string").ok().map(|(s, _)| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(json: &str, needle: &str) -> String {
        let offset = json.find(needle).unwrap();
        path_at(json.as_bytes(), offset).to_string()
    }

    #[test]
    fn paths_of_values_and_keys() {
        let json = r#"{"a": 1, "entry": [{"x": 1}, {"resource": {"item": [{"q": {"value": "v"}}]}}]}"#;
        assert_eq!(at(json, r#""v""#), "entry[1].resource.item[0].q.value");
        assert_eq!(at(json, r#""value""#), "entry[1].resource.item[0].q.value");
        assert_eq!(at(json, "1,"), "a");
        assert_eq!(at(json, r#"{"x""#), "entry[0]");
        assert_eq!(at(json, "{"), "$");
    }

    #[test]
    fn escaped_keys_are_decoded() {
        let json = r#"{"a\u0062": [true]}"#;
        assert_eq!(at(json, "true"), "ab[0]");
    }

    #[test]
    fn a_broken_key_is_not_named() {
        // A bad escape, and an escaped closing quote that runs the key on to the next line.
        assert_eq!(at(r#"{"x": {"a\q": 1}}"#, r#""a\q""#), "x");
        assert_eq!(at("{\"x\": {\"a\\\": 1,\n\"b\": 2}}", "\"a"), "x");
        // Cut off: the end of the key is not there.
        assert_eq!(at(r#"{"x": {"abc"#, r#""abc"#), "x");
    }
}
