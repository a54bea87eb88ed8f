//! One contract in five places: the invoke handler (`commands::COMMANDS`),
//! build.rs (the generated permissions), the two capabilities, and the
//! web view's ui/src/ipc.ts (command names, argument names, error codes,
//! events).

use std::collections::BTreeSet;

use kyso_app::commands::{COMMANDS, DESKTOP_ONLY};
use kyso_app::error::AppCode;
use serde_json::Value;

const IPC_TS: &str = include_str!("../../../ui/src/ipc.ts");
const BUILD_RS: &str = include_str!("../../build.rs");
const DESKTOP: &str = include_str!("../../capabilities/desktop.json");
const MOBILE: &str = include_str!("../../capabilities/mobile.json");

/// The arguments of each command, as the Rust commands take them.
const ARGS: [(&str, &[&str]); 33] = [
    ("app_state", &[]),
    ("configure_server", &["url", "pin"]),
    ("login", &["username", "password"]),
    ("logout", &[]),
    ("enroll", &["passphrase"]),
    ("inbox", &[]),
    ("request", &["id"]),
    ("open_document", &["id"]),
    ("render_page", &["id", "page", "width"]),
    ("sign", &["id", "passphrase"]),
    ("decline", &["id", "reason"]),
    ("history", &[]),
    ("queue_status", &[]),
    ("flush_queue", &[]),
    ("set_language", &["language"]),
    ("quiet_hours", &[]),
    ("set_quiet_hours", &["start", "end"]),
    ("remove_key", &[]),
    ("meetings", &[]),
    ("meeting", &["id"]),
    ("download_meeting", &["id"]),
    ("open_meeting_document", &["meeting", "document"]),
    ("give_opinion", &["meeting", "item", "kind", "text"]),
    ("present", &["meeting", "document", "page", "zoom"]),
    ("delegate_presenter", &["meeting", "user"]),
    ("follow_meeting", &["meeting"]),
    ("save_note", &["meeting", "document", "page", "text"]),
    ("export_notes", &["meeting"]),
    ("issuance", &[]),
    ("open_issuance_document", &["id"]),
    ("issue", &["id", "number", "date"]),
    ("save_issued", &["id"]),
    ("make_copy", &["id", "kind", "number"]),
];

fn set<'a>(v: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    v.into_iter().map(str::to_string).collect()
}

/// TypeScript without comments (they contain apostrophes).
fn code_only(ts: &str) -> String {
    let mut out = String::new();
    let mut rest = ts;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |j| &rest[i + j + 2..]);
    }
    out.push_str(rest);
    out.lines()
        .map(|l| l.split("// ").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The quoted strings of `export const NAME = [ … ]`.
fn ts_array(ts: &str, name: &str) -> BTreeSet<String> {
    let start = ts
        .find(&format!("export const {name} = ["))
        .unwrap_or_else(|| panic!("{name} in ipc.ts"));
    let body = &ts[start..];
    let body = &body[body.find('[').expect("[") + 1..body.find(']').expect("]")];
    body.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// `call<…>('name', { a, b: … })` → name → argument keys.
fn ts_calls(ts: &str) -> Vec<(String, BTreeSet<String>)> {
    let mut out = Vec::new();
    for part in ts.split("call<").skip(1) {
        let Some(open) = part.find(">('") else {
            continue;
        };
        let after = &part[open + 3..];
        let name = &after[..after.find('\'').expect("closing quote")];
        let tail = &after[name.len() + 1..];
        let args = if let Some(t) = tail.strip_prefix(", {") {
            t[..t.find('}').expect("}")]
                .split(',')
                .map(|a| a.split(':').next().unwrap_or("").trim().to_string())
                .filter(|a| !a.is_empty())
                .collect()
        } else {
            BTreeSet::new()
        };
        out.push((name.to_string(), args));
    }
    out
}

#[test]
fn commands_match_build_rs_the_capabilities_and_ipc_ts() {
    let ours = set(COMMANDS);
    assert_eq!(ours.len(), 33, "thirty-three commands");
    let build: BTreeSet<String> = BUILD_RS
        .split("const COMMANDS")
        .nth(1)
        .expect("COMMANDS in build.rs")
        .split("];")
        .next()
        .expect("end")
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    assert_eq!(build, ours, "build.rs generates a permission per command");

    let ts = code_only(IPC_TS);
    let calls = ts_calls(&ts);
    assert_eq!(
        calls
            .iter()
            .map(|(n, _)| n.clone())
            .collect::<BTreeSet<_>>(),
        ours,
        "ipc.ts wraps exactly these commands"
    );
    for (name, args) in &calls {
        let (_, rust) = ARGS
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} in ARGS"));
        assert_eq!(args, &set(rust.iter().copied()), "arguments of {name}");
        for a in rust.iter() {
            assert!(
                a.chars().all(|c| c.is_ascii_lowercase()),
                "{name}: argument {a} is one lower-case word (no camelCase renaming)"
            );
        }
    }

    let mut expected = set(["core:event:allow-listen", "core:event:allow-unlisten"]);
    expected.extend(
        COMMANDS
            .iter()
            .map(|c| format!("allow-{}", c.replace('_', "-"))),
    );
    // The clerk's commands are the desktop's only.
    let mut mobile = expected.clone();
    for c in DESKTOP_ONLY {
        assert!(
            mobile.remove(&format!("allow-{}", c.replace('_', "-"))),
            "{c} is a command"
        );
    }
    for (file, text, platforms, expected) in [
        (
            "desktop",
            DESKTOP,
            vec!["linux", "macOS", "windows"],
            &expected,
        ),
        ("mobile", MOBILE, vec!["android", "iOS"], &mobile),
    ] {
        let cap: Value = serde_json::from_str(text).expect("capability JSON");
        let perms: BTreeSet<String> = cap["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .map(|p| p.as_str().expect("a permission name").to_string())
            .collect();
        assert_eq!(
            &perms, expected,
            "{file}: the app's commands and event listening, nothing else (no plugin command)"
        );
        assert_eq!(cap["windows"], serde_json::json!(["main"]), "{file}");
        assert_eq!(cap["platforms"], serde_json::json!(platforms), "{file}");
        assert!(cap["remote"].is_null(), "{file}: no remote URL");
    }
}

#[test]
fn error_codes_and_events_match_ipc_ts() {
    let ts = code_only(IPC_TS);
    let gateway = [
        kyso_api::ErrorCode::BadRequest,
        kyso_api::ErrorCode::Unauthorized,
        kyso_api::ErrorCode::Forbidden,
        kyso_api::ErrorCode::NotFound,
        kyso_api::ErrorCode::Conflict,
        kyso_api::ErrorCode::PayloadTooLarge,
        kyso_api::ErrorCode::VerificationFailed,
        kyso_api::ErrorCode::RateLimited,
        kyso_api::ErrorCode::Internal,
    ];
    assert_eq!(
        ts_array(&ts, "GATEWAY_CODES"),
        set(gateway.iter().map(|c| kyso_client::error::code_name(*c)))
    );
    assert_eq!(
        ts_array(&ts, "KEYSTORE_CODES"),
        set(tauri_plugin_kyso_keystore::ErrorCode::ALL
            .iter()
            .map(|c| c.as_str()))
    );
    assert_eq!(
        ts_array(&ts, "APP_CODES"),
        set(AppCode::ALL.iter().map(|c| c.as_str()))
    );
    assert_eq!(ts_array(&ts, "EVENTS"), set(kyso_app::model::event::ALL));
}
