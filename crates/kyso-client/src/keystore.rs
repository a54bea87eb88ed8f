//! Desktop device keys: a P-256 key kept in the OS keyring or in a
//! passphrase-encrypted file. (Phones keep theirs in secure hardware through
//! the keystore plugin; this is the software key of DESIGN.md §7.3, which the
//! gateway records as such.)
//!
//! Key file format, version 1 (JSON):
//!
//! ```json
//! { "format": "kyso-device-key", "version": 1,
//!   "kdf": { "name": "argon2id", "version": 19, "m_cost": 65536, "t_cost": 3, "p_cost": 1, "salt": "<b64, 16 bytes>" },
//!   "cipher": { "name": "aes-256-gcm", "nonce": "<b64, 12 bytes>" },
//!   "ciphertext": "<b64: AES-256-GCM of the PKCS#8 DER key, with its tag>" }
//! ```
//!
//! The 32-byte AES key is Argon2id(passphrase, salt); the associated data is
//! every header field, so no parameter can be changed without the tag failing.

use std::path::Path;
use std::str::FromStr;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::os_keyring;
use crate::secret::Secret;

const FORMAT: &str = "kyso-device-key";
/// Argon2id memory (KiB), passes and lanes for new files (RFC 9106 §4, second choice).
const M_COST: u32 = 64 * 1024;
const T_COST: u32 = 3;
const P_COST: u32 = 1;
/// Shortest passphrase accepted for a new key file.
pub const MIN_PASSPHRASE: usize = 8;

/// A P-256 device key. `Debug` never shows it; dropped keys are wiped.
pub struct DeviceKey(SigningKey);

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceKey(<redacted>)")
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    version: u32,
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    version: u32,
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

fn b64() -> &'static base64::engine::GeneralPurpose {
    &base64::engine::general_purpose::STANDARD
}

fn aad(f: &KeyFile) -> Vec<u8> {
    format!(
        "{}/{};{};v={};m={};t={};p={};salt={};{};nonce={}",
        f.format,
        f.version,
        f.kdf.name,
        f.kdf.version,
        f.kdf.m_cost,
        f.kdf.t_cost,
        f.kdf.p_cost,
        f.kdf.salt,
        f.cipher.name,
        f.cipher.nonce
    )
    .into_bytes()
}

fn derive(
    passphrase: &Secret<String>,
    salt: &[u8],
    m: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>> {
    let params = argon2::Params::new(m, t, p, Some(32))
        .map_err(|e| Error::Crypto(format!("Argon2 parameters: {e}")))?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    a.hash_password_into(passphrase.expose().as_bytes(), salt, &mut *out)
        .map_err(|e| Error::Crypto(format!("Argon2: {e}")))?;
    Ok(out)
}

impl DeviceKey {
    /// A new random key.
    pub fn generate() -> Self {
        Self(SigningKey::random(&mut OsRng))
    }

    /// The key, for signing in this process.
    pub fn signing_key(&self) -> &SigningKey {
        &self.0
    }

    /// The key as kyso-pdf's software signer.
    pub fn software_key(&self) -> kyso_pdf::signer::SoftwareKey {
        kyso_pdf::signer::SoftwareKey::P256(self.0.clone())
    }

    fn pkcs8(&self) -> Result<Zeroizing<Vec<u8>>> {
        let doc = self
            .0
            .to_pkcs8_der()
            .map_err(|e| Error::Crypto(format!("cannot encode the key: {e}")))?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    fn from_pkcs8(der: &[u8]) -> Result<Self> {
        SigningKey::from_pkcs8_der(der)
            .map(Self)
            .map_err(|_| Error::Crypto("the stored key is not a P-256 PKCS#8 key".into()))
    }

    /// A PKCS#10 request for this key, PEM, with subject `CN=<common_name>`.
    pub fn csr_pem(&self, common_name: &str) -> Result<String> {
        use der::EncodePem;
        use x509_cert::builder::Builder;
        let cn: String = common_name
            .chars()
            .filter(|c| !matches!(c, ',' | '+' | '=' | '"' | '\\' | '<' | '>' | ';'))
            .collect();
        let cn = if cn.trim().is_empty() {
            "kyso-device".to_string()
        } else {
            cn
        };
        let subject = x509_cert::name::Name::from_str(&format!("CN={cn}"))
            .map_err(|e| Error::Crypto(format!("CSR subject: {e}")))?;
        let builder = x509_cert::builder::RequestBuilder::new(subject, &self.0)
            .map_err(|e| Error::Crypto(format!("CSR: {e}")))?;
        let req = builder
            .build::<DerSignature>()
            .map_err(|e| Error::Crypto(format!("CSR: {e}")))?;
        req.to_pem(der::pem::LineEnding::LF)
            .map_err(|e| Error::Crypto(format!("CSR: {e}")))
    }

    /// Writes the key to a new file at `path`, encrypted under `passphrase`
    /// (mode 0600; an existing file is never replaced).
    pub fn save_encrypted(&self, path: &Path, passphrase: &Secret<String>) -> Result<()> {
        let shown = path.display().to_string();
        if passphrase.expose().chars().count() < MIN_PASSPHRASE {
            return Err(Error::KeyFile {
                path: shown,
                reason: format!("the passphrase must have at least {MIN_PASSPHRASE} characters"),
            });
        }
        if path.exists() {
            return Err(Error::KeyFile {
                path: shown,
                reason: "the file exists; it is never overwritten".into(),
            });
        }
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let mut file = KeyFile {
            format: FORMAT.into(),
            version: 1,
            kdf: Kdf {
                name: "argon2id".into(),
                version: 0x13,
                m_cost: M_COST,
                t_cost: T_COST,
                p_cost: P_COST,
                salt: b64().encode(salt),
            },
            cipher: Cipher {
                name: "aes-256-gcm".into(),
                nonce: b64().encode(nonce),
            },
            ciphertext: String::new(),
        };
        let key = derive(passphrase, &salt, M_COST, T_COST, P_COST)?;
        let cipher = Aes256Gcm::new_from_slice(&key[..])
            .map_err(|e| Error::Crypto(format!("AES key: {e}")))?;
        let plain = self.pkcs8()?;
        let aad = aad(&file);
        let ct = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .map_err(|_| Error::Crypto("AES-GCM encryption failed".into()))?;
        file.ciphertext = b64().encode(ct);
        let json = serde_json::to_vec_pretty(&file).map_err(|e| Error::Crypto(e.to_string()))?;
        crate::store::write_new_private(path, &json, true).map_err(|e| Error::KeyFile {
            path: shown,
            reason: e.to_string(),
        })
    }

    /// Reads a key file written by [`DeviceKey::save_encrypted`].
    pub fn load_encrypted(path: &Path, passphrase: &Secret<String>) -> Result<Self> {
        let shown = path.display().to_string();
        let bad = |reason: &str| Error::KeyFile {
            path: shown.clone(),
            reason: reason.to_string(),
        };
        let bytes = std::fs::read(path).map_err(|e| bad(&e.to_string()))?;
        if bytes.len() > 64 * 1024 {
            return Err(bad("too large for a key file"));
        }
        let f: KeyFile =
            serde_json::from_slice(&bytes).map_err(|_| bad("not a Kyso device key file"))?;
        if f.format != FORMAT {
            return Err(bad("not a Kyso device key file"));
        }
        if f.version != 1 {
            return Err(bad(&format!(
                "format version {} is newer than this program",
                f.version
            )));
        }
        if f.kdf.name != "argon2id" || f.kdf.version != 0x13 || f.cipher.name != "aes-256-gcm" {
            return Err(bad("unsupported key derivation or cipher"));
        }
        // Bounds keep a crafted file from exhausting memory or time.
        if !(8 * 1024..=1024 * 1024).contains(&f.kdf.m_cost)
            || !(1..=16).contains(&f.kdf.t_cost)
            || !(1..=16).contains(&f.kdf.p_cost)
        {
            return Err(bad("key derivation parameters out of range"));
        }
        let salt = b64().decode(&f.kdf.salt).map_err(|_| bad("bad salt"))?;
        let nonce = b64()
            .decode(&f.cipher.nonce)
            .map_err(|_| bad("bad nonce"))?;
        let ct = b64()
            .decode(&f.ciphertext)
            .map_err(|_| bad("bad ciphertext"))?;
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| bad("bad nonce length"))?;
        if salt.len() < 16 {
            return Err(bad("bad salt length"));
        }
        let key = derive(passphrase, &salt, f.kdf.m_cost, f.kdf.t_cost, f.kdf.p_cost)?;
        let cipher = Aes256Gcm::new_from_slice(&key[..])
            .map_err(|e| Error::Crypto(format!("AES key: {e}")))?;
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    &Nonce::from(nonce),
                    Payload {
                        msg: &ct,
                        aad: &aad(&f),
                    },
                )
                .map_err(|_| Error::WrongPassphrase(shown.clone()))?,
        );
        Self::from_pkcs8(&plain)
    }

    /// A fresh keyring entry name for a key of `username` at `server`.
    pub fn new_keyring_account(server: &str, username: &str) -> String {
        let mut b = [0u8; 8];
        OsRng.fill_bytes(&mut b);
        let id: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!("device-key:{server}:{username}:{id}")
    }

    /// Stores the key in the OS keyring under `account`.
    pub fn save_keyring(&self, account: &str) -> Result<()> {
        os_keyring::set(account, &self.pkcs8()?)
    }

    /// Loads the key stored under `account` in the OS keyring.
    pub fn load_keyring(account: &str) -> Result<Self> {
        Self::find_keyring(account)?
            .ok_or_else(|| Error::Keyring(format!("no key '{account}' in the keyring")))
    }

    /// The key stored under `account` in the OS keyring; `None` when the
    /// keyring works but has no such entry (an error when it does not work).
    pub fn find_keyring(account: &str) -> Result<Option<Self>> {
        match os_keyring::get(account)? {
            Some(v) => Self::from_pkcs8(&Zeroizing::new(v)).map(Some),
            None => Ok(None),
        }
    }

    /// Removes a key from the OS keyring.
    pub fn delete_keyring(account: &str) -> Result<()> {
        os_keyring::delete(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::pkcs8::EncodePublicKey;

    fn public(k: &DeviceKey) -> Vec<u8> {
        k.signing_key()
            .verifying_key()
            .to_public_key_der()
            .expect("spki")
            .as_bytes()
            .to_vec()
    }

    #[test]
    fn key_files_round_trip_and_refuse_wrong_passphrases() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("device.key");
        let k = DeviceKey::generate();
        let pass = Secret::from("đúng mật khẩu dài");
        k.save_encrypted(&path, &pass).expect("saves");
        let text = std::fs::read_to_string(&path).expect("reads");
        assert!(!text.contains("PRIVATE KEY"), "no plaintext key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "owner only");
        }
        let back = DeviceKey::load_encrypted(&path, &pass).expect("loads");
        assert_eq!(public(&back), public(&k), "same key");
        assert!(
            matches!(
                DeviceKey::load_encrypted(&path, &Secret::from("wrong passphrase")),
                Err(Error::WrongPassphrase(_))
            ),
            "wrong passphrase"
        );
        assert!(
            k.save_encrypted(&path, &pass).is_err(),
            "an existing key file is not overwritten"
        );
        assert!(
            k.save_encrypted(&dir.path().join("short"), &Secret::from("short"))
                .is_err(),
            "short passphrases refused"
        );
        // Changing a header parameter breaks the tag.
        let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
        v["kdf"]["t_cost"] = 2.into();
        let tampered = dir.path().join("tampered.key");
        std::fs::write(&tampered, v.to_string()).expect("write");
        assert!(
            matches!(
                DeviceKey::load_encrypted(&tampered, &pass),
                Err(Error::WrongPassphrase(_))
            ),
            "parameters are authenticated"
        );
    }

    #[test]
    fn csrs_carry_the_key() {
        use der::DecodePem;
        let k = DeviceKey::generate();
        let pem = k.csr_pem("Nguyễn Văn An, leader1").expect("csr");
        let req = x509_cert::request::CertReq::from_pem(pem.as_bytes()).expect("parses");
        let spki = der::Encode::to_der(&req.info.public_key).expect("der");
        assert_eq!(spki, public(&k), "the CSR carries the device key");
        assert!(
            req.info.subject.to_string().contains("Nguyễn Văn An"),
            "{}",
            req.info.subject
        );
    }
}
