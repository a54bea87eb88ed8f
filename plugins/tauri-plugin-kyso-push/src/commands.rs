//! The commands JavaScript invokes (`plugin:kyso-push|NAME`); the app's
//! Rust side calls the same through [`crate::PushExt`].

use tauri::{AppHandle, Runtime, command};

use crate::PushExt;
use crate::error::Result;
use crate::models::*;

#[command]
pub(crate) async fn status<R: Runtime>(app: AppHandle<R>) -> Result<Status> {
    app.push().status().await
}

#[command]
pub(crate) async fn register<R: Runtime>(app: AppHandle<R>) -> Result<PushToken> {
    app.push().register().await
}
