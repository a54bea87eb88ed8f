//! `sign` and `decline`.
//!
//! Signing is kyso-client's durable flow (`sign_request_durably`) with the
//! fetch split off, so it works offline once the document is cached: the
//! request as the gateway has it now when it answers (else as last seen),
//! the document from the encrypted cache (else downloaded), both checked;
//! kyso-pdf prepares and finishes, the keystore signs (its prompt), the
//! gateway's TSA stamps the signature when the gateway answered (B-T;
//! offline, or without an answer from the TSA, B-B); the
//! signed PDF is written to the durable queue *before* the upload and
//! leaves it only when the gateway has answered. No answer: `queued`, and
//! the background task uploads it when the gateway is back.

use std::sync::Arc;

use kyso_api::{RequestStatus, SigningRequest};
use kyso_client::{Secret, SignSettings};
use tauri::{AppHandle, Emitter, Runtime};

use crate::error::{IpcError, Result};
use crate::keystore::KeystoreSigner;
use crate::model::{self, Language, SignProgress, SignResult, SignStage, event};
use crate::state::{Kyso, emit_queue};

fn prompt(language: Language, r: &SigningRequest) -> String {
    let what = match (&r.number_symbol, r.document_type.trim()) {
        (Some(n), t) if !t.is_empty() => format!("{t} {n}"),
        (Some(n), _) => n.clone(),
        (None, t) if !t.is_empty() => t.to_string(),
        (None, _) => r.title.clone(),
    };
    match language {
        Language::Vi => format!("Ký {what}"),
        Language::En => format!("Sign {what}"),
    }
}

impl Kyso {
    /// `sign`.
    pub async fn sign<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: &str,
        passphrase: Option<Secret<String>>,
    ) -> Result<SignResult> {
        let _one_at_a_time = self.sign_lock.lock().await;
        let session = self.session()?;
        let client = self.client()?;
        let (_, chain_pem, key) = self.device(&session)?;
        let chain = kyso_client::parse_chain(&chain_pem)?;
        let progress: crate::keystore::Progress = {
            let (app, id) = (app.clone(), id.to_string());
            Arc::new(move |stage| {
                let _ = app.emit(
                    event::SIGN_PROGRESS,
                    SignProgress {
                        id: id.clone(),
                        stage,
                    },
                );
            })
        };
        progress(SignStage::Preparing);

        if self.queue.list().await?.iter().any(|q| q.request_id == id) {
            return Err(IpcError::from(kyso_client::Error::AlreadyQueued(
                id.to_string(),
            )));
        }
        // Online now: the signature gets the gateway's timestamp (B-T).
        let (request, online) = match self.request(app, id).await {
            Ok(r) => (r, true),
            Err(e) if e.is_offline() => (self.cache.request(id).ok_or(e)?, false),
            Err(e) => return Err(e),
        };
        if request.status != RequestStatus::Pending {
            return Err(kyso_client::Error::NotPending(request.status).into());
        }
        let (document, _) = self.document(app, &request).await?;

        let signer = KeystoreSigner::new(
            app,
            &key.alias,
            prompt(self.language(), &request),
            passphrase,
        )
        .with_progress(progress.clone());
        // kyso-pdf's `sign_async` future is not `Send` (it holds an
        // `Option<&dyn TimeStamper>` across the signer's await), so it runs
        // to completion on a blocking thread of the runtime; the keystore's
        // own work still runs on the runtime.
        let signed = {
            let (request, chain, client) = (request.clone(), chain.clone(), client.clone());
            tauri::async_runtime::spawn_blocking(move || {
                let settings = SignSettings::default();
                tauri::async_runtime::block_on(async {
                    if online {
                        kyso_client::flow::sign_document_online(
                            &client, &request, &document, &signer, &chain, &settings,
                        )
                        .await
                    } else {
                        kyso_client::flow::sign_document(
                            &request, &document, &signer, &chain, &settings,
                        )
                        .await
                    }
                })
                .map_err(|e| signer.error(e))
            })
            .await
            .map_err(|e| IpcError::internal(e.to_string()))??
        };

        let _one_upload_at_a_time = self.flush_lock.lock().await;
        self.queue.push(&signed).await?;
        progress(SignStage::Uploading);
        self.attempted(id);
        let delivered = self.queue.deliver(&client, id).await;
        // As the queue recorded it: waiting (retried later) or refused.
        let retry = matches!(&delivered, Err(e) if e.is_retryable());
        match self.seen(app, delivered, true) {
            Ok(now) => {
                self.cache.put_request(&now)?;
                progress(SignStage::Verifying);
                let pdf = signed.pdf;
                let verification = tauri::async_runtime::spawn_blocking(move || {
                    crate::verification::verify_upload(&request, &pdf, &chain)
                })
                .await
                .map_err(|e| IpcError::internal(e.to_string()))?;
                Ok(SignResult::Signed {
                    request: Box::new(now),
                    verification: Box::new(verification),
                })
            }
            Err(e) if retry => {
                let queued_at = self
                    .queue
                    .list()
                    .await?
                    .into_iter()
                    .find(|q| q.request_id == id)
                    .map(|q| q.queued_at)
                    .unwrap_or_else(model::now_rfc3339);
                if !e.is_offline() {
                    self.set_last_error(Some(e));
                }
                emit_queue(app);
                Ok(SignResult::Queued {
                    request_id: id.to_string(),
                    signed_sha256: signed.sha256,
                    queued_at,
                })
            }
            Err(mut e) => {
                // Refused for good, and the leader is told now: the refused
                // upload is not kept for a later flush.
                let _ = self.queue.discard(id).await;
                if let Some(r) = e.report.as_mut() {
                    r.signed_sha256 = signed.sha256;
                }
                Err(e)
            }
        }
    }

    /// `decline`.
    pub async fn decline<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: &str,
        reason: &str,
    ) -> Result<SigningRequest> {
        let client = self.client()?;
        let r = self.seen(app, client.decline(id, reason).await, true)?;
        self.cache.put_request(&r)?;
        Ok(r)
    }
}
