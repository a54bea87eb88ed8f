//! Copies of issued documents (`/api/v1/clerk/requests/{id}/copies`): who
//! may make them, the refusals that change nothing, and the copy itself: the
//! issued PDF untouched at its start, the seal signing again at the top right
//! of page 1, B-LTA, every signature valid under profile B.

use axum::http::StatusCode;
use kyso_api::{NewUnit, NewUser, Role};
use kyso_pdf::verify::Profile;
use kyso_pdf::verify::report::Indication;

use crate::issuance::{signed_request, verify, widget_rects};
use crate::support::*;

async fn make_copy(gw: &Gw, clerk: &str, id: &str, body: serde_json::Value) -> Resp {
    post_json(
        gw,
        &format!("/api/v1/clerk/requests/{id}/copies"),
        Some(clerk),
        body,
    )
    .await
}

/// A clerk of a second unit.
async fn other_clerk(gw: &Gw) -> String {
    let unit = kyso_gateway::admin::create_unit(
        &gw.state,
        "test",
        &NewUnit {
            name: "Sở Nội vụ".into(),
            parent_id: None,
        },
    )
    .await
    .expect("unit");
    kyso_gateway::admin::create_user(
        &gw.state,
        "test",
        &NewUser {
            username: "clerk2".into(),
            full_name: "Trần Thị Văn Thư".into(),
            title: "Văn thư".into(),
            role: Role::Clerk,
            unit_id: unit.id,
            password: PASSWORD.into(),
        },
    )
    .await
    .expect("user");
    login(gw, "clerk2").await
}

async fn clerk_makes_copies(backend: Backend) {
    let gw = gateway_on(backend).await;
    let clerk = login(&gw, "clerk1").await;
    let (id, _) = signed_request(&gw).await;
    let (not_issued, _) = signed_request(&gw).await;
    issued_request(&gw, &clerk, &id, "12/QĐ-UBND").await;
    let issued = get(
        &gw,
        &format!("/api/v1/clerk/requests/{id}/issued"),
        Some(&clerk),
    )
    .await
    .body
    .to_vec();

    // Refusals first: none changes anything.
    let body = serde_json::json!({"kind": "sao_y", "number_symbol": "05/SY-UBND"});
    let leader = login(&gw, "leader1").await;
    let stranger = other_clerk(&gw).await;
    for (who, token, target, body, want) in [
        (
            "a leader",
            &leader,
            &id,
            body.clone(),
            StatusCode::FORBIDDEN,
        ),
        (
            "another unit's clerk",
            &stranger,
            &id,
            body.clone(),
            StatusCode::NOT_FOUND,
        ),
        (
            "not issued",
            &clerk,
            &not_issued,
            body.clone(),
            StatusCode::CONFLICT,
        ),
        (
            "an unknown form",
            &clerk,
            &id,
            serde_json::json!({"kind": "trich_sao", "number_symbol": "05/SY-UBND"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "no number",
            &clerk,
            &id,
            serde_json::json!({"kind": "sao_y", "number_symbol": "  "}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a number the copy's font cannot draw",
            &clerk,
            &id,
            serde_json::json!({"kind": "sao_y", "number_symbol": "05/SY-😀"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a number with a control character",
            &clerk,
            &id,
            serde_json::json!({"kind": "sao_y", "number_symbol": "05\u{7}/SY"}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let r = make_copy(&gw, token, target, body).await;
        assert_eq!(
            r.status,
            want,
            "{who}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    let r = make_copy(&gw, &clerk, "no-such-request", body.clone()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let list = get(
        &gw,
        &format!("/api/v1/clerk/requests/{id}/copies"),
        Some(&clerk),
    )
    .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json(), serde_json::json!([]), "nothing was made");
    for (token, want) in [
        (&stranger, StatusCode::NOT_FOUND),
        (&leader, StatusCode::FORBIDDEN),
    ] {
        let r = get(
            &gw,
            &format!("/api/v1/clerk/requests/{id}/copies"),
            Some(token),
        )
        .await;
        assert_eq!(r.status, want);
    }

    // The copy.
    let r = make_copy(&gw, &clerk, &id, body.clone()).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let made = r.json();
    assert_eq!(made["kind"], "sao_y");
    assert_eq!(made["number_symbol"], "05/SY-UBND");
    assert_eq!(made["made_by"], "clerk1");
    assert_eq!(made["request_id"], id.as_str());
    let copy_id = made["id"].as_str().expect("id").to_string();
    let uri = format!("/api/v1/clerk/requests/{id}/copies/{copy_id}");
    let pdf_resp = get(&gw, &uri, Some(&clerk)).await;
    assert_eq!(pdf_resp.status, StatusCode::OK);
    assert_eq!(pdf_resp.headers["content-type"], "application/pdf", "a PDF");
    let copy = pdf_resp.body.to_vec();
    assert_eq!(
        kyso_gateway::store::hex(&<sha2::Sha256 as sha2::Digest>::digest(&copy)),
        made["sha256"].as_str().expect("sha")
    );
    assert_eq!(made["size"], copy.len());
    assert!(
        copy.starts_with(&issued),
        "incremental: the issued PDF is untouched at the start"
    );
    assert_eq!(
        get(
            &gw,
            &format!("/api/v1/clerk/requests/{id}/issued"),
            Some(&clerk)
        )
        .await
        .body
        .to_vec(),
        issued,
        "the issued PDF is not changed by a copy"
    );
    for (token, want) in [
        (&stranger, StatusCode::NOT_FOUND),
        (&leader, StatusCode::FORBIDDEN),
    ] {
        assert_eq!(get(&gw, &uri, Some(token)).await.status, want);
    }
    let r = get(
        &gw,
        &format!("/api/v1/clerk/requests/{not_issued}/copies/{copy_id}"),
        Some(&clerk),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a copy of another request");

    // Profile B: the leader's, the seal's at issuance and the copy's
    // signatures, each followed by a document timestamp, all valid.
    let report = verify(&gw, &copy, Profile::Multi);
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{}",
        report.to_json()
    );
    let kinds: Vec<&str> = report.signatures.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            "signature",
            "signature",
            "document_timestamp",
            "signature",
            "document_timestamp"
        ],
        "{}",
        report.to_json()
    );
    for s in &report.signatures {
        assert_eq!(s.indication, Indication::TotalPassed, "{}", s.field);
    }
    let copy_sig = &report.signatures[3];
    assert!(
        copy_sig
            .signer
            .as_ref()
            .expect("signer")
            .subject
            .contains("seal"),
        "the unit's seal signs the copy: {}",
        report.to_json()
    );
    assert!(
        copy_sig
            .timestamps
            .iter()
            .any(|t| t.kind == "signature" && t.valid),
        "timestamped by the gateway's TSA"
    );
    // Top right of page 1 (A4), text only.
    let rects = widget_rects(&copy);
    // The document timestamps' widgets are empty: the last visible one.
    let r = rects
        .iter()
        .rev()
        .find(|r| r[2] > r[0])
        .expect("the copy's widget");
    assert!(
        r[3] > 780.0 && r[2] > 500.0 && r[2] <= 595.0,
        "top right: {r:?}"
    );

    // The number is the unit's: once. Sao lục with another number.
    let r = make_copy(&gw, &clerk, &id, body).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the same number again");
    let r = make_copy(
        &gw,
        &clerk,
        &id,
        serde_json::json!({"kind": "sao_luc", "number_symbol": "06/SL-UBND"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let list = get(
        &gw,
        &format!("/api/v1/clerk/requests/{id}/copies"),
        Some(&clerk),
    )
    .await
    .json();
    let kinds: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["sao_y", "sao_luc"], "{list}");
    let hist = get(
        &gw,
        &format!("/api/v1/requests/{id}"),
        Some(&gw.integrator_key),
    )
    .await
    .json();
    let copied = hist["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["action"] == "copied" && h["actor"] == "clerk1")
        .count();
    assert_eq!(copied, 2, "{hist}");
    let r = get(
        &gw,
        &format!("/api/v1/clerk/requests/{id}/copies/no-such-copy"),
        Some(&clerk),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn clerk_makes_copies_sqlite() {
    clerk_makes_copies(Backend::Sqlite).await;
}

#[tokio::test]
async fn clerk_makes_copies_postgres() {
    clerk_makes_copies(Backend::Postgres).await;
}
