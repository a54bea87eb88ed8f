//! Desktop: no push provider. The desktop app follows the gateway's
//! server-sent events and shows its own notifications (the app's
//! `notify.rs`); `status` says `unsupported` and `register` refuses with
//! that code, so a caller sees plainly why there is no token.

use std::marker::PhantomData;

use tauri::{AppHandle, Runtime};

use crate::error::{Error, ErrorCode, Result};
use crate::models::*;

pub(crate) fn init<R: Runtime>(_app: &AppHandle<R>) -> Push<R> {
    Push(PhantomData)
}

/// Push on desktop: unsupported.
pub struct Push<R: Runtime>(PhantomData<fn() -> R>);

impl<R: Runtime> Push<R> {
    /// `permission: unsupported`, no provider, no token.
    pub async fn status(&self) -> Result<Status> {
        Ok(Status {
            permission: Permission::Unsupported,
            provider: None,
            token: None,
        })
    }

    /// Always [`ErrorCode::Unsupported`].
    pub async fn register(&self) -> Result<PushToken> {
        Err(Error::new(
            ErrorCode::Unsupported,
            "push notifications exist on Android and iOS only; \
             the desktop app follows the gateway's events instead",
        ))
    }

    /// Nothing to listen to on desktop: no event is ever sent.
    pub(crate) fn listen(&self, _app: &AppHandle<R>, _on_event: Option<crate::OnEvent<R>>) {}
}
