//! Keeping up with the gateway, in the background (DESIGN.md §4.4, §4.5):
//!
//! * while there is a session, the gateway's server-sent events
//!   (`Client::events`) are forwarded to the web view as `request-changed`
//!   (kyso-api's `RequestEvent` as is), and the cached request's status
//!   follows;
//! * when the gateway becomes reachable (the event stream connects, or any
//!   command gets an answer after a failure), the upload queue is flushed;
//!   while connected, uploads still waiting are retried every 30 seconds;
//! * opinions cast in a meeting while offline are sent the same way
//!   ([`crate::meetings`]);
//! * every change of the queue or the connection is a `queue-changed`;
//! * a request new to the leader becomes a notification ([`crate::notify`]).
//!
//! Reconnection backs off from 1 to 30 seconds, and starts at once on a
//! login, a logout, or a command that found the gateway again.

use std::sync::atomic::Ordering;
use std::time::Duration;

use kyso_client::queue::QueueState;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::error::Result;
use crate::model::{QueueStatus, event};
use crate::state::{Kyso, emit_queue};

/// Retry of waiting uploads while connected.
const RETRY: Duration = Duration::from_secs(30);
/// Longest wait between reconnections.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Starts the background task.
pub fn spawn<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(run(app));
}

impl Kyso {
    /// Uploads what waits, oldest first, one flush at a time; stops at the
    /// first upload that got no answer. `offline` when the gateway could
    /// not be reached.
    pub async fn flush<R: Runtime>(&self, app: &AppHandle<R>) -> Result<QueueStatus> {
        let _one_at_a_time = self.flush_lock.lock().await;
        let client = self.client()?;
        let waiting: Vec<String> = self
            .queue
            .list()
            .await?
            .into_iter()
            .filter(|q| q.state == QueueState::Waiting)
            .map(|q| q.request_id)
            .collect();
        if waiting.is_empty() {
            return self.queue_status().await;
        }
        self.net.uploading.store(true, Ordering::SeqCst);
        emit_queue(app);
        let mut outcome = Ok(());
        for id in waiting {
            self.attempted(&id);
            let r = self.queue.deliver(&client, &id).await;
            let retry = matches!(&r, Err(e) if e.is_retryable());
            match self.seen(app, r, true) {
                Ok(now) => {
                    let _ = self.cache.put_request(&now);
                    self.set_last_error(None);
                }
                Err(e) if retry => {
                    // The rest would fail the same way.
                    outcome = Err(e);
                    break;
                }
                // Refused for good (signed elsewhere, cancelled, does not
                // verify): kept in the queue's database as `refused`, and
                // reported; the others go on.
                Err(e) => self.set_last_error(Some(e)),
            }
        }
        self.net.uploading.store(false, Ordering::SeqCst);
        emit_queue(app);
        match outcome {
            Ok(()) => self.queue_status().await,
            Err(e) => {
                self.set_last_error(Some(e.clone()));
                Err(e)
            }
        }
    }

    async fn has_waiting(&self) -> bool {
        self.queue.waiting().await.is_ok_and(|n| n > 0)
    }
}

async fn run<R: Runtime>(app: AppHandle<R>) {
    let mut backoff = Duration::from_secs(1);
    loop {
        let kyso = app.state::<Kyso>();
        let generation = kyso.generation();
        let Ok(client) = kyso.client() else {
            // No session: nothing to follow until a login.
            kyso.wake.notified().await;
            continue;
        };
        let events = client.events().await;
        let mut events = match kyso.seen(&app, events, true) {
            Ok(ev) => ev,
            Err(e) => {
                if !e.is_offline() && kyso.client().is_err() {
                    // The session ended (401): wait for a login.
                    continue;
                }
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = kyso.wake.notified() => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = Duration::from_secs(1);
        if kyso.has_waiting().await {
            let _ = kyso.flush(&app).await;
        }
        // Opinions cast in a meeting while offline.
        let _ = kyso.send_opinions(&app).await;
        let mut retry = tokio::time::interval(RETRY);
        retry.tick().await;
        loop {
            tokio::select! {
                e = events.next() => match e {
                    Some(Ok(ev)) => {
                        let cached = kyso.cache.request(&ev.request_id);
                        if kyso.notified.is_new(generation, &ev, cached.as_ref()) {
                            crate::notify::announce(&app, ev.clone(), generation);
                        }
                        let _ = kyso.cache.set_status(&ev.request_id, ev.status);
                        let _ = app.emit(event::REQUEST_CHANGED, ev);
                    }
                    // The stream ended or broke: reconnect (which finds out
                    // whether the gateway is still there).
                    Some(Err(_)) | None => break,
                },
                _ = kyso.wake.notified() => {
                    if kyso.generation() != generation {
                        break;
                    }
                    if kyso.has_waiting().await {
                        let _ = kyso.flush(&app).await;
                    }
                    let _ = kyso.send_opinions(&app).await;
                }
                _ = retry.tick() => {
                    if kyso.has_waiting().await {
                        let _ = kyso.flush(&app).await;
                    }
                    let _ = kyso.send_opinions(&app).await;
                }
            }
        }
    }
}
