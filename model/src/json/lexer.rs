//! A pull lexer over a JSON byte slice.
//!
//! The generated `FromJson` impls drive it directly: they ask for an object, read keys, and read
//! values of the kind their field expects. Strings without escapes are returned borrowed from the
//! input; numbers are returned as their exact text. Nothing here recurses except through the
//! callers, and every container entry is counted against a nesting limit, so hostile input ends in
//! an error rather than a stack overflow.
use std::borrow::Cow;

use super::error::{Error, ErrorKind, JsonKind};

/// Options for a parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Keep unknown properties (and report them) instead of failing on them.
    pub lenient: bool,
    /// The deepest nesting of objects and arrays accepted.
    pub max_depth: u32,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { lenient: false, max_depth: 128 }
    }
}

impl ParseOptions {
    /// Strict parsing (the default): unknown properties are errors.
    pub fn strict() -> Self {
        Self::default()
    }

    /// Lenient parsing: unknown properties are kept and listed, not rejected.
    pub fn lenient() -> Self {
        ParseOptions { lenient: true, ..Self::default() }
    }
}

/// A property name, with the byte offset where it starts (for error locations).
#[derive(Debug, Clone)]
pub struct Key<'a> {
    pub text: Cow<'a, str>,
    pub offset: usize,
}

impl Key<'_> {
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }
}

/// Cursor over the members of one JSON object (see [`Lexer::begin_object`]).
#[derive(Debug)]
pub struct ObjectCursor {
    first: bool,
    /// Offset of the opening `{`.
    pub start: usize,
}

impl ObjectCursor {
    /// A cursor for the object whose `{` is at `start`, picking up where another cursor left
    /// off: `after_member` says whether a member was already read (so `,` or `}` comes next).
    /// For readers that parse one object across several lexers (the streaming Bundle reader).
    pub fn resume(start: usize, after_member: bool) -> Self {
        ObjectCursor { first: !after_member, start }
    }
}

/// Cursor over the elements of one JSON array (see [`Lexer::begin_array`]).
#[derive(Debug)]
pub struct ArrayCursor {
    first: bool,
    /// Offset of the opening `[`.
    pub start: usize,
}

impl ArrayCursor {
    /// A cursor for the array whose `[` is at `start`, picking up where another cursor left
    /// off: `after_element` says whether an element was already read (so `,` or `]` comes next).
    pub fn resume(start: usize, after_element: bool) -> Self {
        ArrayCursor { first: !after_element, start }
    }
}

/// The JSON pull lexer.
pub struct Lexer<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: u32,
    options: ParseOptions,
    /// Offsets of unknown properties kept in lenient mode.
    pub(crate) unknown_offsets: Vec<usize>,
}

/// The UTF-8 byte order mark, which a JSON text may begin with ([`Lexer`] and the input
/// readers move past it).
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The length of the UTF-8 byte order mark that `input` begins with: 3, or 0 without one.
pub(crate) fn bom_len(input: &[u8]) -> usize {
    if input.starts_with(BOM) {
        BOM.len()
    } else {
        0
    }
}

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

impl<'a> Lexer<'a> {
    pub fn new(buf: &'a [u8], options: ParseOptions) -> Self {
        Lexer { buf, pos: 0, depth: 0, options, unknown_offsets: Vec::new() }
    }

    #[inline]
    pub fn options(&self) -> ParseOptions {
        self.options
    }

    #[inline]
    pub fn is_lenient(&self) -> bool {
        self.options.lenient
    }

    /// The current byte offset.
    #[inline]
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The whole input.
    pub fn input(&self) -> &'a [u8] {
        self.buf
    }

    /// The current nesting depth.
    #[inline]
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Moves the cursor back to a position (and depth) this lexer was at before.
    pub fn restore(&mut self, offset: usize, depth: u32) {
        self.pos = offset;
        self.depth = depth;
    }

    /// An error of `kind` at `offset`.
    #[inline]
    pub fn error_at(&self, offset: usize, kind: ErrorKind) -> Error {
        Error::new(offset, kind)
    }

    #[inline]
    fn skip_ws(&mut self) {
        // Compact JSON has no white space: one test. Pretty JSON has a newline and then a run
        // of indentation, whose length is counted eight bytes at a time.
        while let Some(&b) = self.buf.get(self.pos) {
            if !is_ws(b) {
                break;
            }
            self.pos += 1;
            while let Some(chunk) = self.buf.get(self.pos..self.pos + 8) {
                let other = u64::from_le_bytes(chunk.try_into().expect("eight bytes")) ^ splat(b' ');
                if other != 0 {
                    self.pos += (other.trailing_zeros() / 8) as usize;
                    break;
                }
                self.pos += 8;
            }
        }
    }

    /// Skips white space and returns the next byte without consuming it.
    #[inline]
    fn peek_byte(&mut self) -> Option<u8> {
        self.skip_ws();
        self.buf.get(self.pos).copied()
    }

    /// Moves past a UTF-8 byte order mark that begins the input, where a JSON text may carry
    /// one (RFC 8259 lets a parser ignore it; Windows tools write it): whether there was one.
    /// Called where the first value was expected and something else stood: the happy path
    /// does not test for it.
    #[cold]
    fn skip_bom(&mut self) -> bool {
        let mark = bom_len(self.buf);
        if self.pos != 0 || self.depth != 0 || mark == 0 {
            return false;
        }
        self.pos = mark;
        true
    }

    /// The encoding other than UTF-8 that a byte order mark at the start of the input names,
    /// where the first value was expected.
    fn other_encoding(&self) -> Option<&'static str> {
        if self.pos != 0 || self.depth != 0 {
            return None;
        }
        [
            (&[0xFF, 0xFE, 0, 0][..], "UTF-32LE"),
            (&[0, 0, 0xFE, 0xFF][..], "UTF-32BE"),
            (&[0xFF, 0xFE][..], "UTF-16LE"),
            (&[0xFE, 0xFF][..], "UTF-16BE"),
        ]
        .into_iter()
        .find(|(mark, _)| self.buf.starts_with(mark))
        .map(|(_, encoding)| encoding)
    }

    #[cold]
    fn eof(&self, expected: &'static str) -> Error {
        Error::new(self.pos, ErrorKind::Eof { expected })
    }

    #[cold]
    fn syntax(&self, expected: &'static str) -> Error {
        if let Some(encoding) = self.other_encoding() {
            return Error::new(0, ErrorKind::NotUtf8 { encoding });
        }
        let found = describe_bytes(&self.buf[self.pos..]);
        Error::new(self.pos, ErrorKind::Syntax { expected, found })
    }

    /// The kind of the next value, without consuming it.
    pub fn peek_kind(&mut self) -> Result<JsonKind, Error> {
        match self.peek_byte() {
            None => Err(self.eof("a value")),
            Some(b'{') => Ok(JsonKind::Object),
            Some(b'[') => Ok(JsonKind::Array),
            Some(b'"') => Ok(JsonKind::String),
            Some(b't' | b'f') => Ok(JsonKind::Boolean),
            Some(b'n') => Ok(JsonKind::Null),
            Some(b'-' | b'0'..=b'9') => Ok(JsonKind::Number),
            Some(_) => self.not_a_value(),
        }
    }

    /// Where a value was expected and something else stands: past a byte order mark that
    /// begins the input, the kind of the value after it; else the error.
    #[cold]
    fn not_a_value(&mut self) -> Result<JsonKind, Error> {
        if self.skip_bom() {
            return self.peek_kind();
        }
        Err(self.syntax("a value"))
    }

    /// A "wrong JSON type" error for the value at the cursor.
    pub fn wrong_type(&mut self, expected: &'static str) -> Error {
        match self.peek_kind() {
            Ok(found) => Error::new(self.pos, ErrorKind::WrongType { expected, found }),
            Err(e) => e,
        }
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > self.options.max_depth {
            return Err(Error::new(self.pos, ErrorKind::TooDeep { limit: self.options.max_depth }));
        }
        Ok(())
    }

    /// Consumes `{` and returns a cursor for [`Lexer::next_key`].
    #[inline]
    pub fn begin_object(&mut self) -> Result<ObjectCursor, Error> {
        if self.peek_byte() != Some(b'{') {
            if self.skip_bom() {
                return self.begin_object();
            }
            return Err(self.wrong_type("an object"));
        }
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        Ok(ObjectCursor { first: true, start })
    }

    /// The next property name of the object (consuming the `:` after it), or `None` after the
    /// closing `}`.
    // Always inlined: called once per property by every generated reader, and returning the
    // key through memory (the call's result is too large for registers) cost more than the
    // call itself (a store-to-load stall on each key).
    #[inline(always)]
    pub fn next_key(&mut self, cursor: &mut ObjectCursor) -> Result<Option<Key<'a>>, Error> {
        // Compact JSON: `,"` and, after the name, `:` with no white space between.
        if !cursor.first && self.buf.get(self.pos..self.pos + 2) == Some(b",\"") {
            let offset = self.pos + 1;
            let text = self.read_string_token_at(offset)?;
            if self.buf.get(self.pos) != Some(&b':') && self.peek_byte() != Some(b':') {
                return Err(self.unexpected("':'"));
            }
            self.pos += 1;
            return Ok(Some(Key { text, offset }));
        }
        match self.peek_byte() {
            Some(b'"') if cursor.first => {}
            Some(b',') if !cursor.first => {
                self.pos += 1;
                if self.peek_byte() != Some(b'"') {
                    return Err(self.unexpected("a property name"));
                }
            }
            Some(b'}') => {
                self.pos += 1;
                self.depth -= 1;
                return Ok(None);
            }
            _ => return Err(self.bad_member_start(cursor.first)),
        }
        cursor.first = false;
        let offset = self.pos;
        let text = self.read_string_token()?;
        if self.peek_byte() != Some(b':') {
            return Err(self.unexpected("':'"));
        }
        self.pos += 1;
        Ok(Some(Key { text, offset }))
    }

    /// The error for what stands where a member (or the end of the object) should.
    #[cold]
    fn bad_member_start(&self, first: bool) -> Error {
        match self.buf.get(self.pos) {
            Some(_) if first => self.syntax("a property name or '}'"),
            Some(_) => self.syntax("',' or '}'"),
            None => self.eof("',' or '}'"),
        }
    }

    #[cold]
    fn unexpected(&self, expected: &'static str) -> Error {
        if self.pos >= self.buf.len() {
            self.eof(expected)
        } else {
            self.syntax(expected)
        }
    }

    /// Consumes `[` and returns a cursor for [`Lexer::next_element`].
    #[inline]
    pub fn begin_array(&mut self) -> Result<ArrayCursor, Error> {
        if self.peek_byte() != Some(b'[') {
            if self.skip_bom() {
                return self.begin_array();
            }
            return Err(self.wrong_type("an array"));
        }
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        Ok(ArrayCursor { first: true, start })
    }

    /// Whether another element follows (the cursor then stands at it); `false` after the closing `]`.
    #[inline]
    pub fn next_element(&mut self, cursor: &mut ArrayCursor) -> Result<bool, Error> {
        match self.peek_byte() {
            Some(b']') => {
                self.pos += 1;
                self.depth -= 1;
                return Ok(false);
            }
            Some(b',') if !cursor.first => {
                self.pos += 1;
                self.skip_ws();
                if self.pos >= self.buf.len() {
                    return Err(self.eof("a value"));
                }
            }
            Some(_) if cursor.first => {}
            Some(_) => return Err(self.syntax("',' or ']'")),
            None => return Err(self.eof("',' or ']'")),
        }
        cursor.first = false;
        Ok(true)
    }

    /// Reads a string value (borrowed when it has no escapes) and its offset.
    // Always inlined: its callers are the few primitive readers (one per string type), and a
    // call here passed every string value back through memory once more.
    #[inline(always)]
    pub fn string(&mut self, expected: &'static str) -> Result<(Cow<'a, str>, usize), Error> {
        if self.peek_byte() != Some(b'"') {
            return Err(self.wrong_type(expected));
        }
        let offset = self.pos;
        Ok((self.read_string_token()?, offset))
    }

    /// Reads a number token and returns its exact text and offset.
    #[inline]
    pub fn number(&mut self, expected: &'static str) -> Result<(&'a str, usize), Error> {
        match self.peek_byte() {
            Some(b'-' | b'0'..=b'9') => {}
            _ => return Err(self.wrong_type(expected)),
        }
        let start = self.pos;
        let b = self.buf;
        let mut i = start;
        if b[i] == b'-' {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(b.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => {
                self.pos = i;
                return Err(self.unexpected("a digit"));
            }
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !matches!(b.get(i), Some(b'0'..=b'9')) {
                self.pos = i;
                return Err(self.unexpected("a digit after '.'"));
            }
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !matches!(b.get(i), Some(b'0'..=b'9')) {
                self.pos = i;
                return Err(self.unexpected("a digit in the exponent"));
            }
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        self.pos = i;
        // Number tokens are ASCII by construction.
        let text = ascii_str(&b[start..i]);
        Ok((text, start))
    }

    /// Reads `true` or `false`.
    #[inline]
    pub fn boolean(&mut self) -> Result<bool, Error> {
        match self.peek_byte() {
            Some(b't') if self.buf[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                Ok(true)
            }
            Some(b'f') if self.buf[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                Ok(false)
            }
            Some(b't' | b'f') => Err(self.syntax("true or false")),
            _ => Err(self.wrong_type("a boolean")),
        }
    }

    /// Consumes `null` if it is next; returns whether it did.
    #[inline]
    pub fn null(&mut self) -> Result<bool, Error> {
        if self.peek_byte() == Some(b'n') {
            if self.buf[self.pos..].starts_with(b"null") {
                self.pos += 4;
                return Ok(true);
            }
            return Err(self.syntax("null"));
        }
        Ok(false)
    }

    /// Checks that only white space is left.
    pub fn finish(&mut self) -> Result<(), Error> {
        match self.peek_byte() {
            None => Ok(()),
            Some(_) => Err(self.syntax("the end of the input")),
        }
    }

    /// Skips one value of any kind, iteratively (no recursion), checking that it is valid JSON.
    pub fn skip_value(&mut self) -> Result<(), Error> {
        let base = self.depth;
        // Each level remembers whether it is an object (true) or an array.
        let mut stack: Vec<(bool, bool)> = Vec::new();
        loop {
            // At a value.
            match self.peek_kind()? {
                JsonKind::Object => {
                    let c = self.begin_object()?;
                    stack.push((true, c.first));
                }
                JsonKind::Array => {
                    let c = self.begin_array()?;
                    stack.push((false, c.first));
                }
                JsonKind::String => {
                    self.read_string_token()?;
                }
                JsonKind::Number => {
                    self.number("a number")?;
                }
                JsonKind::Boolean => {
                    self.boolean()?;
                }
                JsonKind::Null => {
                    self.null()?;
                }
            }
            // Find the next value, closing finished containers.
            loop {
                let Some(&mut (is_object, ref mut first)) = stack.last_mut() else {
                    debug_assert_eq!(self.depth, base);
                    return Ok(());
                };
                if is_object {
                    let mut cursor = ObjectCursor { first: *first, start: 0 };
                    let key = self.next_key(&mut cursor)?;
                    *first = cursor.first;
                    if key.is_some() {
                        break;
                    }
                } else {
                    let mut cursor = ArrayCursor { first: *first, start: 0 };
                    let more = self.next_element(&mut cursor)?;
                    *first = cursor.first;
                    if more {
                        break;
                    }
                }
                stack.pop();
            }
        }
    }

    /// Reads a string token at the cursor (which stands on `"`).
    #[inline]
    fn read_string_token(&mut self) -> Result<Cow<'a, str>, Error> {
        self.read_string_token_at(self.pos)
    }

    /// Reads the string token whose `"` is at `quote`.
    #[inline(always)]
    fn read_string_token_at(&mut self, quote: usize) -> Result<Cow<'a, str>, Error> {
        self.read_string_body(quote).map_err(|e| at_string(e, quote))
    }

    // Always inlined, for the first chunk: most keys and many values (codes, dates, amounts'
    // currencies) end within it, and then a string costs no call and no result passed through
    // memory. Longer strings go on out of line.
    #[inline(always)]
    fn read_string_body(&mut self, quote: usize) -> Result<Cow<'a, str>, Error> {
        let start = quote + 1;
        let b = self.buf;
        match first_special(b, start) {
            Some(i) if i < CHUNK => {
                let i = start + i;
                if b[i] == b'"' {
                    self.pos = i + 1;
                    return Ok(Cow::Borrowed(ascii_str(&b[start..i])));
                }
                self.read_string_rest(start, i)
            }
            Some(_) => self.read_string_from(start, start + CHUNK),
            None => self.read_string_from(start, start),
        }
    }

    /// A string body from `start` whose bytes up to `from` are plain ASCII.
    #[inline(never)]
    fn read_string_from(&mut self, start: usize, from: usize) -> Result<Cow<'a, str>, Error> {
        let b = self.buf;
        let (i, ascii) = scan_string(b, from);
        if ascii && b.get(i) == Some(&b'"') {
            self.pos = i + 1;
            return Ok(Cow::Borrowed(ascii_str(&b[start..i])));
        }
        self.read_string_rest(start, i)
    }

    /// The rest of a string that is not plain ASCII up to `i`: non-ASCII text, escapes, or an
    /// error.
    #[inline(never)]
    fn read_string_rest(&mut self, start: usize, mut i: usize) -> Result<Cow<'a, str>, Error> {
        let b = self.buf;
        loop {
            match b.get(i) {
                None => {
                    self.pos = i;
                    return Err(self.eof("the end of the string ('\"')"));
                }
                Some(b'"') => {
                    let s = self.utf8(start, i)?;
                    self.pos = i + 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(&c) if c < 0x20 => {
                    self.pos = i;
                    return Err(Error::new(i, ErrorKind::ControlCharacter));
                }
                // Only after a non-ASCII byte does `scan_string` stop at others.
                Some(_) => i += 1,
            }
        }
        // Slow path: the string has escapes.
        let mut out = String::with_capacity(i - start + 16);
        out.push_str(self.utf8(start, i)?);
        loop {
            let run = i;
            while let Some(&c) = b.get(i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                i += 1;
            }
            out.push_str(self.utf8(run, i)?);
            match b.get(i) {
                None => {
                    self.pos = i;
                    return Err(self.eof("the end of the string ('\"')"));
                }
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    i = self.read_escape(i, &mut out)?;
                }
                Some(_) => {
                    self.pos = i;
                    return Err(Error::new(i, ErrorKind::ControlCharacter));
                }
            }
        }
    }

    #[inline]
    fn utf8(&self, start: usize, end: usize) -> Result<&'a str, Error> {
        let bytes = &self.buf[start..end];
        std::str::from_utf8(bytes).map_err(|e| Error::new(start + e.valid_up_to(), ErrorKind::InvalidUtf8))
    }

    /// Decodes the escape at `i` (standing on `\`), returns the offset after it.
    fn read_escape(&mut self, i: usize, out: &mut String) -> Result<usize, Error> {
        let b = self.buf;
        let bad = |at: usize| Error::new(at, ErrorKind::InvalidEscape);
        match b.get(i + 1) {
            Some(b'"') => out.push('"'),
            Some(b'\\') => out.push('\\'),
            Some(b'/') => out.push('/'),
            Some(b'b') => out.push('\u{8}'),
            Some(b'f') => out.push('\u{c}'),
            Some(b'n') => out.push('\n'),
            Some(b'r') => out.push('\r'),
            Some(b't') => out.push('\t'),
            Some(b'u') => {
                let hi = hex4(b, i + 2).ok_or_else(|| bad(i))?;
                let mut next = i + 6;
                let c = if (0xD800..0xDC00).contains(&hi) {
                    if b.get(next) != Some(&b'\\') || b.get(next + 1) != Some(&b'u') {
                        return Err(bad(i));
                    }
                    let lo = hex4(b, next + 2).ok_or_else(|| bad(next))?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(bad(next));
                    }
                    next += 6;
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else if (0xDC00..0xE000).contains(&hi) {
                    return Err(bad(i));
                } else {
                    hi
                };
                out.push(char::from_u32(c).ok_or_else(|| bad(i))?);
                return Ok(next);
            }
            None => return Err(Error::new(i + 1, ErrorKind::Eof { expected: "an escape" })),
            Some(_) => return Err(bad(i)),
        }
        Ok(i + 2)
    }
}

/// A string's error about its content, placed at its opening quote.
#[cold]
fn at_string(e: Error, quote: usize) -> Error {
    match e.kind() {
        ErrorKind::InvalidUtf8 | ErrorKind::ControlCharacter | ErrorKind::InvalidEscape => {
            Error::new(quote, e.kind().clone())
        }
        _ => e,
    }
}

/// Eight copies of byte `b`.
pub(crate) const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// The high bit of each byte of `word` that is zero, exact for the lowest such byte (the
/// classic "has zero byte" test; bytes above a zero byte may be flagged too).
#[inline]
pub(crate) fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(splat(0x01)) & !word & splat(0x80)
}

/// How many bytes [`first_special`] looks at.
#[cfg(target_arch = "x86_64")]
const CHUNK: usize = 16;
#[cfg(not(target_arch = "x86_64"))]
const CHUNK: usize = 8;

/// The offset from `start` of the first `"`, `\\`, control character or non-ASCII byte among
/// the [`CHUNK`] bytes from `start` (`CHUNK` when there is none), or `None` when fewer than
/// `CHUNK` bytes are left. One vector compare (SSE2, which every x86-64 has) or one word.
#[inline(always)]
fn first_special(b: &[u8], start: usize) -> Option<usize> {
    let chunk = b.get(start..start.checked_add(CHUNK)?)?;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of x86-64, and `chunk` holds the sixteen bytes the unaligned
        // load reads.
        let mask = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            let low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(low, quote), backslash)) as u32
        };
        // Bit 16 stands for "none": `trailing_zeros` is then CHUNK.
        Some((mask | 1 << CHUNK).trailing_zeros() as usize)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let special = zero_bytes(word ^ splat(b'"'))
            | zero_bytes(word ^ splat(b'\\'))
            | (word.wrapping_sub(splat(0x20)) & !word & splat(0x80))
            | (word & splat(0x80));
        Some(if special == 0 { CHUNK } else { (special.trailing_zeros() / 8) as usize })
    }
}

/// Finds the end of a string body from `start`: the offset of the first `"`, `\`, control
/// character or end of input, and whether every byte before it is ASCII. Sixteen bytes at a
/// time (SSE2, which every x86-64 has) or eight (elsewhere) while the string is ASCII; after a
/// non-ASCII byte it stops at that byte (the caller goes on byte by byte, and validates the
/// UTF-8).
#[inline]
fn scan_string(b: &[u8], start: usize) -> (usize, bool) {
    #[cfg(target_arch = "x86_64")]
    let start = {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        };
        let mut i = start;
        while i + 16 <= b.len() {
            // SAFETY: SSE2 is part of x86-64, and `i + 16 <= b.len()` keeps the unaligned
            // 16-byte load inside `b`.
            let mask = unsafe {
                let v = _mm_loadu_si128(b.as_ptr().add(i).cast::<__m128i>());
                // Signed, bytes from 0x80 are negative: one compare finds both the control
                // characters and the non-ASCII bytes.
                let low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
                let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
                let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(low, quote), backslash)) as u32
            };
            if mask != 0 {
                let i = i + mask.trailing_zeros() as usize;
                return (i, b[i] < 0x80);
            }
            i += 16;
        }
        i
    };
    let mut i = start;
    while let Some(chunk) = b.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let special = zero_bytes(word ^ splat(b'"'))
            | zero_bytes(word ^ splat(b'\\'))
            | (word.wrapping_sub(splat(0x20)) & !word & splat(0x80))
            | (word & splat(0x80));
        if special != 0 {
            i += (special.trailing_zeros() / 8) as usize;
            return (i, b[i] < 0x80);
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return (i, true);
        }
        if c >= 0x80 {
            return (i, false);
        }
        i += 1;
    }
    (i, true)
}

/// `bytes` as text, knowing they are all ASCII.
#[inline]
fn ascii_str(bytes: &[u8]) -> &str {
    debug_assert!(bytes.is_ascii());
    // SAFETY: the callers checked that every byte is below 0x80 (`scan_string`, or the number
    // grammar), and ASCII is UTF-8. This saves validating each (mostly short) token a second
    // time, which was a sixth of the time of a typed parse.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..at + 4)?;
    let mut v = 0u32;
    for &d in digits {
        v = v * 16 + (d as char).to_digit(16)?;
    }
    Some(v)
}

/// A short, printable description of what stands at the start of `rest`.
fn describe_bytes(rest: &[u8]) -> String {
    let snippet: String =
        String::from_utf8_lossy(&rest[..rest.len().min(16)]).chars().take_while(|c| !c.is_control()).collect();
    if snippet.is_empty() {
        match rest.first() {
            None => "the end of the input".to_string(),
            Some(b) => format!("byte 0x{b:02x}"),
        }
    } else {
        format!("`{snippet}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `scan_string` one byte at a time.
    fn reference(b: &[u8], start: usize) -> (usize, bool) {
        for (i, &c) in b.iter().enumerate().skip(start) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                return (i, true);
            }
            if c >= 0x80 {
                return (i, false);
            }
        }
        (b.len(), true)
    }

    /// Calls `check(bytes, start)` for every special byte at every offset of the 16- and
    /// 8-byte steps and of the tail, from a few starts.
    fn each_special_placement(check: impl Fn(&[u8], usize)) {
        for len in 0..48 {
            for special in [None, Some(b'"'), Some(b'\\'), Some(0x00), Some(0x1f), Some(0x7f), Some(0x80), Some(0xff)] {
                for at in 0..len.max(1) {
                    let mut b = vec![b'a'; len];
                    if let (Some(s), true) = (special, at < len) {
                        b[at] = s;
                    }
                    for start in [0, 1, 3] {
                        if start <= len {
                            check(&b, start);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn scan_string_agrees_with_a_bytewise_scan() {
        each_special_placement(|b, start| {
            assert_eq!(scan_string(b, start), reference(b, start), "{b:?} from {start}");
        });
    }

    #[test]
    fn first_special_agrees_with_a_bytewise_scan() {
        each_special_placement(|b, start| {
            let expected = (start + CHUNK <= b.len()).then(|| {
                b[start..start + CHUNK]
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\' || !(0x20..0x80).contains(&c))
                    .unwrap_or(CHUNK)
            });
            assert_eq!(first_special(b, start), expected, "{b:?} from {start}");
        });
    }

    #[test]
    fn strings_and_keys_read_the_same_either_way() {
        let long = "x".repeat(40);
        let text = format!(r#"{{"{long}": "{long}\"é", "k": "a\u00e9b", "ü{long}": "{long}ü"}}"#);
        let mut lx = Lexer::new(text.as_bytes(), ParseOptions::default());
        let mut cursor = lx.begin_object().unwrap();
        let mut seen = Vec::new();
        while let Some(key) = lx.next_key(&mut cursor).unwrap() {
            let (value, _) = lx.string("a string").unwrap();
            seen.push((key.text.into_owned(), value.into_owned()));
        }
        assert_eq!(
            seen,
            [
                (long.clone(), format!("{long}\"é")),
                ("k".to_string(), "aéb".to_string()),
                (format!("ü{long}"), format!("{long}ü")),
            ]
        );
    }

    /// The keys of the object in `text`, or the first error (offset and kind).
    fn keys(text: &str) -> Result<Vec<String>, (usize, ErrorKind)> {
        let mut lx = Lexer::new(text.as_bytes(), ParseOptions::default());
        let mut cursor = lx.begin_object().map_err(|e| (e.offset(), e.kind().clone()))?;
        let mut out = Vec::new();
        let mut next = || -> Result<bool, Error> {
            match lx.next_key(&mut cursor)? {
                Some(key) => {
                    out.push(key.text.into_owned());
                    lx.skip_value()?;
                    Ok(true)
                }
                None => Ok(false),
            }
        };
        loop {
            match next() {
                Ok(true) => {}
                Ok(false) => return Ok(out),
                Err(e) => return Err((e.offset(), e.kind().clone())),
            }
        }
    }

    #[test]
    fn compact_keys_read_and_fail_as_spaced_ones_do() {
        let long = "k".repeat(30);
        assert_eq!(keys(&format!(r#"{{"a":1,"b":2,"{long}":3,"\u0063":4}}"#)).unwrap(), ["a", "b", &long, "c"]);
        // The same errors, at the same offsets, with white space or without.
        for (compact, spaced) in [
            (r#"{"a":1,"b"}"#, r#"{"a":1, "b"}"#),
            (r#"{"a":1,"b"#, r#"{"a":1, "b"#),
            ("{\"a\":1,\"b\u{1}\":2}", "{\"a\":1, \"b\u{1}\":2}"),
            (r#"{"a":1,"b\x":2}"#, r#"{"a":1, "b\x":2}"#),
        ] {
            let (at, kind) = keys(compact).unwrap_err();
            let (spaced_at, spaced_kind) = keys(spaced).unwrap_err();
            assert_eq!((at + 1, kind), (spaced_at, spaced_kind), "{compact}");
        }
        assert_eq!(keys(r#"{"a":1,"b" :2}"#).unwrap(), ["a", "b"]);
    }

    #[test]
    fn pretty_white_space_is_skipped() {
        for indent in 0..20 {
            let pad = " ".repeat(indent);
            let text = format!("{{\n{pad}\"a\" :\t\r\n{pad}1\n{pad}}}");
            let mut lx = Lexer::new(text.as_bytes(), ParseOptions::default());
            let mut cursor = lx.begin_object().unwrap();
            let key = lx.next_key(&mut cursor).unwrap().unwrap();
            assert_eq!(key.text, "a");
            assert_eq!(lx.number("a number").unwrap().0, "1");
            assert!(lx.next_key(&mut cursor).unwrap().is_none());
            lx.finish().unwrap();
        }
    }
}
