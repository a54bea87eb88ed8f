//! The desktop backend with the key in the OS keyring: gnome-keyring's
//! Secret Service in a private D-Bus session (as kyso-cli's keyring test).
//! The test binary runs itself under `dbus-run-session`, so the session,
//! the keyring and every environment variable stay in the child processes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tauri_plugin_kyso_keystore::{
    AliasRequest, ErrorCode, GenerateKeyRequest, SignRequest, SoftwareKeystore,
};

use crate::assert_signature_verifies;

/// Where the parent tells the children to keep keys.
const DIR_VAR: &str = "KYSO_KEYSTORE_TEST_DIR";

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// This test binary, asked to run the one ignored test `name`, with a home,
/// runtime directory and data directory of its own under `root`.
fn child(root: &Path, name: &str) -> Command {
    let exe = std::env::current_exe().expect("the test binary");
    let mut c = Command::new(exe);
    c.args(["--exact", name, "--ignored", "--test-threads=1"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("HOME", root.join("home"))
        .env("XDG_RUNTIME_DIR", root.join("runtime"))
        .env("XDG_DATA_HOME", root.join("data"))
        .env(DIR_VAR, root.join("keys"))
        .stdin(Stdio::null());
    c
}

fn keys_dir() -> Option<PathBuf> {
    std::env::var_os(DIR_VAR).map(PathBuf::from)
}

#[test]
fn keyring_keys_in_a_private_dbus_session() {
    assert!(
        on_path("dbus-run-session") && on_path("gnome-keyring-daemon"),
        "the keyring test needs dbus-run-session and gnome-keyring-daemon: \
         install the Debian packages dbus-user-session and gnome-keyring"
    );
    let root = tempfile::tempdir().expect("tempdir");
    for d in ["home", "runtime", "data"] {
        std::fs::create_dir_all(root.path().join(d)).expect("mkdir");
    }
    let o = in_session(
        root.path(),
        "keyring::in_a_dbus_session",
        "keyring-unlock-pass",
    );
    assert!(o.status.success(), "under dbus-run-session: {}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("1 passed"),
        "the child ran its test: {}",
        text(&o)
    );

    let record = std::fs::read_to_string(root.path().join("keys/kept.json")).expect("record");
    assert!(
        record.contains("\"keyring\""),
        "the record names a keyring entry: {record}"
    );
    assert!(!record.contains("PRIVATE"), "and holds no key: {record}");
    assert!(
        !root.path().join("keys/kept.key").exists(),
        "no key file for a keyring key"
    );

    // Outside that session the keyring is gone: a clear code, not a hang.
    let o = child(root.path(), "keyring::outside_the_session")
        .output()
        .expect("runs");
    assert!(o.status.success(), "outside the session: {}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("1 passed"),
        "{}",
        text(&o)
    );

    // The same keyring in a new session, unlocked with another password:
    // it stays locked and nothing can prompt for it. A clear code, not a
    // crash (secret-service panics on the unanswered prompt).
    let o = in_session(root.path(), "keyring::while_locked", "another-password");
    assert!(o.status.success(), "with the keyring locked: {}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("1 passed"),
        "{}",
        text(&o)
    );
}

/// The child test `name` under `dbus-run-session`, with gnome-keyring's
/// secrets component started and unlocked with `password`.
fn in_session(root: &Path, name: &str, password: &str) -> Output {
    let inner = child(root, name);
    let script = r#"set -e
printf '%s' "$KYSO_TEST_KEYRING_PASS" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
exec "$@"
"#;
    let mut c = Command::new("dbus-run-session");
    c.args(["--", "sh", "-c", script, "sh"])
        .arg(inner.get_program())
        .args(inner.get_args())
        .env("KYSO_TEST_KEYRING_PASS", password);
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c.stdin(Stdio::null())
        .output()
        .expect("runs dbus-run-session")
}

/// Run by [`keyring_keys_in_a_private_dbus_session`] inside the session.
#[test]
#[ignore = "run by keyring_keys_in_a_private_dbus_session under dbus-run-session"]
fn in_a_dbus_session() {
    let Some(dir) = keys_dir() else { return };
    let ks = SoftwareKeystore::new(dir);
    let key = ks
        .generate_key(&GenerateKeyRequest::new("device", *b"nonce"))
        .expect("no passphrase: the key goes to the keyring");
    let data = b"signed attributes";
    let sig = ks
        .sign(&SignRequest::new("device", *data, "Ký văn bản"))
        .expect("signs without a passphrase: the unlocked keyring is the gate");
    assert_signature_verifies(&key.public_key, data, &sig.signature);
    assert_eq!(
        ks.public_key(&AliasRequest::new("device"))
            .expect("reads")
            .public_key,
        key.public_key
    );

    ks.delete_key(&AliasRequest::new("device"))
        .expect("deletes");
    assert_eq!(
        ks.sign(&SignRequest::new("device", *data, "Ký văn bản"))
            .expect_err("deleted")
            .code,
        ErrorCode::KeyNotFound,
        "the keyring entry and the record are gone"
    );

    ks.generate_key(&GenerateKeyRequest::new("kept", *b"nonce"))
        .expect("a key for the check outside the session");
}

/// Run by [`keyring_keys_in_a_private_dbus_session`] with no session bus.
#[test]
#[ignore = "run by keyring_keys_in_a_private_dbus_session without a session bus"]
fn outside_the_session() {
    let Some(dir) = keys_dir() else { return };
    let ks = SoftwareKeystore::new(dir);
    assert_eq!(
        ks.sign(&SignRequest::new("kept", *b"data", "Ký văn bản"))
            .expect_err("no keyring here")
            .code,
        ErrorCode::HardwareUnavailable,
        "the key exists but its keyring cannot be reached"
    );
    assert_eq!(
        ks.generate_key(&GenerateKeyRequest::new("other", *b"nonce"))
            .expect_err("no keyring here")
            .code,
        ErrorCode::HardwareUnavailable,
        "without a keyring a key needs a passphrase"
    );
    assert!(
        !ks.dir().join("other.json").exists(),
        "a failed generation leaves no record"
    );
}

/// Run by [`keyring_keys_in_a_private_dbus_session`] with the keyring locked.
#[test]
#[ignore = "run by keyring_keys_in_a_private_dbus_session with the keyring locked"]
fn while_locked() {
    let Some(dir) = keys_dir() else { return };
    let ks = SoftwareKeystore::new(dir);
    let e = ks
        .sign(&SignRequest::new("kept", *b"data", "Ký văn bản"))
        .expect_err("the keyring is locked");
    assert_eq!(
        e.code,
        ErrorCode::HardwareUnavailable,
        "the key exists but its keyring cannot be opened: {e:?}"
    );
}
