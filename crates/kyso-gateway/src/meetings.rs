//! Meetings on tablets (DESIGN.md §4.6): created with their agenda and
//! documents by a document system or a clerk; seen only by their
//! participants; opinions per agenda item (recorded, audited, summed up);
//! the presenter's page, stored and sent to every follower.
//!
//! Who sees what:
//! * a meeting, its documents, its summary and its presenter stream: its
//!   participants (the chair is one), and whoever created it; anyone else
//!   gets the 404 of a missing meeting, so existence does not leak;
//! * authors of opinions: the chair and the creator (who keeps the
//!   minutes); other participants see counts and texts, and which opinions
//!   are their own;
//! * presenting: the chair, and the one participant the chair delegates to.
//!
//! Every change is one transaction: bad input changes nothing. Opinions and
//! delegations go into the audit chain (the opinion's text only as its
//! SHA-256); page turns are stored (one row per meeting) but not audited.

use std::collections::{BTreeSet, HashMap};

use kyso_api::{
    AgendaItem, ItemSummary, MAX_OPINION, Meeting, MeetingDocument, MeetingSummary, NewMeeting,
    NewOpinion, Opinion, OpinionKind, PresenterDelegation, PresenterState, PresenterUpdate, User,
    ZOOM,
};
use sha2::{Digest, Sha256};
use sqlx::Row;
use time::format_description::well_known::Rfc3339;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::hex;

/// Longest title, place or document title, in characters.
const MAX_TITLE: usize = 500;
/// Longest draft conclusion.
const MAX_CONCLUSION: usize = 20_000;
/// Most agenda items of one meeting.
const MAX_ITEMS: usize = 100;
/// Most documents of one meeting.
const MAX_DOCUMENTS: usize = 200;
/// Most participants of one meeting.
const MAX_PARTICIPANTS: usize = 500;

/// Who creates a meeting.
#[derive(Debug, Clone)]
pub enum Creator {
    /// A document system (integrator key id).
    Integrator(String),
    /// A clerk (user id).
    Clerk(String),
}

/// Vietnam's offset: meeting times are answered in it.
fn vietnam() -> time::UtcOffset {
    time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC)
}

/// `s` as RFC 3339 in Vietnam time, and the instant.
fn meeting_time(what: &str, s: &str) -> AppResult<(String, time::OffsetDateTime)> {
    let t = time::OffsetDateTime::parse(s.trim(), &Rfc3339).map_err(|_| {
        AppError::bad_request(format!(
            "{what} must be ISO 8601 / RFC 3339 with an offset, e.g. 2026-03-05T14:30:00+07:00"
        ))
    })?;
    let text = t
        .checked_to_offset(vietnam())
        .and_then(|local| local.format(&Rfc3339).ok())
        .ok_or_else(|| AppError::bad_request(format!("{what} is out of range")))?;
    Ok((text, t))
}

fn text_field(what: &str, s: &str, max: usize) -> AppResult<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::bad_request(format!(
            "{what} must have 1 to {max} characters"
        )));
    }
    Ok(t.to_string())
}

/// The page count of a PDF the gateway can read (the signer's lenient
/// reader; not Send, so never across an await).
fn pdf_pages(n: usize, pdf: &[u8]) -> AppResult<u32> {
    let doc = kyso_pdf::Document::open_with(pdf, kyso_pdf::ReadOptions::lenient())
        .map_err(|e| AppError::bad_request(format!("file {n} is not a readable PDF: {e}")))?;
    let pages = doc
        .pages()
        .map_err(|e| {
            AppError::bad_request(format!("file {n}: the PDF's pages cannot be read: {e}"))
        })?
        .len();
    if pages == 0 {
        return Err(AppError::bad_request(format!(
            "file {n}: the PDF has no pages"
        )));
    }
    u32::try_from(pages).map_err(|_| AppError::bad_request(format!("file {n}: too many pages")))
}

/// An active user by name, or 400.
async fn active_user(db: &Db, what: &str, username: &str) -> AppResult<String> {
    let row = sqlx::query(&db.sql("SELECT id FROM users WHERE username = ? AND disabled = 0"))
        .bind(username)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| AppError::bad_request(format!("{what}: no active user named {username}")))?;
    Ok(row.try_get(0)?)
}

/// Checks agenda item `i`'s conclusion: a signing request the chair signs,
/// made by the document system creating the meeting (a clerk may name any
/// of the chair's requests). Anything else is the same 400 as a missing
/// request, so a document system learns nothing of others' requests.
async fn conclusion_request(
    db: &Db,
    creator: &Creator,
    chair_id: &str,
    i: usize,
    request_id: &str,
) -> AppResult<()> {
    let row = sqlx::query(&db.sql("SELECT signer_id, integrator_id FROM requests WHERE id = ?"))
        .bind(request_id)
        .fetch_optional(db.pool())
        .await?;
    let ok = match row {
        Some(r) => {
            let signer: String = r.try_get(0)?;
            let by: Option<String> = r.try_get(1)?;
            signer == chair_id
                && match creator {
                    Creator::Integrator(k) => by.as_deref() == Some(k.as_str()),
                    Creator::Clerk(_) => true,
                }
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::bad_request(format!(
            "agenda[{i}].conclusion_request: no signing request {request_id} for the chair from this creator"
        )))
    }
}

/// Creates a meeting: checks everything first (times, people, agenda, every
/// PDF, every file used), then stores the documents and records the
/// meeting, its people, agenda and documents and the audit entry in one
/// transaction.
pub async fn create(
    state: &AppState,
    creator: &Creator,
    actor: &str,
    meta: &NewMeeting,
    files: &[Vec<u8>],
) -> AppResult<Meeting> {
    let title = text_field("title", &meta.title, MAX_TITLE)?;
    let place = text_field("place", &meta.place, MAX_TITLE)?;
    let (starts_at, start) = meeting_time("starts_at", &meta.starts_at)?;
    let (ends_at, end) = meeting_time("ends_at", &meta.ends_at)?;
    if end <= start {
        return Err(AppError::bad_request("ends_at must be after starts_at"));
    }
    if let Some(x) = &meta.external_id
        && x.chars().count() > MAX_TITLE
    {
        return Err(AppError::bad_request(format!(
            "external_id must have at most {MAX_TITLE} characters"
        )));
    }
    if meta.agenda.is_empty() || meta.agenda.len() > MAX_ITEMS {
        return Err(AppError::bad_request(format!(
            "the agenda must have 1 to {MAX_ITEMS} items"
        )));
    }
    if meta.participants.len() > MAX_PARTICIPANTS {
        return Err(AppError::bad_request(format!(
            "at most {MAX_PARTICIPANTS} participants"
        )));
    }
    let mut used = vec![false; files.len()];
    let mut documents = 0;
    for (i, item) in meta.agenda.iter().enumerate() {
        text_field(&format!("agenda[{i}].title"), &item.title, MAX_TITLE)?;
        if let Some(c) = &item.draft_conclusion
            && c.chars().count() > MAX_CONCLUSION
        {
            return Err(AppError::bad_request(format!(
                "agenda[{i}].draft_conclusion must have at most {MAX_CONCLUSION} characters"
            )));
        }
        for (j, d) in item.documents.iter().enumerate() {
            text_field(
                &format!("agenda[{i}].documents[{j}].title"),
                &d.title,
                MAX_TITLE,
            )?;
            let slot = used.get_mut(d.file as usize).ok_or_else(|| {
                AppError::bad_request(format!(
                    "agenda[{i}].documents[{j}].file is {}, but {} files were sent",
                    d.file,
                    files.len()
                ))
            })?;
            *slot = true;
            documents += 1;
        }
    }
    if documents > MAX_DOCUMENTS {
        return Err(AppError::bad_request(format!(
            "at most {MAX_DOCUMENTS} documents per meeting"
        )));
    }
    if let Some(n) = used.iter().position(|u| !u) {
        return Err(AppError::bad_request(format!(
            "file {n} is not a document of any agenda item"
        )));
    }
    let pages = files
        .iter()
        .enumerate()
        .map(|(n, f)| pdf_pages(n, f))
        .collect::<AppResult<Vec<u32>>>()?;
    let db = &state.db;
    let chair_id = active_user(db, "chair", meta.chair.trim()).await?;
    for (i, item) in meta.agenda.iter().enumerate() {
        if let Some(r) = &item.conclusion_request {
            conclusion_request(db, creator, &chair_id, i, r).await?;
        }
    }
    let mut people = BTreeSet::from([chair_id.clone()]);
    for p in &meta.participants {
        people.insert(active_user(db, "participants", p.trim()).await?);
    }
    // Content-addressed: the same PDF twice is stored once. A file written
    // here whose transaction then fails is swept at the next start.
    let shas = files
        .iter()
        .map(|f| state.store.put(f))
        .collect::<std::io::Result<Vec<String>>>()?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = state.now();
    let (integrator_id, creator_user_id) = match creator {
        Creator::Integrator(k) => (Some(k.as_str()), None),
        Creator::Clerk(u) => (None, Some(u.as_str())),
    };
    let mut w = db.begin_write().await?;
    for (sha, f) in shas.iter().zip(files) {
        crate::requests::record_document(db, &mut w.tx, sha, f.len(), &now).await?;
    }
    sqlx::query(&db.sql(
        "INSERT INTO meetings (id, title, starts_at, ends_at, place, chair_id, presenter_id, integrator_id, \
         creator_user_id, external_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ))
    .bind(&id)
    .bind(&title)
    .bind(&starts_at)
    .bind(&ends_at)
    .bind(&place)
    .bind(&chair_id)
    .bind(&chair_id)
    .bind(integrator_id)
    .bind(creator_user_id)
    .bind(meta.external_id.as_deref())
    .bind(&now)
    .execute(&mut *w.tx)
    .await?;
    for p in &people {
        sqlx::query(
            &db.sql("INSERT INTO meeting_participants (meeting_id, user_id) VALUES (?, ?)"),
        )
        .bind(&id)
        .bind(p)
        .execute(&mut *w.tx)
        .await?;
    }
    let mut position = 0i64;
    for (i, item) in meta.agenda.iter().enumerate() {
        let item_id = uuid::Uuid::new_v4().to_string();
        let conclusion = item
            .draft_conclusion
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        sqlx::query(&db.sql(
            "INSERT INTO meeting_items (id, meeting_id, position, title, draft_conclusion, conclusion_request_id) \
             VALUES (?, ?, ?, ?, ?, ?)",
        ))
        .bind(&item_id)
        .bind(&id)
        .bind(i as i64)
        .bind(item.title.trim())
        .bind(conclusion)
        .bind(item.conclusion_request.as_deref())
        .execute(&mut *w.tx)
        .await?;
        for d in &item.documents {
            let n = d.file as usize;
            sqlx::query(&db.sql(
                "INSERT INTO meeting_documents (id, meeting_id, item_id, position, title, pages, document_sha256) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            ))
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(&id)
            .bind(&item_id)
            .bind(position)
            .bind(d.title.trim())
            .bind(i64::from(pages[n]))
            .bind(&shas[n])
            .execute(&mut *w.tx)
            .await?;
            position += 1;
        }
    }
    crate::audit::append(
        db,
        &mut w.tx,
        &now,
        actor,
        "meeting_created",
        &format!("meeting:{id}"),
        &format!(
            "{} participants, {} agenda items, {documents} documents",
            people.len(),
            meta.agenda.len()
        ),
    )
    .await?;
    w.tx.commit().await?;
    get(db, &id).await
}

const MEETING_COLUMNS: &str = "id, title, starts_at, ends_at, place, chair_id, presenter_id, \
    external_id, created_at, integrator_id, creator_user_id";

/// A meeting with its people, agenda and documents, or 404.
pub async fn get(db: &Db, id: &str) -> AppResult<Meeting> {
    let r = sqlx::query(&db.sql(&format!(
        "SELECT {MEETING_COLUMNS} FROM meetings WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(AppError::not_found)?;
    let people = sqlx::query(&db.sql(
        "SELECT u.id, u.username, u.full_name, u.title, u.role, u.unit_id FROM meeting_participants p \
         JOIN users u ON u.id = p.user_id WHERE p.meeting_id = ? ORDER BY u.username",
    ))
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(crate::admin::user_from_row)
    .collect::<AppResult<Vec<User>>>()?;
    let items = sqlx::query(&db.sql(
        "SELECT id, title, draft_conclusion, conclusion_request_id FROM meeting_items WHERE meeting_id = ? \
         ORDER BY position",
    ))
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let docs = sqlx::query(&db.sql(
        "SELECT m.id, m.item_id, m.title, m.pages, m.document_sha256, d.size FROM meeting_documents m \
         JOIN documents d ON d.sha256 = m.document_sha256 WHERE m.meeting_id = ? ORDER BY m.position",
    ))
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let mut by_item: HashMap<String, Vec<MeetingDocument>> = HashMap::new();
    for d in &docs {
        by_item
            .entry(d.try_get(1)?)
            .or_default()
            .push(MeetingDocument {
                id: d.try_get(0)?,
                title: d.try_get(2)?,
                pages: d.try_get::<i64, _>(3)?.clamp(0, i64::from(u32::MAX)) as u32,
                sha256: d.try_get(4)?,
                size: d.try_get::<i64, _>(5)?.max(0) as u64,
            });
    }
    let agenda = items
        .iter()
        .map(|i| {
            let item_id: String = i.try_get(0)?;
            Ok(AgendaItem {
                documents: by_item.remove(&item_id).unwrap_or_default(),
                id: item_id,
                title: i.try_get(1)?,
                draft_conclusion: i.try_get(2)?,
                conclusion_request_id: i.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Meeting {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        starts_at: r.try_get(2)?,
        ends_at: r.try_get(3)?,
        place: r.try_get(4)?,
        chair_id: r.try_get(5)?,
        presenter_id: r.try_get(6)?,
        participants: people,
        agenda,
        external_id: r.try_get(7)?,
        created_at: r.try_get(8)?,
    })
}

/// The meeting `id` if `creator` created it; otherwise the same 404 as a
/// missing one.
pub async fn created_by(db: &Db, id: &str, creator: &Creator) -> AppResult<Meeting> {
    let r =
        sqlx::query(&db.sql("SELECT integrator_id, creator_user_id FROM meetings WHERE id = ?"))
            .bind(id)
            .fetch_optional(db.pool())
            .await?
            .ok_or_else(AppError::not_found)?;
    let (k, u): (Option<String>, Option<String>) = (r.try_get(0)?, r.try_get(1)?);
    let mine = match creator {
        Creator::Integrator(i) => k.as_deref() == Some(i.as_str()),
        Creator::Clerk(c) => u.as_deref() == Some(c.as_str()),
    };
    if !mine {
        return Err(AppError::not_found());
    }
    get(db, id).await
}

/// What a participant of a meeting may do there.
#[derive(Debug, Clone)]
pub struct Seat {
    /// The meeting.
    pub meeting_id: String,
    /// The participant.
    pub user_id: String,
    /// Whether they chair it.
    pub chair: bool,
    /// Whether they may present (the chair, or the delegate).
    pub presenter: bool,
    /// Whether they created it (a clerk who also takes part).
    pub creator: bool,
}

/// The caller's seat in meeting `id`; a non-participant gets the 404 of a
/// missing meeting.
pub async fn seat(db: &Db, id: &str, user_id: &str) -> AppResult<Seat> {
    let r = sqlx::query(&db.sql(
        "SELECT m.chair_id, m.presenter_id, m.creator_user_id FROM meetings m \
         JOIN meeting_participants p ON p.meeting_id = m.id WHERE m.id = ? AND p.user_id = ?",
    ))
    .bind(id)
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(AppError::not_found)?;
    let (chair, presenter, creator): (String, String, Option<String>) =
        (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
    Ok(Seat {
        meeting_id: id.to_string(),
        user_id: user_id.to_string(),
        chair: chair == user_id,
        presenter: chair == user_id || presenter == user_id,
        creator: creator.as_deref() == Some(user_id),
    })
}

/// The meetings `user_id` takes part in, soonest first.
pub async fn list_for(db: &Db, user_id: &str) -> AppResult<Vec<Meeting>> {
    let rows = sqlx::query(&db.sql(
        "SELECT m.id FROM meetings m JOIN meeting_participants p ON p.meeting_id = m.id \
         WHERE p.user_id = ? ORDER BY m.starts_at, m.created_at, m.id",
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(get(db, &r.try_get::<String, _>(0)?).await?);
    }
    Ok(out)
}

/// The stored SHA-256 of document `doc` of meeting `id` (404 if it is not
/// one of its documents).
pub async fn document_sha(db: &Db, id: &str, doc: &str) -> AppResult<String> {
    let r = sqlx::query(
        &db.sql("SELECT document_sha256 FROM meeting_documents WHERE meeting_id = ? AND id = ?"),
    )
    .bind(id)
    .bind(doc)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(AppError::not_found)?;
    Ok(r.try_get(0)?)
}

/// The opinion `user_id` recorded with Idempotency-Key `key`, if any; one
/// in another meeting or on another item is a conflict.
async fn opinion_by_key<'c, E>(
    db: &Db,
    exec: E,
    seat: &Seat,
    item_id: &str,
    key: &str,
) -> AppResult<Option<Opinion>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let Some(r) = sqlx::query(&db.sql(
        "SELECT id, meeting_id, item_id, kind, body, at FROM meeting_opinions \
         WHERE user_id = ? AND idempotency_key = ?",
    ))
    .bind(&seat.user_id)
    .bind(key)
    .fetch_optional(exec)
    .await?
    else {
        return Ok(None);
    };
    let (meeting, item): (String, String) = (r.try_get(1)?, r.try_get(2)?);
    if meeting != seat.meeting_id || item != item_id {
        return Err(AppError::conflict(
            "this Idempotency-Key was used for another opinion",
        ));
    }
    let kind: String = r.try_get(3)?;
    Ok(Some(Opinion {
        id: r.try_get(0)?,
        item_id: item,
        kind: OpinionKind::parse(&kind)
            .ok_or_else(|| AppError::internal(format!("stored opinion kind {kind}")))?,
        text: r.try_get(4)?,
        author: Some(seat.user_id.clone()),
        mine: true,
        at: r.try_get(5)?,
    }))
}

/// Records an opinion on an agenda item of the seat's meeting, with its
/// audit entry, in one transaction. With an Idempotency-Key (`key`), an
/// opinion sent again (a tablet's offline queue retrying) is answered with
/// the one recorded the first time, and `true`.
pub async fn add_opinion(
    state: &AppState,
    seat: &Seat,
    username: &str,
    item_id: &str,
    op: &NewOpinion,
    key: Option<&str>,
) -> AppResult<(Opinion, bool)> {
    let db = &state.db;
    if let Some(k) = key
        && let Some(o) = opinion_by_key(db, db.pool(), seat, item_id, k).await?
    {
        return Ok((o, true));
    }
    sqlx::query(&db.sql("SELECT 1 FROM meeting_items WHERE meeting_id = ? AND id = ?"))
        .bind(&seat.meeting_id)
        .bind(item_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(AppError::not_found)?;
    let text = op
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    match (&text, op.kind) {
        (None, OpinionKind::Disagree) => {
            return Err(AppError::bad_request(
                "a disagree opinion needs a text saying why",
            ));
        }
        (None, OpinionKind::Comment) => {
            return Err(AppError::bad_request("a comment needs a text"));
        }
        (Some(t), _) if t.chars().count() > MAX_OPINION => {
            return Err(AppError::bad_request(format!(
                "an opinion's text must have at most {MAX_OPINION} characters"
            )));
        }
        _ => {}
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now = state.now();
    let detail = match &text {
        Some(t) => format!(
            "item {item_id}: {}, text sha256 {}",
            op.kind.as_str(),
            hex(&Sha256::digest(t.as_bytes()))
        ),
        None => format!("item {item_id}: {}", op.kind.as_str()),
    };
    let mut w = db.begin_write().await?;
    // First, so that on PostgreSQL the audit lock orders the opinions too.
    crate::audit::append(
        db,
        &mut w.tx,
        &now,
        username,
        "meeting_opinion",
        &format!("meeting:{}", seat.meeting_id),
        &detail,
    )
    .await?;
    // Again under the write lock: two sends of one key at once record one.
    if let Some(k) = key
        && let Some(o) = opinion_by_key(db, &mut *w.tx, seat, item_id, k).await?
    {
        return Ok((o, true));
    }
    let seq: i64 =
        sqlx::query(&db.sql("SELECT COUNT(*) FROM meeting_opinions WHERE meeting_id = ?"))
            .bind(&seat.meeting_id)
            .fetch_one(&mut *w.tx)
            .await?
            .try_get(0)?;
    sqlx::query(&db.sql(
        "INSERT INTO meeting_opinions (id, meeting_id, item_id, user_id, seq, kind, body, at, idempotency_key) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ))
    .bind(&id)
    .bind(&seat.meeting_id)
    .bind(item_id)
    .bind(&seat.user_id)
    .bind(seq + 1)
    .bind(op.kind.as_str())
    .bind(text.as_deref())
    .bind(&now)
    .bind(key)
    .execute(&mut *w.tx)
    .await?;
    w.tx.commit().await?;
    let o = Opinion {
        id,
        item_id: item_id.to_string(),
        kind: op.kind,
        text,
        author: Some(seat.user_id.clone()),
        mine: true,
        at: now,
    };
    Ok((o, false))
}

/// The summary of meeting `id`'s opinions for `reader` (a participant's
/// user id; `None` for the creator), with authors when `names_visible`.
pub async fn summary(
    db: &Db,
    id: &str,
    reader: Option<&str>,
    names_visible: bool,
) -> AppResult<MeetingSummary> {
    let items =
        sqlx::query(&db.sql("SELECT id FROM meeting_items WHERE meeting_id = ? ORDER BY position"))
            .bind(id)
            .fetch_all(db.pool())
            .await?;
    let rows = sqlx::query(&db.sql(
        "SELECT id, item_id, user_id, kind, body, at FROM meeting_opinions WHERE meeting_id = ? ORDER BY seq",
    ))
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(items.len());
    for i in &items {
        let item_id: String = i.try_get(0)?;
        let mut stance: HashMap<String, OpinionKind> = HashMap::new();
        let mut comments = 0u32;
        let mut opinions = Vec::new();
        for r in &rows {
            if r.try_get::<String, _>(1)? != item_id {
                continue;
            }
            let author: String = r.try_get(2)?;
            let kind = OpinionKind::parse(&r.try_get::<String, _>(3)?)
                .ok_or_else(|| AppError::internal("bad opinion kind in database"))?;
            match kind {
                OpinionKind::Comment => comments += 1,
                k => {
                    stance.insert(author.clone(), k);
                }
            }
            let text: Option<String> = r.try_get(4)?;
            if text.is_some() {
                let mine = reader == Some(author.as_str());
                opinions.push(Opinion {
                    id: r.try_get(0)?,
                    item_id: item_id.clone(),
                    kind,
                    text,
                    author: (names_visible || mine).then_some(author),
                    mine,
                    at: r.try_get(5)?,
                });
            }
        }
        let count = |k: OpinionKind| stance.values().filter(|s| **s == k).count() as u32;
        out.push(ItemSummary {
            agree: count(OpinionKind::Agree),
            disagree: count(OpinionKind::Disagree),
            comments,
            opinions,
            my_stance: reader.and_then(|r| stance.get(r).copied()),
            item_id,
        });
    }
    Ok(MeetingSummary {
        meeting_id: id.to_string(),
        names_visible,
        items: out,
    })
}

/// The presenter's current state of meeting `id`, if anything was presented.
pub async fn current(db: &Db, id: &str) -> AppResult<Option<PresenterState>> {
    let r = sqlx::query(&db.sql(
        "SELECT document_id, page, zoom, presenter_id, seq, at FROM meeting_presenter WHERE meeting_id = ?",
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    r.map(|r| {
        Ok::<_, AppError>(PresenterState {
            meeting_id: id.to_string(),
            document_id: r.try_get(0)?,
            page: r.try_get::<i64, _>(1)?.clamp(0, i64::from(u32::MAX)) as u32,
            zoom: r.try_get(2)?,
            presenter: r.try_get(3)?,
            seq: r.try_get::<i64, _>(4)?.max(0) as u64,
            at: r.try_get(5)?,
        })
    })
    .transpose()
}

/// Stores what the seat's holder presents (the next `seq`) and sends it to
/// the meeting's followers. Only the chair or the delegate (403 for other
/// participants).
pub async fn present(
    state: &AppState,
    seat: &Seat,
    up: &PresenterUpdate,
) -> AppResult<PresenterState> {
    if !seat.presenter {
        return Err(AppError::forbidden_because(
            "only the chair or the presenter the chair chose may present",
        ));
    }
    if !up.zoom.is_finite() || up.zoom < ZOOM.0 || up.zoom > ZOOM.1 {
        return Err(AppError::bad_request(format!(
            "zoom must be between {} and {}",
            ZOOM.0, ZOOM.1
        )));
    }
    let db = &state.db;
    let doc =
        sqlx::query(&db.sql("SELECT pages FROM meeting_documents WHERE meeting_id = ? AND id = ?"))
            .bind(&seat.meeting_id)
            .bind(&up.document_id)
            .fetch_optional(db.pool())
            .await?
            .ok_or_else(|| {
                AppError::bad_request("document_id is not a document of this meeting")
            })?;
    let pages: i64 = doc.try_get(0)?;
    if up.page == 0 || i64::from(up.page) > pages {
        return Err(AppError::bad_request(format!(
            "page must be between 1 and {pages}"
        )));
    }
    let now = state.now();
    let mut w = db.begin_write().await?;
    // One atomic step on both databases: concurrent presenters get
    // distinct, increasing numbers.
    let seq: i64 = sqlx::query(&db.sql(
        "INSERT INTO meeting_presenter (meeting_id, document_id, page, zoom, presenter_id, seq, at) \
         VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (meeting_id) DO UPDATE SET \
         document_id = excluded.document_id, page = excluded.page, zoom = excluded.zoom, \
         presenter_id = excluded.presenter_id, seq = meeting_presenter.seq + 1, at = excluded.at \
         RETURNING seq",
    ))
    .bind(&seat.meeting_id)
    .bind(&up.document_id)
    .bind(i64::from(up.page))
    .bind(up.zoom)
    .bind(&seat.user_id)
    .bind(&now)
    .fetch_one(&mut *w.tx)
    .await?
    .try_get(0)?;
    w.tx.commit().await?;
    let st = PresenterState {
        meeting_id: seat.meeting_id.clone(),
        document_id: up.document_id.clone(),
        page: up.page,
        zoom: up.zoom,
        presenter: seat.user_id.clone(),
        seq: seq.max(0) as u64,
        at: now,
    };
    state.events.publish_meeting(&seat.meeting_id, st.clone());
    Ok(st)
}

/// The chair hands presenting to a participant (or takes it back alone);
/// audited. 403 for anyone but the chair.
pub async fn delegate(
    state: &AppState,
    seat: &Seat,
    username: &str,
    d: &PresenterDelegation,
) -> AppResult<Meeting> {
    if !seat.chair {
        return Err(AppError::forbidden_because(
            "only the chair may choose who presents",
        ));
    }
    let db = &state.db;
    let to = match d.presenter.as_deref() {
        None => seat.user_id.clone(),
        Some(p) => {
            sqlx::query(
                &db.sql("SELECT 1 FROM meeting_participants WHERE meeting_id = ? AND user_id = ?"),
            )
            .bind(&seat.meeting_id)
            .bind(p)
            .fetch_optional(db.pool())
            .await?
            .ok_or_else(|| {
                AppError::bad_request("the presenter must be a participant of this meeting")
            })?;
            p.to_string()
        }
    };
    let now = state.now();
    let mut w = db.begin_write().await?;
    sqlx::query(&db.sql("UPDATE meetings SET presenter_id = ? WHERE id = ?"))
        .bind(&to)
        .bind(&seat.meeting_id)
        .execute(&mut *w.tx)
        .await?;
    let detail = if to == seat.user_id {
        "presenting: the chair alone".to_string()
    } else {
        format!("presenting: user {to} and the chair")
    };
    crate::audit::append(
        db,
        &mut w.tx,
        &now,
        username,
        "meeting_presenter",
        &format!("meeting:{}", seat.meeting_id),
        &detail,
    )
    .await?;
    w.tx.commit().await?;
    get(db, &seat.meeting_id).await
}
