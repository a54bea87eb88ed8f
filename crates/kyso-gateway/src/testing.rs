//! A real gateway for other crates' tests (feature `test-support`): the demo
//! province (and its meeting) served on a loopback port by its own thread and
//! runtime, so a test can stop it and start it again on the same data
//! directory and port (the app's offline queue, kyso-client's upload queue).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The demo leaders' password this gateway seeds.
pub const PASSWORD: &str = "kyso-demo";

/// A free TCP port on loopback (free when asked; a test binds it soon after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A gateway on its own thread and runtime; stopping it (or dropping it)
/// drops the runtime, so none of its tasks outlives it.
pub struct LoopbackGateway {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LoopbackGateway {
    /// Serves plain HTTP on `127.0.0.1:port`, once it listens.
    pub fn start(data: &Path, port: u16) -> LoopbackGateway {
        Self::start_with(data, port, None)
    }

    /// With `tls`: certificate and key PEM files (HTTPS on loopback).
    pub fn start_with(data: &Path, port: u16, tls: Option<(PathBuf, PathBuf)>) -> LoopbackGateway {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let data: PathBuf = data.to_path_buf();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let state = crate::AppState::open(
                    crate::Config::new(data.clone()),
                    None,
                    crate::system_clock(),
                )
                .await
                .expect("the gateway opens");
                crate::demo::seed(&state, PASSWORD)
                    .await
                    .expect("demo province");
                crate::demo::seed_meeting(&state)
                    .await
                    .expect("demo meeting");
                let opts = crate::ServeOptions {
                    data_dir: data,
                    listen: ([127, 0, 0, 1], port).into(),
                    database_url: None,
                    tls,
                };
                tokio::select! {
                    r = crate::serve(opts, state) => r.expect("serves"),
                    _ = stopped => {}
                }
            });
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the gateway does not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        LoopbackGateway {
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Stops it and waits until its runtime is gone.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().expect("the gateway thread ends");
        }
    }
}

impl Drop for LoopbackGateway {
    fn drop(&mut self) {
        self.shutdown();
    }
}
