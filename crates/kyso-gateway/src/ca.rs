//! The provincial device CA: a P-256 key created on first start in the data
//! directory (PKCS#11 comes with the trust-services work), issuing device
//! certificates from PKCS#10 requests, and the certificate of the gateway's
//! timestamp authority (`tsa`). The key's security level is written
//! into the certificate subject (`OU`), so reports can tell a software key
//! from a hardware one.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::asn1::{SetOfVec, Utf8StringRef};
use der::{Any, Decode, DecodePem, Encode, EncodePem, Tag};
use kyso_api::SecurityLevel;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rand_core::{OsRng, RngCore};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::CertReq;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};

/// The device CA.
pub struct DeviceCa {
    key: SigningKey,
    cert: Certificate,
    cert_pem: String,
}

impl std::fmt::Debug for DeviceCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCa")
            .field("subject", &self.cert.tbs_certificate.subject.to_string())
            .finish()
    }
}

/// Builds a name from (OID, UTF-8 value) pairs, one attribute per RDN.
pub fn name(parts: &[(const_oid::ObjectIdentifier, &str)]) -> Result<Name, String> {
    let mut rdns = Vec::new();
    for (oid, value) in parts {
        let v = Utf8StringRef::new(value).map_err(|e| e.to_string())?;
        let atv = AttributeTypeAndValue {
            oid: *oid,
            value: Any::new(Tag::Utf8String, v.as_bytes()).map_err(|e| e.to_string())?,
        };
        rdns.push(RelativeDistinguishedName(
            SetOfVec::try_from(vec![atv]).map_err(|e| e.to_string())?,
        ));
    }
    Ok(RdnSequence(rdns))
}

fn validity(now: SystemTime, years: u64) -> Result<Validity, String> {
    let nb = Time::try_from(now - Duration::from_secs(300)).map_err(|e| e.to_string())?;
    let na = Time::try_from(now + Duration::from_secs(years * 365 * 24 * 3600))
        .map_err(|e| e.to_string())?;
    Ok(Validity {
        not_before: nb,
        not_after: na,
    })
}

fn serial() -> Result<SerialNumber, String> {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b[0] &= 0x7f; // positive
    b[0] |= 0x01; // no leading zero byte
    SerialNumber::new(&b).map_err(|e| e.to_string())
}

impl DeviceCa {
    /// Loads the CA from `DATA/ca/`, creating it on first start.
    pub fn load_or_create(
        data_dir: &Path,
        province: &str,
        now: SystemTime,
    ) -> Result<Self, String> {
        let dir = data_dir.join("ca");
        let key_path = dir.join("device-ca.key");
        let cert_path = dir.join("device-ca.pem");
        if key_path.exists() && cert_path.exists() {
            let key_pem = std::fs::read_to_string(&key_path).map_err(|e| e.to_string())?;
            let key =
                SigningKey::from_pkcs8_pem(&key_pem).map_err(|e| format!("device CA key: {e}"))?;
            let cert_pem = std::fs::read_to_string(&cert_path).map_err(|e| e.to_string())?;
            let cert = Certificate::from_pem(cert_pem.as_bytes())
                .map_err(|e| format!("device CA certificate: {e}"))?;
            return Ok(Self {
                key,
                cert,
                cert_pem,
            });
        }
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let key = SigningKey::random(&mut OsRng);
        let subject = name(&[
            (const_oid::db::rfc4519::C, "VN"),
            (const_oid::db::rfc4519::O, province),
            (
                const_oid::db::rfc4519::CN,
                &format!("Kyso Device CA — {province}"),
            ),
        ])?;
        let spki =
            SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).map_err(|e| e.to_string())?;
        let cert = CertificateBuilder::new(
            Profile::Root,
            serial()?,
            validity(now, 20)?,
            subject,
            spki,
            &key,
        )
        .map_err(|e| e.to_string())?
        .build::<DerSignature>()
        .map_err(|e| e.to_string())?;
        let cert_pem = cert.to_pem(LineEnding::LF).map_err(|e| e.to_string())?;
        let key_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?;
        write_private(&key_path, key_pem.as_bytes())?;
        std::fs::write(&cert_path, &cert_pem).map_err(|e| e.to_string())?;
        Ok(Self {
            key,
            cert,
            cert_pem,
        })
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate.
    pub fn cert(&self) -> &Certificate {
        &self.cert
    }

    /// Checks a PEM CSR (its signature over its own key) and issues a device
    /// certificate for it, valid two years.
    pub fn issue(
        &self,
        csr_pem: &str,
        full_name: &str,
        unit: &str,
        level: SecurityLevel,
        now: SystemTime,
    ) -> Result<Certificate, String> {
        let csr = CertReq::from_pem(csr_pem.as_bytes())
            .or_else(|_| CertReq::from_der(csr_pem.as_bytes()))
            .map_err(|e| format!("the CSR cannot be read: {e}"))?;
        let info = csr.info.to_der().map_err(|e| e.to_string())?;
        let spki = &csr.info.public_key;
        let alg = kyso_pdf::verify::crypto::signature_digest(&csr.algorithm, None)?;
        kyso_pdf::verify::crypto::verify_prehash(
            spki,
            &csr.algorithm,
            &alg.digest(&info),
            csr.signature.raw_bytes(),
        )
        .map_err(|e| format!("the CSR is not signed by its own key: {e}"))?;
        if spki.algorithm.oid != const_oid::db::rfc5912::ID_EC_PUBLIC_KEY {
            return Err("device keys must be EC P-256".into());
        }
        let subject = name(&[
            (const_oid::db::rfc4519::C, "VN"),
            (const_oid::db::rfc4519::O, unit),
            (const_oid::db::rfc4519::OU, level.as_str()),
            (const_oid::db::rfc4519::CN, full_name),
        ])?;
        let profile = Profile::Leaf {
            issuer: self.cert.tbs_certificate.subject.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        };
        CertificateBuilder::new(
            profile,
            serial()?,
            validity(now, 2)?,
            subject,
            spki.clone(),
            &self.key,
        )
        .map_err(|e| e.to_string())?
        .build::<DerSignature>()
        .map_err(|e| e.to_string())
    }
}

impl DeviceCa {
    /// Issues the certificate of the gateway's timestamp authority for
    /// `spki` (wherever its key lives): a leaf with one extended key usage,
    /// `id-kp-timeStamping`, critical (RFC 3161 §2.3), valid ten years.
    pub fn issue_tsa(
        &self,
        spki: &SubjectPublicKeyInfoOwned,
        province: &str,
        now: SystemTime,
    ) -> Result<Certificate, String> {
        let subject = name(&[
            (const_oid::db::rfc4519::C, "VN"),
            (const_oid::db::rfc4519::O, province),
            (
                const_oid::db::rfc4519::CN,
                &format!("Kyso TSA — {province}"),
            ),
        ])?;
        let profile = Profile::Leaf {
            issuer: self.cert.tbs_certificate.subject.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        };
        let mut builder = CertificateBuilder::new(
            profile,
            serial()?,
            validity(now, 10)?,
            subject,
            spki.clone(),
            &self.key,
        )
        .map_err(|e| e.to_string())?;
        builder
            .add_extension(&TimeStampingOnly)
            .map_err(|e| e.to_string())?;
        builder.build::<DerSignature>().map_err(|e| e.to_string())
    }
}

/// `extKeyUsage` with `id-kp-timeStamping` alone, marked critical.
struct TimeStampingOnly;

impl TimeStampingOnly {
    fn eku() -> x509_cert::ext::pkix::ExtendedKeyUsage {
        x509_cert::ext::pkix::ExtendedKeyUsage(vec![const_oid::db::rfc5280::ID_KP_TIME_STAMPING])
    }
}

impl const_oid::AssociatedOid for TimeStampingOnly {
    const OID: const_oid::ObjectIdentifier = const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE;
}

impl Encode for TimeStampingOnly {
    fn encoded_len(&self) -> der::Result<der::Length> {
        Self::eku().encoded_len()
    }
    fn encode(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        Self::eku().encode(writer)
    }
}

impl x509_cert::ext::AsExtension for TimeStampingOnly {
    fn critical(&self, _: &Name, _: &[x509_cert::ext::Extension]) -> bool {
        true
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| e.to_string())
}

/// A CSR for `key`, PEM (for desktop clients and tests).
pub fn csr_pem(key: &SigningKey, common_name: &str) -> Result<String, String> {
    let subject = Name::from_str(&format!("CN={common_name}")).map_err(|e| e.to_string())?;
    let builder =
        x509_cert::builder::RequestBuilder::new(subject, key).map_err(|e| e.to_string())?;
    let req = builder.build::<DerSignature>().map_err(|e| e.to_string())?;
    req.to_pem(LineEnding::LF).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_device_certificates_that_chain_to_the_ca() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = SystemTime::now();
        let ca = DeviceCa::load_or_create(dir.path(), "Tỉnh Hà Giang", now).expect("creates");
        let again = DeviceCa::load_or_create(dir.path(), "Tỉnh Hà Giang", now).expect("loads");
        assert_eq!(
            ca.cert_pem(),
            again.cert_pem(),
            "the CA is created once and kept"
        );
        let device = SigningKey::random(&mut OsRng);
        let csr = csr_pem(&device, "device").expect("csr");
        let cert = ca
            .issue(
                &csr,
                "Nguyễn Văn An",
                "UBND tỉnh Hà Giang",
                SecurityLevel::Software,
                now,
            )
            .expect("issues");
        kyso_pdf::verify::crypto::verify_certificate(&cert, ca.cert()).expect("signed by the CA");
        let subject = cert.tbs_certificate.subject.to_string();
        assert!(
            subject.contains("Nguyễn Văn An") && subject.contains("software"),
            "name and key level: {subject}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("ca/device-ca.key"))
                .expect("key file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "the CA key is readable by its owner only");
        }
    }

    #[test]
    fn forged_csrs_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = DeviceCa::load_or_create(dir.path(), "X", SystemTime::now()).expect("creates");
        let csr = csr_pem(&SigningKey::random(&mut OsRng), "d").expect("csr");
        let mut der = CertReq::from_pem(csr.as_bytes()).expect("parses");
        let mut sig = der.signature.raw_bytes().to_vec();
        let last = sig.len() - 2;
        sig[last] ^= 1;
        der.signature = der::asn1::BitString::from_bytes(&sig).expect("bits");
        let forged = der.to_pem(LineEnding::LF).expect("pem");
        assert!(
            ca.issue(
                &forged,
                "A",
                "U",
                SecurityLevel::Software,
                SystemTime::now()
            )
            .is_err(),
            "a CSR whose signature fails"
        );
        assert!(
            ca.issue(
                "not a csr",
                "A",
                "U",
                SecurityLevel::Software,
                SystemTime::now()
            )
            .is_err(),
            "garbage"
        );
    }
}
