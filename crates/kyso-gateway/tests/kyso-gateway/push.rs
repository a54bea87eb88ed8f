//! Push notifications: device registration, the push outbox, and each
//! sender against its fake (`fake_push`): success, token gone, throttling,
//! provider down across a restart, expired auth, and payloads that never
//! carry the document's text. Time is a [`ManualClock`]: waits are read
//! from the recorded next attempt and crossed by moving the clock.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use kyso_gateway::Config;
use kyso_gateway::outbox::RetryPolicy;
use kyso_gateway::push::{self, ApnsConfig, FcmConfig, PushConfig, ServiceAccount};
use sqlx::Row as _;

use crate::fake_push::*;
use crate::support::*;

/// Runs a test body on SQLite and on PostgreSQL.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Postgres).await })*
        }
    };
}

on_both!(
    registration_is_per_device_and_checked,
    revoking_a_device_forgets_its_token_and_its_pushes,
    fcm_provider_down_is_delivered_after_a_restart,
    apns_provider_down_is_delivered_after_a_restart,
);

/// The retry rule in these tests: a 1 s base, so waits are visible in
/// the recorded next attempt without any test sleeping.
pub(crate) const RETRY: RetryPolicy = RetryPolicy {
    base: Duration::from_secs(1),
    cap: Duration::from_secs(60),
    max_attempts: 4,
};

/// A gateway, the two fakes on its clock, and a logged-in leader.
pub(crate) struct World {
    pub gw: Gw,
    pub clock: Arc<ManualClock>,
    pub fcm: FakeFcm,
    pub sa_json: String,
    pub apns: FakeApns,
    pub leader: String,
}

pub(crate) fn push_config(w_fcm: &FakeFcm, sa_json: &str, apns: &FakeApns) -> PushConfig {
    let mut apns_cfg = ApnsConfig::from_p8(
        &apns.p8,
        FakeApns::KEY_ID,
        FakeApns::TEAM_ID,
        FakeApns::TOPIC,
    )
    .expect("APNs key");
    apns_cfg.endpoint = apns.url.clone();
    PushConfig {
        fcm: Some(FcmConfig {
            service_account: ServiceAccount::from_json(sa_json).expect("service account"),
            endpoint: w_fcm.url.clone(),
        }),
        apns: Some(apns_cfg),
        retry: RETRY,
        timeout: Duration::from_secs(5),
        reminder_lead: Some(push::DEFAULT_REMINDER_LEAD),
    }
}

async fn world(backend: Backend) -> World {
    world_on(backend, ManualClock::new()).await
}

/// [`world`] on `clock`.
pub(crate) async fn world_on(backend: Backend, clock: Arc<ManualClock>) -> World {
    let (fcm, sa) = FakeFcm::start(clock.clone()).await;
    let apns = FakeApns::start(clock.clone()).await;
    let cfg = push_config(&fcm, &sa.json, &apns);
    let gw = gateway_at(backend, clock.clone(), |c: &mut Config| c.push = cfg).await;
    let leader = login(&gw, "leader1").await;
    World {
        gw,
        clock,
        fcm,
        sa_json: sa.json,
        apns,
        leader,
    }
}

pub(crate) async fn register(gw: &Gw, token: &str, device: &str, body: serde_json::Value) -> Resp {
    call(
        gw,
        "PUT",
        &format!("/api/v1/device/devices/{device}/push"),
        Some(token),
        Some("application/json"),
        serde_json::to_vec(&body).expect("json"),
        &[],
    )
    .await
}

/// An enrolled device of `leader` with `provider`'s `push_token`; its id.
pub(crate) async fn device_with(w: &World, provider: &str, push_token: &str) -> String {
    let dev = enroll(&w.gw, &w.leader).await;
    let r = register(
        &w.gw,
        &w.leader,
        &dev.id,
        serde_json::json!({"provider": provider, "token": push_token, "app_id": "vn.gov.kyso.app"}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::NO_CONTENT,
        "registered: {}",
        String::from_utf8_lossy(&r.body)
    );
    dev.id
}

/// A token FCM would hand out.
pub(crate) fn fcm_token() -> String {
    format!(
        "fcm-{}:APA91b{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

pub(crate) const TITLE: &str = "Quyết định về việc bổ nhiệm cán bộ Nguyễn Thị Bí Mật";
pub(crate) const NUMBER: &str = "777/QĐ-BIMAT";
pub(crate) const BODY_TEXT: &str = "NOI DUNG TUYET MAT";

/// Submits a draft for leader1 with this urgency and deadline; its id.
pub(crate) async fn submit_with(gw: &Gw, urgency: &str, deadline: Option<&str>) -> String {
    let meta = serde_json::json!({
        "title": TITLE,
        "number_symbol": NUMBER,
        "document_type": "quyết định",
        "urgency": urgency,
        "deadline": deadline,
        "signer": "leader1",
    });
    let r = submit_draft(gw, &meta, &pdf(BODY_TEXT)).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "submit: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()["id"].as_str().expect("id").to_string()
}

/// A push_outbox row as stored.
#[derive(Debug)]
pub(crate) struct Row {
    pub id: String,
    pub status: String,
    pub attempts: i64,
    pub next_at: time::OffsetDateTime,
    pub last_error: Option<String>,
    pub payload: String,
    pub device_id: String,
}

pub(crate) async fn rows(gw: &Gw) -> Vec<Row> {
    let db = &gw.state.db;
    sqlx::query(
        "SELECT status, attempts, next_at, last_error, payload, device_id, id FROM push_outbox ORDER BY created_at, id",
    )
    .fetch_all(db.pool())
    .await
    .expect("rows")
    .iter()
    .map(|r| Row {
        status: r.get(0),
        attempts: r.get(1),
        next_at: time::OffsetDateTime::parse(
            &r.get::<String, _>(2),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339"),
        last_error: r.get(3),
        payload: r.get(4),
        device_id: r.get(5),
        id: r.get(6),
    })
    .collect()
}

/// The one push_outbox row of a request.
async fn row_of(gw: &Gw, request_id: &str) -> Row {
    let db = &gw.state.db;
    let id: String = sqlx::query_scalar(&db.sql("SELECT id FROM push_outbox WHERE request_id = ?"))
        .bind(request_id)
        .fetch_one(db.pool())
        .await
        .expect("one row");
    rows(gw)
        .await
        .into_iter()
        .find(|r| r.id == id)
        .expect("the row")
}

/// The push token of a device, opened from its sealed form.
async fn token_of(gw: &Gw, device: &str) -> Option<String> {
    let db = &gw.state.db;
    let sealed: Option<String> =
        sqlx::query_scalar(&db.sql("SELECT token_sealed FROM push_tokens WHERE device_id = ?"))
            .bind(device)
            .fetch_optional(db.pool())
            .await
            .expect("query");
    sealed.map(|s| gw.state.notifier.open_token(&s).expect("opens"))
}

/// Every text column of push_tokens, as stored.
async fn stored_tokens(gw: &Gw) -> Vec<String> {
    let db = &gw.state.db;
    sqlx::query("SELECT device_id, provider, token_sealed, token_mac, app_id FROM push_tokens")
        .fetch_all(db.pool())
        .await
        .expect("query")
        .iter()
        .map(|r| {
            (0..5)
                .map(|i| r.get::<Option<String>, _>(i).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

pub(crate) async fn audit_actions(gw: &Gw) -> Vec<(String, String, String)> {
    kyso_gateway::audit::entries(&gw.state.db)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| (e.action, e.subject, e.detail))
        .collect()
}

pub(crate) async fn deliver(gw: &Gw) -> usize {
    push::deliver_due(&gw.state).await.expect("delivers")
}

/// `next_at - now` of a row, in the bounds the retry rule allows after
/// `attempts` failures with this `Retry-After`.
#[track_caller]
fn assert_waits(row: &Row, now: time::OffsetDateTime, attempts: i64, retry_after: Option<u64>) {
    let backoff = RETRY.backoff(attempts);
    let floor = backoff.max(Duration::from_secs(retry_after.unwrap_or(0)));
    let wait = Duration::try_from(row.next_at - now).expect("in the future");
    // RFC 3339 in the database keeps sub-second precision.
    assert!(
        wait >= floor && wait <= floor + backoff / 4 + Duration::from_millis(1),
        "after {attempts} failures (Retry-After {retry_after:?}) the next attempt is in [{floor:?}, {floor:?} + {:?}]: {wait:?}",
        backoff / 4
    );
}

// ------------------------------------------------------- registration ----

async fn registration_is_per_device_and_checked(backend: Backend) {
    let w = world(backend).await;
    let gw = &w.gw;
    let a = enroll(gw, &w.leader).await;
    let b = enroll(gw, &w.leader).await;
    let t1 = fcm_token();
    let ok = |r: &Resp, what: &str| {
        assert_eq!(
            r.status,
            StatusCode::NO_CONTENT,
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        )
    };
    ok(
        &register(
            gw,
            &w.leader,
            &a.id,
            serde_json::json!({"provider": "fcm", "token": t1}),
        )
        .await,
        "FCM token",
    );
    assert_eq!(
        token_of(gw, &a.id).await,
        Some(t1.clone()),
        "stored for the device"
    );
    let stored = stored_tokens(gw).await;
    assert!(
        stored.len() == 1 && !stored[0].contains(&t1) && !stored[0].contains("APA91b"),
        "sealed, not in the clear: {stored:?}"
    );
    let apns_token = w.apns.new_device().to_ascii_uppercase();
    ok(
        &register(gw, &w.leader, &a.id, serde_json::json!({"provider": "apns", "token": apns_token, "app_id": "vn.gov.kyso.app"})).await,
        "replaced by an APNs token",
    );
    assert_eq!(
        token_of(gw, &a.id).await,
        Some(apns_token.to_ascii_lowercase()),
        "one token per device, the last one (hex in lower case)"
    );
    // The same phone enrolled again: the token moves to the new device.
    ok(
        &register(
            gw,
            &w.leader,
            &b.id,
            serde_json::json!({"provider": "apns", "token": apns_token}),
        )
        .await,
        "the same token on another device",
    );
    assert_eq!(
        token_of(gw, &a.id).await,
        None,
        "no longer on the old device"
    );
    assert!(token_of(gw, &b.id).await.is_some(), "on the new one");

    for (body, what) in [
        (
            serde_json::json!({"provider": "apns", "token": "not-hex/../x"}),
            "an APNs token that is not hex",
        ),
        (
            serde_json::json!({"provider": "fcm", "token": "a b"}),
            "an FCM token with a space",
        ),
        (
            serde_json::json!({"provider": "fcm", "token": ""}),
            "an empty token",
        ),
        (
            serde_json::json!({"provider": "gcm", "token": "x"}),
            "an unknown provider",
        ),
        (
            serde_json::json!({"provider": "fcm", "token": "x", "app_id": "<script>"}),
            "a bad app id",
        ),
    ] {
        let r = register(gw, &w.leader, &a.id, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}");
        assert_eq!(r.json()["code"], "bad_request", "{what}: the error shape");
    }
    let other = login(gw, "leader2").await;
    let r = register(
        gw,
        &other,
        &a.id,
        serde_json::json!({"provider": "fcm", "token": fcm_token()}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "another leader's device is not found"
    );
    let r = register(
        gw,
        &w.leader,
        "no-such-device",
        serde_json::json!({"provider": "fcm", "token": fcm_token()}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "an unknown device");
    let ik = gw.integrator_key.clone();
    let r = register(
        gw,
        &ik,
        &a.id,
        serde_json::json!({"provider": "fcm", "token": fcm_token()}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "not for document systems");
    let r = register(
        gw,
        "kyso_s_nonsense",
        &a.id,
        serde_json::json!({"provider": "fcm", "token": fcm_token()}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "not without a session");

    let r = call(
        gw,
        "DELETE",
        &format!("/api/v1/device/devices/{}/push", b.id),
        Some(&w.leader),
        None,
        Vec::new(),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "unregistered");
    assert_eq!(token_of(gw, &b.id).await, None, "forgotten");

    let audit = audit_actions(gw).await;
    assert!(
        audit
            .iter()
            .any(|(a, _, d)| a == "push_registered" && d == "apns"),
        "registrations are audited by provider"
    );
    assert!(
        audit.iter().all(|(_, _, d)| !d.contains(&t1)
            && !d
                .to_ascii_lowercase()
                .contains(&apns_token.to_ascii_lowercase())),
        "tokens never reach the audit log"
    );
}

async fn revoking_a_device_forgets_its_token_and_its_pushes(backend: Backend) {
    let w = world(backend).await;
    let dev = device_with(&w, "fcm", &fcm_token()).await;
    submit_with(&w.gw, "urgent", None).await;
    assert_eq!(
        rows(&w.gw).await.len(),
        1,
        "a push is queued for the device"
    );
    let admin = login(&w.gw, "admin").await;
    let r = post_json(
        &w.gw,
        &format!("/api/v1/admin/devices/{dev}/revoke"),
        Some(&admin),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "revoked");
    assert_eq!(
        token_of(&w.gw, &dev).await,
        None,
        "its token is forgotten with it"
    );
    assert_eq!(deliver(&w.gw).await, 1, "the queued push is handled");
    let r = &rows(&w.gw).await[0];
    assert_eq!(r.status, "dropped", "and dropped, not sent: {r:?}");
    assert!(w.fcm.delivered().is_empty(), "FCM got nothing");
    submit_with(&w.gw, "urgent", None).await;
    assert_eq!(
        rows(&w.gw).await.len(),
        1,
        "a revoked device gets no new pushes"
    );
    let r = register(
        &w.gw,
        &w.leader,
        &dev,
        serde_json::json!({"provider": "fcm", "token": fcm_token()}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "nor registers a token again"
    );
}

// ---------------------------------------------------------------- FCM ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcm_delivers_a_data_message_with_a_cached_access_token() {
    let w = world(Backend::Sqlite).await;
    let token = fcm_token();
    device_with(&w, "fcm", &token).await;
    let urgent = submit_with(&w.gw, "flash", None).await;
    let normal = submit_with(&w.gw, "normal", None).await;
    assert_eq!(deliver(&w.gw).await, 2, "two pushes sent");
    let got = w.fcm.delivered();
    assert_eq!(got.len(), 2, "both accepted by FCM");
    let of = |id: &str| {
        got.iter()
            .find(|m| m["data"]["request_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("a message for {id}: {got:?}"))
    };
    assert_eq!(
        of(&urgent),
        serde_json::json!({
            "token": token,
            "data": {"request_id": urgent, "urgency": "flash", "category": "new_request"},
            "android": {"priority": "HIGH", "ttl": "86400s"},
        }),
        "a data message: the request id, urgency and category; high priority when urgent; a day to live"
    );
    assert_eq!(
        of(&normal)["android"]["priority"],
        "NORMAL",
        "normal priority otherwise"
    );
    assert_eq!(w.fcm.assertions(), 1, "one access token for both (cached)");
    for r in rows(&w.gw).await {
        assert_eq!((r.status.as_str(), r.attempts), ("delivered", 1), "{r:?}");
    }
    assert_eq!(deliver(&w.gw).await, 0, "nothing more to send");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcm_unregistered_token_is_removed_from_the_device() {
    let w = world(Backend::Sqlite).await;
    let dev = device_with(&w, "fcm", &fcm_token()).await;
    w.fcm.script([FcmReply::Unregistered]);
    submit_with(&w.gw, "urgent", None).await;
    deliver(&w.gw).await;
    assert_eq!(token_of(&w.gw, &dev).await, None, "the token is removed");
    let r = &rows(&w.gw).await[0];
    assert_eq!(r.status, "dropped", "{r:?}");
    assert!(
        r.last_error
            .as_deref()
            .is_some_and(|e| e.contains("UNREGISTERED")),
        "says why: {r:?}"
    );
    assert!(
        audit_actions(&w.gw)
            .await
            .iter()
            .any(|(a, s, _)| a == "push_token_removed" && *s == format!("device:{dev}")),
        "audited"
    );
    submit_with(&w.gw, "urgent", None).await;
    assert_eq!(rows(&w.gw).await.len(), 1, "no more pushes to it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcm_quota_exceeded_waits_for_retry_after() {
    let w = world(Backend::Sqlite).await;
    device_with(&w, "fcm", &fcm_token()).await;
    w.fcm.script([
        FcmReply::QuotaExceeded { retry_after: 30 },
        FcmReply::Unavailable,
    ]);
    submit_with(&w.gw, "urgent", None).await;
    deliver(&w.gw).await;
    let now = w.clock.now_t();
    let r = &rows(&w.gw).await[0];
    assert_eq!(
        (r.status.as_str(), r.attempts),
        ("pending", 1),
        "still queued: {r:?}"
    );
    assert_waits(r, now, 1, Some(30));
    w.clock.advance(time::Duration::seconds(29));
    assert_eq!(deliver(&w.gw).await, 0, "not before Retry-After");
    w.clock.advance(time::Duration::seconds(2));
    assert_eq!(deliver(&w.gw).await, 1, "after it, again");
    let r = &rows(&w.gw).await[0];
    assert_eq!(
        (r.status.as_str(), r.attempts),
        ("pending", 2),
        "UNAVAILABLE: queued again: {r:?}"
    );
    assert_waits(r, w.clock.now_t(), 2, None);
    w.clock.advance(time::Duration::seconds(3));
    deliver(&w.gw).await;
    let r = &rows(&w.gw).await[0];
    assert_eq!((r.status.as_str(), r.attempts), ("delivered", 3), "{r:?}");
    assert_eq!(w.fcm.answers(), vec![429, 503, 200], "what FCM answered");
}

async fn fcm_provider_down_is_delivered_after_a_restart(backend: Backend) {
    let w = world(backend).await;
    device_with(&w, "fcm", &fcm_token()).await;
    // FCM is unreachable: its endpoint is a port nobody listens on.
    let dead = dead_url().await;
    let mut cfg = push_config(&w.fcm, &w.sa_json, &w.apns);
    cfg.fcm.as_mut().expect("fcm").endpoint = dead;
    let gw = restart(w.gw, w.clock.clone(), |c| c.push = cfg).await;
    submit_with(&gw, "urgent", None).await;
    assert_eq!(deliver(&gw).await, 1, "tried");
    let r = &rows(&gw).await[0];
    assert_eq!(
        (r.status.as_str(), r.attempts),
        ("pending", 1),
        "still queued: {r:?}"
    );
    assert!(w.fcm.delivered().is_empty(), "nothing delivered");
    // Stopped and started again, FCM reachable, time passes.
    let cfg = push_config(&w.fcm, &w.sa_json, &w.apns);
    let gw = restart(gw, w.clock.clone(), |c| c.push = cfg).await;
    w.clock.advance(time::Duration::seconds(2));
    assert_eq!(deliver(&gw).await, 1, "the stored push is sent");
    let r = &rows(&gw).await[0];
    assert_eq!((r.status.as_str(), r.attempts), ("delivered", 2), "{r:?}");
    assert_eq!(w.fcm.delivered().len(), 1, "FCM has it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcm_access_token_is_renewed_on_401_and_before_it_expires() {
    let w = world(Backend::Sqlite).await;
    device_with(&w, "fcm", &fcm_token()).await;
    submit_with(&w.gw, "urgent", None).await;
    deliver(&w.gw).await;
    assert_eq!(w.fcm.assertions(), 1, "the first access token");
    // FCM no longer takes it (revoked, or expired early).
    w.fcm.script([FcmReply::RevokeAccessTokens]);
    submit_with(&w.gw, "urgent", None).await;
    deliver(&w.gw).await;
    assert_eq!(w.fcm.assertions(), 2, "a new token after the 401");
    assert_eq!(
        w.fcm.answers(),
        vec![200, 401, 200],
        "and the push sent with it at once"
    );
    // Shortly before the token expires (3599 s), a new one without a 401.
    w.clock.advance(time::Duration::seconds(3599 - 299));
    submit_with(&w.gw, "urgent", None).await;
    deliver(&w.gw).await;
    assert_eq!(w.fcm.assertions(), 3, "renewed before expiry");
    assert_eq!(
        w.fcm.answers(),
        vec![200, 401, 200, 200],
        "no 401 this time"
    );
    for r in rows(&w.gw).await {
        assert_eq!(r.status, "delivered", "{r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_that_cannot_be_delivered_are_given_up_and_audited() {
    let w = world(Backend::Sqlite).await;
    device_with(&w, "fcm", &fcm_token()).await;
    // INVALID_ARGUMENT: never retried.
    w.fcm.script([FcmReply::InvalidArgument]);
    let first = submit_with(&w.gw, "urgent", None).await;
    deliver(&w.gw).await;
    let r = &row_of(&w.gw, &first).await;
    assert_eq!(
        (r.status.as_str(), r.attempts),
        ("failed", 1),
        "given up at once: {r:?}"
    );
    // UNAVAILABLE every time: given up after the bound (4 attempts here).
    w.fcm.script(std::iter::repeat_n(FcmReply::Unavailable, 4));
    let second = submit_with(&w.gw, "urgent", None).await;
    for _ in 0..4 {
        w.clock.advance(time::Duration::seconds(60));
        deliver(&w.gw).await;
    }
    let r = &row_of(&w.gw, &second).await;
    assert_eq!(
        (r.status.as_str(), r.attempts),
        ("failed", 4),
        "given up after the bound: {r:?}"
    );
    assert!(
        r.last_error
            .as_deref()
            .is_some_and(|e| e.contains("gave up after 4 attempts")),
        "recorded in the row: {r:?}"
    );
    let failed: Vec<_> = audit_actions(&w.gw)
        .await
        .into_iter()
        .filter(|(a, _, _)| a == "push_failed")
        .collect();
    assert_eq!(failed.len(), 2, "both in the audit log: {failed:?}");
    assert!(
        failed[0].2.contains(&first) && failed[0].2.contains("INVALID_ARGUMENT"),
        "naming the request and why: {failed:?}"
    );
    assert!(
        failed[1].2.contains(&second) && failed[1].2.contains("gave up after 4 attempts"),
        "naming the request and why: {failed:?}"
    );
    let entries = kyso_gateway::audit::entries(&w.gw.state.db)
        .await
        .expect("audit");
    assert_eq!(
        kyso_gateway::audit::verify_chain(&entries),
        Ok(entries.len()),
        "the chain holds"
    );
}

// --------------------------------------------------------------- APNs ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_delivers_over_http2_with_deliberate_headers() {
    let w = world(Backend::Sqlite).await;
    let token = w.apns.new_device();
    device_with(&w, "apns", &token).await;
    let now = w.clock.now_t();
    let deadline = now + time::Duration::hours(3);
    let urgent = submit_with(
        &w.gw,
        "very_urgent",
        Some(&kyso_gateway::now_rfc3339(deadline)),
    )
    .await;
    let normal = submit_with(&w.gw, "normal", None).await;
    assert_eq!(deliver(&w.gw).await, 2, "both sent");
    let got = w.apns.delivered();
    assert_eq!(got.len(), 2, "both accepted: {:?}", w.apns.answers());
    let of = |id: &str| {
        got.iter()
            .find(|d| d.body["request_id"] == id)
            .unwrap_or_else(|| panic!("a push for {id}"))
    };
    let (u, n) = (of(&urgent), of(&normal));
    assert_eq!(u.token, token, "to the device's token");
    let h = |d: &ApnsDelivery, k: &str| d.headers.get(k).cloned().unwrap_or_default();
    assert_eq!(h(u, "apns-push-type"), "alert", "an alert");
    assert_eq!(h(u, "apns-topic"), FakeApns::TOPIC, "for the app");
    assert_eq!(
        (h(u, "apns-priority"), h(n, "apns-priority")),
        ("10".into(), "5".into()),
        "10 when urgent, 5 otherwise"
    );
    assert_eq!(h(u, "apns-collapse-id"), urgent, "collapsed by request");
    assert_eq!(
        h(u, "apns-expiration"),
        deadline.unix_timestamp().to_string(),
        "expires at the deadline when it comes first"
    );
    assert_eq!(
        h(n, "apns-expiration"),
        (now + time::Duration::days(1)).unix_timestamp().to_string(),
        "else after a day"
    );
    assert_eq!(
        u.body,
        serde_json::json!({
            "aps": {
                "alert": {"title-loc-key": "push.new_request.title", "loc-key": "push.new_request.body"},
                "category": "new_request",
                "sound": "default",
            },
            "request_id": urgent,
            "urgency": "very_urgent",
            "category": "new_request",
        }),
        "localisation keys, the category and the payload; no text"
    );
    assert_eq!(
        w.apns.distinct_jwts().len(),
        1,
        "one provider token for both"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_bad_and_unregistered_tokens_are_removed() {
    let w = world(Backend::Sqlite).await;
    let unknown = "ab".repeat(32); // APNs has never heard of it.
    let gone = w.apns.new_device();
    w.apns.unregister(&gone);
    let kept = w.apns.new_device();
    let bad_dev = device_with(&w, "apns", &unknown).await;
    let gone_dev = device_with(&w, "apns", &gone).await;
    let kept_dev = device_with(&w, "apns", &kept).await;
    submit_with(&w.gw, "urgent", None).await;
    assert_eq!(deliver(&w.gw).await, 3, "one push per device");
    let mut answers: Vec<(u16, String)> = w.apns.answers();
    answers.sort();
    assert_eq!(
        answers,
        vec![
            (200, String::new()),
            (400, "BadDeviceToken".into()),
            (410, "Unregistered".into())
        ],
        "what APNs answered"
    );
    assert_eq!(
        token_of(&w.gw, &bad_dev).await,
        None,
        "BadDeviceToken: removed"
    );
    assert_eq!(
        token_of(&w.gw, &gone_dev).await,
        None,
        "Unregistered: removed"
    );
    assert_eq!(
        token_of(&w.gw, &kept_dev).await,
        Some(kept),
        "the good one stays"
    );
    let statuses: Vec<(String, String)> = rows(&w.gw)
        .await
        .into_iter()
        .map(|r| (r.device_id, r.status))
        .collect();
    for (dev, want) in [
        (&bad_dev, "dropped"),
        (&gone_dev, "dropped"),
        (&kept_dev, "delivered"),
    ] {
        assert!(
            statuses.contains(&(dev.clone(), want.into())),
            "{dev}: {want} in {statuses:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_too_many_requests_backs_off() {
    let w = world(Backend::Sqlite).await;
    device_with(&w, "apns", &w.apns.new_device()).await;
    w.apns
        .script([ApnsReply::TooManyRequests, ApnsReply::TooManyRequests]);
    submit_with(&w.gw, "urgent", None).await;
    deliver(&w.gw).await;
    let r = &rows(&w.gw).await[0];
    assert_eq!((r.status.as_str(), r.attempts), ("pending", 1), "{r:?}");
    assert_waits(r, w.clock.now_t(), 1, None);
    w.clock.advance(time::Duration::seconds(2));
    deliver(&w.gw).await;
    let r = &rows(&w.gw).await[0];
    assert_eq!((r.status.as_str(), r.attempts), ("pending", 2), "{r:?}");
    assert_waits(r, w.clock.now_t(), 2, None);
    w.clock.advance(time::Duration::milliseconds(1500));
    assert_eq!(deliver(&w.gw).await, 0, "the backoff doubled: not yet");
    w.clock.advance(time::Duration::seconds(1));
    deliver(&w.gw).await;
    let r = &rows(&w.gw).await[0];
    assert_eq!((r.status.as_str(), r.attempts), ("delivered", 3), "{r:?}");
}

async fn apns_provider_down_is_delivered_after_a_restart(backend: Backend) {
    let w = world(backend).await;
    device_with(&w, "apns", &w.apns.new_device()).await;
    w.apns.script([ApnsReply::ServiceUnavailable]);
    submit_with(&w.gw, "urgent", None).await;
    deliver(&w.gw).await;
    let r = &rows(&w.gw).await[0];
    assert_eq!(
        (r.status.as_str(), r.attempts),
        ("pending", 1),
        "still queued: {r:?}"
    );
    // Stopped; APNs unreachable on the next start; then up again.
    let mut cfg = push_config(&w.fcm, &w.sa_json, &w.apns);
    cfg.apns.as_mut().expect("apns").endpoint = dead_url().await;
    let gw = restart(w.gw, w.clock.clone(), |c| c.push = cfg).await;
    w.clock.advance(time::Duration::seconds(2));
    assert_eq!(deliver(&gw).await, 1, "tried");
    let r = &rows(&gw).await[0];
    assert_eq!(
        (r.status.as_str(), r.attempts),
        ("pending", 2),
        "still queued: {r:?}"
    );
    let cfg = push_config(&w.fcm, &w.sa_json, &w.apns);
    let gw = restart(gw, w.clock.clone(), |c| c.push = cfg).await;
    w.clock.advance(time::Duration::seconds(3));
    assert_eq!(deliver(&gw).await, 1, "the stored push is sent");
    let r = &rows(&gw).await[0];
    assert_eq!((r.status.as_str(), r.attempts), ("delivered", 3), "{r:?}");
    assert_eq!(w.apns.delivered().len(), 1, "APNs has it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apns_expired_provider_token_is_renewed_within_apples_window() {
    let w = world(Backend::Sqlite).await;
    device_with(&w, "apns", &w.apns.new_device()).await;
    submit_with(&w.gw, "urgent", None).await;
    deliver(&w.gw).await;
    assert_eq!(w.apns.distinct_jwts().len(), 1, "the first provider token");
    // 25 minutes on, APNs calls it expired: renewed (allowed after 20) and sent.
    w.clock.advance(time::Duration::minutes(25));
    w.apns.script([ApnsReply::ExpiredProviderToken]);
    submit_with(&w.gw, "urgent", None).await;
    deliver(&w.gw).await;
    assert_eq!(w.apns.distinct_jwts().len(), 2, "a new provider token");
    assert_eq!(
        w.apns.answers().iter().map(|a| a.0).collect::<Vec<_>>(),
        vec![200, 403, 200],
        "sent with it at once"
    );
    // Called expired again at once: renewing now would be too often
    // (TooManyProviderTokenUpdates); retried once 20 minutes have passed.
    w.apns.script([ApnsReply::ExpiredProviderToken]);
    let third = submit_with(&w.gw, "urgent", None).await;
    deliver(&w.gw).await;
    assert_eq!(
        w.apns.distinct_jwts().len(),
        2,
        "not renewed within 20 minutes"
    );
    let r = &row_of(&w.gw, &third).await;
    assert_eq!((r.status.as_str(), r.attempts), ("pending", 1), "{r:?}");
    let wait = r.next_at - w.clock.now_t();
    assert!(
        wait >= time::Duration::minutes(20),
        "waits until the token may be renewed: {wait}"
    );
    w.clock.advance(wait);
    deliver(&w.gw).await;
    assert_eq!(w.apns.distinct_jwts().len(), 3, "renewed then");
    assert_eq!(row_of(&w.gw, &third).await.status, "delivered", "and sent");
    // 40 minutes after a renewal, a new one without being asked.
    w.clock.advance(time::Duration::minutes(41));
    let fourth = submit_with(&w.gw, "urgent", None).await;
    deliver(&w.gw).await;
    assert_eq!(w.apns.distinct_jwts().len(), 4, "renewed after 40 minutes");
    assert_eq!(row_of(&w.gw, &fourth).await.status, "delivered", "and sent");
}

// -------------------------------------------------------------- both ----

/// The fakes check what real FCM and APNs check: a service account key or
/// a team key they do not know gets nothing delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fakes_refuse_keys_they_do_not_know() {
    use p256::pkcs8::EncodePrivateKey as _;
    let w = world(Backend::Sqlite).await;
    device_with(&w, "fcm", &fcm_token()).await;
    device_with(&w, "apns", &w.apns.new_device()).await;
    let mut sa: serde_json::Value = serde_json::from_str(&w.sa_json).expect("json");
    let other_rsa = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 1024).expect("key");
    sa["private_key"] = other_rsa
        .to_pkcs8_pem(Default::default())
        .expect("pem")
        .to_string()
        .into();
    let other_p8 = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng)
        .to_pkcs8_pem(Default::default())
        .expect("pem")
        .to_string();
    let mut cfg = push_config(&w.fcm, &w.sa_json, &w.apns);
    cfg.fcm.as_mut().expect("fcm").service_account =
        ServiceAccount::from_json(&sa.to_string()).expect("service account");
    let mut apns = ApnsConfig::from_p8(
        &other_p8,
        FakeApns::KEY_ID,
        FakeApns::TEAM_ID,
        FakeApns::TOPIC,
    )
    .expect("key");
    apns.endpoint = w.apns.url.clone();
    cfg.apns = Some(apns);
    let gw = restart(w.gw, w.clock.clone(), |c| c.push = cfg).await;
    submit_with(&gw, "urgent", None).await;
    assert_eq!(deliver(&gw).await, 2, "both tried");
    let mut errors: Vec<String> = rows(&gw)
        .await
        .into_iter()
        .map(|r| {
            assert_eq!(
                (r.status.as_str(), r.attempts),
                ("pending", 1),
                "retried later: {r:?}"
            );
            r.last_error.unwrap_or_default()
        })
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            "APNs: HTTP 403 InvalidProviderToken",
            "FCM token endpoint: HTTP 400 invalid_grant"
        ],
        "refused for the signature"
    );
    assert!(
        w.fcm.delivered().is_empty() && w.apns.delivered().is_empty(),
        "nothing delivered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_push_ever_carries_the_documents_text() {
    let w = world(Backend::Sqlite).await;
    device_with(&w, "fcm", &fcm_token()).await;
    device_with(&w, "apns", &w.apns.new_device()).await;
    for urgency in ["normal", "urgent", "very_urgent", "flash"] {
        submit_with(&w.gw, urgency, None).await;
    }
    // Throttled and retried, to see retries too.
    w.fcm.script([FcmReply::QuotaExceeded { retry_after: 1 }]);
    w.apns.script([ApnsReply::TooManyRequests]);
    for _ in 0..3 {
        deliver(&w.gw).await;
        w.clock.advance(time::Duration::seconds(5));
    }
    assert_eq!(w.fcm.delivered().len(), 4, "FCM got every request");
    assert_eq!(w.apns.delivered().len(), 4, "APNs got every request");
    let mut seen: Vec<String> = Vec::new();
    seen.extend(w.fcm.s.raw.lock().expect("lock").iter().cloned());
    seen.extend(w.apns.s.raw.lock().expect("lock").iter().cloned());
    seen.extend(rows(&w.gw).await.into_iter().map(|r| r.payload));
    assert!(
        seen.len() >= 8 + 2 + 8,
        "every request and stored payload: {}",
        seen.len()
    );
    let forbidden = [
        TITLE,
        "Bí Mật",
        NUMBER,
        "BIMAT",
        BODY_TEXT,
        "quyết định",
        "Nguyễn Văn leader1",
    ];
    for s in &seen {
        for f in forbidden {
            assert!(!s.contains(f), "{f:?} was sent or stored in a push: {s}");
        }
    }
    for r in rows(&w.gw).await {
        let v: serde_json::Value = serde_json::from_str(&r.payload).expect("json");
        let mut keys: Vec<&String> = v.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["category", "request_id", "urgency"],
            "only these: {v}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delivery_loop_sends_as_soon_as_a_request_is_created() {
    let w = world(Backend::Sqlite).await;
    device_with(&w, "fcm", &fcm_token()).await;
    let worker = tokio::spawn(push::run(w.gw.state.clone()));
    let id = submit_with(&w.gw, "urgent", None).await;
    let t0 = std::time::Instant::now();
    while w.fcm.delivered().is_empty() && t0.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.abort();
    let got = w.fcm.delivered();
    assert_eq!(got.len(), 1, "sent by the loop");
    assert_eq!(got[0]["data"]["request_id"], id.as_str(), "for the request");
}

/// A URL on which nothing listens.
pub(crate) async fn dead_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    format!("http://{addr}")
}

/// Reads the clock as the gateway does.
pub(crate) trait Now {
    fn now_t(&self) -> time::OffsetDateTime;
}

impl Now for Arc<ManualClock> {
    fn now_t(&self) -> time::OffsetDateTime {
        kyso_gateway::Clock::now(&**self)
    }
}
