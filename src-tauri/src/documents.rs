//! Requests and documents: `inbox`, `request`, `history`, `open_document`,
//! `render_page`.

use kyso_api::SigningRequest;
use tauri::{AppHandle, Runtime};
use tracing::{Instrument, info_span};

use crate::error::{AppCode, IpcError, Result};
use crate::model::{self, DocumentInfo, Inbox};
use crate::state::{Kyso, or_cached};

impl Kyso {
    /// `inbox`: pending requests; offline, the last list.
    pub async fn inbox<R: Runtime>(&self, app: &AppHandle<R>) -> Result<Inbox> {
        let client = self.client()?;
        let fresh = self
            .seen(app, client.inbox().await, true)
            .and_then(|requests| {
                let fetched_at = model::now_rfc3339();
                self.cache.put_inbox(&requests, &fetched_at)?;
                Ok((requests, fetched_at))
            });
        let ((requests, fetched_at), from_cache) = or_cached(fresh, || self.cache.inbox())?;
        Ok(Inbox {
            requests,
            fetched_at,
            from_cache,
        })
    }

    /// `request`: one request, fresh from the gateway.
    pub async fn request<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: &str,
    ) -> Result<SigningRequest> {
        let client = self.client()?;
        let r = self.seen(app, client.get_request(id).await, true)?;
        self.cache.put_request(&r)?;
        Ok(r)
    }

    /// `history`: this leader's signed and declined requests, newest first,
    /// as this device last saw them. (The gateway has no history route for
    /// devices; requests signed or declined here, and any whose change the
    /// app saw, are listed.)
    pub fn history(&self) -> Result<Vec<SigningRequest>> {
        let session = self.session()?;
        Ok(self.cache.history(&session.user.id))
    }

    /// The request `id` as last seen, else fetched.
    pub async fn known_request<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: &str,
    ) -> Result<SigningRequest> {
        match self.cache.request(id) {
            Some(r) => Ok(r),
            None => self.request(app, id).await,
        }
    }

    /// The document of `request`: from the encrypted cache, else
    /// downloaded, checked against the request's SHA-256 and size, and
    /// cached. Also says whether it came from the cache.
    pub async fn document<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        request: &SigningRequest,
    ) -> Result<(Vec<u8>, bool)> {
        if let Some(bytes) = self.cache.document(&request.document_sha256)
            && bytes.len() as u64 == request.document_size
        {
            return Ok((bytes, true));
        }
        let client = self.client()?;
        let bytes = self.seen(app, client.document(&request.id).await, true)?;
        kyso_client::flow::check_document(request, &bytes)?;
        self.cache.put_document(&request.document_sha256, &bytes)?;
        Ok((bytes, false))
    }

    /// `open_document`. Spans (src/trace.rs): `open_document`, within it
    /// `request`, `document` (with `cached`) and pdfium's `open`.
    #[tracing::instrument(name = "open_document", skip_all, fields(id = %id))]
    pub async fn open_document<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: &str,
    ) -> Result<DocumentInfo> {
        self.session()?;
        let request = self
            .known_request(app, id)
            .instrument(info_span!("request"))
            .await?;
        let fetch = info_span!("document", cached = tracing::field::Empty);
        let (bytes, cached) = self
            .document(app, &request)
            .instrument(fetch.clone())
            .await?;
        fetch.record("cached", cached);
        drop(fetch);
        let size = bytes.len() as u64;
        let sha = request.document_sha256.clone();
        let app2 = app.clone();
        let span = tracing::Span::current();
        let described = tauri::async_runtime::spawn_blocking(move || {
            use tauri::Manager;
            let _in = span.enter();
            app2.state::<Kyso>().render.open(&sha, bytes)
        })
        .await
        .map_err(|e| IpcError::internal(e.to_string()))??;
        Ok(DocumentInfo {
            id: request.id,
            page_count: described.pages.len(),
            pages: described.pages,
            sha256: request.document_sha256,
            size,
            cached,
            attachments: described.attachments,
        })
    }

    /// `render_page`: PNG bytes of one page of an opened document. Spans:
    /// `render_page`, within it pdfium's `open` (when the document had to
    /// be parsed again), `render` and `png`.
    #[tracing::instrument(name = "render_page", skip_all, fields(id = %id, page = page, width = width))]
    pub async fn render_page<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: &str,
        page: u32,
        width: u32,
    ) -> Result<Vec<u8>> {
        crate::render::check_width(width)?;
        let sha = self.opened_sha(id).ok_or_else(|| {
            IpcError::app(
                AppCode::BadDocument,
                "the document is not open; open it first",
            )
        })?;
        let app2 = app.clone();
        let span = tracing::Span::current();
        tauri::async_runtime::spawn_blocking(move || {
            use tauri::Manager;
            let _in = span.enter();
            let kyso = app2.state::<Kyso>();
            kyso.render
                .render(&sha, page, width, || kyso.cache.document(&sha))
        })
        .await
        .map_err(|e| IpcError::internal(e.to_string()))?
    }
}
