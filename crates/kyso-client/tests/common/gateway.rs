//! A real gateway on a loopback socket, the demo province in it, that the
//! caller can stop and start again on the same data (shared by the meeting
//! tests and `examples/bench_meeting.rs`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A running gateway.
pub struct Running {
    /// Its address.
    pub addr: SocketAddr,
    /// The demo's integrator key (a new one each start).
    pub integrator_key: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), String>>,
}

/// The demo password of every demo user.
pub const PASSWORD: &str = "kyso-demo";

/// Starts the demo gateway on `data` (SQLite), on `addr` or a free port;
/// returns once it answers.
pub async fn start(data: &Path, addr: Option<SocketAddr>) -> Running {
    let state = kyso_gateway::AppState::open(
        kyso_gateway::Config::new(PathBuf::from(data)),
        None,
        kyso_gateway::system_clock(),
    )
    .await
    .expect("the gateway opens");
    let info = kyso_gateway::demo::seed(&state, PASSWORD)
        .await
        .expect("demo province");
    let addr = addr.unwrap_or_else(|| {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        l.local_addr().expect("addr")
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(kyso_gateway::serve_until(
        kyso_gateway::ServeOptions {
            data_dir: PathBuf::from(data),
            listen: addr,
            database_url: None,
            tls: None,
        },
        state,
        async move {
            let _ = stopped.await;
        },
    ));
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    Running {
        addr,
        integrator_key: info.integrator_key,
        stop,
        task,
    }
}

impl Running {
    /// The gateway's address as a client takes it.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops it as SIGTERM does (open event streams end) and waits.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task
            .await
            .expect("the server task")
            .expect("the server stops cleanly");
    }
}
