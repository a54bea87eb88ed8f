//! Meetings on the tablet (DESIGN.md §4.6, issue 9): the meeting list, a
//! meeting with its agenda, the agenda documents (downloaded before the
//! meeting into the encrypted cache, opened and rendered like a request's),
//! opinions (queued on the device when the gateway cannot be reached and
//! sent exactly once, each with its own `Idempotency-Key`), presenting and
//! following the presenter (`presenter` events), and private notes.
//!
//! Notes and queued opinions are the leader's own work: they are kept per
//! user in `meetings/<user id>` under the data directory, sealed by the
//! cache's [`Vault`] (AES-256-GCM), outside `cache/` so that a logout does
//! not lose them. Notes never go to the gateway; `export_notes` writes them
//! to a file the leader chooses to keep.

use std::path::PathBuf;
use std::sync::Mutex;

use kyso_api::{
    ErrorCode, Meeting, MeetingSummary, NewOpinion, Opinion, OpinionKind, PresenterState,
    PresenterUpdate,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::error::{IpcError, Result};
use crate::model::{self, DocumentInfo, event};
use crate::state::{Kyso, or_cached};
use crate::vault::Vault;

/// Longest note, in characters.
pub const MAX_NOTE: usize = 10_000;

/// An opinion waiting for the gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedOpinion {
    /// Its `Idempotency-Key`: made once, kept until the gateway answers.
    pub key: String,
    /// The meeting.
    pub meeting_id: String,
    /// The agenda item.
    pub item_id: String,
    /// Agree, disagree or comment.
    pub kind: OpinionKind,
    /// The text, if any.
    pub text: Option<String>,
    /// When it was cast, RFC 3339.
    pub at: String,
}

/// A private note on a page of an agenda document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// The meeting.
    pub meeting_id: String,
    /// The agenda document.
    pub document_id: String,
    /// Page, from 1.
    pub page: u32,
    /// The note.
    pub text: String,
    /// Last change, RFC 3339.
    pub updated_at: String,
}

/// The leader's own meeting data on this device.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Private {
    #[serde(default)]
    opinions: Vec<QueuedOpinion>,
    #[serde(default)]
    notes: Vec<Note>,
}

/// `meetings/<user id>`, sealed.
#[derive(Debug)]
pub struct Notebook {
    dir: PathBuf,
    vault: Vault,
    lock: Mutex<()>,
}

impl Notebook {
    /// The notebooks in `dir`, sealed with `vault`.
    pub fn new(dir: PathBuf, vault: Vault) -> Self {
        Self {
            dir,
            vault,
            lock: Mutex::new(()),
        }
    }

    fn name(user_id: &str) -> Result<String> {
        let ok = !user_id.is_empty()
            && user_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| format!("user-{user_id}"))
            .ok_or_else(|| IpcError::internal("an unexpected user id"))
    }

    fn load(&self, user_id: &str) -> Result<Private> {
        let name = Self::name(user_id)?;
        let path = self.dir.join(&name);
        if !path.exists() {
            return Ok(Private::default());
        }
        // Present but unreadable (the cache key is gone): an error, not an
        // empty notebook that the next write would replace.
        let plain = self
            .vault
            .read(&self.dir, &name)
            .ok_or_else(|| IpcError::internal(format!("{} cannot be read", path.display())))?;
        serde_json::from_slice(&plain).map_err(|e| IpcError::internal(e.to_string()))
    }

    /// Reads, changes and writes back (sealed, atomically) `user_id`'s data.
    fn update<T>(&self, user_id: &str, f: impl FnOnce(&mut Private) -> Result<T>) -> Result<T> {
        let _one = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut p = self.load(user_id)?;
        let out = f(&mut p)?;
        let json = serde_json::to_vec(&p).map_err(|e| IpcError::internal(e.to_string()))?;
        self.vault.write(&self.dir, &Self::name(user_id)?, &json)?;
        Ok(out)
    }

    fn read(&self, user_id: &str) -> Result<Private> {
        let _one = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        self.load(user_id)
    }
}

/// The answer of `meetings`.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingList {
    /// Soonest first.
    pub meetings: Vec<Meeting>,
    /// When the list was fetched, RFC 3339.
    pub fetched_at: String,
    /// Whether it is the list kept from the last time (offline).
    pub from_cache: bool,
}

/// The answer of `meeting`: everything the meeting screen shows.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingView {
    /// The meeting.
    pub meeting: Meeting,
    /// The opinions so far (`null` offline).
    pub summary: Option<MeetingSummary>,
    /// The agenda documents already on this device (their ids).
    pub downloaded: Vec<String>,
    /// Opinions cast here and not yet recorded by the gateway.
    pub queued: Vec<QueuedOpinion>,
    /// This leader's notes in this meeting.
    pub notes: Vec<Note>,
    /// Whether the meeting is the one kept from the last time (offline).
    pub from_cache: bool,
}

/// The answer of `give_opinion`.
#[derive(Debug, Clone, Serialize)]
pub struct OpinionResult {
    /// As the gateway recorded it; `null` while queued.
    pub opinion: Option<Opinion>,
    /// Whether it waits in the device's queue (offline).
    pub queued: bool,
}

/// `meeting-download`: progress of `download_meeting`.
#[derive(Debug, Clone, Serialize)]
pub struct DownloadProgress {
    /// The meeting.
    pub meeting_id: String,
    /// Documents on the device so far.
    pub done: usize,
    /// Documents of the agenda.
    pub total: usize,
}

fn check_text(what: &str, text: &str, max: usize) -> Result<()> {
    if text.chars().count() > max {
        return Err(IpcError::invalid(format!(
            "{what} must have at most {max} characters"
        )));
    }
    Ok(())
}

impl Kyso {
    fn user_id(&self) -> Result<String> {
        Ok(self.session()?.user.id)
    }

    /// `meetings`: this leader's meetings; offline, the last list.
    pub async fn meetings<R: Runtime>(&self, app: &AppHandle<R>) -> Result<MeetingList> {
        let client = self.client()?;
        let fresh = self
            .seen(app, client.meetings().await, true)
            .and_then(|meetings| {
                let fetched_at = model::now_rfc3339();
                self.cache.put_meetings(&meetings, &fetched_at)?;
                Ok((meetings, fetched_at))
            });
        let ((meetings, fetched_at), from_cache) = or_cached(fresh, || self.cache.meetings())?;
        Ok(MeetingList {
            meetings,
            fetched_at,
            from_cache,
        })
    }

    /// `meeting`: the meeting, its opinions, what is on the device. Sends
    /// queued opinions first when the gateway answers.
    pub async fn meeting<R: Runtime>(&self, app: &AppHandle<R>, id: &str) -> Result<MeetingView> {
        let client = self.client()?;
        let user = self.user_id()?;
        let fresh = self
            .seen(app, client.meeting(id).await, true)
            .and_then(|m| {
                self.cache.put_meeting(&m)?;
                Ok(m)
            });
        let (meeting, from_cache) = or_cached(fresh, || self.cache.meeting(id))?;
        let summary = if from_cache {
            None
        } else {
            self.send_opinions(app).await?;
            match self.seen(app, client.meeting_summary(id).await, true) {
                Ok(s) => Some(s),
                Err(e) if e.is_offline() => None,
                Err(e) => return Err(e),
            }
        };
        let private = self.notebook.read(&user)?;
        let downloaded = meeting
            .agenda
            .iter()
            .flat_map(|i| i.documents.iter())
            .filter(|d| self.cache.has_document(&d.sha256))
            .map(|d| d.id.clone())
            .collect();
        Ok(MeetingView {
            summary,
            downloaded,
            queued: private
                .opinions
                .into_iter()
                .filter(|o| o.meeting_id == id)
                .collect(),
            notes: private
                .notes
                .into_iter()
                .filter(|n| n.meeting_id == id)
                .collect(),
            meeting,
            from_cache,
        })
    }

    /// The meeting `id` as last seen, else fetched.
    async fn known_meeting<R: Runtime>(&self, app: &AppHandle<R>, id: &str) -> Result<Meeting> {
        if let Some(m) = self.cache.meeting(id) {
            return Ok(m);
        }
        let client = self.client()?;
        let m = self.seen(app, client.meeting(id).await, true)?;
        self.cache.put_meeting(&m)?;
        Ok(m)
    }

    /// `download_meeting`: every agenda document into the encrypted cache
    /// (checked against the agenda's SHA-256), with `meeting-download`
    /// progress; the ids of the documents on the device.
    pub async fn download_meeting<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: &str,
    ) -> Result<Vec<String>> {
        let m = self.known_meeting(app, id).await?;
        let client = self.client()?;
        let docs: Vec<_> = m.agenda.iter().flat_map(|i| i.documents.iter()).collect();
        let total = docs.len();
        let mut done = Vec::with_capacity(total);
        let progress = |n: usize| {
            let _ = app.emit(
                event::MEETING_DOWNLOAD,
                DownloadProgress {
                    meeting_id: id.to_string(),
                    done: n,
                    total,
                },
            );
        };
        progress(0);
        for d in docs {
            if !self.cache.has_document(&d.sha256) {
                let bytes = self.seen(app, client.meeting_document(id, d).await, true)?;
                self.cache.put_document(&d.sha256, &bytes)?;
            }
            done.push(d.id.clone());
            progress(done.len());
        }
        Ok(done)
    }

    /// `open_meeting_document`: an agenda document from the cache, else
    /// downloaded (and kept), opened for `render_page` under its id.
    pub async fn open_meeting_document<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        meeting_id: &str,
        document_id: &str,
    ) -> Result<DocumentInfo> {
        let m = self.known_meeting(app, meeting_id).await?;
        let doc = m
            .agenda
            .iter()
            .flat_map(|i| i.documents.iter())
            .find(|d| d.id == document_id)
            .cloned()
            .ok_or_else(|| IpcError::invalid("no such document in this meeting"))?;
        let (bytes, cached) = match self.cache.document(&doc.sha256) {
            Some(b) => (b, true),
            None => {
                let client = self.client()?;
                let b = self.seen(app, client.meeting_document(meeting_id, &doc).await, true)?;
                self.cache.put_document(&doc.sha256, &b)?;
                (b, false)
            }
        };
        let size = bytes.len() as u64;
        let sha = doc.sha256.clone();
        let app2 = app.clone();
        let described = tauri::async_runtime::spawn_blocking(move || {
            app2.state::<Kyso>().render.open(&sha, bytes)
        })
        .await
        .map_err(|e| IpcError::internal(e.to_string()))??;
        Ok(DocumentInfo {
            id: doc.id,
            page_count: described.pages.len(),
            pages: described.pages,
            sha256: doc.sha256,
            size,
            cached,
            attachments: described.attachments,
        })
    }

    /// The SHA-256 of an opened document: a request's, an agenda
    /// document's or a signed PDF the clerk opened (`render_page` takes
    /// any of these ids).
    pub fn opened_sha(&self, id: &str) -> Option<String> {
        self.cache
            .request(id)
            .map(|r| r.document_sha256)
            .or_else(|| self.cache.meeting_document(id).map(|(_, d)| d.sha256))
            .or_else(|| self.desk.opened_sha(id))
    }

    /// `give_opinion`: kept in the device's queue first (so nothing is
    /// lost), then sent; offline it stays queued and goes with the next
    /// connection, exactly once (its `Idempotency-Key`).
    pub async fn give_opinion<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        meeting_id: &str,
        item_id: &str,
        kind: OpinionKind,
        text: Option<String>,
    ) -> Result<OpinionResult> {
        let user = self.user_id()?;
        let text = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        if let Some(t) = &text {
            check_text("the opinion", t, kyso_api::MAX_OPINION)?;
        }
        if text.is_none() && kind != OpinionKind::Agree {
            return Err(IpcError::invalid(
                "a disagree opinion or a comment needs a text",
            ));
        }
        let m = self.known_meeting(app, meeting_id).await?;
        if !m.agenda.iter().any(|i| i.id == item_id) {
            return Err(IpcError::invalid("no such agenda item in this meeting"));
        }
        let q = QueuedOpinion {
            key: uuid::Uuid::new_v4().to_string(),
            meeting_id: meeting_id.to_string(),
            item_id: item_id.to_string(),
            kind,
            text,
            at: model::now_rfc3339(),
        };
        self.notebook.update(&user, |p| {
            p.opinions.push(q.clone());
            Ok(())
        })?;
        let opinion = self.send_opinion(app, &user, &q).await?;
        Ok(OpinionResult {
            queued: opinion.is_none(),
            opinion,
        })
    }

    /// Sends one queued opinion; it leaves the queue once the gateway
    /// recorded it or refused it for good. It stays while there is no
    /// answer, while the gateway asks to come back later, and when the
    /// session has ended (it goes with the next login): `Ok(None)` then,
    /// with the reason in `Err` only for a refusal.
    async fn send_opinion<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        user: &str,
        q: &QueuedOpinion,
    ) -> Result<Option<Opinion>> {
        let client = self.client()?;
        let body = NewOpinion {
            kind: q.kind,
            text: q.text.clone(),
        };
        let r = client
            .give_opinion(&q.meeting_id, &q.item_id, &body, Some(&q.key))
            .await;
        let later = matches!(&r, Err(e) if e.is_retryable()
            || matches!(e, kyso_client::Error::Api { code: ErrorCode::Unauthorized, .. }));
        let r = self.seen(app, r, true);
        if later {
            if let Err(e) = &r {
                tracing::info!(code = e.code.as_str(), "a queued opinion waits");
            }
            return Ok(None);
        }
        self.notebook.update(user, |p| {
            p.opinions.retain(|o| o.key != q.key);
            Ok(())
        })?;
        r.map(Some)
    }

    /// Sends every queued opinion of this user, oldest first; stops at the
    /// first the gateway did not answer. Refusals are dropped (and logged).
    pub async fn send_opinions<R: Runtime>(&self, app: &AppHandle<R>) -> Result<()> {
        let user = self.user_id()?;
        let queued = self.notebook.read(&user)?.opinions;
        for q in queued {
            match self.send_opinion(app, &user, &q).await {
                Ok(Some(_)) => {}
                // The rest would wait the same way.
                Ok(None) => break,
                Err(e) => tracing::warn!(code = e.code.as_str(), "a queued opinion was refused"),
            }
        }
        Ok(())
    }

    /// `present`: shows a page to the followers (chair or delegate).
    pub async fn present<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        meeting_id: &str,
        update: PresenterUpdate,
    ) -> Result<PresenterState> {
        let (low, high) = kyso_api::ZOOM;
        if update.page < 1 || !(low..=high).contains(&update.zoom) {
            return Err(IpcError::invalid(format!(
                "page from 1, zoom from {low} to {high}"
            )));
        }
        let client = self.client()?;
        self.seen(app, client.present(meeting_id, &update).await, true)
    }

    /// `delegate_presenter`: the chair lets a participant present (or,
    /// `None`, takes it back); the meeting as it is now.
    pub async fn delegate_presenter<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        meeting_id: &str,
        user: Option<&str>,
    ) -> Result<Meeting> {
        let client = self.client()?;
        let m = self.seen(app, client.delegate_presenter(meeting_id, user).await, true)?;
        self.cache.put_meeting(&m)?;
        Ok(m)
    }

    /// `follow_meeting`: follows the presenter of `meeting_id` (one meeting
    /// at a time; `None` stops), emitting `presenter` for every newer
    /// state. The follower reconnects by itself across dropped connections
    /// and gateway restarts.
    pub fn follow_meeting<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        meeting_id: Option<&str>,
    ) -> Result<()> {
        let mut slot = self.following.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = slot.take() {
            h.abort();
        }
        let Some(id) = meeting_id else {
            return Ok(());
        };
        let mut follower = self.client()?.follow_meeting(id);
        let app = app.clone();
        *slot = Some(tauri::async_runtime::spawn(async move {
            loop {
                match follower.next().await {
                    Ok(s) => {
                        let _ = app.emit(event::PRESENTER, s);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "following the presenter stopped");
                        break;
                    }
                }
            }
        }));
        Ok(())
    }

    /// `save_note`: sets (or, empty, removes) the note on a page.
    pub fn save_note(
        &self,
        meeting_id: &str,
        document_id: &str,
        page: u32,
        text: &str,
    ) -> Result<Vec<Note>> {
        let user = self.user_id()?;
        if page < 1 {
            return Err(IpcError::invalid("pages count from 1"));
        }
        check_text("a note", text, MAX_NOTE)?;
        let text = text.trim();
        self.notebook.update(&user, |p| {
            p.notes.retain(|n| {
                !(n.meeting_id == meeting_id && n.document_id == document_id && n.page == page)
            });
            if !text.is_empty() {
                p.notes.push(Note {
                    meeting_id: meeting_id.to_string(),
                    document_id: document_id.to_string(),
                    page,
                    text: text.to_string(),
                    updated_at: model::now_rfc3339(),
                });
            }
            Ok(p.notes
                .iter()
                .filter(|n| n.meeting_id == meeting_id)
                .cloned()
                .collect())
        })
    }

    /// `export_notes`: this leader's notes of a meeting as a text file in
    /// the downloads folder (the documents folder on phones); its path.
    pub async fn export_notes<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        meeting_id: &str,
    ) -> Result<String> {
        let user = self.user_id()?;
        let m = self.known_meeting(app, meeting_id).await?;
        let notes: Vec<Note> = self
            .notebook
            .read(&user)?
            .notes
            .into_iter()
            .filter(|n| n.meeting_id == meeting_id)
            .collect();
        if notes.is_empty() {
            return Err(IpcError::invalid("there are no notes in this meeting"));
        }
        let text = notes_text(&m, &notes);
        let dir = self.export_dir(app)?;
        let name = format!(
            "kyso-ghi-chu-{}-{}.txt",
            m.starts_at.get(..10).unwrap_or("hop"),
            &m.id.get(..8).unwrap_or(&m.id)
        );
        let path = dir.join(name);
        kyso_client::store::write_private(&path, text.as_bytes())
            .map_err(|e| IpcError::internal(format!("{}: {e}", path.display())))?;
        Ok(path.display().to_string())
    }
}

/// The notes as a text the leader can read anywhere: the meeting, then per
/// document and page.
pub fn notes_text(m: &Meeting, notes: &[Note]) -> String {
    let mut out = format!(
        "GHI CHÚ CÁ NHÂN / PRIVATE NOTES\n{}\n{} – {}\n{}\n",
        m.title, m.starts_at, m.ends_at, m.place
    );
    for item in &m.agenda {
        for d in &item.documents {
            let mut mine: Vec<&Note> = notes.iter().filter(|n| n.document_id == d.id).collect();
            if mine.is_empty() {
                continue;
            }
            mine.sort_by_key(|n| n.page);
            out.push_str(&format!("\n== {} — {}\n", item.title, d.title));
            for n in mine {
                out.push_str(&format!("\n[Trang {}]\n{}\n", n.page, n.text));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting() -> Meeting {
        serde_json::from_value(serde_json::json!({
            "id": "m-1234567890", "title": "Phiên họp thường kỳ", "starts_at": "2026-03-02T08:00:00+07:00",
            "ends_at": "2026-03-02T11:00:00+07:00", "place": "Phòng họp số 1", "chair_id": "u1",
            "presenter_id": "u1", "participants": [], "external_id": null, "created_at": "2026-03-01T00:00:00Z",
            "agenda": [
                {"id": "i1", "title": "Kế hoạch", "draft_conclusion": null, "conclusion_request_id": null,
                 "documents": [{"id": "d1", "title": "Tờ trình", "pages": 4, "sha256": "00", "size": 1}]},
                {"id": "i2", "title": "Báo cáo", "draft_conclusion": null, "conclusion_request_id": null,
                 "documents": [{"id": "d2", "title": "Báo cáo quý", "pages": 2, "sha256": "11", "size": 1}]}
            ]
        }))
        .expect("a meeting")
    }

    fn note(doc: &str, page: u32, text: &str) -> Note {
        Note {
            meeting_id: "m-1234567890".into(),
            document_id: doc.into(),
            page,
            text: text.into(),
            updated_at: "2026-03-02T01:00:00Z".into(),
        }
    }

    #[test]
    fn exported_notes_follow_the_agenda_and_the_pages() {
        let text = notes_text(
            &meeting(),
            &[
                note("d2", 1, "Số liệu quý I?"),
                note("d1", 3, "Kinh phí"),
                note("d1", 1, "Mục tiêu"),
            ],
        );
        let (a, b, c) = (
            text.find("Mục tiêu").expect("d1 p1"),
            text.find("Kinh phí").expect("d1 p3"),
            text.find("Số liệu").expect("d2 p1"),
        );
        assert!(a < b && b < c, "agenda order, then pages: {text}");
        assert!(text.contains("== Kế hoạch — Tờ trình") && text.contains("[Trang 3]"));
    }

    #[test]
    fn notebooks_are_sealed_and_kept_per_user() {
        let dir = tempfile::tempdir().expect("tempdir");
        let vault = Vault::open(dir.path(), false).expect("vault");
        let book = Notebook::new(dir.path().join("meetings"), vault);
        book.update("u1", |p| {
            p.notes.push(note("d1", 1, "bí mật riêng"));
            Ok(())
        })
        .expect("written");
        assert_eq!(book.read("u1").expect("read").notes.len(), 1);
        assert!(book.read("u2").expect("another user").notes.is_empty());
        let raw = std::fs::read(dir.path().join("meetings/user-u1")).expect("file");
        assert!(
            !String::from_utf8_lossy(&raw).contains("riêng") && !raw.windows(2).any(|w| w == b"d1"),
            "sealed at rest"
        );
        assert!(Notebook::name("../x").is_err(), "no path in a user id");
        // Another key cannot read it: an error, not an empty notebook.
        let other = Vault::open(tempfile::tempdir().expect("t").path(), false).expect("vault");
        let book2 = Notebook::new(dir.path().join("meetings"), other);
        assert!(book2.read("u1").is_err());
        assert!(
            book2.update("u1", |_| Ok(())).is_err(),
            "and not overwritten"
        );
        assert_eq!(book.read("u1").expect("still there").notes.len(), 1);
    }
}
