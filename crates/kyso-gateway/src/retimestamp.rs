//! Re-timestamping the archive (DESIGN.md §5, issue 8 item 4): a B-LTA
//! document stays provable while its last document timestamp does, so
//! before that timestamp's TSA certificate expires the gateway extends it.
//!
//! * Which: every issued document (the request's current `issued_sha256`)
//!   and every copy (`copies.sha256`) whose last document timestamp
//!   (`kyso_pdf::verify::last_document_timestamp`) was made under a TSA
//!   certificate that expires within the margin (`Config::retimestamp_within`,
//!   a year by default). A document without a document timestamp is
//!   reported, not changed.
//! * Only when it helps: the gateway's own TSA certificate must outlive the
//!   old one (the TSA certificate is issued again two years before it
//!   expires, `tsa::RENEW_BEFORE`); otherwise the document is reported as
//!   waiting for a newer TSA certificate. So a second run changes nothing.
//! * How: a DSS revision with the CA's and both TSA certificates and the
//!   current CRL, then a document timestamp from the gateway's TSA
//!   (`issuance::finish_and_store`), verified fail-closed (profile B, the CA,
//!   the current CRL), stored by SHA-256 as a new version; the row moves to
//!   it in one transaction (only if it still names the old version) with a
//!   history and audit entry (`retimestamped`) on the request. The old
//!   version stays in the store.
//! * When: `kyso serve` runs it at start and then once a day when it has a
//!   TSA ([`run_daily`]); `kyso admin archive retimestamp [--within DAYS]
//!   [--dry-run]` on demand.

use serde::Serialize;
use sqlx::Row;
use time::OffsetDateTime;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The default margin: documents whose last timestamp's TSA certificate
/// expires within a year are extended.
pub const DEFAULT_WITHIN: time::Duration = time::Duration::days(365);

/// One archived document: a request's issued PDF or a copy.
#[derive(Debug, Clone, Serialize)]
pub struct Archived {
    /// `issued` or `copy`.
    pub kind: &'static str,
    /// The request.
    pub request_id: String,
    /// The copy, for a copy.
    pub copy_id: Option<String>,
    /// The version looked at.
    pub sha256: String,
}

/// What was done to a document that was due.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The document.
    #[serde(flatten)]
    pub document: Archived,
    /// When its last document timestamp's TSA certificate expires (RFC 3339).
    pub expires_at: Option<String>,
    /// `retimestamped`, `due` (a dry run), `waiting` (no TSA certificate that
    /// outlives it), `no_timestamp`, `failed`.
    pub action: &'static str,
    /// The new version, when re-timestamped.
    pub new_sha256: Option<String>,
    /// Why, for anything but `retimestamped` and `due`.
    pub detail: Option<String>,
}

/// A run's report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Documents looked at.
    pub checked: usize,
    /// The documents that were due (or could not be read), and what was done.
    pub documents: Vec<Outcome>,
}

impl Report {
    /// How many documents got a new timestamp.
    pub fn retimestamped(&self) -> usize {
        self.documents
            .iter()
            .filter(|o| o.action == "retimestamped")
            .count()
    }
}

async fn archived(state: &AppState) -> AppResult<Vec<Archived>> {
    let db = &state.db;
    let mut out = Vec::new();
    for r in sqlx::query(&db.sql(
        "SELECT id, issued_sha256 FROM requests WHERE status = 'issued' AND issued_sha256 IS NOT NULL ORDER BY issued_at, id",
    ))
    .fetch_all(db.pool())
    .await?
    {
        out.push(Archived {
            kind: "issued",
            request_id: r.try_get(0)?,
            copy_id: None,
            sha256: r.try_get(1)?,
        });
    }
    for r in sqlx::query(&db.sql("SELECT request_id, id, sha256 FROM copies ORDER BY made_at, id"))
        .fetch_all(db.pool())
        .await?
    {
        out.push(Archived {
            kind: "copy",
            request_id: r.try_get(0)?,
            copy_id: Some(r.try_get(1)?),
            sha256: r.try_get(2)?,
        });
    }
    Ok(out)
}

fn not_after(c: &x509_cert::Certificate) -> OffsetDateTime {
    OffsetDateTime::from(c.tbs_certificate.validity.not_after.to_system_time())
}

/// Extends every archived document whose last document timestamp's TSA
/// certificate expires before `now + within`; with `dry_run`, only says
/// which.
pub async fn run(state: &AppState, within: time::Duration, dry_run: bool) -> AppResult<Report> {
    let now = state.clock.now();
    let cutoff = now + within;
    let mut report = Report::default();
    for doc in archived(state).await? {
        report.checked += 1;
        let outcome = |action, expires: Option<OffsetDateTime>, detail: Option<String>| Outcome {
            document: doc.clone(),
            expires_at: expires.map(crate::now_rfc3339),
            action,
            new_sha256: None,
            detail,
        };
        let pdf = state.store.read(&doc.sha256)?;
        let (last, pdf) = tokio::task::spawn_blocking(move || {
            let last =
                kyso_pdf::Document::open_with(&pdf[..], kyso_pdf::document::ReadOptions::lenient())
                    .and_then(|d| kyso_pdf::verify::last_document_timestamp(&d, pdf.len() as u64));
            (last, pdf)
        })
        .await
        .map_err(AppError::internal)?;
        let last = match last {
            Ok(Some(l)) => l,
            Ok(None) => {
                report.documents.push(outcome(
                    "no_timestamp",
                    None,
                    Some("the document has no document timestamp".into()),
                ));
                continue;
            }
            Err(e) => {
                report
                    .documents
                    .push(outcome("failed", None, Some(format!("unreadable: {e}"))));
                continue;
            }
        };
        let expires = not_after(&last.tsa);
        if expires > cutoff {
            continue;
        }
        let Some(tsa) = &state.tsa else {
            report.documents.push(outcome(
                "waiting",
                Some(expires),
                Some("this process runs no TSA".into()),
            ));
            continue;
        };
        if not_after(tsa.cert()) <= expires {
            report.documents.push(outcome(
                "waiting",
                Some(expires),
                Some(format!(
                    "the gateway's TSA certificate (until {}) does not outlive it; it is issued again {} days before it expires",
                    crate::now_rfc3339(not_after(tsa.cert())),
                    crate::tsa::RENEW_BEFORE.as_secs() / 86400
                )),
            ));
            continue;
        }
        if dry_run {
            report.documents.push(outcome("due", Some(expires), None));
            continue;
        }
        match extend(state, &doc, pdf, &last, expires).await {
            Ok(Some(sha)) => report.documents.push(Outcome {
                new_sha256: Some(sha),
                ..outcome("retimestamped", Some(expires), None)
            }),
            Ok(None) => report.documents.push(outcome(
                "failed",
                Some(expires),
                Some("the document changed meanwhile; the next run takes it".into()),
            )),
            Err(e) => report.documents.push(outcome(
                "failed",
                Some(expires),
                Some(format!("{} ({:?})", e.message, e.code)),
            )),
        }
    }
    Ok(report)
}

/// Adds the DSS and a new document timestamp to one document, checks,
/// stores and records it; the new digest, or `None` when its row moved on
/// meanwhile.
async fn extend(
    state: &AppState,
    doc: &Archived,
    pdf: Vec<u8>,
    last: &kyso_pdf::verify::LastDocumentTimestamp,
    expires: OffsetDateTime,
) -> AppResult<Option<String>> {
    let crate::issuance::Stored {
        sha,
        size,
        at,
        mut w,
    } = crate::issuance::finish_and_store(
        state,
        pdf,
        std::slice::from_ref(&last.tsa),
        1,
        "the re-timestamped document does not verify; it was not stored",
    )
    .await?;
    let db = &state.db;
    let moved = match &doc.copy_id {
        None => {
            sqlx::query(&db.sql(
                "UPDATE requests SET issued_sha256 = ?, updated_at = ? WHERE id = ? AND issued_sha256 = ?",
            ))
            .bind(&sha)
            .bind(&at)
            .bind(&doc.request_id)
            .bind(&doc.sha256)
            .execute(&mut *w.tx)
            .await?
        }
        Some(copy) => {
            sqlx::query(&db.sql(
                "UPDATE copies SET sha256 = ?, size = ? WHERE id = ? AND sha256 = ?",
            ))
            .bind(&sha)
            .bind(size as i64)
            .bind(copy)
            .bind(&doc.sha256)
            .execute(&mut *w.tx)
            .await?
        }
    };
    if moved.rows_affected() != 1 {
        return Ok(None);
    }
    let what = match &doc.copy_id {
        None => "issued document".to_string(),
        Some(c) => format!("copy {c}"),
    };
    let tsa_until = state
        .tsa
        .as_ref()
        .map(|t| crate::now_rfc3339(not_after(t.cert())))
        .unwrap_or_default();
    crate::requests::record(
        state,
        &mut w.tx,
        &doc.request_id,
        "gateway",
        "retimestamped",
        &format!(
            "{what}: document {} -> {sha}; the last timestamp ({}) was under a TSA certificate until {}, the new one until {tsa_until}",
            doc.sha256,
            last.field,
            crate::now_rfc3339(expires)
        ),
    )
    .await?;
    w.tx.commit().await?;
    Ok(Some(sha))
}

/// `kyso serve`'s job: [`run`] at start and then every day, while the
/// gateway runs a TSA; what it did is logged.
pub async fn run_daily(state: AppState) {
    let within = state.config.retimestamp_within;
    loop {
        match run(&state, within, false).await {
            Ok(r) => {
                for o in &r.documents {
                    tracing::warn!(
                        request = %o.document.request_id,
                        copy = ?o.document.copy_id,
                        action = o.action,
                        expires = ?o.expires_at,
                        new = ?o.new_sha256,
                        detail = ?o.detail,
                        "re-timestamping"
                    );
                }
                tracing::info!(
                    checked = r.checked,
                    retimestamped = r.retimestamped(),
                    "re-timestamping run"
                );
            }
            Err(e) => tracing::error!(error = %e.message, "re-timestamping run failed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
    }
}
