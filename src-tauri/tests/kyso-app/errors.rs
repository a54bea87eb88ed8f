//! Error codes crossing IPC in the contract's shape `{ code, message }`,
//! and the capability refusing what the web view may not call.

use serde_json::json;

use crate::support::{Gateway, PASSWORD, TestApp, assert_code, free_port};

#[test]
fn errors_cross_ipc_as_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = TestApp::new(&dir.path().join("app"));

    // Nothing configured, nobody logged in.
    assert_code(
        app.invoke(
            "login",
            json!({ "username": "leader1", "password": PASSWORD }),
        ),
        "notConfigured",
    );
    assert_code(app.invoke("inbox", json!({})), "notConfigured");
    assert_code(app.invoke("flush_queue", json!({})), "notConfigured");

    // Addresses and pins.
    for (url, pin) in [
        ("http://kyso.example.gov.vn", None),
        ("https://kyso.example.gov.vn", None),
        ("ftp://127.0.0.1", None),
        ("https://kyso.example.gov.vn", Some("sha256/not-a-pin")),
    ] {
        assert_code(
            app.invoke("configure_server", json!({ "url": url, "pin": pin })),
            "invalidArgument",
        );
    }
    let closed = format!("http://127.0.0.1:{}", free_port());
    assert_code(
        app.invoke("configure_server", json!({ "url": closed, "pin": null })),
        "offline",
    );

    // A gateway: wrong password, then no session, then an unknown request.
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let gw = Gateway::start(&dir.path().join("gateway"), port);
    app.invoke("configure_server", json!({ "url": url, "pin": null }))
        .expect("configure_server");
    assert_code(
        app.invoke(
            "login",
            json!({ "username": "leader1", "password": "sai mật khẩu" }),
        ),
        "unauthorized",
    );
    assert_code(app.invoke("inbox", json!({})), "notLoggedIn");
    assert_code(app.invoke("history", json!({})), "notLoggedIn");
    app.invoke(
        "login",
        json!({ "username": "leader1", "password": PASSWORD }),
    )
    .expect("login");
    assert_code(
        app.invoke("request", json!({ "id": "no-such-request" })),
        "not_found",
    );
    let inbox = app.invoke("inbox", json!({})).expect("inbox");
    let id = inbox["requests"][0]["id"].as_str().expect("id").to_string();
    assert_code(
        app.invoke("sign", json!({ "id": id, "passphrase": null })),
        "notEnrolled",
    );
    assert_code(
        app.invoke("enroll", json!({ "passphrase": null })),
        "invalidArgument",
    );
    assert_code(
        app.invoke("enroll", json!({ "passphrase": "short" })),
        "invalidArgument",
    );
    app.invoke(
        "enroll",
        json!({ "passphrase": "a passphrase long enough" }),
    )
    .expect("enroll");
    assert_code(
        app.invoke("sign", json!({ "id": id, "passphrase": null })),
        "wrongPassphrase",
    );
    assert_code(
        app.invoke("decline", json!({ "id": id, "reason": "   " })),
        "bad_request",
    );

    // The key removed: not enrolled any more.
    assert_eq!(
        app.invoke("remove_key", json!({})).expect("remove_key"),
        json!(null)
    );
    assert_code(
        app.invoke("sign", json!({ "id": id, "passphrase": null })),
        "notEnrolled",
    );
    let state = app.invoke("app_state", json!({})).expect("app_state");
    assert_eq!(state["device"], json!(null));

    // Language.
    assert_code(
        app.invoke("set_language", json!({ "language": "fr" })),
        "invalidArgument",
    );
    app.invoke("set_language", json!({ "language": "en" }))
        .expect("set_language");
    let state = app.invoke("app_state", json!({})).expect("app_state");
    assert_eq!(state["language"], "en");

    // Logged out: the session is gone, the gateway unreachable is offline.
    assert_eq!(
        app.invoke("logout", json!({})).expect("logout"),
        json!(null)
    );
    assert_code(app.invoke("inbox", json!({})), "notLoggedIn");
    app.invoke(
        "login",
        json!({ "username": "leader1", "password": PASSWORD }),
    )
    .expect("login again");
    gw.stop();
    assert_code(app.invoke("request", json!({ "id": id })), "offline");
    assert_code(app.invoke("inbox", json!({})), "offline");
}

#[test]
fn the_web_view_gets_only_its_capability() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = TestApp::new(&dir.path().join("app"));
    // The keystore is driven from Rust only: its commands are not granted.
    let refused = app
        .invoke("plugin:kyso-keystore|status", json!({}))
        .expect_err("refused");
    assert!(
        refused.as_str().is_some_and(|s| s.contains("not allowed")),
        "{refused}"
    );
    let refused = app
        .invoke(
            "plugin:kyso-keystore|sign",
            json!({ "alias": "kyso-device", "data": "AA==", "prompt": "x" }),
        )
        .expect_err("refused");
    assert!(refused.is_string(), "{refused}");
    // Events: listen is granted.
    assert!(
        app.invoke(
            "plugin:event|listen",
            json!({ "event": "queue-changed", "target": { "kind": "Any" }, "handler": 1 })
        )
        .is_ok()
    );
    assert!(app.invoke("no_such_command", json!({})).is_err());
}
