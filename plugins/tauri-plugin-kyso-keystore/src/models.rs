//! The contract: commands, their argument and answer fields, and the
//! security levels, identical on every platform (the Kotlin, Swift and
//! TypeScript sides are checked against this file by the contract test).
//!
//! Wire conventions:
//!
//! * field names are camelCase;
//! * bytes travel as standard base64 (RFC 4648 §4, padded) strings;
//! * a public key is the DER `SubjectPublicKeyInfo` of the P-256 key
//!   (RFC 5480 §2: `id-ecPublicKey`, `secp256r1`, uncompressed point);
//! * a signature is the DER `Ecdsa-Sig-Value` (RFC 3279 §2.2.3,
//!   `SEQUENCE { r INTEGER, s INTEGER }`) of ECDSA P-256 over
//!   **SHA-256 of `data`**: the caller passes the bytes to sign (the DER of
//!   the CMS signed attributes), never a digest. Android's `SHA256withECDSA`,
//!   Apple's `.ecdsaSignatureMessageX962SHA256` and the desktop key all
//!   produce exactly this.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};

#[cfg(desktop)]
pub use kyso_client::Secret;

/// The plugin's commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `status()` → [`Status`].
    Status,
    /// `generate_key(alias, attestationChallenge)` → [`GeneratedKey`].
    GenerateKey,
    /// `public_key(alias)` → [`PublicKey`].
    PublicKey,
    /// `sign(alias, data, prompt)` → [`Signature`].
    Sign,
    /// `delete_key(alias)` → nothing (also when there was no key).
    DeleteKey,
    /// `wrap_key(alias, data)` → [`Wrapped`]: encrypts a small secret (the
    /// app's cache key) under a hardware key that needs no biometric prompt,
    /// made on first use. Rust only: never an IPC command (see
    /// [`Command::ipc`]).
    WrapKey,
    /// `unwrap_key(alias, wrapped)` → [`Unwrapped`]. Rust only.
    UnwrapKey,
}

impl Command {
    /// Every command.
    pub const ALL: [Command; 7] = [
        Command::Status,
        Command::GenerateKey,
        Command::PublicKey,
        Command::Sign,
        Command::DeleteKey,
        Command::WrapKey,
        Command::UnwrapKey,
    ];

    /// Whether the web view may invoke it (`plugin:kyso-keystore|<name>`,
    /// given a permission). Wrapping and unwrapping are not: an unwrapped
    /// cache key must never reach JavaScript, so they are called from the
    /// app's Rust only and have no IPC command, permission or TypeScript
    /// binding.
    pub fn ipc(self) -> bool {
        !matches!(self, Command::WrapKey | Command::UnwrapKey)
    }

    /// The name JavaScript invokes: `plugin:kyso-keystore|<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Command::Status => "status",
            Command::GenerateKey => "generate_key",
            Command::PublicKey => "public_key",
            Command::Sign => "sign",
            Command::DeleteKey => "delete_key",
            Command::WrapKey => "wrap_key",
            Command::UnwrapKey => "unwrap_key",
        }
    }

    /// The Kotlin/Swift method: the name in lower camel case, as Tauri itself
    /// converts it when it routes a command to a native plugin.
    pub fn native_name(self) -> &'static str {
        match self {
            Command::Status => "status",
            Command::GenerateKey => "generateKey",
            Command::PublicKey => "publicKey",
            Command::Sign => "sign",
            Command::DeleteKey => "deleteKey",
            Command::WrapKey => "wrapKey",
            Command::UnwrapKey => "unwrapKey",
        }
    }

    /// The argument fields every platform takes (camelCase, as on the wire).
    pub fn args(self) -> &'static [&'static str] {
        match self {
            Command::Status => &[],
            Command::GenerateKey => &["alias", "attestationChallenge"],
            Command::PublicKey | Command::DeleteKey => &["alias"],
            Command::Sign => &["alias", "data", "prompt"],
            Command::WrapKey => &["alias", "data"],
            Command::UnwrapKey => &["alias", "wrapped"],
        }
    }

    /// Arguments only the desktop backend reads (the phones ignore them).
    pub fn desktop_args(self) -> &'static [&'static str] {
        match self {
            Command::GenerateKey | Command::Sign => &["passphrase"],
            _ => &[],
        }
    }
}

/// Where a key lives. The gateway decides the level it records from the
/// attestation, not from this; the app shows it and the desktop build is
/// always [`SecurityLevel::Software`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecurityLevel {
    /// A software key (desktop).
    Software,
    /// Android TEE, or the iOS Secure Enclave.
    TrustedEnvironment,
    /// Android StrongBox (a separate secure chip).
    StrongBox,
}

impl SecurityLevel {
    /// Every level.
    pub const ALL: [SecurityLevel; 3] = [
        SecurityLevel::Software,
        SecurityLevel::TrustedEnvironment,
        SecurityLevel::StrongBox,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityLevel::Software => "software",
            SecurityLevel::TrustedEnvironment => "trustedEnvironment",
            SecurityLevel::StrongBox => "strongBox",
        }
    }
}

/// What `status` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Whether a key can be generated and used now.
    pub available: bool,
    /// The level a new key would get (the best the device has).
    pub security_level: SecurityLevel,
    /// Why not, when `available` is false (`biometryNotEnrolled`,
    /// `hardwareUnavailable`, `biometryLockout`).
    #[serde(default)]
    pub reason: Option<ErrorCode>,
}

/// `generate_key`: a new P-256 signing key under `alias`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateKeyRequest {
    /// The key's name: 1–64 of `A–Z a–z 0–9 . _ -`, not starting with `.`.
    pub alias: String,
    /// The gateway's enrollment nonce (1–128 bytes): Android puts it in the
    /// key attestation, iOS hashes it into the App Attest client data.
    #[serde(with = "b64")]
    pub attestation_challenge: Vec<u8>,
    /// Desktop: protect the key file with this passphrase (Argon2id →
    /// AES-256-GCM); without one the key goes to the OS keyring.
    #[cfg(desktop)]
    #[serde(skip)]
    pub passphrase: Option<Secret<String>>,
}

/// `public_key` and `delete_key`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AliasRequest {
    /// The key's name.
    pub alias: String,
}

/// `sign`: signs `data` with the key under `alias`, after the user's consent.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignRequest {
    /// The key's name.
    pub alias: String,
    /// The bytes to sign (at most 1 MiB); they are hashed with SHA-256.
    #[serde(with = "b64")]
    pub data: Vec<u8>,
    /// What the biometric prompt says (the document being signed).
    pub prompt: String,
    /// Desktop: the key file's passphrase (not needed for a keyring key).
    #[cfg(desktop)]
    #[serde(skip)]
    pub passphrase: Option<Secret<String>>,
}

/// What `generate_key` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneratedKey {
    /// The new key's `SubjectPublicKeyInfo`, DER.
    #[serde(with = "b64")]
    pub public_key: Vec<u8>,
    /// Where the key was made.
    pub security_level: SecurityLevel,
    /// Android: the key attestation certificate chain, leaf first, DER each
    /// (its KeyDescription carries the challenge); empty elsewhere.
    #[serde(default, with = "b64_list")]
    pub attestation_chain: Vec<Vec<u8>>,
    /// iOS, where App Attest is supported: the attestation of a fresh App
    /// Attest key and an assertion, both over
    /// `SHA-256(attestationChallenge ‖ publicKey)`.
    #[serde(default)]
    pub app_attest: Option<AppAttest>,
}

/// An App Attest key's attestation and an assertion made with it (DeviceCheck).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppAttest {
    /// The App Attest key identifier (base64, as Apple gives it).
    pub key_id: String,
    /// `attestKey(keyId, clientDataHash)`: the CBOR attestation object.
    #[serde(with = "b64")]
    pub attestation: Vec<u8>,
    /// `generateAssertion(keyId, clientDataHash)`: the CBOR assertion.
    #[serde(with = "b64")]
    pub assertion: Vec<u8>,
}

/// What `public_key` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    /// `SubjectPublicKeyInfo`, DER.
    #[serde(with = "b64")]
    pub public_key: Vec<u8>,
}

/// What `sign` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signature {
    /// DER `Ecdsa-Sig-Value` over SHA-256 of the data.
    #[serde(with = "b64")]
    pub signature: Vec<u8>,
}

/// `wrap_key`: encrypts `data` under the wrapping key `alias` (made on
/// first use: Android Keystore AES-256-GCM, StrongBox first; a Secure
/// Enclave P-256 key with ECIES on iOS; a software AES-256-GCM key on
/// desktop). The key needs no user authentication: the app unwraps its cache
/// key at start, without a prompt, and the key never leaves the hardware.
/// Use an alias of its own, never the signing key's.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WrapKeyRequest {
    /// The wrapping key's name.
    pub alias: String,
    /// The secret to wrap (1–[`MAX_WRAP`] bytes).
    #[serde(with = "b64")]
    pub data: Vec<u8>,
}

/// `unwrap_key`: the secret `wrap_key` wrapped under `alias`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnwrapKeyRequest {
    /// The wrapping key's name.
    pub alias: String,
    /// What `wrap_key` answered.
    #[serde(with = "b64")]
    pub wrapped: Vec<u8>,
}

/// What `wrap_key` answers: opaque bytes, only `unwrap_key` with the same
/// alias on the same device reads them (`keyNotFound` once the wrapping key
/// is gone, `invalidArgument` when they were altered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Wrapped {
    /// The wrapped secret.
    #[serde(with = "b64")]
    pub wrapped: Vec<u8>,
}

/// What `unwrap_key` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Unwrapped {
    /// The secret given to `wrap_key`.
    #[serde(with = "b64")]
    pub data: Vec<u8>,
}

/// Largest secret `wrap_key` takes (keys, not documents).
pub const MAX_WRAP: usize = 1024;

/// Largest `data` accepted by `sign` (signed attributes are a few hundred
/// bytes; the bound keeps the IPC small).
pub const MAX_DATA: usize = 1024 * 1024;
/// Largest attestation challenge (Android KeyMint's limit).
pub const MAX_CHALLENGE: usize = 128;

/// Checks an alias: 1–64 of `A–Z a–z 0–9 . _ -`, not starting with `.`
/// (it names a file on desktop and a keystore entry on the phones).
pub fn check_alias(alias: &str) -> Result<()> {
    let ok = (1..=64).contains(&alias.len())
        && !alias.starts_with('.')
        && alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "the alias {alias:?} is not 1–64 of A–Z a–z 0–9 . _ - (not starting with '.')"
        )))
    }
}

impl GenerateKeyRequest {
    /// A request for `alias` with the gateway's `challenge`.
    pub fn new(alias: impl Into<String>, challenge: impl Into<Vec<u8>>) -> Self {
        Self {
            alias: alias.into(),
            attestation_challenge: challenge.into(),
            ..Self::default()
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        check_alias(&self.alias)?;
        if !(1..=MAX_CHALLENGE).contains(&self.attestation_challenge.len()) {
            return Err(Error::invalid(format!(
                "the attestation challenge must have 1–{MAX_CHALLENGE} bytes"
            )));
        }
        Ok(())
    }
}

impl AliasRequest {
    /// A request naming `alias`.
    pub fn new(alias: impl Into<String>) -> Self {
        Self {
            alias: alias.into(),
        }
    }
}

impl SignRequest {
    /// A request to sign `data` with `alias`, showing `prompt`.
    pub fn new(
        alias: impl Into<String>,
        data: impl Into<Vec<u8>>,
        prompt: impl Into<String>,
    ) -> Self {
        Self {
            alias: alias.into(),
            data: data.into(),
            prompt: prompt.into(),
            ..Self::default()
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        check_alias(&self.alias)?;
        if self.data.is_empty() || self.data.len() > MAX_DATA {
            return Err(Error::invalid(format!(
                "the data to sign must have 1–{MAX_DATA} bytes"
            )));
        }
        if self.prompt.trim().is_empty() {
            return Err(Error::invalid("the prompt must say what is being signed"));
        }
        Ok(())
    }
}

impl WrapKeyRequest {
    /// A request to wrap `data` under `alias`.
    pub fn new(alias: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self {
            alias: alias.into(),
            data: data.into(),
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        check_alias(&self.alias)?;
        if self.data.is_empty() || self.data.len() > MAX_WRAP {
            return Err(Error::invalid(format!(
                "the secret to wrap must have 1–{MAX_WRAP} bytes"
            )));
        }
        Ok(())
    }
}

impl UnwrapKeyRequest {
    /// A request to unwrap `wrapped` with `alias`.
    pub fn new(alias: impl Into<String>, wrapped: impl Into<Vec<u8>>) -> Self {
        Self {
            alias: alias.into(),
            wrapped: wrapped.into(),
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        check_alias(&self.alias)?;
        // Wrapped secrets carry a nonce or an ephemeral key and a tag.
        if self.wrapped.len() < 28 || self.wrapped.len() > MAX_WRAP + 256 {
            return Err(Error::invalid("this is not a wrapped secret (wrong size)"));
        }
        Ok(())
    }
}

/// Decodes a base64 argument, naming it in the error.
pub(crate) fn decode_b64(what: &str, s: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|_| Error::invalid(format!("{what} is not standard base64")))
}

/// `Vec<u8>` as a standard base64 string.
pub(crate) mod b64 {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(serde::de::Error::custom)
    }
}

/// `Vec<Vec<u8>>` as a list of standard base64 strings.
pub(crate) mod b64_list {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            v.iter()
                .map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
        )
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(d)?
            .into_iter()
            .map(|s| {
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(serde::de::Error::custom)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_plain_names() {
        for good in ["device", "kyso-device.1", "A_b-9", &"x".repeat(64)] {
            assert!(check_alias(good).is_ok(), "{good} is a fine alias");
        }
        for bad in ["", ".hidden", "../escape", "a/b", "có dấu", &"x".repeat(65)] {
            assert_eq!(
                check_alias(bad).map_err(|e| e.code),
                Err(ErrorCode::InvalidArgument),
                "{bad:?} could escape the key directory or the keystore's namespace"
            );
        }
    }

    #[test]
    fn requests_serialize_exactly_the_contract_fields() {
        fn fields<T: Serialize>(v: &T) -> Vec<String> {
            let v = serde_json::to_value(v).expect("serializes");
            let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
            k.sort();
            k
        }
        fn args(c: Command) -> Vec<String> {
            let mut v: Vec<String> = c.args().iter().map(|s| s.to_string()).collect();
            v.sort();
            v
        }
        assert_eq!(
            fields(&GenerateKeyRequest::new("a", *b"n")),
            args(Command::GenerateKey),
            "what the native generateKey receives"
        );
        assert_eq!(
            fields(&SignRequest::new("a", *b"d", "p")),
            args(Command::Sign),
            "what the native sign receives (never a passphrase)"
        );
        assert_eq!(
            fields(&AliasRequest::new("a")),
            args(Command::PublicKey),
            "what publicKey and deleteKey receive"
        );
        assert_eq!(Command::PublicKey.args(), Command::DeleteKey.args());
        assert_eq!(
            fields(&WrapKeyRequest::new("a", *b"k")),
            args(Command::WrapKey),
            "what the native wrapKey receives"
        );
        assert_eq!(
            fields(&UnwrapKeyRequest::new("a", *b"w")),
            args(Command::UnwrapKey),
            "what the native unwrapKey receives"
        );
        let bytes = serde_json::to_value(SignRequest::new("a", *b"\x00\xff", "p")).expect("json");
        assert_eq!(bytes["data"], "AP8=", "bytes are standard padded base64");
    }
}
