//! Documents stored by content (SHA-256), written atomically: a temporary
//! file in the same directory, flushed, then renamed into place. A file
//! exists under its name only when all of it is there.
//!
//! On Linux the file is written with `O_DIRECT` where the file system takes
//! it: a document is written once, synced at once and seldom read back
//! soon, so it need not go through the page cache. Copying an upload into
//! fresh page-cache pages was a third of the gateway's CPU per upload
//! (`perf` during `scripts/bench-gateway`). Elsewhere, and on file systems
//! that refuse `O_DIRECT` (tmpfs), it is an ordinary buffered write.

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

/// The document store under `DATA/docs`.
#[derive(Clone, Debug)]
pub struct DocStore {
    root: PathBuf,
    /// Aligned buffers for direct writes, reused: a fresh one per document
    /// would be fresh pages to fault in.
    buffers: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// Direct I/O's alignment of memory, offsets and lengths: the page size,
/// which covers every block device's logical block.
const DIRECT_ALIGN: usize = 4096;
/// Buffers kept for reuse (one per concurrent writer, about).
const KEPT_BUFFERS: usize = 16;
/// Larger buffers are not kept.
const KEPT_BUFFER_MAX: usize = 16 << 20;

impl DocStore {
    /// Opens (and creates) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let root = data_dir.join("docs");
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Self {
            root,
            buffers: Arc::default(),
        })
    }

    /// Where the document with this digest lives.
    pub fn path(&self, sha256_hex: &str) -> PathBuf {
        let prefix = sha256_hex.get(..2).unwrap_or("00");
        self.root.join(prefix).join(sha256_hex)
    }

    /// Stores `bytes`; returns their SHA-256 (hex). Idempotent.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        self.put_digested(bytes, hex(&Sha256::digest(bytes)))
    }

    /// [`DocStore::put`] for bytes whose SHA-256 (hex) the caller has
    /// already computed over these very bytes (the verifier's report does,
    /// in the pass it makes anyway): no second pass.
    pub fn put_digested(&self, bytes: &[u8], sha: String) -> std::io::Result<String> {
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(std::io::ErrorKind::InvalidInput.into());
        }
        debug_assert_eq!(sha, hex(&Sha256::digest(bytes)), "a wrong digest");
        let path = self.path(&sha);
        if path.exists() {
            return Ok(sha);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut tmp = tempfile::NamedTempFile::new_in(self.root.join("tmp"))?;
        if !self.write_direct(tmp.path(), bytes)? {
            tmp.as_file().set_len(0)?;
            tmp.write_all(bytes)?;
        }
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(sha)
    }

    /// Writes `bytes` to the (empty) file at `path` with `O_DIRECT`: whole
    /// aligned blocks from an aligned buffer, then cut to its length.
    /// `false` when the file system does not do direct I/O (nothing
    /// written); the caller then writes through the page cache.
    #[cfg(target_os = "linux")]
    fn write_direct(&self, path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = match File::options()
            .write(true)
            .custom_flags(libc::O_DIRECT)
            .open(path)
        {
            Ok(f) => f,
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => return Ok(false),
            Err(e) => return Err(e),
        };
        let blocks = bytes.len().div_ceil(DIRECT_ALIGN) * DIRECT_ALIGN;
        let mut buf = self
            .buffers
            .lock()
            .map_err(|_| std::io::Error::other("the buffer pool is poisoned"))?
            .pop()
            .unwrap_or_default();
        // Only growing writes zeros; the bytes are copied over what is there.
        if buf.len() < blocks + DIRECT_ALIGN {
            buf.resize(blocks + DIRECT_ALIGN, 0);
        }
        let start = buf.as_ptr().align_offset(DIRECT_ALIGN);
        let aligned = &mut buf[start..start + blocks];
        aligned[..bytes.len()].copy_from_slice(bytes);
        aligned[bytes.len()..].fill(0);
        let written = (&file).write_all(aligned);
        let written = match written {
            // Some file systems accept the flag and refuse the I/O; the
            // caller empties the file and writes it through the page cache.
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(false),
            Err(e) => Err(e),
            Ok(()) => file.set_len(bytes.len() as u64).map(|()| true),
        };
        if buf.capacity() <= KEPT_BUFFER_MAX
            && let Ok(mut pool) = self.buffers.lock()
            && pool.len() < KEPT_BUFFERS
        {
            pool.push(buf);
        }
        written
    }

    /// Buffered writes only, off Linux.
    #[cfg(not(target_os = "linux"))]
    fn write_direct(&self, _path: &Path, _bytes: &[u8]) -> std::io::Result<bool> {
        Ok(false)
    }

    /// Reads a stored document.
    pub fn read(&self, sha256_hex: &str) -> std::io::Result<Vec<u8>> {
        if sha256_hex.len() != 64 || !sha256_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(std::io::ErrorKind::InvalidInput.into());
        }
        std::fs::read(self.path(sha256_hex))
    }

    /// Removes temporary files and documents no row refers to (what a crash
    /// between writing a file and committing its row leaves behind).
    pub fn sweep(&self, referenced: &HashSet<String>) -> std::io::Result<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.root)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !entry.file_type()?.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(entry.path())? {
                let f = f?;
                let fname = f.file_name().to_string_lossy().into_owned();
                if name == "tmp" || !referenced.contains(&fname) {
                    std::fs::remove_file(f.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The bytes of lower- or upper-case hex; `None` if it is not hex.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_content_addressed_and_idempotent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = DocStore::open(dir.path()).expect("opens");
        let a = s.put(b"hello").expect("stores");
        assert_eq!(
            a, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
            "the name is the SHA-256"
        );
        assert_eq!(
            s.put(b"hello").expect("again"),
            a,
            "storing twice is harmless"
        );
        assert_eq!(s.read(&a).expect("reads"), b"hello", "reads back");
        assert!(
            s.read("../../etc/passwd").is_err(),
            "only digests are names"
        );
    }

    #[test]
    fn direct_writes_keep_every_length_exactly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = DocStore::open(dir.path()).expect("opens");
        // Sizes around the 4 KiB blocks, larger first so that a reused
        // buffer holds stale bytes past the smaller documents' ends.
        for len in [1 << 20 | 3, 8193, 4097, 4096, 4095, 1, 0] {
            let bytes: Vec<u8> = (0..len).map(|i| (i % 253) as u8 ^ 0x5a).collect();
            let path = dir.path().join(format!("direct-{len}"));
            std::fs::write(&path, b"").expect("creates");
            if s.write_direct(&path, &bytes).expect("writes or declines") {
                assert_eq!(std::fs::read(&path).expect("reads"), bytes, "{len} bytes");
            } else {
                // A file system without direct I/O: nothing written, and
                // `put` writes through the page cache instead.
                assert_eq!(std::fs::metadata(&path).expect("stat").len(), 0);
            }
            let sha = s.put(&bytes).expect("stores");
            assert_eq!(s.read(&sha).expect("reads"), bytes, "{len} bytes by put");
        }
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(
            unhex(&hex(&[0, 0xab, 0xff])),
            Some(vec![0, 0xab, 0xff]),
            "hex and back"
        );
        assert_eq!(unhex("abc"), None, "odd length");
        assert_eq!(unhex("zz"), None, "not hex");
    }

    #[test]
    fn sweep_removes_unreferenced_and_temporary_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = DocStore::open(dir.path()).expect("opens");
        let keep = s.put(b"keep").expect("stores");
        let drop = s.put(b"drop").expect("stores");
        std::fs::write(dir.path().join("docs/tmp/half-written"), b"x").expect("writes");
        let removed = s.sweep(&HashSet::from([keep.clone()])).expect("sweeps");
        assert_eq!(removed, 2, "the orphan and the temporary file");
        assert!(s.read(&keep).is_ok(), "referenced documents stay");
        assert!(s.read(&drop).is_err(), "orphans go");
    }
}
