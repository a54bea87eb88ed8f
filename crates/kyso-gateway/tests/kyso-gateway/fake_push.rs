//! Local fakes of the two push providers that speak their real protocols,
//! started for real on loopback:
//!
//! * FCM: the OAuth2 token endpoint checks the service account's JWT
//!   assertion (RS256 against the account's public key, `iss`, `scope`,
//!   `aud`, `iat`, `exp`, the grant type) and issues access tokens that
//!   expire; `messages:send` checks the bearer token and the HTTP v1
//!   message schema and answers FCM's documented error bodies.
//! * APNs: HTTP/2 only, checks the provider token (ES256 against the
//!   team's key, `kid`, `iss`, `iat` younger than an hour) and the headers
//!   APNs requires, and answers Apple's documented reasons.
//!
//! The APNs fake speaks HTTP/2 over plain TCP with prior knowledge (h2c):
//! real APNs is HTTP/2 over TLS (ALPN `h2`), which the sender's client
//! also speaks (it offers only `h2`), but a TLS fake would need the test to
//! plant its own root in the sender; the HTTP/2 framing, headers, JWT and
//! answers are the same either way.
//!
//! Both take the gateway's clock, so token lifetimes are tested by moving
//! a clock, not by waiting. Both record everything they receive, raw.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kyso_gateway::Clock;
use rsa::signature::Verifier as _;
use sha2::Sha256;
use time::OffsetDateTime;

/// A clock the test moves.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    /// Starting now (whole seconds).
    pub fn new() -> Arc<Self> {
        let now = OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .expect("whole seconds");
        Arc::new(Self(Mutex::new(now)))
    }

    /// Starting at `t`.
    pub fn at(t: OffsetDateTime) -> Arc<Self> {
        Arc::new(Self(Mutex::new(t)))
    }

    /// Moves it forward.
    pub fn advance(&self, d: time::Duration) {
        *self.0.lock().expect("clock") += d;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().expect("clock")
    }
}

/// Everything a fake received: one line per request, method, path, every
/// header and the body, as text.
pub type Raw = Arc<Mutex<Vec<String>>>;

fn raw_line(method: &str, path: &str, headers: &HeaderMap, body: &[u8]) -> String {
    let mut s = format!("{method} {path}\n");
    for (k, v) in headers {
        s.push_str(&format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())));
    }
    s.push_str(&String::from_utf8_lossy(body));
    s
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn jwt_parts(jwt: &str) -> Option<(serde_json::Value, serde_json::Value, String, Vec<u8>)> {
    let mut it = jwt.split('.');
    let (h, c, s) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
    Some((
        header,
        claims,
        format!("{h}.{c}"),
        URL_SAFE_NO_PAD.decode(s).ok()?,
    ))
}

// ---------------------------------------------------------------- FCM ----

/// Answers the FCM fake can be told to give to the next sends.
#[derive(Debug, Clone)]
pub enum FcmReply {
    /// 404 NOT_FOUND, errorCode UNREGISTERED.
    Unregistered,
    /// 429 RESOURCE_EXHAUSTED, errorCode QUOTA_EXCEEDED, with `Retry-After`.
    QuotaExceeded {
        /// Seconds.
        retry_after: u64,
    },
    /// 503 UNAVAILABLE.
    Unavailable,
    /// 400 INVALID_ARGUMENT.
    InvalidArgument,
    /// Forget every access token issued so far (as if they had been
    /// revoked or expired early): the send is answered 401 UNAUTHENTICATED.
    RevokeAccessTokens,
}

/// The FCM fake.
pub struct FakeFcm {
    /// Its root URL (the FCM `endpoint`; the token endpoint is `{url}/token`).
    pub url: String,
    /// Its state.
    pub s: Arc<FcmState>,
}

/// What the FCM fake knows and saw.
pub struct FcmState {
    project_id: String,
    client_email: String,
    private_key_id: String,
    public_key: rsa::RsaPublicKey,
    token_uri: Mutex<String>,
    clock: Arc<dyn Clock>,
    /// Access tokens issued, with their expiry.
    access: Mutex<HashMap<String, OffsetDateTime>>,
    script: Mutex<VecDeque<FcmReply>>,
    /// Claims of every assertion accepted.
    pub assertions: Mutex<Vec<serde_json::Value>>,
    /// Messages accepted (the `message` object).
    pub delivered: Mutex<Vec<serde_json::Value>>,
    /// Answers given to sends, by HTTP status.
    pub answers: Mutex<Vec<u16>>,
    /// Every request, raw.
    pub raw: Raw,
}

/// A service account for the fake: its key file JSON and the fake's state.
pub struct ServiceAccountFile {
    /// The JSON key file.
    pub json: String,
}

/// One RSA key for the whole test binary (generating one is slow).
fn rsa_key() -> &'static rsa::RsaPrivateKey {
    static KEY: std::sync::OnceLock<rsa::RsaPrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).expect("RSA key"))
}

fn oauth_error(desc: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({"error": "invalid_grant", "error_description": desc})),
    )
        .into_response()
}

fn fcm_error(http: u16, status: &str, code: Option<&str>, message: &str) -> Response {
    let details: Vec<serde_json::Value> = code
        .map(|c| {
            vec![serde_json::json!({
                "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                "errorCode": c,
            })]
        })
        .unwrap_or_default();
    (
        StatusCode::from_u16(http).expect("status"),
        axum::Json(serde_json::json!({
            "error": {"code": http, "message": message, "status": status, "details": details}
        })),
    )
        .into_response()
}

impl FakeFcm {
    /// Starts the fake for a new service account of project `kyso-test`.
    pub async fn start(clock: Arc<dyn Clock>) -> (FakeFcm, ServiceAccountFile) {
        use rsa::pkcs8::EncodePrivateKey;
        let key = rsa_key();
        let s = Arc::new(FcmState {
            project_id: "kyso-test".into(),
            client_email: "kyso-push@kyso-test.iam.gserviceaccount.com".into(),
            private_key_id: "a1b2c3d4e5f6".into(),
            public_key: key.to_public_key(),
            token_uri: Mutex::new(String::new()),
            clock,
            access: Mutex::default(),
            script: Mutex::default(),
            assertions: Mutex::default(),
            delivered: Mutex::default(),
            answers: Mutex::default(),
            raw: Raw::default(),
        });
        let app = Router::new()
            .route("/token", axum::routing::post(token))
            .route(
                "/v1/projects/{project}/messages:send",
                axum::routing::post(send),
            )
            .with_state(s.clone());
        let url = serve(app).await;
        *s.token_uri.lock().expect("lock") = format!("{url}/token");
        let json = serde_json::json!({
            "type": "service_account",
            "project_id": s.project_id,
            "private_key_id": s.private_key_id,
            "private_key": key.to_pkcs8_pem(Default::default()).expect("pem").to_string(),
            "client_email": s.client_email,
            "client_id": "1234567890",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": format!("{url}/token"),
        })
        .to_string();
        (FakeFcm { url, s }, ServiceAccountFile { json })
    }

    /// The next sends get these answers, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = FcmReply>) {
        self.s.script.lock().expect("lock").extend(replies);
    }

    /// Messages accepted so far.
    pub fn delivered(&self) -> Vec<serde_json::Value> {
        self.s.delivered.lock().expect("lock").clone()
    }

    /// Assertions accepted so far (one per access token issued).
    pub fn assertions(&self) -> usize {
        self.s.assertions.lock().expect("lock").len()
    }

    /// HTTP statuses answered to sends so far.
    pub fn answers(&self) -> Vec<u16> {
        self.s.answers.lock().expect("lock").clone()
    }
}

/// `POST /token`: the JWT-bearer grant (RFC 7523) as Google's token endpoint takes it.
async fn token(
    State(s): State<Arc<FcmState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    s.raw.lock().expect("lock").push(raw_line(
        "POST",
        "/token",
        &headers,
        format!("{form:?}").as_bytes(),
    ));
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({"error": "unsupported_grant_type"})),
        )
            .into_response();
    }
    let Some((header, claims, input, sig)) = form.get("assertion").and_then(|a| jwt_parts(a))
    else {
        return oauth_error("Invalid JWT: malformed");
    };
    if header["alg"] != "RS256" || header["kid"] != s.private_key_id.as_str() {
        return oauth_error("Invalid JWT: alg or kid");
    }
    let vk = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(s.public_key.clone());
    let verified = rsa::pkcs1v15::Signature::try_from(&sig[..])
        .is_ok_and(|sig| vk.verify(input.as_bytes(), &sig).is_ok());
    if !verified {
        return oauth_error("Invalid JWT Signature.");
    }
    let now = s.clock.now().unix_timestamp();
    let token_uri = s.token_uri.lock().expect("lock").clone();
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap_or(0),
        claims["exp"].as_i64().unwrap_or(0),
    );
    if claims["iss"] != s.client_email.as_str()
        || claims["scope"] != "https://www.googleapis.com/auth/firebase.messaging"
        || claims["aud"] != token_uri.as_str()
    {
        return oauth_error("Invalid JWT: iss, scope or aud");
    }
    if iat > now + 60 || exp <= now || exp - iat > 3600 {
        return oauth_error(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
        );
    }
    s.assertions.lock().expect("lock").push(claims);
    let access = format!("ya29.fake-{}", uuid::Uuid::new_v4().simple());
    s.access.lock().expect("lock").insert(
        access.clone(),
        s.clock.now() + time::Duration::seconds(3599),
    );
    axum::Json(
        serde_json::json!({"access_token": access, "expires_in": 3599, "token_type": "Bearer"}),
    )
    .into_response()
}

/// The problems with an HTTP v1 `messages:send` body, if any.
fn message_problem(body: &serde_json::Value) -> Option<String> {
    let obj = body.as_object()?;
    if obj.keys().any(|k| k != "message" && k != "validate_only") {
        return Some("Invalid JSON payload received. Unknown name at the top level".into());
    }
    let Some(m) = body["message"].as_object() else {
        return Some("message is required".into());
    };
    const KNOWN: &[&str] = &[
        "name",
        "data",
        "notification",
        "android",
        "webpush",
        "apns",
        "fcm_options",
        "token",
        "topic",
        "condition",
    ];
    if let Some(k) = m.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Some(format!(
            "Invalid JSON payload received. Unknown name \"{k}\" at 'message'"
        ));
    }
    if !m.get("token").is_some_and(serde_json::Value::is_string) {
        return Some("a token target is required".into());
    }
    if let Some(data) = m.get("data") {
        let Some(d) = data.as_object() else {
            return Some("data must be a map".into());
        };
        if d.values().any(|v| !v.is_string()) {
            return Some("Invalid value at 'message.data': data values must be strings".into());
        }
    }
    if let Some(a) = m.get("android") {
        if let Some(p) = a.get("priority")
            && !(p == "HIGH" || p == "NORMAL")
        {
            return Some(format!("Invalid value at 'message.android.priority' ({p})"));
        }
        if let Some(ttl) = a.get("ttl") {
            let ok = ttl.as_str().is_some_and(|t| {
                t.strip_suffix('s')
                    .is_some_and(|n| !n.is_empty() && n.parse::<f64>().is_ok())
            });
            if !ok {
                return Some("Invalid value at 'message.android.ttl'".into());
            }
        }
    }
    None
}

/// `POST /v1/projects/{project}/messages:send`.
async fn send(
    State(s): State<Arc<FcmState>>,
    Path(project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.raw.lock().expect("lock").push(raw_line(
        "POST",
        &format!("/v1/projects/{project}/messages:send"),
        &headers,
        &body,
    ));
    let r = send_answer(&s, &project, &headers, &body);
    s.answers.lock().expect("lock").push(r.status().as_u16());
    r
}

fn send_answer(s: &FcmState, project: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    let now = s.clock.now();
    let valid = s
        .access
        .lock()
        .expect("lock")
        .get(&bearer)
        .is_some_and(|exp| now < *exp);
    if !valid {
        return fcm_error(
            401,
            "UNAUTHENTICATED",
            None,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        );
    }
    if project != s.project_id {
        return fcm_error(
            403,
            "PERMISSION_DENIED",
            Some("SENDER_ID_MISMATCH"),
            "Permission denied",
        );
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return fcm_error(
            400,
            "INVALID_ARGUMENT",
            Some("INVALID_ARGUMENT"),
            "Invalid JSON payload received.",
        );
    };
    if let Some(problem) = message_problem(&json) {
        return fcm_error(400, "INVALID_ARGUMENT", Some("INVALID_ARGUMENT"), &problem);
    }
    let next = s.script.lock().expect("lock").pop_front();
    match next {
        Some(FcmReply::Unregistered) => fcm_error(
            404,
            "NOT_FOUND",
            Some("UNREGISTERED"),
            "Requested entity was not found.",
        ),
        Some(FcmReply::QuotaExceeded { retry_after }) => {
            let mut r = fcm_error(
                429,
                "RESOURCE_EXHAUSTED",
                Some("QUOTA_EXCEEDED"),
                "Quota exceeded for quota metric 'Send requests'.",
            );
            r.headers_mut().insert(
                "retry-after",
                retry_after.to_string().parse().expect("header"),
            );
            r
        }
        Some(FcmReply::Unavailable) => fcm_error(
            503,
            "UNAVAILABLE",
            Some("UNAVAILABLE"),
            "The service is currently unavailable.",
        ),
        Some(FcmReply::InvalidArgument) => fcm_error(
            400,
            "INVALID_ARGUMENT",
            Some("INVALID_ARGUMENT"),
            "The registration token is not a valid FCM registration token",
        ),
        Some(FcmReply::RevokeAccessTokens) => {
            s.access.lock().expect("lock").clear();
            fcm_error(
                401,
                "UNAUTHENTICATED",
                None,
                "Request had invalid authentication credentials.",
            )
        }
        None => {
            s.delivered
                .lock()
                .expect("lock")
                .push(json["message"].clone());
            axum::Json(serde_json::json!({
                "name": format!("projects/{project}/messages/{}", uuid::Uuid::new_v4().simple())
            }))
            .into_response()
        }
    }
}

// --------------------------------------------------------------- APNs ----

/// Answers the APNs fake can be told to give to the next sends (after the
/// checks, which come first).
#[derive(Debug, Clone)]
pub enum ApnsReply {
    /// 429 TooManyRequests.
    TooManyRequests,
    /// 403 ExpiredProviderToken.
    ExpiredProviderToken,
    /// 503 ServiceUnavailable.
    ServiceUnavailable,
}

/// One push the APNs fake accepted.
#[derive(Debug, Clone)]
pub struct ApnsDelivery {
    /// The device token.
    pub token: String,
    /// Every header.
    pub headers: HashMap<String, String>,
    /// The JSON body.
    pub body: serde_json::Value,
}

/// What the APNs fake knows and saw.
pub struct ApnsState {
    key_id: String,
    team_id: String,
    topic: String,
    team_key: p256::ecdsa::VerifyingKey,
    clock: Arc<dyn Clock>,
    /// Device tokens APNs knows.
    devices: Mutex<HashSet<String>>,
    /// Device tokens whose app was removed.
    unregistered: Mutex<HashSet<String>>,
    script: Mutex<VecDeque<ApnsReply>>,
    /// Pushes accepted.
    pub delivered: Mutex<Vec<ApnsDelivery>>,
    /// (status, reason) answered to every push.
    pub answers: Mutex<Vec<(u16, String)>>,
    /// Every provider token presented that verified.
    pub jwts: Mutex<Vec<String>>,
    /// Every request, raw.
    pub raw: Raw,
}

/// The APNs fake.
pub struct FakeApns {
    /// Its root URL (the APNs endpoint).
    pub url: String,
    /// Its state.
    pub s: Arc<ApnsState>,
    /// The team's key, PKCS#8 PEM (the `.p8` file).
    pub p8: String,
}

impl FakeApns {
    /// Key id, team id and topic the fake expects.
    pub const KEY_ID: &'static str = "ABC123DEFG";
    /// Team id.
    pub const TEAM_ID: &'static str = "DEF123GHIJ";
    /// Bundle id.
    pub const TOPIC: &'static str = "vn.gov.kyso.app";

    /// Starts the fake with a new team key.
    pub async fn start(clock: Arc<dyn Clock>) -> FakeApns {
        use p256::pkcs8::EncodePrivateKey;
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let s = Arc::new(ApnsState {
            key_id: Self::KEY_ID.into(),
            team_id: Self::TEAM_ID.into(),
            topic: Self::TOPIC.into(),
            team_key: *key.verifying_key(),
            clock,
            devices: Mutex::default(),
            unregistered: Mutex::default(),
            script: Mutex::default(),
            delivered: Mutex::default(),
            answers: Mutex::default(),
            jwts: Mutex::default(),
            raw: Raw::default(),
        });
        let app = Router::new()
            .route("/3/device/{token}", axum::routing::post(apns_push))
            .with_state(s.clone());
        let url = serve(app).await;
        FakeApns {
            url,
            s,
            p8: key
                .to_pkcs8_pem(Default::default())
                .expect("pem")
                .to_string(),
        }
    }

    /// A new device token APNs knows.
    pub fn new_device(&self) -> String {
        let mut b = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut b);
        let t: String = b.iter().map(|x| format!("{x:02x}")).collect();
        self.s.devices.lock().expect("lock").insert(t.clone());
        t
    }

    /// The app was removed from that device.
    pub fn unregister(&self, token: &str) {
        self.s
            .unregistered
            .lock()
            .expect("lock")
            .insert(token.into());
    }

    /// The next sends get these answers, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = ApnsReply>) {
        self.s.script.lock().expect("lock").extend(replies);
    }

    /// Pushes accepted so far.
    pub fn delivered(&self) -> Vec<ApnsDelivery> {
        self.s.delivered.lock().expect("lock").clone()
    }

    /// Answers given so far.
    pub fn answers(&self) -> Vec<(u16, String)> {
        self.s.answers.lock().expect("lock").clone()
    }

    /// Distinct provider tokens seen, in order of first use.
    pub fn distinct_jwts(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for j in self.s.jwts.lock().expect("lock").iter() {
            if !out.contains(j) {
                out.push(j.clone());
            }
        }
        out
    }
}

fn apns_reason(status: u16, reason: &str) -> Response {
    let mut body = serde_json::json!({ "reason": reason });
    if status == 410 {
        body["timestamp"] = serde_json::json!(1_700_000_000_000_i64);
    }
    let mut r = (
        StatusCode::from_u16(status).expect("status"),
        axum::Json(body),
    )
        .into_response();
    r.headers_mut().insert(
        "apns-id",
        uuid::Uuid::new_v4().to_string().parse().expect("header"),
    );
    r
}

/// `POST /3/device/{token}`.
async fn apns_push(
    State(s): State<Arc<ApnsState>>,
    Path(token): Path<String>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    s.raw
        .lock()
        .expect("lock")
        .push(raw_line("POST", parts.uri.path(), &parts.headers, &body));
    let (status, reason, r) = apns_answer(&s, parts.version, &token, &parts.headers, &body);
    s.answers.lock().expect("lock").push((status, reason));
    r
}

fn apns_answer(
    s: &ApnsState,
    version: Version,
    token: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (u16, String, Response) {
    let fail =
        |status: u16, reason: &str| (status, reason.to_string(), apns_reason(status, reason));
    if version != Version::HTTP_2 {
        // Real APNs speaks nothing else; no reason to give.
        return (
            505,
            "HTTP/2 required".into(),
            StatusCode::HTTP_VERSION_NOT_SUPPORTED.into_response(),
        );
    }
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // The provider token.
    let Some(jwt) = h("authorization").and_then(|v| v.strip_prefix("bearer ")) else {
        return fail(403, "MissingProviderToken");
    };
    let Some((header, claims, input, sig)) = jwt_parts(jwt) else {
        return fail(403, "InvalidProviderToken");
    };
    use p256::ecdsa::signature::Verifier;
    let verified = p256::ecdsa::Signature::from_slice(&sig)
        .is_ok_and(|sig| s.team_key.verify(input.as_bytes(), &sig).is_ok());
    if header["alg"] != "ES256"
        || header["kid"] != s.key_id.as_str()
        || claims["iss"] != s.team_id.as_str()
        || !verified
    {
        return fail(403, "InvalidProviderToken");
    }
    let Some(iat) = claims["iat"].as_i64() else {
        return fail(403, "InvalidProviderToken");
    };
    if iat < s.clock.now().unix_timestamp() - 3600 {
        return fail(403, "ExpiredProviderToken");
    }
    s.jwts.lock().expect("lock").push(jwt.to_string());
    // The headers APNs requires or checks.
    if h("apns-topic") != Some(s.topic.as_str()) {
        return fail(
            400,
            if h("apns-topic").is_none() {
                "MissingTopic"
            } else {
                "TopicDisallowed"
            },
        );
    }
    if h("apns-push-type") != Some("alert") {
        return fail(400, "InvalidPushType");
    }
    if !matches!(h("apns-priority"), Some("5" | "10")) {
        return fail(400, "BadPriority");
    }
    if h("apns-expiration").is_none_or(|e| e.parse::<u64>().is_err()) {
        return fail(400, "BadExpirationDate");
    }
    if h("apns-collapse-id").is_none_or(|c| c.is_empty() || c.len() > 64) {
        return fail(400, "BadCollapseId");
    }
    if h("apns-id").is_some_and(|id| uuid::Uuid::parse_str(id).is_err()) {
        return fail(400, "BadMessageId");
    }
    if body.is_empty() {
        return fail(400, "PayloadEmpty");
    }
    if body.len() > 4096 {
        return fail(413, "PayloadTooLarge");
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return fail(400, "BadPayload");
    };
    if !json["aps"].is_object() {
        return fail(400, "BadPayload");
    }
    // The device token.
    if !s.devices.lock().expect("lock").contains(token) {
        return fail(400, "BadDeviceToken");
    }
    if s.unregistered.lock().expect("lock").contains(token) {
        return fail(410, "Unregistered");
    }
    match s.script.lock().expect("lock").pop_front() {
        Some(ApnsReply::TooManyRequests) => return fail(429, "TooManyRequests"),
        Some(ApnsReply::ExpiredProviderToken) => return fail(403, "ExpiredProviderToken"),
        Some(ApnsReply::ServiceUnavailable) => return fail(503, "ServiceUnavailable"),
        None => {}
    }
    s.delivered.lock().expect("lock").push(ApnsDelivery {
        token: token.to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect(),
        body: json,
    });
    let mut r = StatusCode::OK.into_response();
    let id = h("apns-id")
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    r.headers_mut()
        .insert("apns-id", id.parse().expect("header"));
    (200, String::new(), r)
}
