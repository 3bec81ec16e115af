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
        self.run_with(bytes, base, eof, true)
    }

    /// [`run`](Self::run), with the 64-byte blocks or (`blocks` false, what the tests compare
    /// them with) a byte at a time.
    fn run_with(&mut self, bytes: &[u8], base: u64, eof: bool, blocks: bool) -> Scanned {
        let mut i = (self.pos - base) as usize;
        let n = bytes.len();
        // Up to where the bytes are looked at one by one, rather than 64 at a time.
        let mut bytewise_until = i;
        while i < n {
            if blocks && !self.in_string && self.depth > 0 && i >= bytewise_until && i + BLOCK <= n {
                match self.blocks(bytes, i) {
                    Blocks::End(end) => {
                        self.depth = 0;
                        self.pos = base + end as u64;
                        return Scanned::Complete(self.pos);
                    }
                    Blocks::Stopped { at, bytewise } => {
                        i = at;
                        bytewise_until = bytewise;
                        continue;
                    }
                }
            }
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

/// The bytes [`Scan::blocks`] looks at together.
const BLOCK: usize = 64;

/// Where [`Scan::blocks`] stopped.
enum Blocks {
    /// The value ends just before this offset.
    End(usize),
    /// At `at`, with the scan's state as it is there; the bytes from `at` to `bytewise` are to
    /// be looked at one by one (a block [`Scan::blocks`] does not read, or the last bytes).
    Stopped { at: usize, bytewise: usize },
}

impl Scan {
    /// Scans `bytes` from `i`, inside a container and outside a string, 64 bytes at a time: a
    /// bit per byte says where the quotes, backslashes and brackets are, the backslashes say
    /// which quotes are escaped, the quotes which bytes are in strings, and the brackets
    /// outside strings change the depth. Until the value ends, or fewer than 64 bytes are
    /// left, or a block has a backslash outside a string (not JSON, which the byte-by-byte
    /// scan treats as any other byte, as it must to give the same result).
    fn blocks(&mut self, bytes: &[u8], mut i: usize) -> Blocks {
        let mut carry = Carry { in_string: 0, escaped: 0 };
        while let Some(block) = bytes.get(i..i + BLOCK) {
            let Some(Masks { quote, backslash, open, close }) = Masks::of(block) else {
                return self.stop(i, carry, bytes.len());
            };
            let mut escaped_after = carry.escaped;
            let escaped = escaped_bytes(backslash, &mut escaped_after);
            let in_string = prefix_xor(quote & !escaped) ^ carry.in_string;
            if backslash & !in_string != 0 {
                return self.stop(i, carry, i + BLOCK);
            }
            let mut brackets = (open | close) & !in_string;
            while brackets != 0 {
                let at = brackets.trailing_zeros();
                if open >> at & 1 == 1 {
                    self.depth += 1;
                } else if self.depth <= 1 {
                    return Blocks::End(i + at as usize + 1);
                } else {
                    self.depth -= 1;
                }
                brackets &= brackets - 1;
            }
            carry = Carry { in_string: ((in_string as i64) >> 63) as u64, escaped: escaped_after };
            i += BLOCK;
        }
        self.stop(i, carry, bytes.len())
    }

    /// Where [`blocks`](Self::blocks) stops, at the start `i` of a block with what the blocks
    /// before it `carry`, the bytes up to `bytewise` to be looked at one by one.
    fn stop(&mut self, i: usize, carry: Carry, bytewise: usize) -> Blocks {
        self.in_string = carry.in_string != 0;
        // An escaped first byte: back to the backslash, which the byte-by-byte scan steps over
        // with the byte it escapes.
        let at = i - carry.escaped as usize;
        Blocks::Stopped { at, bytewise: bytewise.max(at) }
    }
}

/// What one block hands the next: all ones in `in_string` when it ended inside a string, 1 in
/// `escaped` when it ended with a backslash that escapes the next byte.
#[derive(Clone, Copy)]
struct Carry {
    in_string: u64,
    escaped: u64,
}

/// A bit per byte of a 64-byte block (the first byte in the lowest bit): where the quotes,
/// backslashes, opening and closing brackets are.
struct Masks {
    quote: u64,
    backslash: u64,
    open: u64,
    close: u64,
}

impl Masks {
    /// The masks of `block` (64 bytes), with SSE2 (which every x86-64 has); `None` elsewhere
    /// (the bytes are then scanned one by one).
    #[inline]
    fn of(block: &[u8]) -> Option<Masks> {
        debug_assert_eq!(block.len(), BLOCK);
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{
                __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
            };
            let mut masks = Masks { quote: 0, backslash: 0, open: 0, close: 0 };
            for lane in 0..BLOCK / 16 {
                // SAFETY: SSE2 is part of x86-64, and the block's 64 bytes hold the four
                // unaligned 16-byte loads.
                let [quote, backslash, open, close] = unsafe {
                    let v = _mm_loadu_si128(block.as_ptr().add(lane * 16).cast::<__m128i>());
                    let is = |v: __m128i, c: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8))) as u16;
                    // `{` and `[` differ only in the bit 0x20, as do `}` and `]`.
                    let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
                    [is(v, b'"'), is(v, b'\\'), is(folded, b'{'), is(folded, b'}')]
                };
                let shift = lane * 16;
                masks.quote |= u64::from(quote) << shift;
                masks.backslash |= u64::from(backslash) << shift;
                masks.open |= u64::from(open) << shift;
                masks.close |= u64::from(close) << shift;
            }
            Some(masks)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            None
        }
    }
}

/// The bytes of a block that a backslash escapes, given its `backslash` bits: a run of
/// backslashes escapes the byte after it when it is odd. `carry` is 1 when the block before
/// ended in such a run (its first byte is escaped), and is set for the next block.
#[inline]
fn escaped_bytes(backslash: u64, carry: &mut u64) -> u64 {
    if backslash == 0 {
        return std::mem::take(carry);
    }
    const EVEN: u64 = 0x5555_5555_5555_5555;
    // An escaped first byte is not the start of a run, whatever it is.
    let backslash = backslash & !*carry;
    let follows_backslash = backslash << 1 | *carry;
    // The runs that start on an odd bit: adding each run's start to the run carries past its
    // end, which flips the parity of the bits that follow; runs that start on even bits do
    // not move.
    let odd_starts = backslash & !EVEN & !follows_backslash;
    let (even_starts, overflow) = odd_starts.overflowing_add(backslash);
    *carry = u64::from(overflow);
    let invert = even_starts << 1;
    (EVEN ^ invert) & follows_backslash
}

/// Each bit set when an odd number of bits are set at or below it: with the quotes'
/// bits, the bytes inside strings (the opening quote included, the closing one not).
#[inline]
fn prefix_xor(mut bits: u64) -> u64 {
    bits ^= bits << 1;
    bits ^= bits << 2;
    bits ^= bits << 4;
    bits ^= bits << 8;
    bits ^= bits << 16;
    bits ^= bits << 32;
    bits
}

/// The offset of the first `"`, `{`, `}`, `[` or `]` in `b` from `start`, or `b.len()`.
/// Sixteen bytes at a time (SSE2, which every x86-64 has), or eight in a word elsewhere, then
/// byte by byte for the last few. On x86-64 the 64-byte blocks ([`Scan::blocks`]) take most
/// of a container; this jump serves the bytes they leave (the last 63 of the input, a block
/// with a backslash outside a string) and, elsewhere, all the white space.
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

    /// The escaped bytes of `bytes` (the byte after an odd run of backslashes), one bit each.
    fn escaped_reference(bytes: &[u8]) -> Vec<bool> {
        let mut out = vec![false; bytes.len()];
        let mut run = 0;
        for (i, &b) in bytes.iter().enumerate() {
            out[i] = run % 2 == 1;
            run = if b == b'\\' && !out[i] { run + 1 } else { 0 };
        }
        out
    }

    #[test]
    fn escaped_bytes_across_blocks_are_those_after_odd_runs_of_backslashes() {
        // Runs of every length at every offset, across the blocks' edges.
        for len in 1..=70 {
            for start in 0..130 {
                let mut bytes = vec![b'a'; 192];
                bytes[start..(start + len).min(192)].fill(b'\\');
                let reference = escaped_reference(&bytes);
                let mut carry = 0;
                for (k, block) in bytes.chunks(BLOCK).enumerate() {
                    let backslash = block.iter().enumerate().fold(0u64, |m, (j, &b)| m | u64::from(b == b'\\') << j);
                    let escaped = escaped_bytes(backslash, &mut carry);
                    for j in 0..BLOCK {
                        assert_eq!(
                            escaped >> j & 1 == 1,
                            reference[k * BLOCK + j],
                            "run of {len} at {start}: byte {}",
                            k * BLOCK + j
                        );
                    }
                }
            }
        }
    }

    /// Bytes of the kinds the scan tells apart, many of each.
    fn scan_bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let byte = prop_oneof![
            4 => Just(b'"'),
            3 => Just(b'\\'),
            2 => Just(b'{'),
            2 => Just(b'}'),
            2 => Just(b'['),
            2 => Just(b']'),
            3 => Just(b' '),
            1 => Just(b'\n'),
            6 => Just(b'a'),
            2 => Just(b','),
            1 => Just(b':'),
            1 => Just(b'1'),
        ];
        // Long runs of letters and of white space too, so that whole blocks are only that.
        let piece = prop_oneof![
            8 => proptest::collection::vec(byte, 1..4),
            1 => (1usize..150).prop_map(|n| vec![b'x'; n]),
            1 => (1usize..150).prop_map(|n| vec![b' '; n]),
        ];
        proptest::collection::vec(piece, 0..80).prop_map(|p| p.concat())
    }

    /// JSON values whose strings hold escapes and brackets, some long enough to cross blocks.
    fn json_value() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let part = prop_oneof![
            Just("a"),
            Just("\\\\"),
            Just("\\\""),
            Just("\\n"),
            Just("{"),
            Just("]"),
            Just(" "),
            Just("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ];
        let string = proptest::collection::vec(part, 0..12).prop_map(|p| format!("\"{}\"", p.concat()));
        let leaf = prop_oneof![string.clone(), Just("12.5".to_string()), Just("true".to_string())];
        leaf.prop_recursive(5, 64, 6, move |inner| {
            let members = proptest::collection::vec((string.clone(), inner.clone()), 0..6);
            prop_oneof![
                proptest::collection::vec(inner, 0..6).prop_map(|items| format!("[{}]", items.join(", "))),
                members.prop_map(|m| {
                    let m: Vec<String> = m.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
                    format!("{{ {} }}", m.join(","))
                }),
            ]
        })
    }

    proptest::proptest! {
        /// The 64-byte blocks find what the byte-by-byte scan finds, on any bytes (JSON or
        /// not), whole or resumed after a cut, and leave the same state when the bytes run out.
        #[test]
        fn blocks_scan_as_bytes_do(
            head in proptest::sample::select(vec![&b"{"[..], b"[", b"\"", b" { ", b"1", b""]),
            body in scan_bytes(),
            cut in 0usize..2000,
            eof in proptest::bool::ANY,
        ) {
            let bytes = [head, &body].concat();
            for start in [Scan::value_at(0), Scan::rest_of_container(0)] {
                let (mut blocks, mut bytewise) = (start, start);
                let cut = cut.min(bytes.len());
                let first = (blocks.run_with(&bytes[..cut], 0, false, true), bytewise.run_with(&bytes[..cut], 0, false, false));
                proptest::prop_assert_eq!(first.0, first.1);
                proptest::prop_assert_eq!(blocks, bytewise);
                if first.0 == Scanned::Incomplete {
                    let whole = (blocks.run_with(&bytes, 0, eof, true), bytewise.run_with(&bytes, 0, eof, false));
                    proptest::prop_assert_eq!(whole.0, whole.1);
                    proptest::prop_assert_eq!(blocks, bytewise);
                }
            }
        }

        /// On JSON, the blocks find where the value ends, whole and resumed after a cut.
        #[test]
        fn blocks_find_the_end_of_json_values(value in json_value(), cut in 0usize..4000) {
            let text = format!("{value} , \"after\"");
            let end = Scanned::Complete(value.len() as u64);
            proptest::prop_assert_eq!(Scan::value_at(0).run(text.as_bytes(), 0, false), end);
            let cut = cut.min(value.len());
            let mut scan = Scan::value_at(0);
            if scan.run(&text.as_bytes()[..cut], 0, false) == Scanned::Incomplete {
                proptest::prop_assert_eq!(scan.run(text.as_bytes(), 0, false), end);
            }
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
