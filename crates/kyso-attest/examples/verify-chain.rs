//! Runs the Android attestation verifier over real device chains
//! (`scripts/conformance-attestation`).
//!
//! ```text
//! verify-chain [--status STATUS.json] [--package NAME] [--signing-digest HEX] DIR...
//! ```
//!
//! Each DIR holds `cert0.pem` (the attested key) … `certN.pem` (the root).
//! The expected challenge is read from the leaf's own record (the samples
//! were made with a challenge we did not issue), the CSR key is the leaf's
//! own key (there is no CSR), and the rules about the app and user
//! authentication are reported, not enforced: those samples were not made
//! by our app.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use der::Encode;
use kyso_attest::android::{Outcome, Rule};
use kyso_attest::key_description::KeyDescription;
use kyso_attest::revocation::SerialForm;
use kyso_attest::{AndroidPolicy, AndroidVerifier, Expected, RevocationList};

/// Rules that hold for any chain made by our app, reported only here.
const REPORTED_ONLY: [Rule; 7] = [
    Rule::NoAuthRequired,
    Rule::UserAuthType,
    Rule::AuthTimeout,
    Rule::VerifiedBoot,
    Rule::PackageName,
    Rule::SigningCertificate,
    Rule::PublicKey,
];

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut status: Option<PathBuf> = None;
    let mut package = "vn.gov.kyso".to_string();
    let mut digest = [0u8; 32];
    let mut dirs = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--status" => status = args.next().map(PathBuf::from),
            "--package" => package = args.next().unwrap_or_default(),
            "--signing-digest" => {
                let hex = args.next().unwrap_or_default();
                for (i, b) in digest.iter_mut().enumerate() {
                    *b = hex
                        .get(2 * i..2 * i + 2)
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                        .unwrap_or(0);
                }
            }
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    if dirs.is_empty() {
        eprintln!(
            "usage: verify-chain [--status STATUS.json] [--package NAME] [--signing-digest HEX] DIR..."
        );
        return ExitCode::from(2);
    }
    let revocation = match &status {
        Some(p) => match std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|s| RevocationList::from_json(&s).map_err(|e| e.to_string()))
        {
            Ok(l) => l,
            Err(e) => {
                eprintln!("verify-chain: {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
        None => RevocationList::empty(),
    };
    match &status {
        Some(p) => println!(
            "status list: {} ({} entries)",
            p.display(),
            revocation.len()
        ),
        None => println!("status list: none given (revocation not checked)"),
    }
    let verifier = AndroidVerifier::new(AndroidPolicy::new(package, digest), revocation);
    println!("trusted roots:");
    for a in verifier.anchors.anchors() {
        println!("  {}  sha256 {}", a.name(), hex(&a.sha256_fingerprint()));
    }
    let mut failed = false;
    for dir in &dirs {
        if let Err(e) = run(&verifier, dir) {
            eprintln!("verify-chain: {}: {e}", dir.display());
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn run(verifier: &AndroidVerifier, dir: &Path) -> Result<(), String> {
    let mut chain = Vec::new();
    for i in 0.. {
        let p = dir.join(format!("cert{i}.pem"));
        if !p.exists() {
            break;
        }
        chain.push(std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    if chain.is_empty() {
        return Err("no cert0.pem".into());
    }
    let certs = kyso_attest::decode_certificates(&chain)
        .map_err(|i| format!("cert{i}.pem does not decode"))?;
    let record = KeyDescription::from_certificate(&certs[0])
        .map_err(|e| format!("cert0.pem record: {e}"))?;
    let challenge = record
        .as_ref()
        .map(|r| r.challenge().to_vec())
        .unwrap_or_default();
    let leaf_key = certs[0]
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    let expected = Expected {
        challenge: &challenge,
        public_key: &leaf_key,
    };
    let report = verifier.inspect(&chain, &expected, SystemTime::now());
    let name = dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    println!();
    println!("== {name} ({} certificates)", report.chain_len);
    let pass = |r: Rule| matches!(report.outcome(r), Outcome::Pass);
    let to_google = pass(Rule::ChainLinks) && pass(Rule::TrustedRoot);
    println!(
        "  chain verifies to a Google root: {}{}",
        if to_google { "yes" } else { "no" },
        match (&report.root, to_google) {
            (Some(r), true) => format!(" ({r})"),
            _ => format!(
                " ({})",
                [Rule::ChainLinks, Rule::TrustedRoot]
                    .iter()
                    .filter_map(|r| match report.outcome(*r) {
                        Outcome::Fail(e) => Some(e.message_en()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }
    );
    for i in &report.issuer_name_mismatches {
        println!(
            "  note: certificate {i} names an issuer other than certificate {}'s subject (links are checked by signature)",
            i + 1
        );
    }
    let serials: Vec<String> = report
        .serials
        .iter()
        .map(|(s, form)| match form {
            None => s.clone(),
            Some(SerialForm::Hex) => format!("{s} [LISTED, hex]"),
            Some(SerialForm::Decimal) => format!("{s} [LISTED, decimal]"),
        })
        .collect();
    println!(
        "  revocation status: {}; serials {}",
        match report.outcome(Rule::Revocation) {
            Outcome::Pass => "no certificate listed".to_string(),
            Outcome::Fail(e) => e.message_en(),
            Outcome::NotEvaluated => "not evaluated".to_string(),
        },
        serials.join(", ")
    );
    if let Some(f) = &report.facts {
        println!(
            "  security level: attestation {} / KeyMint {} (attestation version {}, KeyMint version {})",
            f.attestation_security_level.as_str(),
            f.keymint_security_level.as_str(),
            f.attestation_version,
            f.keymint_version
        );
        println!(
            "  challenge (from the record): {:?}",
            String::from_utf8_lossy(&f.challenge)
        );
        let k = &f.key;
        println!(
            "  key: algorithm {} curve {} size {} purposes {:?} digests {:?} origin {}",
            algorithm(k.algorithm),
            curve(k.ec_curve),
            opt(k.key_size),
            k.purposes.iter().map(|p| purpose(*p)).collect::<Vec<_>>(),
            k.digests,
            opt(k.origin)
        );
        println!(
            "  user auth (reported): noAuthRequired {} userAuthType {} authTimeout {}",
            k.no_auth_required,
            opt(k.user_auth_type),
            opt(k.auth_timeout)
        );
        println!(
            "  boot (reported): locked {} state {} os {} patch {}",
            f.device_locked.map_or("?".into(), |l| l.to_string()),
            f.verified_boot_state.map_or("?", |s| s.as_str()),
            opt(f.os_version),
            opt(f.os_patch_level)
        );
        println!(
            "  app id (reported): packages {:?}, {} signature digest(s)",
            f.packages,
            f.signature_digests.len()
        );
    }
    println!("  rules:");
    for (rule, o) in &report.outcomes {
        let tag = if REPORTED_ONLY.contains(rule) {
            " (reported)"
        } else {
            ""
        };
        let text = match o {
            Outcome::Pass => "pass".to_string(),
            Outcome::Fail(e) => format!("FAIL {}: {}", e.code(), e.message_en()),
            Outcome::NotEvaluated => "not evaluated".to_string(),
        };
        println!("    {:<27} {text}{tag}", rule.as_str());
    }
    let enforced_failure = report.outcomes.iter().find_map(|(r, o)| match o {
        Outcome::Fail(e) if !REPORTED_ONLY.contains(r) => Some(e),
        _ => None,
    });
    println!(
        "  verdict (enforced rules): {}",
        match enforced_failure {
            None => "pass".to_string(),
            Some(e) => format!("refused at {}: {}", e.rule().as_str(), e.message_en()),
        }
    );
    Ok(())
}

fn opt(v: Option<u64>) -> String {
    v.map_or("absent".into(), |v| v.to_string())
}

fn algorithm(v: Option<u64>) -> String {
    match v {
        Some(1) => "RSA".into(),
        Some(3) => "EC".into(),
        Some(32) => "AES".into(),
        other => opt(other),
    }
}

fn curve(v: Option<u64>) -> String {
    match v {
        Some(0) => "P-224".into(),
        Some(1) => "P-256".into(),
        Some(2) => "P-384".into(),
        Some(3) => "P-521".into(),
        other => opt(other),
    }
}

fn purpose(p: u64) -> String {
    match p {
        0 => "ENCRYPT".into(),
        1 => "DECRYPT".into(),
        2 => "SIGN".into(),
        3 => "VERIFY".into(),
        5 => "WRAP_KEY".into(),
        6 => "AGREE_KEY".into(),
        7 => "ATTEST_KEY".into(),
        other => other.to_string(),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
