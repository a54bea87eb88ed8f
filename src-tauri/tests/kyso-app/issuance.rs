//! The clerk's issuance in the desktop app against a real gateway: the
//! leader signs in one app (B-T, from the gateway's TSA); the clerk, in
//! another, with no device key, sees it waiting, reads the signed PDF,
//! is refused a bad number, issues it, gets the app's own verification of
//! the issued PDF (leader and seal, profile B) and saves it under its
//! number, then makes an electronic copy (sao y) saved under its own
//! number; a second issuance is a conflict, and the leader cannot issue.

use serde_json::json;
use sha2::Digest;

use crate::support::{Gateway, TestApp, assert_code, free_port, signed_in};

const PASSPHRASE: &str = "cụm mật khẩu đủ dài";

#[test]
fn a_clerk_issues_what_a_leader_signed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let _gw = Gateway::start(&dir.path().join("gateway"), port);

    // The leader signs the first request of the inbox.
    let leader = TestApp::new(&dir.path().join("leader"));
    signed_in(&leader, &url, "leader1");
    leader
        .invoke("enroll", json!({ "passphrase": PASSPHRASE }))
        .expect("enroll");
    let inbox = leader.invoke("inbox", json!({})).expect("inbox");
    let id = inbox["requests"][0]["id"].as_str().expect("id").to_string();
    let signed = leader
        .invoke("sign", json!({ "id": id, "passphrase": PASSPHRASE }))
        .expect("sign");
    assert_eq!(signed["outcome"], "signed", "{signed}");
    assert_code(leader.invoke("issuance", json!({})), "forbidden");

    // The clerk: logged in, no device key, and nothing more to set up.
    let clerk = TestApp::new(&dir.path().join("clerk"));
    signed_in(&clerk, &url, "clerk1");
    let state = clerk.invoke("app_state", json!({})).expect("app_state");
    assert_eq!(state["user"]["role"], "clerk");
    assert!(state["device"].is_null(), "{state}");

    let waiting = clerk.invoke("issuance", json!({})).expect("issuance");
    let ids: Vec<&str> = waiting
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()], "only the signed request waits");

    assert_code(
        clerk.invoke("render_page", json!({ "id": id, "page": 1, "width": 320 })),
        "badDocument",
    );
    let doc = clerk
        .invoke("open_issuance_document", json!({ "id": id }))
        .expect("open_issuance_document");
    assert_eq!(doc["sha256"], signed["request"]["signed_sha256"], "{doc}");
    let pages = doc["page_count"].as_u64().expect("pages");
    assert!(pages >= 1);
    let png = clerk
        .invoke_raw(
            "render_page",
            json!({ "id": id, "page": pages, "width": 320 }),
        )
        .expect("render_page");
    assert!(png.starts_with(b"\x89PNG"), "the signed page renders");

    // Refusals change nothing.
    for (number, date) in [("", "2026-03-05"), ("12/QĐ-UBND", "05/03/2026")] {
        assert_code(
            clerk.invoke("issue", json!({ "id": id, "number": number, "date": date })),
            "bad_request",
        );
    }
    assert_code(clerk.invoke("save_issued", json!({ "id": id })), "conflict");

    let issued = clerk
        .invoke(
            "issue",
            json!({ "id": id, "number": "12/QĐ-UBND", "date": "2026-03-05" }),
        )
        .expect("issue");
    assert_eq!(
        issued["issuance"]["request"]["status"], "issued",
        "{issued}"
    );
    assert_eq!(issued["issuance"]["number_symbol"], "12/QĐ-UBND");
    let v = &issued["verification"];
    assert_eq!(v["indication"], "TOTAL_PASSED", "{v}");
    assert_eq!(v["profile"], "multi");
    assert_eq!(v["signatures"], 2, "the leader's and the seal's: {v}");
    assert_eq!(v["trusted"], true);
    assert!(v["timestamp_time"].is_string(), "the seal is B-T: {v}");
    assert_eq!(v["signed_sha256"], issued["issuance"]["issued_sha256"]);
    // The issued PDF, seal and all, renders under its own id.
    let shown = &issued["document"];
    assert_eq!(shown["id"], format!("{id}/issued"));
    assert_eq!(shown["sha256"], issued["issuance"]["issued_sha256"]);
    let last = shown["page_count"].as_u64().expect("pages");
    let sealed = clerk
        .invoke_raw(
            "render_page",
            json!({ "id": format!("{id}/issued"), "page": last, "width": 320 }),
        )
        .expect("render_page of the issued PDF");
    assert!(sealed.starts_with(b"\x89PNG"));

    let path = clerk
        .invoke("save_issued", json!({ "id": id }))
        .expect("save_issued");
    let path = std::path::PathBuf::from(path.as_str().expect("a path"));
    assert_eq!(
        path.file_name().and_then(|n| n.to_str()),
        Some("12-QĐ-UBND.pdf")
    );
    let bytes = std::fs::read(&path).expect("the saved PDF");
    assert_eq!(
        hex(&sha2::Sha256::digest(&bytes)),
        issued["issuance"]["issued_sha256"].as_str().expect("sha"),
        "the issued PDF, whole"
    );

    // An electronic copy (sao y) under its own number, saved whole.
    assert_code(
        clerk.invoke(
            "make_copy",
            json!({ "id": id, "kind": "trich_sao", "number": "05/SY-UBND" }),
        ),
        "invalidArgument",
    );
    let copy = clerk
        .invoke(
            "make_copy",
            json!({ "id": id, "kind": "sao_y", "number": "05/SY-UBND" }),
        )
        .expect("make_copy");
    assert_eq!(copy["copy"]["kind"], "sao_y", "{copy}");
    assert_eq!(copy["copy"]["number_symbol"], "05/SY-UBND");
    let v = &copy["verification"];
    assert_eq!(v["indication"], "TOTAL_PASSED", "{v}");
    assert_eq!(
        v["signatures"], 3,
        "the leader's, the seal's, the copy's: {v}"
    );
    let path = std::path::PathBuf::from(copy["path"].as_str().expect("a path"));
    assert_eq!(
        path.file_name().and_then(|n| n.to_str()),
        Some("05-SY-UBND.pdf")
    );
    let bytes = std::fs::read(&path).expect("the saved copy");
    assert_eq!(
        hex(&sha2::Sha256::digest(&bytes)),
        copy["copy"]["sha256"].as_str().expect("sha")
    );
    assert_code(
        clerk.invoke(
            "make_copy",
            json!({ "id": id, "kind": "sao_y", "number": "05/SY-UBND" }),
        ),
        "conflict",
    );

    assert_code(
        clerk.invoke(
            "issue",
            json!({ "id": id, "number": "13/QĐ-UBND", "date": "2026-03-05" }),
        ),
        "conflict",
    );
    let waiting = clerk.invoke("issuance", json!({})).expect("issuance");
    assert_eq!(waiting, json!([]), "nothing waits any more");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
