//! One passing chain, then for each rule a chain that differs only in that
//! rule and fails with that rule's error.

use der::Encode;
use kyso_attest::android::{Outcome, Rule};
use kyso_attest::key_description::{AsnSecurityLevel, VerifiedBootState, value};
use kyso_attest::{
    AndroidError, AndroidPolicy, AndroidVerifier, Expected, HardwareLevel, RevocationList,
    TrustAnchor, TrustAnchors,
};

use crate::support::*;

fn err(r: Result<kyso_attest::AndroidAttestation, AndroidError>) -> AndroidError {
    match r {
        Ok(a) => panic!("accepted: {a:?}"),
        Err(e) => e,
    }
}

#[test]
fn the_default_chain_passes_every_rule_and_reports_tee() {
    let a = verify_spec(&ChainSpec::default()).expect("passes");
    assert_eq!(a.level, HardwareLevel::Tee);
    assert_eq!(a.root, "Kyso test root");
    assert_eq!(a.facts.challenge, NONCE);
    assert_eq!(a.facts.key.purposes, vec![value::PURPOSE_SIGN]);
    assert_eq!(a.facts.packages, vec![PACKAGE.to_string()]);
    assert_eq!(
        a.facts.verified_boot_state,
        Some(VerifiedBootState::Verified)
    );
    assert_eq!(
        kyso_api::SecurityLevel::from(a.level),
        kyso_api::SecurityLevel::TrustedEnvironment
    );
}

#[test]
fn strongbox_is_reported_and_a_mixed_record_reports_the_lower_level() {
    let a = verify_record(|r| {
        r.attestation_security_level = AsnSecurityLevel::StrongBox;
        r.keymint_security_level = AsnSecurityLevel::StrongBox;
    })
    .expect("passes");
    assert_eq!(a.level, HardwareLevel::StrongBox);
    assert_eq!(a.level.as_str(), "strongbox");
    assert_eq!(
        kyso_api::SecurityLevel::from(a.level),
        kyso_api::SecurityLevel::StrongBox
    );
    let a =
        verify_record(|r| r.keymint_security_level = AsnSecurityLevel::StrongBox).expect("passes");
    assert_eq!(a.level, HardwareLevel::Tee);
}

#[test]
fn pem_chains_are_read_like_der() {
    let pki = ChainSpec::default().build();
    let pem: Vec<String> = pki
        .chain
        .iter()
        .map(|der| {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD.encode(der);
            // 76-column lines, as device chains often come
            let lines: Vec<&str> = b64
                .as_bytes()
                .chunks(76)
                .map(|c| std::str::from_utf8(c).expect("ascii"))
                .collect();
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                lines.join("\n")
            )
        })
        .collect();
    let expected = Expected {
        challenge: NONCE,
        public_key: &pki.leaf_spki,
    };
    let v = verifier(RevocationList::empty());
    v.verify(&pem, &expected, now()).expect("PEM items");
    let bundle = pem.concat();
    v.verify(&[bundle], &expected, now())
        .expect("one PEM bundle");
}

// ---- chain_links ----

#[test]
fn chain_links_a_bad_leaf_signature() {
    let e = err(verify_spec(&ChainSpec {
        tamper_leaf_signature: true,
        ..Default::default()
    }));
    assert_eq!(e, AndroidError::ChainBroken { index: 0 });
    assert_eq!(e.rule(), Rule::ChainLinks);
}

#[test]
fn chain_links_an_issuer_that_is_not_a_ca() {
    let e = err(verify_spec(&ChainSpec {
        intermediate_ca: false,
        ..Default::default()
    }));
    assert_eq!(e, AndroidError::IssuerNotCa { index: 1 });
}

#[test]
fn chain_links_certificates_out_of_order() {
    let mut pki = ChainSpec::default().build();
    pki.chain.swap(1, 2);
    let e = verifier(RevocationList::empty())
        .verify(
            &pki.chain,
            &Expected {
                challenge: NONCE,
                public_key: &pki.leaf_spki,
            },
            now(),
        )
        .expect_err("refused");
    assert_eq!(e, AndroidError::ChainBroken { index: 0 });
}

#[test]
fn chain_links_are_by_signature_and_name_mismatches_are_reported() {
    // Some StrongBox implementations write an issuer name that is not their
    // batch certificate's subject; the signature is what links.
    let pki = ChainSpec {
        leaf_issuer: Some("serialNumber=697bc64b6cd4c01e,title=StrongBox".into()),
        ..Default::default()
    }
    .build();
    let exp = Expected {
        challenge: NONCE,
        public_key: &pki.leaf_spki,
    };
    let v = verifier(RevocationList::empty());
    v.verify(&pki.chain, &exp, now())
        .expect("linked by signature");
    assert_eq!(
        v.inspect(&pki.chain, &exp, now()).issuer_name_mismatches,
        vec![0]
    );
    assert!(
        v.inspect(&ChainSpec::default().build().chain, &exp, now())
            .issuer_name_mismatches
            .is_empty()
    );
}

#[test]
fn chain_links_undecodable_and_empty_chains() {
    let pki = ChainSpec::default().build();
    let mut chain = pki.chain.clone();
    chain[1].truncate(40);
    let v = verifier(RevocationList::empty());
    let exp = Expected {
        challenge: NONCE,
        public_key: &pki.leaf_spki,
    };
    assert_eq!(
        v.verify(&chain, &exp, now()),
        Err(AndroidError::CertificateMalformed { index: 1 })
    );
    assert_eq!(
        v.verify::<Vec<u8>>(&[], &exp, now()),
        Err(AndroidError::EmptyChain)
    );
    let long: Vec<Vec<u8>> = std::iter::repeat_n(pki.chain[1].clone(), 11).collect();
    assert_eq!(
        v.verify(&long, &exp, now()),
        Err(AndroidError::ChainTooLong { len: 11 })
    );
}

// ---- trusted_root ----

#[test]
fn trusted_root_another_root() {
    assert_eq!(
        err(verify_spec(&ChainSpec {
            untrusted_root: true,
            ..Default::default()
        })),
        AndroidError::UntrustedRoot
    );
}

#[test]
fn trusted_root_the_shipped_google_roots_do_not_trust_the_test_root() {
    let pki = ChainSpec::default().build();
    let v = AndroidVerifier::new(
        AndroidPolicy::new(PACKAGE, SIGNING_DIGEST),
        RevocationList::empty(),
    );
    let e = v
        .verify(
            &pki.chain,
            &Expected {
                challenge: NONCE,
                public_key: &pki.leaf_spki,
            },
            now(),
        )
        .expect_err("refused");
    assert_eq!(e, AndroidError::UntrustedRoot);
}

#[test]
fn trusted_root_chain_without_the_root_is_anchored_by_its_issuer() {
    let mut pki = ChainSpec::default().build();
    pki.chain.pop();
    let a = verifier(RevocationList::empty())
        .verify(
            &pki.chain,
            &Expected {
                challenge: NONCE,
                public_key: &pki.leaf_spki,
            },
            now(),
        )
        .expect("anchored by the root that signed the intermediate");
    assert_eq!(a.root, "Kyso test root");
}

#[test]
fn trusted_root_an_rsa_root_like_googles_legacy_root() {
    let spec = ChainSpec {
        root_key: Key::rsa(),
        ..Default::default()
    };
    let pki = spec.build();
    let mut anchors = TrustAnchors::default();
    anchors.push(TrustAnchor::new("RSA test root", pki.root.clone()).expect("anchor"));
    let mut v = verifier(RevocationList::empty());
    v.anchors = anchors;
    let exp = Expected {
        challenge: NONCE,
        public_key: &pki.leaf_spki,
    };
    assert_eq!(
        v.verify(&pki.chain, &exp, now()).expect("RSA root").root,
        "RSA test root"
    );
    // The same chain with the root's signature over the intermediate broken.
    let mut chain = pki.chain.clone();
    let n = chain[1].len();
    chain[1][n - 3] ^= 0x01;
    assert_eq!(
        v.verify(&chain, &exp, now()),
        Err(AndroidError::ChainBroken { index: 1 })
    );
}

// ---- validity ----

#[test]
fn validity_an_expired_leaf() {
    assert_eq!(
        err(verify_spec(&ChainSpec {
            leaf_validity: (days(-30), days(-1)),
            ..Default::default()
        })),
        AndroidError::CertificateNotValidNow { index: 0 }
    );
}

#[test]
fn validity_a_not_yet_valid_intermediate_beyond_the_clock_skew() {
    assert_eq!(
        err(verify_spec(&ChainSpec {
            intermediate_validity: (days(1), days(100)),
            ..Default::default()
        })),
        AndroidError::CertificateNotValidNow { index: 1 }
    );
    // Two minutes ahead of the gateway's clock is within the 5-minute skew.
    verify_spec(&ChainSpec {
        leaf_validity: (now() + std::time::Duration::from_secs(120), days(100)),
        ..Default::default()
    })
    .expect("within the skew");
}

#[test]
fn validity_an_expired_root_anchor() {
    let spec = ChainSpec {
        root_validity: (days(-3650), days(-1)),
        ..Default::default()
    };
    let pki = spec.build();
    let mut anchors = TrustAnchors::default();
    anchors.push(TrustAnchor::new("expired root", pki.root.clone()).expect("anchor"));
    let mut v = verifier(RevocationList::empty());
    v.anchors = anchors;
    let e = v
        .verify(
            &pki.chain,
            &Expected {
                challenge: NONCE,
                public_key: &pki.leaf_spki,
            },
            now(),
        )
        .expect_err("refused");
    assert_eq!(e, AndroidError::RootNotValidNow);
    assert_eq!(e.rule(), Rule::Validity);
}

#[test]
fn validity_an_expired_issue_of_a_root_whose_key_was_reissued_still_anchors() {
    // Devices carry Google's 2016 root issue (expired 2026-05-24); the same
    // key was re-issued until 2042. The chain's expired copy is not the anchor.
    let a = verify_spec(&ChainSpec {
        root_validity: (days(-3650), days(-30)),
        ..Default::default()
    })
    .expect("the valid anchor with the same key counts");
    assert_eq!(a.root, "Kyso test root");
}

// ---- revocation ----

#[test]
fn revocation_a_listed_intermediate_hex_serial() {
    let json =
        r#"{"entries": {"102030405060708": {"status": "REVOKED", "reason": "KEY_COMPROMISE"}}}"#;
    let pki = ChainSpec::default().build();
    let e = verifier(RevocationList::from_json(json).expect("list"))
        .verify(
            &pki.chain,
            &Expected {
                challenge: NONCE,
                public_key: &pki.leaf_spki,
            },
            now(),
        )
        .expect_err("refused");
    assert_eq!(
        e,
        AndroidError::Revoked {
            index: 1,
            serial_hex: "102030405060708".into(),
            status: "REVOKED".into(),
            reason: "KEY_COMPROMISE".into(),
        }
    );
}

#[test]
fn revocation_a_listed_intermediate_decimal_serial() {
    // 0x0102030405060708 = 72623859790382856
    let json =
        r#"{"entries": {"72623859790382856": {"status": "SUSPENDED", "reason": "SOFTWARE_FLAW"}}}"#;
    let pki = ChainSpec::default().build();
    let e = verifier(RevocationList::from_json(json).expect("list"))
        .verify(
            &pki.chain,
            &Expected {
                challenge: NONCE,
                public_key: &pki.leaf_spki,
            },
            now(),
        )
        .expect_err("refused");
    assert!(
        matches!(&e, AndroidError::Revoked { index: 1, status, .. } if status == "SUSPENDED"),
        "{e:?}"
    );
}

#[test]
fn revocation_other_serials_do_not_refuse() {
    let json = r#"{"entries": {"deadbeef": {"status": "REVOKED"}, "72623859790382857": {"status": "REVOKED"}}}"#;
    let pki = ChainSpec::default().build();
    verifier(RevocationList::from_json(json).expect("list"))
        .verify(
            &pki.chain,
            &Expected {
                challenge: NONCE,
                public_key: &pki.leaf_spki,
            },
            now(),
        )
        .expect("not listed");
}

// ---- key_description ----

#[test]
fn key_description_missing() {
    assert_eq!(
        err(verify_spec(&ChainSpec {
            record: None,
            ..Default::default()
        })),
        AndroidError::KeyDescriptionMissing
    );
}

#[test]
fn key_description_malformed() {
    let mut der = good_record().to_der().expect("der");
    der.truncate(der.len() - 5);
    assert_eq!(
        err(verify_spec(&ChainSpec {
            raw_record: Some(der),
            ..Default::default()
        })),
        AndroidError::KeyDescriptionMalformed
    );
}

#[test]
fn key_description_on_an_intermediate() {
    // The attack where a hardware key signs a forged leaf: its own
    // certificate, carrying a record, would sit inside the chain.
    assert_eq!(
        err(verify_spec(&ChainSpec {
            intermediate_record: true,
            ..Default::default()
        })),
        AndroidError::KeyDescriptionOutsideLeaf { index: 1 }
    );
}

// ---- the record's rules ----

#[test]
fn challenge_other_nonce() {
    assert_eq!(
        err(verify_record(|r| {
            r.attestation_challenge =
                der::asn1::OctetString::new(b"another nonce".to_vec()).expect("o")
        })),
        AndroidError::ChallengeMismatch
    );
}

#[test]
fn attestation_security_level_software() {
    assert_eq!(
        err(verify_record(
            |r| r.attestation_security_level = AsnSecurityLevel::Software
        )),
        AndroidError::AttestationSecurityLevel {
            found: AsnSecurityLevel::Software
        }
    );
}

#[test]
fn keymint_security_level_software() {
    assert_eq!(
        err(verify_record(
            |r| r.keymint_security_level = AsnSecurityLevel::Software
        )),
        AndroidError::KeyMintSecurityLevel {
            found: AsnSecurityLevel::Software
        }
    );
}

#[test]
fn algorithm_rsa() {
    assert_eq!(
        err(verify_record(
            |r| r.hardware_enforced.algorithm = Some(value::ALGORITHM_RSA)
        )),
        AndroidError::AlgorithmNotEc {
            found: Some(value::ALGORITHM_RSA)
        }
    );
}

#[test]
fn algorithm_only_software_enforced() {
    assert_eq!(
        err(verify_record(|r| {
            r.hardware_enforced.algorithm = None;
            r.software_enforced.algorithm = Some(value::ALGORITHM_EC);
        })),
        AndroidError::AlgorithmNotEc { found: None }
    );
}

#[test]
fn curve_p384() {
    assert_eq!(
        err(verify_record(|r| r.hardware_enforced.ec_curve = Some(2))),
        AndroidError::CurveNotP256 { found: Some(2) }
    );
}

#[test]
fn curve_absent_is_read_from_the_leaf_key() {
    // Keymaster 4 StrongBox omits ecCurve: a P-256 leaf key passes...
    verify_record(|r| r.hardware_enforced.ec_curve = None).expect("P-256 leaf");
    // ...a P-384 leaf key does not.
    let mut record = good_record();
    record.hardware_enforced.ec_curve = None;
    assert_eq!(
        err(verify_spec(&ChainSpec {
            record: Some(record),
            leaf_key: Key::p384(3),
            ..Default::default()
        })),
        AndroidError::CurveNotP256 { found: None }
    );
}

#[test]
fn key_size_384() {
    assert_eq!(
        err(verify_record(|r| r.hardware_enforced.key_size = Some(384))),
        AndroidError::KeySizeNot256 { found: Some(384) }
    );
}

#[test]
fn purpose_sign_and_verify() {
    assert_eq!(
        err(verify_record(
            |r| r.hardware_enforced.purpose = Some(vec![2, 3])
        )),
        AndroidError::PurposeNotSignOnly { found: vec![2, 3] }
    );
}

#[test]
fn purpose_agree_key_only() {
    assert_eq!(
        err(verify_record(
            |r| r.hardware_enforced.purpose = Some(vec![6])
        )),
        AndroidError::PurposeNotSignOnly { found: vec![6] }
    );
}

#[test]
fn origin_imported() {
    assert_eq!(
        err(verify_record(|r| r.hardware_enforced.origin = Some(2))),
        AndroidError::OriginNotGenerated { found: Some(2) }
    );
}

#[test]
fn no_auth_required_in_either_list() {
    assert_eq!(
        err(verify_record(
            |r| r.hardware_enforced.no_auth_required = true
        )),
        AndroidError::NoAuthRequired
    );
    assert_eq!(
        err(verify_record(
            |r| r.software_enforced.no_auth_required = true
        )),
        AndroidError::NoAuthRequired
    );
}

#[test]
fn user_auth_type_password_only() {
    assert_eq!(
        err(verify_record(
            |r| r.hardware_enforced.user_auth_type = Some(value::AUTH_PASSWORD)
        )),
        AndroidError::UserAuthNotBiometric {
            found: Some(value::AUTH_PASSWORD)
        }
    );
    // Biometric or device credential includes biometric.
    verify_record(|r| {
        r.hardware_enforced.user_auth_type = Some(value::AUTH_PASSWORD | value::AUTH_FINGERPRINT)
    })
    .expect("includes fingerprint");
}

#[test]
fn auth_timeout_a_window() {
    assert_eq!(
        err(verify_record(
            |r| r.hardware_enforced.auth_timeout = Some(30)
        )),
        AndroidError::AuthTimeoutNotPerUse { seconds: 30 }
    );
    verify_record(|r| r.hardware_enforced.auth_timeout = Some(0)).expect("0 is per use");
}

#[test]
fn verified_boot_unlocked_bootloader() {
    assert_eq!(
        err(verify_record(|r| {
            let rot = r.hardware_enforced.root_of_trust.as_mut().expect("rot");
            rot.device_locked = kyso_attest::key_description::LenientBool(false);
            rot.verified_boot_state = VerifiedBootState::Unverified;
        })),
        AndroidError::BootNotVerified {
            locked: Some(false),
            state: Some(VerifiedBootState::Unverified)
        }
    );
}

#[test]
fn verified_boot_can_be_left_to_the_unit_policy() {
    let mut record = good_record();
    record.hardware_enforced.root_of_trust = None;
    let pki = ChainSpec {
        record: Some(record),
        ..Default::default()
    }
    .build();
    let exp = Expected {
        challenge: NONCE,
        public_key: &pki.leaf_spki,
    };
    let mut v = verifier(RevocationList::empty());
    assert_eq!(
        v.verify(&pki.chain, &exp, now()),
        Err(AndroidError::BootNotVerified {
            locked: None,
            state: None
        })
    );
    v.policy.require_verified_boot = false;
    v.verify(&pki.chain, &exp, now()).expect("policy off");
}

#[test]
fn package_name_another_app() {
    assert_eq!(
        err(verify_record(|r| {
            r.software_enforced.attestation_application_id =
                Some(app_id(&["com.example.other"], &[SIGNING_DIGEST]))
        })),
        AndroidError::PackageMismatch {
            found: vec!["com.example.other".into()]
        }
    );
}

#[test]
fn package_name_shared_with_another_package() {
    let e = err(verify_record(|r| {
        r.software_enforced.attestation_application_id =
            Some(app_id(&[PACKAGE, "com.example.other"], &[SIGNING_DIGEST]))
    }));
    assert_eq!(e.rule(), Rule::PackageName);
}

#[test]
fn package_name_no_application_id() {
    assert_eq!(
        err(verify_record(|r| r
            .software_enforced
            .attestation_application_id = None)),
        AndroidError::ApplicationIdMissing
    );
}

#[test]
fn signing_certificate_another_signer() {
    assert_eq!(
        err(verify_record(|r| {
            r.software_enforced.attestation_application_id = Some(app_id(&[PACKAGE], &[[0x77; 32]]))
        })),
        AndroidError::SigningCertificateMismatch
    );
}

#[test]
fn public_key_not_the_csr_key() {
    let pki = ChainSpec::default().build();
    let other = Key::p256(8).spki_der();
    assert_eq!(
        verifier(RevocationList::empty()).verify(
            &pki.chain,
            &Expected {
                challenge: NONCE,
                public_key: &other,
            },
            now(),
        ),
        Err(AndroidError::PublicKeyMismatch)
    );
}

#[test]
fn public_key_from_a_csr() {
    use x509_cert::builder::{Builder, RequestBuilder};
    let Key::P256(k) = Key::p256(3) else {
        unreachable!()
    };
    let subject = "CN=Nguyen Van A".parse().expect("name");
    let csr = RequestBuilder::new(subject, &k)
        .expect("builder")
        .build::<p256::ecdsa::DerSignature>()
        .expect("csr");
    let spki = kyso_attest::csr_public_key(&csr.to_der().expect("der")).expect("csr key");
    let pki = ChainSpec::default().build();
    assert_eq!(spki, pki.leaf_spki);
    verifier(RevocationList::empty())
        .verify(
            &pki.chain,
            &Expected {
                challenge: NONCE,
                public_key: &spki,
            },
            now(),
        )
        .expect("the CSR's key is the attested key");
}

// ---- the report ----

#[test]
fn inspect_reports_every_rule_and_verify_returns_the_first_failure() {
    let mut record = good_record();
    record.hardware_enforced.purpose = Some(vec![2, 3]);
    record.hardware_enforced.no_auth_required = true;
    let pki = ChainSpec {
        record: Some(record),
        ..Default::default()
    }
    .build();
    let exp = Expected {
        challenge: NONCE,
        public_key: &pki.leaf_spki,
    };
    let v = verifier(RevocationList::empty());
    let report = v.inspect(&pki.chain, &exp, now());
    let rules: Vec<Rule> = report.outcomes.iter().map(|(r, _)| *r).collect();
    assert_eq!(rules, Rule::ALL.to_vec());
    let failed: Vec<Rule> = report
        .outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Fail(_)))
        .map(|(r, _)| *r)
        .collect();
    assert_eq!(failed, vec![Rule::Purpose, Rule::NoAuthRequired]);
    assert_eq!(
        v.verify(&pki.chain, &exp, now()),
        Err(AndroidError::PurposeNotSignOnly { found: vec![2, 3] })
    );
}

#[test]
fn every_error_has_a_code_a_rule_and_two_messages() {
    let all = [
        AndroidError::EmptyChain,
        AndroidError::ChainTooLong { len: 11 },
        AndroidError::CertificateMalformed { index: 0 },
        AndroidError::ChainBroken { index: 0 },
        AndroidError::IssuerNotCa { index: 1 },
        AndroidError::UntrustedRoot,
        AndroidError::CertificateNotValidNow { index: 0 },
        AndroidError::RootNotValidNow,
        AndroidError::Revoked {
            index: 1,
            serial_hex: "ab".into(),
            status: "REVOKED".into(),
            reason: "KEY_COMPROMISE".into(),
        },
        AndroidError::KeyDescriptionMissing,
        AndroidError::KeyDescriptionMalformed,
        AndroidError::KeyDescriptionOutsideLeaf { index: 1 },
        AndroidError::ChallengeMismatch,
        AndroidError::AttestationSecurityLevel {
            found: AsnSecurityLevel::Software,
        },
        AndroidError::KeyMintSecurityLevel {
            found: AsnSecurityLevel::Software,
        },
        AndroidError::AlgorithmNotEc { found: None },
        AndroidError::CurveNotP256 { found: None },
        AndroidError::KeySizeNot256 { found: None },
        AndroidError::PurposeNotSignOnly { found: vec![] },
        AndroidError::OriginNotGenerated { found: None },
        AndroidError::NoAuthRequired,
        AndroidError::UserAuthNotBiometric { found: None },
        AndroidError::AuthTimeoutNotPerUse { seconds: 1 },
        AndroidError::BootNotVerified {
            locked: None,
            state: None,
        },
        AndroidError::ApplicationIdMissing,
        AndroidError::PackageMismatch { found: vec![] },
        AndroidError::SigningCertificateMismatch,
        AndroidError::PublicKeyMismatch,
    ];
    let mut codes = std::collections::BTreeSet::new();
    let mut rules = std::collections::BTreeSet::new();
    for e in &all {
        assert!(codes.insert(e.code()), "duplicate code {}", e.code());
        rules.insert(e.rule());
        assert!(!e.message_en().is_empty() && !e.message_vi().is_empty());
        assert_ne!(e.message_en(), e.message_vi());
        assert_eq!(e.to_string(), e.message_en());
    }
    // Every rule has at least one error.
    assert_eq!(rules.len(), Rule::ALL.len());
}
