//! Trust anchors: the public root certificates shipped in `roots/`, or any
//! set the caller provides (tests use their own).
//!
//! A chain is anchored when its last certificate *is* an anchor (same
//! subject and same public key: Google re-issued its RSA root several times
//! with one key, and devices still carry the 2016 issue, which expired on
//! 2026-05-24; the key is what is trusted, the shipped issue's validity is
//! what is checked), or when its last certificate is signed by an anchor's
//! key.

use std::time::{Duration, SystemTime};

use der::{DecodePem, Encode};
use x509_cert::Certificate;

use crate::x509;

/// The shipped Google hardware attestation roots: name and PEM.
const GOOGLE_ROOTS: [(&str, &str); 4] = [
    (
        "Google Hardware Attestation Root f92009e853b6b045 (RSA-4096)",
        include_str!("../roots/google-hardware-attestation-root-rsa-2019.pem"),
    ),
    (
        "Google Hardware Attestation Root f92009e853b6b045 (RSA-4096)",
        include_str!("../roots/google-hardware-attestation-root-rsa-2021.pem"),
    ),
    (
        "Google Hardware Attestation Root f92009e853b6b045 (RSA-4096)",
        include_str!("../roots/google-hardware-attestation-root-rsa-2022.pem"),
    ),
    (
        "Google Key Attestation CA1 (ECDSA P-384, 2025)",
        include_str!("../roots/google-key-attestation-ca1-ec-2025.pem"),
    ),
];

/// The shipped Apple App Attestation Root CA.
const APPLE_ROOT: (&str, &str) = (
    "Apple App Attestation Root CA (ECDSA P-384)",
    include_str!("../roots/apple-app-attestation-root-ca.pem"),
);

/// One trusted root certificate.
#[derive(Clone, Debug)]
pub struct TrustAnchor {
    name: String,
    cert: Certificate,
    spki: Vec<u8>,
    fingerprint: [u8; 32],
}

impl TrustAnchor {
    /// Builds an anchor from a certificate.
    pub fn new(name: impl Into<String>, cert: Certificate) -> Result<Self, der::Error> {
        let der = cert.to_der()?;
        Ok(TrustAnchor {
            name: name.into(),
            spki: x509::spki_der(&cert),
            fingerprint: x509::sha256(&der),
            cert,
        })
    }

    /// A human name for reports.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The root certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// SHA-256 of the certificate's DER.
    pub fn sha256_fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// Whether the anchor certificate itself is within its validity period.
    pub fn valid_at(&self, now: SystemTime) -> bool {
        x509::valid_at(&self.cert, now, Duration::ZERO)
    }
}

/// A set of trusted roots.
#[derive(Clone, Debug, Default)]
pub struct TrustAnchors {
    anchors: Vec<TrustAnchor>,
}

/// How a chain reached an anchor.
#[derive(Clone, Debug)]
pub(crate) struct Anchored<'a> {
    /// The anchors that match (one, or several issues of one root key).
    pub matching: Vec<&'a TrustAnchor>,
    /// The chain's last certificate is itself (an issue of) the root.
    pub last_is_root: bool,
}

impl Anchored<'_> {
    /// The name to report: the first matching anchor valid at `now`, else the first.
    pub fn name(&self, now: SystemTime) -> String {
        self.matching
            .iter()
            .find(|a| a.valid_at(now))
            .or(self.matching.first())
            .map(|a| a.name.clone())
            .unwrap_or_default()
    }

    /// Whether some matching anchor is valid at `now`.
    pub fn valid_at(&self, now: SystemTime) -> bool {
        self.matching.iter().any(|a| a.valid_at(now))
    }
}

impl TrustAnchors {
    /// Google's hardware attestation roots as shipped in `roots/`: the
    /// RSA-4096 root `f92009e853b6b045` (its 2019, 2021 and 2022 issues,
    /// one key) and the ECDSA P-384 "Key Attestation CA1" that signs the
    /// chains of remotely provisioned devices since 2026-02-01.
    pub fn google_hardware_attestation() -> Self {
        TrustAnchors {
            anchors: GOOGLE_ROOTS
                .iter()
                .map(|(name, pem)| shipped(name, pem))
                .collect(),
        }
    }

    /// Apple's App Attestation Root CA as shipped in `roots/`.
    pub fn apple_app_attestation() -> Self {
        TrustAnchors {
            anchors: vec![shipped(APPLE_ROOT.0, APPLE_ROOT.1)],
        }
    }

    /// Anchors from certificates (DER or PEM, as [`x509::decode_certificates`]).
    pub fn from_certificates<B: AsRef<[u8]>>(items: &[B]) -> Result<Self, usize> {
        let certs = x509::decode_certificates(items)?;
        let mut anchors = Vec::with_capacity(certs.len());
        for (i, cert) in certs.into_iter().enumerate() {
            let subject = cert.tbs_certificate.subject.to_string();
            anchors.push(TrustAnchor::new(subject, cert).map_err(|_| i)?);
        }
        Ok(TrustAnchors { anchors })
    }

    /// Adds an anchor.
    pub fn push(&mut self, anchor: TrustAnchor) {
        self.anchors.push(anchor);
    }

    /// The anchors.
    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    /// Finds how the chain's last certificate reaches an anchor, if it does.
    pub(crate) fn anchor_for(&self, last: &x509::Cert) -> Option<Anchored<'_>> {
        let spki = x509::spki_der(last);
        let subject = &last.tbs_certificate.subject;
        let same: Vec<&TrustAnchor> = self
            .anchors
            .iter()
            .filter(|a| a.spki == spki && &a.cert.tbs_certificate.subject == subject)
            .collect();
        if !same.is_empty() {
            return Some(Anchored {
                matching: same,
                last_is_root: true,
            });
        }
        let issuers: Vec<&TrustAnchor> = self
            .anchors
            .iter()
            .filter(|a| x509::signed_by(last, &a.cert.tbs_certificate.subject_public_key_info))
            .collect();
        (!issuers.is_empty()).then_some(Anchored {
            matching: issuers,
            last_is_root: false,
        })
    }
}

fn shipped(name: &str, pem: &str) -> TrustAnchor {
    let cert = Certificate::from_pem(pem.as_bytes())
        .expect("a shipped root certificate decodes (pinned by the roots test)");
    TrustAnchor::new(name, cert).expect("a shipped root certificate re-encodes")
}
