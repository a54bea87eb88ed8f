//! Signing throughput and memory benchmark (DESIGN.md §8), driven by
//! `scripts/bench-sign`. A plain program, no harness:
//!
//! ```text
//! sign --pdf FILE --key KEY --cert CERT [--chain CHAIN] [--iterations N]
//!      [--mode both|sign-only|sha-only|phases] [--out-dir DIR]
//! ```
//!
//! * `both` (default): in one process, alternating runs (one warm-up each,
//!   then `N`, default 5) of (a) SHA-256 of the whole file read in 256 KiB
//!   chunks, the hashing floor, and (b) a full invisible signature
//!   (`kyso_pdf::sign::sign`: prepare, ECDSA/RSA, finish) of the same file to
//!   an output file, deleted after each run. Prints the medians:
//!   `RESULT sha_ms=.. sign_ms=.. ratio=.. bytes=..`.
//! * `sign-only`: one signature and nothing else, for measuring peak RSS from
//!   outside; prints `RESULT sign_ms=.. peak_rss_kb=..` (`VmHWM`).
//! * `sha-only`: the hashing floor alone: `RESULT sha_ms=.. bytes=..`.
//! * `phases`: the signature split into its public phases (`prepare`, the
//!   key, `finish`), medians: `RESULT prepare_ms=.. key_ms=.. finish_ms=..`.
//!
//! Output files go to `--out-dir` (default: the input's directory). Unknown
//! arguments (such as the `--bench` that `cargo bench` adds) are ignored.

mod common;
use common::*;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kyso_pdf::FileSource;
use kyso_pdf::sign::{self, SignOptions};
use kyso_pdf::signer::Signer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Both,
    SignOnly,
    ShaOnly,
    Phases,
}

#[derive(Debug)]
struct Args {
    pdf: PathBuf,
    key: PathBuf,
    cert: PathBuf,
    chain: Option<PathBuf>,
    iterations: usize,
    mode: Mode,
    out_dir: Option<PathBuf>,
}

const USAGE: &str = "usage: sign --pdf FILE --key KEY --cert CERT [--chain CHAIN] \
[--iterations N] [--mode both|sign-only|sha-only|phases] [--out-dir DIR]";

/// `Ok(None)`: no `--pdf` at all (a bare `cargo bench` / `cargo test --benches`).
fn parse_args() -> Result<Option<Args>, String> {
    let flags = Flags::parse(
        &[
            "--pdf",
            "--key",
            "--cert",
            "--chain",
            "--iterations",
            "--mode",
            "--out-dir",
        ],
        USAGE,
    )?;
    let Some(pdf) = flags.path("--pdf") else {
        return Ok(None);
    };
    let mode = flags.mode(&[
        ("both", Mode::Both),
        ("sign-only", Mode::SignOnly),
        ("sha-only", Mode::ShaOnly),
        ("phases", Mode::Phases),
    ])?;
    let need_key = mode != Mode::ShaOnly;
    let required = |name: &str| match flags.path(name) {
        Some(p) => Ok(p),
        None if !need_key => Ok(PathBuf::new()),
        None => Err(flags.error(&format!("{name} is required"))),
    };
    Ok(Some(Args {
        pdf,
        key: required("--key")?,
        cert: required("--cert")?,
        chain: flags.path("--chain"),
        iterations: flags.iterations()?,
        mode,
        out_dir: flags.path("--out-dir"),
    }))
}

struct OutFile {
    path: PathBuf,
}

impl OutFile {
    fn new(dir: &Path, run: usize) -> Self {
        let path = dir.join(format!(".kyso-bench-sign-{}-{run}.pdf", std::process::id()));
        Self { path }
    }
}

impl Drop for OutFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One full invisible signature of `pdf` into a fresh output file (deleted
/// afterwards, outside the timed part).
fn sign_run(pdf: &Path, dir: &Path, m: &Material, run: usize) -> Result<Duration, String> {
    let out_file = OutFile::new(dir, run);
    let start = Instant::now();
    let src = FileSource::open(pdf).map_err(|e| format!("cannot open {}: {e}", pdf.display()))?;
    let mut out = File::create(&out_file.path)
        .map_err(|e| format!("cannot create {}: {e}", out_file.path.display()))?;
    let opts = SignOptions::invisible("Kyso bench", time::OffsetDateTime::now_utc());
    let signed = sign::sign(&src, &mut out, &m.key, &m.cert, &m.chain, None, &opts)
        .map_err(|e| format!("signing {} failed: {e}", pdf.display()))?;
    let elapsed = start.elapsed();
    drop(out);
    // Cheap sanity check: the byte range covers the whole output.
    let len = std::fs::metadata(&out_file.path)
        .map_err(|e| format!("{}: {e}", out_file.path.display()))?
        .len();
    let br = signed.byte_range;
    if br[2] + br[3] != len {
        return Err(format!(
            "the /ByteRange {br:?} does not end at the output's length {len}"
        ));
    }
    Ok(elapsed)
}

/// The signature in its public phases, timed separately.
fn phases_run(pdf: &Path, dir: &Path, m: &Material, run: usize) -> Result<[Duration; 3], String> {
    let out_file = OutFile::new(dir, run);
    let t0 = Instant::now();
    let src = FileSource::open(pdf).map_err(|e| format!("cannot open {}: {e}", pdf.display()))?;
    let mut out = File::create(&out_file.path)
        .map_err(|e| format!("cannot create {}: {e}", out_file.path.display()))?;
    let opts = SignOptions::invisible("Kyso bench", time::OffsetDateTime::now_utc());
    let prepared = sign::prepare(&src, &mut out, &m.cert, &opts)
        .map_err(|e| format!("prepare failed: {e}"))?;
    let t1 = Instant::now();
    let signature = m
        .key
        .sign(prepared.to_be_signed())
        .map_err(|e| format!("the key failed: {e}"))?;
    let t2 = Instant::now();
    prepared
        .finish(&mut out, &signature, &m.chain, None)
        .map_err(|e| format!("finish failed: {e}"))?;
    let t3 = Instant::now();
    Ok([t1 - t0, t2 - t1, t3 - t2])
}

fn run(args: &Args) -> Result<(), String> {
    let dir = match &args.out_dir {
        Some(d) => d.clone(),
        None => match args.pdf.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
    };
    match args.mode {
        Mode::ShaOnly => {
            let mut buf = vec![0u8; CHUNK];
            let (_, bytes) = sha_run(&args.pdf, &mut buf)?; // warm-up
            let mut times = Vec::with_capacity(args.iterations);
            for _ in 0..args.iterations {
                times.push(sha_run(&args.pdf, &mut buf)?.0);
            }
            println!("RESULT sha_ms={} bytes={bytes}", ms(median(times)));
        }
        Mode::SignOnly => {
            let m = load_material(&args.key, &args.cert, args.chain.as_deref())?;
            let t = sign_run(&args.pdf, &dir, &m, 0)?;
            let rss = peak_rss_kb()
                .map(|kb| kb.to_string())
                .unwrap_or_else(|| "unknown".into());
            println!("RESULT sign_ms={} peak_rss_kb={rss}", ms(t));
        }
        Mode::Both => {
            let m = load_material(&args.key, &args.cert, args.chain.as_deref())?;
            let mut buf = vec![0u8; CHUNK];
            // Warm-up: page cache, allocator, lazy CPU feature detection.
            let (_, bytes) = sha_run(&args.pdf, &mut buf)?;
            sign_run(&args.pdf, &dir, &m, 0)?;
            let mut sha = Vec::with_capacity(args.iterations);
            let mut signs = Vec::with_capacity(args.iterations);
            for i in 0..args.iterations {
                sha.push(sha_run(&args.pdf, &mut buf)?.0);
                signs.push(sign_run(&args.pdf, &dir, &m, i + 1)?);
            }
            eprintln!(
                "sha_ms runs: {}",
                sha.iter().map(|d| ms(*d)).collect::<Vec<_>>().join(" ")
            );
            eprintln!(
                "sign_ms runs: {}",
                signs.iter().map(|d| ms(*d)).collect::<Vec<_>>().join(" ")
            );
            let (sha, sign) = (median(sha), median(signs));
            let ratio = sign.as_secs_f64() / sha.as_secs_f64().max(1e-9);
            println!(
                "RESULT sha_ms={} sign_ms={} ratio={ratio:.3} bytes={bytes}",
                ms(sha),
                ms(sign)
            );
        }
        Mode::Phases => {
            let m = load_material(&args.key, &args.cert, args.chain.as_deref())?;
            phases_run(&args.pdf, &dir, &m, 0)?;
            let mut p = [Vec::new(), Vec::new(), Vec::new()];
            for i in 0..args.iterations {
                let t = phases_run(&args.pdf, &dir, &m, i + 1)?;
                for (acc, d) in p.iter_mut().zip(t) {
                    acc.push(d);
                }
            }
            let [prep, key, fin] = p.map(median);
            println!(
                "RESULT prepare_ms={} key_ms={} finish_ms={}",
                ms(prep),
                ms(key),
                ms(fin)
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
                eprintln!("sign bench: error: {e}");
                ExitCode::FAILURE
            }
        },
        Ok(None) => {
            // A bare `cargo bench`: nothing to measure without a document.
            eprintln!("sign bench: no --pdf given, skipping (run scripts/bench-sign)\n{USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sign bench: {e}");
            ExitCode::from(2)
        }
    }
}
