//! The commands as the web view invokes them (`plugin:kyso-keystore|…`,
//! camelCase arguments, base64 bytes), on Tauri's mock runtime, with
//! exactly the permissions `permissions/default.toml` grants; and the same
//! keystore through `app.keystore()`.

use base64::Engine;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::utils::acl::resolved::{Resolved, ResolvedCommand};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};
use tauri_plugin_kyso_keystore::{Builder, KeystoreExt, SecurityLevel, SignRequest};

use crate::assert_signature_verifies;

const PASSPHRASE: &str = "passphrase for the IPC test";

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn unb64(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().expect("a base64 string"))
        .expect("standard base64")
}

/// The commands `permissions/default.toml` allows (`allow-generate-key` →
/// `generate_key`).
fn default_permissions() -> Vec<String> {
    let toml = include_str!("../../permissions/default.toml");
    toml.split('"')
        .filter(|s| s.starts_with("allow-"))
        .map(|s| s["allow-".len()..].replace('-', "_"))
        .collect()
}

fn app(dir: &std::path::Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    app_allowing(dir, &[])
}

/// The app with the default permissions and `extra` commands allowed too.
fn app_allowing(
    dir: &std::path::Path,
    extra: &[&str],
) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let allowed = default_permissions()
        .into_iter()
        .chain(extra.iter().map(|c| c.to_string()))
        .map(|c| {
            (
                format!("plugin:kyso-keystore|{c}"),
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
        .plugin(Builder::new().key_dir(dir).build())
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
            cmd: format!("plugin:kyso-keystore|{command}"),
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
fn the_web_view_gets_the_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (app, webview) = app(dir.path());

    let status = invoke(&webview, "status", json!({})).expect("status");
    assert_eq!(
        status,
        json!({ "available": true, "securityLevel": "software", "reason": null }),
        "camelCase fields, the level spelled as in TypeScript"
    );

    let key = invoke(
        &webview,
        "generate_key",
        json!({ "alias": "device", "attestationChallenge": b64(b"nonce"), "passphrase": PASSPHRASE }),
    )
    .expect("generate_key");
    assert_eq!(key["securityLevel"], "software");
    assert_eq!(
        key["attestationChain"],
        json!([]),
        "nothing to attest on desktop"
    );
    let spki = unb64(&key["publicKey"]);

    let public = invoke(&webview, "public_key", json!({ "alias": "device" })).expect("public_key");
    assert_eq!(unb64(&public["publicKey"]), spki, "the same key");

    let data = b"signed attributes from kyso-pdf";
    let sig = invoke(
        &webview,
        "sign",
        json!({ "alias": "device", "data": b64(data), "prompt": "Ký công văn", "passphrase": PASSPHRASE }),
    )
    .expect("sign");
    assert_signature_verifies(&spki, data, &unb64(&sig["signature"]));

    // Errors reach JavaScript as { code, message }, not a bare string.
    let wrong = invoke(
        &webview,
        "sign",
        json!({ "alias": "device", "data": b64(data), "prompt": "Ký", "passphrase": "wrong passphrase" }),
    )
    .expect_err("wrong passphrase");
    assert_eq!(wrong["code"], "wrongPassphrase", "{wrong}");
    assert!(
        wrong["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{wrong}"
    );
    let bad = invoke(
        &webview,
        "sign",
        json!({ "alias": "device", "data": "not base64!", "prompt": "Ký" }),
    )
    .expect_err("bad base64");
    assert_eq!(bad["code"], "invalidArgument", "{bad}");

    // The Rust side of the app sees the same keystore.
    let mut req = SignRequest::new("device", *data, "Ký từ Rust");
    req.passphrase = Some(PASSPHRASE.into());
    let from_rust = tauri::async_runtime::block_on(app.keystore().sign(req)).expect("signs");
    assert_signature_verifies(&spki, data, &from_rust.signature);
    assert_eq!(
        tauri::async_runtime::block_on(app.keystore().status())
            .expect("status")
            .security_level,
        SecurityLevel::Software
    );

    assert_eq!(
        invoke(&webview, "delete_key", json!({ "alias": "device" })).expect("delete_key"),
        Value::Null,
        "delete answers nothing"
    );
    let gone = invoke(&webview, "public_key", json!({ "alias": "device" })).expect_err("deleted");
    assert_eq!(gone["code"], "keyNotFound", "{gone}");
}

/// Wrapping has no IPC command: even a capability that allowed it would
/// reach no handler, so the cache key can never be unwrapped into
/// JavaScript. The app's Rust wraps and unwraps through `app.keystore()`.
#[test]
fn wrapping_is_not_reachable_from_the_web_view() {
    use tauri_plugin_kyso_keystore::{UnwrapKeyRequest, WrapKeyRequest};
    let dir = tempfile::tempdir().expect("tempdir");
    let (app, webview) = app_allowing(dir.path(), &["wrap_key", "unwrap_key"]);
    let wrapped = tauri::async_runtime::block_on(
        app.keystore()
            .wrap_key(WrapKeyRequest::new("cache", [7u8; 32])),
    )
    .expect("Rust wraps")
    .wrapped;
    let from_rust = tauri::async_runtime::block_on(
        app.keystore()
            .unwrap_key(UnwrapKeyRequest::new("cache", wrapped.clone())),
    )
    .expect("Rust unwraps");
    assert_eq!(from_rust.data, [7u8; 32]);
    for (command, args) in [
        (
            "wrap_key",
            json!({ "alias": "cache", "data": b64(&[7u8; 32]) }),
        ),
        (
            "unwrap_key",
            json!({ "alias": "cache", "wrapped": b64(&wrapped) }),
        ),
    ] {
        let refused = invoke(&webview, command, args);
        let text = refused.expect_err("no such IPC command").to_string();
        assert!(
            !text.contains(&b64(&[7u8; 32])),
            "{command}: the secret never crosses IPC: {text}"
        );
    }
}
