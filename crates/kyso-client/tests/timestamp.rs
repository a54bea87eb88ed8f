//! `sign_document_online` against a real gateway on a loopback socket: with
//! the gateway up, the signature carries a valid timestamp from its TSA
//! (PAdES B-T); with the gateway gone after the document was fetched, the
//! signature is still made, without a timestamp (B-B), rather than failing
//! after the key has signed.

use kyso_client::{Client, DeviceKey, Secret, SignSettings};
use kyso_pdf::verify::report::Indication;
use kyso_pdf::verify::{Profile, VerifyOptions};

// Shared with the other tests, some of whose fields only they read.
#[allow(dead_code)]
#[path = "common/gateway.rs"]
mod gateway;

fn verify(pdf: &[u8], chain: &[x509_cert::Certificate]) -> kyso_pdf::verify::report::Report {
    kyso_pdf::verify::verify(
        pdf,
        &VerifyOptions {
            profile: Profile::Strict,
            trust: chain[1..].to_vec(),
            original: None,
            now: time::OffsetDateTime::now_utc(),
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_signatures_are_timestamped_and_fall_back_without_the_tsa() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gw = gateway::start(dir.path(), None).await;
    let anon = Client::new(&gw.url(), None).expect("client");
    let session = anon
        .login("leader1", &Secret::new(gateway::PASSWORD.to_string()))
        .await
        .expect("login");
    let client = anon.with_token(session.token);
    let key = DeviceKey::generate();
    let enrolled = kyso_client::enroll(&client, &key, "leader1", "linux", "timestamp test")
        .await
        .expect("enrolls");
    let chain = kyso_client::parse_chain(&enrolled.certificate_chain_pem).expect("chain");
    assert!(chain.len() >= 2, "the device certificate and its CA");
    let signer = key.software_key();
    let settings = SignSettings::default();
    let inbox = client.inbox().await.expect("inbox");
    let (a, b) = (&inbox[0], &inbox[1]);
    let doc_a = client.document(&a.id).await.expect("document a");
    let doc_b = client.document(&b.id).await.expect("document b");

    // Online: B-T, the token's TSA chaining to the same CA.
    let signed =
        kyso_client::flow::sign_document_online(&client, a, &doc_a, &signer, &chain, &settings)
            .await
            .expect("signs online");
    let report = verify(&signed.pdf, &chain);
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{}",
        report.to_json()
    );
    let stamps = &report.signatures[0].timestamps;
    assert_eq!(stamps.len(), 1, "{}", report.to_json());
    assert_eq!(stamps[0].kind, "signature");
    assert!(stamps[0].valid, "{}", report.to_json());
    let (uploaded, _) = kyso_client::flow::upload(&client, &signed, 1)
        .await
        .expect("the gateway accepts the B-T signature");
    assert_eq!(
        uploaded.signed_sha256.as_deref(),
        Some(signed.sha256.as_str())
    );

    // The gateway goes away after the document was fetched: B-B, still valid.
    gw.stop().await;
    let signed =
        kyso_client::flow::sign_document_online(&client, b, &doc_b, &signer, &chain, &settings)
            .await
            .expect("signs without the TSA");
    let report = verify(&signed.pdf, &chain);
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{}",
        report.to_json()
    );
    assert!(
        report.signatures[0].timestamps.is_empty(),
        "no timestamp: {}",
        report.to_json()
    );
}
