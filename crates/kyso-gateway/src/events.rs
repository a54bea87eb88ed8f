//! Live events for Server-Sent Events: a broadcast channel per user
//! (requests: ids and states only) and one per meeting (the presenter's
//! state), each created on first subscription.
//!
//! On shutdown the hub is closed: every stream ends, so the open SSE
//! connections finish and the graceful shutdown does not wait for them.

use std::collections::HashMap;
use std::sync::Mutex;

use kyso_api::{PresenterState, RequestEvent};
use tokio::sync::broadcast;

/// The channels, by user and by meeting.
#[derive(Debug, Default)]
struct Hubs {
    users: HashMap<String, broadcast::Sender<RequestEvent>>,
    meetings: HashMap<String, broadcast::Sender<PresenterState>>,
}

/// The event hub.
#[derive(Debug)]
pub struct Events {
    /// `None` once closed.
    channels: Mutex<Option<Hubs>>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            channels: Mutex::new(Some(Hubs::default())),
        }
    }
}

impl Events {
    /// Subscribes to a user's events; after [`Events::close`], a receiver
    /// that is closed at once.
    pub fn subscribe(&self, user_id: &str) -> broadcast::Receiver<RequestEvent> {
        let mut hub = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        match hub.as_mut() {
            Some(hubs) => hubs
                .users
                .entry(user_id.to_string())
                .or_insert_with(|| broadcast::channel(64).0)
                .subscribe(),
            None => broadcast::channel(1).1,
        }
    }

    /// Sends an event to a user's open connections (dropped when none).
    pub fn publish(&self, user_id: &str, ev: RequestEvent) {
        let hub = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = hub.as_ref().and_then(|hubs| hubs.users.get(user_id)) {
            let _ = tx.send(ev);
        }
    }

    /// Subscribes to a meeting's presenter states; after [`Events::close`],
    /// a receiver that is closed at once. Whoever calls it has checked
    /// that the caller takes part in the meeting.
    pub fn subscribe_meeting(&self, meeting_id: &str) -> broadcast::Receiver<PresenterState> {
        let mut hub = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        match hub.as_mut() {
            Some(hubs) => hubs
                .meetings
                .entry(meeting_id.to_string())
                .or_insert_with(|| broadcast::channel(64).0)
                .subscribe(),
            None => broadcast::channel(1).1,
        }
    }

    /// Sends a presenter state to a meeting's followers (dropped when none;
    /// the state is stored, so a later follower starts from it).
    pub fn publish_meeting(&self, meeting_id: &str, state: PresenterState) {
        let hub = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = hub.as_ref().and_then(|hubs| hubs.meetings.get(meeting_id)) {
            let _ = tx.send(state);
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

    fn page(n: u32) -> PresenterState {
        PresenterState {
            meeting_id: "m1".into(),
            document_id: "d1".into(),
            page: n,
            zoom: 1.0,
            presenter: "u1".into(),
            seq: u64::from(n),
            at: "2026-03-05T07:30:00Z".into(),
        }
    }

    #[tokio::test]
    async fn closing_ends_every_stream_and_later_ones() {
        let hub = Events::default();
        let mut a = hub.subscribe("u1");
        let mut b = hub.subscribe("u2");
        let mut m = hub.subscribe_meeting("m1");
        let mut other = hub.subscribe_meeting("m2");
        hub.publish("u1", event("r1"));
        hub.publish_meeting("m1", page(3));
        assert_eq!(a.recv().await.expect("delivered").request_id, "r1");
        assert_eq!(m.recv().await.expect("delivered").page, 3);
        assert!(
            other.try_recv().is_err(),
            "another meeting's page is not sent"
        );
        hub.close();
        assert!(matches!(a.recv().await, Err(RecvError::Closed)), "u1 ends");
        assert!(matches!(b.recv().await, Err(RecvError::Closed)), "u2 ends");
        assert!(matches!(m.recv().await, Err(RecvError::Closed)), "m1 ends");
        let mut late_m = hub.subscribe_meeting("m1");
        assert!(
            matches!(late_m.recv().await, Err(RecvError::Closed)),
            "a meeting subscription after the close ends at once"
        );
        hub.publish("u1", event("r2"));
        let mut late = hub.subscribe("u1");
        assert!(
            matches!(late.recv().await, Err(RecvError::Closed)),
            "a subscription after the close ends at once"
        );
    }
}
