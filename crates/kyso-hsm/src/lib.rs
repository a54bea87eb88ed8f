#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod file;
mod pkcs11;

use std::fmt;
use std::path::{Path, PathBuf};

use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

pub use file::FileKey;
pub use pkcs11::{HsmKey, KeyInfo, Protection, Token, ValueAccess};

/// Debian's SoftHSM2 module, the default PKCS#11 module.
pub const DEFAULT_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// The environment variable a PIN is read from when no PIN file is given.
pub const PIN_ENV: &str = "KYSO_HSM_PIN";

/// What went wrong, by kind: each has its own clear message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The PKCS#11 module file does not exist.
    #[error("the PKCS#11 module {0} does not exist (install softhsm2, or give the module path)")]
    ModuleMissing(PathBuf),
    /// The module exists but cannot be loaded or initialised.
    #[error("the PKCS#11 module {path} cannot be loaded: {reason}")]
    Module {
        /// The module.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// No initialised token has this label.
    #[error("no PKCS#11 token is labelled {0:?}")]
    NoToken(String),
    /// The token refused the PIN.
    #[error("the token refused the PIN")]
    WrongPin,
    /// Too many wrong PINs: the token locked the user PIN.
    #[error("the token's user PIN is locked")]
    PinLocked,
    /// No PIN was given, or it could not be read.
    #[error("PIN: {0}")]
    Pin(String),
    /// No key pair has this label.
    #[error("the token has no key labelled {0:?}")]
    NoSuchKey(String),
    /// A key with this label already exists.
    #[error("the token already has a key labelled {0:?}")]
    KeyExists(String),
    /// The key is not one Kyso uses (P-256 ECDSA).
    #[error("the key {label:?} is not usable: {reason}")]
    UnsupportedKey {
        /// The key's label.
        label: String,
        /// Why.
        reason: String,
    },
    /// The file key (demo fallback) cannot be read or written.
    #[error("the key file {path}: {reason}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Any other failure of the token.
    #[error("PKCS#11: {0}")]
    Pkcs11(String),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;

/// A user PIN. Its `Debug` never shows it; it is wiped when dropped.
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

impl Pin {
    /// A PIN from a string (tests, and callers that read it themselves).
    pub fn new(pin: impl Into<String>) -> Self {
        Self(Zeroizing::new(pin.into()))
    }

    /// The first line of `path` (a trailing newline is not part of the PIN).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| Error::Pin(format!("cannot read {}: {e}", path.display())))?,
        );
        let pin = text.lines().next().unwrap_or("");
        if pin.is_empty() {
            return Err(Error::Pin(format!("{} is empty", path.display())));
        }
        Ok(Self::new(pin))
    }

    /// From `file` when given, else from the environment variable
    /// [`PIN_ENV`]. Never from a command-line argument: those are visible
    /// to every user of the machine.
    pub fn from_file_or_env(file: Option<&Path>) -> Result<Self> {
        if let Some(f) = file {
            return Self::from_file(f);
        }
        match std::env::var(PIN_ENV) {
            Ok(p) if !p.is_empty() => Ok(Self::new(p)),
            _ => Err(Error::Pin(format!(
                "give a PIN file or set {PIN_ENV} (never a PIN on the command line)"
            ))),
        }
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

/// Where a token is and how to log in to it. `Debug` redacts the PIN.
#[derive(Debug, Clone)]
pub struct HsmConfig {
    /// The PKCS#11 module (a shared library).
    pub module: PathBuf,
    /// The token's label.
    pub token: String,
    /// The user PIN.
    pub pin: Pin,
}

/// `ecdsa-with-SHA256` (RFC 5758).
pub const ECDSA_WITH_SHA256: const_oid::ObjectIdentifier =
    const_oid::db::rfc5912::ECDSA_WITH_SHA_256;

/// A P-256 signing key, wherever it lives: in a PKCS#11 token
/// ([`HsmKey`]) or, for the demo only, in a file ([`FileKey`]).
pub trait KeySigner: Send + Sync + fmt::Debug {
    /// Signs a SHA-256 digest; the signature is a DER `ECDSA-Sig-Value`.
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>>;
    /// The public key.
    fn public_key(&self) -> &SubjectPublicKeyInfoOwned;
    /// The signature algorithm (`ecdsa-with-SHA256`).
    fn algorithm(&self) -> const_oid::ObjectIdentifier {
        ECDSA_WITH_SHA256
    }
    /// Where the key is, for logs (`pkcs11:token=…;object=…` or `file:…`), never a secret.
    fn describe(&self) -> String;
}

/// A [`KeySigner`] as a RustCrypto signer (`signature::Signer` over the
/// message, `Keypair`, the algorithm identifier), so the `x509-cert` and
/// `cms` builders can sign with a key in a token.
#[derive(Debug, Clone, Copy)]
pub struct SignerAdapter<'a> {
    signer: &'a dyn KeySigner,
    verifying_key: p256::ecdsa::VerifyingKey,
}

impl<'a> SignerAdapter<'a> {
    /// Adapts `signer` (its public key must be P-256).
    pub fn new(signer: &'a dyn KeySigner) -> Result<Self> {
        let verifying_key = verifying_key(signer.public_key())?;
        Ok(Self {
            signer,
            verifying_key,
        })
    }
}

/// The P-256 public key of an SPKI.
pub fn verifying_key(spki: &SubjectPublicKeyInfoOwned) -> Result<p256::ecdsa::VerifyingKey> {
    use der::Encode;
    use p256::pkcs8::DecodePublicKey;
    let der = spki
        .to_der()
        .map_err(|e| Error::Pkcs11(format!("public key: {e}")))?;
    p256::ecdsa::VerifyingKey::from_public_key_der(&der)
        .map_err(|e| Error::Pkcs11(format!("the public key is not P-256: {e}")))
}

impl signature::Keypair for SignerAdapter<'_> {
    type VerifyingKey = p256::ecdsa::VerifyingKey;
    fn verifying_key(&self) -> Self::VerifyingKey {
        self.verifying_key
    }
}

impl spki::DynSignatureAlgorithmIdentifier for SignerAdapter<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<spki::AlgorithmIdentifierOwned> {
        Ok(spki::AlgorithmIdentifierOwned {
            oid: self.signer.algorithm(),
            parameters: None,
        })
    }
}

impl signature::Signer<p256::ecdsa::DerSignature> for SignerAdapter<'_> {
    fn try_sign(&self, msg: &[u8]) -> signature::Result<p256::ecdsa::DerSignature> {
        use sha2::Digest;
        let digest: [u8; 32] = sha2::Sha256::digest(msg).into();
        let der = self
            .signer
            .sign_digest(&digest)
            .map_err(signature::Error::from_source)?;
        p256::ecdsa::DerSignature::from_bytes(&der).map_err(signature::Error::from_source)
    }
}

/// A P-256 public key as PEM (`-----BEGIN PUBLIC KEY-----`, SPKI).
pub fn public_key_pem(spki: &SubjectPublicKeyInfoOwned) -> Result<String> {
    use p256::pkcs8::{EncodePublicKey, LineEnding};
    verifying_key(spki)?
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| Error::Pkcs11(format!("public key PEM: {e}")))
}
