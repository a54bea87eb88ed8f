//! Crash consistency: 50 signed PDFs uploaded at once to a real gateway,
//! which is killed with SIGKILL while they are in flight, then restarted.
//! Every request must be either signed (with its exact upload and a passing
//! report) or still pending (and signable by retrying the same upload); no
//! file in the store may be half-written or unreferenced; the audit chain
//! must verify.

use std::io::Cursor;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use kyso_client::flow::sha256_hex;

use crate::gateway::*;
use crate::support::*;

const UPLOADS: usize = 50;
/// Answers received before the kill: enough that some uploads committed,
/// few enough that many are still in flight.
const KILL_AFTER: usize = 8;

/// A valid one-page PDF of about `filler` bytes (a content stream padded
/// with comments, so the verifier has real bytes to hash).
fn padded_pdf(text: &str, filler: usize) -> Vec<u8> {
    let mut content = format!("BT /F1 14 Tf 72 760 Td ({text}) Tj ET\n");
    let line = "% kyso crash-consistency filler ......................................\n";
    while content.len() < filler {
        content.push_str(line);
    }
    kyso_pdf::testpdf::pages(&[content])
}

fn json_call(
    gw: &Gateway,
    method: &str,
    path: &str,
    token: &str,
    json: Option<serde_json::Value>,
) -> serde_json::Value {
    let url = format!("{}/api/v1/{path}", gw.url);
    let auth = format!("Bearer {token}");
    let resp = match json {
        Some(j) => agent()
            .post(url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(serde_json::to_vec(&j).expect("json").as_slice()),
        None if method == "GET" => agent().get(url).header("Authorization", &auth).call(),
        None => agent()
            .post(url)
            .header("Authorization", &auth)
            .send_empty(),
    }
    .expect("the gateway answers");
    let (status, b) = body(resp);
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {}",
        String::from_utf8_lossy(&b)
    );
    serde_json::from_slice(&b).expect("JSON")
}

/// Logs in as `user` of the demo province; the session token.
fn login_token(gw: &Gateway, user: &str) -> String {
    let resp = agent()
        .post(format!("{}/api/v1/auth/login", gw.url))
        .header("Content-Type", "application/json")
        .send(
            serde_json::to_vec(&serde_json::json!({"username": user, "password": "kyso-demo"}))
                .expect("json")
                .as_slice(),
        )
        .expect("login answers");
    let (status, b) = body(resp);
    assert_eq!(status, 200, "login: {}", String::from_utf8_lossy(&b));
    let v: serde_json::Value = serde_json::from_slice(&b).expect("JSON");
    v["token"].as_str().expect("token").to_string()
}

/// Uploads a signed PDF; the HTTP status, or None when the connection broke.
fn upload(url: &str, token: &str, id: &str, key: &str, pdf: &[u8]) -> Option<u16> {
    agent()
        .post(format!("{url}/api/v1/device/requests/{id}/signed"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/pdf")
        .header("Idempotency-Key", key)
        .send(pdf)
        .ok()
        .map(|r| r.status().as_u16())
}

/// Every file of the document store: (path, name) outside the temporary
/// folder, and how many files the temporary folder holds.
fn store_files(data: &Path) -> (Vec<(std::path::PathBuf, String)>, usize) {
    let docs = data.join("docs");
    let mut files = Vec::new();
    let mut temporary = 0;
    for shard in std::fs::read_dir(&docs).expect("the store exists") {
        let shard = shard.expect("entry").path();
        for f in std::fs::read_dir(&shard).expect("a folder") {
            let f = f.expect("entry").path();
            if shard.file_name().is_some_and(|n| n == "tmp") {
                temporary += 1;
            } else {
                let name = f
                    .file_name()
                    .and_then(|n| n.to_str())
                    .expect("a name")
                    .to_string();
                files.push((f, name));
            }
        }
    }
    (files, temporary)
}

fn audit_verifies(gw: &Gateway) {
    let o = run(kyso()
        .arg("admin")
        .arg("--data")
        .arg(&gw.data)
        .args(["audit", "verify"]));
    assert!(
        o.status.success(),
        "kyso admin audit verify: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_killed_gateway_loses_nothing_and_leaves_nothing_half_written() {
    let mut gw = Gateway::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let leader = login_token(&gw, "leader1");

    // The leader's device, enrolled as the app does.
    let key = kyso_client::DeviceKey::generate();
    let nonce = json_call(&gw, "GET", "device/enroll/nonce", &leader, None);
    let enrolled = json_call(
        &gw,
        "POST",
        "device/enroll",
        &leader,
        Some(serde_json::json!({
            "nonce": nonce["nonce"],
            "csr_pem": key.csr_pem("leader1 crash test").expect("CSR"),
            "platform": "linux",
            "model": "crash test",
        })),
    );
    let mut chain = kyso_pdf::signer::certificates_from_pem(
        enrolled["certificate_chain_pem"].as_str().expect("PEM"),
    )
    .expect("chain");
    let cert = chain.remove(0);
    let signer = key.software_key();

    // 50 drafts of about 2 MB, each signed ahead of time.
    let mut jobs = Vec::new();
    for i in 0..UPLOADS {
        let draft = dir.path().join(format!("draft-{i}.pdf"));
        std::fs::write(&draft, padded_pdf(&format!("Van ban so {i}"), 2 << 20)).expect("write");
        let id = gw.submit(&draft, "leader1", None)["id"]
            .as_str()
            .expect("id")
            .to_string();
        let resp = agent()
            .get(format!("{}/api/v1/device/requests/{id}/document", gw.url))
            .header("Authorization", format!("Bearer {leader}"))
            .call()
            .expect("document");
        let (status, issued) = body(resp);
        assert_eq!(status, 200);
        let mut out = Cursor::new(Vec::new());
        let opts = kyso_pdf::sign::SignOptions::invisible(
            "Nguyễn Văn An",
            time::OffsetDateTime::now_utc(),
        );
        kyso_pdf::sign::sign(&issued[..], &mut out, &signer, &cert, &chain, None, &opts)
            .expect("signs");
        jobs.push((id, format!("crash-{i}"), out.into_inner()));
    }

    // All at once; SIGKILL after the first few answers.
    let (tx, rx) = mpsc::channel();
    let mut threads = Vec::new();
    for (id, idem, pdf) in jobs.clone() {
        let (tx, url, token) = (tx.clone(), gw.url.clone(), leader.clone());
        threads.push(std::thread::spawn(move || {
            let _ = tx.send(upload(&url, &token, &id, &idem, &pdf));
        }));
    }
    let mut answered = Vec::new();
    while answered.len() < KILL_AFTER {
        answered.push(
            rx.recv_timeout(Duration::from_secs(120))
                .expect("uploads are answered"),
        );
    }
    gw.kill_and_restart();
    for t in threads {
        t.join().expect("upload thread");
    }
    assert!(
        answered.iter().all(|s| *s == Some(200)),
        "uploads before the kill were accepted: {answered:?}"
    );

    // Every request is signed with exactly its upload, or still pending.
    let mut signed = 0;
    let mut pending = Vec::new();
    for (id, idem, pdf) in &jobs {
        let r = gw.request(id);
        let status = r["request"]["status"].as_str().expect("status");
        let (got_signed, signed_pdf) = gw.get(&format!("requests/{id}/signed"));
        let (got_report, report) = gw.get(&format!("requests/{id}/report"));
        match status {
            "signed" => {
                signed += 1;
                assert_eq!(r["request"]["signed_sha256"], sha256_hex(pdf).as_str());
                assert_eq!(got_signed, 200);
                assert!(signed_pdf == *pdf, "the stored PDF is the upload");
                assert_eq!(got_report, 200);
                let report: serde_json::Value = serde_json::from_slice(&report).expect("report");
                assert_eq!(report["indication"], "TOTAL_PASSED");
                let signings = r["history"]
                    .as_array()
                    .expect("history")
                    .iter()
                    .filter(|h| h["action"] == "signed")
                    .count();
                assert_eq!(signings, 1, "{id} recorded once");
            }
            "pending" => {
                assert_eq!((got_signed, got_report), (409, 409), "{id}");
                pending.push((id, idem, pdf));
            }
            other => panic!("{id} is {other} after the crash"),
        }
    }
    assert!(
        signed >= KILL_AFTER && !pending.is_empty(),
        "the kill did not land mid-way ({signed} signed, {} pending): the test proves nothing",
        pending.len()
    );

    // The store: no temporary leftovers, every file whole (named by its
    // digest), and an upload is stored exactly when its request is signed.
    let (files, temporary) = store_files(&gw.data);
    assert_eq!(temporary, 0, "half-written files were swept at restart");
    for (path, name) in &files {
        let bytes = std::fs::read(path).expect("read");
        assert_eq!(&sha256_hex(&bytes), name, "{} is whole", path.display());
    }
    for (id, _, pdf) in &jobs {
        let stored = files.iter().any(|(_, n)| *n == sha256_hex(pdf));
        let is_signed = !pending.iter().any(|(p, _, _)| *p == id);
        assert_eq!(stored, is_signed, "{id}: stored iff signed");
    }
    audit_verifies(&gw);

    // Nothing is lost: the app retries its pending uploads with the same
    // idempotency keys and each is accepted once.
    for (id, idem, pdf) in &pending {
        assert_eq!(upload(&gw.url, &leader, id, idem, pdf), Some(200), "{id}");
        assert_eq!(gw.request(id)["request"]["status"], "signed");
    }
    audit_verifies(&gw);
    println!(
        "crash: {signed} of {UPLOADS} signed before the kill, {} retried after restart",
        pending.len()
    );
}
