//! The RFC 3161 timestamp authority (`POST /api/v1/tsa`): its tokens checked
//! by `openssl ts -verify` against the device CA, requests made by OpenSSL
//! and by kyso-pdf's client, rejections as RFC 3161 statuses, serial numbers
//! across a restart, and nothing recorded for what is refused.

use std::path::Path;
use std::process::Command;

use axum::http::StatusCode;
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use sqlx::Row;
use x509_tsp::TimeStampResp;

use crate::support::*;

fn tsa(gw: &Gw) -> &kyso_gateway::tsa::Tsa {
    gw.state.tsa.as_ref().expect("a gateway has its TSA")
}

async fn stamp(gw: &Gw, request: Vec<u8>) -> Resp {
    call(
        gw,
        "POST",
        "/api/v1/tsa",
        None,
        Some("application/timestamp-query"),
        request,
        &[],
    )
    .await
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

/// `openssl ts -query` over `data`, with `digest` (`-sha256`, `-sha1`) and `extra`.
fn openssl_query(dir: &Path, name: &str, data: &[u8], digest: &str, extra: &[&str]) -> Vec<u8> {
    std::fs::write(dir.join(format!("{name}.dat")), data).expect("write data");
    let tsq = format!("{name}.tsq");
    let dat = format!("{name}.dat");
    let mut args = vec!["ts", "-query", "-data", &dat, digest, "-out", &tsq];
    args.extend_from_slice(extra);
    let (ok, out) = openssl(&args, dir);
    assert!(ok, "openssl ts -query: {out}");
    std::fs::read(dir.join(tsq)).expect("query")
}

async fn counts(gw: &Gw) -> (i64, i64) {
    let last: i64 = sqlx::query("SELECT last_serial FROM tsa_serial WHERE id = 1")
        .fetch_one(gw.state.db.pool())
        .await
        .expect("counter")
        .try_get(0)
        .expect("int");
    let tokens: i64 = sqlx::query("SELECT COUNT(*) FROM tsa_tokens")
        .fetch_one(gw.state.db.pool())
        .await
        .expect("count")
        .try_get(0)
        .expect("int");
    (last, tokens)
}

fn serial_of(reply: &[u8]) -> u64 {
    let resp = TimeStampResp::from_der(reply).expect("a TimeStampResp");
    let token = resp
        .time_stamp_token
        .expect("granted with a token")
        .to_der()
        .expect("der");
    let info = kyso_pdf::timestamp::tst_info(&token).expect("TSTInfo");
    info.serial
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
}

#[tokio::test]
async fn openssl_verifies_our_tokens() {
    let gw = gateway().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("ca.pem"), gw.state.ca.cert_pem()).expect("ca");
    std::fs::write(d.join("tsa.pem"), tsa(&gw).cert_pem()).expect("tsa cert");
    let (ok, text) = openssl(&["x509", "-in", "tsa.pem", "-noout", "-text"], d);
    assert!(ok, "{text}");
    assert!(
        text.contains("X509v3 Extended Key Usage: critical")
            && text.contains("Time Stamping")
            && !text.contains("CA:TRUE"),
        "a leaf whose only, critical, extended key usage is timeStamping: {text}"
    );
    let data = "Quyết định số 12/QĐ-UBND".as_bytes();
    let query = openssl_query(d, "q", data, "-sha256", &["-cert"]);
    let r = stamp(&gw, query).await;
    assert_eq!(r.status, StatusCode::OK);
    std::fs::write(d.join("q.tsr"), &r.body).expect("reply");
    let (ok, out) = openssl(
        &[
            "ts",
            "-verify",
            "-queryfile",
            "q.tsq",
            "-in",
            "q.tsr",
            "-CAfile",
            "ca.pem",
            "-untrusted",
            "tsa.pem",
        ],
        d,
    );
    assert!(
        ok && out.contains("Verification: OK"),
        "openssl ts -verify: {out}"
    );
    // Against the data itself, too (imprint recomputed by OpenSSL).
    let (ok, out) = openssl(
        &[
            "ts",
            "-verify",
            "-data",
            "q.dat",
            "-in",
            "q.tsr",
            "-CAfile",
            "ca.pem",
            "-untrusted",
            "tsa.pem",
        ],
        d,
    );
    assert!(
        ok && out.contains("Verification: OK"),
        "against the data: {out}"
    );
    let (ok, out) = openssl(
        &[
            "ts",
            "-verify",
            "-data",
            "q.tsq",
            "-in",
            "q.tsr",
            "-CAfile",
            "ca.pem",
            "-untrusted",
            "tsa.pem",
        ],
        d,
    );
    assert!(!ok, "other data does not verify: {out}");
    // What the reply states.
    let (ok, text) = openssl(&["ts", "-reply", "-in", "q.tsr", "-text"], d);
    assert!(ok, "{text}");
    assert!(text.contains("Status: Granted."), "{text}");
    assert!(text.contains("Policy OID: 1.3.6.1.4.1.0.3161.1"), "{text}");
    assert!(text.contains("Hash Algorithm: sha256"), "{text}");
    assert!(text.contains("Accuracy: 0x01 seconds"), "{text}");
    assert!(text.contains("Serial number: 0x01"), "{text}");
    assert!(
        !text.contains("Nonce: unspecified"),
        "the nonce is echoed: {text}"
    );
    assert!(text.contains("TSA: DirName:"), "{text}");
    assert_eq!(counts(&gw).await, (1, 1), "one serial, one token recorded");
    // A query without -cert: the token carries no certificate, and openssl
    // needs the TSA certificate given to verify it.
    let query = openssl_query(d, "n", b"no cert", "-sha256", &["-no_nonce"]);
    let r = stamp(&gw, query).await;
    std::fs::write(d.join("n.tsr"), &r.body).expect("reply");
    let (_, text) = openssl(&["ts", "-reply", "-in", "n.tsr", "-text"], d);
    assert!(
        text.contains("Nonce: unspecified"),
        "none asked, none given: {text}"
    );
    let (ok, out) = openssl(
        &[
            "ts",
            "-verify",
            "-queryfile",
            "n.tsq",
            "-in",
            "n.tsr",
            "-CAfile",
            "ca.pem",
        ],
        d,
    );
    assert!(!ok, "no certificate in the token (certReq false): {out}");
    let (ok, out) = openssl(
        &[
            "ts",
            "-verify",
            "-queryfile",
            "n.tsq",
            "-in",
            "n.tsr",
            "-CAfile",
            "ca.pem",
            "-untrusted",
            "tsa.pem",
        ],
        d,
    );
    assert!(
        ok && out.contains("Verification: OK"),
        "with it given: {out}"
    );
}

#[tokio::test]
async fn kyso_pdf_client_accepts_our_tokens() {
    let gw = gateway().await;
    let digest: [u8; 32] = Sha256::digest(b"signature value").into();
    let nonce = 0x7eed_beef_0000_0001;
    let req = kyso_pdf::timestamp::request(&digest, nonce).expect("request");
    let r = stamp(&gw, req).await;
    assert_eq!(r.status, StatusCode::OK);
    let token = kyso_pdf::timestamp::token_from_response(&r.body, &digest, nonce)
        .expect("imprint and nonce echoed");
    let info = kyso_pdf::timestamp::tst_info(&token).expect("TSTInfo");
    assert_eq!(info.policy, kyso_gateway::tsa::DEFAULT_POLICY);
    let now = time::OffsetDateTime::now_utc();
    assert!(
        (info.gen_time - now).abs() < time::Duration::seconds(5),
        "the time is now: {}",
        info.gen_time
    );
    assert!(
        kyso_pdf::timestamp::token_from_response(&r.body, &digest, nonce + 1).is_err(),
        "another nonce is not this token's"
    );
}

#[tokio::test]
async fn other_hash_algorithms_are_rejected_by_status() {
    let gw = gateway().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for (name, digest) in [("sha1", "-sha1"), ("sha512", "-sha512")] {
        let query = openssl_query(d, name, b"data", digest, &["-cert"]);
        let r = stamp(&gw, query).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "an RFC 3161 answer, not an HTTP error"
        );
        let tsr = format!("{name}.tsr");
        std::fs::write(d.join(&tsr), &r.body).expect("reply");
        let (ok, text) = openssl(&["ts", "-reply", "-in", &tsr, "-text"], d);
        assert!(ok, "{text}");
        assert!(text.contains("Status: Rejected."), "{name}: {text}");
        assert!(
            text.contains("unrecognized or unsupported algorithm identifier"),
            "{name}: failInfo badAlg: {text}"
        );
        assert!(
            text.contains("TST info:\nNot included."),
            "{name}: no token: {text}"
        );
    }
    let refused = |body: &[u8], name: &str| {
        let tsr = format!("{name}.tsr");
        std::fs::write(d.join(&tsr), body).expect("reply");
        let (ok, text) = openssl(&["ts", "-reply", "-in", &tsr, "-text"], d);
        assert!(ok, "{text}");
        text
    };
    // Not DER at all: badDataFormat.
    let r = stamp(&gw, b"not a request".to_vec()).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = refused(&r.body, "garbage");
    assert!(
        text.contains("Status: Rejected.")
            && text.contains("the data submitted has the wrong format"),
        "{text}"
    );
    // Another policy: unacceptedPolicy.
    let query = openssl_query(d, "pol", b"data", "-sha256", &["-tspolicy", "1.2.3.4.5"]);
    let text = refused(&stamp(&gw, query).await.body, "pol");
    assert!(
        text.contains("Status: Rejected.")
            && text.contains("the requested TSA policy is not supported by the TSA"),
        "{text}"
    );
    // kyso-pdf's client reads a rejection as a refusal.
    let req = kyso_pdf::timestamp::request(&[1; 32], 7).expect("req");
    let mut sha1_req = x509_tsp::TimeStampReq::from_der(&req).expect("decodes");
    sha1_req.message_imprint.hash_algorithm.oid = const_oid::db::rfc5912::ID_SHA_1;
    let r = stamp(&gw, sha1_req.to_der().expect("der")).await;
    let e = kyso_pdf::timestamp::token_from_response(&r.body, &[1; 32], 7).expect_err("refused");
    assert!(e.to_string().contains("refused"), "{e}");
    // Our own policy asked for: granted.
    let query = openssl_query(
        d,
        "own",
        b"data",
        "-sha256",
        &["-tspolicy", "1.3.6.1.4.1.0.3161.1"],
    );
    let text = refused(&stamp(&gw, query).await.body, "own");
    assert!(text.contains("Status: Granted."), "{text}");
    assert_eq!(
        counts(&gw).await,
        (1, 1),
        "only the granted request took a serial"
    );
    // Not a timestamp query: the API's error shape.
    let r = call(
        &gw,
        "POST",
        "/api/v1/tsa",
        None,
        Some("application/json"),
        b"{}".to_vec(),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "bad_request");
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("timestamp-query"))
    );
    assert_eq!(counts(&gw).await, (1, 1), "nothing changed");
}

#[tokio::test]
async fn serials_increase_across_a_restart_sqlite() {
    serials_increase_across_a_restart(Backend::Sqlite).await;
}

#[tokio::test]
async fn serials_increase_across_a_restart_postgres() {
    serials_increase_across_a_restart(Backend::Postgres).await;
}

async fn serials_increase_across_a_restart(backend: Backend) {
    let gw = gateway_on(backend).await;
    let digest = [5u8; 32];
    let mut serials = Vec::new();
    for i in 0..3 {
        let r = stamp(
            &gw,
            kyso_pdf::timestamp::request(&digest, i + 1).expect("req"),
        )
        .await;
        serials.push(serial_of(&r.body));
    }
    let cert = tsa(&gw).cert_pem().to_string();
    let gw = restart(gw, kyso_gateway::system_clock(), |_| {}).await;
    assert_eq!(
        tsa(&gw).cert_pem(),
        cert,
        "the same TSA certificate after a restart"
    );
    for i in 0..3 {
        let r = stamp(
            &gw,
            kyso_pdf::timestamp::request(&digest, i + 10).expect("req"),
        )
        .await;
        serials.push(serial_of(&r.body));
    }
    assert!(
        serials.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing across the restart: {serials:?}"
    );
    assert_eq!(counts(&gw).await, (6, 6));
    // Concurrent requests: all granted, all serials distinct.
    let mut tasks = Vec::new();
    for i in 0..8u64 {
        let app = gw.app.clone();
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let req = axum::http::Request::builder()
                .method("POST")
                .uri("/api/v1/tsa")
                .header("Content-Type", "application/timestamp-query")
                .body(axum::body::Body::from(
                    kyso_pdf::timestamp::request(&[i as u8; 32], 100 + i).expect("req"),
                ))
                .expect("request");
            let resp = app.oneshot(req).await.expect("infallible");
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .expect("body");
            serial_of(&body)
        }));
    }
    let mut more = Vec::new();
    for t in tasks {
        more.push(t.await.expect("task"));
    }
    more.sort_unstable();
    more.dedup();
    assert_eq!(
        more,
        (7..=14).collect::<Vec<u64>>(),
        "unique, after the earlier ones"
    );
}
