//! Meetings from the client against a real gateway on a loopback socket:
//! the document system creates one; participants list it, download its
//! documents (checked against the agenda's digests), give opinions and read
//! the summary; a non-participant sees nothing; the presenter's pages reach
//! two followers in order; only the chair or the delegate presents; after
//! the gateway restarts, a follower reconnects by itself and lands on the
//! current page.

use std::time::Duration;

use kyso_api::{
    ErrorCode, NewAgendaItem, NewMeeting, NewMeetingDocument, NewOpinion, OpinionKind,
    PresenterState, PresenterUpdate,
};
use kyso_client::{Client, Error, Secret};

#[path = "common/gateway.rs"]
mod gateway;
#[path = "common/pdf.rs"]
mod pdf;

async fn login(anon: &Client, user: &str) -> Client {
    let s = anon
        .login(user, &Secret::new(gateway::PASSWORD.to_string()))
        .await
        .unwrap_or_else(|e| panic!("{user} logs in: {e}"));
    anon.clone().with_token(s.token)
}

#[track_caller]
fn assert_api<T: std::fmt::Debug>(r: Result<T, Error>, status: u16, code: ErrorCode, what: &str) {
    match r {
        Err(Error::Api {
            status: s,
            code: c,
            message,
            ..
        }) => {
            assert_eq!((s, c), (status, code), "{what}: {message}");
            assert!(!message.is_empty(), "{what}: a message for people");
        }
        other => panic!("{what}: refused with {status}, not {other:?}"),
    }
}

fn meta() -> NewMeeting {
    NewMeeting {
        title: "Họp giao ban UBND tỉnh".into(),
        starts_at: "2026-03-09T08:00:00+07:00".into(),
        ends_at: "2026-03-09T10:30:00+07:00".into(),
        place: "Phòng họp trực tuyến tầng 3".into(),
        chair: "leader1".into(),
        participants: vec!["leader2".into(), "leader3".into()],
        agenda: vec![
            NewAgendaItem {
                title: "Dự thảo Nghị quyết về đầu tư công".into(),
                documents: vec![NewMeetingDocument {
                    title: "Dự thảo Nghị quyết".into(),
                    file: 0,
                }],
                draft_conclusion: Some("Thống nhất trình HĐND tỉnh.".into()),
                conclusion_request: None,
            },
            NewAgendaItem {
                title: "Tình hình giải ngân".into(),
                documents: vec![NewMeetingDocument {
                    title: "Báo cáo giải ngân".into(),
                    file: 1,
                }],
                draft_conclusion: None,
                conclusion_request: None,
            },
        ],
        external_id: Some("QLVB-HOP-12".into()),
    }
}

fn update(doc: &str, page: u32) -> PresenterUpdate {
    PresenterUpdate {
        document_id: doc.into(),
        page,
        zoom: 1.0,
    }
}

#[track_caller]
fn assert_page(s: &PresenterState, doc: &str, page: u32, seq: u64) {
    assert_eq!(
        (s.document_id.as_str(), s.page, s.seq),
        (doc, page, seq),
        "{s:?}"
    );
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .unwrap_or_else(|_| panic!("{what}: in time"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_from_agenda_to_following_the_presenter_across_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("gateway");
    let gw = gateway::start(&data, None).await;
    let anon = Client::new(&gw.url(), None).expect("client");
    let qlvb = anon
        .clone()
        .with_token(Secret::new(gw.integrator_key.clone()));
    let files = vec![pdf::pages(10, "Du thao"), pdf::pages(2, "Bao cao")];
    let m = qlvb
        .create_meeting(&meta(), files.clone())
        .await
        .expect("the document system creates the meeting");
    assert_eq!(m.agenda.len(), 2);
    assert_eq!(m.agenda[0].documents[0].pages, 10);
    assert_eq!(
        qlvb.created_meeting(&m.id).await.expect("read back"),
        m,
        "as created"
    );
    let mut bad = meta();
    bad.agenda[1].documents[0].file = 5;
    assert_api(
        qlvb.create_meeting(&bad, files.clone()).await,
        400,
        ErrorCode::BadRequest,
        "a file index past the files",
    );

    let (l1, l2, l3, clerk) = (
        login(&anon, "leader1").await,
        login(&anon, "leader2").await,
        login(&anon, "leader3").await,
        login(&anon, "clerk1").await,
    );
    let l2_id = l2.me().await.expect("me").id;

    // Participants see it; the clerk, not among them, sees nothing.
    assert_eq!(l2.meetings().await.expect("list"), vec![m.clone()]);
    assert_eq!(l3.meeting(&m.id).await.expect("get"), m);
    assert!(clerk.meetings().await.expect("list").is_empty());
    assert_api(clerk.meeting(&m.id).await, 404, ErrorCode::NotFound, "get");
    assert_api(
        clerk
            .meeting_document(&m.id, &m.agenda[0].documents[0])
            .await,
        404,
        ErrorCode::NotFound,
        "document",
    );
    assert_api(
        clerk.meeting_events(&m.id).await,
        404,
        ErrorCode::NotFound,
        "events",
    );
    assert_api(
        clerk.meeting_summary(&m.id).await,
        404,
        ErrorCode::NotFound,
        "summary",
    );

    // Documents, checked against the agenda's digests.
    let doc = &m.agenda[0].documents[0];
    assert_eq!(
        l2.meeting_document(&m.id, doc).await.expect("downloads"),
        files[0]
    );
    let mut forged = doc.clone();
    forged.sha256 = "00".repeat(32);
    match l2.meeting_document(&m.id, &forged).await {
        Err(Error::Protocol(msg)) => assert!(msg.contains("SHA-256"), "{msg}"),
        other => panic!("a digest that does not match is refused, not {other:?}"),
    }

    // Opinions and the summary.
    let item = &m.agenda[0].id;
    assert_api(
        l2.give_opinion(
            &m.id,
            item,
            &NewOpinion {
                kind: OpinionKind::Disagree,
                text: None,
            },
            None,
        )
        .await,
        400,
        ErrorCode::BadRequest,
        "disagree without why",
    );
    let o = l2
        .give_opinion(
            &m.id,
            item,
            &NewOpinion {
                kind: OpinionKind::Disagree,
                text: Some("Chưa rõ nguồn vốn.".into()),
            },
            None,
        )
        .await
        .expect("recorded");
    assert!(o.mine && o.kind == OpinionKind::Disagree);
    // An opinion queued offline and sent twice is recorded once.
    let agree = NewOpinion {
        kind: OpinionKind::Agree,
        text: None,
    };
    let first = l3
        .give_opinion(&m.id, item, &agree, Some("queued-opinion-1"))
        .await
        .expect("recorded");
    let again = l3
        .give_opinion(&m.id, item, &agree, Some("queued-opinion-1"))
        .await
        .expect("answered again");
    assert_eq!(first, again, "the same opinion, not a second one");
    let s = l3.meeting_summary(&m.id).await.expect("summary");
    assert!(!s.names_visible);
    assert_eq!((s.items[0].agree, s.items[0].disagree), (1, 1));
    assert_eq!(s.items[0].my_stance, Some(OpinionKind::Agree));
    assert_eq!(
        s.items[0].opinions[0].author, None,
        "leader2's name is not shown to leader3"
    );
    let minutes = qlvb.meeting_minutes(&m.id).await.expect("minutes");
    assert_eq!(
        minutes.items[0].opinions[0].author.as_deref(),
        Some(l2_id.as_str())
    );

    // The presenter: two followers connected before, in order; a follower
    // that connects later starts on the current page.
    let mut e2 = l2.meeting_events(&m.id).await.expect("subscribed");
    let mut f3 = l3.meeting_events(&m.id).await.expect("subscribed");
    let mut f2 = l2.follow_meeting(&m.id);
    for page in 1..=4 {
        let s = l1
            .present(&m.id, &update(&doc.id, page))
            .await
            .expect("presents");
        assert_page(&s, &doc.id, page, page.into());
    }
    for page in 1..=4 {
        for (who, e) in [("leader2", &mut e2), ("leader3", &mut f3)] {
            let s = within(who, e.next()).await.expect("open").expect("state");
            assert_page(&s, &doc.id, page, page.into());
        }
    }
    assert_page(
        &within("f2", f2.next()).await.expect("state"),
        &doc.id,
        4,
        4,
    );
    drop(e2);
    assert_api(
        l2.present(&m.id, &update(&doc.id, 9)).await,
        403,
        ErrorCode::Forbidden,
        "leader2 is not the presenter",
    );
    assert_api(
        l2.delegate_presenter(&m.id, Some(&l2_id)).await,
        403,
        ErrorCode::Forbidden,
        "only the chair delegates",
    );
    assert_eq!(
        l1.delegate_presenter(&m.id, Some(&l2_id))
            .await
            .expect("delegated")
            .presenter_id,
        l2_id
    );
    let s = l2
        .present(&m.id, &update(&doc.id, 5))
        .await
        .expect("the delegate presents");
    assert_eq!(s.presenter, l2_id);
    assert_page(
        &within("f2", f2.next()).await.expect("state"),
        &doc.id,
        5,
        5,
    );
    let s = within("f3", f3.next()).await.expect("open").expect("state");
    assert_page(&s, &doc.id, 5, 5);

    // The gateway restarts; meanwhile the presenter moves on twice. The
    // follower reconnects by itself and lands on the current page.
    let addr = gw.addr;
    gw.stop().await;
    assert!(
        matches!(within("f3 ends", f3.next()).await, None | Some(Err(_))),
        "the stream ends when the gateway stops"
    );
    let gw = gateway::start(&data, Some(addr)).await;
    let report = m.agenda[1].documents[0].id.clone();
    l1.present(&m.id, &update(&doc.id, 6))
        .await
        .expect("after the restart");
    l1.present(&m.id, &update(&report, 2))
        .await
        .expect("after the restart");
    let s = within("f2 after the restart", f2.next())
        .await
        .expect("state");
    assert_page(&s, &report, 2, 7);
    assert_eq!(f2.last_seq(), 7);
    let mut late = l3.meeting_events(&m.id).await.expect("a late joiner");
    assert_page(
        &within("late", late.next())
            .await
            .expect("open")
            .expect("state"),
        &report,
        2,
        7,
    );
    l1.present(&m.id, &update(&doc.id, 10))
        .await
        .expect("presents");
    assert_page(
        &within("f2", f2.next()).await.expect("state"),
        &doc.id,
        10,
        8,
    );
    gw.stop().await;
}
