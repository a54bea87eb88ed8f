//! The OpenAPI document against the router, and the one error shape on
//! every rejection: regressions of what `scripts/schemathesis` found.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use kyso_gateway::routes;
use serde_json::Value;

use crate::support::*;

/// The JSON error shape with `code`, and `status`.
#[track_caller]
fn assert_error(r: &Resp, status: StatusCode, code: &str, what: &str) {
    let body: Value = serde_json::from_slice(&r.body).unwrap_or_else(|e| {
        panic!(
            "{what}: the error is not JSON ({e}): {}",
            String::from_utf8_lossy(&r.body)
        )
    });
    assert_eq!(
        (r.status, body["code"].as_str()),
        (status, Some(code)),
        "{what}: {body}"
    );
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: a message for people: {body}"
    );
}

fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    &doc["paths"][path][method.to_ascii_lowercase()]
}

#[tokio::test]
async fn every_route_is_documented_with_its_errors() {
    let gw = gateway().await;
    let doc = get(&gw, "/api/v1/openapi.json", None).await.json();
    let registered: BTreeSet<(String, String)> = routes::registered()
        .into_iter()
        .map(|(m, p)| (m.as_str().to_ascii_lowercase(), p))
        .collect();
    let mut documented = BTreeSet::new();
    let mut operation_ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            documented.insert((method.clone(), path.clone()));
            let id = op["operationId"].as_str().expect("an operationId");
            assert!(
                operation_ids.insert(id.to_string()),
                "operationId {id} is unique"
            );
        }
    }
    assert_eq!(
        registered, documented,
        "the router and the OpenAPI document have the same operations"
    );
    for (method, path) in &registered {
        let op = operation(&doc, method, path);
        let what = format!("{} {path}", method.to_uppercase());
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{what}: a success response"
        );
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        let body = op.get("requestBody").is_some();
        let input = body || op["parameters"].as_array().is_some_and(|p| !p.is_empty());
        for (status, needed) in [
            ("400", input),
            ("401", secured),
            ("403", secured),
            ("413", body),
            ("500", true),
        ] {
            if needed {
                assert!(
                    responses.contains_key(status),
                    "{what}: {status} documented"
                );
            }
        }
        for (status, r) in responses {
            if status.parse::<u16>().is_ok_and(|s| s >= 400) {
                assert_eq!(
                    r["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{what}: {status} is the one error shape"
                );
            }
        }
        // The router serves it: without credentials nothing is 404 or 405,
        // and every refusal is the error shape.
        let uri = path.replace("{id}", "00000000-0000-0000-0000-000000000000");
        let r = call(
            &gw,
            &method.to_uppercase(),
            &uri,
            None,
            None,
            Vec::new(),
            &[],
        )
        .await;
        assert!(
            r.status != StatusCode::NOT_FOUND && r.status != StatusCode::METHOD_NOT_ALLOWED,
            "{what} is routed: {}",
            r.status
        );
        if secured {
            assert_error(&r, StatusCode::UNAUTHORIZED, "unauthorized", &what);
        } else if !r.status.is_success() {
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what} without a body");
            assert_error(&r, StatusCode::BAD_REQUEST, "bad_request", &what);
        }
    }
}

/// schemathesis: JSON bodies without `Content-Type` were answered 415 in
/// plain text, malformed ones 400 in plain text, ones with fields of the
/// wrong type 422 in plain text (422 is the verifier's refusal here).
#[tokio::test]
async fn bad_json_bodies_are_400_with_the_error_shape() {
    let gw = gateway().await;
    let leader = login(&gw, "leader1").await;
    let id = submit(&gw, "leader1", &pdf("Tu choi"), None).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let decline = format!("/api/v1/device/requests/{id}/decline");
    // (path, credentials, Content-Type, body)
    type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);
    let cases: [Case; 6] = [
        (
            "/api/v1/auth/login",
            None,
            None,
            br#"{"username":"a","password":"b"}"#,
        ),
        (
            "/api/v1/auth/login",
            None,
            Some("application/json"),
            b"\x00",
        ),
        (
            "/api/v1/auth/login",
            None,
            Some("application/json"),
            br#"{"username":null,"password":{}}"#,
        ),
        ("/api/v1/auth/login", None, Some("text/plain"), b"{}"),
        (&decline, Some(&leader), None, br#"{"reason":"x"}"#),
        (
            &decline,
            Some(&leader),
            Some("application/json"),
            br#"{"reason":7}"#,
        ),
    ];
    for (uri, token, ct, body) in cases {
        let r = call(&gw, "POST", uri, token, ct, body.to_vec(), &[]).await;
        assert_error(
            &r,
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("POST {uri} ({ct:?}) {}", String::from_utf8_lossy(body)),
        );
    }
    let r = get(&gw, &format!("/api/v1/device/requests/{id}"), Some(&leader)).await;
    assert_eq!(
        r.json()["status"],
        "pending",
        "the bad declines changed nothing"
    );
}

/// schemathesis: a path segment that is not UTF-8 once decoded was a
/// plain-text 400.
#[tokio::test]
async fn a_path_that_is_not_utf8_is_400_with_the_error_shape() {
    let gw = gateway().await;
    let leader = login(&gw, "leader1").await;
    for (uri, token) in [
        ("/api/v1/device/requests/%FF", Some(leader.as_str())),
        (
            "/api/v1/requests/%C3%28/report",
            Some(gw.integrator_key.as_str()),
        ),
    ] {
        let r = get(&gw, uri, token).await;
        assert_error(&r, StatusCode::BAD_REQUEST, "bad_request", uri);
    }
}

/// schemathesis: a submission that is not multipart was a plain-text 400,
/// and a broken multipart stream was answered 413 `payload_too_large`.
#[tokio::test]
async fn bad_multipart_submissions_are_400_with_the_error_shape() {
    let gw = gateway().await;
    let key = gw.integrator_key.clone();
    let truncated =
        b"--kyso\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n%PDF-1.7 and then noth"
            .to_vec();
    let cases: [(Option<&str>, Vec<u8>); 3] = [
        (None, b"file=x".to_vec()),
        (Some("multipart/form-data"), b"--x--\r\n".to_vec()),
        (Some("multipart/form-data; boundary=kyso"), truncated),
    ];
    for (ct, body) in cases {
        let r = call(&gw, "POST", "/api/v1/requests", Some(&key), ct, body, &[]).await;
        assert_error(
            &r,
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("POST /api/v1/requests as {ct:?}"),
        );
    }
}

/// Bodies over the upload limit were a plain-text 413.
#[tokio::test]
async fn bodies_over_the_limit_are_413_with_the_error_shape() {
    let gw = gateway().await;
    let leader = login(&gw, "leader1").await;
    let id = submit(&gw, "leader1", &pdf("Qua lon"), None).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let small = Gw {
        app: routes::router(1024).with_state(gw.state.clone()),
        ..gw
    };
    let big = vec![b'x'; 4096];
    let r = upload(&small, &leader, &id, big.clone(), "qua-lon").await;
    assert_error(
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "signed upload",
    );
    let mut json = br#"{"reason":""#.to_vec();
    json.extend_from_slice(&big);
    json.extend_from_slice(br#""}"#);
    let r = call(
        &small,
        "POST",
        &format!("/api/v1/device/requests/{id}/decline"),
        Some(&leader),
        Some("application/json"),
        json,
        &[],
    )
    .await;
    assert_error(
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "JSON body",
    );
    let mut multipart = b"--kyso\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n".to_vec();
    multipart.extend_from_slice(&big);
    multipart.extend_from_slice(b"\r\n--kyso--\r\n");
    let r = call(
        &small,
        "POST",
        "/api/v1/requests",
        Some(&small.integrator_key.clone()),
        Some("multipart/form-data; boundary=kyso"),
        multipart,
        &[],
    )
    .await;
    assert_error(
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "multipart submission",
    );
}

/// Unknown paths and methods were empty-bodied 404 and 405.
#[tokio::test]
async fn unknown_routes_and_methods_have_the_error_shape() {
    let gw = gateway().await;
    for uri in ["/api/v1/nothing-here", "/", "/api/v2/me"] {
        let r = get(&gw, uri, None).await;
        assert_error(&r, StatusCode::NOT_FOUND, "not_found", uri);
    }
    let r = call(&gw, "DELETE", "/api/v1/me", None, None, Vec::new(), &[]).await;
    assert_error(
        &r,
        StatusCode::METHOD_NOT_ALLOWED,
        "bad_request",
        "DELETE /api/v1/me",
    );
}

/// schemathesis on PostgreSQL: text with U+0000 (a login name, a key name)
/// reached the database, which refuses it: 500. Now 400 on both backends,
/// before any handler runs.
async fn text_with_nul_is_400(backend: Backend) {
    let gw = gateway_on(backend).await;
    let leader = login(&gw, "leader1").await;
    let admin = login(&gw, "admin").await;
    let id = submit(&gw, "leader1", &pdf("Ky tu NUL"), None).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let json_cases = [
        (
            "/api/v1/auth/login".to_string(),
            None,
            serde_json::json!({"username": "leader1\u{0}", "password": PASSWORD}),
        ),
        (
            "/api/v1/admin/integrator-keys".to_string(),
            Some(admin.as_str()),
            serde_json::json!({"name": "\u{0}"}),
        ),
        (
            "/api/v1/admin/units".to_string(),
            Some(admin.as_str()),
            serde_json::json!({"name": "Sở\u{0}", "parent_id": null, "x\u{0}": 1}),
        ),
        (
            format!("/api/v1/device/requests/{id}/decline"),
            Some(leader.as_str()),
            serde_json::json!({"reason": "không\u{0}"}),
        ),
    ];
    for (uri, token, body) in json_cases {
        let r = post_json(&gw, &uri, token, body.clone()).await;
        assert_error(
            &r,
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("POST {uri} {body}"),
        );
    }
    for (uri, token) in [
        ("/api/v1/device/requests/a%00b".to_string(), leader.as_str()),
        (
            format!("/api/v1/requests/{id}%00"),
            gw.integrator_key.as_str(),
        ),
    ] {
        let r = get(&gw, &uri, Some(token)).await;
        assert_error(&r, StatusCode::BAD_REQUEST, "bad_request", &uri);
    }
    // The metadata part of a submission follows the same rule.
    let boundary = "kysoNUL";
    let meta = serde_json::json!({"title": "Tờ trình\u{0}", "document_type": "tờ trình",
        "urgency": "normal", "signer": "leader1"});
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{meta}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n").into_bytes();
    body.extend_from_slice(&pdf("x"));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = call(
        &gw,
        "POST",
        "/api/v1/requests",
        Some(&gw.integrator_key.clone()),
        Some(&format!("multipart/form-data; boundary={boundary}")),
        body,
        &[],
    )
    .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bad_request", "metadata");
    // Nothing was written: the request is still pending, no key or unit was made.
    let r = get(&gw, &format!("/api/v1/device/requests/{id}"), Some(&leader)).await;
    assert_eq!(r.json()["status"], "pending", "the decline was refused");
    let units = get(&gw, "/api/v1/admin/units", Some(&admin)).await.json();
    assert_eq!(
        units.as_array().map(Vec::len),
        Some(1),
        "no unit was created: {units}"
    );
}

mod nul {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::text_with_nul_is_400(super::Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::text_with_nul_is_400(super::Backend::Postgres).await
    }
}
