//! Typed calls for every route a device uses under `/api/v1`.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kyso_api::{
    DeclineRequest, EnrollNonce, EnrollRequest, EnrollResponse, ErrorCode, LoginRequest,
    LoginResponse, PushRegistration, QuietHours, RequestEvent, SigningRequest, User,
};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::tls::{self, PinFailure, SpkiPin};

/// Documents larger than this are refused on download.
pub const MAX_DOCUMENT: usize = 256 * 1024 * 1024;
/// JSON answers larger than this are refused.
pub(crate) const MAX_JSON: usize = 16 * 1024 * 1024;

/// A connection to one gateway, with or without a session token. Cheap to
/// clone; clones share the connection pool.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    root: Url,
    pin: Option<SpkiPin>,
    pin_failure: PinFailure,
    token: Option<Secret<String>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.root.as_str())
            .field("pin", &self.pin)
            .field("token", &self.token)
            .finish()
    }
}

/// A successful login. The token is a secret; the rest is not.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// Bearer token.
    pub token: Secret<String>,
    /// When it expires (RFC 3339).
    pub expires_at: String,
    /// Who logged in.
    pub user: User,
}

/// Whether `url` may be used without TLS: loopback hosts only.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// Normalises a server address: `https://host[:port]` with an optional
/// `/api/v1` suffix. Plain `http` only for loopback hosts.
pub fn server_root(base_url: &str) -> Result<Url> {
    let mut url = Url::parse(base_url.trim())
        .map_err(|e| Error::Url(format!("'{base_url}' is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::Url(format!(
                "'{base_url}': plain http is allowed only for this machine (localhost); use https"
            )));
        }
        s => return Err(Error::Url(format!("'{base_url}': unsupported scheme {s}"))),
    }
    if url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Url(format!(
            "'{base_url}': a host is required and credentials in the URL are not allowed"
        )));
    }
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix("/api/v1").unwrap_or(path).to_string();
    if !path.is_empty() {
        return Err(Error::Url(format!(
            "'{base_url}': expected the gateway's address, e.g. https://host:8443"
        )));
    }
    url.set_path("/");
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// The error chain of a transport failure on one line.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

#[derive(serde::Deserialize)]
struct WireError {
    code: ErrorCode,
    message: String,
    #[serde(default)]
    report: Option<serde_json::Value>,
}

impl Client {
    /// A client for the gateway at `base_url`. With `pinned`, TLS accepts
    /// only a server whose certificate carries that public key.
    pub fn new(base_url: &str, pinned: Option<SpkiPin>) -> Result<Self> {
        let root = server_root(base_url)?;
        let pin_failure: PinFailure = Arc::new(Mutex::new(None));
        let tls = tls::client_config(pinned, pin_failure.clone())?;
        let mut builder = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(300))
            // A redirect could carry the token elsewhere: none are followed.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("kyso-client/", env!("CARGO_PKG_VERSION")));
        if root.scheme() == "https" {
            builder = builder.https_only(true);
        }
        let http = builder.build().map_err(|e| Error::Transport(chain(&e)))?;
        Ok(Self {
            http,
            root,
            pin: pinned,
            pin_failure,
            token: None,
        })
    }

    /// The same client, authenticated with `token`.
    pub fn with_token(mut self, token: Secret<String>) -> Self {
        self.token = Some(token);
        self
    }

    /// The server's root address (`https://host:port/`).
    pub fn server(&self) -> &str {
        self.root.as_str()
    }

    /// The pin in force.
    pub fn pin(&self) -> Option<SpkiPin> {
        self.pin
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut u = self.root.clone();
        if let Ok(mut p) = u.path_segments_mut() {
            p.clear().extend(["api", "v1"]).extend(segments);
        }
        u
    }

    fn transport(&self, e: reqwest::Error) -> Error {
        if let Some((expected, found)) = self.pin_failure.lock().ok().and_then(|mut f| f.take()) {
            return Error::PinMismatch {
                expected: expected.to_string(),
                found: found.to_string(),
            };
        }
        Error::Transport(chain(&e))
    }

    pub(crate) fn request(
        &self,
        method: Method,
        segments: &[&str],
        auth: bool,
    ) -> Result<reqwest::RequestBuilder> {
        let mut rb = self.http.request(method, self.url(segments));
        if auth {
            let token = self.token.as_ref().ok_or(Error::NotLoggedIn(None))?;
            rb = rb.bearer_auth(token.expose());
        }
        Ok(rb)
    }

    pub(crate) async fn send(&self, rb: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let resp = rb.send().await.map_err(|e| self.transport(e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let body = read_limited(resp, MAX_JSON).await?;
        match serde_json::from_slice::<WireError>(&body) {
            Ok(w) => Err(Error::Api {
                status: status.as_u16(),
                code: w.code,
                message: w.message,
                report: w.report,
            }),
            Err(_) => Err(Error::Protocol(format!(
                "HTTP {status} without an error body"
            ))),
        }
    }

    pub(crate) async fn json<T: DeserializeOwned>(&self, rb: reqwest::RequestBuilder) -> Result<T> {
        let resp = self.send(rb).await?;
        let body = read_limited(resp, MAX_JSON).await?;
        serde_json::from_slice(&body).map_err(|e| Error::Protocol(format!("invalid JSON: {e}")))
    }

    pub(crate) async fn bytes(&self, rb: reqwest::RequestBuilder, max: usize) -> Result<Vec<u8>> {
        let resp = self.send(rb).await?;
        read_limited(resp, max).await
    }

    /// `POST /auth/login`.
    pub async fn login(&self, username: &str, password: &Secret<String>) -> Result<LoggedIn> {
        let body = LoginRequest {
            username: username.to_string(),
            password: password.expose().clone(),
        };
        let rb = self
            .request(Method::POST, &["auth", "login"], false)?
            .json(&body);
        let mut r: LoginResponse = self.json(rb).await?;
        Ok(LoggedIn {
            token: Secret::new(std::mem::take(&mut r.token)),
            expires_at: r.expires_at,
            user: r.user,
        })
    }

    /// `POST /auth/logout`: ends the session on the server.
    pub async fn logout(&self) -> Result<()> {
        let rb = self.request(Method::POST, &["auth", "logout"], true)?;
        self.send(rb).await.map(|_| ())
    }

    /// `GET /me`.
    pub async fn me(&self) -> Result<User> {
        let rb = self.request(Method::GET, &["me"], true)?;
        self.json(rb).await
    }

    /// `GET /device/enroll/nonce`.
    pub async fn enroll_nonce(&self) -> Result<EnrollNonce> {
        let rb = self.request(Method::GET, &["device", "enroll", "nonce"], true)?;
        self.json(rb).await
    }

    /// `POST /device/enroll`.
    pub async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse> {
        let rb = self
            .request(Method::POST, &["device", "enroll"], true)?
            .json(req);
        self.json(rb).await
    }

    /// `GET /device/inbox`: requests waiting for this leader.
    pub async fn inbox(&self) -> Result<Vec<SigningRequest>> {
        let rb = self.request(Method::GET, &["device", "inbox"], true)?;
        self.json(rb).await
    }

    /// `GET /device/requests/{id}`.
    pub async fn get_request(&self, id: &str) -> Result<SigningRequest> {
        let rb = self.request(Method::GET, &["device", "requests", id], true)?;
        self.json(rb).await
    }

    /// `GET /device/requests/{id}/document`: the issued PDF, as issued.
    pub async fn document(&self, id: &str) -> Result<Vec<u8>> {
        let rb = self.request(Method::GET, &["device", "requests", id, "document"], true)?;
        self.bytes(rb, MAX_DOCUMENT).await
    }

    /// `GET /device/requests/{id}/signed`: the signed PDF.
    pub async fn signed_document(&self, id: &str) -> Result<Vec<u8>> {
        let rb = self.request(Method::GET, &["device", "requests", id, "signed"], true)?;
        self.bytes(rb, MAX_DOCUMENT).await
    }

    /// `POST /device/requests/{id}/signed` with an `Idempotency-Key`: a
    /// repeat with the same key gets the first answer, recorded once.
    pub async fn upload_signed(
        &self,
        id: &str,
        pdf: Vec<u8>,
        idempotency_key: &str,
    ) -> Result<SigningRequest> {
        let rb = self
            .request(Method::POST, &["device", "requests", id, "signed"], true)?
            .header(reqwest::header::CONTENT_TYPE, "application/pdf")
            .header("Idempotency-Key", idempotency_key)
            .body(pdf);
        self.json(rb).await
    }

    /// `POST /tsa`: an RFC 3161 token over `digest` from the gateway's TSA,
    /// checked (imprint, nonce) before it is returned.
    pub async fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        let nonce = rand_core::RngCore::next_u64(&mut rand_core::OsRng) >> 1;
        let query = kyso_pdf::timestamp::request(digest, nonce)?;
        let rb = self
            .request(Method::POST, &["tsa"], false)?
            .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
            .body(query);
        let reply = self.bytes(rb, MAX_JSON).await?;
        Ok(kyso_pdf::timestamp::token_from_response(
            &reply, digest, nonce,
        )?)
    }

    /// `GET /clerk/issuance`: signed requests of the clerk's unit waiting
    /// for number, date and seal.
    pub async fn issuance_list(&self) -> Result<Vec<SigningRequest>> {
        let rb = self.request(Method::GET, &["clerk", "issuance"], true)?;
        self.json(rb).await
    }

    /// `POST /clerk/requests/{id}/issue`: the clerk issues a signed request
    /// with `number_symbol` and `date` (`YYYY-MM-DD`); the gateway adds the
    /// agency seal's signature.
    pub async fn issue(
        &self,
        id: &str,
        req: &kyso_api::IssueRequest,
    ) -> Result<kyso_api::Issuance> {
        let rb = self
            .request(Method::POST, &["clerk", "requests", id, "issue"], true)?
            .json(req);
        self.json(rb).await
    }

    /// `GET /clerk/requests/{id}/signed`: the PDF the leader signed, before
    /// the seal, for the clerk to read.
    pub async fn signed_for_issuance(&self, id: &str) -> Result<Vec<u8>> {
        let rb = self.request(Method::GET, &["clerk", "requests", id, "signed"], true)?;
        self.bytes(rb, MAX_DOCUMENT).await
    }

    /// `GET /clerk/requests/{id}/issued`: the issued PDF.
    pub async fn issued_document(&self, id: &str) -> Result<Vec<u8>> {
        let rb = self.request(Method::GET, &["clerk", "requests", id, "issued"], true)?;
        self.bytes(rb, MAX_DOCUMENT).await
    }

    /// `POST /clerk/requests/{id}/copies`: a copy (sao y, sao lục) of an
    /// issued request, signed by the unit's seal in the copy style.
    pub async fn make_copy(
        &self,
        id: &str,
        req: &kyso_api::CopyRequest,
    ) -> Result<kyso_api::DocumentCopy> {
        let rb = self
            .request(Method::POST, &["clerk", "requests", id, "copies"], true)?
            .json(req);
        self.json(rb).await
    }

    /// `GET /clerk/requests/{id}/copies`: the copies of a request.
    pub async fn copies(&self, id: &str) -> Result<Vec<kyso_api::DocumentCopy>> {
        let rb = self.request(Method::GET, &["clerk", "requests", id, "copies"], true)?;
        self.json(rb).await
    }

    /// `GET /clerk/requests/{id}/copies/{copy_id}`: a copy's PDF.
    pub async fn copy_document(&self, id: &str, copy_id: &str) -> Result<Vec<u8>> {
        let rb = self.request(
            Method::GET,
            &["clerk", "requests", id, "copies", copy_id],
            true,
        )?;
        self.bytes(rb, MAX_DOCUMENT).await
    }

    /// `POST /device/requests/{id}/decline`.
    pub async fn decline(&self, id: &str, reason: &str) -> Result<SigningRequest> {
        let rb = self
            .request(Method::POST, &["device", "requests", id, "decline"], true)?
            .json(&DeclineRequest {
                reason: reason.to_string(),
            });
        self.json(rb).await
    }

    /// `PUT /device/devices/{device_id}/push`: this device's push token
    /// (FCM or APNs), replacing any earlier one. Call it after enrollment
    /// and whenever the platform hands out a new token.
    pub async fn register_push(&self, device_id: &str, reg: &PushRegistration) -> Result<()> {
        let rb = self
            .request(Method::PUT, &["device", "devices", device_id, "push"], true)?
            .json(reg);
        self.send(rb).await.map(|_| ())
    }

    /// `DELETE /device/devices/{device_id}/push`: no more pushes to this device.
    pub async fn unregister_push(&self, device_id: &str) -> Result<()> {
        let rb = self.request(
            Method::DELETE,
            &["device", "devices", device_id, "push"],
            true,
        )?;
        self.send(rb).await.map(|_| ())
    }

    /// `GET /device/quiet-hours`: the leader's quiet hours (both times
    /// `None`: none).
    pub async fn quiet_hours(&self) -> Result<QuietHours> {
        let rb = self.request(Method::GET, &["device", "quiet-hours"], true)?;
        self.json(rb).await
    }

    /// `PUT /device/quiet-hours`: sets the leader's quiet hours (`HH:MM`
    /// to `HH:MM`, Vietnam time, may wrap midnight) or removes them
    /// ([`QuietHours::none`]); returns them as the gateway stored them. A
    /// bad time is the gateway's `bad_request`.
    pub async fn set_quiet_hours(&self, quiet: &QuietHours) -> Result<QuietHours> {
        let rb = self
            .request(Method::PUT, &["device", "quiet-hours"], true)?
            .json(quiet);
        self.json(rb).await
    }

    /// `GET /device/events`: live changes to this user's requests.
    pub async fn events(&self) -> Result<Events> {
        let rb = self.request(Method::GET, &["device", "events"], true)?;
        Ok(Events {
            sse: self.event_stream(rb).await?,
        })
    }

    /// Opens a server-sent event stream.
    pub(crate) async fn event_stream(&self, rb: reqwest::RequestBuilder) -> Result<SseStream> {
        let rb = rb
            .header(reqwest::header::ACCEPT, "text/event-stream")
            // The stream is open-ended: only the connection has a deadline.
            .timeout(Duration::from_secs(365 * 24 * 3600));
        let resp = self.send(rb).await?;
        Ok(SseStream {
            resp,
            buf: Vec::new(),
            event: String::new(),
            data: String::new(),
        })
    }

    /// `GET /ca`: the device CA certificate, PEM.
    pub async fn ca_pem(&self) -> Result<String> {
        let rb = self.request(Method::GET, &["ca"], false)?;
        let b = self.bytes(rb, MAX_JSON).await?;
        String::from_utf8(b).map_err(|_| Error::Protocol("the CA certificate is not PEM".into()))
    }
}

async fn read_limited(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>> {
    if resp.content_length().is_some_and(|n| n as usize > max) {
        return Err(Error::Protocol(format!(
            "the answer is larger than {max} bytes"
        )));
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| Error::Transport(chain(&e)))?
    {
        if out.len() + chunk.len() > max {
            return Err(Error::Protocol(format!(
                "the answer is larger than {max} bytes"
            )));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Server-sent events (`event: request`, JSON [`RequestEvent`] data).
#[derive(Debug)]
pub struct Events {
    sse: SseStream,
}

impl Events {
    /// The next event; `None` when the server closes the stream.
    pub async fn next(&mut self) -> Option<Result<RequestEvent>> {
        self.sse.next_json("request").await
    }
}

/// A server-sent event stream: events by type, data as JSON.
#[derive(Debug)]
pub(crate) struct SseStream {
    resp: reqwest::Response,
    buf: Vec<u8>,
    event: String,
    data: String,
}

impl SseStream {
    /// The data of the next event of type `kind` (or without a type), as
    /// JSON; `None` when the server closes the stream.
    pub(crate) async fn next_json<T: DeserializeOwned>(&mut self, kind: &str) -> Option<Result<T>> {
        loop {
            while let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                let line = String::from_utf8_lossy(&line).into_owned();
                if line.is_empty() {
                    let event = std::mem::take(&mut self.event);
                    let data = std::mem::take(&mut self.data);
                    if data.is_empty() || !(event.is_empty() || event == kind) {
                        continue;
                    }
                    return Some(
                        serde_json::from_str(&data)
                            .map_err(|e| Error::Protocol(format!("invalid event data: {e}"))),
                    );
                }
                if line.starts_with(':') {
                    continue; // keep-alive comment
                }
                let (field, value) = match line.split_once(':') {
                    Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                    None => (line.as_str(), ""),
                };
                match field {
                    "event" => self.event = value.to_string(),
                    "data" => {
                        if !self.data.is_empty() {
                            self.data.push('\n');
                        }
                        self.data.push_str(value);
                    }
                    _ => {}
                }
            }
            if self.buf.len() > MAX_JSON {
                return Some(Err(Error::Protocol("an event is too large".into())));
            }
            match self.resp.chunk().await {
                Ok(Some(c)) => self.buf.extend_from_slice(&c),
                Ok(None) => return None,
                Err(e) => return Some(Err(Error::Transport(chain(&e)))),
            }
        }
    }
}

/// Whether an HTTP status means the session is gone.
pub fn is_unauthorized(e: &Error) -> bool {
    matches!(e, Error::Api { status, .. } if *status == StatusCode::UNAUTHORIZED.as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_for_loopback() {
        for ok in [
            "http://127.0.0.1:8443",
            "http://localhost:1/api/v1/",
            "http://[::1]:8443/",
            "https://kyso.hagiang.gov.vn",
            "https://kyso.hagiang.gov.vn:8443/api/v1",
        ] {
            assert!(server_root(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://kyso.hagiang.gov.vn",
            "http://10.0.0.1:8443",
            "ftp://127.0.0.1",
            "https://user:pw@host",
            "https://host/other/path",
            "not a url",
        ] {
            assert!(
                matches!(server_root(bad), Err(Error::Url(_))),
                "{bad} is refused"
            );
        }
        assert_eq!(
            server_root("https://h:8443/api/v1/").expect("ok").as_str(),
            "https://h:8443/",
            "the /api/v1 suffix is the same server"
        );
    }

    #[test]
    fn urls_escape_ids() {
        let c = Client::new("http://127.0.0.1:1", None).expect("client");
        assert_eq!(
            c.url(&["device", "requests", "a/b?c", "document"]).as_str(),
            "http://127.0.0.1:1/api/v1/device/requests/a%2Fb%3Fc/document"
        );
        let shown = format!("{:?}", c.with_token(Secret::from("kyso_s_secret")));
        assert!(!shown.contains("kyso_s_secret"), "{shown}");
    }
}
