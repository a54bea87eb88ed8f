//! Hashing and signature verification for every algorithm Kyso accepts:
//! SHA-256/384/512 (SHA-1 only to say it is refused), ECDSA on P-256 and
//! P-384, RSA PKCS#1 v1.5 and RSASSA-PSS. One function serves CMS signer
//! infos, certificates, CRLs, OCSP responses and timestamp tokens.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912 as oids;
use der::{Decode, Encode};
use sha2::Digest;
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// A digest algorithm Kyso computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum DigestAlg {
    /// SHA-1: computed so integrity can be judged, then refused by policy.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlg {
    /// The algorithm for an OID; `Err` names what is refused.
    pub fn from_oid(oid: ObjectIdentifier) -> Result<Self, String> {
        match oid {
            o if o == oids::ID_SHA_256 => Ok(DigestAlg::Sha256),
            o if o == oids::ID_SHA_384 => Ok(DigestAlg::Sha384),
            o if o == oids::ID_SHA_512 => Ok(DigestAlg::Sha512),
            o if o == oids::ID_SHA_1 => Ok(DigestAlg::Sha1),
            o => Err(format!("unsupported digest algorithm {o}")),
        }
    }

    /// True for algorithms that no longer protect signatures (SHA-1).
    pub fn is_weak(self) -> bool {
        self == DigestAlg::Sha1
    }

    /// Hashes `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = Hasher::new(self);
        h.update(data);
        h.finish()
    }
}

/// An incremental hash of any [`DigestAlg`].
pub enum Hasher {
    /// SHA-1 state.
    Sha1(sha1::Sha1),
    /// SHA-256 state.
    Sha256(sha2::Sha256),
    /// SHA-384 state.
    Sha384(sha2::Sha384),
    /// SHA-512 state.
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// A fresh hash.
    pub fn new(alg: DigestAlg) -> Self {
        match alg {
            DigestAlg::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            DigestAlg::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            DigestAlg::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            DigestAlg::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    /// Adds bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    /// The digest.
    pub fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

const ECDSA_WITH_SHA_1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");

/// The hash a signature algorithm implies; `hint` is the CMS digest
/// algorithm, used when the signature OID names only the key type.
pub fn signature_digest(
    sig: &AlgorithmIdentifierOwned,
    hint: Option<DigestAlg>,
) -> Result<DigestAlg, String> {
    let o = sig.oid;
    let alg = if o == oids::ECDSA_WITH_SHA_256 || o == oids::SHA_256_WITH_RSA_ENCRYPTION {
        DigestAlg::Sha256
    } else if o == oids::ECDSA_WITH_SHA_384 || o == oids::SHA_384_WITH_RSA_ENCRYPTION {
        DigestAlg::Sha384
    } else if o == oids::ECDSA_WITH_SHA_512 || o == oids::SHA_512_WITH_RSA_ENCRYPTION {
        DigestAlg::Sha512
    } else if o == oids::ID_RSASSA_PSS {
        pss_params(sig)?.0
    } else if o == oids::RSA_ENCRYPTION || o == oids::ID_EC_PUBLIC_KEY {
        hint.ok_or("the signature algorithm names no hash")?
    } else if o == oids::SHA_1_WITH_RSA_ENCRYPTION || o == ECDSA_WITH_SHA_1 {
        DigestAlg::Sha1
    } else if o == oids::ECDSA_WITH_SHA_224 {
        return Err(format!("signature algorithm {o} is no longer accepted"));
    } else {
        return Err(format!("unsupported signature algorithm {o}"));
    };
    Ok(alg)
}

/// Hash and salt length of RSASSA-PSS parameters (RFC 4055 §3.1).
fn pss_params(sig: &AlgorithmIdentifierOwned) -> Result<(DigestAlg, usize), String> {
    let params = sig
        .parameters
        .as_ref()
        .ok_or("RSASSA-PSS without parameters")?;
    let p: rsa::pkcs1::RsaPssParams<'_> = params
        .decode_as()
        .map_err(|e| format!("bad RSASSA-PSS parameters: {e}"))?;
    let hash = DigestAlg::from_oid(p.hash.oid)?;
    let mgf_hash = p
        .mask_gen
        .parameters
        .as_ref()
        .map(|h| h.oid)
        .ok_or("RSASSA-PSS without an MGF1 hash")?;
    if DigestAlg::from_oid(mgf_hash)? != hash {
        return Err("RSASSA-PSS with an MGF1 hash different from the message hash".into());
    }
    Ok((hash, usize::from(p.salt_len)))
}

/// Verifies `signature` over a precomputed `digest` with the key in `spki`.
pub fn verify_prehash(
    spki: &SubjectPublicKeyInfoOwned,
    sig_alg: &AlgorithmIdentifierOwned,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let key_der = spki.to_der().map_err(|e| e.to_string())?;
    let key_oid = spki.algorithm.oid;
    let bad = || "the signature value does not verify".to_string();
    if key_oid == oids::ID_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
            .ok_or("EC key without a named curve")?;
        if ![
            oids::ECDSA_WITH_SHA_256,
            oids::ECDSA_WITH_SHA_384,
            oids::ECDSA_WITH_SHA_512,
            oids::ID_EC_PUBLIC_KEY,
            ECDSA_WITH_SHA_1,
        ]
        .contains(&sig_alg.oid)
        {
            return Err(format!("an EC key cannot make a {} signature", sig_alg.oid));
        }
        use p256::pkcs8::DecodePublicKey;
        if curve == oids::SECP_256_R_1 {
            let vk = p256::ecdsa::VerifyingKey::from_public_key_der(&key_der)
                .map_err(|e| e.to_string())?;
            let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
            return vk.verify_prehash(digest, &sig).map_err(|_| bad());
        }
        if curve == oids::SECP_384_R_1 {
            let vk = p384::ecdsa::VerifyingKey::from_public_key_der(&key_der)
                .map_err(|e| e.to_string())?;
            let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
            return vk.verify_prehash(digest, &sig).map_err(|_| bad());
        }
        return Err(format!("unsupported elliptic curve {curve}"));
    }
    if key_oid == oids::RSA_ENCRYPTION || key_oid == oids::ID_RSASSA_PSS {
        use rsa::pkcs1::DecodeRsaPublicKey;
        let pk = rsa::RsaPublicKey::from_pkcs1_der(spki.subject_public_key.raw_bytes())
            .map_err(|e| e.to_string())?;
        use rsa::traits::PublicKeyParts;
        if pk.size() < 256 {
            return Err(format!("RSA keys of {} bits are too short", pk.size() * 8));
        }
        if sig_alg.oid == oids::ID_RSASSA_PSS {
            let (hash, salt) = pss_params(sig_alg)?;
            let scheme_ok = match hash {
                DigestAlg::Sha1 => rsa::pss::VerifyingKey::<sha1::Sha1>::new(pk)
                    .verify_prehash(
                        digest,
                        &rsa::pss::Signature::try_from(signature).map_err(|_| bad())?,
                    )
                    .is_ok(),
                DigestAlg::Sha256 => rsa::pss::VerifyingKey::<sha2::Sha256>::new(pk)
                    .verify_prehash(
                        digest,
                        &rsa::pss::Signature::try_from(signature).map_err(|_| bad())?,
                    )
                    .is_ok(),
                DigestAlg::Sha384 => rsa::pss::VerifyingKey::<sha2::Sha384>::new(pk)
                    .verify_prehash(
                        digest,
                        &rsa::pss::Signature::try_from(signature).map_err(|_| bad())?,
                    )
                    .is_ok(),
                DigestAlg::Sha512 => rsa::pss::VerifyingKey::<sha2::Sha512>::new(pk)
                    .verify_prehash(
                        digest,
                        &rsa::pss::Signature::try_from(signature).map_err(|_| bad())?,
                    )
                    .is_ok(),
            };
            let _ = salt; // the rsa crate recovers the salt length from the encoding
            return if scheme_ok { Ok(()) } else { Err(bad()) };
        }
        let hash = signature_digest(sig_alg, DigestAlg::from_digest_len(digest.len()))?;
        let sig = rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| bad())?;
        let ok = match hash {
            DigestAlg::Sha1 => rsa::pkcs1v15::VerifyingKey::<sha1::Sha1>::new(pk)
                .verify_prehash(digest, &sig)
                .is_ok(),
            DigestAlg::Sha256 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(pk)
                .verify_prehash(digest, &sig)
                .is_ok(),
            DigestAlg::Sha384 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha384>::new(pk)
                .verify_prehash(digest, &sig)
                .is_ok(),
            DigestAlg::Sha512 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha512>::new(pk)
                .verify_prehash(digest, &sig)
                .is_ok(),
        };
        return if ok { Ok(()) } else { Err(bad()) };
    }
    Err(format!("unsupported public key algorithm {key_oid}"))
}

impl DigestAlg {
    fn from_digest_len(n: usize) -> Option<Self> {
        match n {
            20 => Some(DigestAlg::Sha1),
            32 => Some(DigestAlg::Sha256),
            48 => Some(DigestAlg::Sha384),
            64 => Some(DigestAlg::Sha512),
            _ => None,
        }
    }
}

/// Verifies a certificate's signature with its issuer's key.
pub fn verify_certificate(
    cert: &x509_cert::Certificate,
    issuer: &x509_cert::Certificate,
) -> Result<(), String> {
    let tbs = cert.tbs_certificate.to_der().map_err(|e| e.to_string())?;
    let spki = &issuer.tbs_certificate.subject_public_key_info;
    // What the verdict depends on, and nothing else: the signed bytes, the
    // algorithm, the signature and the issuer's key.
    let mut id = sha2::Sha256::new();
    for part in [
        tbs.as_slice(),
        &cert
            .signature_algorithm
            .to_der()
            .map_err(|e| e.to_string())?,
        cert.signature.raw_bytes(),
        &spki.to_der().map_err(|e| e.to_string())?,
    ] {
        id.update((part.len() as u64).to_be_bytes());
        id.update(part);
    }
    let id: [u8; 32] = id.finalize().into();
    if VALID_CERT_SIGNATURES.known(&id) {
        return Ok(());
    }
    let alg = signature_digest(&cert.signature_algorithm, None)?;
    verify_prehash(
        spki,
        &cert.signature_algorithm,
        &alg.digest(&tbs),
        cert.signature.raw_bytes(),
    )?;
    VALID_CERT_SIGNATURES.remember(id);
    Ok(())
}

/// Certificate signatures found valid, by the digest of everything their
/// validity depends on. The same device and CA certificates come with
/// upload after upload, and a signature valid once is valid for good
/// (whether the certificate is trusted, current or revoked is decided
/// elsewhere, every time). Failures are not kept; the set is bounded.
static VALID_CERT_SIGNATURES: SignatureMemo = SignatureMemo::new();

struct SignatureMemo(std::sync::Mutex<Option<std::collections::HashSet<[u8; 32]>>>);

impl SignatureMemo {
    /// Entries kept before the set starts again.
    const MAX: usize = 4096;

    const fn new() -> Self {
        Self(std::sync::Mutex::new(None))
    }

    fn known(&self, id: &[u8; 32]) -> bool {
        let set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.as_ref().is_some_and(|s| s.contains(id))
    }

    fn remember(&self, id: [u8; 32]) {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let set = set.get_or_insert_with(Default::default);
        if set.len() >= Self::MAX {
            set.clear();
        }
        set.insert(id);
    }
}

/// Decodes DER with a readable error.
pub fn decode<'a, T: Decode<'a>>(der: &'a [u8], what: &str) -> Result<T, String> {
    T::from_der(der).map_err(|e| format!("{what} is not valid DER: {e}"))
}
