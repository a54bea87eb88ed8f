//! The Android key attestation record: the KeyDescription extension
//! (OID 1.3.6.1.4.1.11129.2.1.17) of the attested key's certificate, per
//! the AOSP schema (`hardware/interfaces/security/keymint`, "Key and ID
//! attestation"):
//!
//! ```text
//! KeyDescription ::= SEQUENCE {
//!     attestationVersion         INTEGER,
//!     attestationSecurityLevel   SecurityLevel,
//!     keyMintVersion             INTEGER,
//!     keyMintSecurityLevel       SecurityLevel,
//!     attestationChallenge       OCTET STRING,
//!     uniqueId                   OCTET STRING,
//!     softwareEnforced           AuthorizationList,
//!     hardwareEnforced           AuthorizationList,
//! }
//! SecurityLevel ::= ENUMERATED { Software (0), TrustedEnvironment (1), StrongBox (2) }
//! RootOfTrust ::= SEQUENCE {
//!     verifiedBootKey   OCTET STRING,
//!     deviceLocked      BOOLEAN,
//!     verifiedBootState VerifiedBootState,
//!     verifiedBootHash  OCTET STRING,          -- version 3 and later
//! }
//! AttestationApplicationId ::= SEQUENCE {
//!     package_infos     SET OF AttestationPackageInfo,
//!     signature_digests SET OF OCTET STRING,
//! }
//! AttestationPackageInfo ::= SEQUENCE { package_name OCTET STRING, version INTEGER }
//! ```
//!
//! The SEQUENCEs and ENUMERATEDs are `der` derives. `AuthorizationList` is
//! decoded and encoded by hand around `der`: its fields are EXPLICIT
//! context tags up to [724], and `der` 0.7 only knows tag numbers up to 30
//! (no high-tag-number form). Each field's content is still decoded with
//! `der` types. Fields may come in any order (as Google's own parser
//! accepts), a tag may not repeat, and tags this crate does not model are
//! kept in [`AuthorizationList::other`].

use std::collections::BTreeSet;

use const_oid::ObjectIdentifier;
use der::asn1::{Null, OctetString, SetOfVec};
use der::{
    Decode, DecodeValue, Encode, EncodeValue, Enumerated, ErrorKind, FixedTag, Header, Length,
    Reader, Sequence, Tag, ValueOrd, Writer,
};
use x509_cert::Certificate;

/// OID of the KeyDescription extension.
pub const KEY_DESCRIPTION_OID: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.1.17");

/// AuthorizationList tag numbers (the KeyMint `Tag` values without their type bits).
pub mod tag {
    /// `purpose [1] SET OF INTEGER`.
    pub const PURPOSE: u32 = 1;
    /// `algorithm [2] INTEGER`.
    pub const ALGORITHM: u32 = 2;
    /// `keySize [3] INTEGER`.
    pub const KEY_SIZE: u32 = 3;
    /// `blockMode [4] SET OF INTEGER`.
    pub const BLOCK_MODE: u32 = 4;
    /// `digest [5] SET OF INTEGER`.
    pub const DIGEST: u32 = 5;
    /// `padding [6] SET OF INTEGER`.
    pub const PADDING: u32 = 6;
    /// `ecCurve [10] INTEGER`.
    pub const EC_CURVE: u32 = 10;
    /// `rsaPublicExponent [200] INTEGER`.
    pub const RSA_PUBLIC_EXPONENT: u32 = 200;
    /// `rollbackResistance [303] NULL`.
    pub const ROLLBACK_RESISTANCE: u32 = 303;
    /// `noAuthRequired [503] NULL`.
    pub const NO_AUTH_REQUIRED: u32 = 503;
    /// `userAuthType [504] INTEGER`.
    pub const USER_AUTH_TYPE: u32 = 504;
    /// `authTimeout [505] INTEGER`.
    pub const AUTH_TIMEOUT: u32 = 505;
    /// `allowWhileOnBody [506] NULL`.
    pub const ALLOW_WHILE_ON_BODY: u32 = 506;
    /// `trustedUserPresenceRequired [507] NULL`.
    pub const TRUSTED_USER_PRESENCE_REQUIRED: u32 = 507;
    /// `trustedConfirmationRequired [508] NULL`.
    pub const TRUSTED_CONFIRMATION_REQUIRED: u32 = 508;
    /// `unlockedDeviceRequired [509] NULL`.
    pub const UNLOCKED_DEVICE_REQUIRED: u32 = 509;
    /// `creationDateTime [701] INTEGER` (ms since the epoch).
    pub const CREATION_DATE_TIME: u32 = 701;
    /// `origin [702] INTEGER`.
    pub const ORIGIN: u32 = 702;
    /// `rootOfTrust [704] RootOfTrust`.
    pub const ROOT_OF_TRUST: u32 = 704;
    /// `osVersion [705] INTEGER`.
    pub const OS_VERSION: u32 = 705;
    /// `osPatchLevel [706] INTEGER`.
    pub const OS_PATCH_LEVEL: u32 = 706;
    /// `attestationApplicationId [709] OCTET STRING` (DER of AttestationApplicationId).
    pub const ATTESTATION_APPLICATION_ID: u32 = 709;
    /// `vendorPatchLevel [718] INTEGER`.
    pub const VENDOR_PATCH_LEVEL: u32 = 718;
    /// `bootPatchLevel [719] INTEGER`.
    pub const BOOT_PATCH_LEVEL: u32 = 719;
    /// `deviceUniqueAttestation [720] NULL`.
    pub const DEVICE_UNIQUE_ATTESTATION: u32 = 720;
}

/// KeyMint enumeration values used by the rules.
pub mod value {
    /// `Algorithm::RSA`.
    pub const ALGORITHM_RSA: u64 = 1;
    /// `Algorithm::EC`.
    pub const ALGORITHM_EC: u64 = 3;
    /// `EcCurve::P_256`.
    pub const EC_CURVE_P_256: u64 = 1;
    /// `KeyPurpose::SIGN`.
    pub const PURPOSE_SIGN: u64 = 2;
    /// `KeyOrigin::GENERATED`.
    pub const ORIGIN_GENERATED: u64 = 0;
    /// `HardwareAuthenticatorType::PASSWORD` (a bit).
    pub const AUTH_PASSWORD: u64 = 1;
    /// `HardwareAuthenticatorType::FINGERPRINT` (a bit; class 3 biometrics).
    pub const AUTH_FINGERPRINT: u64 = 2;
    /// `Digest::SHA_2_256`.
    pub const DIGEST_SHA_2_256: u64 = 4;
}

/// The KeyMint security level of the ASN.1 record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Enumerated)]
#[repr(u32)]
pub enum AsnSecurityLevel {
    /// Software (Android keystore without secure hardware).
    Software = 0,
    /// A trusted execution environment (TEE).
    TrustedEnvironment = 1,
    /// A discrete secure element (StrongBox).
    StrongBox = 2,
}

impl AsnSecurityLevel {
    /// `software`, `tee` or `strongbox`.
    pub fn as_str(self) -> &'static str {
        match self {
            AsnSecurityLevel::Software => "software",
            AsnSecurityLevel::TrustedEnvironment => "tee",
            AsnSecurityLevel::StrongBox => "strongbox",
        }
    }
}

/// The device's verified boot state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated)]
#[repr(u32)]
pub enum VerifiedBootState {
    /// Boot chain verified with the OEM key.
    Verified = 0,
    /// Verified with a user-installed key.
    SelfSigned = 1,
    /// Not verified (unlocked bootloader).
    Unverified = 2,
    /// Verification failed.
    Failed = 3,
}

impl VerifiedBootState {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            VerifiedBootState::Verified => "verified",
            VerifiedBootState::SelfSigned => "self-signed",
            VerifiedBootState::Unverified => "unverified",
            VerifiedBootState::Failed => "failed",
        }
    }
}

/// A BOOLEAN read leniently (any non-zero octet is TRUE, as Bouncy Castle
/// reads it; some TEEs write 0x01), written as DER (0xFF).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LenientBool(pub bool);

impl FixedTag for LenientBool {
    const TAG: Tag = Tag::Boolean;
}

impl<'a> DecodeValue<'a> for LenientBool {
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        if header.length != Length::ONE {
            return Err(Tag::Boolean.length_error());
        }
        Ok(LenientBool(reader.read_byte()? != 0))
    }
}

impl EncodeValue for LenientBool {
    fn value_len(&self) -> der::Result<Length> {
        Ok(Length::ONE)
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write_byte(if self.0 { 0xFF } else { 0x00 })
    }
}

/// `RootOfTrust`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct RootOfTrust {
    /// Digest of the key that verified the boot image.
    pub verified_boot_key: OctetString,
    /// Whether the bootloader is locked.
    pub device_locked: LenientBool,
    /// The verified boot state.
    pub verified_boot_state: VerifiedBootState,
    /// Digest of the verified boot data (attestation version 3 and later).
    #[asn1(optional = "true")]
    pub verified_boot_hash: Option<OctetString>,
}

/// `AttestationPackageInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence, ValueOrd)]
pub struct AttestationPackageInfo {
    /// The package name (UTF-8).
    pub package_name: OctetString,
    /// The package's version code.
    pub version: u64,
}

/// `AttestationApplicationId`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct AttestationApplicationId {
    /// The packages sharing the key's UID (one for an ordinary app).
    pub package_infos: SetOfVec<AttestationPackageInfo>,
    /// SHA-256 digests of the packages' signing certificates.
    pub signature_digests: SetOfVec<OctetString>,
}

impl AttestationApplicationId {
    /// The package names (lossy UTF-8).
    pub fn package_names(&self) -> Vec<String> {
        self.package_infos
            .iter()
            .map(|p| String::from_utf8_lossy(p.package_name.as_bytes()).into_owned())
            .collect()
    }
}

/// `AuthorizationList`: the fields this crate reads, plus the others as raw content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizationList {
    /// `purpose [1]`.
    pub purpose: Option<Vec<u64>>,
    /// `algorithm [2]`.
    pub algorithm: Option<u64>,
    /// `keySize [3]`.
    pub key_size: Option<u64>,
    /// `blockMode [4]`.
    pub block_mode: Option<Vec<u64>>,
    /// `digest [5]`.
    pub digest: Option<Vec<u64>>,
    /// `padding [6]`.
    pub padding: Option<Vec<u64>>,
    /// `ecCurve [10]`.
    pub ec_curve: Option<u64>,
    /// `rsaPublicExponent [200]`.
    pub rsa_public_exponent: Option<u64>,
    /// `rollbackResistance [303]`.
    pub rollback_resistance: bool,
    /// `noAuthRequired [503]`.
    pub no_auth_required: bool,
    /// `userAuthType [504]` (bits of HardwareAuthenticatorType).
    pub user_auth_type: Option<u64>,
    /// `authTimeout [505]` in seconds.
    pub auth_timeout: Option<u64>,
    /// `allowWhileOnBody [506]`.
    pub allow_while_on_body: bool,
    /// `trustedUserPresenceRequired [507]`.
    pub trusted_user_presence_required: bool,
    /// `trustedConfirmationRequired [508]`.
    pub trusted_confirmation_required: bool,
    /// `unlockedDeviceRequired [509]`.
    pub unlocked_device_required: bool,
    /// `creationDateTime [701]`.
    pub creation_date_time: Option<u64>,
    /// `origin [702]`.
    pub origin: Option<u64>,
    /// `rootOfTrust [704]`.
    pub root_of_trust: Option<RootOfTrust>,
    /// `osVersion [705]`.
    pub os_version: Option<u64>,
    /// `osPatchLevel [706]`.
    pub os_patch_level: Option<u64>,
    /// `attestationApplicationId [709]`: the DER of an AttestationApplicationId.
    pub attestation_application_id: Option<Vec<u8>>,
    /// `vendorPatchLevel [718]`.
    pub vendor_patch_level: Option<u64>,
    /// `bootPatchLevel [719]`.
    pub boot_patch_level: Option<u64>,
    /// `deviceUniqueAttestation [720]`.
    pub device_unique_attestation: bool,
    /// Other tags: (tag number, content inside the EXPLICIT tag).
    pub other: Vec<(u32, Vec<u8>)>,
}

impl AuthorizationList {
    /// Decodes the AttestationApplicationId carried in [709], if any.
    pub fn application_id(&self) -> Option<der::Result<AttestationApplicationId>> {
        self.attestation_application_id
            .as_deref()
            .map(AttestationApplicationId::from_der)
    }

    fn from_value_bytes(mut rest: &[u8]) -> der::Result<Self> {
        let mut list = AuthorizationList::default();
        let mut seen = BTreeSet::new();
        while !rest.is_empty() {
            let (number, content, after) = read_explicit(rest)?;
            rest = after;
            if !seen.insert(number) {
                return Err(ErrorKind::SetDuplicate.into());
            }
            match number {
                tag::PURPOSE => list.purpose = Some(set_of_int(content)?),
                tag::ALGORITHM => list.algorithm = Some(u64::from_der(content)?),
                tag::KEY_SIZE => list.key_size = Some(u64::from_der(content)?),
                tag::BLOCK_MODE => list.block_mode = Some(set_of_int(content)?),
                tag::DIGEST => list.digest = Some(set_of_int(content)?),
                tag::PADDING => list.padding = Some(set_of_int(content)?),
                tag::EC_CURVE => list.ec_curve = Some(u64::from_der(content)?),
                tag::RSA_PUBLIC_EXPONENT => {
                    list.rsa_public_exponent = Some(u64::from_der(content)?)
                }
                tag::ROLLBACK_RESISTANCE => list.rollback_resistance = null(content)?,
                tag::NO_AUTH_REQUIRED => list.no_auth_required = null(content)?,
                tag::USER_AUTH_TYPE => list.user_auth_type = Some(u64::from_der(content)?),
                tag::AUTH_TIMEOUT => list.auth_timeout = Some(u64::from_der(content)?),
                tag::ALLOW_WHILE_ON_BODY => list.allow_while_on_body = null(content)?,
                tag::TRUSTED_USER_PRESENCE_REQUIRED => {
                    list.trusted_user_presence_required = null(content)?
                }
                tag::TRUSTED_CONFIRMATION_REQUIRED => {
                    list.trusted_confirmation_required = null(content)?
                }
                tag::UNLOCKED_DEVICE_REQUIRED => list.unlocked_device_required = null(content)?,
                tag::CREATION_DATE_TIME => list.creation_date_time = Some(u64::from_der(content)?),
                tag::ORIGIN => list.origin = Some(u64::from_der(content)?),
                tag::ROOT_OF_TRUST => list.root_of_trust = Some(RootOfTrust::from_der(content)?),
                tag::OS_VERSION => list.os_version = Some(u64::from_der(content)?),
                tag::OS_PATCH_LEVEL => list.os_patch_level = Some(u64::from_der(content)?),
                tag::ATTESTATION_APPLICATION_ID => {
                    list.attestation_application_id =
                        Some(OctetString::from_der(content)?.into_bytes())
                }
                tag::VENDOR_PATCH_LEVEL => list.vendor_patch_level = Some(u64::from_der(content)?),
                tag::BOOT_PATCH_LEVEL => list.boot_patch_level = Some(u64::from_der(content)?),
                tag::DEVICE_UNIQUE_ATTESTATION => list.device_unique_attestation = null(content)?,
                n => list.other.push((n, content.to_vec())),
            }
        }
        Ok(list)
    }

    fn to_value_bytes(&self) -> der::Result<Vec<u8>> {
        let mut items: Vec<(u32, Vec<u8>)> = Vec::new();
        let mut int = |t: u32, v: Option<u64>| -> der::Result<()> {
            if let Some(v) = v {
                items.push((t, v.to_der()?));
            }
            Ok(())
        };
        int(tag::ALGORITHM, self.algorithm)?;
        int(tag::KEY_SIZE, self.key_size)?;
        int(tag::EC_CURVE, self.ec_curve)?;
        int(tag::RSA_PUBLIC_EXPONENT, self.rsa_public_exponent)?;
        int(tag::USER_AUTH_TYPE, self.user_auth_type)?;
        int(tag::AUTH_TIMEOUT, self.auth_timeout)?;
        int(tag::CREATION_DATE_TIME, self.creation_date_time)?;
        int(tag::ORIGIN, self.origin)?;
        int(tag::OS_VERSION, self.os_version)?;
        int(tag::OS_PATCH_LEVEL, self.os_patch_level)?;
        int(tag::VENDOR_PATCH_LEVEL, self.vendor_patch_level)?;
        int(tag::BOOT_PATCH_LEVEL, self.boot_patch_level)?;
        for (t, set) in [
            (tag::PURPOSE, &self.purpose),
            (tag::BLOCK_MODE, &self.block_mode),
            (tag::DIGEST, &self.digest),
            (tag::PADDING, &self.padding),
        ] {
            if let Some(values) = set {
                items.push((t, SetOfVec::try_from(values.clone())?.to_der()?));
            }
        }
        for (t, flag) in [
            (tag::ROLLBACK_RESISTANCE, self.rollback_resistance),
            (tag::NO_AUTH_REQUIRED, self.no_auth_required),
            (tag::ALLOW_WHILE_ON_BODY, self.allow_while_on_body),
            (
                tag::TRUSTED_USER_PRESENCE_REQUIRED,
                self.trusted_user_presence_required,
            ),
            (
                tag::TRUSTED_CONFIRMATION_REQUIRED,
                self.trusted_confirmation_required,
            ),
            (tag::UNLOCKED_DEVICE_REQUIRED, self.unlocked_device_required),
            (
                tag::DEVICE_UNIQUE_ATTESTATION,
                self.device_unique_attestation,
            ),
        ] {
            if flag {
                items.push((t, Null.to_der()?));
            }
        }
        if let Some(rot) = &self.root_of_trust {
            items.push((tag::ROOT_OF_TRUST, rot.to_der()?));
        }
        if let Some(app) = &self.attestation_application_id {
            items.push((
                tag::ATTESTATION_APPLICATION_ID,
                OctetString::new(app.clone())?.to_der()?,
            ));
        }
        items.extend(self.other.iter().cloned());
        items.sort_by_key(|(t, _)| *t);
        let mut out = Vec::new();
        for (t, content) in items {
            write_explicit_header(&mut out, t, content.len());
            out.extend_from_slice(&content);
        }
        Ok(out)
    }
}

impl FixedTag for AuthorizationList {
    const TAG: Tag = Tag::Sequence;
}

impl<'a> DecodeValue<'a> for AuthorizationList {
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let bytes = reader.read_slice(header.length)?;
        AuthorizationList::from_value_bytes(bytes)
    }
}

impl EncodeValue for AuthorizationList {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.to_value_bytes()?.len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(&self.to_value_bytes()?)
    }
}

/// `KeyDescription`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct KeyDescription {
    /// `attestationVersion` (1, 2, 3, 4, 100, 200, 300, 400, …).
    pub attestation_version: u64,
    /// `attestationSecurityLevel`: where the attestation was made.
    pub attestation_security_level: AsnSecurityLevel,
    /// `keyMintVersion` (`keymasterVersion` before KeyMint).
    pub keymint_version: u64,
    /// `keyMintSecurityLevel`: where the key lives.
    pub keymint_security_level: AsnSecurityLevel,
    /// `attestationChallenge`: the challenge the app passed.
    pub attestation_challenge: OctetString,
    /// `uniqueId`.
    pub unique_id: OctetString,
    /// `softwareEnforced`.
    pub software_enforced: AuthorizationList,
    /// `hardwareEnforced` (`teeEnforced`).
    pub hardware_enforced: AuthorizationList,
}

impl KeyDescription {
    /// The record in a certificate: `Ok(None)` when the extension is absent;
    /// an error when it is malformed or repeated.
    pub fn from_certificate(cert: &Certificate) -> der::Result<Option<Self>> {
        match crate::x509::extension_value(cert, KEY_DESCRIPTION_OID) {
            Err(()) => Err(ErrorKind::SetDuplicate.into()),
            Ok(None) => Ok(None),
            Ok(Some(v)) => KeyDescription::from_der(v).map(Some),
        }
    }

    /// The attestation challenge.
    pub fn challenge(&self) -> &[u8] {
        self.attestation_challenge.as_bytes()
    }
}

fn set_of_int(content: &[u8]) -> der::Result<Vec<u64>> {
    Ok(SetOfVec::<u64>::from_der(content)?.into_vec())
}

fn null(content: &[u8]) -> der::Result<bool> {
    Null::from_der(content)?;
    Ok(true)
}

/// Reads one context-specific constructed (EXPLICIT) element in low- or
/// high-tag-number form: (tag number, content, rest).
fn read_explicit(input: &[u8]) -> der::Result<(u32, &[u8], &[u8])> {
    let incomplete = || der::Error::from(ErrorKind::Failed);
    let (&first, mut rest) = input.split_first().ok_or_else(incomplete)?;
    if first & 0xE0 != 0xA0 {
        return Err(ErrorKind::TagNumberInvalid.into());
    }
    let mut number = u32::from(first & 0x1F);
    if number == 0x1F {
        number = 0;
        let mut count = 0;
        loop {
            let (&b, r) = rest.split_first().ok_or_else(incomplete)?;
            rest = r;
            if count == 0 && b == 0x80 {
                return Err(ErrorKind::TagNumberInvalid.into());
            }
            count += 1;
            if count > 4 {
                return Err(ErrorKind::TagNumberInvalid.into());
            }
            number = (number << 7) | u32::from(b & 0x7F);
            if b & 0x80 == 0 {
                break;
            }
        }
        if number < 0x1F {
            return Err(ErrorKind::TagNumberInvalid.into());
        }
    }
    let (&lb, r) = rest.split_first().ok_or_else(incomplete)?;
    rest = r;
    let len = if lb < 0x80 {
        usize::from(lb)
    } else {
        let n = usize::from(lb & 0x7F);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(ErrorKind::Overlength.into());
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = (len << 8) | usize::from(b);
        }
        if rest[0] == 0 || len < 0x80 {
            return Err(ErrorKind::Overlength.into());
        }
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return Err(incomplete());
    }
    Ok((number, &rest[..len], &rest[len..]))
}

fn write_explicit_header(out: &mut Vec<u8>, number: u32, len: usize) {
    if number < 0x1F {
        out.push(0xA0 | number as u8);
    } else {
        out.push(0xBF);
        let mut groups = Vec::new();
        let mut n = number;
        loop {
            groups.push((n & 0x7F) as u8);
            n >>= 7;
            if n == 0 {
                break;
            }
        }
        for (i, g) in groups.iter().enumerate().rev() {
            out.push(if i == 0 { *g } else { g | 0x80 });
        }
    }
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_tag_numbers_are_written_as_aosp_expects() {
        let list = AuthorizationList {
            no_auth_required: true,
            origin: Some(0),
            ..Default::default()
        };
        let der = list.to_der().expect("encodes");
        // [503] EXPLICIT NULL = BF 83 77 02 05 00; [702] EXPLICIT INTEGER 0 = BF 85 3E 03 02 01 00
        assert_eq!(
            der,
            [
                0x30, 0x0D, 0xBF, 0x83, 0x77, 0x02, 0x05, 0x00, 0xBF, 0x85, 0x3E, 0x03, 0x02, 0x01,
                0x00
            ]
        );
        assert_eq!(AuthorizationList::from_der(&der).expect("decodes"), list);
    }

    #[test]
    fn unknown_tags_are_kept_and_repeats_refused() {
        // [600] EXPLICIT NULL (allApplications), then [1] SET { 2 }
        let value = [
            0xBF, 0x84, 0x58, 0x02, 0x05, 0x00, 0xA1, 0x05, 0x31, 0x03, 0x02, 0x01, 0x02,
        ];
        let mut der = vec![0x30, value.len() as u8];
        der.extend_from_slice(&value);
        let list = AuthorizationList::from_der(&der).expect("decodes");
        assert_eq!(list.purpose, Some(vec![2]));
        assert_eq!(list.other, vec![(600, vec![0x05, 0x00])]);
        let mut twice = vec![0x30, 2 * value.len() as u8];
        twice.extend_from_slice(&value);
        twice.extend_from_slice(&value);
        assert!(AuthorizationList::from_der(&twice).is_err());
    }

    #[test]
    fn non_minimal_tag_numbers_are_refused() {
        // [2] written in high-tag form
        let der = [0x30, 0x06, 0xBF, 0x02, 0x03, 0x02, 0x01, 0x03];
        assert!(AuthorizationList::from_der(&der).is_err());
    }
}
