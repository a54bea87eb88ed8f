//! The shipped trust anchors are the certificates we checked.

use kyso_attest::TrustAnchors;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn google_roots_are_pinned() {
    let anchors = TrustAnchors::google_hardware_attestation();
    let prints: Vec<String> = anchors
        .anchors()
        .iter()
        .map(|a| hex(&a.sha256_fingerprint()))
        .collect();
    assert_eq!(
        prints,
        [
            // RSA-4096 root f92009e853b6b045: 2019, 2021, 2022 issues (one key)
            "1ef1a04b8ba58ab94589ac498c8982a783f24ea7307e0159a0c3a73b377d87cc",
            "ab6641178a36e179aa0c1cdddf9a16eb45fa20943e2b8cd7c7c05c26cf8b487a",
            "cedb1cb6dc896ae5ec797348bce9286753c2b38ee71ce0fbe34a9a1248800dfc",
            // Key Attestation CA1, ECDSA P-384
            "6d9db4ce6c5c0b293166d08986e05774a8776ceb525d9e4329520de12ba4bcc0",
        ]
    );
    let keys: std::collections::BTreeSet<_> = anchors
        .anchors()
        .iter()
        .map(|a| {
            a.certificate()
                .tbs_certificate
                .subject_public_key_info
                .clone()
        })
        .map(|k| format!("{k:?}"))
        .collect();
    assert_eq!(keys.len(), 2, "one RSA key, one EC key");
    // All four are valid on 2026-11-21.
    assert!(
        anchors
            .anchors()
            .iter()
            .all(|a| a.valid_at(crate::support::now()))
    );
}

#[test]
fn apple_root_is_pinned() {
    let anchors = TrustAnchors::apple_app_attestation();
    assert_eq!(anchors.anchors().len(), 1);
    assert_eq!(
        hex(&anchors.anchors()[0].sha256_fingerprint()),
        "1cb9823ba28ba6ad2d33a006941de2ae4f513ef1d4e831b9f7e0fa7b6242c932"
    );
}
