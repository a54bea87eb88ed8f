//! Issuance by the clerk (`/api/v1/clerk/…`): what waits, the number and
//! date, the agency seal as a new revision over the leader's signed PDF
//! (the leader's signature still valid under profile B, the seal over the
//! left third of the leader's block), B-LTA (DSS with the CRL, document
//! timestamp), and the refusals that change nothing.

use std::io::Cursor;

use axum::http::StatusCode;
use kyso_pdf::appearance::{Appearance, Style};
use kyso_pdf::verify::report::Indication;
use kyso_pdf::verify::{Profile, VerifyOptions};

use crate::support::*;

/// The leader signs `issued` with a visible block, as the app does.
pub(crate) fn sign_visible(dev: &DeviceKey, issued: &[u8]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut opts =
        kyso_pdf::sign::SignOptions::invisible("Nguyễn Văn An", time::OffsetDateTime::now_utc());
    opts.appearance = Appearance {
        style: Style::Leader,
        signature_image: None,
        seal_image: None,
        title: Some("CHỦ TỊCH".into()),
        signer_name: "Nguyễn Văn An".into(),
        agency: Some("UBND tỉnh Thử Nghiệm".into()),
        number: None,
    };
    opts.rect = Some([330.0, 120.0, 200.0, 110.0]);
    kyso_pdf::sign::sign(
        issued, &mut out, &dev.key, &dev.cert, &dev.chain, None, &opts,
    )
    .expect("signs");
    out.into_inner()
}

pub(crate) fn verify(gw: &Gw, pdf: &[u8], profile: Profile) -> kyso_pdf::verify::report::Report {
    kyso_pdf::verify::verify(
        pdf,
        &VerifyOptions {
            profile,
            trust: vec![gw.state.ca.cert().clone()],
            original: None,
            now: time::OffsetDateTime::now_utc(),
        },
    )
}

/// The widget rectangles of the document's signature fields, in order.
pub(crate) fn widget_rects(pdf: &[u8]) -> Vec<[f64; 4]> {
    let doc = kyso_pdf::Document::open_with(pdf, kyso_pdf::ReadOptions::strict()).expect("opens");
    kyso_pdf::verify::revision::signature_fields(&doc)
        .expect("fields")
        .iter()
        .flat_map(|f| f.widgets.clone())
        .map(|w| {
            let kyso_pdf::object::Object::Dict(d) = doc.get(w).expect("widget") else {
                panic!("a widget dictionary")
            };
            let Some(kyso_pdf::object::Object::Array(r)) = d.get("Rect") else {
                panic!("a rectangle")
            };
            let v: Vec<f64> = r.iter().map(|o| o.as_f64().expect("number")).collect();
            [v[0], v[1], v[2], v[3]]
        })
        .collect()
}

pub(crate) async fn signed_request(gw: &Gw) -> (String, Vec<u8>) {
    let leader = login(gw, "leader1").await;
    let dev = enroll(gw, &leader).await;
    let id = submit(gw, "leader1", &pdf("Quyet dinh 12"), None)
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let draft = get(
        gw,
        &format!("/api/v1/device/requests/{id}/document"),
        Some(&leader),
    )
    .await;
    let signed = sign_visible(&dev, &draft.body);
    let r = upload(gw, &leader, &id, signed.clone(), &format!("k-{id}")).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    (id, signed)
}

async fn clerk_issues_with_the_agency_seal(backend: Backend) {
    let gw = gateway_with(backend, |c| {
        c.public_url = Some("https://ky-so.test.gov.vn".into())
    })
    .await;
    let clerk = login(&gw, "clerk1").await;
    let pending = submit(&gw, "leader1", &pdf("Chua ky"), None).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (id, signed) = signed_request(&gw).await;

    let list = get(&gw, "/api/v1/clerk/issuance", Some(&clerk)).await;
    assert_eq!(list.status, StatusCode::OK);
    let ids: Vec<String> = list
        .json()
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(ids, vec![id.clone()], "only the signed request waits");

    // The clerk reads what the leader signed before giving it a number.
    let read = |rid: String| {
        let (gw, clerk) = (&gw, &clerk);
        async move {
            get(
                gw,
                &format!("/api/v1/clerk/requests/{rid}/signed"),
                Some(clerk),
            )
            .await
        }
    };
    let r = read(id.clone()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body.to_vec(),
        signed,
        "the leader's signed PDF, as uploaded"
    );
    assert_eq!(read(pending.clone()).await.status, StatusCode::CONFLICT);
    assert_eq!(read("no-such".into()).await.status, StatusCode::NOT_FOUND);

    // Refusals first: none changes anything.
    let ok_body = serde_json::json!({"number_symbol": "12/QĐ-UBND", "date": "2026-03-05"});
    for (body, why) in [
        (
            serde_json::json!({"number_symbol": "", "date": "2026-03-05"}),
            "no number",
        ),
        (
            serde_json::json!({"number_symbol": "12/QĐ-UBND", "date": "05/03/2026"}),
            "not YYYY-MM-DD",
        ),
        (
            serde_json::json!({"number_symbol": "12/QĐ-UBND", "date": "2026-02-30"}),
            "no such day",
        ),
    ] {
        let r = issue(&gw, &clerk, &id, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{why}");
    }
    let r = issue(&gw, &clerk, &pending, ok_body.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a pending request");
    let r = issue(&gw, &clerk, "no-such-request", ok_body.clone()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let leader = login(&gw, "leader1").await;
    let r = issue(&gw, &leader, &id, ok_body.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a leader is not a clerk");

    let issuance = issued_request(&gw, &clerk, &id, "12/QĐ-UBND").await;
    assert_eq!(issuance["request"]["status"], "issued");
    assert_eq!(issuance["request"]["edxml_status"], "06");
    assert_eq!(issuance["request"]["number_symbol"], "12/QĐ-UBND");
    assert_eq!(issuance["number_symbol"], "12/QĐ-UBND");
    assert_eq!(issuance["issued_by"], "clerk1");

    let pdf_resp = get(
        &gw,
        &format!("/api/v1/clerk/requests/{id}/issued"),
        Some(&clerk),
    )
    .await;
    assert_eq!(pdf_resp.status, StatusCode::OK);
    let issued = pdf_resp.body.to_vec();
    assert_eq!(
        kyso_gateway::store::hex(&<sha2::Sha256 as sha2::Digest>::digest(&issued)),
        issuance["issued_sha256"].as_str().expect("sha")
    );
    assert!(
        issued.starts_with(&signed),
        "incremental: the leader's signed PDF is untouched at the start"
    );

    // Profile B: the leader's signature and the seal, both valid; then the
    // document timestamp over everything (B-LTA), the CRL from the DSS.
    let report = verify(&gw, &issued, Profile::Multi);
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{}",
        report.to_json()
    );
    let kinds: Vec<&str> = report.signatures.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        ["signature", "signature", "document_timestamp"],
        "{}",
        report.to_json()
    );
    for s in &report.signatures[..2] {
        assert_eq!(s.indication, Indication::TotalPassed);
        assert_eq!(
            (s.revocation.status, s.revocation.source),
            ("good", "crl"),
            "the CRL in the DSS answers for {}: {}",
            s.field,
            report.to_json()
        );
    }
    let doc_ts = &report.signatures[2];
    assert_eq!(doc_ts.sub_filter, "ETSI.RFC3161");
    assert!(
        doc_ts
            .timestamps
            .iter()
            .any(|t| t.kind == "document" && t.valid)
            && doc_ts.coverage == kyso_pdf::verify::report::Coverage::WholeFile,
        "the gateway's document timestamp over the whole file: {}",
        report.to_json()
    );
    assert_eq!(
        report.signatures[0].modification,
        kyso_pdf::verify::report::Modification::SignaturesAdded,
        "after the leader's signature: only a signature added (and LTV data)"
    );
    let seal = &report.signatures[1];
    let seal_subject = &seal.signer.as_ref().expect("signer").subject;
    assert!(
        seal_subject.contains("UBND tỉnh Thử Nghiệm") && seal_subject.contains("seal"),
        "the unit's seal certificate: {seal_subject}"
    );
    assert!(
        seal.timestamps
            .iter()
            .any(|t| t.kind == "signature" && t.valid),
        "the seal is timestamped by the gateway's TSA: {}",
        report.to_json()
    );
    // Profile A refuses the seal revision after the leader's signature:
    // profile B is what allows it.
    assert_ne!(
        verify(&gw, &issued, Profile::Strict).indication,
        Indication::TotalPassed
    );

    // The seal over the left third of the leader's block (no image: the
    // block stands in for it), centred on its height.
    let rects = widget_rects(&issued);
    let (leader_rect, seal_rect) = (rects[0], rects[1]);
    let third = leader_rect[0] + (leader_rect[2] - leader_rect[0]) / 3.0;
    assert!(
        (seal_rect[2] - third).abs() < 0.01,
        "the seal's right edge at a third of the leader's block: {leader_rect:?} {seal_rect:?}"
    );
    let mid = |r: [f64; 4]| (r[1] + r[3]) / 2.0;
    assert!((mid(seal_rect) - mid(leader_rect)).abs() < 0.01);
    let size_mm = (seal_rect[2] - seal_rect[0]) * 25.4 / 72.0;
    assert!((size_mm - 36.0).abs() < 0.01, "real size, 36 mm: {size_mm}");

    // Once only; nothing waits any more; the history says who.
    let r = issue(&gw, &clerk, &id, ok_body).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "issued twice");
    let list = get(&gw, "/api/v1/clerk/issuance", Some(&clerk)).await;
    assert_eq!(list.json(), serde_json::json!([]));
    let hist = get(
        &gw,
        &format!("/api/v1/requests/{id}"),
        Some(&gw.integrator_key),
    )
    .await;
    let hist = hist.json();
    assert!(
        hist["history"]
            .as_array()
            .expect("history")
            .iter()
            .any(|h| h["action"] == "issued" && h["actor"] == "clerk1"),
        "{hist}"
    );
    // The seal key is a file here (no token), so the demo warning applies;
    // the certificate is kept for the next issuance.
    let unit = issuance["request"]["unit"]["id"].as_str().expect("unit");
    assert!(gw._dir.path().join(format!("seals/{unit}.pem")).is_file());
}

#[tokio::test]
async fn clerk_issues_with_the_agency_seal_sqlite() {
    clerk_issues_with_the_agency_seal(Backend::Sqlite).await;
}

#[tokio::test]
async fn clerk_issues_with_the_agency_seal_postgres() {
    clerk_issues_with_the_agency_seal(Backend::Postgres).await;
}
