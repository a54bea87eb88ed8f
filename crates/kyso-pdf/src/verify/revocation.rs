//! Revocation data from the Document Security Store (ISO 32000-2 §12.8.4.3,
//! ETSI EN 319 142-1 §5.4): certificates, CRLs (RFC 5280 §5) and OCSP
//! responses (RFC 6960), each checked for its issuer's signature before use.

use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_ocsp::{BasicOcspResponse, CertStatus, OcspResponse};

use super::crypto::{DigestAlg, signature_digest, verify_prehash};
use crate::document::Document;
use crate::object::Object;
use crate::source::Source;

/// What the DSS holds, parsed.
#[derive(Debug, Default, Clone)]
pub struct Dss {
    /// `/Certs`.
    pub certs: Vec<Certificate>,
    /// `/CRLs`.
    pub crls: Vec<CertificateList>,
    /// `/OCSPs`, the basic responses inside.
    pub ocsps: Vec<BasicOcspResponse>,
}

/// Reads the document's DSS; unreadable entries are skipped (they can only
/// fail to help, never make a signature look better).
pub fn read_dss<S: Source>(doc: &Document<S>) -> Dss {
    let mut out = Dss::default();
    let Ok((_, cat)) = doc.catalog() else {
        return out;
    };
    let Some(Ok(dss)) = cat.get("DSS").map(|d| doc.resolve(d)) else {
        return out;
    };
    let Some(dss) = dss.as_dict() else { return out };
    let streams = |key: &str| -> Vec<Vec<u8>> {
        let Some(Ok(Object::Array(items))) = dss.get(key).map(|a| doc.resolve(a)) else {
            return Vec::new();
        };
        items
            .iter()
            .take(10_000)
            .filter_map(|i| match doc.resolve(i) {
                Ok(Object::Stream(s)) => doc.decode_stream(&s).ok(),
                _ => None,
            })
            .collect()
    };
    out.certs = streams("Certs")
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect();
    out.crls = streams("CRLs")
        .iter()
        .filter_map(|d| CertificateList::from_der(d).ok())
        .collect();
    out.ocsps = streams("OCSPs")
        .iter()
        .filter_map(|d| {
            let r = OcspResponse::from_der(d).ok()?;
            let bytes = r.response_bytes?;
            BasicOcspResponse::from_der(bytes.response.as_bytes()).ok()
        })
        .collect();
    out
}

/// Revocation status of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// A valid CRL or OCSP response says it is not revoked.
    Good(&'static str),
    /// Revoked at that time, according to that source.
    Revoked(OffsetDateTime, &'static str),
    /// No usable revocation data.
    Unknown,
}

fn sys(t: std::time::SystemTime) -> OffsetDateTime {
    OffsetDateTime::from(t)
}

/// The status of `cert`, issued by `issuer`, from the DSS. OCSP is preferred
/// when both answer; a revocation found anywhere wins.
pub fn status(cert: &Certificate, issuer: &Certificate, dss: &Dss) -> Status {
    let mut good: Option<&'static str> = None;
    let serial = &cert.tbs_certificate.serial_number;
    for crl in &dss.crls {
        if crl.tbs_cert_list.issuer != issuer.tbs_certificate.subject || !crl_signed_by(crl, issuer)
        {
            continue;
        }
        if let Some(r) = crl
            .tbs_cert_list
            .revoked_certificates
            .as_ref()
            .and_then(|list| list.iter().find(|r| &r.serial_number == serial))
        {
            return Status::Revoked(sys(r.revocation_date.to_system_time()), "crl");
        }
        good.get_or_insert("crl");
    }
    for basic in &dss.ocsps {
        if !ocsp_signed_for(basic, issuer) {
            continue;
        }
        for single in &basic.tbs_response_data.responses {
            if &single.cert_id.serial_number != serial || !cert_id_matches(&single.cert_id, issuer)
            {
                continue;
            }
            match &single.cert_status {
                CertStatus::Revoked(info) => {
                    return Status::Revoked(sys(info.revocation_time.0.to_system_time()), "ocsp");
                }
                CertStatus::Good(_) => good = Some("ocsp"),
                CertStatus::Unknown(_) => {}
            }
        }
    }
    good.map_or(Status::Unknown, Status::Good)
}

fn crl_signed_by(crl: &CertificateList, issuer: &Certificate) -> bool {
    let Ok(tbs) = crl.tbs_cert_list.to_der() else {
        return false;
    };
    let Ok(alg) = signature_digest(&crl.signature_algorithm, None) else {
        return false;
    };
    verify_prehash(
        &issuer.tbs_certificate.subject_public_key_info,
        &crl.signature_algorithm,
        &alg.digest(&tbs),
        crl.signature.raw_bytes(),
    )
    .is_ok()
}

/// Signed by the issuer itself or by a responder certificate the issuer
/// delegated OCSP signing to (RFC 6960 §4.2.2.2).
fn ocsp_signed_for(basic: &BasicOcspResponse, issuer: &Certificate) -> bool {
    let Ok(tbs) = basic.tbs_response_data.to_der() else {
        return false;
    };
    let Ok(alg) = signature_digest(&basic.signature_algorithm, None) else {
        return false;
    };
    let digest = alg.digest(&tbs);
    let by = |c: &Certificate| {
        verify_prehash(
            &c.tbs_certificate.subject_public_key_info,
            &basic.signature_algorithm,
            &digest,
            basic.signature.raw_bytes(),
        )
        .is_ok()
    };
    if by(issuer) {
        return true;
    }
    const OCSP_SIGNING: const_oid::ObjectIdentifier =
        const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
    basic.certs.iter().flatten().any(|responder| {
        super::crypto::verify_certificate(responder, issuer).is_ok()
            && super::chain::extension::<x509_cert::ext::pkix::ExtendedKeyUsage>(responder)
                .is_some_and(|eku| eku.0.contains(&OCSP_SIGNING))
            && by(responder)
    })
}

fn cert_id_matches(id: &x509_ocsp::CertId, issuer: &Certificate) -> bool {
    let Ok(alg) = DigestAlg::from_oid(id.hash_algorithm.oid) else {
        return false;
    };
    let Ok(name) = issuer.tbs_certificate.subject.to_der() else {
        return false;
    };
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    alg.digest(&name) == id.issuer_name_hash.as_bytes()
        && alg.digest(key) == id.issuer_key_hash.as_bytes()
}
