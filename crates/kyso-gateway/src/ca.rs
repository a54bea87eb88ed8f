//! The provincial device CA: a P-256 key in a PKCS#11 token ([`CaKey::Hsm`])
//! or, for the demo, created on first start in the data directory, issuing device
//! certificates from PKCS#10 requests, and the certificate of the gateway's
//! timestamp authority (`tsa`). The key's security level is written
//! into the certificate subject (`OU`), so reports can tell a software key
//! from a hardware one.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use der::asn1::{SetOfVec, Utf8StringRef};
use der::{Any, Decode, DecodePem, Encode, EncodePem, Tag};
use kyso_api::SecurityLevel;
use kyso_hsm::{FileKey, KeySigner, SignerAdapter, Token};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::LineEnding;
use rand_core::{OsRng, RngCore};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::CertReq;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};

/// Where the device CA's key lives.
#[derive(Debug, Clone, Default)]
pub enum CaKey {
    /// `DATA/ca/device-ca.key`, created with the CA on first start: the
    /// demo fallback (it warns).
    #[default]
    File,
    /// A P-256 key pair in a PKCS#11 token, by label (generated there when
    /// the token has none and the data directory has no CA yet).
    Hsm {
        /// Module, token, PIN.
        config: kyso_hsm::HsmConfig,
        /// The key pair's label.
        label: String,
    },
    /// Whatever the data directory has, for tools that only read the CA
    /// certificate (`kyso admin`): the file key when there is one, the
    /// certificate alone when its key is elsewhere (a token); a new file CA
    /// when there is none.
    Existing,
}

/// The device CA.
pub struct DeviceCa {
    /// `None`: the certificate only (its key is in a token this process did
    /// not open); issuing fails.
    key: Option<Arc<dyn KeySigner>>,
    cert: Certificate,
    cert_pem: String,
    /// Where its CRL is published (`…/api/v1/ca/crl`), written into every
    /// certificate issued from now on as its CRL distribution point.
    crl_url: Option<String>,
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
    /// Loads the CA from `DATA/ca/` with its key in a file, creating both
    /// on first start.
    pub fn load_or_create(
        data_dir: &Path,
        province: &str,
        now: SystemTime,
    ) -> Result<Self, String> {
        Self::open(data_dir, province, now, &CaKey::File)
    }

    /// Opens the CA in `DATA/ca/` (its certificate `device-ca.pem`) with its
    /// key where `key` says, creating a root certificate for that key when
    /// the directory has none. A certificate whose key is not the one given
    /// is refused, never replaced: every device certificate chains to it.
    pub fn open(
        data_dir: &Path,
        province: &str,
        now: SystemTime,
        key: &CaKey,
    ) -> Result<Self, String> {
        let dir = data_dir.join("ca");
        let key_path = dir.join("device-ca.key");
        let cert_path = dir.join("device-ca.pem");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let stored = match std::fs::read_to_string(&cert_path) {
            Ok(pem) => Some(
                Certificate::from_pem(pem.as_bytes())
                    .map(|c| (c, pem))
                    .map_err(|e| format!("device CA certificate: {e}"))?,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("{}: {e}", cert_path.display())),
        };
        let signer: Option<Arc<dyn KeySigner>> = match key {
            CaKey::Hsm { config, label } => {
                let token = Token::open(config).map_err(|e| format!("device CA key: {e}"))?;
                let k = if stored.is_some() {
                    token.key(label)
                } else {
                    token.key_or_generate(label)
                };
                Some(Arc::new(k.map_err(|e| format!("device CA key: {e}"))?))
            }
            CaKey::Existing if stored.is_some() && !key_path.exists() => None,
            CaKey::File | CaKey::Existing => {
                if stored.is_some() && !key_path.exists() {
                    return Err(format!(
                        "{} has no key beside it: the device CA's key is elsewhere (in a token? \
                         give the token and the CA key's label)",
                        cert_path.display()
                    ));
                }
                Some(Arc::new(
                    FileKey::load_or_create(&key_path)
                        .map_err(|e| format!("device CA key: {e}"))?,
                ))
            }
        };
        if let Some((cert, cert_pem)) = stored {
            if let Some(k) = &signer
                && &cert.tbs_certificate.subject_public_key_info != k.public_key()
            {
                return Err(format!(
                    "the device CA certificate {} is for another key than {}",
                    cert_path.display(),
                    k.describe()
                ));
            }
            return Ok(Self {
                key: signer,
                cert,
                cert_pem,
                crl_url: None,
            });
        }
        let signer = signer.ok_or("no device CA key")?;
        let subject = name(&[
            (const_oid::db::rfc4519::C, "VN"),
            (const_oid::db::rfc4519::O, province),
            (
                const_oid::db::rfc4519::CN,
                &format!("Kyso Device CA — {province}"),
            ),
        ])?;
        let adapter = SignerAdapter::new(signer.as_ref()).map_err(|e| e.to_string())?;
        let cert = CertificateBuilder::new(
            Profile::Root,
            serial()?,
            validity(now, 20)?,
            subject,
            signer.public_key().clone(),
            &adapter,
        )
        .map_err(|e| e.to_string())?
        .build::<DerSignature>()
        .map_err(|e| e.to_string())?;
        let cert_pem = cert.to_pem(LineEnding::LF).map_err(|e| e.to_string())?;
        // Created once: a CA certificate is never replaced.
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        match opts.open(&cert_path) {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(cert_pem.as_bytes())
                    .and_then(|()| f.sync_all())
                    .map_err(|e| e.to_string())?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Another process started at the same time: its certificate.
                return Self::open(data_dir, province, now, key);
            }
            Err(e) => return Err(format!("{}: {e}", cert_path.display())),
        }
        tracing::info!(key = %signer.describe(), "created the device CA");
        Ok(Self {
            key: Some(signer),
            cert,
            cert_pem,
            crl_url: None,
        })
    }

    /// Publishes the CRL at `url` (an `http(s)://` URL): certificates issued
    /// from now on name it as their CRL distribution point (RFC 5280
    /// §4.2.1.13), so validators such as pyHanko fetch it themselves.
    pub fn set_crl_url(&mut self, url: Option<String>) {
        self.crl_url = url;
    }

    /// The CRL's URL, when published.
    pub fn crl_url(&self) -> Option<&str> {
        self.crl_url.as_deref()
    }

    /// The `cRLDistributionPoints` extension naming [`Self::crl_url`].
    fn crl_distribution_point(
        &self,
    ) -> Result<Option<x509_cert::ext::pkix::CrlDistributionPoints>, String> {
        use x509_cert::ext::pkix::crl::dp::DistributionPoint;
        use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
        let Some(url) = &self.crl_url else {
            return Ok(None);
        };
        let uri = der::asn1::Ia5String::new(url).map_err(|e| format!("CRL URL {url}: {e}"))?;
        Ok(Some(x509_cert::ext::pkix::CrlDistributionPoints(vec![
            DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![
                    GeneralName::UniformResourceIdentifier(uri),
                ])),
                reasons: None,
                crl_issuer: None,
            },
        ])))
    }

    /// Signs a CRL (RFC 5280 §5) with the CA's key, wherever it is: the
    /// issuer, the algorithm and the authority key identifier are filled in
    /// here, the rest (times, entries, number) comes from the caller.
    pub fn sign_crl(
        &self,
        this_update: SystemTime,
        next_update: SystemTime,
        revoked: Vec<x509_cert::crl::RevokedCert>,
        number: u64,
    ) -> Result<x509_cert::crl::CertificateList, String> {
        use sha2::Digest;
        use x509_cert::ext::AsExtension;
        let key = self
            .key
            .as_ref()
            .ok_or("the device CA's key is not open here (it is in a token)")?;
        let issuer = self.cert.tbs_certificate.subject.clone();
        let alg = spki::AlgorithmIdentifierOwned {
            oid: key.algorithm(),
            parameters: None,
        };
        let number = der::asn1::Uint::new(&number.to_be_bytes()).map_err(|e| e.to_string())?;
        let mut extensions = vec![
            x509_cert::ext::pkix::CrlNumber(number)
                .to_extension(&issuer, &[])
                .map_err(|e| e.to_string())?,
        ];
        // The CA certificate's own key identifier, so validators pick the
        // right key (RFC 5280 §5.2.1).
        if let Some(ski) = kyso_pdf::verify::chain::extension::<
            x509_cert::ext::pkix::SubjectKeyIdentifier,
        >(&self.cert)
        {
            extensions.push(
                x509_cert::ext::pkix::AuthorityKeyIdentifier {
                    key_identifier: Some(ski.0),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                }
                .to_extension(&issuer, &[])
                .map_err(|e| e.to_string())?,
            );
        }
        let time = |t: SystemTime| Time::try_from(t).map_err(|e| e.to_string());
        let tbs = x509_cert::crl::TbsCertList {
            version: x509_cert::Version::V2,
            signature: alg.clone(),
            issuer,
            this_update: time(this_update)?,
            next_update: Some(time(next_update)?),
            revoked_certificates: (!revoked.is_empty()).then_some(revoked),
            crl_extensions: Some(extensions),
        };
        let digest: [u8; 32] =
            sha2::Sha256::digest(tbs.to_der().map_err(|e| e.to_string())?).into();
        let signature = key
            .sign_digest(&digest)
            .map_err(|e| format!("the device CA key did not sign the CRL: {e}"))?;
        Ok(x509_cert::crl::CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: alg,
            signature: der::asn1::BitString::from_bytes(&signature).map_err(|e| e.to_string())?,
        })
    }

    fn signer(&self) -> Result<SignerAdapter<'_>, String> {
        let k = self
            .key
            .as_ref()
            .ok_or("the device CA's key is not open here (it is in a token)")?;
        SignerAdapter::new(k.as_ref()).map_err(|e| e.to_string())
    }

    /// Where the CA's key is (`pkcs11:…`, `file:…`), when it is open.
    pub fn key(&self) -> Option<String> {
        self.key.as_ref().map(|k| k.describe())
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
        self.issue_leaf(subject, spki, 2, false, now)
    }

    /// A leaf certificate for `spki`, signed by this CA, valid `years`, with
    /// the CRL distribution point; with `time_stamping`, also the critical
    /// `id-kp-timeStamping` extended key usage (before the distribution
    /// point). Device, TSA and seal certificates differ only in these.
    fn issue_leaf(
        &self,
        subject: Name,
        spki: &SubjectPublicKeyInfoOwned,
        years: u64,
        time_stamping: bool,
        now: SystemTime,
    ) -> Result<Certificate, String> {
        let profile = Profile::Leaf {
            issuer: self.cert.tbs_certificate.subject.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        };
        let signer = self.signer()?;
        let mut builder = CertificateBuilder::new(
            profile,
            serial()?,
            validity(now, years)?,
            subject,
            spki.clone(),
            &signer,
        )
        .map_err(|e| e.to_string())?;
        if time_stamping {
            builder
                .add_extension(&TimeStampingOnly)
                .map_err(|e| e.to_string())?;
        }
        if let Some(dp) = self.crl_distribution_point()? {
            builder.add_extension(&dp).map_err(|e| e.to_string())?;
        }
        builder.build::<DerSignature>().map_err(|e| e.to_string())
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
        self.issue_leaf(subject, spki, 10, true, now)
    }
}

impl DeviceCa {
    /// Issues the certificate of a unit's agency seal for `spki` (wherever
    /// its key lives): the unit as organisation and common name, `OU=seal`
    /// so reports tell it from a person, digitalSignature and
    /// nonRepudiation, the CRL distribution point; valid five years.
    pub fn issue_seal(
        &self,
        spki: &SubjectPublicKeyInfoOwned,
        unit_name: &str,
        now: SystemTime,
    ) -> Result<Certificate, String> {
        let subject = name(&[
            (const_oid::db::rfc4519::C, "VN"),
            (const_oid::db::rfc4519::O, unit_name),
            (const_oid::db::rfc4519::OU, "seal"),
            (const_oid::db::rfc4519::CN, unit_name),
        ])?;
        self.issue_leaf(subject, spki, 5, false, now)
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

    #[test]
    fn a_ca_certificate_is_never_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = SystemTime::now();
        let ca = DeviceCa::load_or_create(dir.path(), "X", now).expect("creates");
        let pem = ca.cert_pem().to_string();
        assert!(ca.key().is_some_and(|k| k.starts_with("file:")));
        // Its key moved elsewhere (a token): the file mode refuses to make
        // a new CA over the certificate.
        std::fs::rename(
            dir.path().join("ca/device-ca.key"),
            dir.path().join("moved.key"),
        )
        .expect("mv");
        let e = DeviceCa::open(dir.path(), "X", now, &CaKey::File).expect_err("no key");
        assert!(e.contains("no key beside it"), "{e}");
        // A tool that only reads the certificate still can; it cannot issue.
        let cert_only = DeviceCa::open(dir.path(), "X", now, &CaKey::Existing).expect("reads");
        assert_eq!(cert_only.cert_pem(), pem);
        assert!(cert_only.key().is_none());
        let csr = csr_pem(&SigningKey::random(&mut OsRng), "d").expect("csr");
        let e = cert_only
            .issue(&csr, "A", "U", SecurityLevel::Software, now)
            .expect_err("no key, no certificate");
        assert!(e.contains("not open here"), "{e}");
        // Another key for that certificate is refused.
        std::fs::write(
            dir.path().join("ca/device-ca.key"),
            std::fs::read(dir.path().join("other/ca/device-ca.key")).unwrap_or_else(|_| {
                DeviceCa::load_or_create(&dir.path().join("other"), "Y", now).expect("other CA");
                std::fs::read(dir.path().join("other/ca/device-ca.key")).expect("other key")
            }),
        )
        .expect("write");
        let e = DeviceCa::open(dir.path(), "X", now, &CaKey::File).expect_err("another key");
        assert!(e.contains("for another key"), "{e}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("ca/device-ca.pem")).expect("pem"),
            pem,
            "the certificate is untouched"
        );
    }
}
