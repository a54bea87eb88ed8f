//! Key attestation verifiers for Kyso enrollment (DESIGN.md §4.1, §7).
//!
//! * [`android`]: Android key attestation. The chain the keystore returns
//!   for a new key is checked against Google's hardware attestation roots
//!   (shipped in `roots/`), the attestation status list, and the
//!   KeyDescription record (challenge, security level, key properties, user
//!   authentication, boot state, app identity, public key). The result is
//!   the key's [`HardwareLevel`] and facts, or the [`android::AndroidError`]
//!   naming the rule that failed.
//! * [`apple`]: iOS App Attest. The assertion (signature over
//!   SHA-256(authenticatorData ‖ clientDataHash), RP ID hash, counter) and
//!   the attestation object (x5c chain to Apple's App Attestation root,
//!   nonce, key id, AAGUID, counter 0).
//!
//! Which platforms and levels a unit accepts (hardware only, or software
//! keys for desktop clerks) is the caller's policy; this crate reports what
//! was proven. [`HardwareLevel`] maps onto [`kyso_api::SecurityLevel`].

pub mod android;
pub mod apple;
pub mod key_description;
pub mod revocation;
pub mod roots;
mod x509;

// The crate's own name inside it, so the shared test PKI below compiles both
// here and in the integration tests.
extern crate self as kyso_attest;

/// The test PKI of this crate's tests, for other crates' tests.
#[cfg(feature = "test-support")]
#[allow(missing_docs, clippy::unwrap_used)]
#[path = "../tests/kyso-attest/support.rs"]
pub mod testing;

pub use android::{AndroidAttestation, AndroidError, AndroidPolicy, AndroidVerifier, Expected};
pub use revocation::RevocationList;
pub use roots::{TrustAnchor, TrustAnchors};
pub use x509::decode_certificates;

use der::{Decode, Encode};

/// Where an attested key lives. A key that passed attestation is never a
/// software key; desktop software keys are enrolled without attestation and
/// recorded as [`kyso_api::SecurityLevel::Software`] by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HardwareLevel {
    /// A trusted execution environment: Android TEE, or the iOS Secure Enclave.
    Tee,
    /// A discrete secure element: Android StrongBox.
    StrongBox,
}

impl HardwareLevel {
    /// `tee` or `strongbox`.
    pub fn as_str(self) -> &'static str {
        match self {
            HardwareLevel::Tee => "tee",
            HardwareLevel::StrongBox => "strongbox",
        }
    }
}

/// `Tee` → `TrustedEnvironment`, `StrongBox` → `StrongBox`.
impl From<HardwareLevel> for kyso_api::SecurityLevel {
    fn from(level: HardwareLevel) -> Self {
        match level {
            HardwareLevel::Tee => kyso_api::SecurityLevel::TrustedEnvironment,
            HardwareLevel::StrongBox => kyso_api::SecurityLevel::StrongBox,
        }
    }
}

/// The SubjectPublicKeyInfo (DER) of a PKCS #10 request given as PEM or DER,
/// for [`Expected::public_key`]. The request's own signature is not checked
/// here (the device CA checks it when issuing).
pub fn csr_public_key(csr: &[u8]) -> Option<Vec<u8>> {
    let text_start = csr.iter().position(|b| !b.is_ascii_whitespace())?;
    let req = if csr[text_start..].starts_with(b"-----BEGIN") {
        let mut blocks = x509::pem_blocks(csr, "CERTIFICATE REQUEST")?;
        if blocks.is_empty() {
            blocks = x509::pem_blocks(csr, "NEW CERTIFICATE REQUEST")?;
        }
        let [der] = blocks.as_slice() else {
            return None;
        };
        x509_cert::request::CertReq::from_der(der).ok()?
    } else {
        x509_cert::request::CertReq::from_der(csr).ok()?
    };
    req.info.public_key.to_der().ok()
}
