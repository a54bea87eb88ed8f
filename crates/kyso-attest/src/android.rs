//! Android key attestation: the rules of DESIGN.md §4.1 and §7 over an
//! attestation certificate chain.
//!
//! [`AndroidVerifier::verify`] checks every [`Rule`] in order and returns the
//! first failure as an [`AndroidError`], or the attested facts.
//! [`AndroidVerifier::inspect`] evaluates every rule and reports each
//! outcome (the conformance script uses it over chains our app did not make).

use std::time::{Duration, SystemTime};

use x509_cert::Certificate;

use crate::HardwareLevel;
use crate::key_description::{
    AsnSecurityLevel, AttestationApplicationId, AuthorizationList, KEY_DESCRIPTION_OID,
    KeyDescription, VerifiedBootState, value,
};
use crate::revocation::{RevocationList, SerialForm};
use crate::roots::TrustAnchors;
use crate::x509;

/// The most certificates a chain may have (device chains have 3 to 5;
/// remotely provisioned ones a few more).
pub const MAX_CHAIN: usize = 10;

/// The rules, in the order they are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Every certificate decodes and is signed by the next one's key, a CA.
    ChainLinks,
    /// The chain ends at one of the trusted roots.
    TrustedRoot,
    /// Every certificate, and the root, is within its validity period.
    Validity,
    /// No certificate of the chain is on the status list.
    Revocation,
    /// The leaf, and only the leaf, carries a well-formed KeyDescription.
    KeyDescription,
    /// The attestation challenge equals the nonce the gateway issued.
    Challenge,
    /// `attestationSecurityLevel` is TEE or StrongBox.
    AttestationSecurityLevel,
    /// `keyMintSecurityLevel` is TEE or StrongBox.
    KeyMintSecurityLevel,
    /// Hardware-enforced `algorithm` is EC.
    Algorithm,
    /// Hardware-enforced `ecCurve` is P-256 (or absent, as Keymaster 4
    /// StrongBox writes it, with a P-256 key in the leaf).
    Curve,
    /// Hardware-enforced `keySize` is 256.
    KeySize,
    /// Hardware-enforced `purpose` is exactly SIGN.
    Purpose,
    /// Hardware-enforced `origin` is GENERATED (made in the hardware, not imported).
    Origin,
    /// `noAuthRequired` is absent from both lists.
    NoAuthRequired,
    /// Hardware-enforced `userAuthType` includes FINGERPRINT (biometric).
    UserAuthType,
    /// `authTimeout` is absent or 0: authentication per use.
    AuthTimeout,
    /// Hardware-enforced `rootOfTrust`: bootloader locked, boot state Verified
    /// (when the policy requires it).
    VerifiedBoot,
    /// The attestation application id names exactly the configured package.
    PackageName,
    /// One of its signature digests is the configured signing-certificate digest.
    SigningCertificate,
    /// The attested key is the CSR's key.
    PublicKey,
}

impl Rule {
    /// Every rule, in checking order.
    pub const ALL: [Rule; 20] = [
        Rule::ChainLinks,
        Rule::TrustedRoot,
        Rule::Validity,
        Rule::Revocation,
        Rule::KeyDescription,
        Rule::Challenge,
        Rule::AttestationSecurityLevel,
        Rule::KeyMintSecurityLevel,
        Rule::Algorithm,
        Rule::Curve,
        Rule::KeySize,
        Rule::Purpose,
        Rule::Origin,
        Rule::NoAuthRequired,
        Rule::UserAuthType,
        Rule::AuthTimeout,
        Rule::VerifiedBoot,
        Rule::PackageName,
        Rule::SigningCertificate,
        Rule::PublicKey,
    ];

    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::ChainLinks => "chain_links",
            Rule::TrustedRoot => "trusted_root",
            Rule::Validity => "validity",
            Rule::Revocation => "revocation",
            Rule::KeyDescription => "key_description",
            Rule::Challenge => "challenge",
            Rule::AttestationSecurityLevel => "attestation_security_level",
            Rule::KeyMintSecurityLevel => "keymint_security_level",
            Rule::Algorithm => "algorithm",
            Rule::Curve => "curve",
            Rule::KeySize => "key_size",
            Rule::Purpose => "purpose",
            Rule::Origin => "origin",
            Rule::NoAuthRequired => "no_auth_required",
            Rule::UserAuthType => "user_auth_type",
            Rule::AuthTimeout => "auth_timeout",
            Rule::VerifiedBoot => "verified_boot",
            Rule::PackageName => "package_name",
            Rule::SigningCertificate => "signing_certificate",
            Rule::PublicKey => "public_key",
        }
    }
}

/// Why an attestation was refused: exactly one rule, with what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AndroidError {
    /// No certificate was given.
    EmptyChain,
    /// More certificates than any attestation chain has.
    ChainTooLong {
        /// How many were given.
        len: usize,
    },
    /// Certificate `index` (0 = the attested key's) does not decode.
    CertificateMalformed {
        /// Position in the chain.
        index: usize,
    },
    /// Certificate `index` is not signed by the key of certificate
    /// `index + 1` (the signature does not verify, or its algorithm is not
    /// supported).
    ChainBroken {
        /// Position in the chain.
        index: usize,
    },
    /// Certificate `index` issues another but is not a CA.
    IssuerNotCa {
        /// Position in the chain.
        index: usize,
    },
    /// The chain does not end at a trusted root.
    UntrustedRoot,
    /// Certificate `index` is expired or not yet valid.
    CertificateNotValidNow {
        /// Position in the chain.
        index: usize,
    },
    /// The root certificate is expired or not yet valid.
    RootNotValidNow,
    /// Certificate `index` is on the status list.
    Revoked {
        /// Position in the chain.
        index: usize,
        /// Its serial number, lowercase hex.
        serial_hex: String,
        /// `REVOKED` or `SUSPENDED`.
        status: String,
        /// The list's reason, if any.
        reason: String,
    },
    /// The leaf has no KeyDescription extension.
    KeyDescriptionMissing,
    /// The KeyDescription does not decode (or is repeated).
    KeyDescriptionMalformed,
    /// Certificate `index` (not the leaf) carries a KeyDescription.
    KeyDescriptionOutsideLeaf {
        /// Position in the chain.
        index: usize,
    },
    /// The attestation challenge is not the issued nonce.
    ChallengeMismatch,
    /// The attestation was made in software.
    AttestationSecurityLevel {
        /// The level found.
        found: AsnSecurityLevel,
    },
    /// The key lives in software.
    KeyMintSecurityLevel {
        /// The level found.
        found: AsnSecurityLevel,
    },
    /// The key is not an EC key (hardware-enforced `algorithm`).
    AlgorithmNotEc {
        /// The value found.
        found: Option<u64>,
    },
    /// The curve is not P-256.
    CurveNotP256 {
        /// The value found.
        found: Option<u64>,
    },
    /// The key size is not 256.
    KeySizeNot256 {
        /// The value found.
        found: Option<u64>,
    },
    /// The key may do more than sign (or cannot sign).
    PurposeNotSignOnly {
        /// The purposes found.
        found: Vec<u64>,
    },
    /// The key was not generated in the secure hardware.
    OriginNotGenerated {
        /// The value found.
        found: Option<u64>,
    },
    /// The key may be used without user authentication.
    NoAuthRequired,
    /// Biometric authentication is not required.
    UserAuthNotBiometric {
        /// The userAuthType found.
        found: Option<u64>,
    },
    /// Authentication is valid for a time window instead of per use.
    AuthTimeoutNotPerUse {
        /// The timeout in seconds.
        seconds: u64,
    },
    /// The bootloader is unlocked or the boot state is not Verified.
    BootNotVerified {
        /// Whether the device says it is locked (`None`: no rootOfTrust).
        locked: Option<bool>,
        /// The boot state, if any.
        state: Option<VerifiedBootState>,
    },
    /// No (or an undecodable) attestation application id.
    ApplicationIdMissing,
    /// The application id names other packages.
    PackageMismatch {
        /// The package names found.
        found: Vec<String>,
    },
    /// No signature digest equals the configured signing certificate's.
    SigningCertificateMismatch,
    /// The attested key is not the CSR's key.
    PublicKeyMismatch,
}

impl AndroidError {
    /// The rule that failed.
    pub fn rule(&self) -> Rule {
        match self {
            AndroidError::EmptyChain
            | AndroidError::ChainTooLong { .. }
            | AndroidError::CertificateMalformed { .. }
            | AndroidError::ChainBroken { .. }
            | AndroidError::IssuerNotCa { .. } => Rule::ChainLinks,
            AndroidError::UntrustedRoot => Rule::TrustedRoot,
            AndroidError::CertificateNotValidNow { .. } | AndroidError::RootNotValidNow => {
                Rule::Validity
            }
            AndroidError::Revoked { .. } => Rule::Revocation,
            AndroidError::KeyDescriptionMissing
            | AndroidError::KeyDescriptionMalformed
            | AndroidError::KeyDescriptionOutsideLeaf { .. } => Rule::KeyDescription,
            AndroidError::ChallengeMismatch => Rule::Challenge,
            AndroidError::AttestationSecurityLevel { .. } => Rule::AttestationSecurityLevel,
            AndroidError::KeyMintSecurityLevel { .. } => Rule::KeyMintSecurityLevel,
            AndroidError::AlgorithmNotEc { .. } => Rule::Algorithm,
            AndroidError::CurveNotP256 { .. } => Rule::Curve,
            AndroidError::KeySizeNot256 { .. } => Rule::KeySize,
            AndroidError::PurposeNotSignOnly { .. } => Rule::Purpose,
            AndroidError::OriginNotGenerated { .. } => Rule::Origin,
            AndroidError::NoAuthRequired => Rule::NoAuthRequired,
            AndroidError::UserAuthNotBiometric { .. } => Rule::UserAuthType,
            AndroidError::AuthTimeoutNotPerUse { .. } => Rule::AuthTimeout,
            AndroidError::BootNotVerified { .. } => Rule::VerifiedBoot,
            AndroidError::ApplicationIdMissing | AndroidError::PackageMismatch { .. } => {
                Rule::PackageName
            }
            AndroidError::SigningCertificateMismatch => Rule::SigningCertificate,
            AndroidError::PublicKeyMismatch => Rule::PublicKey,
        }
    }

    /// A stable snake_case code (for logs, audit and API error details).
    pub fn code(&self) -> &'static str {
        match self {
            AndroidError::EmptyChain => "empty_chain",
            AndroidError::ChainTooLong { .. } => "chain_too_long",
            AndroidError::CertificateMalformed { .. } => "certificate_malformed",
            AndroidError::ChainBroken { .. } => "chain_broken",
            AndroidError::IssuerNotCa { .. } => "issuer_not_ca",
            AndroidError::UntrustedRoot => "untrusted_root",
            AndroidError::CertificateNotValidNow { .. } => "certificate_not_valid_now",
            AndroidError::RootNotValidNow => "root_not_valid_now",
            AndroidError::Revoked { .. } => "revoked",
            AndroidError::KeyDescriptionMissing => "key_description_missing",
            AndroidError::KeyDescriptionMalformed => "key_description_malformed",
            AndroidError::KeyDescriptionOutsideLeaf { .. } => "key_description_outside_leaf",
            AndroidError::ChallengeMismatch => "challenge_mismatch",
            AndroidError::AttestationSecurityLevel { .. } => "attestation_security_level",
            AndroidError::KeyMintSecurityLevel { .. } => "keymint_security_level",
            AndroidError::AlgorithmNotEc { .. } => "algorithm_not_ec",
            AndroidError::CurveNotP256 { .. } => "curve_not_p256",
            AndroidError::KeySizeNot256 { .. } => "key_size_not_256",
            AndroidError::PurposeNotSignOnly { .. } => "purpose_not_sign_only",
            AndroidError::OriginNotGenerated { .. } => "origin_not_generated",
            AndroidError::NoAuthRequired => "no_auth_required",
            AndroidError::UserAuthNotBiometric { .. } => "user_auth_not_biometric",
            AndroidError::AuthTimeoutNotPerUse { .. } => "auth_timeout_not_per_use",
            AndroidError::BootNotVerified { .. } => "boot_not_verified",
            AndroidError::ApplicationIdMissing => "application_id_missing",
            AndroidError::PackageMismatch { .. } => "package_mismatch",
            AndroidError::SigningCertificateMismatch => "signing_certificate_mismatch",
            AndroidError::PublicKeyMismatch => "public_key_mismatch",
        }
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        match self {
            AndroidError::EmptyChain => "no attestation certificate chain was sent".into(),
            AndroidError::ChainTooLong { len } => {
                format!("the attestation chain has {len} certificates, more than {MAX_CHAIN}")
            }
            AndroidError::CertificateMalformed { index } => {
                format!("attestation certificate {index} cannot be read")
            }
            AndroidError::ChainBroken { index } => format!(
                "attestation certificate {index} is not signed by the next certificate of the chain"
            ),
            AndroidError::IssuerNotCa { index } => format!(
                "attestation certificate {index} signs another certificate but is not a certificate authority"
            ),
            AndroidError::UntrustedRoot => {
                "the attestation chain does not end at a Google hardware attestation root".into()
            }
            AndroidError::CertificateNotValidNow { index } => {
                format!("attestation certificate {index} is expired or not yet valid")
            }
            AndroidError::RootNotValidNow => {
                "the attestation root certificate is expired or not yet valid".into()
            }
            AndroidError::Revoked {
                index,
                serial_hex,
                status,
                reason,
            } => format!(
                "attestation certificate {index} (serial {serial_hex}) is {status} on Google's status list ({reason})"
            ),
            AndroidError::KeyDescriptionMissing => {
                "the key certificate carries no attestation record".into()
            }
            AndroidError::KeyDescriptionMalformed => {
                "the key's attestation record cannot be read".into()
            }
            AndroidError::KeyDescriptionOutsideLeaf { index } => format!(
                "certificate {index} of the chain carries an attestation record: only the key's own certificate may"
            ),
            AndroidError::ChallengeMismatch => {
                "the attestation challenge is not the enrollment nonce issued by the gateway".into()
            }
            AndroidError::AttestationSecurityLevel { found } => format!(
                "the attestation was made at security level {} (TEE or StrongBox required)",
                found.as_str()
            ),
            AndroidError::KeyMintSecurityLevel { found } => format!(
                "the key is kept at security level {} (TEE or StrongBox required)",
                found.as_str()
            ),
            AndroidError::AlgorithmNotEc { found } => {
                format!("the key is not an EC key (algorithm {})", opt(found))
            }
            AndroidError::CurveNotP256 { found } => {
                format!("the key's curve is not P-256 (ecCurve {})", opt(found))
            }
            AndroidError::KeySizeNot256 { found } => {
                format!("the key size is not 256 bits (keySize {})", opt(found))
            }
            AndroidError::PurposeNotSignOnly { found } => {
                format!("the key's purposes are {found:?}, not SIGN only")
            }
            AndroidError::OriginNotGenerated { found } => format!(
                "the key was not generated in the secure hardware (origin {})",
                opt(found)
            ),
            AndroidError::NoAuthRequired => {
                "the key can be used without user authentication".into()
            }
            AndroidError::UserAuthNotBiometric { found } => format!(
                "the key does not require biometric authentication (userAuthType {})",
                opt(found)
            ),
            AndroidError::AuthTimeoutNotPerUse { seconds } => format!(
                "the key stays usable for {seconds} s after authentication instead of once per use"
            ),
            AndroidError::BootNotVerified { locked, state } => format!(
                "the device's boot is not verified (locked {}, state {})",
                locked.map_or("unknown".to_string(), |l| l.to_string()),
                state.map_or("unknown", |s| s.as_str())
            ),
            AndroidError::ApplicationIdMissing => {
                "the attestation does not name the application".into()
            }
            AndroidError::PackageMismatch { found } => {
                format!("the key belongs to package(s) {found:?}, not the Kyso app")
            }
            AndroidError::SigningCertificateMismatch => {
                "the app is not signed with the configured signing certificate".into()
            }
            AndroidError::PublicKeyMismatch => {
                "the attested key is not the key of the certificate request".into()
            }
        }
    }

    /// The message in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            AndroidError::EmptyChain => "Không có chuỗi chứng thư chứng thực khóa.".into(),
            AndroidError::ChainTooLong { len } => {
                format!("Chuỗi chứng thực có {len} chứng thư, nhiều hơn giới hạn {MAX_CHAIN}.")
            }
            AndroidError::CertificateMalformed { index } => {
                format!("Không đọc được chứng thư chứng thực số {index}.")
            }
            AndroidError::ChainBroken { index } => format!(
                "Chứng thư chứng thực số {index} không được ký bởi chứng thư kế tiếp trong chuỗi."
            ),
            AndroidError::IssuerNotCa { index } => format!(
                "Chứng thư số {index} ký chứng thư khác nhưng không phải là chứng thư của tổ chức cấp phát."
            ),
            AndroidError::UntrustedRoot => {
                "Chuỗi chứng thực không kết thúc ở chứng thư gốc chứng thực phần cứng của Google."
                    .into()
            }
            AndroidError::CertificateNotValidNow { index } => {
                format!("Chứng thư chứng thực số {index} đã hết hạn hoặc chưa có hiệu lực.")
            }
            AndroidError::RootNotValidNow => {
                "Chứng thư gốc chứng thực đã hết hạn hoặc chưa có hiệu lực.".into()
            }
            AndroidError::Revoked {
                index,
                serial_hex,
                status,
                reason,
            } => format!(
                "Chứng thư chứng thực số {index} (số hiệu {serial_hex}) bị Google đưa vào danh sách thu hồi: {status} ({reason})."
            ),
            AndroidError::KeyDescriptionMissing => {
                "Chứng thư của khóa không có bản ghi chứng thực.".into()
            }
            AndroidError::KeyDescriptionMalformed => {
                "Không đọc được bản ghi chứng thực của khóa.".into()
            }
            AndroidError::KeyDescriptionOutsideLeaf { index } => format!(
                "Chứng thư số {index} trong chuỗi có bản ghi chứng thực; chỉ chứng thư của khóa mới được có."
            ),
            AndroidError::ChallengeMismatch => {
                "Mã thử thách chứng thực không khớp với mã đăng ký do cổng cấp.".into()
            }
            AndroidError::AttestationSecurityLevel { found } => format!(
                "Chứng thực được tạo ở mức bảo mật {} (yêu cầu TEE hoặc StrongBox).",
                found.as_str()
            ),
            AndroidError::KeyMintSecurityLevel { found } => format!(
                "Khóa được lưu ở mức bảo mật {} (yêu cầu TEE hoặc StrongBox).",
                found.as_str()
            ),
            AndroidError::AlgorithmNotEc { found } => {
                format!("Khóa không phải khóa EC (algorithm {}).", opt(found))
            }
            AndroidError::CurveNotP256 { found } => {
                format!(
                    "Đường cong của khóa không phải P-256 (ecCurve {}).",
                    opt(found)
                )
            }
            AndroidError::KeySizeNot256 { found } => {
                format!("Độ dài khóa không phải 256 bit (keySize {}).", opt(found))
            }
            AndroidError::PurposeNotSignOnly { found } => {
                format!("Mục đích sử dụng của khóa là {found:?}, không chỉ riêng ký số.")
            }
            AndroidError::OriginNotGenerated { found } => format!(
                "Khóa không được sinh trong phần cứng bảo mật (origin {}).",
                opt(found)
            ),
            AndroidError::NoAuthRequired => {
                "Khóa có thể được dùng mà không cần xác thực người dùng.".into()
            }
            AndroidError::UserAuthNotBiometric { found } => format!(
                "Khóa không yêu cầu xác thực sinh trắc học (userAuthType {}).",
                opt(found)
            ),
            AndroidError::AuthTimeoutNotPerUse { seconds } => format!(
                "Khóa dùng được trong {seconds} giây sau khi xác thực thay vì xác thực cho từng lần ký."
            ),
            AndroidError::BootNotVerified { locked, state } => format!(
                "Quá trình khởi động của thiết bị không được xác minh (khóa bootloader: {}, trạng thái: {}).",
                locked.map_or("không rõ".to_string(), |l| if l {
                    "có".to_string()
                } else {
                    "không".to_string()
                }),
                state.map_or("không rõ", |s| s.as_str())
            ),
            AndroidError::ApplicationIdMissing => {
                "Bản ghi chứng thực không nêu ứng dụng sở hữu khóa.".into()
            }
            AndroidError::PackageMismatch { found } => {
                format!("Khóa thuộc gói ứng dụng {found:?}, không phải ứng dụng Kyso.")
            }
            AndroidError::SigningCertificateMismatch => {
                "Ứng dụng không được ký bằng chứng thư ký ứng dụng đã cấu hình.".into()
            }
            AndroidError::PublicKeyMismatch => {
                "Khóa được chứng thực không phải là khóa trong yêu cầu cấp chứng thư.".into()
            }
        }
    }
}

fn opt(v: &Option<u64>) -> String {
    v.map_or("absent".to_string(), |v| v.to_string())
}

impl std::fmt::Display for AndroidError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for AndroidError {}

/// What the gateway requires of an Android key, configured per deployment.
#[derive(Clone, Debug)]
pub struct AndroidPolicy {
    /// The app's package name (e.g. `vn.gov.kyso`).
    pub package_name: String,
    /// SHA-256 digests of the app's signing certificates (one, or several
    /// during a signing-key rotation).
    pub signing_cert_sha256: Vec<[u8; 32]>,
    /// Require a locked bootloader and a Verified boot state (default true).
    pub require_verified_boot: bool,
    /// How far a certificate's notBefore may be ahead of the gateway's
    /// clock (device clocks drift; default 5 minutes).
    pub clock_skew: Duration,
}

impl AndroidPolicy {
    /// The policy for an app package and its signing certificate digest.
    pub fn new(package_name: impl Into<String>, signing_cert_sha256: [u8; 32]) -> Self {
        AndroidPolicy {
            package_name: package_name.into(),
            signing_cert_sha256: vec![signing_cert_sha256],
            require_verified_boot: true,
            clock_skew: Duration::from_secs(300),
        }
    }
}

/// What this enrollment must match.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// The nonce the gateway issued (the bytes the app passed to
    /// `setAttestationChallenge`).
    pub challenge: &'a [u8],
    /// The CSR's SubjectPublicKeyInfo, DER (or PEM `PUBLIC KEY`); see
    /// [`crate::csr_public_key`].
    pub public_key: &'a [u8],
}

/// The key facts the record states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFacts {
    /// Hardware-enforced algorithm (3 = EC).
    pub algorithm: Option<u64>,
    /// Hardware-enforced curve (1 = P-256).
    pub ec_curve: Option<u64>,
    /// Hardware-enforced key size.
    pub key_size: Option<u64>,
    /// Hardware-enforced purposes (2 = SIGN).
    pub purposes: Vec<u64>,
    /// Hardware-enforced digests (4 = SHA-256).
    pub digests: Vec<u64>,
    /// Hardware-enforced origin (0 = GENERATED).
    pub origin: Option<u64>,
    /// `noAuthRequired` in either list.
    pub no_auth_required: bool,
    /// Hardware-enforced userAuthType bits (2 = FINGERPRINT).
    pub user_auth_type: Option<u64>,
    /// authTimeout (hardware-enforced, else software) in seconds.
    pub auth_timeout: Option<u64>,
}

/// Facts read from a KeyDescription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestationFacts {
    /// attestationVersion.
    pub attestation_version: u64,
    /// attestationSecurityLevel.
    pub attestation_security_level: AsnSecurityLevel,
    /// keyMintVersion.
    pub keymint_version: u64,
    /// keyMintSecurityLevel.
    pub keymint_security_level: AsnSecurityLevel,
    /// The attestation challenge.
    pub challenge: Vec<u8>,
    /// The key's properties.
    pub key: KeyFacts,
    /// Bootloader locked, from the hardware-enforced rootOfTrust.
    pub device_locked: Option<bool>,
    /// Verified boot state.
    pub verified_boot_state: Option<VerifiedBootState>,
    /// osVersion (e.g. 110000).
    pub os_version: Option<u64>,
    /// osPatchLevel (YYYYMM).
    pub os_patch_level: Option<u64>,
    /// Package names of the attestation application id.
    pub packages: Vec<String>,
    /// Signature digests of the attestation application id.
    pub signature_digests: Vec<Vec<u8>>,
}

impl AttestationFacts {
    /// Reads the facts of a record.
    pub fn from_record(kd: &KeyDescription) -> Self {
        let hw = &kd.hardware_enforced;
        let sw = &kd.software_enforced;
        let rot = hw.root_of_trust.as_ref();
        let app = application_id(kd).and_then(Result::ok);
        AttestationFacts {
            attestation_version: kd.attestation_version,
            attestation_security_level: kd.attestation_security_level,
            keymint_version: kd.keymint_version,
            keymint_security_level: kd.keymint_security_level,
            challenge: kd.challenge().to_vec(),
            key: KeyFacts {
                algorithm: hw.algorithm,
                ec_curve: hw.ec_curve,
                key_size: hw.key_size,
                purposes: hw.purpose.clone().unwrap_or_default(),
                digests: hw.digest.clone().unwrap_or_default(),
                origin: hw.origin,
                no_auth_required: hw.no_auth_required || sw.no_auth_required,
                user_auth_type: hw.user_auth_type,
                auth_timeout: hw.auth_timeout.or(sw.auth_timeout),
            },
            device_locked: rot.map(|r| r.device_locked.0),
            verified_boot_state: rot.map(|r| r.verified_boot_state),
            os_version: hw.os_version.or(sw.os_version),
            os_patch_level: hw.os_patch_level.or(sw.os_patch_level),
            packages: app.as_ref().map(|a| a.package_names()).unwrap_or_default(),
            signature_digests: app
                .map(|a| {
                    a.signature_digests
                        .iter()
                        .map(|d| d.as_bytes().to_vec())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// The application id: software-enforced (where KeyMint puts it), else hardware-enforced.
fn application_id(kd: &KeyDescription) -> Option<der::Result<AttestationApplicationId>> {
    kd.software_enforced
        .application_id()
        .or_else(|| kd.hardware_enforced.application_id())
}

/// An attestation that passed every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AndroidAttestation {
    /// Where the key lives: the lower of the attestation and KeyMint levels.
    pub level: HardwareLevel,
    /// The root the chain ends at.
    pub root: String,
    /// What the record says.
    pub facts: AttestationFacts,
}

/// One rule's outcome in a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The rule holds.
    Pass,
    /// The rule fails.
    Fail(AndroidError),
    /// Not evaluated: an earlier rule it depends on failed.
    NotEvaluated,
}

/// Every rule's outcome over one chain.
#[derive(Clone, Debug)]
pub struct AndroidReport {
    /// One entry per rule, in [`Rule::ALL`] order.
    pub outcomes: Vec<(Rule, Outcome)>,
    /// The root the chain ends at, if it does.
    pub root: Option<String>,
    /// Chain length.
    pub chain_len: usize,
    /// Certificates whose issuer name is not the next certificate's subject
    /// (reported; links are by signature).
    pub issuer_name_mismatches: Vec<usize>,
    /// Serial numbers (lowercase hex) and how each matched the status list.
    pub serials: Vec<(String, Option<SerialForm>)>,
    /// The decoded record, when it decodes.
    pub record: Option<KeyDescription>,
    /// Facts of the record.
    pub facts: Option<AttestationFacts>,
}

impl AndroidReport {
    /// The outcome of `rule`.
    pub fn outcome(&self, rule: Rule) -> &Outcome {
        self.outcomes
            .iter()
            .find(|(r, _)| *r == rule)
            .map(|(_, o)| o)
            .unwrap_or(&Outcome::NotEvaluated)
    }

    /// The first failure, in rule order.
    pub fn first_failure(&self) -> Option<&AndroidError> {
        self.outcomes.iter().find_map(|(_, o)| match o {
            Outcome::Fail(e) => Some(e),
            _ => None,
        })
    }
}

/// The verifier: trusted roots, the status list and the policy.
#[derive(Clone, Debug)]
pub struct AndroidVerifier {
    /// Trusted roots (Google's by default).
    pub anchors: TrustAnchors,
    /// The attestation status list.
    pub revocation: RevocationList,
    /// The policy.
    pub policy: AndroidPolicy,
}

impl AndroidVerifier {
    /// A verifier trusting the shipped Google roots.
    pub fn new(policy: AndroidPolicy, revocation: RevocationList) -> Self {
        AndroidVerifier {
            anchors: TrustAnchors::google_hardware_attestation(),
            revocation,
            policy,
        }
    }

    /// Verifies a chain (leaf first; each item DER or PEM) against every
    /// rule: the facts, or the first rule that fails.
    pub fn verify<B: AsRef<[u8]>>(
        &self,
        chain: &[B],
        expected: &Expected<'_>,
        now: SystemTime,
    ) -> Result<AndroidAttestation, AndroidError> {
        let report = self.inspect(chain, expected, now);
        if let Some(e) = report.first_failure() {
            return Err(e.clone());
        }
        // A rule is only left unevaluated after a failure, so every rule
        // passed and the record was read; refuse rather than assume.
        let (Some(facts), Some(root)) = (report.facts, report.root) else {
            return Err(AndroidError::KeyDescriptionMissing);
        };
        let level = match facts
            .attestation_security_level
            .min(facts.keymint_security_level)
        {
            AsnSecurityLevel::StrongBox => HardwareLevel::StrongBox,
            AsnSecurityLevel::TrustedEnvironment => HardwareLevel::Tee,
            AsnSecurityLevel::Software => {
                return Err(AndroidError::KeyMintSecurityLevel {
                    found: AsnSecurityLevel::Software,
                });
            }
        };
        Ok(AndroidAttestation { level, root, facts })
    }

    /// Evaluates every rule and reports each outcome.
    pub fn inspect<B: AsRef<[u8]>>(
        &self,
        chain: &[B],
        expected: &Expected<'_>,
        now: SystemTime,
    ) -> AndroidReport {
        let mut report = AndroidReport {
            outcomes: Vec::with_capacity(Rule::ALL.len()),
            root: None,
            chain_len: chain.len(),
            issuer_name_mismatches: Vec::new(),
            serials: Vec::new(),
            record: None,
            facts: None,
        };
        let certs = if chain.is_empty() {
            Err(AndroidError::EmptyChain)
        } else if chain.len() > MAX_CHAIN {
            Err(AndroidError::ChainTooLong { len: chain.len() })
        } else {
            x509::decode_chain(chain).map_err(|index| AndroidError::CertificateMalformed { index })
        };
        let certs = match certs {
            Ok(c) if c.len() > MAX_CHAIN => {
                report.outcomes.push((
                    Rule::ChainLinks,
                    Outcome::Fail(AndroidError::ChainTooLong { len: c.len() }),
                ));
                for rule in &Rule::ALL[1..] {
                    report.outcomes.push((*rule, Outcome::NotEvaluated));
                }
                return report;
            }
            Ok(c) => c,
            Err(e) => {
                report.outcomes.push((Rule::ChainLinks, Outcome::Fail(e)));
                for rule in &Rule::ALL[1..] {
                    report.outcomes.push((*rule, Outcome::NotEvaluated));
                }
                return report;
            }
        };
        report.chain_len = certs.len();
        report.issuer_name_mismatches = (0..certs.len().saturating_sub(1))
            .filter(|i| certs[*i].tbs_certificate.issuer != certs[i + 1].tbs_certificate.subject)
            .collect();
        let out = &mut report.outcomes;

        out.push((Rule::ChainLinks, outcome(check_links(&certs))));
        let anchored = certs.last().and_then(|last| self.anchors.anchor_for(last));
        out.push((
            Rule::TrustedRoot,
            outcome(match anchored {
                Some(_) => Ok(()),
                None => Err(AndroidError::UntrustedRoot),
            }),
        ));
        out.push((
            Rule::Validity,
            outcome(check_validity(
                &certs,
                anchored.as_ref(),
                now,
                self.policy.clock_skew,
            )),
        ));
        let mut revoked = Ok(());
        for (index, cert) in certs.iter().enumerate() {
            let serial = x509::serial_magnitude(cert);
            let hit = self.revocation.lookup(&serial);
            let hex = x509::hex(&serial);
            let hex = hex.trim_start_matches('0');
            report.serials.push((
                if hex.is_empty() { "0" } else { hex }.to_string(),
                hit.as_ref().map(|h| h.form),
            ));
            if let (Some(h), Ok(())) = (hit, &revoked) {
                revoked = Err(AndroidError::Revoked {
                    index,
                    serial_hex: h.serial_hex.clone(),
                    status: h.entry.status.as_str().to_string(),
                    reason: h.entry.reason.clone().unwrap_or_default(),
                });
            }
        }
        out.push((Rule::Revocation, outcome(revoked)));
        report.root = anchored.map(|a| a.name(now));

        let record = match KeyDescription::from_certificate(&certs[0]) {
            Ok(Some(kd)) => Ok(kd),
            Ok(None) => Err(AndroidError::KeyDescriptionMissing),
            Err(_) => Err(AndroidError::KeyDescriptionMalformed),
        };
        let outside = (1..certs.len()).find(|i| {
            !matches!(
                x509::extension_value(&certs[*i], KEY_DESCRIPTION_OID),
                Ok(None)
            )
        });
        let record = match (record, outside) {
            (Ok(_), Some(index)) => Err(AndroidError::KeyDescriptionOutsideLeaf { index }),
            (r, _) => r,
        };
        match record {
            Ok(kd) => {
                out.push((Rule::KeyDescription, Outcome::Pass));
                out.extend(check_record(
                    &kd,
                    x509::is_p256(&certs[0]),
                    expected,
                    &self.policy,
                ));
                report.facts = Some(AttestationFacts::from_record(&kd));
                report.record = Some(kd);
            }
            Err(e) => {
                out.push((Rule::KeyDescription, Outcome::Fail(e)));
                for rule in Rule::ALL
                    .iter()
                    .filter(|r| **r > Rule::KeyDescription && **r != Rule::PublicKey)
                {
                    out.push((*rule, Outcome::NotEvaluated));
                }
            }
        }
        // The public key does not depend on the record.
        report.outcomes.push((
            Rule::PublicKey,
            outcome(check_public_key(&certs[0], expected.public_key)),
        ));
        report
    }
}

fn outcome(r: Result<(), AndroidError>) -> Outcome {
    match r {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::Fail(e),
    }
}

/// Links are by signature: certificate i must be signed by the key of
/// certificate i + 1, a CA. Names are not required to chain, as in Google's
/// own verifier: some StrongBox implementations write an issuer name that is
/// not their batch certificate's subject (see [`AndroidReport::issuer_name_mismatches`]).
fn check_links(certs: &[x509::Cert]) -> Result<(), AndroidError> {
    for (index, pair) in certs.windows(2).enumerate() {
        let (cert, issuer) = (&pair[0], &pair[1]);
        if !x509::is_ca(issuer) {
            return Err(AndroidError::IssuerNotCa { index: index + 1 });
        }
        if !x509::signed_by(cert, &issuer.tbs_certificate.subject_public_key_info) {
            return Err(AndroidError::ChainBroken { index });
        }
    }
    Ok(())
}

fn check_validity(
    certs: &[x509::Cert],
    anchored: Option<&crate::roots::Anchored<'_>>,
    now: SystemTime,
    skew: Duration,
) -> Result<(), AndroidError> {
    let last_is_root = anchored.is_some_and(|a| a.last_is_root);
    for (index, cert) in certs.iter().enumerate() {
        if last_is_root && index + 1 == certs.len() {
            // (An issue of) the root: the shipped issue's validity counts.
            continue;
        }
        if !x509::valid_at(cert, now, skew) {
            return Err(AndroidError::CertificateNotValidNow { index });
        }
    }
    if let Some(a) = anchored {
        if !a.valid_at(now) {
            return Err(AndroidError::RootNotValidNow);
        }
    }
    Ok(())
}

fn check_public_key(leaf: &Certificate, expected: &[u8]) -> Result<(), AndroidError> {
    match x509::normalise_spki(expected) {
        Some(spki) if spki == x509::spki_der(leaf) => Ok(()),
        _ => Err(AndroidError::PublicKeyMismatch),
    }
}

/// The record's rules, in order (Challenge … SigningCertificate).
fn check_record(
    kd: &KeyDescription,
    leaf_is_p256: bool,
    expected: &Expected<'_>,
    policy: &AndroidPolicy,
) -> Vec<(Rule, Outcome)> {
    let hw: &AuthorizationList = &kd.hardware_enforced;
    let sw: &AuthorizationList = &kd.software_enforced;
    let mut out: Vec<(Rule, Result<(), AndroidError>)> = Vec::with_capacity(14);
    out.push((
        Rule::Challenge,
        if kd.challenge() == expected.challenge {
            Ok(())
        } else {
            Err(AndroidError::ChallengeMismatch)
        },
    ));
    let hardware = |l: AsnSecurityLevel| l != AsnSecurityLevel::Software;
    out.push((
        Rule::AttestationSecurityLevel,
        if hardware(kd.attestation_security_level) {
            Ok(())
        } else {
            Err(AndroidError::AttestationSecurityLevel {
                found: kd.attestation_security_level,
            })
        },
    ));
    out.push((
        Rule::KeyMintSecurityLevel,
        if hardware(kd.keymint_security_level) {
            Ok(())
        } else {
            Err(AndroidError::KeyMintSecurityLevel {
                found: kd.keymint_security_level,
            })
        },
    ));
    out.push((
        Rule::Algorithm,
        if hw.algorithm == Some(value::ALGORITHM_EC) {
            Ok(())
        } else {
            Err(AndroidError::AlgorithmNotEc {
                found: hw.algorithm,
            })
        },
    ));
    // Keymaster 4 StrongBox records may omit ecCurve (P-256 is the only
    // curve StrongBox has); the attested key in the leaf then says which.
    out.push((
        Rule::Curve,
        match hw.ec_curve {
            Some(value::EC_CURVE_P_256) => Ok(()),
            None if leaf_is_p256 => Ok(()),
            found => Err(AndroidError::CurveNotP256 { found }),
        },
    ));
    out.push((
        Rule::KeySize,
        if hw.key_size == Some(256) {
            Ok(())
        } else {
            Err(AndroidError::KeySizeNot256 { found: hw.key_size })
        },
    ));
    out.push((
        Rule::Purpose,
        if hw.purpose.as_deref() == Some(&[value::PURPOSE_SIGN][..]) {
            Ok(())
        } else {
            Err(AndroidError::PurposeNotSignOnly {
                found: hw.purpose.clone().unwrap_or_default(),
            })
        },
    ));
    out.push((
        Rule::Origin,
        if hw.origin == Some(value::ORIGIN_GENERATED) {
            Ok(())
        } else {
            Err(AndroidError::OriginNotGenerated { found: hw.origin })
        },
    ));
    out.push((
        Rule::NoAuthRequired,
        if hw.no_auth_required || sw.no_auth_required {
            Err(AndroidError::NoAuthRequired)
        } else {
            Ok(())
        },
    ));
    out.push((
        Rule::UserAuthType,
        match hw.user_auth_type {
            Some(t) if t & value::AUTH_FINGERPRINT != 0 => Ok(()),
            found => Err(AndroidError::UserAuthNotBiometric { found }),
        },
    ));
    // A timeout in either list widens the window.
    out.push((
        Rule::AuthTimeout,
        match [hw.auth_timeout, sw.auth_timeout]
            .into_iter()
            .flatten()
            .find(|s| *s != 0)
        {
            None => Ok(()),
            Some(seconds) => Err(AndroidError::AuthTimeoutNotPerUse { seconds }),
        },
    ));
    out.push((
        Rule::VerifiedBoot,
        if !policy.require_verified_boot {
            Ok(())
        } else {
            match &hw.root_of_trust {
                Some(r)
                    if r.device_locked.0
                        && r.verified_boot_state == VerifiedBootState::Verified =>
                {
                    Ok(())
                }
                r => Err(AndroidError::BootNotVerified {
                    locked: r.as_ref().map(|r| r.device_locked.0),
                    state: r.as_ref().map(|r| r.verified_boot_state),
                }),
            }
        },
    ));
    match application_id(kd) {
        Some(Ok(app)) => {
            let names = app.package_names();
            out.push((
                Rule::PackageName,
                if names.len() == 1 && names[0] == policy.package_name {
                    Ok(())
                } else {
                    Err(AndroidError::PackageMismatch { found: names })
                },
            ));
            out.push((
                Rule::SigningCertificate,
                if app.signature_digests.iter().any(|d| {
                    policy
                        .signing_cert_sha256
                        .iter()
                        .any(|want| d.as_bytes() == want)
                }) {
                    Ok(())
                } else {
                    Err(AndroidError::SigningCertificateMismatch)
                },
            ));
        }
        _ => {
            out.push((Rule::PackageName, Err(AndroidError::ApplicationIdMissing)));
        }
    }
    let mut outcomes: Vec<(Rule, Outcome)> =
        out.into_iter().map(|(r, o)| (r, outcome(o))).collect();
    if !outcomes.iter().any(|(r, _)| *r == Rule::SigningCertificate) {
        outcomes.push((Rule::SigningCertificate, Outcome::NotEvaluated));
    }
    outcomes
}
