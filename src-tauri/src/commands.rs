//! The IPC commands: one per row of the contract table in ui/README.md,
//! with exactly its names, argument names and answers (ui/src/ipc.ts). Each
//! is a few lines over [`Kyso`]; every gateway call, key operation and PDF
//! render happens in Rust. Errors are [`crate::IpcError`]: `{ code, message }`.
//! All are `async`, so none runs on the main (UI) thread.

use kyso_api::{
    Meeting, OpinionKind, PresenterState, PresenterUpdate, QuietHours, SigningRequest, User,
};
use kyso_client::Secret;
use tauri::{AppHandle, Runtime, State, command};

use crate::error::Result;
use crate::issuance::{CopyResult, IssueResult};
use crate::meetings::{MeetingList, MeetingView, Note, OpinionResult};
use crate::model::{
    AppState, DeviceInfo, DocumentInfo, Inbox, QueueStatus, ServerInfo, SignResult,
};
use crate::state::Kyso;

/// Every command, as invoked (the contract test checks this list against
/// build.rs, the capabilities and ui/src/ipc.ts).
pub const COMMANDS: [&str; 33] = [
    "app_state",
    "configure_server",
    "login",
    "logout",
    "enroll",
    "inbox",
    "request",
    "open_document",
    "render_page",
    "sign",
    "decline",
    "history",
    "queue_status",
    "flush_queue",
    "set_language",
    "quiet_hours",
    "set_quiet_hours",
    "remove_key",
    "meetings",
    "meeting",
    "download_meeting",
    "open_meeting_document",
    "give_opinion",
    "present",
    "delegate_presenter",
    "follow_meeting",
    "save_note",
    "export_notes",
    "issuance",
    "open_issuance_document",
    "issue",
    "save_issued",
    "make_copy",
];

/// The clerk's commands: in the desktop capability only (clerks work at a
/// desk; DESIGN.md §2), never granted to the phone and tablet web view.
pub const DESKTOP_ONLY: [&str; 5] = [
    "issuance",
    "open_issuance_document",
    "issue",
    "save_issued",
    "make_copy",
];

/// Everything the UI needs at start (no network).
#[command]
pub async fn app_state<R: Runtime>(app: AppHandle<R>, kyso: State<'_, Kyso>) -> Result<AppState> {
    kyso.app_state(&app).await
}

/// Sets the gateway after a pinned TLS round trip.
#[command]
pub async fn configure_server<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    url: String,
    pin: Option<String>,
) -> Result<ServerInfo> {
    kyso.configure_server(&app, &url, pin.as_deref()).await
}

/// Logs in; the session stays in Rust.
#[command]
pub async fn login<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    username: String,
    password: String,
) -> Result<User> {
    kyso.login(&app, &username, Secret::new(password)).await
}

/// Ends the session (the key stays).
#[command]
pub async fn logout(kyso: State<'_, Kyso>) -> Result<()> {
    kyso.logout();
    Ok(())
}

/// Makes the device key and enrolls it.
#[command]
pub async fn enroll<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    passphrase: Option<String>,
) -> Result<DeviceInfo> {
    kyso.enroll(&app, passphrase.map(Secret::new)).await
}

/// Pending requests (offline: the last list).
#[command]
pub async fn inbox<R: Runtime>(app: AppHandle<R>, kyso: State<'_, Kyso>) -> Result<Inbox> {
    kyso.inbox(&app).await
}

/// One request, fresh from the gateway.
#[command]
pub async fn request<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    id: String,
) -> Result<SigningRequest> {
    kyso.request(&app, &id).await
}

/// Opens a document (from the encrypted cache, else downloaded), checked.
#[command]
pub async fn open_document<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    id: String,
) -> Result<DocumentInfo> {
    kyso.open_document(&app, &id).await
}

/// One page as PNG bytes (an `ArrayBuffer` in JavaScript).
#[command]
pub async fn render_page<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    id: String,
    page: u32,
    width: u32,
) -> Result<tauri::ipc::Response> {
    let png = kyso.render_page(&app, &id, page, width).await?;
    Ok(tauri::ipc::Response::new(png))
}

/// Signs (prompt or passphrase), uploads or queues; emits `sign-progress`.
#[command]
pub async fn sign<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    id: String,
    passphrase: Option<String>,
) -> Result<SignResult> {
    kyso.sign(&app, &id, passphrase.map(Secret::new)).await
}

/// Returns the request with a reason.
#[command]
pub async fn decline<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    id: String,
    reason: String,
) -> Result<SigningRequest> {
    kyso.decline(&app, &id, &reason).await
}

/// Requests this leader signed or declined, newest first.
#[command]
pub async fn history(kyso: State<'_, Kyso>) -> Result<Vec<SigningRequest>> {
    kyso.history()
}

/// The offline queue now.
#[command]
pub async fn queue_status(kyso: State<'_, Kyso>) -> Result<QueueStatus> {
    kyso.queue_status().await
}

/// Uploads the queue now.
#[command]
pub async fn flush_queue<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
) -> Result<QueueStatus> {
    kyso.flush(&app).await
}

/// Language of the app's own texts.
#[command]
pub async fn set_language(kyso: State<'_, Kyso>, language: String) -> Result<()> {
    kyso.set_language(&language)
}

/// The leader's quiet hours (from the gateway).
#[command]
pub async fn quiet_hours<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
) -> Result<QuietHours> {
    kyso.quiet_hours(&app).await
}

/// Sets the leader's quiet hours: `HH:MM` both, or both `null` for none.
#[command]
pub async fn set_quiet_hours<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    start: Option<String>,
    end: Option<String>,
) -> Result<QuietHours> {
    kyso.set_quiet_hours(&app, QuietHours { start, end }).await
}

/// Deletes the device key and its certificate.
#[command]
pub async fn remove_key<R: Runtime>(app: AppHandle<R>, kyso: State<'_, Kyso>) -> Result<()> {
    kyso.remove_key(&app).await
}

/// This leader's meetings (offline: the last list).
#[command]
pub async fn meetings<R: Runtime>(app: AppHandle<R>, kyso: State<'_, Kyso>) -> Result<MeetingList> {
    kyso.meetings(&app).await
}

/// One meeting with its opinions, downloads, queued opinions and notes.
#[command]
pub async fn meeting<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    id: String,
) -> Result<MeetingView> {
    kyso.meeting(&app, &id).await
}

/// Every agenda document onto the device; emits `meeting-download`.
#[command]
pub async fn download_meeting<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    id: String,
) -> Result<Vec<String>> {
    kyso.download_meeting(&app, &id).await
}

/// Opens an agenda document (cache, else downloaded) for `render_page`.
#[command]
pub async fn open_meeting_document<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    meeting: String,
    document: String,
) -> Result<DocumentInfo> {
    kyso.open_meeting_document(&app, &meeting, &document).await
}

/// An opinion on an agenda item: sent, or queued offline (sent once).
#[command]
pub async fn give_opinion<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    meeting: String,
    item: String,
    kind: OpinionKind,
    text: Option<String>,
) -> Result<OpinionResult> {
    kyso.give_opinion(&app, &meeting, &item, kind, text).await
}

/// Shows a document page to the followers (the chair or the delegate).
#[command]
pub async fn present<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    meeting: String,
    document: String,
    page: u32,
    zoom: f64,
) -> Result<PresenterState> {
    let update = PresenterUpdate {
        document_id: document,
        page,
        zoom,
    };
    kyso.present(&app, &meeting, update).await
}

/// The chair lets a participant present (`null`: the chair alone again).
#[command]
pub async fn delegate_presenter<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    meeting: String,
    user: Option<String>,
) -> Result<Meeting> {
    kyso.delegate_presenter(&app, &meeting, user.as_deref())
        .await
}

/// Follows a meeting's presenter (`presenter` events); `null` stops.
#[command]
pub async fn follow_meeting<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    meeting: Option<String>,
) -> Result<()> {
    kyso.follow_meeting(&app, meeting.as_deref())
}

/// Sets (empty: removes) the private note on a page; the meeting's notes.
#[command]
pub async fn save_note(
    kyso: State<'_, Kyso>,
    meeting: String,
    document: String,
    page: u32,
    text: String,
) -> Result<Vec<Note>> {
    kyso.save_note(&meeting, &document, page, &text)
}

/// Writes the meeting's notes to a text file; its path.
#[command]
pub async fn export_notes<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    meeting: String,
) -> Result<String> {
    kyso.export_notes(&app, &meeting).await
}

/// The clerk's unit's signed requests waiting for issuance.
#[command]
pub async fn issuance<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
) -> Result<Vec<SigningRequest>> {
    kyso.issuance(&app).await
}

/// Opens the PDF the leader signed, for `render_page`.
#[command]
pub async fn open_issuance_document<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    id: String,
) -> Result<DocumentInfo> {
    kyso.open_issuance_document(&app, &id).await
}

/// Issues a signed request with its number and date (`YYYY-MM-DD`).
#[command]
pub async fn issue<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    id: String,
    number: String,
    date: String,
) -> Result<IssueResult> {
    kyso.issue(&app, &id, &number, &date).await
}

/// Saves the issued PDF in the downloads folder; its path.
#[command]
pub async fn save_issued<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    id: String,
) -> Result<String> {
    kyso.save_issued(&app, &id).await
}

/// Makes an electronic copy (`sao_y`, `sao_luc`) of an issued request
/// under its own number; saved in the downloads folder.
#[command]
pub async fn make_copy<R: Runtime>(
    app: AppHandle<R>,
    kyso: State<'_, Kyso>,
    id: String,
    kind: String,
    number: String,
) -> Result<CopyResult> {
    kyso.make_copy(&app, &id, &kind, &number).await
}
