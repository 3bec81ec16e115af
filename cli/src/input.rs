//! Reading the command's inputs: files or standard input (`-`), gzip-compressed or not.
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, BufReader, Read};

use flate2::bufread;
use flate2::read::MultiGzDecoder;

/// The name that stands for standard input.
pub const STDIN: &str = "-";

/// The first two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads the inputs named on the command line. Standard input is read at most once; a second
/// `-` gets the same bytes.
pub struct Inputs<'s> {
    stdin: &'s mut dyn Read,
    stdin_bytes: Option<Vec<u8>>,
    /// Standard input is named once: [`Inputs::open`] reads it as a stream, keeping nothing.
    stream_stdin: bool,
}

impl<'s> Inputs<'s> {
    /// Inputs read whole ([`Inputs::read`]).
    pub fn new(stdin: &'s mut dyn Read) -> Self {
        Inputs { stdin, stdin_bytes: None, stream_stdin: false }
    }

    /// Inputs for the command-line `names`, read as streams ([`Inputs::open`]): standard input
    /// too when it is named once (when it is named more than once, its bytes are kept for the
    /// next `-`).
    pub fn for_names(stdin: &'s mut dyn Read, names: &[OsString]) -> Self {
        let stream_stdin = names.iter().filter(|n| *n == STDIN).count() == 1;
        Inputs { stdin, stdin_bytes: None, stream_stdin }
    }

    /// The bytes of `name` (a path, or `-` for standard input), decompressed when they are
    /// gzip data.
    pub fn read(&mut self, name: &OsStr) -> io::Result<Vec<u8>> {
        let raw = if name == STDIN { self.stdin_bytes()?.to_vec() } else { std::fs::read(name)? };
        decompress(raw)
    }

    /// A reader of `name` (a path, or `-` for standard input) that decompresses as it reads
    /// when the input starts like gzip data: nothing is read whole.
    pub fn open(&mut self, name: &OsStr) -> io::Result<Box<dyn Read + '_>> {
        decompressing(self.open_raw(name)?.reader)
    }

    /// A reader of the bytes of `name` as they are (not decompressed: see [`decompressing`]),
    /// and their number when `name` is a regular file.
    pub fn open_raw(&mut self, name: &OsStr) -> io::Result<RawInput<'_>> {
        if name != STDIN {
            let file = File::open(name)?;
            let size = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
            return Ok(RawInput { reader: Box::new(file), size });
        }
        let reader: Box<dyn Read + '_> =
            if self.stream_stdin { Box::new(&mut *self.stdin) } else { Box::new(self.stdin_bytes()?) };
        Ok(RawInput { reader, size: None })
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

/// An input opened by [`Inputs::open_raw`].
pub struct RawInput<'r> {
    /// Its bytes, as they are.
    pub reader: Box<dyn Read + 'r>,
    /// Their number, when it is known before reading (a regular file).
    pub size: Option<u64>,
}

/// `raw`, decompressed as it is read when it starts with the gzip magic bytes.
pub fn decompressing<'r>(mut raw: Box<dyn Read + 'r>) -> io::Result<Box<dyn Read + 'r>> {
    let mut head = Vec::with_capacity(GZIP_MAGIC.len());
    (&mut raw).take(GZIP_MAGIC.len() as u64).read_to_end(&mut head)?;
    let gzip = is_gzip(&head);
    let whole = io::Cursor::new(head).chain(raw);
    Ok(if gzip {
        Box::new(Gunzip(bufread::MultiGzDecoder::new(BufReader::with_capacity(64 << 10, whole))))
    } else {
        Box::new(whole)
    })
}

/// A gzip decoder whose errors about the data say that it is not valid gzip.
struct Gunzip<R>(bufread::MultiGzDecoder<R>);

impl<R: io::BufRead> Read for Gunzip<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => {
                io::Error::new(e.kind(), format!("invalid gzip data: {e}"))
            }
            _ => e,
        })
    }
}

/// `bytes` decompressed when they start with the gzip magic bytes, else unchanged.
pub fn decompress(bytes: Vec<u8>) -> io::Result<Vec<u8>> {
    if !is_gzip(&bytes) {
        return Ok(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len() * 4);
    MultiGzDecoder::new(bytes.as_slice())
        .read_to_end(&mut out)
        .map_err(|e| io::Error::new(e.kind(), format!("invalid gzip data: {e}")))?;
    Ok(out)
}

/// Whether `bytes` start like a gzip stream.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// How an input is named in messages.
pub fn display_name(name: &OsStr) -> String {
    name.to_string_lossy().into_owned()
}
