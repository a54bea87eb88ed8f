//! The clerk's issuance (`issuance`): what waits, issuing with number, date
//! and the agency seal, the leader's signed PDF and the issued one, and
//! copies of it (`copies`). Clerks only, of the request's unit; a request of
//! another unit is the 404 of a missing one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kyso_api::{CopyRequest, DocumentCopy, Issuance, IssueRequest, Role, SigningRequest};

use crate::auth::{Caller, CallerUser};
use crate::error::AppResult;
use crate::routes::{JsonBody, PathParam};
use crate::state::AppState;

fn clerk(caller: &Caller) -> AppResult<&CallerUser> {
    caller.with_role(Role::Clerk)
}

/// Signed requests of the clerk's unit waiting for issuance, oldest first.
#[utoipa::path(get, path = "/api/v1/clerk/issuance", tag = "clerk", security(("bearer" = [])),
    responses((status = 200, description = "Signed requests of the caller's unit, waiting for number, date and seal", body = [SigningRequest])))]
pub async fn waiting(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<SigningRequest>>> {
    let u = clerk(&caller)?;
    crate::issuance::waiting(&state, u).await.map(Json)
}

/// Issues a signed request: number and date, then the unit's agency seal
/// signature (timestamped) as a new incremental revision that keeps the
/// leader's signature valid, checked by the strict verifier (profile B)
/// before it is stored.
#[utoipa::path(post, path = "/api/v1/clerk/requests/{id}/issue", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = IssueRequest,
    responses((status = 200, description = "Issued: the request, now `issued`, and the issued PDF's digest", body = Issuance),
        (status = 404, description = "No such request in the caller's unit", body = kyso_api::ErrorBody),
        (status = 409, description = "The request is not signed (pending, declined, already issued, …)", body = kyso_api::ErrorBody),
        (status = 422, description = "The sealed document did not verify; nothing was issued", body = kyso_api::ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    JsonBody(body): JsonBody<IssueRequest>,
) -> AppResult<Json<Issuance>> {
    let u = clerk(&caller)?;
    crate::issuance::issue(&state, u, &id, &body)
        .await
        .map(Json)
}

/// The issued PDF (the leader's signature and the agency seal's).
#[utoipa::path(get, path = "/api/v1/clerk/requests/{id}/issued", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The issued PDF; `X-Content-SHA256` is its digest", body = kyso_api::PdfDocument, content_type = "application/pdf"),
        (status = 404, description = "No such request in the caller's unit", body = kyso_api::ErrorBody),
        (status = 409, description = "The request is not issued", body = kyso_api::ErrorBody)))]
pub async fn issued(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Response> {
    let u = clerk(&caller)?;
    let sha = crate::issuance::issued_sha256(&state, u, &id).await?;
    crate::routes::integrator::pdf_response(&state, &sha)
}

/// The leader's signed PDF, before the seal: what the clerk reads before
/// giving it a number.
#[utoipa::path(get, path = "/api/v1/clerk/requests/{id}/signed", tag = "clerk", operation_id = "clerk_signed", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The PDF the leader signed; `X-Content-SHA256` is its digest", body = kyso_api::PdfDocument, content_type = "application/pdf"),
        (status = 404, description = "No such request in the caller's unit", body = kyso_api::ErrorBody),
        (status = 409, description = "The request is not signed", body = kyso_api::ErrorBody)))]
pub async fn signed(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Response> {
    let u = clerk(&caller)?;
    let sha = crate::issuance::signed_sha256(&state, u, &id).await?;
    crate::routes::integrator::pdf_response(&state, &sha)
}

/// Makes a copy (sao y, sao lục) of an issued request: the issued PDF with
/// the unit's seal signing once more in the copy style (text only, top
/// right of page 1), then DSS and document timestamp, verified before it is
/// stored. A separate file; the issued PDF is not changed.
#[utoipa::path(post, path = "/api/v1/clerk/requests/{id}/copies", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CopyRequest,
    responses((status = 201, description = "The copy, made and stored", body = DocumentCopy),
        (status = 404, description = "No such request in the caller's unit", body = kyso_api::ErrorBody),
        (status = 409, description = "The request is not issued, or the unit already has a copy with this number", body = kyso_api::ErrorBody),
        (status = 422, description = "The copy did not verify; nothing was stored", body = kyso_api::ErrorBody)))]
pub async fn make_copy(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    JsonBody(body): JsonBody<CopyRequest>,
) -> AppResult<(StatusCode, Json<DocumentCopy>)> {
    let u = clerk(&caller)?;
    crate::copies::make(&state, u, &id, &body)
        .await
        .map(|c| (StatusCode::CREATED, Json(c)))
}

/// The copies made of a request, oldest first.
#[utoipa::path(get, path = "/api/v1/clerk/requests/{id}/copies", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The request's copies", body = [DocumentCopy]),
        (status = 404, description = "No such request in the caller's unit", body = kyso_api::ErrorBody)))]
pub async fn copies(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Json<Vec<DocumentCopy>>> {
    let u = clerk(&caller)?;
    crate::copies::list(&state, u, &id).await.map(Json)
}

/// A copy's PDF (its latest version).
#[utoipa::path(get, path = "/api/v1/clerk/requests/{id}/copies/{copy_id}", tag = "clerk", security(("bearer" = [])),
    params(("id" = String, Path), ("copy_id" = String, Path)),
    responses((status = 200, description = "The copy's PDF; `X-Content-SHA256` is its digest", body = kyso_api::PdfDocument, content_type = "application/pdf"),
        (status = 404, description = "No such request in the caller's unit, or no such copy of it", body = kyso_api::ErrorBody)))]
pub async fn copy(
    State(state): State<AppState>,
    caller: Caller,
    PathParam((id, copy_id)): PathParam<(String, String)>,
) -> AppResult<Response> {
    let u = clerk(&caller)?;
    let sha = crate::copies::sha256(&state, u, &id, &copy_id).await?;
    crate::routes::integrator::pdf_response(&state, &sha)
}
