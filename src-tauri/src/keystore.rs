//! The device key through the keystore plugin, as kyso-pdf's
//! [`AsyncSigner`]: one signing path for the phones (the biometric prompt in
//! front of a hardware key) and the desktop (a software key behind its
//! passphrase or the OS keyring). The plugin signs the bytes it is given
//! (SHA-256 inside, DER ECDSA out); kyso-pdf only ever hands it the DER of
//! the CMS signed attributes (DESIGN.md §4.3).
//!
//! Also the enrollment's PKCS#10 request, signed by the same key.

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use der::asn1::BitString;
use der::{Decode, Encode, EncodePem};
use kyso_pdf::signer::{AsyncSigner, SignatureAlgorithm};
use tauri::{AppHandle, Runtime};
use tauri_plugin_kyso_keystore::{KeystoreExt, SignRequest};
use x509_cert::request::{CertReq, CertReqInfo, Version};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::error::{IpcError, Result};
use crate::model::SignStage;

/// The alias of the device key in the keystore.
pub const ALIAS: &str = "kyso-device";

/// Called when the signer reaches a stage (`authenticating`, `finishing`).
pub type Progress = Arc<dyn Fn(SignStage) + Send + Sync>;

/// The device key in the keystore plugin, signing with a prompt.
pub struct KeystoreSigner<R: Runtime> {
    app: AppHandle<R>,
    alias: String,
    prompt: String,
    #[cfg(desktop)]
    passphrase: Option<kyso_client::Secret<String>>,
    progress: Option<Progress>,
    failure: Arc<Mutex<Option<tauri_plugin_kyso_keystore::Error>>>,
}

impl<R: Runtime> std::fmt::Debug for KeystoreSigner<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeystoreSigner")
            .field("alias", &self.alias)
            .field("prompt", &self.prompt)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> KeystoreSigner<R> {
    /// The key `alias`; each signature shows `prompt` (the biometric
    /// prompt's text). `passphrase` unlocks a desktop key file; phones
    /// ignore it.
    pub fn new(
        app: &AppHandle<R>,
        alias: &str,
        prompt: impl Into<String>,
        passphrase: Option<kyso_client::Secret<String>>,
    ) -> Self {
        #[cfg(mobile)]
        let _ = passphrase;
        Self {
            app: app.clone(),
            alias: alias.to_string(),
            prompt: prompt.into(),
            #[cfg(desktop)]
            passphrase,
            progress: None,
            failure: Arc::new(Mutex::new(None)),
        }
    }

    /// Reports `authenticating` before the prompt and `finishing` after.
    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The keystore's own error, when the keystore is what failed: kyso-pdf
    /// only carries a message, the code (`userCancel`, `wrongPassphrase`, …)
    /// is kept here for the UI.
    pub fn take_failure(&self) -> Option<tauri_plugin_kyso_keystore::Error> {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// The error of a failed operation that used this signer: the
    /// keystore's when it failed, else `other`.
    pub fn error(&self, other: impl Into<IpcError>) -> IpcError {
        match self.take_failure() {
            Some(e) => e.into(),
            None => other.into(),
        }
    }

    fn request(&self, data: &[u8]) -> SignRequest {
        #[allow(unused_mut)]
        let mut req = SignRequest::new(self.alias.clone(), data.to_vec(), self.prompt.clone());
        #[cfg(desktop)]
        {
            req.passphrase = self.passphrase.clone();
        }
        req
    }
}

impl<R: Runtime> AsyncSigner for KeystoreSigner<R> {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::EcdsaP256Sha256
    }

    fn sign(
        &self,
        data: &[u8],
    ) -> impl std::future::Future<Output = kyso_pdf::Result<Vec<u8>>> + Send {
        let req = self.request(data);
        let app = self.app.clone();
        let progress = self.progress.clone();
        let failure = self.failure.clone();
        async move {
            if let Some(p) = &progress {
                p(SignStage::Authenticating);
            }
            match app.keystore().sign(req).await {
                Ok(s) => {
                    if let Some(p) = &progress {
                        p(SignStage::Finishing);
                    }
                    kyso_pdf::signer::ecdsa_p256_to_der(&s.signature)
                }
                Err(e) => {
                    let message = e.to_string();
                    *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    Err(kyso_pdf::Error::Crypto(format!("the keystore: {message}")))
                }
            }
        }
    }
}

/// A PKCS#10 request for the key whose public key is `spki_der`, subject
/// `CN=<common_name>`, signed by `signer` (one prompt).
pub async fn csr_pem<R: Runtime>(
    signer: &KeystoreSigner<R>,
    spki_der: &[u8],
    common_name: &str,
) -> Result<String> {
    let crypto = |e: &dyn std::fmt::Display| IpcError::internal(format!("CSR: {e}"));
    let cn: String = common_name
        .chars()
        .filter(|c| !matches!(c, ',' | '+' | '=' | '"' | '\\' | '<' | '>' | ';'))
        .collect();
    let cn = if cn.trim().is_empty() {
        "kyso-device".to_string()
    } else {
        cn
    };
    let subject = x509_cert::name::Name::from_str(&format!("CN={cn}")).map_err(|e| crypto(&e))?;
    let info = CertReqInfo {
        version: Version::V1,
        subject,
        public_key: SubjectPublicKeyInfoOwned::from_der(spki_der).map_err(|e| crypto(&e))?,
        attributes: Default::default(),
    };
    let tbs = info.to_der().map_err(|e| crypto(&e))?;
    let sig = AsyncSigner::sign(signer, &tbs)
        .await
        .map_err(|e| signer.error(IpcError::internal(e.to_string())))?;
    let req = CertReq {
        info,
        algorithm: AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::ECDSA_WITH_SHA_256,
            parameters: None,
        },
        signature: BitString::from_bytes(&sig).map_err(|e| crypto(&e))?,
    };
    req.to_pem(der::pem::LineEnding::LF).map_err(|e| crypto(&e))
}
