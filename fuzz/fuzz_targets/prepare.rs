//! `sign::prepare` (lenient reading, page tree, incremental update) on
//! arbitrary bytes, with a fixed self-signed P-256 certificate.
#![no_main]

use std::sync::OnceLock;

use der::DecodePem;
use kyso_pdf::sign::{SignOptions, prepare};
use libfuzzer_sys::fuzz_target;
use x509_cert::Certificate;

fn cert() -> &'static Certificate {
    static CERT: OnceLock<Certificate> = OnceLock::new();
    CERT.get_or_init(|| {
        Certificate::from_pem(include_str!("../signer.pem")).expect("fuzz/signer.pem parses")
    })
}

fuzz_target!(|data: &[u8]| {
    let time = time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(1_735_689_600);
    let opts = SignOptions::invisible("x", time);
    let mut out = std::io::Cursor::new(Vec::new());
    let _ = prepare(data, &mut out, cert(), &opts);
});
