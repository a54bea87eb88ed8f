//! Verification throughput and memory benchmark (DESIGN.md §8), driven by
//! `scripts/bench-verify`. A plain program, no harness:
//!
//! ```text
//! verify --pdf FILE [--trust ROOTS] [--key KEY --cert CERT [--chain CHAIN]]
//!        [--iterations N] [--mode both|verify-only|sha-only|sign]
//!        [--signed OUT] [--out-dir DIR]
//! ```
//!
//! The document verified is a signed one. With `--key` and `--cert`, `FILE`
//! is first signed once, outside any timing, exactly as the signing bench
//! does (`kyso_pdf::sign::sign`, invisible, P-256 or RSA software key), into
//! `--signed OUT` (kept) or a temporary file in `--out-dir` (deleted at the
//! end); without them `FILE` must already be signed. Then:
//!
//! * `both` (default): in one process, alternating runs (one warm-up each,
//!   then `N`, default 5) of (a) SHA-256 of the whole signed file read in
//!   256 KiB chunks, the hashing floor, and (b) a full strict verification
//!   (`FileSource::open` + `kyso_pdf::verify::verify`, profile A, trusting
//!   `--trust`) of the same file. Prints the medians:
//!   `RESULT sha_ms=.. verify_ms=.. ratio=.. bytes=..`.
//! * `verify-only`: one verification and nothing else, for measuring peak RSS
//!   from outside; prints `RESULT verify_ms=.. peak_rss_kb=.. bytes=..`
//!   (`VmHWM`). Give it an already signed `FILE` (no `--key`), or the
//!   signing is in the peak too.
//! * `sha-only`: the hashing floor alone: `RESULT sha_ms=.. bytes=..`.
//! * `sign`: only the signing step, into `--signed OUT` (required):
//!   `RESULT sign_ms=.. bytes=..` (`bytes`: the signed file's size).
//!
//! Every verification must end in `TOTAL_PASSED` with exactly one signature,
//! or the bench aborts with the report on stderr: timing a failing
//! verification would be meaningless. `--trust` (a PEM file; every
//! certificate in it is a trust anchor) is required by `both` and
//! `verify-only`. Unknown arguments (such as the `--bench` that `cargo bench`
//! adds) are ignored.

mod common;
use common::*;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kyso_pdf::FileSource;
use kyso_pdf::sign::{self, SignOptions};
use kyso_pdf::signer;
use kyso_pdf::verify::report::{Indication, Lang};
use kyso_pdf::verify::{self, Profile, VerifyOptions};
use x509_cert::Certificate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Both,
    VerifyOnly,
    ShaOnly,
    Sign,
}

#[derive(Debug)]
struct Args {
    pdf: PathBuf,
    trust: Option<PathBuf>,
    key: Option<PathBuf>,
    cert: Option<PathBuf>,
    chain: Option<PathBuf>,
    iterations: usize,
    mode: Mode,
    signed: Option<PathBuf>,
    out_dir: Option<PathBuf>,
}

const USAGE: &str = "usage: verify --pdf FILE [--trust ROOTS] [--key KEY --cert CERT \
[--chain CHAIN]] [--iterations N] [--mode both|verify-only|sha-only|sign] [--signed OUT] \
[--out-dir DIR]";

/// `Ok(None)`: no `--pdf` at all (a bare `cargo bench` / `cargo test --benches`).
fn parse_args() -> Result<Option<Args>, String> {
    let flags = Flags::parse(
        &[
            "--pdf",
            "--trust",
            "--key",
            "--cert",
            "--chain",
            "--iterations",
            "--mode",
            "--signed",
            "--out-dir",
        ],
        USAGE,
    )?;
    let Some(pdf) = flags.path("--pdf") else {
        return Ok(None);
    };
    let mode = flags.mode(&[
        ("both", Mode::Both),
        ("verify-only", Mode::VerifyOnly),
        ("sha-only", Mode::ShaOnly),
        ("sign", Mode::Sign),
    ])?;
    let (key, cert, signed, trust) = (
        flags.path("--key"),
        flags.path("--cert"),
        flags.path("--signed"),
        flags.path("--trust"),
    );
    if key.is_some() != cert.is_some() {
        return Err(flags.error("--key and --cert go together"));
    }
    if mode == Mode::Sign && (key.is_none() || signed.is_none()) {
        return Err(flags.error("--mode sign needs --key, --cert and --signed"));
    }
    if matches!(mode, Mode::Both | Mode::VerifyOnly) && trust.is_none() {
        return Err(flags.error("--trust is required"));
    }
    Ok(Some(Args {
        pdf,
        trust,
        key,
        cert,
        chain: flags.path("--chain"),
        iterations: flags.iterations()?,
        mode,
        signed,
        out_dir: flags.path("--out-dir"),
    }))
}

fn load_trust(path: &Path) -> Result<Vec<Certificate>, String> {
    let certs = signer::certificates_from_pem(&read_text(path)?)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate", path.display()));
    }
    Ok(certs)
}

/// The signed document: a file kept (`--signed`, or the input itself) or a
/// temporary one deleted on drop.
struct SignedFile {
    path: PathBuf,
    temporary: bool,
}

impl Drop for SignedFile {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// One invisible signature of `pdf` into `out_path`, exactly as the signing
/// bench makes it; returns the time it took.
fn sign_to(pdf: &Path, out_path: &Path, m: &Material) -> Result<Duration, String> {
    let start = Instant::now();
    let src = FileSource::open(pdf).map_err(|e| format!("cannot open {}: {e}", pdf.display()))?;
    let mut out =
        File::create(out_path).map_err(|e| format!("cannot create {}: {e}", out_path.display()))?;
    let opts = SignOptions::invisible("Kyso bench", time::OffsetDateTime::now_utc());
    let signed = sign::sign(&src, &mut out, &m.key, &m.cert, &m.chain, None, &opts)
        .map_err(|e| format!("signing {} failed: {e}", pdf.display()))?;
    let elapsed = start.elapsed();
    drop(out);
    let len = std::fs::metadata(out_path)
        .map_err(|e| format!("{}: {e}", out_path.display()))?
        .len();
    let br = signed.byte_range;
    if br[2] + br[3] != len {
        return Err(format!(
            "the /ByteRange {br:?} does not end at the output's length {len}"
        ));
    }
    Ok(elapsed)
}

/// Signs `--pdf` when a key is given (outside any timing), else takes it as
/// already signed.
fn signed_file(args: &Args, dir: &Path) -> Result<SignedFile, String> {
    let (Some(key), Some(cert)) = (&args.key, &args.cert) else {
        return Ok(SignedFile {
            path: args.pdf.clone(),
            temporary: false,
        });
    };
    let m = load_material(key, cert, args.chain.as_deref())?;
    let file = match &args.signed {
        Some(p) => SignedFile {
            path: p.clone(),
            temporary: false,
        },
        None => SignedFile {
            path: dir.join(format!(".kyso-bench-verify-{}.pdf", std::process::id())),
            temporary: true,
        },
    };
    let t = sign_to(&args.pdf, &file.path, &m)?;
    eprintln!("signed {} in {} ms", file.path.display(), ms(t));
    Ok(file)
}

/// One full strict verification of `pdf`; aborts unless it passes.
fn verify_run(pdf: &Path, trust: &[Certificate]) -> Result<Duration, String> {
    let opts = VerifyOptions {
        profile: Profile::Strict,
        trust: trust.to_vec(),
        original: None,
        now: time::OffsetDateTime::now_utc(),
    };
    let start = Instant::now();
    let src = FileSource::open(pdf).map_err(|e| format!("cannot open {}: {e}", pdf.display()))?;
    let report = verify::verify(&src, &opts);
    let elapsed = start.elapsed();
    if report.indication != Indication::TotalPassed || report.signatures.len() != 1 {
        return Err(format!(
            "the verification of {} did not pass with one signature \
             (a benchmark of a failing verification is meaningless):\n{}",
            pdf.display(),
            report.to_text(Lang::En)
        ));
    }
    Ok(elapsed)
}

fn file_len(path: &Path) -> Result<u64, String> {
    Ok(std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len())
}

fn run(args: &Args) -> Result<(), String> {
    let dir = match &args.out_dir {
        Some(d) => d.clone(),
        None => match args.pdf.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    };
    let trust = match &args.trust {
        Some(p) => load_trust(p)?,
        None => Vec::new(),
    };
    match args.mode {
        Mode::Sign => {
            let (Some(key), Some(cert), Some(out)) = (&args.key, &args.cert, &args.signed) else {
                return Err(format!(
                    "--mode sign needs --key, --cert and --signed\n{USAGE}"
                ));
            };
            let m = load_material(key, cert, args.chain.as_deref())?;
            let t = sign_to(&args.pdf, out, &m)?;
            println!("RESULT sign_ms={} bytes={}", ms(t), file_len(out)?);
        }
        Mode::ShaOnly => {
            let signed = signed_file(args, &dir)?;
            let mut buf = vec![0u8; CHUNK];
            let (_, bytes) = sha_run(&signed.path, &mut buf)?; // warm-up
            let mut times = Vec::with_capacity(args.iterations);
            for _ in 0..args.iterations {
                times.push(sha_run(&signed.path, &mut buf)?.0);
            }
            println!("RESULT sha_ms={} bytes={bytes}", ms(median(times)));
        }
        Mode::VerifyOnly => {
            let signed = signed_file(args, &dir)?;
            let t = verify_run(&signed.path, &trust)?;
            let rss = peak_rss_kb()
                .map(|kb| kb.to_string())
                .unwrap_or_else(|| "unknown".into());
            println!(
                "RESULT verify_ms={} peak_rss_kb={rss} bytes={}",
                ms(t),
                file_len(&signed.path)?
            );
        }
        Mode::Both => {
            let signed = signed_file(args, &dir)?;
            let mut buf = vec![0u8; CHUNK];
            // Warm-up: page cache, allocator, lazy CPU feature detection.
            let (_, bytes) = sha_run(&signed.path, &mut buf)?;
            verify_run(&signed.path, &trust)?;
            let mut sha = Vec::with_capacity(args.iterations);
            let mut verifies = Vec::with_capacity(args.iterations);
            for _ in 0..args.iterations {
                sha.push(sha_run(&signed.path, &mut buf)?.0);
                verifies.push(verify_run(&signed.path, &trust)?);
            }
            eprintln!(
                "sha_ms runs: {}",
                sha.iter().map(|d| ms(*d)).collect::<Vec<_>>().join(" ")
            );
            eprintln!(
                "verify_ms runs: {}",
                verifies
                    .iter()
                    .map(|d| ms(*d))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            let (sha, ver) = (median(sha), median(verifies));
            let ratio = ver.as_secs_f64() / sha.as_secs_f64().max(1e-9);
            println!(
                "RESULT sha_ms={} verify_ms={} ratio={ratio:.3} bytes={bytes}",
                ms(sha),
                ms(ver)
            );
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse_args() {
        Ok(Some(args)) => match run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("verify bench: error: {e}");
                ExitCode::FAILURE
            }
        },
        Ok(None) => {
            // A bare `cargo bench`: nothing to measure without a document.
            eprintln!("verify bench: no --pdf given, skipping (run scripts/bench-verify)\n{USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("verify bench: {e}");
            ExitCode::from(2)
        }
    }
}
