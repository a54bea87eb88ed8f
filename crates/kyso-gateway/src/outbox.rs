//! The durable outboxes: webhooks here, pushes in `push`. Rows are written
//! in the same transaction as the change they announce and delivered by a
//! worker; they survive restarts because they are only rows. The rules
//! both queues follow live here, once:
//!
//! * claiming what is due ([`claim_due`]): each row is leased for
//!   [`LEASE`] before it is sent, so two gateways sharing a PostgreSQL
//!   database never send the same row twice, and a row whose sender died
//!   is sent again once the lease ends;
//! * settling an attempt ([`settle`]): delivered; retried after an
//!   exponential backoff with jitter, never sooner than the receiver's
//!   `Retry-After` ([`RetryPolicy::delay`]); given up after a bound, which
//!   is recorded in the row and the audit log; or dropped (no longer
//!   deliverable or needed), recorded in the row.
//!
//! Webhooks carry an HMAC-SHA256 signature (`X-Kyso-Signature:
//! sha256=<hex>`) of the body under the integrator's secret.

use std::future::Future;
use std::time::Duration;

use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use sqlx::Row;
use time::OffsetDateTime;

use crate::state::AppState;
use crate::store::hex;

/// Attempts before a webhook delivery is marked failed.
pub const MAX_ATTEMPTS: i64 = RetryPolicy::WEBHOOKS.max_attempts;

/// How long a claimed row is left to its sender before another worker may
/// take it (longer than a batch of sends can take).
pub const LEASE: Duration = Duration::from_secs(600);

/// Rows claimed at once.
const BATCH: i64 = 20;

/// The longest `Retry-After` taken as given; a longer one is cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// When to try again, and when to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; it doubles with each further one.
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
    /// Attempts before giving up.
    pub max_attempts: i64,
}

impl RetryPolicy {
    /// Webhooks: 2 s, 4 s, 8 s … at most an hour apart, 12 attempts.
    pub const WEBHOOKS: RetryPolicy = RetryPolicy {
        base: Duration::from_secs(2),
        cap: Duration::from_secs(3600),
        max_attempts: 12,
    };

    /// Pushes: 2 s, 4 s, 8 s … at most 30 minutes apart, 10 attempts (about
    /// 40 minutes in all; a push also expires, see `push`).
    pub const PUSH: RetryPolicy = RetryPolicy {
        base: Duration::from_secs(2),
        cap: Duration::from_secs(1800),
        max_attempts: 10,
    };

    /// The wait after `attempts` failures without jitter: `base · 2^(attempts-1)`,
    /// at most `cap`.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let doublings = attempts.clamp(1, 31) as u32 - 1;
        self.base.saturating_mul(1u32 << doublings).min(self.cap)
    }

    /// The wait after `attempts` failures: the backoff, or the receiver's
    /// `Retry-After` when that is longer (at most [`MAX_RETRY_AFTER`]), plus
    /// up to a quarter of the backoff at random (`jitter` in `[0, 1]`), so
    /// that deliveries that failed together do not retry together.
    pub fn delay(&self, attempts: i64, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let backoff = self.backoff(attempts);
        let floor = backoff.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER));
        floor + backoff.mul_f64(jitter.clamp(0.0, 1.0) / 4.0)
    }
}

/// Seconds to wait after `attempts` failures of a webhook, without jitter:
/// 2, 4, 8 … capped at one hour.
pub fn backoff(attempts: i64) -> i64 {
    RetryPolicy::WEBHOOKS.backoff(attempts).as_secs() as i64
}

/// A uniform random number in `[0, 1]`.
pub fn jitter() -> f64 {
    f64::from(OsRng.next_u32()) / f64::from(u32::MAX)
}

/// The `Retry-After` of a response: delay-seconds or an HTTP-date
/// (RFC 9110 §10.2.3), as a wait from `now`.
pub fn retry_after(headers: &reqwest::header::HeaderMap, now: OffsetDateTime) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(v, fmt).ok()?.assume_utc();
    Some(Duration::try_from(at - now).unwrap_or_default())
}

/// `sha256=<hex>` of the HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    #[allow(clippy::expect_used)]
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// A durable queue: its table (columns `id`, `attempts`, `next_at`,
/// `status`, `last_error`) and the name its audit entries use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// `outbox`: webhooks to document systems.
    Webhooks,
    /// `push_outbox`: push notifications to devices.
    Push,
}

impl Queue {
    fn table(self) -> &'static str {
        match self {
            Queue::Webhooks => "outbox",
            Queue::Push => "push_outbox",
        }
    }

    /// Audit subject prefix and action prefix (`webhook_failed`, `push_failed`).
    fn name(self) -> &'static str {
        match self {
            Queue::Webhooks => "webhook",
            Queue::Push => "push",
        }
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver took it.
    Delivered,
    /// Try again later (no sooner than `retry_after`), unless that was the
    /// last attempt.
    Retry {
        /// What went wrong (no secrets, no document text).
        error: String,
        /// The receiver's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// It can never be delivered: give up now.
    GiveUp {
        /// Why.
        error: String,
    },
    /// Nothing to deliver any more (the token is gone, the device revoked,
    /// the request no longer pending): not a failure.
    Drop {
        /// Why.
        reason: String,
    },
}

/// Where a row ended up after [`settle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Delivered.
    Delivered,
    /// Waiting for another attempt.
    Pending,
    /// Given up (audited).
    Failed,
    /// Dropped.
    Dropped,
}

impl Settled {
    /// The row's `status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Settled::Delivered => "delivered",
            Settled::Pending => "pending",
            Settled::Failed => "failed",
            Settled::Dropped => "dropped",
        }
    }
}

/// One attempt at delivering a row.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    /// The queue.
    pub queue: Queue,
    /// The row.
    pub id: &'a str,
    /// Attempts made, this one included (a row dropped or expired without
    /// being sent counts none).
    pub attempts: i64,
    /// No retry after this instant (a push's expiry).
    pub give_up_by: Option<OffsetDateTime>,
    /// What the row is about, for the audit log (`request …, device …`).
    pub about: String,
}

/// The rows of `queue` that are due, oldest first, each claimed for
/// [`LEASE`]: `columns` (the first must be `id`) as selected. A row another
/// worker claimed in the meantime is left out.
pub async fn claim_due(
    state: &AppState,
    queue: Queue,
    columns: &str,
) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    let db = &state.db;
    let table = queue.table();
    let now_t = state.clock.now();
    let rows = sqlx::query(&db.sql(&format!(
        "SELECT {columns}, next_at FROM {table} WHERE status = 'pending' AND next_at <= ? ORDER BY next_at LIMIT {BATCH}"
    )))
    .bind(crate::now_rfc3339(now_t))
    .fetch_all(db.pool())
    .await?;
    if rows.is_empty() {
        return Ok(rows);
    }
    let until = crate::now_rfc3339(now_t + LEASE);
    let last = rows.first().map_or(0, |r| r.len() - 1);
    let mut claimed = Vec::with_capacity(rows.len());
    let mut w = db.begin_write().await?;
    for r in rows {
        let (id, next_at): (String, String) = (r.try_get(0)?, r.try_get(last)?);
        let done = sqlx::query(&db.sql(&format!(
            "UPDATE {table} SET next_at = ? WHERE id = ? AND status = 'pending' AND next_at = ?"
        )))
        .bind(&until)
        .bind(&id)
        .bind(&next_at)
        .execute(&mut *w.tx)
        .await?;
        if done.rows_affected() == 1 {
            claimed.push(r);
        }
    }
    w.tx.commit().await?;
    Ok(claimed)
}

/// Records how an attempt ended: the row's status, attempts, next attempt
/// and last error; a give-up also in the audit log (`webhook_failed`,
/// `push_failed`).
pub async fn settle(
    state: &AppState,
    policy: &RetryPolicy,
    attempt: &Attempt<'_>,
    outcome: Outcome,
) -> Result<Settled, sqlx::Error> {
    let db = &state.db;
    let table = attempt.queue.table();
    let now_t = state.clock.now();
    let (settled, next, error) = match outcome {
        Outcome::Delivered => (Settled::Delivered, None, None),
        Outcome::Drop { reason } => (Settled::Dropped, None, Some(reason)),
        Outcome::GiveUp { error } => (Settled::Failed, None, Some(error)),
        Outcome::Retry { error, retry_after } => {
            let next = now_t + policy.delay(attempt.attempts, retry_after, jitter());
            if attempt.attempts >= policy.max_attempts {
                let error = format!("{error}; gave up after {} attempts", attempt.attempts);
                (Settled::Failed, None, Some(error))
            } else if attempt.give_up_by.is_some_and(|by| next >= by) {
                (
                    Settled::Failed,
                    None,
                    Some(format!("{error}; it would expire before the next attempt")),
                )
            } else {
                (Settled::Pending, Some(next), Some(error))
            }
        }
    };
    if settled == Settled::Failed {
        tracing::warn!(
            queue = attempt.queue.name(),
            id = attempt.id,
            attempts = attempt.attempts,
            error = error.as_deref().unwrap_or(""),
            "delivery given up"
        );
    } else if settled == Settled::Pending {
        tracing::info!(
            queue = attempt.queue.name(),
            id = attempt.id,
            attempts = attempt.attempts,
            error = error.as_deref().unwrap_or(""),
            "delivery failed; will retry"
        );
    }
    let mut w = db.begin_write().await?;
    let sql = match next {
        Some(_) => format!(
            "UPDATE {table} SET status = ?, attempts = ?, last_error = ?, next_at = ? WHERE id = ?"
        ),
        None => format!("UPDATE {table} SET status = ?, attempts = ?, last_error = ? WHERE id = ?"),
    };
    let sql = db.sql(&sql);
    let mut q = sqlx::query(&sql)
        .bind(settled.as_str())
        .bind(attempt.attempts)
        .bind(error.clone());
    if let Some(n) = next {
        q = q.bind(crate::now_rfc3339(n));
    }
    q.bind(attempt.id).execute(&mut *w.tx).await?;
    if settled == Settled::Failed {
        let name = attempt.queue.name();
        crate::audit::append(
            db,
            &mut w.tx,
            &crate::now_rfc3339(now_t),
            "gateway",
            &format!("{name}_failed"),
            &format!("{name}:{}", attempt.id),
            &format!("{}: {}", attempt.about, error.unwrap_or_default()),
        )
        .await?;
    }
    w.tx.commit().await?;
    Ok(settled)
}

/// Delivers the webhooks that are due once; returns how many deliveries
/// were attempted.
pub async fn deliver_due(state: &AppState, http: &reqwest::Client) -> Result<usize, sqlx::Error> {
    let rows = claim_due(
        state,
        Queue::Webhooks,
        "id, url, body, secret, attempts, request_id",
    )
    .await?;
    let n = rows.len();
    for r in rows {
        let (id, url, body, secret, attempts, request_id): (
            String,
            String,
            String,
            String,
            i64,
            String,
        ) = (
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
        );
        let result = http
            .post(&url)
            .header("Content-Type", "application/json")
            .header("X-Kyso-Signature", signature(&secret, body.as_bytes()))
            .header("X-Kyso-Event", &id)
            .body(body)
            .send()
            .await;
        let outcome = match result {
            Ok(resp) if resp.status().is_success() => Outcome::Delivered,
            Ok(resp) => Outcome::Retry {
                error: format!("HTTP {}", resp.status()),
                retry_after: retry_after(resp.headers(), state.clock.now()),
            },
            Err(e) => Outcome::Retry {
                error: format!("{e}"),
                retry_after: None,
            },
        };
        let attempt = Attempt {
            queue: Queue::Webhooks,
            id: &id,
            attempts: attempts + 1,
            give_up_by: None,
            about: format!("request {request_id}"),
        };
        settle(state, &RetryPolicy::WEBHOOKS, &attempt, outcome).await?;
    }
    Ok(n)
}

/// Runs `deliver` forever (until the task is dropped): again at once while
/// it finds work, else after half a second or when `wake` is notified.
pub async fn drive<F, Fut>(name: &'static str, wake: Option<&tokio::sync::Notify>, mut deliver: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, sqlx::Error>>,
{
    loop {
        match deliver().await {
            Ok(0) => {
                let idle = tokio::time::sleep(Duration::from_millis(500));
                match wake {
                    Some(w) => {
                        tokio::select! {
                            () = idle => {},
                            () = w.notified() => {},
                        }
                    }
                    None => idle.await,
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(queue = name, error = %e, "outbox");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

/// Runs the webhook outbox forever (until the task is dropped).
pub async fn run(state: AppState) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap_or_default();
    let (state, http) = (&state, &http);
    drive("webhooks", None, || deliver_due(state, http)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "HMAC-SHA256 as the standard defines it"
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), 2, "first retry after 2 s");
        assert_eq!(backoff(5), 32, "doubling");
        assert_eq!(backoff(100), 3600, "never more than an hour");
    }

    #[test]
    fn jitter_adds_at_most_a_quarter_and_retry_after_is_a_floor() {
        let p = RetryPolicy::PUSH;
        assert_eq!(p.delay(3, None, 0.0), Duration::from_secs(8), "no jitter");
        assert_eq!(
            p.delay(3, None, 1.0),
            Duration::from_secs(10),
            "a quarter more at most"
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(120)), 0.0),
            Duration::from_secs(120),
            "never before Retry-After"
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(120)), 1.0),
            Duration::from_millis(120_500),
            "jitter on top of Retry-After is a quarter of the backoff"
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(10 * 24 * 3600)), 0.0),
            MAX_RETRY_AFTER,
            "an absurd Retry-After is cut"
        );
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..=1.0).contains(&j), "jitter in [0, 1]: {j}");
        }
    }

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now = time::macros::datetime!(2026-03-05 07:30:00 UTC);
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h, now), None, "absent");
        h.insert(reqwest::header::RETRY_AFTER, "120".parse().expect("header"));
        assert_eq!(
            retry_after(&h, now),
            Some(Duration::from_secs(120)),
            "seconds"
        );
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Thu, 05 Mar 2026 07:31:30 GMT".parse().expect("header"),
        );
        assert_eq!(
            retry_after(&h, now),
            Some(Duration::from_secs(90)),
            "an HTTP-date"
        );
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Thu, 05 Mar 2026 07:00:00 GMT".parse().expect("header"),
        );
        assert_eq!(
            retry_after(&h, now),
            Some(Duration::ZERO),
            "a date in the past"
        );
        h.insert(
            reqwest::header::RETRY_AFTER,
            "soon".parse().expect("header"),
        );
        assert_eq!(retry_after(&h, now), None, "nonsense is ignored");
    }
}
