//! The agency seals (con dấu) the clerk's issuance signs with: one P-256 key
//! per unit, `seal-<unit id>` in the PKCS#11 token (`kyso serve
//! --hsm-token …`, generated there on first use, not extractable), or, for
//! the demo, a file key in `DATA/seals/<unit id>.key` (it warns). Its
//! certificate (`DATA/seals/<unit id>.pem`) is issued by the device CA with
//! the unit's name, and issued again when the key or the CA changes or it
//! has less than a day left.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use der::{DecodePem, EncodePem};
use kyso_hsm::{FileKey, HsmConfig, KeySigner, Token};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::ca::DeviceCa;

/// Where the seal keys live.
#[derive(Debug, Clone, Default)]
pub enum SealKeys {
    /// Files in `DATA/seals/`: the demo fallback.
    #[default]
    File,
    /// The token, one key pair per unit labelled `seal-<unit id>`.
    Hsm(HsmConfig),
}

/// The label of a unit's seal key in the token.
pub fn label(unit_id: &str) -> String {
    format!("seal-{unit_id}")
}

/// One unit's seal: its key and certificate.
pub struct Seal {
    key: Arc<dyn KeySigner>,
    cert: Certificate,
}

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seal")
            .field("key", &self.key.describe())
            .field("subject", &self.cert.tbs_certificate.subject.to_string())
            .finish()
    }
}

impl Seal {
    /// The seal certificate.
    pub fn cert(&self) -> &Certificate {
        &self.cert
    }

    /// Where the key is (`pkcs11:…`, `file:…`).
    pub fn key(&self) -> String {
        self.key.describe()
    }
}

/// The seal key as kyso-pdf's signer: SHA-256 here, the digest signed by the
/// key wherever it lives.
impl kyso_pdf::signer::Signer for Seal {
    fn algorithm(&self) -> kyso_pdf::signer::SignatureAlgorithm {
        kyso_pdf::signer::SignatureAlgorithm::EcdsaP256Sha256
    }

    fn sign(&self, data: &[u8]) -> kyso_pdf::Result<Vec<u8>> {
        let digest: [u8; 32] = Sha256::digest(data).into();
        self.key
            .sign_digest(&digest)
            .map_err(|e| kyso_pdf::Error::Crypto(format!("the seal key did not sign: {e}")))
    }
}

/// The units' seals, opened once each.
#[derive(Debug)]
pub struct Seals {
    dir: PathBuf,
    keys: SealKeys,
    open: Mutex<HashMap<String, Arc<Seal>>>,
}

impl Seals {
    /// Seals kept in `DATA/seals/` with keys where `keys` says.
    pub fn new(data_dir: &std::path::Path, keys: SealKeys) -> Self {
        Self {
            dir: data_dir.join("seals"),
            keys,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The seal of `unit_id` (named `unit_name` in its certificate): its key
    /// opened or made, its certificate read or issued by `ca`.
    pub fn for_unit(
        &self,
        unit_id: &str,
        unit_name: &str,
        ca: &DeviceCa,
        now: SystemTime,
    ) -> Result<Arc<Seal>, String> {
        let mut open = self.open.lock().map_err(|_| "seal cache poisoned")?;
        if let Some(s) = open.get(unit_id)
            && crate::tsa::usable(&s.cert, s.key.as_ref(), ca, now)
        {
            return Ok(s.clone());
        }
        // Unit ids are ours (UUIDs), but a file name is built from it: refuse
        // anything that could leave the directory.
        if unit_id.is_empty()
            || !unit_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(format!("unit id {unit_id:?} cannot name a seal"));
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        let key: Arc<dyn KeySigner> = match &self.keys {
            SealKeys::File => Arc::new(
                FileKey::load_or_create(&self.dir.join(format!("{unit_id}.key")))
                    .map_err(|e| format!("seal key: {e}"))?,
            ),
            SealKeys::Hsm(config) => {
                let token = Token::open(config).map_err(|e| format!("seal key: {e}"))?;
                Arc::new(
                    token
                        .key_or_generate(&label(unit_id))
                        .map_err(|e| format!("seal key: {e}"))?,
                )
            }
        };
        let cert_path = self.dir.join(format!("{unit_id}.pem"));
        let kept = std::fs::read_to_string(&cert_path)
            .ok()
            .and_then(|pem| Certificate::from_pem(pem.as_bytes()).ok())
            .filter(|c| crate::tsa::usable(c, key.as_ref(), ca, now));
        let cert = match kept {
            Some(c) => c,
            None => {
                let c = ca.issue_seal(key.public_key(), unit_name, now)?;
                let pem = c
                    .to_pem(der::pem::LineEnding::LF)
                    .map_err(|e| e.to_string())?;
                let tmp = self.dir.join(format!(
                    ".{unit_id}.pem.{}.{}.tmp",
                    std::process::id(),
                    uuid::Uuid::new_v4().simple()
                ));
                std::fs::write(&tmp, &pem).map_err(|e| e.to_string())?;
                std::fs::rename(&tmp, &cert_path).map_err(|e| e.to_string())?;
                tracing::info!(unit = unit_id, key = %key.describe(), "issued a seal certificate");
                c
            }
        };
        let seal = Arc::new(Seal { key, cert });
        open.insert(unit_id.to_string(), seal.clone());
        Ok(seal)
    }
}
