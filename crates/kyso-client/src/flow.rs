//! The signing flow on a device (DESIGN.md §4.2–4.4): fetch the document,
//! check it is the one the request names, sign it with kyso-pdf, upload it
//! with an idempotency key derived from the request and the signed bytes,
//! so a retry after a lost answer is recorded once.

use std::io::Cursor;
use std::time::Duration;

use kyso_api::{RequestStatus, SigningRequest};
use kyso_pdf::appearance::{Appearance, Style};
use kyso_pdf::sign::SignOptions;
use kyso_pdf::signer::{self, AsyncSigner};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::client::Client;
use crate::error::{Error, Result};

/// How the signature looks.
#[derive(Debug, Clone, Default)]
pub struct SignSettings {
    /// The handwritten-signature PNG (blue, transparent).
    pub signature_image: Option<Vec<u8>>,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// Chức vụ; default: the signer's title from the request, upper-cased,
    /// unless the request places the signature inside the document's own block.
    pub title: Option<String>,
    /// Full name; default: the signer's name from the request.
    pub signer_name: Option<String>,
    /// Ask the gateway's TSA (`POST /api/v1/tsa`) for a signature
    /// timestamp (PAdES B-T), when signing through [`sign_request`] or
    /// [`sign_request_durably`], which are online anyway. ETSI long-term
    /// validation of the issued document needs it.
    pub timestamp: bool,
}

/// A signed document ready to upload (and to queue while offline).
#[derive(Debug, Clone)]
pub struct SignedUpload {
    /// The request.
    pub request_id: String,
    /// The signed PDF.
    pub pdf: Vec<u8>,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// The upload's idempotency key.
    pub idempotency_key: String,
    /// The signature field's name.
    pub field_name: String,
}

/// What happened.
#[derive(Debug, Clone)]
pub struct SignOutcome {
    /// The request as the gateway has it now (`signed`).
    pub request: SigningRequest,
    /// What was uploaded.
    pub upload: SignedUpload,
    /// Upload attempts made (more than 1 after lost answers).
    pub attempts: u32,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// SHA-256 of `b`, lower-case hex (as the gateway writes digests).
pub fn sha256_hex(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

/// The idempotency key of an upload: one per (request, signed bytes), so
/// repeating the same upload gets the first answer and a different
/// signature is a different attempt.
pub fn idempotency_key(request_id: &str, signed_sha256: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(b"kyso-upload/v1\0");
    h.update(request_id.as_bytes());
    h.update(b"\0");
    h.update(signed_sha256);
    format!("kyso-v1-{}", hex(&h.finalize()))
}

/// Refuses a document whose SHA-256 (or size) is not the request's.
pub fn check_document(request: &SigningRequest, document: &[u8]) -> Result<()> {
    let actual = hex(&Sha256::digest(document));
    if !actual.eq_ignore_ascii_case(&request.document_sha256)
        || document.len() as u64 != request.document_size
    {
        return Err(Error::DocumentMismatch {
            expected: request.document_sha256.clone(),
            actual,
        });
    }
    Ok(())
}

/// Signing options for a request: visible leader style, at the request's
/// placement when it has one.
pub fn sign_options(
    request: &SigningRequest,
    cert: &Certificate,
    settings: &SignSettings,
) -> SignOptions {
    // A placement is a gap the document left between its own title and
    // name lines: the title is shown only when the block stands alone.
    let title = settings.title.clone().or_else(|| {
        let t = request.signer.title.trim();
        (request.placement.is_none() && !t.is_empty()).then(|| t.to_uppercase())
    });
    let name = settings.signer_name.clone().unwrap_or_else(|| {
        let n = request.signer.full_name.trim();
        if n.is_empty() {
            signer::subject_common_name(cert).unwrap_or_else(|| "Người ký".into())
        } else {
            n.to_string()
        }
    });
    SignOptions {
        page: request.placement.as_ref().map(|p| p.page as usize),
        rect: request.placement.as_ref().map(|p| p.rect),
        appearance: Appearance {
            style: Style::Leader,
            signature_image: settings.signature_image.clone(),
            seal_image: None,
            title,
            signer_name: name,
            agency: signer::subject_organization(cert),
            number: None,
        },
        reason: settings.reason.clone(),
        location: settings.location.clone(),
        signing_time: time::OffsetDateTime::now_utc(),
        contents_reserve: None,
        field_name: None,
    }
}

/// Signs `document` (already checked against `request`) with `key`, whose
/// certificate is `chain[0]` (the rest: its CA chain).
pub async fn sign_document<K: AsyncSigner>(
    request: &SigningRequest,
    document: &[u8],
    key: &K,
    chain: &[Certificate],
    settings: &SignSettings,
) -> Result<SignedUpload> {
    check_document(request, document)?;
    let (cert, rest) = chain
        .split_first()
        .ok_or_else(|| Error::Crypto("the device certificate chain is empty".into()))?;
    let opts = sign_options(request, cert, settings);
    let mut out = Cursor::new(Vec::with_capacity(document.len() + 64 * 1024));
    let signed =
        kyso_pdf::sign::sign_async(document, &mut out, key, cert, rest, None, &opts).await?;
    Ok(upload_of(request, out.into_inner(), signed.field_name))
}

/// [`sign_document`] for a signer who is online now (the app): a signature
/// timestamp from the gateway's TSA (PAdES B-T), which the archive's
/// long-term validation needs. The timestamp is asked for after the key has
/// signed (the leader's prompt is done); if the TSA does not give one then
/// (the gateway went away, it has no TSA, its answer does not check), the
/// signature is finished without it (B-B, as when signing offline) rather
/// than asking the leader again. The verification report says which.
pub async fn sign_document_online<K: AsyncSigner>(
    client: &Client,
    request: &SigningRequest,
    document: &[u8],
    key: &K,
    chain: &[Certificate],
    settings: &SignSettings,
) -> Result<SignedUpload> {
    sign_document_timestamped(client, request, document, key, chain, settings, false).await
}

/// [`sign_document`] with a signature timestamp from the gateway's TSA:
/// prepare, the key, the TSA over the signature value, finish. Without a
/// token the signing fails when `required`, else it is finished without.
async fn sign_document_timestamped<K: AsyncSigner>(
    client: &Client,
    request: &SigningRequest,
    document: &[u8],
    key: &K,
    chain: &[Certificate],
    settings: &SignSettings,
    required: bool,
) -> Result<SignedUpload> {
    check_document(request, document)?;
    let (cert, rest) = chain
        .split_first()
        .ok_or_else(|| Error::Crypto("the device certificate chain is empty".into()))?;
    let algorithm = signer::SignatureAlgorithm::for_certificate(cert)?;
    if algorithm != key.algorithm() {
        return Err(kyso_pdf::Error::KeyMismatch.into());
    }
    let opts = sign_options(request, cert, settings);
    let mut out = Cursor::new(Vec::with_capacity(document.len() + 64 * 1024));
    let prepared = kyso_pdf::sign::prepare(document, &mut out, cert, &opts)?;
    let signature = key.sign(prepared.to_be_signed()).await?;
    // The token stamps the signature value as the CMS will carry it.
    let value = match algorithm {
        signer::SignatureAlgorithm::EcdsaP256Sha256 => signer::ecdsa_p256_to_der(&signature)?,
        _ => signature.clone(),
    };
    let token = match client
        .timestamp(&kyso_pdf::timestamp::signature_imprint(&value))
        .await
    {
        Ok(token) => Some(token),
        Err(e) if !required => {
            tracing::warn!(request = %request.id, error = %e, "no signature timestamp; signed without (B-B)");
            None
        }
        Err(e) => return Err(e),
    };
    let field_name = prepared.field_name().to_string();
    prepared.finish(&mut out, &signature, rest, token.as_deref())?;
    Ok(upload_of(request, out.into_inner(), field_name))
}

/// Signs with or without a timestamp, as `settings` says.
async fn sign_online<K: AsyncSigner>(
    client: &Client,
    request: &SigningRequest,
    document: &[u8],
    key: &K,
    chain: &[Certificate],
    settings: &SignSettings,
) -> Result<SignedUpload> {
    if settings.timestamp {
        sign_document_timestamped(client, request, document, key, chain, settings, true).await
    } else {
        sign_document(request, document, key, chain, settings).await
    }
}

fn upload_of(request: &SigningRequest, pdf: Vec<u8>, field_name: String) -> SignedUpload {
    let digest: [u8; 32] = Sha256::digest(&pdf).into();
    SignedUpload {
        request_id: request.id.clone(),
        idempotency_key: idempotency_key(&request.id, &digest),
        sha256: hex(&digest),
        pdf,
        field_name,
    }
}

/// Uploads, retrying with the same idempotency key when no answer came back
/// (or the gateway asked to retry): at most `attempts` tries.
pub async fn upload(
    client: &Client,
    signed: &SignedUpload,
    attempts: u32,
) -> Result<(SigningRequest, u32)> {
    let mut delay = Duration::from_millis(500);
    let mut n = 0;
    loop {
        n += 1;
        match client
            .upload_signed(
                &signed.request_id,
                signed.pdf.clone(),
                &signed.idempotency_key,
            )
            .await
        {
            Ok(r) => return Ok((r, n)),
            Err(e) if e.is_retryable() && n < attempts.max(1) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(8));
            }
            Err(e) => return Err(e),
        }
    }
}

/// The whole flow for request `id`: fetch, check, sign, upload, report.
/// Nothing is signed unless the request is pending and the document is the
/// one it names.
pub async fn sign_request<K: AsyncSigner>(
    client: &Client,
    id: &str,
    key: &K,
    chain: &[Certificate],
    settings: &SignSettings,
) -> Result<SignOutcome> {
    let request = client.get_request(id).await?;
    if request.status != RequestStatus::Pending {
        return Err(Error::NotPending(request.status));
    }
    let document = client.document(id).await?;
    let signed = sign_online(client, &request, &document, key, chain, settings).await?;
    let (request, attempts) = upload(client, &signed, 4).await?;
    Ok(SignOutcome {
        request,
        upload: signed,
        attempts,
    })
}

/// Where a durable signing ended.
#[derive(Debug)]
pub enum Delivery {
    /// The gateway accepted the signature.
    Uploaded(Box<SignOutcome>),
    /// The gateway could not be reached (or asked to come back): the signed
    /// PDF waits in the queue and is uploaded by the next flush.
    Queued {
        /// What waits.
        upload: SignedUpload,
        /// Why it was not delivered now.
        reason: Error,
    },
}

/// [`sign_request`] that cannot lose a signature: the signed PDF is written
/// to `queue` before it is uploaded and leaves it only when the gateway has
/// answered. A refusal for good is returned as the error (and kept in the
/// queue as `refused`).
pub async fn sign_request_durably<K: AsyncSigner>(
    client: &Client,
    queue: &crate::queue::Queue,
    id: &str,
    key: &K,
    chain: &[Certificate],
    settings: &SignSettings,
) -> Result<Delivery> {
    let request = client.get_request(id).await?;
    if request.status != RequestStatus::Pending {
        return Err(Error::NotPending(request.status));
    }
    let document = client.document(id).await?;
    let signed = sign_online(client, &request, &document, key, chain, settings).await?;
    queue.push(&signed).await?;
    match queue.deliver(client, id).await {
        Ok(request) => Ok(Delivery::Uploaded(Box::new(SignOutcome {
            request,
            upload: signed,
            attempts: 1,
        }))),
        Err(reason) if reason.is_retryable() => Ok(Delivery::Queued {
            upload: signed,
            reason,
        }),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyso_api::{Role, Unit, Urgency, User};

    fn request(doc: &[u8]) -> SigningRequest {
        SigningRequest {
            id: "r1".into(),
            title: "t".into(),
            number_symbol: None,
            document_type: "công văn".into(),
            urgency: Urgency::Normal,
            deadline: None,
            signer: User {
                id: "u".into(),
                username: "leader1".into(),
                full_name: "Nguyễn Văn An".into(),
                title: "Chủ tịch".into(),
                role: Role::Leader,
                unit_id: "x".into(),
            },
            unit: Unit {
                id: "x".into(),
                name: "UBND".into(),
                parent_id: None,
            },
            status: RequestStatus::Pending,
            edxml_status: "03".into(),
            document_sha256: hex(&Sha256::digest(doc)),
            document_size: doc.len() as u64,
            signed_sha256: None,
            decline_reason: None,
            placement: None,
            external_id: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn documents_must_match_the_request() {
        let r = request(b"%PDF-1.7 issued");
        check_document(&r, b"%PDF-1.7 issued").expect("same bytes");
        assert!(
            matches!(
                check_document(&r, b"%PDF-1.7 swapped"),
                Err(Error::DocumentMismatch { .. })
            ),
            "another document is refused"
        );
    }

    #[test]
    fn idempotency_keys_depend_on_request_and_bytes() {
        let a = idempotency_key("r1", &[1; 32]);
        assert_eq!(a, idempotency_key("r1", &[1; 32]), "stable");
        assert_ne!(a, idempotency_key("r2", &[1; 32]), "per request");
        assert_ne!(a, idempotency_key("r1", &[2; 32]), "per signed bytes");
        assert!(a.len() <= 128, "fits the gateway's limit");
    }
}
