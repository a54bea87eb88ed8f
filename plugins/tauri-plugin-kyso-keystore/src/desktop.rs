//! Desktop: a software P-256 key (DESIGN.md §7.3: recorded as `software`),
//! kept by kyso-client's [`DeviceKey`] either in a passphrase-encrypted file
//! (Argon2id → AES-256-GCM) or in the OS keyring.
//!
//! The key directory holds, per alias:
//!
//! * `<alias>.json`: the record: format, version, the public key (so
//!   `public_key` needs no passphrase) and where the private key is
//!   (kyso-client's [`KeyLocation`]); never the key;
//! * `<alias>.key`: the encrypted key file, when a passphrase was given.
//!
//! Without a passphrase the key goes to the OS keyring (service `kyso`,
//! a fresh account per key), and signing needs no passphrase: the keyring's
//! own unlock is the gate.
//!
//! `wrap_key`/`unwrap_key` use a random AES-256-GCM key in `<alias>.wrap`
//! (0600), made on first use; the wrapped secret is `nonce ‖ ciphertext ‖
//! tag` with the alias as associated data. It is the phones' contract in
//! software: the desktop app keeps its own cache key in the OS keyring
//! instead, and the app's tests drive its phone code path through this.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use kyso_client::keystore::MIN_PASSPHRASE;
use kyso_client::{DeviceKey, KeyLocation};
use p256::ecdsa::DerSignature;
use p256::ecdsa::signature::Signer;
use p256::pkcs8::EncodePublicKey;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};

use crate::error::{Error, ErrorCode, Result};
use crate::models::*;

const RECORD_FORMAT: &str = "kyso-keystore-key";

/// What `<alias>.json` holds.
#[derive(Serialize, Deserialize)]
struct KeyRecord {
    format: String,
    version: u32,
    /// `SubjectPublicKeyInfo`, DER, base64.
    public_key: String,
    location: KeyLocation,
}

fn b64() -> &'static base64::engine::GeneralPurpose {
    &base64::engine::general_purpose::STANDARD
}

/// The desktop backend, without Tauri: usable (and tested) on its own.
#[derive(Debug, Clone)]
pub struct SoftwareKeystore {
    dir: PathBuf,
}

impl SoftwareKeystore {
    /// A keystore keeping its records and key files in `dir` (created 0700
    /// on the first key).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The key directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn record_path(&self, alias: &str) -> PathBuf {
        self.dir.join(format!("{alias}.json"))
    }

    fn key_path(&self, alias: &str) -> PathBuf {
        self.dir.join(format!("{alias}.key"))
    }

    fn wrap_path(&self, alias: &str) -> PathBuf {
        self.dir.join(format!("{alias}.wrap"))
    }

    /// The wrapping key under `alias`: `None` when there is none yet (and
    /// `create` is false). A signing key's alias is refused.
    fn wrapping_key(&self, alias: &str, create: bool) -> Result<Option<Aes256Gcm>> {
        if self.record_path(alias).exists() {
            return Err(Error::invalid(format!(
                "'{alias}' is a signing key, not a wrapping key"
            )));
        }
        let path = self.wrap_path(alias);
        let bytes = match std::fs::read(&path) {
            Ok(b) => zeroize::Zeroizing::new(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !create {
                    return Ok(None);
                }
                self.ensure_dir()?;
                let mut k = zeroize::Zeroizing::new(vec![0u8; 32]);
                OsRng.fill_bytes(&mut k);
                kyso_client::store::write_new_private(&path, &k, true)
                    .map_err(|e| Error::internal(format!("{}: {e}", path.display())))?;
                k
            }
            Err(e) => return Err(Error::internal(format!("{}: {e}", path.display()))),
        };
        Aes256Gcm::new_from_slice(&bytes)
            .map(Some)
            .map_err(|_| Error::internal(format!("{}: not a 32-byte key", path.display())))
    }

    /// Wraps `data` under the wrapping key `alias` (made on first use).
    pub fn wrap_key(&self, req: &WrapKeyRequest) -> Result<Wrapped> {
        req.check()?;
        let key = self
            .wrapping_key(&req.alias, true)?
            .ok_or_else(|| Error::internal("no wrapping key after making one"))?;
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let ct = key
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &req.data,
                    aad: req.alias.as_bytes(),
                },
            )
            .map_err(|_| Error::internal("AES-GCM encryption failed"))?;
        Ok(Wrapped {
            wrapped: [&nonce[..], &ct].concat(),
        })
    }

    /// The secret [`SoftwareKeystore::wrap_key`] wrapped.
    pub fn unwrap_key(&self, req: &UnwrapKeyRequest) -> Result<Unwrapped> {
        req.check()?;
        let alias = req.alias.as_str();
        let key = self.wrapping_key(alias, false)?.ok_or_else(|| {
            Error::new(ErrorCode::KeyNotFound, format!("no wrapping key '{alias}'"))
        })?;
        let (nonce, ct) = req.wrapped.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| Error::internal("nonce"))?;
        let data = key
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: alias.as_bytes(),
                },
            )
            .map_err(|_| {
                Error::invalid(format!(
                    "the wrapped secret was altered or wrapped by another key than '{alias}'"
                ))
            })?;
        Ok(Unwrapped { data })
    }

    /// Always available, always `software`.
    pub fn status(&self) -> Status {
        Status {
            available: true,
            security_level: SecurityLevel::Software,
            reason: None,
        }
    }

    /// Makes a key: in an encrypted file when the request has a passphrase,
    /// else in the OS keyring. The challenge has no use here (there is
    /// nothing to attest) but is checked like everywhere else.
    pub fn generate_key(&self, req: &GenerateKeyRequest) -> Result<GeneratedKey> {
        req.check()?;
        let alias = req.alias.as_str();
        let record_path = self.record_path(alias);
        if record_path.exists() || self.key_path(alias).exists() {
            return Err(Error::new(
                ErrorCode::KeyExists,
                format!("there is already a key '{alias}'; delete it first"),
            ));
        }
        if let Some(p) = &req.passphrase
            && p.expose().chars().count() < MIN_PASSPHRASE
        {
            return Err(Error::invalid(format!(
                "the passphrase must have at least {MIN_PASSPHRASE} characters"
            )));
        }
        self.ensure_dir()?;
        let key = DeviceKey::generate();
        let public_key = spki(&key)?;
        let location = match &req.passphrase {
            Some(p) => {
                let path = self.key_path(alias);
                key.save_encrypted(&path, p)?;
                KeyLocation::File { path }
            }
            None => {
                let account = DeviceKey::new_keyring_account("keystore", alias);
                key.save_keyring(&account).map_err(|e| {
                    Error::new(
                        ErrorCode::HardwareUnavailable,
                        format!("{e}; give a passphrase to keep the key in an encrypted file"),
                    )
                })?;
                KeyLocation::Keyring { account }
            }
        };
        let record = KeyRecord {
            format: RECORD_FORMAT.into(),
            version: 1,
            public_key: b64().encode(&public_key),
            location,
        };
        let json =
            serde_json::to_vec_pretty(&record).map_err(|e| Error::internal(e.to_string()))?;
        if let Err(e) = kyso_client::store::write_new_private(&record_path, &json, true) {
            // Without its record the key could never be found: take it back.
            let _ = remove_key(&record.location);
            return Err(Error::internal(format!(
                "cannot write {}: {e}",
                record_path.display()
            )));
        }
        Ok(GeneratedKey {
            public_key,
            security_level: SecurityLevel::Software,
            attestation_chain: Vec::new(),
            app_attest: None,
        })
    }

    /// The key's public key, from its record (no passphrase needed).
    pub fn public_key(&self, req: &AliasRequest) -> Result<PublicKey> {
        check_alias(&req.alias)?;
        let record = self.record(&req.alias)?;
        Ok(PublicKey {
            public_key: decode_b64("the recorded public key", &record.public_key)?,
        })
    }

    /// Signs with the key: decrypts it with the request's passphrase (file)
    /// or fetches it from the keyring, checks it is the recorded key, signs.
    pub fn sign(&self, req: &SignRequest) -> Result<Signature> {
        req.check()?;
        let alias = req.alias.as_str();
        let record = self.record(alias)?;
        let key = match &record.location {
            KeyLocation::File { path } => {
                let p = req.passphrase.as_ref().ok_or_else(|| {
                    Error::new(
                        ErrorCode::WrongPassphrase,
                        format!("the key '{alias}' is protected by a passphrase; none was given"),
                    )
                })?;
                if !path.exists() {
                    return Err(Error::new(
                        ErrorCode::KeyNotFound,
                        format!("the key file {} is gone", path.display()),
                    ));
                }
                DeviceKey::load_encrypted(path, p)?
            }
            KeyLocation::Keyring { account } => {
                DeviceKey::find_keyring(account)?.ok_or_else(|| {
                    Error::new(
                        ErrorCode::KeyNotFound,
                        format!("the keyring has no entry for the key '{alias}'"),
                    )
                })?
            }
        };
        if b64().encode(spki(&key)?) != record.public_key {
            return Err(Error::internal(format!(
                "the stored key '{alias}' is not the one its record names"
            )));
        }
        let sig: DerSignature = key.signing_key().sign(&req.data);
        Ok(Signature {
            signature: sig.as_bytes().to_vec(),
        })
    }

    /// Deletes the key and its record (or the wrapping key); no error when
    /// there is none.
    pub fn delete_key(&self, req: &AliasRequest) -> Result<()> {
        check_alias(&req.alias)?;
        remove_file(&self.wrap_path(&req.alias))?;
        let record = match self.record(&req.alias) {
            Ok(r) => r,
            Err(e) if e.code == ErrorCode::KeyNotFound => {
                // A key file left without its record (a crash mid-way).
                return remove_file(&self.key_path(&req.alias));
            }
            Err(e) => return Err(e),
        };
        remove_key(&record.location)?;
        remove_file(&self.record_path(&req.alias))
    }

    fn record(&self, alias: &str) -> Result<KeyRecord> {
        let path = self.record_path(alias);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::new(
                    ErrorCode::KeyNotFound,
                    format!("no key '{alias}'"),
                ));
            }
            Err(e) => return Err(Error::internal(format!("{}: {e}", path.display()))),
        };
        let r: KeyRecord = serde_json::from_slice(&bytes)
            .map_err(|e| Error::internal(format!("{}: {e}", path.display())))?;
        if r.format != RECORD_FORMAT || r.version != 1 {
            return Err(Error::internal(format!(
                "{}: not a version 1 key record",
                path.display()
            )));
        }
        Ok(r)
    }

    fn ensure_dir(&self) -> Result<()> {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(&self.dir)
            .map_err(|e| Error::internal(format!("{}: {e}", self.dir.display())))
    }
}

fn spki(key: &DeviceKey) -> Result<Vec<u8>> {
    key.signing_key()
        .verifying_key()
        .to_public_key_der()
        .map(|d| d.as_bytes().to_vec())
        .map_err(|e| Error::internal(format!("cannot encode the public key: {e}")))
}

fn remove_key(location: &KeyLocation) -> Result<()> {
    match location {
        KeyLocation::File { path } => remove_file(path),
        KeyLocation::Keyring { account } => Ok(DeviceKey::delete_keyring(account)?),
    }
}

fn remove_file(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::internal(format!("{}: {e}", path.display()))),
    }
}

/// Access to the keystore (desktop: [`SoftwareKeystore`] on a worker thread,
/// since Argon2id and the keyring block).
pub struct Keystore<R: Runtime> {
    backend: Arc<SoftwareKeystore>,
    _app: AppHandle<R>,
}

pub(crate) fn init<R: Runtime>(app: &AppHandle<R>, dir: Option<PathBuf>) -> Result<Keystore<R>> {
    let dir = match dir {
        Some(d) => d,
        None => {
            use tauri::Manager;
            app.path().app_local_data_dir()?.join("keystore")
        }
    };
    Ok(Keystore {
        backend: Arc::new(SoftwareKeystore::new(dir)),
        _app: app.clone(),
    })
}

impl<R: Runtime> Keystore<R> {
    /// The backend, for callers that want to block.
    pub fn backend(&self) -> &SoftwareKeystore {
        &self.backend
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SoftwareKeystore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let b = self.backend.clone();
        tauri::async_runtime::spawn_blocking(move || f(&b))
            .await
            .map_err(|e| Error::internal(e.to_string()))?
    }

    /// See [`Command::Status`].
    pub async fn status(&self) -> Result<Status> {
        Ok(self.backend.status())
    }

    /// See [`Command::GenerateKey`].
    pub async fn generate_key(&self, req: GenerateKeyRequest) -> Result<GeneratedKey> {
        self.run(move |b| b.generate_key(&req)).await
    }

    /// See [`Command::PublicKey`].
    pub async fn public_key(&self, req: AliasRequest) -> Result<PublicKey> {
        self.run(move |b| b.public_key(&req)).await
    }

    /// See [`Command::Sign`].
    pub async fn sign(&self, req: SignRequest) -> Result<Signature> {
        self.run(move |b| b.sign(&req)).await
    }

    /// See [`Command::DeleteKey`].
    pub async fn delete_key(&self, req: AliasRequest) -> Result<()> {
        self.run(move |b| b.delete_key(&req)).await
    }

    /// See [`Command::WrapKey`].
    pub async fn wrap_key(&self, req: WrapKeyRequest) -> Result<Wrapped> {
        self.run(move |b| b.wrap_key(&req)).await
    }

    /// See [`Command::UnwrapKey`].
    pub async fn unwrap_key(&self, req: UnwrapKeyRequest) -> Result<Unwrapped> {
        self.run(move |b| b.unwrap_key(&req)).await
    }
}
