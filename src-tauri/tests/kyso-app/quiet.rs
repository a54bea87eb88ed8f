//! Quiet hours from the settings screen: `quiet_hours` and
//! `set_quiet_hours` against a real gateway; a bad time is refused in Rust
//! before the gateway sees it, and an unreachable gateway is `offline` with
//! nothing changed.

use serde_json::{Value, json};

use crate::support::{Gateway, PASSWORD, TestApp, assert_code, free_port};

#[test]
fn quiet_hours_are_read_and_set_on_the_gateway() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("gateway");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let gw = Gateway::start(&data, port);
    let app = TestApp::new(&dir.path().join("app"));

    assert_code(app.invoke("quiet_hours", json!({})), "notConfigured");
    app.invoke("configure_server", json!({ "url": url, "pin": null }))
        .expect("configure_server");
    assert_code(app.invoke("quiet_hours", json!({})), "notLoggedIn");
    app.invoke(
        "login",
        json!({ "username": "leader1", "password": PASSWORD }),
    )
    .expect("login");

    let none = json!({ "start": null, "end": null });
    assert_eq!(app.invoke("quiet_hours", json!({})), Ok(none.clone()));
    let night = json!({ "start": "22:00", "end": "06:30" });
    assert_eq!(
        app.invoke("set_quiet_hours", night.clone()),
        Ok(night.clone())
    );
    assert_eq!(
        app.invoke("quiet_hours", json!({})),
        Ok(night.clone()),
        "kept by the gateway"
    );

    // Refused in Rust, with the gateway's hours unchanged.
    for bad in [
        json!({ "start": "22:00", "end": null }),
        json!({ "start": null, "end": "06:30" }),
        json!({ "start": "7:00", "end": "08:00" }),
        json!({ "start": "24:00", "end": "06:00" }),
        json!({ "start": "22:00", "end": "22:00" }),
        json!({ "start": "22h00", "end": "06:30" }),
    ] {
        let e = assert_code(
            app.invoke("set_quiet_hours", bad.clone()),
            "invalidArgument",
        );
        assert!(
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains("start") || m.contains("end")),
            "{bad}: {e}"
        );
    }
    assert_eq!(app.invoke("quiet_hours", json!({})), Ok(night.clone()));

    // Within one day, then none.
    let noon = json!({ "start": "12:00", "end": "13:30" });
    assert_eq!(app.invoke("set_quiet_hours", noon.clone()), Ok(noon));
    assert_eq!(
        app.invoke("set_quiet_hours", none.clone()),
        Ok(none.clone())
    );
    assert_eq!(app.invoke("quiet_hours", json!({})), Ok(none));

    // The gateway stops: offline, and the app says so.
    gw.stop();
    assert_code(app.invoke("quiet_hours", json!({})), "offline");
    assert_code(app.invoke("set_quiet_hours", night), "offline");
    let state = app.invoke("app_state", json!({})).expect("app_state");
    assert_eq!(state["queue"]["online"], Value::Bool(false), "{state}");
}
