//! The durable webhook outbox: rows written in the same transaction as the
//! change they announce, delivered by a worker with an HMAC-SHA256 signature
//! (`X-Kyso-Signature: sha256=<hex>`), retried with exponential backoff,
//! given up after a bound and recorded. It survives restarts because it is
//! only rows.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::Row;

use crate::state::AppState;
use crate::store::hex;

/// Attempts before a delivery is marked failed.
pub const MAX_ATTEMPTS: i64 = 12;

/// `sha256=<hex>` of the HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    #[allow(clippy::expect_used)]
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// Seconds to wait after `attempts` failures: 2, 4, 8 … capped at one hour.
pub fn backoff(attempts: i64) -> i64 {
    2i64.saturating_pow(attempts.clamp(1, 12) as u32).min(3600)
}

/// Delivers what is due once; returns how many deliveries were attempted.
pub async fn deliver_due(state: &AppState, http: &reqwest::Client) -> Result<usize, sqlx::Error> {
    let db = &state.db;
    let now = state.now();
    let rows = sqlx::query(&db.sql(
        "SELECT id, url, body, secret, attempts FROM outbox WHERE status = 'pending' AND next_at <= ? ORDER BY next_at LIMIT 20",
    ))
    .bind(&now)
    .fetch_all(db.pool())
    .await?;
    let n = rows.len();
    for r in rows {
        let (id, url, body, secret, attempts): (String, String, String, String, i64) = (
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
        );
        let result = http
            .post(&url)
            .header("Content-Type", "application/json")
            .header("X-Kyso-Signature", signature(&secret, body.as_bytes()))
            .header("X-Kyso-Event", &id)
            .body(body)
            .send()
            .await;
        let outcome = match result {
            Ok(resp) if resp.status().is_success() => Ok(()),
            Ok(resp) => Err(format!("HTTP {}", resp.status())),
            Err(e) => Err(format!("{e}")),
        };
        let mut w = db.begin_write().await?;
        match outcome {
            Ok(()) => {
                sqlx::query(&db.sql("UPDATE outbox SET status = 'delivered', attempts = ?, last_error = NULL WHERE id = ?"))
                    .bind(attempts + 1)
                    .bind(&id)
                    .execute(&mut *w.tx)
                    .await?;
            }
            Err(e) => {
                let attempts = attempts + 1;
                let status = if attempts >= MAX_ATTEMPTS {
                    "failed"
                } else {
                    "pending"
                };
                let next = crate::now_rfc3339(
                    state.clock.now() + time::Duration::seconds(backoff(attempts)),
                );
                tracing::warn!(event = %id, attempts, error = %e, "webhook delivery failed");
                sqlx::query(&db.sql("UPDATE outbox SET status = ?, attempts = ?, next_at = ?, last_error = ? WHERE id = ?"))
                    .bind(status)
                    .bind(attempts)
                    .bind(next)
                    .bind(e)
                    .bind(&id)
                    .execute(&mut *w.tx)
                    .await?;
            }
        }
        w.tx.commit().await?;
    }
    Ok(n)
}

/// Runs the outbox forever (until the task is dropped).
pub async fn run(state: AppState) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap_or_default();
    loop {
        match deliver_due(&state, &http).await {
            Ok(0) => tokio::time::sleep(Duration::from_millis(500)).await,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "outbox");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "HMAC-SHA256 as the standard defines it"
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), 2, "first retry after 2 s");
        assert_eq!(backoff(5), 32, "doubling");
        assert_eq!(backoff(100), 3600, "never more than an hour");
    }
}
