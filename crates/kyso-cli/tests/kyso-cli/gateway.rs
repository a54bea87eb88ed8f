//! A real `kyso serve --demo` process for end-to-end tests, and the
//! document system's side of its API over plain HTTP on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::*;

/// A running `kyso serve --demo`, killed when dropped (also on panic).
pub struct Gateway {
    child: Child,
    port: u16,
    /// Further `kyso serve` arguments and environment (a token's).
    extra: Vec<String>,
    env: Vec<(String, PathBuf)>,
    pub url: String,
    pub data: PathBuf,
    pub integrator_key: String,
    pub webhook_secret: String,
    _dir: tempfile::TempDir,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .into()
}

pub fn body(resp: ureq::http::Response<ureq::Body>) -> (u16, Vec<u8>) {
    let status = resp.status().as_u16();
    let mut b = Vec::new();
    resp.into_body()
        .into_reader()
        .read_to_end(&mut b)
        .expect("reads the answer");
    (status, b)
}

impl Gateway {
    pub fn start() -> Gateway {
        Self::start_with(&[], &[])
    }

    /// [`Gateway::start`] with more `kyso serve` arguments and environment.
    pub fn start_with(extra: &[&str], env: &[(&str, &Path)]) -> Gateway {
        Self::start_on(free_port(), extra, env)
    }

    /// [`Gateway::start_with`] on `port` (for arguments that name it, such
    /// as `--public-url`).
    pub fn start_on(port: u16, extra: &[&str], env: &[(&str, &Path)]) -> Gateway {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("gateway");
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let env: Vec<(String, PathBuf)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_path_buf()))
            .collect();
        let (child, url, stdout) = spawn(&data, port, &extra, &env);
        let mut gw = Gateway {
            child,
            port,
            extra,
            env,
            url,
            data,
            integrator_key: String::new(),
            webhook_secret: String::new(),
            _dir: dir,
        };
        // Read the printed secrets; keep draining stdout afterwards.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                for word in line.split_whitespace() {
                    if word.starts_with("kyso_ik_") || word.starts_with("kyso_wh_") {
                        let _ = tx.send(word.to_string());
                    }
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        while gw.integrator_key.is_empty() || gw.webhook_secret.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let word = rx.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "kyso serve --demo printed no integrator key and webhook secret: {}",
                    gw.log()
                )
            });
            if word.starts_with("kyso_ik_") {
                gw.integrator_key = word;
            } else {
                gw.webhook_secret = word;
            }
        }
        gw.wait_ready(deadline);
        gw
    }

    /// Kills the server with SIGKILL: no shutdown of any kind.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// Asks the server to stop (SIGTERM) and waits for it; returns how it
    /// exited and how long that took.
    pub fn terminate(&mut self) -> (std::process::ExitStatus, Duration) {
        let asked = Instant::now();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("runs kill");
        assert!(sent.success(), "SIGTERM sent");
        let status = self.child.wait().expect("reaped");
        (status, asked.elapsed())
    }

    /// Starts the server again on the same data directory and port.
    pub fn restart(&mut self) {
        let (child, url, stdout) = spawn(&self.data, self.port, &self.extra, &self.env);
        std::thread::spawn(move || {
            std::io::copy(&mut BufReader::new(stdout), &mut std::io::sink())
        });
        self.child = child;
        self.url = url;
        self.wait_ready(Instant::now() + Duration::from_secs(120));
    }

    /// [`Gateway::kill`], then [`Gateway::restart`].
    pub fn kill_and_restart(&mut self) {
        self.kill();
        self.restart();
    }

    fn wait_ready(&mut self, deadline: Instant) {
        loop {
            if let Ok(r) = agent().get(format!("{}/api/v1/ca", self.url)).call()
                && r.status().as_u16() == 200
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the gateway does not answer: {}",
                self.log()
            );
            if let Ok(Some(st)) = self.child.try_wait() {
                panic!("kyso serve exited with {st}: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.with_file_name("serve.log")).unwrap_or_default()
    }

    /// Submits `pdf` for `signer` as the document system; returns the request.
    pub fn submit(&self, pdf: &Path, signer: &str, callback: Option<&str>) -> serde_json::Value {
        let boundary = "kyso-test-6b1f0c9e";
        let meta = serde_json::json!({
            "title": "V/v thử nghiệm ký số trên thiết bị di động",
            "document_type": "công văn",
            "urgency": "urgent",
            "signer": signer,
            "external_id": "QLVB-2026-0042",
            "callback_url": callback,
        });
        let mut b = Vec::new();
        write!(
            b,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n{meta}\r\n"
        )
        .expect("write");
        write!(
            b,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"draft.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .expect("write");
        b.extend_from_slice(&std::fs::read(pdf).expect("draft PDF"));
        write!(b, "\r\n--{boundary}--\r\n").expect("write");
        let resp = agent()
            .post(format!("{}/api/v1/requests", self.url))
            .header("Authorization", format!("Bearer {}", self.integrator_key))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .send(&b[..])
            .expect("submits the draft");
        let (status, body) = body(resp);
        assert_eq!(
            status,
            201,
            "draft submission: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).expect("a SigningRequest")
    }

    /// GET as the document system.
    pub fn get(&self, path: &str) -> (u16, Vec<u8>) {
        let resp = agent()
            .get(format!("{}/api/v1/{path}", self.url))
            .header("Authorization", format!("Bearer {}", self.integrator_key))
            .call()
            .expect("GET as the integrator");
        body(resp)
    }

    /// The request as the document system sees it.
    pub fn request(&self, id: &str) -> serde_json::Value {
        let (status, body) = self.get(&format!("requests/{id}"));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).expect("RequestWithHistory")
    }

    /// The device CA, from `kyso admin --data DIR ca export`.
    pub fn device_ca(&self, dir: &Path) -> PathBuf {
        let o = run(kyso()
            .arg("admin")
            .arg("--data")
            .arg(&self.data)
            .args(["ca", "export"]));
        assert!(
            o.status.success(),
            "kyso admin ca export: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let pem = String::from_utf8(o.stdout).expect("PEM");
        assert!(pem.contains("BEGIN CERTIFICATE"), "{pem}");
        let p = dir.join("device-ca.pem");
        std::fs::write(&p, pem).expect("write");
        p
    }
}

/// `kyso serve --demo --data DATA` on loopback port PORT, its log
/// appended to `serve.log` beside DATA.
fn spawn(
    data: &Path,
    port: u16,
    extra: &[String],
    env: &[(String, PathBuf)],
) -> (Child, String, std::process::ChildStdout) {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data.with_file_name("serve.log"))
        .expect("log file");
    let mut child = kyso()
        .arg("serve")
        .arg("--demo")
        .arg("--data")
        .arg(data)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .args(extra)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("kyso serve starts");
    let stdout = child.stdout.take().expect("stdout");
    (child, format!("http://127.0.0.1:{port}"), stdout)
}

/// `kyso serve` refuses push configuration it cannot use, with one clear
/// line and exit code 2, before it listens.
#[test]
fn serve_refuses_push_configuration_it_cannot_use() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let sa = dir.path().join("service-account.json");
    std::fs::write(&sa, r#"{"type": "authorized_user"}"#).expect("write");
    let o = kyso()
        .arg("serve")
        .arg("--data")
        .arg(&data)
        .arg("--listen")
        .arg(format!("127.0.0.1:{}", free_port()))
        .arg("--fcm-service-account")
        .arg(&sa)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "a usage error: {err}");
    assert!(
        err.contains("push configuration") && err.contains("service-account.json"),
        "says which file and why: {err}"
    );
    let o = kyso()
        .arg("serve")
        .arg("--data")
        .arg(&data)
        .arg("--apns-key")
        .arg(&sa)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "an APNs key alone is not enough");
    assert!(
        err.contains("--apns-key-id"),
        "names what is missing: {err}"
    );
}
