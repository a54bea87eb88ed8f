//! Encryption at rest of what the app caches (DESIGN.md §4.4, §7.4): the
//! documents opened for reading and offline signing, and the request lists.
//!
//! One random 256-bit key per install seals every cached file with
//! AES-256-GCM (random 96-bit nonce per write); the file's name is the
//! associated data, so a sealed file cannot be swapped for another.
//!
//! Where the key is kept:
//!
//! * **Desktop**: the OS keyring (Secret Service, Keychain, Credential
//!   Manager; kyso-client's `os_keyring`, service `kyso`, account
//!   `app-cache-key:<install id>`), so the key is not on the same disk as the
//!   files it protects; where no keyring is usable (a headless session, a
//!   test), a 0600 file `cache.key` in the app's data directory, and
//!   [`Vault::location`] says so.
//! * **Phones**: the same 0600 file inside the app's sandbox (excluded from
//!   backups by the platform settings).
//!
//! TODO(keystore plugin): on Android and iOS the cache key should be wrapped
//! by a hardware key (Android Keystore AES key, or Secure Enclave
//! ECIES `eciesEncryptionCofactorX963SHA256AESGCM`), but the keystore plugin
//! offers only `sign` with a biometric-bound key: it needs
//! `wrap_key(alias, bytes)` / `unwrap_key(alias, wrapped)` with a key that
//! does not ask for biometrics on every use. Until then phones rely on the
//! app sandbox.

use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

use crate::error::{IpcError, Result};

const MAGIC: &[u8; 4] = b"KYC1";
const KEY_FILE: &str = "cache.key";
const INSTALL_ID: &str = "install-id";

/// Where the cache key lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLocation {
    /// In the OS keyring under this account.
    Keyring(String),
    /// In this 0600 file.
    File(PathBuf),
}

/// The install's cache key.
#[derive(Clone)]
pub struct Vault {
    cipher: Aes256Gcm,
    location: KeyLocation,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

fn storage(path: &Path, e: impl std::fmt::Display) -> IpcError {
    IpcError::internal(format!("{}: {e}", path.display()))
}

fn read_key(bytes: &[u8]) -> Option<Zeroizing<[u8; 32]>> {
    let k: [u8; 32] = bytes.try_into().ok()?;
    Some(Zeroizing::new(k))
}

impl Vault {
    /// Opens the install's key under `dir` (creating it on first use). With
    /// `use_keyring`, the key goes to (and is looked up in) the OS keyring
    /// first; a key already in the file fallback keeps being used there.
    pub fn open(dir: &Path, use_keyring: bool) -> Result<Self> {
        let file = dir.join(KEY_FILE);
        if let Some(k) = Self::read_file(&file)? {
            return Ok(Self::with_key(&k, KeyLocation::File(file)));
        }
        let account = format!("app-cache-key:{}", install_id(dir)?);
        if use_keyring && let Ok(Some(v)) = kyso_client::os_keyring::get(&account) {
            let v = Zeroizing::new(v);
            let k = read_key(&v)
                .ok_or_else(|| IpcError::internal("the cache key in the keyring is malformed"))?;
            return Ok(Self::with_key(&k, KeyLocation::Keyring(account)));
        }
        let mut k = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(&mut *k);
        if use_keyring && kyso_client::os_keyring::set(&account, &*k).is_ok() {
            return Ok(Self::with_key(&k, KeyLocation::Keyring(account)));
        }
        kyso_client::store::write_new_private(&file, &*k, true).map_err(|e| storage(&file, e))?;
        Ok(Self::with_key(&k, KeyLocation::File(file)))
    }

    fn read_file(file: &Path) -> Result<Option<Zeroizing<[u8; 32]>>> {
        match std::fs::read(file) {
            Ok(v) => {
                let v = Zeroizing::new(v);
                read_key(&v)
                    .map(Some)
                    .ok_or_else(|| storage(file, "not a 32-byte key"))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(storage(file, e)),
        }
    }

    fn with_key(k: &[u8; 32], location: KeyLocation) -> Self {
        Self {
            cipher: Aes256Gcm::new(k.into()),
            location,
        }
    }

    /// Where the key is.
    pub fn location(&self) -> &KeyLocation {
        &self.location
    }

    /// `MAGIC ‖ nonce ‖ AES-256-GCM(plain, aad = MAGIC ‖ label)`.
    pub fn seal(&self, label: &str, plain: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let aad = [&MAGIC[..], label.as_bytes()].concat();
        let ct = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .map_err(|_| IpcError::internal("AES-GCM encryption failed"))?;
        let mut out = Vec::with_capacity(16 + ct.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// The plaintext of [`Vault::seal`]; `None` when the file is not ours,
    /// was sealed under another label or key, or was altered.
    pub fn open_sealed(&self, label: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 16 + 16 || &sealed[..4] != MAGIC {
            return None;
        }
        let nonce: [u8; 12] = sealed[4..16].try_into().ok()?;
        let aad = [&MAGIC[..], label.as_bytes()].concat();
        self.cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &sealed[16..],
                    aad: &aad,
                },
            )
            .ok()
    }

    /// Seals `plain` into `dir/name` (0600, atomically).
    pub fn write(&self, dir: &Path, name: &str, plain: &[u8]) -> Result<()> {
        ensure_dir(dir)?;
        let path = dir.join(name);
        let sealed = self.seal(name, plain)?;
        kyso_client::store::write_private(&path, &sealed).map_err(|e| storage(&path, e))
    }

    /// The plaintext of `dir/name`; `None` when absent or unreadable (a
    /// cache miss: the caller fetches again).
    pub fn read(&self, dir: &Path, name: &str) -> Option<Vec<u8>> {
        let sealed = std::fs::read(dir.join(name)).ok()?;
        self.open_sealed(name, &sealed)
    }

    /// Forgets the key (the cached files become unreadable garbage).
    pub fn destroy(&self) {
        match &self.location {
            KeyLocation::Keyring(account) => {
                let _ = kyso_client::os_keyring::delete(account);
            }
            KeyLocation::File(path) => {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// A random id for this install (names the keyring entry, so two installs
/// or two test runs never share a key).
fn install_id(dir: &Path) -> Result<String> {
    let path = dir.join(INSTALL_ID);
    if let Ok(s) = std::fs::read_to_string(&path) {
        let s = s.trim().to_string();
        if !s.is_empty() {
            return Ok(s);
        }
    }
    ensure_dir(dir)?;
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    let id: String = b.iter().map(|x| format!("{x:02x}")).collect();
    kyso_client::store::write_private(&path, id.as_bytes()).map_err(|e| storage(&path, e))?;
    Ok(id)
}

/// Creates `dir` (0700) with its parents.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| storage(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_files_are_bound_to_key_and_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let v = Vault::open(dir.path(), false).expect("opens");
        assert!(
            matches!(v.location(), KeyLocation::File(_)),
            "no keyring asked"
        );
        v.write(dir.path(), "doc-a", b"%PDF-1.7 secret")
            .expect("writes");
        let raw = std::fs::read(dir.path().join("doc-a")).expect("raw");
        assert!(
            !raw.windows(6).any(|w| w == b"secret"),
            "no plaintext on disk"
        );
        assert_eq!(
            v.read(dir.path(), "doc-a").as_deref(),
            Some(&b"%PDF-1.7 secret"[..])
        );
        std::fs::copy(dir.path().join("doc-a"), dir.path().join("doc-b")).expect("copy");
        assert!(
            v.read(dir.path(), "doc-b").is_none(),
            "renamed file refused"
        );
        let again = Vault::open(dir.path(), false).expect("reopens");
        assert!(again.read(dir.path(), "doc-a").is_some(), "same key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .expect("key file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "owner only");
        }
    }
}
