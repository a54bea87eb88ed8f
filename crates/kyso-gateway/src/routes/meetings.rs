//! Meetings (`meetings`): created by the document system or a clerk
//! (`/meetings`), used by their participants (`/device/meetings`): the
//! agenda and its documents, opinions, the summary, and the presenter's
//! channel (POST the page, follow it over Server-Sent Events).

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use kyso_api::{
    Meeting, MeetingSummary, NewMeeting, NewOpinion, Opinion, PresenterDelegation, PresenterState,
    PresenterUpdate, Role,
};
use tokio::sync::broadcast::error::RecvError;
use tokio_stream::StreamExt;

use crate::auth::Caller;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::meetings::{self, Creator, Seat};
use crate::routes::{JsonBody, PathParam};
use crate::state::AppState;

/// Who may create meetings: a document system, or a clerk.
fn creator(caller: &Caller) -> AppResult<Creator> {
    match caller {
        Caller::Integrator(i) => Ok(Creator::Integrator(i.id.clone())),
        Caller::User(u) if u.role == Role::Clerk => Ok(Creator::Clerk(u.id.clone())),
        Caller::User(_) => Err(AppError::forbidden_because(
            "only a document system or a clerk may create meetings",
        )),
    }
}

/// Creates a meeting with its agenda and documents: multipart with
/// `metadata` (JSON) and the PDFs as `files` parts, referred to from the
/// metadata by position. By a document system (integrator key) or a clerk
/// (session).
#[utoipa::path(post, path = "/api/v1/meetings", tag = "meetings", security(("bearer" = [])),
    request_body(description = "`metadata`: NewMeeting as JSON; `files`: the agenda's PDFs, in the order their `file` indexes refer to",
        content((kyso_api::MeetingUpload = "multipart/form-data",
            encoding(("files" = (content_type = "application/pdf")), ("metadata" = (content_type = "application/json")))))),
    responses((status = 201, description = "The meeting", body = Meeting),
        (status = 400, description = "A part is missing or invalid: times, people, agenda, a file that is not a readable PDF or not used", body = kyso_api::ErrorBody)))]
pub async fn create_meeting(
    State(state): State<AppState>,
    caller: Caller,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<(StatusCode, Json<Meeting>)> {
    let who = creator(&caller)?;
    let mut meta: Option<NewMeeting> = None;
    let mut files = Vec::new();
    for (name, bytes) in crate::routes::multipart_parts(multipart?, &["metadata", "files"]).await? {
        if name == "files" {
            files.push(bytes.to_vec());
        } else {
            meta = Some(crate::routes::json_part("metadata", &bytes)?);
        }
    }
    let meta = meta.ok_or_else(|| AppError::bad_request("the `metadata` part is missing"))?;
    let m = meetings::create(&state, &who, &caller.audit_name(), &meta, &files).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// A meeting its caller created.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The meeting", body = Meeting),
        (status = 404, description = "No such meeting created by the caller", body = kyso_api::ErrorBody)))]
pub async fn get_meeting(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Json<Meeting>> {
    let who = creator(&caller)?;
    meetings::created_by(&state.db, &id, &who).await.map(Json)
}

/// The opinions of a meeting the caller created, item by item, with
/// their authors (for the minutes).
#[utoipa::path(get, path = "/api/v1/meetings/{id}/summary", tag = "meetings", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "Counts and texts per agenda item, with authors", body = MeetingSummary),
        (status = 404, description = "No such meeting created by the caller", body = kyso_api::ErrorBody)))]
pub async fn meeting_summary(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Json<MeetingSummary>> {
    let who = creator(&caller)?;
    meetings::created_by(&state.db, &id, &who).await?;
    meetings::summary(&state.db, &id, None, true)
        .await
        .map(Json)
}

/// The caller's seat in meeting `id` (404 unless a participant).
async fn seat(state: &AppState, caller: &Caller, id: &str) -> AppResult<(Seat, String)> {
    let u = caller.user()?;
    let s = meetings::seat(&state.db, id, &u.id).await?;
    Ok((s, u.username.clone()))
}

/// The meetings the caller takes part in, soonest first.
#[utoipa::path(get, path = "/api/v1/device/meetings", tag = "device", security(("bearer" = [])),
    responses((status = 200, description = "The caller's meetings", body = [Meeting])))]
pub async fn my_meetings(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<Meeting>>> {
    let u = caller.user()?;
    meetings::list_for(&state.db, &u.id).await.map(Json)
}

/// One meeting the caller takes part in.
#[utoipa::path(get, path = "/api/v1/device/meetings/{id}", tag = "device", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "The meeting", body = Meeting),
        (status = 404, description = "No such meeting with the caller among its participants", body = kyso_api::ErrorBody)))]
pub async fn my_meeting(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Json<Meeting>> {
    seat(&state, &caller, &id).await?;
    meetings::get(&state.db, &id).await.map(Json)
}

/// A document of the meeting's agenda (the stored bytes, exactly).
#[utoipa::path(get, path = "/api/v1/device/meetings/{id}/documents/{doc}", tag = "device", security(("bearer" = [])),
    params(("id" = String, Path), ("doc" = String, Path, description = "a document id of the meeting's agenda")),
    responses((status = 200, description = "The PDF", body = kyso_api::PdfDocument, content_type = "application/pdf",
            headers(("X-Content-SHA256" = String, description = "SHA-256 of the PDF, hex"))),
        (status = 404, description = "No such meeting with the caller among its participants, or no such document in it", body = kyso_api::ErrorBody)))]
pub async fn meeting_document(
    State(state): State<AppState>,
    caller: Caller,
    PathParam((id, doc)): PathParam<(String, String)>,
) -> AppResult<Response> {
    seat(&state, &caller, &id).await?;
    let sha = meetings::document_sha(&state.db, &id, &doc).await?;
    crate::routes::integrator::pdf_response(&state, &sha)
}

/// Gives an opinion on an agenda item: agree, disagree (with a text saying
/// why) or comment (with a text). Recorded and audited; a later agree or
/// disagree replaces the caller's stance, comments add up. A tablet that
/// queues opinions offline sends each with its own `Idempotency-Key`: a
/// key sent again gets the opinion recorded the first time (200), never a
/// second one.
#[utoipa::path(post, path = "/api/v1/device/meetings/{id}/items/{item}/opinions", tag = "device", security(("bearer" = [])),
    params(("id" = String, Path), ("item" = String, Path, description = "an agenda item of the meeting"),
        ("Idempotency-Key" = Option<String>, Header, description = "optional, 1 to 128 characters: one key per opinion; \
         the same key again gets the same opinion")),
    request_body = NewOpinion,
    responses((status = 201, description = "The opinion, as recorded", body = Opinion),
        (status = 200, description = "This Idempotency-Key's opinion, recorded before", body = Opinion),
        (status = 400, description = "No text for disagree or comment, a text over 4000 characters, or a bad Idempotency-Key", body = kyso_api::ErrorBody),
        (status = 404, description = "No such meeting with the caller among its participants, or no such item in it", body = kyso_api::ErrorBody),
        (status = 409, description = "The Idempotency-Key was used for another opinion", body = kyso_api::ErrorBody)))]
pub async fn give_opinion(
    State(state): State<AppState>,
    caller: Caller,
    PathParam((id, item)): PathParam<(String, String)>,
    headers: HeaderMap,
    JsonBody(op): JsonBody<NewOpinion>,
) -> AppResult<(StatusCode, Json<Opinion>)> {
    let key = match headers.get("Idempotency-Key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= 128)
                .ok_or_else(|| {
                    AppError::bad_request(
                        "the Idempotency-Key must be 1 to 128 visible ASCII characters",
                    )
                })?,
        ),
    };
    let (s, username) = seat(&state, &caller, &id).await?;
    let (o, again) = meetings::add_opinion(&state, &s, &username, &item, &op, key).await?;
    let status = if again {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(o)))
}

/// The opinions per agenda item: counts of agree and disagree (each
/// participant's latest), comments, and the texts. Authors are named to
/// the chair and to the clerk who created the meeting; other participants
/// see only which opinions are their own.
#[utoipa::path(get, path = "/api/v1/device/meetings/{id}/summary", tag = "device", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "Counts and texts per agenda item", body = MeetingSummary),
        (status = 404, description = "No such meeting with the caller among its participants", body = kyso_api::ErrorBody)))]
pub async fn my_meeting_summary(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Json<MeetingSummary>> {
    let (s, _) = seat(&state, &caller, &id).await?;
    meetings::summary(&state.db, &id, Some(&s.user_id), s.chair || s.creator)
        .await
        .map(Json)
}

/// Sets what the presenter shows (document, page, zoom) and sends it to
/// every follower. The chair, or the participant the chair delegated to.
#[utoipa::path(post, path = "/api/v1/device/meetings/{id}/presenter", tag = "device", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = PresenterUpdate,
    responses((status = 200, description = "The state as stored and sent, with its `seq`", body = PresenterState),
        (status = 400, description = "A document not of this meeting, a page outside it, or a zoom outside 0.25 to 8", body = kyso_api::ErrorBody),
        (status = 404, description = "No such meeting with the caller among its participants", body = kyso_api::ErrorBody)))]
pub async fn present(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    JsonBody(up): JsonBody<PresenterUpdate>,
) -> AppResult<Json<PresenterState>> {
    let (s, _) = seat(&state, &caller, &id).await?;
    meetings::present(&state, &s, &up).await.map(Json)
}

/// The chair lets a participant present (besides the chair), or takes it
/// back (`presenter: null`). Audited.
#[utoipa::path(post, path = "/api/v1/device/meetings/{id}/presenter/delegate", tag = "device", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = PresenterDelegation,
    responses((status = 200, description = "The meeting, with its `presenter_id`", body = Meeting),
        (status = 400, description = "The presenter is not a participant", body = kyso_api::ErrorBody),
        (status = 404, description = "No such meeting with the caller among its participants", body = kyso_api::ErrorBody)))]
pub async fn delegate_presenter(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    JsonBody(d): JsonBody<PresenterDelegation>,
) -> AppResult<Json<Meeting>> {
    let (s, username) = seat(&state, &caller, &id).await?;
    meetings::delegate(&state, &s, &username, &d)
        .await
        .map(Json)
}

/// A follower: the current state first, then each newer one.
struct Follow {
    db: Db,
    meeting_id: String,
    rx: tokio::sync::broadcast::Receiver<PresenterState>,
    first: Option<PresenterState>,
    last: u64,
}

impl Follow {
    async fn next(mut self) -> Option<(PresenterState, Self)> {
        if let Some(s) = self.first.take() {
            self.last = s.seq;
            return Some((s, self));
        }
        loop {
            let s = match self.rx.recv().await {
                Ok(s) => s,
                // Fell behind: what matters is where the presenter is now.
                Err(RecvError::Lagged(_)) => {
                    match meetings::current(&self.db, &self.meeting_id).await {
                        Ok(Some(s)) => s,
                        _ => continue,
                    }
                }
                Err(RecvError::Closed) => return None,
            };
            if s.seq > self.last {
                self.last = s.seq;
                return Some((s, self));
            }
        }
    }
}

/// The presenter's page, live (Server-Sent Events, `event: presenter`):
/// first the current state (when anything was presented), then every
/// change, in `seq` order. Ends when the gateway stops; a follower that
/// reconnects starts again from the current state.
#[utoipa::path(get, path = "/api/v1/device/meetings/{id}/events", tag = "device", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "`event: presenter` with a PresenterState as JSON data, until the client leaves",
            body = kyso_api::PresenterEventMessage, content_type = "text/event-stream"),
        (status = 404, description = "No such meeting with the caller among its participants", body = kyso_api::ErrorBody)))]
pub async fn meeting_events(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    seat(&state, &caller, &id).await?;
    // Subscribe before reading the current state: nothing falls between.
    let rx = state.events.subscribe_meeting(&id);
    let first = meetings::current(&state.db, &id).await?;
    let follow = Follow {
        db: state.db.clone(),
        meeting_id: id,
        rx,
        first,
        last: 0,
    };
    let stream = futures_util::stream::unfold(follow, Follow::next).filter_map(|s| {
        Event::default()
            .event("presenter")
            .json_data(&s)
            .ok()
            .map(Ok)
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
