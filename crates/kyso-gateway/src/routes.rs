//! The HTTP API under `/api/v1`, and its OpenAPI document.
//!
//! Every error, including the ones axum's extractors and the router produce
//! (a body that is not JSON, a bad path, an unknown route), is the one JSON
//! shape `{code, message}` of [`AppError`]. The operations are listed once,
//! in [`operations`]: the router is built from that list and the tests hold
//! the OpenAPI document to it.

pub mod admin;
pub mod auth;
pub mod clerk;
pub mod device;
pub mod incoming;
pub mod integrator;
pub mod meetings;
pub mod tsa;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request};
use axum::http::Method;
use axum::http::request::Parts;
use axum::routing::{MethodFilter, MethodRouter, on};
use kyso_api::User;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The OpenAPI document, generated from the handlers and the wire types.
#[derive(OpenApi)]
#[openapi(
    info(title = "Kyso gateway", description = "Ký số văn bản: the provincial signing gateway", version = "1"),
    paths(
        openapi,
        auth::login, auth::logout, auth::me,
        integrator::submit, integrator::get, integrator::signed, integrator::report, integrator::cancel,
        incoming::create, incoming::get, incoming::status, incoming::assigned,
        device::enroll_nonce, device::enroll, device::inbox, device::get, device::document, device::signed_document,
        device::upload_signed, device::decline, device::events, device::register_push, device::unregister_push,
        device::quiet_hours, device::set_quiet_hours,
        meetings::create_meeting, meetings::get_meeting, meetings::meeting_summary,
        meetings::my_meetings, meetings::my_meeting, meetings::meeting_document, meetings::give_opinion,
        meetings::my_meeting_summary, meetings::meeting_events, meetings::present, meetings::delegate_presenter,
        admin::units, admin::create_unit, admin::users, admin::create_user, admin::create_key, admin::devices, admin::revoke,
        admin::audit, admin::ca, admin::crl,
        clerk::waiting, clerk::issue, clerk::issued, clerk::signed, clerk::make_copy, clerk::copies, clerk::copy,
        tsa::timestamp,
    ),
    components(schemas(kyso_api::ErrorBody, kyso_api::IssueRequest, kyso_api::Issuance, kyso_api::CopyRequest, kyso_api::CopyKind, kyso_api::DocumentCopy, kyso_api::ErrorCode, kyso_api::WebhookEvent, kyso_api::RequestEvent, kyso_api::PushPayload,
        kyso_api::PresenterState)),
    modifiers(&Bearer, &CommonErrors),
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

/// The errors any operation can answer, documented on every operation they
/// apply to (so no handler can forget them):
///
/// * 400 when it takes a body or parameters (malformed JSON, a missing
///   `Content-Type`, a path that is not UTF-8, a missing header),
/// * 401 and 403 when it needs credentials (none or bad ones; the wrong
///   kind of caller: a person on an integrator route, a leader on an admin
///   route, …),
/// * 413 when it takes a body (larger than the upload limit),
/// * 500 everywhere (the gateway failed; nothing was changed).
struct CommonErrors;

impl utoipa::Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for op in ops.into_iter().flatten() {
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let body = op.request_body.is_some();
                let input = body || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let common = [
                    (
                        "400",
                        input,
                        "Malformed request: body, parameter or header (`bad_request`)",
                    ),
                    ("401", secured, "No or invalid credentials (`unauthorized`)"),
                    ("403", secured, "The caller may not do this (`forbidden`)"),
                    (
                        "413",
                        body,
                        "The body is larger than allowed (`payload_too_large`)",
                    ),
                    (
                        "500",
                        true,
                        "The gateway failed; nothing was changed (`internal`)",
                    ),
                ];
                for (status, applies, description) in common {
                    if applies {
                        op.responses
                            .responses
                            .entry(status.to_string())
                            .or_insert_with(|| error_response(description));
                    }
                }
            }
        }
    }
}

/// An error response: the one shape, `ErrorBody`.
fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "public",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", body = Object)))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// A JSON body as an extractor (`axum::Json`) whose rejections are the one
/// error shape: no JSON `Content-Type`, malformed JSON and fields of the wrong
/// type are 400, a body over the limit 413. Text with U+0000 anywhere is
/// refused (400) before any handler sees it: PostgreSQL cannot store it
/// (SQLite can, so the two backends would answer differently) and no field
/// of this API needs it.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<serde_json::Value>::from_request(req, state).await?;
        from_json_value(value).map(JsonBody)
    }
}

/// The parts named in `wanted` of a multipart body, in the order sent
/// (others are skipped unread). A broken stream is 400, one over the upload
/// limit 413 (`From<MultipartError>`).
pub async fn multipart_parts(
    mut multipart: axum::extract::Multipart,
    wanted: &[&str],
) -> AppResult<Vec<(String, axum::body::Bytes)>> {
    let mut out = Vec::new();
    while let Some(field) = multipart.next_field().await? {
        let Some(name) = field
            .name()
            .filter(|n| wanted.contains(n))
            .map(str::to_string)
        else {
            continue;
        };
        out.push((name, field.bytes().await?));
    }
    Ok(out)
}

/// A multipart part's bytes as UTF-8 JSON, parsed as `T` under the rules of
/// [`JsonBody`].
pub fn json_part<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> AppResult<T> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| AppError::bad_request(format!("{what} is not UTF-8 text")))?;
    json_text(what, text)
}

/// JSON text (a multipart part) parsed as `T` under the rules of [`JsonBody`].
pub fn json_text<T: DeserializeOwned>(what: &str, text: &str) -> AppResult<T> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| AppError::bad_request(format!("{what} is not valid JSON: {e}")))?;
    from_json_value(value).map_err(|e| AppError::bad_request(format!("{what}: {}", e.message)))
}

fn from_json_value<T: DeserializeOwned>(value: serde_json::Value) -> AppResult<T> {
    if has_nul(&value) {
        return Err(AppError::bad_request(
            "text must not contain the character U+0000",
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        AppError::bad_request(format!(
            "Failed to deserialize the JSON body into the target type: {e}"
        ))
    })
}

/// Whether a string or key anywhere in `v` contains U+0000 (the depth is
/// bounded by serde_json's recursion limit).
fn has_nul(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(a) => a.iter().any(has_nul),
        serde_json::Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// Path parameters as an extractor (`axum::extract::Path`) whose rejections
/// are the one error shape (400): a segment that is not UTF-8 once decoded,
/// or that decodes to U+0000 (see [`JsonBody`]).
#[derive(Debug)]
pub struct PathParam<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParam<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // U+0000 can only come in percent-encoded (a raw NUL is not a URI).
        if parts.uri.path().contains("%00") {
            return Err(AppError::bad_request(
                "the path must not contain the character U+0000",
            ));
        }
        let Path(v) = Path::<T>::from_request_parts(parts, state).await?;
        Ok(PathParam(v))
    }
}

/// One `(method, path, handler)` per operation, the path under `/api/v1`.
macro_rules! operations {
    ($($method:ident $path:literal => $handler:path),* $(,)?) => {
        vec![$((Method::$method, $path, on(MethodFilter::$method, $handler))),*]
    };
}

/// Every operation of the API: method, path under `/api/v1`, handler.
fn operations() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    operations![
        GET "/openapi.json" => openapi,
        POST "/auth/login" => auth::login,
        POST "/auth/logout" => auth::logout,
        GET "/me" => auth::me,
        GET "/ca" => admin::ca,
        GET "/ca/crl" => admin::crl,
        POST "/tsa" => tsa::timestamp,
        POST "/requests" => integrator::submit,
        GET "/requests/{id}" => integrator::get,
        GET "/requests/{id}/signed" => integrator::signed,
        GET "/requests/{id}/report" => integrator::report,
        POST "/requests/{id}/cancel" => integrator::cancel,
        POST "/incoming" => incoming::create,
        GET "/incoming/{id}" => incoming::get,
        POST "/incoming/{id}/status" => incoming::status,
        GET "/device/incoming" => incoming::assigned,
        GET "/device/enroll/nonce" => device::enroll_nonce,
        POST "/device/enroll" => device::enroll,
        GET "/device/inbox" => device::inbox,
        GET "/device/events" => device::events,
        GET "/device/requests/{id}" => device::get,
        GET "/device/requests/{id}/document" => device::document,
        GET "/device/requests/{id}/signed" => device::signed_document,
        POST "/device/requests/{id}/signed" => device::upload_signed,
        POST "/device/requests/{id}/decline" => device::decline,
        PUT "/device/devices/{id}/push" => device::register_push,
        DELETE "/device/devices/{id}/push" => device::unregister_push,
        GET "/device/quiet-hours" => device::quiet_hours,
        PUT "/device/quiet-hours" => device::set_quiet_hours,
        POST "/meetings" => meetings::create_meeting,
        GET "/meetings/{id}" => meetings::get_meeting,
        GET "/meetings/{id}/summary" => meetings::meeting_summary,
        GET "/device/meetings" => meetings::my_meetings,
        GET "/device/meetings/{id}" => meetings::my_meeting,
        GET "/device/meetings/{id}/documents/{doc}" => meetings::meeting_document,
        POST "/device/meetings/{id}/items/{item}/opinions" => meetings::give_opinion,
        GET "/device/meetings/{id}/summary" => meetings::my_meeting_summary,
        GET "/device/meetings/{id}/events" => meetings::meeting_events,
        POST "/device/meetings/{id}/presenter" => meetings::present,
        POST "/device/meetings/{id}/presenter/delegate" => meetings::delegate_presenter,
        GET "/clerk/issuance" => clerk::waiting,
        POST "/clerk/requests/{id}/issue" => clerk::issue,
        GET "/clerk/requests/{id}/issued" => clerk::issued,
        GET "/clerk/requests/{id}/signed" => clerk::signed,
        POST "/clerk/requests/{id}/copies" => clerk::make_copy,
        GET "/clerk/requests/{id}/copies" => clerk::copies,
        GET "/clerk/requests/{id}/copies/{copy_id}" => clerk::copy,
        GET "/admin/units" => admin::units,
        POST "/admin/units" => admin::create_unit,
        GET "/admin/users" => admin::users,
        POST "/admin/users" => admin::create_user,
        POST "/admin/integrator-keys" => admin::create_key,
        GET "/admin/devices" => admin::devices,
        POST "/admin/devices/{id}/revoke" => admin::revoke,
        GET "/admin/audit" => admin::audit,
    ]
}

/// The API's base path.
pub const BASE: &str = "/api/v1";

/// Method and full path of every operation the router serves.
pub fn registered() -> Vec<(Method, String)> {
    operations()
        .into_iter()
        .map(|(method, path, _)| (method, format!("{BASE}{path}")))
        .collect()
}

/// All routes.
pub fn router(max_upload: usize) -> Router<AppState> {
    let mut api = Router::new();
    for (_, path, route) in operations() {
        api = api.route(path, route);
    }
    let api = api
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_upload));
    Router::new().nest(BASE, api).fallback(no_route)
}

/// Any path that is not an operation.
async fn no_route() -> AppError {
    AppError::not_found()
}

/// A path that exists, with a method it does not take.
async fn method_not_allowed() -> AppError {
    AppError::method_not_allowed()
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
