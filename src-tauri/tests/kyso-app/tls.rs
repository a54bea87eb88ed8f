//! The gateway over HTTPS with a self-signed certificate: the pin is the
//! identity. The right pin logs in; any other key is `pinMismatch`.

use serde_json::json;

use crate::support::{Gateway, PASSWORD, TestApp, assert_code, free_port, self_signed};

#[test]
fn the_gateway_is_known_by_its_pinned_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, key, pin) = self_signed(&dir.path().join("tls"));
    let (_, _, other_pin) = self_signed(&dir.path().join("other"));
    let port = free_port();
    let _gw = Gateway::start_with(&dir.path().join("gateway"), port, Some((cert, key)));
    let url = format!("https://127.0.0.1:{port}");
    let app = TestApp::new(&dir.path().join("app"));

    assert_code(
        app.invoke("configure_server", json!({ "url": url, "pin": null })),
        "invalidArgument",
    );
    let refused = assert_code(
        app.invoke("configure_server", json!({ "url": url, "pin": other_pin })),
        "pinMismatch",
    );
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains(&pin)),
        "says which key the server showed: {refused}"
    );
    let state = app.invoke("app_state", json!({})).expect("app_state");
    assert_eq!(
        state["server"],
        json!(null),
        "a refused gateway is not kept"
    );

    let server = app
        .invoke("configure_server", json!({ "url": url, "pin": pin }))
        .expect("configure_server");
    assert_eq!(server, json!({ "url": format!("{url}/"), "pin": pin }));
    let user = app
        .invoke(
            "login",
            json!({ "username": "leader2", "password": PASSWORD }),
        )
        .expect("login over the pinned connection");
    assert_eq!(user["username"], "leader2");
    let inbox = app.invoke("inbox", json!({})).expect("inbox");
    assert_eq!(inbox["from_cache"], false);
}
