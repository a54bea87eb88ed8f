//! The clerk's issuance (văn thư; DESIGN.md §2, issue 8) on the desktop:
//! `issuance` (the unit's signed requests waiting), `open_issuance_document`
//! (the PDF the leader signed, to read before numbering), `issue` (number
//! and date; the gateway adds the agency seal, its DSS and document
//! timestamp), `save_issued` (the issued PDF into the downloads folder) and
//! `make_copy` (an electronic copy, sao y or sao lục: the gateway signs the
//! issued PDF once more with the unit's seal in the copy style; saved into
//! the downloads folder).
//!
//! A clerk enrolls no device key: the seal's key is the gateway's (in its
//! HSM). These commands are granted to the desktop capability only
//! (`commands::DESKTOP_ONLY`); clerks work at a desk.
//!
//! After issuing, the app verifies the issued PDF itself, with the same
//! verifier (profile B: the leader's signature, the seal, the document
//! timestamp), against the gateway's device CA fetched over the session's
//! pinned TLS, and shows that summary.

use std::collections::HashMap;
use std::sync::Mutex;

use kyso_api::{CopyKind, CopyRequest, DocumentCopy, Issuance, IssueRequest, SigningRequest};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};

use crate::error::{IpcError, Result};
use crate::model::{DocumentInfo, VerificationSummary};
use crate::state::Kyso;

/// What this session opened and issued: request id → the SHA-256 of the
/// signed PDF opened (for `render_page`), and of the issued PDF with its
/// number (for `save_issued`). Both PDFs are in the encrypted cache.
#[derive(Debug, Default)]
pub struct Desk {
    opened: Mutex<HashMap<String, String>>,
    issued: Mutex<HashMap<String, (String, String)>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Desk {
    /// The signed PDF's SHA-256 of an opened request.
    pub fn opened_sha(&self, id: &str) -> Option<String> {
        lock(&self.opened).get(id).cloned()
    }
}

/// The answer of `issue`.
#[derive(Debug, Clone, Serialize)]
pub struct IssueResult {
    /// What the gateway recorded.
    pub issuance: Issuance,
    /// This app's verification of the issued PDF (its last signature: the
    /// seal's).
    pub verification: VerificationSummary,
    /// The issued PDF, opened for `render_page` under `<request id>/issued`.
    pub document: DocumentInfo,
}

/// The `render_page` id of a request's issued PDF.
pub fn issued_id(id: &str) -> String {
    format!("{id}/issued")
}

impl Kyso {
    /// `issuance`: the signed requests of the clerk's unit, oldest first.
    pub async fn issuance<R: Runtime>(&self, app: &AppHandle<R>) -> Result<Vec<SigningRequest>> {
        let client = self.client()?;
        self.seen(app, client.issuance_list().await, true)
    }

    /// `open_issuance_document`: the PDF the leader signed, downloaded,
    /// kept in the encrypted cache, and opened for `render_page`.
    pub async fn open_issuance_document<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: &str,
    ) -> Result<DocumentInfo> {
        let client = self.client()?;
        let bytes = self.seen(app, client.signed_for_issuance(id).await, true)?;
        let sha = kyso_client::flow::sha256_hex(&bytes);
        self.cache.put_document(&sha, &bytes)?;
        let size = bytes.len() as u64;
        let (app2, sha2) = (app.clone(), sha.clone());
        let described = tauri::async_runtime::spawn_blocking(move || {
            app2.state::<Kyso>().render.open(&sha2, bytes)
        })
        .await
        .map_err(|e| IpcError::internal(e.to_string()))??;
        lock(&self.desk.opened).insert(id.to_string(), sha.clone());
        Ok(DocumentInfo {
            id: id.to_string(),
            page_count: described.pages.len(),
            pages: described.pages,
            sha256: sha,
            size,
            cached: false,
            attachments: described.attachments,
        })
    }

    /// `issue`: the gateway numbers, seals, timestamps and verifies; then
    /// the issued PDF is verified here too.
    pub async fn issue<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: &str,
        number: &str,
        date: &str,
    ) -> Result<IssueResult> {
        let client = self.client()?;
        let req = IssueRequest {
            number_symbol: number.trim().to_string(),
            date: date.to_string(),
        };
        let issuance = self.seen(app, client.issue(id, &req).await, true)?;
        let pdf = self.seen(app, client.issued_document(id).await, true)?;
        let sha = kyso_client::flow::sha256_hex(&pdf);
        if sha != issuance.issued_sha256 {
            return Err(IpcError::from(kyso_client::Error::DocumentMismatch {
                expected: issuance.issued_sha256.clone(),
                actual: sha,
            }));
        }
        self.cache.put_document(&sha, &pdf)?;
        lock(&self.desk.issued).insert(
            id.to_string(),
            (sha.clone(), issuance.number_symbol.clone()),
        );
        let ca = self.seen(app, client.ca_pem().await, true)?;
        let ca = kyso_client::parse_chain(&ca)?;
        let size = pdf.len() as u64;
        let (app2, sha2) = (app.clone(), sha.clone());
        let (verification, described) = tauri::async_runtime::spawn_blocking(move || {
            let v = crate::verification::verify_issued(&pdf, &ca);
            (v, app2.state::<Kyso>().render.open(&sha2, pdf))
        })
        .await
        .map_err(|e| IpcError::internal(e.to_string()))?;
        let described = described?;
        // The issued PDF, with the seal, for `render_page` under its own id.
        let shown = issued_id(id);
        lock(&self.desk.opened).insert(shown.clone(), sha.clone());
        Ok(IssueResult {
            issuance,
            verification,
            document: DocumentInfo {
                id: shown,
                page_count: described.pages.len(),
                pages: described.pages,
                sha256: sha,
                size,
                cached: true,
                attachments: described.attachments,
            },
        })
    }

    /// `save_issued`: the issued PDF, named after its number, in the
    /// downloads folder (written whole or not at all); its path. One issued
    /// in this session comes from the encrypted cache; another is
    /// downloaded and named after the request.
    pub async fn save_issued<R: Runtime>(&self, app: &AppHandle<R>, id: &str) -> Result<String> {
        let known = lock(&self.desk.issued).get(id).cloned();
        let (pdf, name) = match known.and_then(|(sha, n)| Some((self.cache.document(&sha)?, n))) {
            Some(found) => found,
            None => {
                let client = self.client()?;
                let pdf = self.seen(app, client.issued_document(id).await, true)?;
                (pdf, format!("van-ban-{}", id.get(..8).unwrap_or(id)))
            }
        };
        let path = self
            .export_dir(app)?
            .join(format!("{}.pdf", file_name(&name)));
        kyso_client::store::write_private(&path, &pdf)
            .map_err(|e| IpcError::internal(format!("{}: {e}", path.display())))?;
        Ok(path.display().to_string())
    }
}

/// The answer of `make_copy`.
#[derive(Debug, Clone, Serialize)]
pub struct CopyResult {
    /// What the gateway recorded.
    pub copy: DocumentCopy,
    /// Where the copy's PDF was saved.
    pub path: String,
    /// This app's verification of the copy (its last signature: the copy's).
    pub verification: VerificationSummary,
}

impl Kyso {
    /// `make_copy`: a copy of an issued request made by the gateway, checked
    /// against the digest it reported, verified here, and saved whole under
    /// its own number.
    pub async fn make_copy<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: &str,
        kind: &str,
        number: &str,
    ) -> Result<CopyResult> {
        let kind = match kind {
            "sao_y" => CopyKind::SaoY,
            "sao_luc" => CopyKind::SaoLuc,
            _ => return Err(IpcError::invalid("kind must be sao_y or sao_luc")),
        };
        let client = self.client()?;
        let req = CopyRequest {
            kind,
            number_symbol: number.trim().to_string(),
        };
        let copy = self.seen(app, client.make_copy(id, &req).await, true)?;
        let pdf = self.seen(app, client.copy_document(id, &copy.id).await, true)?;
        let sha = kyso_client::flow::sha256_hex(&pdf);
        if sha != copy.sha256 {
            return Err(IpcError::from(kyso_client::Error::DocumentMismatch {
                expected: copy.sha256.clone(),
                actual: sha,
            }));
        }
        let ca = self.seen(app, client.ca_pem().await, true)?;
        let ca = kyso_client::parse_chain(&ca)?;
        let path = self
            .export_dir(app)?
            .join(format!("{}.pdf", file_name(&copy.number_symbol)));
        let (path2, pdf2) = (path.clone(), pdf.clone());
        tauri::async_runtime::spawn_blocking(move || {
            kyso_client::store::write_private(&path2, &pdf2)
        })
        .await
        .map_err(|e| IpcError::internal(e.to_string()))?
        .map_err(|e| IpcError::internal(format!("{}: {e}", path.display())))?;
        let verification = tauri::async_runtime::spawn_blocking(move || {
            crate::verification::verify_issued(&pdf, &ca)
        })
        .await
        .map_err(|e| IpcError::internal(e.to_string()))?;
        Ok(CopyResult {
            copy,
            path: path.display().to_string(),
            verification,
        })
    }
}

/// A number and symbol as a file name: `12/QĐ-UBND` → `12-QĐ-UBND`.
pub fn file_name(number: &str) -> String {
    let name: String = number
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches(|c| c == '-' || c == '.');
    if name.is_empty() {
        "van-ban".to_string()
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn numbers_become_file_names() {
        assert_eq!(file_name("12/QĐ-UBND"), "12-QĐ-UBND");
        assert_eq!(file_name(" 05/SY-VP "), "05-SY-VP");
        assert_eq!(file_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(file_name("///"), "van-ban");
    }
}
