//! The authorisation matrix: every route × every kind of caller × their own
//! or someone else's resource. Every refused call is made first and must
//! change nothing; then each allowed call is made once and must succeed.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use crate::support::*;

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// A well-formed but unknown session token.
    ForgedSession,
    /// A well-formed but unknown integrator key.
    ForgedKey,
    /// The document system that submitted the requests.
    Integrator,
    /// Another document system of the province.
    OtherIntegrator,
    /// The leader the requests are addressed to.
    Assignee,
    OtherLeader,
    Clerk,
    Admin,
}

const EVERYONE: [Who; 9] = [
    Who::Anonymous,
    Who::ForgedSession,
    Who::ForgedKey,
    Who::Integrator,
    Who::OtherIntegrator,
    Who::Assignee,
    Who::OtherLeader,
    Who::Clerk,
    Who::Admin,
];

/// Who a route is for.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// Anyone, without credentials.
    Public,
    /// Any person with a session (not a document system).
    AnyPerson,
    /// Any leader, about their own requests.
    Leader,
    /// Only the leader the request is addressed to; 404 for other leaders.
    Assignee,
    /// Any document system.
    AnyIntegrator,
    /// Only the document system that submitted the request; 404 for others.
    Submitter,
    Admin,
    /// Any document system, or a clerk (creating meetings).
    MeetingCreator,
    /// Only the document system that created the meeting; 404 for another
    /// and for a clerk (who did not create it).
    MeetingOwner,
    /// A participant of the meeting (leader1 chairs it, clerk1 takes part);
    /// 404 for other people.
    Participant,
    /// Only the meeting's chair (leader1): 403 for the other participant,
    /// 404 for other people.
    Chair,
    /// A clerk (issuance, of the clerk's own unit).
    Clerk,
}

/// What the matrix expects from `who` on a route for `access`: `None` when
/// the call is allowed.
fn refusal(access: Access, who: Who) -> Option<StatusCode> {
    use Who::*;
    if matches!(access, Access::Public) {
        return None;
    }
    if matches!(who, Anonymous | ForgedSession | ForgedKey) {
        return Some(StatusCode::UNAUTHORIZED);
    }
    let person = matches!(who, Assignee | OtherLeader | Clerk | Admin);
    let leader = matches!(who, Assignee | OtherLeader);
    let integrator = matches!(who, Integrator | OtherIntegrator);
    let forbidden = Some(StatusCode::FORBIDDEN);
    match access {
        Access::Public => None,
        Access::AnyPerson => (!person).then_some(StatusCode::FORBIDDEN),
        Access::Leader => (!leader).then_some(StatusCode::FORBIDDEN),
        Access::Assignee if !leader => forbidden,
        Access::Assignee => (who == OtherLeader).then_some(StatusCode::NOT_FOUND),
        Access::AnyIntegrator => (!integrator).then_some(StatusCode::FORBIDDEN),
        Access::Submitter if !integrator => forbidden,
        Access::Submitter => (who == OtherIntegrator).then_some(StatusCode::NOT_FOUND),
        Access::Admin => (who != Admin).then_some(StatusCode::FORBIDDEN),
        Access::Clerk => (who != Clerk).then_some(StatusCode::FORBIDDEN),
        Access::MeetingCreator => (!(integrator || who == Clerk)).then_some(StatusCode::FORBIDDEN),
        Access::MeetingOwner if who == Integrator => None,
        Access::MeetingOwner if who == OtherIntegrator || who == Clerk => {
            Some(StatusCode::NOT_FOUND)
        }
        Access::MeetingOwner => forbidden,
        Access::Participant | Access::Chair if integrator => forbidden,
        Access::Participant | Access::Chair if who == OtherLeader || who == Admin => {
            Some(StatusCode::NOT_FOUND)
        }
        Access::Participant => None,
        Access::Chair => (who != Assignee).then_some(StatusCode::FORBIDDEN),
    }
}

/// A request body.
#[derive(Clone)]
enum Payload {
    Empty,
    Json(serde_json::Value),
    Pdf(Vec<u8>),
    /// An RFC 3161 TimeStampReq (`application/timestamp-query`).
    TimestampQuery,
    /// A draft for leader1 as multipart.
    Draft,
    /// An enrollment with a fresh nonce of the caller (when the caller is a
    /// person) and a fresh CSR.
    Enroll,
    /// A meeting as multipart: chaired by leader1, with clerk1.
    Meeting,
}

/// The meeting of the matrix: chaired by leader1 (the assignee), with clerk1.
fn meeting_metadata() -> serde_json::Value {
    serde_json::json!({"title": "Họp giao ban", "starts_at": "2026-03-09T08:00:00+07:00",
        "ends_at": "2026-03-09T09:00:00+07:00", "place": "Phòng họp 2", "chair": "leader1",
        "participants": ["clerk1"],
        "agenda": [{"title": "Nội dung 1", "documents": [{"title": "Tờ trình", "file": 0}]}]})
}

/// [`meeting_metadata`] and a PDF as the multipart body of `POST /meetings`.
fn meeting_body(boundary: &str) -> Vec<u8> {
    let meta = meeting_metadata();
    let mut b = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{meta}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"m.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").into_bytes();
    b.extend_from_slice(&pdf("Hop"));
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    b
}

struct Route {
    method: &'static str,
    uri: String,
    access: Access,
    payload: Payload,
    /// The status of an allowed call.
    ok: StatusCode,
}

fn route(method: &'static str, uri: &str, access: Access, payload: Payload, ok: u16) -> Route {
    Route {
        method,
        uri: uri.to_string(),
        access,
        payload,
        ok: StatusCode::from_u16(ok).expect("status"),
    }
}

struct Callers {
    integrator: String,
    other_integrator: String,
    assignee: String,
    other_leader: String,
    clerk: String,
    admin: String,
}

impl Callers {
    fn token(&self, who: Who) -> Option<&str> {
        Some(match who {
            Who::Anonymous => return None,
            Who::ForgedSession => "kyso_s_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            Who::ForgedKey => "kyso_ik_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            Who::Integrator => &self.integrator,
            Who::OtherIntegrator => &self.other_integrator,
            Who::Assignee => &self.assignee,
            Who::OtherLeader => &self.other_leader,
            Who::Clerk => &self.clerk,
            Who::Admin => &self.admin,
        })
    }
}

/// Calls a route and returns only the status (the event stream never ends).
async fn status_of(gw: &Gw, r: &Route, token: Option<&str>) -> StatusCode {
    let boundary = "kysoAUTHZ";
    let (content_type, body) = match &r.payload {
        Payload::Empty => (None, Vec::new()),
        Payload::Json(v) => (
            Some("application/json".to_string()),
            serde_json::to_vec(v).expect("json"),
        ),
        Payload::Pdf(b) => (Some("application/pdf".to_string()), b.clone()),
        Payload::TimestampQuery => (
            Some("application/timestamp-query".to_string()),
            kyso_pdf::timestamp::request(&[7; 32], 42).expect("a TimeStampReq"),
        ),
        Payload::Draft => {
            let meta = serde_json::json!({"title": "Công văn", "number_symbol": "1/UBND-VP",
                "document_type": "công văn", "urgency": "normal", "signer": "leader1"});
            let mut b = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{meta}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").into_bytes();
            b.extend_from_slice(&pdf("Ma tran"));
            b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            (Some(format!("multipart/form-data; boundary={boundary}")), b)
        }
        Payload::Meeting => (
            Some(format!("multipart/form-data; boundary={boundary}")),
            meeting_body(boundary),
        ),
        Payload::Enroll => {
            let nonce = match token {
                Some(t) if t.starts_with("kyso_s_") => {
                    let n = get(gw, "/api/v1/device/enroll/nonce", Some(t)).await;
                    if n.status == StatusCode::OK {
                        n.json()["nonce"].as_str().expect("nonce").to_string()
                    } else {
                        "bm9uY2U=".to_string()
                    }
                }
                _ => "bm9uY2U=".to_string(),
            };
            let sk = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
            let csr = kyso_gateway::ca::csr_pem(&sk, "device").expect("csr");
            let v = serde_json::json!({"nonce": nonce, "csr_pem": csr, "platform": "linux", "model": "matrix"});
            (
                Some("application/json".to_string()),
                serde_json::to_vec(&v).expect("json"),
            )
        }
    };
    let mut b = Request::builder()
        .method(r.method)
        .uri(&r.uri)
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string());
    if let Some(t) = token {
        b = b.header("Authorization", format!("Bearer {t}"));
    }
    if let Some(ct) = content_type {
        b = b.header("Content-Type", ct);
    }
    let resp = gw
        .app
        .clone()
        .oneshot(b.body(Body::from(body)).expect("request"))
        .await
        .expect("infallible");
    resp.status()
}

/// What an administrator can count, and every request's status: none of it
/// may change when a call is refused.
async fn snapshot(gw: &Gw, admin: &str, ids: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for uri in [
        "/api/v1/admin/units",
        "/api/v1/admin/users",
        "/api/v1/admin/devices",
        "/api/v1/admin/audit",
    ] {
        let r = get(gw, uri, Some(admin)).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        out.push(format!(
            "{uri}: {}",
            r.json().as_array().expect("list").len()
        ));
    }
    for id in ids {
        let r = requests_status(gw, id).await;
        out.push(format!("{id}: {r}"));
    }
    out
}

async fn requests_status(gw: &Gw, id: &str) -> String {
    let r = get(
        gw,
        &format!("/api/v1/requests/{id}"),
        Some(&gw.integrator_key),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()["request"]["status"]
        .as_str()
        .expect("status")
        .to_string()
}

fn id_of(r: &Resp) -> String {
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()["id"].as_str().expect("id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_every_caller() {
    let gw = gateway().await;
    let assignee = login(&gw, "leader1").await;
    let other_leader = login(&gw, "leader2").await;
    // Requests of the integrator, addressed to leader1: one already signed
    // (for the downloads), one each to cancel, decline and sign.
    let dev = enroll(&gw, &assignee).await;
    let signed = id_of(&submit(&gw, "leader1", &pdf("Da ky"), None).await);
    let to_cancel = id_of(&submit(&gw, "leader1", &pdf("Huy"), None).await);
    let to_decline = id_of(&submit(&gw, "leader1", &pdf("Tra lai"), None).await);
    let to_sign = id_of(&submit(&gw, "leader1", &pdf("Ky"), None).await);
    let issued = get(
        &gw,
        &format!("/api/v1/device/requests/{signed}/document"),
        Some(&assignee),
    )
    .await;
    let r = upload(&gw, &assignee, &signed, sign(&dev, &issued.body), "k0").await;
    assert_eq!(r.status, StatusCode::OK);
    let issued = get(
        &gw,
        &format!("/api/v1/device/requests/{to_sign}/document"),
        Some(&assignee),
    )
    .await;
    let upload_body = sign(&dev, &issued.body);
    // An issued request with a copy (for the copies' routes).
    let copied = id_of(&submit(&gw, "leader1", &pdf("Ban sao"), None).await);
    let draft = get(
        &gw,
        &format!("/api/v1/device/requests/{copied}/document"),
        Some(&assignee),
    )
    .await;
    let r = upload(&gw, &assignee, &copied, sign(&dev, &draft.body), "k1").await;
    assert_eq!(r.status, StatusCode::OK);
    let clerk = login(&gw, "clerk1").await;
    issued_request(&gw, &clerk, &copied, "13/UBND-VP").await;
    let r = post_json(
        &gw,
        &format!("/api/v1/clerk/requests/{copied}/copies"),
        Some(&clerk),
        serde_json::json!({"kind": "sao_y", "number_symbol": "01/SY-UBND"}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let copy_id = r.json()["id"].as_str().expect("id").to_string();
    // A device of leader2, to revoke.
    let lost = enroll(&gw, &other_leader).await;

    // An incoming document of the integrator.
    let inc = post_json(
        &gw,
        "/api/v1/incoming",
        Some(&gw.integrator_key),
        serde_json::json!({"external_id": "IN-1", "title": "Công văn đến", "document_type": "công văn",
            "sender": "Bộ Nội vụ"}),
    )
    .await;
    assert_eq!(
        inc.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&inc.body)
    );
    let inc = inc.json()["incoming"]["id"]
        .as_str()
        .expect("id")
        .to_string();

    // A meeting of the integrator, chaired by leader1, with clerk1.
    let meeting = call(
        &gw,
        "POST",
        "/api/v1/meetings",
        Some(&gw.integrator_key),
        Some("multipart/form-data; boundary=kysoM"),
        meeting_body("kysoM"),
        &[],
    )
    .await;
    let meeting = {
        assert_eq!(
            meeting.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&meeting.body)
        );
        meeting.json()
    };
    let mid = meeting["id"].as_str().expect("id").to_string();
    let item = meeting["agenda"][0]["id"]
        .as_str()
        .expect("item")
        .to_string();
    let mdoc = meeting["agenda"][0]["documents"][0]["id"]
        .as_str()
        .expect("doc")
        .to_string();

    let other = kyso_gateway::admin::create_integrator_key(&gw.state, "test", "Hệ thống khác")
        .await
        .expect("key");
    let callers = Callers {
        integrator: gw.integrator_key.clone(),
        other_integrator: other.key,
        assignee,
        other_leader,
        clerk: login(&gw, "clerk1").await,
        admin: login(&gw, "admin").await,
    };

    use Payload::*;
    let reason = serde_json::json!({"reason": "Đề nghị bổ sung số liệu"});
    let unit_id = get(&gw, "/api/v1/admin/units", Some(&callers.admin))
        .await
        .json()[0]["id"]
        .as_str()
        .expect("unit")
        .to_string();
    let new_user = |name: &str| {
        Json(
            serde_json::json!({"username": name, "full_name": "Lê Thị Mới", "title": "Phó Chủ tịch",
            "role": "leader", "unit_id": unit_id, "password": PASSWORD}),
        )
    };
    let routes = vec![
        route("GET", "/api/v1/openapi.json", Access::Public, Empty, 200),
        route("GET", "/api/v1/ca", Access::Public, Empty, 200),
        route("GET", "/api/v1/ca/crl", Access::Public, Empty, 200),
        route("POST", "/api/v1/tsa", Access::Public, TimestampQuery, 200),
        route(
            "POST",
            "/api/v1/auth/login",
            Access::Public,
            Json(serde_json::json!({"username": "clerk1", "password": PASSWORD})),
            200,
        ),
        route("GET", "/api/v1/me", Access::AnyPerson, Empty, 200),
        route(
            "GET",
            "/api/v1/device/enroll/nonce",
            Access::AnyPerson,
            Empty,
            200,
        ),
        route(
            "POST",
            "/api/v1/device/enroll",
            Access::AnyPerson,
            Enroll,
            201,
        ),
        route("GET", "/api/v1/device/inbox", Access::Leader, Empty, 200),
        route(
            "GET",
            "/api/v1/device/events",
            Access::AnyPerson,
            Empty,
            200,
        ),
        route(
            "GET",
            &format!("/api/v1/device/requests/{to_sign}"),
            Access::Assignee,
            Empty,
            200,
        ),
        route(
            "GET",
            &format!("/api/v1/device/requests/{to_sign}/document"),
            Access::Assignee,
            Empty,
            200,
        ),
        route(
            "GET",
            &format!("/api/v1/device/requests/{signed}/signed"),
            Access::Assignee,
            Empty,
            200,
        ),
        route(
            "POST",
            &format!("/api/v1/device/requests/{to_decline}/decline"),
            Access::Assignee,
            Json(reason),
            200,
        ),
        route(
            "POST",
            &format!("/api/v1/device/requests/{to_sign}/signed"),
            Access::Assignee,
            Pdf(upload_body),
            200,
        ),
        route(
            "POST",
            "/api/v1/requests",
            Access::AnyIntegrator,
            Draft,
            201,
        ),
        route(
            "GET",
            &format!("/api/v1/requests/{signed}"),
            Access::Submitter,
            Empty,
            200,
        ),
        route(
            "GET",
            &format!("/api/v1/requests/{signed}/signed"),
            Access::Submitter,
            Empty,
            200,
        ),
        route(
            "GET",
            &format!("/api/v1/requests/{signed}/report"),
            Access::Submitter,
            Empty,
            200,
        ),
        route(
            "POST",
            &format!("/api/v1/requests/{to_cancel}/cancel"),
            Access::Submitter,
            Empty,
            200,
        ),
        route(
            "POST",
            "/api/v1/incoming",
            Access::AnyIntegrator,
            Json(
                serde_json::json!({"external_id": "IN-2", "title": "Giấy mời", "document_type": "giấy mời",
                "sender": "Sở Tài chính"}),
            ),
            201,
        ),
        route(
            "GET",
            &format!("/api/v1/incoming/{inc}"),
            Access::Submitter,
            Empty,
            200,
        ),
        route(
            "POST",
            &format!("/api/v1/incoming/{inc}/status"),
            Access::Submitter,
            Json(serde_json::json!({"status": "03"})),
            200,
        ),
        route("GET", "/api/v1/device/incoming", Access::Leader, Empty, 200),
        route("GET", "/api/v1/admin/units", Access::Admin, Empty, 200),
        route(
            "POST",
            "/api/v1/admin/units",
            Access::Admin,
            Json(serde_json::json!({"name": "Sở Tư pháp", "parent_id": unit_id})),
            201,
        ),
        route("GET", "/api/v1/admin/users", Access::Admin, Empty, 200),
        route(
            "POST",
            "/api/v1/admin/users",
            Access::Admin,
            new_user("leader9"),
            201,
        ),
        route(
            "POST",
            "/api/v1/admin/integrator-keys",
            Access::Admin,
            Json(serde_json::json!({"name": "Cổng dịch vụ công"})),
            201,
        ),
        route("GET", "/api/v1/admin/devices", Access::Admin, Empty, 200),
        route(
            "POST",
            &format!("/api/v1/admin/devices/{}/revoke", lost.id),
            Access::Admin,
            Empty,
            204,
        ),
        route("GET", "/api/v1/admin/audit", Access::Admin, Empty, 200),
        route(
            "PUT",
            &format!("/api/v1/device/devices/{}/push", dev.id),
            Access::Assignee,
            Json(serde_json::json!({"provider": "fcm", "token": "fcm-token:APA91b-test"})),
            204,
        ),
        route(
            "DELETE",
            &format!("/api/v1/device/devices/{}/push", dev.id),
            Access::Assignee,
            Empty,
            204,
        ),
        route(
            "GET",
            "/api/v1/device/quiet-hours",
            Access::Leader,
            Empty,
            200,
        ),
        route(
            "PUT",
            "/api/v1/device/quiet-hours",
            Access::Leader,
            Json(serde_json::json!({"start": "22:00", "end": "06:30"})),
            200,
        ),
        route(
            "POST",
            "/api/v1/meetings",
            Access::MeetingCreator,
            Meeting,
            201,
        ),
        route(
            "GET",
            &format!("/api/v1/meetings/{mid}"),
            Access::MeetingOwner,
            Empty,
            200,
        ),
        route(
            "GET",
            &format!("/api/v1/meetings/{mid}/summary"),
            Access::MeetingOwner,
            Empty,
            200,
        ),
        route(
            "GET",
            "/api/v1/device/meetings",
            Access::AnyPerson,
            Empty,
            200,
        ),
        route(
            "GET",
            &format!("/api/v1/device/meetings/{mid}"),
            Access::Participant,
            Empty,
            200,
        ),
        route(
            "GET",
            &format!("/api/v1/device/meetings/{mid}/documents/{mdoc}"),
            Access::Participant,
            Empty,
            200,
        ),
        route(
            "POST",
            &format!("/api/v1/device/meetings/{mid}/items/{item}/opinions"),
            Access::Participant,
            Json(serde_json::json!({"kind": "disagree", "text": "Chưa đủ căn cứ"})),
            201,
        ),
        route(
            "GET",
            &format!("/api/v1/device/meetings/{mid}/summary"),
            Access::Participant,
            Empty,
            200,
        ),
        route(
            "GET",
            &format!("/api/v1/device/meetings/{mid}/events"),
            Access::Participant,
            Empty,
            200,
        ),
        route(
            "POST",
            &format!("/api/v1/device/meetings/{mid}/presenter"),
            Access::Chair,
            Json(serde_json::json!({"document_id": mdoc, "page": 1, "zoom": 1.0})),
            200,
        ),
        route(
            "POST",
            &format!("/api/v1/device/meetings/{mid}/presenter/delegate"),
            Access::Chair,
            Json(serde_json::json!({"presenter": null})),
            200,
        ),
        route("GET", "/api/v1/clerk/issuance", Access::Clerk, Empty, 200),
        route(
            "GET",
            &format!("/api/v1/clerk/requests/{signed}/signed"),
            Access::Clerk,
            Empty,
            200,
        ),
        // The signed request issued with the agency seal, then its PDF.
        route(
            "POST",
            &format!("/api/v1/clerk/requests/{signed}/issue"),
            Access::Clerk,
            Json(serde_json::json!({"number_symbol": "12/UBND-VP", "date": "2026-03-05"})),
            200,
        ),
        route(
            "GET",
            &format!("/api/v1/clerk/requests/{signed}/issued"),
            Access::Clerk,
            Empty,
            200,
        ),
        route(
            "POST",
            &format!("/api/v1/clerk/requests/{copied}/copies"),
            Access::Clerk,
            Json(serde_json::json!({"kind": "sao_luc", "number_symbol": "02/SL-UBND"})),
            201,
        ),
        route(
            "GET",
            &format!("/api/v1/clerk/requests/{copied}/copies"),
            Access::Clerk,
            Empty,
            200,
        ),
        route(
            "GET",
            &format!("/api/v1/clerk/requests/{copied}/copies/{copy_id}"),
            Access::Clerk,
            Empty,
            200,
        ),
        // Last: it ends the caller's session.
        route("POST", "/api/v1/auth/logout", Access::AnyPerson, Empty, 204),
    ];

    // The matrix covers every operation the OpenAPI document describes.
    let spec = get(&gw, "/api/v1/openapi.json", None).await.json();
    let mut described = Vec::new();
    for (path, ops) in spec["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("ops").keys() {
            described.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    let templated = |r: &Route| {
        let mut u = r.uri.clone();
        u = u.replace(copy_id.as_str(), "{copy_id}");
        for id in [
            &copied,
            &signed,
            &to_cancel,
            &to_decline,
            &to_sign,
            &lost.id,
            &dev.id,
            &inc,
            &mid,
        ] {
            u = u.replace(id.as_str(), "{id}");
        }
        u = u
            .replace(mdoc.as_str(), "{doc}")
            .replace(item.as_str(), "{item}");
        format!("{} {u}", r.method)
    };
    for op in &described {
        assert!(
            routes.iter().any(|r| &templated(r) == op),
            "the matrix misses {op}"
        );
    }

    // Every refusal first; none of them may change anything.
    let ids = [
        signed.as_str(),
        to_cancel.as_str(),
        to_decline.as_str(),
        to_sign.as_str(),
    ];
    let before = snapshot(&gw, &callers.admin, &ids).await;
    let mut refused = 0;
    for r in &routes {
        for who in EVERYONE {
            if let Some(want) = refusal(r.access, who) {
                let got = status_of(&gw, r, callers.token(who)).await;
                assert_eq!(got, want, "{} {} as {who:?}", r.method, r.uri);
                refused += 1;
            }
        }
    }
    assert!(refused > 150, "only {refused} refusals were tried");
    assert_eq!(
        snapshot(&gw, &callers.admin, &ids).await,
        before,
        "a refused call changed something"
    );

    // Then every allowed call. Downloads and reads by everyone allowed; the
    // state changes once, by their owner.
    for r in &routes {
        let allowed: Vec<Who> = EVERYONE
            .into_iter()
            .filter(|w| refusal(r.access, *w).is_none())
            .collect();
        let changes_state = r.method == "POST" && !r.uri.ends_with("/login");
        let callers_here: Vec<Who> = if changes_state && allowed.len() > 1 {
            match r.access {
                Access::Assignee => vec![Who::Assignee],
                Access::Submitter | Access::AnyIntegrator => vec![Who::Integrator],
                _ => allowed,
            }
        } else {
            allowed
        };
        for who in callers_here {
            let got = status_of(&gw, r, callers.token(who)).await;
            assert_eq!(got, r.ok, "{} {} as {who:?}", r.method, r.uri);
        }
    }
    assert_eq!(requests_status(&gw, &to_cancel).await, "cancelled");
    assert_eq!(requests_status(&gw, &to_decline).await, "declined");
    assert_eq!(requests_status(&gw, &to_sign).await, "signed");
    assert_eq!(requests_status(&gw, &signed).await, "issued");
    // Logged out sessions are gone.
    assert_eq!(
        get(&gw, "/api/v1/me", Some(&callers.clerk)).await.status,
        StatusCode::UNAUTHORIZED
    );
}
