//! The plugin's one error: `{ code, message }`, where `code` is a closed set
//! ([`ErrorCode`]) spelled the same in Rust, Kotlin, Swift and TypeScript, so
//! the UI branches on the code and never on the message.
//!
//! Unlike Tauri's own plugins, whose errors reach JavaScript as a bare
//! string, the native code is kept end to end: the Kotlin and Swift sides
//! reject with one of these codes, the Rust side parses it back, and commands
//! serialize the whole object.

use serde::{Deserialize, Serialize};

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a keystore operation failed. Closed: every platform reports only
/// these, and anything unexpected is [`ErrorCode::Internal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// The user dismissed the biometric prompt (or the passphrase dialog).
    UserCancel,
    /// The biometric check did not succeed (not recognised, timed out);
    /// asking again may work.
    AuthenticationFailed,
    /// No strong biometric (fingerprint, face) is enrolled on the device.
    BiometryNotEnrolled,
    /// Too many failed attempts: biometrics are locked for now.
    BiometryLockout,
    /// The biometrics changed since the key was made, so the key is gone for
    /// good: delete it and enroll again.
    KeyInvalidated,
    /// No key under this alias.
    KeyNotFound,
    /// `generate_key` on an alias that already has a key (keys are never
    /// replaced silently).
    KeyExists,
    /// No secure hardware, no biometric sensor, or (desktop) no usable OS
    /// keyring.
    HardwareUnavailable,
    /// Desktop: the passphrase is missing or wrong (or the key file was
    /// altered).
    WrongPassphrase,
    /// An argument is malformed (alias, base64, sizes, a short passphrase).
    InvalidArgument,
    /// Anything else; the message says what.
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 11] = [
        ErrorCode::UserCancel,
        ErrorCode::AuthenticationFailed,
        ErrorCode::BiometryNotEnrolled,
        ErrorCode::BiometryLockout,
        ErrorCode::KeyInvalidated,
        ErrorCode::KeyNotFound,
        ErrorCode::KeyExists,
        ErrorCode::HardwareUnavailable,
        ErrorCode::WrongPassphrase,
        ErrorCode::InvalidArgument,
        ErrorCode::Internal,
    ];

    /// The wire spelling (`userCancel`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UserCancel => "userCancel",
            ErrorCode::AuthenticationFailed => "authenticationFailed",
            ErrorCode::BiometryNotEnrolled => "biometryNotEnrolled",
            ErrorCode::BiometryLockout => "biometryLockout",
            ErrorCode::KeyInvalidated => "keyInvalidated",
            ErrorCode::KeyNotFound => "keyNotFound",
            ErrorCode::KeyExists => "keyExists",
            ErrorCode::HardwareUnavailable => "hardwareUnavailable",
            ErrorCode::WrongPassphrase => "wrongPassphrase",
            ErrorCode::InvalidArgument => "invalidArgument",
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

/// A failed keystore operation, serialized as `{ "code": …, "message": … }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    /// What the program branches on.
    pub code: ErrorCode,
    /// For people and logs (English; the UI words its own text from the code).
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

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArgument, message)
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
/// rejection (Tauri's own "no command", JNI failures) is internal.
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

/// kyso-client's key storage errors, as the desktop backend meets them.
#[cfg(desktop)]
impl From<kyso_client::Error> for Error {
    fn from(e: kyso_client::Error) -> Self {
        let code = match &e {
            kyso_client::Error::WrongPassphrase(_) => ErrorCode::WrongPassphrase,
            kyso_client::Error::Keyring(_) => ErrorCode::HardwareUnavailable,
            _ => ErrorCode::Internal,
        };
        Error::new(code, e.to_string())
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
                serde_json::Value::String(c.as_str().into()),
                "serde and as_str agree for {c:?}"
            );
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c), "round trip");
        }
        assert_eq!(ErrorCode::parse("UserCancel"), None, "case matters");
    }

    #[test]
    fn errors_are_code_and_message() {
        let e = Error::new(ErrorCode::KeyNotFound, "no key 'device'");
        assert_eq!(
            serde_json::to_value(&e).expect("serializes"),
            serde_json::json!({ "code": "keyNotFound", "message": "no key 'device'" }),
            "the shape JavaScript and the native sides share"
        );
    }
}
