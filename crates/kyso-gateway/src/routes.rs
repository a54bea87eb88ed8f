//! The HTTP API under `/api/v1`, and its OpenAPI document.

pub mod admin;
pub mod auth;
pub mod device;
pub mod integrator;

use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use kyso_api::User;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The OpenAPI document, generated from the handlers and the wire types.
#[derive(OpenApi)]
#[openapi(
    info(title = "Kyso gateway", description = "Ký số văn bản: the provincial signing gateway", version = "1"),
    paths(
        auth::login, auth::logout, auth::me,
        integrator::submit, integrator::get, integrator::signed, integrator::report, integrator::cancel,
        device::enroll_nonce, device::enroll, device::inbox, device::get, device::document, device::signed_document,
        device::upload_signed, device::decline, device::events,
        admin::units, admin::create_unit, admin::users, admin::create_user, admin::create_key, admin::devices, admin::revoke,
        admin::audit, admin::ca,
    ),
    components(schemas(kyso_api::ErrorBody, kyso_api::ErrorCode, kyso_api::WebhookEvent, kyso_api::RequestEvent)),
    modifiers(&Bearer),
)]
pub struct ApiDoc;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// All routes.
pub fn router(max_upload: usize) -> Router<AppState> {
    let api = Router::new()
        .route("/openapi.json", get(openapi))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/ca", get(admin::ca))
        .route("/requests", post(integrator::submit))
        .route("/requests/{id}", get(integrator::get))
        .route("/requests/{id}/signed", get(integrator::signed))
        .route("/requests/{id}/report", get(integrator::report))
        .route("/requests/{id}/cancel", post(integrator::cancel))
        .route("/device/enroll/nonce", get(device::enroll_nonce))
        .route("/device/enroll", post(device::enroll))
        .route("/device/inbox", get(device::inbox))
        .route("/device/events", get(device::events))
        .route("/device/requests/{id}", get(device::get))
        .route("/device/requests/{id}/document", get(device::document))
        .route(
            "/device/requests/{id}/signed",
            get(device::signed_document).post(device::upload_signed),
        )
        .route("/device/requests/{id}/decline", post(device::decline))
        .route("/admin/units", get(admin::units).post(admin::create_unit))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/integrator-keys", post(admin::create_key))
        .route("/admin/devices", get(admin::devices))
        .route("/admin/devices/{id}/revoke", post(admin::revoke))
        .route("/admin/audit", get(admin::audit))
        .layer(DefaultBodyLimit::max(max_upload));
    Router::new().nest("/api/v1", api)
}

/// A user by id.
pub async fn user_by_id(state: &AppState, id: &str) -> AppResult<User> {
    let db = &state.db;
    let r = sqlx::query(&db.sql(&format!(
        "SELECT {} FROM users WHERE id = ?",
        crate::admin::USER_COLUMNS
    )))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(AppError::not_found)?;
    crate::admin::user_from_row(&r)
}
