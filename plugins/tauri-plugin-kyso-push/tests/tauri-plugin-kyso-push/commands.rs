//! The commands as the web view invokes them (`plugin:kyso-push|…`), on
//! Tauri's mock runtime, with exactly the permissions
//! `permissions/default.toml` grants. On desktop there is no push: the
//! answers say so plainly.

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::utils::acl::resolved::{Resolved, ResolvedCommand};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};
use tauri_plugin_kyso_push::{Builder, ErrorCode, Permission, PushExt};

/// The commands `permissions/default.toml` allows.
fn default_permissions() -> Vec<String> {
    let toml = include_str!("../../permissions/default.toml");
    toml.split('"')
        .filter(|s| s.starts_with("allow-"))
        .map(|s| s["allow-".len()..].replace('-', "_"))
        .collect()
}

fn app() -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let allowed = default_permissions()
        .into_iter()
        .map(|c| {
            (
                format!("plugin:kyso-push|{c}"),
                vec![ResolvedCommand {
                    windows: vec![glob::Pattern::new("main").expect("pattern")],
                    ..Default::default()
                }],
            )
        })
        .collect();
    let mut context = mock_context(noop_assets());
    *context.runtime_authority_mut() = tauri::runtime_authority!(
        Default::default(),
        Resolved {
            allowed_commands: allowed,
            ..Default::default()
        }
    );
    let app = mock_builder()
        .plugin(
            Builder::new()
                .on_event(|_, ev| panic!("no push event on desktop, got {ev:?}"))
                .build(),
        )
        .build(context)
        .expect("builds the app");
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("a window");
    (app, webview)
}

fn invoke(
    webview: &WebviewWindow<MockRuntime>,
    command: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: format!("plugin:kyso-push|{command}"),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().expect("JSON answer"))
}

#[test]
fn the_desktop_says_unsupported() {
    let (_app, webview) = app();
    assert_eq!(
        invoke(&webview, "status", json!({})).expect("status"),
        json!({ "permission": "unsupported", "provider": null, "token": null }),
        "the desktop follows the gateway's events instead"
    );
    let err = invoke(&webview, "register", json!({})).expect_err("no push on desktop");
    assert_eq!(err["code"], "unsupported", "{err}");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("Android and iOS")),
        "{err}"
    );
    assert!(
        invoke(&webview, "setEventHandler", json!({})).is_err(),
        "the native event handler is not a command the web view can call"
    );
}

#[test]
fn the_rust_side_gets_the_same() {
    let (app, _webview) = app();
    let push = app.push();
    let status = tauri::async_runtime::block_on(push.status()).expect("status");
    assert_eq!(status.permission, Permission::Unsupported);
    assert_eq!((status.provider, status.token), (None, None));
    let err = tauri::async_runtime::block_on(push.register()).expect_err("unsupported");
    assert_eq!(err.code, ErrorCode::Unsupported);
}
