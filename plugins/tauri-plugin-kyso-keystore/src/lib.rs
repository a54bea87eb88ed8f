#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use std::path::PathBuf;

use tauri::plugin::TauriPlugin;
use tauri::{Manager, Runtime};

mod commands;
#[cfg(desktop)]
mod desktop;
mod error;
#[cfg(mobile)]
mod mobile;
mod models;

#[cfg(desktop)]
pub use desktop::{Keystore, SoftwareKeystore};
pub use error::{Error, ErrorCode, Result};
#[cfg(mobile)]
pub use mobile::Keystore;
pub use models::*;

/// The plugin's name: commands are `plugin:kyso-keystore|<command>` and the
/// permissions `kyso-keystore:default`, `kyso-keystore:allow-sign`, ….
pub const PLUGIN_NAME: &str = "kyso-keystore";

/// `app.keystore()` on [`tauri::App`], [`tauri::AppHandle`], windows and
/// webviews.
pub trait KeystoreExt<R: Runtime> {
    /// The keystore the plugin manages.
    fn keystore(&self) -> &Keystore<R>;
}

impl<R: Runtime, T: Manager<R>> KeystoreExt<R> for T {
    fn keystore(&self) -> &Keystore<R> {
        self.state::<Keystore<R>>().inner()
    }
}

/// The plugin with its defaults (desktop keys under the app's local data
/// directory, `keystore/`).
pub fn init<R: Runtime>() -> TauriPlugin<R> {
    Builder::new().build()
}

/// The plugin with settings.
#[derive(Debug, Default)]
pub struct Builder {
    key_dir: Option<PathBuf>,
}

impl Builder {
    /// Default settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Desktop: keep key records and key files in `dir` instead of
    /// `<app local data>/keystore`. The phones keep keys in their keystore
    /// and ignore it.
    pub fn key_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.key_dir = Some(dir.into());
        self
    }

    /// The plugin.
    pub fn build<R: Runtime>(self) -> TauriPlugin<R> {
        let key_dir = self.key_dir;
        tauri::plugin::Builder::new(PLUGIN_NAME)
            .invoke_handler(tauri::generate_handler![
                commands::status,
                commands::generate_key,
                commands::public_key,
                commands::sign,
                commands::delete_key
            ])
            .setup(move |app, api| {
                #[cfg(mobile)]
                let keystore = {
                    let _ = key_dir;
                    mobile::init(app, api)?
                };
                #[cfg(desktop)]
                let keystore = {
                    let _ = api;
                    desktop::init(app, key_dir)?
                };
                app.manage(keystore);
                Ok(())
            })
            .build()
    }
}
