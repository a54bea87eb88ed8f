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
//! * **Phones**: wrapped by the keystore plugin's wrapping key (`wrap_key`,
//!   alias `kyso-cache`: an Android Keystore AES-256-GCM key, StrongBox
//!   first, or a Secure Enclave P-256 key with ECIES on iOS; no biometric
//!   prompt, the key never leaves the hardware), and only the wrapped bytes
//!   on disk, in `cache.key.wrapped` ([`KeyLocation::Wrapped`]). A copy of
//!   the app's files without the device's hardware reads nothing.
//!
//! On Android the keystore plugin runs its commands on the UI thread, so the
//! key is unwrapped on a thread of its own, started by [`Vault::open_wrapped`]
//! and never waited for on the UI thread (every command that reads or writes
//! the cache is async and runs on a worker). The tests of the app run this
//! same path with the desktop plugin's software wrapping key
//! (`Options::cache_key_in_keystore`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

use crate::error::{IpcError, Result};

const MAGIC: &[u8; 4] = b"KYC1";
const KEY_FILE: &str = "cache.key";
const WRAPPED_FILE: &str = "cache.key.wrapped";
/// The keystore alias of the key that wraps the cache key (never the
/// signing key's alias).
pub const WRAP_ALIAS: &str = "kyso-cache";
const INSTALL_ID: &str = "install-id";

/// Where the cache key lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLocation {
    /// In the OS keyring under this account.
    Keyring(String),
    /// In this 0600 file.
    File(PathBuf),
    /// Wrapped by the keystore's wrapping key, in this 0600 file.
    Wrapped(PathBuf),
}

/// What wraps the cache key: the keystore plugin (see [`PluginWrapper`]).
/// Blocking calls: [`Vault::open_wrapped`] makes them on a thread of its own.
pub trait KeyWrapper: Send + 'static {
    /// Wraps `key`.
    fn wrap(&self, key: &[u8]) -> std::result::Result<Vec<u8>, tauri_plugin_kyso_keystore::Error>;
    /// What [`KeyWrapper::wrap`] wrapped.
    fn unwrap(
        &self,
        wrapped: &[u8],
    ) -> std::result::Result<Vec<u8>, tauri_plugin_kyso_keystore::Error>;
}

/// The keystore plugin's `wrap_key`/`unwrap_key` under [`WRAP_ALIAS`].
pub struct PluginWrapper<R: tauri::Runtime>(pub tauri::AppHandle<R>);

impl<R: tauri::Runtime> KeyWrapper for PluginWrapper<R> {
    fn wrap(&self, key: &[u8]) -> std::result::Result<Vec<u8>, tauri_plugin_kyso_keystore::Error> {
        use tauri_plugin_kyso_keystore::{KeystoreExt, WrapKeyRequest};
        let req = WrapKeyRequest::new(WRAP_ALIAS, key);
        tauri::async_runtime::block_on(self.0.keystore().wrap_key(req)).map(|w| w.wrapped)
    }

    fn unwrap(
        &self,
        wrapped: &[u8],
    ) -> std::result::Result<Vec<u8>, tauri_plugin_kyso_keystore::Error> {
        use tauri_plugin_kyso_keystore::{KeystoreExt, UnwrapKeyRequest};
        let req = UnwrapKeyRequest::new(WRAP_ALIAS, wrapped);
        tauri::async_runtime::block_on(self.0.keystore().unwrap_key(req)).map(|u| u.data)
    }
}

/// The key, or why there is none.
type Cipher = std::result::Result<Aes256Gcm, String>;

/// The install's cache key.
#[derive(Clone)]
pub struct Vault {
    /// Set once: at once, or by the unwrapping thread.
    cipher: Arc<OnceLock<Cipher>>,
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
            cipher: Arc::new(OnceLock::from(Ok(Aes256Gcm::new(k.into())))),
            location,
        }
    }

    /// Opens the install's key wrapped by `wrapper` (the phones): unwraps
    /// `dir/cache.key.wrapped`, or makes, wraps and saves a new key. This
    /// happens on a thread of its own; the first seal or read waits for it.
    /// When the wrapping key is gone (`keyNotFound`, `keyInvalidated`) or
    /// the file was altered, what the old key sealed cannot be read anyway:
    /// a new key replaces it and the cache starts empty. Any other failure
    /// (the keystore busy or broken) leaves the file alone, and this run has
    /// no cache: reads miss, writes fail with the keystore's message.
    pub fn open_wrapped(dir: &Path, wrapper: impl KeyWrapper) -> Result<Self> {
        ensure_dir(dir)?;
        let path = dir.join(WRAPPED_FILE);
        let cell = Arc::new(OnceLock::new());
        let (c, p) = (cell.clone(), path.clone());
        std::thread::Builder::new()
            .name("kyso-vault".into())
            .spawn(move || {
                let _ = c.set(unwrap_or_make(&p, &wrapper));
            })
            .map_err(|e| IpcError::internal(format!("cannot start the key thread: {e}")))?;
        Ok(Self {
            cipher: cell,
            location: KeyLocation::Wrapped(path),
        })
    }

    /// The key, once there is one (blocks until the unwrapping thread is
    /// done: never call it on the UI thread).
    fn cipher(&self) -> Result<&Aes256Gcm> {
        self.cipher
            .wait()
            .as_ref()
            .map_err(|e| IpcError::internal(e.clone()))
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
            .cipher()?
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
        self.cipher()
            .ok()?
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
            KeyLocation::File(path) | KeyLocation::Wrapped(path) => {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// The wrapped key in `path`, unwrapped; or a new one, wrapped and saved.
fn unwrap_or_make(path: &Path, wrapper: &impl KeyWrapper) -> Cipher {
    use tauri_plugin_kyso_keystore::ErrorCode;
    match std::fs::read(path) {
        Ok(wrapped) => match wrapper.unwrap(&wrapped) {
            Ok(k) => {
                let k = Zeroizing::new(k);
                return read_key(&k)
                    .map(|k| Aes256Gcm::new((&*k).into()))
                    .ok_or_else(|| "the unwrapped cache key is not 32 bytes".to_string());
            }
            Err(e)
                if matches!(
                    e.code,
                    ErrorCode::KeyNotFound | ErrorCode::KeyInvalidated | ErrorCode::InvalidArgument
                ) =>
            {
                tracing::warn!(error = %e, "the cache key cannot be unwrapped: a new key, an empty cache");
            }
            Err(e) => return Err(format!("the keystore cannot unwrap the cache key: {e}")),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: {e}", path.display())),
    }
    let mut k = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(&mut *k);
    let wrapped = wrapper
        .wrap(&*k)
        .map_err(|e| format!("the keystore cannot wrap the cache key: {e}"))?;
    kyso_client::store::write_private(path, &wrapped)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Aes256Gcm::new((&*k).into()))
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

    /// The desktop plugin's software wrapping key, failing on demand.
    struct Soft {
        ks: tauri_plugin_kyso_keystore::SoftwareKeystore,
        broken: bool,
    }

    impl KeyWrapper for Soft {
        fn wrap(
            &self,
            key: &[u8],
        ) -> std::result::Result<Vec<u8>, tauri_plugin_kyso_keystore::Error> {
            use tauri_plugin_kyso_keystore::WrapKeyRequest;
            self.check()?;
            Ok(self
                .ks
                .wrap_key(&WrapKeyRequest::new(WRAP_ALIAS, key))?
                .wrapped)
        }

        fn unwrap(
            &self,
            wrapped: &[u8],
        ) -> std::result::Result<Vec<u8>, tauri_plugin_kyso_keystore::Error> {
            use tauri_plugin_kyso_keystore::UnwrapKeyRequest;
            self.check()?;
            Ok(self
                .ks
                .unwrap_key(&UnwrapKeyRequest::new(WRAP_ALIAS, wrapped))?
                .data)
        }
    }

    impl Soft {
        fn check(&self) -> std::result::Result<(), tauri_plugin_kyso_keystore::Error> {
            if self.broken {
                return Err(tauri_plugin_kyso_keystore::Error::new(
                    tauri_plugin_kyso_keystore::ErrorCode::HardwareUnavailable,
                    "the keystore is busy",
                ));
            }
            Ok(())
        }
    }

    #[test]
    fn a_wrapped_key_survives_restarts_and_is_replaced_only_when_lost() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = dir.path().join("keystore");
        let soft = |broken| Soft {
            ks: tauri_plugin_kyso_keystore::SoftwareKeystore::new(&keys),
            broken,
        };
        let v = Vault::open_wrapped(dir.path(), soft(false)).expect("opens");
        let wrapped = dir.path().join(WRAPPED_FILE);
        assert_eq!(v.location(), &KeyLocation::Wrapped(wrapped.clone()));
        v.write(dir.path(), "doc", b"%PDF-1.7 wrapped")
            .expect("writes once the key is unwrapped");
        assert!(!dir.path().join(KEY_FILE).exists(), "no plain key file");
        let on_disk = std::fs::read(&wrapped).expect("the wrapped key");

        let again = Vault::open_wrapped(dir.path(), soft(false)).expect("reopens");
        assert_eq!(
            again.read(dir.path(), "doc").as_deref(),
            Some(&b"%PDF-1.7 wrapped"[..]),
            "the same key after a restart"
        );
        assert_eq!(std::fs::read(&wrapped).expect("file"), on_disk, "kept");

        let busy = Vault::open_wrapped(dir.path(), soft(true)).expect("opens");
        assert!(busy.read(dir.path(), "doc").is_none(), "a miss, no panic");
        let err = busy
            .write(dir.path(), "doc2", b"x")
            .expect_err("no key, no write");
        assert!(err.message.contains("busy"), "{}", err.message);
        assert_eq!(
            std::fs::read(&wrapped).expect("file"),
            on_disk,
            "a keystore failure never replaces the wrapped key"
        );

        soft(false)
            .ks
            .delete_key(&tauri_plugin_kyso_keystore::AliasRequest::new(WRAP_ALIAS))
            .expect("the wrapping key is lost");
        let fresh = Vault::open_wrapped(dir.path(), soft(false)).expect("opens");
        assert!(
            fresh.read(dir.path(), "doc").is_none(),
            "what the lost key sealed is unreadable"
        );
        fresh
            .write(dir.path(), "doc", b"again")
            .expect("a new key works");
        assert_ne!(std::fs::read(&wrapped).expect("file"), on_disk, "replaced");
        fresh.destroy();
        assert!(!wrapped.exists(), "destroy forgets the wrapped key");
    }
}
