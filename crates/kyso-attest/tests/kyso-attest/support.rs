//! Test helpers, all in one place: keys, certificates, the default passing
//! Android chain and its knobs, App Attest objects.

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ciborium::Value;
use const_oid::db::{rfc5280, rfc5912};
use der::asn1::{Any, BitString, OctetString, SetOfVec};
use der::{Decode, Encode};
use kyso_attest::key_description::{
    AsnSecurityLevel, AttestationApplicationId, AttestationPackageInfo, AuthorizationList,
    KEY_DESCRIPTION_OID, KeyDescription, LenientBool, RootOfTrust, VerifiedBootState, value,
};
use kyso_attest::{
    AndroidPolicy, AndroidVerifier, Expected, RevocationList, TrustAnchor, TrustAnchors,
};
use sha2::{Digest, Sha256};
use signature::{SignatureEncoding, Signer};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::BasicConstraints;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// The gateway's clock in every test: 2026-11-21.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_000_000)
}

/// `now()` shifted by `days` (negative: earlier).
pub fn days(days: i64) -> SystemTime {
    let d = Duration::from_secs(days.unsigned_abs() * 86_400);
    if days < 0 { now() - d } else { now() + d }
}

/// The nonce the gateway issued.
pub const NONCE: &[u8] = b"kyso-enroll-nonce-0123456789abcdef";
/// The configured package.
pub const PACKAGE: &str = "vn.gov.kyso";
/// The configured signing certificate digest.
pub const SIGNING_DIGEST: [u8; 32] = [0x5a; 32];

/// A signing key of one of the kinds attestation chains use.
pub enum Key {
    /// ECDSA P-256 (signs with SHA-256).
    P256(p256::ecdsa::SigningKey),
    /// ECDSA P-384 (signs with SHA-384).
    P384(p384::ecdsa::SigningKey),
    /// RSA (PKCS #1 v1.5 with SHA-256).
    Rsa(Box<rsa::RsaPrivateKey>),
}

impl Key {
    /// A deterministic P-256 key.
    pub fn p256(seed: u8) -> Key {
        Key::P256(p256::ecdsa::SigningKey::from_bytes(&[seed; 32].into()).expect("scalar"))
    }

    /// A deterministic P-384 key.
    pub fn p384(seed: u8) -> Key {
        Key::P384(p384::ecdsa::SigningKey::from_bytes(&[seed; 48].into()).expect("scalar"))
    }

    /// A fresh RSA-2048 key.
    pub fn rsa() -> Key {
        Key::Rsa(Box::new(
            rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).expect("rsa keygen"),
        ))
    }

    /// The public key.
    pub fn spki(&self) -> SubjectPublicKeyInfoOwned {
        SubjectPublicKeyInfoOwned::from_der(&self.spki_der()).expect("spki")
    }

    /// The public key, DER.
    pub fn spki_der(&self) -> Vec<u8> {
        use p256::pkcs8::EncodePublicKey;
        match self {
            Key::P256(k) => k.verifying_key().to_public_key_der(),
            Key::P384(k) => k.verifying_key().to_public_key_der(),
            Key::Rsa(k) => k.to_public_key().to_public_key_der(),
        }
        .expect("spki der")
        .as_bytes()
        .to_vec()
    }

    /// The uncompressed point of a P-256 key.
    pub fn sec1(&self) -> Vec<u8> {
        match self {
            Key::P256(k) => k
                .verifying_key()
                .to_encoded_point(false)
                .as_bytes()
                .to_vec(),
            _ => panic!("not a P-256 key"),
        }
    }

    fn algorithm(&self) -> AlgorithmIdentifierOwned {
        match self {
            Key::P256(_) => AlgorithmIdentifierOwned {
                oid: rfc5912::ECDSA_WITH_SHA_256,
                parameters: None,
            },
            Key::P384(_) => AlgorithmIdentifierOwned {
                oid: rfc5912::ECDSA_WITH_SHA_384,
                parameters: None,
            },
            Key::Rsa(_) => AlgorithmIdentifierOwned {
                oid: rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
                parameters: Some(Any::null()),
            },
        }
    }

    /// Signs `msg` (DER-encoded ECDSA, or PKCS #1 v1.5).
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            Key::P256(k) => {
                let s: p256::ecdsa::DerSignature = k.sign(msg);
                s.to_vec()
            }
            Key::P384(k) => {
                let s: p384::ecdsa::DerSignature = k.sign(msg);
                s.to_vec()
            }
            Key::Rsa(k) => rsa::pkcs1v15::SigningKey::<Sha256>::new((**k).clone())
                .sign(msg)
                .to_vec(),
        }
    }
}

/// What goes into one certificate.
pub struct CertSpec {
    /// Serial number (positive).
    pub serial: u64,
    /// Issuer DN.
    pub issuer: String,
    /// Subject DN.
    pub subject: String,
    /// notBefore.
    pub not_before: SystemTime,
    /// notAfter.
    pub not_after: SystemTime,
    /// basicConstraints cA = TRUE.
    pub ca: bool,
    /// Further extensions.
    pub extensions: Vec<Extension>,
}

/// Issues a certificate for `subject_key` signed by `issuer_key`.
pub fn issue(
    spec: &CertSpec,
    subject_key: &SubjectPublicKeyInfoOwned,
    issuer_key: &Key,
) -> Certificate {
    let mut extensions = Vec::new();
    if spec.ca {
        extensions.push(Extension {
            extn_id: rfc5280::ID_CE_BASIC_CONSTRAINTS,
            critical: true,
            extn_value: OctetString::new(
                BasicConstraints {
                    ca: true,
                    path_len_constraint: None,
                }
                .to_der()
                .expect("bc"),
            )
            .expect("octets"),
        });
    }
    extensions.extend(spec.extensions.iter().cloned());
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::from(spec.serial),
        signature: issuer_key.algorithm(),
        issuer: Name::from_str(&spec.issuer).expect("issuer"),
        validity: Validity {
            not_before: Time::try_from(spec.not_before).expect("time"),
            not_after: Time::try_from(spec.not_after).expect("time"),
        },
        subject: Name::from_str(&spec.subject).expect("subject"),
        subject_public_key_info: subject_key.clone(),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: (!extensions.is_empty()).then_some(extensions),
    };
    let sig = issuer_key.sign(&tbs.to_der().expect("tbs"));
    Certificate {
        tbs_certificate: tbs,
        signature_algorithm: issuer_key.algorithm(),
        signature: BitString::from_bytes(&sig).expect("bits"),
    }
}

/// An extension carrying `value` (already DER) under `oid`.
pub fn extension(oid: const_oid::ObjectIdentifier, value: Vec<u8>) -> Extension {
    Extension {
        extn_id: oid,
        critical: false,
        extn_value: OctetString::new(value).expect("octets"),
    }
}

/// DER of an AttestationApplicationId.
pub fn app_id(packages: &[&str], digests: &[[u8; 32]]) -> Vec<u8> {
    let infos: Vec<AttestationPackageInfo> = packages
        .iter()
        .map(|p| AttestationPackageInfo {
            package_name: OctetString::new(p.as_bytes()).expect("octets"),
            version: 7,
        })
        .collect();
    let digests: Vec<OctetString> = digests
        .iter()
        .map(|d| OctetString::new(d.to_vec()).expect("octets"))
        .collect();
    AttestationApplicationId {
        package_infos: SetOfVec::try_from(infos).expect("set"),
        signature_digests: SetOfVec::try_from(digests).expect("set"),
    }
    .to_der()
    .expect("app id")
}

/// The record our app's keys carry: every rule holds.
pub fn good_record() -> KeyDescription {
    KeyDescription {
        attestation_version: 300,
        attestation_security_level: AsnSecurityLevel::TrustedEnvironment,
        keymint_version: 300,
        keymint_security_level: AsnSecurityLevel::TrustedEnvironment,
        attestation_challenge: OctetString::new(NONCE).expect("octets"),
        unique_id: OctetString::new(Vec::new()).expect("octets"),
        software_enforced: AuthorizationList {
            creation_date_time: Some(1_794_999_000_000),
            attestation_application_id: Some(app_id(&[PACKAGE], &[SIGNING_DIGEST])),
            ..Default::default()
        },
        hardware_enforced: AuthorizationList {
            purpose: Some(vec![value::PURPOSE_SIGN]),
            algorithm: Some(value::ALGORITHM_EC),
            key_size: Some(256),
            digest: Some(vec![value::DIGEST_SHA_2_256]),
            ec_curve: Some(value::EC_CURVE_P_256),
            user_auth_type: Some(value::AUTH_FINGERPRINT),
            origin: Some(value::ORIGIN_GENERATED),
            root_of_trust: Some(RootOfTrust {
                verified_boot_key: OctetString::new([0x11; 32].to_vec()).expect("octets"),
                device_locked: LenientBool(true),
                verified_boot_state: VerifiedBootState::Verified,
                verified_boot_hash: Some(OctetString::new([0x22; 32].to_vec()).expect("octets")),
            }),
            os_version: Some(150_000),
            os_patch_level: Some(202_610),
            vendor_patch_level: Some(20_261_005),
            boot_patch_level: Some(20_261_005),
            // An unmodelled tag ([724] moduleHash) travels along untouched.
            other: vec![(
                724,
                OctetString::new([0x33; 32].to_vec())
                    .expect("o")
                    .to_der()
                    .expect("d"),
            )],
            ..Default::default()
        },
    }
}

/// The knobs of a test chain: root → intermediate → leaf (the attested key).
/// `ChainSpec::default()` passes every rule; each test turns one knob.
pub struct ChainSpec {
    /// The leaf's record (`None`: no KeyDescription extension).
    pub record: Option<KeyDescription>,
    /// Raw extension value instead of the record (malformed records).
    pub raw_record: Option<Vec<u8>>,
    /// A record on the intermediate too.
    pub intermediate_record: bool,
    /// The attested key.
    pub leaf_key: Key,
    /// Leaf validity.
    pub leaf_validity: (SystemTime, SystemTime),
    /// Intermediate validity.
    pub intermediate_validity: (SystemTime, SystemTime),
    /// Root validity.
    pub root_validity: (SystemTime, SystemTime),
    /// Whether the intermediate is a CA.
    pub intermediate_ca: bool,
    /// Intermediate serial.
    pub intermediate_serial: u64,
    /// Sign the chain with a root the verifier does not trust.
    pub untrusted_root: bool,
    /// Flip a byte of the leaf's signature.
    pub tamper_leaf_signature: bool,
    /// The root key (P-256 unless a test wants RSA).
    pub root_key: Key,
    /// The issuer name written in the leaf (default: the intermediate's subject).
    pub leaf_issuer: Option<String>,
}

impl Default for ChainSpec {
    fn default() -> Self {
        ChainSpec {
            record: Some(good_record()),
            raw_record: None,
            intermediate_record: false,
            leaf_key: Key::p256(3),
            leaf_validity: (UNIX_EPOCH, days(3650)),
            intermediate_validity: (days(-365), days(3650)),
            root_validity: (days(-3650), days(7300)),
            intermediate_ca: true,
            intermediate_serial: 0x0102_0304_0506_0708,
            untrusted_root: false,
            tamper_leaf_signature: false,
            root_key: Key::p256(1),
            leaf_issuer: None,
        }
    }
}

/// The trusted test root and what it takes to verify against it.
pub struct TestPki {
    /// The root certificate.
    pub root: Certificate,
    /// The chain, leaf first, DER.
    pub chain: Vec<Vec<u8>>,
    /// The attested key's SPKI (what the CSR carries).
    pub leaf_spki: Vec<u8>,
}

impl ChainSpec {
    /// Builds root, intermediate and leaf.
    pub fn build(&self) -> TestPki {
        let root_key = if self.untrusted_root {
            Key::p256(9)
        } else {
            clone_key(&self.root_key)
        };
        let int_key = Key::p256(2);
        let root_name = "CN=Kyso Test Attestation Root,O=Kyso Test";
        let int_name = "CN=Kyso Test Attestation Intermediate,O=Kyso Test";
        let root = issue(
            &CertSpec {
                serial: 1,
                issuer: root_name.into(),
                subject: root_name.into(),
                not_before: self.root_validity.0,
                not_after: self.root_validity.1,
                ca: true,
                extensions: vec![],
            },
            &root_key.spki(),
            &root_key,
        );
        let mut int_ext = vec![];
        if self.intermediate_record {
            int_ext.push(extension(
                KEY_DESCRIPTION_OID,
                good_record().to_der().expect("record"),
            ));
        }
        let int = issue(
            &CertSpec {
                serial: self.intermediate_serial,
                issuer: root_name.into(),
                subject: int_name.into(),
                not_before: self.intermediate_validity.0,
                not_after: self.intermediate_validity.1,
                ca: self.intermediate_ca,
                extensions: int_ext,
            },
            &int_key.spki(),
            &root_key,
        );
        let mut leaf_ext = vec![];
        if let Some(raw) = &self.raw_record {
            leaf_ext.push(extension(KEY_DESCRIPTION_OID, raw.clone()));
        } else if let Some(r) = &self.record {
            leaf_ext.push(extension(KEY_DESCRIPTION_OID, r.to_der().expect("record")));
        }
        let mut leaf = issue(
            &CertSpec {
                serial: 1,
                issuer: self.leaf_issuer.clone().unwrap_or_else(|| int_name.into()),
                subject: "CN=Android Keystore Key".into(),
                not_before: self.leaf_validity.0,
                not_after: self.leaf_validity.1,
                ca: false,
                extensions: leaf_ext,
            },
            &self.leaf_key.spki(),
            &int_key,
        );
        if self.tamper_leaf_signature {
            let mut sig = leaf.signature.raw_bytes().to_vec();
            let last = sig.len() - 2;
            sig[last] ^= 0x01;
            leaf.signature = BitString::from_bytes(&sig).expect("bits");
        }
        TestPki {
            chain: vec![
                leaf.to_der().expect("der"),
                int.to_der().expect("der"),
                root.to_der().expect("der"),
            ],
            root,
            leaf_spki: self.leaf_key.spki_der(),
        }
    }
}

fn clone_key(k: &Key) -> Key {
    match k {
        Key::P256(k) => Key::P256(k.clone()),
        Key::P384(k) => Key::P384(k.clone()),
        Key::Rsa(k) => Key::Rsa(k.clone()),
    }
}

/// The trusted roots of the tests: the default spec's root.
pub fn test_anchors() -> TrustAnchors {
    let pki = ChainSpec::default().build();
    let mut a = TrustAnchors::default();
    a.push(TrustAnchor::new("Kyso test root", pki.root).expect("anchor"));
    a
}

/// The verifier the tests use: the test root, the given list, the default policy.
pub fn verifier(revocation: RevocationList) -> AndroidVerifier {
    let mut v = AndroidVerifier::new(AndroidPolicy::new(PACKAGE, SIGNING_DIGEST), revocation);
    v.anchors = test_anchors();
    v
}

/// Builds the chain of `spec` and verifies it with the default verifier.
pub fn verify_spec(
    spec: &ChainSpec,
) -> Result<kyso_attest::AndroidAttestation, kyso_attest::AndroidError> {
    let pki = spec.build();
    verifier(RevocationList::empty()).verify(
        &pki.chain,
        &Expected {
            challenge: NONCE,
            public_key: &pki.leaf_spki,
        },
        now(),
    )
}

/// The default chain with the record changed by `f`.
pub fn verify_record(
    f: impl FnOnce(&mut KeyDescription),
) -> Result<kyso_attest::AndroidAttestation, kyso_attest::AndroidError> {
    let mut record = good_record();
    f(&mut record);
    verify_spec(&ChainSpec {
        record: Some(record),
        ..Default::default()
    })
}

// ---- App Attest ----

/// The App ID of the tests.
pub const APP_ID: &str = "ABCDE12345.vn.gov.kyso";

/// The test App Attest PKI: a P-384 root, a P-384 intermediate, and the
/// credential certificate of the App Attest key `key`.
pub struct AppAttestPki {
    /// The root (trusted by the tests).
    pub anchors: TrustAnchors,
    /// The App Attest key.
    pub key: Key,
    /// Key id: SHA-256 of the uncompressed point.
    pub key_id: [u8; 32],
}

/// Knobs of a test attestation object.
pub struct AttestationSpec {
    /// The fmt field.
    pub fmt: String,
    /// App ID hashed into the RP ID.
    pub app_id: String,
    /// Counter.
    pub counter: u32,
    /// AAGUID.
    pub aaguid: [u8; 16],
    /// Credential id (default: the key id).
    pub credential_id: Option<Vec<u8>>,
    /// clientDataHash the nonce is computed with.
    pub client_data_hash: [u8; 32],
    /// Put a wrong nonce in the certificate.
    pub wrong_nonce: bool,
    /// Certify another key than the App Attest key.
    pub other_key: bool,
    /// Sign the chain with an untrusted root.
    pub untrusted_root: bool,
    /// Credential certificate validity.
    pub leaf_validity: (SystemTime, SystemTime),
}

impl Default for AttestationSpec {
    fn default() -> Self {
        AttestationSpec {
            fmt: "apple-appattest".into(),
            app_id: APP_ID.into(),
            counter: 0,
            aaguid: *b"appattest\0\0\0\0\0\0\0",
            credential_id: None,
            client_data_hash: client_data_hash(),
            wrong_nonce: false,
            other_key: false,
            untrusted_root: false,
            leaf_validity: (days(-1), days(30)),
        }
    }
}

/// The new signing key of the iOS test enrollment, SPKI DER.
pub fn ios_signing_key() -> Vec<u8> {
    Key::p256(7).spki_der()
}

/// The clientDataHash of the test enrollment.
pub fn client_data_hash() -> [u8; 32] {
    kyso_attest::apple::enrollment_client_data_hash(NONCE, &ios_signing_key())
}

/// The App Attest key and its trusted root.
pub fn app_attest_pki() -> AppAttestPki {
    let key = Key::p256(5);
    let key_id: [u8; 32] = Sha256::digest(key.sec1()).into();
    let root = apple_root(false);
    let mut anchors = TrustAnchors::default();
    anchors.push(TrustAnchor::new("Apple test root", root.0).expect("anchor"));
    AppAttestPki {
        anchors,
        key,
        key_id,
    }
}

fn apple_root(untrusted: bool) -> (Certificate, Key) {
    let key = Key::p384(if untrusted { 0x44 } else { 0x41 });
    let name = "CN=Test App Attestation Root CA,O=Kyso Test";
    let cert = issue(
        &CertSpec {
            serial: 10,
            issuer: name.into(),
            subject: name.into(),
            not_before: days(-3650),
            not_after: days(3650),
            ca: true,
            extensions: vec![],
        },
        &key.spki(),
        &key,
    );
    (cert, key)
}

/// Authenticator data.
pub fn auth_data(app_id: &str, counter: u32, attested: Option<([u8; 16], &[u8])>) -> Vec<u8> {
    let mut out = Sha256::digest(app_id.as_bytes()).to_vec();
    out.push(if attested.is_some() { 0x40 } else { 0x00 });
    out.extend_from_slice(&counter.to_be_bytes());
    if let Some((aaguid, cred)) = attested {
        out.extend_from_slice(&aaguid);
        out.extend_from_slice(&(cred.len() as u16).to_be_bytes());
        out.extend_from_slice(cred);
        out.extend_from_slice(&[0xA0]); // an (empty) COSE key map
    }
    out
}

/// Builds an attestation object for `pki`'s key.
pub fn attestation(pki: &AppAttestPki, spec: &AttestationSpec) -> Vec<u8> {
    let (root, root_key) = apple_root(spec.untrusted_root);
    let int_key = Key::p384(0x42);
    let int_name = "CN=Test App Attestation CA 1,O=Kyso Test";
    let root_name = root.tbs_certificate.subject.to_string();
    let int = issue(
        &CertSpec {
            serial: 11,
            issuer: root_name,
            subject: int_name.into(),
            not_before: days(-365),
            not_after: days(3000),
            ca: true,
            extensions: vec![],
        },
        &int_key.spki(),
        &root_key,
    );
    let cred_id = spec
        .credential_id
        .clone()
        .unwrap_or_else(|| pki.key_id.to_vec());
    let auth = auth_data(&spec.app_id, spec.counter, Some((spec.aaguid, &cred_id)));
    let mut nonce: [u8; 32] = Sha256::new()
        .chain_update(&auth)
        .chain_update(spec.client_data_hash)
        .finalize()
        .into();
    if spec.wrong_nonce {
        nonce[0] ^= 1;
    }
    // SEQUENCE { [1] EXPLICIT OCTET STRING nonce }
    let mut ext = vec![0x30, 0x24, 0xA1, 0x22, 0x04, 0x20];
    ext.extend_from_slice(&nonce);
    let subject_key = if spec.other_key {
        Key::p256(6)
    } else {
        clone_key(&pki.key)
    };
    let cred = issue(
        &CertSpec {
            serial: 12,
            issuer: int_name.into(),
            subject: "CN=credential,O=Kyso Test".into(),
            not_before: spec.leaf_validity.0,
            not_after: spec.leaf_validity.1,
            ca: false,
            extensions: vec![extension(kyso_attest::apple::NONCE_EXTENSION_OID, ext)],
        },
        &subject_key.spki(),
        &int_key,
    );
    let obj = Value::Map(vec![
        (Value::Text("fmt".into()), Value::Text(spec.fmt.clone())),
        (
            Value::Text("attStmt".into()),
            Value::Map(vec![
                (
                    Value::Text("x5c".into()),
                    Value::Array(vec![
                        Value::Bytes(cred.to_der().expect("der")),
                        Value::Bytes(int.to_der().expect("der")),
                    ]),
                ),
                (
                    Value::Text("receipt".into()),
                    Value::Bytes(b"receipt".to_vec()),
                ),
            ]),
        ),
        (Value::Text("authData".into()), Value::Bytes(auth)),
    ]);
    let mut out = Vec::new();
    ciborium::ser::into_writer(&obj, &mut out).expect("cbor");
    out
}

/// An assertion by `key` over `client_data_hash`.
pub fn assertion(key: &Key, app_id: &str, counter: u32, client_data_hash: &[u8; 32]) -> Vec<u8> {
    let auth = auth_data(app_id, counter, None);
    let nonce = Sha256::new()
        .chain_update(&auth)
        .chain_update(client_data_hash)
        .finalize();
    let sig = key.sign(&nonce);
    let obj = Value::Map(vec![
        (Value::Text("signature".into()), Value::Bytes(sig)),
        (Value::Text("authenticatorData".into()), Value::Bytes(auth)),
    ]);
    let mut out = Vec::new();
    ciborium::ser::into_writer(&obj, &mut out).expect("cbor");
    out
}
