//! Certificate path building and validation (RFC 5280 §6, simplified to
//! what a signature verifier needs): from the signer through intermediates
//! found in the CMS and the DSS to a configured trust anchor, with validity
//! at the time that matters, basic constraints and key usage.

use der::Encode;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};

use super::crypto::verify_certificate;

/// Why a path could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainProblem {
    /// No path to any trust anchor.
    NoPath,
    /// A certificate of the path was not valid yet at the time.
    NotYetValid(String),
    /// A certificate of the path had expired at the time.
    Expired(String),
    /// Basic constraints or key usage forbid the path.
    Constraints(String),
}

/// A path from the signer (first) to the trust anchor (last).
#[derive(Debug, Clone)]
pub struct Path {
    /// The certificates, signer first.
    pub certs: Vec<Certificate>,
}

fn same(a: &Certificate, b: &Certificate) -> bool {
    a.to_der().ok() == b.to_der().ok()
}

/// Builds a path from `leaf` to one of `anchors` through `pool`; the first
/// path found that verifies cryptographically wins.
pub fn build(leaf: &Certificate, pool: &[Certificate], anchors: &[Certificate]) -> Option<Path> {
    let mut path = vec![leaf.clone()];
    if search(&mut path, pool, anchors, 0) {
        Some(Path { certs: path })
    } else {
        None
    }
}

fn search(
    path: &mut Vec<Certificate>,
    pool: &[Certificate],
    anchors: &[Certificate],
    depth: usize,
) -> bool {
    let Some(cur) = path.last().cloned() else {
        return false;
    };
    if anchors.iter().any(|a| same(a, &cur)) {
        return true;
    }
    if depth > 8 {
        return false;
    }
    for a in anchors {
        if a.tbs_certificate.subject == cur.tbs_certificate.issuer
            && verify_certificate(&cur, a).is_ok()
        {
            path.push(a.clone());
            return true;
        }
    }
    for c in pool {
        if c.tbs_certificate.subject != cur.tbs_certificate.issuer
            || path.iter().any(|p| same(p, c))
        {
            continue;
        }
        if verify_certificate(&cur, c).is_ok() {
            path.push(c.clone());
            if search(path, pool, anchors, depth + 1) {
                return true;
            }
            path.pop();
        }
    }
    false
}

/// Checks validity at `at`, CA constraints on issuers and the signer's key usage.
pub fn check(
    path: &Path,
    at: OffsetDateTime,
    signer_usages: &[KeyUsages],
) -> Result<(), ChainProblem> {
    let n = path.certs.len();
    for (i, c) in path.certs.iter().enumerate() {
        let name = c.tbs_certificate.subject.to_string();
        let v = &c.tbs_certificate.validity;
        let nb = OffsetDateTime::from(v.not_before.to_system_time());
        let na = OffsetDateTime::from(v.not_after.to_system_time());
        if at < nb {
            return Err(ChainProblem::NotYetValid(name));
        }
        if at > na {
            return Err(ChainProblem::Expired(name));
        }
        let is_anchor = i + 1 == n && n > 1;
        if i > 0 && !is_anchor {
            let bc = extension::<BasicConstraints>(c);
            if !bc.as_ref().is_some_and(|b| b.ca) {
                return Err(ChainProblem::Constraints(format!(
                    "{name} is not a CA certificate"
                )));
            }
            if let Some(len) = bc.and_then(|b| b.path_len_constraint)
                && (i - 1) > usize::from(len)
            {
                return Err(ChainProblem::Constraints(format!(
                    "{name}: path length constraint exceeded"
                )));
            }
        }
        if i > 0
            && let Some(ku) = extension::<KeyUsage>(c)
            && !ku.key_cert_sign()
        {
            return Err(ChainProblem::Constraints(format!(
                "{name} may not sign certificates"
            )));
        }
        if i == 0
            && let Some(ku) = extension::<KeyUsage>(c)
            && !signer_usages.iter().any(|u| ku.0.contains(*u))
        {
            return Err(ChainProblem::Constraints(format!(
                "{name}: key usage does not allow this signature"
            )));
        }
    }
    Ok(())
}

/// A decoded extension of a certificate, when present and well-formed.
pub fn extension<T: for<'a> der::Decode<'a> + const_oid::AssociatedOid>(
    c: &Certificate,
) -> Option<T> {
    c.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == T::OID)
        .and_then(|e| <T as der::Decode>::from_der(e.extn_value.as_bytes()).ok())
}
