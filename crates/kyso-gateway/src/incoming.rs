//! Incoming documents (văn bản đến): recorded by the document system when
//! they arrive over the national axis, then moved through the edXML
//! statuses 01–06 (refused, accepted, assigned to a leader, in progress,
//! done). Every change is checked against the allowed transitions and
//! written with its history and audit entries in one transaction.

use kyso_api::{
    EdxmlStatus, Incoming, IncomingStatusChange, IncomingWithHistory, NewIncoming, Role,
};
use sqlx::Row;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::requests::{Subject, history, record_for};
use crate::state::AppState;

const SELECT: &str = "SELECT i.id, i.external_id, i.title, i.number_symbol, i.document_type, i.sender, \
    i.sender_code, i.status, u.username, i.note, i.created_at, i.updated_at, i.integrator_id \
    FROM incoming i LEFT JOIN users u ON u.id = i.assignee_id";

fn from_row(r: &sqlx::any::AnyRow) -> AppResult<Incoming> {
    let code: String = r.try_get(7)?;
    Ok(Incoming {
        id: r.try_get(0)?,
        external_id: r.try_get(1)?,
        title: r.try_get(2)?,
        number_symbol: r.try_get(3)?,
        document_type: r.try_get(4)?,
        sender: r.try_get(5)?,
        sender_code: r.try_get(6)?,
        status: EdxmlStatus::from_code(&code)
            .ok_or_else(|| AppError::internal(format!("stored edXML status {code}")))?,
        assignee: r.try_get(8)?,
        note: r.try_get(9)?,
        created_at: r.try_get(10)?,
        updated_at: r.try_get(11)?,
    })
}

/// The document `id` of `integrator` (404 for anyone else's).
pub async fn get_own(db: &Db, integrator: &str, id: &str) -> AppResult<IncomingWithHistory> {
    let row = sqlx::query(&db.sql(&format!("{SELECT} WHERE i.id = ?")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(AppError::not_found)?;
    if row.try_get::<String, _>(12)? != integrator {
        return Err(AppError::not_found());
    }
    Ok(IncomingWithHistory {
        incoming: from_row(&row)?,
        history: history(db, Subject::Incoming, id).await?,
    })
}

/// Documents assigned to leader `user_id` and not finished (04, 05).
pub async fn assigned_to(db: &Db, user_id: &str) -> AppResult<Vec<Incoming>> {
    let rows = sqlx::query(&db.sql(&format!(
        "{SELECT} WHERE i.assignee_id = ? AND i.status IN ('04', '05') ORDER BY i.updated_at DESC"
    )))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

fn required(what: &str, v: &str, max: usize) -> AppResult<()> {
    let n = v.trim().chars().count();
    if n == 0 || n > max {
        return Err(AppError::bad_request(format!(
            "`{what}` must have 1 to {max} characters"
        )));
    }
    Ok(())
}

/// Records a document that arrived (status 01). The same `external_id`
/// from the same system is one document: 409 on a repeat.
pub async fn create(
    state: &AppState,
    integrator: &str,
    actor: &str,
    n: &NewIncoming,
) -> AppResult<IncomingWithHistory> {
    required("external_id", &n.external_id, 200)?;
    required("title", &n.title, 2000)?;
    required("document_type", &n.document_type, 200)?;
    required("sender", &n.sender, 500)?;
    let db = &state.db;
    let id = uuid::Uuid::new_v4().to_string();
    let now = state.now();
    let mut w = db.begin_write().await?;
    let inserted = sqlx::query(&db.sql(
        "INSERT INTO incoming (id, integrator_id, external_id, title, number_symbol, document_type, sender, \
         sender_code, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '01', ?, ?) \
         ON CONFLICT (integrator_id, external_id) DO NOTHING",
    ))
    .bind(&id)
    .bind(integrator)
    .bind(n.external_id.trim())
    .bind(n.title.trim())
    .bind(n.number_symbol.as_deref().map(str::trim))
    .bind(n.document_type.trim())
    .bind(n.sender.trim())
    .bind(n.sender_code.as_deref().map(str::trim))
    .bind(&now)
    .bind(&now)
    .execute(&mut *w.tx)
    .await?;
    if inserted.rows_affected() != 1 {
        return Err(AppError::conflict(format!(
            "incoming document {} is already recorded",
            n.external_id.trim()
        )));
    }
    record_for(
        state,
        &mut w.tx,
        Subject::Incoming,
        &id,
        actor,
        "01",
        &format!("{} — {}", n.sender.trim(), n.title.trim()),
    )
    .await?;
    w.tx.commit().await?;
    get_own(db, integrator, &id).await
}

/// Moves a document to a new edXML status.
pub async fn change_status(
    state: &AppState,
    integrator: &str,
    actor: &str,
    id: &str,
    c: &IncomingStatusChange,
) -> AppResult<IncomingWithHistory> {
    let db = &state.db;
    let current = get_own(db, integrator, id).await?.incoming.status;
    let note = c.note.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(AppError::bad_request(
            "`note` is longer than 2000 characters",
        ));
    }
    if c.status == EdxmlStatus::Refused && note.is_none() {
        return Err(AppError::bad_request(
            "refusing a document (02) needs the reason in `note`",
        ));
    }
    let assignee = match (c.status, c.assignee.as_deref()) {
        (EdxmlStatus::Assigned, Some(name)) => {
            let row = sqlx::query(
                &db.sql("SELECT id, role FROM users WHERE username = ? AND disabled = 0"),
            )
            .bind(name)
            .fetch_optional(db.pool())
            .await?
            .ok_or_else(|| AppError::bad_request(format!("no user {name}")))?;
            let role: String = row.try_get(1)?;
            if role != Role::Leader.as_str() {
                return Err(AppError::bad_request(format!("{name} is not a leader")));
            }
            Some(row.try_get::<String, _>(0)?)
        }
        (EdxmlStatus::Assigned, None) => {
            return Err(AppError::bad_request(
                "assigning a document (04) needs `assignee`",
            ));
        }
        (_, Some(_)) => {
            return Err(AppError::bad_request(
                "`assignee` is given only when assigning (04)",
            ));
        }
        (_, None) => None,
    };
    if !current.may_become(c.status) {
        return Err(AppError::conflict(format!(
            "an incoming document cannot go from {} ({}) to {} ({})",
            current.code(),
            current.name_vi(),
            c.status.code(),
            c.status.name_vi()
        )));
    }
    let now = state.now();
    let mut w = db.begin_write().await?;
    // Checked again in the transaction: two changes at once, one wins.
    let done = sqlx::query(&db.sql(
        "UPDATE incoming SET status = ?, assignee_id = COALESCE(?, assignee_id), note = ?, updated_at = ? \
         WHERE id = ? AND status = ?",
    ))
    .bind(c.status.code())
    .bind(assignee.as_deref())
    .bind(note)
    .bind(&now)
    .bind(id)
    .bind(current.code())
    .execute(&mut *w.tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::conflict(
            "the document changed meanwhile; read it again",
        ));
    }
    let detail = match (c.assignee.as_deref(), note) {
        (Some(a), Some(n)) => format!("{a}: {n}"),
        (Some(a), None) => a.to_string(),
        (None, Some(n)) => n.to_string(),
        (None, None) => c.status.name_vi().to_string(),
    };
    record_for(
        state,
        &mut w.tx,
        Subject::Incoming,
        id,
        actor,
        c.status.code(),
        &detail,
    )
    .await?;
    w.tx.commit().await?;
    get_own(db, integrator, id).await
}
