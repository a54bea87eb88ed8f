//! Firebase Cloud Messaging, HTTP v1 API.
//!
//! * `POST {endpoint}/v1/projects/{project_id}/messages:send` with
//!   `{"message": {"token", "data": {request_id, urgency, category},
//!   "android": {"priority", "ttl"}}}`: a data message, no `notification`
//!   block (it would need text); the app builds the notification itself.
//! * Authorised by an OAuth2 access token from the service account's
//!   `token_uri`: a JWT (RS256, signed with the service account's key;
//!   `iss`, `scope`, `aud` = `token_uri`, `iat`, `exp`) exchanged with
//!   `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`. The token is
//!   cached until shortly before it expires, and fetched again when FCM
//!   answers 401.
//! * Errors as FCM documents them (`google.firebase.fcm.v1.FcmError`):
//!   `UNREGISTERED` (404) means the token is gone; `QUOTA_EXCEEDED` (429),
//!   `UNAVAILABLE` (503) and `INTERNAL` (500) are retried, after
//!   `Retry-After` when given; `INVALID_ARGUMENT` (400) and the other
//!   4xx are given up.

use std::path::Path;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Deserialize;
use time::OffsetDateTime;

use super::{Push, Sender, Sent, jwt};
use crate::outbox::retry_after;

/// The OAuth2 scope for sending with FCM.
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

/// The JWT-bearer grant (RFC 7523).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// FCM's production endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://fcm.googleapis.com";

/// How long an assertion is valid (Google accepts at most an hour).
const ASSERTION_LIFETIME: i64 = 3600;

/// A Google service account, as in the JSON key file Firebase gives.
#[derive(Clone)]
pub struct ServiceAccount {
    /// The Firebase project.
    pub project_id: String,
    /// The account (`iss` of the assertion).
    pub client_email: String,
    /// The key's id (`kid`).
    pub private_key_id: String,
    /// Where assertions are exchanged for access tokens (`aud`).
    pub token_uri: String,
    key: rsa::RsaPrivateKey,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .field("private_key_id", &self.private_key_id)
            .field("token_uri", &self.token_uri)
            .field("key", &"<redacted>")
            .finish()
    }
}

#[derive(Deserialize)]
struct ServiceAccountJson {
    #[serde(rename = "type")]
    kind: String,
    project_id: String,
    private_key_id: String,
    private_key: String,
    client_email: String,
    token_uri: String,
}

impl ServiceAccount {
    /// Parses a service account key file (JSON, `"type": "service_account"`,
    /// an RSA key in PKCS#8 PEM).
    pub fn from_json(text: &str) -> Result<Self, String> {
        use rsa::pkcs8::DecodePrivateKey;
        let j: ServiceAccountJson = serde_json::from_str(text)
            .map_err(|e| format!("not a service account key file: {e}"))?;
        if j.kind != "service_account" {
            return Err(format!(
                "the key file is of type {:?}, not service_account",
                j.kind
            ));
        }
        if !(j.token_uri.starts_with("https://") || j.token_uri.starts_with("http://")) {
            return Err("token_uri must be an http(s) URL".into());
        }
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(&j.private_key)
            .map_err(|e| format!("private_key is not an RSA key in PKCS#8 PEM: {e}"))?;
        Ok(Self {
            project_id: j.project_id,
            client_email: j.client_email,
            private_key_id: j.private_key_id,
            token_uri: j.token_uri,
            key,
        })
    }

    /// Reads a service account key file.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The signed assertion for the token endpoint, issued at `now`.
    pub fn assertion(&self, now: OffsetDateTime) -> String {
        let iat = now.unix_timestamp();
        jwt::rs256(
            &serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": self.private_key_id}),
            &serde_json::json!({
                "iss": self.client_email,
                "scope": SCOPE,
                "aud": self.token_uri,
                "iat": iat,
                "exp": iat + ASSERTION_LIFETIME,
            }),
            &self.key,
        )
    }
}

/// How the gateway sends through FCM.
#[derive(Debug, Clone)]
pub struct FcmConfig {
    /// The service account.
    pub service_account: ServiceAccount,
    /// The FCM API root ([`DEFAULT_ENDPOINT`]; tests: a local fake).
    pub endpoint: String,
}

impl FcmConfig {
    /// FCM's own endpoint with the service account in `path`.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        Ok(Self {
            service_account: ServiceAccount::from_file(path)?,
            endpoint: DEFAULT_ENDPOINT.into(),
        })
    }
}

/// A cached access token.
struct AccessToken {
    value: String,
    /// Used until then (shortly before it expires).
    until: OffsetDateTime,
}

/// The FCM sender.
pub struct Fcm {
    config: FcmConfig,
    http: reqwest::Client,
    token: tokio::sync::Mutex<Option<AccessToken>>,
}

impl std::fmt::Debug for Fcm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fcm")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: i64,
}

/// How long before its expiry a token is no longer used: five minutes, or
/// half its life when that is shorter.
fn margin(expires_in: i64) -> i64 {
    (expires_in / 2).min(300)
}

impl Fcm {
    /// A sender for `config`.
    pub fn new(config: FcmConfig, http: reqwest::Client) -> Self {
        Self {
            config,
            http,
            token: tokio::sync::Mutex::new(None),
        }
    }

    /// A valid access token: the cached one unless `renew` or it is about to
    /// expire, else a new one from the token endpoint.
    async fn access_token(&self, now: OffsetDateTime, renew: bool) -> Result<String, Sent> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref()
            && !renew
            && now < t.until
        {
            return Ok(t.value.clone());
        }
        *cached = None;
        let sa = &self.config.service_account;
        let resp = self
            .http
            .post(&sa.token_uri)
            .form(&[
                ("grant_type", GRANT_TYPE),
                ("assertion", &sa.assertion(now)),
            ])
            .send()
            .await
            .map_err(|e| Sent::Retry {
                error: format!("FCM token endpoint: {}", super::without_url(e)),
                retry_after: None,
            })?;
        let status = resp.status();
        if !status.is_success() {
            // `{"error": "invalid_grant", …}`: the code only; the description
            // may repeat what was sent.
            let code = resp
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned))
                .unwrap_or_default();
            return Err(Sent::Retry {
                error: format!("FCM token endpoint: HTTP {} {code}", status.as_u16()),
                retry_after: None,
            });
        }
        let t: TokenResponse = resp.json().await.map_err(|e| Sent::Retry {
            error: format!(
                "FCM token endpoint: unreadable answer: {}",
                super::without_url(e)
            ),
            retry_after: None,
        })?;
        let value = t.access_token.clone();
        *cached = Some(AccessToken {
            value: t.access_token,
            until: now + time::Duration::seconds(t.expires_in - margin(t.expires_in)),
        });
        Ok(value)
    }

    /// The message for `push`.
    pub fn message(push: &Push<'_>, now: OffsetDateTime) -> serde_json::Value {
        let p = push.payload;
        let ttl = (push.expires - now).whole_seconds().max(0);
        serde_json::json!({
            "message": {
                "token": push.token,
                "data": {
                    "request_id": p.request_id,
                    "urgency": p.urgency_str(),
                    "category": p.category.as_str(),
                },
                "android": {
                    "priority": if p.is_urgent() { "HIGH" } else { "NORMAL" },
                    "ttl": format!("{ttl}s"),
                },
            }
        })
    }

    async fn send_once(
        &self,
        push: &Push<'_>,
        now: OffsetDateTime,
        access_token: &str,
    ) -> Result<reqwest::Response, Sent> {
        let url = format!(
            "{}/v1/projects/{}/messages:send",
            self.config.endpoint.trim_end_matches('/'),
            self.config.service_account.project_id
        );
        self.http
            .post(url)
            .bearer_auth(access_token)
            .json(&Self::message(push, now))
            .send()
            .await
            .map_err(|e| Sent::Retry {
                error: format!("FCM: {}", super::without_url(e)),
                retry_after: None,
            })
    }

    async fn send_push(&self, push: &Push<'_>, now: OffsetDateTime) -> Sent {
        let mut renewed = false;
        loop {
            let token = match self.access_token(now, renewed).await {
                Ok(t) => t,
                Err(sent) => return sent,
            };
            let resp = match self.send_once(push, now, &token).await {
                Ok(r) => r,
                Err(sent) => return sent,
            };
            let status = resp.status();
            if status.is_success() {
                return Sent::Delivered;
            }
            let wait = retry_after(resp.headers(), now);
            let body = resp.json::<serde_json::Value>().await.unwrap_or_default();
            let error = FcmError::from_body(status.as_u16(), &body);
            if status == reqwest::StatusCode::UNAUTHORIZED
                && error.code != "THIRD_PARTY_AUTH_ERROR"
                && !renewed
            {
                // The access token was refused (expired or revoked early):
                // once more with a new one.
                renewed = true;
                continue;
            }
            return error.verdict(wait);
        }
    }
}

/// An FCM error answer: the HTTP status, the canonical `error.status`
/// and the FCM `errorCode` from `error.details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FcmError {
    /// HTTP status.
    pub http: u16,
    /// `error.status` (`NOT_FOUND`, `INVALID_ARGUMENT`, …).
    pub status: String,
    /// The `FcmError` detail's `errorCode` (`UNREGISTERED`, …), else `status`.
    pub code: String,
}

impl FcmError {
    /// Reads `{"error": {"code", "status", "details": [{"@type": "…FcmError", "errorCode"}]}}`.
    pub fn from_body(http: u16, body: &serde_json::Value) -> Self {
        let e = &body["error"];
        let status = e["status"].as_str().unwrap_or_default().to_string();
        let code = e["details"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| {
                d["@type"]
                    .as_str()
                    .is_some_and(|t| t.ends_with("google.firebase.fcm.v1.FcmError"))
            })
            .and_then(|d| d["errorCode"].as_str())
            .map_or_else(|| status.clone(), str::to_owned);
        Self { http, status, code }
    }

    /// What to do about it.
    pub fn verdict(&self, retry_after: Option<Duration>) -> Sent {
        let error = format!("FCM: HTTP {} {}", self.http, self.code);
        if self.code == "UNREGISTERED" || self.http == 404 {
            return Sent::TokenGone(error);
        }
        if self.http == 429 || self.http == 401 || self.http >= 500 {
            return Sent::Retry { error, retry_after };
        }
        Sent::GiveUp(error)
    }
}

impl Sender for Fcm {
    fn send<'a>(&'a self, push: &'a Push<'a>, now: OffsetDateTime) -> BoxFuture<'a, Sent> {
        Box::pin(self.send_push(push, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(http: u16, status: &str, code: Option<&str>) -> serde_json::Value {
        let details = code.map_or_else(Vec::new, |c| {
            vec![serde_json::json!({"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": c})]
        });
        serde_json::json!({"error": {"code": http, "message": "m", "status": status, "details": details}})
    }

    #[test]
    fn documented_errors_map_to_what_the_docs_say() {
        let gone = FcmError::from_body(404, &err(404, "NOT_FOUND", Some("UNREGISTERED")));
        assert_eq!(gone.code, "UNREGISTERED", "the FcmError detail");
        assert!(
            matches!(gone.verdict(None), Sent::TokenGone(_)),
            "token gone"
        );
        let wait = Some(Duration::from_secs(30));
        for (http, status, code) in [
            (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"),
            (503, "UNAVAILABLE", "UNAVAILABLE"),
            (500, "INTERNAL", "INTERNAL"),
        ] {
            let e = FcmError::from_body(http, &err(http, status, Some(code)));
            assert_eq!(
                e.verdict(wait),
                Sent::Retry {
                    error: format!("FCM: HTTP {http} {code}"),
                    retry_after: wait
                },
                "{code} is retried after Retry-After"
            );
        }
        let bad = FcmError::from_body(400, &err(400, "INVALID_ARGUMENT", Some("INVALID_ARGUMENT")));
        assert!(matches!(bad.verdict(None), Sent::GiveUp(_)), "given up");
        let bare = FcmError::from_body(404, &err(404, "NOT_FOUND", None));
        assert_eq!(bare.code, "NOT_FOUND", "without details, the status");
        assert!(
            matches!(bare.verdict(None), Sent::TokenGone(_)),
            "404 alone"
        );
        let junk = FcmError::from_body(502, &serde_json::Value::Null);
        assert!(
            matches!(junk.verdict(None), Sent::Retry { .. }),
            "a proxy's 502"
        );
    }

    #[test]
    fn tokens_are_renewed_shortly_before_expiry() {
        assert_eq!(margin(3599), 300, "five minutes early");
        assert_eq!(margin(120), 60, "half the life of a short token");
    }
}
