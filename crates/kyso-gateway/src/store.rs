//! Documents stored by content (SHA-256), written atomically: a temporary
//! file in the same directory, flushed, then renamed into place. A file
//! exists under its name only when all of it is there.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The document store under `DATA/docs`.
#[derive(Clone, Debug)]
pub struct DocStore {
    root: PathBuf,
}

impl DocStore {
    /// Opens (and creates) the store in `data_dir`.
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let root = data_dir.join("docs");
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(Self { root })
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
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(sha)
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
