//! Push registration from the client against a real gateway on a loopback
//! socket: the app hands over its token, a bad one is refused with the
//! gateway's code, and it can be forgotten again.

use kyso_api::{ErrorCode, PushProvider, PushRegistration};
use kyso_client::{Client, DeviceKey, Error, Secret};

async fn tokens(state: &kyso_gateway::AppState, device: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM push_tokens WHERE device_id = ?")
        .bind(device)
        .fetch_one(state.db.pool())
        .await
        .expect("counts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_registers_and_forgets_its_push_token() {
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
        state.clone(),
    ));
    let url = format!("http://{addr}");
    let anon = Client::new(&url, None).expect("client");
    let mut session = None;
    for _ in 0..100 {
        match anon
            .login("leader1", &Secret::new("kyso-demo".to_string()))
            .await
        {
            Ok(s) => {
                session = Some(s);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
    let client = anon.with_token(session.expect("the gateway answers").token);
    let key = DeviceKey::generate();
    let device = kyso_client::enroll(&client, &key, "leader1", "android", "push test")
        .await
        .expect("enrolls")
        .device_id;

    let reg = PushRegistration {
        provider: PushProvider::Fcm,
        token: "fcm-token:APA91bHx_y-z".into(),
        app_id: Some("vn.gov.kyso.app".into()),
    };
    client
        .register_push(&device, &reg)
        .await
        .expect("registers");
    assert_eq!(tokens(&state, &device).await, 1, "stored for the device");

    let bad = PushRegistration {
        provider: PushProvider::Apns,
        token: "not a device token".into(),
        app_id: None,
    };
    match client.register_push(&device, &bad).await {
        Err(Error::Api { status, code, .. }) => {
            assert_eq!((status, code), (400, ErrorCode::BadRequest), "refused")
        }
        other => panic!("a bad token is refused: {other:?}"),
    }
    match client.register_push("someone-elses-device", &reg).await {
        Err(Error::Api { status, .. }) => assert_eq!(status, 404, "not the caller's device"),
        other => panic!("an unknown device is refused: {other:?}"),
    }
    assert_eq!(
        tokens(&state, &device).await,
        1,
        "the refusals changed nothing"
    );

    client.unregister_push(&device).await.expect("unregisters");
    assert_eq!(tokens(&state, &device).await, 0, "forgotten");
    server.abort();
}
