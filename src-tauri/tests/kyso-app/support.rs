//! A real gateway (kyso-gateway with the demo province, on its own thread
//! and runtime, on loopback) and the app on Tauri's mock runtime, driven
//! through the IPC exactly as the web view drives it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, AppHandle, Listener, Manager, WebviewWindow, WebviewWindowBuilder};

// A real gateway with the demo province on loopback, and its leaders'
// password (kyso-gateway's test support).
pub use kyso_gateway::testing::{LoopbackGateway as Gateway, PASSWORD, free_port};

/// How many signatures of `id` the gateway recorded (read from its
/// database while it is stopped).
pub fn signatures_recorded(data: &Path, id: &str) -> usize {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let state = kyso_gateway::AppState::open(
            kyso_gateway::Config::new(data.to_path_buf()),
            None,
            kyso_gateway::system_clock(),
        )
        .await
        .expect("opens");
        let h = kyso_gateway::requests::with_history(&state.db, id)
            .await
            .expect("history");
        h.history.iter().filter(|e| e.action == "signed").count()
    })
}

/// A self-signed P-256 certificate and key for the gateway, as PEM files in
/// `dir`; and the pin of its key (`sha256/<base64>`).
pub fn self_signed(dir: &Path) -> (PathBuf, PathBuf, String) {
    use p256::pkcs8::EncodePrivateKey;
    use std::str::FromStr;
    use x509_cert::builder::{Builder, CertificateBuilder, Profile};
    use x509_cert::der::EncodePem;
    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let spki =
        x509_cert::spki::SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).expect("spki");
    let name = x509_cert::name::Name::from_str("CN=kyso-test-gateway").expect("name");
    let now = std::time::SystemTime::now();
    let validity = x509_cert::time::Validity {
        not_before: x509_cert::time::Time::try_from(now - Duration::from_secs(60)).expect("time"),
        not_after: x509_cert::time::Time::try_from(now + Duration::from_secs(3600)).expect("time"),
    };
    let cert = CertificateBuilder::new(
        Profile::Root,
        x509_cert::serial_number::SerialNumber::from(7u32),
        validity,
        name,
        spki,
        &key,
    )
    .expect("builder")
    .build::<p256::ecdsa::DerSignature>()
    .expect("certificate");
    let cert_pem = cert
        .to_pem(x509_cert::der::pem::LineEnding::LF)
        .expect("pem");
    let key_pem = key
        .to_pkcs8_pem(x509_cert::der::pem::LineEnding::LF)
        .expect("pkcs8");
    std::fs::create_dir_all(dir).expect("dir");
    let (c, k) = (dir.join("tls.pem"), dir.join("tls.key"));
    std::fs::write(&c, &cert_pem).expect("write cert");
    std::fs::write(&k, key_pem.as_bytes()).expect("write key");
    let pin = kyso_client::SpkiPin::of_certificate_pem(&cert_pem)
        .expect("pin")
        .to_string();
    (c, k, pin)
}

/// libpdfium: `$KYSO_PDFIUM_DIR`, `$PDFIUM_DYNAMIC_LIB_PATH`, else the
/// pypdfium2 wheel in the venv `scripts/install-deps` makes.
pub fn pdfium_dir() -> Option<PathBuf> {
    for var in ["KYSO_PDFIUM_DIR", "PDFIUM_DYNAMIC_LIB_PATH"] {
        if let Some(d) = std::env::var_os(var).filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(d));
        }
    }
    let cache = std::env::var_os("KYSO_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/kyso")))?;
    std::fs::read_dir(cache.join("venv/lib"))
        .ok()?
        .flatten()
        .map(|e| e.path().join("site-packages/pypdfium2_raw"))
        .find(|p| p.is_dir())
}

/// The app on the mock runtime, with its events recorded.
pub struct TestApp {
    /// Kept alive while the test runs.
    _app: App<MockRuntime>,
    pub webview: WebviewWindow<MockRuntime>,
    pub events: Arc<Mutex<Vec<(String, Value)>>>,
}

impl TestApp {
    /// The app with its state in `dir` (no OS keyring: files only), its
    /// cache key wrapped by the keystore plugin as on the phones.
    pub fn new(dir: &Path) -> TestApp {
        let mut options = kyso_app::Options::in_dir(dir);
        options.os_keyring = false;
        options.cache_key_in_keystore = true;
        options.pdfium_dir = pdfium_dir();
        let mut app = kyso_app::builder(mock_builder(), options)
            .build(kyso_app::context())
            .expect("the app builds");
        // The setup hook (state, windows from tauri.conf.json, the
        // background task) runs with the event loop's first iteration;
        // the mock runtime's iteration does nothing else. (`run_return`
        // would not return on the mock runtime.)
        #[allow(deprecated)]
        app.run_iteration(|_, _| {});
        let webview = app.get_webview_window("main").unwrap_or_else(|| {
            WebviewWindowBuilder::new(&app, "main", Default::default())
                .build()
                .expect("a window")
        });
        let events = Arc::new(Mutex::new(Vec::new()));
        for name in kyso_app::model::event::ALL {
            let events = events.clone();
            app.listen_any(name, move |e| {
                let payload = serde_json::from_str(e.payload()).unwrap_or(Value::Null);
                events
                    .lock()
                    .expect("events")
                    .push((name.to_string(), payload));
            });
        }
        TestApp {
            _app: app,
            webview,
            events,
        }
    }

    fn call(&self, cmd: &str, args: Value) -> Result<InvokeResponseBody, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.to_string(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
    }

    /// A command's JSON answer, or its rejection.
    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.call(cmd, args)
            .map(|b| b.deserialize::<Value>().expect("a JSON answer"))
    }

    /// A command's raw bytes (`tauri::ipc::Response`), or its rejection.
    pub fn invoke_raw(&self, cmd: &str, args: Value) -> Result<Vec<u8>, Value> {
        match self.call(cmd, args)? {
            InvokeResponseBody::Raw(b) => Ok(b),
            InvokeResponseBody::Json(j) => panic!("{cmd} answered JSON, not bytes: {j}"),
        }
    }

    /// The app's handle (what plugins and background tasks hold).
    pub fn handle(&self) -> AppHandle<MockRuntime> {
        self._app.handle().clone()
    }

    /// The events named `name` so far.
    pub fn events(&self, name: &str) -> Vec<Value> {
        self.events
            .lock()
            .expect("events")
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Waits (up to `secs`) for an event `name` that `pred` accepts.
    pub fn wait_event(&self, name: &str, secs: u64, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(v) = self.events(name).into_iter().find(|v| pred(v)) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "no {name} event in {secs} s; events: {:?}",
                self.events.lock().expect("events")
            );
            // Short: the meeting test measures how soon an event comes.
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// Asserts a rejection with `code`, in the contract's shape.
#[track_caller]
pub fn assert_code(r: Result<Value, Value>, code: &str) -> Value {
    match r {
        Ok(v) => panic!("expected {code}, got an answer: {v}"),
        Err(e) => {
            assert_eq!(e["code"], code, "{e}");
            assert!(e["message"].is_string(), "a message: {e}");
            e
        }
    }
}

/// `app` pointed at the gateway `url` (plain HTTP on loopback, no pin) and
/// logged in as `user` with the demo password.
pub fn signed_in(app: &TestApp, url: &str, user: &str) {
    app.invoke(
        "configure_server",
        serde_json::json!({ "url": url, "pin": null }),
    )
    .expect("configure_server");
    app.invoke(
        "login",
        serde_json::json!({ "username": user, "password": PASSWORD }),
    )
    .expect("login");
}
