//! Who is calling: leaders, clerks and administrators with session tokens
//! (after an Argon2id password check), document systems with integrator
//! keys. Secrets are stored only as SHA-256 hashes; login is rate limited.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use kyso_api::Role;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::hex;

/// Hashes a password with Argon2id (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a PHC string.
pub fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new random secret with a readable prefix, and the hash to store.
pub fn new_secret(prefix: &str) -> (String, String) {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    let secret = format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    );
    let h = secret_hash(&secret);
    (secret, h)
}

/// The stored form of a secret.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Prefix of integrator keys (sessions use `kyso_s_`).
pub const INTEGRATOR_PREFIX: &str = "kyso_ik_";
/// Prefix of session tokens.
pub const SESSION_PREFIX: &str = "kyso_s_";

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct CallerUser {
    /// Identifier.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Unit.
    pub unit_id: String,
}

/// A document system.
#[derive(Debug, Clone)]
pub struct CallerIntegrator {
    /// Key identifier.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A person with a session.
    User(CallerUser),
    /// A document system with an integrator key.
    Integrator(CallerIntegrator),
}

impl Caller {
    /// The person, or 403 for integrators.
    pub fn user(&self) -> AppResult<&CallerUser> {
        match self {
            Caller::User(u) => Ok(u),
            Caller::Integrator(_) => Err(AppError::forbidden()),
        }
    }

    /// The person if they have `role`, else 403.
    pub fn with_role(&self, role: Role) -> AppResult<&CallerUser> {
        let u = self.user()?;
        if u.role == role {
            Ok(u)
        } else {
            Err(AppError::forbidden())
        }
    }

    /// The document system, or 403 for people.
    pub fn integrator(&self) -> AppResult<&CallerIntegrator> {
        match self {
            Caller::Integrator(i) => Ok(i),
            Caller::User(_) => Err(AppError::forbidden()),
        }
    }

    /// How the audit log names this caller.
    pub fn audit_name(&self) -> String {
        match self {
            Caller::User(u) => u.username.clone(),
            Caller::Integrator(i) => format!("integrator:{}", i.name),
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(AppError::unauthorized)?;
        let db = &state.db;
        let h = secret_hash(token);
        if token.starts_with(INTEGRATOR_PREFIX) {
            let row = sqlx::query(
                &db.sql("SELECT id, name FROM integrator_keys WHERE key_hash = ? AND revoked = 0"),
            )
            .bind(&h)
            .fetch_optional(db.pool())
            .await?
            .ok_or_else(AppError::unauthorized)?;
            return Ok(Caller::Integrator(CallerIntegrator {
                id: row.try_get(0)?,
                name: row.try_get(1)?,
            }));
        }
        let now_t = state.clock.now();
        let epoch = match state.sessions.get(&h, now_t) {
            Ok(u) => return Ok(Caller::User(u)),
            Err(epoch) => epoch,
        };
        let now = crate::now_rfc3339(now_t);
        let row = sqlx::query(&db.sql(
            "SELECT u.id, u.username, u.role, u.unit_id, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0",
        ))
        .bind(&h)
        .bind(&now)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(AppError::unauthorized)?;
        let role: String = row.try_get(2)?;
        let user = CallerUser {
            id: row.try_get(0)?,
            username: row.try_get(1)?,
            role: Role::parse(&role).ok_or_else(|| AppError::internal("bad role in database"))?,
            unit_id: row.try_get(3)?,
        };
        let expires: String = row.try_get(4)?;
        if let Ok(t) =
            time::OffsetDateTime::parse(&expires, &time::format_description::well_known::Rfc3339)
        {
            state.sessions.put(&h, &user, t, epoch);
        }
        Ok(Caller::User(user))
    }
}

/// At most `MAX_FAILURES` failed logins per user name per window.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

const MAX_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(300);

impl LoginLimiter {
    /// Whether `username` may try again now.
    pub fn allowed(&self, username: &str) -> bool {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(username) {
            Some((n, since)) if since.elapsed() < WINDOW => *n < MAX_FAILURES,
            _ => true,
        }
    }

    /// Records a failure.
    pub fn failed(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let e = map
            .entry(username.to_string())
            .or_insert((0, Instant::now()));
        if e.1.elapsed() >= WINDOW {
            *e = (0, Instant::now());
        }
        e.0 += 1;
    }

    /// Forgets failures after a success.
    pub fn succeeded(&self, username: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id() {
        let h = hash_password("kyso-demo").expect("hashes");
        assert!(h.starts_with("$argon2id$"), "Argon2id PHC string: {h}");
        assert!(
            verify_password(&h, "kyso-demo"),
            "the right password verifies"
        );
        assert!(!verify_password(&h, "wrong"), "a wrong one does not");
        assert!(
            !verify_password("garbage", "kyso-demo"),
            "a broken hash never verifies"
        );
    }

    #[test]
    fn secrets_are_stored_hashed() {
        let (s, h) = new_secret(INTEGRATOR_PREFIX);
        assert!(
            s.starts_with(INTEGRATOR_PREFIX) && s.len() > 40,
            "prefixed, 256 bits of randomness"
        );
        assert_eq!(
            secret_hash(&s),
            h,
            "the stored hash is SHA-256 of the secret"
        );
        assert_ne!(h, s, "never the secret itself");
    }

    #[test]
    fn logins_are_limited_per_user() {
        let l = LoginLimiter::default();
        for _ in 0..MAX_FAILURES {
            assert!(l.allowed("a"), "allowed before the limit");
            l.failed("a");
        }
        assert!(!l.allowed("a"), "blocked after {MAX_FAILURES} failures");
        assert!(l.allowed("b"), "other users are not affected");
        l.succeeded("a");
        assert!(l.allowed("a"), "a success resets");
    }
}
