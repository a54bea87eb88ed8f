//! The durable upload queue against a real gateway (kyso-gateway, in its
//! own runtime on a loopback socket), stopped and restarted on the same
//! data directory and port: a signature made while the gateway is down is
//! kept across a restart of the app, uploaded once the gateway is back, and
//! recorded exactly once, even when the same upload is sent again; a final
//! refusal is kept, not retried, until discarded.

use std::path::Path;

use kyso_api::RequestStatus;
use kyso_client::queue::{Queue, QueueState};
use kyso_client::{Client, Delivery, DeviceKey, Secret, SignSettings};

use kyso_gateway::testing::{LoopbackGateway as Gateway, PASSWORD, free_port};

/// How many times the gateway recorded a signature of `id` (read from its
/// database while it is stopped).
async fn signatures_recorded(data: &Path, id: &str) -> usize {
    let state = kyso_gateway::AppState::open(
        kyso_gateway::Config::new(data.to_path_buf()),
        None,
        kyso_gateway::system_clock(),
    )
    .await
    .expect("opens");
    let h = kyso_gateway::requests::with_history(&state.db, id)
        .await
        .expect("history");
    assert_eq!(h.request.status, RequestStatus::Signed);
    h.history.iter().filter(|e| e.action == "signed").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_signatures_are_uploaded_once_and_never_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("gateway");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let gw = Gateway::start(&data, port);

    let anon = Client::new(&url, None).expect("client");
    let session = anon
        .login("leader1", &Secret::new(PASSWORD.to_string()))
        .await
        .expect("login");
    let client = anon.with_token(session.token);
    let key = DeviceKey::generate();
    let enrolled = kyso_client::enroll(&client, &key, "leader1", "linux", "queue test")
        .await
        .expect("enrolls");
    let chain = kyso_client::parse_chain(&enrolled.certificate_chain_pem).expect("chain");
    let signer = key.software_key();
    let settings = SignSettings::default();
    let inbox = client.inbox().await.expect("inbox");
    assert!(inbox.len() >= 3, "the demo gives leader1 three drafts");
    let (online, offline, declined) = (&inbox[0], &inbox[1], &inbox[2]);

    let queue_path = dir.path().join("queue.sqlite");
    let queue = Queue::open(&queue_path).await.expect("queue");

    // Online: uploaded at once, nothing left behind.
    match kyso_client::sign_request_durably(&client, &queue, &online.id, &signer, &chain, &settings)
        .await
        .expect("signs")
    {
        Delivery::Uploaded(o) => assert_eq!(o.request.status, RequestStatus::Signed),
        Delivery::Queued { reason, .. } => panic!("queued while online: {reason}"),
    }
    assert!(queue.list().await.expect("list").is_empty());

    // The document was opened while online; the gateway then goes away and
    // the leader signs anyway.
    let doc = client.document(&offline.id).await.expect("document");
    let upload = kyso_client::flow::sign_document(offline, &doc, &signer, &chain, &settings)
        .await
        .expect("signs");
    gw.stop();
    queue.push(&upload).await.expect("queued");
    let f = queue.flush(&client).await.expect("flush");
    assert!(f.accepted.is_empty() && f.refused.is_empty());
    assert_eq!(f.waiting, 1);
    let listed = queue.list().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].state, QueueState::Waiting);
    assert_eq!(listed[0].attempts, 1);
    assert_eq!(listed[0].sha256, upload.sha256);
    assert!(
        listed[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("cannot reach")),
        "{listed:?}"
    );

    // The app is closed and opened again: the queue is still there.
    drop(queue);
    let queue = Queue::open(&queue_path).await.expect("reopens");
    assert_eq!(queue.waiting().await.expect("count"), 1);
    // Queuing the very same upload again changes nothing; a different
    // signature of the same request is refused.
    queue.push(&upload).await.expect("same upload");
    let mut other = upload.clone();
    other.idempotency_key.push('x');
    assert!(matches!(
        queue.push(&other).await,
        Err(kyso_client::Error::AlreadyQueued(_))
    ));

    // The gateway is back: one flush delivers it, the next has nothing.
    let gw = Gateway::start(&data, port);
    let f = queue.flush(&client).await.expect("flush");
    assert_eq!(f.accepted.len(), 1, "{f:?}");
    assert_eq!(f.accepted[0].id, offline.id);
    assert_eq!(
        f.accepted[0].signed_sha256.as_deref(),
        Some(upload.sha256.as_str())
    );
    assert!(queue.list().await.expect("list").is_empty());
    let f = queue.flush(&client).await.expect("flush");
    assert!(f.accepted.is_empty() && f.waiting == 0);

    // The app crashed after the upload but before it forgot it: the same
    // upload goes again and gets the first answer, not a second record.
    queue.push(&upload).await.expect("queued again");
    let f = queue.flush(&client).await.expect("flush");
    assert_eq!(f.accepted.len(), 1, "{f:?}");

    // A signature the gateway refuses for good (the leader declined the
    // request meanwhile, from another device) is kept, not retried.
    let doc = client.document(&declined.id).await.expect("document");
    let late = kyso_client::flow::sign_document(declined, &doc, &signer, &chain, &settings)
        .await
        .expect("signs");
    client
        .decline(&declined.id, "Đề nghị bổ sung số liệu")
        .await
        .expect("declines");
    queue.push(&late).await.expect("queued");
    let f = queue.flush(&client).await.expect("flush");
    assert_eq!(f.refused.len(), 1, "{f:?}");
    assert_eq!(
        f.refused[0].1.code(),
        Some(kyso_api::ErrorCode::Conflict),
        "{:?}",
        f.refused[0].1
    );
    let f = queue.flush(&client).await.expect("flush");
    assert!(f.refused.is_empty() && f.accepted.is_empty(), "not retried");
    let listed = queue.list().await.expect("list");
    assert_eq!(
        (listed.len(), listed[0].state, listed[0].attempts),
        (1, QueueState::Refused, 1)
    );
    assert!(queue.discard(&declined.id).await.expect("discard"));
    assert!(queue.list().await.expect("list").is_empty());

    gw.stop();
    assert_eq!(signatures_recorded(&data, &offline.id).await, 1);
    assert_eq!(signatures_recorded(&data, &online.id).await, 1);
}
