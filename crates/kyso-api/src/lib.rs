#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod incoming;
pub use incoming::{EdxmlStatus, Incoming, IncomingStatusChange, IncomingWithHistory, NewIncoming};
mod meeting;
pub use meeting::{
    AgendaItem, ItemSummary, MAX_OPINION, Meeting, MeetingDocument, MeetingSummary, MeetingUpload,
    NewAgendaItem, NewMeeting, NewMeetingDocument, NewOpinion, Opinion, OpinionKind,
    PresenterDelegation, PresenterEventMessage, PresenterEventType, PresenterState,
    PresenterUpdate, ZOOM,
};
mod push;
pub use push::{
    PushCategory, PushPayload, PushProvider, PushRegistration, QUIET_TIME_PATTERN, QuietHours,
};

/// The closed set of error codes (`{ code, message }` on every error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed or a field is invalid.
    BadRequest,
    /// No or bad credentials.
    Unauthorized,
    /// Authenticated, but not allowed to do this to this resource.
    Forbidden,
    /// No such resource (or not visible to the caller).
    NotFound,
    /// The resource is not in a state that allows this (already signed, replay).
    Conflict,
    /// The body is larger than allowed.
    PayloadTooLarge,
    /// The uploaded signature does not verify; the report says why.
    VerificationFailed,
    /// Too many attempts; retry later.
    RateLimited,
    /// The gateway failed; nothing was changed.
    Internal,
}

/// The one error shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
}

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Lãnh đạo: signs or declines documents addressed to them.
    Leader,
    /// Văn thư: issues signed documents.
    Clerk,
    /// Quản trị: users, devices, keys, audit.
    Admin,
}

impl Role {
    /// The role's stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Clerk => "clerk",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "leader" => Some(Role::Leader),
            "clerk" => Some(Role::Clerk),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Tên đăng nhập.
    pub username: String,
    /// Mật khẩu.
    pub password: String,
}

/// A session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer …`.
    pub token: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
    /// Who logged in.
    pub user: User,
}

/// A user as others see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// Identifier.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Họ và tên.
    pub full_name: String,
    /// Chức vụ.
    pub title: String,
    /// Role.
    pub role: Role,
    /// The user's unit.
    pub unit_id: String,
}

/// `POST /api/v1/admin/users`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewUser {
    /// Login name.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub username: String,
    /// Họ và tên.
    pub full_name: String,
    /// Chức vụ.
    #[serde(default)]
    pub title: String,
    /// Role.
    pub role: Role,
    /// Unit.
    pub unit_id: String,
    /// Initial password.
    #[schema(min_length = 8)]
    pub password: String,
}

/// An organisation (cơ quan, đơn vị).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Unit {
    /// Identifier.
    pub id: String,
    /// Tên đơn vị.
    pub name: String,
    /// Parent unit.
    pub parent_id: Option<String>,
}

/// `POST /api/v1/admin/units`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewUnit {
    /// Tên đơn vị.
    #[schema(min_length = 1, max_length = 300, pattern = "\\S")]
    pub name: String,
    /// Parent unit.
    pub parent_id: Option<String>,
}

/// Độ khẩn (urgency) as Vietnamese documents mark it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Thường.
    Normal,
    /// Khẩn.
    Urgent,
    /// Thượng khẩn.
    VeryUrgent,
    /// Hỏa tốc.
    Flash,
}

/// Where the signature appearance goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Placement {
    /// 1-based page.
    pub page: u32,
    /// `[x, y, width, height]` in points.
    pub rect: [f64; 4],
}

/// The JSON part of a draft submission (multipart field `metadata`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DraftMetadata {
    /// Trích yếu / title.
    #[schema(min_length = 1, pattern = "\\S")]
    pub title: String,
    /// Số, ký hiệu (number/symbol), when already known.
    #[serde(default)]
    pub number_symbol: Option<String>,
    /// Loại văn bản: quyết định, công văn, tờ trình, giấy mời…
    #[schema(min_length = 1, pattern = "\\S")]
    pub document_type: String,
    /// Độ khẩn.
    pub urgency: Urgency,
    /// Deadline (RFC 3339).
    #[serde(default)]
    #[schema(format = DateTime)]
    pub deadline: Option<String>,
    /// Username of the leader who must sign.
    pub signer: String,
    /// Appearance placement; automatic when absent.
    #[serde(default)]
    pub placement: Option<Placement>,
    /// The document system's own identifier.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Where status changes are POSTed (HMAC-signed).
    #[serde(default)]
    #[schema(pattern = "^https?://")]
    pub callback_url: Option<String>,
}

/// `POST /api/v1/requests`: the draft as `multipart/form-data` (OpenAPI only;
/// the gateway reads the parts as they stream in).
#[derive(Debug, Clone, ToSchema)]
pub struct DraftUpload {
    /// The PDF to sign.
    #[schema(value_type = String, format = Binary, content_media_type = "application/pdf")]
    pub file: Vec<u8>,
    /// What the draft is and who signs it, as JSON.
    pub metadata: DraftMetadata,
}

/// A PDF document, as a request or response body (`application/pdf`).
#[derive(Debug, Clone, ToSchema)]
#[schema(value_type = String, format = Binary, content_media_type = "application/pdf")]
pub struct PdfDocument(pub Vec<u8>);

/// State of a signing request (DESIGN.md §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the leader.
    Pending,
    /// Signed by the leader; verified.
    Signed,
    /// Returned with a reason.
    Declined,
    /// Past its deadline.
    Expired,
    /// Withdrawn by the document system.
    Cancelled,
    /// Numbered and sealed by the clerk.
    Issued,
}

impl RequestStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Signed => "signed",
            RequestStatus::Declined => "declined",
            RequestStatus::Expired => "expired",
            RequestStatus::Cancelled => "cancelled",
            RequestStatus::Issued => "issued",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => RequestStatus::Pending,
            "signed" => RequestStatus::Signed,
            "declined" => RequestStatus::Declined,
            "expired" => RequestStatus::Expired,
            "cancelled" => RequestStatus::Cancelled,
            "issued" => RequestStatus::Issued,
            _ => return None,
        })
    }

    /// Whether nothing can happen any more except, for `signed`, issuance.
    pub fn is_final(self) -> bool {
        !matches!(self, RequestStatus::Pending | RequestStatus::Signed)
    }
}

/// A signing request as the integrator and the leader see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SigningRequest {
    /// Identifier.
    pub id: String,
    /// Trích yếu.
    pub title: String,
    /// Số, ký hiệu.
    pub number_symbol: Option<String>,
    /// Loại văn bản.
    pub document_type: String,
    /// Độ khẩn.
    pub urgency: Urgency,
    /// Deadline (RFC 3339).
    pub deadline: Option<String>,
    /// The leader who must sign.
    pub signer: User,
    /// Issuing unit.
    pub unit: Unit,
    /// State.
    pub status: RequestStatus,
    /// edXML processing status (01–06) for the interchange axis.
    pub edxml_status: String,
    /// SHA-256 of the issued document, hex.
    pub document_sha256: String,
    /// Its size in bytes.
    pub document_size: u64,
    /// SHA-256 of the signed document, once signed.
    pub signed_sha256: Option<String>,
    /// Why it was declined.
    pub decline_reason: Option<String>,
    /// Appearance placement.
    pub placement: Option<Placement>,
    /// The document system's identifier.
    pub external_id: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

/// What the clerk (văn thư) gives a signed request at issuance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IssueRequest {
    /// Số, ký hiệu, e.g. `12/UBND-VP`.
    pub number_symbol: String,
    /// Ngày ban hành, `YYYY-MM-DD`.
    pub date: String,
}

/// A request the clerk issued: numbered, dated and sealed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Issuance {
    /// The request, now `issued`.
    pub request: SigningRequest,
    /// Số, ký hiệu.
    pub number_symbol: String,
    /// Ngày ban hành, `YYYY-MM-DD`.
    pub date: String,
    /// SHA-256 of the issued PDF (the leader's signature, then the seal's), hex.
    pub issued_sha256: String,
    /// Who issued it (user name).
    pub issued_by: String,
    /// When (RFC 3339).
    pub issued_at: String,
}

/// The form of a copy (hình thức sao, Nghị định 30/2020, Điều 25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CopyKind {
    /// Sao y: an exact copy of the issued document.
    SaoY,
    /// Sao lục: a copy made from a copy (sao y) by an agency.
    SaoLuc,
}

impl CopyKind {
    /// The wire name (`sao_y`, `sao_luc`).
    pub fn as_str(self) -> &'static str {
        match self {
            CopyKind::SaoY => "sao_y",
            CopyKind::SaoLuc => "sao_luc",
        }
    }

    /// From the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "sao_y" => CopyKind::SaoY,
            "sao_luc" => CopyKind::SaoLuc,
            _ => return None,
        })
    }

    /// As the copy's signature shows it: `SAO Y`, `SAO LỤC`.
    pub fn label(self) -> &'static str {
        match self {
            CopyKind::SaoY => "SAO Y",
            CopyKind::SaoLuc => "SAO LỤC",
        }
    }
}

/// What the clerk asks for when making a copy of an issued document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CopyRequest {
    /// Sao y or sao lục.
    pub kind: CopyKind,
    /// The copy's own number and symbol, e.g. `05/SY-UBND`.
    pub number_symbol: String,
}

/// A copy (bản sao điện tử) of an issued document: the issued PDF with the
/// unit's seal signing once more in the copy style, then B-LTA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DocumentCopy {
    /// Identifier.
    pub id: String,
    /// The issued request it copies.
    pub request_id: String,
    /// Sao y or sao lục.
    pub kind: CopyKind,
    /// The copy's number and symbol.
    pub number_symbol: String,
    /// SHA-256 of the copy's PDF, hex (the latest version, after any
    /// re-timestamping).
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Who made it (user name).
    pub made_by: String,
    /// When (RFC 3339).
    pub made_at: String,
}

/// One step in a request's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    /// When (RFC 3339).
    pub at: String,
    /// Who: a username, `integrator:<name>` or `gateway`.
    pub actor: String,
    /// What: created, signed, declined, cancelled, upload_rejected, …
    pub action: String,
    /// Free text.
    pub detail: String,
}

/// A request with its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RequestWithHistory {
    /// The request.
    pub request: SigningRequest,
    /// Its history, oldest first.
    pub history: Vec<HistoryEntry>,
}

/// `POST /api/v1/device/requests/{id}/decline`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeclineRequest {
    /// Lý do trả lại.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// A challenge for enrollment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EnrollNonce {
    /// Base64 nonce, also the attestation challenge.
    pub nonce: String,
    /// Expiry (RFC 3339).
    pub expires_at: String,
}

/// Key security level of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SecurityLevel {
    /// A software key (desktop).
    Software,
    /// Android TEE / iOS Secure Enclave.
    TrustedEnvironment,
    /// Android StrongBox.
    StrongBox,
}

impl SecurityLevel {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityLevel::Software => "software",
            SecurityLevel::TrustedEnvironment => "trusted_environment",
            SecurityLevel::StrongBox => "strong_box",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "software" => SecurityLevel::Software,
            "trusted_environment" => SecurityLevel::TrustedEnvironment,
            "strong_box" => SecurityLevel::StrongBox,
            _ => return None,
        })
    }
}

/// `POST /api/v1/device/enroll`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EnrollRequest {
    /// The nonce from `GET /api/v1/device/enroll/nonce`.
    pub nonce: String,
    /// PKCS#10 CSR, PEM, signed by the new key.
    pub csr_pem: String,
    /// `android`, `ios`, `linux`, `windows`, `macos`.
    pub platform: String,
    /// Device model.
    #[serde(default)]
    pub model: String,
    /// Android key attestation chain (base64 DER, leaf first), when any.
    #[serde(default)]
    pub attestation_chain: Vec<String>,
    /// iOS App Attest evidence, when any: the app instance's attestation and
    /// an assertion over SHA-256(nonce ‖ the CSR's SubjectPublicKeyInfo).
    #[serde(default)]
    pub app_attest: Option<AppAttestEvidence>,
}

/// iOS App Attest evidence of an enrollment (`DCAppAttestService`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppAttestEvidence {
    /// The App Attest key id, base64 (as `generateKey` returns it).
    pub key_id: String,
    /// The CBOR attestation object, base64 (`attestKey`).
    pub attestation: String,
    /// The CBOR assertion, base64 (`generateAssertion`).
    pub assertion: String,
}

/// A device's certificate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EnrollResponse {
    /// The new device's identifier.
    pub device_id: String,
    /// Device certificate then the device CA, PEM.
    pub certificate_chain_pem: String,
    /// Recorded security level.
    pub security_level: SecurityLevel,
}

/// A device as administrators see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Device {
    /// Identifier.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Platform.
    pub platform: String,
    /// Model.
    pub model: String,
    /// Key security level.
    pub security_level: SecurityLevel,
    /// `active` or `revoked`.
    pub status: String,
    /// Certificate serial, hex.
    pub serial: String,
    /// Enrolled (RFC 3339).
    pub created_at: String,
    /// Last seen (RFC 3339).
    pub last_seen: Option<String>,
    /// Revoked (RFC 3339).
    pub revoked_at: Option<String>,
}

/// A new integrator key: shown once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IntegratorKeyCreated {
    /// Identifier.
    pub id: String,
    /// Name.
    pub name: String,
    /// The secret, for `Authorization: Bearer …`; stored only hashed.
    pub key: String,
    /// Secret for verifying webhook HMACs.
    pub webhook_secret: String,
}

/// `POST /api/v1/admin/integrator-keys`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewIntegratorKey {
    /// A name for the document system.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// Sequence number, from 1.
    pub seq: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub subject: String,
    /// Details.
    pub detail: String,
    /// Hash of the previous entry, hex.
    pub prev_hash: String,
    /// SHA-256 over this entry and `prev_hash`, hex.
    pub hash: String,
}

/// A webhook body (POSTed to the callback URL, `X-Kyso-Signature:
/// sha256=<hex HMAC-SHA256 of the body>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookEvent {
    /// Unique event id (for de-duplication on the receiver's side).
    pub event_id: String,
    /// The request.
    pub request_id: String,
    /// The document system's identifier.
    pub external_id: Option<String>,
    /// New state.
    pub status: RequestStatus,
    /// edXML status.
    pub edxml_status: String,
    /// When (RFC 3339).
    pub at: String,
}

/// A server-sent event for a user (`event: request`, JSON data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RequestEvent {
    /// The request that changed or appeared.
    pub request_id: String,
    /// Its state now.
    pub status: RequestStatus,
    /// Its urgency.
    pub urgency: Urgency,
}

/// One Server-Sent Event of `GET /api/v1/device/events` as the event stream
/// carries it (`event: request`, then `data:` with a [`RequestEvent`] as
/// JSON): the OpenAPI schema of each event in the stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RequestEventMessage {
    /// The event type.
    pub event: RequestEventType,
    /// A [`RequestEvent`], as JSON.
    #[schema(content_media_type = "application/json")]
    pub data: String,
}

/// The types of event on `GET /api/v1/device/events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestEventType {
    /// A request addressed to the user appeared or changed.
    Request,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_snake_case_on_the_wire() {
        let s = serde_json::to_string(&ErrorBody {
            code: ErrorCode::VerificationFailed,
            message: "x".into(),
        })
        .expect("serialises");
        assert_eq!(
            s, r#"{"code":"verification_failed","message":"x"}"#,
            "clients branch on these strings"
        );
    }

    #[test]
    fn stored_names_round_trip() {
        for r in [Role::Leader, Role::Clerk, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()), Some(r), "role {r:?}");
        }
        for s in [
            RequestStatus::Pending,
            RequestStatus::Signed,
            RequestStatus::Declined,
            RequestStatus::Expired,
            RequestStatus::Cancelled,
            RequestStatus::Issued,
        ] {
            assert_eq!(RequestStatus::parse(s.as_str()), Some(s), "status {s:?}");
        }
        assert_eq!(
            RequestStatus::parse("bogus"),
            None,
            "unknown names are refused"
        );
    }
}
