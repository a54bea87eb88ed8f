//! App Attest: the attestation object and the assertion, each rule failing on its own.

use kyso_attest::apple::{
    AppAttestConfig, AppAttestError, Enrollment, Environment, enrollment_client_data_hash,
    verify_assertion, verify_attestation, verify_enrollment,
};

use crate::support::*;

fn config() -> AppAttestConfig {
    AppAttestConfig {
        app_id: APP_ID.into(),
        environment: Environment::Production,
    }
}

fn attest(spec: &AttestationSpec) -> Result<kyso_attest::apple::AttestedKey, AppAttestError> {
    let pki = app_attest_pki();
    let obj = attestation(&pki, spec);
    verify_attestation(
        &obj,
        &pki.key_id,
        &client_data_hash(),
        &config(),
        &pki.anchors,
        now(),
    )
}

#[test]
fn attestation_passes_and_yields_the_key() {
    let pki = app_attest_pki();
    let key = attest(&AttestationSpec::default()).expect("passes");
    assert_eq!(key.public_key, pki.key.sec1());
    assert_eq!(key.receipt, b"receipt");
    assert_eq!(key.root, "Apple test root");
}

#[test]
fn attestation_each_rule_fails_on_its_own() {
    let cases: Vec<(AttestationSpec, AppAttestError)> = vec![
        (
            AttestationSpec {
                fmt: "packed".into(),
                ..Default::default()
            },
            AppAttestError::FormatNotAppleAppAttest,
        ),
        (
            AttestationSpec {
                untrusted_root: true,
                ..Default::default()
            },
            AppAttestError::UntrustedRoot,
        ),
        (
            AttestationSpec {
                leaf_validity: (days(-10), days(-1)),
                ..Default::default()
            },
            AppAttestError::CertificateNotValidNow { index: 0 },
        ),
        (
            AttestationSpec {
                wrong_nonce: true,
                ..Default::default()
            },
            AppAttestError::NonceMismatch,
        ),
        (
            AttestationSpec {
                client_data_hash: [9; 32],
                ..Default::default()
            },
            AppAttestError::NonceMismatch,
        ),
        (
            AttestationSpec {
                other_key: true,
                ..Default::default()
            },
            AppAttestError::KeyIdMismatch,
        ),
        (
            AttestationSpec {
                app_id: "ZZZZZ99999.com.example.other".into(),
                ..Default::default()
            },
            AppAttestError::RpIdMismatch,
        ),
        (
            AttestationSpec {
                counter: 1,
                ..Default::default()
            },
            AppAttestError::CounterNotZero { found: 1 },
        ),
        (
            AttestationSpec {
                aaguid: *b"appattestdevelop",
                ..Default::default()
            },
            AppAttestError::AaguidMismatch,
        ),
        (
            AttestationSpec {
                credential_id: Some(vec![1; 32]),
                ..Default::default()
            },
            AppAttestError::CredentialIdMismatch,
        ),
    ];
    for (spec, want) in cases {
        assert_eq!(attest(&spec), Err(want.clone()), "{}", want.code());
    }
}

#[test]
fn attestation_development_environment_when_configured() {
    let pki = app_attest_pki();
    let obj = attestation(
        &pki,
        &AttestationSpec {
            aaguid: *b"appattestdevelop",
            ..Default::default()
        },
    );
    let cfg = AppAttestConfig {
        app_id: APP_ID.into(),
        environment: Environment::Development,
    };
    verify_attestation(
        &obj,
        &pki.key_id,
        &client_data_hash(),
        &cfg,
        &pki.anchors,
        now(),
    )
    .expect("development build accepted when configured");
}

#[test]
fn attestation_garbage_is_malformed() {
    let pki = app_attest_pki();
    let e = verify_attestation(
        b"\xa1\x63fmt",
        &pki.key_id,
        &client_data_hash(),
        &config(),
        &pki.anchors,
        now(),
    )
    .expect_err("refused");
    assert!(matches!(e, AppAttestError::Malformed { .. }), "{e:?}");
}

#[test]
fn assertion_passes_with_an_increasing_counter() {
    let pki = app_attest_pki();
    let cdh = client_data_hash();
    let a = assertion(&pki.key, APP_ID, 5, &cdh);
    let facts = verify_assertion(&a, &cdh, &pki.key.sec1(), APP_ID, 4).expect("passes");
    assert_eq!(facts.counter, 5);
    // The key may also be given as SubjectPublicKeyInfo DER.
    verify_assertion(&a, &cdh, &pki.key.spki_der(), APP_ID, 4).expect("spki key");
}

#[test]
fn assertion_each_rule_fails_on_its_own() {
    let pki = app_attest_pki();
    let cdh = client_data_hash();
    let key = pki.key.sec1();
    // Signature: another key signed it; or another clientDataHash was signed.
    let a = assertion(&Key::p256(6), APP_ID, 5, &cdh);
    assert_eq!(
        verify_assertion(&a, &cdh, &key, APP_ID, 4),
        Err(AppAttestError::BadSignature)
    );
    let other = enrollment_client_data_hash(b"another nonce", &ios_signing_key());
    let a = assertion(&pki.key, APP_ID, 5, &other);
    assert_eq!(
        verify_assertion(&a, &cdh, &key, APP_ID, 4),
        Err(AppAttestError::BadSignature)
    );
    // RP ID: made for another app.
    let a = assertion(&pki.key, "ZZZZZ99999.com.example.other", 5, &cdh);
    assert_eq!(
        verify_assertion(&a, &cdh, &key, APP_ID, 4),
        Err(AppAttestError::RpIdMismatch)
    );
    // Counter: a replay.
    let a = assertion(&pki.key, APP_ID, 5, &cdh);
    assert_eq!(
        verify_assertion(&a, &cdh, &key, APP_ID, 5),
        Err(AppAttestError::CounterNotIncreased {
            previous: 5,
            found: 5
        })
    );
    // Key and object that cannot be read.
    assert_eq!(
        verify_assertion(&a, &cdh, &[4; 10], APP_ID, 4),
        Err(AppAttestError::BadPublicKey)
    );
    let mut trailing = a.clone();
    trailing.push(0);
    assert!(matches!(
        verify_assertion(&trailing, &cdh, &key, APP_ID, 4),
        Err(AppAttestError::Malformed { .. })
    ));
}

#[test]
fn enrollment_client_data_hash_binds_nonce_and_key() {
    let k = ios_signing_key();
    let a = enrollment_client_data_hash(NONCE, &k);
    assert_ne!(a, enrollment_client_data_hash(b"other", &k));
    assert_ne!(
        a,
        enrollment_client_data_hash(NONCE, &Key::p256(8).spki_der())
    );
    use sha2::Digest;
    let mut joined = NONCE.to_vec();
    joined.extend_from_slice(&k);
    assert_eq!(a, <[u8; 32]>::from(sha2::Sha256::digest(&joined)));
}

#[test]
fn enrollment_checks_attestation_and_assertion_over_nonce_and_signing_key() {
    let pki = app_attest_pki();
    let obj = attestation(&pki, &AttestationSpec::default());
    let cdh = client_data_hash();
    let a = assertion(&pki.key, APP_ID, 1, &cdh);
    let evidence = Enrollment {
        key_id: &pki.key_id,
        attestation: &obj,
        assertion: &a,
    };
    let signing = ios_signing_key();
    let enrolled = verify_enrollment(&evidence, NONCE, &signing, &config(), &pki.anchors, now())
        .expect("enrolled");
    assert_eq!(enrolled.counter, 1);
    assert_eq!(enrolled.key.public_key, pki.key.sec1());
    // Another nonce, or another signing key, than the app attested.
    assert_eq!(
        verify_enrollment(
            &evidence,
            b"stale nonce",
            &signing,
            &config(),
            &pki.anchors,
            now()
        ),
        Err(AppAttestError::NonceMismatch)
    );
    assert_eq!(
        verify_enrollment(
            &evidence,
            NONCE,
            &Key::p256(8).spki_der(),
            &config(),
            &pki.anchors,
            now()
        ),
        Err(AppAttestError::NonceMismatch)
    );
    // An assertion by another key than the attested one.
    let forged = assertion(&Key::p256(6), APP_ID, 1, &cdh);
    assert_eq!(
        verify_enrollment(
            &Enrollment {
                assertion: &forged,
                ..evidence
            },
            NONCE,
            &signing,
            &config(),
            &pki.anchors,
            now()
        ),
        Err(AppAttestError::BadSignature)
    );
}
