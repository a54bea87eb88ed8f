//! kyso-hsm against a real SoftHSM2 token. SoftHSM2 reads its configuration
//! from `SOFTHSM2_CONF` once, at `C_Initialize`; a test must not change its
//! own process's environment, so each test runs its body in a child process
//! of this binary (`--exact NAME`) with a temporary configuration and token
//! directory, and a token initialised for it with `softhsm2-util`.

use std::path::PathBuf;
use std::process::Command;

use kyso_hsm::{DEFAULT_MODULE, Error, HsmConfig, KeySigner, Pin, Token, ValueAccess};
use p256::ecdsa::signature::hazmat::PrehashVerifier;

const CHILD: &str = "KYSO_HSM_TEST_CHILD";
const TOKEN: &str = "kyso-test";
const PIN: &str = "246810";

fn config(pin: &str) -> HsmConfig {
    HsmConfig {
        module: PathBuf::from(DEFAULT_MODULE),
        token: TOKEN.into(),
        pin: Pin::new(pin),
    }
}

/// Runs `body` in a child process that has a SoftHSM2 of its own with one
/// initialised token, [`TOKEN`] (user PIN [`PIN`]).
fn with_softhsm(name: &str, body: impl FnOnce()) {
    if std::env::var_os(CHILD).is_some() {
        body();
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).expect("token dir");
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
            tokens.display()
        ),
    )
    .expect("conf");
    let init = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--so-pin",
            "13579",
            "--pin",
            PIN,
        ])
        .output()
        .expect("softhsm2-util runs (scripts/install-deps installs softhsm2)");
    assert!(
        init.status.success(),
        "token initialised: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD, "1")
        .output()
        .expect("child test runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} in its own SoftHSM2:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn keys_are_generated_in_the_token_and_sign() {
    with_softhsm("keys_are_generated_in_the_token_and_sign", || {
        let token = Token::open(&config(PIN)).expect("logs in");
        let key = token.generate_p256("kyso-tsa").expect("generates");
        assert_eq!(key.describe(), "pkcs11:token=kyso-test;object=kyso-tsa");
        let vk = kyso_hsm::verifying_key(key.public_key()).expect("a P-256 SPKI");
        for i in 0..20u8 {
            let digest = [i; 32];
            let der = key.sign_digest(&digest).expect("the token signs");
            let sig = p256::ecdsa::Signature::from_der(&der).expect("a DER ECDSA signature");
            vk.verify_prehash(&digest, &sig)
                .expect("verifies with the exported public key");
            let mut other = digest;
            other[0] ^= 1;
            assert!(
                vk.verify_prehash(&other, &sig).is_err(),
                "over that digest only"
            );
        }
        token.generate_p256("kyso-seal-ubnd").expect("a second key");
        let listed: Vec<String> = token
            .keys()
            .expect("lists")
            .into_iter()
            .map(|k| {
                assert!(k.public_key.is_some(), "{} has its public key", k.label);
                k.label
            })
            .collect();
        assert_eq!(listed, ["kyso-seal-ubnd", "kyso-tsa"]);
        assert!(
            matches!(token.generate_p256("kyso-tsa"), Err(Error::KeyExists(l)) if l == "kyso-tsa"),
            "a label is used once"
        );
        assert_eq!(token.keys().expect("lists").len(), 2, "nothing added");
        assert!(matches!(token.key("nope"), Err(Error::NoSuchKey(_))));
    });
}

#[test]
fn the_private_key_never_leaves_the_token() {
    with_softhsm("the_private_key_never_leaves_the_token", || {
        let token = Token::open(&config(PIN)).expect("logs in");
        let key = token.generate_p256("kyso-ca").expect("generates");
        let p = key.protection().expect("attributes read back");
        assert!(p.token, "a token object: {p:?}");
        assert!(p.private, "usable after login only: {p:?}");
        assert!(p.sensitive, "CKA_SENSITIVE: {p:?}");
        assert!(!p.extractable, "CKA_EXTRACTABLE is false: {p:?}");
        assert!(
            p.always_sensitive && p.never_extractable,
            "never was otherwise: {p:?}"
        );
        assert_eq!(
            p.value,
            ValueAccess::Sensitive,
            "the token refuses to read CKA_VALUE"
        );
    });
}

#[test]
fn a_key_survives_closing_the_session() {
    with_softhsm("a_key_survives_closing_the_session", || {
        let spki = {
            let token = Token::open(&config(PIN)).expect("logs in");
            let key = token.generate_p256("kyso-tsa").expect("generates");
            key.public_key().clone()
        };
        // The token and its session are gone; a new session finds the key.
        let token = Token::open(&config(PIN)).expect("logs in again");
        let key = token.key("kyso-tsa").expect("still there");
        assert_eq!(key.public_key(), &spki, "the same key");
        let der = key.sign_digest(&[3; 32]).expect("signs");
        let sig = p256::ecdsa::Signature::from_der(&der).expect("DER");
        kyso_hsm::verifying_key(&spki)
            .expect("P-256")
            .verify_prehash(&[3; 32], &sig)
            .expect("verifies");
        let again = token.key_or_generate("kyso-tsa").expect("found, not made");
        assert_eq!(again.public_key(), &spki);
        assert_eq!(token.keys().expect("lists").len(), 1);
    });
}

#[test]
fn errors_say_what_is_wrong() {
    with_softhsm("errors_say_what_is_wrong", || {
        let e = Token::open(&config("000000")).expect_err("wrong PIN");
        assert!(matches!(e, Error::WrongPin), "{e}");
        assert_eq!(e.to_string(), "the token refused the PIN");
        let mut cfg = config(PIN);
        cfg.token = "no-such-token".into();
        let e = Token::open(&cfg).expect_err("no token");
        assert!(
            matches!(&e, Error::NoToken(l) if l == "no-such-token"),
            "{e}"
        );
        let mut cfg = config(PIN);
        cfg.module = PathBuf::from("/nonexistent/libpkcs11.so");
        let e = Token::open(&cfg).expect_err("no module");
        assert!(matches!(e, Error::ModuleMissing(_)), "{e}");
        let dir = tempfile::tempdir().expect("tempdir");
        let not_a_lib = dir.path().join("lib.so");
        std::fs::write(&not_a_lib, b"not a shared library").expect("write");
        cfg.module = not_a_lib;
        let e = Token::open(&cfg).expect_err("not a module");
        assert!(matches!(e, Error::Module { .. }), "{e}");
        // The right PIN still works after the wrong ones.
        let token = Token::open(&config(PIN)).expect("logs in");
        assert!(token.keys().expect("lists").is_empty());
        let pin_file = dir.path().join("pin");
        std::fs::write(&pin_file, format!("{PIN}\n")).expect("write");
        let pin = Pin::from_file_or_env(Some(&pin_file)).expect("read");
        assert_eq!(format!("{pin:?}"), "Pin(<redacted>)", "never shown");
        let token = Token::open(&HsmConfig { pin, ..config(PIN) })
            .expect("the PIN file's first line is the PIN");
        assert_eq!(token.label(), TOKEN);
    });
}

#[test]
fn the_x509_builder_signs_with_a_token_key() {
    with_softhsm("the_x509_builder_signs_with_a_token_key", || {
        use der::Encode;
        use p256::ecdsa::signature::Verifier;
        use std::str::FromStr;
        use x509_cert::builder::{Builder, CertificateBuilder, Profile};
        let token = Token::open(&config(PIN)).expect("logs in");
        let key = token.generate_p256("kyso-ca").expect("generates");
        let adapter = kyso_hsm::SignerAdapter::new(&key).expect("P-256");
        let now = std::time::SystemTime::now();
        let validity = x509_cert::time::Validity {
            not_before: x509_cert::time::Time::try_from(now).expect("time"),
            not_after: x509_cert::time::Time::try_from(now + std::time::Duration::from_secs(3600))
                .expect("time"),
        };
        let cert = CertificateBuilder::new(
            Profile::Root,
            x509_cert::serial_number::SerialNumber::from(7u32),
            validity,
            x509_cert::name::Name::from_str("CN=Kyso HSM test").expect("name"),
            key.public_key().clone(),
            &adapter,
        )
        .expect("builder")
        .build::<p256::ecdsa::DerSignature>()
        .expect("signed in the token");
        assert_eq!(
            cert.signature_algorithm.oid,
            kyso_hsm::ECDSA_WITH_SHA256,
            "ecdsa-with-SHA256"
        );
        let tbs = cert.tbs_certificate.to_der().expect("tbs");
        let sig = p256::ecdsa::DerSignature::from_bytes(cert.signature.raw_bytes())
            .expect("a DER signature");
        kyso_hsm::verifying_key(key.public_key())
            .expect("P-256")
            .verify(&tbs, &sig)
            .expect("the certificate's signature verifies with the token's public key");
    });
}
