//! PAdES signing by incremental update, in two phases (DESIGN.md §4.3).
//!
//! 1. [`prepare`] copies the original bytes to the output unchanged while
//!    hashing them, appends one incremental update (signature field and
//!    widget, appearance, `/Sig` dictionary with a zeroed `/Contents`
//!    placeholder), hashes the rest of the `/ByteRange`, and returns the DER
//!    of the CMS signed attributes: the only bytes a key ever signs.
//! 2. The key signs them, wherever it lives ([`crate::signer`]).
//! 3. [`Prepared::finish`] assembles the CMS (certificates, optional RFC 3161
//!    token) and writes it into the placeholder in place.
//!
//! The document is streamed: memory use does not grow with its size.

use std::collections::HashSet;
use std::io::{Seek, SeekFrom, Write};

use cms::signed_data::SignedAttributes;
use der::Encode;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::appearance::{self, Appearance, Style};
use crate::document::{Document, ReadOptions};
use crate::error::{Error, Result};
use crate::object::{Dict, ObjRef, Object, PdfString, Stream, StreamData};
use crate::signer::{AsyncSigner, SignatureAlgorithm, Signer};
use crate::source::{Source, for_each_chunk};
use crate::timestamp::{TimeStamper, signature_imprint};
use crate::write::Update;

/// How and where to sign.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// 1-based page for the widget; `None`: the last page (leader) or page 1 (copy).
    pub page: Option<usize>,
    /// Widget rectangle `[x, y, width, height]` in points, in the page's
    /// default user space; `None`: automatic placement (see [`appearance`]).
    pub rect: Option<[f64; 4]>,
    /// What the appearance shows.
    pub appearance: Appearance,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// The signing time written to `/M` and shown in the appearance.
    pub signing_time: OffsetDateTime,
    /// Bytes reserved for the CMS; `None`: enough for the chain and a timestamp token.
    pub contents_reserve: Option<usize>,
    /// Field name; `None`: the first free `SignatureN`.
    pub field_name: Option<String>,
}

impl SignOptions {
    /// Invisible signing with defaults, at `signing_time`.
    pub fn invisible(signer_name: &str, signing_time: OffsetDateTime) -> Self {
        Self {
            page: None,
            rect: None,
            appearance: Appearance {
                style: Style::Invisible,
                signature_image: None,
                seal_image: None,
                title: None,
                signer_name: signer_name.to_string(),
                agency: None,
                number: None,
            },
            reason: None,
            location: None,
            signing_time,
            contents_reserve: None,
            field_name: None,
        }
    }
}

/// The state between [`prepare`] and [`Prepared::finish`]: nothing secret.
#[derive(Debug, Clone)]
pub struct Prepared {
    contents_offset: u64,
    reserved: usize,
    attrs: SignedAttributes,
    to_be_signed: Vec<u8>,
    signer: Certificate,
    byte_range: [u64; 4],
    digest: [u8; 32],
    field_name: String,
}

impl Prepared {
    /// The DER of the signed attributes: what the key must sign.
    pub fn to_be_signed(&self) -> &[u8] {
        &self.to_be_signed
    }

    /// The `/ByteRange` written into the document.
    pub fn byte_range(&self) -> [u64; 4] {
        self.byte_range
    }

    /// SHA-256 over the byte range (the CMS message digest).
    pub fn document_digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// The signature field's name.
    pub fn field_name(&self) -> &str {
        &self.field_name
    }

    /// Bytes available for the CMS.
    pub fn reserved(&self) -> usize {
        self.reserved
    }

    /// Builds the CMS around `signature` and writes it into the placeholder of
    /// `out` (the same output `prepare` wrote). The signature is checked
    /// against the certificate first, so a wrong key never produces a file
    /// that looks signed.
    pub fn finish<W: Write + Seek>(
        self,
        out: &mut W,
        signature: &[u8],
        chain: &[Certificate],
        timestamp_token: Option<&[u8]>,
    ) -> Result<()> {
        let der = self.build_cms(signature, chain, timestamp_token)?;
        write_contents(out, self.contents_offset, self.reserved, &der)
    }

    /// The DER `ContentInfo` that `finish` embeds.
    pub fn build_cms(
        &self,
        signature: &[u8],
        chain: &[Certificate],
        timestamp_token: Option<&[u8]>,
    ) -> Result<Vec<u8>> {
        let algorithm = SignatureAlgorithm::for_certificate(&self.signer)?;
        let signature = match algorithm {
            SignatureAlgorithm::EcdsaP256Sha256 => crate::signer::ecdsa_p256_to_der(signature)?,
            _ => signature.to_vec(),
        };
        crate::signer::verify(&self.signer, &self.to_be_signed, &signature)?;
        crate::cms::assemble(
            self.attrs.clone(),
            &self.signer,
            chain,
            algorithm,
            &signature,
            timestamp_token,
        )
    }
}

/// A finished signature's facts, for reports and logs.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The field name.
    pub field_name: String,
    /// The `/ByteRange`.
    pub byte_range: [u64; 4],
    /// SHA-256 over the byte range.
    pub document_digest: [u8; 32],
    /// Whether an RFC 3161 signature timestamp was embedded.
    pub timestamped: bool,
}

const BYTE_RANGE_PLACEHOLDER: &str = "0 9999999999 9999999999 9999999999";
/// A name exactly as long as `[BYTE_RANGE_PLACEHOLDER]`, so swapping one for
/// the other after serialisation moves no byte.
const BYTE_RANGE_MARKER: &str = "/KysoByteRangeXXXXXXXXXXXXXXXXXXXXXX";
const _: () = assert!(BYTE_RANGE_MARKER.len() == BYTE_RANGE_PLACEHOLDER.len() + 2);

/// Phase 1: writes the original plus the signature's incremental update to
/// `out` and returns what the key must sign.
pub fn prepare<S: Source + ?Sized, W: Write + Seek>(
    src: &S,
    out: &mut W,
    signer: &Certificate,
    opts: &SignOptions,
) -> Result<Prepared> {
    // Fail on an unusable certificate before any work.
    SignatureAlgorithm::for_certificate(signer)?;
    let cert_len = signer
        .to_der()
        .map_err(|e| Error::Crypto(e.to_string()))?
        .len();
    let placed = place(src, out, opts, Kind::Signature { cert_len })?;
    let attrs = crate::cms::signed_attributes(&placed.digest, signer)?;
    let to_be_signed = crate::cms::to_be_signed(&attrs)?;
    Ok(Prepared {
        contents_offset: placed.contents_offset,
        reserved: placed.reserved,
        attrs,
        to_be_signed,
        signer: signer.clone(),
        byte_range: placed.byte_range,
        digest: placed.digest,
        field_name: placed.field_name,
    })
}

/// A document timestamp between [`prepare_document_timestamp`] and
/// [`PreparedTimestamp::finish`]: the digest the TSA must stamp.
#[derive(Debug, Clone)]
pub struct PreparedTimestamp {
    placed: Placed,
}

impl PreparedTimestamp {
    /// SHA-256 over the byte range: the timestamp's message imprint.
    pub fn document_digest(&self) -> &[u8; 32] {
        &self.placed.digest
    }

    /// The field's name.
    pub fn field_name(&self) -> &str {
        &self.placed.field_name
    }

    /// Writes the RFC 3161 token (a DER `ContentInfo`) into the placeholder.
    pub fn finish<W: Write + Seek>(self, out: &mut W, token: &[u8]) -> Result<()> {
        let info = crate::timestamp::tst_info(token)?;
        if info.imprint != self.placed.digest {
            return Err(Error::Timestamp(
                "the token does not stamp this document's byte range".into(),
            ));
        }
        write_contents(
            out,
            self.placed.contents_offset,
            self.placed.reserved,
            token,
        )
    }
}

/// Phase 1 of a document timestamp (PAdES B-LTA, ETSI EN 319 142-1 §5.4.3):
/// an incremental update with an invisible field whose value is a
/// `/DocTimeStamp` (`/SubFilter /ETSI.RFC3161`) and a placeholder for the
/// token.
pub fn prepare_document_timestamp<S: Source + ?Sized, W: Write + Seek>(
    src: &S,
    out: &mut W,
    field_name: Option<&str>,
    time: OffsetDateTime,
) -> Result<PreparedTimestamp> {
    let mut opts = SignOptions::invisible("", time);
    opts.field_name = field_name.map(str::to_string);
    let placed = place(src, out, &opts, Kind::DocumentTimestamp)?;
    Ok(PreparedTimestamp { placed })
}

/// Writes `der` as the hex `/Contents` at `offset`, zero-padded to `reserved` bytes.
fn write_contents<W: Write + Seek>(
    out: &mut W,
    offset: u64,
    reserved: usize,
    der: &[u8],
) -> Result<()> {
    if der.len() > reserved {
        return Err(Error::SignatureTooLarge {
            needed: der.len(),
            reserved,
        });
    }
    let mut hex = Vec::with_capacity(reserved * 2);
    for b in der {
        hex.extend_from_slice(format!("{b:02X}").as_bytes());
    }
    hex.resize(reserved * 2, b'0');
    out.seek(SeekFrom::Start(offset))?;
    out.write_all(&hex)?;
    out.flush()?;
    Ok(())
}

/// What goes into the field's value.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A CAdES signature by a certificate of this DER length.
    Signature { cert_len: usize },
    /// An RFC 3161 document timestamp.
    DocumentTimestamp,
}

/// The written update's facts, for either kind.
#[derive(Debug, Clone)]
struct Placed {
    contents_offset: u64,
    reserved: usize,
    byte_range: [u64; 4],
    digest: [u8; 32],
    field_name: String,
}

/// Writes the original and the update with the field, widget, appearance and
/// value placeholder; hashes the byte range.
fn place<S: Source + ?Sized, W: Write + Seek>(
    src: &S,
    out: &mut W,
    opts: &SignOptions,
    kind: Kind,
) -> Result<Placed> {
    let doc = Document::open_with(src, ReadOptions::lenient())?;
    let pages = doc.pages()?;
    let style = opts.appearance.style;
    let page_no = opts.page.unwrap_or(match style {
        Style::Copy => 1,
        _ => pages.len(),
    });
    if page_no == 0 || page_no > pages.len() {
        return Err(Error::PageOutOfRange {
            requested: page_no,
            count: pages.len(),
        });
    }
    let page = &pages[page_no - 1];
    if let Some(r) = opts.rect
        && (r.iter().any(|v| !v.is_finite()) || r[2] <= 0.0 || r[3] <= 0.0)
    {
        return Err(Error::Appearance(
            "the rectangle needs a positive width and height".into(),
        ));
    }

    let mut up = Update::new(&doc);
    let (rect, form) = match style {
        Style::Invisible => {
            let empty = up.add(Object::Stream(Stream {
                dict: Dict::from_pairs([
                    ("Type", Object::name("XObject")),
                    ("Subtype", Object::name("Form")),
                    ("BBox", appearance::rect_obj([0.0; 4])),
                ]),
                data: StreamData::Bytes(Vec::new()),
            }));
            ([0.0; 4], empty)
        }
        _ => {
            // The layout is upright as the reader sees the page; on a page
            // turned by 90° or 270° its width lies along the user-space y axis.
            let target = opts.rect.map(|r| {
                if appearance::swaps_axes(page.rotate) {
                    (r[3], r[2])
                } else {
                    (r[2], r[3])
                }
            });
            let built = appearance::build(
                &mut up,
                &opts.appearance,
                opts.signing_time,
                target,
                page.rotate,
            )?;
            let rect = match opts.rect {
                Some([x, y, w, h]) => [x, y, x + w, y + h],
                None => appearance::auto_rect(style, page.crop_box, built.size, page.rotate),
            };
            (rect, built.form)
        }
    };

    let sig_ref = up.allocate();
    let field_ref = up.allocate();
    let field_name = add_field_to_acroform(&doc, &mut up, field_ref, opts.field_name.as_deref())?;
    add_widget_to_page(&doc, &mut up, page, field_ref)?;

    let widget = Dict::from_pairs([
        ("Type", Object::name("Annot")),
        ("Subtype", Object::name("Widget")),
        ("FT", Object::name("Sig")),
        ("T", PdfString::text(&field_name).into()),
        ("V", sig_ref.into()),
        ("F", Object::Int(132)), // Print | Locked
        ("Rect", appearance::rect_obj(rect)),
        ("P", page.obj.into()),
        ("AP", Dict::from_pairs([("N", form.into())]).into()),
    ]);
    up.put(field_ref, widget);

    let (reserved, type_name, sub_filter) = match kind {
        Kind::Signature { cert_len } => (
            opts.contents_reserve.unwrap_or(20_000 + 4 * cert_len),
            "Sig",
            "ETSI.CAdES.detached",
        ),
        // A token with the TSA's certificate is a few kilobytes.
        Kind::DocumentTimestamp => (
            opts.contents_reserve.unwrap_or(16_000),
            "DocTimeStamp",
            "ETSI.RFC3161",
        ),
    };
    let mut sig = Dict::from_pairs([
        ("Type", Object::name(type_name)),
        ("Filter", Object::name("Adobe.PPKLite")),
        ("SubFilter", Object::name(sub_filter)),
        // Placeholders, patched below: fixed widths keep every offset stable.
        ("ByteRange", Object::name(&BYTE_RANGE_MARKER[1..])),
        (
            "Contents",
            PdfString {
                bytes: vec![0; reserved],
                hex: true,
            }
            .into(),
        ),
    ]);
    if let Kind::Signature { .. } = kind {
        sig.set("M", PdfString::text(&pdf_date(opts.signing_time)));
        sig.set("Name", PdfString::text(&opts.appearance.signer_name));
    }
    if let Some(r) = &opts.reason {
        sig.set("Reason", PdfString::text(r));
    }
    if let Some(l) = &opts.location {
        sig.set("Location", PdfString::text(l));
    }
    up.put(sig_ref, sig);

    let base = doc.source().len();
    let mut ser = up.serialize(&doc)?;
    let sig_pos = ser.positions[&sig_ref];
    let br_at = sig_pos
        + crate::parse::find(&ser.bytes[sig_pos..], BYTE_RANGE_MARKER.as_bytes())
            .ok_or_else(|| Error::Structure("internal: ByteRange placeholder not found".into()))?;
    let replacement = format!("[{BYTE_RANGE_PLACEHOLDER}]");
    ser.bytes[br_at..br_at + replacement.len()].copy_from_slice(replacement.as_bytes());
    let contents_marker = b"/Contents <";
    let lt = sig_pos
        + crate::parse::find(&ser.bytes[sig_pos..], contents_marker)
            .ok_or_else(|| Error::Structure("internal: Contents placeholder not found".into()))?
        + contents_marker.len()
        - 1;
    let gt_end = lt + 2 * reserved + 2;
    let total = base + ser.bytes.len() as u64;
    let byte_range = [
        0,
        base + lt as u64,
        base + gt_end as u64,
        total - (base + gt_end as u64),
    ];
    let mut br = format!("0 {} {} {}", byte_range[1], byte_range[2], byte_range[3]);
    if br.len() > BYTE_RANGE_PLACEHOLDER.len() {
        return Err(Error::Limit(
            "the document is too large for a 10-digit /ByteRange".into(),
        ));
    }
    while br.len() < BYTE_RANGE_PLACEHOLDER.len() {
        br.push(' ');
    }
    let br_values = br_at + 1;
    ser.bytes[br_values..br_values + br.len()].copy_from_slice(br.as_bytes());

    // Stream: original bytes, then the update, hashing all but the gap.
    let mut hasher = Sha256::new();
    out.seek(SeekFrom::Start(0))?;
    for_each_chunk(doc.source(), 0..base, |chunk| {
        hasher.update(chunk);
        out.write_all(chunk)
    })?;
    hasher.update(&ser.bytes[..lt]);
    hasher.update(&ser.bytes[gt_end..]);
    out.write_all(&ser.bytes)?;
    out.flush()?;
    let digest: [u8; 32] = hasher.finalize().into();
    Ok(Placed {
        contents_offset: base + lt as u64 + 1,
        reserved,
        byte_range,
        digest,
        field_name,
    })
}

/// Prepares, signs with an in-process key, optionally timestamps, finishes.
pub fn sign<S: Source + ?Sized, W: Write + Seek>(
    src: &S,
    out: &mut W,
    key: &dyn Signer,
    signer: &Certificate,
    chain: &[Certificate],
    tsa: Option<&dyn TimeStamper>,
    opts: &SignOptions,
) -> Result<Signed> {
    if SignatureAlgorithm::for_certificate(signer)? != key.algorithm() {
        return Err(Error::KeyMismatch);
    }
    let prepared = prepare(src, out, signer, opts)?;
    let signature = key.sign(prepared.to_be_signed())?;
    finish_with(prepared, out, &signature, chain, tsa)
}

/// As [`sign`], for keys that answer asynchronously (keystore, token, remote).
pub async fn sign_async<S: Source + ?Sized, W: Write + Seek, K: AsyncSigner>(
    src: &S,
    out: &mut W,
    key: &K,
    signer: &Certificate,
    chain: &[Certificate],
    tsa: Option<&dyn TimeStamper>,
    opts: &SignOptions,
) -> Result<Signed> {
    if SignatureAlgorithm::for_certificate(signer)? != key.algorithm() {
        return Err(Error::KeyMismatch);
    }
    let prepared = prepare(src, out, signer, opts)?;
    let signature = key.sign(prepared.to_be_signed()).await?;
    finish_with(prepared, out, &signature, chain, tsa)
}

fn finish_with<W: Write + Seek>(
    prepared: Prepared,
    out: &mut W,
    signature: &[u8],
    chain: &[Certificate],
    tsa: Option<&dyn TimeStamper>,
) -> Result<Signed> {
    let tst = match tsa {
        Some(t) => Some(t.timestamp(&signature_imprint(signature))?),
        None => None,
    };
    let summary = Signed {
        field_name: prepared.field_name.clone(),
        byte_range: prepared.byte_range,
        document_digest: prepared.digest,
        timestamped: tst.is_some(),
    };
    prepared.finish(out, signature, chain, tst.as_deref())?;
    Ok(summary)
}

/// `D:YYYYMMDDHHmmSS+07'00'` in Vietnam time (ISO 32000-1 §7.9.4).
pub fn pdf_date(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!("D:[year][month][day][hour][minute][second]+07'00'");
    appearance::vietnam_time(t).format(&f).unwrap_or_default()
}

/// A PDF date (`D:YYYYMMDDHHmmSS` with `Z`, `+HH'mm'` or `-HH'mm'`; the
/// apostrophes optional) as ISO 8601 in Vietnam time, e.g.
/// `2026-03-05T14:30:00+07:00` (DESIGN.md §5), or `None` when it is not a
/// complete date with seconds and an offset.
pub fn pdf_date_to_iso(s: &str) -> Option<String> {
    let s = s.strip_prefix("D:").unwrap_or(s);
    let local = crate::timestamp::date_time_14(s.get(..14)?)?;
    let zone: String = s[14..].chars().filter(|c| *c != '\'').collect();
    let offset = match zone.as_str() {
        "Z" | "Z00" | "Z0000" => time::UtcOffset::UTC,
        z if z.len() == 5 && (z.starts_with('+') || z.starts_with('-')) => {
            let h: i8 = z[1..3].parse().ok()?;
            let m: i8 = z[3..5].parse().ok()?;
            let sign = if z.starts_with('-') { -1 } else { 1 };
            time::UtcOffset::from_hms(sign * h, sign * m, 0).ok()?
        }
        _ => return None,
    };
    let t = local.assume_offset(offset);
    Some(appearance::iso_time_vn(t))
}

/// Adds a Document Security Store (ISO 32000-2 §12.8.4.3; PAdES B-LT) as
/// one incremental update: `certs` (DER certificates) and `crls` (DER CRLs)
/// appended to the catalog's `/DSS` `/Certs` and `/CRLs` (kept, when the
/// document has a DSS already, with what it holds). Nothing else changes,
/// so profile A accepts the revision after any signature.
pub fn add_dss<S: Source + ?Sized, W: Write + Seek>(
    src: &S,
    out: &mut W,
    certs: &[Vec<u8>],
    crls: &[Vec<u8>],
) -> Result<()> {
    let doc = Document::open_with(src, ReadOptions::lenient())?;
    let (root, mut catalog) = doc.catalog()?;
    let mut up = Update::new(&doc);
    let mut dss = match catalog.get("DSS").map(|d| doc.resolve(d)).transpose()? {
        Some(Object::Dict(d)) => d,
        None | Some(Object::Null) => Dict::from_pairs([("Type", Object::name("DSS"))]),
        Some(_) => return Err(Error::Structure("/DSS is not a dictionary".into())),
    };
    for (key, items) in [("Certs", certs), ("CRLs", crls)] {
        if items.is_empty() {
            continue;
        }
        let mut list = match dss.get(key).map(|a| doc.resolve(a)).transpose()? {
            Some(Object::Array(a)) => a,
            None | Some(Object::Null) => Vec::new(),
            Some(_) => return Err(Error::Structure(format!("/DSS /{key} is not an array"))),
        };
        for der in items {
            let r = up.add(Object::Stream(Stream {
                dict: Dict::from_pairs([("Filter", Object::name("FlateDecode"))]),
                data: StreamData::Bytes(crate::filter::deflate(der)),
            }));
            list.push(r.into());
        }
        dss.set(key, Object::Array(list));
    }
    let dss_ref = match catalog.get("DSS") {
        Some(Object::Ref(r)) => *r,
        _ => up.allocate(),
    };
    up.put(dss_ref, dss);
    if catalog.get("DSS").and_then(Object::as_ref) != Some(dss_ref) {
        catalog.set("DSS", dss_ref);
        up.put(root, catalog);
    }
    let base = doc.source().len();
    let ser = up.serialize(&doc)?;
    out.seek(SeekFrom::Start(0))?;
    for_each_chunk(doc.source(), 0..base, |chunk| out.write_all(chunk))?;
    out.write_all(&ser.bytes)?;
    out.flush()?;
    Ok(())
}

fn add_field_to_acroform<S: Source>(
    doc: &Document<S>,
    up: &mut Update,
    field: ObjRef,
    wanted: Option<&str>,
) -> Result<String> {
    let (root, mut catalog) = doc.catalog()?;
    let (acroform_ref, mut acroform) = match catalog.get("AcroForm") {
        None | Some(Object::Null) => (None, Dict::new()),
        Some(Object::Ref(r)) => (Some(*r), doc.resolve_dict(&Object::Ref(*r), "/AcroForm")?),
        Some(Object::Dict(d)) => (None, d.clone()),
        Some(_) => return Err(Error::Structure("/AcroForm is not a dictionary".into())),
    };
    // Existing top-level field names, so ours is unique.
    let (fields_ref, mut fields) = match acroform.get("Fields") {
        None | Some(Object::Null) => (None, Vec::new()),
        Some(Object::Ref(r)) => match doc.get(*r)? {
            Object::Array(a) => (Some(*r), a),
            _ => return Err(Error::Structure("/AcroForm /Fields is not an array".into())),
        },
        Some(Object::Array(a)) => (None, a.clone()),
        Some(_) => return Err(Error::Structure("/AcroForm /Fields is not an array".into())),
    };
    let mut names = HashSet::new();
    for f in &fields {
        if let Ok(Object::Dict(d)) = doc.resolve(f)
            && let Some(Object::String(t)) = d.get("T")
        {
            names.insert(t.to_text());
        }
    }
    let name = match wanted {
        Some(n) if names.contains(n) => {
            return Err(Error::Structure(format!(
                "a field named '{n}' already exists"
            )));
        }
        Some(n) => n.to_string(),
        None => (1..)
            .map(|i| format!("Signature{i}"))
            .find(|n| !names.contains(n))
            .unwrap_or_else(|| "Signature".into()),
    };
    fields.push(Object::Ref(field));
    match fields_ref {
        Some(r) => up.put(r, Object::Array(fields)),
        None => acroform.set("Fields", Object::Array(fields)),
    }
    let before = acroform.clone();
    acroform.set("SigFlags", Object::Int(3));
    match acroform_ref {
        // Rewrite the form only when it changed: an unchanged rewrite is
        // something a strict verifier rightly frowns upon.
        Some(r) if acroform != before || fields_ref.is_none() => up.put(r, acroform),
        Some(_) => {}
        None => {
            let r = up.add(acroform);
            catalog.set("AcroForm", r);
            up.put(root, catalog);
        }
    }
    Ok(name)
}

fn add_widget_to_page<S: Source>(
    doc: &Document<S>,
    up: &mut Update,
    page: &crate::document::Page,
    widget: ObjRef,
) -> Result<()> {
    let mut dict = page.dict.clone();
    match dict.get("Annots") {
        None | Some(Object::Null) => {
            dict.set("Annots", Object::Array(vec![widget.into()]));
            up.put(page.obj, dict);
        }
        Some(Object::Ref(r)) => {
            let r = *r;
            let Object::Array(mut a) = doc.get(r)? else {
                return Err(Error::Structure(
                    "the page's /Annots is not an array".into(),
                ));
            };
            a.push(widget.into());
            up.put(r, Object::Array(a));
        }
        Some(Object::Array(a)) => {
            let mut a = a.clone();
            a.push(widget.into());
            dict.set("Annots", Object::Array(a));
            up.put(page.obj, dict);
        }
        Some(_) => {
            return Err(Error::Structure(
                "the page's /Annots is not an array".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
