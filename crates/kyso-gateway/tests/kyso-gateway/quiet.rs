//! Quiet hours and deadline reminders: the leader's quiet hours through
//! the API (checked, stored, per leader), pushes held until they end and
//! released when they change, the urgencies that bypass them, windows
//! across midnight, and the one reminder before a deadline. Against the
//! fakes of `fake_push`, on a [`ManualClock`] set to Vietnam's local times.

use std::sync::Arc;

use axum::http::StatusCode;
use kyso_gateway::push;
use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;

use crate::fake_push::*;
use crate::push::{
    BODY_TEXT, NUMBER, Now, Row, TITLE, World, deliver, device_with, fcm_token, push_config,
    register, rows, submit_with, world_on,
};
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
    quiet_hours_are_checked_and_stored,
    pushes_wait_for_the_end_of_quiet_hours_unless_very_urgent,
    a_push_that_comes_due_in_quiet_hours_is_held_and_a_change_releases_it,
    the_deadline_reminder_comes_once_and_only_while_pending,
    two_gateways_on_one_database_remind_once,
);

async fn put_quiet(gw: &Gw, token: &str, body: serde_json::Value) -> Resp {
    call(
        gw,
        "PUT",
        "/api/v1/device/quiet-hours",
        Some(token),
        Some("application/json"),
        serde_json::to_vec(&body).expect("json"),
        &[],
    )
    .await
}

async fn quiet_of(gw: &Gw, token: &str) -> serde_json::Value {
    let r = get(gw, "/api/v1/device/quiet-hours", Some(token)).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "quiet hours: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

/// Sets the leader's quiet hours, which must be accepted.
async fn set_quiet(w: &World, start: Option<&str>, end: Option<&str>) {
    let r = put_quiet(&w.gw, &w.leader, json!({"start": start, "end": end})).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "quiet hours set: {}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(
        r.json(),
        json!({"start": start, "end": end}),
        "answered as stored"
    );
}

/// Moves the clock forward to `t`.
fn move_to(w: &World, t: OffsetDateTime) {
    let now = w.clock.now_t();
    assert!(t >= now, "the clock only moves forward: {now} → {t}");
    w.clock.advance(t - now);
}

/// (request id, category) of every message FCM accepted, in order.
fn fcm_got(w: &World) -> Vec<(String, String)> {
    w.fcm
        .delivered()
        .iter()
        .map(|m| {
            (
                m["data"]["request_id"].as_str().unwrap_or("").to_string(),
                m["data"]["category"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn payload_of(r: &Row) -> serde_json::Value {
    serde_json::from_str(&r.payload).expect("a JSON payload")
}

/// The push_outbox rows of `request` in `category`.
async fn rows_of(gw: &Gw, request: &str, category: &str) -> Vec<Row> {
    rows(gw)
        .await
        .into_iter()
        .filter(|r| {
            let p = payload_of(r);
            p["request_id"] == request && p["category"] == category
        })
        .collect()
}

async fn remind(gw: &Gw) -> usize {
    push::remind_due(&gw.state).await.expect("reminds")
}

// ---------------------------------------------------------------- API ----

async fn quiet_hours_are_checked_and_stored(backend: Backend) {
    let w = world_on(backend, ManualClock::at(datetime!(2026-03-05 20:00 +7))).await;
    let gw = &w.gw;
    let none = json!({"start": null, "end": null});
    assert_eq!(quiet_of(gw, &w.leader).await, none, "none at first");
    for (body, says, what) in [
        (
            json!({"start": "25:00", "end": "06:30"}),
            "start",
            "hour 25",
        ),
        (
            json!({"start": "22:00", "end": "06:60"}),
            "end",
            "minute 60",
        ),
        (
            json!({"start": "7:00", "end": "08:00"}),
            "start",
            "one digit",
        ),
        (
            json!({"start": "22:00:00", "end": "06:30"}),
            "start",
            "seconds",
        ),
        (
            json!({"start": " 22:00", "end": "06:30"}),
            "start",
            "a space",
        ),
        (
            json!({"start": "10 PM", "end": "06:30"}),
            "HH:MM",
            "not HH:MM",
        ),
        (json!({"start": "22:00"}), "both", "start alone"),
        (json!({"start": null, "end": "06:30"}), "both", "end alone"),
        (
            json!({"start": "22:00", "end": "22:00"}),
            "differ",
            "start equal to end",
        ),
        (json!({"start": 2200, "end": "06:30"}), "", "a number"),
        (json!("22:00-06:30"), "", "not an object"),
    ] {
        let r = put_quiet(gw, &w.leader, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {body}");
        let j = r.json();
        assert_eq!(j["code"], "bad_request", "{what}: the closed code: {j}");
        assert_eq!(
            j.as_object().map(|o| o.len()),
            Some(2),
            "{what}: {{code, message}} only: {j}"
        );
        assert!(
            j["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty() && m.contains(says)),
            "{what}: the message says what is wrong ({says:?}): {j}"
        );
    }
    let r = call(
        gw,
        "PUT",
        "/api/v1/device/quiet-hours",
        Some(&w.leader),
        None,
        br#"{"start":"22:00","end":"06:30"}"#.to_vec(),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "no JSON Content-Type");
    assert_eq!(
        quiet_of(gw, &w.leader).await,
        none,
        "nothing refused was stored"
    );

    set_quiet(&w, Some("22:00"), Some("06:30")).await;
    assert_eq!(
        quiet_of(gw, &w.leader).await,
        json!({"start": "22:00", "end": "06:30"}),
        "read back"
    );
    let other = login(gw, "leader2").await;
    assert_eq!(quiet_of(gw, &other).await, none, "per leader");
    let audit = crate::push::audit_actions(gw).await;
    let set: Vec<_> = audit
        .iter()
        .filter(|(a, _, _)| a == "quiet_hours_set")
        .collect();
    assert_eq!(
        set.len(),
        1,
        "the change is audited, the refusals not: {set:?}"
    );
    assert_eq!(set[0].2, "22:00-06:30 (UTC+07:00)", "with the times");

    // Stored: the same after a restart.
    let cfg = push_config(&w.fcm, &w.sa_json, &w.apns);
    let gw = restart(w.gw, w.clock.clone(), |c| c.push = cfg).await;
    assert_eq!(
        quiet_of(&gw, &w.leader).await,
        json!({"start": "22:00", "end": "06:30"}),
        "kept across a restart"
    );
    for body in [json!({"start": null, "end": null}), json!({})] {
        let r = put_quiet(&gw, &w.leader, body.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{body}: removed");
        assert_eq!(r.json(), none, "{body}");
        assert_eq!(quiet_of(&gw, &w.leader).await, none, "{body}: none now");
    }
}

// ----------------------------------------------------------- holding ----

async fn pushes_wait_for_the_end_of_quiet_hours_unless_very_urgent(backend: Backend) {
    // 22:30 in Vietnam, inside 22:00–06:30.
    let mut w = world_on(backend, ManualClock::at(datetime!(2026-03-05 22:30 +7))).await;
    device_with(&w, "fcm", &fcm_token()).await;
    set_quiet(&w, Some("22:00"), Some("06:30")).await;
    let leader_id = get(&w.gw, "/api/v1/me", Some(&w.leader)).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut events = w.gw.state.events.subscribe(&leader_id);
    let mut ids = std::collections::HashMap::new();
    for u in ["normal", "urgent", "very_urgent", "flash"] {
        ids.insert(u, submit_with(&w.gw, u, None).await);
    }
    let mut live = Vec::new();
    while let Ok(ev) = events.try_recv() {
        live.push(ev.request_id);
    }
    assert_eq!(live.len(), 4, "Server-Sent Events are not held: {live:?}");

    assert_eq!(deliver(&w.gw).await, 2, "two are due now");
    let mut now_sent: Vec<String> = fcm_got(&w).into_iter().map(|(id, _)| id).collect();
    now_sent.sort();
    let mut bypass = vec![ids["very_urgent"].clone(), ids["flash"].clone()];
    bypass.sort();
    assert_eq!(now_sent, bypass, "thượng khẩn and hỏa tốc come at once");
    let morning = datetime!(2026-03-06 06:30 +7);
    for u in ["normal", "urgent"] {
        let r = &rows_of(&w.gw, &ids[u], "new_request").await[0];
        assert_eq!(
            (r.status.as_str(), r.attempts, r.next_at),
            ("pending", 0, morning),
            "{u}: held until the quiet hours end, not tried: {r:?}"
        );
    }
    move_to(&w, morning - time::Duration::seconds(1));
    assert_eq!(deliver(&w.gw).await, 0, "06:29:59: still quiet");
    assert_eq!(w.fcm.delivered().len(), 2, "nothing more reached FCM");
    move_to(&w, morning);
    assert_eq!(deliver(&w.gw).await, 2, "06:30: both sent");
    let got = w.fcm.delivered();
    assert_eq!(got.len(), 4, "all four delivered");
    for m in &got[2..] {
        let id = m["data"]["request_id"].as_str().expect("id");
        assert!(
            id == ids["normal"] || id == ids["urgent"],
            "the held ones: {m}"
        );
        assert_eq!(
            m["android"]["ttl"], "86400s",
            "a day to live from the end of the quiet hours, not from queuing"
        );
    }
    for r in rows(&w.gw).await {
        assert_eq!((r.status.as_str(), r.attempts), ("delivered", 1), "{r:?}");
    }

    // Across midnight: queued at 00:15 on 7 March, held until 06:30 the
    // same morning (not the next); at 06:30 and at 21:59, sent at once.
    move_to(&w, datetime!(2026-03-07 00:15 +7));
    let after_midnight = submit_with(&w.gw, "normal", None).await;
    assert_eq!(deliver(&w.gw).await, 0, "held");
    assert_eq!(
        rows_of(&w.gw, &after_midnight, "new_request").await[0].next_at,
        datetime!(2026-03-07 06:30 +7),
        "until 06:30 that morning"
    );
    move_to(&w, datetime!(2026-03-07 06:30 +7));
    let at_the_end = submit_with(&w.gw, "normal", None).await;
    assert_eq!(deliver(&w.gw).await, 2, "the held one and the new one");
    move_to(&w, datetime!(2026-03-07 21:59:59 +7));
    let before = submit_with(&w.gw, "urgent", None).await;
    assert_eq!(deliver(&w.gw).await, 1, "21:59:59: not yet quiet");
    let sent: Vec<String> = fcm_got(&w).into_iter().map(|(id, _)| id).collect();
    let mut at_0630 = sent[4..6].to_vec();
    at_0630.sort();
    let mut want = vec![after_midnight.clone(), at_the_end.clone()];
    want.sort();
    assert_eq!(at_0630, want, "06:30: the held one and the new one");
    assert_eq!(sent[6..], [before], "then the one at 21:59:59");

    // A window within one day: 12:00–13:30 (a new session: the first has expired).
    w.leader = login(&w.gw, "leader1").await;
    set_quiet(&w, Some("12:00"), Some("13:30")).await;
    move_to(&w, datetime!(2026-03-08 12:10 +7));
    let noon = submit_with(&w.gw, "urgent", None).await;
    assert_eq!(deliver(&w.gw).await, 0, "held at 12:10");
    assert_eq!(
        rows_of(&w.gw, &noon, "new_request").await[0].next_at,
        datetime!(2026-03-08 13:30 +7),
        "until 13:30 the same day"
    );
}

async fn a_push_that_comes_due_in_quiet_hours_is_held_and_a_change_releases_it(backend: Backend) {
    let w = world_on(backend, ManualClock::at(datetime!(2026-03-05 21:58 +7))).await;
    device_with(&w, "fcm", &fcm_token()).await;
    set_quiet(&w, Some("22:00"), Some("06:30")).await;
    // Throttled at 21:58: the retry comes due at 22:01, inside the quiet hours.
    w.fcm.script([FcmReply::QuotaExceeded { retry_after: 180 }]);
    let id = submit_with(&w.gw, "urgent", None).await;
    assert_eq!(deliver(&w.gw).await, 1, "tried at 21:58");
    let r = &rows(&w.gw).await[0];
    assert_eq!((r.status.as_str(), r.attempts), ("pending", 1), "{r:?}");
    move_to(&w, r.next_at);
    assert_eq!(deliver(&w.gw).await, 1, "due again");
    let r = &rows(&w.gw).await[0];
    assert_eq!(
        (r.status.as_str(), r.attempts, r.next_at),
        ("pending", 1, datetime!(2026-03-06 06:30 +7)),
        "held until 06:30, and not counted as an attempt: {r:?}"
    );
    assert_eq!(w.fcm.answers(), vec![429], "FCM was not asked again");
    // The leader widens the quiet hours: judged again, held until 07:00.
    set_quiet(&w, Some("21:00"), Some("07:00")).await;
    assert_eq!(
        rows(&w.gw).await[0].next_at,
        w.clock.now_t(),
        "released by the change"
    );
    assert_eq!(deliver(&w.gw).await, 1, "judged again");
    assert_eq!(
        rows(&w.gw).await[0].next_at,
        datetime!(2026-03-06 07:00 +7),
        "by the new quiet hours"
    );
    // And removes them: sent at once.
    set_quiet(&w, None, None).await;
    assert_eq!(deliver(&w.gw).await, 1, "released");
    let r = &rows(&w.gw).await[0];
    assert_eq!((r.status.as_str(), r.attempts), ("delivered", 2), "{r:?}");
    assert_eq!(w.fcm.answers(), vec![429, 200], "what FCM answered");
    assert_eq!(fcm_got(&w), vec![(id, "new_request".to_string())]);
}

// --------------------------------------------------------- reminders ----

async fn the_deadline_reminder_comes_once_and_only_while_pending(backend: Backend) {
    let w = world_on(backend, ManualClock::at(datetime!(2026-03-05 09:00 +7))).await;
    let dev = enroll(&w.gw, &w.leader).await;
    let r = register(
        &w.gw,
        &w.leader,
        &dev.id,
        json!({"provider": "fcm", "token": fcm_token()}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "registered");
    let deadline = "2026-03-05T15:00:00+07:00";
    let waiting = submit_with(&w.gw, "urgent", Some(deadline)).await;
    let signed = submit_with(&w.gw, "normal", Some(deadline)).await;
    let declined = submit_with(&w.gw, "normal", Some(deadline)).await;
    let signed_later = submit_with(&w.gw, "normal", Some(deadline)).await;
    let no_deadline = submit_with(&w.gw, "normal", None).await;
    assert_eq!(deliver(&w.gw).await, 5, "five new-request pushes");

    let issued = get(
        &w.gw,
        &format!("/api/v1/device/requests/{signed}/document"),
        Some(&w.leader),
    )
    .await;
    let r = upload(&w.gw, &w.leader, &signed, sign(&dev, &issued.body), "k1").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "signed: {}",
        String::from_utf8_lossy(&r.body)
    );
    let r = post_json(
        &w.gw,
        &format!("/api/v1/device/requests/{declined}/decline"),
        Some(&w.leader),
        json!({"reason": "Đề nghị bổ sung"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "declined");

    assert_eq!(remind(&w.gw).await, 0, "09:00: too early");
    move_to(&w, datetime!(2026-03-05 12:59:59 +7));
    assert_eq!(remind(&w.gw).await, 0, "12:59:59: still too early");
    move_to(&w, datetime!(2026-03-05 13:00 +7));
    assert_eq!(
        remind(&w.gw).await,
        2,
        "13:00, two hours before: the two still pending"
    );
    assert_eq!(remind(&w.gw).await, 0, "once");
    // Signed after the reminder was queued, before it was sent.
    let issued = get(
        &w.gw,
        &format!("/api/v1/device/requests/{signed_later}/document"),
        Some(&w.leader),
    )
    .await;
    let r = upload(
        &w.gw,
        &w.leader,
        &signed_later,
        sign(&dev, &issued.body),
        "k2",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "signed");
    assert_eq!(deliver(&w.gw).await, 2, "both handled");
    let reminders: Vec<_> = fcm_got(&w)
        .into_iter()
        .filter(|(_, c)| c == "deadline_reminder")
        .collect();
    assert_eq!(
        reminders,
        vec![(waiting.clone(), "deadline_reminder".to_string())],
        "only the request still waiting is reminded"
    );
    let m = w
        .fcm
        .delivered()
        .into_iter()
        .find(|m| m["data"]["category"] == "deadline_reminder")
        .expect("the reminder");
    assert_eq!(
        m["data"],
        json!({"request_id": waiting, "urgency": "urgent", "category": "deadline_reminder"}),
        "the request id, its urgency and the category; nothing else"
    );
    assert_eq!(m["android"]["ttl"], "7200s", "it expires at the deadline");
    assert_eq!(
        rows_of(&w.gw, &signed_later, "deadline_reminder").await[0].status,
        "dropped",
        "the one signed meanwhile is dropped, not sent"
    );
    for id in [&signed, &declined, &no_deadline] {
        assert!(
            rows_of(&w.gw, id, "deadline_reminder").await.is_empty(),
            "{id}: no reminder queued"
        );
    }

    // Never twice: not after a restart, nor later on.
    let cfg = push_config(&w.fcm, &w.sa_json, &w.apns);
    let gw = restart(w.gw, w.clock.clone(), |c| c.push = cfg).await;
    assert_eq!(
        push::remind_due(&gw.state).await.expect("reminds"),
        0,
        "not again after a restart"
    );
    w.clock.advance(time::Duration::minutes(90));
    assert_eq!(
        push::remind_due(&gw.state).await.expect("reminds"),
        0,
        "nor later"
    );
    // Submitted when the deadline is already near: the new-request push is
    // the reminder.
    let near = submit_with(&gw, "urgent", Some("2026-03-05T15:30:00+07:00")).await;
    assert_eq!(
        push::remind_due(&gw.state).await.expect("reminds"),
        0,
        "no reminder right after the request arrived"
    );
    assert!(rows_of(&gw, &near, "deadline_reminder").await.is_empty());
    let all = rows(&gw).await;
    assert_eq!(
        all.iter()
            .filter(|r| payload_of(r)["category"] == "deadline_reminder")
            .count(),
        2,
        "two reminders queued in all"
    );
}

/// Reminders follow quiet hours, except for thượng khẩn and hỏa tốc; a
/// reminder that could only come after the deadline is not queued. No
/// push, held or not, carries the document's text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_follow_quiet_hours_and_carry_no_text() {
    let w = world_on(
        Backend::Sqlite,
        ManualClock::at(datetime!(2026-03-05 20:00 +7)),
    )
    .await;
    device_with(&w, "fcm", &fcm_token()).await;
    let apns_token = w.apns.new_device();
    device_with(&w, "apns", &apns_token).await;
    set_quiet(&w, Some("22:00"), Some("06:30")).await;
    let normal = submit_with(&w.gw, "normal", Some("2026-03-06T08:00:00+07:00")).await;
    let flash = submit_with(&w.gw, "flash", Some("2026-03-06T08:00:00+07:00")).await;
    let urgent = submit_with(&w.gw, "urgent", Some("2026-03-06T06:45:00+07:00")).await;
    let too_late = submit_with(&w.gw, "normal", Some("2026-03-06T06:20:00+07:00")).await;
    assert_eq!(
        deliver(&w.gw).await,
        8,
        "20:00: the new requests, to both devices"
    );

    move_to(&w, datetime!(2026-03-06 04:20 +7));
    assert_eq!(
        remind(&w.gw).await,
        0,
        "04:20: the reminder for 06:20 would wait until 06:30, after the deadline: none"
    );
    move_to(&w, datetime!(2026-03-06 04:45 +7));
    assert_eq!(remind(&w.gw).await, 1, "04:45: the khẩn one, for 06:45");
    assert_eq!(deliver(&w.gw).await, 0, "held");
    for r in rows_of(&w.gw, &urgent, "deadline_reminder").await {
        assert_eq!(
            r.next_at,
            datetime!(2026-03-06 06:30 +7),
            "until 06:30: {r:?}"
        );
    }
    move_to(&w, datetime!(2026-03-06 06:00 +7));
    assert_eq!(remind(&w.gw).await, 2, "06:00: the two for 08:00");
    assert_eq!(deliver(&w.gw).await, 2, "hỏa tốc at once, to both devices");
    let reminded = |w: &World| -> Vec<String> {
        fcm_got(w)
            .into_iter()
            .filter(|(_, c)| c == "deadline_reminder")
            .map(|(id, _)| id)
            .collect()
    };
    assert_eq!(reminded(&w), vec![flash.clone()], "FCM: the flash one");
    let apns_reminder = w
        .apns
        .delivered()
        .into_iter()
        .find(|d| d.body["category"] == "deadline_reminder")
        .expect("APNs got the flash reminder");
    assert_eq!(
        apns_reminder.body,
        json!({
            "aps": {
                "alert": {"title-loc-key": "push.deadline_reminder.title", "loc-key": "push.deadline_reminder.body"},
                "category": "deadline_reminder",
                "sound": "default",
            },
            "request_id": flash,
            "urgency": "flash",
            "category": "deadline_reminder",
        }),
        "APNs: its own localisation keys, no text"
    );
    move_to(&w, datetime!(2026-03-06 06:30 +7));
    assert_eq!(deliver(&w.gw).await, 4, "06:30: the held ones");
    let mut got = reminded(&w);
    got.sort();
    let mut want = vec![flash.clone(), normal.clone(), urgent.clone()];
    want.sort();
    assert_eq!(got, want, "every reminder but the one that was too late");
    assert!(
        rows_of(&w.gw, &too_late, "deadline_reminder")
            .await
            .is_empty(),
        "none queued for it"
    );
    for r in rows(&w.gw).await {
        assert_eq!(r.status, "delivered", "{r:?}");
    }

    // Nothing sent or stored carries the document's text.
    let mut seen: Vec<String> = Vec::new();
    seen.extend(w.fcm.s.raw.lock().expect("lock").iter().cloned());
    seen.extend(w.apns.s.raw.lock().expect("lock").iter().cloned());
    let stored = rows(&w.gw).await;
    assert_eq!(stored.len(), 8 + 6, "new requests and reminders");
    seen.extend(stored.iter().map(|r| r.payload.clone()));
    for s in &seen {
        for f in [
            TITLE,
            "Bí Mật",
            NUMBER,
            "BIMAT",
            BODY_TEXT,
            "quyết định",
            "Nguyễn Văn leader1",
        ] {
            assert!(!s.contains(f), "{f:?} was sent or stored in a push: {s}");
        }
    }
    for r in &stored {
        let v = payload_of(r);
        let mut keys: Vec<&String> = v.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["category", "request_id", "urgency"],
            "only these: {v}"
        );
    }
}

/// Two gateways on one database look for reminders at the same moment:
/// each request is reminded once, and each reminder sent once.
async fn two_gateways_on_one_database_remind_once(backend: Backend) {
    let w = world_on(backend, ManualClock::at(datetime!(2026-03-05 09:00 +7))).await;
    device_with(&w, "fcm", &fcm_token()).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(submit_with(&w.gw, "urgent", Some("2026-03-05T15:00:00+07:00")).await);
    }
    assert_eq!(deliver(&w.gw).await, 4, "the new requests");
    let mut config = kyso_gateway::Config::new(w.gw._dir.path().to_path_buf());
    config.push = push_config(&w.fcm, &w.sa_json, &w.apns);
    let clock: Arc<dyn kyso_gateway::Clock> = w.clock.clone();
    let other = kyso_gateway::AppState::open(config, w.gw.database_url.as_deref(), clock)
        .await
        .expect("a second gateway");
    move_to(&w, datetime!(2026-03-05 13:00 +7));
    let (a, b) = tokio::join!(push::remind_due(&w.gw.state), push::remind_due(&other));
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert_eq!(a + b, 4, "each request reminded by one of them: {a} + {b}");
    let (a, b) = tokio::join!(push::remind_due(&w.gw.state), push::remind_due(&other));
    assert_eq!(
        (a.expect("first"), b.expect("second")),
        (0, 0),
        "and not again"
    );
    for _ in 0..3 {
        let (a, b) = tokio::join!(push::deliver_due(&w.gw.state), push::deliver_due(&other));
        a.expect("first delivers");
        b.expect("second delivers");
    }
    let mut reminded: Vec<String> = fcm_got(&w)
        .into_iter()
        .filter(|(_, c)| c == "deadline_reminder")
        .map(|(id, _)| id)
        .collect();
    reminded.sort();
    ids.sort();
    assert_eq!(reminded, ids, "each reminder reached FCM once");
}
