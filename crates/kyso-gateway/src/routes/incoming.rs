//! Incoming documents and their edXML statuses: the document system records
//! and moves them (integrator key); a leader sees those assigned to them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kyso_api::{Incoming, IncomingStatusChange, IncomingWithHistory, NewIncoming, Role};

use crate::auth::Caller;
use crate::error::AppResult;
use crate::incoming;
use crate::routes::{JsonBody, PathParam};
use crate::state::AppState;

/// Records a document that arrived over the axis (edXML 01).
#[utoipa::path(post, path = "/api/v1/incoming", operation_id = "create_incoming", tag = "integrator", security(("bearer" = [])),
    request_body = NewIncoming,
    responses((status = 201, body = IncomingWithHistory), (status = 400, body = kyso_api::ErrorBody),
        (status = 401, body = kyso_api::ErrorBody), (status = 403, body = kyso_api::ErrorBody),
        (status = 409, body = kyso_api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(n): JsonBody<NewIncoming>,
) -> AppResult<(StatusCode, Json<IncomingWithHistory>)> {
    let integrator = caller.integrator()?.id.clone();
    let r = incoming::create(&state, &integrator, &caller.audit_name(), &n).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// An incoming document of the caller's system, with its history.
#[utoipa::path(get, path = "/api/v1/incoming/{id}", operation_id = "get_incoming", tag = "integrator", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = IncomingWithHistory), (status = 401, body = kyso_api::ErrorBody),
        (status = 403, body = kyso_api::ErrorBody), (status = 404, body = kyso_api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Json<IncomingWithHistory>> {
    let integrator = caller.integrator()?;
    incoming::get_own(&state.db, &integrator.id, &id)
        .await
        .map(Json)
}

/// Moves an incoming document to a new edXML status (01 → 02 | 03,
/// 03 → 04, 04 → 04 | 05, 05 → 06; 409 otherwise).
#[utoipa::path(post, path = "/api/v1/incoming/{id}/status", operation_id = "set_incoming_status", tag = "integrator", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = IncomingStatusChange,
    responses((status = 200, body = IncomingWithHistory), (status = 400, body = kyso_api::ErrorBody),
        (status = 401, body = kyso_api::ErrorBody), (status = 403, body = kyso_api::ErrorBody),
        (status = 404, body = kyso_api::ErrorBody), (status = 409, body = kyso_api::ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    JsonBody(c): JsonBody<IncomingStatusChange>,
) -> AppResult<Json<IncomingWithHistory>> {
    let integrator = caller.integrator()?.id.clone();
    incoming::change_status(&state, &integrator, &caller.audit_name(), &id, &c)
        .await
        .map(Json)
}

/// Incoming documents assigned to the calling leader (04, 05).
#[utoipa::path(get, path = "/api/v1/device/incoming", operation_id = "assigned_incoming", tag = "device", security(("bearer" = [])),
    responses((status = 200, body = [Incoming]), (status = 401, body = kyso_api::ErrorBody),
        (status = 403, body = kyso_api::ErrorBody)))]
pub async fn assigned(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<Incoming>>> {
    let u = caller.with_role(Role::Leader)?;
    incoming::assigned_to(&state.db, &u.id).await.map(Json)
}
