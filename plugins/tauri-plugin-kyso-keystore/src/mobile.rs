//! Android and iOS: every call goes to the native plugin
//! (`android/…/KeystorePlugin.kt`, `ios/Sources/KeystorePlugin.swift`) under
//! its lower-camel-case name, with the request serialized as the contract
//! says; a rejection comes back with its code (see [`crate::Error`]).

use serde::Serialize;
use serde::de::DeserializeOwned;
use tauri::plugin::{PluginApi, PluginHandle};
use tauri::{AppHandle, Runtime};

use crate::error::Result;
use crate::models::*;

#[cfg(target_os = "android")]
const PLUGIN_IDENTIFIER: &str = "app.kyso.keystore";

#[cfg(target_os = "ios")]
tauri::ios_plugin_binding!(init_plugin_kyso_keystore);

pub(crate) fn init<R: Runtime, C: DeserializeOwned>(
    _app: &AppHandle<R>,
    api: PluginApi<R, C>,
) -> Result<Keystore<R>> {
    #[cfg(target_os = "android")]
    let handle = api.register_android_plugin(PLUGIN_IDENTIFIER, "KeystorePlugin")?;
    #[cfg(target_os = "ios")]
    let handle = api.register_ios_plugin(init_plugin_kyso_keystore)?;
    Ok(Keystore(handle))
}

/// Access to the keystore (mobile: the native plugin).
pub struct Keystore<R: Runtime>(PluginHandle<R>);

impl<R: Runtime> Keystore<R> {
    async fn run<T: DeserializeOwned>(
        &self,
        command: Command,
        payload: impl Serialize,
    ) -> Result<T> {
        Ok(self
            .0
            .run_mobile_plugin_async(command.native_name(), payload)
            .await?)
    }

    /// See [`Command::Status`].
    pub async fn status(&self) -> Result<Status> {
        self.run(Command::Status, ()).await
    }

    /// See [`Command::GenerateKey`].
    pub async fn generate_key(&self, req: GenerateKeyRequest) -> Result<GeneratedKey> {
        req.check()?;
        self.run(Command::GenerateKey, req).await
    }

    /// See [`Command::PublicKey`].
    pub async fn public_key(&self, req: AliasRequest) -> Result<PublicKey> {
        check_alias(&req.alias)?;
        self.run(Command::PublicKey, req).await
    }

    /// See [`Command::Sign`].
    pub async fn sign(&self, req: SignRequest) -> Result<Signature> {
        req.check()?;
        self.run(Command::Sign, req).await
    }

    /// See [`Command::DeleteKey`].
    pub async fn delete_key(&self, req: AliasRequest) -> Result<()> {
        check_alias(&req.alias)?;
        let _: Option<serde_json::Value> = self.run(Command::DeleteKey, req).await?;
        Ok(())
    }

    /// See [`Command::WrapKey`].
    pub async fn wrap_key(&self, req: WrapKeyRequest) -> Result<Wrapped> {
        req.check()?;
        self.run(Command::WrapKey, req).await
    }

    /// See [`Command::UnwrapKey`].
    pub async fn unwrap_key(&self, req: UnwrapKeyRequest) -> Result<Unwrapped> {
        req.check()?;
        self.run(Command::UnwrapKey, req).await
    }
}
