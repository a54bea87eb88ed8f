//! Regression inputs for the fuzz targets of `fuzz/` (run with `scripts/fuzz`).
//!
//! Every `*.pdf` of `tests/fuzz-regressions/` goes through the three fuzzed entry points:
//! `verify::verify` (both profiles), `Document::open` + `pages()`, and
//! `sign::prepare` (invisible, with the fuzzers' fixed P-256 certificate,
//! [`SIGNER_PEM`]). Each call runs on its own 2 MiB-stack thread with a time
//! limit, so a panic, a hang or unbounded recursion fails the test instead of
//! hanging it. The folder holds:
//! * `TARGET-HASH.pdf`: minimised fuzzer findings (`cargo fuzz tmin`), named after
//!   the target that found them and the start of their SHA-1;
//! * `hand-*.pdf`: hand-made malformed files written by `fuzz/make-hand-regressions.py`
//!   (self-referencing `/Length`, `/Prev` loops, 10 000-deep nesting, xref streams
//!   with absurd `/W` and `/Index`, a 1000:1 flate bomb in an object stream, page-tree
//!   loops, nonsense signature dictionaries).
//!
//! Beyond "returns": verify never says TOTAL_PASSED for these files (even with the
//! certificate as a trust anchor) and says TOTAL_FAILED / FORMAT_FAILURE whenever
//! strict reading fails; a successful `prepare` output starts with the input bytes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use kyso_pdf::Document;
use kyso_pdf::sign::{SignOptions, prepare};
use kyso_pdf::verify::report::{Indication, SubIndication};
use kyso_pdf::verify::{Profile, VerifyOptions, verify};

/// Stack of the thread each call runs on: what a server worker thread typically has.
const STACK: usize = 2 * 1024 * 1024;
/// Generous for an unoptimised build of the library; a hang is far beyond it.
const LIMIT: Duration = Duration::from_secs(60);
/// The hand-made files alone are this many; fewer means the folder was lost.
const MIN_FILES: usize = 16;

fn inputs() -> Vec<(String, Arc<Vec<u8>>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= MIN_FILES,
        "{} holds {} PDFs, expected at least {MIN_FILES}",
        dir.display(),
        paths.len()
    );
    paths
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
            (name, Arc::new(bytes))
        })
        .collect()
}

fn now() -> time::OffsetDateTime {
    // 2025-01-01T00:00:00Z, as in the fuzz targets.
    time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(1_735_689_600)
}

/// The fuzzers' certificate, a copy of `fuzz/signer.pem` (self-signed P-256, no key
/// kept), inline so this test does not depend on the fuzz project.
const SIGNER_PEM: &str = "\
-----BEGIN CERTIFICATE-----
MIIBzTCCAXOgAwIBAgICEJIwCgYIKoZIzj0EAwIwPDEZMBcGA1UEAwwQS3lzbyBG
dXp6IFNpZ25lcjESMBAGA1UECgwJS3lzbyBGdXp6MQswCQYDVQQGEwJWTjAgFw0y
NjExMjExMDQ0MzlaGA8yMTI2MTAyODEwNDQzOVowPDEZMBcGA1UEAwwQS3lzbyBG
dXp6IFNpZ25lcjESMBAGA1UECgwJS3lzbyBGdXp6MQswCQYDVQQGEwJWTjBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABP7kRLoSrwl6yzllo+CsQe7qdvc8oMsPSIYZ
ee7MN52cBCJJ7UM08UpL/hOkrWueBimitxbU2n3D5xK5mkGmXiyjYzBhMB0GA1Ud
DgQWBBQlNvCBY1cYh5+T9czdOXp2VnxZNjAfBgNVHSMEGDAWgBQlNvCBY1cYh5+T
9czdOXp2VnxZNjAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIGwDAKBggq
hkjOPQQDAgNIADBFAiBltL9kOAdjE8H2pxSd5aqDtLcJfyh8RRNhEVwDKcmCTwIh
AJZQABruNGUNnrTs6yV+ilvLuEHswooCe8D88LLT32zV
-----END CERTIFICATE-----
";

fn cert() -> x509_cert::Certificate {
    let mut certs = kyso_pdf::signer::certificates_from_pem(SIGNER_PEM).expect("SIGNER_PEM parses");
    certs.remove(0)
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// Runs `f` on a fresh thread with a [`STACK`]-byte stack; a panic or no answer
/// within [`LIMIT`] is an error naming `what`.
fn bounded<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(what.to_string())
        .stack_size(STACK)
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(r);
        })
        .expect("spawn a thread");
    match rx.recv_timeout(LIMIT) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(p)) => Err(format!("{what}: panicked: {}", panic_message(&*p))),
        Err(_) => Err(format!("{what}: no answer within {LIMIT:?}")),
    }
}

fn check(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failure(s):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[test]
fn verify_returns_and_never_passes() {
    let trust = cert();
    let mut failures = Vec::new();
    for (name, bytes) in inputs() {
        let b = Arc::clone(&bytes);
        let strict_ok = match bounded(&format!("{name}: open"), move || {
            Document::open(&b[..]).is_ok()
        }) {
            Ok(v) => v,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        for profile in [Profile::Strict, Profile::Multi] {
            for trusted in [false, true] {
                let what = format!("{name}: verify {profile:?} trust={trusted}");
                let b = Arc::clone(&bytes);
                let opts = VerifyOptions {
                    profile,
                    trust: if trusted { vec![trust.clone()] } else { vec![] },
                    original: None,
                    now: now(),
                };
                let report = match bounded(&what, move || verify(&b[..], &opts)) {
                    Ok(r) => r,
                    Err(e) => {
                        failures.push(e);
                        continue;
                    }
                };
                if report.indication == Indication::TotalPassed {
                    failures.push(format!("{what}: TOTAL_PASSED for a malformed file"));
                }
                if !strict_ok
                    && (report.indication != Indication::TotalFailed
                        || report.sub_indication != Some(SubIndication::FormatFailure))
                {
                    failures.push(format!(
                        "{what}: strict reading fails but the report says {:?} / {:?}",
                        report.indication, report.sub_indication
                    ));
                }
            }
        }
    }
    check(failures);
}

#[test]
fn open_and_pages_return() {
    let mut failures = Vec::new();
    for (name, bytes) in inputs() {
        let r = bounded(&format!("{name}: open + pages"), move || {
            let doc = Document::open(&bytes[..]).ok()?;
            doc.pages().ok().map(|p| p.len())
        });
        if let Err(e) = r {
            failures.push(e);
        }
    }
    check(failures);
}

#[test]
fn prepare_returns_an_incremental_update() {
    let cert = Arc::new(cert());
    let mut failures = Vec::new();
    for (name, bytes) in inputs() {
        let what = format!("{name}: prepare");
        let c = Arc::clone(&cert);
        let b = Arc::clone(&bytes);
        let r = bounded(&what, move || {
            let mut out = std::io::Cursor::new(Vec::new());
            let opts = SignOptions::invisible("x", now());
            prepare(&b[..], &mut out, &c, &opts).map(|_| out.into_inner())
        });
        match r {
            Err(e) => failures.push(e),
            Ok(Ok(out)) => {
                if out.len() <= bytes.len() || out[..bytes.len()] != bytes[..] {
                    failures.push(format!(
                        "{what}: the output ({} bytes) does not extend the input ({} bytes)",
                        out.len(),
                        bytes.len()
                    ));
                }
            }
            Ok(Err(_)) => {}
        }
    }
    check(failures);
}
