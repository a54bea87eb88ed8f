//! The contract across the languages. The Rust definitions (`Command`,
//! `ErrorCode`, `Permission`, `Provider`, `Category`, `Urgency`, `Action`,
//! `PAYLOAD_KEYS`, the native events, `TEXTS`, `REQUEST_ID_PATTERN`) are
//! the reference; the Kotlin, Swift and TypeScript sources, the Android
//! string resources, the iOS `Localizable.strings`, the manifest, the
//! Gradle file, `build.rs` and `permissions/default.toml` are read as text
//! and must say exactly the same. The gateway's own types (kyso-api) are
//! checked too: the payload the phones read is the one the gateway sends.
//! The parsing is deliberately plain (blocks between braces, quoted
//! strings): the native files are written to be read this way.

use std::collections::BTreeMap;

use tauri_plugin_kyso_push::{
    Action, Category, Command, ErrorCode, PAYLOAD_KEYS, Permission, Provider, PushToken,
    REQUEST_ID_PATTERN, SET_EVENT_HANDLER, SET_EVENT_HANDLER_ARG, Status, TAP_EVENT_FIELDS, TEXTS,
    TOKEN_EVENT_FIELDS, Tap, Urgency,
};

#[path = "../../../contract-text.rs"]
mod text;
use text::*;

const PLUGIN_KT: &str = include_str!("../../android/src/main/java/PushPlugin.kt");
const NOTIFICATIONS_KT: &str = include_str!("../../android/src/main/java/Notifications.kt");
const SERVICE_KT: &str = include_str!("../../android/src/main/java/PushService.kt");
const MANIFEST: &str = include_str!("../../android/src/main/AndroidManifest.xml");
const GRADLE: &str = include_str!("../../android/build.gradle.kts");
const STRINGS_EN: &str = include_str!("../../android/src/main/res/values/strings.xml");
const STRINGS_VI: &str = include_str!("../../android/src/main/res/values-vi/strings.xml");
const SWIFT: &str = include_str!("../../ios/Sources/PushPlugin.swift");
const LOCALIZABLE_EN: &str = include_str!("../../ios/Localizable/en.lproj/Localizable.strings");
const LOCALIZABLE_VI: &str = include_str!("../../ios/Localizable/vi.lproj/Localizable.strings");
const TS: &str = include_str!("../../guest-js/index.ts");
const BUILD_RS: &str = include_str!("../../build.rs");
const MOBILE_RS: &str = include_str!("../../src/mobile.rs");

/// The first argument of every `call` (`.put("…"` → the keys).
fn first_args<'a>(src: &'a str, call: &str) -> Vec<&'a str> {
    src.match_indices(call)
        .map(|(i, _)| {
            let rest = &src[i + call.len()..];
            rest[..rest.find([',', ')']).expect("end of the argument")].trim()
        })
        .collect()
}

fn status_fields() -> Names {
    fields(&Status {
        permission: Permission::Granted,
        provider: Some(Provider::Fcm),
        token: Some("t".into()),
    })
}

fn token_fields() -> Names {
    fields(&PushToken {
        provider: Provider::Fcm,
        token: "t".into(),
    })
}

fn commands() -> Names {
    Command::ALL.iter().map(|c| c.name().to_string()).collect()
}

fn native_methods() -> Names {
    Command::ALL
        .iter()
        .map(|c| c.native_name())
        .chain([SET_EVENT_HANDLER])
        .map(str::to_string)
        .collect()
}

fn error_codes() -> Names {
    ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

fn permissions() -> Names {
    Permission::ALL
        .iter()
        .map(|p| p.as_str().to_string())
        .collect()
}

fn categories() -> Names {
    Category::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

fn actions() -> Names {
    Action::ALL.iter().map(|a| a.as_str().to_string()).collect()
}

fn urgencies() -> Names {
    Urgency::ALL
        .iter()
        .map(|u| u.as_str().to_string())
        .collect()
}

#[test]
fn build_script_and_permissions_list_every_command() {
    assert_eq!(
        set(quoted(
            between(BUILD_RS, "const COMMANDS: &[&str] = &[", "];"),
            '"'
        )),
        commands(),
        "build.rs generates a permission per command, and none for setEventHandler"
    );
    let toml = include_str!("../../permissions/default.toml");
    let granted: Names = quoted(toml, '"')
        .into_iter()
        .filter_map(|s| s.strip_prefix("allow-"))
        .map(|s| s.replace('-', "_"))
        .collect();
    assert_eq!(
        granted,
        commands(),
        "the default permission set covers every command"
    );
    for c in Command::ALL {
        assert_eq!(c.native_name(), lower_camel(c.name()));
        assert!(c.args().is_empty(), "no command takes arguments");
    }
    assert!(!commands().contains(SET_EVENT_HANDLER));
}

/// The phones read what the gateway sends: kyso-api's payload, category
/// names, APNs loc-keys, urgencies and providers.
#[test]
fn the_gateway_sends_what_the_phones_read() {
    use kyso_api::{PushCategory, PushPayload, PushProvider};
    let payload = PushPayload {
        request_id: "r".into(),
        urgency: kyso_api::Urgency::Flash,
        category: PushCategory::NewRequest,
    };
    assert_eq!(fields(&payload), set(PAYLOAD_KEYS), "the payload's keys");
    // Every category the gateway knows (by its wire name) has the same
    // name and APNs loc-keys here; new_request at least.
    let mut known = Names::new();
    for ours in Category::ALL {
        let Ok(theirs) = serde_json::from_value::<PushCategory>(ours.as_str().into()) else {
            continue;
        };
        assert_eq!(theirs.as_str(), ours.as_str());
        assert_eq!(theirs.apns_title_loc_key(), ours.title_key());
        assert_eq!(theirs.apns_loc_key(), ours.body_key());
        known.insert(ours.as_str().to_string());
    }
    assert!(known.contains("new_request"), "{known:?}");
    for (theirs, ours) in [
        (kyso_api::Urgency::Normal, Urgency::Normal),
        (kyso_api::Urgency::Urgent, Urgency::Urgent),
        (kyso_api::Urgency::VeryUrgent, Urgency::VeryUrgent),
        (kyso_api::Urgency::Flash, Urgency::Flash),
    ] {
        assert_eq!(
            serde_json::to_value(theirs).expect("urgency"),
            ours.as_str()
        );
    }
    for (theirs, ours) in [
        (PushProvider::Fcm, Provider::Fcm),
        (PushProvider::Apns, Provider::Apns),
    ] {
        assert_eq!(theirs.as_str(), ours.as_str());
    }
}

#[test]
fn the_tap_is_request_id_and_action() {
    let tap = Tap::parse("r1", "sign").expect("a tap");
    let mut expected = set(TAP_EVENT_FIELDS);
    expected.remove("kind");
    assert_eq!(fields(&tap), expected);
    assert_eq!(SET_EVENT_HANDLER_ARG, "handler");
}

#[test]
fn kotlin_matches() {
    let methods: Names = PLUGIN_KT
        .split("@Command")
        .skip(1)
        .map(|rest| after(rest, "fun ")[0].to_string())
        .collect();
    assert_eq!(
        methods,
        native_methods(),
        "one @Command per command, and setEventHandler"
    );
    assert_eq!(
        set(after(block(PLUGIN_KT, "class SetEventHandlerArgs"), "var ")),
        set([SET_EVENT_HANDLER_ARG])
    );
    assert!(PLUGIN_KT.contains("parseArgs(SetEventHandlerArgs::class.java)"));
    assert_eq!(
        set(quoted(block(PLUGIN_KT, "enum class ErrorCode"), '"')),
        error_codes()
    );
    assert_eq!(
        PLUGIN_KT.matches("invoke.reject(").count(),
        1,
        "every rejection goes through fail(), which takes an ErrorCode"
    );
    assert_eq!(
        set(quoted(block(PLUGIN_KT, "enum class PushPermission"), '"')),
        permissions()
    );
    assert!(PLUGIN_KT.contains(&format!(
        "const val PROVIDER = \"{}\"",
        Provider::Fcm.as_str()
    )));
    let puts = |start: &str| {
        set(quoted(
            &first_args(block(PLUGIN_KT, start), ".put(").join(" "),
            '"',
        ))
    };
    assert_eq!(puts("fun status("), status_fields(), "status answers");
    assert_eq!(puts("fun tokenAnswer("), token_fields(), "register answers");
    assert_eq!(puts("fun tokenEvent("), set(TOKEN_EVENT_FIELDS));
    assert_eq!(puts("fun tapEvent("), set(TAP_EVENT_FIELDS));
    assert!(block(PLUGIN_KT, "fun tokenEvent(").contains("put(\"kind\", \"token\")"));
    assert!(block(PLUGIN_KT, "fun tapEvent(").contains("put(\"kind\", \"tap\")"));

    // The registration by package and class name.
    for src in [PLUGIN_KT, NOTIFICATIONS_KT, SERVICE_KT] {
        assert!(src.contains("package app.kyso.push"));
        assert!(
            src.contains("NOT COMPILED HERE"),
            "says plainly it was never compiled"
        );
    }
    assert!(
        MOBILE_RS.contains("\"app.kyso.push\"")
            && MOBILE_RS.contains("\"PushPlugin\"")
            && PLUGIN_KT.contains("class PushPlugin(")
            && GRADLE.contains("namespace = \"app.kyso.push\""),
        "Rust registers the Kotlin class by its package and name"
    );
    assert!(GRADLE.contains("\"com.google.firebase:firebase-messaging:"));
}

#[test]
fn kotlin_notifications_match() {
    let kt = NOTIFICATIONS_KT;
    let keys: Names = PAYLOAD_KEYS
        .iter()
        .map(|k| {
            let line = kt
                .lines()
                .find(|l| l.contains(&format!("= \"{k}\"")))
                .unwrap_or_else(|| panic!("a constant for {k}"));
            after(line, "const val ")[0].to_string()
        })
        .collect();
    assert_eq!(
        keys,
        set(["KEY_REQUEST_ID", "KEY_URGENCY", "KEY_CATEGORY"]),
        "one constant per payload key"
    );
    for (call, allowed) in [
        (".putString(", &keys),
        (".putExtra(", &set(["KEY_REQUEST_ID"])),
    ] {
        for arg in first_args(kt, call) {
            assert!(
                allowed.contains(arg),
                "{call}{arg}: nothing but the payload goes into extras"
            );
        }
    }
    for src in [PLUGIN_KT, NOTIFICATIONS_KT, SERVICE_KT] {
        assert!(
            !src.contains("putExtra(\"") && !src.contains("putString(\""),
            "extras use the key constants"
        );
    }
    assert!(
        kt.contains(&format!("Regex(\"{REQUEST_ID_PATTERN}\")")),
        "the request id rule"
    );
    for u in Urgency::ALL {
        let name = TEXTS
            .iter()
            .find(|t| t.key == u.channel_name_key())
            .expect("text")
            .android_name();
        let entry = format!(
            "(\"{}\", \"{}\", R.string.{name}, {})",
            u.as_str(),
            u.channel(),
            u.high_importance()
        );
        assert!(kt.contains(&entry), "Urgency {entry}");
    }
    assert_eq!(
        set(quoted(block(kt, "enum class Urgency"), '"'))
            .into_iter()
            .filter(|s| !s.starts_with("kyso_"))
            .collect::<Names>(),
        urgencies()
    );
    for c in Category::ALL {
        let name = |k: &str| k.replace('.', "_");
        let entry = format!(
            "(\"{}\", R.string.{}, R.string.{})",
            c.as_str(),
            name(c.title_key()),
            name(c.body_key())
        );
        assert!(kt.contains(&entry), "Category {entry}");
    }
    assert_eq!(
        set(quoted(block(kt, "enum class Category"), '"')),
        categories()
    );
    for a in Action::ALL {
        let entry = format!(
            "(\"{}\", R.string.{})",
            a.as_str(),
            a.title_key().replace('.', "_")
        );
        assert!(kt.contains(&entry), "PushAction {entry}");
    }
    assert_eq!(
        set(quoted(block(kt, "enum class PushAction"), '"')),
        actions()
    );
}

/// "Ký ngay" never signs by itself: no code runs in the background for it.
#[test]
fn android_actions_open_the_app_and_need_unlock() {
    for src in [PLUGIN_KT, NOTIFICATIONS_KT, SERVICE_KT, MANIFEST] {
        for banned in [
            "getBroadcast",
            "getService",
            "getForegroundService",
            "BroadcastReceiver",
            "<receiver",
            "FLAG_MUTABLE",
        ] {
            assert!(
                !src.contains(banned),
                "{banned}: actions open the activity only"
            );
        }
    }
    let open = block(NOTIFICATIONS_KT, "private fun openIntent(");
    assert!(open.contains("PendingIntent.getActivity("));
    assert!(open.contains("PendingIntent.FLAG_IMMUTABLE"));
    let action = block(NOTIFICATIONS_KT, "private fun action(");
    assert!(action.contains("setAuthenticationRequired(true)"));
    assert!(
        action.contains("openIntent(context, requestId, a)"),
        "each button opens the activity with its own action"
    );
    assert!(
        NOTIFICATIONS_KT.contains(
            "for (a in PushAction.values()) builder.addAction(action(context, requestId, a))"
        ),
        "both buttons on every notification"
    );
    assert!(
        NOTIFICATIONS_KT
            .contains(".setContentIntent(openIntent(context, requestId, PushAction.VIEW))")
    );
    // The manifest: the FCM service only, not exported.
    let service = between(MANIFEST, "<service", "</service>");
    assert!(service.contains("android:name=\"app.kyso.push.PushService\""));
    assert!(service.contains("android:exported=\"false\""));
    assert!(service.contains("com.google.firebase.MESSAGING_EVENT"));
    assert!(MANIFEST.contains("android.permission.POST_NOTIFICATIONS"));
    assert!(SERVICE_KT.contains("class PushService : FirebaseMessagingService()"));
    assert!(SERVICE_KT.contains("override fun onNewToken(token: String)"));
    assert!(SERVICE_KT.contains("override fun onMessageReceived(message: RemoteMessage)"));
}

/// `<string name="…">…</string>` of a resource file.
fn android_strings(xml: &str) -> BTreeMap<String, String> {
    xml.split("<string name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once("\">").expect("name");
            let value = &rest[..rest.find("</string>").expect("closing tag")];
            (name.to_string(), value.to_string())
        })
        .collect()
}

#[test]
fn android_strings_exist_in_both_languages() {
    let en = android_strings(STRINGS_EN);
    let vi = android_strings(STRINGS_VI);
    let expected = |lang: fn(&tauri_plugin_kyso_push::Text) -> &'static str| {
        TEXTS
            .iter()
            .map(|t| (t.android_name(), lang(t).to_string()))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(en, expected(|t| t.en), "values/ is English");
    assert_eq!(vi, expected(|t| t.vi), "values-vi/ is Vietnamese");
    for src in [PLUGIN_KT, NOTIFICATIONS_KT, SERVICE_KT] {
        for name in after(src, "R.string.") {
            assert!(en.contains_key(name), "R.string.{name} exists");
        }
    }
}

#[test]
fn swift_matches() {
    assert_eq!(
        set(after(SWIFT, "@objc public func ")),
        native_methods(),
        "one @objc method per command, and setEventHandler"
    );
    assert_eq!(
        set(after(block(SWIFT, "struct SetEventHandlerArgs"), "let ")),
        set([SET_EVENT_HANDLER_ARG])
    );
    assert_eq!(
        set(after(block(SWIFT, "enum ErrorCode"), "case ")),
        error_codes()
    );
    assert_eq!(
        SWIFT.matches("invoke.reject(").count(),
        1,
        "every rejection goes through fail(), which takes an ErrorCode"
    );
    assert_eq!(
        set(after(block(SWIFT, "enum PushPermission"), "case ")),
        permissions()
    );
    for (name, expected) in [
        ("struct StatusAnswer", status_fields()),
        ("struct PushTokenAnswer", token_fields()),
        ("struct TokenEvent", set(TOKEN_EVENT_FIELDS)),
        ("struct TapEvent", set(TAP_EVENT_FIELDS)),
    ] {
        assert_eq!(set(after(block(SWIFT, name), "let ")), expected, "{name}");
    }
    assert!(SWIFT.contains("TokenEvent(kind: \"token\""));
    assert!(SWIFT.contains("TapEvent(kind: \"tap\""));
    assert!(SWIFT.contains(&format!("let provider = \"{}\"", Provider::Apns.as_str())));
    let keys: Names = SWIFT
        .lines()
        .filter(|l| l.starts_with("let key"))
        .map(|l| quoted(l, '"')[0].to_string())
        .collect();
    assert_eq!(keys, set(PAYLOAD_KEYS), "the payload keys Swift reads");
    assert!(SWIFT.contains(&format!("let requestIdPattern = \"{REQUEST_ID_PATTERN}\"")));
    assert_eq!(
        set(quoted(block(SWIFT, "enum Category"), '"')),
        categories()
    );
    assert_eq!(set(quoted(block(SWIFT, "enum PushAction"), '"')), actions());
    let table: BTreeMap<String, (String, String)> = between(SWIFT, "let texts:", "\n]\n")
        .lines()
        .filter(|l| l.trim_start().starts_with('"'))
        .map(|l| {
            let q = quoted(l, '"');
            (q[0].to_string(), (q[1].to_string(), q[2].to_string()))
        })
        .collect();
    let expected: BTreeMap<String, (String, String)> = TEXTS
        .iter()
        .map(|t| (t.key.to_string(), (t.vi.to_string(), t.en.to_string())))
        .collect();
    assert_eq!(table, expected, "the Swift texts are Rust's");
    assert!(
        SWIFT.contains("@_cdecl(\"init_plugin_kyso_push\")")
            && MOBILE_RS.contains("ios_plugin_binding!(init_plugin_kyso_push)"),
        "Rust binds the Swift entry point by its name"
    );
    assert!(SWIFT.contains("NOT COMPILED HERE"));
}

/// "Ký ngay" opens the app (never a background action) on an unlocked
/// phone; "Xem" opens the app; a tap on the notification is "view".
#[test]
fn ios_actions_open_the_app_and_need_unlock() {
    let line = |id: &str| {
        let needle = format!("identifier: PushAction.{id}.rawValue");
        SWIFT
            .lines()
            .find(|l| l.contains(&needle))
            .unwrap_or_else(|| panic!("the {id} action"))
    };
    let sign = line("sign");
    assert!(
        sign.contains("options: [.foreground, .authenticationRequired]"),
        "{sign}"
    );
    assert!(sign.contains("text(\"push.action.sign\")"));
    let view = line("view");
    assert!(view.contains("options: [.foreground"), "{view}");
    assert!(view.contains("text(\"push.action.view\")"));
    assert!(!SWIFT.contains(".destructive"));
    assert!(
        SWIFT.contains("actions: [view, sign]") && SWIFT.contains("Category.allCases.map"),
        "every category has both actions"
    );
    assert!(SWIFT.contains("case UNNotificationDefaultActionIdentifier: action = .view"));
    assert!(SWIFT.contains("default: action = PushAction(rawValue: response.actionIdentifier)"));
    assert!(SWIFT.contains("registerForRemoteNotifications()"));
    assert!(
        SWIFT.contains("String(format: \"%02x\", $0)"),
        "the token in hex"
    );
}

/// `"key" = "value";` of a `.strings` file.
fn apple_strings(src: &str) -> BTreeMap<String, String> {
    src.lines()
        .filter(|l| l.starts_with('"'))
        .map(|l| {
            let q = quoted(l, '"');
            (q[0].to_string(), q[1].to_string())
        })
        .collect()
}

#[test]
fn ios_strings_exist_in_both_languages() {
    for (src, lang) in [
        (
            LOCALIZABLE_EN,
            (|t| t.en) as fn(&tauri_plugin_kyso_push::Text) -> &'static str,
        ),
        (LOCALIZABLE_VI, |t| t.vi),
    ] {
        let expected: BTreeMap<String, String> = TEXTS
            .iter()
            .map(|t| (t.key.to_string(), lang(t).to_string()))
            .collect();
        assert_eq!(apple_strings(src), expected);
    }
    // The keys the gateway's APNs alerts name, in both languages.
    for src in [LOCALIZABLE_EN, LOCALIZABLE_VI] {
        let strings = apple_strings(src);
        for c in Category::ALL {
            if let Ok(theirs) = serde_json::from_value::<kyso_api::PushCategory>(c.as_str().into())
            {
                assert!(strings.contains_key(theirs.apns_title_loc_key()));
                assert!(strings.contains_key(theirs.apns_loc_key()));
            }
        }
    }
}

#[test]
fn typescript_matches() {
    let invoked: Vec<(String, bool)> = TS
        .match_indices("'plugin:kyso-push|")
        .map(|(i, _)| {
            let rest = &TS[i + "'plugin:kyso-push|".len()..];
            let name = rest[..rest.find('\'').expect("closing quote")].to_string();
            let call = &rest[..rest.find(')').expect("end of the invoke call")];
            (name, call.contains('{'))
        })
        .collect();
    assert_eq!(
        invoked.iter().map(|(n, _)| n.clone()).collect::<Names>(),
        commands(),
        "one invoke per command"
    );
    assert!(
        invoked.iter().all(|(_, args)| !args),
        "no command takes arguments"
    );
    assert!(!TS.contains(SET_EVENT_HANDLER));
    let union = |start: &str| -> Names {
        let from = TS.find(start).unwrap_or_else(|| panic!("{start}"));
        let rest = &TS[from..];
        let end = rest.find("\n\n").unwrap_or(rest.len());
        set(quoted(&rest[..end], '\''))
    };
    assert_eq!(union("export type ErrorCode"), error_codes());
    assert_eq!(union("export type Permission"), permissions());
    assert_eq!(
        union("export type Provider"),
        set(Provider::ALL.iter().map(|p| p.as_str()))
    );
    assert_eq!(union("export type Action"), actions());
    assert_eq!(union("export type Category"), categories());
    assert_eq!(union("export type Urgency"), urgencies());
    assert_eq!(union("export const PAYLOAD_KEYS"), set(PAYLOAD_KEYS));
    let mut tap = set(TAP_EVENT_FIELDS);
    tap.remove("kind");
    for (name, expected) in [
        ("Status", status_fields()),
        ("PushToken", token_fields()),
        ("Tap", tap),
    ] {
        let body = block(TS, &format!("export interface {name} "));
        let got: Names = body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("/**") && !l.starts_with('*'))
            .map(|l| l[..l.find([':', '?']).expect("a field")].to_string())
            .collect();
        assert_eq!(got, expected, "interface {name}");
    }
    let err = block(TS, "export interface PushError ");
    assert!(err.contains("code: ErrorCode") && err.contains("message: string"));
}
