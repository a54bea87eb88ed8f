//! Random-access byte sources.
//!
//! Documents are read through [`Source`] rather than loaded whole, so a
//! 200 MB PDF is signed or verified with a small, bounded amount of memory:
//! only the objects that are needed are read, and hashing streams through a
//! fixed buffer.

use std::borrow::Cow;
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

    /// All of the source, when it is already in memory: readers then borrow
    /// it instead of copying it out (hashing an upload, say).
    fn as_slice(&self) -> Option<&[u8]> {
        None
    }

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
    /// Borrowed when the source is in memory ([`Source::as_slice`]).
    fn read_range(&self, offset: u64, len: usize) -> io::Result<Cow<'_, [u8]>> {
        let end = self.len().min(offset.saturating_add(len as u64));
        let len = end.saturating_sub(offset) as usize;
        if let Some(all) = self.as_slice()
            && let Ok(start) = usize::try_from(offset)
            && let Some(bytes) = all.get(start..start + len)
        {
            return Ok(Cow::Borrowed(bytes));
        }
        let mut buf = vec![0; len];
        self.read_exact_at(offset, &mut buf)?;
        Ok(Cow::Owned(buf))
    }
}

impl Source for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(self)
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

    fn as_slice(&self) -> Option<&[u8]> {
        Some(Vec::as_slice(self))
    }
}

impl<S: Source + ?Sized> Source for &S {
    fn len(&self) -> u64 {
        (**self).len()
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(offset, buf)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        (**self).as_slice()
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

    fn as_slice(&self) -> Option<&[u8]> {
        self.inner
            .as_slice()?
            .get(..usize::try_from(self.len).ok()?)
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
    if range.start >= range.end {
        return Ok(());
    }
    if let Some(all) = src.as_slice() {
        let start = usize::try_from(range.start).unwrap_or(usize::MAX);
        let end = usize::try_from(range.end).unwrap_or(usize::MAX);
        let Some(bytes) = all.get(start..end) else {
            return Err(io::ErrorKind::UnexpectedEof.into());
        };
        return bytes.chunks(CHUNK).try_for_each(f);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The chunks `for_each_chunk` gives, and whether it failed.
    fn chunks<S: Source + ?Sized>(src: &S, range: std::ops::Range<u64>) -> (Vec<Vec<u8>>, bool) {
        let mut out = Vec::new();
        let r = for_each_chunk(src, range, |c| {
            out.push(c.to_vec());
            Ok(())
        });
        (out, r.is_err())
    }

    #[test]
    fn slices_are_borrowed_and_read_like_files() {
        let bytes: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, &bytes).expect("writes");
        let file = FileSource::open(&path).expect("opens");
        assert!(file.as_slice().is_none(), "a file is read, not borrowed");
        assert_eq!(
            Prefix::new(&bytes[..], 10).as_slice(),
            Some(&bytes[..10]),
            "a prefix of a slice is a slice"
        );
        let len = bytes.len() as u64;
        for range in [
            0..len,
            1..len - 1,
            262_143..262_145,
            5..5,
            // A reversed range reads nothing.
            std::ops::Range { start: 7, end: 3 },
            10..len + 1,
        ] {
            let (a, a_err) = chunks(&bytes[..], range.clone());
            let (b, b_err) = chunks(&file, range.clone());
            assert_eq!(a_err, b_err, "{range:?}: the same outcome");
            if !a_err {
                assert_eq!(a, b, "{range:?}: the same chunks");
                assert_eq!(
                    a.concat(),
                    bytes[range.start as usize..range.end.max(range.start) as usize],
                    "{range:?}: the range's bytes"
                );
            }
        }
    }
}
