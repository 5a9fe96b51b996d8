//! Byte sources the build-info reader works over.
//!
//! Binaries are never loaded whole into memory. [`ReadAt`] is the one abstraction:
//! - [`FileSource`]: positioned reads (`pread`) on a plain file — only the headers and the build-info blob are read;
//! - ZIP entries (see [`crate::archive`]): a forward-only inflating stream that implements `ReadAt` by reading
//!   forward and, for a read *behind* its position, restarting the inflation (a second pass). Go ≥ 1.18 binaries are
//!   read in one pass; pre-1.18 pointer-format binaries keep their strings before the blob in file order and so need
//!   a second pass, bounded by [`crate::limits::Limits::max_stream_passes`].

use std::fs::File;
use std::io;
use std::path::Path;

/// Random access to the bytes of one binary.
pub trait ReadAt {
    /// Fills `buf` with the bytes at `offset..offset + buf.len()`.
    ///
    /// Fails with [`io::ErrorKind::UnexpectedEof`] when the range extends past the end of the source.
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()>;

    /// Total length of the source in bytes.
    fn len(&self) -> u64;

    /// True when the source is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when reads behind the current position are expensive (a forward-only stream that must restart).
    /// Readers use this to prefer structures that lie early in the file (ELF program headers over section headers).
    fn is_forward_only(&self) -> bool {
        false
    }
}

/// A plain file read with positioned reads.
#[derive(Debug)]
pub struct FileSource {
    file: File,
    len: u64,
}

impl FileSource {
    /// Opens `path` for positioned reads.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        Self::new(file)
    }

    /// Wraps an open file.
    pub fn new(file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(Self { file, len })
    }
}

impl ReadAt for FileSource {
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset.checked_add(buf.len() as u64);
        if end.is_none_or(|end| end > self.len) {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "read of {} bytes at offset {offset} past end of file ({} bytes)",
                    buf.len(),
                    self.len
                ),
            ));
        }
        positioned_read(&self.file, offset, buf)
    }

    fn len(&self) -> u64 {
        self.len
    }
}

#[cfg(unix)]
fn positioned_read(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(windows)]
fn positioned_read(file: &File, mut offset: u64, mut buf: &mut [u8]) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// An in-memory source, for tests and small inputs (fuzzing).
impl ReadAt for &[u8] {
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start =
            usize::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        let end = start
            .checked_add(buf.len())
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        let src = self.get(start..end).ok_or(io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(src);
        Ok(())
    }

    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
}
