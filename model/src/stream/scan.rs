//! A structural scanner: finds where a JSON value ends without parsing it.
//!
//! The readers parse optimistically and only scan when they must know whether a value is
//! complete in the bytes at hand (a parse failed near the end of a buffer), when they look
//! ahead (the Bundle members after `entry`) and when they split a bundle for the parallel
//! mode. The scan only tracks strings and bracket depth; it does not validate: the parser
//! that runs over the same bytes does.

/// Where a scan stands; scans resume from here when more input arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scan {
    /// Absolute offset of the next byte to look at.
    pub pos: u64,
    /// Open containers.
    depth: u32,
    in_string: bool,
    /// Inside a scalar (number or literal) at depth 0.
    in_scalar: bool,
    /// Seen the first byte of the value.
    started: bool,
}

/// The result of [`Scan::run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scanned {
    /// The value ends just before this absolute offset.
    Complete(u64),
    /// The bytes ran out first; resume with more.
    Incomplete,
}

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

impl Scan {
    /// A scan of the value that starts at (or after white space from) absolute offset `at`.
    pub fn value_at(at: u64) -> Self {
        Scan { pos: at, depth: 0, in_string: false, in_scalar: false, started: false }
    }

    /// A scan from inside a container (just after its `[` or `{`, or after any of its complete
    /// members) to just past its closing bracket.
    pub fn rest_of_container(at: u64) -> Self {
        Scan { pos: at, depth: 1, in_string: false, in_scalar: false, started: true }
    }

    /// Scans `bytes` (which start at absolute offset `base` and must reach at least `self.pos`);
    /// `eof` says that nothing follows them (a scalar then ends at the end).
    pub fn run(&mut self, bytes: &[u8], base: u64, eof: bool) -> Scanned {
        let mut i = (self.pos - base) as usize;
        let n = bytes.len();
        while i < n {
            if self.in_string {
                // Find the closing quote, stepping over escapes.
                match memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                    None => {
                        i = n;
                        break;
                    }
                    Some(k) => {
                        i += k;
                        if bytes[i] == b'\\' {
                            if i + 1 >= n {
                                break; // resume at the backslash
                            }
                            i += 2;
                            continue;
                        }
                        i += 1;
                        self.in_string = false;
                        if self.depth == 0 {
                            self.pos = base + i as u64;
                            return Scanned::Complete(self.pos);
                        }
                    }
                }
                continue;
            }
            let b = bytes[i];
            if self.in_scalar {
                if is_ws(b) || matches!(b, b',' | b'}' | b']' | b':' | b'{' | b'[' | b'"') {
                    self.pos = base + i as u64;
                    return Scanned::Complete(self.pos);
                }
                i += 1;
                continue;
            }
            match b {
                b'"' => {
                    self.in_string = true;
                    self.started = true;
                }
                b'{' | b'[' => {
                    self.depth += 1;
                    self.started = true;
                }
                b'}' | b']' => {
                    if self.depth <= 1 {
                        // The end of the value (or stray bracket: the parser will say so).
                        self.depth = 0;
                        self.pos = base + i as u64 + 1;
                        return Scanned::Complete(self.pos);
                    }
                    self.depth -= 1;
                }
                b if is_ws(b) => {
                    if self.depth > 0 {
                        // Inside a container only quotes and brackets count: from white
                        // space (the indentation of pretty-printed JSON), to the next of them
                        // at once.
                        i = structural(bytes, i + 1);
                        continue;
                    }
                }
                _ => {
                    if self.depth == 0 && !self.started {
                        self.in_scalar = true;
                        self.started = true;
                    }
                }
            }
            i += 1;
        }
        self.pos = base + i as u64;
        if eof {
            // Whatever was started ends with the input (incomplete JSON is the parser's to report).
            return Scanned::Complete(self.pos);
        }
        Scanned::Incomplete
    }
}

/// The offset of the first `"`, `{`, `}`, `[` or `]` in `b` from `start`, or `b.len()`.
/// Sixteen bytes at a time (SSE2, which every x86-64 has), or eight in a word elsewhere, then
/// byte by byte for the last few.
#[inline(never)]
fn structural(b: &[u8], start: usize) -> usize {
    let mut i = start;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        };
        while i + 16 <= b.len() {
            // SAFETY: SSE2 is part of x86-64, and `i + 16 <= b.len()` keeps the unaligned
            // 16-byte load inside `b`.
            let mask = unsafe {
                let v = _mm_loadu_si128(b.as_ptr().add(i).cast::<__m128i>());
                let is = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
                let open = _mm_or_si128(is(b'{'), is(b'['));
                let close = _mm_or_si128(is(b'}'), is(b']'));
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(open, close), is(b'"'))) as u32
            };
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    while let Some(chunk) = b.get(i..i + 8) {
        use crate::json::{splat, zero_bytes};
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let found = [b'"', b'{', b'}', b'[', b']'].iter().fold(0, |acc, &c| acc | zero_bytes(word ^ splat(c)));
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    match b[i..].iter().position(|&c| is_structural(c)) {
        Some(k) => i + k,
        None => b.len(),
    }
}

#[inline]
fn is_structural(b: u8) -> bool {
    matches!(b, b'"' | b'{' | b'}' | b'[' | b']')
}

/// Keys that, in this model, only a `Bundle.entry` object has: an object starting with one of
/// them right after `}` `,` is almost certainly the next entry (the parallel mode checks it).
const ENTRY_KEYS: [&[u8]; 5] = [b"resource", b"fullUrl", b"search", b"request", b"response"];

/// The first offset at or after `from` (and before `to`) that looks like the start of a Bundle
/// entry: a `{` after `}` and `,`, whose first key is one only entries have. A guess, to be
/// confirmed by the reader that parses up to it.
pub(crate) fn next_entry_candidate(input: &[u8], from: usize, to: usize) -> Option<usize> {
    let mut i = from;
    while i < to {
        let k = input[i..to].iter().position(|&b| b == b'{')?;
        i += k;
        if looks_like_entry_start(input, i) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The last offset at or after `from` (and before `to`) that looks like the start of a Bundle
/// entry (see [`next_entry_candidate`]).
pub(crate) fn last_entry_candidate(input: &[u8], from: usize, to: usize) -> Option<usize> {
    let mut end = to;
    while end > from {
        let k = input[from..end].iter().rposition(|&b| b == b'{')?;
        let at = from + k;
        if looks_like_entry_start(input, at) {
            return Some(at);
        }
        end = at;
    }
    None
}

fn looks_like_entry_start(input: &[u8], brace: usize) -> bool {
    // Before: white space, `,`, white space, `}`.
    let mut j = brace;
    let mut prev = || {
        while j > 0 {
            j -= 1;
            if !is_ws(input[j]) {
                return Some(input[j]);
            }
        }
        None
    };
    if prev() != Some(b',') || prev() != Some(b'}') {
        return false;
    }
    // After: white space, `"key"`, white space, `:`.
    let mut k = brace + 1;
    while k < input.len() && is_ws(input[k]) {
        k += 1;
    }
    if input.get(k) != Some(&b'"') {
        return false;
    }
    let rest = &input[k + 1..];
    ENTRY_KEYS.iter().any(|key| {
        rest.starts_with(key)
            && rest.get(key.len()) == Some(&b'"')
            && rest[key.len() + 1..].iter().find(|b| !is_ws(**b)) == Some(&b':')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end_of(json: &str) -> Option<usize> {
        match Scan::value_at(0).run(json.as_bytes(), 0, false) {
            Scanned::Complete(e) => Some(e as usize),
            Scanned::Incomplete => None,
        }
    }

    #[test]
    fn finds_the_end_of_each_kind_of_value() {
        assert_eq!(end_of(r#"  {"a": [1, "}\"]", {"b": {}}]} , "#), Some(31));
        assert_eq!(end_of(r#""x\"y" ,"#), Some(6));
        assert_eq!(end_of("123 ,"), Some(3));
        assert_eq!(end_of("true]"), Some(4));
        assert_eq!(end_of("[[]]"), Some(4));
    }

    #[test]
    fn incomplete_values_resume() {
        let text = br#"{"a": "b\"}", "c": [1, 2]}"#;
        for cut in 0..text.len() {
            let mut scan = Scan::value_at(0);
            assert_eq!(scan.run(&text[..cut], 0, false), Scanned::Incomplete, "cut at {cut}");
            // Resume with the whole text, as a reader does after reading more.
            assert_eq!(scan.run(text, 0, false), Scanned::Complete(text.len() as u64), "cut at {cut}");
        }
        assert_eq!(end_of("12"), None);
        assert_eq!(Scan::value_at(0).run(b"12", 0, true), Scanned::Complete(2));
    }

    #[test]
    fn white_space_runs_of_any_length_are_skipped_inside_containers() {
        // Runs of 0 to 40 bytes of white space around every kind of token, brackets and
        // quotes inside strings right after a run, a scalar at depth 0 after a run: the scan
        // ends where the value does, whole and resumed from every cut.
        for run in 0..=40 {
            let ws: String = [" ", "\n", "\t", "\r"].iter().cycle().take(run).copied().collect();
            let value = format!(
                "{ws}{{{ws}\"a\"{ws}:{ws}[{ws}1{ws},{ws}\"{{]\\\"[}}\"{ws},{ws}{{{ws}}}{ws},{ws}[]{ws},{ws}true{ws}]{ws},\
                 {ws}\"b\"{ws}:{ws}{{{ws}\"c\"{ws}:{ws}\"]\"{ws}}}{ws}}}"
            );
            let text = format!("{value}{ws},{ws}\"after\"");
            let end = value.len() as u64;
            assert_eq!(Scan::value_at(0).run(text.as_bytes(), 0, false), Scanned::Complete(end), "run {run}");
            for cut in 0..=value.len() {
                let mut scan = Scan::value_at(0);
                if scan.run(&text.as_bytes()[..cut], 0, false) == Scanned::Incomplete {
                    assert_eq!(scan.run(text.as_bytes(), 0, false), Scanned::Complete(end), "run {run}, cut at {cut}");
                } else {
                    assert_eq!(cut, value.len(), "run {run}: complete before its end, cut at {cut}");
                }
            }
            let scalar = format!("{ws}-12.5e3{ws},");
            assert_eq!(end_of(&scalar), Some(run + 7), "run {run}");
        }
    }

    #[test]
    fn rest_of_a_container() {
        let text = br#"{"x": 1}, {"y": "]"}] , "total": 2}"#;
        assert_eq!(Scan::rest_of_container(0).run(text, 0, false), Scanned::Complete(21));
    }

    #[test]
    fn entry_candidates() {
        let text = br#"[{"resource": {"a": [{"resource": 1}]}}, {"fullUrl": "u"}, {"link": []}]"#;
        let full_url = text.windows(10).position(|w| w == b"{\"fullUrl\"").unwrap();
        // The nested `{"resource"` is not after `}` `,`; `{"link"` may start any object.
        assert_eq!(next_entry_candidate(text, 1, text.len()), Some(full_url));
        assert_eq!(next_entry_candidate(text, full_url + 1, text.len()), None);
        assert_eq!(last_entry_candidate(text, 1, text.len()), Some(full_url));
        assert_eq!(last_entry_candidate(text, full_url + 1, text.len()), None);
    }
}
