//! Positioned-read access to the bytes of a ZIP file, shared by the central-directory parser and every entry stream.
//!
//! Positioned reads (`pread`) keep no cursor, so one open file serves any number of independent readers; memory
//! buffers serve tests and fuzzing through the same code path.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

/// The bytes of one ZIP file.
pub(crate) trait ZipBytes: Send + Sync + fmt::Debug {
    /// Length in bytes.
    fn len(&self) -> u64;
    /// Reads up to `buf.len()` bytes at `offset`; `Ok(0)` only at or past the end.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;
}

/// An open file and its length (taken once, when opened).
#[derive(Debug)]
pub(crate) struct FileBytes {
    file: File,
    len: u64,
}

impl FileBytes {
    pub(crate) fn new(file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(Self { file, len })
    }
}

impl ZipBytes for FileBytes {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len {
            return Ok(0);
        }
        let max = usize::try_from(self.len - offset).unwrap_or(usize::MAX);
        let buf_len = buf.len().min(max);
        positioned_read(&self.file, offset, &mut buf[..buf_len])
    }
}

#[cfg(unix)]
fn positioned_read(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    loop {
        match file.read_at(buf, offset) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

#[cfg(windows)]
fn positioned_read(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    use std::os::windows::fs::FileExt;
    loop {
        match file.seek_read(buf, offset) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

impl ZipBytes for Vec<u8> {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        let Some(src) = self.get(start..) else {
            return Ok(0);
        };
        let n = src.len().min(buf.len());
        buf[..n].copy_from_slice(&src[..n]);
        Ok(n)
    }
}

/// Fills `buf` from `offset`, failing with `UnexpectedEof` when the source ends first.
pub(crate) fn read_exact_at(
    src: &dyn ZipBytes,
    mut offset: u64,
    mut buf: &mut [u8],
) -> io::Result<()> {
    while !buf.is_empty() {
        let n = src.read_at(offset, buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("file ends at offset {offset}"),
            ));
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

/// `Read` over the byte range `pos..end` of a source.
#[derive(Debug)]
pub(crate) struct Section {
    src: Arc<dyn ZipBytes>,
    pos: u64,
    end: u64,
}

impl Section {
    pub(crate) fn new(src: Arc<dyn ZipBytes>, start: u64, len: u64) -> Self {
        Self {
            src,
            pos: start,
            end: start.saturating_add(len),
        }
    }
}

impl Read for Section {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = usize::try_from(self.end - self.pos).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        if want == 0 {
            return Ok(0);
        }
        let n = self.src.read_at(self.pos, &mut buf[..want])?;
        if n == 0 {
            // The range was checked against the file length when the archive was opened: the file shrank.
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("file ends at offset {} inside entry data", self.pos),
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// `Read + Seek` over a whole source, for the `zip` crate's central-directory parser.
#[derive(Debug)]
pub(crate) struct Cursor {
    src: Arc<dyn ZipBytes>,
    pos: u64,
}

impl Cursor {
    pub(crate) fn new(src: Arc<dyn ZipBytes>) -> Self {
        Self { src, pos: 0 }
    }
}

impl Read for Cursor {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.src.read_at(self.pos, buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Cursor {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let new = match pos {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.src.len().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let new = new.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        self.pos = new;
        Ok(new)
    }
}
