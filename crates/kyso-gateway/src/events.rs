//! Per-user live events for Server-Sent Events: a broadcast channel per
//! user, created on first subscription. Events carry only ids and states.

use std::collections::HashMap;
use std::sync::Mutex;

use kyso_api::RequestEvent;
use tokio::sync::broadcast;

/// The event hub.
#[derive(Debug, Default)]
pub struct Events {
    channels: Mutex<HashMap<String, broadcast::Sender<RequestEvent>>>,
}

impl Events {
    /// Subscribes to a user's events.
    pub fn subscribe(&self, user_id: &str) -> broadcast::Receiver<RequestEvent> {
        let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(user_id.to_string())
            .or_insert_with(|| broadcast::channel(64).0)
            .subscribe()
    }

    /// Sends an event to a user's open connections (dropped when none).
    pub fn publish(&self, user_id: &str, ev: RequestEvent) {
        let map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = map.get(user_id) {
            let _ = tx.send(ev);
        }
    }
}
