//! The leader's side (session of a leader): enrollment of a device key, the
//! inbox, fetching documents, uploading signed PDFs, declining, live events.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::response::sse::{Event, KeepAlive, Sse};
use base64::Engine;
use der::{Encode, EncodePem};
use futures_util::Stream;
use kyso_api::{
    DeclineRequest, EnrollNonce, EnrollRequest, EnrollResponse, PushRegistration, QuietHours,
    RequestStatus, Role, SecurityLevel, SigningRequest,
};
use kyso_pdf::verify::report::Indication;
use kyso_pdf::verify::{Original, Profile, VerifyOptions};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::auth::Caller;
use crate::cache::{InboxBody, Lookup, accepts_gzip};
use crate::error::{AppError, AppResult};
use crate::requests;
use crate::routes::{JsonBody, PathParam};
use crate::state::AppState;
use crate::store::{hex, unhex};

fn leader(caller: &Caller) -> AppResult<&crate::auth::CallerUser> {
    caller.with_role(Role::Leader)
}

/// A fresh enrollment challenge (also the attestation challenge).
#[utoipa::path(get, path = "/api/v1/device/enroll/nonce", tag = "device", security(("bearer" = [])),
    responses((status = 200, description = "A challenge, valid for ten minutes", body = EnrollNonce)))]
pub async fn enroll_nonce(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Json<EnrollNonce>> {
    let u = caller.user()?;
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    let nonce = base64::engine::general_purpose::STANDARD.encode(b);
    let expires = crate::now_rfc3339(state.clock.now() + time::Duration::minutes(10));
    let db = &state.db;
    let mut w = db.begin_write().await?;
    sqlx::query(
        &db.sql("INSERT INTO enroll_nonces (nonce, user_id, expires_at, used) VALUES (?, ?, ?, 0)"),
    )
    .bind(&nonce)
    .bind(&u.id)
    .bind(&expires)
    .execute(&mut *w.tx)
    .await?;
    w.tx.commit().await?;
    Ok(Json(EnrollNonce {
        nonce,
        expires_at: expires,
    }))
}

/// Enrolls a device key: checks the challenge and the CSR, issues a
/// certificate from the device CA and records the device.
#[utoipa::path(post, path = "/api/v1/device/enroll", tag = "device", security(("bearer" = [])), request_body = EnrollRequest,
    responses((status = 201, description = "The device's certificate chain", body = EnrollResponse),
        (status = 400, description = "Bad CSR, or the challenge is unknown, used or expired", body = kyso_api::ErrorBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<EnrollRequest>,
) -> AppResult<(StatusCode, Json<EnrollResponse>)> {
    let u = caller.user()?.clone();
    let db = &state.db;
    let now = state.now();
    let level = attested_level(&state, &req)?;
    let row = sqlx::query(&db.sql(
        "SELECT u.full_name, n.name, n.require_hardware FROM users u JOIN units n ON n.id = u.unit_id WHERE u.id = ?",
    ))
    .bind(&u.id)
    .fetch_one(db.pool())
    .await?;
    let (full_name, unit): (String, String) = (row.try_get(0)?, row.try_get(1)?);
    if row.try_get::<i64, _>(2)? != 0 && level == SecurityLevel::Software {
        return Err(AppError::bad_request(
            "this unit accepts only keys in secure hardware, proven by key attestation",
        ));
    }
    let cert = state
        .ca
        .issue(
            &req.csr_pem,
            &full_name,
            &unit,
            level,
            state.clock.now().into(),
        )
        .map_err(AppError::bad_request)?;
    let der = cert.to_der().map_err(AppError::internal)?;
    let serial = hex(cert.tbs_certificate.serial_number.as_bytes());
    let id = uuid::Uuid::new_v4().to_string();
    let mut w = db.begin_write().await?;
    let used = sqlx::query(&db.sql("UPDATE enroll_nonces SET used = 1 WHERE nonce = ? AND user_id = ? AND used = 0 AND expires_at > ?"))
        .bind(&req.nonce)
        .bind(&u.id)
        .bind(&now)
        .execute(&mut *w.tx)
        .await?;
    if used.rows_affected() != 1 {
        return Err(AppError::bad_request(
            "the enrollment challenge is unknown, used or expired",
        ));
    }
    sqlx::query(&db.sql(
        "INSERT INTO devices (id, user_id, platform, model, security_level, serial, cert_der_hex, status, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)",
    ))
    .bind(&id)
    .bind(&u.id)
    .bind(req.platform.chars().take(32).collect::<String>())
    .bind(req.model.chars().take(128).collect::<String>())
    .bind(level.as_str())
    .bind(&serial)
    .bind(hex(&der))
    .bind(&now)
    .execute(&mut *w.tx)
    .await?;
    crate::audit::append(
        db,
        &mut w.tx,
        &now,
        &u.username,
        "device_enrolled",
        &format!("device:{id}"),
        &format!("serial {serial}"),
    )
    .await?;
    w.tx.commit().await?;
    let pem = cert
        .to_pem(der::pem::LineEnding::LF)
        .map_err(AppError::internal)?;
    Ok((
        StatusCode::CREATED,
        Json(EnrollResponse {
            device_id: id,
            certificate_chain_pem: format!("{pem}{}", state.ca.cert_pem()),
            security_level: level,
        }),
    ))
}

/// The security level the enrollment proves, when the gateway is configured
/// for the platform's evidence; anything else is a software key.
///
/// * Android: the key attestation chain is verified (challenge = the
///   enrollment nonce, key = the CSR's) and proves TEE or StrongBox.
/// * iOS: the App Attest attestation and assertion are verified over
///   SHA-256(nonce ‖ the CSR's SubjectPublicKeyInfo). App Attest proves a
///   genuine instance of our app on a genuine device, which bound this key
///   to the enrollment; Apple offers no attestation of a Secure Enclave key
///   itself, so the Secure Enclave level rests on the app, whose only key
///   generation is in the Secure Enclave (the keystore plugin's Swift side).
fn attested_level(state: &AppState, req: &EnrollRequest) -> AppResult<SecurityLevel> {
    if req.platform == "ios" {
        return app_attested_level(state, req);
    }
    let Some(verifier) = &state.config.android_attestation else {
        return Ok(SecurityLevel::Software);
    };
    if req.platform != "android" || req.attestation_chain.is_empty() {
        return Ok(SecurityLevel::Software);
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let chain = req
        .attestation_chain
        .iter()
        .map(|c| b64.decode(c.trim()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| AppError::bad_request("attestation_chain: each certificate is base64 DER"))?;
    let challenge = b64
        .decode(&req.nonce)
        .map_err(|_| AppError::bad_request("the enrollment challenge is not base64"))?;
    let spki = kyso_attest::csr_public_key(req.csr_pem.as_bytes())
        .ok_or_else(|| AppError::bad_request("the CSR carries no readable public key"))?;
    let expected = kyso_attest::Expected {
        challenge: &challenge,
        public_key: &spki,
    };
    let now: std::time::SystemTime = state.clock.now().into();
    let proven = verifier.verify(&chain, &expected, now).map_err(|e| {
        AppError::bad_request(format!("key attestation refused ({}): {e}", e.code()))
    })?;
    Ok(proven.level.into())
}

/// iOS: see [`attested_level`].
fn app_attested_level(state: &AppState, req: &EnrollRequest) -> AppResult<SecurityLevel> {
    let (Some(cfg), Some(ev)) = (&state.config.app_attest, &req.app_attest) else {
        return Ok(SecurityLevel::Software);
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let field = |name: &str, v: &str| {
        b64.decode(v.trim())
            .map_err(|_| AppError::bad_request(format!("app_attest.{name} is not base64")))
    };
    let (key_id, attestation, assertion) = (
        field("key_id", &ev.key_id)?,
        field("attestation", &ev.attestation)?,
        field("assertion", &ev.assertion)?,
    );
    let nonce = b64
        .decode(&req.nonce)
        .map_err(|_| AppError::bad_request("the enrollment challenge is not base64"))?;
    let spki = kyso_attest::csr_public_key(req.csr_pem.as_bytes())
        .ok_or_else(|| AppError::bad_request("the CSR carries no readable public key"))?;
    let evidence = kyso_attest::apple::Enrollment {
        key_id: &key_id,
        attestation: &attestation,
        assertion: &assertion,
    };
    let now: std::time::SystemTime = state.clock.now().into();
    kyso_attest::apple::verify_enrollment(&evidence, &nonce, &spki, &cfg.config, &cfg.anchors, now)
        .map_err(|e| {
            AppError::bad_request(format!(
                "App Attest refused ({}): {}",
                e.code(),
                e.message_en()
            ))
        })?;
    Ok(SecurityLevel::TrustedEnvironment)
}

/// Requests waiting for the caller's signature. The answer carries an
/// `ETag`; a client that sends it back in `If-None-Match` gets 304 while
/// nothing changed. A client that accepts gzip gets the list gzipped (made
/// once per change of the inbox, like the JSON).
#[utoipa::path(get, path = "/api/v1/device/inbox", tag = "device", security(("bearer" = [])),
    params(("If-None-Match" = Option<String>, Header, description = "the `ETag` of the inbox the client holds"),
        ("Accept-Encoding" = Option<String>, Header, description = "`gzip` for a gzipped answer")),
    responses((status = 200, description = "Pending requests, most urgent and oldest first", body = [SigningRequest],
            headers(("ETag" = String, description = "identifies this list in this coding; changes whenever the list does"),
                ("Content-Encoding" = Option<String>, description = "`gzip` when the client accepts it"),
                ("Vary" = String, description = "`accept-encoding`"))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag",
            headers(("ETag" = String, description = "the same tag")))))]
pub async fn inbox(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> AppResult<Response> {
    let u = leader(&caller)?;
    use axum::http::header;
    let body = match state.inboxes.get(&u.id) {
        Lookup::Hit(b) => b,
        Lookup::Miss(generation) => {
            let list = requests::inbox(&state.db, &u.id).await?;
            let json = serde_json::to_vec(&list).map_err(AppError::internal)?;
            let b = InboxBody::new(json);
            state.inboxes.put(&u.id, generation, b.clone());
            b
        }
    };
    let value = |h: header::HeaderName| headers.get(h).and_then(|v| v.to_str().ok());
    let gzip = value(header::ACCEPT_ENCODING).is_some_and(accepts_gzip);
    let etag = if gzip { &body.etag_gzip } else { &body.etag };
    let mut res = if value(header::IF_NONE_MATCH).is_some_and(|v| body.matches(v)) {
        let mut r = Response::new(axum::body::Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(axum::body::Body::from(if gzip {
            body.gzip.clone()
        } else {
            body.json.clone()
        }));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
        if gzip {
            r.headers_mut().insert(
                header::CONTENT_ENCODING,
                header::HeaderValue::from_static("gzip"),
            );
        }
        r
    };
    res.headers_mut().insert(header::ETAG, etag.clone());
    res.headers_mut().insert(
        header::VARY,
        header::HeaderValue::from_static("accept-encoding"),
    );
    Ok(res)
}

/// A request addressed to the caller (404 for anyone else's).
async fn mine(state: &AppState, caller: &Caller, id: &str) -> AppResult<SigningRequest> {
    let u = leader(caller)?;
    let r = requests::get(&state.db, id).await?;
    if r.signer.id != u.id {
        return Err(AppError::not_found());
    }
    Ok(r)
}

/// One request addressed to the caller.
#[utoipa::path(get, path = "/api/v1/device/requests/{id}", tag = "device", security(("bearer" = [])), params(("id" = String, Path)),
    operation_id = "get_device_request",
    responses((status = 200, description = "The request", body = SigningRequest), (status = 404, description = "No such request addressed to the caller", body = kyso_api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Json<SigningRequest>> {
    mine(&state, &caller, &id).await.map(Json)
}

/// The document to sign (the issued bytes, exactly).
#[utoipa::path(get, path = "/api/v1/device/requests/{id}/document", tag = "device", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "The issued PDF", body = kyso_api::PdfDocument, content_type = "application/pdf",
            headers(("X-Content-SHA256" = String, description = "SHA-256 of the PDF, hex"))),
        (status = 404, description = "No such request addressed to the caller", body = kyso_api::ErrorBody)))]
pub async fn document(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Response> {
    let r = mine(&state, &caller, &id).await?;
    crate::routes::integrator::pdf_response(&state, &r.document_sha256)
}

/// The signed PDF of a request addressed to the caller.
#[utoipa::path(get, path = "/api/v1/device/requests/{id}/signed", tag = "device", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "The signed PDF", body = kyso_api::PdfDocument, content_type = "application/pdf",
            headers(("X-Content-SHA256" = String, description = "SHA-256 of the PDF, hex"))),
        (status = 404, description = "No such request addressed to the caller", body = kyso_api::ErrorBody),
        (status = 409, description = "The request is not signed", body = kyso_api::ErrorBody)))]
pub async fn signed_document(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<Response> {
    let r = mine(&state, &caller, &id).await?;
    let sha = r
        .signed_sha256
        .ok_or_else(|| AppError::conflict("the request is not signed"))?;
    crate::routes::integrator::pdf_response(&state, &sha)
}

/// Uploads the signed PDF (`Idempotency-Key` required). It is accepted only
/// if the strict verifier passes it against the issued document and its
/// signer is a live device of this leader.
#[utoipa::path(post, path = "/api/v1/device/requests/{id}/signed", tag = "device", security(("bearer" = [])), params(("id" = String, Path),
        ("Idempotency-Key" = String, Header, description = "one key per signing attempt; a retry with the same key gets the same answer")),
    request_body(content_type = "application/pdf", content = kyso_api::PdfDocument, description = "The issued PDF with the leader's signature added"),
    responses((status = 200, description = "The request, signed", body = SigningRequest),
        (status = 400, description = "No or bad `Idempotency-Key`", body = kyso_api::ErrorBody),
        (status = 404, description = "No such request addressed to the caller", body = kyso_api::ErrorBody),
        (status = 409, description = "The request is no longer pending, or the key was used for another request", body = kyso_api::ErrorBody),
        (status = 422, description = "The upload does not verify, or its signer is not an active device of the caller; \
            the body also has the verifier's `report`", body = kyso_api::ErrorBody)))]
pub async fn upload_signed(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    let u = leader(&caller)?.clone();
    let body = body?;
    let key = headers
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 128)
        .ok_or_else(|| AppError::bad_request("the Idempotency-Key header is required"))?
        .to_string();
    let db = &state.db;
    if let Some(prev) = sqlx::query(&db.sql(
        "SELECT request_id, status_code, body FROM idempotency WHERE user_id = ? AND idem_key = ?",
    ))
    .bind(&u.id)
    .bind(&key)
    .fetch_optional(db.pool())
    .await?
    {
        if prev.try_get::<String, _>(0)? != id {
            return Err(AppError::conflict(
                "this Idempotency-Key was used for another request",
            ));
        }
        let code: i64 = prev.try_get(1)?;
        let body: String = prev.try_get(2)?;
        return json_response(
            StatusCode::from_u16(code as u16).unwrap_or(StatusCode::OK),
            body,
        );
    }
    let r = mine(&state, &caller, &id).await?;
    if r.status != RequestStatus::Pending {
        return Err(AppError::conflict(format!(
            "the request is {}",
            r.status.as_str()
        )));
    }
    // The store is content-addressed: the issued document's name is its
    // SHA-256, and its size is on the row. No need to read and hash it again.
    let sha256: [u8; 32] = unhex(&r.document_sha256)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::internal("a stored document digest is not a SHA-256"))?;
    let original = Original {
        len: r.document_size,
        sha256,
    };
    let opts = VerifyOptions {
        profile: Profile::Strict,
        trust: vec![state.ca.cert().clone()],
        original: Some(original),
        now: state.clock.now(),
    };
    // `Bytes` clones share the buffer: no copy of the upload.
    let upload = body.clone();
    let report = tokio::task::spawn_blocking(move || kyso_pdf::verify::verify(&upload[..], &opts))
        .await
        .map_err(AppError::internal)?;
    let report_json = serde_json::to_value(&report).map_err(AppError::internal)?;
    if report.indication != Indication::TotalPassed {
        return Err(AppError::verification(
            "the signed document does not verify; see the report",
            report_json,
        ));
    }
    // The new signature (the last) must come from a live device of this leader.
    let signer_sha = report
        .signatures
        .last()
        .and_then(|s| s.signer.as_ref())
        .map(|c| c.sha256.clone())
        .unwrap_or_default();
    let devices = sqlx::query(
        &db.sql("SELECT id, cert_der_hex FROM devices WHERE user_id = ? AND status = 'active'"),
    )
    .bind(&u.id)
    .fetch_all(db.pool())
    .await?;
    let device_id = devices.iter().find_map(|d| {
        let der: String = d.try_get(1).ok()?;
        let bytes = unhex(&der)?;
        (hex(&Sha256::digest(&bytes)) == signer_sha)
            .then(|| d.try_get::<String, _>(0).ok())
            .flatten()
    });
    let Some(device_id) = device_id else {
        return Err(AppError::verification(
            "the signer is not an active device of this leader",
            report_json,
        ));
    };
    // Writing and syncing the file blocks: off the async workers. The
    // verifier's pass over the upload gave its digest.
    let (store, upload, digest) = (state.store.clone(), body.clone(), report.sha256.clone());
    let sha = tokio::task::spawn_blocking(move || store.put_digested(&upload, digest))
        .await
        .map_err(AppError::internal)??;
    let now = state.now();
    let mut w = db.begin_write().await?;
    requests::record_document(db, &mut w.tx, &sha, body.len(), &now).await?;
    // Still pending and the device still active, checked in the same
    // transaction: exactly one upload wins, a revoked device signs nothing.
    let won = sqlx::query(&db.sql(
        "UPDATE requests SET status = 'signed', edxml_status = ?, signed_sha256 = ?, report_json = ?, updated_at = ? \
         WHERE id = ? AND status = 'pending' AND EXISTS (SELECT 1 FROM devices WHERE id = ? AND status = 'active')",
    ))
    .bind(requests::edxml_for(RequestStatus::Signed))
    .bind(&sha)
    .bind(report_json.to_string())
    .bind(&now)
    .bind(&id)
    .bind(&device_id)
    .execute(&mut *w.tx)
    .await?;
    if won.rows_affected() != 1 {
        return Err(AppError::conflict(
            "the request was signed, declined or cancelled meanwhile, or the device was revoked",
        ));
    }
    sqlx::query(&db.sql("UPDATE devices SET last_seen = ? WHERE id = ?"))
        .bind(&now)
        .bind(&device_id)
        .execute(&mut *w.tx)
        .await?;
    requests::record(
        &state,
        &mut w.tx,
        &id,
        &u.username,
        "signed",
        &format!("device {device_id}, document {sha}"),
    )
    .await?;
    requests::enqueue_webhook(&state, &mut w.tx, &id, RequestStatus::Signed).await?;
    let r = requests::get_in(db, &mut w.tx, &id).await?;
    let body_json = serde_json::to_string(&r).map_err(AppError::internal)?;
    sqlx::query(&db.sql("INSERT INTO idempotency (user_id, idem_key, request_id, status_code, body, created_at) VALUES (?, ?, ?, 200, ?, ?)"))
        .bind(&u.id)
        .bind(&key)
        .bind(&id)
        .bind(&body_json)
        .bind(&now)
        .execute(&mut *w.tx)
        .await?;
    w.tx.commit().await?;
    requests::notify(&state, &r);
    json_response(StatusCode::OK, body_json)
}

fn json_response(status: StatusCode, body: String) -> AppResult<Response> {
    Response::builder()
        .status(status)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body))
        .map_err(AppError::internal)
}

/// Returns a request to the document system with a reason.
#[utoipa::path(post, path = "/api/v1/device/requests/{id}/decline", tag = "device", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = DeclineRequest,
    responses((status = 200, description = "The request, declined", body = SigningRequest),
        (status = 400, description = "No reason, or one over 2000 characters", body = kyso_api::ErrorBody),
        (status = 404, description = "No such request addressed to the caller", body = kyso_api::ErrorBody),
        (status = 409, description = "The request is no longer pending", body = kyso_api::ErrorBody)))]
pub async fn decline(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    JsonBody(req): JsonBody<DeclineRequest>,
) -> AppResult<Json<SigningRequest>> {
    let u = leader(&caller)?.clone();
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(AppError::bad_request(
            "a reason of 1 to 2000 characters is required",
        ));
    }
    mine(&state, &caller, &id).await?;
    requests::leave_pending(&state, &id, RequestStatus::Declined, &u.username, reason)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::conflict("only a pending request can be declined"))
}

/// Live changes to the caller's requests (Server-Sent Events, `event: request`).
#[utoipa::path(get, path = "/api/v1/device/events", tag = "device", security(("bearer" = [])),
    responses((status = 200, description = "`event: request` with a RequestEvent as JSON data, until the client leaves",
        body = kyso_api::RequestEventMessage, content_type = "text/event-stream")))]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let u = caller.user()?;
    let rx = state.events.subscribe(&u.id);
    let stream = BroadcastStream::new(rx).filter_map(|ev| {
        let ev = ev.ok()?;
        Event::default()
            .event("request")
            .json_data(&ev)
            .ok()
            .map(Ok)
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Sets the push token of one of the caller's devices (FCM on Android,
/// APNs on iOS), replacing any earlier one. The app calls it after
/// enrollment and whenever the platform gives it a new token. Pushes carry
/// only a request id, an urgency and a category.
#[utoipa::path(put, path = "/api/v1/device/devices/{id}/push", tag = "device", security(("bearer" = [])),
    params(("id" = String, Path, description = "the device id from enrollment")),
    request_body = PushRegistration,
    responses((status = 204, description = "Registered"),
        (status = 400, description = "A token that is not of the provider's shape, or a bad `app_id`", body = kyso_api::ErrorBody),
        (status = 404, description = "No such active device of the caller", body = kyso_api::ErrorBody)))]
pub async fn register_push(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
    JsonBody(reg): JsonBody<PushRegistration>,
) -> AppResult<StatusCode> {
    let u = leader(&caller)?;
    crate::push::register(&state, &u.id, &u.username, &id, &reg).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Forgets the push token of one of the caller's devices (the app turned
/// notifications off or logs out).
#[utoipa::path(delete, path = "/api/v1/device/devices/{id}/push", tag = "device", security(("bearer" = [])),
    params(("id" = String, Path, description = "the device id from enrollment")),
    responses((status = 204, description = "Forgotten (also when there was none)"),
        (status = 404, description = "No such active device of the caller", body = kyso_api::ErrorBody)))]
pub async fn unregister_push(
    State(state): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<String>,
) -> AppResult<StatusCode> {
    let u = leader(&caller)?;
    crate::push::unregister(&state, &u.id, &u.username, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's quiet hours: a daily window, in Vietnam's local time
/// (UTC+07:00), during which pushes about requests marked thường or khẩn
/// wait until it ends (thượng khẩn and hỏa tốc still come at once). Both
/// times `null`: none.
#[utoipa::path(get, path = "/api/v1/device/quiet-hours", tag = "device", security(("bearer" = [])),
    responses((status = 200, description = "The caller's quiet hours (both `null`: none)", body = QuietHours)))]
pub async fn quiet_hours(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Json<QuietHours>> {
    let u = leader(&caller)?;
    crate::push::quiet::get(&state, &u.id).await.map(Json)
}

/// Sets the caller's quiet hours (`HH:MM` to `HH:MM`, Vietnam time; the
/// window may wrap midnight), or removes them (both `null`). Pushes held
/// by the earlier quiet hours are judged again by the new ones at once.
#[utoipa::path(put, path = "/api/v1/device/quiet-hours", tag = "device", security(("bearer" = [])),
    request_body = QuietHours,
    responses((status = 200, description = "The quiet hours as stored", body = QuietHours),
        (status = 400, description = "A time that is not `HH:MM`, only one of the two, or start equal to end", body = kyso_api::ErrorBody)))]
pub async fn set_quiet_hours(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(wanted): JsonBody<QuietHours>,
) -> AppResult<Json<QuietHours>> {
    let u = leader(&caller)?;
    crate::push::quiet::set(&state, &u.id, &u.username, &wanted)
        .await
        .map(Json)
}
