//! Certificates: decoding (DER or PEM), signature checks between a
//! certificate and its issuer, validity periods, extensions.

use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5280, rfc5912};
use der::{Decode, Encode};
use sha2::{Digest, Sha256, Sha384, Sha512};
use signature::Verifier;
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::ext::pkix::BasicConstraints;

/// A decoded certificate with the exact bytes its signature covers (a
/// re-encoding of the parsed TBSCertificate could differ from what the
/// device signed).
#[derive(Clone, Debug)]
pub(crate) struct Cert {
    /// The certificate.
    pub cert: Certificate,
    /// The TBSCertificate as received.
    pub tbs: Vec<u8>,
}

impl std::ops::Deref for Cert {
    type Target = Certificate;

    fn deref(&self) -> &Certificate {
        &self.cert
    }
}

impl Cert {
    /// Decodes one DER certificate.
    pub fn from_der(der: &[u8]) -> Option<Cert> {
        let cert = Certificate::from_der(der).ok()?;
        let mut reader = der::SliceReader::new(der).ok()?;
        der::Header::decode(&mut reader).ok()?;
        let tbs = der::asn1::AnyRef::decode(&mut reader).ok()?.to_der().ok()?;
        Some(Cert { cert, tbs })
    }
}

/// Decodes certificates given one per item, each DER or PEM. A PEM item may
/// hold several certificates (they are taken in order). On failure the error
/// carries the index of the item that did not decode.
pub fn decode_certificates<B: AsRef<[u8]>>(items: &[B]) -> Result<Vec<Certificate>, usize> {
    Ok(decode_chain(items)?.into_iter().map(|c| c.cert).collect())
}

/// As [`decode_certificates`], keeping the signed bytes.
pub(crate) fn decode_chain<B: AsRef<[u8]>>(items: &[B]) -> Result<Vec<Cert>, usize> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let bytes = item.as_ref();
        if looks_like_pem(bytes) {
            let ders = pem_blocks(bytes, "CERTIFICATE").ok_or(i)?;
            if ders.is_empty() {
                return Err(i);
            }
            for der in ders {
                out.push(Cert::from_der(&der).ok_or(i)?);
            }
        } else {
            out.push(Cert::from_der(bytes).ok_or(i)?);
        }
    }
    Ok(out)
}

/// The decoded bodies of the PEM blocks labelled `label`, in order. Lines
/// of any width are accepted (device chains are often wrapped at 76
/// columns, which strict RFC 7468 readers refuse); headers inside a block
/// are not.
pub fn pem_blocks(bytes: &[u8], label: &str) -> Option<Vec<Vec<u8>>> {
    use base64::Engine;
    let text = std::str::from_utf8(bytes).ok()?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        match &mut body {
            None if line == begin => body = Some(String::new()),
            None => {}
            Some(b) if line == end => {
                out.push(
                    base64::engine::general_purpose::STANDARD
                        .decode(b.as_bytes())
                        .ok()?,
                );
                body = None;
            }
            Some(_) if line.starts_with("-----") || line.contains(':') => return None,
            Some(b) => b.push_str(line),
        }
    }
    if body.is_some() {
        return None;
    }
    Some(out)
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    let trimmed = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |p| &bytes[p..]);
    trimmed.starts_with(b"-----BEGIN")
}

/// The DER of a certificate's SubjectPublicKeyInfo.
pub fn spki_der(cert: &Certificate) -> Vec<u8> {
    cert.tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap_or_default()
}

/// Normalises a SubjectPublicKeyInfo given as DER (or PEM `PUBLIC KEY`) to DER.
pub fn normalise_spki(bytes: &[u8]) -> Option<Vec<u8>> {
    let spki = if looks_like_pem(bytes) {
        let blocks = pem_blocks(bytes, "PUBLIC KEY")?;
        let [der] = blocks.as_slice() else {
            return None;
        };
        SubjectPublicKeyInfoOwned::from_der(der).ok()?
    } else {
        SubjectPublicKeyInfoOwned::from_der(bytes).ok()?
    };
    spki.to_der().ok()
}

/// The value (inner OCTET STRING content) of the extension `oid`, if present.
/// `Err(())` when the extension appears more than once.
pub fn extension_value(cert: &Certificate, oid: ObjectIdentifier) -> Result<Option<&[u8]>, ()> {
    let mut found = None;
    for ext in cert.tbs_certificate.extensions.iter().flatten() {
        if ext.extn_id == oid {
            if found.is_some() {
                return Err(());
            }
            found = Some(ext.extn_value.as_bytes());
        }
    }
    Ok(found)
}

/// Whether the certificate's key is an EC P-256 key.
pub fn is_p256(cert: &Certificate) -> bool {
    let alg = &cert.tbs_certificate.subject_public_key_info.algorithm;
    alg.oid == rfc5912::ID_EC_PUBLIC_KEY
        && alg
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
            == Some(rfc5912::SECP_256_R_1)
}

/// Whether the certificate says it is a CA (basicConstraints cA = TRUE).
pub fn is_ca(cert: &Certificate) -> bool {
    match extension_value(cert, rfc5280::ID_CE_BASIC_CONSTRAINTS) {
        Ok(Some(v)) => BasicConstraints::from_der(v).is_ok_and(|bc| bc.ca),
        _ => false,
    }
}

/// Whether `cert` was signed by the key `issuer` (and names its signature
/// algorithm consistently inside and outside the signed part).
pub(crate) fn signed_by(cert: &Cert, issuer: &SubjectPublicKeyInfoOwned) -> bool {
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return false;
    }
    let Some(sig) = cert.signature.as_bytes() else {
        return false;
    };
    verify_signature(issuer, &cert.signature_algorithm, &cert.tbs, sig)
}

/// Verifies `sig` over `msg` with `key`, for the algorithms attestation
/// chains use: ECDSA (P-256, P-384) and RSA PKCS #1 v1.5 (2048 bits and
/// more), each with SHA-256, SHA-384 or SHA-512.
pub fn verify_signature(
    key: &SubjectPublicKeyInfoOwned,
    alg: &AlgorithmIdentifierOwned,
    msg: &[u8],
    sig: &[u8],
) -> bool {
    let key_bytes = key.subject_public_key.raw_bytes();
    if key.algorithm.oid == rfc5912::ID_EC_PUBLIC_KEY {
        let digest: Vec<u8> = match alg.oid {
            rfc5912::ECDSA_WITH_SHA_256 => Sha256::digest(msg).to_vec(),
            rfc5912::ECDSA_WITH_SHA_384 => Sha384::digest(msg).to_vec(),
            rfc5912::ECDSA_WITH_SHA_512 => Sha512::digest(msg).to_vec(),
            _ => return false,
        };
        let curve = key
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        return match curve {
            Some(rfc5912::SECP_256_R_1) => {
                let (Ok(vk), Ok(s)) = (
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes),
                    p256::ecdsa::Signature::from_der(sig),
                ) else {
                    return false;
                };
                vk.verify_prehash(&digest, &s).is_ok()
            }
            Some(rfc5912::SECP_384_R_1) => {
                let (Ok(vk), Ok(s)) = (
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes),
                    p384::ecdsa::Signature::from_der(sig),
                ) else {
                    return false;
                };
                vk.verify_prehash(&digest, &s).is_ok()
            }
            _ => false,
        };
    }
    if key.algorithm.oid == rfc5912::RSA_ENCRYPTION {
        use rsa::pkcs1::DecodeRsaPublicKey;
        use rsa::traits::PublicKeyParts;
        let Ok(pk) = rsa::RsaPublicKey::from_pkcs1_der(key_bytes) else {
            return false;
        };
        if pk.size() < 256 {
            return false;
        }
        let Ok(s) = rsa::pkcs1v15::Signature::try_from(sig) else {
            return false;
        };
        return match alg.oid {
            rfc5912::SHA_256_WITH_RSA_ENCRYPTION => rsa::pkcs1v15::VerifyingKey::<Sha256>::new(pk)
                .verify(msg, &s)
                .is_ok(),
            rfc5912::SHA_384_WITH_RSA_ENCRYPTION => rsa::pkcs1v15::VerifyingKey::<Sha384>::new(pk)
                .verify(msg, &s)
                .is_ok(),
            rfc5912::SHA_512_WITH_RSA_ENCRYPTION => rsa::pkcs1v15::VerifyingKey::<Sha512>::new(pk)
                .verify(msg, &s)
                .is_ok(),
            _ => false,
        };
    }
    false
}

/// Whether `now` falls in the certificate's validity period; `skew` is
/// allowed before notBefore (device clocks run ahead of the gateway's).
pub fn valid_at(cert: &Certificate, now: SystemTime, skew: Duration) -> bool {
    let v = &cert.tbs_certificate.validity;
    let not_before = v.not_before.to_system_time();
    let not_after = v.not_after.to_system_time();
    now + skew >= not_before && now <= not_after
}

/// The serial number as unsigned big-endian bytes without leading zeros.
pub fn serial_magnitude(cert: &Certificate) -> Vec<u8> {
    let bytes = cert.tbs_certificate.serial_number.as_bytes();
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

/// Lowercase hex without separators.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}
