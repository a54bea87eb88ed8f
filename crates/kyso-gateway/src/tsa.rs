//! The gateway's timestamp authority (RFC 3161; DESIGN.md §5, B-T):
//! `POST /api/v1/tsa` takes a DER `TimeStampReq` and answers a DER
//! `TimeStampResp`.
//!
//! * SHA-256 message imprints only; anything else is answered with a
//!   rejection (`PKIStatus` rejection, `failInfo` badAlg), not an HTTP
//!   error, as are a request that is not DER (badDataFormat), another policy
//!   (unacceptedPolicy) and extensions (unacceptedExtension).
//! * The policy OID is configured ([`DEFAULT_POLICY`] otherwise); the
//!   accuracy is stated (one second: the clock is the host's, NTP-disciplined);
//!   the nonce is echoed; the certificate goes into the token when asked
//!   (`certReq`).
//! * Serial numbers come from a counter row in the database, raised in the
//!   transaction that records the token (`tsa_tokens`): unique and
//!   increasing across restarts; a request that fails changes nothing.
//! * The TSA's key is a [`KeySigner`]: a P-256 key in a PKCS#11 token
//!   (`kyso serve --hsm-…`), else a file key created on first start in
//!   `DATA/tsa/` (the demo fallback, which warns). Its certificate
//!   (`DATA/tsa/tsa.pem`) is issued by the device CA with the critical
//!   extended key usage `id-kp-timeStamping`, and issued again when the key
//!   changes.

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use cmpv2::status::{PkiStatus, PkiStatusInfo};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{BitString, GeneralizedTime, Int, OctetString, SetOfVec, Utf8StringRef};
use der::{Any, Decode, DecodePem, Encode, EncodePem, Sequence, Tag, Tagged};
use kyso_hsm::{FileKey, HsmConfig, KeySigner, Token};
use kyso_pdf::cms::{EssCertIdV2, IssuerSerial, SigningCertificateV2};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_tsp::{Accuracy, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use crate::ca::DeviceCa;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The default TSA policy, until a province configures the one its policy
/// authority registered (`kyso serve --tsa-policy OID`). Kyso has no
/// enterprise number of its own: this sits under 1.3.6.1.4.1.0, the
/// reserved number IANA assigns to no one, so it can never be mistaken for
/// another organisation's policy.
pub const DEFAULT_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.0.3161.1");

/// `id-ct-TSTInfo` (RFC 3161 §2.4.2).
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// Largest `TimeStampReq` read: a SHA-256 request is under 100 bytes.
pub const MAX_REQUEST: usize = 8 * 1024;

/// Where the TSA's key lives.
#[derive(Debug, Clone, Default)]
pub enum TsaKey {
    /// A file in `DATA/tsa/` created on first start: the demo fallback.
    #[default]
    File,
    /// A P-256 key pair in a PKCS#11 token, found by label (generated on
    /// the token on first start when it has none).
    Hsm {
        /// Module, token, PIN.
        config: HsmConfig,
        /// The key pair's label.
        label: String,
    },
}

/// How the TSA is set up.
#[derive(Debug, Clone)]
pub struct TsaConfig {
    /// The policy every token is issued under.
    pub policy: ObjectIdentifier,
    /// The key.
    pub key: TsaKey,
}

impl Default for TsaConfig {
    fn default() -> Self {
        Self {
            policy: DEFAULT_POLICY,
            key: TsaKey::File,
        }
    }
}

/// The timestamp authority: its key, certificate and policy.
pub struct Tsa {
    signer: Arc<dyn KeySigner>,
    cert: Certificate,
    cert_pem: String,
    cert_sha256: [u8; 32],
    policy: ObjectIdentifier,
}

impl std::fmt::Debug for Tsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tsa")
            .field("key", &self.signer.describe())
            .field("policy", &self.policy.to_string())
            .finish()
    }
}

fn der_err(e: der::Error) -> String {
    format!("DER: {e}")
}

impl Tsa {
    /// Opens the TSA's key (creating a file key, or a token key, on first
    /// start) and its certificate in `DATA/tsa/` (issued by `ca` when
    /// missing, expiring within [`RENEW_BEFORE`], or for another key).
    pub fn open(
        data_dir: &Path,
        config: &TsaConfig,
        ca: &DeviceCa,
        province: &str,
        now: SystemTime,
    ) -> Result<Self, String> {
        let dir = data_dir.join("tsa");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let signer: Arc<dyn KeySigner> = match &config.key {
            TsaKey::File => Arc::new(
                FileKey::load_or_create(&dir.join("tsa.key"))
                    .map_err(|e| format!("TSA key: {e}"))?,
            ),
            TsaKey::Hsm { config, label } => {
                let token = Token::open(config).map_err(|e| format!("TSA key: {e}"))?;
                Arc::new(
                    token
                        .key_or_generate(label)
                        .map_err(|e| format!("TSA key: {e}"))?,
                )
            }
        };
        let cert_path = dir.join("tsa.pem");
        let kept = std::fs::read_to_string(&cert_path)
            .ok()
            .and_then(|pem| Certificate::from_pem(pem.as_bytes()).ok())
            .filter(|c| usable_for(c, signer.as_ref(), ca, now, RENEW_BEFORE));
        let cert = match kept {
            Some(c) => c,
            None => {
                let c = ca.issue_tsa(signer.public_key(), province, now)?;
                let pem = c
                    .to_pem(der::pem::LineEnding::LF)
                    .map_err(|e| e.to_string())?;
                let tmp = dir.join(format!(
                    ".tsa.pem.{}.{}.tmp",
                    std::process::id(),
                    uuid::Uuid::new_v4().simple()
                ));
                std::fs::write(&tmp, &pem).map_err(|e| e.to_string())?;
                std::fs::rename(&tmp, &cert_path).map_err(|e| e.to_string())?;
                tracing::info!(key = %signer.describe(), "issued the TSA certificate");
                c
            }
        };
        let cert_pem = cert
            .to_pem(der::pem::LineEnding::LF)
            .map_err(|e| e.to_string())?;
        let cert_der = cert.to_der().map_err(der_err)?;
        tracing::info!(key = %signer.describe(), policy = %config.policy, "timestamp authority at /api/v1/tsa");
        Ok(Self {
            signer,
            cert_sha256: Sha256::digest(&cert_der).into(),
            cert,
            cert_pem,
            policy: config.policy,
        })
    }

    /// The TSA certificate.
    pub fn cert(&self) -> &Certificate {
        &self.cert
    }

    /// The TSA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The policy tokens are issued under.
    pub fn policy(&self) -> ObjectIdentifier {
        self.policy
    }

    /// Where the key is (`pkcs11:…` or `file:…`).
    pub fn key(&self) -> String {
        self.signer.describe()
    }

    /// The `TimeStampToken` (DER `ContentInfo`) for an accepted request.
    pub fn token(
        &self,
        req: &TimeStampReq,
        serial: u64,
        gen_time: OffsetDateTime,
    ) -> Result<Vec<u8>, String> {
        let secs = u64::try_from(gen_time.unix_timestamp()).map_err(|e| e.to_string())?;
        let info = TstInfo {
            version: TspVersion::V1,
            policy: self.policy,
            message_imprint: req.message_imprint.clone(),
            serial_number: positive_int(serial)?,
            gen_time: GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))
                .map_err(der_err)?,
            accuracy: Some(Accuracy {
                seconds: Some(1),
                millis: None,
                micros: None,
            }),
            ordering: false,
            nonce: req.nonce.clone(),
            tsa: Some(GeneralName::DirectoryName(
                self.cert.tbs_certificate.subject.clone(),
            )),
            extensions: None,
        };
        let info_der = info.to_der().map_err(der_err)?;
        let ess = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                cert_hash: OctetString::new(self.cert_sha256.to_vec()).map_err(der_err)?,
                issuer_serial: IssuerSerial {
                    issuer: vec![GeneralName::DirectoryName(
                        self.cert.tbs_certificate.issuer.clone(),
                    )],
                    serial_number: self.cert.tbs_certificate.serial_number.clone(),
                },
            }],
        };
        let attrs = SetOfVec::try_from(vec![
            attribute(
                kyso_pdf::cms::CONTENT_TYPE,
                Any::encode_from(&ID_CT_TST_INFO).map_err(der_err)?,
            )?,
            attribute(
                kyso_pdf::cms::MESSAGE_DIGEST,
                Any::encode_from(
                    &OctetString::new(Sha256::digest(&info_der).to_vec()).map_err(der_err)?,
                )
                .map_err(der_err)?,
            )?,
            attribute(
                kyso_pdf::cms::SIGNING_CERTIFICATE_V2,
                Any::encode_from(&ess).map_err(der_err)?,
            )?,
        ])
        .map_err(der_err)?;
        let to_sign: [u8; 32] = Sha256::digest(attrs.to_der().map_err(der_err)?).into();
        let signature = self
            .signer
            .sign_digest(&to_sign)
            .map_err(|e| format!("the TSA key did not sign: {e}"))?;
        let sha256 = AlgorithmIdentifierOwned {
            oid: kyso_pdf::cms::SHA256,
            parameters: None,
        };
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: self.cert.tbs_certificate.issuer.clone(),
                serial_number: self.cert.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: sha256.clone(),
            signed_attrs: Some(attrs),
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: self.signer.algorithm(),
                parameters: None,
            },
            signature: OctetString::new(signature).map_err(der_err)?,
            unsigned_attrs: None,
        };
        let certificates = if req.cert_req {
            Some(
                CertificateSet::try_from(vec![CertificateChoices::Certificate(self.cert.clone())])
                    .map_err(der_err)?,
            )
        } else {
            None
        };
        let mut digest_algorithms = SetOfVec::new();
        digest_algorithms.insert(sha256).map_err(der_err)?;
        let signed_data = SignedData {
            // Version 3: the content is not id-data (RFC 5652 §5.1).
            version: CmsVersion::V3,
            digest_algorithms,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: ID_CT_TST_INFO,
                econtent: Some(Any::new(Tag::OctetString, info_der).map_err(der_err)?),
            },
            certificates,
            crls: None,
            signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(der_err)?,
        };
        ContentInfo {
            content_type: const_oid::db::rfc5911::ID_SIGNED_DATA,
            content: Any::encode_from(&signed_data).map_err(der_err)?,
        }
        .to_der()
        .map_err(der_err)
    }
}

/// Whether a stored certificate of the gateway's own (the TSA's, a seal's)
/// still fits: the same key, issued by this CA (its signature checks), and
/// valid for more than a day.
pub(crate) fn usable(
    cert: &Certificate,
    signer: &dyn KeySigner,
    ca: &DeviceCa,
    now: SystemTime,
) -> bool {
    usable_for(
        cert,
        signer,
        ca,
        now,
        std::time::Duration::from_secs(24 * 3600),
    )
}

/// [`usable`] with at least `left` of validity remaining.
fn usable_for(
    cert: &Certificate,
    signer: &dyn KeySigner,
    ca: &DeviceCa,
    now: SystemTime,
    left: std::time::Duration,
) -> bool {
    &cert.tbs_certificate.subject_public_key_info == signer.public_key()
        && cert.tbs_certificate.issuer == ca.cert().tbs_certificate.subject
        && kyso_pdf::verify::crypto::verify_certificate(cert, ca.cert()).is_ok()
        && cert.tbs_certificate.validity.not_after.to_system_time() > now + left
}

/// The TSA certificate is issued again when it has less than this left (two
/// years of its ten): a document timestamp made under it must be renewed
/// before it expires (`retimestamp`, a year ahead by default), and only a
/// certificate that outlives it can renew it.
pub const RENEW_BEFORE: std::time::Duration = std::time::Duration::from_secs(2 * 365 * 24 * 3600);

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, String> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(der_err)?;
    Ok(Attribute { oid, values })
}

/// A DER INTEGER holding `v` (non-negative, minimal).
fn positive_int(v: u64) -> Result<Int, String> {
    let bytes = v.to_be_bytes();
    let start = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut b = bytes[start..].to_vec();
    if b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    Int::new(&b).map_err(der_err)
}

/// A `PKIFailureInfo` bit (RFC 3161 §2.4.2): the bit's number in the
/// `BIT STRING`. (cmpv2 0.2's `PkiFailureInfoValues` gives these numbers as
/// flag masks, so its `FlagSet` encodes the wrong bits: badAlg as no bit at
/// all. Rejections are encoded here instead.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FailInfo {
    /// `badAlg`: an unrecognised or unsupported algorithm.
    BadAlg = 0,
    /// `badDataFormat`: the data submitted has the wrong format.
    BadDataFormat = 5,
    /// `unacceptedPolicy`: the requested policy is not this TSA's.
    UnacceptedPolicy = 15,
    /// `unacceptedExtension`: the requested extension is not supported.
    UnacceptedExtension = 16,
}

impl FailInfo {
    /// The DER `BIT STRING` with this one bit set (named bits: no trailing zero bits).
    fn bits(self) -> Result<BitString, String> {
        let n = self as usize;
        let mut bytes = vec![0u8; n / 8 + 1];
        bytes[n / 8] = 0x80 >> (n % 8);
        BitString::new((7 - n % 8) as u8, bytes).map_err(der_err)
    }
}

/// Why a request is refused: the `failInfo` bit and a text for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// The `PKIFailureInfo` bit.
    pub fail: FailInfo,
    /// The `statusString`.
    pub text: &'static str,
}

/// Reads and checks a `TimeStampReq` against what this TSA grants.
pub fn check_request(der: &[u8], policy: ObjectIdentifier) -> Result<TimeStampReq, Refusal> {
    let refuse = |fail, text| Refusal { fail, text };
    if der.len() > MAX_REQUEST {
        return Err(refuse(
            FailInfo::BadDataFormat,
            "the request is too large to be a TimeStampReq",
        ));
    }
    let req = TimeStampReq::from_der(der).map_err(|_| {
        refuse(
            FailInfo::BadDataFormat,
            "the request is not a DER TimeStampReq (RFC 3161)",
        )
    })?;
    let alg = &req.message_imprint.hash_algorithm;
    let null_or_absent = alg
        .parameters
        .as_ref()
        .is_none_or(|p| p.tag() == Tag::Null && p.value().is_empty());
    if alg.oid != kyso_pdf::cms::SHA256 || !null_or_absent {
        return Err(refuse(
            FailInfo::BadAlg,
            "only SHA-256 message imprints are timestamped",
        ));
    }
    if req.message_imprint.hashed_message.as_bytes().len() != 32 {
        return Err(refuse(
            FailInfo::BadDataFormat,
            "a SHA-256 message imprint is 32 bytes",
        ));
    }
    if req.req_policy.is_some_and(|p| p != policy) {
        return Err(refuse(
            FailInfo::UnacceptedPolicy,
            "this TSA issues tokens under another policy",
        ));
    }
    if req.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
        return Err(refuse(
            FailInfo::UnacceptedExtension,
            "this TSA accepts no request extensions",
        ));
    }
    Ok(req)
}

/// `PKIStatusInfo` of a rejection (RFC 3161 §2.4.2).
#[derive(Sequence)]
struct RejectionStatus<'a> {
    status: u8,
    status_string: Vec<Utf8StringRef<'a>>,
    fail_info: BitString,
}

/// `TimeStampResp` of a rejection: a status, no token.
#[derive(Sequence)]
struct RejectionResp<'a> {
    status: RejectionStatus<'a>,
}

/// The rejection for `refusal`, DER.
pub fn rejection(refusal: Refusal) -> Result<Vec<u8>, String> {
    RejectionResp {
        status: RejectionStatus {
            status: PkiStatus::Rejection as u8,
            status_string: vec![Utf8StringRef::new(refusal.text).map_err(der_err)?],
            fail_info: refusal.fail.bits()?,
        },
    }
    .to_der()
    .map_err(der_err)
}

/// A granted `TimeStampResp` around `token`, DER.
fn granted(token: ContentInfo) -> Result<Vec<u8>, String> {
    TimeStampResp {
        status: PkiStatusInfo {
            status: PkiStatus::Accepted,
            status_string: None,
            fail_info: None,
        },
        time_stamp_token: Some(token),
    }
    .to_der()
    .map_err(der_err)
}

/// Answers one DER `TimeStampReq` with a DER `TimeStampResp`: a token under
/// the next serial number, recorded; or a rejection, which records nothing.
pub async fn respond(state: &AppState, request: &[u8]) -> AppResult<Vec<u8>> {
    let tsa = state.tsa.as_ref().ok_or_else(AppError::not_found)?;
    let req = match check_request(request, tsa.policy()) {
        Ok(r) => r,
        Err(refusal) => {
            tracing::info!(fail = ?refusal.fail, "timestamp request refused");
            return rejection(refusal).map_err(AppError::internal);
        }
    };
    let token = issue(state, tsa, &req).await?;
    let ci = ContentInfo::from_der(&token).map_err(AppError::internal)?;
    granted(ci).map_err(AppError::internal)
}

/// A token for an accepted request, under the next serial number, recorded
/// in the transaction that takes the number.
async fn issue(state: &AppState, tsa: &Tsa, req: &TimeStampReq) -> AppResult<Vec<u8>> {
    let db = &state.db;
    let mut w = db.begin_write().await?;
    let serial: i64 = sqlx::query_scalar(&db.sql(
        "UPDATE tsa_serial SET last_serial = last_serial + 1 WHERE id = 1 RETURNING last_serial",
    ))
    .fetch_one(&mut *w.tx)
    .await?;
    let serial = u64::try_from(serial).map_err(AppError::internal)?;
    let gen_time = state.clock.now();
    let token = tsa
        .token(req, serial, gen_time)
        .map_err(AppError::internal)?;
    sqlx::query(&db.sql(
        "INSERT INTO tsa_tokens (serial, gen_time, imprint, policy, tsa_cert_sha256) VALUES (?, ?, ?, ?, ?)",
    ))
    .bind(serial as i64)
    .bind(crate::now_rfc3339(gen_time))
    .bind(hex(req.message_imprint.hashed_message.as_bytes()))
    .bind(tsa.policy().to_string())
    .bind(hex(&tsa.cert_sha256))
    .execute(&mut *w.tx)
    .await?;
    w.tx.commit().await?;
    Ok(token)
}

/// A timestamp token over a SHA-256 `digest` from this gateway's own TSA
/// (the seal's signature timestamp at issuance), recorded like any other.
pub async fn stamp(state: &AppState, digest: &[u8; 32]) -> AppResult<Vec<u8>> {
    let tsa = state
        .tsa
        .as_ref()
        .ok_or_else(|| AppError::internal("this gateway runs no TSA"))?;
    let nonce = rand_core::RngCore::next_u64(&mut rand_core::OsRng) >> 1;
    let req = kyso_pdf::timestamp::request(digest, nonce).map_err(AppError::internal)?;
    let req = check_request(&req, tsa.policy())
        .map_err(|r| AppError::internal(format!("own timestamp request refused: {}", r.text)))?;
    issue(state, tsa, &req).await
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
