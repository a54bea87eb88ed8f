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
