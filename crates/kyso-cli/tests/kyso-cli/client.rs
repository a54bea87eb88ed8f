//! `kyso client` end to end through real processes: a demo gateway
//! (`kyso serve --demo`), the client commands in a private configuration
//! directory, the document system's side over plain HTTP with the printed
//! integrator key, pyHanko judging the signed PDF against the device CA,
//! webhooks caught by a tiny local receiver and checked with OpenSSL's HMAC,
//! and the OS keyring in a private D-Bus session with gnome-keyring.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::gateway::*;
use crate::support::*;

const PASSWORD: &str = "kyso-demo";
pub(crate) const PASSPHRASE: &str = "cụm mật khẩu thử nghiệm 2026";

/// A private configuration directory and a session bus that does not exist,
/// so no test touches the real user's files or keyring.
pub(crate) struct ClientEnv {
    dir: tempfile::TempDir,
}

impl ClientEnv {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("runtime")).expect("mkdir");
        Self { dir }
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn config(&self) -> PathBuf {
        self.path("config/kyso")
    }

    fn cmd(&self) -> Command {
        let mut c = kyso();
        c.arg("client")
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_RUNTIME_DIR", self.path("runtime"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("KYSO_PASSPHRASE");
        c
    }

    /// Runs `kyso client ARGS` with `stdin`.
    pub(crate) fn run(&self, args: &[&str], stdin: &str) -> Output {
        with_stdin(self.cmd().args(args), stdin)
    }
}

fn with_stdin(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("writes stdin");
    child.wait_with_output().expect("waits")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub(crate) fn ok(o: Output, what: &str) -> String {
    assert!(o.status.success(), "{what} failed: {}", text(&o));
    String::from_utf8(o.stdout).expect("UTF-8")
}

/// Asserts a failure reported as exactly one line holding all of `needles`.
fn fails_with_one_line(o: &Output, what: &str, needles: &[&str]) {
    assert!(!o.status.success(), "{what} should fail: {}", text(o));
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{what}: one line on stderr: {err}");
    for n in needles {
        assert!(lines[0].contains(n), "{what}: '{n}' in: {}", lines[0]);
    }
}

fn inbox_ids(env: &ClientEnv) -> Vec<String> {
    let out = ok(env.run(&["inbox", "--format", "json"], ""), "inbox");
    let v: serde_json::Value = serde_json::from_str(&out).expect("inbox JSON");
    v.as_array()
        .expect("an array")
        .iter()
        .map(|r| {
            r["id"]
                .as_str()
                .expect("each request has an id")
                .to_string()
        })
        .collect()
}

pub(crate) fn login(env: &ClientEnv, gw: &Gateway, user: &str) -> Output {
    let o = env.run(
        &[
            "--server",
            &gw.url,
            "login",
            "--username",
            user,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(o.status.success(), "login: {}", text(&o));
    o
}

fn sha256_hex(b: &[u8]) -> String {
    kyso_client::flow::sha256_hex(b)
}

/// pyHanko's verdict on `pdf` with `ca` as the only trust anchor.
fn assert_pyhanko_trusts_device_ca(pdf: &Path, ca: &Path) {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(Command::new(pyhanko())
        .current_dir(dir.path())
        .args(["sign", "validate", "--trust-replace", "--trust"])
        .arg(ca)
        .arg(pdf));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "pyHanko rejects {}: {out}{}",
        pdf.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let lines: Vec<&str> = out.lines().filter(|l| l.contains(':')).collect();
    assert_eq!(lines.len(), 1, "one signature: {out}");
    assert!(lines[0].contains(":INTACT:TRUSTED"), "pyHanko: {out}");
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn client_logs_in_enrolls_signs_declines_and_meets_conflicts() {
    let gw = Gateway::start();
    let env = ClientEnv::new();
    let draft = fx("pdf/reportlab-vi.pdf");

    // Login: no keyring in this environment, so the token is kept in the
    // 0600 file and the user is told so, on one line.
    let o = login(&env, &gw, "leader1");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("leader1") && out.contains("đã đăng nhập"),
        "{out}"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("0600") && err.lines().count() == 1,
        "the fallback is announced: {err}"
    );
    let session = env.config().join("session.json");
    #[cfg(unix)]
    assert_eq!(mode(&session), 0o600, "session file mode");
    let wrong = env.run(
        &[
            "--server",
            &gw.url,
            "login",
            "--username",
            "leader1",
            "--password-stdin",
        ],
        "not-the-password\n",
    );
    fails_with_one_line(&wrong, "a wrong password", &["unauthorized"]);

    let submitted = gw.submit(&draft, "leader1", None);
    let id = submitted["id"].as_str().expect("id").to_string();

    // Enrollment with a passphrase-encrypted key file.
    let key_file = env.path("device.key");
    let out = ok(
        env.run(
            &[
                "enroll",
                "--key-file",
                key_file.to_str().expect("utf-8"),
                "--passphrase-stdin",
            ],
            &format!("{PASSPHRASE}\n"),
        ),
        "enroll",
    );
    assert!(out.contains("đã đăng ký thiết bị"), "{out}");
    let key_bytes = std::fs::read(&key_file).expect("the key file exists");
    assert!(
        !String::from_utf8_lossy(&key_bytes).contains("PRIVATE KEY"),
        "the key is not stored in clear"
    );
    #[cfg(unix)]
    assert_eq!(mode(&key_file), 0o600, "key file mode");
    assert!(
        env.config().join("device-chain.pem").is_file(),
        "the chain is saved next to the session"
    );

    // The inbox lists the new request and the demo's drafts.
    let ids = inbox_ids(&env);
    assert!(ids.len() >= 2, "{ids:?}");
    assert!(ids.contains(&id), "the new draft is in the inbox: {ids:?}");
    let text_inbox = ok(env.run(&["inbox"], ""), "inbox as text");
    assert!(text_inbox.contains(&id), "{text_inbox}");

    // A wrong passphrase: one clear line, nothing changed anywhere.
    let session_before = std::fs::read(&session).expect("session");
    let o = env.run(
        &[
            "sign",
            &id,
            "--key-file",
            key_file.to_str().expect("utf-8"),
            "--passphrase-stdin",
        ],
        "not the passphrase\n",
    );
    fails_with_one_line(&o, "a wrong passphrase", &["cụm mật khẩu", "passphrase"]);
    assert_eq!(
        std::fs::read(&key_file).expect("key"),
        key_bytes,
        "key file unchanged"
    );
    assert_eq!(
        std::fs::read(&session).expect("session"),
        session_before,
        "session unchanged"
    );
    assert_eq!(
        gw.request(&id)["request"]["status"],
        "pending",
        "still pending"
    );

    // Signing: fetched, checked, signed visibly, uploaded, verified.
    let out = ok(
        env.run(
            &[
                "sign",
                &id,
                "--key-file",
                key_file.to_str().expect("utf-8"),
                "--passphrase-stdin",
                "--signature-image",
                fx("images/signature.png").to_str().expect("utf-8"),
            ],
            &format!("{PASSPHRASE}\n"),
        ),
        "sign",
    );
    assert!(out.contains("signed"), "{out}");
    let seen = gw.request(&id);
    assert_eq!(seen["request"]["status"], "signed", "{seen}");
    let history = seen["history"].as_array().expect("history");
    assert_eq!(
        history.iter().filter(|h| h["action"] == "signed").count(),
        1,
        "recorded once: {seen}"
    );
    let (status, signed) = gw.get(&format!("requests/{id}/signed"));
    assert_eq!(status, 200, "the integrator downloads the signed PDF");
    assert_eq!(
        seen["request"]["signed_sha256"].as_str(),
        Some(sha256_hex(&signed).as_str()),
        "the stored digest is the download's"
    );
    let original = std::fs::read(&draft).expect("draft");
    assert_eq!(
        &signed[..original.len()],
        &original[..],
        "signed by incremental update"
    );
    let work = tempfile::tempdir().expect("tempdir");
    let signed_path = work.path().join("signed.pdf");
    std::fs::write(&signed_path, &signed).expect("write");
    let ca = gw.device_ca(work.path());
    assert_pyhanko_trusts_device_ca(&signed_path, &ca);

    // The client fetches the same signed bytes, and the issued document.
    let fetched = work.path().join("fetched.pdf");
    ok(
        env.run(
            &[
                "fetch",
                &id,
                "--signed",
                "--out",
                fetched.to_str().expect("utf-8"),
            ],
            "",
        ),
        "fetch --signed",
    );
    assert_eq!(
        std::fs::read(&fetched).expect("fetched"),
        signed,
        "same bytes"
    );
    let issued = work.path().join("issued.pdf");
    ok(
        env.run(
            &["fetch", &id, "--out", issued.to_str().expect("utf-8")],
            "",
        ),
        "fetch",
    );
    assert_eq!(
        std::fs::read(&issued).expect("issued"),
        original,
        "as issued"
    );

    // Signing again: the conflict, in both languages, on one line.
    let o = env.run(
        &[
            "sign",
            &id,
            "--key-file",
            key_file.to_str().expect("utf-8"),
            "--passphrase-stdin",
        ],
        &format!("{PASSPHRASE}\n"),
    );
    fails_with_one_line(&o, "a second signature", &["xung đột", "conflict"]);
    assert!(!inbox_ids(&env).contains(&id), "no longer waiting");

    // Declining one of the demo drafts with a reason.
    let other = ids
        .iter()
        .find(|x| **x != id)
        .expect("a demo draft")
        .clone();
    let reason = "Đề nghị bổ sung căn cứ pháp lý tại Điều 1";
    let out = ok(
        env.run(&["decline", &other, "--reason", reason], ""),
        "decline",
    );
    assert!(out.contains(reason), "{out}");
    assert!(
        !inbox_ids(&env).contains(&other),
        "declined leaves the inbox"
    );
    let seen = gw.request(&other);
    assert_eq!(seen["request"]["status"], "declined", "{seen}");
    assert_eq!(seen["request"]["decline_reason"], reason, "{seen}");
    let o = env.run(&["decline", &other, "--reason", "again"], "");
    fails_with_one_line(&o, "declining twice", &["xung đột", "conflict"]);

    // --server may be omitted after login, but another server is refused.
    let o = env.run(&["--server", "http://127.0.0.1:1", "inbox"], "");
    fails_with_one_line(&o, "another server", &["kyso client login"]);
    let o = env.run(&["--server", "http://kyso.example.vn", "inbox"], "");
    fails_with_one_line(&o, "plain http to a remote host", &["https"]);
}

/// The library's upload: the same signed bytes under the same key are
/// recorded once however often they are sent; other bytes are a conflict,
/// with the API's code kept.
#[test]
fn uploads_are_idempotent() {
    use kyso_api::ErrorCode;
    use kyso_client::{Client, DeviceKey, Secret, SignSettings, Store};

    let gw = Gateway::start();
    let env = ClientEnv::new();
    login(&env, &gw, "leader1");
    let key_file = env.path("device.key");
    ok(
        env.run(
            &[
                "enroll",
                "--key-file",
                key_file.to_str().expect("utf-8"),
                "--passphrase-stdin",
            ],
            &format!("{PASSPHRASE}\n"),
        ),
        "enroll",
    );
    let id = gw.submit(&fx("pdf/reportlab-vi.pdf"), "leader1", None)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let store = Store::new(env.config());
    let session = store.load_session().expect("reads").expect("logged in");
    let (_, chain_pem) = store.load_device().expect("reads").expect("enrolled");
    let chain = kyso_client::parse_chain(&chain_pem).expect("chain");
    let key = DeviceKey::load_encrypted(&key_file, &Secret::from(PASSPHRASE)).expect("key");
    let signer = key.software_key();
    let client = Client::new(&session.server, None)
        .expect("client")
        .with_token(session.token.clone());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let request = client.get_request(&id).await.expect("request");
        let document = client.document(&id).await.expect("document");
        let settings = SignSettings::default();
        let a = kyso_client::flow::sign_document(&request, &document, &signer, &chain, &settings)
            .await
            .expect("signs");
        let mut events = client.events().await.expect("server-sent events");
        let first = client
            .upload_signed(&id, a.pdf.clone(), &a.idempotency_key)
            .await
            .expect("first upload");
        let ev = tokio::time::timeout(Duration::from_secs(20), events.next())
            .await
            .expect("an event within 20 s")
            .expect("the stream is open")
            .expect("a request event");
        assert_eq!(ev.request_id, id, "{ev:?}");
        assert_eq!(ev.status, kyso_api::RequestStatus::Signed, "{ev:?}");
        // The answer was "lost": the retry gets the same answer.
        let again = client
            .upload_signed(&id, a.pdf.clone(), &a.idempotency_key)
            .await
            .expect("the retry is answered like the first");
        assert_eq!(first, again, "same answer");
        assert_eq!(first.signed_sha256.as_deref(), Some(a.sha256.as_str()));
        // Signing is deterministic (RFC 6979, time in seconds): another
        // signature means other bytes, here another reason.
        let other = SignSettings {
            reason: Some("Ký lại".into()),
            ..SignSettings::default()
        };
        let b = kyso_client::flow::sign_document(&request, &document, &signer, &chain, &other)
            .await
            .expect("signs");
        assert_ne!(a.idempotency_key, b.idempotency_key, "new bytes, new key");
        let e = client
            .upload_signed(&id, b.pdf.clone(), &b.idempotency_key)
            .await
            .expect_err("already signed");
        assert_eq!(e.code(), Some(ErrorCode::Conflict), "{e:?}");
        // A tampered document is refused before anything is signed.
        let mut swapped = document.clone();
        swapped.extend_from_slice(b"\n% appended\n");
        let e = kyso_client::flow::sign_document(&request, &swapped, &signer, &chain, &settings)
            .await
            .expect_err("refused");
        assert!(
            matches!(e, kyso_client::Error::DocumentMismatch { .. }),
            "{e:?}"
        );
    });
    let seen = gw.request(&id);
    let history = seen["history"].as_array().expect("history");
    assert_eq!(
        history.iter().filter(|h| h["action"] == "signed").count(),
        1,
        "recorded once: {seen}"
    );
}

/// One HTTP request caught by the receiver: lower-case headers and body.
type Caught = (HashMap<String, String>, Vec<u8>);

/// A tiny webhook receiver: answers 200 to every POST and passes it on.
fn receiver() -> (String, mpsc::Receiver<Caught>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let url = format!(
        "http://{}/kyso/webhook",
        listener.local_addr().expect("addr")
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
            let mut reader = BufReader::new(match conn.try_clone() {
                Ok(c) => c,
                Err(_) => continue,
            });
            let mut headers = HashMap::new();
            let mut line = String::new();
            let _ = reader.read_line(&mut line); // request line
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let l = line.trim_end();
                if l.is_empty() {
                    break;
                }
                if let Some((k, v)) = l.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
            let len: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0u8; len];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            if tx.send((headers, body)).is_err() {
                break;
            }
        }
    });
    (url, rx)
}

/// HMAC-SHA256 in hex, computed by OpenSSL (independent of the gateway).
fn openssl_hmac_hex(key: &str, data: &[u8]) -> String {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", key, "-r"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(data)
        .expect("write");
    let o = child.wait_with_output().expect("openssl");
    assert!(o.status.success(), "openssl dgst -hmac");
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .expect("a digest")
        .to_string()
}

#[test]
fn webhook_reports_the_signature_with_an_hmac() {
    let gw = Gateway::start();
    let (hook, rx) = receiver();
    let id = gw.submit(&fx("pdf/reportlab-vi.pdf"), "leader2", Some(&hook))["id"]
        .as_str()
        .expect("id")
        .to_string();
    let env = ClientEnv::new();
    login(&env, &gw, "leader2");
    let key_file = env.path("device.key");
    let key_arg = key_file.to_str().expect("utf-8");
    ok(
        env.run(
            &["enroll", "--key-file", key_arg, "--passphrase-stdin"],
            &format!("{PASSPHRASE}\n"),
        ),
        "enroll",
    );
    ok(
        with_stdin(
            env.cmd()
                .args(["sign", &id, "--key-file", key_arg])
                .env("KYSO_PASSPHRASE", PASSPHRASE),
            "",
        ),
        "sign with KYSO_PASSPHRASE",
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let (headers, body) = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let (headers, body) = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no 'signed' webhook within 20 s: {}", gw.log()));
        let ev: serde_json::Value = serde_json::from_slice(&body).expect("webhook JSON");
        if ev["request_id"] == id.as_str() && ev["status"] == "signed" {
            break (headers, body);
        }
    };
    let ev: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(ev["external_id"], "QLVB-2026-0042", "{ev}");
    let expected = format!("sha256={}", openssl_hmac_hex(&gw.webhook_secret, &body));
    assert_eq!(
        headers.get("x-kyso-signature"),
        Some(&expected),
        "HMAC-SHA256(webhook secret, body): {headers:?}"
    );
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

/// The OS keyring backend (Secret Service): gnome-keyring in a private
/// D-Bus session holds the session token and the device key.
#[test]
fn keyring_backend_enrolls_and_signs() {
    assert!(
        on_path("dbus-run-session") && on_path("gnome-keyring-daemon"),
        "the keyring test needs dbus-run-session and gnome-keyring-daemon: \
         install the Debian packages dbus-user-session and gnome-keyring \
         (apt-get install dbus-user-session gnome-keyring)"
    );
    let gw = Gateway::start();
    let id = gw.submit(&fx("pdf/reportlab-vi.pdf"), "leader3", None)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let env = ClientEnv::new();
    for d in ["home", "data"] {
        std::fs::create_dir_all(env.path(d)).expect("mkdir");
    }
    std::fs::write(env.path("password"), format!("{PASSWORD}\n")).expect("write");
    let script = r#"set -e
echo keyring-unlock-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$KYSO" client --server "$URL" login --username leader3 --password-stdin < "$PASSWORD_FILE"
"$KYSO" client enroll
"$KYSO" client sign "$ID" --signature-image "$IMAGE"
"$KYSO" client inbox --format json > "$INBOX"
"#;
    let o = run(Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("KYSO_PASSPHRASE")
        .env("HOME", env.path("home"))
        .env("XDG_CONFIG_HOME", env.path("config"))
        .env("XDG_DATA_HOME", env.path("data"))
        .env("XDG_RUNTIME_DIR", env.path("runtime"))
        .env("KYSO", env!("CARGO_BIN_EXE_kyso"))
        .env("URL", &gw.url)
        .env("PASSWORD_FILE", env.path("password"))
        .env("ID", &id)
        .env("IMAGE", fx("images/signature.png"))
        .env("INBOX", env.path("inbox.json"))
        .stdin(Stdio::null()));
    assert!(o.status.success(), "under dbus-run-session: {}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("0600"),
        "the token went to the keyring, not the file: {err}"
    );
    let session = std::fs::read_to_string(env.config().join("session.json")).expect("session");
    assert!(
        !session.contains("kyso_s_") && session.contains("keyring"),
        "only a reference to the keyring entry: {session}"
    );
    let device = std::fs::read_to_string(env.config().join("device.json")).expect("device");
    assert!(device.contains("\"keyring\""), "{device}");
    assert!(!device.contains("PRIVATE"), "{device}");
    let inbox: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("inbox.json")).expect("inbox"))
            .expect("JSON");
    assert!(
        !inbox
            .as_array()
            .expect("array")
            .iter()
            .any(|r| r["id"] == id.as_str()),
        "signed, so no longer waiting"
    );
    assert_eq!(gw.request(&id)["request"]["status"], "signed");
    let work = tempfile::tempdir().expect("tempdir");
    let (status, signed) = gw.get(&format!("requests/{id}/signed"));
    assert_eq!(status, 200);
    let p = work.path().join("signed.pdf");
    std::fs::write(&p, signed).expect("write");
    let ca = gw.device_ca(work.path());
    assert_pyhanko_trusts_device_ca(&p, &ca);

    // Outside that D-Bus session the keyring is gone: a clear failure.
    let o = env.run(&["sign", &id], "");
    fails_with_one_line(&o, "no keyring", &["keyring"]);
}

/// A signature that could not be uploaded (the app or CLI was interrupted,
/// or the gateway went away) waits in the client's queue, survives the
/// gateway's absence and is uploaded exactly once by `kyso client sync`.
#[test]
fn queued_signatures_sync_once_when_the_gateway_is_back() {
    let mut gw = Gateway::start();
    let env = ClientEnv::new();
    login(&env, &gw, "leader1");
    let key_file = env.path("device.key");
    ok(
        env.run(
            &[
                "enroll",
                "--key-file",
                key_file.to_str().expect("utf-8"),
                "--passphrase-stdin",
            ],
            &format!("{PASSPHRASE}\n"),
        ),
        "enroll",
    );
    let id = gw.submit(&fx("pdf/reportlab-vi.pdf"), "leader1", None)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let empty = ok(env.run(&["queue"], ""), "queue");
    assert!(empty.contains("không có chữ ký chờ gửi"), "{empty}");

    // A signed upload left in the queue by an interrupted `sign`: made here
    // with the enrolled key, exactly as the flow makes it.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let upload = rt.block_on(async {
        let key = kyso_client::DeviceKey::load_encrypted(
            &key_file,
            &kyso_client::Secret::new(PASSPHRASE.to_string()),
        )
        .expect("key");
        let chain_pem =
            std::fs::read_to_string(env.config().join("device-chain.pem")).expect("chain");
        let chain = kyso_client::parse_chain(&chain_pem).expect("chain");
        let request: kyso_api::SigningRequest =
            serde_json::from_value(gw.request(&id)["request"].clone()).expect("request");
        // The issued document is the draft, byte for byte.
        let doc = std::fs::read(fx("pdf/reportlab-vi.pdf")).expect("draft");
        let u = kyso_client::flow::sign_document(
            &request,
            &doc,
            &key.software_key(),
            &chain,
            &kyso_client::SignSettings::default(),
        )
        .await
        .expect("signs");
        let q = kyso_client::Queue::open(&env.config().join("queue.sqlite"))
            .await
            .expect("queue");
        q.push(&u).await.expect("queued");
        u
    });
    let listed = ok(env.run(&["queue", "--format", "json"], ""), "queue");
    let v: serde_json::Value = serde_json::from_str(&listed).expect("JSON");
    assert_eq!(v[0]["request_id"], id.as_str());
    assert_eq!(v[0]["state"], "waiting");

    // The gateway is down: sync says so on one line, keeps the upload.
    gw.kill();
    let o = env.run(&["sync"], "");
    fails_with_one_line(&o, "sync while the gateway is down", &["not uploaded yet"]);
    let v: serde_json::Value =
        serde_json::from_str(&ok(env.run(&["queue", "--format", "json"], ""), "queue"))
            .expect("JSON");
    assert_eq!(
        (v[0]["state"].as_str(), v[0]["attempts"].as_u64()),
        (Some("waiting"), Some(1))
    );

    // Back: uploaded once; a second sync has nothing to do.
    gw.restart();
    let out = ok(env.run(&["sync"], ""), "sync");
    assert!(out.contains(&format!("đã gửi / uploaded: {id}")), "{out}");
    let out = ok(env.run(&["sync"], ""), "second sync");
    assert!(out.contains("còn chờ / still waiting: 0"), "{out}");
    let r = gw.request(&id);
    assert_eq!(r["request"]["status"], "signed");
    assert_eq!(r["request"]["signed_sha256"], upload.sha256.as_str());
    let signings = r["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["action"] == "signed")
        .count();
    assert_eq!(signings, 1);
}

/// SIGTERM while an app holds the event stream open: the stream ends and
/// the gateway exits without waiting out its 10-second grace period.
#[test]
fn shutdown_ends_open_event_streams() {
    let mut gw = Gateway::start();
    let (status, login) = body(
        agent()
            .post(format!("{}/api/v1/auth/login", gw.url))
            .header("Content-Type", "application/json")
            .send(serde_json::json!({ "username": "leader1", "password": PASSWORD }).to_string())
            .expect("login"),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&login));
    let login: serde_json::Value = serde_json::from_slice(&login).expect("JSON");
    let token = login["token"].as_str().expect("token");
    let addr = gw.url.trim_start_matches("http://").to_string();
    let mut sse = std::net::TcpStream::connect(&addr).expect("connects");
    write!(
        sse,
        "GET /api/v1/device/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .expect("asks for events");
    let mut sse = BufReader::new(sse);
    let mut head = String::new();
    sse.read_line(&mut head).expect("status line");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    // The stream stays open; read it to its end on another thread.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = Vec::new();
        let _ = tx.send(sse.read_to_end(&mut rest).map(|_| rest));
    });
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "the stream is open before the shutdown"
    );
    let (status, took) = gw.terminate();
    assert!(status.success(), "a clean exit: {status}\n{}", gw.log());
    assert!(
        took < Duration::from_secs(8),
        "exited after {took:?}: the open stream held the 10 s grace period\n{}",
        gw.log()
    );
    let ended = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("the event stream ended");
    assert!(ended.is_ok(), "read to its end: {ended:?}");
}

/// `kyso client quiet-hours`: shown, set, checked before the gateway sees
/// them (one line in both languages, exit 2, nothing changed), removed.
#[test]
fn quiet_hours_are_shown_set_and_removed() {
    let gw = Gateway::start();
    let env = ClientEnv::new();
    let o = env.run(&["--server", &gw.url, "quiet-hours"], "");
    fails_with_one_line(&o, "before login", &["kyso client login"]);
    login(&env, &gw, "leader1");
    let json = |env: &ClientEnv| -> serde_json::Value {
        let out = ok(
            env.run(&["quiet-hours", "--format", "json"], ""),
            "quiet-hours",
        );
        serde_json::from_str(&out).expect("JSON")
    };
    assert_eq!(
        json(&env),
        serde_json::json!({ "start": null, "end": null })
    );
    let out = ok(env.run(&["quiet-hours"], ""), "quiet-hours");
    assert!(
        out.contains("không đặt giờ yên lặng / no quiet hours"),
        "{out}"
    );

    let out = ok(
        env.run(&["quiet-hours", "--start", "22:00", "--end", "06:30"], ""),
        "set",
    );
    assert!(out.contains("22:00–06:30 (UTC+07:00)"), "{out}");
    assert!(out.contains("very urgent and flash come at once"), "{out}");
    assert_eq!(
        json(&env),
        serde_json::json!({ "start": "22:00", "end": "06:30" })
    );

    for (start, end) in [("22:00", "22:00"), ("7:00", "08:00"), ("24:00", "06:00")] {
        let o = env.run(&["quiet-hours", "--start", start, "--end", end], "");
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        fails_with_one_line(
            &o,
            "bad quiet hours",
            &["giờ yên lặng không hợp lệ", "quiet hours: "],
        );
    }
    let o = env.run(&["quiet-hours", "--start", "22:00"], "");
    assert_eq!(o.status.code(), Some(2), "--start alone: {}", text(&o));
    let o = env.run(
        &["quiet-hours", "--off", "--start", "22:00", "--end", "06:00"],
        "",
    );
    assert_eq!(o.status.code(), Some(2), "--off with times: {}", text(&o));
    assert_eq!(
        json(&env),
        serde_json::json!({ "start": "22:00", "end": "06:30" }),
        "nothing changed"
    );

    let out = ok(env.run(&["quiet-hours", "--off"], ""), "off");
    assert!(out.contains("no quiet hours"), "{out}");
    assert_eq!(
        json(&env),
        serde_json::json!({ "start": null, "end": null })
    );
}
