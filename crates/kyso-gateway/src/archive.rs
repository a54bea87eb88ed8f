//! Archive export (issue 8): a unit's issued documents for a period, each
//! with its verification report (JSON, and Vietnamese text), and a manifest
//! with the SHA-256 of every file; written atomically: everything goes into
//! a temporary directory beside the target, synced, then renamed to it.
//!
//! The reports are made now, by the one verifier (profile B, the device CA
//! as trust anchor, revocation from each document's DSS): what the archive
//! receives is what an auditor re-running `kyso verify` sees.

use std::io::Write;
use std::path::{Path, PathBuf};

use kyso_pdf::verify::report::{Indication, Lang};
use kyso_pdf::verify::{Profile, VerifyOptions};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::state::AppState;
use crate::store::hex;

/// One file of the export.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestFile {
    /// Its name in the directory.
    pub name: String,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// One issued document of the export.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestDocument {
    /// The request.
    pub request_id: String,
    /// Số, ký hiệu.
    pub number_symbol: String,
    /// Ngày ban hành.
    pub date: String,
    /// Trích yếu.
    pub title: String,
    /// The verifier's verdict today.
    pub indication: String,
    /// The PDF and its two reports.
    pub pdf: String,
    /// The JSON report.
    pub report_json: String,
    /// The Vietnamese text report.
    pub report_text: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// The unit.
    pub unit_id: String,
    /// Its name.
    pub unit_name: String,
    /// First and last issue date included (`YYYY-MM-DD`).
    pub from: String,
    /// Last issue date included.
    pub to: String,
    /// When the export was made (RFC 3339).
    pub exported_at: String,
    /// The documents, by issue date.
    pub documents: Vec<ManifestDocument>,
    /// Every other file with its digest.
    pub files: Vec<ManifestFile>,
}

fn date(s: &str) -> Result<time::Date, String> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{s:?} is not a date YYYY-MM-DD"))
}

fn write_file(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    files: &mut Vec<ManifestFile>,
) -> Result<(), String> {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    files.push(ManifestFile {
        name: name.to_string(),
        sha256: hex(&Sha256::digest(bytes)),
        size: bytes.len() as u64,
    });
    Ok(())
}

/// A file name from a number and symbol (`12/QĐ-UBND` → `12_QĐ-UBND`).
fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Exports the issued documents of `unit_id` with issue dates from `from` to
/// `to` (inclusive) into `out`, which must not exist. Returns the manifest.
pub async fn export(
    state: &AppState,
    unit_id: &str,
    from: &str,
    to: &str,
    out: &Path,
) -> Result<Manifest, String> {
    let (d0, d1) = (date(from)?, date(to)?);
    if d1 < d0 {
        return Err(format!("the period ends ({to}) before it starts ({from})"));
    }
    if out.exists() {
        return Err(format!(
            "{} exists: the export never overwrites",
            out.display()
        ));
    }
    let db = &state.db;
    let unit_name: String = sqlx::query(&db.sql("SELECT name FROM units WHERE id = ?"))
        .bind(unit_id)
        .fetch_optional(db.pool())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no unit {unit_id}"))?
        .try_get(0)
        .map_err(|e| e.to_string())?;
    // Dates are ISO `YYYY-MM-DD`: text order is date order.
    let rows = sqlx::query(&db.sql(
        "SELECT id, issued_number, issued_date, title, issued_sha256 FROM requests \
         WHERE unit_id = ? AND status = 'issued' AND issued_date >= ? AND issued_date <= ? \
         ORDER BY issued_date, issued_at, id",
    ))
    .bind(unit_id)
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await
    .map_err(|e| e.to_string())?;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let tmp = tempfile::Builder::new()
        .prefix(".kyso-archive-")
        .tempdir_in(&parent)
        .map_err(|e| format!("{}: {e}", parent.display()))?;
    let mut documents = Vec::new();
    let mut files = Vec::new();
    for r in &rows {
        let get = |i: usize| r.try_get::<String, _>(i).map_err(|e| e.to_string());
        let (id, number, issued_date, title, sha) = (get(0)?, get(1)?, get(2)?, get(3)?, get(4)?);
        let pdf = state
            .store
            .read(&sha)
            .map_err(|e| format!("issued document {sha}: {e}"))?;
        if hex(&Sha256::digest(&pdf)) != sha {
            return Err(format!(
                "the stored document {sha} does not match its digest"
            ));
        }
        let opts = VerifyOptions {
            profile: Profile::Multi,
            trust: vec![state.ca.cert().clone()],
            original: None,
            now: state.clock.now(),
        };
        let report = kyso_pdf::verify::verify(&pdf[..], &opts);
        let stem = format!("{issued_date}_{}_{id}", safe(&number));
        let names = [
            format!("{stem}.pdf"),
            format!("{stem}.report.json"),
            format!("{stem}.report.vi.txt"),
        ];
        write_file(tmp.path(), &names[0], &pdf, &mut files)?;
        write_file(
            tmp.path(),
            &names[1],
            report.to_json().as_bytes(),
            &mut files,
        )?;
        write_file(
            tmp.path(),
            &names[2],
            report.to_text(Lang::Vi).as_bytes(),
            &mut files,
        )?;
        documents.push(ManifestDocument {
            request_id: id,
            number_symbol: number,
            date: issued_date,
            title,
            indication: match report.indication {
                Indication::TotalPassed => "TOTAL_PASSED",
                Indication::TotalFailed => "TOTAL_FAILED",
                Indication::Indeterminate => "INDETERMINATE",
                Indication::NoSignatureFound => "NO_SIGNATURE_FOUND",
            }
            .to_string(),
            pdf: names[0].clone(),
            report_json: names[1].clone(),
            report_text: names[2].clone(),
        });
    }
    let manifest = Manifest {
        unit_id: unit_id.to_string(),
        unit_name,
        from: from.to_string(),
        to: to.to_string(),
        exported_at: state.now(),
        documents,
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    let mut sums: Vec<ManifestFile> = Vec::new();
    write_file(tmp.path(), "manifest.json", &json, &mut sums)?;
    // `sha256sum -c SHA256SUMS` checks every file, the manifest included.
    let lines: String = manifest
        .files
        .iter()
        .chain(&sums)
        .map(|f| format!("{}  {}\n", f.sha256, f.name))
        .collect();
    write_file(tmp.path(), "SHA256SUMS", lines.as_bytes(), &mut sums)?;
    let kept = tmp.keep();
    std::fs::rename(&kept, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&kept);
        format!("{}: {e}", out.display())
    })?;
    Ok(manifest)
}
