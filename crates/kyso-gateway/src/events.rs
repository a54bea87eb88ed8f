//! Per-user live events for Server-Sent Events: a broadcast channel per
//! user, created on first subscription. Events carry only ids and states.
//!
//! On shutdown the hub is closed: every stream ends, so the open SSE
//! connections finish and the graceful shutdown does not wait for them.

use std::collections::HashMap;
use std::sync::Mutex;

use kyso_api::RequestEvent;
use tokio::sync::broadcast;

/// The event hub.
#[derive(Debug)]
pub struct Events {
    /// `None` once closed.
    channels: Mutex<Option<HashMap<String, broadcast::Sender<RequestEvent>>>>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            channels: Mutex::new(Some(HashMap::new())),
        }
    }
}

impl Events {
    /// Subscribes to a user's events; after [`Events::close`], a receiver
    /// that is closed at once.
    pub fn subscribe(&self, user_id: &str) -> broadcast::Receiver<RequestEvent> {
        let mut hub = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        match hub.as_mut() {
            Some(map) => map
                .entry(user_id.to_string())
                .or_insert_with(|| broadcast::channel(64).0)
                .subscribe(),
            None => broadcast::channel(1).1,
        }
    }

    /// Sends an event to a user's open connections (dropped when none).
    pub fn publish(&self, user_id: &str, ev: RequestEvent) {
        let hub = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = hub.as_ref().and_then(|map| map.get(user_id)) {
            let _ = tx.send(ev);
        }
    }

    /// Ends every subscription, now and to come (the server is stopping).
    pub fn close(&self) {
        self.channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyso_api::{RequestStatus, Urgency};
    use tokio::sync::broadcast::error::RecvError;

    fn event(id: &str) -> RequestEvent {
        RequestEvent {
            request_id: id.into(),
            status: RequestStatus::Pending,
            urgency: Urgency::Normal,
        }
    }

    #[tokio::test]
    async fn closing_ends_every_stream_and_later_ones() {
        let hub = Events::default();
        let mut a = hub.subscribe("u1");
        let mut b = hub.subscribe("u2");
        hub.publish("u1", event("r1"));
        assert_eq!(a.recv().await.expect("delivered").request_id, "r1");
        hub.close();
        assert!(matches!(a.recv().await, Err(RecvError::Closed)), "u1 ends");
        assert!(matches!(b.recv().await, Err(RecvError::Closed)), "u2 ends");
        hub.publish("u1", event("r2"));
        let mut late = hub.subscribe("u1");
        assert!(
            matches!(late.recv().await, Err(RecvError::Closed)),
            "a subscription after the close ends at once"
        );
    }
}
