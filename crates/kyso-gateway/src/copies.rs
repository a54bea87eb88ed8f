//! Copies of issued documents (bản sao điện tử: sao y, sao lục; DESIGN.md
//! §5, Nghị định 30/2020 Điều 25–27 and Phụ lục I), made by a clerk of the
//! request's unit (migration `0011_copies.sql`).
//!
//! * A copy is its own file: the issued PDF as it is, then a new
//!   incremental revision in which the unit's seal key signs in the copy
//!   style (`kyso_pdf::appearance::Style::Copy`: no image, at the top right
//!   of page 1, "SAO Y" or "SAO LỤC", the agency, "Số: 05/SY-UBND", the
//!   signing time in ISO 8601 `+07:00`; Liberation Serif 10 pt, regular,
//!   upright, black). Profile B keeps every earlier signature (the
//!   leader's, the seal at issuance, the document timestamp) valid.
//! * Then the same end as issuance (`issuance::finish_and_store`): B-LTA
//!   (DSS, document timestamp), verified fail-closed (profile B, the device
//!   CA, the current CRL: three signatures), stored by SHA-256, recorded in
//!   `copies` with a history and audit entry on the request (`copied`).
//! * A copy's number is the unit's: a second copy with the same number is
//!   409. Sao lục is made from the issued document too: the gateway holds
//!   the original, so a sao lục here differs from a sao y only by its form.

use kyso_api::{CopyKind, CopyRequest, DocumentCopy, RequestStatus};
use kyso_pdf::appearance::{Appearance, Style};
use sqlx::Row;

use crate::auth::CallerUser;
use crate::error::{AppError, AppResult};
use crate::issuance::{Stored, finish_and_store, of_unit, seal_sign};
use crate::requests;
use crate::state::AppState;

const COLUMNS: &str = "id, request_id, kind, number_symbol, sha256, size, made_by, made_at";

fn from_row(r: &sqlx::any::AnyRow) -> AppResult<DocumentCopy> {
    let kind: String = r.try_get(2)?;
    let size: i64 = r.try_get(5)?;
    Ok(DocumentCopy {
        id: r.try_get(0)?,
        request_id: r.try_get(1)?,
        kind: CopyKind::parse(&kind)
            .ok_or_else(|| AppError::internal(format!("a copy of kind {kind:?}")))?,
        number_symbol: r.try_get(3)?,
        sha256: r.try_get(4)?,
        size: u64::try_from(size).map_err(AppError::internal)?,
        made_by: r.try_get(6)?,
        made_at: r.try_get(7)?,
    })
}

/// Makes a copy of an issued request of the clerk's unit.
pub async fn make(
    state: &AppState,
    clerk: &CallerUser,
    id: &str,
    req: &CopyRequest,
) -> AppResult<DocumentCopy> {
    let number = crate::issuance::number_symbol(&req.number_symbol)?;
    drawable(&number)?;
    let r = of_unit(state, clerk, id).await?;
    if r.status != RequestStatus::Issued {
        return Err(AppError::conflict(format!(
            "only an issued request can be copied; this one is {}",
            r.status.as_str()
        )));
    }
    let db = &state.db;
    let row =
        sqlx::query(&db.sql("SELECT issued_sha256, issued_number FROM requests WHERE id = ?"))
            .bind(id)
            .fetch_one(db.pool())
            .await?;
    let issued_sha: String = row
        .try_get::<Option<String>, _>(0)?
        .ok_or_else(|| AppError::internal("an issued request without its document"))?;
    let issued_number: String = row.try_get::<Option<String>, _>(1)?.unwrap_or_default();
    if taken(state, &r.unit.id, &number).await? {
        return Err(number_taken(&number));
    }
    let now = state.clock.now();
    let seal = state
        .seals
        .for_unit(&r.unit.id, &r.unit.name, &state.ca, now.into())
        .map_err(AppError::internal)?;
    let issued = state.store.read(&issued_sha)?;
    let (form, form_en) = match req.kind {
        CopyKind::SaoY => ("Sao y", "Copy (sao y)"),
        CopyKind::SaoLuc => ("Sao lục", "Copy (sao lục)"),
    };
    let reason = format!(
        "{form} văn bản số {issued_number}, bản sao số {number} / {form_en} No. {number} of No. {issued_number}"
    );
    let unit_name = r.unit.name.clone();
    let label = req.kind.label();
    let shown_number = format!("Số: {number}");
    let sealed = seal_sign(state, seal.clone(), issued, move |_| {
        Ok(kyso_pdf::sign::SignOptions {
            // Page 1, top right: the copy style's own placement.
            page: None,
            rect: None,
            appearance: Appearance {
                style: Style::Copy,
                signature_image: None,
                seal_image: None,
                title: Some(label.into()),
                signer_name: unit_name.clone(),
                agency: Some(unit_name),
                number: Some(shown_number),
            },
            reason: Some(reason),
            location: None,
            signing_time: now,
            contents_reserve: None,
            field_name: None,
        })
    })
    .await?;
    let Stored {
        sha,
        size,
        at,
        mut w,
    } = finish_and_store(
        state,
        sealed,
        &[],
        3,
        "the copy does not verify; nothing was stored",
    )
    .await?;
    let copy_id = uuid::Uuid::new_v4().to_string();
    let inserted = sqlx::query(&db.sql(&format!(
        "INSERT INTO copies ({COLUMNS}, unit_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )))
    .bind(&copy_id)
    .bind(id)
    .bind(req.kind.as_str())
    .bind(&number)
    .bind(&sha)
    .bind(size as i64)
    .bind(&clerk.username)
    .bind(&at)
    .bind(&r.unit.id)
    .execute(&mut *w.tx)
    .await;
    match inserted {
        Ok(_) => {}
        // Another clerk took the number meanwhile.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(number_taken(&number));
        }
        Err(e) => return Err(e.into()),
    }
    requests::record(
        state,
        &mut w.tx,
        id,
        &clerk.username,
        "copied",
        &format!(
            "{} {number}, copy {copy_id}, seal {}, document {sha}",
            req.kind.as_str(),
            seal.key()
        ),
    )
    .await?;
    w.tx.commit().await?;
    Ok(DocumentCopy {
        id: copy_id,
        request_id: id.to_string(),
        kind: req.kind,
        number_symbol: number,
        sha256: sha,
        size: size as u64,
        made_by: clerk.username.clone(),
        made_at: at,
    })
}

/// The number is drawn in the copy's appearance: every character must be
/// in its font (Liberation Serif: Latin, Vietnamese, common punctuation),
/// else 400 rather than a failed signature.
fn drawable(number: &str) -> AppResult<()> {
    use kyso_pdf::appearance::font::{FontSubsetter, LIBERATION_SERIF_REGULAR};
    let font = FontSubsetter::new(LIBERATION_SERIF_REGULAR).map_err(AppError::internal)?;
    font.text_width(number, 10.0).map(|_| ()).map_err(|e| {
        AppError::bad_request(format!(
            "number_symbol cannot be drawn in the copy's font: {e}"
        ))
    })
}

fn number_taken(number: &str) -> AppError {
    AppError::conflict(format!("the unit already has a copy numbered {number}"))
}

async fn taken(state: &AppState, unit: &str, number: &str) -> AppResult<bool> {
    let db = &state.db;
    Ok(
        sqlx::query(&db.sql("SELECT 1 FROM copies WHERE unit_id = ? AND number_symbol = ?"))
            .bind(unit)
            .bind(number)
            .fetch_optional(db.pool())
            .await?
            .is_some(),
    )
}

/// The copies of a request of the clerk's unit, oldest first.
pub async fn list(state: &AppState, clerk: &CallerUser, id: &str) -> AppResult<Vec<DocumentCopy>> {
    of_unit(state, clerk, id).await?;
    let db = &state.db;
    let rows = sqlx::query(&db.sql(&format!(
        "SELECT {COLUMNS} FROM copies WHERE request_id = ? ORDER BY made_at, id"
    )))
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// One copy's PDF digest (its latest version), for a request of the
/// clerk's unit; 404 for a copy of another request.
pub async fn sha256(
    state: &AppState,
    clerk: &CallerUser,
    id: &str,
    copy_id: &str,
) -> AppResult<String> {
    of_unit(state, clerk, id).await?;
    let db = &state.db;
    let row = sqlx::query(&db.sql("SELECT sha256 FROM copies WHERE id = ? AND request_id = ?"))
        .bind(copy_id)
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(row.try_get(0)?)
}
