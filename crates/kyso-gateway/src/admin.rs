//! Administration, shared by the HTTP API and `kyso admin --data DIR`:
//! units, users, integrator keys, devices and their revocation, the audit log.

use kyso_api::{Device, IntegratorKeyCreated, NewUnit, NewUser, Role, SecurityLevel, Unit, User};
use sqlx::Row;

use crate::auth::{INTEGRATOR_PREFIX, hash_password, new_secret};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Sets a unit's key policy: `true` accepts only keys proven by key
/// attestation to be in secure hardware; `false` also software keys.
pub async fn set_unit_hardware_policy(
    state: &AppState,
    actor: &str,
    unit_id: &str,
    require_hardware: bool,
) -> AppResult<()> {
    let db = &state.db;
    let now = state.now();
    let mut w = db.begin_write().await?;
    let done = sqlx::query(&db.sql("UPDATE units SET require_hardware = ? WHERE id = ?"))
        .bind(i64::from(require_hardware))
        .bind(unit_id)
        .execute(&mut *w.tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::not_found());
    }
    crate::audit::append(
        db,
        &mut w.tx,
        &now,
        actor,
        "unit_key_policy",
        &format!("unit:{unit_id}"),
        if require_hardware {
            "hardware keys only"
        } else {
            "software keys allowed"
        },
    )
    .await?;
    w.tx.commit().await?;
    Ok(())
}

/// Creates a unit.
pub async fn create_unit(state: &AppState, actor: &str, u: &NewUnit) -> AppResult<Unit> {
    let name = u.name.trim();
    if name.is_empty() || name.chars().count() > 300 {
        return Err(AppError::bad_request(
            "a unit name of 1 to 300 characters is required",
        ));
    }
    let db = &state.db;
    if let Some(p) = &u.parent_id
        && sqlx::query(&db.sql("SELECT id FROM units WHERE id = ?"))
            .bind(p)
            .fetch_optional(db.pool())
            .await?
            .is_none()
    {
        return Err(AppError::bad_request("the parent unit does not exist"));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now = state.now();
    let mut w = db.begin_write().await?;
    sqlx::query(&db.sql("INSERT INTO units (id, name, parent_id, created_at) VALUES (?, ?, ?, ?)"))
        .bind(&id)
        .bind(name)
        .bind(&u.parent_id)
        .bind(&now)
        .execute(&mut *w.tx)
        .await?;
    crate::audit::append(
        db,
        &mut w.tx,
        &now,
        actor,
        "unit_created",
        &format!("unit:{id}"),
        name,
    )
    .await?;
    w.tx.commit().await?;
    Ok(Unit {
        id,
        name: name.to_string(),
        parent_id: u.parent_id.clone(),
    })
}

/// Every unit.
pub async fn units(state: &AppState) -> AppResult<Vec<Unit>> {
    let rows = sqlx::query("SELECT id, name, parent_id FROM units ORDER BY name")
        .fetch_all(state.db.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Unit {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                parent_id: r.try_get(2)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Creates a user (password hashed with Argon2id).
pub async fn create_user(state: &AppState, actor: &str, u: &NewUser) -> AppResult<User> {
    let username = u.username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(AppError::bad_request(
            "a user name of 1 to 64 letters, digits, '.', '_' or '-' is required",
        ));
    }
    if u.password.chars().count() < 8 {
        return Err(AppError::bad_request(
            "the password must have at least 8 characters",
        ));
    }
    let db = &state.db;
    if sqlx::query(&db.sql("SELECT id FROM units WHERE id = ?"))
        .bind(&u.unit_id)
        .fetch_optional(db.pool())
        .await?
        .is_none()
    {
        return Err(AppError::bad_request("the unit does not exist"));
    }
    if sqlx::query(&db.sql("SELECT id FROM users WHERE username = ?"))
        .bind(username)
        .fetch_optional(db.pool())
        .await?
        .is_some()
    {
        return Err(AppError::conflict("a user with that name exists"));
    }
    let pw = u.password.clone();
    let phc = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = state.now();
    let mut w = db.begin_write().await?;
    sqlx::query(&db.sql(
        "INSERT INTO users (id, username, full_name, title, role, unit_id, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
    ))
    .bind(&id)
    .bind(username)
    .bind(u.full_name.trim())
    .bind(u.title.trim())
    .bind(u.role.as_str())
    .bind(&u.unit_id)
    .bind(phc)
    .bind(&now)
    .execute(&mut *w.tx)
    .await?;
    crate::audit::append(
        db,
        &mut w.tx,
        &now,
        actor,
        "user_created",
        &format!("user:{id}"),
        &format!("{username} ({})", u.role.as_str()),
    )
    .await?;
    w.tx.commit().await?;
    Ok(User {
        id,
        username: username.to_string(),
        full_name: u.full_name.trim().to_string(),
        title: u.title.trim().to_string(),
        role: u.role,
        unit_id: u.unit_id.clone(),
    })
}

/// The columns a [`User`] is read from, in order.
pub const USER_COLUMNS: &str = "id, username, full_name, title, role, unit_id";

/// A [`User`] from a row selected with [`USER_COLUMNS`].
pub fn user_from_row(r: &sqlx::any::AnyRow) -> AppResult<User> {
    Ok(User {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        full_name: r.try_get(2)?,
        title: r.try_get(3)?,
        role: Role::parse(&r.try_get::<String, _>(4)?)
            .ok_or_else(|| AppError::internal("bad role in database"))?,
        unit_id: r.try_get(5)?,
    })
}

/// Every user.
pub async fn users(state: &AppState) -> AppResult<Vec<User>> {
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users ORDER BY username"
    ))
    .fetch_all(state.db.pool())
    .await?;
    rows.iter().map(user_from_row).collect()
}

/// Creates an integrator key; the secret is returned once and stored hashed.
pub async fn create_integrator_key(
    state: &AppState,
    actor: &str,
    name: &str,
) -> AppResult<IntegratorKeyCreated> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::bad_request(
            "a name of 1 to 200 characters is required",
        ));
    }
    let (key, hash) = new_secret(INTEGRATOR_PREFIX);
    let (webhook_secret, _) = new_secret("kyso_wh_");
    let id = uuid::Uuid::new_v4().to_string();
    let db = &state.db;
    let now = state.now();
    let mut w = db.begin_write().await?;
    sqlx::query(&db.sql("INSERT INTO integrator_keys (id, name, key_hash, webhook_secret, revoked, created_at) VALUES (?, ?, ?, ?, 0, ?)"))
        .bind(&id)
        .bind(name)
        .bind(&hash)
        .bind(&webhook_secret)
        .bind(&now)
        .execute(&mut *w.tx)
        .await?;
    crate::audit::append(
        db,
        &mut w.tx,
        &now,
        actor,
        "integrator_key_created",
        &format!("integrator:{id}"),
        name,
    )
    .await?;
    w.tx.commit().await?;
    Ok(IntegratorKeyCreated {
        id,
        name: name.to_string(),
        key,
        webhook_secret,
    })
}

/// Every device.
pub async fn devices(state: &AppState) -> AppResult<Vec<Device>> {
    let rows = sqlx::query(
        "SELECT id, user_id, platform, model, security_level, status, serial, created_at, last_seen, revoked_at FROM devices ORDER BY created_at",
    )
    .fetch_all(state.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Device {
                id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                platform: r.try_get(2)?,
                model: r.try_get(3)?,
                security_level: SecurityLevel::parse(&r.try_get::<String, _>(4)?)
                    .unwrap_or(SecurityLevel::Software),
                status: r.try_get(5)?,
                serial: r.try_get(6)?,
                created_at: r.try_get(7)?,
                last_seen: r.try_get(8)?,
                revoked_at: r.try_get(9)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

/// Revokes a device: from this commit on, its uploads are refused and it
/// gets no pushes (its push token is forgotten).
pub async fn revoke_device(state: &AppState, actor: &str, id: &str) -> AppResult<()> {
    revoke_in_db(state, actor, id).await?;
    // Tell the world at once: a new CRL, when this process holds the CA key
    // (else the serving gateway signs it at the next request for it). After
    // the revocation's transaction and its write lock are gone.
    if state.ca.key().is_some()
        && let Err(e) = crate::crl::refresh(state).await
    {
        tracing::error!(error = %e.message, "the CRL was not signed again after a revocation");
    }
    Ok(())
}

async fn revoke_in_db(state: &AppState, actor: &str, id: &str) -> AppResult<()> {
    let db = &state.db;
    let now = state.now();
    let mut w = db.begin_write().await?;
    let done = sqlx::query(&db.sql(
        "UPDATE devices SET status = 'revoked', revoked_at = ? WHERE id = ? AND status = 'active'",
    ))
    .bind(&now)
    .bind(id)
    .execute(&mut *w.tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::not_found());
    }
    // A revoked device is told nothing more.
    crate::push::forget_device(state, &mut w.tx, id).await?;
    crate::audit::append(
        db,
        &mut w.tx,
        &now,
        actor,
        "device_revoked",
        &format!("device:{id}"),
        "",
    )
    .await?;
    w.tx.commit().await?;
    Ok(())
}
