//! Push tokens at rest (DESIGN.md §7.4: no token in plaintext storage).
//! The gateway must send tokens as they are, so they cannot be hashed like
//! session tokens: each is sealed with AES-256-GCM under a key kept in the
//! data directory (`push/token.key`, beside the device CA's key), so a copy
//! of the database alone (a PostgreSQL dump, a backup) holds none. A keyed
//! MAC of the token finds the device that has it without opening every row.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;

use crate::store::hex;

/// Bound into every sealed token (and its version).
const AAD: &[u8] = b"kyso push token v1";

/// Seals and opens push tokens.
pub struct TokenSeal {
    enc: Aes256Gcm,
    mac_key: [u8; 32],
}

impl std::fmt::Debug for TokenSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSeal(<redacted>)")
    }
}

fn derive(key: &[u8; 32], label: &[u8]) -> [u8; 32] {
    #[allow(clippy::expect_used)]
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl TokenSeal {
    /// From a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        let enc_key = derive(key, b"kyso push token encryption");
        Self {
            enc: Aes256Gcm::new(&enc_key.into()),
            mac_key: derive(key, b"kyso push token lookup"),
        }
    }

    /// The key in `data_dir/push/token.key`, created on first use. Two
    /// processes creating it at once agree on one (it is linked into place
    /// only if absent).
    pub fn load_or_create(data_dir: &Path) -> Result<Self, String> {
        let dir = data_dir.join("push");
        let path = dir.join("token.key");
        let read = |p: &Path| -> Result<Self, String> {
            let b = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let key: [u8; 32] = b
                .try_into()
                .map_err(|_| format!("{}: not a 32-byte key", p.display()))?;
            Ok(Self::new(&key))
        };
        if path.exists() {
            return read(&path);
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        let tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| e.to_string())?;
        std::fs::write(tmp.path(), key).map_err(|e| e.to_string())?;
        tmp.as_file().sync_all().map_err(|e| e.to_string())?;
        // The temporary file is created 0600; linking never replaces.
        match std::fs::hard_link(tmp.path(), &path) {
            Ok(()) => Ok(Self::new(&key)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(&path),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// `base64(nonce ‖ ciphertext)`.
    pub fn seal(&self, token: &str) -> String {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let ct = self
            .enc
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: token.as_bytes(),
                    aad: AAD,
                },
            )
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        STANDARD.encode(out)
    }

    /// The token, or `None` if it was not sealed with this key.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let b = STANDARD.decode(sealed).ok()?;
        if b.len() < 12 {
            return None;
        }
        let (nonce, ct) = b.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let pt = self
            .enc
            .decrypt(&Nonce::from(nonce), Payload { msg: ct, aad: AAD })
            .ok()?;
        String::from_utf8(pt).ok()
    }

    /// The lookup MAC of a provider's token (hex).
    pub fn mac(&self, provider: &str, token: &str) -> String {
        #[allow(clippy::expect_used)]
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key)
            .expect("HMAC takes keys of any length");
        mac.update(provider.as_bytes());
        mac.update(&[0]);
        mac.update(token.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_open_only_with_their_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = TokenSeal::load_or_create(dir.path()).expect("key");
        let again = TokenSeal::load_or_create(dir.path()).expect("the same key");
        let sealed = a.seal("fcm-token:APA91b");
        assert!(!sealed.contains("APA91b"), "not in the clear");
        assert_ne!(
            sealed,
            a.seal("fcm-token:APA91b"),
            "a fresh nonce each time"
        );
        assert_eq!(
            again.open(&sealed).as_deref(),
            Some("fcm-token:APA91b"),
            "opens after a restart"
        );
        assert_eq!(
            a.mac("fcm", "t"),
            again.mac("fcm", "t"),
            "the MAC is stable"
        );
        assert_ne!(a.mac("fcm", "t"), a.mac("apns", "t"), "and per provider");
        let other = TokenSeal::new(&[7; 32]);
        assert_eq!(other.open(&sealed), None, "another key opens nothing");
        assert_eq!(a.open("bm9uc2Vuc2U="), None, "nor does nonsense");
    }
}
