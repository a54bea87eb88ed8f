//! A gateway in a temporary directory, a seeded province, HTTP helpers,
//! a minimal PDF and a device that signs like the app does.

use std::io::Cursor;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use kyso_api::{NewUnit, NewUser, Role};
use kyso_gateway::{AppState, Config, admin};
use p256::ecdsa::SigningKey;
use p256::pkcs8::EncodePrivateKey;
use tower::ServiceExt;

pub struct Gw {
    pub app: Router,
    pub state: AppState,
    pub _dir: tempfile::TempDir,
    /// PostgreSQL URL, or SQLite in `_dir` when `None`.
    pub database_url: Option<String>,
    pub integrator_key: String,
    pub webhook_secret: String,
}

pub const PASSWORD: &str = "mat-khau-demo";

/// Which database a test gateway uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite in the data directory.
    Sqlite,
    /// A fresh database on the PostgreSQL server of `KYSO_TEST_POSTGRES`.
    Postgres,
}

/// A new, empty database on the test PostgreSQL server; its URL.
pub async fn fresh_postgres() -> String {
    use sqlx::{Connection, Executor};
    let base = std::env::var("KYSO_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("KYSO_TEST_POSTGRES is not set: scripts/test installs and starts PostgreSQL and sets it (postgres://USER@HOST:PORT/DB)")
    });
    let name = format!("kyso_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .expect("the test PostgreSQL server answers");
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("creates a database");
    let cut = base.rfind('/').expect("a database in the URL");
    format!("{}/{name}", &base[..cut])
}

/// A fresh gateway on SQLite (see [`gateway_on`]).
pub async fn gateway() -> Gw {
    gateway_on(Backend::Sqlite).await
}

/// A fresh gateway with a unit, leaders `leader1` and `leader2`, an admin,
/// a clerk and an integrator key.
pub async fn gateway_on(backend: Backend) -> Gw {
    gateway_with(backend, |_| {}).await
}

/// [`gateway_on`] with the configuration changed by `configure`.
pub async fn gateway_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Gw {
    gateway_at(backend, kyso_gateway::system_clock(), configure).await
}

/// [`gateway_with`] on `clock`.
pub async fn gateway_at(
    backend: Backend,
    clock: Arc<dyn kyso_gateway::Clock>,
    configure: impl FnOnce(&mut Config),
) -> Gw {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_postgres().await),
    };
    let mut config = Config::new(dir.path().to_path_buf());
    configure(&mut config);
    let state = AppState::open(config, url.as_deref(), clock)
        .await
        .expect("gateway opens");
    let unit = admin::create_unit(
        &state,
        "test",
        &NewUnit {
            name: "UBND tỉnh Thử Nghiệm".into(),
            parent_id: None,
        },
    )
    .await
    .expect("unit");
    for (name, role) in [
        ("leader1", Role::Leader),
        ("leader2", Role::Leader),
        ("admin", Role::Admin),
        ("clerk1", Role::Clerk),
    ] {
        admin::create_user(
            &state,
            "test",
            &NewUser {
                username: name.into(),
                full_name: format!("Nguyễn Văn {name}"),
                title: "Chủ tịch".into(),
                role,
                unit_id: unit.id.clone(),
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("user");
    }
    let key = admin::create_integrator_key(&state, "test", "QLVB&ĐH")
        .await
        .expect("key");
    Gw {
        app: kyso_gateway::app(state.clone()),
        state,
        _dir: dir,
        database_url: url,
        integrator_key: key.key,
        webhook_secret: key.webhook_secret,
    }
}

/// The gateway stopped and started again on the same data (directory and
/// database), with a new configuration: nothing survives but what it stored.
pub async fn restart(
    gw: Gw,
    clock: Arc<dyn kyso_gateway::Clock>,
    configure: impl FnOnce(&mut Config),
) -> Gw {
    let Gw {
        app,
        state,
        _dir,
        database_url,
        integrator_key,
        webhook_secret,
    } = gw;
    drop(app);
    state.db.pool().close().await;
    drop(state);
    let mut config = Config::new(_dir.path().to_path_buf());
    configure(&mut config);
    let state = AppState::open(config, database_url.as_deref(), clock)
        .await
        .expect("gateway opens again");
    Gw {
        app: kyso_gateway::app(state.clone()),
        state,
        _dir,
        database_url,
        integrator_key,
        webhook_secret,
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

pub async fn call(
    gw: &Gw,
    method: &str,
    uri: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
    extra: &[(&str, &str)],
) -> Resp {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        b = b.header("Authorization", format!("Bearer {t}"));
    }
    if let Some(ct) = content_type {
        b = b.header("Content-Type", ct);
    }
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    let resp = gw
        .app
        .clone()
        .oneshot(b.body(Body::from(body)).expect("request"))
        .await
        .expect("infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    Resp {
        status,
        headers,
        body,
    }
}

pub async fn get(gw: &Gw, uri: &str, token: Option<&str>) -> Resp {
    call(gw, "GET", uri, token, None, Vec::new(), &[]).await
}

pub async fn post_json(gw: &Gw, uri: &str, token: Option<&str>, json: serde_json::Value) -> Resp {
    call(
        gw,
        "POST",
        uri,
        token,
        Some("application/json"),
        serde_json::to_vec(&json).expect("json"),
        &[],
    )
    .await
}

pub async fn login(gw: &Gw, user: &str) -> String {
    let r = post_json(
        gw,
        "/api/v1/auth/login",
        None,
        serde_json::json!({"username": user, "password": PASSWORD}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "login {user}: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()["token"].as_str().expect("token").to_string()
}

/// A small valid one-page PDF.
pub fn pdf(text: &str) -> Vec<u8> {
    kyso_pdf::testpdf::pages(&[kyso_pdf::testpdf::text_line(text)])
}

/// A valid PDF of `n` pages.
pub fn multipage(n: usize, text: &str) -> Vec<u8> {
    let pages: Vec<String> = (1..=n)
        .map(|p| kyso_pdf::testpdf::text_line(&format!("{text} - trang {p}")))
        .collect();
    kyso_pdf::testpdf::pages(&pages)
}

/// The clerk (`clerk`, a session token) issues request `id` with `body`
/// (`number_symbol`, `date`).
pub async fn issue(gw: &Gw, clerk: &str, id: &str, body: serde_json::Value) -> Resp {
    post_json(
        gw,
        &format!("/api/v1/clerk/requests/{id}/issue"),
        Some(clerk),
        body,
    )
    .await
}

/// The clerk issues the signed request `id` as No. `number_symbol` of
/// 2026-03-05, which must succeed (200); the issuance (JSON).
pub async fn issued_request(
    gw: &Gw,
    clerk: &str,
    id: &str,
    number_symbol: &str,
) -> serde_json::Value {
    let r = issue(
        gw,
        clerk,
        id,
        serde_json::json!({"number_symbol": number_symbol, "date": "2026-03-05"}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

/// Submits a draft as the integrator; returns the response.
pub async fn submit(gw: &Gw, signer: &str, pdf_bytes: &[u8], callback: Option<&str>) -> Resp {
    let meta = serde_json::json!({
        "title": "Quyết định phê duyệt kế hoạch chuyển đổi số",
        "number_symbol": "123/QĐ-UBND",
        "document_type": "quyết định",
        "urgency": "urgent",
        "signer": signer,
        "external_id": "QLVB-42",
        "callback_url": callback,
    });
    submit_draft(gw, &meta, pdf_bytes).await
}

/// Submits a draft with this metadata as the integrator (multipart: the
/// `metadata` part, JSON, and the PDF as `file`); returns the response.
pub async fn submit_draft(gw: &Gw, meta: &serde_json::Value, pdf_bytes: &[u8]) -> Resp {
    let boundary = "kysoBOUNDARY";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n{meta}\r\n").as_bytes());
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"draft.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    body.extend_from_slice(pdf_bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    call(
        gw,
        "POST",
        "/api/v1/requests",
        Some(&gw.integrator_key.clone()),
        Some(&ct),
        body,
        &[],
    )
    .await
}

/// A desktop device: a P-256 software key and its enrolled chain.
pub struct DeviceKey {
    pub key: kyso_pdf::signer::SoftwareKey,
    pub cert: x509_cert::Certificate,
    pub chain: Vec<x509_cert::Certificate>,
    pub id: String,
}

pub async fn enroll(gw: &Gw, token: &str) -> DeviceKey {
    let sk = SigningKey::random(&mut rand_core::OsRng);
    let nonce = get(gw, "/api/v1/device/enroll/nonce", Some(token)).await;
    assert_eq!(
        nonce.status,
        StatusCode::OK,
        "nonce: {}",
        String::from_utf8_lossy(&nonce.body)
    );
    let csr = kyso_gateway::ca::csr_pem(&sk, "device").expect("csr");
    let r = post_json(
        gw,
        "/api/v1/device/enroll",
        Some(token),
        serde_json::json!({"nonce": nonce.json()["nonce"], "csr_pem": csr, "platform": "linux", "model": "test"}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "enroll: {}",
        String::from_utf8_lossy(&r.body)
    );
    let j = r.json();
    let mut certs =
        kyso_pdf::signer::certificates_from_pem(j["certificate_chain_pem"].as_str().expect("pem"))
            .expect("certs");
    let cert = certs.remove(0);
    let pem = sk.to_pkcs8_pem(Default::default()).expect("pem");
    DeviceKey {
        key: kyso_pdf::signer::SoftwareKey::from_pem(&pem).expect("key"),
        cert,
        chain: certs,
        id: j["device_id"].as_str().expect("id").to_string(),
    }
}

/// Signs `issued` as the app does (invisible, incremental).
pub fn sign(dev: &DeviceKey, issued: &[u8]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let opts =
        kyso_pdf::sign::SignOptions::invisible("Nguyễn Văn An", time::OffsetDateTime::now_utc());
    kyso_pdf::sign::sign(
        issued, &mut out, &dev.key, &dev.cert, &dev.chain, None, &opts,
    )
    .expect("signs");
    out.into_inner()
}

pub async fn upload(gw: &Gw, token: &str, id: &str, signed: Vec<u8>, key: &str) -> Resp {
    call(
        gw,
        "POST",
        &format!("/api/v1/device/requests/{id}/signed"),
        Some(token),
        Some("application/pdf"),
        signed,
        &[("Idempotency-Key", key)],
    )
    .await
}

/// What the webhook receiver saw: (signature header, body) per delivery.
pub type Seen = Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

/// A local webhook receiver.
pub async fn webhook_receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s2 = seen.clone();
    let app = Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: Bytes| {
            let s = s2.clone();
            async move {
                let sig = headers
                    .get("X-Kyso-Signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                s.lock().expect("lock").push((sig, body.to_vec()));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), seen)
}
