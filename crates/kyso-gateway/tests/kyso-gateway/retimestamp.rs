//! Re-timestamping the archive (`retimestamp`): on a clock moved nine and a
//! half years ahead, the issued document and its copy, whose document
//! timestamps were made under a TSA certificate that now has half a year
//! left, get a DSS and a second document timestamp from the renewed TSA
//! certificate; the verifier still passes them and reports both timestamps;
//! a second run does nothing; the old versions stay in the store.

use std::sync::Arc;

use axum::http::StatusCode;
use kyso_gateway::retimestamp::{self, DEFAULT_WITHIN};
use kyso_pdf::verify::report::Indication;
use kyso_pdf::verify::{Profile, VerifyOptions};

use crate::fake_push::ManualClock;
use crate::issuance::signed_request;
use crate::support::*;

fn verify_at(gw: &Gw, pdf: &[u8]) -> kyso_pdf::verify::report::Report {
    kyso_pdf::verify::verify(
        pdf,
        &VerifyOptions {
            profile: Profile::Multi,
            trust: vec![gw.state.ca.cert().clone()],
            original: None,
            now: gw.state.clock.now(),
        },
    )
}

async fn documents(gw: &Gw, id: &str) -> (Vec<u8>, Vec<u8>, String) {
    let clerk = login(gw, "clerk1").await;
    let issued = get(
        gw,
        &format!("/api/v1/clerk/requests/{id}/issued"),
        Some(&clerk),
    )
    .await;
    assert_eq!(issued.status, StatusCode::OK);
    let list = get(
        gw,
        &format!("/api/v1/clerk/requests/{id}/copies"),
        Some(&clerk),
    )
    .await
    .json();
    let copy_id = list[0]["id"].as_str().expect("a copy").to_string();
    let copy = get(
        gw,
        &format!("/api/v1/clerk/requests/{id}/copies/{copy_id}"),
        Some(&clerk),
    )
    .await;
    assert_eq!(copy.status, StatusCode::OK);
    (issued.body.to_vec(), copy.body.to_vec(), copy_id)
}

fn sha(b: &[u8]) -> String {
    kyso_gateway::store::hex(&<sha2::Sha256 as sha2::Digest>::digest(b))
}

async fn documents_near_expiry_get_a_new_timestamp(backend: Backend) {
    let clock = ManualClock::new();
    let gw = gateway_at(backend, clock.clone(), |_| {}).await;
    let clerk = login(&gw, "clerk1").await;
    let (id, _) = signed_request(&gw).await;
    issued_request(&gw, &clerk, &id, "12/QĐ-UBND").await;
    let r = post_json(
        &gw,
        &format!("/api/v1/clerk/requests/{id}/copies"),
        Some(&clerk),
        serde_json::json!({"kind": "sao_y", "number_symbol": "05/SY-UBND"}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let (issued, copy, copy_id) = documents(&gw, &id).await;
    let old_tsa = gw.state.tsa.as_ref().expect("a TSA").cert().clone();

    // Today nothing is due: the TSA certificate has ten years left.
    let r = retimestamp::run(&gw.state, DEFAULT_WITHIN, false)
        .await
        .expect("runs");
    assert_eq!(r.checked, 2, "the issued document and its copy");
    assert!(r.documents.is_empty(), "{r:?}");

    // Nine and a half years on, after a restart: the TSA certificate had
    // half a year left, so the TSA has a new one; both documents are due.
    clock.advance(time::Duration::days(9 * 365 + 180));
    let clock_dyn: Arc<dyn kyso_gateway::Clock> = clock.clone();
    let gw = restart(gw, clock_dyn, |_| {}).await;
    let new_tsa = gw.state.tsa.as_ref().expect("a TSA").cert().clone();
    assert_ne!(
        new_tsa.tbs_certificate.serial_number, old_tsa.tbs_certificate.serial_number,
        "the TSA certificate is issued again two years before it expires"
    );
    let dry = retimestamp::run(&gw.state, DEFAULT_WITHIN, true)
        .await
        .expect("dry run");
    let actions: Vec<&str> = dry.documents.iter().map(|o| o.action).collect();
    assert_eq!(actions, ["due", "due"], "{dry:?}");
    assert_eq!(
        documents(&gw, &id).await.0,
        issued,
        "a dry run changes nothing"
    );

    let r = retimestamp::run(&gw.state, DEFAULT_WITHIN, false)
        .await
        .expect("runs");
    let actions: Vec<&str> = r.documents.iter().map(|o| o.action).collect();
    assert_eq!(actions, ["retimestamped", "retimestamped"], "{r:?}");
    let (issued2, copy2, copy_id2) = documents(&gw, &id).await;
    assert_eq!(copy_id2, copy_id);
    assert_eq!(
        r.documents[0].new_sha256.as_deref(),
        Some(sha(&issued2).as_str())
    );
    assert_eq!(
        r.documents[1].new_sha256.as_deref(),
        Some(sha(&copy2).as_str())
    );
    for (old, new, kinds) in [
        (
            &issued,
            &issued2,
            &[
                "signature",
                "signature",
                "document_timestamp",
                "document_timestamp",
            ][..],
        ),
        (
            &copy,
            &copy2,
            &[
                "signature",
                "signature",
                "document_timestamp",
                "signature",
                "document_timestamp",
                "document_timestamp",
            ][..],
        ),
    ] {
        assert!(new.starts_with(old), "incremental: the old version intact");
        assert!(
            gw.state.store.read(&sha(old)).is_ok(),
            "the old version stays in the store"
        );
        let report = verify_at(&gw, new);
        assert_eq!(
            report.indication,
            Indication::TotalPassed,
            "{}",
            report.to_json()
        );
        let got: Vec<&str> = report.signatures.iter().map(|s| s.kind).collect();
        assert_eq!(got, kinds, "{}", report.to_json());
        let stamps: Vec<_> = report
            .signatures
            .iter()
            .filter(|s| s.kind == "document_timestamp")
            .collect();
        let last = stamps.last().expect("the new document timestamp");
        assert!(
            last.timestamps
                .iter()
                .any(|t| t.kind == "document" && t.valid)
                && last.coverage == kyso_pdf::verify::report::Coverage::WholeFile,
            "the new timestamp covers the whole file: {}",
            report.to_json()
        );
        let doc = kyso_pdf::Document::open_with(&new[..], kyso_pdf::ReadOptions::lenient())
            .expect("opens");
        let facts = kyso_pdf::verify::last_document_timestamp(&doc, new.len() as u64)
            .expect("reads")
            .expect("a document timestamp");
        assert_eq!(facts.tsa, new_tsa, "stamped under the renewed certificate");
        assert!(facts.covers_whole_file);
    }

    // Once: a second run finds nothing due.
    let again = retimestamp::run(&gw.state, DEFAULT_WITHIN, false)
        .await
        .expect("runs");
    assert_eq!(again.checked, 2);
    assert!(again.documents.is_empty(), "{again:?}");
    let hist = get(
        &gw,
        &format!("/api/v1/requests/{id}"),
        Some(&gw.integrator_key),
    )
    .await
    .json();
    let entries = hist["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["action"] == "retimestamped" && h["actor"] == "gateway")
        .count();
    assert_eq!(entries, 2, "{hist}");
}

#[tokio::test]
async fn documents_near_expiry_get_a_new_timestamp_sqlite() {
    documents_near_expiry_get_a_new_timestamp(Backend::Sqlite).await;
}

#[tokio::test]
async fn documents_near_expiry_get_a_new_timestamp_postgres() {
    documents_near_expiry_get_a_new_timestamp(Backend::Postgres).await;
}
