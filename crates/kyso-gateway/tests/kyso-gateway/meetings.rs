//! Meetings: created by the document system or a clerk and checked; seen
//! only by participants (a non-participant gets the 404 of a missing
//! meeting everywhere); opinions recorded, audited and summed up; the
//! presenter's page sent to followers in order, to late joiners first, and
//! kept across a restart; only the chair or the delegate presents.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use futures_util::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;
use tower::ServiceExt;

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
    meetings_are_seen_only_by_their_participants,
    bad_meetings_are_refused_and_change_nothing,
    opinions_are_recorded_audited_and_summed_up,
    presenter_pages_reach_followers_in_order,
    followers_after_a_restart_land_on_the_current_page,
    opinions_sent_again_are_recorded_once,
    conclusions_are_requests_the_chair_signs,
);

/// POST /meetings as multipart: `metadata` (when given) and `files`.
pub async fn create_meeting(gw: &Gw, token: &str, meta: Option<&Value>, files: &[Vec<u8>]) -> Resp {
    let boundary = "kysoMEETING";
    let mut body = Vec::new();
    if let Some(meta) = meta {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n{meta}\r\n").as_bytes());
    }
    for (i, f) in files.iter().enumerate() {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{i}.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
        body.extend_from_slice(f);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    call(
        gw,
        "POST",
        "/api/v1/meetings",
        Some(token),
        Some(&format!("multipart/form-data; boundary={boundary}")),
        body,
        &[],
    )
    .await
}

/// The meeting of these tests: chaired by leader1, with leader2 and
/// clerk1; two agenda items, three documents (5, 3 and 1 pages).
fn meeting_meta() -> Value {
    json!({
        "title": "Họp UBND tỉnh thường kỳ tháng 3",
        "starts_at": "2026-03-05T07:30:00Z",
        "ends_at": "2026-03-05T17:00:00+07:00",
        "place": "Phòng họp số 1, trụ sở UBND tỉnh",
        "chair": "leader1",
        "participants": ["leader2", "clerk1", "leader2"],
        "external_id": "QLVB-HOP-7",
        "agenda": [
            {"title": "Kế hoạch chuyển đổi số năm 2026",
             "draft_conclusion": "Thống nhất thông qua kế hoạch.",
             "documents": [{"title": "Tờ trình", "file": 0}, {"title": "Dự thảo kế hoạch", "file": 1}]},
            {"title": "Báo cáo kinh tế - xã hội quý I",
             "documents": [{"title": "Báo cáo", "file": 2}]}
        ]
    })
}

fn meeting_files() -> Vec<Vec<u8>> {
    vec![
        multipage(5, "To trinh"),
        multipage(3, "Du thao ke hoach"),
        multipage(1, "Bao cao quy I"),
    ]
}

/// Creates the meeting of these tests; its JSON.
async fn the_meeting(gw: &Gw) -> Value {
    let r = create_meeting(
        gw,
        &gw.integrator_key.clone(),
        Some(&meeting_meta()),
        &meeting_files(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "meeting created: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

async fn user_id(gw: &Gw, token: &str) -> String {
    get(gw, "/api/v1/me", Some(token)).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string()
}

#[track_caller]
fn assert_error(r: &Resp, status: StatusCode, code: &str, what: &str) -> String {
    let body = r.json();
    assert_eq!(
        (r.status, body["code"].as_str()),
        (status, Some(code)),
        "{what}: {body}"
    );
    body["message"].as_str().expect("a message").to_string()
}

async fn audit_of(gw: &Gw, action: &str) -> Vec<kyso_api::AuditEntry> {
    let entries = kyso_gateway::audit::entries(&gw.state.db)
        .await
        .expect("audit");
    kyso_gateway::audit::verify_chain(&entries).expect("the chain verifies");
    entries.into_iter().filter(|e| e.action == action).collect()
}

async fn meetings_are_seen_only_by_their_participants(backend: Backend) {
    let gw = gateway_on(backend).await;
    let m = the_meeting(&gw).await;
    let id = m["id"].as_str().expect("id").to_string();
    let (l1, l2, clerk, admin) = (
        login(&gw, "leader1").await,
        login(&gw, "leader2").await,
        login(&gw, "clerk1").await,
        login(&gw, "admin").await,
    );

    // As created: Vietnam time, the chair among the participants (once),
    // the agenda in order with each document's pages and digest.
    assert_eq!(
        m["starts_at"], "2026-03-05T14:30:00+07:00",
        "in Vietnam time"
    );
    assert_eq!(m["ends_at"], "2026-03-05T17:00:00+07:00");
    assert_eq!(m["chair_id"], user_id(&gw, &l1).await);
    assert_eq!(
        m["presenter_id"], m["chair_id"],
        "the chair presents at first"
    );
    let names: Vec<&str> = m["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(|u| u["username"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["clerk1", "leader1", "leader2"],
        "each once, the chair too"
    );
    let files = meeting_files();
    let docs: Vec<(&str, u64, String)> = m["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .flat_map(|i| i["documents"].as_array().expect("documents"))
        .map(|d| {
            (
                d["title"].as_str().expect("title"),
                d["pages"].as_u64().expect("pages"),
                d["sha256"].as_str().expect("sha").to_string(),
            )
        })
        .collect();
    let expected: Vec<(&str, u64, String)> = ["Tờ trình", "Dự thảo kế hoạch", "Báo cáo"]
        .into_iter()
        .zip([5, 3, 1])
        .zip(&files)
        .map(|((t, p), f)| (t, p, hex(&Sha256::digest(f))))
        .collect();
    assert_eq!(docs, expected);
    assert_eq!(
        m["agenda"][0]["draft_conclusion"],
        "Thống nhất thông qua kế hoạch."
    );
    assert_eq!(m["agenda"][1]["draft_conclusion"], Value::Null);

    // The document system reads its own meeting back; a leader may not use
    // its route, and a clerk who did not create it gets 404.
    let again = get(
        &gw,
        &format!("/api/v1/meetings/{id}"),
        Some(&gw.integrator_key),
    )
    .await;
    assert_eq!((again.status, again.json()), (StatusCode::OK, m.clone()));
    assert_error(
        &get(&gw, &format!("/api/v1/meetings/{id}"), Some(&l1)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "a leader on the creators' route",
    );
    assert_error(
        &get(&gw, &format!("/api/v1/meetings/{id}"), Some(&clerk)).await,
        StatusCode::NOT_FOUND,
        "not_found",
        "a clerk who did not create it",
    );

    // Participants: listed, readable, documents byte for byte.
    for (who, t) in [("leader1", &l1), ("leader2", &l2), ("clerk1", &clerk)] {
        let list = get(&gw, "/api/v1/device/meetings", Some(t)).await;
        assert_eq!(list.status, StatusCode::OK, "{who}");
        assert_eq!(list.json(), json!([m.clone()]), "{who}: their one meeting");
        let one = get(&gw, &format!("/api/v1/device/meetings/{id}"), Some(t)).await;
        assert_eq!(one.json(), m, "{who}");
    }
    let doc_id = m["agenda"][0]["documents"][1]["id"].as_str().expect("doc");
    let doc_uri = format!("/api/v1/device/meetings/{id}/documents/{doc_id}");
    let d = get(&gw, &doc_uri, Some(&l2)).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.body.to_vec(), files[1], "the PDF as sent");

    // A non-participant: nothing at all, the same 404 as a missing meeting.
    let missing = get(&gw, "/api/v1/device/meetings/no-such-meeting", Some(&l2)).await;
    let missing_body = missing.json();
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&gw, "/api/v1/device/meetings", Some(&admin))
            .await
            .json(),
        json!([]),
        "no meetings listed"
    );
    let item = m["agenda"][0]["id"].as_str().expect("item");
    for (method, uri, body) in [
        ("GET", format!("/api/v1/device/meetings/{id}"), None),
        ("GET", doc_uri.clone(), None),
        ("GET", format!("/api/v1/device/meetings/{id}/summary"), None),
        ("GET", format!("/api/v1/device/meetings/{id}/events"), None),
        (
            "POST",
            format!("/api/v1/device/meetings/{id}/items/{item}/opinions"),
            Some(json!({"kind": "agree"})),
        ),
        (
            "POST",
            format!("/api/v1/device/meetings/{id}/presenter"),
            Some(json!({"document_id": doc_id, "page": 1, "zoom": 1.0})),
        ),
        (
            "POST",
            format!("/api/v1/device/meetings/{id}/presenter/delegate"),
            Some(json!({"presenter": null})),
        ),
    ] {
        let r = match body {
            Some(b) => post_json(&gw, &uri, Some(&admin), b).await,
            None => get(&gw, &uri, Some(&admin)).await,
        };
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {uri}");
        assert_eq!(
            r.json(),
            missing_body,
            "{method} {uri}: as if it did not exist"
        );
    }
    // A document of another meeting is not this meeting's.
    let other = the_meeting(&gw).await;
    let other_doc = other["agenda"][1]["documents"][0]["id"]
        .as_str()
        .expect("doc");
    assert_error(
        &get(
            &gw,
            &format!("/api/v1/device/meetings/{id}/documents/{other_doc}"),
            Some(&l2),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "another meeting's document",
    );
    // The document system has no device routes.
    assert_error(
        &get(&gw, "/api/v1/device/meetings", Some(&gw.integrator_key)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "an integrator on a device route",
    );

    // A clerk creates one too (by session) and reads it back; a leader may not.
    let mut meta = meeting_meta();
    meta["participants"] = json!(["leader2"]);
    let c = create_meeting(&gw, &clerk, Some(&meta), &meeting_files()).await;
    assert_eq!(
        c.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&c.body)
    );
    let cid = c.json()["id"].as_str().expect("id").to_string();
    assert_eq!(
        get(&gw, &format!("/api/v1/meetings/{cid}"), Some(&clerk))
            .await
            .status,
        StatusCode::OK
    );
    assert_error(
        &get(
            &gw,
            &format!("/api/v1/meetings/{cid}"),
            Some(&gw.integrator_key),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "the document system did not create the clerk's meeting",
    );
    let msg = assert_error(
        &create_meeting(&gw, &l1, Some(&meeting_meta()), &meeting_files()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "a leader creating a meeting",
    );
    assert!(msg.contains("clerk"), "{msg}");
    // The clerk is not a participant of their own meeting here.
    assert_eq!(
        get(&gw, "/api/v1/device/meetings", Some(&clerk))
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(2),
        "the clerk takes part in the two document-system meetings only"
    );

    let created = audit_of(&gw, "meeting_created").await;
    assert_eq!(created.len(), 3, "three meetings, three entries");
    assert_eq!(created[0].subject, format!("meeting:{id}"));
    assert_eq!(created[0].actor, "integrator:QLVB&ĐH");
    assert_eq!(created[2].actor, "clerk1");
    assert_eq!(
        created[0].detail,
        "3 participants, 2 agenda items, 3 documents"
    );
}

async fn bad_meetings_are_refused_and_change_nothing(backend: Backend) {
    let gw = gateway_on(backend).await;
    let key = gw.integrator_key.clone();
    let audit_before = kyso_gateway::audit::entries(&gw.state.db)
        .await
        .expect("audit")
        .len();
    let files = meeting_files();
    let with = |path: &[&str], v: Value| {
        let mut m = meeting_meta();
        let mut cur = &mut m;
        for (n, p) in path.iter().enumerate() {
            if n + 1 == path.len() {
                break;
            }
            cur = match p.parse::<usize>() {
                Ok(i) => &mut cur[i],
                Err(_) => &mut cur[*p],
            };
        }
        let last = path[path.len() - 1];
        match last.parse::<usize>() {
            Ok(i) => cur[i] = v,
            Err(_) => cur[last] = v,
        }
        m
    };
    // (metadata, files, what the message says, what the case is)
    type Case = (Option<Value>, Vec<Vec<u8>>, &'static str, &'static str);
    let cases: Vec<Case> = vec![
        (
            None,
            files.clone(),
            "`metadata` part is missing",
            "no metadata",
        ),
        (
            Some(with(&["title"], json!("  "))),
            files.clone(),
            "title must have",
            "blank title",
        ),
        (
            Some(with(&["place"], json!(""))),
            files.clone(),
            "place must have",
            "no place",
        ),
        (
            Some(with(&["starts_at"], json!("5/3/2026 14:30"))),
            files.clone(),
            "starts_at must be ISO 8601",
            "a time that is not ISO 8601",
        ),
        (
            Some(with(&["starts_at"], json!("2026-03-05T14:30:00"))),
            files.clone(),
            "with an offset",
            "a time without an offset",
        ),
        (
            Some(with(&["ends_at"], json!("9999-12-31T23:59:59-12:00"))),
            files.clone(),
            "ends_at is out of range",
            "a time past year 9999 in Vietnam time",
        ),
        (
            Some(with(&["ends_at"], json!("2026-03-05T14:30:00+07:00"))),
            files.clone(),
            "ends_at must be after starts_at",
            "ends when it starts",
        ),
        (
            Some(with(&["chair"], json!("nobody"))),
            files.clone(),
            "chair: no active user named nobody",
            "unknown chair",
        ),
        (
            Some(with(&["participants"], json!(["leader2", "ghost"]))),
            files.clone(),
            "participants: no active user named ghost",
            "unknown participant",
        ),
        (
            Some(with(&["agenda"], json!([]))),
            vec![],
            "agenda must have 1 to",
            "no agenda",
        ),
        (
            Some(with(&["agenda", "1", "title"], json!(""))),
            files.clone(),
            "agenda[1].title must have",
            "an item without a title",
        ),
        (
            Some(with(&["agenda", "1", "documents", "0", "file"], json!(7))),
            files.clone(),
            "agenda[1].documents[0].file is 7, but 3 files were sent",
            "a file index past the files",
        ),
        (
            Some(meeting_meta()),
            vec![files[0].clone(), files[1].clone()],
            "agenda[1].documents[0].file is 2, but 2 files were sent",
            "a file missing",
        ),
        (
            Some(meeting_meta()),
            [files.clone(), vec![multipage(2, "thua")]].concat(),
            "file 3 is not a document of any agenda item",
            "a file no item uses",
        ),
        (
            Some(meeting_meta()),
            vec![
                files[0].clone(),
                b"not a pdf at all".to_vec(),
                files[2].clone(),
            ],
            "file 1 is not a readable PDF",
            "a file that is not a PDF",
        ),
        (
            Some(with(
                &["agenda", "0", "documents", "0", "file"],
                json!("zero"),
            )),
            files.clone(),
            "metadata:",
            "a file index that is not a number",
        ),
    ];
    for (meta, files, wanted, what) in cases {
        let r = create_meeting(&gw, &key, meta.as_ref(), &files).await;
        let msg = assert_error(&r, StatusCode::BAD_REQUEST, "bad_request", what);
        assert!(
            msg.contains(wanted),
            "{what}: {msg:?} should say {wanted:?}"
        );
    }
    // Nothing was recorded.
    for table in [
        "meetings",
        "meeting_participants",
        "meeting_items",
        "meeting_documents",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(gw.state.db.pool())
            .await
            .expect("count");
        assert_eq!(n, 0, "{table} is empty");
    }
    assert_eq!(
        kyso_gateway::audit::entries(&gw.state.db)
            .await
            .expect("audit")
            .len(),
        audit_before,
        "nothing audited"
    );
    // Still nothing for anyone to see.
    let l1 = login(&gw, "leader1").await;
    assert_eq!(
        get(&gw, "/api/v1/device/meetings", Some(&l1)).await.json(),
        json!([])
    );
}

async fn opinions_are_recorded_audited_and_summed_up(backend: Backend) {
    let gw = gateway_on(backend).await;
    let m = the_meeting(&gw).await;
    let id = m["id"].as_str().expect("id");
    let (item1, item2) = (
        m["agenda"][0]["id"].as_str().expect("item"),
        m["agenda"][1]["id"].as_str().expect("item"),
    );
    let (l1, l2, clerk) = (
        login(&gw, "leader1").await,
        login(&gw, "leader2").await,
        login(&gw, "clerk1").await,
    );
    let (id1, id2, idc) = (
        user_id(&gw, &l1).await,
        user_id(&gw, &l2).await,
        user_id(&gw, &clerk).await,
    );
    let opine = |token: &str, item: &str, body: Value| {
        let (gw, token, uri) = (
            &gw,
            token.to_string(),
            format!("/api/v1/device/meetings/{id}/items/{item}/opinions"),
        );
        async move { post_json(gw, &uri, Some(&token), body).await }
    };

    // Refusals first: they record nothing.
    for (body, item, status, code, wanted, what) in [
        (
            json!({"kind": "disagree"}),
            item1,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "needs a text saying why",
            "disagree without why",
        ),
        (
            json!({"kind": "disagree", "text": "   "}),
            item1,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "needs a text saying why",
            "disagree with blanks",
        ),
        (
            json!({"kind": "comment"}),
            item1,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "a comment needs a text",
            "empty comment",
        ),
        (
            json!({"kind": "comment", "text": "x".repeat(4001)}),
            item1,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "at most 4000",
            "too long",
        ),
        (
            json!({"kind": "abstain"}),
            item1,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "abstain",
            "an unknown kind",
        ),
        (
            json!({"kind": "agree"}),
            "no-such-item",
            StatusCode::NOT_FOUND,
            "not_found",
            "not found",
            "an unknown item",
        ),
        (
            json!({"kind": "agree"}),
            m["id"].as_str().expect("id"),
            StatusCode::NOT_FOUND,
            "not_found",
            "not found",
            "the meeting id as an item",
        ),
    ] {
        let msg = assert_error(&opine(&l2, item, body).await, status, code, what);
        assert!(msg.contains(wanted), "{what}: {msg}");
    }
    let none: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meeting_opinions")
        .fetch_one(gw.state.db.pool())
        .await
        .expect("count");
    assert_eq!(none, 0, "the refusals recorded nothing");
    assert!(
        audit_of(&gw, "meeting_opinion").await.is_empty(),
        "nor audited"
    );

    // leader2 agrees, then changes their mind; clerk1 comments; the chair
    // agrees with a remark; clerk1 agrees on the second item.
    let why = "Cần bổ sung kinh phí thực hiện cho các huyện vùng cao.";
    let r = opine(&l2, item1, json!({"kind": "agree"})).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let first = r.json();
    assert_eq!(
        (
            first["kind"].clone(),
            first["text"].clone(),
            first["author"].clone(),
            first["mine"].clone()
        ),
        (json!("agree"), Value::Null, json!(id2), json!(true))
    );
    let r = opine(
        &l2,
        item1,
        json!({"kind": "disagree", "text": format!("  {why}  ")}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["text"], why, "trimmed");
    let comment = "Đề nghị Sở Tài chính thẩm định.";
    assert_eq!(
        opine(&clerk, item1, json!({"kind": "comment", "text": comment}))
            .await
            .status,
        StatusCode::CREATED
    );
    let remark = "Giao Sở TT&TT chủ trì.";
    assert_eq!(
        opine(&l1, item1, json!({"kind": "agree", "text": remark}))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        opine(&clerk, item2, json!({"kind": "agree", "text": ""}))
            .await
            .status,
        StatusCode::CREATED
    );

    // leader2's summary: counts by each one's latest stance, texts in
    // order, only their own named.
    let s = get(
        &gw,
        &format!("/api/v1/device/meetings/{id}/summary"),
        Some(&l2),
    )
    .await;
    assert_eq!(s.status, StatusCode::OK);
    let s = s.json();
    assert_eq!(s["names_visible"], false);
    let i1 = &s["items"][0];
    assert_eq!(i1["item_id"], item1);
    assert_eq!(
        (
            i1["agree"].clone(),
            i1["disagree"].clone(),
            i1["comments"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );
    assert_eq!(i1["my_stance"], "disagree", "the latest of leader2's");
    let shown: Vec<(Value, Value, Value, Value)> = i1["opinions"]
        .as_array()
        .expect("opinions")
        .iter()
        .map(|o| {
            (
                o["kind"].clone(),
                o["text"].clone(),
                o["author"].clone(),
                o["mine"].clone(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (json!("disagree"), json!(why), json!(id2), json!(true)),
            (json!("comment"), json!(comment), Value::Null, json!(false)),
            (json!("agree"), json!(remark), Value::Null, json!(false)),
        ],
        "texts oldest first; others anonymous to leader2"
    );
    let i2 = &s["items"][1];
    assert_eq!(
        (
            i2["agree"].clone(),
            i2["disagree"].clone(),
            i2["comments"].clone(),
            i2["my_stance"].clone()
        ),
        (json!(1), json!(0), json!(0), Value::Null)
    );
    assert_eq!(
        i2["opinions"],
        json!([]),
        "an agree without text has no text to show"
    );

    // The chair and the document system see who said what.
    let chair = get(
        &gw,
        &format!("/api/v1/device/meetings/{id}/summary"),
        Some(&l1),
    )
    .await
    .json();
    assert_eq!(chair["names_visible"], true);
    let authors: Vec<&Value> = chair["items"][0]["opinions"]
        .as_array()
        .expect("o")
        .iter()
        .map(|o| &o["author"])
        .collect();
    assert_eq!(authors, [&json!(id2), &json!(idc), &json!(id1)]);
    assert_eq!(chair["items"][0]["my_stance"], "agree");
    let minutes = get(
        &gw,
        &format!("/api/v1/meetings/{id}/summary"),
        Some(&gw.integrator_key),
    )
    .await;
    assert_eq!(minutes.status, StatusCode::OK);
    let minutes = minutes.json();
    assert_eq!(minutes["names_visible"], true);
    assert_eq!(minutes["items"][0]["opinions"][1]["author"], json!(idc));
    assert_eq!(minutes["items"][0]["opinions"][1]["mine"], false);

    // Five opinions, five audit entries in the chain: the text only as its digest.
    let audited = audit_of(&gw, "meeting_opinion").await;
    assert_eq!(audited.len(), 5);
    assert_eq!(
        audited.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(),
        ["leader2", "leader2", "clerk1", "leader1", "clerk1"]
    );
    assert!(audited.iter().all(|e| e.subject == format!("meeting:{id}")));
    assert_eq!(audited[0].detail, format!("item {item1}: agree"));
    assert_eq!(
        audited[1].detail,
        format!(
            "item {item1}: disagree, text sha256 {}",
            hex(&Sha256::digest(why.as_bytes()))
        )
    );
    assert!(
        audited.iter().all(|e| !e.detail.contains("kinh phí")),
        "no text in the audit log"
    );
}

/// A server-sent event stream read in process.
struct Follower {
    body: axum::body::BodyDataStream,
    buf: String,
}

impl Follower {
    /// The next `presenter` event's data, or `None` if none comes within
    /// `wait` or the stream ends.
    async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = "";
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if event == "presenter" {
                    return Some(serde_json::from_str(&data).expect("JSON data"));
                }
                continue;
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    async fn next(&mut self) -> Value {
        self.next_within(Duration::from_secs(10))
            .await
            .expect("a presenter event")
    }

    /// Whether the stream has ended (within a second).
    async fn ended(&mut self) -> bool {
        matches!(
            tokio::time::timeout(Duration::from_secs(1), self.body.next()).await,
            Ok(None)
        )
    }
}

async fn follow(gw: &Gw, token: &str, id: &str) -> Follower {
    let req = Request::builder()
        .uri(format!("/api/v1/device/meetings/{id}/events"))
        .header("Authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let resp = gw.app.clone().oneshot(req).await.expect("infallible");
    assert_eq!(resp.status(), StatusCode::OK, "subscribed");
    assert_eq!(
        resp.headers()["content-type"],
        "text/event-stream",
        "an event stream"
    );
    Follower {
        body: resp.into_body().into_data_stream(),
        buf: String::new(),
    }
}

async fn present(gw: &Gw, token: &str, id: &str, doc: &str, page: u32, zoom: f64) -> Resp {
    post_json(
        gw,
        &format!("/api/v1/device/meetings/{id}/presenter"),
        Some(token),
        json!({"document_id": doc, "page": page, "zoom": zoom}),
    )
    .await
}

#[track_caller]
fn assert_state(s: &Value, doc: &str, page: u64, seq: u64, presenter: &str) {
    assert_eq!(
        (
            s["document_id"].as_str(),
            s["page"].as_u64(),
            s["seq"].as_u64(),
            s["presenter"].as_str()
        ),
        (Some(doc), Some(page), Some(seq), Some(presenter)),
        "{s}"
    );
}

async fn presenter_pages_reach_followers_in_order(backend: Backend) {
    let gw = gateway_on(backend).await;
    let m = the_meeting(&gw).await;
    let id = m["id"].as_str().expect("id");
    let doc = m["agenda"][0]["documents"][0]["id"].as_str().expect("doc");
    let doc2 = m["agenda"][0]["documents"][1]["id"].as_str().expect("doc");
    let (l1, l2, clerk) = (
        login(&gw, "leader1").await,
        login(&gw, "leader2").await,
        login(&gw, "clerk1").await,
    );
    let (id1, id2) = (user_id(&gw, &l1).await, user_id(&gw, &l2).await);

    // Two followers, before anything is presented: no state yet.
    let mut a = follow(&gw, &l2, id).await;
    let mut b = follow(&gw, &clerk, id).await;
    assert_eq!(
        a.next_within(Duration::from_millis(300)).await,
        None,
        "nothing presented yet"
    );

    // The chair turns pages 1..5 of the first document, then page 2 of the second.
    for page in 1..=5 {
        let r = present(&gw, &l1, id, doc, page, 1.25).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&r.body)
        );
        assert_state(&r.json(), doc, page.into(), page.into(), &id1);
    }
    assert_eq!(
        present(&gw, &l1, id, doc2, 2, 2.0).await.status,
        StatusCode::OK
    );
    for f in [&mut a, &mut b] {
        for page in 1..=5u64 {
            let s = f.next().await;
            assert_state(&s, doc, page, page, &id1);
            assert_eq!(s["zoom"], 1.25);
            assert_eq!(s["meeting_id"], id);
        }
        let s = f.next().await;
        assert_state(&s, doc2, 2, 6, &id1);
        assert_eq!(s["zoom"], 2.0);
    }

    // A late joiner starts on the current page.
    let mut late = follow(&gw, &l2, id).await;
    assert_state(&late.next().await, doc2, 2, 6, &id1);

    // Not the presenter: refused, nothing sent or stored.
    let msg = assert_error(
        &present(&gw, &l2, id, doc, 3, 1.0).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "leader2 presenting",
    );
    assert!(msg.contains("chair"), "{msg}");
    // Bad states: refused, nothing sent.
    let other = the_meeting(&gw).await;
    let foreign = other["agenda"][0]["documents"][0]["id"]
        .as_str()
        .expect("doc");
    for (d, page, zoom, wanted) in [
        (doc, 0, 1.0, "page must be between 1 and 5"),
        (doc, 6, 1.0, "page must be between 1 and 5"),
        (doc, 1, 0.0, "zoom must be between"),
        (doc, 1, 9.0, "zoom must be between"),
        (foreign, 1, 1.0, "not a document of this meeting"),
    ] {
        let msg = assert_error(
            &present(&gw, &l1, id, d, page, zoom).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
            wanted,
        );
        assert!(msg.contains(wanted), "{msg}");
    }
    assert_eq!(
        late.next_within(Duration::from_millis(300)).await,
        None,
        "no state sent for refusals"
    );
    let mut check = follow(&gw, &clerk, id).await;
    assert_state(&check.next().await, doc2, 2, 6, &id1);

    // Delegation: only the chair; to a participant only.
    let delegate = |token: &str, to: Value| {
        let (gw, token, uri) = (
            &gw,
            token.to_string(),
            format!("/api/v1/device/meetings/{id}/presenter/delegate"),
        );
        async move { post_json(gw, &uri, Some(&token), json!({"presenter": to})).await }
    };
    assert_error(
        &delegate(&l2, json!(id2)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "leader2 delegating to themself",
    );
    let admin_token = login(&gw, "admin").await;
    let admin_id = user_id(&gw, &admin_token).await;
    let msg = assert_error(
        &delegate(&l1, json!(admin_id)).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "to a non-participant",
    );
    assert!(msg.contains("participant"), "{msg}");
    let d = delegate(&l1, json!(id2)).await;
    assert_eq!(
        d.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&d.body)
    );
    assert_eq!(d.json()["presenter_id"], id2);
    let r = present(&gw, &l2, id, doc, 4, 1.0).await;
    assert_eq!(r.status, StatusCode::OK, "the delegate presents");
    assert_state(&r.json(), doc, 4, 7, &id2);
    assert_eq!(
        present(&gw, &l1, id, doc, 5, 1.0).await.status,
        StatusCode::OK,
        "the chair still may"
    );
    for f in [&mut a, &mut b, &mut late] {
        assert_state(&f.next().await, doc, 4, 7, &id2);
        assert_state(&f.next().await, doc, 5, 8, &id1);
    }
    assert_eq!(
        delegate(&l1, Value::Null).await.json()["presenter_id"],
        id1,
        "taken back"
    );
    assert_error(
        &present(&gw, &l2, id, doc, 1, 1.0).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "no longer the delegate",
    );
    let audited = audit_of(&gw, "meeting_presenter").await;
    assert_eq!(audited.len(), 2, "each delegation audited");
    assert_eq!(
        audited[0].detail,
        format!("presenting: user {id2} and the chair")
    );
    assert_eq!(audited[1].detail, "presenting: the chair alone");

    // Another meeting's pages are not sent here.
    let other_id = other["id"].as_str().expect("id");
    assert_eq!(
        present(&gw, &l1, other_id, foreign, 1, 1.0).await.status,
        StatusCode::OK
    );
    assert_eq!(
        a.next_within(Duration::from_millis(300)).await,
        None,
        "not this meeting's"
    );
}

async fn followers_after_a_restart_land_on_the_current_page(backend: Backend) {
    let gw = gateway_on(backend).await;
    let m = the_meeting(&gw).await;
    let id = m["id"].as_str().expect("id").to_string();
    let doc = m["agenda"][0]["documents"][0]["id"]
        .as_str()
        .expect("doc")
        .to_string();
    let l1 = login(&gw, "leader1").await;
    let l2 = login(&gw, "leader2").await;
    let id1 = user_id(&gw, &l1).await;
    let mut f = follow(&gw, &l2, &id).await;
    for page in 1..=3 {
        assert_eq!(
            present(&gw, &l1, &id, &doc, page, 1.5).await.status,
            StatusCode::OK
        );
    }
    for page in 1..=3u64 {
        assert_state(&f.next().await, &doc, page, page, &id1);
    }
    // Stopping closes the streams (as `serve` does on SIGTERM).
    gw.state.events.close();
    assert!(f.ended().await, "the stream ends when the gateway stops");

    let gw = restart(gw, kyso_gateway::system_clock(), |_| {}).await;
    // Sessions are stored: the same tokens work after the restart.
    let mut again = follow(&gw, &l2, &id).await;
    let s = again.next().await;
    assert_state(&s, &doc, 3, 3, &id1);
    assert_eq!(s["zoom"], 1.5, "the zoom too");
    // Numbering goes on from the stored state.
    let r = present(&gw, &l1, &id, &doc, 4, 1.0).await;
    assert_state(&r.json(), &doc, 4, 4, &id1);
    assert_state(&again.next().await, &doc, 4, 4, &id1);
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

async fn opinions_sent_again_are_recorded_once(backend: Backend) {
    let gw = gateway_on(backend).await;
    let m = the_meeting(&gw).await;
    let id = m["id"].as_str().expect("id");
    let (item1, item2) = (
        m["agenda"][0]["id"].as_str().expect("item"),
        m["agenda"][1]["id"].as_str().expect("item"),
    );
    let (l1, l2) = (login(&gw, "leader1").await, login(&gw, "leader2").await);
    let send = |token: &str, item: &str, key: &str, body: Value| {
        let (gw, token, uri, key) = (
            &gw,
            token.to_string(),
            format!("/api/v1/device/meetings/{id}/items/{item}/opinions"),
            key.to_string(),
        );
        async move {
            let extra: Vec<(&str, &str)> = if key.is_empty() {
                vec![]
            } else {
                vec![("Idempotency-Key", key.as_str())]
            };
            call(
                gw,
                "POST",
                &uri,
                Some(&token),
                Some("application/json"),
                body.to_string().into_bytes(),
                &extra,
            )
            .await
        }
    };
    let comment = json!({"kind": "comment", "text": "Đề nghị bổ sung lộ trình."});
    let first = send(&l2, item1, "tablet-op-1", comment.clone()).await;
    assert_eq!(
        first.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    // The tablet did not hear the answer and sends it again, twice at once.
    let (a, b) = tokio::join!(
        send(&l2, item1, "tablet-op-1", comment.clone()),
        send(&l2, item1, "tablet-op-1", comment.clone())
    );
    for again in [a, b] {
        assert_eq!(again.status, StatusCode::OK, "a replay answers 200");
        assert_eq!(again.json(), first.json(), "the same opinion");
    }
    // Another author may use the same key: keys are per author.
    let other = send(&l1, item1, "tablet-op-1", json!({"kind": "agree"})).await;
    assert_eq!(other.status, StatusCode::CREATED);
    // The key again for another item is a conflict, not a silent answer.
    let r = send(&l2, item2, "tablet-op-1", comment.clone()).await;
    assert_error(
        &r,
        StatusCode::CONFLICT,
        "conflict",
        "key reused for another item",
    );
    let r = send(&l2, item1, &"k".repeat(129), comment.clone()).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bad_request", "key too long");
    // Without a key, each send is an opinion.
    for _ in 0..2 {
        let r = send(&l2, item2, "", comment.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM meeting_opinions")
        .fetch_one(gw.state.db.pool())
        .await
        .expect("count")
        .try_get(0)
        .expect("int");
    assert_eq!(
        rows, 4,
        "leader2's keyed comment once, leader1's agree, two unkeyed"
    );
    assert_eq!(
        audit_of(&gw, "meeting_opinion").await.len(),
        4,
        "audited once each"
    );
    let summary = get(
        &gw,
        &format!("/api/v1/device/meetings/{id}/summary"),
        Some(&l2),
    )
    .await
    .json();
    assert_eq!(summary["items"][0]["comments"], 1);
    assert_eq!(summary["items"][1]["comments"], 2);
}

async fn conclusions_are_requests_the_chair_signs(backend: Backend) {
    let gw = gateway_on(backend).await;
    let for_chair = submit(&gw, "leader1", &pdf("Thông báo kết luận"), None).await;
    assert_eq!(for_chair.status, StatusCode::CREATED);
    let for_chair = for_chair.json()["id"].as_str().expect("id").to_string();
    let for_other = submit(&gw, "leader2", &pdf("Văn bản khác"), None)
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let with = |request: &str| {
        let mut meta = meeting_meta();
        meta["agenda"][0]["conclusion_request"] = json!(request);
        meta
    };
    // Not the chair's, or no such request: refused, nothing recorded.
    for (request, what) in [
        (for_other.as_str(), "another leader's"),
        ("no-such-request", "missing"),
    ] {
        let r = create_meeting(
            &gw,
            &gw.integrator_key.clone(),
            Some(&with(request)),
            &meeting_files(),
        )
        .await;
        let msg = assert_error(&r, StatusCode::BAD_REQUEST, "bad_request", what);
        assert!(msg.contains("agenda[0].conclusion_request"), "{msg}");
    }
    // Another document system's request is refused the same way.
    let other_key = kyso_gateway::admin::create_integrator_key(&gw.state, "test", "Hệ thống khác")
        .await
        .expect("key");
    let r = create_meeting(
        &gw,
        &other_key.key,
        Some(&with(&for_chair)),
        &meeting_files(),
    )
    .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "another system's request",
    );
    let meetings: i64 = sqlx::query("SELECT COUNT(*) FROM meetings")
        .fetch_one(gw.state.db.pool())
        .await
        .expect("count")
        .try_get(0)
        .expect("int");
    assert_eq!(meetings, 0, "refusals record nothing");

    let r = create_meeting(
        &gw,
        &gw.integrator_key.clone(),
        Some(&with(&for_chair)),
        &meeting_files(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let m = r.json();
    assert_eq!(m["agenda"][0]["conclusion_request_id"], json!(for_chair));
    assert_eq!(m["agenda"][1]["conclusion_request_id"], Value::Null);
    // The participant sees it, and it is in the chair's inbox to sign.
    let l1 = login(&gw, "leader1").await;
    let seen = get(
        &gw,
        &format!("/api/v1/device/meetings/{}", m["id"].as_str().expect("id")),
        Some(&l1),
    )
    .await
    .json();
    assert_eq!(seen["agenda"][0]["conclusion_request_id"], json!(for_chair));
    let inbox = get(&gw, "/api/v1/device/inbox", Some(&l1)).await.json();
    assert!(
        inbox
            .as_array()
            .expect("list")
            .iter()
            .any(|r| r["id"] == json!(for_chair)),
        "the conclusion waits in the chair's inbox: {inbox}"
    );
}
