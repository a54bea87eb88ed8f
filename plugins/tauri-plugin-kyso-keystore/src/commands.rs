//! The commands JavaScript invokes (`plugin:kyso-keystore|NAME`). Each one
//! unpacks its arguments into the request type and calls the keystore, on
//! every platform, so the app's Rust code and its web view see one contract.
//! Bytes arrive as base64 strings; `passphrase` is read by the desktop
//! backend only.

use tauri::{AppHandle, Runtime, command};

use crate::KeystoreExt;
use crate::error::Result;
use crate::models::*;

#[command]
pub(crate) async fn status<R: Runtime>(app: AppHandle<R>) -> Result<Status> {
    app.keystore().status().await
}

#[command]
pub(crate) async fn generate_key<R: Runtime>(
    app: AppHandle<R>,
    alias: String,
    attestation_challenge: String,
    passphrase: Option<String>,
) -> Result<GeneratedKey> {
    #[cfg(mobile)]
    let _ = passphrase;
    let req = GenerateKeyRequest {
        alias,
        attestation_challenge: decode_b64("attestationChallenge", &attestation_challenge)?,
        #[cfg(desktop)]
        passphrase: passphrase.map(Secret::from),
    };
    app.keystore().generate_key(req).await
}

#[command]
pub(crate) async fn public_key<R: Runtime>(app: AppHandle<R>, alias: String) -> Result<PublicKey> {
    app.keystore().public_key(AliasRequest { alias }).await
}

#[command]
pub(crate) async fn sign<R: Runtime>(
    app: AppHandle<R>,
    alias: String,
    data: String,
    prompt: String,
    passphrase: Option<String>,
) -> Result<Signature> {
    #[cfg(mobile)]
    let _ = passphrase;
    let req = SignRequest {
        alias,
        data: decode_b64("data", &data)?,
        prompt,
        #[cfg(desktop)]
        passphrase: passphrase.map(Secret::from),
    };
    app.keystore().sign(req).await
}

#[command]
pub(crate) async fn delete_key<R: Runtime>(app: AppHandle<R>, alias: String) -> Result<()> {
    app.keystore().delete_key(AliasRequest { alias }).await
}
