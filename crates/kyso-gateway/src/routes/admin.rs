//! `/admin/*`: administrators only.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kyso_api::{
    AuditEntry, Device, IntegratorKeyCreated, NewIntegratorKey, NewUnit, NewUser, Role, Unit, User,
};

use crate::admin;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::routes::{JsonBody, PathParam};
use crate::state::AppState;

fn admin_name(caller: &Caller) -> AppResult<String> {
    Ok(caller.with_role(Role::Admin)?.username.clone())
}

/// Units.
#[utoipa::path(get, path = "/api/v1/admin/units", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Every unit", body = [Unit])))]
pub async fn units(State(state): State<AppState>, caller: Caller) -> AppResult<Json<Vec<Unit>>> {
    admin_name(&caller)?;
    admin::units(&state).await.map(Json)
}

/// Creates a unit.
#[utoipa::path(post, path = "/api/v1/admin/units", tag = "admin", security(("bearer" = [])), request_body = NewUnit,
    responses((status = 201, description = "The new unit", body = Unit),
        (status = 400, description = "No name, or the parent unit does not exist", body = kyso_api::ErrorBody)))]
pub async fn create_unit(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(u): JsonBody<NewUnit>,
) -> AppResult<(StatusCode, Json<Unit>)> {
    let who = admin_name(&caller)?;
    Ok((
        StatusCode::CREATED,
        Json(admin::create_unit(&state, &who, &u).await?),
    ))
}

/// Users.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Every user", body = [User])))]
pub async fn users(State(state): State<AppState>, caller: Caller) -> AppResult<Json<Vec<User>>> {
    admin_name(&caller)?;
    admin::users(&state).await.map(Json)
}

/// Creates a user.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])), request_body = NewUser,
    responses((status = 201, description = "The new user", body = User),
        (status = 400, description = "Bad user name, short password or unknown unit", body = kyso_api::ErrorBody),
        (status = 409, description = "A user with that name exists", body = kyso_api::ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(u): JsonBody<NewUser>,
) -> AppResult<(StatusCode, Json<User>)> {
    let who = admin_name(&caller)?;
    Ok((
        StatusCode::CREATED,
        Json(admin::create_user(&state, &who, &u).await?),
    ))
}

/// Creates an integrator key (shown once).
#[utoipa::path(post, path = "/api/v1/admin/integrator-keys", tag = "admin", security(("bearer" = [])), request_body = NewIntegratorKey,
    responses((status = 201, description = "The key, shown once", body = IntegratorKeyCreated),
        (status = 400, description = "No name", body = kyso_api::ErrorBody)))]
pub async fn create_key(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(k): JsonBody<NewIntegratorKey>,
) -> AppResult<(StatusCode, Json<IntegratorKeyCreated>)> {
    let who = admin_name(&caller)?;
    Ok((
        StatusCode::CREATED,
        Json(admin::create_integrator_key(&state, &who, &k.name).await?),
    ))
}

/// Devices.
#[utoipa::path(get, path = "/api/v1/admin/devices", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Every device", body = [Device])))]
pub async fn devices(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<Device>>> {
    admin_name(&caller)?;
    admin::devices(&state).await.map(Json)
}

/// Revokes a device at once.
#[utoipa::path(post, path = "/api/v1/admin/devices/{id}/revoke", tag = "admin", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204, description = "Revoked"),
        (status = 404, description = "No such active device", body = kyso_api::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<StatusCode> {
    let who = admin_name(&caller)?;
    admin::revoke_device(&state, &who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The whole audit log.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The audit chain, oldest first", body = [AuditEntry])))]
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<AuditEntry>>> {
    admin_name(&caller)?;
    Ok(Json(crate::audit::entries(&state.db).await?))
}

/// The device CA certificate (PEM), for verifiers' trust stores.
#[utoipa::path(get, path = "/api/v1/ca", tag = "public", responses((status = 200, description = "The device CA certificate", body = String, content_type = "application/x-pem-file")))]
pub async fn ca(
    State(state): State<AppState>,
) -> AppResult<([(axum::http::HeaderName, &'static str); 1], String)> {
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/x-pem-file")],
        state.ca.cert_pem().to_string(),
    ))
}

/// The device CA's certificate revocation list (RFC 5280, DER): every
/// revoked device certificate with its revocation time, signed by the CA;
/// a new one at once after a revocation, and at least daily. Device
/// certificates name this URL as their CRL distribution point.
#[utoipa::path(get, path = "/api/v1/ca/crl", tag = "public", responses((status = 200,
    description = "The device CA's current CRL (DER; nextUpdate a week after thisUpdate)",
    body = CrlDer, content_type = "application/pkix-crl")))]
pub async fn crl(State(state): State<AppState>) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let der = crate::crl::current(&state).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, crate::crl::MEDIA_TYPE),
            // Validators may cache it, but not past a refresh.
            (axum::http::header::CACHE_CONTROL, "max-age=300"),
        ],
        der,
    )
        .into_response())
}

/// A DER `CertificateList` (`application/pkix-crl`).
#[derive(Debug, Clone, utoipa::ToSchema)]
#[schema(value_type = String, format = Binary, content_media_type = "application/pkix-crl")]
pub struct CrlDer(pub Vec<u8>);
