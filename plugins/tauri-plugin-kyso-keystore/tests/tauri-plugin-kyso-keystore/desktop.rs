//! The desktop backend with passphrase-encrypted key files.

use tauri_plugin_kyso_keystore::{
    AliasRequest, ErrorCode, GenerateKeyRequest, Secret, SecurityLevel, SignRequest,
    SoftwareKeystore,
};

use crate::assert_signature_verifies;

const PASSPHRASE: &str = "cụm mật khẩu của văn thư 2026";
const NONCE: &[u8] = b"gateway nonce 0123456789abcdef";

fn generate(ks: &SoftwareKeystore, alias: &str) -> tauri_plugin_kyso_keystore::GeneratedKey {
    let mut req = GenerateKeyRequest::new(alias, NONCE);
    req.passphrase = Some(Secret::from(PASSPHRASE));
    ks.generate_key(&req).expect("generates")
}

fn sign_with(
    ks: &SoftwareKeystore,
    alias: &str,
    data: &[u8],
    pass: Option<&str>,
) -> tauri_plugin_kyso_keystore::Result<Vec<u8>> {
    let mut req = SignRequest::new(alias, data, "Ký công văn 42/UBND-VP");
    req.passphrase = pass.map(Secret::from);
    ks.sign(&req).map(|s| s.signature)
}

fn code<T: std::fmt::Debug>(r: tauri_plugin_kyso_keystore::Result<T>) -> ErrorCode {
    r.expect_err("should fail").code
}

#[test]
fn file_keys_generate_sign_and_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ks = SoftwareKeystore::new(dir.path().join("keys"));
    let status = ks.status();
    assert!(status.available, "a software key can always be made");
    assert_eq!(
        status.security_level,
        SecurityLevel::Software,
        "and says so"
    );

    let key = generate(&ks, "device");
    assert_eq!(
        key.security_level,
        SecurityLevel::Software,
        "DESIGN §7.3: marked as software"
    );
    assert!(
        key.attestation_chain.is_empty() && key.app_attest.is_none(),
        "nothing to attest on desktop"
    );
    assert_eq!(
        ks.public_key(&AliasRequest::new("device"))
            .expect("reads")
            .public_key,
        key.public_key,
        "public_key answers the key generate_key made, without the passphrase"
    );

    let data = b"\x31\x81\x93 the DER of the CMS signed attributes";
    let sig = sign_with(&ks, "device", data, Some(PASSPHRASE)).expect("signs");
    assert_signature_verifies(&key.public_key, data, &sig);
    let again = sign_with(&ks, "device", data, Some(PASSPHRASE)).expect("signs");
    assert_signature_verifies(&key.public_key, data, &again);

    // Nothing secret in clear on disk; both files private.
    let record = std::fs::read_to_string(ks.dir().join("device.json")).expect("record");
    let file = std::fs::read_to_string(ks.dir().join("device.key")).expect("key file");
    assert!(
        record.contains("\"file\""),
        "the record says where the key is: {record}"
    );
    for text in [&record, &file] {
        assert!(!text.contains("PRIVATE KEY"), "no plaintext key: {text}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p).expect("exists").permissions().mode() & 0o777
        };
        assert_eq!(
            mode(&ks.dir().join("device.key")),
            0o600,
            "key file owner-only"
        );
        assert_eq!(
            mode(&ks.dir().join("device.json")),
            0o600,
            "record owner-only"
        );
        assert_eq!(mode(ks.dir()), 0o700, "key directory owner-only");
    }
}

#[test]
fn passphrases_are_required_and_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ks = SoftwareKeystore::new(dir.path());
    generate(&ks, "device");
    assert_eq!(
        code(sign_with(
            &ks,
            "device",
            b"data",
            Some("not the passphrase")
        )),
        ErrorCode::WrongPassphrase,
        "a wrong passphrase cannot decrypt the key"
    );
    assert_eq!(
        code(sign_with(&ks, "device", b"data", None)),
        ErrorCode::WrongPassphrase,
        "a file key without a passphrase: the app should ask for it"
    );

    let mut short = GenerateKeyRequest::new("short", NONCE);
    short.passphrase = Some(Secret::from("1234567"));
    assert_eq!(
        code(ks.generate_key(&short)),
        ErrorCode::InvalidArgument,
        "kyso-client's minimum passphrase length applies"
    );
    assert!(!ks.dir().join("short.json").exists(), "nothing left behind");
}

#[test]
fn deleted_keys_are_gone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ks = SoftwareKeystore::new(dir.path());
    generate(&ks, "device");
    ks.delete_key(&AliasRequest::new("device"))
        .expect("deletes");
    assert_eq!(
        code(sign_with(&ks, "device", b"data", Some(PASSPHRASE))),
        ErrorCode::KeyNotFound,
        "a deleted key signs nothing"
    );
    assert_eq!(
        code(ks.public_key(&AliasRequest::new("device"))),
        ErrorCode::KeyNotFound
    );
    assert_eq!(
        std::fs::read_dir(ks.dir()).expect("dir").count(),
        0,
        "record and key file removed"
    );
    ks.delete_key(&AliasRequest::new("device"))
        .expect("deleting what is not there is not an error");
    let new = generate(&ks, "device");
    let sig = sign_with(&ks, "device", b"data", Some(PASSPHRASE)).expect("the alias is free again");
    assert_signature_verifies(&new.public_key, b"data", &sig);
}

#[test]
fn keys_are_never_replaced_and_arguments_are_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ks = SoftwareKeystore::new(dir.path());
    let first = generate(&ks, "device");
    let mut again = GenerateKeyRequest::new("device", NONCE);
    again.passphrase = Some(Secret::from(PASSPHRASE));
    assert_eq!(
        code(ks.generate_key(&again)),
        ErrorCode::KeyExists,
        "an enrolled key is never overwritten"
    );
    assert_eq!(
        ks.public_key(&AliasRequest::new("device"))
            .expect("reads")
            .public_key,
        first.public_key,
        "still the first key"
    );

    let mut bad_alias = GenerateKeyRequest::new("../outside", NONCE);
    bad_alias.passphrase = Some(Secret::from(PASSPHRASE));
    assert_eq!(
        code(ks.generate_key(&bad_alias)),
        ErrorCode::InvalidArgument,
        "no path in an alias"
    );
    let mut no_challenge = GenerateKeyRequest::new("other", Vec::new());
    no_challenge.passphrase = Some(Secret::from(PASSPHRASE));
    assert_eq!(
        code(ks.generate_key(&no_challenge)),
        ErrorCode::InvalidArgument,
        "a challenge is required"
    );
    let mut long_challenge = GenerateKeyRequest::new("other", vec![7; 129]);
    long_challenge.passphrase = Some(Secret::from(PASSPHRASE));
    assert_eq!(
        code(ks.generate_key(&long_challenge)),
        ErrorCode::InvalidArgument,
        "KeyMint takes 128 bytes at most"
    );
    assert_eq!(
        code(sign_with(&ks, "device", b"", Some(PASSPHRASE))),
        ErrorCode::InvalidArgument,
        "nothing to sign"
    );
    let mut no_prompt = SignRequest::new("device", *b"data", " ");
    no_prompt.passphrase = Some(Secret::from(PASSPHRASE));
    assert_eq!(
        code(ks.sign(&no_prompt)),
        ErrorCode::InvalidArgument,
        "the prompt says what is signed"
    );
}

#[test]
fn a_swapped_key_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ks = SoftwareKeystore::new(dir.path());
    generate(&ks, "a");
    generate(&ks, "b");
    std::fs::copy(ks.dir().join("b.key"), ks.dir().join("a.key")).expect("swap");
    assert_eq!(
        code(sign_with(&ks, "a", b"data", Some(PASSPHRASE))),
        ErrorCode::Internal,
        "a key that is not the recorded one would sign for the wrong certificate"
    );
}

#[test]
fn wrapping_keys_round_trip_and_refuse_what_they_did_not_wrap() {
    use tauri_plugin_kyso_keystore::{UnwrapKeyRequest, WrapKeyRequest};
    let dir = tempfile::tempdir().expect("tempdir");
    let ks = SoftwareKeystore::new(dir.path().join("keys"));
    let secret = [0x5au8; 32];
    let unwrap = |alias: &str, w: &[u8]| ks.unwrap_key(&UnwrapKeyRequest::new(alias, w));
    assert_eq!(
        code(unwrap("cache", &[0u8; 60])),
        ErrorCode::KeyNotFound,
        "no wrapping key before the first wrap"
    );
    let w1 = ks
        .wrap_key(&WrapKeyRequest::new("cache", secret))
        .expect("wraps, making the key")
        .wrapped;
    let w2 = ks
        .wrap_key(&WrapKeyRequest::new("cache", secret))
        .expect("wraps again with the same key")
        .wrapped;
    assert_ne!(w1, w2, "a fresh nonce each time");
    assert!(
        !w1.windows(32).any(|w| w == secret),
        "the secret is not in the wrapped bytes"
    );
    assert_eq!(unwrap("cache", &w1).expect("unwraps").data, secret);
    assert_eq!(unwrap("cache", &w2).expect("unwraps").data, secret);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("keys/cache.wrap"))
            .expect("the wrapping key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "owner only");
    }

    let mut altered = w1.clone();
    *altered.last_mut().expect("bytes") ^= 1;
    assert_eq!(code(unwrap("cache", &altered)), ErrorCode::InvalidArgument);
    ks.wrap_key(&WrapKeyRequest::new("other", secret))
        .expect("a second wrapping key");
    assert_eq!(
        code(unwrap("other", &w1)),
        ErrorCode::InvalidArgument,
        "another alias's key cannot unwrap it"
    );
    assert_eq!(code(unwrap("cache", &w1[..20])), ErrorCode::InvalidArgument);
    assert_eq!(
        code(ks.wrap_key(&WrapKeyRequest::new("cache", Vec::new()))),
        ErrorCode::InvalidArgument
    );

    generate(&ks, "device");
    assert_eq!(
        code(ks.wrap_key(&WrapKeyRequest::new("device", secret))),
        ErrorCode::InvalidArgument,
        "the signing key never wraps"
    );

    ks.delete_key(&AliasRequest::new("cache"))
        .expect("deletes the wrapping key");
    assert_eq!(
        code(unwrap("cache", &w1)),
        ErrorCode::KeyNotFound,
        "what it wrapped is gone with it"
    );
}
