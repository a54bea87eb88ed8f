//! Integration tests of the keystore plugin, one module per concern:
//! the desktop backend, the OS keyring inside a private D-Bus session, the
//! commands as the web view invokes them, and the contract across Rust,
//! Kotlin, Swift and TypeScript.

mod commands;
mod contract;
mod desktop;
mod keyring;

use p256::ecdsa::{Signature, VerifyingKey, signature::Verifier};
use p256::pkcs8::DecodePublicKey;

/// Checks `sig` (DER) is a P-256 ECDSA signature over SHA-256(`data`) by the
/// key whose SubjectPublicKeyInfo is `spki`, as the contract promises.
pub fn assert_signature_verifies(spki: &[u8], data: &[u8], sig: &[u8]) {
    let key = VerifyingKey::from_public_key_der(spki).expect("the public key is a P-256 SPKI");
    let sig = Signature::from_der(sig).expect("the signature is DER Ecdsa-Sig-Value");
    key.verify(data, &sig)
        .expect("ECDSA P-256 over SHA-256 of the data verifies with the returned public key");
}
