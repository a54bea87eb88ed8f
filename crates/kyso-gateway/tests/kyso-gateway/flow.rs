//! The signing flow through the routes.

use axum::http::StatusCode;
use kyso_gateway::outbox;

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
    draft_to_signed_pdf_with_webhook_and_audit,
    rejected_uploads_change_nothing,
    a_revoked_device_signs_nothing,
    concurrent_uploads_have_exactly_one_winner,
    decline_and_cancel_follow_the_state_machine,
    inbox_and_session_reads_follow_every_change,
);

async fn draft_to_signed_pdf_with_webhook_and_audit(backend: Backend) {
    let gw = gateway_on(backend).await;
    let (hook, seen) = webhook_receiver().await;
    let issued = pdf("Quyet dinh so 123");
    let r = submit(&gw, "leader1", &issued, Some(&hook)).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "submit: {}",
        String::from_utf8_lossy(&r.body)
    );
    let id = r.json()["id"].as_str().expect("id").to_string();
    assert_eq!(
        r.json()["status"],
        "pending",
        "a new request waits for its leader"
    );

    let token = login(&gw, "leader1").await;
    let inbox = get(&gw, "/api/v1/device/inbox", Some(&token)).await;
    assert_eq!(inbox.status, StatusCode::OK, "inbox");
    assert_eq!(
        inbox.json().as_array().map(Vec::len),
        Some(1),
        "the leader sees the draft"
    );
    let doc = get(
        &gw,
        &format!("/api/v1/device/requests/{id}/document"),
        Some(&token),
    )
    .await;
    assert_eq!(
        doc.body.as_ref(),
        &issued[..],
        "the leader fetches exactly the issued bytes"
    );

    let dev = enroll(&gw, &token).await;
    let signed = sign(&dev, &doc.body);
    let up = upload(&gw, &token, &id, signed.clone(), "k1").await;
    assert_eq!(
        up.status,
        StatusCode::OK,
        "upload: {}",
        String::from_utf8_lossy(&up.body)
    );
    assert_eq!(up.json()["status"], "signed", "accepted");

    // A retry with the same key gets the same answer; another key finds it signed.
    let again = upload(&gw, &token, &id, signed.clone(), "k1").await;
    assert_eq!(
        (again.status, again.body.clone()),
        (StatusCode::OK, up.body.clone()),
        "idempotent replay"
    );
    let other = upload(&gw, &token, &id, signed.clone(), "k2").await;
    assert_eq!(
        other.status,
        StatusCode::CONFLICT,
        "a second signature on a signed request"
    );
    assert_eq!(other.json()["code"], "conflict", "closed error code");

    // The integrator sees the result.
    let ik = gw.integrator_key.clone();
    let view = get(&gw, &format!("/api/v1/requests/{id}"), Some(&ik)).await;
    assert_eq!(
        view.json()["request"]["status"],
        "signed",
        "integrator view"
    );
    let actions: Vec<String> = view.json()["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["action"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(actions, vec!["created", "signed"], "history in order");
    let dl = get(&gw, &format!("/api/v1/requests/{id}/signed"), Some(&ik)).await;
    assert_eq!(dl.body.as_ref(), &signed[..], "the signed PDF as uploaded");
    let report = get(&gw, &format!("/api/v1/requests/{id}/report"), Some(&ik)).await;
    assert_eq!(
        report.json()["indication"],
        "TOTAL_PASSED",
        "the stored verification report"
    );

    // Webhooks: created and signed, each HMAC-signed with the integrator's secret.
    let http = reqwest::Client::new();
    outbox::deliver_due(&gw.state, &http)
        .await
        .expect("delivers");
    let got = seen.lock().expect("lock").clone();
    assert_eq!(got.len(), 2, "two state changes announced");
    for (sig, body) in &got {
        assert_eq!(
            sig,
            &outbox::signature(&gw.webhook_secret, body),
            "HMAC-SHA256 of the exact body"
        );
    }
    let last: serde_json::Value = serde_json::from_slice(&got[1].1).expect("json");
    assert_eq!(
        (last["status"].as_str(), last["external_id"].as_str()),
        (Some("signed"), Some("QLVB-42")),
        "the signed event"
    );

    let entries = kyso_gateway::audit::entries(&gw.state.db)
        .await
        .expect("audit");
    assert_eq!(
        kyso_gateway::audit::verify_chain(&entries),
        Ok(entries.len()),
        "the audit chain verifies"
    );
    assert!(
        entries.iter().any(|e| e.action == "signed"),
        "the signature is audited"
    );
}

async fn rejected_uploads_change_nothing(backend: Backend) {
    let gw = gateway_on(backend).await;
    let issued = pdf("Cong van 9");
    let id = submit(&gw, "leader1", &issued, None).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let token = login(&gw, "leader1").await;
    let dev = enroll(&gw, &token).await;

    // A signature over another document.
    let wrong = sign(&dev, &pdf("Cong van khac"));
    let r = upload(&gw, &token, &id, wrong, "a").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not the issued document"
    );
    assert_eq!(r.json()["code"], "verification_failed", "closed code");
    assert!(
        r.json()["report"]["indication"].is_string(),
        "the full report comes back"
    );

    // A flipped byte in the signed content.
    let mut tampered = sign(&dev, &issued);
    let pos = issued.len() / 2;
    tampered[pos] ^= 0x01;
    let r = upload(&gw, &token, &id, tampered, "b").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "tampered content"
    );

    // Not a PDF at all.
    let r = upload(&gw, &token, &id, b"hello".to_vec(), "c").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "garbage");

    // A key the gateway never enrolled (self-made certificate chain).
    let token2 = login(&gw, "leader2").await;
    let other = enroll(&gw, &token2).await;
    let r = upload(&gw, &token, &id, sign(&other, &issued), "d").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another leader's device"
    );

    let view = get(&gw, &format!("/api/v1/device/requests/{id}"), Some(&token)).await;
    assert_eq!(
        view.json()["status"],
        "pending",
        "still pending after every rejection"
    );
    assert!(
        view.json()["signed_sha256"].is_null(),
        "no signed document recorded"
    );
}

async fn a_revoked_device_signs_nothing(backend: Backend) {
    let gw = gateway_on(backend).await;
    let issued = pdf("To trinh 5");
    let id = submit(&gw, "leader1", &issued, None).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let token = login(&gw, "leader1").await;
    let dev = enroll(&gw, &token).await;
    let signed = sign(&dev, &issued);
    let admin = login(&gw, "admin").await;
    let r = post_json(
        &gw,
        &format!("/api/v1/admin/devices/{}/revoke", dev.id),
        Some(&admin),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::NO_CONTENT,
        "revoked: {}",
        String::from_utf8_lossy(&r.body)
    );
    let r = upload(&gw, &token, &id, signed, "x").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "refused from the moment of revocation"
    );
}

async fn concurrent_uploads_have_exactly_one_winner(backend: Backend) {
    let gw = gateway_on(backend).await;
    let issued = pdf("Giay moi hop");
    let id = submit(&gw, "leader1", &issued, None).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let token = login(&gw, "leader1").await;
    let dev = enroll(&gw, &token).await;
    let uploads: Vec<_> = (0..8)
        .map(|i| {
            let signed = sign(&dev, &issued);
            let (gw_app, token, id) = (gw.app.clone(), token.clone(), id.clone());
            tokio::spawn(async move {
                let req = axum::http::Request::post(format!("/api/v1/device/requests/{id}/signed"))
                    .header("Authorization", format!("Bearer {token}"))
                    .header("Idempotency-Key", format!("race-{i}"))
                    .body(axum::body::Body::from(signed))
                    .expect("request");
                tower::ServiceExt::oneshot(gw_app, req)
                    .await
                    .expect("infallible")
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for u in uploads {
        statuses.push(u.await.expect("task"));
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "one winner: {statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "the others get 409: {statuses:?}"
    );
}

async fn decline_and_cancel_follow_the_state_machine(backend: Backend) {
    let gw = gateway_on(backend).await;
    let id = submit(&gw, "leader1", &pdf("A"), None).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let token = login(&gw, "leader1").await;
    let r = post_json(
        &gw,
        &format!("/api/v1/device/requests/{id}/decline"),
        Some(&token),
        serde_json::json!({"reason": ""}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a reason is required");
    let r = post_json(
        &gw,
        &format!("/api/v1/device/requests/{id}/decline"),
        Some(&token),
        serde_json::json!({"reason": "Cần bổ sung số liệu"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "declined");
    assert_eq!(
        (
            r.json()["status"].as_str(),
            r.json()["decline_reason"].as_str()
        ),
        (Some("declined"), Some("Cần bổ sung số liệu")),
        "with its reason"
    );
    let ik = gw.integrator_key.clone();
    let r = post_json(
        &gw,
        &format!("/api/v1/requests/{id}/cancel"),
        Some(&ik),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "a declined request cannot be cancelled"
    );
    let id2 = submit(&gw, "leader1", &pdf("B"), None).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let r = post_json(
        &gw,
        &format!("/api/v1/requests/{id2}/cancel"),
        Some(&ik),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(r.json()["status"], "cancelled", "a pending one can");
    let inbox = get(&gw, "/api/v1/device/inbox", Some(&token)).await;
    assert_eq!(
        inbox.json().as_array().map(Vec::len),
        Some(0),
        "neither is in the inbox any more"
    );
}

#[tokio::test]
async fn bad_submissions_are_refused_clearly() {
    let gw = gateway().await;
    let r = submit(&gw, "leader1", b"not a pdf", None).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request")),
        "not a PDF"
    );
    let r = submit(&gw, "nobody", &pdf("x"), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "unknown signer");
    let r = submit(&gw, "admin", &pdf("x"), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "only leaders sign");
}

#[tokio::test]
async fn logins_are_rate_limited_and_wrong_passwords_refused() {
    let gw = gateway().await;
    for _ in 0..5 {
        let r = post_json(
            &gw,
            "/api/v1/auth/login",
            None,
            serde_json::json!({"username": "leader1", "password": "sai"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "wrong password");
    }
    let r = post_json(
        &gw,
        "/api/v1/auth/login",
        None,
        serde_json::json!({"username": "leader1", "password": PASSWORD}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")),
        "locked after five failures"
    );
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let gw = gateway().await;
    let doc = get(&gw, "/api/v1/openapi.json", None).await.json();
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/requests",
        "/api/v1/device/requests/{id}/signed",
        "/api/v1/admin/devices/{id}/revoke",
        "/api/v1/auth/login",
    ] {
        assert!(paths.contains_key(p), "{p} is documented");
    }
    assert!(
        doc["components"]["schemas"]["ErrorBody"].is_object(),
        "the error shape is a schema"
    );
}

#[tokio::test]
async fn demo_seeds_a_province_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = kyso_gateway::AppState::open(
        kyso_gateway::Config::new(dir.path().to_path_buf()),
        None,
        kyso_gateway::system_clock(),
    )
    .await
    .expect("opens");
    let first = kyso_gateway::demo::seed(&state, "kyso-demo")
        .await
        .expect("seeds");
    assert!(first.created, "the first start creates the province");
    let second = kyso_gateway::demo::seed(&state, "kyso-demo")
        .await
        .expect("seeds again");
    assert!(!second.created, "a restart keeps it");
    assert_ne!(
        first.integrator_key, second.integrator_key,
        "each start shows a fresh key (keys are shown once)"
    );
    let gw = crate::support::Gw {
        app: kyso_gateway::app(state.clone()),
        state,
        _dir: dir,
        database_url: None,
        integrator_key: second.integrator_key,
        webhook_secret: second.webhook_secret,
    };
    let mut total = 0;
    for leader in ["leader1", "leader2", "leader3"] {
        let token = login_with(&gw, leader, "kyso-demo").await;
        let inbox = get(&gw, "/api/v1/device/inbox", Some(&token)).await.json();
        let n = inbox.as_array().map(Vec::len).unwrap_or(0);
        assert!(n >= 2, "{leader} has drafts waiting ({n})");
        total += n;
        let first = &inbox[0];
        let doc = get(
            &gw,
            &format!(
                "/api/v1/device/requests/{}/document",
                first["id"].as_str().expect("id")
            ),
            Some(&token),
        )
        .await;
        kyso_pdf::Document::open(doc.body.to_vec()).expect("each draft is a well-formed PDF");
        assert!(
            first["placement"]["rect"].is_array(),
            "drafts say where the signature goes"
        );
    }
    assert_eq!(total, 8, "eight drafts, seeded once");
}

async fn login_with(gw: &crate::support::Gw, user: &str, password: &str) -> String {
    let r = post_json(
        gw,
        "/api/v1/auth/login",
        None,
        serde_json::json!({"username": user, "password": password}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "login {user}");
    r.json()["token"].as_str().expect("token").to_string()
}

#[tokio::test]
async fn serves_over_a_real_socket() {
    let gw = gateway().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("addr");
    let app = gw.app.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = reqwest::Client::new();
    let doc: serde_json::Value = client
        .get(format!("http://{addr}/api/v1/openapi.json"))
        .send()
        .await
        .expect("reachable")
        .json()
        .await
        .expect("json");
    assert_eq!(
        doc["info"]["title"], "Kyso gateway",
        "the OpenAPI document over TCP"
    );
    let r = client
        .get(format!("http://{addr}/api/v1/device/inbox"))
        .send()
        .await
        .expect("reachable");
    assert_eq!(r.status().as_u16(), 401, "and authorization over TCP");
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["code"], "unauthorized", "the error shape over TCP");
}

#[tokio::test]
async fn plain_http_is_refused_off_loopback() {
    let gw = gateway().await;
    let opts = kyso_gateway::ServeOptions {
        data_dir: gw._dir.path().to_path_buf(),
        listen: "0.0.0.0:0".parse().expect("addr"),
        database_url: None,
        tls: None,
    };
    let err = kyso_gateway::serve(opts, gw.state.clone())
        .await
        .expect_err("no TLS on a public address");
    assert!(err.contains("loopback"), "says why: {err}");
}

#[tokio::test]
async fn past_deadlines_expire_with_a_webhook() {
    let gw = gateway().await;
    let (hook, seen) = webhook_receiver().await;
    let id = submit(&gw, "leader1", &pdf("Han chot"), Some(&hook))
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let later = submit(&gw, "leader1", &pdf("Chua den han"), None)
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    // Give the first a deadline in the past and the second one far ahead.
    let db = &gw.state.db;
    for (rid, deadline) in [
        (&id, "2020-01-01T00:00:00+07:00"),
        (&later, "2999-01-01T00:00:00Z"),
    ] {
        sqlx::query(&db.sql("UPDATE requests SET deadline = ? WHERE id = ?"))
            .bind(deadline)
            .bind(rid)
            .execute(db.pool())
            .await
            .expect("update");
    }
    assert_eq!(
        kyso_gateway::requests::expire_due(&gw.state)
            .await
            .expect("runs"),
        1,
        "only the past deadline expires"
    );
    assert_eq!(
        kyso_gateway::requests::expire_due(&gw.state)
            .await
            .expect("runs"),
        0,
        "and only once"
    );
    let ik = gw.integrator_key.clone();
    let v = get(&gw, &format!("/api/v1/requests/{id}"), Some(&ik))
        .await
        .json();
    assert_eq!(v["request"]["status"], "expired", "expired");
    assert_eq!(
        v["history"]
            .as_array()
            .and_then(|h| h.last())
            .map(|h| h["actor"].clone()),
        Some("gateway".into()),
        "by the gateway"
    );
    outbox::deliver_due(&gw.state, &reqwest::Client::new())
        .await
        .expect("delivers");
    let statuses: Vec<String> = seen
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, b)| {
            serde_json::from_slice::<serde_json::Value>(b).expect("json")["status"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(
        statuses,
        vec!["pending", "expired"],
        "the integrator hears about it"
    );
}

/// The inbox (cached on SQLite) follows every change to the leader's
/// requests, its `ETag` answers 304 only while nothing changed, and a
/// session (cached on SQLite) is refused the moment it is logged out.
async fn inbox_and_session_reads_follow_every_change(backend: Backend) {
    let gw = gateway_on(backend).await;
    let token = login(&gw, "leader1").await;
    let other = login(&gw, "leader1").await;
    let inbox = |tag: Option<String>| {
        let (gw, token) = (&gw, token.clone());
        async move {
            let extra: Vec<(&str, &str)> = tag
                .as_deref()
                .map(|t| vec![("If-None-Match", t)])
                .unwrap_or_default();
            let mut b = axum::http::Request::builder()
                .uri("/api/v1/device/inbox")
                .header("Authorization", format!("Bearer {token}"));
            for (k, v) in extra {
                b = b.header(k, v);
            }
            use tower::ServiceExt;
            let resp = gw
                .app
                .clone()
                .oneshot(b.body(axum::body::Body::empty()).expect("request"))
                .await
                .expect("infallible");
            let status = resp.status();
            let etag = resp
                .headers()
                .get("ETag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .expect("body");
            let ids: Vec<String> = if status == StatusCode::OK {
                serde_json::from_slice::<Vec<serde_json::Value>>(&body)
                    .expect("a JSON array")
                    .iter()
                    .map(|r| r["id"].as_str().expect("id").to_string())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect()
            } else {
                assert!(body.is_empty(), "304 has no body");
                Vec::new()
            };
            (status, etag.expect("every answer has an ETag"), ids)
        }
    };
    let (s0, tag0, ids0) = inbox(None).await;
    assert_eq!((s0, ids0.len()), (StatusCode::OK, 0), "empty inbox");
    let (s, tag, _) = inbox(Some(tag0.clone())).await;
    assert_eq!(
        (s, &tag),
        (StatusCode::NOT_MODIFIED, &tag0),
        "unchanged: 304 with the same tag"
    );

    let mut ids = Vec::new();
    for n in 0..3 {
        let r = submit(&gw, "leader1", &pdf(&format!("Cong van {n}")), None).await;
        assert_eq!(r.status, StatusCode::CREATED);
        ids.push(r.json()["id"].as_str().expect("id").to_string());
        let (s, tag, seen) = inbox(Some(tag0.clone())).await;
        assert_eq!(s, StatusCode::OK, "a new draft changes the inbox");
        assert_ne!(tag, tag0);
        assert_eq!(seen.len(), n + 1, "the new draft is listed at once");
    }
    // Clients that accept gzip get the same list gzipped, under its own
    // tag; either tag answers 304 in either coding; `q=0` refuses gzip.
    let ask = |extra: Vec<(&'static str, String)>| {
        let (gw, token) = (&gw, token.clone());
        async move {
            let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
            call(
                gw,
                "GET",
                "/api/v1/device/inbox",
                Some(&token),
                None,
                Vec::new(),
                &extra,
            )
            .await
        }
    };
    let plain = ask(vec![]).await;
    let zipped = ask(vec![("Accept-Encoding", "br, gzip;q=0.8".into())]).await;
    assert_eq!(zipped.status, StatusCode::OK);
    assert_eq!(zipped.headers["content-encoding"], "gzip");
    assert_eq!(zipped.headers["vary"], "accept-encoding");
    assert!(plain.headers.get("content-encoding").is_none());
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&zipped.body[..]),
        &mut unzipped,
    )
    .expect("a gzip body");
    assert_eq!(unzipped, plain.body.to_vec(), "the same JSON");
    assert!(
        zipped.body.len() * 2 < plain.body.len(),
        "smaller: {} < {}",
        zipped.body.len(),
        plain.body.len()
    );
    let (tag_plain, tag_zipped) = (
        plain.headers["etag"].to_str().expect("tag"),
        zipped.headers["etag"].to_str().expect("tag"),
    );
    assert_ne!(
        tag_plain, tag_zipped,
        "another representation, another strong tag"
    );
    for (tag, coding) in [
        (tag_plain, "gzip"),
        (tag_zipped, "identity"),
        (tag_zipped, "gzip"),
    ] {
        let r = ask(vec![
            ("If-None-Match", tag.to_string()),
            ("Accept-Encoding", coding.into()),
        ])
        .await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED, "{tag} with {coding}");
    }
    let refused = ask(vec![("Accept-Encoding", "gzip;q=0, identity".into())]).await;
    assert!(
        refused.headers.get("content-encoding").is_none(),
        "q=0 refuses gzip"
    );
    assert_eq!(refused.body, plain.body);

    // Another leader's draft changes nothing here.
    let (_, tag_before, _) = inbox(None).await;
    assert_eq!(
        submit(&gw, "leader2", &pdf("Khac"), None).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        inbox(Some(tag_before.clone())).await.0,
        StatusCode::NOT_MODIFIED
    );

    // Sign one, decline one, cancel one: each leaves the inbox at once.
    let dev = enroll(&gw, &token).await;
    let doc = get(
        &gw,
        &format!("/api/v1/device/requests/{}/document", ids[0]),
        Some(&token),
    )
    .await;
    let up = upload(&gw, &token, &ids[0], sign(&dev, &doc.body), "k-cache").await;
    assert_eq!(
        up.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&up.body)
    );
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    assert_eq!(inbox(None).await.2, sorted(&ids[1..]), "signed: gone");
    let d = post_json(
        &gw,
        &format!("/api/v1/device/requests/{}/decline", ids[1]),
        Some(&token),
        serde_json::json!({"reason": "Sai thể thức"}),
    )
    .await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(inbox(None).await.2, sorted(&ids[2..]), "declined: gone");
    let c = call(
        &gw,
        "POST",
        &format!("/api/v1/requests/{}/cancel", ids[2]),
        Some(&gw.integrator_key),
        None,
        Vec::new(),
        &[],
    )
    .await;
    assert_eq!(
        c.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&c.body)
    );
    let (s, tag_end, left) = inbox(Some(tag_before)).await;
    assert_eq!((s, left.len()), (StatusCode::OK, 0), "cancelled: gone");
    assert_eq!(tag_end, tag0, "the same list has the same tag");

    // Logout ends this session at once, and only this one.
    let me = get(&gw, "/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK);
    let out = call(
        &gw,
        "POST",
        "/api/v1/auth/logout",
        Some(&token),
        None,
        Vec::new(),
        &[],
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&gw, "/api/v1/me", Some(&token)).await.status,
        StatusCode::UNAUTHORIZED,
        "a logged-out token is refused at once"
    );
    assert_eq!(
        get(&gw, "/api/v1/device/inbox", Some(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&gw, "/api/v1/me", Some(&other)).await.status,
        StatusCode::OK,
        "the leader's other session lives on"
    );
}
