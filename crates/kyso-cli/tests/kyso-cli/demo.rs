//! `kyso demo`: the demo gateway and its walkthrough, for real (the binary,
//! a loopback port, the embedded SQLite), judged by pyHanko.

use std::net::TcpListener;
use std::path::Path;

use crate::gateway::free_port;
use crate::support::{assert_pyhanko_trusts, kyso, run};

fn demo(data: &Path, port: u16) -> std::process::Output {
    run(kyso()
        .args(["demo", "--exit", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "warn"))
}

/// The signed PDFs the walkthrough kept.
fn signed(data: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(data.join("signed"))
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn the_walkthrough_signs_a_new_draft_that_pyhanko_trusts_and_runs_again_on_its_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("demo");
    let o = demo(&data, free_port());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "kyso demo failed: {stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for step in [
        "integrator key (shown once): ",
        "the document system submitted the draft",
        "leader1 logged in",
        "certified by the province's device CA",
        "the draft is in leader1's inbox",
        "the gateway verified and accepted it",
        "verified: TOTAL_PASSED",
    ] {
        assert!(stdout.contains(step), "no {step:?} in:\n{stdout}");
    }
    let first = signed(&data);
    assert_eq!(first.len(), 1, "one signed PDF kept: {first:?}");
    assert!(
        stdout.contains(&first[0].display().to_string()),
        "the output names {}",
        first[0].display()
    );
    let ca = data.join("signed/device-ca.pem");
    let trust = ca.to_str().expect("utf-8 path");
    assert_pyhanko_trusts(&first[0], 1, &["--trust", trust]);
    // The demo's drafts for the app are still there, with the new one signed.
    assert!(data.join("gateway").is_dir());

    // Again on the same data: the province is kept, one more draft signed.
    let o = demo(&data, free_port());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "second run: {stdout}");
    assert!(
        stdout.contains("demo data kept from an earlier run"),
        "{stdout}"
    );
    let second = signed(&data);
    assert_eq!(second.len(), 2, "{second:?}");
    for pdf in &second {
        assert_pyhanko_trusts(pdf, 1, &["--trust", trust]);
    }
}

#[test]
fn a_port_in_use_or_a_public_address_is_one_clear_error_and_nothing_signed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("demo");
    let taken = TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = taken.local_addr().expect("addr").port();
    let o = demo(&data, port);
    assert_eq!(o.status.code(), Some(2), "usage-type failure");
    let stderr = String::from_utf8_lossy(&o.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("kyso: lỗi: không khởi động được cổng ký số")
            && last.contains("| error: the gateway did not start"),
        "{stderr}"
    );
    assert!(signed(&data).is_empty(), "nothing signed");
    drop(taken);

    let o = run(kyso()
        .args(["demo", "--exit", "--listen", "0.0.0.0:8443", "--data"])
        .arg(&data));
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("the demo listens on loopback only"),
        "{stderr}"
    );
}
