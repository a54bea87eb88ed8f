//! A scripted meeting on two tablets against a real gateway (the demo's
//! meeting): the chair (leader1) presents, a member (leader2) follows, with
//! the follow latency printed; the agenda downloaded before the meeting and
//! kept when the inbox changes; opinions, one cast while the gateway is
//! down and sent exactly once after it restarts; the follower back on the
//! presenter's page after the restart; private notes kept across a logout
//! and exported; and the chair signing the conclusion with the normal flow.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Gateway, PASSWORD, TestApp, assert_code, free_port, signed_in};

const PASSPHRASE: &str = "cụm mật khẩu đủ dài";

fn comments(view: &Value, item: usize) -> u64 {
    view["summary"]["items"][item]["comments"]
        .as_u64()
        .expect("comments")
}

/// Presents `page` from the chair's tablet; waits for the member's tablet to
/// show it; the time between.
fn turn(chair: &TestApp, member: &TestApp, meeting: &str, doc: &str, page: u64) -> Duration {
    let t0 = Instant::now();
    let s = chair
        .invoke(
            "present",
            json!({ "meeting": meeting, "document": doc, "page": page, "zoom": 1.0 }),
        )
        .expect("present");
    let seq = s["seq"].as_u64().expect("seq");
    member.wait_event("presenter", 20, |e| {
        e["seq"].as_u64() == Some(seq) && e["page"].as_u64() == Some(page)
    });
    t0.elapsed()
}

#[test]
fn a_meeting_runs_on_two_tablets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("gateway");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let gw = Gateway::start(&data, port);
    let chair = TestApp::new(&dir.path().join("chair"));
    let member = TestApp::new(&dir.path().join("member"));
    signed_in(&chair, &url, "leader1");
    signed_in(&member, &url, "leader2");

    // The member's meetings: the demo's, with its agenda.
    let list = member.invoke("meetings", json!({})).expect("meetings");
    assert_eq!(list["from_cache"], false);
    let m = list["meetings"][0].clone();
    let id = m["id"].as_str().expect("id").to_string();
    assert_eq!(m["external_id"], "DEMO-HOP-1");
    let docs: Vec<(String, u64)> = m["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .flat_map(|i| i["documents"].as_array().expect("documents").clone())
        .map(|d| {
            (
                d["id"].as_str().expect("id").to_string(),
                d["pages"].as_u64().expect("pages"),
            )
        })
        .collect();
    assert_eq!(docs.len(), 3);
    assert!(docs[0].1 >= 4, "the plan has annex pages: {docs:?}");
    let view = member
        .invoke("meeting", json!({ "id": id }))
        .expect("meeting");
    assert_eq!(view["downloaded"], json!([]));
    assert_eq!(
        view["summary"]["names_visible"], false,
        "a member sees no names"
    );

    // Before the meeting: every document onto the tablet, with progress.
    let ids = member
        .invoke("download_meeting", json!({ "id": id }))
        .expect("download_meeting");
    assert_eq!(ids.as_array().expect("ids").len(), 3);
    member.wait_event("meeting-download", 5, |e| e["done"] == 3 && e["total"] == 3);
    // A new inbox does not delete the meeting's documents.
    member.invoke("inbox", json!({})).expect("inbox");
    let doc = member
        .invoke(
            "open_meeting_document",
            json!({ "meeting": id, "document": docs[0].0 }),
        )
        .expect("open_meeting_document");
    assert_eq!(doc["cached"], true, "read from the device");
    assert_eq!(doc["page_count"].as_u64(), Some(docs[0].1));
    let png = member
        .invoke_raw(
            "render_page",
            json!({ "id": docs[0].0, "page": 2, "width": 320 }),
        )
        .expect("render_page");
    assert!(png.starts_with(b"\x89PNG"), "a PNG of page 2");
    assert_code(
        member.invoke(
            "open_meeting_document",
            json!({ "meeting": id, "document": "no-such-document" }),
        ),
        "invalidArgument",
    );

    // The chair presents; the member's tablet follows.
    member
        .invoke("follow_meeting", json!({ "meeting": id }))
        .expect("follow");
    assert_code(
        member.invoke(
            "present",
            json!({ "meeting": id, "document": docs[0].0, "page": 1, "zoom": 1.0 }),
        ),
        "forbidden",
    );
    // The chair lets the member present, then takes it back.
    let member_id = m["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .find(|p| p["username"] == "leader2")
        .and_then(|p| p["id"].as_str())
        .expect("leader2 takes part")
        .to_string();
    let present_first = json!({ "meeting": id, "document": docs[0].0, "page": 1, "zoom": 1.0 });
    let delegated = chair
        .invoke(
            "delegate_presenter",
            json!({ "meeting": id, "user": member_id }),
        )
        .expect("delegate");
    assert_eq!(delegated["presenter_id"], member_id.as_str());
    member
        .invoke("present", present_first.clone())
        .expect("the delegate presents");
    assert_code(
        member.invoke("delegate_presenter", json!({ "meeting": id, "user": null })),
        "forbidden",
    );
    let back = chair
        .invoke("delegate_presenter", json!({ "meeting": id, "user": null }))
        .expect("taken back");
    assert_eq!(back["presenter_id"], back["chair_id"]);
    assert_code(member.invoke("present", present_first), "forbidden");

    let mut latencies = Vec::new();
    for page in 1..=docs[0].1 {
        latencies.push(turn(&chair, &member, &id, &docs[0].0, page));
    }
    latencies.push(turn(&chair, &member, &id, &docs[1].0, 2));
    latencies.sort();
    println!(
        "follow latency over {} page turns (present → the follower's presenter event, loopback): median {:?}, max {:?}",
        latencies.len(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );

    // Opinions: a disagree needs a reason (refused in Rust); an agree is sent.
    let item0 = m["agenda"][0]["id"].as_str().expect("item").to_string();
    let item1 = m["agenda"][1]["id"].as_str().expect("item").to_string();
    assert_code(
        member.invoke(
            "give_opinion",
            json!({ "meeting": id, "item": item0, "kind": "disagree", "text": "  " }),
        ),
        "invalidArgument",
    );
    let sent = member
        .invoke(
            "give_opinion",
            json!({ "meeting": id, "item": item0, "kind": "agree", "text": null }),
        )
        .expect("give_opinion");
    assert_eq!(sent["queued"], false);
    assert_eq!(sent["opinion"]["mine"], true);
    member
        .invoke(
            "save_note",
            json!({ "meeting": id, "document": docs[0].0, "page": 2, "text": "Hỏi kinh phí năm đầu." }),
        )
        .expect("save_note");

    // The gateway goes down: the comment waits on the tablet.
    gw.stop();
    let queued = member
        .invoke(
            "give_opinion",
            json!({ "meeting": id, "item": item1, "kind": "comment", "text": "Đề nghị bổ sung số liệu quý I." }),
        )
        .expect("kept offline");
    assert_eq!(queued, json!({ "opinion": null, "queued": true }));
    let offline = member
        .invoke("meeting", json!({ "id": id }))
        .expect("offline meeting");
    assert_eq!(offline["from_cache"], true);
    assert_eq!(offline["summary"], Value::Null);
    assert_eq!(offline["queued"].as_array().map(Vec::len), Some(1));
    let cached = member
        .invoke(
            "open_meeting_document",
            json!({ "meeting": id, "document": docs[2].0 }),
        )
        .expect("documents open offline");
    assert_eq!(cached["cached"], true);

    // It comes back on the same data: the comment is sent once; the
    // follower reconnects by itself and follows the next page.
    let gw = Gateway::start(&data, port);
    let online = member
        .invoke("meeting", json!({ "id": id }))
        .expect("meeting");
    assert_eq!(online["from_cache"], false);
    assert_eq!(online["queued"], json!([]), "sent");
    assert_eq!(comments(&online, 1), 1);
    let again = member
        .invoke("meeting", json!({ "id": id }))
        .expect("meeting");
    assert_eq!(comments(&again, 1), 1, "exactly once");
    assert_eq!(again["summary"]["items"][0]["agree"], 1);
    let after_restart = turn(&chair, &member, &id, &docs[2].0, 1);
    println!(
        "follow latency of the first page turn after the gateway restarted: {after_restart:?}"
    );
    // The member's session ends at the gateway (as when it expires) while
    // the tablet still holds it: an opinion cast then waits on the tablet
    // (it is not lost with the refused call) and goes with the next login.
    let session = kyso_client::Store::new(dir.path().join("member"))
        .load_session()
        .expect("session file")
        .expect("a session");
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(async {
            kyso_client::Client::new(&url, None)
                .expect("client")
                .with_token(session.token)
                .logout()
                .await
        })
        .expect("the session ends at the gateway");
    let waits = member
        .invoke(
            "give_opinion",
            json!({ "meeting": id, "item": item1, "kind": "comment", "text": "Góp ý sau khi phiên hết hạn." }),
        )
        .expect("kept");
    assert_eq!(waits["queued"], true, "{waits}");
    assert_code(member.invoke("meeting", json!({ "id": id })), "notLoggedIn");
    member
        .invoke(
            "login",
            json!({ "username": "leader2", "password": PASSWORD }),
        )
        .expect("login");
    let after_login = member
        .invoke("meeting", json!({ "id": id }))
        .expect("meeting");
    assert_eq!(after_login["queued"], json!([]));
    assert_eq!(comments(&after_login, 1), 2, "the waiting comment, once");

    let minutes = chair
        .invoke("meeting", json!({ "id": id }))
        .expect("chair view");
    assert_eq!(
        minutes["summary"]["names_visible"], true,
        "the chair sees names"
    );

    // Notes stay on the tablet across a logout, and export to a file.
    member.invoke("logout", json!({})).expect("logout");
    member
        .invoke(
            "login",
            json!({ "username": "leader2", "password": PASSWORD }),
        )
        .expect("login");
    let view = member
        .invoke("meeting", json!({ "id": id }))
        .expect("meeting");
    assert_eq!(view["notes"][0]["text"], "Hỏi kinh phí năm đầu.");
    assert_eq!(view["notes"][0]["page"], 2);
    let path = member
        .invoke("export_notes", json!({ "meeting": id }))
        .expect("export_notes");
    let text = std::fs::read_to_string(path.as_str().expect("path")).expect("exported");
    assert!(
        text.contains("[Trang 2]") && text.contains("Hỏi kinh phí năm đầu."),
        "{text}"
    );
    assert!(
        !std::fs::read_dir(dir.path().join("member/meetings"))
            .expect("notebooks")
            .flatten()
            .any(|f| std::fs::read(f.path())
                .is_ok_and(|b| String::from_utf8_lossy(&b).contains("kinh phí"))),
        "notes are sealed at rest"
    );

    // The chair signs the conclusion from the meeting: the normal flow.
    let conclusion = m["agenda"][0]["conclusion_request_id"]
        .as_str()
        .expect("a conclusion to sign")
        .to_string();
    chair
        .invoke("enroll", json!({ "passphrase": PASSPHRASE }))
        .expect("enroll");
    let signed = chair
        .invoke(
            "sign",
            json!({ "id": conclusion, "passphrase": PASSPHRASE }),
        )
        .expect("sign");
    assert_eq!(signed["outcome"], "signed", "{signed}");
    assert_eq!(signed["verification"]["indication"], "TOTAL_PASSED");
    member
        .invoke("follow_meeting", json!({ "meeting": null }))
        .expect("stop following");
    gw.stop();
}
