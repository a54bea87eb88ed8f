//! The plugin's one error: `{ code, message }`, where `code` is a closed set
//! ([`ErrorCode`]) spelled the same in Rust, Kotlin, Swift and TypeScript.
//! As in the keystore plugin, a native rejection keeps its code end to end.

use serde::{Deserialize, Serialize};

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a push operation failed. Closed: anything unexpected is
/// [`ErrorCode::Internal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// No push on this platform (desktop: it follows the gateway's events).
    Unsupported,
    /// The user did not allow notifications (change it in the settings).
    PermissionDenied,
    /// No token now: no Google Play services or Firebase configuration
    /// (Android), APNs registration failed or no app delegate to receive
    /// the token (iOS), no network.
    Unavailable,
    /// Anything else; the message says what.
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 4] = [
        ErrorCode::Unsupported,
        ErrorCode::PermissionDenied,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unsupported => "unsupported",
            ErrorCode::PermissionDenied => "permissionDenied",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    /// Parses a wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed push operation, serialized as `{ "code": …, "message": … }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    /// What the program branches on.
    pub code: ErrorCode,
    /// For people and logs (English).
    pub message: String,
}

impl Error {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for Error {}

impl From<tauri::Error> for Error {
    fn from(e: tauri::Error) -> Self {
        Error::internal(e.to_string())
    }
}

/// A native rejection keeps its code when it is one of ours; any other
/// rejection (Tauri's own, JNI failures) is internal.
#[cfg(mobile)]
impl From<tauri::plugin::mobile::PluginInvokeError> for Error {
    fn from(e: tauri::plugin::mobile::PluginInvokeError) -> Self {
        use tauri::plugin::mobile::PluginInvokeError;
        match e {
            PluginInvokeError::InvokeRejected(r) => {
                match r.code.as_deref().and_then(ErrorCode::parse) {
                    Some(code) => Error::new(code, r.message.unwrap_or_default()),
                    None => Error::internal(format!(
                        "{} (native code {:?})",
                        r.message.unwrap_or_default(),
                        r.code
                    )),
                }
            }
            other => Error::internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_wire_names() {
        for c in ErrorCode::ALL {
            assert_eq!(
                serde_json::to_value(c).expect("serializes"),
                serde_json::Value::String(c.as_str().into())
            );
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
        }
        assert_eq!(ErrorCode::parse("Unsupported"), None, "case matters");
    }

    #[test]
    fn errors_are_code_and_message() {
        let e = Error::new(ErrorCode::PermissionDenied, "no");
        assert_eq!(
            serde_json::to_value(&e).expect("serializes"),
            serde_json::json!({ "code": "permissionDenied", "message": "no" })
        );
    }
}
