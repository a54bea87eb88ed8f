#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use std::sync::Arc;

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, RunEvent, Runtime};

mod commands;
#[cfg(desktop)]
mod desktop;
mod error;
#[cfg(mobile)]
mod mobile;
mod models;

#[cfg(desktop)]
pub use desktop::Push;
pub use error::{Error, ErrorCode, Result};
#[cfg(mobile)]
pub use mobile::Push;
pub use models::*;

/// The plugin's name: commands are `plugin:kyso-push|<command>` and the
/// permissions `kyso-push:default`, `kyso-push:allow-register`, ….
pub const PLUGIN_NAME: &str = "kyso-push";

/// `app.push()` on [`tauri::App`], [`tauri::AppHandle`], windows and
/// webviews.
pub trait PushExt<R: Runtime> {
    /// The push state the plugin manages.
    fn push(&self) -> &Push<R>;
}

impl<R: Runtime, T: Manager<R>> PushExt<R> for T {
    fn push(&self) -> &Push<R> {
        self.state::<Push<R>>().inner()
    }
}

/// What the app does with a [`PushEvent`].
pub(crate) type OnEvent<R> = Arc<dyn Fn(&AppHandle<R>, PushEvent) + Send + Sync>;

/// The plugin with no event handler (the web view may still ask `status`
/// and `register`).
pub fn init<R: Runtime>() -> TauriPlugin<R> {
    Builder::new().build()
}

/// The plugin with settings.
pub struct Builder<R: Runtime> {
    on_event: Option<OnEvent<R>>,
}

impl<R: Runtime> Default for Builder<R> {
    fn default() -> Self {
        Self { on_event: None }
    }
}

impl<R: Runtime> Builder<R> {
    /// Default settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `f` with every [`PushEvent`]: [`PushEvent::Ready`] once the
    /// app's setup has run (events before it wait in the native side, so a
    /// tap that started the app is not lost), then tokens and taps as they
    /// come. Only valid taps and tokens arrive ([`PushEvent::from_native`]).
    /// On desktop nothing ever arrives.
    pub fn on_event<F>(mut self, f: F) -> Self
    where
        F: Fn(&AppHandle<R>, PushEvent) + Send + Sync + 'static,
    {
        self.on_event = Some(Arc::new(f));
        self
    }

    /// The plugin.
    pub fn build(self) -> TauriPlugin<R> {
        let on_event = self.on_event;
        tauri::plugin::Builder::new(PLUGIN_NAME)
            .invoke_handler(tauri::generate_handler![
                commands::status,
                commands::register
            ])
            .setup(|app, api| {
                #[cfg(mobile)]
                let push = mobile::init(app, api)?;
                #[cfg(desktop)]
                let push = {
                    let _ = api;
                    desktop::init(app)
                };
                app.manage(push);
                Ok(())
            })
            .on_event(move |app, event| {
                // After the app's own setup (it runs first on Ready), so
                // the app's state exists when the first tap arrives.
                if let RunEvent::Ready = event {
                    app.push().listen(app, on_event.clone());
                }
            })
            .build()
    }
}
