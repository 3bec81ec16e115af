//! Reading the command's inputs: files or standard input (`-`), gzip-compressed or not.
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read};

use bluebutton::stream::{self, InputKind, NdjsonStream};

/// The longest NDJSON line read (as the library's streams default to).
pub const MAX_LINE: usize = 256 << 20;

/// The name that stands for standard input.
pub const STDIN: &str = "-";

/// Reads the inputs named on the command line. Standard input is read at most once; a second
/// `-` gets the same bytes.
pub struct Inputs<'s> {
    stdin: &'s mut dyn Read,
    stdin_bytes: Option<Vec<u8>>,
    /// Standard input is named once: it is read as a stream, keeping nothing.
    stream_stdin: bool,
}

impl<'s> Inputs<'s> {
    /// Inputs for the command-line `names`, read as streams: standard input
    /// too when it is named once (when it is named more than once, its bytes are kept for the
    /// next `-`).
    pub fn for_names(stdin: &'s mut dyn Read, names: &[OsString]) -> Self {
        let stream_stdin = names.iter().filter(|n| *n == STDIN).count() == 1;
        Inputs { stdin, stdin_bytes: None, stream_stdin }
    }

    /// A reader of the bytes of `name` as they are (not decompressed: see
    /// [`stream::decompressing`]),
    /// and their number when `name` is a regular file.
    pub fn open_raw(&mut self, name: &OsStr) -> io::Result<RawInput<'_>> {
        if name != STDIN {
            return open_file(name);
        }
        let reader: Box<dyn Read + '_> =
            if self.stream_stdin { Box::new(&mut *self.stdin) } else { Box::new(self.stdin_bytes()?) };
        Ok(RawInput { reader, size: None })
    }

    /// Hands `each` the documents of `name`: the whole input, or, when it is NDJSON, each
    /// non-blank line as it is read (so that memory holds one line, not the file). Returns what
    /// the input holds, or (inside) the error that stopped reading it, after the documents read
    /// until then; the outer `Err` is an error that `each` returned (writing the output).
    pub fn documents(
        &mut self,
        name: &OsStr,
        mut each: impl FnMut(Document<'_>) -> io::Result<()>,
    ) -> io::Result<io::Result<InputKind>> {
        let sniffed = match self.open_raw(name).and_then(|raw| stream::sniff(raw.reader, MAX_LINE)) {
            Ok(sniffed) => sniffed,
            Err(e) => return Ok(Err(e)),
        };
        if sniffed.kind != InputKind::Ndjson {
            let mut bytes = Vec::new();
            let mut reader = sniffed.reader;
            if let Err(e) = reader.read_to_end(&mut bytes) {
                return Ok(Err(e));
            }
            // The reader holds the bytes read to tell the kind (the whole first line: on a
            // minified Bundle, megabytes); they are in `bytes` now.
            drop(reader);
            each(Document { line: None, bytes: &bytes })?;
            return Ok(Ok(sniffed.kind));
        }
        let mut lines = NdjsonStream::new(sniffed.reader);
        while let Some(line) = lines.next_line() {
            match line {
                Ok(line) => each(Document { line: Some(line.number), bytes: line.text })?,
                Err(e) => return Ok(Err(io::Error::other(e.to_string()))),
            }
        }
        Ok(Ok(InputKind::Ndjson))
    }

    /// All of standard input, read the first time.
    fn stdin_bytes(&mut self) -> io::Result<&[u8]> {
        if self.stdin_bytes.is_none() {
            let mut buf = Vec::new();
            self.stdin.read_to_end(&mut buf)?;
            self.stdin_bytes = Some(buf);
        }
        Ok(self.stdin_bytes.as_deref().unwrap_or_default())
    }
}

/// One document of an input: see [`Inputs::documents`].
pub struct Document<'a> {
    /// Its line, when the input is NDJSON.
    pub line: Option<u64>,
    /// Its JSON text.
    pub bytes: &'a [u8],
}

impl Document<'_> {
    /// How the document is named in messages: the input's name, with `:LINE` in NDJSON.
    pub fn name(&self, input: &str) -> String {
        match self.line {
            Some(line) => format!("{input}:{line}"),
            None => input.to_string(),
        }
    }
}

/// The file `name` (not standard input) as a raw input, with its size when it is a regular
/// file: what [`Inputs::open_raw`] opens, for threads that open files of their own.
pub fn open_file(name: &OsStr) -> io::Result<RawInput<'static>> {
    let file = File::open(name)?;
    let size = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    Ok(RawInput { reader: Box::new(file), size })
}

/// An input opened by [`Inputs::open_raw`].
pub struct RawInput<'r> {
    /// Its bytes, as they are.
    pub reader: Box<dyn Read + 'r>,
    /// Their number, when it is known before reading (a regular file).
    pub size: Option<u64>,
}

/// How an input is named in messages.
pub fn display_name(name: &OsStr) -> String {
    name.to_string_lossy().into_owned()
}
