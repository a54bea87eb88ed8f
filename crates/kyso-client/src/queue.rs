//! The durable upload queue (DESIGN.md §4.4): a signed PDF is written to a
//! local SQLite database *before* it is uploaded, and leaves it only when
//! the gateway has answered. A signature made offline, or interrupted by a
//! crash or a lost connection, is never lost; the idempotency key it was
//! queued with makes every retry record it at most once.
//!
//! An upload the gateway refuses for good (the request was signed elsewhere,
//! cancelled, or the signature does not verify) is not deleted either: it
//! stays as `refused`, with the gateway's code and message, until the user
//! discards it.

use std::path::Path;
use std::str::FromStr;

use kyso_api::SigningRequest;
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

use crate::client::Client;
use crate::error::{Error, Result, code_name};
use crate::flow::SignedUpload;

/// One queued upload, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The request.
    pub request_id: String,
    /// SHA-256 of the signed PDF, hex.
    pub sha256: String,
    /// Its idempotency key.
    pub idempotency_key: String,
    /// Size of the signed PDF.
    pub size: u64,
    /// When it was queued (RFC 3339, UTC).
    pub queued_at: String,
    /// Upload attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// `waiting` (will be retried) or `refused` (kept for the user).
    pub state: QueueState,
}

/// Whether a queued upload will be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueState {
    /// Not delivered yet; the next flush tries again.
    Waiting,
    /// The gateway refused it for good; kept until discarded.
    Refused,
}

impl QueueState {
    fn as_str(self) -> &'static str {
        match self {
            QueueState::Waiting => "waiting",
            QueueState::Refused => "refused",
        }
    }
}

/// What one flush did.
#[derive(Debug, Default)]
pub struct Flushed {
    /// Uploads the gateway accepted (the request as it is now).
    pub accepted: Vec<SigningRequest>,
    /// Uploads refused for good: request id and the error.
    pub refused: Vec<(String, Error)>,
    /// Uploads still waiting (the gateway was unreachable or asked to retry).
    pub waiting: usize,
}

/// The queue, in one SQLite file.
#[derive(Debug, Clone)]
pub struct Queue {
    pool: SqlitePool,
}

fn db_err(e: sqlx::Error) -> Error {
    Error::Queue(e.to_string())
}

impl Queue {
    /// Opens (and creates) the queue at `path`. Every write is synced before
    /// it returns (WAL, `synchronous = FULL`).
    pub async fn open(path: &Path) -> Result<Self> {
        let url = format!("sqlite://{}", path.display());
        let opts = SqliteConnectOptions::from_str(&url)
            .map_err(db_err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true);
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .map_err(db_err)?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS uploads (
                request_id TEXT PRIMARY KEY,
                idempotency_key TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                pdf BLOB NOT NULL,
                queued_at TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'refused'))
            )",
        )
        .execute(&pool)
        .await
        .map_err(db_err)?;
        Ok(Self { pool })
    }

    /// Queues a signed PDF. One upload per request: queuing the same upload
    /// again is a no-op; a *different* signature for a request that already
    /// has one waiting is refused (it would be a second signature).
    pub async fn push(&self, u: &SignedUpload) -> Result<()> {
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| Error::Queue(e.to_string()))?;
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let existing = sqlx::query("SELECT idempotency_key FROM uploads WHERE request_id = ?")
            .bind(&u.request_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        match existing {
            Some(row) => {
                let key: String = row.try_get(0).map_err(db_err)?;
                if key != u.idempotency_key {
                    return Err(Error::AlreadyQueued(u.request_id.clone()));
                }
            }
            None => {
                sqlx::query(
                    "INSERT INTO uploads (request_id, idempotency_key, sha256, pdf, queued_at) VALUES (?, ?, ?, ?, ?)",
                )
                .bind(&u.request_id)
                .bind(&u.idempotency_key)
                .bind(&u.sha256)
                .bind(&u.pdf)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
        }
        tx.commit().await.map_err(db_err)
    }

    /// Everything queued, oldest first.
    pub async fn list(&self) -> Result<Vec<Queued>> {
        let rows = sqlx::query(
            "SELECT request_id, sha256, idempotency_key, length(pdf), queued_at, attempts, last_error, state \
             FROM uploads ORDER BY queued_at, request_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let state: String = r.try_get(7)?;
                Ok(Queued {
                    request_id: r.try_get(0)?,
                    sha256: r.try_get(1)?,
                    idempotency_key: r.try_get(2)?,
                    size: r.try_get::<i64, _>(3)? as u64,
                    queued_at: r.try_get(4)?,
                    attempts: r.try_get::<i64, _>(5)? as u32,
                    last_error: r.try_get(6)?,
                    state: if state == "refused" {
                        QueueState::Refused
                    } else {
                        QueueState::Waiting
                    },
                })
            })
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(db_err)
    }

    /// How many uploads are waiting for the gateway.
    pub async fn waiting(&self) -> Result<usize> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM uploads WHERE state = 'waiting'")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(n as usize)
    }

    /// Removes a queued upload (the user gave up on a refused one).
    pub async fn discard(&self, request_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM uploads WHERE request_id = ?")
            .bind(request_id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    /// Uploads one queued request now (the app's "sign" after queuing).
    pub async fn deliver(&self, client: &Client, request_id: &str) -> Result<SigningRequest> {
        let row = sqlx::query(
            "SELECT idempotency_key, pdf FROM uploads WHERE request_id = ? AND state = 'waiting'",
        )
        .bind(request_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::Queue(format!("request {request_id} has no waiting upload")))?;
        let key: String = row.try_get(0).map_err(db_err)?;
        let pdf: Vec<u8> = row.try_get(1).map_err(db_err)?;
        let result = client.upload_signed(request_id, pdf, &key).await;
        self.settle(request_id, &result).await?;
        result
    }

    /// Records the answer to an upload: delete on success, count a retryable
    /// failure, keep a final refusal as `refused`.
    async fn settle(&self, request_id: &str, result: &Result<SigningRequest>) -> Result<()> {
        let q = match result {
            Ok(_) => sqlx::query("DELETE FROM uploads WHERE request_id = ?").bind(request_id),
            Err(e) => {
                let state = if e.is_retryable() {
                    QueueState::Waiting
                } else {
                    QueueState::Refused
                };
                let why = match e.code() {
                    Some(c) => format!("{}: {e}", code_name(c)),
                    None => e.to_string(),
                };
                sqlx::query(
                    "UPDATE uploads SET attempts = attempts + 1, last_error = ?, state = ? WHERE request_id = ?",
                )
                .bind(why)
                .bind(state.as_str())
                .bind(request_id)
            }
        };
        q.execute(&self.pool).await.map_err(db_err)?;
        Ok(())
    }

    /// Uploads everything waiting, oldest first. Stops at the first upload
    /// that got no answer (the gateway is unreachable: the rest would fail
    /// the same way); the others stay queued for the next flush.
    pub async fn flush(&self, client: &Client) -> Result<Flushed> {
        let mut out = Flushed::default();
        let waiting: Vec<Queued> = self
            .list()
            .await?
            .into_iter()
            .filter(|q| q.state == QueueState::Waiting)
            .collect();
        let total = waiting.len();
        for (i, q) in waiting.into_iter().enumerate() {
            match self.deliver(client, &q.request_id).await {
                Ok(r) => out.accepted.push(r),
                Err(e) if e.is_retryable() => {
                    out.waiting = total - i;
                    break;
                }
                Err(e) => out.refused.push((q.request_id, e)),
            }
        }
        Ok(out)
    }
}
