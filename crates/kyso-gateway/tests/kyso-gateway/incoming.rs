//! Incoming documents through the edXML statuses 01–06.

use axum::http::StatusCode;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incoming_documents_follow_the_edxml_statuses_on_sqlite() {
    incoming_documents_follow_the_edxml_statuses(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incoming_documents_follow_the_edxml_statuses_on_postgres() {
    incoming_documents_follow_the_edxml_statuses(Backend::Postgres).await
}

async fn status(gw: &Gw, id: &str, body: serde_json::Value) -> Resp {
    post_json(
        gw,
        &format!("/api/v1/incoming/{id}/status"),
        Some(&gw.integrator_key),
        body,
    )
    .await
}

async fn assigned(gw: &Gw, token: &str) -> Vec<String> {
    let r = get(gw, "/api/v1/device/incoming", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()
        .as_array()
        .expect("list")
        .iter()
        .map(|d| d["id"].as_str().expect("id").to_string())
        .collect()
}

async fn incoming_documents_follow_the_edxml_statuses(backend: Backend) {
    let gw = gateway_on(backend).await;
    let ik = gw.integrator_key.clone();
    let doc = serde_json::json!({
        "external_id": "000.00.00.G12-2026-0045",
        "title": "Công văn về việc triển khai nền tảng ký số trên thiết bị di động",
        "number_symbol": "45/BTTTT-VP",
        "document_type": "công văn",
        "sender": "Bộ Thông tin và Truyền thông",
        "sender_code": "000.00.00.G12",
    });
    let r = post_json(&gw, "/api/v1/incoming", Some(&ik), doc.clone()).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let j = r.json();
    assert_eq!(j["incoming"]["status"], "01");
    let id = j["incoming"]["id"].as_str().expect("id").to_string();
    let again = post_json(&gw, "/api/v1/incoming", Some(&ik), doc).await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "one document per external id"
    );

    // No skipping ahead; a refusal needs its reason; 04 needs a leader.
    for (body, want) in [
        (serde_json::json!({"status": "05"}), StatusCode::CONFLICT),
        (
            serde_json::json!({"status": "04", "assignee": "leader1"}),
            StatusCode::CONFLICT,
        ),
        (serde_json::json!({"status": "02"}), StatusCode::BAD_REQUEST),
        (serde_json::json!({"status": "13"}), StatusCode::BAD_REQUEST),
    ] {
        let r = status(&gw, &id, body.clone()).await;
        assert_eq!(
            r.status,
            want,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    assert_eq!(
        status(&gw, &id, serde_json::json!({"status": "03"}))
            .await
            .status,
        StatusCode::OK
    );
    for body in [
        serde_json::json!({"status": "04"}),
        serde_json::json!({"status": "04", "assignee": "clerk1"}),
        serde_json::json!({"status": "04", "assignee": "nobody"}),
    ] {
        assert_eq!(
            status(&gw, &id, body.clone()).await.status,
            StatusCode::BAD_REQUEST,
            "{body}"
        );
    }
    let leader1 = login(&gw, "leader1").await;
    let leader2 = login(&gw, "leader2").await;
    let r = status(
        &gw,
        &id,
        serde_json::json!({"status": "04", "assignee": "leader1"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["incoming"]["assignee"], "leader1");
    assert_eq!(assigned(&gw, &leader1).await, std::slice::from_ref(&id));
    assert!(assigned(&gw, &leader2).await.is_empty());
    // Reassigned to leader2.
    let r = status(
        &gw,
        &id,
        serde_json::json!({"status": "04", "assignee": "leader2", "note": "Đồng chí Bình xử lý"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(assigned(&gw, &leader1).await.is_empty());
    assert_eq!(assigned(&gw, &leader2).await, std::slice::from_ref(&id));
    for s in ["05", "06"] {
        let r = status(&gw, &id, serde_json::json!({"status": s})).await;
        assert_eq!(r.status, StatusCode::OK, "{s}");
    }
    assert!(
        assigned(&gw, &leader2).await.is_empty(),
        "done documents leave the list"
    );
    assert_eq!(
        status(&gw, &id, serde_json::json!({"status": "05"}))
            .await
            .status,
        StatusCode::CONFLICT,
        "06 is final"
    );
    let r = get(&gw, &format!("/api/v1/incoming/{id}"), Some(&ik)).await;
    let j = r.json();
    let actions: Vec<&str> = j["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["01", "03", "04", "04", "05", "06"]);
    assert_eq!(j["incoming"]["status"], "06");
    assert_eq!(j["incoming"]["assignee"], "leader2");

    // Another system sees nothing; a leader cannot move documents.
    let other = kyso_gateway::admin::create_integrator_key(&gw.state, "test", "Hệ thống khác")
        .await
        .expect("key");
    assert_eq!(
        get(&gw, &format!("/api/v1/incoming/{id}"), Some(&other.key))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post_json(
            &gw,
            &format!("/api/v1/incoming/{id}/status"),
            Some(&leader1),
            serde_json::json!({"status": "05"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // A refusal, with its reason, is final.
    let r = post_json(
        &gw,
        "/api/v1/incoming",
        Some(&ik),
        serde_json::json!({"external_id": "X-2", "title": "Giấy mời họp", "document_type": "giấy mời", "sender": "Sở Nội vụ"}),
    )
    .await;
    let id2 = r.json()["incoming"]["id"].as_str().expect("id").to_string();
    let r = status(
        &gw,
        &id2,
        serde_json::json!({"status": "02", "note": "Gửi nhầm cơ quan"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["incoming"]["note"], "Gửi nhầm cơ quan");
    assert_eq!(
        status(&gw, &id2, serde_json::json!({"status": "03"}))
            .await
            .status,
        StatusCode::CONFLICT
    );

    // Every change is in the audit chain, which verifies.
    let entries = kyso_gateway::audit::entries(&gw.state.db)
        .await
        .expect("audit");
    assert!(
        entries
            .iter()
            .filter(|e| e.subject.starts_with("incoming:"))
            .count()
            >= 8
    );
    kyso_gateway::audit::verify_chain(&entries).expect("the chain verifies");
}
