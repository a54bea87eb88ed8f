//! The contract across the four languages. The Rust definitions
//! (`Command`, `ErrorCode`, `SecurityLevel`, the answer types) are the
//! reference; the Kotlin, Swift and TypeScript sources, `build.rs` and
//! `permissions/default.toml` are read as text and must say exactly the same
//! names. The parsing is deliberately plain (blocks between braces, quoted
//! strings): the native files are written to be read this way.

use tauri_plugin_kyso_keystore::{
    AppAttest, Command, ErrorCode, GeneratedKey, PublicKey, SecurityLevel, Signature, Status,
    Unwrapped, Wrapped,
};

#[path = "../../../contract-text.rs"]
mod text;
use text::*;

const KOTLIN: &str = include_str!("../../android/src/main/java/KeystorePlugin.kt");
const SWIFT: &str = include_str!("../../ios/Sources/KeystorePlugin.swift");
const TS: &str = include_str!("../../guest-js/index.ts");
const BUILD_RS: &str = include_str!("../../build.rs");
const MOBILE_RS: &str = include_str!("../../src/mobile.rs");
const GRADLE: &str = include_str!("../../android/build.gradle.kts");
const LIB_RS: &str = include_str!("../../src/lib.rs");

/// The commands the web view may invoke (wrapping is Rust only).
fn ipc_commands() -> Names {
    Command::ALL
        .iter()
        .filter(|c| c.ipc())
        .map(|c| c.name().to_string())
        .collect()
}

/// The answers of the commands the web view may invoke: the ones TypeScript
/// declares.
fn ipc_answers() -> Vec<(&'static str, Names)> {
    answers()
        .into_iter()
        .filter(|(name, _)| !matches!(*name, "Wrapped" | "Unwrapped"))
        .collect()
}

/// Each answer type with its fields, named as in Swift and TypeScript.
fn answers() -> Vec<(&'static str, Names)> {
    let app_attest = AppAttest {
        key_id: String::new(),
        attestation: Vec::new(),
        assertion: Vec::new(),
    };
    vec![
        (
            "Status",
            fields(&Status {
                available: false,
                security_level: SecurityLevel::Software,
                reason: Some(ErrorCode::Internal),
            }),
        ),
        (
            "GeneratedKey",
            fields(&GeneratedKey {
                public_key: Vec::new(),
                security_level: SecurityLevel::Software,
                attestation_chain: Vec::new(),
                app_attest: Some(app_attest.clone()),
            }),
        ),
        ("AppAttest", fields(&app_attest)),
        (
            "PublicKey",
            fields(&PublicKey {
                public_key: Vec::new(),
            }),
        ),
        (
            "Signature",
            fields(&Signature {
                signature: Vec::new(),
            }),
        ),
        (
            "Wrapped",
            fields(&Wrapped {
                wrapped: Vec::new(),
            }),
        ),
        ("Unwrapped", fields(&Unwrapped { data: Vec::new() })),
    ]
}

fn error_codes() -> Names {
    ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

fn levels() -> Names {
    SecurityLevel::ALL
        .iter()
        .map(|l| l.as_str().to_string())
        .collect()
}

#[test]
fn build_script_and_permissions_list_every_command() {
    let names = ipc_commands();
    assert_eq!(
        names.len(),
        5,
        "wrap_key and unwrap_key are not IPC commands"
    );
    let handled: Names = between(LIB_RS, "generate_handler![", "]")
        .split(',')
        .map(|s| s.trim().trim_start_matches("commands::").to_string())
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(
        handled, names,
        "the plugin's invoke handler registers exactly the IPC commands"
    );
    assert_eq!(
        set(quoted(
            between(BUILD_RS, "const COMMANDS: &[&str] = &[", "];"),
            '"'
        )),
        names,
        "build.rs generates a permission per command"
    );
    let toml = include_str!("../../permissions/default.toml");
    let granted: Names = quoted(toml, '"')
        .into_iter()
        .filter_map(|s| s.strip_prefix("allow-"))
        .map(|s| s.replace('-', "_"))
        .collect();
    assert_eq!(
        granted, names,
        "the default permission set covers every command"
    );
    for c in Command::ALL {
        assert_eq!(
            c.native_name(),
            lower_camel(c.name()),
            "Tauri's own routing to native plugins converts names this way"
        );
    }
}

#[test]
fn kotlin_matches() {
    let commands: Names = KOTLIN
        .split("@Command")
        .skip(1)
        .map(|rest| after(rest, "fun ")[0])
        .map(str::to_string)
        .collect();
    assert_eq!(
        commands,
        Command::ALL
            .iter()
            .map(|c| c.native_name().to_string())
            .collect(),
        "one @Command per command, named as Rust calls it"
    );
    for c in Command::ALL.iter().filter(|c| !c.args().is_empty()) {
        let class = format!("class {}Args", pascal(c.native_name()));
        assert_eq!(
            set(after(block(KOTLIN, &class), "var ")),
            set(c.args().iter().copied()),
            "{class}: the argument fields of {}",
            c.name()
        );
        assert!(
            KOTLIN.contains(&format!(
                "parseArgs({}Args::class.java)",
                pascal(c.native_name())
            )),
            "{} parses its own argument class",
            c.native_name()
        );
    }
    assert_eq!(
        set(quoted(block(KOTLIN, "enum class ErrorCode"), '"')),
        error_codes(),
        "the Kotlin error codes are exactly Rust's"
    );
    assert_eq!(
        KOTLIN.matches("invoke.reject(").count(),
        1,
        "every rejection goes through fail(), which takes an ErrorCode"
    );
    assert_eq!(
        set(quoted(block(KOTLIN, "enum class SecurityLevel"), '"')),
        levels(),
        "the Kotlin security levels are exactly Rust's"
    );
    let put: Names = KOTLIN
        .match_indices(".put(\"")
        .map(|(i, _)| {
            let rest = &KOTLIN[i + 6..];
            rest[..rest.find('"').expect("closing quote")].to_string()
        })
        .collect();
    let mut expected: Names = answers()
        .into_iter()
        .filter(|(name, _)| *name != "AppAttest")
        .flat_map(|(_, f)| f)
        .collect();
    expected.remove("appAttest");
    assert_eq!(
        put, expected,
        "Android answers every field but the iOS-only appAttest"
    );
    assert!(
        MOBILE_RS.contains("\"app.kyso.keystore\"")
            && MOBILE_RS.contains("\"KeystorePlugin\"")
            && KOTLIN.contains("package app.kyso.keystore")
            && KOTLIN.contains("class KeystorePlugin(")
            && GRADLE.contains("namespace = \"app.kyso.keystore\""),
        "Rust registers the Kotlin class by its package and name"
    );
    assert!(GRADLE.contains("minSdk = 30"), "Android 11 at least");
}

#[test]
fn swift_matches() {
    let commands: Names = after(SWIFT, "@objc public func ")
        .into_iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        commands,
        Command::ALL
            .iter()
            .map(|c| c.native_name().to_string())
            .collect(),
        "one @objc method per command, named as Rust calls it"
    );
    for c in Command::ALL.iter().filter(|c| !c.args().is_empty()) {
        let name = format!("struct {}Args", pascal(c.native_name()));
        assert_eq!(
            set(after(block(SWIFT, &name), "let ")),
            set(c.args().iter().copied()),
            "{name}: the argument fields of {}",
            c.name()
        );
    }
    assert_eq!(
        set(after(block(SWIFT, "enum ErrorCode"), "case ")),
        error_codes(),
        "the Swift error codes are exactly Rust's (raw value = case name)"
    );
    assert_eq!(
        SWIFT.matches("invoke.reject(").count(),
        1,
        "every rejection goes through fail(), which takes an ErrorCode"
    );
    for (name, expected) in answers() {
        assert_eq!(
            set(after(block(SWIFT, &format!("struct {name}Answer")), "let ")),
            expected,
            "{name}Answer has the fields of {name}"
        );
    }
    let level = quoted(
        SWIFT
            .lines()
            .find(|l| l.contains("let secureEnclaveLevel"))
            .expect("the level constant"),
        '"',
    )[0];
    assert_eq!(
        level,
        SecurityLevel::TrustedEnvironment.as_str(),
        "the Secure Enclave's level"
    );
    assert!(
        SWIFT.contains("@_cdecl(\"init_plugin_kyso_keystore\")")
            && MOBILE_RS.contains("ios_plugin_binding!(init_plugin_kyso_keystore)"),
        "Rust binds the Swift entry point by its name"
    );
}

/// The Swift side builds the SPKI from the raw point with a fixed header;
/// it must be the header every P-256 SubjectPublicKeyInfo has.
#[test]
fn the_swift_spki_header_is_p256s() {
    use p256::pkcs8::EncodePublicKey;
    let header: Vec<u8> = between(SWIFT, "let p256SpkiHeader = Data([", "])")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| u8::from_str_radix(s.trim_start_matches("0x"), 16).expect("a hex byte"))
        .collect();
    let key = p256::SecretKey::from_slice(&[0x11; 32]).expect("a scalar");
    let spki = key.public_key().to_public_key_der().expect("spki");
    assert_eq!(
        spki.as_bytes().len(),
        header.len() + 65,
        "header + uncompressed point"
    );
    assert_eq!(
        &spki.as_bytes()[..header.len()],
        &header[..],
        "same DER header"
    );
    assert_eq!(
        spki.as_bytes()[header.len()],
        0x04,
        "the X9.63 point follows"
    );
}

#[test]
fn typescript_matches() {
    let invoked: Vec<(String, Names)> = TS
        .match_indices("'plugin:kyso-keystore|")
        .map(|(i, _)| {
            let rest = &TS[i + "'plugin:kyso-keystore|".len()..];
            let name = rest[..rest.find('\'').expect("closing quote")].to_string();
            let call = &rest[..rest.find(')').expect("end of the invoke call")];
            let args = match call.find('{') {
                Some(_) => block(call, "")
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                None => Names::new(),
            };
            (name, args)
        })
        .collect();
    assert_eq!(
        invoked.iter().map(|(n, _)| n.clone()).collect::<Names>(),
        ipc_commands(),
        "one invoke per IPC command, none for wrapping"
    );
    for (name, args) in &invoked {
        let c = Command::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .expect("a known command");
        let expected = set(c.args().iter().chain(c.desktop_args()).copied());
        assert_eq!(args, &expected, "the arguments {name} sends");
    }
    let union_literals = |start: &str| -> Names {
        let from = TS.find(start).unwrap_or_else(|| panic!("{start}"));
        let rest = &TS[from..];
        // The type ends at the first blank line.
        let end = rest.find("\n\n").unwrap_or(rest.len());
        set(quoted(&rest[..end], '\''))
    };
    assert_eq!(
        union_literals("export type ErrorCode"),
        error_codes(),
        "the TypeScript error codes are exactly Rust's"
    );
    assert_eq!(
        union_literals("export type SecurityLevel"),
        levels(),
        "the TypeScript security levels are exactly Rust's"
    );
    for (name, expected) in ipc_answers() {
        let body = block(TS, &format!("export interface {name} "));
        let got: Names = body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("/**") && !l.starts_with('*'))
            .map(|l| l[..l.find([':', '?']).expect("a field")].to_string())
            .collect();
        assert_eq!(got, expected, "interface {name} has the fields of {name}");
    }
    let err = block(TS, "export interface KeystoreError ");
    assert!(
        err.contains("code: ErrorCode") && err.contains("message: string"),
        "rejections are {{ code, message }}"
    );
}
