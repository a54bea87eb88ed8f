//! CMS `SignedData` for PAdES baseline signatures (RFC 5652; ETSI EN 319 122-1).
//!
//! Built in two steps so the key can live anywhere: [`signed_attributes`]
//! gives the attributes whose DER is what the key signs, and [`assemble`]
//! puts signature, certificates and an optional timestamp token around them.

use cms::cert::CertificateChoices;
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier,
    SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911::{ID_DATA, ID_SIGNED_DATA};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Encode, Sequence};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use crate::error::{Error, Result};
use crate::signer::SignatureAlgorithm;

/// `id-contentType` (RFC 5652 §11.1).
pub const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// `id-messageDigest` (RFC 5652 §11.2).
pub const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// `id-aa-signingCertificateV2` (RFC 5035 §3).
pub const SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// `id-aa-signatureTimeStampToken` (RFC 3161 appendix A).
pub const SIGNATURE_TIMESTAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
/// `id-sha256`.
pub const SHA256: ObjectIdentifier = const_oid::db::rfc5912::ID_SHA_256;

/// ```text
/// SigningCertificateV2 ::= SEQUENCE {
///     certs    SEQUENCE OF ESSCertIDv2,
///     policies SEQUENCE OF PolicyInformation OPTIONAL }
/// ```
/// (RFC 5035 §3)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    /// The signer's certificate first.
    pub certs: Vec<EssCertIdV2>,
}

/// ```text
/// ESSCertIDv2 ::= SEQUENCE {
///     hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
///     certHash      Hash,
///     issuerSerial  IssuerSerial OPTIONAL }
/// ```
/// Kyso always uses SHA-256, the DEFAULT, which DER requires to be omitted.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    /// SHA-256 of the certificate's DER.
    pub cert_hash: OctetString,
    /// Issuer and serial of the certificate.
    pub issuer_serial: IssuerSerial,
}

/// ```text
/// IssuerSerial ::= SEQUENCE {
///     issuer       GeneralNames,
///     serialNumber CertificateSerialNumber }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    /// The issuer as a directory name.
    pub issuer: Vec<GeneralName>,
    /// The certificate serial number.
    pub serial_number: SerialNumber,
}

fn der_err(e: der::Error) -> Error {
    Error::Crypto(format!("DER encoding failed: {e}"))
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(der_err)?;
    Ok(Attribute { oid, values })
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: SHA256,
        parameters: None,
    }
}

/// The PAdES signed attributes: content-type, message-digest (of the
/// ByteRange) and signing-certificate-v2. No signing-time: PAdES puts the
/// time in the signature dictionary's `/M`.
pub fn signed_attributes(document_digest: &[u8], signer: &Certificate) -> Result<SignedAttributes> {
    let cert_der = signer.to_der().map_err(der_err)?;
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(Sha256::digest(&cert_der).to_vec()).map_err(der_err)?,
            issuer_serial: IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    signer.tbs_certificate.issuer.clone(),
                )],
                serial_number: signer.tbs_certificate.serial_number.clone(),
            },
        }],
    };
    let attrs = vec![
        attribute(CONTENT_TYPE, Any::encode_from(&ID_DATA).map_err(der_err)?)?,
        attribute(
            MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(document_digest.to_vec()).map_err(der_err)?)
                .map_err(der_err)?,
        )?,
        attribute(
            SIGNING_CERTIFICATE_V2,
            Any::encode_from(&ess).map_err(der_err)?,
        )?,
    ];
    SetOfVec::try_from(attrs).map_err(der_err)
}

/// The bytes a key signs: the DER of the signed attributes as a `SET OF`
/// (RFC 5652 §5.4), not the `[0] IMPLICIT` form they take inside SignerInfo.
pub fn to_be_signed(attrs: &SignedAttributes) -> Result<Vec<u8>> {
    attrs.to_der().map_err(der_err)
}

/// Assembles `ContentInfo { SignedData }` (DER) around a finished signature.
pub fn assemble(
    attrs: SignedAttributes,
    signer: &Certificate,
    chain: &[Certificate],
    algorithm: SignatureAlgorithm,
    signature: &[u8],
    timestamp_token: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let mut certs: Vec<CertificateChoices> = Vec::new();
    let mut seen = Vec::new();
    for c in std::iter::once(signer).chain(chain) {
        let der = c.to_der().map_err(der_err)?;
        if !seen.contains(&der) {
            seen.push(der);
            certs.push(CertificateChoices::Certificate(c.clone()));
        }
    }
    let unsigned_attrs = match timestamp_token {
        Some(tst) => {
            let any = Any::from_der_bytes(tst)?;
            let mut set = SetOfVec::new();
            set.insert(attribute(SIGNATURE_TIMESTAMP_TOKEN, any)?)
                .map_err(der_err)?;
            Some(set)
        }
        None => None,
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: signer.tbs_certificate.issuer.clone(),
            serial_number: signer.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_alg(),
        signed_attrs: Some(attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: algorithm.oid(),
            // RSA PKCS#1 v1.5 AlgorithmIdentifiers carry an explicit NULL.
            parameters: match algorithm {
                SignatureAlgorithm::RsaPkcs1Sha256 => Some(Any::null()),
                SignatureAlgorithm::EcdsaP256Sha256 => None,
            },
        },
        signature: OctetString::new(signature.to_vec()).map_err(der_err)?,
        unsigned_attrs,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256_alg()).map_err(der_err)?;
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet::try_from(certs).map_err(der_err)?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(der_err)?,
    };
    let ci = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(der_err)?,
    };
    ci.to_der().map_err(der_err)
}

trait AnyFromDer {
    fn from_der_bytes(b: &[u8]) -> Result<Any>;
}

impl AnyFromDer for Any {
    fn from_der_bytes(b: &[u8]) -> Result<Any> {
        use der::Decode;
        Any::from_der(b)
            .map_err(|e| Error::Timestamp(format!("the timestamp token is not DER: {e}")))
    }
}
