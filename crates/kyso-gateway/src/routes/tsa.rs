//! `POST /api/v1/tsa`: the RFC 3161 timestamp authority over HTTP (RFC 3161
//! §3.4), the protocol itself in `crate::tsa`.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A DER `TimeStampReq` (`application/timestamp-query`).
#[derive(Debug, Clone, ToSchema)]
#[schema(value_type = String, format = Binary, content_media_type = "application/timestamp-query")]
pub struct TimestampQuery(pub Vec<u8>);

/// A DER `TimeStampResp` (`application/timestamp-reply`).
#[derive(Debug, Clone, ToSchema)]
#[schema(value_type = String, format = Binary, content_media_type = "application/timestamp-reply")]
pub struct TimestampReply(pub Vec<u8>);

const QUERY: &str = "application/timestamp-query";
const REPLY: &str = "application/timestamp-reply";

/// An RFC 3161 timestamp over a SHA-256 digest (B-T signatures). No
/// credentials: a timestamp reveals nothing and attests only a digest. A
/// request the TSA does not grant (another hash algorithm, not DER, another
/// policy, extensions) is still answered 200, with a `TimeStampResp` whose
/// status is a rejection and whose `failInfo` says why.
#[utoipa::path(post, path = "/api/v1/tsa", tag = "public",
    request_body(content_type = "application/timestamp-query", content = TimestampQuery,
        description = "A DER TimeStampReq (RFC 3161 §2.4.1); SHA-256 message imprints only"),
    responses((status = 200, content_type = "application/timestamp-reply", body = TimestampReply,
        description = "A DER TimeStampResp: granted with a token (serial number, time with its accuracy, the nonce echoed, \
            the TSA certificate when certReq), or a rejection with failInfo badAlg, badDataFormat, unacceptedPolicy or unacceptedExtension"),
        (status = 400, description = "The `Content-Type` is not application/timestamp-query", body = kyso_api::ErrorBody)))]
pub async fn timestamp(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media.as_deref() != Some(QUERY) {
        return Err(AppError::bad_request(format!(
            "the Content-Type must be {QUERY} (a DER TimeStampReq)"
        )));
    }
    let body = body?;
    let reply = crate::tsa::respond(&state, &body).await?;
    Ok(([(header::CONTENT_TYPE, REPLY)], reply).into_response())
}
