//! Who holds the key: the [`Signer`] (in-process) and [`AsyncSigner`] (a
//! phone keystore, a PKCS#11 token, a remote service) abstractions, and
//! software keys loaded from PEM.
//!
//! A signer only ever sees the bytes to sign (the DER of the CMS signed
//! attributes); hashing the document and assembling the CMS happen in
//! [`crate::sign`].

use std::future::Future;

use der::{Decode, Encode};
use signature::{SignatureEncoding, Signer as _};
use x509_cert::Certificate;

use crate::error::{Error, Result};

/// The signature algorithms Kyso signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// ECDSA on P-256 with SHA-256; the value is a DER `Ecdsa-Sig-Value`.
    EcdsaP256Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RsaPkcs1Sha256,
}

impl SignatureAlgorithm {
    /// The CMS `signatureAlgorithm` OID.
    pub fn oid(self) -> const_oid::ObjectIdentifier {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => const_oid::db::rfc5912::ECDSA_WITH_SHA_256,
            SignatureAlgorithm::RsaPkcs1Sha256 => {
                const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION
            }
        }
    }

    /// The algorithm matching a certificate's public key.
    pub fn for_certificate(cert: &Certificate) -> Result<Self> {
        let spki = &cert.tbs_certificate.subject_public_key_info;
        let oid = spki.algorithm.oid;
        if oid == const_oid::db::rfc5912::ID_EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<const_oid::ObjectIdentifier>().ok());
            if curve == Some(const_oid::db::rfc5912::SECP_256_R_1) {
                return Ok(SignatureAlgorithm::EcdsaP256Sha256);
            }
            return Err(Error::Crypto("only P-256 EC keys can sign".into()));
        }
        if oid == const_oid::db::rfc5912::RSA_ENCRYPTION {
            return Ok(SignatureAlgorithm::RsaPkcs1Sha256);
        }
        Err(Error::Crypto(format!(
            "unsupported public key algorithm {oid}"
        )))
    }
}

/// A key that signs in this process, synchronously.
pub trait Signer {
    /// The algorithm this key signs with.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// Signs `data` (hashing it with SHA-256 as part of the algorithm).
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>>;
}

/// A key that lives elsewhere and answers later (after a biometric prompt,
/// over PKCS#11 or a network). Runtime-agnostic: any executor can drive it.
pub trait AsyncSigner {
    /// The algorithm this key signs with.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// Signs `data`; ECDSA values may be DER or raw `r‖s`.
    fn sign(&self, data: &[u8]) -> impl Future<Output = Result<Vec<u8>>> + Send;
}

impl<T: Signer + Sync> AsyncSigner for T {
    fn algorithm(&self) -> SignatureAlgorithm {
        Signer::algorithm(self)
    }

    fn sign(&self, data: &[u8]) -> impl Future<Output = Result<Vec<u8>>> + Send {
        std::future::ready(Signer::sign(self, data))
    }
}

/// A software key loaded from PEM (development, tests, desktop clerks).
pub enum SoftwareKey {
    /// A P-256 ECDSA key.
    P256(p256::ecdsa::SigningKey),
    /// An RSA key.
    Rsa(Box<rsa::RsaPrivateKey>),
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        match self {
            SoftwareKey::P256(_) => f.write_str("SoftwareKey::P256(<redacted>)"),
            SoftwareKey::Rsa(_) => f.write_str("SoftwareKey::Rsa(<redacted>)"),
        }
    }
}

impl SoftwareKey {
    /// Parses a PKCS#8, SEC1 (`EC PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`) PEM key.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let label = pem
            .lines()
            .find_map(|l| l.trim().strip_prefix("-----BEGIN "))
            .and_then(|l| l.strip_suffix("-----"))
            .ok_or_else(|| Error::Crypto("the key file is not PEM".into()))?;
        match label {
            "PRIVATE KEY" => {
                use p256::pkcs8::DecodePrivateKey as _;
                if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(pem) {
                    return Ok(SoftwareKey::P256(k));
                }
                rsa::RsaPrivateKey::from_pkcs8_pem(pem)
                    .map(|k| SoftwareKey::Rsa(Box::new(k)))
                    .map_err(|_| Error::Crypto("the PKCS#8 key is neither P-256 nor RSA".into()))
            }
            "EC PRIVATE KEY" => {
                use p256::elliptic_curve::SecretKey;
                let sk = SecretKey::<p256::NistP256>::from_sec1_pem(pem)
                    .map_err(|_| Error::Crypto("the EC key is not a P-256 SEC1 key".into()))?;
                Ok(SoftwareKey::P256(sk.into()))
            }
            "RSA PRIVATE KEY" => {
                use rsa::pkcs1::DecodeRsaPrivateKey as _;
                rsa::RsaPrivateKey::from_pkcs1_pem(pem)
                    .map(|k| SoftwareKey::Rsa(Box::new(k)))
                    .map_err(|_| Error::Crypto("the RSA key could not be read".into()))
            }
            "ENCRYPTED PRIVATE KEY" => Err(Error::Crypto(
                "the key is passphrase-encrypted; decrypt it first (openssl pkey)".into(),
            )),
            other => Err(Error::Crypto(format!(
                "unexpected PEM block '{other}' in the key file"
            ))),
        }
    }

    /// DER of this key's SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> Result<Vec<u8>> {
        use p256::pkcs8::EncodePublicKey as _;
        let doc = match self {
            SoftwareKey::P256(k) => k.verifying_key().to_public_key_der(),
            SoftwareKey::Rsa(k) => {
                use rsa::pkcs8::EncodePublicKey as _;
                k.to_public_key().to_public_key_der()
            }
        };
        doc.map(|d| d.as_bytes().to_vec())
            .map_err(|e| Error::Crypto(format!("cannot encode the public key: {e}")))
    }

    /// Fails with [`Error::KeyMismatch`] unless `cert` carries this key's public key.
    pub fn check_matches(&self, cert: &Certificate) -> Result<()> {
        let cert_spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| Error::Crypto(e.to_string()))?;
        if cert_spki == self.public_key_der()? {
            Ok(())
        } else {
            Err(Error::KeyMismatch)
        }
    }
}

impl Signer for SoftwareKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        match self {
            SoftwareKey::P256(_) => SignatureAlgorithm::EcdsaP256Sha256,
            SoftwareKey::Rsa(_) => SignatureAlgorithm::RsaPkcs1Sha256,
        }
    }

    fn sign(&self, data: &[u8]) -> Result<Vec<u8>> {
        match self {
            SoftwareKey::P256(k) => {
                let sig: p256::ecdsa::DerSignature = k
                    .try_sign(data)
                    .map_err(|e| Error::Crypto(format!("ECDSA signing failed: {e}")))?;
                Ok(sig.to_vec())
            }
            SoftwareKey::Rsa(k) => {
                let sk = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone());
                let sig = sk
                    .try_sign(data)
                    .map_err(|e| Error::Crypto(format!("RSA signing failed: {e}")))?;
                Ok(sig.to_vec())
            }
        }
    }
}

/// Parses every certificate in a PEM bundle, in order.
pub fn certificates_from_pem(pem: &str) -> Result<Vec<Certificate>> {
    let certs = Certificate::load_pem_chain(pem.as_bytes())
        .map_err(|e| Error::Crypto(format!("cannot read the certificate PEM: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Crypto("no certificate found in the PEM data".into()));
    }
    Ok(certs)
}

/// Parses one DER certificate.
pub fn certificate_from_der(der: &[u8]) -> Result<Certificate> {
    Certificate::from_der(der)
        .map_err(|e| Error::Crypto(format!("cannot read the certificate: {e}")))
}

/// Normalises an ECDSA value to DER: a raw 64-byte `r‖s` (as some keystores
/// return) is converted, anything else is checked to be DER.
pub fn ecdsa_p256_to_der(sig: &[u8]) -> Result<Vec<u8>> {
    let parsed = if sig.len() == 64 {
        p256::ecdsa::Signature::from_slice(sig)
    } else {
        p256::ecdsa::Signature::from_der(sig)
    };
    parsed
        .map(|s| s.to_der().to_vec())
        .map_err(|_| Error::Crypto("the ECDSA signature value is malformed".into()))
}

/// The common name of a certificate's subject, for `/Name` and appearances.
pub fn subject_common_name(cert: &Certificate) -> Option<String> {
    name_attribute(&cert.tbs_certificate.subject, const_oid::db::rfc4519::CN)
}

/// The organisation of a certificate's subject.
pub fn subject_organization(cert: &Certificate) -> Option<String> {
    name_attribute(&cert.tbs_certificate.subject, const_oid::db::rfc4519::O)
}

fn name_attribute(
    name: &x509_cert::name::Name,
    oid: const_oid::ObjectIdentifier,
) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| atv.oid == oid)
        .find_map(|atv| {
            use der::asn1::{PrintableStringRef, Utf8StringRef};
            atv.value
                .decode_as::<Utf8StringRef<'_>>()
                .map(|s| s.as_str().to_owned())
                .or_else(|_| {
                    atv.value
                        .decode_as::<PrintableStringRef<'_>>()
                        .map(|s| s.as_str().to_owned())
                })
                .ok()
        })
}

/// Checks `signature` over `message` with the certificate's public key
/// (ECDSA P-256/SHA-256 in DER, or RSA PKCS#1 v1.5/SHA-256).
pub fn verify(cert: &Certificate, message: &[u8], signature: &[u8]) -> Result<()> {
    use signature::Verifier;
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| Error::Crypto(e.to_string()))?;
    let bad =
        || Error::Crypto("the signature value does not verify with the signer certificate".into());
    match SignatureAlgorithm::for_certificate(cert)? {
        SignatureAlgorithm::EcdsaP256Sha256 => {
            use p256::pkcs8::DecodePublicKey;
            let vk = p256::ecdsa::VerifyingKey::from_public_key_der(&spki)
                .map_err(|e| Error::Crypto(e.to_string()))?;
            let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
            vk.verify(message, &sig).map_err(|_| bad())
        }
        SignatureAlgorithm::RsaPkcs1Sha256 => {
            use rsa::pkcs8::DecodePublicKey;
            let pk = rsa::RsaPublicKey::from_public_key_der(&spki)
                .map_err(|e| Error::Crypto(e.to_string()))?;
            let vk = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(pk);
            let sig = rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| bad())?;
            vk.verify(message, &sig).map_err(|_| bad())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::pkcs8::EncodePrivateKey;

    fn p256_key() -> SoftwareKey {
        let sk = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let pem = sk.to_pkcs8_pem(Default::default()).expect("encodes");
        SoftwareKey::from_pem(&pem).expect("reads back")
    }

    #[test]
    fn p256_signatures_verify() {
        use signature::Verifier;
        let key = p256_key();
        let SoftwareKey::P256(sk) = &key else {
            panic!("P-256 expected")
        };
        let sig = Signer::sign(&key, b"attrs").expect("signs");
        let parsed = p256::ecdsa::Signature::from_der(&sig).expect("DER ECDSA value");
        assert!(
            sk.verifying_key().verify(b"attrs", &parsed).is_ok(),
            "the signature verifies with the public key"
        );
    }

    #[test]
    fn raw_ecdsa_values_become_der() {
        let key = p256_key();
        let der = Signer::sign(&key, b"x").expect("signs");
        let raw = p256::ecdsa::Signature::from_der(&der)
            .expect("DER")
            .to_bytes();
        assert_eq!(
            ecdsa_p256_to_der(&raw).expect("raw accepted"),
            der,
            "r‖s and DER are the same value"
        );
        assert!(ecdsa_p256_to_der(b"garbage").is_err(), "garbage is refused");
    }

    #[test]
    fn unknown_pem_is_refused() {
        assert!(SoftwareKey::from_pem("not pem").is_err(), "not PEM");
        let err = SoftwareKey::from_pem(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----\n",
        )
        .expect_err("encrypted keys are not read");
        assert!(
            err.to_string().contains("passphrase"),
            "the message says why: {err}"
        );
    }
}
