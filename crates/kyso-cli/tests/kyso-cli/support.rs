//! Finding fixtures and tools, running `kyso` and the validators.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kyso_pdf::object::Object;
use kyso_pdf::{Document, ReadOptions};

/// The fixture directory; panics with the command to make it.
pub fn fixtures() -> PathBuf {
    let dir = std::env::var_os("KYSO_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.fixtures"));
    assert!(
        dir.join("MANIFEST.txt").is_file(),
        "fixtures missing in {}: run `scripts/make-fixtures {}` (scripts/test does)",
        dir.display(),
        dir.display()
    );
    dir
}

pub fn fx(rel: &str) -> PathBuf {
    fixtures().join(rel)
}

fn cache() -> PathBuf {
    std::env::var_os("KYSO_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/kyso")
        })
}

pub fn pyhanko() -> PathBuf {
    let p = std::env::var_os("KYSO_PYHANKO")
        .map(PathBuf::from)
        .unwrap_or_else(|| cache().join("venv/bin/pyhanko"));
    assert!(
        p.is_file(),
        "pyHanko not found at {}: run scripts/install-deps",
        p.display()
    );
    p
}

pub fn pdfium_dir() -> PathBuf {
    std::env::var_os("PDFIUM_DYNAMIC_LIB_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let venv = cache().join("venv/lib");
            std::fs::read_dir(&venv)
                .ok()
                .and_then(|mut d| d.next())
                .and_then(|e| e.ok())
                .map(|e| e.path().join("site-packages/pypdfium2_raw"))
                .unwrap_or(venv)
        })
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// The one pdfium binding of this test process (pdfium can be bound once).
pub fn pdfium() -> &'static pdfium_render::prelude::Pdfium {
    use pdfium_render::prelude::Pdfium;
    static PDFIUM: std::sync::OnceLock<Pdfium> = std::sync::OnceLock::new();
    PDFIUM.get_or_init(|| {
        Pdfium::new(
            Pdfium::bind_to_library(Pdfium::pdfium_platform_library_name_at_path(&pdfium_dir()))
                .expect("libpdfium from the pypdfium2 wheel (scripts/install-deps)"),
        )
    })
}

pub fn kyso() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kyso"))
}

/// `kyso sign IN --out OUT --key --cert --chain` plus `extra`; asserts success.
pub fn sign(input: &Path, out: &Path, pki: &str, extra: &[&str]) {
    let o = run(kyso()
        .arg("sign")
        .arg(input)
        .arg("--out")
        .arg(out)
        .arg("--key")
        .arg(fx(&format!("pki/{pki}/signer.key")))
        .arg("--cert")
        .arg(fx(&format!("pki/{pki}/signer.pem")))
        .arg("--chain")
        .arg(fx(&format!("pki/{pki}/chain.pem")))
        .args(extra));
    assert!(
        o.status.success(),
        "kyso sign {} failed: {}",
        input.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// pyHanko's verdict lines (`field:hash:INTACT:TRUSTED,...`), one per signature.
pub fn pyhanko_validate(pdf: &Path, extra: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(Command::new(pyhanko())
        .current_dir(dir.path()) // no stray pyhanko.yml
        .args(["sign", "validate", "--trust-replace"])
        .arg("--trust")
        .arg(fx("pki/p256/root.pem"))
        .arg("--trust")
        .arg(fx("pki/rsa/root.pem"))
        .args(extra)
        .arg(pdf));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "pyHanko rejects {}: {stdout}{}",
        pdf.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
        .lines()
        .filter(|l| l.contains(':'))
        .map(str::to_owned)
        .collect()
}

/// Asserts pyHanko finds `n` signatures, all intact and trusted.
pub fn assert_pyhanko_trusts(pdf: &Path, n: usize, extra: &[&str]) {
    let lines = pyhanko_validate(pdf, extra);
    assert_eq!(
        lines.len(),
        n,
        "pyHanko sees {n} signatures in {}: {lines:?}",
        pdf.display()
    );
    for l in &lines {
        assert!(
            l.contains(":INTACT:TRUSTED"),
            "pyHanko: {l} ({})",
            pdf.display()
        );
    }
}

/// Asserts pdfsig (with an NSS db trusting the test roots) calls every
/// signature valid and trusted. pdfsig exits 0 even on failure, so read it.
pub fn assert_pdfsig_trusts(pdf: &Path, n: usize) {
    let o = run(Command::new("pdfsig")
        .arg("-nssdir")
        .arg(format!("sql:{}", fx("pki/nssdb").display()))
        .arg(pdf));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.matches("Signature is Valid.").count(),
        n,
        "pdfsig on {}: {out}",
        pdf.display()
    );
    assert_eq!(
        out.matches("Certificate is Trusted.").count(),
        n,
        "pdfsig on {}: {out}",
        pdf.display()
    );
    assert_eq!(
        out.matches("Total document signed").count().min(1),
        1,
        "the last signature covers the whole file: {out}"
    );
}

/// Asserts `qpdf --check` finds no error.
pub fn assert_qpdf_ok(pdf: &Path) {
    let o = run(Command::new("qpdf").arg("--check").arg(pdf));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && out.contains("No syntax or stream encoding errors"),
        "qpdf --check {}: {out}{}",
        pdf.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The last signature's CMS and the bytes its /ByteRange covers.
pub fn last_signature(pdf: &Path) -> (Vec<u8>, Vec<u8>) {
    let bytes = std::fs::read(pdf).expect("read");
    let doc = Document::open_with(bytes.clone(), ReadOptions::lenient()).expect("opens");
    let (_, catalog) = doc.catalog().expect("catalog");
    let af = doc
        .resolve_dict(catalog.get("AcroForm").expect("AcroForm"), "af")
        .expect("af");
    let Object::Array(fields) = doc
        .resolve(af.get("Fields").expect("Fields"))
        .expect("fields")
    else {
        panic!("no fields")
    };
    let field = doc
        .resolve_dict(fields.last().expect("a field"), "field")
        .expect("field");
    let sig = doc
        .resolve_dict(field.get("V").expect("V"), "sig")
        .expect("sig");
    let Some(Object::Array(br)) = sig.get("ByteRange") else {
        panic!("ByteRange")
    };
    let br: Vec<usize> = br.iter().map(|o| o.as_f64().expect("n") as usize).collect();
    let mut covered = bytes[br[0]..br[0] + br[1]].to_vec();
    covered.extend_from_slice(&bytes[br[2]..br[2] + br[3]]);
    let Some(Object::String(c)) = sig.get("Contents") else {
        panic!("Contents")
    };
    let mut cms = c.bytes.clone();
    // trailing zero padding after the DER
    let len = der_len(&cms);
    cms.truncate(len);
    (cms, covered)
}

fn der_len(b: &[u8]) -> usize {
    if b[1] & 0x80 == 0 {
        return 2 + b[1] as usize;
    }
    let n = (b[1] & 0x7f) as usize;
    2 + n + b[2..2 + n].iter().fold(0usize, |a, x| a << 8 | *x as usize)
}

/// Asserts `openssl cms -verify` accepts the last signature over its byte range.
pub fn assert_openssl_verifies(pdf: &Path, root: &str) {
    let (cms, covered) = last_signature(pdf);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("sig.der"), cms).expect("write");
    std::fs::write(dir.path().join("content.bin"), covered).expect("write");
    let o = run(Command::new("openssl")
        .current_dir(dir.path())
        .args([
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "sig.der",
            "-content",
            "content.bin",
        ])
        .args(["-purpose", "any", "-out", "/dev/null", "-CAfile"])
        .arg(fx(root)));
    assert!(
        o.status.success(),
        "openssl cms -verify rejects {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Files in `dir` (to prove nothing was left behind).
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
