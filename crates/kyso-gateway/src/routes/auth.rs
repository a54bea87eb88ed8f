//! `POST /auth/login`, `POST /auth/logout`, `GET /me`.

use axum::Json;
use axum::extract::State;
use kyso_api::{LoginRequest, LoginResponse, User};
use sqlx::Row;

use crate::auth::{Caller, SESSION_PREFIX, new_secret, secret_hash, verify_password};
use crate::error::{AppError, AppResult};
use crate::routes::JsonBody;
use crate::state::AppState;

/// A PHC hash that no password matches, checked for unknown users so the
/// answer takes as long as for known ones.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ZXZlcnl0aGluZ2lzZmluZWV2ZXJ5dGhpbmdpc2Zp";

/// Logs in with a user name and password.
#[utoipa::path(post, path = "/api/v1/auth/login", request_body = LoginRequest, tag = "auth",
    responses((status = 200, description = "A new session", body = LoginResponse),
        (status = 401, description = "Unknown user or wrong password", body = kyso_api::ErrorBody),
        (status = 429, description = "Too many failed attempts for this user name", body = kyso_api::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> AppResult<Json<LoginResponse>> {
    if !state.limiter.allowed(&req.username) {
        return Err(AppError::rate_limited());
    }
    let db = &state.db;
    let row = sqlx::query(&db.sql(&format!(
        "SELECT {}, password_hash FROM users WHERE username = ? AND disabled = 0",
        crate::admin::USER_COLUMNS
    )))
    .bind(&req.username)
    .fetch_optional(db.pool())
    .await?;
    let phc = row
        .as_ref()
        .map(|r| r.try_get::<String, _>(6))
        .transpose()?
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let password = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&phc, &password))
        .await
        .map_err(AppError::internal)?;
    let Some(row) = row.filter(|_| ok) else {
        state.limiter.failed(&req.username);
        tracing::info!(username = %req.username, "login failed");
        return Err(AppError::unauthorized());
    };
    state.limiter.succeeded(&req.username);
    let user = crate::admin::user_from_row(&row)?;
    let (token, hash) = new_secret(SESSION_PREFIX);
    let now = state.clock.now();
    let expires = crate::now_rfc3339(now + state.config.session_ttl);
    let mut w = db.begin_write().await?;
    sqlx::query(&db.sql(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
    ))
    .bind(&hash)
    .bind(&user.id)
    .bind(crate::now_rfc3339(now))
    .bind(&expires)
    .execute(&mut *w.tx)
    .await?;
    crate::audit::append(
        db,
        &mut w.tx,
        &crate::now_rfc3339(now),
        &user.username,
        "login",
        &format!("user:{}", user.id),
        "",
    )
    .await?;
    w.tx.commit().await?;
    Ok(Json(LoginResponse {
        token,
        expires_at: expires,
        user,
    }))
}

/// Ends the caller's session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "The session is over")))]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
) -> AppResult<axum::http::StatusCode> {
    caller.user()?;
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(AppError::unauthorized)?;
    let db = &state.db;
    let hash = secret_hash(token.trim());
    let mut w = db.begin_write().await?;
    sqlx::query(&db.sql("DELETE FROM sessions WHERE token_hash = ?"))
        .bind(&hash)
        .execute(&mut *w.tx)
        .await?;
    w.tx.commit().await?;
    // After the commit: a reader that found the row before it cannot put it
    // back (the eviction bumps the cache's epoch).
    state.sessions.remove(&hash);
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "The signed-in person", body = User)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> AppResult<Json<User>> {
    let u = caller.user()?;
    crate::routes::user_by_id(&state, &u.id).await.map(Json)
}
