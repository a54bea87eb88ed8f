//! Android and iOS: commands go to the native plugin
//! (`android/…/PushPlugin.kt`, `ios/Sources/PushPlugin.swift`) under their
//! lower-camel-case names; events come back on a channel the Rust side
//! hands over once ([`SET_EVENT_HANDLER`]), after the app's setup. Until
//! then the native sides keep them (a tap that started the app).
//!
//! Type-checked here for `aarch64-linux-android` and `aarch64-apple-ios`
//! (`scripts/check-mobile`); never linked or run on a phone here.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tauri::ipc::{Channel, InvokeResponseBody};
use tauri::plugin::{PluginApi, PluginHandle};
use tauri::{AppHandle, Runtime};

use crate::OnEvent;
use crate::error::Result;
use crate::models::*;

#[cfg(target_os = "android")]
const PLUGIN_IDENTIFIER: &str = "app.kyso.push";

#[cfg(target_os = "ios")]
tauri::ios_plugin_binding!(init_plugin_kyso_push);

pub(crate) fn init<R: Runtime, C: DeserializeOwned>(
    _app: &AppHandle<R>,
    api: PluginApi<R, C>,
) -> Result<Push<R>> {
    #[cfg(target_os = "android")]
    let handle = api.register_android_plugin(PLUGIN_IDENTIFIER, "PushPlugin")?;
    #[cfg(target_os = "ios")]
    let handle = api.register_ios_plugin(init_plugin_kyso_push)?;
    Ok(Push(handle))
}

/// The argument of [`SET_EVENT_HANDLER`].
#[derive(Serialize)]
struct EventHandler {
    handler: Channel,
}

/// Push on the phones: the native plugin.
pub struct Push<R: Runtime>(PluginHandle<R>);

impl<R: Runtime> Push<R> {
    /// See [`Command::Status`].
    pub async fn status(&self) -> Result<Status> {
        Ok(self
            .0
            .run_mobile_plugin_async(Command::Status.native_name(), ())
            .await?)
    }

    /// See [`Command::Register`]. The token is checked before it is
    /// answered.
    pub async fn register(&self) -> Result<PushToken> {
        let t: PushToken = self
            .0
            .run_mobile_plugin_async(Command::Register.native_name(), ())
            .await?;
        t.check()?;
        Ok(t)
    }

    /// Hands the native side the channel its events come on, then sends
    /// [`PushEvent::Ready`].
    pub(crate) fn listen(&self, app: &AppHandle<R>, on_event: Option<OnEvent<R>>) {
        let events_app = app.clone();
        let events_fn = on_event.clone();
        let handler = Channel::new(move |body| {
            let event = match body {
                InvokeResponseBody::Json(s) => serde_json::from_str::<serde_json::Value>(&s)
                    .ok()
                    .as_ref()
                    .and_then(PushEvent::from_native),
                InvokeResponseBody::Raw(_) => None,
            };
            match (event, &events_fn) {
                (Some(ev), Some(f)) => f(&events_app, ev),
                (Some(_), None) => {}
                // Never the event itself: it may hold a token.
                (None, _) => eprintln!(
                    "kyso-push: warning: ignored a native event that is not a valid token or tap"
                ),
            }
            Ok(())
        });
        let handle = self.0.clone();
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let set: std::result::Result<serde_json::Value, _> = handle
                .run_mobile_plugin_async(SET_EVENT_HANDLER, EventHandler { handler })
                .await;
            if let Err(e) = set {
                eprintln!("kyso-push: the native side did not take the event handler: {e}");
                return;
            }
            if let Some(f) = on_event {
                f(&app, PushEvent::Ready);
            }
        });
    }
}
