//! Enrollment with Android key attestation: a chain built by kyso-attest's
//! test PKI (a test root the gateway is configured to trust, a leaf with a
//! KeyDescription) is verified against the enrollment nonce and the CSR's
//! key; the device is recorded at the proven level; a unit can require
//! hardware keys.

use axum::http::StatusCode;
use base64::Engine;
use der::asn1::OctetString;
use kyso_attest::testing::{self, ChainSpec, Key};

use crate::support::*;

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

async fn nonce(gw: &Gw, token: &str) -> String {
    let r = get(gw, "/api/v1/device/enroll/nonce", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()["nonce"].as_str().expect("nonce").to_string()
}

fn signing_key(k: &Key) -> p256::ecdsa::SigningKey {
    match k {
        Key::P256(k) => k.clone(),
        _ => panic!("a P-256 test key"),
    }
}

/// An enrollment of the device key `seed` with an attestation chain whose
/// record carries `challenge` and whose leaf is key `leaf_seed`.
async fn enroll_android(
    gw: &Gw,
    token: &str,
    nonce: &str,
    challenge: &[u8],
    csr_seed: u8,
    leaf_seed: u8,
) -> Resp {
    let mut record = testing::good_record();
    record.attestation_challenge = OctetString::new(challenge.to_vec()).expect("octets");
    let pki = ChainSpec {
        record: Some(record),
        leaf_key: Key::p256(leaf_seed),
        ..ChainSpec::default()
    }
    .build();
    let csr = kyso_gateway::ca::csr_pem(&signing_key(&Key::p256(csr_seed)), "device").expect("csr");
    post_json(
        gw,
        "/api/v1/device/enroll",
        Some(token),
        serde_json::json!({
            "nonce": nonce, "csr_pem": csr, "platform": "android", "model": "Pixel (test)",
            "attestation_chain": pki.chain.iter().map(|c| b64(c)).collect::<Vec<_>>(),
        }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn android_keys_are_recorded_at_the_level_their_attestation_proves() {
    let gw = gateway_with(Backend::Sqlite, |c| {
        c.android_attestation = Some(testing::verifier(kyso_attest::RevocationList::empty()));
    })
    .await;
    let leader = login(&gw, "leader1").await;

    // The attested key, with the nonce as challenge: a TEE key.
    let n = nonce(&gw, &leader).await;
    let challenge = base64::engine::general_purpose::STANDARD
        .decode(&n)
        .expect("base64");
    let r = enroll_android(&gw, &leader, &n, &challenge, 21, 21).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.json()["security_level"], "trusted_environment");

    // A chain made for another challenge (a replayed attestation).
    let n = nonce(&gw, &leader).await;
    let r = enroll_android(&gw, &leader, &n, testing::NONCE, 22, 22).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        String::from_utf8_lossy(&r.body).contains("challenge"),
        "{}",
        String::from_utf8_lossy(&r.body)
    );

    // An attested key that is not the one in the CSR.
    let n = nonce(&gw, &leader).await;
    let challenge = base64::engine::general_purpose::STANDARD
        .decode(&n)
        .expect("base64");
    let r = enroll_android(&gw, &leader, &n, &challenge, 23, 24).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert!(
        String::from_utf8_lossy(&r.body).contains("public_key"),
        "{}",
        String::from_utf8_lossy(&r.body)
    );

    // No chain: a software key, and the devices list says so.
    let software = enroll(&gw, &leader).await;
    let admin = login(&gw, "admin").await;
    let devices = get(&gw, "/api/v1/admin/devices", Some(&admin)).await.json();
    let level_of = |id: &str| {
        devices
            .as_array()
            .expect("list")
            .iter()
            .find(|d| d["id"] == id)
            .map(|d| d["security_level"].clone())
    };
    assert_eq!(level_of(&software.id), Some("software".into()));
    assert_eq!(
        devices.as_array().expect("list").len(),
        2,
        "refused enrollments record nothing"
    );

    // The unit now takes hardware keys only.
    let unit = get(&gw, "/api/v1/admin/units", Some(&admin)).await.json()[0]["id"]
        .as_str()
        .expect("unit")
        .to_string();
    kyso_gateway::admin::set_unit_hardware_policy(&gw.state, "admin", &unit, true)
        .await
        .expect("policy");
    let n = nonce(&gw, &leader).await;
    let sk = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let csr = kyso_gateway::ca::csr_pem(&sk, "device").expect("csr");
    let r = post_json(
        &gw,
        "/api/v1/device/enroll",
        Some(&leader),
        serde_json::json!({"nonce": n, "csr_pem": csr, "platform": "linux", "model": "desktop"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&r.body).contains("secure hardware"));
    let n = nonce(&gw, &leader).await;
    let challenge = base64::engine::general_purpose::STANDARD
        .decode(&n)
        .expect("base64");
    let r = enroll_android(&gw, &leader, &n, &challenge, 25, 25).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
}

#[tokio::test]
async fn without_attestation_configured_every_key_is_software() {
    let gw = gateway().await;
    let leader = login(&gw, "leader1").await;
    let n = nonce(&gw, &leader).await;
    let challenge = base64::engine::general_purpose::STANDARD
        .decode(&n)
        .expect("base64");
    let r = enroll_android(&gw, &leader, &n, &challenge, 31, 31).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["security_level"], "software", "never overstated");
}

/// An iOS enrollment of the device key `csr_seed` whose App Attest evidence
/// (kyso-attest's test PKI) covers SHA-256(`challenge` ‖ the SPKI of key
/// `bound_seed`), as the keystore plugin's Swift side makes it.
async fn enroll_ios(
    gw: &Gw,
    token: &str,
    nonce: &str,
    challenge: &[u8],
    csr_seed: u8,
    bound_seed: u8,
) -> Resp {
    let pki = testing::app_attest_pki();
    let cdh = kyso_attest::apple::enrollment_client_data_hash(
        challenge,
        &Key::p256(bound_seed).spki_der(),
    );
    let attestation = testing::attestation(
        &pki,
        &testing::AttestationSpec {
            client_data_hash: cdh,
            ..Default::default()
        },
    );
    let assertion = testing::assertion(&pki.key, testing::APP_ID, 1, &cdh);
    let csr = kyso_gateway::ca::csr_pem(&signing_key(&Key::p256(csr_seed)), "device").expect("csr");
    post_json(
        gw,
        "/api/v1/device/enroll",
        Some(token),
        serde_json::json!({
            "nonce": nonce, "csr_pem": csr, "platform": "ios", "model": "iPhone (test)",
            "app_attest": {"key_id": b64(&pki.key_id), "attestation": b64(&attestation), "assertion": b64(&assertion)},
        }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ios_keys_bound_by_app_attest_are_recorded_as_secure_enclave() {
    let gw = gateway_with(Backend::Sqlite, |c| {
        c.app_attest = Some(kyso_gateway::state::AppAttest {
            config: kyso_attest::apple::AppAttestConfig {
                app_id: testing::APP_ID.into(),
                environment: kyso_attest::apple::Environment::Production,
            },
            anchors: testing::app_attest_pki().anchors,
        });
    })
    .await;
    let leader = login(&gw, "leader1").await;
    let decode = |n: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(n)
            .expect("base64")
    };

    let n = nonce(&gw, &leader).await;
    let r = enroll_ios(&gw, &leader, &n, &decode(&n), 41, 41).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.json()["security_level"], "trusted_environment");

    // Evidence made for another challenge (replayed from an earlier enrollment).
    let n = nonce(&gw, &leader).await;
    let r = enroll_ios(&gw, &leader, &n, testing::NONCE, 42, 42).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert!(String::from_utf8_lossy(&r.body).contains("App Attest"));

    // Evidence that binds another key than the CSR's.
    let n = nonce(&gw, &leader).await;
    let r = enroll_ios(&gw, &leader, &n, &decode(&n), 43, 44).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&r.body)
    );

    // Malformed evidence is refused with a clear error, not recorded.
    let n = nonce(&gw, &leader).await;
    let csr = kyso_gateway::ca::csr_pem(&signing_key(&Key::p256(45)), "device").expect("csr");
    let r = post_json(
        &gw,
        "/api/v1/device/enroll",
        Some(&leader),
        serde_json::json!({"nonce": n, "csr_pem": csr, "platform": "ios",
            "app_attest": {"key_id": "!!", "attestation": "", "assertion": ""}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&r.body).contains("key_id"));

    // An iPhone without App Attest evidence enrolls a software key.
    let n = nonce(&gw, &leader).await;
    let r = post_json(
        &gw,
        "/api/v1/device/enroll",
        Some(&leader),
        serde_json::json!({"nonce": n, "csr_pem": csr, "platform": "ios"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["security_level"], "software", "never overstated");

    let admin = login(&gw, "admin").await;
    let devices = get(&gw, "/api/v1/admin/devices", Some(&admin)).await.json();
    assert_eq!(
        devices.as_array().map(Vec::len),
        Some(2),
        "refused enrollments record nothing"
    );
}

#[tokio::test]
async fn without_app_attest_configured_ios_keys_are_software() {
    let gw = gateway().await;
    let leader = login(&gw, "leader1").await;
    let n = nonce(&gw, &leader).await;
    let challenge = base64::engine::general_purpose::STANDARD
        .decode(&n)
        .expect("base64");
    let r = enroll_ios(&gw, &leader, &n, &challenge, 51, 51).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["security_level"], "software", "never overstated");
}
