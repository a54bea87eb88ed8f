//! The answers and event payloads of the IPC contract (ui/README.md,
//! ui/src/ipc.ts), field for field. The gateway's own types (`SigningRequest`,
//! `User`, `RequestEvent`, …) cross as kyso-api defines them.

use kyso_api::{SecurityLevel, SigningRequest, User};
use serde::{Deserialize, Serialize};

use crate::error::IpcError;

/// `vi` or `en`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Tiếng Việt (the default).
    #[default]
    Vi,
    /// English.
    En,
}

/// The configured gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// Base URL (`https://host:port/`).
    pub url: String,
    /// `sha256/<base64>` of the gateway's SubjectPublicKeyInfo; `None` only
    /// for plain http on loopback.
    pub pin: Option<String>,
}

/// How the device key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStorage {
    /// In the phone's secure hardware (Android Keystore, Secure Enclave).
    Hardware,
    /// Desktop: in the OS keyring.
    OsKeyring,
    /// Desktop: in a passphrase-encrypted file.
    PassphraseFile,
}

/// The enrolled device and its key.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceInfo {
    /// The gateway's device id.
    pub device_id: String,
    /// Where the key lives, as the gateway recorded it.
    pub security_level: SecurityLevel,
    /// `android`, `ios`, `linux`, `windows`, `macos`.
    pub platform: String,
    /// Device model.
    pub model: String,
    /// How the key is kept.
    pub key_storage: KeyStorage,
    /// Device certificate serial, hex.
    pub certificate_serial: String,
    /// Its subject.
    pub certificate_subject: String,
    /// Its validity end (RFC 3339).
    pub certificate_not_after: String,
    /// When (RFC 3339).
    pub enrolled_at: String,
}

/// Whether the device may (`optional`) or must (`required`) keep its key in
/// a passphrase file; phones never ask (`none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PassphrasePolicy {
    /// Phones: the key is in hardware.
    None,
    /// Desktop with a usable OS keyring.
    Optional,
    /// Desktop without one.
    Required,
}

/// What a new key would get on this device.
#[derive(Debug, Clone, Serialize)]
pub struct KeystoreInfo {
    /// Whether a key can be made and used now.
    pub available: bool,
    /// Its level.
    pub security_level: SecurityLevel,
    /// See [`PassphrasePolicy`].
    pub passphrase: PassphrasePolicy,
    /// Why not available (a keystore code).
    pub reason: Option<String>,
}

/// One signed document waiting in the offline queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueuedUpload {
    /// The request.
    pub request_id: String,
    /// Its title (from the local cache; empty when unknown).
    pub title: String,
    /// Its number and symbol.
    pub number_symbol: Option<String>,
    /// SHA-256 of the signed PDF, hex.
    pub signed_sha256: String,
    /// RFC 3339.
    pub queued_at: String,
    /// Upload attempts so far.
    pub attempts: u32,
    /// RFC 3339, when an attempt was made.
    pub last_attempt_at: Option<String>,
}

/// The offline queue and the connection; also the `queue-changed` payload.
#[derive(Debug, Clone, Serialize)]
pub struct QueueStatus {
    /// Whether the gateway answered last time it was tried.
    pub online: bool,
    /// Whether an upload is under way.
    pub uploading: bool,
    /// What waits.
    pub items: Vec<QueuedUpload>,
    /// The last upload failure.
    pub last_error: Option<IpcError>,
}

/// Everything the UI needs at start.
#[derive(Debug, Clone, Serialize)]
pub struct AppState {
    /// The app's version.
    pub version: String,
    /// `linux`, `android`, ….
    pub platform: String,
    /// Language of the app's own texts.
    pub language: Language,
    /// The configured gateway.
    pub server: Option<ServerInfo>,
    /// The logged-in user.
    pub user: Option<User>,
    /// The enrolled device.
    pub device: Option<DeviceInfo>,
    /// The keystore.
    pub keystore: KeystoreInfo,
    /// The offline queue.
    pub queue: QueueStatus,
    /// A request a `kyso://request/<id>` link or a notification asked to
    /// show before the web view was listening for `open-request` (a link
    /// the app was started with); given once.
    pub open_request: Option<OpenRequest>,
}

/// kyso-pdf's finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable code.
    pub code: String,
    /// Vietnamese.
    pub vi: String,
    /// English.
    pub en: String,
}

/// The verification of the signed PDF, summarised from kyso-pdf's report.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationSummary {
    /// `TOTAL_PASSED`, `INDETERMINATE`, `TOTAL_FAILED`, `NO_SIGNATURE_FOUND`.
    pub indication: String,
    /// ETSI sub-indication.
    pub sub_indication: Option<String>,
    /// `strict` or `multi`.
    pub profile: String,
    /// Number of signatures.
    pub signatures: usize,
    /// Signer certificate subject.
    pub signer_subject: String,
    /// Its issuer.
    pub issuer_subject: String,
    /// Whether the chain reached a trust anchor.
    pub trusted: bool,
    /// `/M` (a claim).
    pub claimed_signing_time: Option<String>,
    /// A signature timestamp's time.
    pub timestamp_time: Option<String>,
    /// `whole_file`, `revision`, `partial`.
    pub coverage: String,
    /// SHA-256 of the signed PDF, hex.
    pub signed_sha256: String,
    /// What a reader should know.
    pub warnings: Vec<Finding>,
    /// What fails.
    pub errors: Vec<Finding>,
}

/// A page's size in points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PageSize {
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// A file embedded in the PDF.
#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// MIME type when the PDF says.
    pub mime: Option<String>,
}

/// An opened document.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentInfo {
    /// The request.
    pub id: String,
    /// Pages.
    pub page_count: usize,
    /// One entry per page.
    pub pages: Vec<PageSize>,
    /// SHA-256, hex (the request's `document_sha256`).
    pub sha256: String,
    /// Bytes.
    pub size: u64,
    /// Whether it came from the local cache.
    pub cached: bool,
    /// Embedded files.
    pub attachments: Vec<Attachment>,
}

/// The answer of `sign`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SignResult {
    /// Uploaded; the gateway verified and recorded it.
    Signed {
        /// The request now.
        request: Box<SigningRequest>,
        /// The verification of what was uploaded.
        verification: Box<VerificationSummary>,
    },
    /// Signed here; the upload waits in the queue.
    Queued {
        /// The request.
        request_id: String,
        /// SHA-256 of the signed PDF.
        signed_sha256: String,
        /// RFC 3339.
        queued_at: String,
    },
}

/// Where a `sign` call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignStage {
    /// Fetching and preparing the document.
    Preparing,
    /// The biometric prompt (or the passphrase check) is up.
    Authenticating,
    /// Assembling the signature.
    Finishing,
    /// Uploading.
    Uploading,
    /// Verifying what was uploaded.
    Verifying,
}

/// `sign-progress` payload.
#[derive(Debug, Clone, Serialize)]
pub struct SignProgress {
    /// The request.
    pub id: String,
    /// The stage.
    pub stage: SignStage,
}

/// `open-request` payload: what a link or a notification's action asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenRequest {
    /// The request to show.
    pub id: String,
    /// Show it, or show it with the sign sheet open.
    pub action: LinkAction,
}

/// What a link asks to do with its request: `kyso://request/<id>` shows it
/// (`view`, a notification's "Xem"), `kyso://request/<id>/sign` also opens
/// its sign sheet (`sign`, "Ký ngay"). Signing itself still needs the
/// confirmation and the key's prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkAction {
    /// Show the document.
    View,
    /// Show the document and its sign sheet.
    Sign,
}

/// `inbox` answer.
#[derive(Debug, Clone, Serialize)]
pub struct Inbox {
    /// Pending requests.
    pub requests: Vec<SigningRequest>,
    /// When fetched (RFC 3339).
    pub fetched_at: String,
    /// Whether this is the last list because the gateway was unreachable.
    pub from_cache: bool,
}

/// The app's events.
pub mod event {
    /// The gateway's SSE `request` event (kyso-api's `RequestEvent`).
    pub const REQUEST_CHANGED: &str = "request-changed";
    /// The queue or the connection changed ([`super::QueueStatus`]).
    pub const QUEUE_CHANGED: &str = "queue-changed";
    /// Show a request ([`super::OpenRequest`]).
    pub const OPEN_REQUEST: &str = "open-request";
    /// A `sign` call moved on ([`super::SignProgress`]).
    pub const SIGN_PROGRESS: &str = "sign-progress";
    /// The presenter of the meeting followed showed a page
    /// (kyso-api's `PresenterState`).
    pub const PRESENTER: &str = "presenter";
    /// `download_meeting` moved on ([`crate::meetings::DownloadProgress`]).
    pub const MEETING_DOWNLOAD: &str = "meeting-download";
    /// Every event.
    pub const ALL: [&str; 6] = [
        REQUEST_CHANGED,
        QUEUE_CHANGED,
        OPEN_REQUEST,
        SIGN_PROGRESS,
        PRESENTER,
        MEETING_DOWNLOAD,
    ];
}

/// RFC 3339 of now, UTC, seconds.
pub fn now_rfc3339() -> String {
    rfc3339(time::OffsetDateTime::now_utc())
}

/// RFC 3339 of `t`, UTC, whole seconds.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
