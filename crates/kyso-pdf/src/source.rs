//! Random-access byte sources.
//!
//! Documents are read through [`Source`] rather than loaded whole, so a
//! 200 MB PDF is signed or verified with a small, bounded amount of memory:
//! only the objects that are needed are read, and hashing streams through a
//! fixed buffer.

use std::fs::File;
use std::io;
use std::path::Path;

/// A read-only, random-access sequence of bytes.
pub trait Source {
    /// Total length in bytes.
    fn len(&self) -> u64;

    /// Reads up to `buf.len()` bytes at `offset`; returns how many were read
    /// (0 only at or past the end).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;

    /// True when the source has no bytes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads exactly `buf.len()` bytes at `offset`.
    fn read_exact_at(&self, mut offset: u64, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read_at(offset, buf)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => {
                    offset += n as u64;
                    buf = &mut buf[n..];
                }
            }
        }
        Ok(())
    }

    /// Reads the bytes of `offset..offset+len`, clamped to the end of the source.
    fn read_range(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let end = self.len().min(offset.saturating_add(len as u64));
        let len = end.saturating_sub(offset) as usize;
        let mut buf = vec![0; len];
        self.read_exact_at(offset, &mut buf)?;
        Ok(buf)
    }
}

impl Source for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        if start >= <[u8]>::len(self) {
            return Ok(0);
        }
        let n = buf.len().min(<[u8]>::len(self) - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

impl Source for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.as_slice().read_at(offset, buf)
    }
}

impl<S: Source + ?Sized> Source for &S {
    fn len(&self) -> u64 {
        (**self).len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(offset, buf)
    }
}

/// A file read with positional reads (no shared cursor, no memory map, so
/// resident memory stays small however large the file is).
#[derive(Debug)]
pub struct FileSource {
    file: File,
    len: u64,
}

impl FileSource {
    /// Opens `path` for reading.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Self { file, len })
    }
}

impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    #[cfg(unix)]
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(&self.file, buf, offset)
    }

    #[cfg(windows)]
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        std::os::windows::fs::FileExt::seek_read(&self.file, buf, offset)
    }
}

/// The first `len` bytes of another source: the document as it was at the
/// end of an earlier revision.
#[derive(Debug, Clone, Copy)]
pub struct Prefix<S> {
    inner: S,
    len: u64,
}

impl<S: Source> Prefix<S> {
    /// A view of `inner` cut at `len` bytes.
    pub fn new(inner: S, len: u64) -> Self {
        let len = len.min(inner.len());
        Self { inner, len }
    }
}

impl<S: Source> Source for Prefix<S> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len {
            return Ok(0);
        }
        let n = buf.len().min((self.len - offset) as usize);
        self.inner.read_at(offset, &mut buf[..n])
    }
}

/// Calls `f` with consecutive chunks of `range` of the source, using one
/// fixed buffer: the streaming primitive behind hashing and copying.
pub fn for_each_chunk<S: Source + ?Sized>(
    src: &S,
    range: std::ops::Range<u64>,
    mut f: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    const CHUNK: usize = 256 * 1024;
    let mut buf = vec![0u8; CHUNK];
    let mut pos = range.start;
    while pos < range.end {
        let want = ((range.end - pos) as usize).min(CHUNK);
        src.read_exact_at(pos, &mut buf[..want])?;
        f(&buf[..want])?;
        pos += want as u64;
    }
    Ok(())
}
