//! The demo fallback: a P-256 key in a PKCS#8 PEM file (mode 0600). Every
//! load warns loudly, and so does the first signature of each key: a key in
//! a file can be copied by anyone who can read the data directory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rand_core::OsRng;
use spki::SubjectPublicKeyInfoOwned;

use crate::{Error, KeySigner, Result};

/// A P-256 key in a file: only for the demo and development.
pub struct FileKey {
    key: SigningKey,
    spki: SubjectPublicKeyInfoOwned,
    path: PathBuf,
    warned: AtomicBool,
}

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileKey")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl FileKey {
    /// Loads the key at `path`, creating it (0600, created exclusively) when
    /// it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        let err = |reason: String| Error::KeyFile {
            path: path.to_path_buf(),
            reason,
        };
        let read = || -> Result<SigningKey> {
            let pem = zeroize::Zeroizing::new(
                std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?,
            );
            SigningKey::from_pkcs8_pem(&pem).map_err(|e| err(format!("not a P-256 key: {e}")))
        };
        let key = if path.exists() {
            read()?
        } else {
            let key = SigningKey::random(&mut OsRng);
            let pem = key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| err(e.to_string()))?;
            match write_private(path, pem.as_bytes()) {
                Ok(()) => key,
                // Another process made it first: theirs is the key.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read()?,
                Err(e) => return Err(err(e.to_string())),
            }
        };
        Self::from_key(key, path)
    }

    /// Wraps a key already in memory, read from `path`.
    pub fn from_key(key: SigningKey, path: &Path) -> Result<Self> {
        let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).map_err(|e| {
            Error::KeyFile {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        })?;
        tracing::warn!(
            path = %path.display(),
            "a signing key is kept in a FILE, not in an HSM: for the demo only; \
             give the PKCS#11 module, token and PIN to keep it in a token"
        );
        Ok(Self {
            key,
            spki,
            path: path.to_path_buf(),
            warned: AtomicBool::new(false),
        })
    }

    /// The key itself (for the builders that take a `SigningKey`).
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

impl KeySigner for FileKey {
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                path = %self.path.display(),
                "signing with a key from a FILE (demo fallback), not an HSM"
            );
        }
        let sig: p256::ecdsa::Signature =
            self.key.sign_prehash(digest).map_err(|e| Error::KeyFile {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
        Ok(sig.to_der().as_bytes().to_vec())
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.spki
    }

    fn describe(&self) -> String {
        format!("file:{}", self.path.display())
    }
}

/// Writes a new file readable by its owner only, whole or not at all, and
/// never replaces one: written to a temporary file, then linked to its name
/// (`AlreadyExists` when the name is taken, e.g. by a process starting at
/// the same time).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut suffix = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut OsRng, &mut suffix);
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("key"),
        suffix
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ));
    let written = opts.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    linked
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::hazmat::PrehashVerifier;

    #[test]
    fn file_keys_sign_and_persist() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k/tsa.key");
        let k = FileKey::load_or_create(&path).expect("creates");
        let again = FileKey::load_or_create(&path).expect("loads");
        assert_eq!(k.public_key(), again.public_key(), "the same key is kept");
        let digest = [9u8; 32];
        let der = again.sign_digest(&digest).expect("signs");
        let sig = p256::ecdsa::Signature::from_der(&der).expect("DER signature");
        let vk = crate::verifying_key(k.public_key()).expect("P-256");
        vk.verify_prehash(&digest, &sig).expect("verifies");
        assert!(
            vk.verify_prehash(&[8u8; 32], &sig).is_err(),
            "over that digest only"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("file").permissions().mode();
            assert_eq!(mode & 0o077, 0, "owner only");
        }
        // Processes starting together on a new directory agree on one key.
        let race = dir.path().join("race/tsa.key");
        let keys: Vec<SubjectPublicKeyInfoOwned> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| FileKey::load_or_create(&race).expect("creates or loads")))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread").public_key().clone())
                .collect()
        });
        assert!(keys.windows(2).all(|w| w[0] == w[1]), "one key for all");
        assert_eq!(
            std::fs::read_dir(dir.path().join("race"))
                .expect("dir")
                .count(),
            1,
            "no temporary file left"
        );
        std::fs::write(dir.path().join("bad.key"), "not a key").expect("write");
        assert!(matches!(
            FileKey::load_or_create(&dir.path().join("bad.key")),
            Err(Error::KeyFile { .. })
        ));
    }
}
