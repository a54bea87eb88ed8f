//! Signing requests: reading them, their history, and state changes, each
//! change written with its history entry, audit entry and webhook in one
//! transaction.

use kyso_api::{
    HistoryEntry, Placement, RequestEvent, RequestStatus, RequestWithHistory, Role, SigningRequest,
    Unit, Urgency, User, WebhookEvent,
};
use sqlx::{Any, Row, Transaction};

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Stored name of an urgency.
pub fn urgency_str(u: Urgency) -> &'static str {
    match u {
        Urgency::Normal => "normal",
        Urgency::Urgent => "urgent",
        Urgency::VeryUrgent => "very_urgent",
        Urgency::Flash => "flash",
    }
}

/// An urgency from its stored name (unknown names: normal).
pub fn urgency_parse(s: &str) -> Urgency {
    match s {
        "urgent" => Urgency::Urgent,
        "very_urgent" => Urgency::VeryUrgent,
        "flash" => Urgency::Flash,
        _ => Urgency::Normal,
    }
}

/// edXML status for a request state (01 đã đến … 06 hoàn thành; 02 từ chối).
pub fn edxml_for(s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::Pending => "04",
        RequestStatus::Signed => "05",
        RequestStatus::Issued => "06",
        RequestStatus::Declined | RequestStatus::Cancelled | RequestStatus::Expired => "02",
    }
}

const SELECT: &str = "SELECT r.id, r.title, r.number_symbol, r.document_type, r.urgency, r.deadline, r.status, \
    r.edxml_status, r.document_sha256, d.size, r.signed_sha256, r.decline_reason, r.placement_json, r.external_id, \
    r.created_at, r.updated_at, u.id, u.username, u.full_name, u.title, u.role, u.unit_id, n.id, n.name, n.parent_id \
    FROM requests r JOIN users u ON u.id = r.signer_id JOIN units n ON n.id = r.unit_id \
    JOIN documents d ON d.sha256 = r.document_sha256";

fn from_row(r: &sqlx::any::AnyRow) -> Result<SigningRequest, sqlx::Error> {
    let status: String = r.try_get(6)?;
    let placement: Option<String> = r.try_get(12)?;
    let role: String = r.try_get(20)?;
    Ok(SigningRequest {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        number_symbol: r.try_get(2)?,
        document_type: r.try_get(3)?,
        urgency: urgency_parse(&r.try_get::<String, _>(4)?),
        deadline: r.try_get(5)?,
        status: RequestStatus::parse(&status).unwrap_or(RequestStatus::Pending),
        edxml_status: r.try_get(7)?,
        document_sha256: r.try_get(8)?,
        document_size: r.try_get::<i64, _>(9)?.max(0) as u64,
        signed_sha256: r.try_get(10)?,
        decline_reason: r.try_get(11)?,
        placement: placement.and_then(|p| serde_json::from_str::<Placement>(&p).ok()),
        external_id: r.try_get(13)?,
        created_at: r.try_get(14)?,
        updated_at: r.try_get(15)?,
        signer: User {
            id: r.try_get(16)?,
            username: r.try_get(17)?,
            full_name: r.try_get(18)?,
            title: r.try_get(19)?,
            role: Role::parse(&role).unwrap_or(Role::Leader),
            unit_id: r.try_get(21)?,
        },
        unit: Unit {
            id: r.try_get(22)?,
            name: r.try_get(23)?,
            parent_id: r.try_get(24)?,
        },
    })
}

/// One request, or 404.
pub async fn get(db: &Db, id: &str) -> AppResult<SigningRequest> {
    let row = sqlx::query(&db.sql(&format!("{SELECT} WHERE r.id = ?")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(from_row(&row)?)
}

/// One request, read inside a transaction.
pub async fn get_in(
    db: &Db,
    tx: &mut Transaction<'static, Any>,
    id: &str,
) -> AppResult<SigningRequest> {
    let row = sqlx::query(&db.sql(&format!("{SELECT} WHERE r.id = ?")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(from_row(&row)?)
}

/// Requests waiting for `signer_id`, most urgent and oldest first.
pub async fn inbox(db: &Db, signer_id: &str) -> AppResult<Vec<SigningRequest>> {
    let rows = sqlx::query(&db.sql(&format!(
        "{SELECT} WHERE r.signer_id = ? AND r.status = 'pending' ORDER BY \
         CASE r.urgency WHEN 'flash' THEN 0 WHEN 'very_urgent' THEN 1 WHEN 'urgent' THEN 2 ELSE 3 END, r.created_at"
    )))
    .bind(signer_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Signed requests of `unit_id` waiting for the clerk's issuance, oldest
/// signature first.
pub async fn awaiting_issuance(db: &Db, unit_id: &str) -> AppResult<Vec<SigningRequest>> {
    let rows = sqlx::query(&db.sql(&format!(
        "{SELECT} WHERE r.unit_id = ? AND r.status = 'signed' ORDER BY r.updated_at, r.id"
    )))
    .bind(unit_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The request with its history.
pub async fn with_history(db: &Db, id: &str) -> AppResult<RequestWithHistory> {
    let request = get(db, id).await?;
    let history = history(db, Subject::Request, id).await?;
    Ok(RequestWithHistory { request, history })
}

/// What a history belongs to: a signing request or an incoming document.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    /// `requests`, history in `request_events`.
    Request,
    /// `incoming`, history in `incoming_events`.
    Incoming,
}

impl Subject {
    /// (history table, its key column, audit subject prefix)
    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Subject::Request => ("request_events", "request_id", "request"),
            Subject::Incoming => ("incoming_events", "incoming_id", "incoming"),
        }
    }
}

/// The history of `id`, oldest first.
pub async fn history(db: &Db, subject: Subject, id: &str) -> AppResult<Vec<HistoryEntry>> {
    let (table, key, _) = subject.names();
    let rows = sqlx::query(&db.sql(&format!(
        "SELECT at, actor, action, detail FROM {table} WHERE {key} = ? ORDER BY seq"
    )))
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(HistoryEntry {
                at: r.try_get(0)?,
                actor: r.try_get(1)?,
                action: r.try_get(2)?,
                detail: r.try_get(3)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Adds a history entry and the matching audit entry.
pub async fn record(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    request_id: &str,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    record_for(
        state,
        tx,
        Subject::Request,
        request_id,
        actor,
        action,
        detail,
    )
    .await
}

/// Adds a history entry of `subject` `id` and the matching audit entry.
pub async fn record_for(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    subject: Subject,
    id: &str,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    let (table, key, prefix) = subject.names();
    let db = &state.db;
    let at = state.now();
    let seq: i64 = sqlx::query(&db.sql(&format!("SELECT COUNT(*) FROM {table} WHERE {key} = ?")))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    sqlx::query(&db.sql(&format!(
        "INSERT INTO {table} (id, {key}, seq, at, actor, action, detail) VALUES (?, ?, ?, ?, ?, ?, ?)"
    )))
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(id)
    .bind(seq + 1)
    .bind(&at)
    .bind(actor)
    .bind(action)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    crate::audit::append(
        db,
        tx,
        &at,
        actor,
        action,
        &format!("{prefix}:{id}"),
        detail,
    )
    .await
}

/// Queues the webhook for a state change, when the request has a callback.
pub async fn enqueue_webhook(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    request_id: &str,
    status: RequestStatus,
) -> Result<(), sqlx::Error> {
    let db = &state.db;
    let row = sqlx::query(&db.sql(
        "SELECT r.callback_url, r.external_id, k.webhook_secret FROM requests r \
         LEFT JOIN integrator_keys k ON k.id = r.integrator_id WHERE r.id = ?",
    ))
    .bind(request_id)
    .fetch_one(&mut **tx)
    .await?;
    let (Some(url), Some(secret)) = (
        row.try_get::<Option<String>, _>(0)?,
        row.try_get::<Option<String>, _>(2)?,
    ) else {
        return Ok(());
    };
    let at = state.now();
    let event = WebhookEvent {
        event_id: uuid::Uuid::new_v4().to_string(),
        request_id: request_id.to_string(),
        external_id: row.try_get(1)?,
        status,
        edxml_status: edxml_for(status).to_string(),
        at: at.clone(),
    };
    let body = serde_json::to_string(&event).unwrap_or_default();
    sqlx::query(&db.sql(
        "INSERT INTO outbox (id, request_id, url, body, secret, attempts, next_at, status, created_at) \
         VALUES (?, ?, ?, ?, ?, 0, ?, 'pending', ?)",
    ))
    .bind(&event.event_id)
    .bind(request_id)
    .bind(url)
    .bind(body)
    .bind(secret)
    .bind(&at)
    .bind(&at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records a stored document (once: content-addressed, so a second insert
/// of the same bytes is a no-op on both SQLite and PostgreSQL).
pub async fn record_document(
    db: &Db,
    tx: &mut Transaction<'static, Any>,
    sha: &str,
    size: usize,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(&db.sql("INSERT INTO documents (sha256, size, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING"))
        .bind(sha)
        .bind(size as i64)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Tells the signer's open connections about a change, and drops their
/// cached inbox. Every change to a request calls this after its commit.
pub fn notify(state: &AppState, r: &SigningRequest) {
    state.inboxes.invalidate(&r.signer.id);
    state.events.publish(
        &r.signer.id,
        RequestEvent {
            request_id: r.id.clone(),
            status: r.status,
            urgency: r.urgency,
        },
    );
}

/// Moves a request from `from` to `to` if it is still in `from`, in the
/// caller's transaction; `false` when another change got there first.
pub async fn transition(
    db: &Db,
    tx: &mut Transaction<'static, Any>,
    id: &str,
    from: RequestStatus,
    to: RequestStatus,
    now: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&db.sql("UPDATE requests SET status = ?, edxml_status = ?, updated_at = ? WHERE id = ? AND status = ?"))
        .bind(to.as_str())
        .bind(edxml_for(to))
        .bind(now)
        .bind(id)
        .bind(from.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Creates a signing request for a draft: checks the metadata, that the PDF
/// is one the signer can sign, and that the signer is an active leader;
/// stores the document and records the request, its history, audit entry
/// and webhook in one transaction.
pub async fn create(
    state: &AppState,
    integrator_id: Option<&str>,
    actor: &str,
    meta: &kyso_api::DraftMetadata,
    pdf: &[u8],
) -> AppResult<SigningRequest> {
    if meta.title.trim().is_empty() || meta.document_type.trim().is_empty() {
        return Err(AppError::bad_request(
            "title and document_type are required",
        ));
    }
    if let Some(d) = &meta.deadline {
        time::OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339)
            .map_err(|_| AppError::bad_request("deadline must be RFC 3339"))?;
    }
    if let Some(u) = &meta.callback_url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        return Err(AppError::bad_request("callback_url must be an http(s) URL"));
    }
    // The draft must be a PDF we can sign: same reader as the signer, lenient.
    // (The reader is not Send: keep it out of any await.)
    let pages = {
        let doc = kyso_pdf::Document::open_with(pdf, kyso_pdf::ReadOptions::lenient())
            .map_err(|e| AppError::bad_request(format!("the file is not a signable PDF: {e}")))?;
        doc.pages()
            .map_err(|e| AppError::bad_request(format!("the PDF's pages cannot be read: {e}")))?
            .len()
    };
    if let Some(p) = &meta.placement
        && (p.page == 0 || p.page as usize > pages || p.rect[2] <= 0.0 || p.rect[3] <= 0.0)
    {
        return Err(AppError::bad_request(format!(
            "placement is outside the document ({pages} pages)"
        )));
    }
    let db = &state.db;
    let signer = sqlx::query(
        &db.sql("SELECT id, unit_id, role FROM users WHERE username = ? AND disabled = 0"),
    )
    .bind(&meta.signer)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(|| AppError::bad_request(format!("no active user named {}", meta.signer)))?;
    if Role::parse(&signer.try_get::<String, _>(2)?) != Some(Role::Leader) {
        return Err(AppError::bad_request("the signer must be a leader"));
    }
    let (signer_id, unit_id): (String, String) = (signer.try_get(0)?, signer.try_get(1)?);
    let sha = state.store.put(pdf)?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = state.now();
    let mut w = db.begin_write().await?;
    record_document(db, &mut w.tx, &sha, pdf.len(), &now).await?;
    sqlx::query(&db.sql(
        "INSERT INTO requests (id, title, number_symbol, document_type, urgency, deadline, signer_id, unit_id, integrator_id, \
         external_id, callback_url, placement_json, document_sha256, status, edxml_status, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', '04', ?, ?)",
    ))
    .bind(&id)
    .bind(meta.title.trim())
    .bind(&meta.number_symbol)
    .bind(meta.document_type.trim())
    .bind(urgency_str(meta.urgency))
    .bind(&meta.deadline)
    .bind(&signer_id)
    .bind(&unit_id)
    .bind(integrator_id)
    .bind(&meta.external_id)
    .bind(&meta.callback_url)
    .bind(meta.placement.as_ref().map(|p| serde_json::to_string(p).unwrap_or_default()))
    .bind(&sha)
    .bind(&now)
    .bind(&now)
    .execute(&mut *w.tx)
    .await?;
    record(
        state,
        &mut w.tx,
        &id,
        actor,
        "created",
        &format!("document {sha}"),
    )
    .await?;
    enqueue_webhook(state, &mut w.tx, &id, RequestStatus::Pending).await?;
    let pushes = crate::push::enqueue_new_request(
        state,
        &mut w.tx,
        &id,
        &signer_id,
        meta.urgency,
        meta.deadline.as_deref(),
    )
    .await?;
    w.tx.commit().await?;
    if pushes > 0 {
        state.notifier.wake();
    }
    let r = get(db, &id).await?;
    notify(state, &r);
    Ok(r)
}

/// Moves a pending request to `to` (declined, cancelled, expired) and
/// records it: history and audit entry (action = the new state), webhook,
/// live event, all in one transaction. `Ok(None)` when the request was no
/// longer pending: another change got there first.
pub async fn leave_pending(
    state: &AppState,
    id: &str,
    to: RequestStatus,
    actor: &str,
    detail: &str,
) -> AppResult<Option<SigningRequest>> {
    let db = &state.db;
    let now = state.now();
    let mut w = db.begin_write().await?;
    if !transition(db, &mut w.tx, id, RequestStatus::Pending, to, &now).await? {
        return Ok(None);
    }
    if to == RequestStatus::Declined {
        sqlx::query(&db.sql("UPDATE requests SET decline_reason = ? WHERE id = ?"))
            .bind(detail)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
    }
    record(state, &mut w.tx, id, actor, to.as_str(), detail).await?;
    enqueue_webhook(state, &mut w.tx, id, to).await?;
    w.tx.commit().await?;
    let r = get(db, id).await?;
    notify(state, &r);
    Ok(Some(r))
}

/// Marks pending requests whose deadline has passed as expired (with
/// history, audit and webhook); returns how many.
pub async fn expire_due(state: &AppState) -> AppResult<usize> {
    let db = &state.db;
    // Deadlines are RFC 3339 with any offset: compare as instants, not text.
    let rows = sqlx::query(
        "SELECT id, deadline FROM requests WHERE status = 'pending' AND deadline IS NOT NULL",
    )
    .fetch_all(db.pool())
    .await?;
    let now_t = state.clock.now();
    let mut expired = 0;
    for r in rows {
        let (id, deadline): (String, String) = (r.try_get(0)?, r.try_get(1)?);
        let Ok(d) =
            time::OffsetDateTime::parse(&deadline, &time::format_description::well_known::Rfc3339)
        else {
            continue;
        };
        if d > now_t {
            continue;
        }
        if leave_pending(
            state,
            &id,
            RequestStatus::Expired,
            "gateway",
            &format!("deadline {deadline}"),
        )
        .await?
        .is_some()
        {
            expired += 1;
        }
    }
    Ok(expired)
}
