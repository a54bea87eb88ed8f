//! A request from draft to issued B-LTA PDF through the real binaries, with
//! the device CA, the TSA and the unit's seal keys in SoftHSM2: the leader
//! signs with `kyso client sign`, the clerk issues with `kyso client issue`,
//! and `kyso verify --profile multi`, pyHanko and qpdf judge the result.

use std::path::Path;
use std::process::Command;

use crate::client::{ClientEnv, PASSPHRASE, login, ok};
use crate::gateway::{Gateway, agent, body};
use crate::support::*;
use crate::tsa::{SoftHsm, TOKEN};

fn verify_json(pdf: &Path, ca: &Path, extra: &[&str]) -> (bool, serde_json::Value) {
    let o = run(kyso()
        .arg("verify")
        .arg(pdf)
        .arg("--trust")
        .arg(ca)
        .args(["--format", "json"])
        .args(extra));
    let report = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "kyso verify JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.success(), report)
}

/// pyHanko's python, which runs the test's pyHanko scripts.
fn python() -> std::path::PathBuf {
    pyhanko().with_file_name("python")
}

/// pyHanko's AdES LTA validation (ETSI EN 319 102-1 §5.6.3) of `pdf`, run in
/// `dir`, with only the gateway's CA trusted and only the document's own
/// revocation data: it must succeed; one line a signature.
fn pyhanko_lta(pdf: &Path, ca: &Path, dir: &Path, what: &str) -> String {
    let o = run(Command::new(python())
        .current_dir(dir)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kyso-cli/pyhanko_lta.py"))
        .arg(ca)
        .arg(pdf));
    let lta = String::from_utf8_lossy(&o.stdout).into_owned();
    println!("pyHanko LTA validation {what}:\n{lta}");
    assert!(
        o.status.success(),
        "{lta}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    lta
}

/// Every validator on a PDF the gateway issued or copied (`what`), its
/// signatures and document timestamps `expected` in order as (kind, field):
/// kyso verify with profile B passes it, every signature B-T by the
/// gateway's TSA with its revocation status from the CRL, the last signature
/// the unit's seal; profile A (strict) refuses it (a signature revision
/// after the leader's); pyHanko finds every signature intact and trusted
/// under the gateway's CA, and passes each in AdES LTA validation with a
/// document timestamp as evidence; qpdf finds no error.
fn judge(pdf: &Path, ca: &Path, dir: &Path, what: &str, expected: &[(&str, &str)]) {
    let fields: Vec<&str> = expected
        .iter()
        .filter(|(kind, _)| *kind == "signature")
        .map(|(_, field)| *field)
        .collect();

    // Kyso's verifier, profile B; revocation from the DSS's CRL.
    let (passed, report) = verify_json(pdf, ca, &["--profile", "multi"]);
    assert!(passed, "kyso verify --profile multi on {what}: {report}");
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report}");
    let sigs = report["signatures"].as_array().expect("signatures");
    let kinds: Vec<&str> = sigs
        .iter()
        .map(|s| s["kind"].as_str().expect("kind"))
        .collect();
    let want: Vec<&str> = expected.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(kinds, want, "{report}");
    let names: Vec<&str> = sigs
        .iter()
        .map(|s| s["field"].as_str().expect("field"))
        .collect();
    let want: Vec<&str> = expected.iter().map(|(_, field)| *field).collect();
    assert_eq!(names, want, "{report}");
    for s in sigs {
        assert_eq!(s["indication"], "TOTAL_PASSED", "{s}");
    }
    for s in sigs.iter().filter(|s| s["kind"] == "signature") {
        assert_eq!(
            s["timestamps"][0]["valid"], true,
            "B-T, the gateway's TSA: {s}"
        );
        assert_eq!(s["revocation"]["status"], "good", "{s}");
        assert_eq!(s["revocation"]["source"], "crl", "{s}");
    }
    let seal = sigs
        .iter()
        .rev()
        .find(|s| s["kind"] == "signature")
        .expect("a signature");
    assert!(
        seal["signer"]["subject"]
            .as_str()
            .is_some_and(|s| s.contains("OU=seal")),
        "{what}: the last signature is the unit's seal: {report}"
    );
    println!(
        "kyso verify --profile multi on {what}:\n{}",
        String::from_utf8_lossy(
            &run(kyso().arg("verify").arg(pdf).arg("--trust").arg(ca).args([
                "--profile",
                "multi",
                "--lang",
                "en"
            ]))
            .stdout
        )
    );
    // Profile A (strict) refuses a signature revision after the leader's.
    let (passed, _) = verify_json(pdf, ca, &[]);
    assert!(!passed, "strict profile on {what}");

    // pyHanko: every signature intact and trusted under the gateway's CA.
    let ca_arg = ca.to_str().expect("utf-8");
    let o = run(Command::new(pyhanko())
        .current_dir(dir)
        .args(["sign", "validate", "--trust-replace", "--trust", ca_arg])
        .arg(pdf));
    let verdicts = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "pyHanko: {verdicts}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let lines: Vec<&str> = verdicts.lines().filter(|l| l.contains(':')).collect();
    assert!(
        lines.len() >= fields.len(),
        "pyHanko sees the {} signatures: {verdicts}",
        fields.len()
    );
    for l in &lines {
        assert!(l.contains(":INTACT:TRUSTED"), "pyHanko: {verdicts}");
    }
    let o = run(Command::new(pyhanko())
        .current_dir(dir)
        .args([
            "sign",
            "validate",
            "--pretty-print",
            "--trust-replace",
            "--trust",
            ca_arg,
        ])
        .arg(pdf));
    println!(
        "pyHanko on {what}:\n{verdicts}\n{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(o.status.success(), "pyHanko --pretty-print");

    // pyHanko's AdES LTA validation. Every signature is B-T (the leader's
    // with `kyso client sign --timestamp`, the seal's by the gateway), and
    // passes with the document timestamp as evidence. (ETSI LTA validation
    // needs a signature timestamp: a leader's B-B signature, made offline,
    // is left INDETERMINATE by pyHanko, SIG_CONSTRAINTS_FAILURE.)
    let lta = pyhanko_lta(pdf, ca, dir, &format!("of {what}"));
    let lta_lines: Vec<&str> = lta.lines().collect();
    assert_eq!(
        lta_lines.len(),
        fields.len(),
        "{} signatures: {lta}",
        fields.len()
    );
    for (l, field) in lta_lines.iter().zip(&fields) {
        assert!(
            l.starts_with(&format!("{field}: LTA AdESPassed.OK"))
                && !l.contains("oldest_document_timestamp=None"),
            "{field}: LTA, passed, the document timestamp as evidence: {lta}"
        );
    }
    assert_qpdf_ok(pdf);
}

#[test]
fn a_draft_goes_to_an_issued_b_lta_pdf_with_keys_in_softhsm() {
    let hsm = SoftHsm::new();
    let pin = hsm.pin_file.to_str().expect("utf-8").to_string();
    // The gateway names itself as the CRL distribution point of the
    // certificates it issues: validators fetch the CRL from it.
    let port = crate::gateway::free_port();
    let public_url = format!("http://127.0.0.1:{port}");
    let gw = Gateway::start_on(
        port,
        &[
            "--hsm-token",
            TOKEN,
            "--hsm-pin-file",
            &pin,
            "--ca-key-label",
            "kyso-ca",
            "--public-url",
            &public_url,
        ],
        &[("SOFTHSM2_CONF", hsm.conf.as_path())],
    );
    let ca = gw.data.join("ca/device-ca.pem");
    let id = gw.submit(&fx("pdf/reportlab-vi.pdf"), "leader1", None)["id"]
        .as_str()
        .expect("id")
        .to_string();

    // The leader signs visibly, with a handwritten-signature image.
    let leader = ClientEnv::new();
    login(&leader, &gw, "leader1");
    let key_file = leader.path("device.key");
    let key_arg = key_file.to_str().expect("utf-8");
    ok(
        leader.run(
            &["enroll", "--key-file", key_arg, "--passphrase-stdin"],
            &format!("{PASSPHRASE}\n"),
        ),
        "enroll",
    );
    ok(
        leader.run(
            &[
                "sign",
                &id,
                "--key-file",
                key_arg,
                "--passphrase-stdin",
                "--signature-image",
                fx("images/signature.png").to_str().expect("utf-8"),
                "--timestamp",
            ],
            &format!("{PASSPHRASE}\n"),
        ),
        "sign",
    );

    // The clerk sees it waiting and issues it.
    let clerk = ClientEnv::new();
    login(&clerk, &gw, "clerk1");
    let list: serde_json::Value = serde_json::from_str(&ok(
        clerk.run(&["issuance-list", "--format", "json"], ""),
        "issuance-list",
    ))
    .expect("JSON");
    assert!(
        list.as_array()
            .expect("list")
            .iter()
            .any(|r| r["id"] == id.as_str()),
        "the signed request waits for issuance: {list}"
    );
    let issued = clerk.path("issued.pdf");
    let out = ok(
        clerk.run(
            &[
                "issue",
                &id,
                "--number",
                "12/QĐ-UBND",
                "--date",
                "2026-03-05",
                "--out",
                issued.to_str().expect("utf-8"),
            ],
            "",
        ),
        "issue",
    );
    assert!(
        out.contains("đã phát hành / issued") && out.contains("12/QĐ-UBND"),
        "{out}"
    );
    let seen = gw.request(&id);
    assert_eq!(seen["request"]["status"], "issued", "{seen}");
    assert_eq!(seen["request"]["edxml_status"], "06", "{seen}");

    // Every validator on the issued PDF: the leader's signature and the
    // seal, then the document timestamp.
    let dir = tempfile::tempdir().expect("tempdir");
    judge(
        &issued,
        &ca,
        dir.path(),
        "the issued PDF",
        &[
            ("signature", "Signature1"),
            ("signature", "Signature2"),
            ("document_timestamp", "Signature3"),
        ],
    );

    // A copy (sao y) of the issued document: the seal signs again, at the
    // top right of page 1, then B-LTA; every signature stays valid.
    let copy = clerk.path("copy-sao-y.pdf");
    let out = ok(
        clerk.run(
            &[
                "copy",
                &id,
                "--kind",
                "sao-y",
                "--number",
                "05/SY-UBND",
                "--out",
                copy.to_str().expect("utf-8"),
            ],
            "",
        ),
        "copy",
    );
    assert!(
        out.contains("đã sao / copied") && out.contains("SAO Y") && out.contains("05/SY-UBND"),
        "{out}"
    );
    assert!(
        std::fs::read(&copy)
            .expect("copy")
            .starts_with(&std::fs::read(&issued).expect("issued")),
        "the copy starts with the issued PDF, unchanged"
    );
    // Every validator on the copy: the seal's second signature and a second
    // document timestamp after the issued PDF's three.
    judge(
        &copy,
        &ca,
        dir.path(),
        "the copy",
        &[
            ("signature", "Signature1"),
            ("signature", "Signature2"),
            ("document_timestamp", "Signature3"),
            ("signature", "Signature4"),
            ("document_timestamp", "Signature5"),
        ],
    );
    // Page 1 as poppler draws it, for people to look at (the test keeps it
    // and the copy in the directory KYSO_COPY_RENDER when set).
    let png = dir.path().join("copy-page1");
    let o = run(Command::new("pdftoppm")
        .args(["-f", "1", "-l", "1", "-r", "100", "-png", "-singlefile"])
        .arg(&copy)
        .arg(&png));
    assert!(
        o.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    if let Some(keep) = std::env::var_os("KYSO_COPY_RENDER") {
        let keep = Path::new(&keep);
        std::fs::create_dir_all(keep).expect("a directory");
        std::fs::copy(png.with_extension("png"), keep.join("copy-page1.png"))
            .expect("keep the render");
        std::fs::copy(&copy, keep.join("copy-sao-y.pdf")).expect("keep the copy");
    }

    // pyHanko fetching revocation data itself: no CRL and not the DSS given
    // to it, revocation checking required, fetching allowed. The
    // certificates name the gateway's CRL (--public-url), which it fetches.
    let fetch_script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kyso-cli/pyhanko_fetch.py");
    let (status, signed_only) = gw.get(&format!("requests/{id}/signed"));
    assert_eq!(status, 200);
    let signed_pdf = dir.path().join("signed.pdf");
    std::fs::write(&signed_pdf, signed_only).expect("write");
    for (pdf, signatures) in [(&signed_pdf, 1), (&issued, 2), (&copy, 3)] {
        let o = run(Command::new(python())
            .current_dir(dir.path())
            .arg(&fetch_script)
            .arg(&ca)
            .arg(pdf));
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        println!(
            "pyHanko fetching the CRL for {}:\n{text}",
            pdf.file_name().and_then(|n| n.to_str()).unwrap_or("?")
        );
        assert!(
            o.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let verdicts: Vec<&str> = text.lines().filter(|l| l.contains(" valid=")).collect();
        assert_eq!(verdicts.len(), signatures, "{text}");
        for l in &verdicts {
            assert!(
                l.contains("INTACT:TRUSTED") && l.contains("valid=True"),
                "{text}"
            );
        }
        assert!(
            text.contains("fetched CRL:"),
            "the CRL came from the gateway: {text}"
        );
    }

    // The seal key was made in the token, and it cannot leave it.
    let unit = seen["request"]["unit"]["id"].as_str().expect("unit");
    let o = hsm.admin(&["list"], &hsm.pin_file);
    let keys: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let seal = keys
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["label"] == format!("seal-{unit}").as_str())
        .unwrap_or_else(|| panic!("seal-{unit} in the token: {keys}"));
    assert_eq!(seal["extractable"], false, "{seal}");
    assert!(
        !gw.data.join(format!("seals/{unit}.key")).exists(),
        "no key file"
    );

    // The CRL the certificates point at answers, and OpenSSL accepts it.
    let (status, crl) = body(
        agent()
            .get(format!("{}/api/v1/ca/crl", gw.url))
            .call()
            .expect("crl"),
    );
    assert_eq!(status, 200);
    std::fs::write(dir.path().join("crl.der"), crl).expect("write");
    let o = run(Command::new("openssl")
        .args(["crl", "-inform", "DER", "-in"])
        .arg(dir.path().join("crl.der"))
        .args(["-noout", "-verify", "-CAfile"])
        .arg(&ca));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("verify OK")
            || String::from_utf8_lossy(&o.stdout).contains("verify OK"),
        "openssl crl -verify: {}",
        String::from_utf8_lossy(&o.stderr)
    );

    // The leader's phone is lost after issuance: the device is revoked, the
    // CRL says so at once, and the issued PDF stays valid with it, its
    // document timestamp proving the signature older (`kyso verify --crl`,
    // DER and PEM).
    let admin_token = {
        let (status, b) = body(
            agent()
                .post(format!("{}/api/v1/auth/login", gw.url))
                .header("Content-Type", "application/json")
                .send(r#"{"username":"admin","password":"kyso-demo"}"#.as_bytes())
                .expect("login"),
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&b));
        let v: serde_json::Value = serde_json::from_slice(&b).expect("JSON");
        format!("Bearer {}", v["token"].as_str().expect("token"))
    };
    let (_, b) = body(
        agent()
            .get(format!("{}/api/v1/admin/devices", gw.url))
            .header("Authorization", &admin_token)
            .call()
            .expect("devices"),
    );
    let devices: serde_json::Value = serde_json::from_slice(&b).expect("JSON");
    let device = devices
        .as_array()
        .expect("devices")
        .iter()
        .find(|d| d["status"] == "active")
        .unwrap_or_else(|| panic!("the leader's device: {devices}"));
    let (status, b) = body(
        agent()
            .post(format!(
                "{}/api/v1/admin/devices/{}/revoke",
                gw.url,
                device["id"].as_str().expect("id")
            ))
            .header("Authorization", &admin_token)
            .header("Content-Type", "application/json")
            .send(&b"{}"[..])
            .expect("revoke"),
    );
    assert_eq!(status, 204, "{}", String::from_utf8_lossy(&b));
    let (_, crl) = body(
        agent()
            .get(format!("{}/api/v1/ca/crl", gw.url))
            .call()
            .expect("crl"),
    );
    let crl_der = dir.path().join("crl-revoked.der");
    std::fs::write(&crl_der, crl).expect("write");
    let crl_pem = dir.path().join("crl-revoked.pem");
    let o = run(Command::new("openssl")
        .args(["crl", "-inform", "DER", "-in"])
        .arg(&crl_der)
        .arg("-out")
        .arg(&crl_pem));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for crl in [&crl_der, &crl_pem] {
        let crl_arg = crl.to_str().expect("utf-8");
        let (passed, report) = verify_json(&issued, &ca, &["--profile", "multi", "--crl", crl_arg]);
        assert!(passed, "signed before the revocation: {report}");
        let leader = &report["signatures"][0];
        assert_eq!(leader["revocation"]["status"], "revoked", "{report}");
        assert!(
            leader["warnings"]
                .as_array()
                .expect("warnings")
                .iter()
                .any(|w| w["code"] == "revoked_after_signing"),
            "{report}"
        );
    }
    let o = run(kyso()
        .arg("verify")
        .arg(&issued)
        .arg("--trust")
        .arg(&ca)
        .arg("--crl")
        .arg(&ca));
    assert_eq!(o.status.code(), Some(2), "a certificate is not a CRL");

    // The archive: the unit's issued documents of March 2026, each with its
    // reports, and checksums `sha256sum -c` accepts. (SIGKILL keeps the data.)
    let mut gw = gw;
    gw.kill();
    let archive = dir.path().join("archive-2026-03");
    let export = |to: &str, out: &Path| {
        run(kyso()
            .args(["admin", "--data"])
            .arg(&gw.data)
            .args([
                "archive",
                "export",
                "--unit",
                unit,
                "--from",
                "2026-03-01",
                "--to",
                to,
                "--out",
            ])
            .arg(out)
            .env("SOFTHSM2_CONF", &hsm.conf))
    };
    let o = export("2026-03-31", &archive);
    assert!(
        o.status.success(),
        "archive export: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(archive.join("manifest.json")).expect("manifest"))
            .expect("JSON");
    let docs = manifest["documents"].as_array().expect("documents");
    assert_eq!(docs.len(), 1, "{manifest}");
    assert_eq!(docs[0]["indication"], "TOTAL_PASSED", "{manifest}");
    assert_eq!(docs[0]["number_symbol"], "12/QĐ-UBND");
    assert_eq!(
        std::fs::read(archive.join(docs[0]["pdf"].as_str().expect("pdf"))).expect("pdf"),
        std::fs::read(&issued).expect("issued"),
        "the issued PDF as issued"
    );
    let text = std::fs::read_to_string(archive.join(docs[0]["report_text"].as_str().expect("txt")))
        .expect("text report");
    assert!(text.contains("TOTAL_PASSED"), "{text}");
    let o = run(Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&archive));
    assert!(
        o.status.success(),
        "sha256sum -c: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).matches(": OK").count(),
        4,
        "the PDF, its two reports and the manifest: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    // Never over an existing directory; an empty period is an empty archive.
    let o = export("2026-03-31", &archive);
    assert!(!o.status.success(), "refuses to overwrite");
    let empty = dir.path().join("archive-none");
    let o = run(kyso()
        .args(["admin", "--data"])
        .arg(&gw.data)
        .args([
            "archive",
            "export",
            "--unit",
            unit,
            "--from",
            "2026-04-01",
            "--to",
            "2026-04-30",
            "--out",
        ])
        .arg(&empty));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(empty.join("manifest.json").is_file());

    // With the gateway down, pyHanko cannot fetch the CRL and, revocation
    // being required, refuses the leader's signature: the CRL above did come
    // from the network.
    let o = run(Command::new(python())
        .current_dir(dir.path())
        .arg(&fetch_script)
        .arg(&ca)
        .arg(&signed_pdf));
    assert!(
        !o.status.success(),
        "no CRL without the gateway: {}",
        String::from_utf8_lossy(&o.stdout)
    );

    // Re-timestamping (`kyso admin archive retimestamp`). The TSA's
    // certificate is fresh (ten years), so with the real clock a document is
    // due only under a margin beyond ten years, and only a TSA certificate
    // that outlives the old one can extend it: a new TSA key in the token
    // (a new label) gets one.
    let retimestamp = |extra: &[&str]| {
        run(kyso()
            .args(["admin", "--data"])
            .arg(&gw.data)
            .args([
                "archive",
                "retimestamp",
                "--within",
                "4000",
                "--hsm-token",
                TOKEN,
                "--hsm-pin-file",
                &pin,
                "--ca-key-label",
                "kyso-ca",
            ])
            .args(extra)
            .env("SOFTHSM2_CONF", &hsm.conf))
    };
    let o = retimestamp(&[]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    println!("kyso admin archive retimestamp (the same TSA certificate):\n{text}");
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.lines().filter(|l| l.starts_with("waiting:")).count() == 2
            && text.contains("retimestamped: 0"),
        "the same TSA certificate cannot extend them: {text}"
    );
    let o = retimestamp(&["--tsa-key-label", "kyso-tsa-2", "--dry-run"]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.lines().filter(|l| l.starts_with("due:")).count() == 2
            && text.contains("due: 2 (--dry-run)"),
        "{text}"
    );
    let o = retimestamp(&["--tsa-key-label", "kyso-tsa-2"]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    println!("kyso admin archive retimestamp (a new TSA certificate):\n{text}");
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains("retimestamped: 2"), "{text}");
    let new_versions: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("retimestamped:"))
        .map(|l| {
            l.rsplit("→ ")
                .next()
                .expect("new digest")
                .trim()
                .to_string()
        })
        .collect();
    assert_eq!(new_versions.len(), 2, "{text}");
    let o = retimestamp(&["--tsa-key-label", "kyso-tsa-2"]);
    let again = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{again}");
    assert!(
        again.contains("retimestamped: 0"),
        "a second run extends nothing: {again}"
    );
    for (sha, kinds) in new_versions.iter().zip([4, 6]) {
        let pdf = gw.data.join("docs").join(&sha[..2]).join(sha);
        let (passed, report) = verify_json(&pdf, &ca, &["--profile", "multi"]);
        assert!(passed, "re-timestamped: {report}");
        let sigs = report["signatures"].as_array().expect("signatures");
        assert_eq!(sigs.len(), kinds, "{report}");
        let stamps: Vec<&serde_json::Value> = sigs
            .iter()
            .filter(|s| s["kind"] == "document_timestamp")
            .collect();
        assert!(stamps.len() >= 2, "{report}");
        for s in sigs {
            assert_eq!(s["indication"], "TOTAL_PASSED", "{s}");
        }
        let lta = pyhanko_lta(&pdf, &ca, dir.path(), "after re-timestamping");
        for l in lta.lines() {
            assert!(l.contains(": LTA AdESPassed.OK"), "{lta}");
        }
        assert_qpdf_ok(&pdf);
    }
}
