//! Reading the command's inputs: files or standard input (`-`), gzip-compressed or not.
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Seek};

use bluebutton::stream::{self, EntryError, InputKind, NdjsonStream, Resources, Sniffed, StreamOptions};

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
        let bytes = if self.stream_stdin {
            Bytes::Stream(Box::new(&mut *self.stdin))
        } else {
            Bytes::Seekable(Box::new(io::Cursor::new(self.stdin_bytes()?)))
        };
        Ok(RawInput { bytes, size: None })
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
        let sniffed = match self.open_raw(name).and_then(|raw| raw.bytes.sniff()) {
            Ok(sniffed) => sniffed,
            Err(e) => return Ok(Err(e)),
        };
        if sniffed.kind != InputKind::Ndjson {
            let mut bytes = Vec::new();
            let mut reader = sniffed.reader;
            if let Err(e) = reader.read_to_end(&mut bytes) {
                return Ok(Err(e));
            }
            // A stream's reader holds the bytes read to tell the kind (the whole first line: on
            // a minified Bundle, megabytes); they are in `bytes` now. (A file's reader is the
            // file, read again from its start.)
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
    Ok(RawInput { bytes: Bytes::Seekable(Box::new(file)), size })
}

/// An input opened by [`Inputs::open_raw`].
pub struct RawInput<'r> {
    /// Its bytes, as they are.
    pub bytes: Bytes<'r>,
    /// Their number, when it is known before reading (a regular file).
    pub size: Option<u64>,
}

/// The bytes of an input: a file (or bytes in memory), which can be read again from its start,
/// or a stream (standard input), which cannot.
pub enum Bytes<'r> {
    Seekable(Box<dyn ReadSeek + 'r>),
    Stream(Box<dyn Read + 'r>),
}

/// What can be read, and read again from its start.
pub trait ReadSeek: Read + Seek {}

impl<T: Read + Seek> ReadSeek for T {}

impl<'r> Bytes<'r> {
    /// Tells what they hold: a file without holding a minified Bundle's first line
    /// ([`stream::sniff_seekable`]), a stream as [`stream::sniff`] tells it.
    pub fn sniff(self) -> io::Result<Sniffed<'r>> {
        match self {
            Bytes::Seekable(reader) => stream::sniff_seekable(reader, MAX_LINE),
            Bytes::Stream(reader) => stream::sniff(reader, MAX_LINE),
        }
    }

    /// Their resources, read with `options`; the kind told as [`sniff`](Self::sniff) tells it.
    pub fn resources(self, options: StreamOptions) -> Result<Resources<'r>, EntryError> {
        match self {
            Bytes::Seekable(reader) => Resources::with_options_seekable(reader, options),
            Bytes::Stream(reader) => Resources::with_options(reader, options),
        }
    }
}

/// How an input is named in messages.
pub fn display_name(name: &OsStr) -> String {
    name.to_string_lossy().into_owned()
}
