//! `kyso://request/<id>` on the app (mock runtime, the real deep-link
//! plugin and configuration): a link that comes before the web view
//! listens (the app was started with it) is handed over once by
//! `app_state`; after that each valid link, from the deep-link plugin (a
//! second launch, the desktop) or a notification's click, is an
//! `open-request` event; anything else is ignored.

use std::time::Duration;

use serde_json::json;
use tauri::Emitter;

use crate::support::TestApp;

#[test]
fn links_open_a_request_once_the_web_view_listens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = TestApp::new(&dir.path().join("app"));
    let h = app.handle();

    // Before the web view has asked for the app state: kept, the last wins.
    kyso_app::links::open_url(&h, "kyso://request/first");
    kyso_app::links::open_url(
        &h,
        "kyso://request/0b6f1c3e-5d2a-4f4e-9a57-3c1d2e8b9f10/sign",
    );
    kyso_app::links::open_url(&h, "kyso://request/../settings");
    assert!(app.events("open-request").is_empty(), "nobody listens yet");
    let state = app.invoke("app_state", json!({})).expect("app_state");
    assert_eq!(
        state["open_request"],
        json!({ "id": "0b6f1c3e-5d2a-4f4e-9a57-3c1d2e8b9f10", "action": "sign" }),
        "the last valid link, with its action, handed over by app_state"
    );
    let state = app.invoke("app_state", json!({})).expect("app_state");
    assert!(state["open_request"].is_null(), "once: {state}");

    // Listening now: the deep-link plugin's URLs (what a second launch or
    // the desktop hands over) and a click's link become `open-request`.
    h.emit("deep-link://new-url", vec!["kyso://request/from-plugin"])
        .expect("emit");
    app.wait_event("open-request", 10, |v| {
        v == &json!({ "id": "from-plugin", "action": "view" })
    });
    kyso_app::links::open_url(&h, "kyso://request/from-click");
    app.wait_event("open-request", 10, |v| {
        v == &json!({ "id": "from-click", "action": "view" })
    });
    // A notification's "Ký ngay".
    kyso_app::links::open_url(&h, "kyso://request/from-sign/sign");
    app.wait_event("open-request", 10, |v| {
        v == &json!({ "id": "from-sign", "action": "sign" })
    });

    // Ignored, with a warning: never an event, never a crash.
    h.emit(
        "deep-link://new-url",
        vec![
            "kyso://request/a/b",
            "kyso://request/a/sign/",
            "kyso://setup?server=x",
            "https://request/x",
        ],
    )
    .expect("emit");
    for bad in [
        "kyso://request/",
        "kyso://request/x?y",
        "",
        "kyso://request/%41",
    ] {
        kyso_app::links::open_url(&h, bad);
    }
    std::thread::sleep(Duration::from_millis(300));
    let ids: Vec<_> = app
        .events("open-request")
        .into_iter()
        .map(|v| v["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids, ["from-plugin", "from-click", "from-sign"]);
    assert!(
        app.invoke("app_state", json!({})).expect("app_state")["open_request"].is_null(),
        "nothing kept once the web view listens"
    );
}
