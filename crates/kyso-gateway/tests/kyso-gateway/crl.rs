//! The device CA's CRL (`GET /api/v1/ca/crl`): signed again when a device
//! is revoked, accepted by `openssl crl -verify`, named by new device
//! certificates as their distribution point; and with it the verifier keeps
//! a document timestamped before the revocation valid and refuses one
//! timestamped after.

use std::io::Cursor;
use std::path::Path;
use std::process::Command;

use axum::http::StatusCode;
use der::{Decode, Encode, EncodePem};
use kyso_pdf::verify::report::{Indication, SubIndication};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::CrlDistributionPoints;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

use crate::support::*;

const PUBLIC: &str = "https://ky-so.test.gov.vn";

async fn fetch_crl(gw: &Gw) -> (Vec<u8>, CertificateList) {
    let r = get(gw, "/api/v1/ca/crl", None).await;
    assert_eq!(r.status, StatusCode::OK, "public, no credentials");
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/pkix-crl"),
        "RFC 2585's media type"
    );
    let crl = CertificateList::from_der(&r.body).expect("a DER CRL");
    (r.body.to_vec(), crl)
}

fn crl_number(crl: &CertificateList) -> Vec<u8> {
    let ext = crl
        .tbs_cert_list
        .crl_extensions
        .as_ref()
        .and_then(|e| {
            e.iter()
                .find(|x| x.extn_id == const_oid::db::rfc5280::ID_CE_CRL_NUMBER)
        })
        .expect("a cRLNumber");
    let n = x509_cert::ext::pkix::CrlNumber::from_der(ext.extn_value.as_bytes()).expect("number");
    n.0.as_bytes().to_vec()
}

fn revoked_serials(crl: &CertificateList) -> Vec<Vec<u8>> {
    crl.tbs_cert_list
        .revoked_certificates
        .iter()
        .flatten()
        .map(|r| r.serial_number.as_bytes().to_vec())
        .collect()
}

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Big-endian bytes compared as numbers (the cRLNumber's minimal encoding).
fn as_u64(b: &[u8]) -> u64 {
    b.iter().fold(0, |n, x| (n << 8) | u64::from(*x))
}

async fn revoke(gw: &Gw, device: &str) {
    let admin = login(gw, "admin").await;
    let r = post_json(
        gw,
        &format!("/api/v1/admin/devices/{device}/revoke"),
        Some(&admin),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "revoked");
}

async fn revocation_publishes_a_new_crl(backend: Backend) {
    let gw = gateway_with(backend, |c| c.public_url = Some(format!("{PUBLIC}/"))).await;
    let token = login(&gw, "leader1").await;
    let dev = enroll(&gw, &token).await;
    let kept = enroll(&gw, &token).await;

    // New device certificates name the CRL's URL.
    let dp = kyso_pdf::verify::chain::extension::<CrlDistributionPoints>(&dev.cert)
        .expect("a CRL distribution point");
    let uris: Vec<String> =
        dp.0.iter()
            .filter_map(|p| match &p.distribution_point {
                Some(DistributionPointName::FullName(names)) => Some(names),
                _ => None,
            })
            .flatten()
            .filter_map(|n| match n {
                GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                _ => None,
            })
            .collect();
    assert_eq!(
        uris,
        vec![format!("{PUBLIC}/api/v1/ca/crl")],
        "the gateway's public URL, without a doubled slash"
    );

    let (first_der, first) = fetch_crl(&gw).await;
    assert!(revoked_serials(&first).is_empty(), "nothing revoked yet");
    let (again, _) = fetch_crl(&gw).await;
    assert_eq!(again, first_der, "an unchanged registry: the stored CRL");
    let this = first.tbs_cert_list.this_update.to_unix_duration();
    let next = first
        .tbs_cert_list
        .next_update
        .expect("a nextUpdate")
        .to_unix_duration();
    assert_eq!(
        next - this,
        kyso_gateway::crl::VALIDITY,
        "valid a week from thisUpdate"
    );

    revoke(&gw, &dev.id).await;
    let (der, crl) = fetch_crl(&gw).await;
    assert_eq!(
        revoked_serials(&crl),
        vec![dev.cert.tbs_certificate.serial_number.as_bytes().to_vec()],
        "the revoked device's certificate, and not the other one"
    );
    assert!(
        as_u64(&crl_number(&crl)) > as_u64(&crl_number(&first)),
        "a new CRL has a greater number"
    );

    // OpenSSL checks the signature against the device CA, and refuses the
    // revoked certificate while accepting the other.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("crl.der"), &der).expect("crl");
    std::fs::write(dir.path().join("ca.pem"), gw.state.ca.cert_pem()).expect("ca");
    let (ok, out) = openssl(
        &[
            "crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "ca.pem", "-noout", "-verify",
        ],
        dir.path(),
    );
    assert!(
        ok && out.contains("verify OK"),
        "openssl crl -verify: {out}"
    );
    let (ok, out) = openssl(
        &[
            "crl", "-inform", "DER", "-in", "crl.der", "-out", "crl.pem", "-outform", "PEM",
        ],
        dir.path(),
    );
    assert!(ok, "{out}");
    for (name, d) in [("revoked", &dev), ("kept", &kept)] {
        let pem = d
            .cert
            .to_pem(der::pem::LineEnding::LF)
            .expect("certificate PEM");
        std::fs::write(dir.path().join(format!("{name}.pem")), pem).expect("cert");
    }
    let verify_with_crl = |name: &str| {
        openssl(
            &[
                "verify",
                "-crl_check",
                "-CAfile",
                "ca.pem",
                "-CRLfile",
                "crl.pem",
                &format!("{name}.pem"),
            ],
            dir.path(),
        )
    };
    let (ok, out) = verify_with_crl("revoked");
    assert!(
        !ok && out.contains("certificate revoked"),
        "the revoked device's certificate: {out}"
    );
    let (ok, out) = verify_with_crl("kept");
    assert!(ok, "the live device's certificate: {out}");

    // A revocation written by another process (`kyso admin` without the CA
    // key) reaches the next CRL served.
    sqlx::query(
        &gw.state
            .db
            .sql("UPDATE devices SET status = 'revoked', revoked_at = ? WHERE id = ?"),
    )
    .bind(gw.state.now())
    .bind(&kept.id)
    .execute(gw.state.db.pool())
    .await
    .expect("update");
    let (_, later) = fetch_crl(&gw).await;
    assert_eq!(
        revoked_serials(&later).len(),
        2,
        "signed again at the next request"
    );
    assert!(as_u64(&crl_number(&later)) > as_u64(&crl_number(&crl)));
}

#[tokio::test]
async fn revocation_publishes_a_new_crl_sqlite() {
    revocation_publishes_a_new_crl(Backend::Sqlite).await;
}

#[tokio::test]
async fn revocation_publishes_a_new_crl_postgres() {
    revocation_publishes_a_new_crl(Backend::Postgres).await;
}

/// The gateway's TSA called in process (its tokens are what `/api/v1/tsa`
/// answers; the serial does not matter here).
struct InProcessTsa<'a>(&'a kyso_gateway::tsa::Tsa);

impl kyso_pdf::timestamp::TimeStamper for InProcessTsa<'_> {
    fn timestamp(&self, digest: &[u8; 32]) -> kyso_pdf::Result<Vec<u8>> {
        let req = kyso_pdf::timestamp::request(digest, 1)?;
        let req = kyso_gateway::tsa::check_request(&req, self.0.policy()).expect("granted");
        Ok(self
            .0
            .token(&req, 1, time::OffsetDateTime::now_utc())
            .expect("token"))
    }
}

fn sign_timestamped(gw: &Gw, dev: &DeviceKey, issued: &[u8]) -> Vec<u8> {
    let tsa = InProcessTsa(gw.state.tsa.as_ref().expect("TSA"));
    let mut out = Cursor::new(Vec::new());
    let opts =
        kyso_pdf::sign::SignOptions::invisible("Nguyễn Văn An", time::OffsetDateTime::now_utc());
    kyso_pdf::sign::sign(
        issued,
        &mut out,
        &dev.key,
        &dev.cert,
        &dev.chain,
        Some(&tsa),
        &opts,
    )
    .expect("signs");
    out.into_inner()
}

#[tokio::test]
async fn a_signature_timestamped_before_revocation_stays_valid() {
    let gw = gateway_with(Backend::Sqlite, |c| c.public_url = Some(PUBLIC.into())).await;
    let token = login(&gw, "leader1").await;
    let dev = enroll(&gw, &token).await;
    let before = sign_timestamped(&gw, &dev, &pdf("Truoc thu hoi"));
    // Timestamps and CRL times are whole seconds.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    revoke(&gw, &dev.id).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let after = sign_timestamped(&gw, &dev, &pdf("Sau thu hoi"));
    let (_, crl) = fetch_crl(&gw).await;

    let verify = |pdf: &[u8], crls: Vec<CertificateList>| {
        kyso_pdf::verify::verify_with_crls(
            pdf,
            &kyso_pdf::verify::VerifyOptions {
                profile: kyso_pdf::verify::Profile::Strict,
                trust: vec![gw.state.ca.cert().clone()],
                original: None,
                now: time::OffsetDateTime::now_utc(),
            },
            &crls,
        )
    };
    let r = verify(&before, vec![crl.clone()]);
    assert_eq!(
        r.indication,
        Indication::TotalPassed,
        "the timestamp proves it predates the revocation: {}",
        r.to_json()
    );
    assert_eq!(r.signatures[0].revocation.status, "revoked");
    assert!(
        r.signatures[0]
            .warnings
            .iter()
            .any(|w| w.code == "revoked_after_signing"),
        "and says so: {}",
        r.to_json()
    );
    let r = verify(&after, vec![crl.clone()]);
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::TotalFailed, Some(SubIndication::Revoked)),
        "timestamped after the revocation: {}",
        r.to_json()
    );
    // Without the CRL nothing tells the verifier: the CRL is what carries it.
    let r = verify(&after, Vec::new());
    assert_eq!(r.indication, Indication::TotalPassed, "{}", r.to_json());
    assert_eq!(r.signatures[0].revocation.status, "unknown");
    let _ = crl.to_der();
}
