//! The gateway's one error type: a closed code, a message for people, the
//! HTTP status. 4xx explain themselves; 5xx say nothing beyond "internal
//! error" and are logged once, here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyso_api::ErrorCode;

/// An error answered to a client.
#[derive(Debug)]
pub struct AppError {
    /// HTTP status.
    pub status: StatusCode,
    /// Closed code.
    pub code: ErrorCode,
    /// Message for people.
    pub message: String,
    /// The verification report, for `verification_failed`.
    pub report: Option<serde_json::Value>,
}

/// Result alias for handlers.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            report: None,
        }
    }

    /// 400.
    pub fn bad_request(m: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, m)
    }

    /// 401.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "missing or invalid credentials",
        )
    }

    /// 403.
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "not allowed")
    }

    /// 403 saying why (the caller can see the resource, but may not do this).
    pub fn forbidden_because(m: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, m)
    }

    /// 404 (also for resources the caller may not see).
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "not found")
    }

    /// 405: the path exists, the method does not (a malformed request).
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::BadRequest,
            "this path does not take that method",
        )
    }

    /// 409.
    pub fn conflict(m: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, ErrorCode::Conflict, m)
    }

    /// 413.
    pub fn too_large(m: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge, m)
    }

    /// 422 with the full verification report.
    pub fn verification(message: impl Into<String>, report: serde_json::Value) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::VerificationFailed,
            message,
        );
        e.report = Some(report);
        e
    }

    /// 429.
    pub fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many attempts; try again later",
        )
    }

    /// 500: the cause is logged, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "internal error",
        )
    }
}

/// What one of axum's extractors refused (a body that is not the JSON it
/// should be, a missing `Content-Type`, a path that is not UTF-8, a broken
/// multipart stream, a body over the limit), as the one error shape: 413
/// stays 413 (`payload_too_large`), anything else is 400 (`bad_request`) with
/// axum's explanation. Extractors only read the request, so even what axum
/// calls a 500 (a multipart stream that broke off) is the request's fault.
fn rejected(status: StatusCode, reason: String) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::too_large(reason)
    } else {
        AppError::bad_request(reason)
    }
}

macro_rules! from_rejections {
    ($($rejection:ty),* $(,)?) => {
        $(impl From<$rejection> for AppError {
            fn from(r: $rejection) -> Self {
                rejected(r.status(), r.body_text())
            }
        })*
    };
}

from_rejections!(
    axum::extract::rejection::JsonRejection,
    axum::extract::rejection::PathRejection,
    axum::extract::rejection::BytesRejection,
    axum::extract::multipart::MultipartRejection,
    axum::extract::multipart::MultipartError,
);

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::internal(format!("database: {e}"))
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        AppError::internal(format!("storage: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "code": self.code, "message": self.message });
        if let Some(r) = self.report {
            body["report"] = r;
        }
        (self.status, Json(body)).into_response()
    }
}
