//! Apple Push Notification service over HTTP/2, token-based.
//!
//! * `POST {endpoint}/3/device/{token}` over HTTP/2 (the client speaks
//!   only HTTP/2: ALPN `h2` over TLS; prior knowledge over plain HTTP,
//!   which only the local test fake uses).
//! * `authorization: bearer <JWT>`: ES256, signed with the team's P-256
//!   key (`.p8`), header `kid` = key id, claims `iss` = team id and `iat`.
//!   Apple refuses a token older than an hour and one renewed more often
//!   than every 20 minutes: it is renewed after 40 minutes, never sooner
//!   than 20, and on `ExpiredProviderToken` when it is at least 20 minutes
//!   old ([`renewal`]).
//! * Headers set deliberately: `apns-push-type: alert` (the app shows a
//!   notification), `apns-priority` 10 for urgent documents (at once) and 5
//!   otherwise (as power allows), `apns-expiration` (the request's deadline
//!   or a day, whichever is sooner: a late "new document" is noise),
//!   `apns-collapse-id` = the request id (a retry that reached the phone
//!   twice shows once), `apns-id` = the outbox row, `apns-topic` = the
//!   app's bundle id.
//! * Body: `aps.alert` with localisation keys only (the text lives in the
//!   app), `aps.category` for the actions, and the payload's fields.
//! * Reasons as Apple documents them: `BadDeviceToken` (400),
//!   `Unregistered`/`ExpiredToken` (410) mean the token is gone;
//!   `TooManyRequests` (429) and 5xx are retried; `ExpiredProviderToken`
//!   (403) renews the JWT and retries.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::future::BoxFuture;
use time::OffsetDateTime;

use super::{Push, Sender, Sent, jwt};
use crate::outbox::retry_after;

/// APNs production endpoint.
pub const PRODUCTION_ENDPOINT: &str = "https://api.push.apple.com";
/// APNs development (sandbox) endpoint, for development builds of the app.
pub const SANDBOX_ENDPOINT: &str = "https://api.sandbox.push.apple.com";

/// A provider token is renewed once this old.
pub const RENEW_AFTER: time::Duration = time::Duration::minutes(40);
/// Apple refuses renewals more frequent than this.
pub const MIN_RENEWAL_INTERVAL: time::Duration = time::Duration::minutes(20);
/// Apple refuses tokens older than this.
pub const MAX_AGE: time::Duration = time::Duration::minutes(60);

/// How the gateway sends through APNs.
#[derive(Clone)]
pub struct ApnsConfig {
    key: p256::ecdsa::SigningKey,
    /// The key's id (10 characters, from the developer account).
    pub key_id: String,
    /// The team id (`iss`).
    pub team_id: String,
    /// The app's bundle id (`apns-topic`).
    pub topic: String,
    /// [`PRODUCTION_ENDPOINT`], [`SANDBOX_ENDPOINT`] or a local fake.
    pub endpoint: String,
}

impl std::fmt::Debug for ApnsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApnsConfig")
            .field("key", &"<redacted>")
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .field("topic", &self.topic)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl ApnsConfig {
    /// From the team's key (`AuthKey_<KEYID>.p8`: PKCS#8 PEM, P-256) and
    /// its ids, for the production endpoint.
    pub fn from_p8(pem: &str, key_id: &str, team_id: &str, topic: &str) -> Result<Self, String> {
        use p256::pkcs8::DecodePrivateKey;
        let key = p256::ecdsa::SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| format!("the APNs key is not a P-256 key in PKCS#8 PEM: {e}"))?;
        let id_ok = |s: &str| {
            !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric())
        };
        if !id_ok(key_id) || !id_ok(team_id) {
            return Err("the APNs key id and team id are letters and digits".into());
        }
        if topic.is_empty()
            || !topic
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
        {
            return Err("the APNs topic is the app's bundle id".into());
        }
        Ok(Self {
            key,
            key_id: key_id.into(),
            team_id: team_id.into(),
            topic: topic.into(),
            endpoint: PRODUCTION_ENDPOINT.into(),
        })
    }

    /// [`ApnsConfig::from_p8`] with the key read from `path`.
    pub fn from_file(
        path: &Path,
        key_id: &str,
        team_id: &str,
        topic: &str,
    ) -> Result<Self, String> {
        let pem = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_p8(&pem, key_id, team_id, topic).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A provider token issued at `now`.
    pub fn provider_token(&self, now: OffsetDateTime) -> String {
        jwt::es256(
            &serde_json::json!({"alg": "ES256", "kid": self.key_id}),
            &serde_json::json!({"iss": self.team_id, "iat": now.unix_timestamp()}),
            &self.key,
        )
    }
}

/// The provider token in use.
#[derive(Clone)]
struct ProviderToken {
    jwt: String,
    issued: OffsetDateTime,
    /// APNs called it expired: renew as soon as allowed.
    stale: bool,
}

/// What to do with the provider token at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// Use it.
    Keep,
    /// Make a new one.
    Renew,
    /// It must not be used and may not be renewed before this instant.
    WaitUntil(OffsetDateTime),
}

/// The renewal rule: a token issued at `issued` (`None`: no token yet),
/// called expired by APNs if `stale`, at `now`.
pub fn renewal(issued: Option<OffsetDateTime>, stale: bool, now: OffsetDateTime) -> Renewal {
    let Some(issued) = issued else {
        return Renewal::Renew;
    };
    let age = now - issued;
    if age >= RENEW_AFTER || age < time::Duration::ZERO {
        // Old (or the clock went back): Apple would refuse it soon.
        Renewal::Renew
    } else if stale {
        if age >= MIN_RENEWAL_INTERVAL {
            Renewal::Renew
        } else {
            Renewal::WaitUntil(issued + MIN_RENEWAL_INTERVAL)
        }
    } else {
        Renewal::Keep
    }
}

/// The APNs sender.
pub struct Apns {
    config: ApnsConfig,
    http: reqwest::Client,
    token: Mutex<Option<ProviderToken>>,
}

impl std::fmt::Debug for Apns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Apns")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Apns {
    /// A sender for `config`; `http` must speak HTTP/2 only
    /// (`http2_prior_knowledge`, which over TLS offers ALPN `h2` alone).
    pub fn new(config: ApnsConfig, http: reqwest::Client) -> Self {
        Self {
            config,
            http,
            token: Mutex::new(None),
        }
    }

    /// The provider token to use at `now`, renewed by the rule.
    fn provider_token(&self, now: OffsetDateTime) -> Result<String, Sent> {
        let mut cached = self.token.lock().unwrap_or_else(|p| p.into_inner());
        let current = cached.as_ref();
        match renewal(
            current.map(|t| t.issued),
            current.is_some_and(|t| t.stale),
            now,
        ) {
            Renewal::Keep => Ok(current.map(|t| t.jwt.clone()).unwrap_or_default()),
            Renewal::Renew => {
                let jwt = self.config.provider_token(now);
                *cached = Some(ProviderToken {
                    jwt: jwt.clone(),
                    issued: now,
                    stale: false,
                });
                Ok(jwt)
            }
            Renewal::WaitUntil(t) => Err(Sent::Retry {
                error:
                    "APNs: ExpiredProviderToken, and the token may not be renewed yet (clock skew?)"
                        .into(),
                retry_after: Duration::try_from(t - now).ok(),
            }),
        }
    }

    fn mark_stale(&self, jwt: &str) {
        let mut cached = self.token.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = cached.as_mut().filter(|t| t.jwt == jwt) {
            t.stale = true;
        }
    }

    /// The JSON body for `push`.
    pub fn body(push: &Push<'_>) -> serde_json::Value {
        let p = push.payload;
        serde_json::json!({
            "aps": {
                "alert": {
                    "title-loc-key": p.category.apns_title_loc_key(),
                    "loc-key": p.category.apns_loc_key(),
                },
                "category": p.category.as_str(),
                "sound": "default",
            },
            "request_id": p.request_id,
            "urgency": p.urgency_str(),
            "category": p.category.as_str(),
        })
    }

    async fn send_push(&self, push: &Push<'_>, now: OffsetDateTime) -> Sent {
        if !super::valid_apns_token(push.token) {
            return Sent::TokenGone("APNs: the token is not a device token".into());
        }
        let url = format!(
            "{}/3/device/{}",
            self.config.endpoint.trim_end_matches('/'),
            push.token
        );
        let body = Self::body(push).to_string();
        let mut renewed = false;
        loop {
            let jwt = match self.provider_token(now) {
                Ok(j) => j,
                Err(sent) => return sent,
            };
            let result = self
                .http
                .post(&url)
                .header("authorization", format!("bearer {jwt}"))
                .header("apns-topic", &self.config.topic)
                .header("apns-push-type", "alert")
                .header(
                    "apns-priority",
                    if push.payload.is_urgent() { "10" } else { "5" },
                )
                .header(
                    "apns-expiration",
                    push.expires.unix_timestamp().max(0).to_string(),
                )
                .header("apns-collapse-id", &push.payload.request_id)
                .header("apns-id", push.id)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await;
            let resp = match result {
                Ok(r) => r,
                // The URL holds the device token: never in an error.
                Err(e) => {
                    return Sent::Retry {
                        error: format!("APNs: {}", super::without_url(e)),
                        retry_after: None,
                    };
                }
            };
            let status = resp.status().as_u16();
            if resp.status().is_success() {
                return Sent::Delivered;
            }
            let wait = retry_after(resp.headers(), now);
            let reason = resp
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|v| v["reason"].as_str().map(str::to_owned))
                .unwrap_or_default();
            if reason == "ExpiredProviderToken" && !renewed {
                self.mark_stale(&jwt);
                renewed = true;
                continue;
            }
            return verdict(status, &reason, wait);
        }
    }
}

/// What to do about an APNs error answer.
pub fn verdict(status: u16, reason: &str, retry_after: Option<Duration>) -> Sent {
    let error = format!("APNs: HTTP {status} {reason}");
    match (status, reason) {
        (400, "BadDeviceToken") | (410, _) => Sent::TokenGone(error),
        (429, _) | (500.., _) => Sent::Retry { error, retry_after },
        // Ours to fix (a key, a team id, a token renewed too often), not
        // the message's: retried, within the bound.
        (403, "ExpiredProviderToken" | "InvalidProviderToken" | "TooManyProviderTokenUpdates") => {
            Sent::Retry { error, retry_after }
        }
        _ => Sent::GiveUp(error),
    }
}

impl Sender for Apns {
    fn send<'a>(&'a self, push: &'a Push<'a>, now: OffsetDateTime) -> BoxFuture<'a, Sent> {
        Box::pin(self.send_push(push, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn provider_tokens_are_renewed_within_apples_window() {
        let t0 = datetime!(2026-03-05 07:00:00 UTC);
        let m = time::Duration::minutes;
        assert_eq!(renewal(None, false, t0), Renewal::Renew, "the first one");
        assert_eq!(
            renewal(Some(t0), false, t0 + m(39)),
            Renewal::Keep,
            "kept below 40 min"
        );
        assert_eq!(
            renewal(Some(t0), false, t0 + m(40)),
            Renewal::Renew,
            "renewed at 40 min"
        );
        assert_eq!(
            renewal(Some(t0), false, t0 + m(90)),
            Renewal::Renew,
            "never older than 60"
        );
        assert_eq!(
            renewal(Some(t0), true, t0 + m(5)),
            Renewal::WaitUntil(t0 + m(20)),
            "called expired, but renewing now would be too often"
        );
        assert_eq!(
            renewal(Some(t0), true, t0 + m(25)),
            Renewal::Renew,
            "called expired, renewed"
        );
        assert_eq!(
            renewal(Some(t0), false, t0 - m(1)),
            Renewal::Renew,
            "the clock went back"
        );
    }

    #[test]
    fn documented_reasons_map_to_what_apple_says() {
        assert!(
            matches!(verdict(400, "BadDeviceToken", None), Sent::TokenGone(_)),
            "bad token"
        );
        assert!(
            matches!(verdict(410, "Unregistered", None), Sent::TokenGone(_)),
            "unregistered"
        );
        assert!(
            matches!(verdict(410, "ExpiredToken", None), Sent::TokenGone(_)),
            "expired token"
        );
        let wait = Some(Duration::from_secs(5));
        assert_eq!(
            verdict(429, "TooManyRequests", wait),
            Sent::Retry {
                error: "APNs: HTTP 429 TooManyRequests".into(),
                retry_after: wait
            },
            "throttled"
        );
        assert!(
            matches!(verdict(503, "ServiceUnavailable", None), Sent::Retry { .. }),
            "down"
        );
        assert!(
            matches!(
                verdict(500, "InternalServerError", None),
                Sent::Retry { .. }
            ),
            "failing"
        );
        assert!(
            matches!(
                verdict(400, "DeviceTokenNotForTopic", None),
                Sent::GiveUp(_)
            ),
            "another app"
        );
        assert!(
            matches!(verdict(413, "PayloadTooLarge", None), Sent::GiveUp(_)),
            "ours, for good"
        );
    }
}
