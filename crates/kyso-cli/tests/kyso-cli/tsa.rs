//! The gateway's timestamp authority through the real binaries: `kyso
//! serve` answers `kyso sign --tsa`, the B-T result is checked by `kyso
//! verify` and pyHanko; and the same with the TSA's key in SoftHSM2, made
//! by `kyso admin hsm keygen` (each test has its own SoftHSM2 configuration
//! and token directory, given to the child processes by `SOFTHSM2_CONF`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::gateway::{agent, body, free_port};
use crate::support::*;

/// A `kyso serve` process (no demo data), killed when dropped.
struct Serve {
    child: Child,
    url: String,
    data: PathBuf,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    fn start(data: &Path, softhsm: Option<&SoftHsm>, extra: &[&str]) -> Serve {
        let port = free_port();
        let log = std::fs::File::create(data.with_extension("log")).expect("log");
        let mut cmd = kyso();
        cmd.arg("serve")
            .arg("--data")
            .arg(data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env_remove("KYSO_HSM_PIN")
            .stdout(Stdio::null())
            .stderr(log);
        if let Some(h) = softhsm {
            cmd.env("SOFTHSM2_CONF", &h.conf);
        }
        let child = cmd.spawn().expect("kyso serve starts");
        let mut s = Serve {
            child,
            url: format!("http://127.0.0.1:{port}"),
            data: data.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(r) = agent().get(format!("{}/api/v1/ca", s.url)).call()
                && r.status().as_u16() == 200
            {
                break;
            }
            if let Ok(Some(st)) = s.child.try_wait() {
                panic!("kyso serve exited with {st}: {}", s.log());
            }
            assert!(Instant::now() < deadline, "no answer: {}", s.log());
            std::thread::sleep(Duration::from_millis(100));
        }
        s
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.data.with_extension("log")).unwrap_or_default()
    }

    fn tsa_url(&self) -> String {
        format!("{}/api/v1/tsa", self.url)
    }

    /// A DER TimeStampResp for a DER TimeStampReq.
    fn stamp(&self, query: &[u8]) -> Vec<u8> {
        let resp = agent()
            .post(self.tsa_url())
            .header("Content-Type", "application/timestamp-query")
            .send(query)
            .expect("the TSA answers");
        let (status, b) = body(resp);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&b));
        b
    }
}

/// A SoftHSM2 of the test's own: configuration, token directory, one token.
pub(crate) struct SoftHsm {
    _dir: tempfile::TempDir,
    pub(crate) conf: PathBuf,
    pub(crate) pin_file: PathBuf,
}

pub(crate) const TOKEN: &str = "kyso-gateway";

impl SoftHsm {
    pub(crate) fn new() -> SoftHsm {
        let dir = tempfile::tempdir().expect("tempdir");
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens).expect("tokens");
        let conf = dir.path().join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .expect("conf");
        let o = run(Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &conf)
            .args(["--init-token", "--free", "--label", TOKEN])
            .args(["--so-pin", "87654321", "--pin", "11223344"]));
        assert!(
            o.status.success(),
            "softhsm2-util (scripts/install-deps installs softhsm2): {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let pin_file = dir.path().join("pin");
        std::fs::write(&pin_file, "11223344\n").expect("pin");
        SoftHsm {
            _dir: dir,
            conf,
            pin_file,
        }
    }

    /// `kyso admin hsm ARGS --token kyso-gateway --pin-file PIN`.
    pub(crate) fn admin(&self, args: &[&str], pin_file: &Path) -> std::process::Output {
        run(kyso()
            .args(["admin", "hsm"])
            .args(args)
            .args(["--token", TOKEN, "--pin-file"])
            .arg(pin_file)
            .env("SOFTHSM2_CONF", &self.conf)
            .env_remove("KYSO_HSM_PIN"))
    }
}

fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let o = run(Command::new("openssl").args(args).current_dir(dir));
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// `openssl ts -query` over `data` (SHA-256, certificate asked for), the
/// gateway's reply, and `openssl ts -verify` of it against the device CA;
/// returns the reply's text.
fn openssl_round_trip(gw: &Serve, dir: &Path, name: &str, data: &[u8]) -> String {
    let dat = format!("{name}.dat");
    let tsq = format!("{name}.tsq");
    let tsr = format!("{name}.tsr");
    std::fs::write(dir.join(&dat), data).expect("data");
    let (ok, out) = openssl(
        &[
            "ts", "-query", "-data", &dat, "-sha256", "-cert", "-out", &tsq,
        ],
        dir,
    );
    assert!(ok, "{out}");
    let reply = gw.stamp(&std::fs::read(dir.join(&tsq)).expect("query"));
    std::fs::write(dir.join(&tsr), reply).expect("reply");
    let ca = gw.data.join("ca/device-ca.pem");
    let tsa = gw.data.join("tsa/tsa.pem");
    let (ok, out) = openssl(
        &[
            "ts",
            "-verify",
            "-queryfile",
            &tsq,
            "-in",
            &tsr,
            "-CAfile",
            ca.to_str().expect("utf-8"),
            "-untrusted",
            tsa.to_str().expect("utf-8"),
        ],
        dir,
    );
    assert!(
        ok && out.contains("Verification: OK"),
        "openssl ts -verify: {out}"
    );
    let (ok, text) = openssl(&["ts", "-reply", "-in", &tsr, "-text"], dir);
    assert!(ok && text.contains("Status: Granted."), "{text}");
    text
}

fn serial(reply_text: &str) -> u64 {
    let hex = reply_text
        .lines()
        .find_map(|l| l.strip_prefix("Serial number: 0x"))
        .unwrap_or_else(|| panic!("a serial number: {reply_text}"));
    u64::from_str_radix(hex.trim(), 16).expect("hex serial")
}

/// `kyso sign --tsa` against the gateway; then `kyso verify` and pyHanko
/// see a B-T signature with a valid timestamp from the gateway's TSA.
fn sign_b_t_and_validate(gw: &Serve, dir: &Path) {
    let out = dir.join("bt.pdf");
    let o = run(kyso()
        .arg("sign")
        .arg(fx("pdf/reportlab-vi.pdf"))
        .arg("--out")
        .arg(&out)
        .arg("--key")
        .arg(fx("pki/p256/signer.key"))
        .arg("--cert")
        .arg(fx("pki/p256/signer.pem"))
        .arg("--chain")
        .arg(fx("pki/p256/chain.pem"))
        .args(["--invisible", "--tsa", &gw.tsa_url()]));
    assert!(
        o.status.success(),
        "kyso sign --tsa: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("B-T"));
    let ca = gw.data.join("ca/device-ca.pem");
    let o = run(kyso()
        .arg("verify")
        .arg(&out)
        .arg("--trust")
        .arg(fx("pki/p256/root.pem"))
        .arg("--trust")
        .arg(&ca)
        .args(["--format", "json"]));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "kyso verify JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    assert!(o.status.success(), "kyso verify: {report}");
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report}");
    let ts = &report["signatures"][0]["timestamps"][0];
    assert_eq!(ts["kind"], "signature", "{report}");
    assert_eq!(
        ts["valid"], true,
        "the gateway's token verifies and chains to its CA: {report}"
    );
    assert!(
        ts["tsa"].as_str().is_some_and(|s| s.contains("Kyso TSA")),
        "{report}"
    );
    // Without the gateway's CA, the timestamp is not trusted.
    let o = run(kyso()
        .arg("verify")
        .arg(&out)
        .arg("--trust")
        .arg(fx("pki/p256/root.pem"))
        .args(["--format", "json"]));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(
        report["signatures"][0]["timestamps"][0]["valid"], false,
        "{report}"
    );
    // pyHanko: the signature trusted, its timestamp reported and valid.
    let ca_arg = ca.to_str().expect("utf-8").to_string();
    let pretty = pyhanko_validate(&out, &["--trust", &ca_arg, "--pretty-print"]).join("\n");
    let lower = pretty.to_lowercase();
    assert!(
        pretty.contains("Signature timestamp token:")
            && pretty.contains("TSA certificate subject: \"Common Name: Kyso TSA")
            && pretty.contains("TSA cert trust anchor: \"Common Name: Kyso Device CA"),
        "pyHanko reports the gateway's timestamp, its TSA chained to the gateway's CA: {pretty}"
    );
    assert!(
        !lower.contains("not trusted") && !lower.contains("untrusted"),
        "pyHanko trusts the timestamp: {pretty}"
    );
    assert_pyhanko_trusts(&out, 1, &["--trust", &ca_arg]);
    println!("pyHanko on the gateway's B-T signature:\n{pretty}");
}

#[test]
fn the_gateway_tsa_makes_b_t_signatures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("gw");
    let gw = Serve::start(&data, None, &[]);
    assert!(
        data.join("tsa/tsa.key").is_file(),
        "without a token the TSA key is the demo's file key"
    );
    assert!(
        gw.log().contains("not in an HSM"),
        "and it says so, loudly: {}",
        gw.log()
    );
    let first = serial(&openssl_round_trip(&gw, dir.path(), "a", b"one"));
    sign_b_t_and_validate(&gw, dir.path());
    drop(gw);
    // A restart: the same TSA certificate, serials still increasing.
    let cert = std::fs::read(data.join("tsa/tsa.pem")).expect("cert");
    let gw = Serve::start(&data, None, &[]);
    assert_eq!(std::fs::read(data.join("tsa/tsa.pem")).expect("cert"), cert);
    let later = serial(&openssl_round_trip(&gw, dir.path(), "b", b"two"));
    assert!(
        later > first + 1,
        "after the B-T signature's token: {first} then {later}"
    );
}

#[test]
fn admin_hsm_makes_and_lists_keys_in_the_token() {
    let hsm = SoftHsm::new();
    let o = hsm.admin(&["keygen", "--label", "kyso-seal-1"], &hsm.pin_file);
    assert!(
        o.status.success(),
        "keygen: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let pem = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
    // Another process finds it: a token object.
    let o = hsm.admin(&["pubkey", "--label", "kyso-seal-1"], &hsm.pin_file);
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout), pem, "the same key");
    let o = hsm.admin(&["list"], &hsm.pin_file);
    assert!(o.status.success());
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let k = &list[0];
    assert_eq!(k["label"], "kyso-seal-1");
    assert_eq!(k["extractable"], false, "CKA_EXTRACTABLE false: {k}");
    assert_eq!(k["sensitive"], true, "CKA_SENSITIVE true: {k}");
    assert_eq!(k["token_object"], true, "{k}");
    assert_eq!(k["public_key_pem"], pem.as_str());
    // A label is used once; nothing added.
    let o = hsm.admin(&["keygen", "--label", "kyso-seal-1"], &hsm.pin_file);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("đã có khóa") && err.contains("already has a key"),
        "{err}"
    );
    // Wrong PIN: one clear line, exit 2, and the PIN is not in it.
    let bad = hsm._dir.path().join("bad-pin");
    std::fs::write(&bad, "99999999\n").expect("pin");
    let o = hsm.admin(&["list"], &bad);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("token từ chối mã PIN") && err.contains("the token refused the PIN"),
        "{err}"
    );
    assert!(!err.contains("99999999"), "{err}");
    // No such token, no such key, no module.
    let o = run(kyso()
        .args(["admin", "hsm", "list", "--token", "other", "--pin-file"])
        .arg(&hsm.pin_file)
        .env("SOFTHSM2_CONF", &hsm.conf));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no PKCS#11 token is labelled \"other\""));
    let o = hsm.admin(&["pubkey", "--label", "nope"], &hsm.pin_file);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no key labelled \"nope\""));
    let o = run(kyso()
        .args(["admin", "hsm", "list", "--module", "/nonexistent/p11.so"])
        .args(["--token", TOKEN, "--pin-file"])
        .arg(&hsm.pin_file));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not exist"));
    // The PIN from the environment instead of a file.
    let o = run(kyso()
        .args(["admin", "hsm", "list", "--token", TOKEN])
        .env("SOFTHSM2_CONF", &hsm.conf)
        .env("KYSO_HSM_PIN", "11223344"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(kyso()
        .args(["admin", "hsm", "list", "--token", TOKEN])
        .env("SOFTHSM2_CONF", &hsm.conf)
        .env_remove("KYSO_HSM_PIN"));
    assert_eq!(o.status.code(), Some(2), "no PIN at all");
    assert!(String::from_utf8_lossy(&o.stderr).contains("KYSO_HSM_PIN"));
    let o = hsm.admin(&["list"], &hsm.pin_file);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(1),
        "nothing changed: {list}"
    );
}

#[test]
fn the_tsa_key_can_live_in_softhsm() {
    let hsm = SoftHsm::new();
    let o = hsm.admin(&["keygen", "--label", "kyso-tsa"], &hsm.pin_file);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let token_pem = String::from_utf8_lossy(&o.stdout).into_owned();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("gw");
    let pin = hsm.pin_file.to_str().expect("utf-8").to_string();
    let flags = ["--hsm-token", TOKEN, "--hsm-pin-file", &pin];
    let gw = Serve::start(&data, Some(&hsm), &flags);
    assert!(
        !data.join("tsa/tsa.key").exists(),
        "no key file: the key is in the token"
    );
    assert!(
        gw.log()
            .contains("pkcs11:token=kyso-gateway;object=kyso-tsa"),
        "{}",
        gw.log()
    );
    // The TSA certificate certifies the token's key.
    let (ok, cert_pub) = openssl(
        &[
            "x509",
            "-in",
            data.join("tsa/tsa.pem").to_str().expect("utf-8"),
            "-noout",
            "-pubkey",
        ],
        dir.path(),
    );
    assert!(ok, "{cert_pub}");
    assert_eq!(
        cert_pub, token_pem,
        "the TSA certificate is for the token's key"
    );
    let first = serial(&openssl_round_trip(&gw, dir.path(), "h", b"hsm"));
    sign_b_t_and_validate(&gw, dir.path());
    drop(gw);
    let gw = Serve::start(&data, Some(&hsm), &flags);
    let later = serial(&openssl_round_trip(&gw, dir.path(), "i", b"again"));
    assert!(later > first, "{first} then {later}");
    // The key is still only in the token, still not extractable.
    let o = hsm.admin(&["list"], &hsm.pin_file);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(list[0]["label"], "kyso-tsa");
    assert_eq!(list[0]["extractable"], false);
    drop(gw);
    // A wrong PIN stops the gateway with one clear line.
    let bad = dir.path().join("bad-pin");
    std::fs::write(&bad, "00000000\n").expect("pin");
    let o = run(kyso()
        .arg("serve")
        .arg("--data")
        .arg(&data)
        .args(["--listen", &format!("127.0.0.1:{}", free_port())])
        .args(["--hsm-token", TOKEN, "--hsm-pin-file"])
        .arg(&bad)
        .env("SOFTHSM2_CONF", &hsm.conf));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("the token refused the PIN"), "{err}");
}

#[test]
fn the_device_ca_key_can_live_in_softhsm() {
    let hsm = SoftHsm::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("gw");
    let pin = hsm.pin_file.to_str().expect("utf-8").to_string();
    let flags = [
        "--demo",
        "--hsm-token",
        TOKEN,
        "--hsm-pin-file",
        &pin,
        "--ca-key-label",
        "kyso-ca",
    ];
    let gw = Serve::start(&data, Some(&hsm), &flags);
    for file in ["ca/device-ca.key", "tsa/tsa.key"] {
        assert!(
            !data.join(file).exists(),
            "no {file}: the keys are in the token"
        );
    }
    let o = hsm.admin(&["list"], &hsm.pin_file);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let labels: Vec<&str> = list
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| {
            assert_eq!(k["extractable"], false, "{k}");
            k["label"].as_str().expect("label")
        })
        .collect();
    assert_eq!(labels, ["kyso-ca", "kyso-tsa"], "both made in the token");
    let ca_pem = data.join("ca/device-ca.pem");
    let (ok, cert_pub) = openssl(
        &[
            "x509",
            "-in",
            ca_pem.to_str().expect("utf-8"),
            "-noout",
            "-pubkey",
        ],
        dir.path(),
    );
    assert!(ok, "{cert_pub}");
    assert_eq!(
        list[0]["public_key_pem"],
        cert_pub.as_str(),
        "the CA's key is the token's"
    );
    // A device enrolls: its certificate is signed in the token and chains
    // to the CA (OpenSSL checks it).
    let base = format!("{}/api/v1", gw.url);
    let (status, b) = body(
        agent()
            .post(format!("{base}/auth/login"))
            .header("Content-Type", "application/json")
            .send(r#"{"username":"leader1","password":"kyso-demo"}"#.as_bytes())
            .expect("login"),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&b));
    let login: serde_json::Value = serde_json::from_slice(&b).expect("JSON");
    let bearer = format!("Bearer {}", login["token"].as_str().expect("token"));
    let (_, b) = body(
        agent()
            .get(format!("{base}/device/enroll/nonce"))
            .header("Authorization", &bearer)
            .call()
            .expect("nonce"),
    );
    let nonce: serde_json::Value = serde_json::from_slice(&b).expect("JSON");
    let device = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let csr = kyso_gateway::ca::csr_pem(&device, "device").expect("csr");
    let req = serde_json::json!({"nonce": nonce["nonce"], "csr_pem": csr, "platform": "linux", "model": "softhsm test"});
    let (status, b) = body(
        agent()
            .post(format!("{base}/device/enroll"))
            .header("Authorization", &bearer)
            .header("Content-Type", "application/json")
            .send(serde_json::to_vec(&req).expect("json").as_slice())
            .expect("enroll"),
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&b));
    let enrolled: serde_json::Value = serde_json::from_slice(&b).expect("JSON");
    std::fs::write(
        dir.path().join("device.pem"),
        enrolled["certificate_chain_pem"].as_str().expect("chain"),
    )
    .expect("write");
    let (ok, out) = openssl(
        &[
            "verify",
            "-CAfile",
            ca_pem.to_str().expect("utf-8"),
            "device.pem",
        ],
        dir.path(),
    );
    assert!(
        ok && out.contains("device.pem: OK"),
        "openssl verify: {out}"
    );
    // The TSA, its certificate issued by the token's CA key, its tokens signed by the token's TSA key.
    openssl_round_trip(&gw, dir.path(), "c", b"ca in the token");
    sign_b_t_and_validate(&gw, dir.path());
    drop(gw);
    // kyso admin reads the CA certificate without the token.
    let o = run(kyso()
        .args(["admin", "--data"])
        .arg(&data)
        .args(["ca", "export"]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        std::fs::read_to_string(&ca_pem).expect("pem")
    );
    // Started without the CA's key, the gateway refuses rather than make a new CA.
    let o = run(kyso()
        .arg("serve")
        .arg("--data")
        .arg(&data)
        .args(["--listen", &format!("127.0.0.1:{}", free_port())]));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no key beside it"), "{err}");
    assert!(!data.join("ca/device-ca.key").exists());
}
