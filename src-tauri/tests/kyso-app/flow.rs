//! configure → login → enroll (desktop key, passphrase) → inbox → open →
//! render → sign (verified) → decline → history; then the gateway stops:
//! a signature is queued, the gateway comes back, the queue is flushed and
//! the gateway records the signature exactly once.

use serde_json::{Value, json};

use crate::support::{Gateway, PASSWORD, TestApp, assert_code, free_port, signatures_recorded};

const PASSPHRASE: &str = "cụm mật khẩu đủ dài";

fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG magic");
    assert_eq!(&png[12..16], b"IHDR", "IHDR first");
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().expect("4 bytes"));
    (be(&png[16..20]), be(&png[20..24]))
}

fn stages(app: &TestApp, id: &str) -> Vec<String> {
    app.events("sign-progress")
        .iter()
        .filter(|e| e["id"] == id)
        .map(|e| e["stage"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_leader_signs_declines_and_signs_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("gateway");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let gw = Gateway::start(&data, port);
    let app = TestApp::new(&dir.path().join("app"));

    // First run: the gateway, then the login.
    let state = app.invoke("app_state", json!({})).expect("app_state");
    assert_eq!(state["server"], Value::Null);
    assert_eq!(state["platform"], "linux");
    assert_eq!(state["keystore"]["security_level"], "software");
    assert_eq!(
        state["keystore"]["passphrase"], "required",
        "no OS keyring in this app: a desktop key needs a passphrase"
    );
    let server = app
        .invoke("configure_server", json!({ "url": url, "pin": null }))
        .expect("configure_server");
    assert_eq!(server, json!({ "url": format!("{url}/"), "pin": null }));
    let user = app
        .invoke(
            "login",
            json!({ "username": "leader1", "password": PASSWORD }),
        )
        .expect("login");
    assert_eq!(user["username"], "leader1");
    assert_eq!(user["role"], "leader");

    // Enrollment: a software key in a passphrase file.
    let device = app
        .invoke("enroll", json!({ "passphrase": PASSPHRASE }))
        .expect("enroll");
    assert_eq!(device["security_level"], "software");
    assert_eq!(device["key_storage"], "passphrase_file");
    assert_eq!(device["platform"], "linux");
    assert!(
        device["certificate_serial"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let state = app.invoke("app_state", json!({})).expect("app_state");
    assert_eq!(state["user"]["username"], "leader1");
    assert_eq!(state["device"]["device_id"], device["device_id"]);
    assert_code(
        app.invoke("enroll", json!({ "passphrase": PASSPHRASE })),
        "keyExists",
    );

    // The inbox and a document.
    let inbox = app.invoke("inbox", json!({})).expect("inbox");
    assert_eq!(inbox["from_cache"], false);
    let requests = inbox["requests"].as_array().expect("requests").clone();
    assert!(requests.len() >= 3, "the demo gives leader1 three drafts");
    let (a, b, c) = (&requests[0], &requests[1], &requests[2]);
    let id = |r: &Value| r["id"].as_str().expect("id").to_string();
    let (a_id, b_id, c_id) = (id(a), id(b), id(c));

    let doc = app
        .invoke("open_document", json!({ "id": a_id }))
        .expect("open_document");
    assert_eq!(
        doc["sha256"], a["document_sha256"],
        "checked against the request"
    );
    assert_eq!(doc["size"], a["document_size"]);
    assert_eq!(doc["cached"], false, "downloaded the first time");
    assert!(doc["page_count"].as_u64().is_some_and(|n| n >= 1));
    let (pw, ph) = (
        doc["pages"][0]["width"].as_f64().expect("width"),
        doc["pages"][0]["height"].as_f64().expect("height"),
    );
    assert!(
        (pw - 595.0).abs() < 2.0 && (ph - 842.0).abs() < 2.0,
        "A4: {pw}×{ph}"
    );
    let again = app
        .invoke("open_document", json!({ "id": a_id }))
        .expect("open again");
    assert_eq!(again["cached"], true, "from the encrypted cache");
    let app_dir = dir.path().join("app");
    assert!(
        app_dir.join("cache.key.wrapped").is_file() && !app_dir.join("cache.key").exists(),
        "the cache key is on disk only wrapped by the keystore, as on the phones"
    );

    match kyso_app::render::pdfium(crate::support::pdfium_dir().as_deref()) {
        Ok(_) => {
            let png = app
                .invoke_raw(
                    "render_page",
                    json!({ "id": a_id, "page": 1, "width": 320 }),
                )
                .expect("render_page");
            let (w, h) = png_size(&png);
            let expect_h = (320.0 * ph / pw).round() as u32;
            assert_eq!(w, 320, "the width asked for");
            assert!(h.abs_diff(expect_h) <= 1, "{h} ≈ {expect_h}");
            assert_code(
                app.invoke(
                    "render_page",
                    json!({ "id": a_id, "page": 99, "width": 320 }),
                ),
                "invalidArgument",
            );
        }
        Err(why) => eprintln!(
            "SKIPPED: rendering pages, because libpdfium is not available here ({why}); \
             scripts/install-deps installs it (pypdfium2) and scripts/test exports its path"
        ),
    }
    assert_code(
        app.invoke(
            "render_page",
            json!({ "id": a_id, "page": 1, "width": 100 }),
        ),
        "invalidArgument",
    );

    // Signing: the wrong passphrase first, then the right one.
    assert_code(
        app.invoke(
            "sign",
            json!({ "id": a_id, "passphrase": "not the passphrase" }),
        ),
        "wrongPassphrase",
    );
    let signed = app
        .invoke("sign", json!({ "id": a_id, "passphrase": PASSPHRASE }))
        .expect("sign");
    assert_eq!(signed["outcome"], "signed", "{signed}");
    assert_eq!(signed["request"]["status"], "signed");
    let v = &signed["verification"];
    assert_eq!(v["indication"], "TOTAL_PASSED", "{v}");
    assert_eq!(v["trusted"], true);
    assert_eq!(v["signatures"], 1);
    assert_eq!(v["coverage"], "whole_file");
    assert_eq!(v["profile"], "strict");
    assert_eq!(v["signed_sha256"], signed["request"]["signed_sha256"]);
    // Online: the gateway's TSA stamped the signature (PAdES B-T).
    let stamped = v["timestamp_time"]
        .as_str()
        .unwrap_or_else(|| panic!("B-T: {v}"));
    assert!(
        time::OffsetDateTime::parse(stamped, &time::format_description::well_known::Rfc3339)
            .is_ok_and(|t| (time::OffsetDateTime::now_utc() - t).abs() < time::Duration::minutes(5)),
        "the timestamp is of now: {stamped}"
    );
    assert!(
        v["issuer_subject"].as_str().is_some_and(|s| !s.is_empty()),
        "{v}"
    );
    assert_eq!(
        stages(&app, &a_id)
            .iter()
            .filter(|s| *s != "preparing" && *s != "authenticating")
            .cloned()
            .collect::<Vec<_>>(),
        ["finishing", "uploading", "verifying"],
        "after the wrong passphrase the stages restart; all: {:?}",
        stages(&app, &a_id)
    );
    app.wait_event("request-changed", 20, |e| {
        e["request_id"] == a_id.as_str() && e["status"] == "signed"
    });
    assert_code(
        app.invoke("sign", json!({ "id": a_id, "passphrase": PASSPHRASE })),
        "conflict",
    );

    // Declining with a reason.
    let declined = app
        .invoke(
            "decline",
            json!({ "id": b_id, "reason": "Đề nghị bổ sung số liệu" }),
        )
        .expect("decline");
    assert_eq!(declined["status"], "declined");
    assert_eq!(declined["decline_reason"], "Đề nghị bổ sung số liệu");
    let history = app.invoke("history", json!({})).expect("history");
    let ids: Vec<&str> = history
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(
        ids.contains(&a_id.as_str()) && ids.contains(&b_id.as_str()),
        "{ids:?}"
    );

    // Offline: the document was opened while online; the gateway goes away.
    app.invoke("open_document", json!({ "id": c_id }))
        .expect("open c");
    gw.stop();
    let queued = app
        .invoke("sign", json!({ "id": c_id, "passphrase": PASSPHRASE }))
        .expect("signs offline");
    assert_eq!(queued["outcome"], "queued", "{queued}");
    assert_eq!(queued["request_id"], c_id.as_str());
    let q = app.invoke("queue_status", json!({})).expect("queue_status");
    assert_eq!(q["online"], false, "{q}");
    assert_eq!(q["items"].as_array().map(Vec::len), Some(1), "{q}");
    assert_eq!(q["items"][0]["request_id"], c_id.as_str());
    assert_eq!(q["items"][0]["title"], c["title"]);
    assert_eq!(q["items"][0]["signed_sha256"], queued["signed_sha256"]);
    assert_eq!(q["last_error"]["code"], "offline");
    app.wait_event("queue-changed", 10, |e| {
        e["items"].as_array().is_some_and(|i| i.len() == 1)
    });
    assert_code(app.invoke("flush_queue", json!({})), "offline");
    let inbox = app.invoke("inbox", json!({})).expect("the last inbox");
    assert_eq!(inbox["from_cache"], true);
    assert_code(
        app.invoke("decline", json!({ "id": c_id, "reason": "x" })),
        "offline",
    );

    // The gateway is back: a flush (or the background task) uploads it once.
    let gw = Gateway::start(&data, port);
    let flushed = app.invoke("flush_queue", json!({})).expect("flush_queue");
    assert_eq!(flushed["items"], json!([]), "{flushed}");
    assert_eq!(flushed["online"], true);
    let q = app.invoke("queue_status", json!({})).expect("queue_status");
    assert_eq!(q["items"], json!([]));
    assert_eq!(q["last_error"], Value::Null, "{q}");
    let r = app
        .invoke("request", json!({ "id": c_id }))
        .expect("request");
    assert_eq!(r["status"], "signed");
    assert_eq!(r["signed_sha256"], queued["signed_sha256"]);
    let history = app.invoke("history", json!({})).expect("history");
    assert!(
        history
            .as_array()
            .expect("list")
            .iter()
            .any(|r| r["id"] == c_id.as_str())
    );

    gw.stop();
    assert_eq!(
        signatures_recorded(&data, &c_id),
        1,
        "recorded exactly once"
    );
    assert_eq!(signatures_recorded(&data, &a_id), 1);
}
