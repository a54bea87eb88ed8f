//! The document system's side (integrator key): submit a draft, follow it,
//! download the signed PDF and its report, cancel.

use axum::Json;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use kyso_api::{DraftMetadata, RequestStatus, RequestWithHistory, SigningRequest};
use sqlx::Row;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::requests;
use crate::routes::PathParam;
use crate::state::AppState;

/// Submits a draft for signature: multipart with `file` (the PDF) and `metadata` (JSON).
#[utoipa::path(post, path = "/api/v1/requests", tag = "integrator", security(("bearer" = [])),
    request_body(description = "`file`: the PDF; `metadata`: DraftMetadata as JSON",
        content((kyso_api::DraftUpload = "multipart/form-data",
            encoding(("file" = (content_type = "application/pdf")), ("metadata" = (content_type = "application/json")))))),
    responses((status = 201, description = "The new request, pending", body = SigningRequest),
        (status = 400, description = "A part is missing or invalid, the file is not a signable PDF, or the signer is not an active leader",
            body = kyso_api::ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<(StatusCode, Json<SigningRequest>)> {
    let integrator = caller.integrator()?.clone();
    let mut pdf: Option<Vec<u8>> = None;
    let mut meta: Option<DraftMetadata> = None;
    for (name, bytes) in crate::routes::multipart_parts(multipart?, &["file", "metadata"]).await? {
        if name == "file" {
            pdf = Some(bytes.to_vec());
        } else {
            meta = Some(crate::routes::json_part("metadata", &bytes)?);
        }
    }
    let pdf = pdf.ok_or_else(|| AppError::bad_request("the `file` part is missing"))?;
    let meta = meta.ok_or_else(|| AppError::bad_request("the `metadata` part is missing"))?;
    let r = requests::create(
        &state,
        Some(&integrator.id),
        &caller.audit_name(),
        &meta,
        &pdf,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

async fn own(state: &AppState, caller: &Caller, id: &str) -> AppResult<()> {
    let integrator = caller.integrator()?;
    let row = sqlx::query(
        &state
            .db
            .sql("SELECT integrator_id FROM requests WHERE id = ?"),
    )
    .bind(id)
    .fetch_optional(state.db.pool())
    .await?
    .ok_or_else(AppError::not_found)?;
    // Another system's request is as invisible as a missing one.
    if row.try_get::<Option<String>, _>(0)?.as_deref() != Some(integrator.id.as_str()) {
        return Err(AppError::not_found());
    }
    Ok(())
}

/// A request and its history.
#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "integrator", security(("bearer" = [])),
    operation_id = "get_request", params(("id" = String, Path)),
    responses((status = 200, description = "The request and its history", body = RequestWithHistory),
        (status = 404, description = "No such request of this document system", body = kyso_api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Json<RequestWithHistory>> {
    own(&state, &caller, &id).await?;
    requests::with_history(&state.db, &id).await.map(Json)
}

/// The signed PDF.
#[utoipa::path(get, path = "/api/v1/requests/{id}/signed", tag = "integrator", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The signed PDF", body = kyso_api::PdfDocument, content_type = "application/pdf",
            headers(("X-Content-SHA256" = String, description = "SHA-256 of the PDF, hex"))),
        (status = 404, description = "No such request of this document system", body = kyso_api::ErrorBody),
        (status = 409, description = "The request is not signed", body = kyso_api::ErrorBody)))]
pub async fn signed(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Response> {
    own(&state, &caller, &id).await?;
    let r = requests::get(&state.db, &id).await?;
    let sha = r
        .signed_sha256
        .ok_or_else(|| AppError::conflict("the request is not signed"))?;
    pdf_response(&state, &sha)
}

/// The verification report of the signed PDF.
#[utoipa::path(get, path = "/api/v1/requests/{id}/report", tag = "integrator", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The strict verifier's report (DESIGN.md §6)", body = Object),
        (status = 404, description = "No such request of this document system", body = kyso_api::ErrorBody),
        (status = 409, description = "The request is not signed", body = kyso_api::ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Json<serde_json::Value>> {
    own(&state, &caller, &id).await?;
    let row = sqlx::query(
        &state
            .db
            .sql("SELECT report_json FROM requests WHERE id = ?"),
    )
    .bind(&id)
    .fetch_one(state.db.pool())
    .await?;
    let report: Option<String> = row.try_get(0)?;
    let report = report.ok_or_else(|| AppError::conflict("the request is not signed"))?;
    Ok(Json(
        serde_json::from_str(&report).map_err(AppError::internal)?,
    ))
}

/// Cancels a pending request.
#[utoipa::path(post, path = "/api/v1/requests/{id}/cancel", tag = "integrator", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The request, cancelled", body = SigningRequest),
        (status = 404, description = "No such request of this document system", body = kyso_api::ErrorBody),
        (status = 409, description = "The request is no longer pending", body = kyso_api::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Json<SigningRequest>> {
    own(&state, &caller, &id).await?;
    requests::leave_pending(
        &state,
        &id,
        RequestStatus::Cancelled,
        &caller.audit_name(),
        "",
    )
    .await?
    .map(Json)
    .ok_or_else(|| AppError::conflict("only a pending request can be cancelled"))
}

/// A stored PDF as a download.
pub fn pdf_response(state: &AppState, sha: &str) -> AppResult<Response> {
    let bytes = state.store.read(sha)?;
    Response::builder()
        .header(header::CONTENT_TYPE, "application/pdf")
        .header("X-Content-SHA256", sha)
        .body(Body::from(bytes))
        .map_err(AppError::internal)
}
