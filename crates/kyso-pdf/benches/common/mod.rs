//! What the benchmarks share: their `--flag value` arguments, loading the
//! signer, the SHA-256 floor every target is measured against, and how
//! results are summarised.

#![allow(dead_code)] // each bench uses its own subset

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kyso_pdf::signer::{self, SoftwareKey};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

/// A bench program's `--name value` arguments among the names it knows;
/// anything else (the `--bench` that `cargo bench` adds, filters) is skipped.
/// Errors end with the program's usage line.
pub struct Flags {
    values: HashMap<String, OsString>,
    usage: &'static str,
}

impl Flags {
    /// Reads the process's arguments.
    pub fn parse(known: &[&str], usage: &'static str) -> Result<Flags, String> {
        let mut values = HashMap::new();
        let mut it = std::env::args_os().skip(1);
        while let Some(arg) = it.next() {
            let name = arg.to_string_lossy().into_owned();
            if !known.contains(&name.as_str()) {
                continue;
            }
            let value = it
                .next()
                .ok_or_else(|| format!("{name} needs a value\n{usage}"))?;
            values.insert(name, value);
        }
        Ok(Flags { values, usage })
    }

    /// `message` and the usage line.
    pub fn error(&self, message: &str) -> String {
        format!("{message}\n{}", self.usage)
    }

    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.values.get(name).map(PathBuf::from)
    }

    /// `--iterations`: a positive integer, 5 when absent.
    pub fn iterations(&self) -> Result<usize, String> {
        match self.values.get("--iterations") {
            None => Ok(5),
            Some(v) => v
                .to_string_lossy()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| self.error("--iterations must be a positive integer")),
        }
    }

    /// `--mode`: one of `modes` by name, the first when absent.
    pub fn mode<M: Copy>(&self, modes: &[(&str, M)]) -> Result<M, String> {
        let Some(v) = self.values.get("--mode") else {
            return Ok(modes[0].1);
        };
        let v = v.to_string_lossy();
        modes
            .iter()
            .find(|(name, _)| *name == v)
            .map(|(_, m)| *m)
            .ok_or_else(|| self.error(&format!("unknown --mode {v}")))
    }
}

/// Read size of the SHA-256 floor.
pub const CHUNK: usize = 256 * 1024;

/// A software signer with its certificate and chain.
pub struct Material {
    pub key: SoftwareKey,
    pub cert: Certificate,
    pub chain: Vec<Certificate>,
}

/// A text file, or an error naming it.
pub fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Loads a PEM key and certificate (plus chain) and checks they belong together.
pub fn load_material(key: &Path, cert: &Path, chain: Option<&Path>) -> Result<Material, String> {
    let sk =
        SoftwareKey::from_pem(&read_text(key)?).map_err(|e| format!("{}: {e}", key.display()))?;
    let mut certs = signer::certificates_from_pem(&read_text(cert)?)
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    let signer_cert = certs.remove(0);
    // Anything after the signer in the certificate file is chain too.
    let mut all = certs;
    if let Some(path) = chain {
        all.extend(
            signer::certificates_from_pem(&read_text(path)?)
                .map_err(|e| format!("{}: {e}", path.display()))?,
        );
    }
    sk.check_matches(&signer_cert)
        .map_err(|e| format!("{} and {}: {e}", key.display(), cert.display()))?;
    Ok(Material {
        key: sk,
        cert: signer_cert,
        chain: all,
    })
}

/// The hashing floor: SHA-256 of the whole file, read in 256 KiB chunks.
pub fn sha_run(pdf: &Path, buf: &mut [u8]) -> Result<(Duration, u64), String> {
    let start = Instant::now();
    let mut file = File::open(pdf).map_err(|e| format!("cannot open {}: {e}", pdf.display()))?;
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    loop {
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("cannot read {}: {e}", pdf.display())),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    let digest = hasher.finalize();
    let elapsed = start.elapsed();
    std::hint::black_box(digest);
    Ok((elapsed, total))
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    let n = v.len();
    if n == 0 {
        Duration::ZERO
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

/// The process's peak resident set size (`VmHWM`), in KiB.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
