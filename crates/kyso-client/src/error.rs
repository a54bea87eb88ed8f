//! The client's one error type. Answers of the gateway keep its closed
//! [`ErrorCode`]; everything else says where it went wrong. Every variant has
//! an English message ([`std::fmt::Display`]) and a Vietnamese one
//! ([`Error::message_vi`]).

use kyso_api::{ErrorCode, RequestStatus};

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong talking to the gateway, storing secrets or signing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The gateway answered with an error (`{ code, message }`).
    #[error("the gateway refused ({}, HTTP {status}): {message}", code_name(*code))]
    Api {
        /// HTTP status.
        status: u16,
        /// The closed code programs branch on.
        code: ErrorCode,
        /// The gateway's message, for people.
        message: String,
        /// The verification report, for [`ErrorCode::VerificationFailed`].
        report: Option<serde_json::Value>,
    },
    /// The gateway's certificate does not carry the pinned public key.
    #[error("the gateway's public key does not match the pin (expected {expected}, got {found})")]
    PinMismatch {
        /// The pin, `sha256/<base64>`.
        expected: String,
        /// The key the server showed, `sha256/<base64>`.
        found: String,
    },
    /// The server URL is unusable (malformed, or plain HTTP to a remote host).
    #[error("{0}")]
    Url(String),
    /// No answer: connection, TLS or timeout.
    #[error("cannot reach the gateway: {0}")]
    Transport(String),
    /// An answer that is not what the API promises.
    #[error("unexpected answer from the gateway: {0}")]
    Protocol(String),
    /// The document downloaded is not the one the request describes.
    #[error(
        "the document's SHA-256 is {actual}, but the request says {expected}; refusing to sign"
    )]
    DocumentMismatch {
        /// `document_sha256` of the request.
        expected: String,
        /// SHA-256 of the bytes received.
        actual: String,
    },
    /// The request cannot be signed or declined in its current state.
    #[error("the request is {}, not pending (conflict)", .0.as_str())]
    NotPending(RequestStatus),
    /// Preparing or signing the PDF failed.
    #[error(transparent)]
    Pdf(#[from] kyso_pdf::Error),
    /// No session: log in first.
    #[error("not logged in{}; run `kyso client login` first", server_suffix(.0))]
    NotLoggedIn(Option<String>),
    /// The session has expired or was revoked.
    #[error("the session has expired; log in again")]
    SessionExpired,
    /// No enrolled device key.
    #[error("this device is not enrolled; run `kyso client enroll` first")]
    NotEnrolled,
    /// The key file's passphrase is wrong (or the file was altered).
    #[error("wrong passphrase for the key file {0} (or the file was altered)")]
    WrongPassphrase(String),
    /// The key file cannot be used.
    #[error("the key file {path}: {reason}")]
    KeyFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The OS keyring is not usable here.
    #[error("the OS keyring is not available: {0}")]
    Keyring(String),
    /// Reading or writing local state (session, certificate chain).
    #[error("{what} {path}: {reason}")]
    Storage {
        /// What the file is.
        what: &'static str,
        /// Where.
        path: String,
        /// The cause.
        reason: String,
    },
    /// Building keys, requests or certificates failed.
    #[error("{0}")]
    Crypto(String),
    /// The local upload queue (SQLite) cannot be read or written.
    #[error("the upload queue: {0}")]
    Queue(String),
    /// A different signature of this request is already waiting to upload.
    #[error("another signature of request {0} is already waiting to upload")]
    AlreadyQueued(String),
}

fn server_suffix(s: &Option<String>) -> String {
    s.as_deref().map(|s| format!(" to {s}")).unwrap_or_default()
}

/// The wire name of a code (`verification_failed`, …).
pub fn code_name(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::BadRequest => "bad_request",
        ErrorCode::Unauthorized => "unauthorized",
        ErrorCode::Forbidden => "forbidden",
        ErrorCode::NotFound => "not_found",
        ErrorCode::Conflict => "conflict",
        ErrorCode::PayloadTooLarge => "payload_too_large",
        ErrorCode::VerificationFailed => "verification_failed",
        ErrorCode::RateLimited => "rate_limited",
        ErrorCode::Internal => "internal",
    }
}

impl Error {
    /// The API's code, for gateway answers and the local checks that mean
    /// the same (a request no longer pending is a conflict).
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Api { code, .. } => Some(*code),
            Error::NotPending(_) => Some(ErrorCode::Conflict),
            Error::SessionExpired => Some(ErrorCode::Unauthorized),
            _ => None,
        }
    }

    /// The verification report attached to a `verification_failed` answer.
    pub fn report(&self) -> Option<&serde_json::Value> {
        match self {
            Error::Api { report, .. } => report.as_ref(),
            _ => None,
        }
    }

    /// Whether retrying the same call later may succeed (no answer was
    /// received, or the gateway asked to come back).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(_) => true,
            Error::Api { code, .. } => matches!(code, ErrorCode::RateLimited | ErrorCode::Internal),
            _ => false,
        }
    }

    /// The message in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            Error::Api {
                code,
                message,
                report,
                ..
            } => {
                let what = match code {
                    ErrorCode::BadRequest => "yêu cầu không hợp lệ",
                    ErrorCode::Unauthorized => "chưa đăng nhập hoặc sai thông tin đăng nhập",
                    ErrorCode::Forbidden => "không có quyền",
                    ErrorCode::NotFound => "không tìm thấy",
                    ErrorCode::Conflict => "xung đột trạng thái",
                    ErrorCode::PayloadTooLarge => "dữ liệu quá lớn",
                    ErrorCode::VerificationFailed => "chữ ký không được cổng chấp nhận",
                    ErrorCode::RateLimited => "thử quá nhiều lần, hãy thử lại sau",
                    ErrorCode::Internal => "lỗi nội bộ của cổng ký số",
                };
                let verdict = report
                    .as_ref()
                    .and_then(|r| {
                        let i = r.get("indication")?.as_str()?;
                        let s = r
                            .get("sub_indication")
                            .and_then(|s| s.as_str())
                            .map(|s| format!("/{s}"))
                            .unwrap_or_default();
                        Some(format!(" [{i}{s}]"))
                    })
                    .unwrap_or_default();
                format!("cổng ký số từ chối: {what} ({message}){verdict}")
            }
            Error::PinMismatch { expected, found } => format!(
                "khóa công khai của cổng ký số không khớp với khóa đã ghim (cần {expected}, nhận {found})"
            ),
            Error::Url(m) => format!("địa chỉ máy chủ không dùng được: {m}"),
            Error::Transport(m) => format!("không kết nối được cổng ký số: {m}"),
            Error::Protocol(m) => format!("cổng ký số trả lời không đúng giao thức: {m}"),
            Error::DocumentMismatch { expected, actual } => format!(
                "văn bản tải về có SHA-256 {actual}, khác với {expected} của yêu cầu; không ký"
            ),
            Error::NotPending(s) => format!(
                "yêu cầu đang ở trạng thái {}, không còn chờ ký (xung đột)",
                s.as_str()
            ),
            Error::Pdf(e) => e.message_vi(),
            Error::NotLoggedIn(s) => format!(
                "chưa đăng nhập{}; hãy chạy `kyso client login`",
                s.as_deref()
                    .map(|s| format!(" vào {s}"))
                    .unwrap_or_default()
            ),
            Error::SessionExpired => "phiên đăng nhập đã hết hạn; hãy đăng nhập lại".into(),
            Error::NotEnrolled => {
                "thiết bị chưa được đăng ký khóa; hãy chạy `kyso client enroll`".into()
            }
            Error::WrongPassphrase(p) => {
                format!("sai cụm mật khẩu của tệp khóa {p} (hoặc tệp đã bị sửa)")
            }
            Error::KeyFile { path, reason } => format!("tệp khóa {path}: {reason}"),
            Error::Keyring(m) => format!("không dùng được kho khóa của hệ điều hành: {m}"),
            Error::Storage { what, path, reason } => {
                format!("lỗi tệp {} {path}: {reason}", storage_vi(what))
            }
            Error::Crypto(m) => format!("lỗi mật mã: {m}"),
            Error::Queue(m) => format!("lỗi hàng đợi tải lên: {m}"),
            Error::AlreadyQueued(id) => {
                format!("một chữ ký khác của yêu cầu {id} đang chờ tải lên")
            }
        }
    }

    pub(crate) fn storage(
        what: &'static str,
        path: &std::path::Path,
        e: impl std::fmt::Display,
    ) -> Self {
        Error::Storage {
            what,
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }
}

fn storage_vi(what: &str) -> &str {
    match what {
        "session" => "phiên đăng nhập",
        "device" => "thiết bị",
        "certificate chain" => "chuỗi chứng thư",
        "config directory" => "thư mục cấu hình",
        "output" => "đầu ra",
        _ => what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_keep_their_code() {
        let e = Error::Api {
            status: 409,
            code: ErrorCode::Conflict,
            message: "the request is signed".into(),
            report: None,
        };
        assert_eq!(e.code(), Some(ErrorCode::Conflict), "the code is kept");
        assert!(e.to_string().contains("conflict"), "{e}");
        assert!(e.message_vi().contains("xung đột"), "{}", e.message_vi());
        assert_eq!(
            Error::NotPending(RequestStatus::Signed).code(),
            Some(ErrorCode::Conflict),
            "a local state check is the same conflict"
        );
    }

    #[test]
    fn code_names_match_the_wire() {
        for c in [
            ErrorCode::BadRequest,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::PayloadTooLarge,
            ErrorCode::VerificationFailed,
            ErrorCode::RateLimited,
            ErrorCode::Internal,
        ] {
            assert_eq!(
                serde_json::to_value(c).expect("serialises"),
                serde_json::Value::String(code_name(c).into()),
                "{c:?}"
            );
        }
    }
}
