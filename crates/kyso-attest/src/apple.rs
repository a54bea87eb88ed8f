//! iOS App Attest, per Apple's "Validating apps that connect to your server".
//!
//! * [`verify_attestation`]: the attestation object made once per App
//!   Attest key (`DCAppAttestService.attestKey`): `fmt` is
//!   `apple-appattest`; the `x5c` chain (credential certificate first) links
//!   to Apple's App Attestation Root CA; the credential certificate's
//!   extension 1.2.840.113635.100.8.2 holds SHA-256(authData ‖
//!   clientDataHash); SHA-256 of its public key (the uncompressed P-256
//!   point) is the key id; the RP ID hash is SHA-256(App ID); the counter is
//!   0; the AAGUID names the environment; the credential id is the key id.
//!   The receipt is returned, not checked (that is a call to Apple).
//! * [`verify_assertion`]: each later assertion
//!   (`DCAppAttestService.generateAssertion`): a CBOR map
//!   `{signature, authenticatorData}`; the signature is ECDSA P-256 with
//!   SHA-256 over nonce = SHA-256(authenticatorData ‖ clientDataHash), made
//!   with the attested key; the RP ID hash is SHA-256(App ID); the counter
//!   is greater than the last one the gateway stored.
//!
//! At enrollment (DESIGN.md §4.1) the keystore plugin returns, with the new
//! signing key, the attestation of a fresh App Attest key and an assertion,
//! both over clientDataHash = [`enrollment_client_data_hash`]`(nonce,
//! signing key SPKI DER)`: [`verify_enrollment`] checks both, binding the
//! signing key to the gateway's nonce and to a genuine instance of the app.
//! This proves the app's identity, not where the signing key lives: the
//! Secure Enclave level rests on the app's code.

use std::time::{Duration, SystemTime};

use ciborium::Value;
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Sequence};
use sha2::{Digest, Sha256};
use signature::Verifier;

use crate::roots::TrustAnchors;
use crate::x509;

/// OID of the credential certificate's nonce extension.
pub const NONCE_EXTENSION_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113635.100.8.2");

/// The App Attest environment, named by the attestation's AAGUID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// App Store and TestFlight builds: `appattest` and seven zero bytes.
    Production,
    /// Development builds: `appattestdevelop`.
    Development,
}

impl Environment {
    /// The AAGUID of the environment.
    pub fn aaguid(self) -> [u8; 16] {
        match self {
            Environment::Production => *b"appattest\0\0\0\0\0\0\0",
            Environment::Development => *b"appattestdevelop",
        }
    }
}

/// What the gateway expects of iOS devices.
#[derive(Clone, Debug)]
pub struct AppAttestConfig {
    /// The App ID: `TEAMID.bundle.identifier`.
    pub app_id: String,
    /// The accepted environment (production in deployments).
    pub environment: Environment,
}

/// Why an attestation or assertion was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppAttestError {
    /// The CBOR object or a field of it is not what App Attest produces.
    Malformed {
        /// Which part.
        what: &'static str,
    },
    /// The stored App Attest public key cannot be read.
    BadPublicKey,
    /// The assertion's signature does not verify with the attested key.
    BadSignature,
    /// The RP ID hash is not SHA-256 of the configured App ID.
    RpIdMismatch,
    /// The assertion counter did not increase (a replay).
    CounterNotIncreased {
        /// The last counter stored.
        previous: u32,
        /// The counter received.
        found: u32,
    },
    /// The attestation format is not `apple-appattest`.
    FormatNotAppleAppAttest,
    /// x5c certificate `index` does not decode or is not signed by the next
    /// one (a CA).
    ChainBroken {
        /// Position in x5c.
        index: usize,
    },
    /// The chain does not end at Apple's App Attestation root.
    UntrustedRoot,
    /// x5c certificate `index` (or the root, index = x5c length) is expired
    /// or not yet valid.
    CertificateNotValidNow {
        /// Position in x5c.
        index: usize,
    },
    /// The credential certificate's nonce is not SHA-256(authData ‖ clientDataHash).
    NonceMismatch,
    /// SHA-256 of the credential certificate's key is not the key id.
    KeyIdMismatch,
    /// The attestation counter is not 0.
    CounterNotZero {
        /// The counter received.
        found: u32,
    },
    /// The AAGUID is not the configured environment's.
    AaguidMismatch,
    /// The credential id is not the key id.
    CredentialIdMismatch,
}

impl AppAttestError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            AppAttestError::Malformed { .. } => "malformed",
            AppAttestError::BadPublicKey => "bad_public_key",
            AppAttestError::BadSignature => "bad_signature",
            AppAttestError::RpIdMismatch => "rp_id_mismatch",
            AppAttestError::CounterNotIncreased { .. } => "counter_not_increased",
            AppAttestError::FormatNotAppleAppAttest => "format_not_apple_appattest",
            AppAttestError::ChainBroken { .. } => "chain_broken",
            AppAttestError::UntrustedRoot => "untrusted_root",
            AppAttestError::CertificateNotValidNow { .. } => "certificate_not_valid_now",
            AppAttestError::NonceMismatch => "nonce_mismatch",
            AppAttestError::KeyIdMismatch => "key_id_mismatch",
            AppAttestError::CounterNotZero { .. } => "counter_not_zero",
            AppAttestError::AaguidMismatch => "aaguid_mismatch",
            AppAttestError::CredentialIdMismatch => "credential_id_mismatch",
        }
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        match self {
            AppAttestError::Malformed { what } => format!("the App Attest {what} cannot be read"),
            AppAttestError::BadPublicKey => "the stored App Attest key cannot be read".into(),
            AppAttestError::BadSignature => {
                "the App Attest assertion signature does not verify".into()
            }
            AppAttestError::RpIdMismatch => "the App Attest object was made for another app".into(),
            AppAttestError::CounterNotIncreased { previous, found } => format!(
                "the App Attest counter did not increase ({found} after {previous}): a replayed assertion"
            ),
            AppAttestError::FormatNotAppleAppAttest => {
                "the attestation is not an Apple App Attest attestation".into()
            }
            AppAttestError::ChainBroken { index } => format!(
                "App Attest certificate {index} cannot be read or is not signed by the next one"
            ),
            AppAttestError::UntrustedRoot => {
                "the App Attest chain does not end at Apple's App Attestation root".into()
            }
            AppAttestError::CertificateNotValidNow { index } => {
                format!("App Attest certificate {index} is expired or not yet valid")
            }
            AppAttestError::NonceMismatch => {
                "the App Attest nonce does not match this enrollment".into()
            }
            AppAttestError::KeyIdMismatch => {
                "the App Attest certificate is not for the key id sent".into()
            }
            AppAttestError::CounterNotZero { found } => {
                format!("a fresh App Attest key must have counter 0, not {found}")
            }
            AppAttestError::AaguidMismatch => {
                "the App Attest environment (development/production) is not the configured one"
                    .into()
            }
            AppAttestError::CredentialIdMismatch => {
                "the App Attest credential id is not the key id".into()
            }
        }
    }

    /// The message in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            AppAttestError::Malformed { what } => {
                format!("Không đọc được dữ liệu App Attest ({what}).")
            }
            AppAttestError::BadPublicKey => "Không đọc được khóa App Attest đã lưu.".into(),
            AppAttestError::BadSignature => "Chữ ký xác nhận App Attest không hợp lệ.".into(),
            AppAttestError::RpIdMismatch => "Dữ liệu App Attest được tạo cho ứng dụng khác.".into(),
            AppAttestError::CounterNotIncreased { previous, found } => format!(
                "Bộ đếm App Attest không tăng ({found} sau {previous}): xác nhận bị phát lại."
            ),
            AppAttestError::FormatNotAppleAppAttest => {
                "Dữ liệu chứng thực không phải định dạng Apple App Attest.".into()
            }
            AppAttestError::ChainBroken { index } => format!(
                "Chứng thư App Attest số {index} không đọc được hoặc không được ký bởi chứng thư kế tiếp."
            ),
            AppAttestError::UntrustedRoot => {
                "Chuỗi App Attest không kết thúc ở chứng thư gốc App Attestation của Apple.".into()
            }
            AppAttestError::CertificateNotValidNow { index } => {
                format!("Chứng thư App Attest số {index} đã hết hạn hoặc chưa có hiệu lực.")
            }
            AppAttestError::NonceMismatch => {
                "Mã nonce App Attest không khớp với lần đăng ký này.".into()
            }
            AppAttestError::KeyIdMismatch => {
                "Chứng thư App Attest không thuộc mã định danh khóa đã gửi.".into()
            }
            AppAttestError::CounterNotZero { found } => {
                format!("Khóa App Attest mới phải có bộ đếm bằng 0, không phải {found}.")
            }
            AppAttestError::AaguidMismatch => {
                "Môi trường App Attest (phát triển/chính thức) không đúng cấu hình.".into()
            }
            AppAttestError::CredentialIdMismatch => {
                "Mã định danh thông tin xác thực App Attest không khớp mã định danh khóa.".into()
            }
        }
    }
}

impl std::fmt::Display for AppAttestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for AppAttestError {}

/// The clientDataHash of the enrollment: SHA-256(nonce ‖ public key), with
/// the nonce's raw bytes (the base64-decoded enrollment nonce, as the
/// keystore plugin's `attestationChallenge`) and the new signing key's
/// SubjectPublicKeyInfo DER (the plugin's `publicKey`).
pub fn enrollment_client_data_hash(nonce: &[u8], public_key: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(nonce);
    h.update(public_key);
    h.finalize().into()
}

/// A checked assertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssertionFacts {
    /// The new counter, to store for the next assertion.
    pub counter: u32,
}

/// A checked attestation: what to store for later assertions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestedKey {
    /// The App Attest public key, uncompressed SEC1 point (65 bytes).
    pub public_key: Vec<u8>,
    /// The receipt (for Apple's fraud-metric service; not checked here).
    pub receipt: Vec<u8>,
    /// The root the chain ends at.
    pub root: String,
}

/// The fixed part of authenticator data.
struct AuthData<'a> {
    rp_id_hash: &'a [u8],
    counter: u32,
    aaguid: Option<&'a [u8]>,
    credential_id: Option<&'a [u8]>,
}

fn parse_auth_data(bytes: &[u8], attested: bool) -> Result<AuthData<'_>, AppAttestError> {
    let bad = AppAttestError::Malformed {
        what: "authenticator data",
    };
    if bytes.len() < 37 {
        return Err(bad);
    }
    let counter = u32::from_be_bytes([bytes[33], bytes[34], bytes[35], bytes[36]]);
    let (mut aaguid, mut credential_id) = (None, None);
    if attested {
        if bytes.len() < 55 {
            return Err(bad);
        }
        aaguid = Some(&bytes[37..53]);
        let len = usize::from(u16::from_be_bytes([bytes[53], bytes[54]]));
        credential_id = Some(bytes.get(55..55 + len).ok_or(bad)?);
    }
    Ok(AuthData {
        rp_id_hash: &bytes[..32],
        counter,
        aaguid,
        credential_id,
    })
}

/// Decodes exactly one CBOR item.
fn cbor(bytes: &[u8], what: &'static str) -> Result<Value, AppAttestError> {
    let mut rest = bytes;
    let v: Value =
        ciborium::de::from_reader(&mut rest).map_err(|_| AppAttestError::Malformed { what })?;
    if !rest.is_empty() {
        return Err(AppAttestError::Malformed { what });
    }
    Ok(v)
}

fn field<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| matches!(k, Value::Text(t) if t == key))
        .map(|(_, v)| v)
}

fn bytes_field<'a>(
    map: &'a [(Value, Value)],
    key: &str,
    what: &'static str,
) -> Result<&'a [u8], AppAttestError> {
    match field(map, key) {
        Some(Value::Bytes(b)) => Ok(b),
        _ => Err(AppAttestError::Malformed { what }),
    }
}

fn p256_key(public_key: &[u8]) -> Result<p256::ecdsa::VerifyingKey, AppAttestError> {
    use p256::pkcs8::DecodePublicKey;
    p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key)
        .or_else(|_| p256::ecdsa::VerifyingKey::from_public_key_der(public_key))
        .map_err(|_| AppAttestError::BadPublicKey)
}

/// Verifies an assertion (CBOR) made with the attested key `public_key`
/// (SEC1 point or SubjectPublicKeyInfo DER) over `client_data_hash`, for
/// the App ID `app_id`, after the stored counter `previous_counter`.
pub fn verify_assertion(
    assertion: &[u8],
    client_data_hash: &[u8; 32],
    public_key: &[u8],
    app_id: &str,
    previous_counter: u32,
) -> Result<AssertionFacts, AppAttestError> {
    let Value::Map(map) = cbor(assertion, "assertion")? else {
        return Err(AppAttestError::Malformed { what: "assertion" });
    };
    let sig = bytes_field(&map, "signature", "assertion signature")?;
    let auth = bytes_field(&map, "authenticatorData", "authenticator data")?;
    let data = parse_auth_data(auth, false)?;
    let key = p256_key(public_key)?;
    let nonce = Sha256::new()
        .chain_update(auth)
        .chain_update(client_data_hash)
        .finalize();
    let sig = p256::ecdsa::Signature::from_der(sig).map_err(|_| AppAttestError::BadSignature)?;
    key.verify(&nonce, &sig)
        .map_err(|_| AppAttestError::BadSignature)?;
    if data.rp_id_hash != &x509::sha256(app_id.as_bytes())[..] {
        return Err(AppAttestError::RpIdMismatch);
    }
    if data.counter <= previous_counter {
        return Err(AppAttestError::CounterNotIncreased {
            previous: previous_counter,
            found: data.counter,
        });
    }
    Ok(AssertionFacts {
        counter: data.counter,
    })
}

/// The credential certificate's nonce extension: `SEQUENCE { [1] EXPLICIT OCTET STRING }`.
#[derive(Sequence)]
struct NonceExtension {
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    nonce: OctetString,
}

/// Verifies an attestation object (CBOR) for the key id `key_id` (the raw
/// 32 bytes, base64-decoded) over `client_data_hash`.
pub fn verify_attestation(
    attestation: &[u8],
    key_id: &[u8],
    client_data_hash: &[u8; 32],
    config: &AppAttestConfig,
    anchors: &TrustAnchors,
    now: SystemTime,
) -> Result<AttestedKey, AppAttestError> {
    let Value::Map(map) = cbor(attestation, "attestation object")? else {
        return Err(AppAttestError::Malformed {
            what: "attestation object",
        });
    };
    match field(&map, "fmt") {
        Some(Value::Text(f)) if f == "apple-appattest" => {}
        Some(Value::Text(_)) => return Err(AppAttestError::FormatNotAppleAppAttest),
        _ => {
            return Err(AppAttestError::Malformed {
                what: "attestation format",
            });
        }
    }
    let Some(Value::Map(stmt)) = field(&map, "attStmt") else {
        return Err(AppAttestError::Malformed {
            what: "attestation statement",
        });
    };
    let auth = bytes_field(&map, "authData", "authenticator data")?;
    let receipt = bytes_field(stmt, "receipt", "receipt")?;
    let Some(Value::Array(x5c)) = field(stmt, "x5c") else {
        return Err(AppAttestError::Malformed {
            what: "certificate chain",
        });
    };
    let mut ders = Vec::with_capacity(x5c.len());
    for v in x5c {
        match v {
            Value::Bytes(b) => ders.push(b.as_slice()),
            _ => {
                return Err(AppAttestError::Malformed {
                    what: "certificate chain",
                });
            }
        }
    }
    if ders.is_empty() {
        return Err(AppAttestError::Malformed {
            what: "certificate chain",
        });
    }
    let certs = x509::decode_chain(&ders).map_err(|index| AppAttestError::ChainBroken { index })?;
    for (index, pair) in certs.windows(2).enumerate() {
        if !x509::is_ca(&pair[1])
            || !x509::signed_by(&pair[0], &pair[1].tbs_certificate.subject_public_key_info)
        {
            return Err(AppAttestError::ChainBroken { index });
        }
    }
    let last = &certs[certs.len() - 1];
    let anchored = anchors
        .anchor_for(last)
        .ok_or(AppAttestError::UntrustedRoot)?;
    for (index, cert) in certs.iter().enumerate() {
        if anchored.last_is_root && index + 1 == certs.len() {
            continue;
        }
        if !x509::valid_at(cert, now, Duration::ZERO) {
            return Err(AppAttestError::CertificateNotValidNow { index });
        }
    }
    if !anchored.valid_at(now) {
        return Err(AppAttestError::CertificateNotValidNow { index: certs.len() });
    }

    let cred = &certs[0];
    let nonce: [u8; 32] = Sha256::new()
        .chain_update(auth)
        .chain_update(client_data_hash)
        .finalize()
        .into();
    let ext = match x509::extension_value(cred, NONCE_EXTENSION_OID) {
        Ok(Some(v)) => NonceExtension::from_der(v).map_err(|_| AppAttestError::NonceMismatch)?,
        _ => return Err(AppAttestError::NonceMismatch),
    };
    if ext.nonce.as_bytes() != nonce {
        return Err(AppAttestError::NonceMismatch);
    }
    let point = cred
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    p256_key(point).map_err(|_| AppAttestError::KeyIdMismatch)?;
    if x509::sha256(point)[..] != *key_id {
        return Err(AppAttestError::KeyIdMismatch);
    }
    let data = parse_auth_data(auth, true)?;
    if data.rp_id_hash != &x509::sha256(config.app_id.as_bytes())[..] {
        return Err(AppAttestError::RpIdMismatch);
    }
    if data.counter != 0 {
        return Err(AppAttestError::CounterNotZero {
            found: data.counter,
        });
    }
    if data.aaguid != Some(&config.environment.aaguid()[..]) {
        return Err(AppAttestError::AaguidMismatch);
    }
    if data.credential_id != Some(key_id) {
        return Err(AppAttestError::CredentialIdMismatch);
    }
    Ok(AttestedKey {
        public_key: point.to_vec(),
        receipt: receipt.to_vec(),
        root: anchored.name(now),
    })
}

/// The iOS enrollment evidence (the keystore plugin's `appAttest`).
#[derive(Clone, Copy, Debug)]
pub struct Enrollment<'a> {
    /// The App Attest key id, base64-decoded (32 bytes).
    pub key_id: &'a [u8],
    /// The CBOR attestation object.
    pub attestation: &'a [u8],
    /// The CBOR assertion.
    pub assertion: &'a [u8],
}

/// A verified iOS enrollment: what to store for later assertions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrolledAppAttest {
    /// The attested App Attest key.
    pub key: AttestedKey,
    /// The assertion counter to store.
    pub counter: u32,
}

/// Verifies an iOS enrollment: the attestation and the assertion, both over
/// [`enrollment_client_data_hash`]`(nonce, signing_key_spki)`.
pub fn verify_enrollment(
    evidence: &Enrollment<'_>,
    nonce: &[u8],
    signing_key_spki: &[u8],
    config: &AppAttestConfig,
    anchors: &TrustAnchors,
    now: SystemTime,
) -> Result<EnrolledAppAttest, AppAttestError> {
    let cdh = enrollment_client_data_hash(nonce, signing_key_spki);
    let key = verify_attestation(
        evidence.attestation,
        evidence.key_id,
        &cdh,
        config,
        anchors,
        now,
    )?;
    let facts = verify_assertion(evidence.assertion, &cdh, &key.public_key, &config.app_id, 0)?;
    Ok(EnrolledAppAttest {
        key,
        counter: facts.counter,
    })
}
