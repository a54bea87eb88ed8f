//! Quiet hours from the client against a real gateway on a loopback
//! socket: read, set, refused with the gateway's code, removed; a clerk
//! has none to set.

use kyso_api::{ErrorCode, QuietHours};
use kyso_client::{Client, Error, Secret};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_sets_and_removes_quiet_hours() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("gateway");
    let state = kyso_gateway::AppState::open(
        kyso_gateway::Config::new(data.clone()),
        None,
        kyso_gateway::system_clock(),
    )
    .await
    .expect("the gateway opens");
    kyso_gateway::demo::seed(&state, "kyso-demo")
        .await
        .expect("demo province");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let server = tokio::spawn(kyso_gateway::serve(
        kyso_gateway::ServeOptions {
            data_dir: data,
            listen: addr,
            database_url: None,
            tls: None,
        },
        state,
    ));
    let anon = Client::new(&format!("http://{addr}"), None).expect("client");
    let password = Secret::new("kyso-demo".to_string());
    let mut session = None;
    for _ in 0..100 {
        match anon.login("leader1", &password).await {
            Ok(s) => {
                session = Some(s);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
    let leader = anon
        .clone()
        .with_token(session.expect("the gateway answers").token);

    assert_eq!(
        leader.quiet_hours().await.expect("reads"),
        QuietHours::none(),
        "none at first"
    );
    let night = QuietHours {
        start: Some("22:00".into()),
        end: Some("06:30".into()),
    };
    assert_eq!(
        leader.set_quiet_hours(&night).await.expect("sets"),
        night,
        "stored as asked"
    );
    assert_eq!(
        leader.quiet_hours().await.expect("reads"),
        night,
        "read back"
    );

    for (bad, what) in [
        (
            QuietHours {
                start: Some("24:00".into()),
                end: Some("06:30".into()),
            },
            "hour 24",
        ),
        (
            QuietHours {
                start: Some("06:30".into()),
                end: Some("06:30".into()),
            },
            "start equal to end",
        ),
        (
            QuietHours {
                start: Some("22:00".into()),
                end: None,
            },
            "start alone",
        ),
    ] {
        match leader.set_quiet_hours(&bad).await {
            Err(Error::Api {
                status,
                code,
                message,
                ..
            }) => {
                assert_eq!((status, code), (400, ErrorCode::BadRequest), "{what}");
                assert!(!message.is_empty(), "{what}: a message for people");
            }
            other => panic!("{what}: refused, not {other:?}"),
        }
    }
    assert_eq!(
        leader.quiet_hours().await.expect("reads"),
        night,
        "the refusals changed nothing"
    );

    let clerk = anon.clone().with_token(
        anon.login("clerk1", &password)
            .await
            .expect("the clerk logs in")
            .token,
    );
    match clerk.quiet_hours().await {
        Err(Error::Api { status, code, .. }) => {
            assert_eq!((status, code), (403, ErrorCode::Forbidden), "leaders only")
        }
        other => panic!("a clerk has no quiet hours: {other:?}"),
    }

    assert_eq!(
        leader
            .set_quiet_hours(&QuietHours::none())
            .await
            .expect("removes"),
        QuietHours::none(),
        "removed"
    );
    assert_eq!(
        leader.quiet_hours().await.expect("reads"),
        QuietHours::none(),
        "none again"
    );
    server.abort();
}
