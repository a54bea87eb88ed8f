//! What every command rejects with: `{ code, message }` (plus `report` for a
//! refused signature), `code` from the closed set of ui/src/ipc.ts:
//!
//! * the gateway's [`kyso_api::ErrorCode`], spelled as the gateway spells it;
//! * the keystore plugin's [`tauri_plugin_kyso_keystore::ErrorCode`], passed through;
//! * the app's own codes ([`AppCode`]).
//!
//! The UI branches on `code` only; `message` is English, for logs.

use kyso_api::ErrorCode as GatewayCode;
use serde::{Serialize, Serializer};
use tauri_plugin_kyso_keystore::ErrorCode as KeystoreCode;

use crate::model::VerificationSummary;

/// The app's own codes (camelCase, like the plugin's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppCode {
    /// No answer from the gateway (network, timeout, TLS handshake).
    Offline,
    /// The gateway's public key is not the pinned one.
    PinMismatch,
    /// No gateway configured yet.
    NotConfigured,
    /// No session.
    NotLoggedIn,
    /// No device key enrolled.
    NotEnrolled,
    /// The document's SHA-256 is not the request's.
    DocumentMismatch,
    /// The PDF cannot be rendered or prepared for signing.
    BadDocument,
}

impl AppCode {
    /// Every app code.
    pub const ALL: [AppCode; 7] = [
        AppCode::Offline,
        AppCode::PinMismatch,
        AppCode::NotConfigured,
        AppCode::NotLoggedIn,
        AppCode::NotEnrolled,
        AppCode::DocumentMismatch,
        AppCode::BadDocument,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AppCode::Offline => "offline",
            AppCode::PinMismatch => "pinMismatch",
            AppCode::NotConfigured => "notConfigured",
            AppCode::NotLoggedIn => "notLoggedIn",
            AppCode::NotEnrolled => "notEnrolled",
            AppCode::DocumentMismatch => "documentMismatch",
            AppCode::BadDocument => "badDocument",
        }
    }
}

/// One code of the closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The gateway's.
    Gateway(GatewayCode),
    /// The keystore plugin's.
    Keystore(KeystoreCode),
    /// The app's.
    App(AppCode),
}

impl Code {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Gateway(c) => kyso_client::error::code_name(c),
            Code::Keystore(c) => c.as_str(),
            Code::App(c) => c.as_str(),
        }
    }

    /// `invalidArgument` (the plugin's code; the app uses it for its own
    /// argument checks too, as the contract says).
    pub const INVALID: Code = Code::Keystore(KeystoreCode::InvalidArgument);
    /// `internal`: the gateway and the plugin spell it the same.
    pub const INTERNAL: Code = Code::Gateway(GatewayCode::Internal);
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The rejection of a command.
#[derive(Debug, Clone, Serialize)]
pub struct IpcError {
    /// What the UI branches on.
    pub code: Code,
    /// For people and logs (English).
    pub message: String,
    /// The verification summary of a refused signature (`verification_failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Box<VerificationSummary>>,
}

/// Result alias of the commands.
pub type Result<T, E = IpcError> = std::result::Result<T, E>;

impl IpcError {
    /// An error with `code`.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            report: None,
        }
    }

    /// An app error.
    pub fn app(code: AppCode, message: impl Into<String>) -> Self {
        Self::new(Code::App(code), message)
    }

    /// `invalidArgument`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(Code::INVALID, message)
    }

    /// `internal`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Code::INTERNAL, message)
    }

    /// Whether the gateway could not be reached.
    pub fn is_offline(&self) -> bool {
        self.code == Code::App(AppCode::Offline)
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code.as_str())
    }
}

impl std::error::Error for IpcError {}

impl From<kyso_client::Error> for IpcError {
    fn from(e: kyso_client::Error) -> Self {
        use kyso_client::Error as E;
        let message = e.to_string();
        let code = match &e {
            E::Api { code, .. } => Code::Gateway(*code),
            E::PinMismatch { .. } => Code::App(AppCode::PinMismatch),
            E::Url(_) => Code::INVALID,
            E::Transport(_) => Code::App(AppCode::Offline),
            E::DocumentMismatch { .. } => Code::App(AppCode::DocumentMismatch),
            E::NotPending(_) | E::AlreadyQueued(_) => Code::Gateway(GatewayCode::Conflict),
            E::Pdf(_) => Code::App(AppCode::BadDocument),
            E::NotLoggedIn(_) => Code::App(AppCode::NotLoggedIn),
            E::SessionExpired => Code::Gateway(GatewayCode::Unauthorized),
            E::NotEnrolled => Code::App(AppCode::NotEnrolled),
            E::WrongPassphrase(_) => Code::Keystore(KeystoreCode::WrongPassphrase),
            E::Keyring(_) => Code::Keystore(KeystoreCode::HardwareUnavailable),
            E::Protocol(_) | E::KeyFile { .. } | E::Storage { .. } | E::Crypto(_) | E::Queue(_) => {
                Code::INTERNAL
            }
        };
        let report = e
            .report()
            .map(|r| Box::new(crate::verification::summary_from_json(r)));
        Self {
            code,
            message,
            report,
        }
    }
}

impl From<tauri_plugin_kyso_keystore::Error> for IpcError {
    fn from(e: tauri_plugin_kyso_keystore::Error) -> Self {
        Self::new(Code::Keystore(e.code), e.message)
    }
}

impl From<tauri::Error> for IpcError {
    fn from(e: tauri::Error) -> Self {
        Self::internal(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_as_code_and_message() {
        let e = IpcError::app(AppCode::Offline, "connection refused");
        assert_eq!(
            serde_json::to_value(&e).expect("json"),
            serde_json::json!({ "code": "offline", "message": "connection refused" }),
            "no report key unless there is a report"
        );
        let e: IpcError = kyso_client::Error::Api {
            status: 409,
            code: GatewayCode::Conflict,
            message: "the request is signed".into(),
            report: None,
        }
        .into();
        assert_eq!(e.code.as_str(), "conflict", "gateway codes unchanged");
        let e: IpcError = kyso_client::Error::Transport("refused".into()).into();
        assert!(e.is_offline(), "no answer is offline");
        let e: IpcError = tauri_plugin_kyso_keystore::Error::new(
            KeystoreCode::WrongPassphrase,
            "wrong passphrase",
        )
        .into();
        assert_eq!(e.code.as_str(), "wrongPassphrase", "plugin codes unchanged");
    }
}
