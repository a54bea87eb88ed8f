//! Push notifications (DESIGN.md §4.5): content-free notices to the
//! leader's phones through FCM (Android) and APNs (iOS), beside the
//! Server-Sent Events the desktop and foreground apps get (`events`).
//!
//! * Devices register one push token each (`PUT
//!   /device/devices/{id}/push`, [`register`]); revoking the device
//!   forgets it (`admin::revoke_device`), and so does a provider saying
//!   the token is gone.
//! * When a request starts waiting for a leader, [`enqueue_new_request`]
//!   writes one `push_outbox` row per live device with a token, in the
//!   request's own transaction. [`deliver_due`] sends them with the rules
//!   the webhook outbox follows (`outbox`: lease, backoff with jitter,
//!   `Retry-After`, a bound, the audit log). The token is read at delivery:
//!   a revoked device or a replaced token is never pushed to.
//! * A leader's quiet hours ([`quiet`]) hold pushes about requests marked
//!   thường or khẩn until they end; thượng khẩn and hỏa tốc are never held.
//! * Some time before a pending request's deadline
//!   ([`PushConfig::reminder_lead`]), [`remind_due`] queues one
//!   `deadline_reminder` push per live device of its leader, once: the
//!   `push_reminders` row written in the same transaction has the request
//!   as its primary key (restarts, several gateways on one database).
//! * Every push carries a [`PushPayload`]: the request id, its urgency and
//!   a category the app localises; never a title or any document text
//!   (DESIGN.md §7.6). The type has no room for more.
//! * Push tokens are sealed at rest ([`seal`]: the gateway must send them,
//!   so they cannot be hashed), never logged and never audited.

pub mod apns;
pub mod fcm;
pub mod jwt;
pub mod quiet;
pub mod seal;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use kyso_api::{PushCategory, PushPayload, PushProvider, PushRegistration, Urgency};
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use crate::error::{AppError, AppResult};
use crate::outbox::{self, Attempt, Outcome, Queue, RetryPolicy, Settled};
use crate::state::AppState;

pub use apns::ApnsConfig;
pub use fcm::{FcmConfig, ServiceAccount};

/// Which providers the gateway pushes through, and its retry rule.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// FCM HTTP v1, when configured.
    pub fcm: Option<FcmConfig>,
    /// APNs, when configured.
    pub apns: Option<ApnsConfig>,
    /// When to retry and when to give up ([`RetryPolicy::PUSH`]; tests
    /// shorten the base).
    pub retry: RetryPolicy,
    /// Timeout of one request to a provider.
    pub timeout: Duration,
    /// How long before a pending request's deadline its leader is reminded
    /// ([`DEFAULT_REMINDER_LEAD`]); `None`: no reminders.
    pub reminder_lead: Option<Duration>,
}

/// Reminders come two hours before the deadline unless configured otherwise.
pub const DEFAULT_REMINDER_LEAD: Duration = Duration::from_secs(2 * 3600);

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            fcm: None,
            apns: None,
            retry: RetryPolicy::PUSH,
            timeout: Duration::from_secs(10),
            reminder_lead: Some(DEFAULT_REMINDER_LEAD),
        }
    }
}

/// One push to send.
#[derive(Debug)]
pub struct Push<'a> {
    /// The outbox row (APNs `apns-id`).
    pub id: &'a str,
    /// The device's token.
    pub token: &'a str,
    /// What it says.
    pub payload: &'a PushPayload,
    /// When it is no longer worth showing.
    pub expires: OffsetDateTime,
}

/// What a provider made of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Accepted.
    Delivered,
    /// The token will never work again: forget it.
    TokenGone(String),
    /// Try again later.
    Retry {
        /// What went wrong.
        error: String,
        /// The provider's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// This push can never be delivered.
    GiveUp(String),
}

/// A push provider.
pub trait Sender: Send + Sync + std::fmt::Debug {
    /// Sends one push at `now` (the gateway's clock: JWTs, expiry).
    fn send<'a>(&'a self, push: &'a Push<'a>, now: OffsetDateTime) -> BoxFuture<'a, Sent>;
}

/// The notifier: a sender per configured provider, the retry rule, and
/// the bell that wakes the delivery loop when a push is queued.
#[derive(Debug)]
pub struct Notifier {
    seal: seal::TokenSeal,
    fcm: Option<Arc<dyn Sender>>,
    apns: Option<Arc<dyn Sender>>,
    retry: RetryPolicy,
    wake: tokio::sync::Notify,
}

impl Notifier {
    /// The senders `config` describes, and the key that seals tokens in
    /// `data_dir`.
    pub fn new(config: &PushConfig, data_dir: &std::path::Path) -> Result<Self, String> {
        let seal = seal::TokenSeal::load_or_create(data_dir)?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        // APNs speaks only HTTP/2: ALPN h2 alone over TLS, prior knowledge
        // over plain HTTP (the local fake).
        let h2 = reqwest::Client::builder()
            .timeout(config.timeout)
            .http2_prior_knowledge()
            .build()
            .map_err(|e| format!("HTTP/2 client: {e}"))?;
        Ok(Self {
            seal,
            fcm: config
                .fcm
                .clone()
                .map(|c| Arc::new(fcm::Fcm::new(c, http)) as Arc<dyn Sender>),
            apns: config
                .apns
                .clone()
                .map(|c| Arc::new(apns::Apns::new(c, h2)) as Arc<dyn Sender>),
            retry: config.retry,
            wake: tokio::sync::Notify::new(),
        })
    }

    /// The sender of `provider`, if configured.
    pub fn sender(&self, provider: PushProvider) -> Option<&Arc<dyn Sender>> {
        match provider {
            PushProvider::Fcm => self.fcm.as_ref(),
            PushProvider::Apns => self.apns.as_ref(),
        }
    }

    /// Whether any provider is configured.
    pub fn enabled(&self) -> bool {
        self.fcm.is_some() || self.apns.is_some()
    }

    /// The push token of a device as stored (sealed), opened.
    pub fn open_token(&self, sealed: &str) -> Option<String> {
        self.seal.open(sealed)
    }

    /// Wakes the delivery loop (after a commit that queued pushes).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Whether `t` looks like an FCM registration token (URL-safe characters).
pub fn valid_fcm_token(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 4096
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_:-.".contains(c))
}

/// Whether `t` looks like an APNs device token: hex, 32 to 100 bytes
/// (Apple's are 32 today and may grow). It goes into a URL path.
pub fn valid_apns_token(t: &str) -> bool {
    t.len() % 2 == 0 && (64..=200).contains(&t.len()) && t.chars().all(|c| c.is_ascii_hexdigit())
}

/// A reqwest error without its URL (which may hold a device token).
fn without_url(e: reqwest::Error) -> String {
    e.without_url().to_string()
}

/// Sets (or replaces) the push token of `device_id`, an active device of
/// `user_id`; 404 for anyone else's or a revoked one. A token moves: it
/// is removed from any other device that had it (the phone was
/// re-enrolled), so one phone never gets a push twice or someone else's.
pub async fn register(
    state: &AppState,
    user_id: &str,
    actor: &str,
    device_id: &str,
    reg: &PushRegistration,
) -> AppResult<()> {
    let token = reg.token.trim();
    let shape_ok = match reg.provider {
        PushProvider::Fcm => valid_fcm_token(token),
        PushProvider::Apns => valid_apns_token(token),
    };
    if !shape_ok {
        return Err(AppError::bad_request(match reg.provider {
            PushProvider::Fcm => "token: an FCM registration token is required",
            PushProvider::Apns => "token: an APNs device token (hex) is required",
        }));
    }
    let token = match reg.provider {
        PushProvider::Apns => token.to_ascii_lowercase(),
        PushProvider::Fcm => token.to_string(),
    };
    let app_id = reg
        .app_id
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    if app_id.is_some_and(|a| {
        a.len() > 255
            || !a
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    }) {
        return Err(AppError::bad_request(
            "app_id: a package or bundle id of letters, digits, '.', '_' and '-'",
        ));
    }
    let db = &state.db;
    let now = state.now();
    let mut w = db.begin_write().await?;
    let mine = sqlx::query(
        &db.sql("SELECT id FROM devices WHERE id = ? AND user_id = ? AND status = 'active'"),
    )
    .bind(device_id)
    .bind(user_id)
    .fetch_optional(&mut *w.tx)
    .await?;
    if mine.is_none() {
        return Err(AppError::not_found());
    }
    let seal = &state.notifier.seal;
    let mac = seal.mac(reg.provider.as_str(), &token);
    sqlx::query(&db.sql("DELETE FROM push_tokens WHERE token_mac = ? AND device_id <> ?"))
        .bind(&mac)
        .bind(device_id)
        .execute(&mut *w.tx)
        .await?;
    sqlx::query(&db.sql(
        "INSERT INTO push_tokens (device_id, provider, token_sealed, token_mac, app_id, updated_at) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (device_id) DO UPDATE SET provider = excluded.provider, token_sealed = excluded.token_sealed, \
         token_mac = excluded.token_mac, app_id = excluded.app_id, updated_at = excluded.updated_at",
    ))
    .bind(device_id)
    .bind(reg.provider.as_str())
    .bind(seal.seal(&token))
    .bind(&mac)
    .bind(app_id)
    .bind(&now)
    .execute(&mut *w.tx)
    .await?;
    crate::audit::append(
        db,
        &mut w.tx,
        &now,
        actor,
        "push_registered",
        &format!("device:{device_id}"),
        reg.provider.as_str(),
    )
    .await?;
    w.tx.commit().await?;
    Ok(())
}

/// Forgets the push token of `device_id`, an active device of `user_id`
/// (the app turned notifications off or logs out); 404 for anyone else's.
pub async fn unregister(
    state: &AppState,
    user_id: &str,
    actor: &str,
    device_id: &str,
) -> AppResult<()> {
    let db = &state.db;
    let now = state.now();
    let mut w = db.begin_write().await?;
    let mine = sqlx::query(
        &db.sql("SELECT id FROM devices WHERE id = ? AND user_id = ? AND status = 'active'"),
    )
    .bind(device_id)
    .bind(user_id)
    .fetch_optional(&mut *w.tx)
    .await?;
    if mine.is_none() {
        return Err(AppError::not_found());
    }
    let gone = sqlx::query(&db.sql("DELETE FROM push_tokens WHERE device_id = ?"))
        .bind(device_id)
        .execute(&mut *w.tx)
        .await?;
    if gone.rows_affected() > 0 {
        crate::audit::append(
            db,
            &mut w.tx,
            &now,
            actor,
            "push_unregistered",
            &format!("device:{device_id}"),
            "",
        )
        .await?;
    }
    w.tx.commit().await?;
    Ok(())
}

/// Forgets the push token of a device, in the caller's transaction (the
/// device is being revoked).
pub async fn forget_device(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    device_id: &str,
) -> Result<(), sqlx::Error> {
    let db = &state.db;
    sqlx::query(&db.sql("DELETE FROM push_tokens WHERE device_id = ?"))
        .bind(device_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A push is shown at most a day after it may first be sent (when queued,
/// or when the leader's quiet hours end), and not after the request's
/// deadline.
pub const PUSH_LIFETIME: time::Duration = time::Duration::days(1);

/// Queues a "new request" push to each live device of `signer_id` that has
/// a token of a configured provider, in the caller's transaction (the one
/// that makes the request pending). Returns how many.
pub async fn enqueue_new_request(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    request_id: &str,
    signer_id: &str,
    urgency: Urgency,
    deadline: Option<&str>,
) -> Result<usize, sqlx::Error> {
    enqueue(
        state,
        tx,
        PushPayload {
            request_id: request_id.to_string(),
            urgency,
            category: PushCategory::NewRequest,
        },
        signer_id,
        deadline,
    )
    .await
}

/// Queues `payload` to each live device of `signer_id` that has a token of
/// a configured provider, in the caller's transaction; returns how many.
/// During the signer's quiet hours (and unless the urgency bypasses them)
/// the first attempt is their end. Nothing is queued when the push would
/// expire (deadline) before it may be sent.
async fn enqueue(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    payload: PushPayload,
    signer_id: &str,
    deadline: Option<&str>,
) -> Result<usize, sqlx::Error> {
    if !state.notifier.enabled() {
        return Ok(0);
    }
    let db = &state.db;
    let now_t = state.clock.now();
    let (release, held) = quiet::release_time(state, tx, signer_id, payload.urgency, now_t).await?;
    let mut expires = release + PUSH_LIFETIME;
    if let Some(d) = deadline
        .and_then(|d| OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok())
    {
        expires = expires.min(d);
    }
    if expires <= release {
        tracing::debug!(
            request = %payload.request_id,
            held,
            "the push would expire before it may be sent; not queued"
        );
        return Ok(0);
    }
    let body = serde_json::to_string(&payload).unwrap_or_default();
    let rows = sqlx::query(&db.sql(
        "SELECT d.id, p.provider FROM devices d JOIN push_tokens p ON p.device_id = d.id \
         WHERE d.user_id = ? AND d.status = 'active' ORDER BY d.id",
    ))
    .bind(signer_id)
    .fetch_all(&mut **tx)
    .await?;
    let now = crate::now_rfc3339(now_t);
    let next_at = crate::now_rfc3339(release);
    let held_until = held.then(|| next_at.clone());
    let mut n = 0;
    for r in rows {
        let (device_id, provider): (String, String) = (r.try_get(0)?, r.try_get(1)?);
        if PushProvider::parse(&provider)
            .and_then(|p| state.notifier.sender(p))
            .is_none()
        {
            tracing::debug!(device = %device_id, provider, "no sender for this provider; no push");
            continue;
        }
        sqlx::query(&db.sql(
            "INSERT INTO push_outbox (id, request_id, device_id, provider, payload, expires_at, attempts, next_at, \
             status, created_at, held_until) VALUES (?, ?, ?, ?, ?, ?, 0, ?, 'pending', ?, ?)",
        ))
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&payload.request_id)
        .bind(&device_id)
        .bind(&provider)
        .bind(&body)
        .bind(crate::now_rfc3339(expires))
        .bind(&next_at)
        .bind(&now)
        .bind(held_until.clone())
        .execute(&mut **tx)
        .await?;
        n += 1;
    }
    Ok(n)
}

/// Queues the deadline reminders that are due: for each pending request
/// with a deadline at most [`PushConfig::reminder_lead`] away and not yet
/// reminded, one `deadline_reminder` push per live device of its leader
/// (held by quiet hours like any other). A request that arrived when its
/// deadline was already that near is not reminded: its new-request push
/// is recent. Each request is reminded once: the `push_reminders` row is
/// written in the transaction that queues the pushes, and only by the
/// gateway whose insert won. Returns how many requests were reminded.
pub async fn remind_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let Some(lead) = state.config.push.reminder_lead else {
        return Ok(0);
    };
    if !state.notifier.enabled() {
        return Ok(0);
    }
    let lead = time::Duration::try_from(lead).unwrap_or(time::Duration::ZERO);
    let db = &state.db;
    // Deadlines are RFC 3339 with any offset: compared as instants, here.
    let rows = sqlx::query(
        "SELECT r.id, r.signer_id, r.urgency, r.deadline, r.created_at FROM requests r \
         WHERE r.status = 'pending' AND r.deadline IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM push_reminders m WHERE m.request_id = r.id)",
    )
    .fetch_all(db.pool())
    .await?;
    let now_t = state.clock.now();
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    let mut reminded = 0;
    for r in rows {
        let (id, signer_id, urgency, deadline, created_at): (
            String,
            String,
            String,
            String,
            String,
        ) = (
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
        );
        let (Ok(d), Ok(created)) = (
            OffsetDateTime::parse(&deadline, rfc3339),
            OffsetDateTime::parse(&created_at, rfc3339),
        ) else {
            continue;
        };
        let due = d - lead;
        if now_t < due || now_t >= d {
            continue;
        }
        let urgency = crate::requests::urgency_parse(&urgency);
        let now = crate::now_rfc3339(now_t);
        let mut w = db.begin_write().await?;
        // The marker first: whoever inserts it queues the pushes; anyone
        // else (another gateway, a second pass) inserts nothing.
        let won = sqlx::query(&db.sql(
            "INSERT INTO push_reminders (request_id, queued_at, pushes) SELECT ?, ?, 0 \
             WHERE EXISTS (SELECT 1 FROM requests WHERE id = ? AND status = 'pending') \
             ON CONFLICT (request_id) DO NOTHING",
        ))
        .bind(&id)
        .bind(&now)
        .bind(&id)
        .execute(&mut *w.tx)
        .await?
        .rows_affected()
            == 1;
        if !won {
            continue;
        }
        let pushes = if created >= due {
            0
        } else {
            let payload = PushPayload {
                request_id: id.clone(),
                urgency,
                category: PushCategory::DeadlineReminder,
            };
            enqueue(state, &mut w.tx, payload, &signer_id, Some(&deadline)).await?
        };
        sqlx::query(&db.sql("UPDATE push_reminders SET pushes = ? WHERE request_id = ?"))
            .bind(pushes as i64)
            .bind(&id)
            .execute(&mut *w.tx)
            .await?;
        w.tx.commit().await?;
        if pushes > 0 {
            tracing::info!(request = %id, pushes, "deadline reminder queued");
            reminded += 1;
            state.notifier.wake();
        }
    }
    Ok(reminded)
}

/// A claimed push_outbox row.
struct Due {
    id: String,
    request_id: String,
    device_id: String,
    payload: String,
    expires_at: String,
    attempts: i64,
}

/// Sends the pushes that are due once; returns how many rows were handled.
pub async fn deliver_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let rows = outbox::claim_due(
        state,
        Queue::Push,
        "id, request_id, device_id, payload, expires_at, attempts",
    )
    .await?;
    let n = rows.len();
    for r in rows {
        let row = Due {
            id: r.try_get(0)?,
            request_id: r.try_get(1)?,
            device_id: r.try_get(2)?,
            payload: r.try_get(3)?,
            expires_at: r.try_get(4)?,
            attempts: r.try_get(5)?,
        };
        deliver_one(state, &row).await?;
    }
    Ok(n)
}

async fn deliver_one(state: &AppState, row: &Due) -> Result<Settled, sqlx::Error> {
    let db = &state.db;
    let now = state.clock.now();
    let expires = OffsetDateTime::parse(
        &row.expires_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap_or(now);
    let mut attempt = Attempt {
        queue: Queue::Push,
        id: &row.id,
        attempts: row.attempts,
        give_up_by: Some(expires),
        about: format!("request {}, device {}", row.request_id, row.device_id),
    };
    let policy = state.notifier.retry;
    let request_status: Option<String> =
        sqlx::query_scalar(&db.sql("SELECT status FROM requests WHERE id = ?"))
            .bind(&row.request_id)
            .fetch_optional(db.pool())
            .await?;
    if request_status.as_deref() != Some("pending") {
        let reason = format!(
            "the request is {}",
            request_status.as_deref().unwrap_or("gone")
        );
        return outbox::settle(state, &policy, &attempt, Outcome::Drop { reason }).await;
    }
    let token = sqlx::query(&db.sql(
        "SELECT t.provider, t.token_sealed FROM push_tokens t JOIN devices d ON d.id = t.device_id \
         WHERE t.device_id = ? AND d.status = 'active'",
    ))
    .bind(&row.device_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(token) = token else {
        let reason = "the device has no push token (revoked or unregistered)".to_string();
        return outbox::settle(state, &policy, &attempt, Outcome::Drop { reason }).await;
    };
    let (provider, sealed): (String, String) = (token.try_get(0)?, token.try_get(1)?);
    let Some(token) = state.notifier.seal.open(&sealed) else {
        let error = "the stored token cannot be opened (was push/token.key replaced?)".to_string();
        return outbox::settle(state, &policy, &attempt, Outcome::GiveUp { error }).await;
    };
    let Some(sender) = PushProvider::parse(&provider).and_then(|p| state.notifier.sender(p)) else {
        let error = format!("{provider} is not configured on this gateway");
        return outbox::settle(state, &policy, &attempt, Outcome::GiveUp { error }).await;
    };
    if now >= expires {
        let error = "expired before it could be delivered".to_string();
        return outbox::settle(state, &policy, &attempt, Outcome::GiveUp { error }).await;
    }
    let Ok(payload) = serde_json::from_str::<PushPayload>(&row.payload) else {
        let error = "unreadable payload".to_string();
        return outbox::settle(state, &policy, &attempt, Outcome::GiveUp { error }).await;
    };
    // Quiet hours set (or a retry that came due) after it was queued.
    if !quiet::bypasses(payload.urgency)
        && let Some(end) = quiet::window_of_device(state, &row.device_id)
            .await?
            .and_then(|w| w.end_if_inside(now))
    {
        if end >= expires {
            let reason = "held by the leader's quiet hours until after it expires".to_string();
            return outbox::settle(state, &policy, &attempt, Outcome::Drop { reason }).await;
        }
        return hold(state, &row.id, end).await;
    }
    let push = Push {
        id: &row.id,
        token: &token,
        payload: &payload,
        expires,
    };
    let sent = sender.send(&push, now).await;
    attempt.attempts += 1;
    let outcome = match sent {
        Sent::Delivered => Outcome::Delivered,
        Sent::Retry { error, retry_after } => Outcome::Retry { error, retry_after },
        Sent::GiveUp(error) => Outcome::GiveUp { error },
        Sent::TokenGone(error) => {
            forget_gone_token(state, &row.device_id, &provider, &token, &error).await?;
            Outcome::Drop {
                reason: format!("{error}: the token is gone and was removed"),
            }
        }
    };
    outbox::settle(state, &policy, &attempt, outcome).await
}

/// Holds a claimed row until `until` (the end of quiet hours), without
/// counting an attempt.
async fn hold(state: &AppState, id: &str, until: OffsetDateTime) -> Result<Settled, sqlx::Error> {
    let db = &state.db;
    let until = crate::now_rfc3339(until);
    let mut w = db.begin_write().await?;
    sqlx::query(&db.sql(
        "UPDATE push_outbox SET next_at = ?, held_until = ? WHERE id = ? AND status = 'pending'",
    ))
    .bind(&until)
    .bind(&until)
    .bind(id)
    .execute(&mut *w.tx)
    .await?;
    w.tx.commit().await?;
    tracing::debug!(id, until, "push held by quiet hours");
    Ok(Settled::Pending)
}

/// Removes a token the provider called gone, unless the device has
/// registered another one meanwhile; audited.
async fn forget_gone_token(
    state: &AppState,
    device_id: &str,
    provider: &str,
    token: &str,
    error: &str,
) -> Result<(), sqlx::Error> {
    let db = &state.db;
    let mut w = db.begin_write().await?;
    let done =
        sqlx::query(&db.sql("DELETE FROM push_tokens WHERE device_id = ? AND token_mac = ?"))
            .bind(device_id)
            .bind(state.notifier.seal.mac(provider, token))
            .execute(&mut *w.tx)
            .await?;
    if done.rows_affected() > 0 {
        tracing::info!(device = device_id, provider, "push token gone; removed");
        crate::audit::append(
            db,
            &mut w.tx,
            &state.now(),
            "gateway",
            "push_token_removed",
            &format!("device:{device_id}"),
            error,
        )
        .await?;
    }
    w.tx.commit().await?;
    Ok(())
}

/// How often [`run`] looks for deadline reminders to queue.
pub const REMINDER_SCAN: Duration = Duration::from_secs(30);

/// Runs the push outbox forever (until the task is dropped); woken at once
/// when a push is queued. Queues deadline reminders every [`REMINDER_SCAN`].
pub async fn run(state: AppState) {
    let s = &state;
    let next_scan = std::sync::Mutex::new(std::time::Instant::now());
    let next_scan = &next_scan;
    outbox::drive("push", Some(&state.notifier.wake), move || async move {
        let scan = next_scan
            .lock()
            .map(|t| std::time::Instant::now() >= *t)
            .unwrap_or(true);
        if scan {
            remind_due(s).await?;
            if let Ok(mut t) = next_scan.lock() {
                *t = std::time::Instant::now() + REMINDER_SCAN;
            }
        }
        deliver_due(s).await
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shapes() {
        assert!(valid_apns_token(&"ab".repeat(32)), "32 bytes of hex");
        assert!(valid_apns_token(&"AB".repeat(100)), "up to 100 bytes");
        assert!(!valid_apns_token(&"ab".repeat(101)), "not more");
        assert!(
            !valid_apns_token(&format!("{}/x", "ab".repeat(32))),
            "no path tricks"
        );
        assert!(!valid_apns_token("abc"), "not odd, not short");
        assert!(valid_fcm_token("dGVzdA:APA91bH-x_y.z"), "FCM's characters");
        assert!(!valid_fcm_token("a b"), "no spaces");
        assert!(!valid_fcm_token(""), "not empty");
    }
}
