//! Meetings (DESIGN.md §4.6): the calls a participant's tablet makes (its
//! meetings, the agenda documents, opinions, the summary, presenting and
//! following the presenter), and the creator's (a document system's key or
//! a clerk's session): creating a meeting, reading it and its minutes.

use std::time::Duration;

use kyso_api::{
    Meeting, MeetingDocument, MeetingSummary, NewMeeting, NewOpinion, Opinion, PresenterDelegation,
    PresenterState, PresenterUpdate,
};
use reqwest::Method;
use sha2::{Digest, Sha256};

use crate::client::{Client, MAX_DOCUMENT, SseStream};
use crate::error::{Error, Result};

impl Client {
    /// `POST /meetings`: creates a meeting with its agenda; `files` are the
    /// PDFs the agenda's documents refer to by position. With a document
    /// system's key or a clerk's session.
    pub async fn create_meeting(&self, meta: &NewMeeting, files: Vec<Vec<u8>>) -> Result<Meeting> {
        let json = serde_json::to_string(meta)
            .map_err(|e| Error::Protocol(format!("the meeting cannot be written as JSON: {e}")))?;
        let part = |p: reqwest::multipart::Part, mime: &str| {
            p.mime_str(mime)
                .map_err(|e| Error::Protocol(format!("multipart: {e}")))
        };
        let mut form = reqwest::multipart::Form::new().part(
            "metadata",
            part(reqwest::multipart::Part::text(json), "application/json")?,
        );
        for (i, f) in files.into_iter().enumerate() {
            form = form.part(
                "files",
                part(
                    reqwest::multipart::Part::bytes(f).file_name(format!("{i}.pdf")),
                    "application/pdf",
                )?,
            );
        }
        let rb = self
            .request(Method::POST, &["meetings"], true)?
            .multipart(form);
        self.json(rb).await
    }

    /// `GET /meetings/{id}`: a meeting this creator made.
    pub async fn created_meeting(&self, id: &str) -> Result<Meeting> {
        let rb = self.request(Method::GET, &["meetings", id], true)?;
        self.json(rb).await
    }

    /// `GET /meetings/{id}/summary`: the opinions of a meeting this creator
    /// made, with their authors (for the minutes).
    pub async fn meeting_minutes(&self, id: &str) -> Result<MeetingSummary> {
        let rb = self.request(Method::GET, &["meetings", id, "summary"], true)?;
        self.json(rb).await
    }

    /// `GET /device/meetings`: the meetings this user takes part in,
    /// soonest first.
    pub async fn meetings(&self) -> Result<Vec<Meeting>> {
        let rb = self.request(Method::GET, &["device", "meetings"], true)?;
        self.json(rb).await
    }

    /// `GET /device/meetings/{id}`.
    pub async fn meeting(&self, id: &str) -> Result<Meeting> {
        let rb = self.request(Method::GET, &["device", "meetings", id], true)?;
        self.json(rb).await
    }

    /// `GET /device/meetings/{id}/documents/{doc}`: an agenda document,
    /// refused unless its SHA-256 is the one the agenda gives (so a copy
    /// downloaded before the meeting can be trusted offline).
    pub async fn meeting_document(
        &self,
        meeting_id: &str,
        doc: &MeetingDocument,
    ) -> Result<Vec<u8>> {
        let rb = self.request(
            Method::GET,
            &["device", "meetings", meeting_id, "documents", &doc.id],
            true,
        )?;
        let bytes = self.bytes(rb, MAX_DOCUMENT).await?;
        let actual: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if !actual.eq_ignore_ascii_case(&doc.sha256) {
            return Err(Error::Protocol(format!(
                "the meeting document's SHA-256 is {actual}, but the agenda says {}",
                doc.sha256
            )));
        }
        Ok(bytes)
    }

    /// `POST /device/meetings/{id}/items/{item}/opinions`: agree, disagree
    /// (a text saying why is required) or comment. With `idempotency_key`
    /// (one per opinion, kept with it in an offline queue), sending it again
    /// answers the opinion recorded the first time instead of a second one.
    pub async fn give_opinion(
        &self,
        meeting_id: &str,
        item_id: &str,
        opinion: &NewOpinion,
        idempotency_key: Option<&str>,
    ) -> Result<Opinion> {
        let mut rb = self
            .request(
                Method::POST,
                &[
                    "device", "meetings", meeting_id, "items", item_id, "opinions",
                ],
                true,
            )?
            .json(opinion);
        if let Some(k) = idempotency_key {
            rb = rb.header("Idempotency-Key", k);
        }
        self.json(rb).await
    }

    /// `GET /device/meetings/{id}/summary`: counts and texts per agenda item.
    pub async fn meeting_summary(&self, meeting_id: &str) -> Result<MeetingSummary> {
        let rb = self.request(
            Method::GET,
            &["device", "meetings", meeting_id, "summary"],
            true,
        )?;
        self.json(rb).await
    }

    /// `POST /device/meetings/{id}/presenter`: shows `update` to every
    /// follower (the chair or the delegate only: others get `forbidden`).
    pub async fn present(
        &self,
        meeting_id: &str,
        update: &PresenterUpdate,
    ) -> Result<PresenterState> {
        let rb = self
            .request(
                Method::POST,
                &["device", "meetings", meeting_id, "presenter"],
                true,
            )?
            .json(update);
        self.json(rb).await
    }

    /// `POST /device/meetings/{id}/presenter/delegate`: the chair lets
    /// `presenter` (a participant's user id) present, or takes it back (`None`).
    pub async fn delegate_presenter(
        &self,
        meeting_id: &str,
        presenter: Option<&str>,
    ) -> Result<Meeting> {
        let rb = self
            .request(
                Method::POST,
                &["device", "meetings", meeting_id, "presenter", "delegate"],
                true,
            )?
            .json(&PresenterDelegation {
                presenter: presenter.map(str::to_string),
            });
        self.json(rb).await
    }

    /// `GET /device/meetings/{id}/events`: one connection to the
    /// presenter's channel (the current state first). See
    /// [`Client::follow_meeting`] for one that reconnects.
    pub async fn meeting_events(&self, meeting_id: &str) -> Result<PresenterEvents> {
        let rb = self.request(
            Method::GET,
            &["device", "meetings", meeting_id, "events"],
            true,
        )?;
        Ok(PresenterEvents {
            sse: self.event_stream(rb).await?,
            last_seq: 0,
        })
    }

    /// Follows the presenter of meeting `meeting_id` across dropped
    /// connections and gateway restarts (see [`MeetingFollower`]).
    pub fn follow_meeting(&self, meeting_id: &str) -> MeetingFollower {
        MeetingFollower {
            client: self.clone(),
            meeting_id: meeting_id.to_string(),
            stream: None,
            last_seq: 0,
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// The presenter's states on one connection, newest only: a state whose
/// `seq` is not above the last one given is dropped.
#[derive(Debug)]
pub struct PresenterEvents {
    sse: SseStream,
    last_seq: u64,
}

impl PresenterEvents {
    /// The next newer state; `None` when the server closes the stream.
    pub async fn next(&mut self) -> Option<Result<PresenterState>> {
        loop {
            match self.sse.next_json::<PresenterState>("presenter").await? {
                Ok(s) if s.seq <= self.last_seq => continue,
                Ok(s) => {
                    self.last_seq = s.seq;
                    return Some(Ok(s));
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// A follower of a meeting's presenter that survives the network and the
/// gateway: when the stream ends or the connection drops, it connects again
/// (waiting 100 ms, doubling up to a bound) and goes on from the current
/// state, skipping anything not newer than what it already gave. Errors
/// the gateway answers (the session expired, no such meeting for this
/// user) are returned: trying again would not help.
#[derive(Debug)]
pub struct MeetingFollower {
    client: Client,
    meeting_id: String,
    stream: Option<PresenterEvents>,
    last_seq: u64,
    max_backoff: Duration,
}

impl MeetingFollower {
    /// The longest wait between reconnection attempts (default 5 s).
    pub fn with_max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The `seq` of the last state given (0 before any).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The next newer presenter state, reconnecting as needed.
    pub async fn next(&mut self) -> Result<PresenterState> {
        let mut wait = Duration::from_millis(100);
        loop {
            if self.stream.is_none() {
                match self.client.meeting_events(&self.meeting_id).await {
                    Ok(mut s) => {
                        s.last_seq = self.last_seq;
                        self.stream = Some(s);
                    }
                    Err(e @ Error::Api { .. }) => return Err(e),
                    Err(Error::Transport(_)) => {
                        tokio::time::sleep(wait).await;
                        wait = (wait * 2).min(self.max_backoff);
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            let Some(stream) = self.stream.as_mut() else {
                continue;
            };
            match stream.next().await {
                Some(Ok(s)) => {
                    self.last_seq = s.seq;
                    return Ok(s);
                }
                Some(Err(Error::Transport(_))) | None => {
                    // The gateway went away or restarted: connect again.
                    self.stream = None;
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(self.max_backoff);
                }
                Some(Err(e)) => return Err(e),
            }
        }
    }
}
