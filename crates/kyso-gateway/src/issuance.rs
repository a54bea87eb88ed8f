//! Issuance by the clerk (văn thư; DESIGN.md §2, §4.2, §5): a request the
//! leader signed gets its number and date and the agency seal's signature.
//!
//! * The seal signs a new incremental revision over the leader's signed
//!   PDF, so the leader's signature stays valid (profile B): one new
//!   signature field with its value, nothing else.
//! * Appearance (Nghị định 30/2020, Phụ lục I): the red seal at its real
//!   size over the left third of the leader's signature image
//!   (`kyso_pdf::appearance::seal_placement`); `/Reason` carries the number
//!   and date.
//! * The seal key is the unit's (`seal`): in the PKCS#11 token, or the
//!   demo's file. The signature is timestamped by the gateway's own TSA
//!   (B-T), and its CMS carries the CA certificate.
//! * Then PAdES B-LTA (`long_term`, in `finish_and_store`): a DSS revision
//!   with the CA and TSA certificates and the CA's CRL, and a document
//!   timestamp by the gateway's TSA.
//! * The result goes through the one verifier (profile B, the device CA as
//!   trust anchor, the current CRL) before anything is stored: a document
//!   that would not verify is never issued. The state changes to `issued`
//!   in one transaction with the history, audit entry and webhook.

use std::io::Cursor;

use kyso_api::{Issuance, IssueRequest, RequestStatus, SigningRequest};
use kyso_pdf::appearance::{Appearance, Style};
use kyso_pdf::verify::report::Indication;
use kyso_pdf::verify::{Profile, VerifyOptions};
use sqlx::Row;

use crate::auth::CallerUser;
use crate::error::{AppError, AppResult};
use crate::requests;
use crate::state::AppState;

/// The longest number and symbol accepted (`12/UBND-VP` is ten).
pub const MAX_NUMBER: usize = 100;

/// A signed request of the clerk's unit, or the 404 of a missing one.
pub(crate) async fn of_unit(
    state: &AppState,
    clerk: &CallerUser,
    id: &str,
) -> AppResult<SigningRequest> {
    let r = requests::get(&state.db, id).await?;
    if r.unit.id != clerk.unit_id {
        return Err(AppError::not_found());
    }
    Ok(r)
}

/// What waits for the clerk: signed requests of their unit.
pub async fn waiting(state: &AppState, clerk: &CallerUser) -> AppResult<Vec<SigningRequest>> {
    requests::awaiting_issuance(&state.db, &clerk.unit_id).await
}

/// A number and symbol as the clerk gave it, trimmed: 1 to [`MAX_NUMBER`]
/// characters without control characters, else 400.
pub(crate) fn number_symbol(n: &str) -> AppResult<String> {
    let n = n.trim();
    if n.is_empty() || n.chars().count() > MAX_NUMBER || n.chars().any(char::is_control) {
        return Err(AppError::bad_request(format!(
            "number_symbol must be 1 to {MAX_NUMBER} characters without control characters"
        )));
    }
    Ok(n.to_string())
}

/// Checks the clerk's number and date; the date as `time::Date`.
fn check(req: &IssueRequest) -> AppResult<time::Date> {
    number_symbol(&req.number_symbol)?;
    time::Date::parse(
        &req.date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| AppError::bad_request("date must be a calendar date YYYY-MM-DD"))
}

/// Issues a signed request: seals, timestamps, verifies, stores, records.
pub async fn issue(
    state: &AppState,
    clerk: &CallerUser,
    id: &str,
    req: &IssueRequest,
) -> AppResult<Issuance> {
    let date = check(req)?;
    let number = req.number_symbol.trim().to_string();
    let r = of_unit(state, clerk, id).await?;
    if r.status != RequestStatus::Signed {
        return Err(AppError::conflict(format!(
            "only a signed request can be issued; this one is {}",
            r.status.as_str()
        )));
    }
    let signed_sha = r
        .signed_sha256
        .clone()
        .ok_or_else(|| AppError::internal("a signed request without its document"))?;
    let now = state.clock.now();
    let seal = state
        .seals
        .for_unit(&r.unit.id, &r.unit.name, &state.ca, now.into())
        .map_err(AppError::internal)?;
    let signed = state.store.read(&signed_sha)?;
    let shown_date = date
        .format(time::macros::format_description!("[day]/[month]/[year]"))
        .map_err(AppError::internal)?;
    let reason = format!(
        "Ban hành văn bản số {number} ngày {shown_date} / Issued as No. {number} on {}",
        req.date
    );
    let unit_name = r.unit.name.clone();
    let sealed = seal_sign(state, seal.clone(), signed, move |doc| {
        let place = kyso_pdf::appearance::seal_placement(doc, None)?;
        Ok(kyso_pdf::sign::SignOptions {
            page: place.map(|(p, _)| p),
            rect: place.map(|(_, r)| r),
            appearance: Appearance {
                style: Style::Seal,
                signature_image: None,
                seal_image: None,
                title: None,
                signer_name: unit_name.clone(),
                agency: Some(unit_name),
                number: None,
            },
            reason: Some(reason),
            location: None,
            signing_time: now,
            contents_reserve: None,
            field_name: None,
        })
    })
    .await?;
    // Fail closed: the issued document must verify, both signatures.
    let Stored { sha, at, mut w, .. } = finish_and_store(
        state,
        sealed,
        &[],
        2,
        "the sealed document does not verify; nothing was issued",
    )
    .await?;
    let db = &state.db;
    let done = sqlx::query(&db.sql(
        "UPDATE requests SET status = 'issued', edxml_status = ?, number_symbol = ?, issued_sha256 = ?, \
         issued_number = ?, issued_date = ?, issued_by = ?, issued_at = ?, updated_at = ? \
         WHERE id = ? AND status = 'signed'",
    ))
    .bind(requests::edxml_for(RequestStatus::Issued))
    .bind(&number)
    .bind(&sha)
    .bind(&number)
    .bind(&req.date)
    .bind(&clerk.username)
    .bind(&at)
    .bind(&at)
    .bind(id)
    .execute(&mut *w.tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::conflict(
            "the request was issued or changed meanwhile",
        ));
    }
    requests::record(
        state,
        &mut w.tx,
        id,
        &clerk.username,
        "issued",
        &format!(
            "number {number}, date {}, seal {}, document {sha}",
            req.date,
            seal.key()
        ),
    )
    .await?;
    requests::enqueue_webhook(state, &mut w.tx, id, RequestStatus::Issued).await?;
    let request = requests::get_in(db, &mut w.tx, id).await?;
    w.tx.commit().await?;
    requests::notify(state, &request);
    Ok(Issuance {
        request,
        number_symbol: number,
        date: req.date.clone(),
        issued_sha256: sha,
        issued_by: clerk.username.clone(),
        issued_at: at,
    })
}

/// The unit's `seal` signs `pdf` in a new incremental revision, laid out
/// by `options` from the opened document (kyso-pdf's two-phase signing: the
/// key wherever it lives), its signature timestamped by the gateway's own
/// TSA (B-T) when it runs one, the CA certificate in the CMS.
pub(crate) async fn seal_sign(
    state: &AppState,
    seal: std::sync::Arc<crate::seal::Seal>,
    pdf: Vec<u8>,
    options: impl FnOnce(&kyso_pdf::Document<&[u8]>) -> kyso_pdf::Result<kyso_pdf::sign::SignOptions>
    + Send
    + 'static,
) -> AppResult<Vec<u8>> {
    // Reading, laying out and hashing the document is CPU work: off the
    // async workers.
    let (prepared, mut out, signature) = tokio::task::spawn_blocking(move || {
        let doc =
            kyso_pdf::Document::open_with(&pdf[..], kyso_pdf::document::ReadOptions::lenient())?;
        let opts = options(&doc)?;
        let mut out = Cursor::new(Vec::new());
        let prepared = kyso_pdf::sign::prepare(&pdf[..], &mut out, seal.cert(), &opts)?;
        let signature = kyso_pdf::signer::Signer::sign(seal.as_ref(), prepared.to_be_signed())?;
        Ok::<_, kyso_pdf::Error>((prepared, out, signature))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(|e| AppError::internal(format!("sealing failed: {e}")))?;
    let token = match &state.tsa {
        Some(_) => Some(
            crate::tsa::stamp(
                state,
                &kyso_pdf::timestamp::signature_imprint(
                    &kyso_pdf::signer::ecdsa_p256_to_der(&signature).map_err(AppError::internal)?,
                ),
            )
            .await?,
        ),
        None => None,
    };
    prepared
        .finish(
            &mut out,
            &signature,
            std::slice::from_ref(state.ca.cert()),
            token.as_deref(),
        )
        .map_err(|e| AppError::internal(format!("sealing failed: {e}")))?;
    Ok(out.into_inner())
}

/// Fail closed: `pdf` must pass the verifier (profile B, the device CA as
/// trust anchor, `crl`) with at least `signatures` signatures (document
/// timestamps not counted), else nothing is stored: 422 with the report.
async fn verified(
    state: &AppState,
    pdf: Vec<u8>,
    crl: x509_cert::crl::CertificateList,
    signatures: usize,
    refusal: &str,
) -> AppResult<Vec<u8>> {
    let opts = VerifyOptions {
        profile: Profile::Multi,
        trust: vec![state.ca.cert().clone()],
        original: None,
        now: state.clock.now(),
    };
    let (report, pdf) = tokio::task::spawn_blocking(move || {
        let crls = [crl];
        (
            kyso_pdf::verify::verify_with_crls(&pdf[..], &opts, &crls),
            pdf,
        )
    })
    .await
    .map_err(AppError::internal)?;
    let count = report
        .signatures
        .iter()
        .filter(|s| s.kind == "signature")
        .count();
    if report.indication != Indication::TotalPassed || count < signatures {
        return Err(AppError::verification(
            refusal,
            serde_json::to_value(&report).map_err(AppError::internal)?,
        ));
    }
    Ok(pdf)
}

/// An archived document as stored by [`finish_and_store`]: its digest and
/// size, the time, and the open write transaction in which it is already
/// recorded; the caller adds its own rows and commits.
pub(crate) struct Stored<'a> {
    /// The document's SHA-256 (hex), its name in the store.
    pub sha: String,
    /// Its length in bytes.
    pub size: usize,
    /// When it was stored (RFC 3339), for the caller's rows too.
    pub at: String,
    /// The write transaction with the document's row.
    pub w: crate::db::WriteTx<'a>,
}

/// How issuance, copies and re-timestamping end: the current CRL, B-LTA
/// ([`long_term`], `extra` certificates in the DSS too), the verifier fail
/// closed ([`verified`]: at least `signatures`, else 422 with `refusal`),
/// the file stored (off the async workers) and recorded in a new write
/// transaction.
pub(crate) async fn finish_and_store<'a>(
    state: &'a AppState,
    pdf: Vec<u8>,
    extra: &[x509_cert::Certificate],
    signatures: usize,
    refusal: &str,
) -> AppResult<Stored<'a>> {
    let crl = crate::crl::current_list(state).await?;
    let pdf = long_term(state, pdf, &crl, extra).await?;
    let pdf = verified(state, pdf, crl, signatures, refusal).await?;
    let size = pdf.len();
    let store = state.store.clone();
    let sha = tokio::task::spawn_blocking(move || store.put(&pdf))
        .await
        .map_err(AppError::internal)??;
    let db = &state.db;
    let at = state.now();
    let mut w = db.begin_write().await?;
    requests::record_document(db, &mut w.tx, &sha, size, &at).await?;
    Ok(Stored { sha, size, at, w })
}

/// PAdES B-LTA for the archive (DESIGN.md §5): a DSS revision with the
/// device CA's and the TSA's certificates, `extra` certificates (the TSA
/// certificate of an earlier document timestamp, when re-timestamping) and
/// the CA's current CRL (which covers the leader's device, the seal and
/// the TSA), then a document timestamp from the gateway's own TSA over
/// everything. Each is its own incremental revision, which profile A and B
/// both accept after a signature. Without a TSA (tools that open the data
/// without serving) there is no timestamp to add: the DSS alone is.
async fn long_term(
    state: &AppState,
    sealed: Vec<u8>,
    crl: &x509_cert::crl::CertificateList,
    extra: &[x509_cert::Certificate],
) -> AppResult<Vec<u8>> {
    use der::Encode;
    let mut certs = vec![state.ca.cert().to_der().map_err(AppError::internal)?];
    if let Some(tsa) = &state.tsa {
        certs.push(tsa.cert().to_der().map_err(AppError::internal)?);
    }
    for c in extra {
        let der = c.to_der().map_err(AppError::internal)?;
        if !certs.contains(&der) {
            certs.push(der);
        }
    }
    let crls = vec![crl.to_der().map_err(AppError::internal)?];
    let now = state.clock.now();
    let (with_dss, prepared, mut out) = tokio::task::spawn_blocking(move || {
        let mut out = Cursor::new(Vec::new());
        kyso_pdf::sign::add_dss(&sealed[..], &mut out, &certs, &crls)?;
        let with_dss = out.into_inner();
        let mut out = Cursor::new(Vec::new());
        let prepared =
            kyso_pdf::sign::prepare_document_timestamp(&with_dss[..], &mut out, None, now)?;
        Ok::<_, kyso_pdf::Error>((with_dss, prepared, out))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(|e| AppError::internal(format!("long-term data: {e}")))?;
    if state.tsa.is_none() {
        return Ok(with_dss);
    }
    let token = crate::tsa::stamp(state, prepared.document_digest()).await?;
    prepared
        .finish(&mut out, &token)
        .map_err(|e| AppError::internal(format!("document timestamp: {e}")))?;
    Ok(out.into_inner())
}

/// The issued PDF's digest, for a request of the clerk's unit.
pub async fn issued_sha256(state: &AppState, clerk: &CallerUser, id: &str) -> AppResult<String> {
    of_unit(state, clerk, id).await?;
    let row = sqlx::query(
        &state
            .db
            .sql("SELECT issued_sha256 FROM requests WHERE id = ?"),
    )
    .bind(id)
    .fetch_one(state.db.pool())
    .await?;
    row.try_get::<Option<String>, _>(0)?
        .ok_or_else(|| AppError::conflict("the request is not issued"))
}

/// The leader's signed PDF (before the seal), for a signed or issued
/// request of the clerk's unit: what the clerk reads before issuing.
pub async fn signed_sha256(state: &AppState, clerk: &CallerUser, id: &str) -> AppResult<String> {
    let r = of_unit(state, clerk, id).await?;
    match (r.status, r.signed_sha256) {
        (RequestStatus::Signed | RequestStatus::Issued, Some(sha)) => Ok(sha),
        (status, _) => Err(AppError::conflict(format!(
            "the request is not signed; it is {}",
            status.as_str()
        ))),
    }
}
