//! The device CA's certificate revocation list (RFC 5280 §5; issue 8,
//! revocation): `GET /api/v1/ca/crl`, DER, `application/pkix-crl`.
//!
//! * Made from the device registry: every revoked device's certificate
//!   serial with its `revoked_at`. The registry is the truth (the gateway
//!   refuses a revoked device's uploads from the moment of revocation); the
//!   CRL tells validators outside the gateway.
//! * Signed by the CA's key, wherever it lives (`DeviceCa::sign_crl`: a
//!   PKCS#11 token or the demo's file). `thisUpdate` now, `nextUpdate` a
//!   week later ([`VALIDITY`]), a `cRLNumber` and the CA's key identifier.
//! * Signed again at once when a device is revoked (`admin::revoke_device`
//!   through the API calls [`refresh`]); when the revocation came from a
//!   process without the CA key (`kyso admin` with the key in a token), the
//!   next request for the CRL sees that the revoked set changed and signs a
//!   new one before answering. A CRL older than [`REFRESH_AFTER`] is
//!   replaced too, so the one served always has days left.
//! * Stored in the `crl` row with the SHA-256 of the revoked set it was made
//!   from; the number is raised in the transaction that stores it.

use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use sqlx::Row;
use time::OffsetDateTime;
use x509_cert::crl::{CertificateList, RevokedCert};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{hex, unhex};

/// How long a CRL is valid (`nextUpdate − thisUpdate`).
pub const VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);

/// A CRL older than this is signed again when asked for.
pub const REFRESH_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The media type of a DER CRL (RFC 2585 §4.2).
pub const MEDIA_TYPE: &str = "application/pkix-crl";

/// The path the CRL is served at, under the gateway's public URL.
pub const PATH: &str = "/api/v1/ca/crl";

/// Revoked devices: (certificate serial, revocation time), by serial.
const REVOKED: &str = "SELECT serial, revoked_at FROM devices \
    WHERE status = 'revoked' AND revoked_at IS NOT NULL ORDER BY serial";

fn pairs(rows: &[sqlx::any::AnyRow]) -> Result<Vec<(String, String)>, sqlx::Error> {
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

fn digest(list: &[(String, String)]) -> String {
    let mut h = Sha256::new();
    for (serial, at) in list {
        h.update(serial.as_bytes());
        h.update(b" ");
        h.update(at.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize())
}

fn parse_time(s: &str) -> AppResult<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| AppError::internal(format!("stored time {s:?}: {e}")))
}

/// The CRL entries for `list`.
fn entries(list: &[(String, String)]) -> AppResult<Vec<RevokedCert>> {
    list.iter()
        .map(|(serial, at)| {
            let bytes =
                unhex(serial).ok_or_else(|| AppError::internal(format!("serial {serial:?}")))?;
            Ok(RevokedCert {
                serial_number: SerialNumber::new(&bytes).map_err(AppError::internal)?,
                revocation_date: Time::try_from(SystemTime::from(parse_time(at)?))
                    .map_err(AppError::internal)?,
                crl_entry_extensions: None,
            })
        })
        .collect()
}

/// The current CRL, DER: the stored one while it fits the registry and is
/// fresh, else a new one, signed and stored first.
pub async fn current(state: &AppState) -> AppResult<Vec<u8>> {
    let list = pairs(&sqlx::query(REVOKED).fetch_all(state.db.pool()).await?)?;
    let wanted = digest(&list);
    let now = state.clock.now();
    let row = sqlx::query("SELECT revoked_sha256, this_update, der_hex FROM crl WHERE id = 1")
        .fetch_one(state.db.pool())
        .await?;
    let (stored_digest, this_update, der_hex): (String, String, String) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    if !der_hex.is_empty()
        && stored_digest == wanted
        && now - parse_time(&this_update)? < REFRESH_AFTER
    {
        return unhex(&der_hex).ok_or_else(|| AppError::internal("stored CRL is not hex"));
    }
    refresh(state).await
}

/// Signs and stores a new CRL from the registry as it is now; its DER.
pub async fn refresh(state: &AppState) -> AppResult<Vec<u8>> {
    let db = &state.db;
    let mut w = db.begin_write().await?;
    // The row is locked (PostgreSQL) or the database is (SQLite) from here
    // to the commit: numbers are never shared.
    let number: i64 =
        sqlx::query_scalar("UPDATE crl SET number = number + 1 WHERE id = 1 RETURNING number")
            .fetch_one(&mut *w.tx)
            .await?;
    let list = pairs(&sqlx::query(REVOKED).fetch_all(&mut *w.tx).await?)?;
    let now = state.clock.now();
    // Whole seconds: UTCTime has no fractions.
    let this_update = now.replace_nanosecond(0).map_err(AppError::internal)?;
    let next_update = this_update + VALIDITY;
    let crl = state
        .ca
        .sign_crl(
            this_update.into(),
            next_update.into(),
            entries(&list)?,
            u64::try_from(number).map_err(AppError::internal)?,
        )
        .map_err(AppError::internal)?;
    let der = crl.to_der().map_err(AppError::internal)?;
    sqlx::query(&db.sql(
        "UPDATE crl SET revoked_sha256 = ?, this_update = ?, next_update = ?, der_hex = ? WHERE id = 1",
    ))
    .bind(digest(&list))
    .bind(crate::now_rfc3339(this_update))
    .bind(crate::now_rfc3339(next_update))
    .bind(hex(&der))
    .execute(&mut *w.tx)
    .await?;
    w.tx.commit().await?;
    tracing::info!(number, revoked = list.len(), "signed the device CA's CRL");
    Ok(der)
}

/// The current CRL, parsed (for the DSS of issued documents).
pub async fn current_list(state: &AppState) -> AppResult<CertificateList> {
    let der = current(state).await?;
    CertificateList::from_der(&der).map_err(AppError::internal)
}
